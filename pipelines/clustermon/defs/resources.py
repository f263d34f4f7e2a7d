"""Resources: where clustermon's folders are, and the dbt project that builds the indicators."""

import shutil
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from clustermon.settings import DBT_PROJECT_DIR, Paths

# Every step that opens the working warehouse claims this concurrency pool; dagster.yaml limits
# each pool to one step at a time across all runs (DuckDB allows one writer per file).
WAREHOUSE_POOL = "duckdb_warehouse"


class ClustermonFolders(ConfigurableResource):
    """The home, inbox and programme folders, resolved from the environment at run time.

    The CLI sets CLUSTERMON_HOME, CLUSTERMON_INBOX and CLUSTERMON_PROGRAMME before it runs the
    graph; `dagster dev` reads the same variables, so both see one installation.
    """

    def paths(self) -> Paths:
        return Paths.from_env()


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` re-parses on start so model edits show up; elsewhere the manifest is prepared
# once by `make` (or the CLI) and nothing parses at import time.
dbt_project.prepare_if_dev()


def dbt_executable() -> str:
    """The venv's dbt, found beside the running interpreter even when the venv is not active."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else shutil.which("dbt") or "dbt"


RESOURCES = {
    "folders": ClustermonFolders(),
    "dbt": DbtCliResource(
        project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    ),
}
