"""`clustermon status`: the state of an installation on one screen, read-only.

Runs, checks and the publication come from the Dagster instance under <home>/dagster; regions
and their accepted packages from the working warehouse, opened read-only (while a run writes
it, DuckDB refuses readers and the status says so instead of waiting).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import duckdb
from dagster import AssetKey, DagsterEventType, DagsterInstance, RunsFilter

from clustermon.contract.quarters import last_ended_quarter
from clustermon.home import Paths
from clustermon.transform.staleness import stale_regions

WATCHED_JOBS = ["refresh", "publish"]  # the runs whose checks decide publication
# Exit codes of `clustermon status`, for cron jobs and monitoring: a failure outranks staleness.
ALL_WELL, FAILED, STALE = 0, 1, 2


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    job: str
    status: str
    started: datetime | None
    ended: datetime | None
    tags: dict[str, str]


@dataclass(frozen=True)
class Publication:
    path: str
    published_at: datetime
    run_id: str
    rows: dict[str, int]


@dataclass(frozen=True)
class Status:
    as_of_quarter: str  # the reporting quarter: packages older than it are stale
    last_refresh: RunSummary | None
    publication: Publication | None
    stale_regions: dict[str, str | None] | None  # region -> newest accepted quarter; None: unknown
    warehouse_note: str | None
    checks_run: RunSummary | None
    failing_checks: list[str]


def _timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _latest_run(instance: DagsterInstance, jobs: list[str]) -> RunSummary | None:
    records = [
        record
        for job in jobs
        for record in instance.get_run_records(RunsFilter(job_name=job), limit=1)
    ]
    if not records:
        return None
    record = max(records, key=lambda r: r.create_timestamp)
    run = record.dagster_run
    return RunSummary(
        run.run_id,
        run.job_name,
        run.status.value,
        _timestamp(record.start_time),
        _timestamp(record.end_time),
        dict(run.tags),
    )


def _publication(instance: DagsterInstance, paths: Paths) -> Publication | None:
    event = instance.get_latest_materialization_event(AssetKey("published_warehouse"))
    if event is None or not paths.published_warehouse.exists():
        return None
    metadata = event.asset_materialization.metadata
    rows = {
        name.removeprefix("rows_"): value.value
        for name, value in metadata.items()
        if name.startswith("rows_")
    }
    return Publication(
        str(paths.published_warehouse), _timestamp(event.timestamp), event.run_id, rows
    )


def failing_checks(instance: DagsterInstance, run_id: str) -> list[str]:
    """The run's failed checks (every gate check blocks), each with what failed."""
    evaluations = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    failing = []
    for record in evaluations:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed:
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            failing.append(f"{name} — {evaluation.description}" if evaluation.description else name)
    return sorted(failing)


def collect_status(paths: Paths, instance: DagsterInstance | None, today: date) -> Status:
    as_of = last_ended_quarter(today)
    stale: dict[str, str | None] | None = None
    note = None
    if not paths.warehouse.exists():
        note = "no working warehouse yet (nothing refreshed)"
    else:
        try:
            as_of, stale = stale_regions(paths, today)
        except duckdb.IOException:
            note = "the working warehouse is busy (a run is writing it); try again after the run"
        except duckdb.CatalogException:
            note = "no models built yet (the last refresh stopped before them)"
    last_refresh = _latest_run(instance, ["refresh"]) if instance else None
    checks_run = _latest_run(instance, WATCHED_JOBS) if instance else None
    return Status(
        as_of_quarter=as_of,
        last_refresh=last_refresh,
        publication=_publication(instance, paths) if instance else None,
        stale_regions=stale,
        warehouse_note=note,
        checks_run=checks_run,
        failing_checks=failing_checks(instance, checks_run.run_id) if checks_run else [],
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _describe_run(run: RunSummary) -> str:
    from clustermon.operations.partitions import ASSET_PARTITION_RANGE_END_TAG as END
    from clustermon.operations.partitions import ASSET_PARTITION_RANGE_START_TAG as START

    packages = run.tags.get("dagster/partition") or (
        f"{run.tags[START]} … {run.tags[END]}" if START in run.tags else None
    )
    details = [f"{_when(run.started)} → {_when(run.ended)}"]
    if "clustermon/quarter" in run.tags:
        details.append(f"quarter {run.tags['clustermon/quarter']}")
    if packages:
        details.append(f"packages {packages}")
    return f"{run.status} (run {run.run_id[:8]}, {', '.join(details)})"


def format_status(paths: Paths, status: Status) -> str:
    lines = [f"clustermon home {paths.home}"]
    lines.append(
        "Last refresh:     "
        + (_describe_run(status.last_refresh) if status.last_refresh else "none yet")
    )
    publication = status.publication
    lines.append(
        "Publication:      "
        + (
            f"{publication.path}, published {_when(publication.published_at)} by run "
            f"{publication.run_id[:8]} ("
            + ", ".join(f"{table} {rows} rows" for table, rows in publication.rows.items())
            + ")"
            if publication
            else "none in force"
        )
    )
    if status.stale_regions is None:
        stale = status.warehouse_note or "unknown"
    elif not status.stale_regions:
        stale = "none"
    else:
        stale = ", ".join(
            f"{region} ({f'newest package {quarter}' if quarter else 'no package'})"
            for region, quarter in status.stale_regions.items()
        )
    lines.append(
        f"Stale regions:    {stale}  [as of {status.as_of_quarter}, the reporting quarter]"
    )
    if status.checks_run is None:
        lines.append("Failing checks:   no checks run yet")
    else:
        header = f"Failing checks:   {len(status.failing_checks) or 'none'}"
        lines.append(f"{header} (run {status.checks_run.run_id[:8]}, {status.checks_run.job})")
        lines.extend(f"  - {check}" for check in status.failing_checks)
    return "\n".join(lines)


def exit_code(status: Status) -> int:
    """FAILED when the latest refresh or publish run failed (or was canceled) or a check of
    it failed, else STALE when a region is stale now, else ALL_WELL. A run still going counts
    as well; staleness that cannot be read (warehouse busy) is not counted."""
    run = status.checks_run
    if run and (run.status in ("FAILURE", "CANCELED") or status.failing_checks):
        return FAILED
    return STALE if status.stale_regions else ALL_WELL


def status_json(paths: Paths, status: Status) -> str:
    """The status as JSON (times in ISO 8601, UTC), with its exit code."""
    document = {"home": str(paths.home), "exit_code": exit_code(status), **asdict(status)}
    return json.dumps(document, default=lambda value: value.isoformat(), indent=2)
