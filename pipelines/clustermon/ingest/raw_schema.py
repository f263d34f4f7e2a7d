"""The raw layer's tables, declared once, created and upgraded in place.

Package tables hold the contract's columns (contract/tables.py) as canonical text, after each
row's lineage and before its extra columns; the bookkeeping tables (receipts, quarantine) are
declared here. `create_raw_tables` makes a new warehouse, and upgrades one made by an earlier
release: a column the declaration has and the table lacks is added (empty for the rows already
there), so nothing is lost and no table is rebuilt. A column is never dropped or retyped here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb

from clustermon.contract import TABLES, Table

RawColumns = tuple[tuple[str, str], ...]  # (name, DuckDB type) in table order

LINEAGE: RawColumns = (
    ("package_id", "VARCHAR"),
    ("region_code", "VARCHAR"),
    ("quarter", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
)
BOOKKEEPING: dict[str, RawColumns] = {
    # One row per package received, accepted or rejected with its reason.
    "received_packages": (
        ("package_id", "VARCHAR PRIMARY KEY"),
        ("region_code", "VARCHAR"),
        ("quarter", "VARCHAR"),
        ("reference_date", "DATE"),
        ("received_at", "TIMESTAMPTZ"),
        ("status", "VARCHAR"),
        ("message", "VARCHAR"),
        # What a rejected package was checked against (ingest/load.py: check_context): it is
        # not read again until its files or this change.
        ("checked_against", "VARCHAR"),
    ),
    # One row per file received: checksum, archive copy, rows read = loaded + quarantined.
    "received_files": (
        ("package_id", "VARCHAR"),
        ("region_code", "VARCHAR"),
        ("quarter", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("sha256", "VARCHAR"),
        ("size_bytes", "BIGINT"),
        ("received_at", "TIMESTAMPTZ"),
        ("archive_path", "VARCHAR"),
        ("rows_read", "BIGINT"),
        ("rows_loaded", "BIGINT"),
        ("rows_quarantined", "BIGINT"),
        ("status", "VARCHAR"),
        ("message", "VARCHAR"),
    ),
    # Rows that broke a rule of the contract, one row per row and broken rule.
    "quarantine": (
        ("package_id", "VARCHAR"),
        ("region_code", "VARCHAR"),
        ("quarter", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("source_file", "VARCHAR"),
        ("source_row", "BIGINT"),
        ("column_name", "VARCHAR"),
        ("rule", "VARCHAR"),
        ("value", "VARCHAR"),
        ("message", "VARCHAR"),
    ),
}


def raw_tables_of(tables: Sequence[Table]) -> dict[str, RawColumns]:
    """The raw layer of a contract: each table as canonical text after the row's lineage, its
    extra columns as JSON, and the bookkeeping tables."""
    package_tables = {
        table.name: (
            *LINEAGE,
            *((name, "VARCHAR") for name in table.column_names),
            ("extra_columns", "VARCHAR"),
        )
        for table in tables
    }
    return {**package_tables, **BOOKKEEPING}


RAW_TABLES = raw_tables_of(TABLES)


def column_names(table: str) -> tuple[str, ...]:
    return tuple(name for name, _ in RAW_TABLES[table])


def create_raw_tables(
    con: duckdb.DuckDBPyConnection, raw_tables: Mapping[str, RawColumns] = RAW_TABLES
) -> list[str]:
    """Create the raw tables, or add the columns an older warehouse lacks; returns the columns
    added (`table.column`), for the run's log."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE schema_name = 'raw' AND database_name = current_database()"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    added = []
    for table, columns in raw_tables.items():
        if table not in existing:
            definition = ", ".join(f"{name} {kind}" for name, kind in columns)
            con.execute(f"CREATE TABLE raw.{table} ({definition})")
            continue
        for name, kind in columns:
            if name not in existing[table]:
                # A constraint cannot be added to a filled table; only new plain columns arrive.
                con.execute(f"ALTER TABLE raw.{table} ADD COLUMN {name} {kind.split()[0]}")
                added.append(f"{table}.{name}")
    return added


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: a failure anywhere inside leaves the warehouse as it was."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()
