"""Ingestion: regional packages and the programme folder into the raw layer of the warehouse.

Raw tables keep every package ever accepted, keyed by region and quarter, with each row's
lineage (package, file, row number); values stay text as received and dbt's staging models
cast them. A package is loaded in one transaction, so it is either wholly in or not at all,
and one whose files have not changed is not loaded again.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from clustermon.contract import (
    QUARTER_CODE,
    REGION_CODE,
    TABLES,
    TABLES_BY_NAME,
    Table,
    normalise_quarter,
    quarter_end,
)

LINEAGE_COLUMNS = ("package_id", "region_code", "quarter", "source_file", "source_row")
LINEAGE_TYPES = {"source_row": "BIGINT"}
PROGRAMME_TABLES = {
    # table: (file, columns)
    "regions": ("regions.csv", ("region_code", "name", "programme_start")),
    "targets": ("targets.csv", ("region_code", "indicator_code", "year", "target_value", "kind")),
}


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


class IngestError(ValueError):
    """Input that cannot be loaded; the message names region, quarter, file and column."""


@dataclass(frozen=True)
class PackageFolder:
    region_code: str
    quarter: str
    path: Path

    def table_files(self) -> dict[str, Path]:
        """The package's table files by contract table name (names are case-insensitive)."""
        files: dict[str, Path] = {}
        for file in sorted(self.path.iterdir()):
            table = file.stem.lower()
            if file.is_file() and file.suffix.lower() == ".csv" and table in TABLES_BY_NAME:
                if table in files:
                    raise self.error(file.name, f"two files for table {table}")
                files[table] = file
        return files

    def error(self, file: str, problem: str) -> IngestError:
        return IngestError(
            f"region {self.region_code}, quarter {self.quarter}, file {file}: {problem}"
        )


@dataclass(frozen=True)
class LoadedPackage:
    package_id: str
    region_code: str
    quarter: str
    rows: dict[str, int]
    skipped: bool  # already loaded with the same files


def discover_packages(inbox: Path) -> list[PackageFolder]:
    """Every `<REGION>/<YYYYQN>/` folder of the inbox, codes checked before any path is built."""
    packages = []
    for region_dir in sorted(p for p in inbox.iterdir() if p.is_dir()):
        if not REGION_CODE.match(region_dir.name):
            raise IngestError(f"inbox folder {region_dir.name!r} is not a NUTS region code")
        for quarter_dir in sorted(p for p in region_dir.iterdir() if p.is_dir()):
            if not QUARTER_CODE.match(quarter_dir.name):
                raise IngestError(
                    f"region {region_dir.name}: folder {quarter_dir.name!r} "
                    "is not a quarter (YYYYQN)"
                )
            quarter = normalise_quarter(quarter_dir.name)
            packages.append(PackageFolder(region_dir.name, quarter, quarter_dir))
    return packages


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv_as_text(path: Path) -> pa.Table:
    """A CSV file with every column as text and empty cells as null."""
    with path.open("rb") as stream:
        header = pacsv.read_csv(stream, read_options=pacsv.ReadOptions(block_size=1 << 16))
    names = header.column_names
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
        ),
    )


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table in TABLES:
        columns = ", ".join(
            f"{name} {LINEAGE_TYPES.get(name, 'VARCHAR')}"
            for name in (*LINEAGE_COLUMNS, *table.column_names)
        )
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table.name} ({columns})")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.received_packages (
            package_id VARCHAR, region_code VARCHAR, quarter VARCHAR, reference_date DATE,
            received_at TIMESTAMPTZ, status VARCHAR, message VARCHAR,
            PRIMARY KEY (region_code, quarter))
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.received_files (
            package_id VARCHAR, region_code VARCHAR, quarter VARCHAR, table_name VARCHAR,
            file_name VARCHAR, sha256 VARCHAR, size_bytes BIGINT, received_at TIMESTAMPTZ,
            archive_path VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
            status VARCHAR, message VARCHAR)
        """
    )
    # Rows that broke a rule of the contract, one row per row and broken rule.
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.quarantine (
            package_id VARCHAR, region_code VARCHAR, quarter VARCHAR, table_name VARCHAR,
            source_file VARCHAR, source_row BIGINT, column_name VARCHAR, rule VARCHAR,
            value VARCHAR, message VARCHAR)
        """
    )


def _load_table_rows(
    con: duckdb.DuckDBPyConnection,
    package: PackageFolder,
    package_id: str,
    table: Table,
    path: Path,
) -> int:
    """Insert one table file's rows into raw.<table>; the one helper every table goes through."""
    data = read_csv_as_text(path)
    present = set(data.column_names)
    missing = [c.name for c in table.columns if c.required and c.name not in present]
    if missing:
        raise package.error(path.name, f"required column {', '.join(missing)} is missing")
    # Line 1 is the header, so a row's line number in the file is its index + 2.
    rows = data.append_column("source_row", pa.array(range(2, data.num_rows + 2), pa.int64()))
    values = ", ".join(
        name if name in present else f"NULL AS {name}" for name in table.column_names
    )
    con.register("incoming_rows", rows)
    try:
        con.execute(
            f"""
            INSERT INTO raw.{table.name} BY NAME
            SELECT ? AS package_id, ? AS region_code, ? AS quarter, ? AS source_file,
                   source_row, {values}
            FROM incoming_rows
            """,
            [package_id, package.region_code, package.quarter, path.name],
        )
    finally:
        con.unregister("incoming_rows")
    return data.num_rows


def load_package(
    con: duckdb.DuckDBPyConnection, package: PackageFolder, archive: Path, received_at: datetime
) -> LoadedPackage:
    """Archive a package's files and load them, replacing the region's package of that quarter."""
    files = package.table_files()
    for table in TABLES:
        if table.required and table.name not in files:
            raise package.error(f"{table.name}.csv", f"required table {table.name} is missing")
    checksums = {name: sha256_of(path) for name, path in files.items()}
    package_id = hashlib.sha256(
        "".join(f"{name}:{checksums[name]};" for name in sorted(checksums)).encode()
    ).hexdigest()[:16]
    loaded = con.execute(
        "SELECT package_id FROM raw.received_packages WHERE region_code = ? AND quarter = ?",
        [package.region_code, package.quarter],
    ).fetchone()
    if loaded and loaded[0] == package_id:
        return LoadedPackage(package_id, package.region_code, package.quarter, {}, skipped=True)

    with transaction(con):
        for table in (*(t.name for t in TABLES), "quarantine"):
            con.execute(
                f"DELETE FROM raw.{table} WHERE region_code = ? AND quarter = ?",
                [package.region_code, package.quarter],
            )
        con.execute(
            "DELETE FROM raw.received_packages WHERE region_code = ? AND quarter = ?",
            [package.region_code, package.quarter],
        )
        rows = {}
        for name, path in files.items():
            rows[name] = _load_table_rows(con, package, package_id, TABLES_BY_NAME[name], path)
            stored = _archive_file(
                path, archive / package.region_code / package.quarter, checksums[name]
            )
            con.execute(
                "INSERT INTO raw.received_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                [
                    package_id,
                    package.region_code,
                    package.quarter,
                    name,
                    path.name,
                    checksums[name],
                    path.stat().st_size,
                    received_at,
                    str(stored),
                    rows[name],
                    rows[name],
                    "loaded",
                    None,
                ],
            )
        con.execute(
            "INSERT INTO raw.received_packages VALUES (?, ?, ?, ?, ?, 'accepted', NULL)",
            [
                package_id,
                package.region_code,
                package.quarter,
                quarter_end(package.quarter),
                received_at,
            ],
        )
    return LoadedPackage(package_id, package.region_code, package.quarter, rows, skipped=False)


def _archive_file(path: Path, folder: Path, checksum: str) -> Path:
    """Keep the file as received, under its checksum, so a re-sent package never overwrites it."""
    stored = folder / checksum / path.name
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, stored)
    return stored


def load_programme(con: duckdb.DuckDBPyConnection, programme: Path) -> dict[str, int]:
    """Replace the programme tables (regions, targets, settings) with the folder's current files."""
    regions_file = programme / "regions.csv"
    if not regions_file.exists():
        raise IngestError(f"programme folder {programme}: regions.csv is missing")
    counts = {}
    with transaction(con):
        for table, (file_name, columns) in PROGRAMME_TABLES.items():
            con.execute(
                f"CREATE OR REPLACE TABLE raw.{table} "
                f"({', '.join(f'{c} VARCHAR' for c in columns)})"
            )
            path = programme / file_name
            if path.exists():
                con.register("incoming_rows", read_csv_as_text(path))
                con.execute(
                    f"INSERT INTO raw.{table} SELECT {', '.join(columns)} FROM incoming_rows"
                )
                con.unregister("incoming_rows")
            counts[table] = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        settings_file = programme / "settings.toml"
        settings = tomllib.loads(settings_file.read_text()) if settings_file.exists() else {}
        con.execute("CREATE OR REPLACE TABLE raw.settings (key VARCHAR, value VARCHAR)")
        for key, value in settings.items():
            con.execute("INSERT INTO raw.settings VALUES (?, ?)", [key, str(value)])
        counts["settings"] = len(settings)
    return counts


def ingest(warehouse: Path, inbox: Path, programme: Path, archive: Path) -> list[LoadedPackage]:
    """Load the programme folder and every package of the inbox into the warehouse's raw layer."""
    received_at = datetime.now(UTC)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        load_programme(con, programme)
        return [
            load_package(con, package, archive, received_at) for package in discover_packages(inbox)
        ]


def raw_row_counts(warehouse: Path) -> dict[str, int]:
    """Rows per raw table, for the materialisation metadata Dagster shows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'"
        ).fetchall()
        return {
            name: con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0]
            for (name,) in tables
        }
