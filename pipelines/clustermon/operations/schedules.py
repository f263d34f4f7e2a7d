"""The quarterly refresh: the packages not loaded yet, the models, the gate and the publication.

The day is the programme's: `refresh_days_after_quarter_end` in the programme folder's
settings.toml. A cron string is fixed when the definitions load, so the schedule ticks daily
and its evaluation reads the setting; the run key (the quarter) makes the refresh run once per
quarter, on the due day or, if Dagster was not running then, on the next tick.
"""

from datetime import date, timedelta

import duckdb
from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from clustermon.contract import last_ended_quarter, quarter_end
from clustermon.ingest.inbox import arrival_rule, scan_inbox
from clustermon.operations.partitions import refresh_tags
from clustermon.resources import ClustermonHome
from clustermon.transform.staleness import stale_regions

QUARTER_TAG = "clustermon/quarter"
STALE_TAG = "clustermon/stale_regions"


def _stale_before_the_run(home: ClustermonHome, day: date) -> str:
    """The regions stale on `day` by the warehouse as the last run left it (its packages
    still in the inbox are loaded by this run)."""
    paths = home.paths()
    if not paths.warehouse.exists():
        return "unknown: nothing refreshed yet"
    try:
        _, stale = stale_regions(paths, day)
    except (duckdb.IOException, duckdb.CatalogException):
        return "unknown: the warehouse is busy or has no models yet"
    return ",".join(stale) or "none"


@schedule(
    job_name="refresh",
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Each quarter, `refresh_days_after_quarter_end` days (settings.toml) after its "
    "end: ingest the new and changed packages, rebuild, check and publish; the run is tagged "
    "with the quarter and the regions stale when it was requested.",
)
def quarterly_refresh(
    context: ScheduleEvaluationContext, home: ClustermonHome
) -> RunRequest | SkipReason:
    paths = home.paths()
    day = context.scheduled_execution_time.date()
    quarter = last_ended_quarter(day)
    due = quarter_end(quarter) + timedelta(days=home.settings().refresh_days_after_quarter_end)
    if day < due:
        return SkipReason(f"the {quarter} refresh is due on {due.isoformat()}")
    scan = scan_inbox(paths.inbox, arrival_rule(paths.programme))
    tags = refresh_tags(context.instance, scan.packages, paths.warehouse)
    if tags is None:
        return SkipReason(f"no arrived package in the inbox {paths.inbox}")
    return RunRequest(
        run_key=f"quarterly-{quarter}",
        tags={**tags, QUARTER_TAG: quarter, STALE_TAG: _stale_before_the_run(home, day)},
    )
