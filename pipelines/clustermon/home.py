"""Where clustermon reads and writes: one home folder, an inbox and a programme folder.

Pipeline code gets its folders from the `ClustermonHome` resource (resources.py); only the
front ends resolve them, from their flags or else the environment, here.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
NUTS_REFERENCE = DBT_PROJECT_DIR / "seeds" / "nuts2021.csv"
# Eurostat's NUTS 2021 region shapes the dashboard maps draw (see its README for the licence).
GEO_REFERENCE = DASHBOARDS_DIR / "reference" / "geo"

HOME_ENV, INBOX_ENV, PROGRAMME_ENV = "CLUSTERMON_HOME", "CLUSTERMON_INBOX", "CLUSTERMON_PROGRAMME"


def code_version() -> str:
    """`git describe` of the checkout the code runs from, else the installed package version."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        return f"git {described}"
    except (OSError, subprocess.SubprocessError):
        return f"clustermon {metadata.version('clustermon')}"


@dataclass(frozen=True)
class Paths:
    """The folders of one clustermon installation; everything else derives from them."""

    home: Path
    inbox: Path
    programme: Path

    @classmethod
    def at(
        cls, home: str | Path, inbox: str | Path | None = None, programme: str | Path | None = None
    ) -> Paths:
        """The inbox and programme folder default to `inbox/` and `programme/` in the home."""
        root = Path(home).resolve()
        return cls(
            root,
            Path(inbox or root / "inbox").resolve(),
            Path(programme or root / "programme").resolve(),
        )

    @classmethod
    def resolve(
        cls,
        home: str | Path | None = None,
        inbox: str | Path | None = None,
        programme: str | Path | None = None,
    ) -> Paths:
        """Folders given explicitly, else from CLUSTERMON_HOME, CLUSTERMON_INBOX and
        CLUSTERMON_PROGRAMME, else the repository's `data/`."""
        return cls.at(
            home or os.environ.get(HOME_ENV) or REPO_ROOT / "data",
            inbox or os.environ.get(INBOX_ENV),
            programme or os.environ.get(PROGRAMME_ENV),
        )

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
    def briefs(self) -> Path:
        """The benchmarking briefs of the site in force (a link into it: site/briefs)."""
        return self.published / "briefs"

    @property
    def dbt_target(self) -> Path:
        """dbt's target and log folder for this home's builds: one folder kept from run to run,
        so dbt re-parses only what changed (its partial parse is keyed by the warehouse path
        and the settings, the same on every run of a home)."""
        return self.home / "dbt"

    @property
    def logs(self) -> Path:
        """The CLI's run logs and error reports."""
        return self.home / "logs"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"
