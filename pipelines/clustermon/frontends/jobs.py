"""Running a job of the Dagster definitions on a home, as the CLI and the service do: the
instance under <home>/dagster, the run's tags, the progress view on the terminal and the whole
log in a file, and what the run published (RunOutcome)."""

from __future__ import annotations

import contextlib
import contextvars
import io
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from clustermon.frontends.endings import PARTS, RunOutcome
from clustermon.home import REPO_ROOT, Paths

if TYPE_CHECKING:
    from dagster import DagsterInstance


def dagster_home(paths: Paths) -> Path:
    """<home>/dagster with the project's dagster.yaml: the instance (run history) that the CLI,
    `make dev` and the service share."""
    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", paths.dagster_home / "dagster.yaml")
    return paths.dagster_home


def dagster_instance(paths: Paths) -> DagsterInstance:
    """The Dagster instance under <home>/dagster."""
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(dagster_home(paths)))


def run_tags(instance: DagsterInstance, paths: Paths) -> dict[str, str]:
    """One run over the packages to load, the inbox's registered first (see operations/)."""
    from clustermon.ingest.inbox import arrival_rule, scan_inbox
    from clustermon.operations.partitions import refresh_tags

    scan = scan_inbox(paths.inbox, arrival_rule(paths.programme))
    for why in scan.arriving:
        print(f"Skipped, {why}", flush=True)
    tags = refresh_tags(instance, scan.packages, paths.warehouse)
    if tags is None:
        raise SystemExit(
            f"No package to refresh: the inbox {paths.inbox} holds none that has arrived."
        )
    return tags


def refresh(paths: Paths, job: str = "refresh") -> bool:
    """Run a job (`refresh`, or `publish`); True when it published the warehouse and the site."""
    return run_job(paths, job).complete


class _Both(io.TextIOBase):
    """Writes go to the log file and to the terminal (`--verbose`)."""

    def __init__(self, *streams: TextIO) -> None:
        self._streams = streams

    def write(self, text: str) -> int:
        for stream in self._streams:
            stream.write(text)
            stream.flush()
        return len(text)


def run_job(paths: Paths, job: str = "refresh", verbose: bool = False) -> RunOutcome:
    """Run a job (`refresh`, or `publish`), send its alerts, and say what it published. The
    terminal shows one line per step, the log file everything; `verbose` streams everything
    to the terminal too (Dagster's event log and dbt's output).

    Each run has a context (`contextvars`) of its own. Dagster keeps the entered instance's
    state storage in a context variable, read when the job is resolved. A generator left
    unfinished by an earlier run in this process restores, when it is collected, the value it
    found: the earlier run's instance, closed by then ("Attempted to resolve undefined
    DagsterInstance weakref", once in a test run). A token of another context cannot be reset
    in this one, and Dagster then leaves no storage, which resolving reads as no stored state.
    """
    return contextvars.Context().run(_run_job, paths, job, verbose)


def _run_job(paths: Paths, job: str, verbose: bool) -> RunOutcome:
    from clustermon.frontends.status import failing_checks
    from clustermon.ingest.assets import RECEIPTS
    from clustermon.operations.alerts import alert_run
    from clustermon.operations.progress import error_reason
    from clustermon.transform.project import dbt_project, prepare_manifest

    if not dbt_project.manifest_path.exists():
        prepare_manifest()  # a fresh install without make; the definitions load the manifest
    from clustermon.definitions import build_definitions
    from clustermon.operations.progress import write_run_log
    from clustermon.resources import ClustermonHome

    definitions = build_definitions(ClustermonHome.for_paths(paths))
    paths.logs.mkdir(parents=True, exist_ok=True)
    log_file = paths.logs / f"{job}-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    # One line per step on the terminal; dbt's output and the run's whole event log, stack
    # traces included, in the log file.
    with (
        dagster_instance(paths) as instance,
        log_file.open("w", encoding="utf-8") as log,
    ):
        tags = run_tags(instance, paths) if job == "refresh" else None
        console = {"console": {"config": {"log_level": "DEBUG"}}} if verbose else {}
        # Under --verbose Dagster's console lines come between progress reports: plain lines.
        loggers = {"progress": {"config": {"bar": not verbose}}, **console}
        with contextlib.redirect_stdout(_Both(log, sys.__stdout__) if verbose else log):
            result = definitions.resolve_job_def(job).execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": loggers},
                tags=tags,
            )
        write_run_log(instance, result.run_id, log)
        checks = failing_checks(instance, result.run_id)
        alerts = alert_run(instance, result.dagster_run, paths, _warn)
    print(f"Run log: {log_file}")
    return RunOutcome(
        run_id=result.run_id,
        success=result.success,
        published=frozenset(
            key
            for event in result.get_asset_materialization_events()
            if event.asset_key and (key := event.asset_key.to_user_string()) in PARTS
        ),
        failed_steps={
            event.step_key: error_reason(event.step_failure_data.error)
            for event in result.get_step_failure_events()
            if event.step_key
        },
        failing_checks=checks,
        alerts=[f"{alert.kind}: {alert.message}" for alert in alerts],
        intake=next(
            (
                {name: entry.value for name, entry in event.materialization.metadata.items()}
                for event in result.get_asset_materialization_events()
                if event.asset_key and event.asset_key.path[-1] == RECEIPTS
            ),
            {},
        ),
    )


def _warn(message: str) -> None:
    print(message, file=sys.stderr)
