"""The dbt project that builds the indicators, and how clustermon runs dbt.

The manifest is prepared once (`make`, or the CLI on a fresh install) and nothing parses dbt
at import time, except under `dagster dev`, which re-parses so model edits show up. Every dbt
invocation gets the run's folders and settings as `--vars` (`dbt_vars`): the profile reads the
warehouse's path from them and the models the programme's settings.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.compat import DBT_PYTHON_VERSION

from clustermon.home import DBT_PROJECT_DIR, Paths
from clustermon.settings import ProgrammeSettings

if TYPE_CHECKING:
    from packaging.version import Version

# Parsing opens no warehouse; the profile still needs a path to render.
PARSE_ARGUMENTS = ["parse", "--quiet", "--vars", json.dumps({"warehouse": ":memory:"})]

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    prepare_project_cli_args=PARSE_ARGUMENTS,
)
dbt_project.prepare_if_dev()


VENV_DBT = Path(sys.executable).with_name("dbt")  # the venv's dbt, beside its interpreter


def dbt_executable() -> str:
    """The venv's dbt, found beside the running interpreter even when the venv is not active."""
    return str(VENV_DBT) if VENV_DBT.exists() else shutil.which("dbt") or "dbt"


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs of every invocation, 2.7 s of each dbt
    step (measured): asking the executable for its version in a process of its own
    (`dbt --version`, 1.6 s), and loading the project and a dbt adapter into this process
    (1.1 s), which dagster-dbt only uses to fetch row counts and column metadata, and no asset
    here fetches them. The venv's executable (`dbt_executable`) is the installed dbt-core's
    version; another one (a dbt found on the PATH, maybe Fusion) is asked as dagster-dbt does.
    tests/transform/test_dbt_cli.py checks both steps against dagster-dbt."""

    @property
    def _cli_version(self) -> Version:
        if DBT_PYTHON_VERSION and Path(self.dbt_executable).resolve() == VENV_DBT.resolve():
            return DBT_PYTHON_VERSION
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource(project_dir: Path = DBT_PROJECT_DIR) -> DbtCli:
    return DbtCli(
        project_dir=str(project_dir), profiles_dir=str(project_dir), dbt_executable=dbt_executable()
    )


def prepare_manifest() -> None:
    """Parse the dbt project into target/manifest.json (what `make` and a fresh CLI do)."""
    dbt_resource().cli(PARSE_ARGUMENTS, target_path=dbt_project.target_path).wait()


def dbt_vars(paths: Paths, settings: ProgrammeSettings) -> list[str]:
    """`--vars` for a dbt invocation on this installation: the warehouse and the settings."""
    values = {"warehouse": str(paths.warehouse), **settings.model_dump()}
    return ["--vars", json.dumps(values, sort_keys=True)]


if __name__ == "__main__":
    prepare_manifest()
