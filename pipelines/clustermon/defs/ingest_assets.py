"""Ingestion assets: the raw layer, one Dagster asset per raw table, loaded together."""

from collections.abc import Iterator

from dagster import AssetKey, AssetSpec, MaterializeResult, multi_asset

from clustermon.contract import PROGRAMME_TABLES, TABLES
from clustermon.defs.resources import ClustermonFolders
from clustermon.ingest import ingest, raw_row_counts

PACKAGE_TABLES = (
    *(table.name for table in TABLES),
    "received_packages",
    "received_files",
    "quarantine",
)
PROGRAMME_TABLE_NAMES = (*(table.name for table in PROGRAMME_TABLES), "settings")

# dbt's sources `packages` and `programme` name these keys, so dbt models hang below them.
RAW_SPECS = [
    AssetSpec(
        AssetKey(["packages", name]),
        group_name="ingest",
        description=f"Raw `{name}` rows of every accepted regional package (text as received).",
        owners=["team:data-engineering"],
    )
    for name in PACKAGE_TABLES
] + [
    AssetSpec(
        AssetKey(["programme", name]),
        group_name="ingest",
        description=f"The programme folder's `{name}`.",
        owners=["team:data-engineering"],
    )
    for name in PROGRAMME_TABLE_NAMES
]


@multi_asset(specs=RAW_SPECS)
def raw_tables(folders: ClustermonFolders) -> Iterator[MaterializeResult]:
    """Archive and load every package of the inbox and the programme folder into `raw`."""
    paths = folders.paths()
    ingested = ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
    counts = raw_row_counts(paths.warehouse)
    packages = {
        f"{p.region_code}/{p.quarter}/{p.package_id}": (
            f"{p.status}{' (unchanged)' if p.skipped else ''}: {p.rows_loaded} rows loaded, "
            f"{p.rows_quarantined} quarantined" + (f"; {p.message}" if p.message else "")
        )
        for p in ingested.packages
    }
    for spec in RAW_SPECS:
        table = spec.key.path[-1]
        metadata = {"rows": counts[table]}
        if table == "received_packages":
            metadata["packages"] = packages
            metadata["rows_loaded"] = sum(p.rows_loaded for p in ingested.packages)
            metadata["rows_quarantined"] = sum(p.rows_quarantined for p in ingested.packages)
            metadata["inbox_problems"] = ingested.problems
        yield MaterializeResult(asset_key=spec.key, metadata=metadata)
