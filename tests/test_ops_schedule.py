"""The quarterly schedule: which date yields which run, read from the programme's settings."""

from datetime import UTC, datetime

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_schedule_context

from clustermon.defs.schedules import quarterly_refresh
from conftest import home_with_fixture

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture
def home(tmp_path):
    """The skeleton inbox (AT12: 2024Q4 and 2025Q1) with a second region, AT13, that sent none."""
    paths = home_with_fixture(tmp_path, "skeleton")
    with (paths.programme / "regions.csv").open("a") as regions:
        regions.write("AT13,Wien-Umland,2024-10-01\n")
    paths.export()
    return paths


def evaluate(year: int, month: int, day: int) -> RunRequest | SkipReason:
    with DagsterInstance.local_temp() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(year, month, day, 6, tzinfo=UTC)
        )
        return quarterly_refresh(context)


def test_before_the_due_day_nothing_runs(home):
    # 2025Q1 ends on 2025-03-31; the default is 15 days after: 2025-04-15.
    result = evaluate(2025, 4, 14)
    assert isinstance(result, SkipReason)
    assert "2025Q1" in result.skip_message and "2025-04-15" in result.skip_message


def test_on_the_due_day_everything_is_refreshed_for_the_ended_quarter(home):
    result = evaluate(2025, 4, 15)
    assert isinstance(result, RunRequest)
    assert result.run_key == "quarterly-2025Q1"  # once per quarter
    assert result.tags["clustermon/quarter"] == "2025Q1"
    # Every package in one run: the range from the first to the last package partition.
    assert (result.tags[RANGE_START], result.tags[RANGE_END]) == ("AT12|2024Q4", "AT12|2025Q1")
    # AT12 sent 2025Q1; AT13 sent nothing: stale.
    assert result.tags["clustermon/regions_without_package"] == "AT13"


def test_a_quarter_later_the_region_without_a_new_package_is_stale(home):
    # 2025-07-16: the last ended quarter is 2025Q2 (ends 2025-06-30, due 2025-07-15); AT12's
    # newest package is 2025Q1, so both regions lack a 2025Q2 package. A tick after the due day
    # still requests the run (same run key): Dagster launches it once, catching up a missed day.
    result = evaluate(2025, 7, 16)
    assert result.run_key == "quarterly-2025Q2"
    assert result.tags["clustermon/regions_without_package"] == "AT12,AT13"


def test_the_day_comes_from_the_programme_settings(home):
    (home.programme / "settings.toml").write_text("refresh_days_after_quarter_end = 30\n")
    # 2025-03-31 + 30 days = 2025-04-30.
    assert isinstance(evaluate(2025, 4, 15), SkipReason)
    assert isinstance(evaluate(2025, 4, 29), SkipReason)
    assert evaluate(2025, 4, 30).run_key == "quarterly-2025Q1"
    # Q4 ends 2025-12-31: due 2026-01-30, in the next year.
    assert isinstance(evaluate(2026, 1, 29), SkipReason)
    assert evaluate(2026, 1, 30).tags["clustermon/quarter"] == "2025Q4"
