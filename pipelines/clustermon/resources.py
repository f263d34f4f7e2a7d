"""Resources every stage shares: the installation's folders and the programme's settings.

`ClustermonHome` is the one place pipeline code learns where it works: assets, checks,
sensors and schedules take it as a resource. The CLI configures it with the folders of its
flags; `dagster dev` and the service configure it from the environment (`from_environment`).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from dagster import ConfigurableResource, EnvVar, InitResourceContext
from filelock import FileLock, Timeout
from pydantic import PrivateAttr

from clustermon.home import HOME_ENV, INBOX_ENV, PROGRAMME_ENV, Paths
from clustermon.operations.recovery import recover
from clustermon.settings import ProgrammeSettings

# How often a run waiting for the lock tries again: it sleeps in between (no CPU spent), and
# SIGTERM or a terminate from the UI ends the wait.
LOCK_POLL_SECONDS = 1.0


def refresh_lock(paths: Paths) -> FileLock:
    """The home's refresh lock: an OS lock (flock) the kernel releases when its holder dies,
    SIGKILL included, so a crash leaves nothing to clean up."""
    paths.home.mkdir(parents=True, exist_ok=True)
    return FileLock(paths.home / "refresh.lock")


def _holder_file(paths: Paths) -> Path:
    # Beside the lock, not in it: filelock truncates the lock file on every attempt to take it.
    return paths.home / "refresh.holder.json"


def record_holder(paths: Paths, holder: str) -> None:
    """Say who holds the lock, for those who wait for it (written by the holder only)."""
    record = {"holder": holder, "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
    temporary = _holder_file(paths).with_suffix(".tmp")
    temporary.write_text(json.dumps(record))
    temporary.replace(_holder_file(paths))


def lock_holder(paths: Paths) -> str | None:
    """Who holds the home's refresh lock, in words; None when it is free (a record a killed
    holder left behind describes nobody: the kernel released its lock)."""
    lock = refresh_lock(paths)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        try:
            record = json.loads(_holder_file(paths).read_text())
        except (OSError, ValueError):  # taken a moment ago, its record not yet written
            return "another refresh (starting)"
        return f"{record['holder']} (pid {record['pid']}, since {record['since'][:19]} UTC)"
    lock.release()
    return None


class ClustermonHome(ConfigurableResource):
    """The home folder (warehouse, archive, publications, Dagster history), the inbox of
    regional packages and the programme folder (regions, targets, settings.toml)."""

    home: str
    inbox: str | None = None
    programme: str | None = None
    _settings: ProgrammeSettings | None = PrivateAttr(default=None)

    @classmethod
    def for_paths(cls, paths: Paths) -> ClustermonHome:
        return cls(home=str(paths.home), inbox=str(paths.inbox), programme=str(paths.programme))

    @classmethod
    def from_environment(cls) -> ClustermonHome:
        """The folders Dagster's own processes (`dagster dev`, the service) are given:
        CLUSTERMON_HOME (default: the repository's data/), CLUSTERMON_INBOX and
        CLUSTERMON_PROGRAMME where set."""
        if HOME_ENV not in os.environ:
            return cls.for_paths(Paths.resolve())
        return cls(
            home=EnvVar(HOME_ENV),
            inbox=EnvVar(INBOX_ENV) if INBOX_ENV in os.environ else None,
            programme=EnvVar(PROGRAMME_ENV) if PROGRAMME_ENV in os.environ else None,
        )

    def paths(self) -> Paths:
        return Paths.at(self.home, self.inbox, self.programme)

    def settings(self) -> ProgrammeSettings:
        """The programme's settings.toml, parsed once per run (SettingsError if invalid)."""
        if self._settings is None:
            self._settings = ProgrammeSettings.load(self.paths().programme)
        return self._settings


class RefreshLock(ConfigurableResource):
    """One run at a time per home, whoever launched it (CLI, schedule, sensor, UI): taken when
    the run starts (before its first step), released when it ends. Every step that opens the
    working warehouse takes it as a parameter, so that any run or subset of steps holds it:
    DuckDB allows one writer per file, and the gate must judge the tables its run publishes.
    Once it holds the lock, a run marks failed the runs a crash left "started"
    (`operations/recovery.py`)."""

    home: ClustermonHome
    _lock: FileLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        lock = refresh_lock(self.home.paths())
        try:
            lock.acquire(blocking=False)
        except Timeout:
            holder = lock_holder(self.home.paths()) or "a refresh ending"
            context.log.info(f"Waiting for the refresh running on this home: {holder}.")
            lock.acquire(poll_interval=LOCK_POLL_SECONDS)
        record_holder(self.home.paths(), f"run {context.run_id}")
        self._lock = lock
        recover(context.instance, context.run_id, context.log.warning)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._lock is not None:
            _holder_file(self.home.paths()).unlink(missing_ok=True)
            self._lock.release()
            self._lock = None
