"""Where clustermon reads and writes: one home folder, an inbox and a programme folder.

Every entry point (CLI, `dagster dev`, tests) resolves the same three folders from the
environment, so the CLI is a thin front that sets them and runs the Dagster graph.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
NUTS_REFERENCE = DBT_PROJECT_DIR / "seeds" / "nuts2021.csv"

HOME_ENV, INBOX_ENV, PROGRAMME_ENV = "CLUSTERMON_HOME", "CLUSTERMON_INBOX", "CLUSTERMON_PROGRAMME"


@dataclass(frozen=True)
class Paths:
    """The folders of one clustermon installation; everything else derives from them."""

    home: Path
    inbox: Path
    programme: Path

    @classmethod
    def from_env(cls) -> Paths:
        home = Path(os.environ.get(HOME_ENV) or REPO_ROOT / "data").resolve()
        inbox = Path(os.environ.get(INBOX_ENV) or home / "inbox").resolve()
        programme = Path(os.environ.get(PROGRAMME_ENV) or home / "programme").resolve()
        return cls(home, inbox, programme)

    def export(self) -> None:
        """Make these folders the environment's, for Dagster resources and dbt's profile."""
        os.environ[HOME_ENV] = str(self.home)
        os.environ[INBOX_ENV] = str(self.inbox)
        os.environ[PROGRAMME_ENV] = str(self.programme)

    @property
    def warehouse(self) -> Path:
        """The working warehouse: one writer (the pipeline), never read by users."""
        return self.home / "warehouse.duckdb"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def published_warehouse(self) -> Path:
        return self.published / "monitoring.duckdb"

    @property
    def site(self) -> Path:
        return self.published / "site"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"
