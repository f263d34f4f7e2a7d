"""The quarterly refresh: the packages not loaded yet, the models, the gate and the publication.

The day is the programme's: `refresh_days_after_quarter_end` in the programme folder's
settings.toml (default 15). A cron string is fixed when the definitions load, so the schedule
ticks daily and its evaluation reads the setting; the run key (the quarter) makes the refresh
run once per quarter, on the due day or, if Dagster was not running then, on the next tick.
"""

import csv
import tomllib
from datetime import timedelta
from pathlib import Path

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from clustermon.contract import quarter_end
from clustermon.defs.partitions import refresh_tags
from clustermon.inbox_scan import scan_inbox, split_package_key
from clustermon.quarters import last_ended_quarter
from clustermon.settings import Paths

DEFAULT_DAYS_AFTER_QUARTER_END = 15
QUARTER_TAG = "clustermon/quarter"
WITHOUT_PACKAGE_TAG = "clustermon/regions_without_package"


def days_after_quarter_end(programme: Path) -> int:
    settings_file = programme / "settings.toml"
    settings = tomllib.loads(settings_file.read_text()) if settings_file.exists() else {}
    return int(settings.get("refresh_days_after_quarter_end", DEFAULT_DAYS_AFTER_QUARTER_END))


def regions_without_package(programme: Path, keys: list[str], quarter: str) -> list[str]:
    """Programme regions whose newest package in the inbox is older than `quarter` (or none)."""
    regions_file = programme / "regions.csv"
    if not regions_file.exists():
        return []
    with regions_file.open(newline="", encoding="utf-8-sig") as stream:
        regions = [row["region_code"] for row in csv.DictReader(stream)]
    newest: dict[str, str] = {}
    for region, package_quarter in map(split_package_key, keys):
        newest[region] = max(package_quarter, newest.get(region, package_quarter))
    return sorted(r for r in regions if newest.get(r, "") < quarter)


@schedule(
    job_name="refresh",
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Each quarter, `refresh_days_after_quarter_end` days (settings.toml, default "
    "15) after its end: ingest the new and changed packages, rebuild, check and publish; the "
    "run is tagged with the quarter and the regions that sent no package for it (stale).",
)
def quarterly_refresh(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    paths = Paths.from_env()
    day = context.scheduled_execution_time.date()
    quarter = last_ended_quarter(day)
    due = quarter_end(quarter) + timedelta(days=days_after_quarter_end(paths.programme))
    if day < due:
        return SkipReason(f"the {quarter} refresh is due on {due.isoformat()}")
    scanned = scan_inbox(paths.inbox)
    tags = refresh_tags(context.instance, scanned, paths.warehouse)
    if tags is None:
        return SkipReason(f"no package in the inbox {paths.inbox}")
    stale = regions_without_package(paths.programme, list(scanned), quarter)
    return RunRequest(
        run_key=f"quarterly-{quarter}",
        tags={
            **tags,
            QUARTER_TAG: quarter,
            WITHOUT_PACKAGE_TAG: ",".join(stale) or "none",
        },
    )
