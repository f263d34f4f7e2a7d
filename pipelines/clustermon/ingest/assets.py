"""Ingestion assets: the raw layer, one Dagster asset per raw table.

`packages/received_packages` (one row per package) is partitioned by package (region and
quarter): each package's ingestion is a partition, so a region's corrected package is
re-ingested alone. The other package tables are not partitioned: they are written by the same
step, and a partition on each would cost Dagster two events per table and package (about 6,000
at 240 regions). A run over a range of packages loads them all in one step (single-run
backfill policy) and the models downstream are rebuilt once per run. The programme folder's
tables are not per package: they are reloaded, whole, in every run.
"""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    multi_asset,
)

from clustermon.contract import PROGRAMME_TABLES
from clustermon.ingest import create_raw_tables, load_packages, load_programme
from clustermon.ingest.inbox import package_key, rows_by_table, split_package_key
from clustermon.ingest.raw_schema import RAW_TABLES
from clustermon.operations.partitions import package_partitions
from clustermon.operations.progress import ProgressReport
from clustermon.resources import ClustermonHome, RefreshLock
from clustermon.writer import warehouse_writer

PACKAGE_TABLES = tuple(RAW_TABLES)
PROGRAMME_TABLE_NAMES = (*(table.name for table in PROGRAMME_TABLES), "settings")
OWNERS = ["team:data-engineering"]

# dbt's sources `programme` and `packages` name these keys, so dbt models hang below them.
PROGRAMME_SPECS = [
    AssetSpec(
        AssetKey(["programme", name]),
        group_name="ingest",
        description=f"The programme folder's `{name}`, checked and reloaded whole in every run.",
        owners=OWNERS,
    )
    for name in PROGRAMME_TABLE_NAMES
]
RECEIPTS = "received_packages"
PACKAGE_SPECS = [
    AssetSpec(
        AssetKey(["packages", name]),
        group_name="ingest",
        description=f"Raw `{name}` rows of every accepted regional package (canonical text)"
        + (", one partition per package (region|quarter)." if name == RECEIPTS else "."),
        owners=OWNERS,
        deps=[spec.key for spec in PROGRAMME_SPECS],
        partitions_def=package_partitions if name == RECEIPTS else None,
    )
    for name in PACKAGE_TABLES
]


@multi_asset(specs=PROGRAMME_SPECS)
def programme_tables(
    context: AssetExecutionContext, home: ClustermonHome, refresh_lock: RefreshLock
) -> Iterator[MaterializeResult]:
    """Check and load the programme folder (regions, targets, settings) into `raw`; a
    warehouse made by an earlier release gets the raw columns it lacks."""
    paths = home.paths()
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_writer(paths.warehouse) as con:
        added = create_raw_tables(con)
        if added:
            context.log.info(f"raw layer upgraded, columns added: {', '.join(added)}")
        load_programme(con, paths.programme, home.settings)
        # Only the programme's own tables: counting every raw table costs a scan of the history.
        rows = {
            name: con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0]
            for name in PROGRAMME_TABLE_NAMES
        }
    for spec in PROGRAMME_SPECS:
        yield MaterializeResult(asset_key=spec.key, metadata={"rows": rows[spec.key.path[-1]]})


@multi_asset(
    specs=PACKAGE_SPECS,
    backfill_policy=BackfillPolicy.single_run(),
)
def raw_tables(
    context: AssetExecutionContext, home: ClustermonHome, refresh_lock: RefreshLock
) -> Iterator[MaterializeResult]:
    """Check, archive and load the run's packages; other packages' raw rows stay untouched."""
    paths = home.paths()
    keys = context.partition_keys
    report = ProgressReport(context.log)
    with warehouse_writer(paths.warehouse) as con:
        create_raw_tables(con)
        ingested = load_packages(
            con,
            paths.inbox,
            paths.archive,
            home.settings(),
            only={split_package_key(k) for k in keys},
            progress=lambda read, files, packages: report(
                read, files, f"files read ({packages} package{'s' * (packages != 1)})"
            ),
        )
        accepted_ever = con.execute(
            "SELECT count(*) FROM raw.received_packages WHERE status = 'accepted'"
        ).fetchone()[0]
    not_taken = {
        status: {
            package_key(p.region_code, p.quarter): p.message
            for p in ingested.packages
            if p.status == status
        }
        for status in ("rejected", "deferred")
    }
    if not accepted_ever:
        messages = [m for by_key in not_taken.values() for m in by_key.values()]
        messages += ingested.arriving.values()
        reasons = "; ".join(messages) or f"the inbox {paths.inbox} holds no package"
        raise Failure(f"no accepted package yet: nothing to publish ({reasons})")
    # Raw keeps every package ever accepted: a folder since removed keeps its rows.
    arriving = {package_key(*key): why for key, why in ingested.arriving.items()}
    for why in arriving.values():
        context.log.warning(f"left for a later refresh: {why}")
    found = {package_key(p.region_code, p.quarter) for p in ingested.packages} | set(arriving)
    missing = [key for key in keys if key not in found]
    if missing:
        context.log.warning(f"not in the inbox, raw rows kept as they are: {', '.join(missing)}")
    counts = rows_by_table(paths.warehouse, PACKAGE_TABLES, keys)
    for spec in PACKAGE_SPECS:
        table = spec.key.path[-1]
        total, in_run = counts[table]
        metadata = {"rows": total, "rows_of_run_packages": in_run}
        if table == RECEIPTS:
            # The same on every partition of the run (Dagster has no per-partition metadata in
            # a single-run range), so it sums the run up; raw.received_packages has each one.
            metadata |= {
                "packages_in_run": len(keys),
                "accepted": sum(
                    p.status == "accepted" and not p.skipped for p in ingested.packages
                ),
                "unchanged": sum(p.skipped for p in ingested.packages),
                "rejected": not_taken["rejected"],
                "deferred": not_taken["deferred"],
                "still_arriving": list(arriving),
                "not_in_inbox": missing,
                "rows_loaded": sum(p.rows_loaded for p in ingested.packages if not p.skipped),
                "rows_quarantined": sum(
                    p.rows_quarantined for p in ingested.packages if not p.skipped
                ),
                "inbox_problems": ingested.problems,
            }
        yield MaterializeResult(asset_key=spec.key, metadata=metadata)
