"""Loading: the programme folder and the inbox's packages into the raw layer of the warehouse.

Raw tables keep every accepted package, keyed by region and quarter, with each row's lineage
(package, file, row number) and its values as canonical text (dates ISO, decimals with `.`,
booleans true/false), so dbt's staging models cast with plain casts. A package is checked and
loaded in one transaction: wholly in or not at all. A package whose files have not changed is
not loaded again; a rejected package is recorded but never replaces the accepted one.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from clustermon.contract import PROGRAMME_TABLES, TABLES, Table
from clustermon.ingest.checks import Context, check_table, create_quarantine, empty_file
from clustermon.ingest.package import (
    IngestError,
    PackageCheck,
    PackageFolder,
    check_package,
    discover_packages,
    package_id,
    prepare_reference_data,
    read_contract_file,
)
from clustermon.ingest.readers import FileFault

QUARANTINE_TABLE = "quarantine"


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


@dataclass(frozen=True)
class LoadedPackage:
    package_id: str
    region_code: str
    quarter: str
    status: str  # accepted or rejected
    message: str | None
    rows_loaded: int
    rows_quarantined: int
    skipped: bool  # already recorded with the same files and the same outcome


@dataclass(frozen=True)
class Ingested:
    packages: list[LoadedPackage]
    problems: list[str] = field(default_factory=list)  # inbox entries that are no package


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table in TABLES:
        columns = ", ".join(f"{name} VARCHAR" for name in table.column_names)
        con.execute(
            f"""
            CREATE TABLE IF NOT EXISTS raw.{table.name} (
                package_id VARCHAR, region_code VARCHAR, quarter VARCHAR, source_file VARCHAR,
                source_row BIGINT, {columns}, extra_columns VARCHAR)
            """
        )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.received_packages (
            package_id VARCHAR PRIMARY KEY, region_code VARCHAR, quarter VARCHAR,
            reference_date DATE, received_at TIMESTAMPTZ, status VARCHAR, message VARCHAR)
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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _archive_file(path: Path, folder: Path, checksum: str) -> Path:
    """Keep the file as received, under its checksum, so a re-sent package never overwrites it."""
    stored = folder / checksum / path.name
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, stored)
    return stored


def _delete_package(con: duckdb.DuckDBPyConnection, package_ids: list[str], *, files: bool) -> None:
    tables = [*(t.name for t in TABLES), QUARANTINE_TABLE, "received_packages"]
    for table in [*tables, "received_files"] if files else tables:
        con.execute(f"DELETE FROM raw.{table} WHERE list_contains(?, package_id)", [package_ids])


def _record(
    con: duckdb.DuckDBPyConnection,
    check: PackageCheck,
    identifier: str,
    checksums: dict[str, str],
    archive: Path,
    received_at: datetime,
) -> None:
    """Archive every file and write the receipt; rows too, when the package is accepted."""
    package = check.package
    lineage = [identifier, package.region_code, package.quarter]
    for result in check.files:
        checksum = checksums.get(result.file.name)
        if checksum is None:
            continue  # a link or a folder: never read, so never archived (validate reports it)
        stored = _archive_file(
            result.file, archive / package.region_code / package.quarter, checksum
        )
        counts = result.counts if check.accepted else None
        con.execute(
            "INSERT INTO raw.received_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                *lineage,
                result.table_name,
                result.file.name,
                checksum,
                result.file.stat().st_size,
                received_at,
                str(stored),
                counts and counts.rows_read,
                counts and counts.rows_loaded,
                counts and counts.rows_quarantined,
                result.status if check.accepted or result.status != "loaded" else "not_loaded",
                result.message or (None if check.accepted else "the package was rejected"),
            ],
        )
    if check.accepted:
        for table in TABLES:
            columns = ", ".join(table.column_names)
            con.execute(
                f"""
                INSERT INTO raw.{table.name} BY NAME
                SELECT ? AS package_id, ? AS region_code, ? AS quarter, ? AS source_file,
                       source_row, {columns}, extra_columns
                FROM text_{table.name} SEMI JOIN loaded_{table.name} USING (source_row)
                """,
                [*lineage, _file_of(check, table)],
            )
        con.execute(
            f"INSERT INTO raw.{QUARANTINE_TABLE} SELECT ?, ?, ?, * FROM package_quarantine",
            lineage,
        )
    con.execute(
        "INSERT INTO raw.received_packages VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            *lineage,
            package.reference_date,
            received_at,
            "accepted" if check.accepted else "rejected",
            check.rejection,
        ],
    )


def _file_of(check: PackageCheck, table: Table) -> str | None:
    loaded = [
        r.file.name for r in check.files if r.table_name == table.name and r.status == "loaded"
    ]
    return loaded[0] if loaded else None


def load_package(
    con: duckdb.DuckDBPyConnection,
    package: PackageFolder,
    archive: Path,
    received_at: datetime,
    rejection: str | None = None,
) -> LoadedPackage:
    """Check, archive and load a package; an accepted one replaces its region's quarter."""
    checksums = {
        p.name: sha256_of(p) for p in package.files() if p.is_file() and not p.is_symlink()
    }
    identifier = package_id(package, checksums)
    recorded = con.execute(
        "SELECT status, received_at FROM raw.received_packages WHERE package_id = ?",
        [identifier],
    ).fetchone()
    if recorded and recorded[0] == "accepted":
        return _summary(con, identifier, package, skipped=True)
    if recorded:  # rejected before: checked again (the programme may have changed), same receipt
        received_at = recorded[1]
    with transaction(con):
        check = check_package(con, package, rejection)
        _delete_package(con, [identifier], files=True)
        if check.accepted:
            replaced = con.execute(
                """
                SELECT list(package_id) FROM raw.received_packages
                WHERE region_code = ? AND quarter = ? AND status = 'accepted'
                """,
                [package.region_code, package.quarter],
            ).fetchone()[0]
            _delete_package(con, replaced or [], files=False)
        _record(con, check, identifier, checksums, archive, received_at)
    return _summary(con, identifier, package, skipped=False)


def _summary(
    con: duckdb.DuckDBPyConnection, identifier: str, package: PackageFolder, *, skipped: bool
) -> LoadedPackage:
    status, message, loaded, quarantined = con.execute(
        """
        SELECT p.status, p.message, coalesce(sum(f.rows_loaded), 0),
               coalesce(sum(f.rows_quarantined), 0)
        FROM raw.received_packages AS p LEFT JOIN raw.received_files AS f USING (package_id)
        WHERE p.package_id = ? GROUP BY ALL
        """,
        [identifier],
    ).fetchone()
    return LoadedPackage(
        identifier,
        package.region_code,
        package.quarter,
        status,
        message,
        loaded,
        quarantined,
        skipped,
    )


def check_programme(con: duckdb.DuckDBPyConnection, programme: Path) -> dict[str, str]:
    """Check regions.csv and targets.csv with the package rules; any fault stops the load.

    Leaves `loaded_regions` and `loaded_targets`; returns the settings of settings.toml.
    """
    prepare_reference_data(con)
    create_quarantine(con)
    faults = []
    for table in PROGRAMME_TABLES:
        path = programme / f"{table.name}.csv"
        read = None
        if path.exists():
            try:
                read = read_contract_file(path, table)
            except FileFault as fault:
                faults.append(f"programme file {path.name}: {fault}")
        elif table.required:
            faults.append(f"programme folder {programme}: {path.name} is missing")
        check_table(
            con, Context("", datetime.max.date()), table, read or empty_file(table), path.name
        )
    faults += [
        f"programme file {file}, row {row}, column {column}: {message}"
        for file, row, column, message in con.execute(
            "SELECT source_file, source_row, column_name, message FROM package_quarantine "
            "ORDER BY ALL"
        ).fetchall()
    ]
    settings_file = programme / "settings.toml"
    try:
        settings = tomllib.loads(settings_file.read_text()) if settings_file.exists() else {}
    except tomllib.TOMLDecodeError as error:
        faults.append(f"programme file settings.toml: {error}")
        settings = {}
    threshold = settings.get("suppression_threshold", 3)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        faults.append(
            f"programme file settings.toml: suppression_threshold {threshold!r} "
            "is not a whole number of at least 1"
        )
    if faults:
        raise IngestError("; ".join(faults))
    return {key: str(value) for key, value in settings.items()}


def load_programme(con: duckdb.DuckDBPyConnection, programme: Path) -> set[str]:
    """Replace the programme tables with the folder's checked files; returns the listed regions."""
    settings = check_programme(con, programme)
    with transaction(con):
        for table in PROGRAMME_TABLES:
            columns = ", ".join(table.column_names)
            con.execute(
                f"CREATE OR REPLACE TABLE raw.{table.name} AS SELECT {columns} "
                f"FROM text_{table.name} SEMI JOIN loaded_{table.name} USING (source_row)"
            )
        con.execute("CREATE OR REPLACE TABLE raw.settings (key VARCHAR, value VARCHAR)")
        for key, value in settings.items():
            con.execute("INSERT INTO raw.settings VALUES (?, ?)", [key, value])
    return {code for (code,) in con.execute("SELECT region_code FROM raw.regions").fetchall()}


def load_packages(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    archive: Path,
    only: Collection[tuple[str, str]] | None = None,
) -> Ingested:
    """Load the inbox's packages (or only those of the given (region, quarter) pairs).

    The inbox-wide rules hold either way: two folders for one quarter reject both, and a region
    the loaded programme does not list is rejected. Other packages' raw rows stay untouched.
    """
    received_at = datetime.now(UTC)
    packages, problems = discover_packages(inbox)
    listed = {code for (code,) in con.execute("SELECT region_code FROM raw.regions").fetchall()}
    loaded = []
    for package, rejection in packages:
        if only is not None and (package.region_code, package.quarter) not in only:
            continue
        if rejection is None and package.region_code not in listed:
            rejection = (
                f"{package.prefix()}: region {package.region_code} is not listed in the "
                "programme's regions.csv; the package is rejected"
            )
        loaded.append(load_package(con, package, archive, received_at, rejection))
    return Ingested(loaded, problems)


def ingest(warehouse: Path, inbox: Path, programme: Path, archive: Path) -> Ingested:
    """Load the programme folder and every package of the inbox into the warehouse's raw layer."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        load_programme(con, programme)
        return load_packages(con, inbox, archive)


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
