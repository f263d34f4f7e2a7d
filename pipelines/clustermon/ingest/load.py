"""Loading: the inbox's packages into the raw layer of the warehouse.

Raw tables keep every accepted package, keyed by region and quarter, with each row's lineage
(package, file, row number) and its values as canonical text (dates ISO, decimals with `.`,
booleans true/false), so dbt's staging models cast with plain casts. A batch of packages is
checked and loaded in one transaction: wholly in or not at all. A package whose files have not
changed is not loaded again; a rejected package is recorded but never replaces the accepted one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from clustermon.contract import TABLES
from clustermon.gate.package_gate import packages_at_fault
from clustermon.home import code_version
from clustermon.ingest.archive import archive_package
from clustermon.ingest.package import (
    FilesRead,
    PackageCheck,
    PackageFolder,
    check_packages,
    discover_packages,
    package_id,
)
from clustermon.ingest.programme import load_programme
from clustermon.ingest.raw_schema import column_names, create_raw_tables, transaction
from clustermon.ingest.readers import sweep_orphaned_spools
from clustermon.ingest.rule_engine import QUARANTINE_COLUMNS, registered
from clustermon.settings import FileLimits, ProgrammeSettings
from clustermon.writer import warehouse_writer

BATCH_MEMORY_LIMIT = "2GB"
# The receipts as a batch records them: the raw table's columns and the package's key there.
BATCH_RECEIPT_COLUMNS = (*column_names("received_packages"), "package_key")


@contextmanager
def bulk_load(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB settings for checking and loading a batch of packages.

    Raw rows are written uncompressed: choosing a compression for every text column costs
    DuckDB about five times the write itself, and raw is read only by dbt, in the working
    warehouse (the published warehouse holds the marts, compressed). The batch's temporary
    tables spill to disk beyond BATCH_MEMORY_LIMIT, so memory stays bounded at any scale.
    """
    con.execute("SET force_compression = 'uncompressed'")
    con.execute(f"SET memory_limit = '{BATCH_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        con.execute("RESET force_compression")
        con.execute("RESET memory_limit")


@dataclass(frozen=True)
class LoadedPackage:
    package_id: str
    region_code: str
    quarter: str
    status: str  # accepted, rejected, or deferred (a file changed while it was read)
    message: str | None
    rows_loaded: int
    rows_quarantined: int
    skipped: bool  # already recorded with the same files and the same outcome


@dataclass(frozen=True)
class Ingested:
    packages: list[LoadedPackage]
    problems: list[str] = field(default_factory=list)  # inbox entries that are no package
    # (region, quarter) -> why the folder is left for a later refresh (still being uploaded)
    arriving: dict[tuple[str, str], str] = field(default_factory=dict)


def _delete_packages(
    con: duckdb.DuckDBPyConnection, package_ids: list[str], *, files: bool
) -> None:
    if not package_ids:
        return
    tables = [*(t.name for t in TABLES), "quarantine", "received_packages"]
    for table in [*tables, "received_files"] if files else tables:
        con.execute(f"DELETE FROM raw.{table} WHERE list_contains(?, package_id)", [package_ids])


def _record(con: duckdb.DuckDBPyConnection, receipts: list[_Receipt], context: str) -> None:
    """Write the receipts (with each file's archived copy); rows too, of the accepted packages."""
    files, packages = [], []
    for receipt in receipts:
        check, package = receipt.check, receipt.check.package
        candidate = receipt.candidate
        lineage = [candidate.package_id, package.region_code, package.quarter]
        for result in check.files:
            checksum = candidate.checksums.get(result.file.name)
            if checksum is None:
                continue  # a link or a folder: never read, so never archived (validate reports it)
            stored = candidate.copies[result.file.name]
            counts = result.counts if check.accepted else None
            status = result.status if check.accepted or result.status != "loaded" else "not_loaded"
            files.append(
                (
                    *lineage,
                    result.table_name,
                    result.file.name,
                    checksum,
                    stored.stat().st_size,
                    candidate.first_received,
                    str(stored),
                    counts and counts.rows_read,
                    counts and counts.rows_loaded,
                    counts and counts.rows_quarantined,
                    status,
                    result.message or (None if check.accepted else "the package was rejected"),
                )
            )
        packages.append(
            (
                *lineage,
                package.reference_date,
                candidate.first_received,
                "accepted" if check.accepted else "rejected",
                check.rejection,
                context,
                check.key,
            )
        )
    _insert(con, "batch_receipts", BATCH_RECEIPT_COLUMNS, packages)
    con.execute(
        "INSERT INTO raw.received_packages BY NAME SELECT * EXCLUDE (package_key) "
        "FROM batch_receipts"
    )
    _insert(con, "raw.received_files", column_names("received_files"), files)
    accepted = "JOIN batch_receipts AS r USING (package_key) WHERE r.status = 'accepted'"
    for table in TABLES:
        columns = ", ".join(f"t.{column}" for column in table.column_names)
        con.execute(
            f"""
            INSERT INTO raw.{table.name} BY NAME
            SELECT r.package_id, r.region_code, r.quarter, t.source_file, t.source_row,
                   {columns}, t.extra_columns
            FROM rows_{table.name} AS t {accepted}
            AND t.row_id NOT IN (SELECT row_id FROM package_quarantine
                                 WHERE table_name = '{table.name}')
            """
        )
    quarantined = ", ".join(f"t.{column}" for column in QUARANTINE_COLUMNS)
    con.execute(
        "INSERT INTO raw.quarantine BY NAME "
        f"SELECT r.package_id, r.region_code, r.quarter, {quarantined} "
        f"FROM package_quarantine AS t {accepted}"
    )


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: list[tuple]
) -> None:
    """Rows into a table (a new temp table when `table` has no schema), in one statement."""
    if not rows:
        return
    values = pa.table(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))
    with registered(con, values) as view:
        if "." in table:
            con.execute(f"INSERT INTO {table} BY NAME FROM {view}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS FROM {view}")


UNREADABLE = "{prefix}: cannot be read ({error}); the package is read again at the next refresh"
CHANGED_WHILE_READING = (
    "{prefix}: a file changed while it was being read (still being copied in?); the package "
    "is read again at the next refresh"
)


@dataclass(frozen=True)
class _Candidate:
    """A package of the batch to check: found, archived, with what is known of it before."""

    package: PackageFolder
    rejection: str | None  # a reason found outside its folder
    package_id: str
    checksums: dict[str, str]
    copies: dict[str, Path]
    first_received: datetime


@dataclass(frozen=True)
class _Receipt:
    """A package of the batch as it will be recorded: what was found, and its check."""

    candidate: _Candidate
    check: PackageCheck


def check_context(con: duckdb.DuckDBPyConnection) -> str:
    """What a package's verdict depends on besides its own files: the programme's regions and
    settings as loaded, and the code's version."""
    digest = hashlib.sha256(code_version().encode())
    for table in ("regions", "settings"):
        for row in con.execute(f"SELECT * FROM raw.{table} ORDER BY ALL").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()[:16]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    packages: Sequence[tuple[PackageFolder, str | None]],
    archive: Path,
    received_at: datetime,
    limits: FileLimits,
    progress: FilesRead | None = None,
) -> list[LoadedPackage]:
    """Archive, check and load packages, all in one transaction; an accepted package replaces
    its region's quarter. A package whose files were loaded before is not checked again;
    `progress` is told of each file read."""
    recorded = {
        identifier: (status, first_received, checked_against)
        for identifier, status, first_received, checked_against in con.execute(
            "SELECT package_id, status, received_at, checked_against FROM raw.received_packages"
        ).fetchall()
    }
    context = check_context(con)
    identifiers, candidates, skipped = [], [], set()
    deferred: dict[str, str] = {}  # package id -> why it is read again at the next refresh
    for package, rejection in packages:
        try:
            checksums = package.checksums()
        except OSError as error:  # a file removed or unreadable while the package is found
            identifier = f"unread:{package.region_code}|{package.quarter}"
            identifiers.append(identifier)
            deferred[identifier] = UNREADABLE.format(
                prefix=package.prefix(Path(error.filename or "?").name), error=error.strerror
            )
            continue
        identifier = package_id(package, checksums)
        identifiers.append(identifier)
        status, first_received, checked_against = recorded.get(
            identifier, (None, received_at, None)
        )
        # An accepted package is not loaded twice; a rejected one is not read again until its
        # files, the programme or the code change (a hostile file costs one read, not one a run).
        if status == "accepted" or (status == "rejected" and checked_against == context):
            skipped.add(identifier)
            continue
        copies = archive_package(package, archive, checksums)
        if copies is None:
            deferred[identifier] = CHANGED_WHILE_READING.format(prefix=package.prefix())
            continue
        # A package rejected before keeps its first receipt time.
        candidates.append(
            _Candidate(package, rejection, identifier, checksums, copies, first_received)
        )
    held_back: dict[tuple[str, str], str] = {}
    while candidates:
        try:
            _load_checked(con, candidates, limits, held_back, context, progress)
        except _HeldBack as found:
            held_back.update(found.faults)  # and load the batch again without them
            continue
        break
    outcomes = {
        identifier: (status, message, int(loaded), int(quarantined))
        for identifier, status, message, loaded, quarantined in con.execute(
            """
            SELECT p.package_id, p.status, p.message, coalesce(sum(f.rows_loaded), 0),
                   coalesce(sum(f.rows_quarantined), 0)
            FROM raw.received_packages AS p LEFT JOIN raw.received_files AS f USING (package_id)
            WHERE list_contains(?, p.package_id) GROUP BY ALL
            """,
            [identifiers],
        ).fetchall()
    }
    outcomes |= {identifier: ("deferred", why, 0, 0) for identifier, why in deferred.items()}
    return [
        LoadedPackage(
            identifier,
            package.region_code,
            package.quarter,
            *outcomes[identifier],
            skipped=identifier in skipped,
        )
        for identifier, (package, _) in zip(identifiers, packages, strict=True)
    ]


class _HeldBack(Exception):
    """Packages of the batch the package suites fail on: the batch is rolled back and loaded
    again with them rejected, so a region re-sending a quarter keeps the version it had."""

    def __init__(self, faults: dict[tuple[str, str], str]) -> None:
        super().__init__(faults)
        self.faults = faults


def _load_checked(
    con: duckdb.DuckDBPyConnection,
    candidates: list[_Candidate],
    limits: FileLimits,
    held_back: dict[tuple[str, str], str],
    context: str,
    progress: FilesRead | None,
) -> None:
    """Check, archive and load the batch in one transaction; raise _HeldBack (rolled back) when
    the gate's package suites fail on packages it would accept (gate/package_gate.py)."""
    with bulk_load(con), transaction(con):
        reasons = [[c.rejection, held_back.get(c.package.region_quarter)] for c in candidates]
        checks = check_packages(
            con,
            [
                (c.package, "; ".join(filter(None, why)) or None)
                for c, why in zip(candidates, reasons, strict=True)
            ],
            limits,
            [c.copies for c in candidates],
            progress,
        )
        receipts = [
            _Receipt(candidate, check) for check, candidate in zip(checks, candidates, strict=True)
        ]
        _delete_packages(con, [c.package_id for c in candidates], files=True)
        arriving = {r.check.package.region_quarter for r in receipts if r.check.accepted}
        replaced = [
            identifier
            for identifier, region_code, quarter in con.execute(
                "SELECT package_id, region_code, quarter FROM raw.received_packages "
                "WHERE status = 'accepted'"
            ).fetchall()
            if (region_code, quarter) in arriving
        ]
        _delete_packages(con, replaced, files=False)
        _record(con, receipts, context)
        faults = {key: why for key, why in packages_at_fault(con).items() if key in arriving}
        if faults:
            raise _HeldBack(faults)


def load_packages(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    archive: Path,
    settings: ProgrammeSettings,
    only: Collection[tuple[str, str]] | None = None,
    progress: FilesRead | None = None,
) -> Ingested:
    """Load the inbox's packages (or only those of the given (region, quarter) pairs);
    `progress` is told of each file read.

    The inbox-wide rules hold either way: two folders for one quarter reject both, and a region
    the loaded programme does not list is rejected. Other packages' raw rows stay untouched.
    """
    sweep_orphaned_spools()  # those of killed processes: a large file's is as large as the file
    packages, problems, arriving = discover_packages(inbox, settings.arrival())
    listed = {code for (code,) in con.execute("SELECT region_code FROM raw.regions").fetchall()}
    batch = []
    for package, rejection in packages:
        if only is not None and (package.region_code, package.quarter) not in only:
            continue
        if rejection is None and package.region_code not in listed:
            rejection = (
                f"{package.prefix()}: region {package.region_code} is not listed in the "
                "programme's regions.csv; the package is rejected"
            )
        batch.append((package, rejection))
    loaded = load_batch(con, batch, archive, datetime.now(UTC), settings.file_limits(), progress)
    if only is not None:
        arriving = {key: why for key, why in arriving.items() if key in only}
    return Ingested(loaded, problems, arriving)


def ingest(warehouse: Path, inbox: Path, programme: Path, archive: Path) -> Ingested:
    """Load the programme folder and every package of the inbox into the warehouse's raw layer."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_writer(warehouse) as con:
        create_raw_tables(con)
        settings = load_programme(con, programme, lambda: ProgrammeSettings.load(programme))
        return load_packages(con, inbox, archive, settings)
