"""The inbox as Dagster sees it: one partition key and one checksum per package folder.

A package's key is `<REGION>|<YYYYQN>` (e.g. `AT12|2025Q4`); its checksum covers every file in
its folder, names and contents, so a new, changed, added or removed file changes it and an
unchanged re-drop does not. Loading goes through ingestion's own `load_packages`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

import duckdb

from clustermon.ingest import discover_packages, sha256_of

KEY_SEPARATOR = "|"


def package_key(region_code: str, quarter: str) -> str:
    return f"{region_code}{KEY_SEPARATOR}{quarter}"


def split_package_key(key: str) -> tuple[str, str]:
    """`AT12|2025Q4` -> ("AT12", "2025Q4")."""
    region_code, quarter = key.split(KEY_SEPARATOR)
    return region_code, quarter


def package_checksum(folder: Path) -> str:
    """SHA-256 over the names and checksums of every file in a package folder."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(f"{file.name}:{sha256_of(file)};".encode())
    return digest.hexdigest()


def scan_inbox(inbox: Path) -> dict[str, str]:
    """Package key -> checksum for every package folder of the inbox (empty without an inbox)."""
    if not inbox.is_dir():
        return {}
    packages, _ = discover_packages(inbox)
    return {package_key(p.region_code, p.quarter): package_checksum(p.path) for p, _ in packages}


def rows_by_table(
    warehouse: Path, tables: Collection[str], keys: Collection[str]
) -> dict[str, tuple[int, int]]:
    """Per raw table: all its rows, and the rows of the given packages (for run metadata)."""
    pairs = [split_package_key(key) for key in keys]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(
            "CREATE TEMP TABLE run_packages AS "
            "SELECT unnest(?::VARCHAR[]) AS region_code, unnest(?::VARCHAR[]) AS quarter",
            [[region for region, _ in pairs], [quarter for _, quarter in pairs]],
        )
        # A join, not a list lookup per row: the raw tables hold millions of rows.
        return {
            table: con.execute(
                f"""
                SELECT (SELECT count(*) FROM raw.{table}),
                       (SELECT count(*) FROM raw.{table} SEMI JOIN run_packages
                        USING (region_code, quarter))
                """
            ).fetchone()
            for table in tables
        }
