"""The inbox as Dagster sees it: one partition key and one package id per package folder.

A package's key is `<REGION>|<YYYYQN>` (e.g. `AT12|2025Q4`); its id is the one ingestion records
(`ingest.package_id`: a checksum over its folder and every file, names and contents), so a new,
changed, added or removed file changes it and an unchanged re-drop does not. Loading goes
through ingestion's own `load_packages`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from clustermon.ingest import discover_packages, package_id
from clustermon.settings import Arrival, ProgrammeSettings, SettingsError

KEY_SEPARATOR = "|"


def package_key(region_code: str, quarter: str) -> str:
    return f"{region_code}{KEY_SEPARATOR}{quarter}"


def split_package_key(key: str) -> tuple[str, str]:
    """`AT12|2025Q4` -> ("AT12", "2025Q4")."""
    region_code, quarter = key.split(KEY_SEPARATOR)
    return region_code, quarter


@dataclass
class InboxScan:
    packages: dict[str, str] = field(default_factory=dict)  # key -> package id, arrived ones
    arriving: list[str] = field(default_factory=list)  # why each other folder is not taken yet


def arrival_rule(programme: Path) -> Arrival:
    """The programme's rule for an arrived package; the defaults where settings.toml is
    invalid (the run itself then stops on it, naming the fault)."""
    try:
        return ProgrammeSettings.load(programme).arrival()
    except SettingsError:
        return ProgrammeSettings().arrival()


def scan_inbox(inbox: Path, arrival: Arrival) -> InboxScan:
    """Every package folder of the inbox that has arrived, by key (empty without an inbox);
    sensor, schedule and CLI launch runs from this, so all three apply the same rule."""
    scan = InboxScan()
    if not inbox.is_dir():
        return scan
    packages, _, arriving = discover_packages(inbox, arrival)
    scan.arriving = list(arriving.values())
    for package, _ in packages:
        try:
            scan.packages[package_key(package.region_code, package.quarter)] = package_id(
                package, package.checksums()
            )
        except OSError:  # a file removed or unreadable mid-scan: the next scan sees it settled
            continue
    return scan


def keys_to_ingest(scanned: dict[str, str], warehouse: Path) -> list[str]:
    """The scanned packages ingestion would not skip: those not yet accepted with these files
    (new, changed, or rejected before: a rejected package is checked again in every run)."""
    accepted: set[str] = set()
    if warehouse.exists():
        try:
            with duckdb.connect(str(warehouse), read_only=True) as con:
                accepted = {
                    identifier
                    for (identifier,) in con.execute(
                        "SELECT package_id FROM raw.received_packages WHERE status = 'accepted'"
                    ).fetchall()
                }
        except (duckdb.IOException, duckdb.CatalogException):
            # Another process writes the warehouse, or it has no raw layer yet: every package
            # is a candidate, and ingestion still skips the unchanged ones by their id.
            pass
    return [key for key, identifier in scanned.items() if identifier not in accepted]


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
