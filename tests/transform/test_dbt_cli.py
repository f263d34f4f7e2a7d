"""The dbt resource (transform/project.py) skips two of dagster-dbt's start-up steps: what it
puts in their place must be what they would give."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version

from clustermon.home import REPO_ROOT
from clustermon.transform.project import DbtCli, dbt_executable, dbt_resource

INVOCATION = """
import sys
from pathlib import Path
from clustermon.home import DBT_PROJECT_DIR
from clustermon.transform.project import PARSE_ARGUMENTS, DbtCli, DbtCliResource, dbt_executable
folder = str(DBT_PROJECT_DIR)
resource = {resource}(project_dir=folder, profiles_dir=folder, dbt_executable=dbt_executable())
resource.cli(PARSE_ARGUMENTS, target_path=Path(sys.argv[1])).wait()
print("dbt.adapters.duckdb" in sys.modules)
"""


def test_the_version_is_the_one_the_executable_reports():
    reported = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    installed = re.search(r"installed:\s*(\S+)", reported)
    assert installed, reported
    assert dbt_resource()._cli_version == Version(installed.group(1))


def test_what_it_replaces_is_still_dagster_dbts():
    # A renamed step upstream would leave the replacement unused, and the step's cost back.
    invocation = inspect.getsource(DbtCliResource.cli)
    for step in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert step in vars(DbtCliResource) and f"self.{step}" in invocation
        assert step in vars(DbtCli)


def _adapter_loaded(resource: str, target: Path) -> bool:
    """Whether an invocation through `resource` loaded a dbt adapter into the calling process."""
    shown = subprocess.run(
        [sys.executable, "-c", INVOCATION.format(resource=resource), str(target)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (target / "manifest.json").exists()
    return shown.stdout.strip().splitlines()[-1] == "True"


def test_an_invocation_loads_no_adapter_into_the_calling_process(tmp_path: Path):
    assert not _adapter_loaded("DbtCli", tmp_path / "ours")
    # dagster-dbt's own resource does (what makes the test able to fail).
    assert _adapter_loaded("DbtCliResource", tmp_path / "upstream")
