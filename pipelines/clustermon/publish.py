"""Publication: copy the marts into a fresh DuckDB file and switch it in atomically.

Readers (evaluators, the dashboard build) only ever open the published file read-only. It is
written beside its final place and renamed over it, so a reader sees the old file or the new
one, never a half-written one; a reader holding the old file open keeps reading it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

PUBLISHED_TABLES = (
    "indicator_values",
    "indicator_catalog",
    "indicator_targets",
    "indicator_benchmarks",
    "indicator_revisions",
    "data_quality",
    "data_quality_quarantine",
    "data_quality_completeness",
)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Copy a mart with its documentation (table and column comments) from the working file."""
    con.execute(f"CREATE TABLE main.{table} AS SELECT * FROM working.main.{table}")
    comment = con.execute(
        "SELECT comment FROM duckdb_tables() "
        "WHERE database_name = 'working' AND schema_name = 'main' AND table_name = ?",
        [table],
    ).fetchone()
    if comment and comment[0]:
        con.execute(f"COMMENT ON TABLE main.{table} IS {_sql_literal(comment[0])}")
    columns = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE database_name = 'working' AND schema_name = 'main' AND table_name = ? "
        "AND comment IS NOT NULL",
        [table],
    ).fetchall()
    for column, text in columns:
        con.execute(f"COMMENT ON COLUMN main.{table}.{column} IS {_sql_literal(text)}")
    return con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(warehouse: Path, published: Path) -> dict[str, int]:
    """Write the published tables to a new file, then rename it over `published`."""
    published.parent.mkdir(parents=True, exist_ok=True)
    staging_file = published.with_name(f".{published.name}.{uuid.uuid4().hex}.tmp")
    try:
        with duckdb.connect(str(staging_file)) as con:
            con.execute(f"ATTACH {_sql_literal(str(warehouse))} AS working (READ_ONLY)")
            rows = {table: _copy_table(con, table) for table in PUBLISHED_TABLES}
            con.execute("DETACH working")
            con.execute("CHECKPOINT")
        _fsync(staging_file)
        os.replace(staging_file, published)
        _fsync(published.parent)
    finally:
        staging_file.unlink(missing_ok=True)
    return rows
