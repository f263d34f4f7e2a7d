"""dbt builds in the home's own target folder: the second refresh of a home re-parses nothing,
and no run leaves a folder in the repository's dbt project."""

from pathlib import Path

from clustermon.transform.project import dbt_project
from conftest import home_with_fixture, run_refresh

FULL_REPARSE = "Unable to do partial parsing"


def dbt_log(target: Path) -> str:
    """dbt's debug log of a home, its rotated parts included (dbt rotates it at 10 MB)."""
    return "".join(part.read_text() for part in target.glob("dbt.log*"))


def test_second_refresh_of_a_home_parses_partially(tmp_path: Path) -> None:
    runs_in_repository = set(dbt_project.target_path.glob("indicator_models-*"))
    paths = home_with_fixture(tmp_path, "skeleton")
    assert run_refresh(paths)
    # The first build re-parses: its warehouse path differs from the prepared manifest's.
    first = dbt_log(paths.dbt_target).count(FULL_REPARSE)
    assert first > 0

    assert run_refresh(paths)  # nothing new: ingestion skips, dbt builds what is to compute
    assert dbt_log(paths.dbt_target).count("Running with dbt=") == 2
    assert dbt_log(paths.dbt_target).count(FULL_REPARSE) == first
    assert (paths.dbt_target / "partial_parse.msgpack").exists()
    assert set(dbt_project.target_path.glob("indicator_models-*")) == runs_in_repository
