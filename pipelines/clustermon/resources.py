"""Resources every stage shares: the installation's folders and the programme's settings.

`ClustermonHome` is the one place pipeline code learns where it works: assets, checks,
sensors and schedules take it as a resource. The CLI configures it with the folders of its
flags; `dagster dev` and the service configure it from the environment (`from_environment`).
"""

from __future__ import annotations

import os

from dagster import ConfigurableResource, EnvVar
from pydantic import PrivateAttr

from clustermon.home import HOME_ENV, INBOX_ENV, PROGRAMME_ENV, Paths
from clustermon.settings import ProgrammeSettings

# Every step that opens the working warehouse claims this concurrency pool; dagster.yaml limits
# each pool to one step at a time across all runs (DuckDB allows one writer per file).
WAREHOUSE_POOL = "duckdb_warehouse"


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
