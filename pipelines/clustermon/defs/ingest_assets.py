"""Ingestion assets: the raw layer, one Dagster asset per raw table.

Package tables are partitioned by package (region and quarter), so a region's corrected package
is re-ingested alone; a run over a range of packages loads them all in one step (single-run
backfill policy) and the models downstream are rebuilt once per run. The programme folder's
tables are not per package: they are reloaded, whole, in every run.
"""

from collections.abc import Iterator

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    multi_asset,
)

from clustermon.contract import PROGRAMME_TABLES, TABLES
from clustermon.defs.partitions import package_partitions
from clustermon.defs.resources import WAREHOUSE_POOL, ClustermonFolders
from clustermon.inbox_scan import package_key, rows_by_table, split_package_key
from clustermon.ingest import create_raw_tables, load_packages, load_programme

PACKAGE_TABLES = (
    *(table.name for table in TABLES),
    "received_packages",
    "received_files",
    "quarantine",
)
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
PACKAGE_SPECS = [
    AssetSpec(
        AssetKey(["packages", name]),
        group_name="ingest",
        description=f"Raw `{name}` rows of every accepted regional package (canonical text), "
        "one partition per package (region|quarter).",
        owners=OWNERS,
        deps=[spec.key for spec in PROGRAMME_SPECS],
    )
    for name in PACKAGE_TABLES
]


@multi_asset(specs=PROGRAMME_SPECS, pool=WAREHOUSE_POOL)
def programme_tables(folders: ClustermonFolders) -> Iterator[MaterializeResult]:
    """Check and load the programme folder (regions, targets, settings) into `raw`."""
    paths = folders.paths()
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paths.warehouse)) as con:
        create_raw_tables(con)
        load_programme(con, paths.programme)
        # Only the programme's own tables: counting every raw table costs a scan of the history.
        rows = {
            name: con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0]
            for name in PROGRAMME_TABLE_NAMES
        }
    for spec in PROGRAMME_SPECS:
        yield MaterializeResult(asset_key=spec.key, metadata={"rows": rows[spec.key.path[-1]]})


@multi_asset(
    specs=PACKAGE_SPECS,
    partitions_def=package_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def raw_tables(
    context: AssetExecutionContext, folders: ClustermonFolders
) -> Iterator[MaterializeResult]:
    """Check, archive and load the run's packages; other packages' raw rows stay untouched."""
    paths = folders.paths()
    keys = context.partition_keys
    with duckdb.connect(str(paths.warehouse)) as con:
        create_raw_tables(con)
        ingested = load_packages(
            con, paths.inbox, paths.archive, only={split_package_key(k) for k in keys}
        )
    packages = {
        package_key(p.region_code, p.quarter): (
            f"{p.status}{' (unchanged)' if p.skipped else ''}: {p.rows_loaded} rows loaded, "
            f"{p.rows_quarantined} quarantined" + (f"; {p.message}" if p.message else "")
        )
        for p in ingested.packages
    }
    # Raw keeps every package ever accepted: a folder since removed keeps its rows.
    missing = [key for key in keys if key not in packages]
    if missing:
        context.log.warning(f"not in the inbox, raw rows kept as they are: {', '.join(missing)}")
    counts = rows_by_table(paths.warehouse, PACKAGE_TABLES, keys)
    for spec in PACKAGE_SPECS:
        table = spec.key.path[-1]
        total, in_run = counts[table]
        metadata = {"rows": total, "rows_of_run_packages": in_run}
        if table == "received_packages":
            metadata["packages"] = {**dict.fromkeys(missing, "not in inbox"), **packages}
            metadata["rows_loaded"] = sum(p.rows_loaded for p in ingested.packages)
            metadata["rows_quarantined"] = sum(p.rows_quarantined for p in ingested.packages)
            metadata["inbox_problems"] = ingested.problems
        yield MaterializeResult(asset_key=spec.key, metadata=metadata)
