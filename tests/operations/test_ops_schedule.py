"""The quarterly schedule: which date yields which run, read from the programme's settings."""

import shutil
from datetime import UTC, datetime

import duckdb
import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_schedule_context

from clustermon.home import Paths
from clustermon.operations.schedules import quarterly_refresh
from clustermon.resources import ClustermonHome
from conftest import home_with_fixture

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture
def home(skeleton_home: Paths, tmp_path) -> Paths:
    """The refreshed skeleton (AT12: 2024Q4 and 2025Q1) with a second region in the programme,
    AT13, that sent none."""
    shutil.copytree(skeleton_home.home, tmp_path / "home", symlinks=True)
    paths = Paths(tmp_path / "home", skeleton_home.inbox, tmp_path / "programme")
    shutil.copytree(skeleton_home.programme, paths.programme)
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("INSERT INTO raw.regions VALUES ('AT13', 'Wien-Umland', '2024-10-01')")
    return paths


def evaluate(home: Paths, year: int, month: int, day: int) -> RunRequest | SkipReason:
    with DagsterInstance.local_temp() as instance:
        context = build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(year, month, day, 6, tzinfo=UTC),
            resources={"home": ClustermonHome.for_paths(home)},
        )
        return quarterly_refresh(context)


def test_before_the_due_day_nothing_runs(home):
    # 2025Q1 ends on 2025-03-31; the default is 15 days after: 2025-04-15.
    result = evaluate(home, 2025, 4, 14)
    assert isinstance(result, SkipReason)
    assert "2025Q1" in result.skip_message and "2025-04-15" in result.skip_message


def test_on_the_due_day_everything_is_refreshed_for_the_ended_quarter(tmp_path):
    fresh = home_with_fixture(tmp_path, "skeleton")  # nothing loaded yet
    result = evaluate(fresh, 2025, 4, 15)
    assert isinstance(result, RunRequest)
    assert result.run_key == "quarterly-2025Q1"  # once per quarter
    assert result.tags["clustermon/quarter"] == "2025Q1"
    # Every package in one run: the range from the first to the last package partition.
    assert (result.tags[RANGE_START], result.tags[RANGE_END]) == ("AT12|2024Q4", "AT12|2025Q1")
    assert result.tags["clustermon/stale_regions"] == "unknown: nothing refreshed yet"


def test_the_run_is_tagged_with_the_regions_stale_when_it_is_requested(home):
    result = evaluate(home, 2025, 4, 15)
    assert result.run_key == "quarterly-2025Q1"
    # AT12 sent 2025Q1; AT13 sent nothing: stale.
    assert result.tags["clustermon/stale_regions"] == "AT13"
    # Both of AT12's packages are loaded: the run covers the newest, which ingestion skips.
    assert (result.tags[RANGE_START], result.tags[RANGE_END]) == ("AT12|2025Q1", "AT12|2025Q1")


def test_a_quarter_later_the_region_without_a_new_package_is_stale(home):
    # 2025-07-16: the last ended quarter is 2025Q2 (ends 2025-06-30, due 2025-07-15); AT12's
    # newest package is 2025Q1, so both regions lack a 2025Q2 package. A tick after the due day
    # still requests the run (same run key): Dagster launches it once, catching up a missed day.
    result = evaluate(home, 2025, 7, 16)
    assert result.run_key == "quarterly-2025Q2"
    assert result.tags["clustermon/stale_regions"] == "AT12,AT13"


def test_the_day_comes_from_the_programme_settings(home):
    (home.programme / "settings.toml").write_text("refresh_days_after_quarter_end = 30\n")
    # 2025-03-31 + 30 days = 2025-04-30.
    assert isinstance(evaluate(home, 2025, 4, 15), SkipReason)
    assert isinstance(evaluate(home, 2025, 4, 29), SkipReason)
    assert evaluate(home, 2025, 4, 30).run_key == "quarterly-2025Q1"
    # Q4 ends 2025-12-31: due 2026-01-30, in the next year.
    assert isinstance(evaluate(home, 2026, 1, 29), SkipReason)
    assert evaluate(home, 2026, 1, 30).tags["clustermon/quarter"] == "2025Q4"
