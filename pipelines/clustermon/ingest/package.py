"""A package folder: finding it safely, and checking all of it without touching the warehouse.

`check_package` is the one code path behind both `clustermon validate` (on an in-memory
DuckDB) and the inbox load (on the warehouse connection, inside the load's transaction).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pycountry

from clustermon.contract import (
    QUARTER_CODE,
    REGION_CODE,
    TABLES,
    TABLES_BY_NAME,
    Table,
    normalise_quarter,
    quarter_end,
)
from clustermon.ingest.checks import (
    Context,
    TableCounts,
    check_table,
    create_quarantine,
    empty_file,
)
from clustermon.ingest.readers import FORMATS, FileFault, ReadFile, read_table_file
from clustermon.settings import NUTS_REFERENCE

# The EU writes Greece and the United Kingdom as EL and UK (NUTS codes start so), and uses XK.
EU_COUNTRY_CODES = {"GR": "EL", "GB": "UK"}


class IngestError(ValueError):
    """Input that cannot be loaded; the message names region, quarter, file and column."""


@dataclass(frozen=True)
class PackageFolder:
    region_code: str
    quarter: str
    path: Path

    @classmethod
    def at(cls, path: Path) -> PackageFolder:
        """The package in `<REGION>/<YYYYQN>/`; the codes come from the folder names, checked."""
        path = Path(path)
        region, quarter = path.resolve().parent.name, path.resolve().name
        if not REGION_CODE.match(region):
            raise IngestError(f"folder {region!r} is not a region code (a NUTS 2021 code)")
        if not QUARTER_CODE.match(quarter):
            raise IngestError(f"region {region}: folder {quarter!r} is not a quarter (YYYYQN)")
        return cls(region, normalise_quarter(quarter), path)

    @property
    def reference_date(self) -> date:
        return quarter_end(self.quarter)

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if not p.name.startswith("."))

    def prefix(self, file: str | None = None) -> str:
        where = f"region {self.region_code}, quarter {self.quarter}"
        return f"{where}, file {file}" if file else where


@dataclass
class FileResult:
    file: Path
    table_name: str | None
    status: str  # loaded, rejected (file-level fault), ignored (not a table of the contract)
    message: str | None = None
    counts: TableCounts | None = None


@dataclass
class PackageCheck:
    package: PackageFolder
    files: list[FileResult] = field(default_factory=list)
    rejection: str | None = None  # why the whole package is rejected

    @property
    def accepted(self) -> bool:
        return self.rejection is None


def package_id(package: PackageFolder, checksums: dict[str, str]) -> str:
    """Same region, folder and files (by name and SHA-256) = same package."""
    text = f"{package.region_code}/{package.path.name};" + "".join(
        f"{name}:{checksums[name]};" for name in sorted(checksums)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """NUTS 2021 codes (the project's seed, from Eurostat) and ISO 3166-1 country codes."""
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS nuts_codes AS SELECT NUTS_ID AS code "
        "FROM read_csv(?, delim = ';', header = true, all_varchar = true)",
        [str(NUTS_REFERENCE)],
    )
    codes = [c.alpha_2 for c in pycountry.countries] + ["EL", "UK", "XK"]
    country_codes = pa.table(
        {"code": codes, "eu_code": [EU_COUNTRY_CODES.get(code, code) for code in codes]}
    )
    con.register("country_codes_arrow", country_codes)
    con.execute("CREATE TEMP TABLE IF NOT EXISTS country_codes AS FROM country_codes_arrow")
    con.unregister("country_codes_arrow")


def _table_files(check: PackageCheck) -> dict[str, Path]:
    """One file per table; files that are no table, or a table's second file, are set aside."""
    package = check.package
    by_table: dict[str, list[Path]] = defaultdict(list)
    for file in package.files():
        table = file.stem.lower()
        if file.is_symlink() or not file.is_file():
            problem = "is not a plain file (links and folders are not read)"
        elif file.suffix.lower() not in FORMATS or table not in TABLES_BY_NAME:
            problem = (
                f"is not a table of the submission format (tables: "
                f"{', '.join(TABLES_BY_NAME)}; formats: csv, xlsx, parquet); ignored"
            )
        else:
            by_table[table].append(file)
            continue
        check.files.append(
            FileResult(file, None, "ignored", f"{package.prefix(file.name)}: {problem}")
        )
    tables = {}
    for table, files in by_table.items():
        if len(files) == 1:
            tables[table] = files[0]
            continue
        names = ", ".join(f.name for f in files)
        for file in files:
            message = f"{package.prefix(file.name)}: two files for table {table} ({names})"
            check.files.append(FileResult(file, table, "rejected", message))
    return tables


def read_contract_file(path: Path, table: Table) -> ReadFile:
    """A table's file, read; raises FileFault when unreadable or missing a required column."""
    read = read_table_file(path)
    present = read.rows.column_names
    missing = [c.name for c in table.columns if c.required and c.name not in present]
    if missing:
        raise FileFault(f"required column {', '.join(missing)} is missing")
    return read


def check_package(
    con: duckdb.DuckDBPyConnection, package: PackageFolder, rejection: str | None = None
) -> PackageCheck:
    """Run every rule on the package; loaded rows stay in `loaded_<table>` temp tables.

    `rejection` is a reason found outside the folder (unlisted region, a second folder for the
    quarter); the rows are checked all the same, so the sender learns everything at once.
    """
    check = PackageCheck(package)
    prepare_reference_data(con)
    create_quarantine(con)
    context = Context(package.region_code, package.reference_date)
    files = _table_files(check)
    for table in TABLES:
        path = files.get(table.name)
        read = empty_file(table)
        if path is not None:
            try:
                read = read_contract_file(path, table)
            except FileFault as fault:
                message = f"{package.prefix(path.name)}: {fault}"
                check.files.append(FileResult(path, table.name, "rejected", message))
                read, path = empty_file(table), None
        counts = check_table(con, context, table, read, path.name if path else "")
        if path is not None:
            check.files.append(FileResult(path, table.name, "loaded", None, counts))
    check.files.sort(key=lambda result: result.file.name)
    in_nuts = con.execute(
        "SELECT count(*) FROM nuts_codes WHERE code = ?", [package.region_code]
    ).fetchone()[0]
    reasons = [rejection] if rejection else []
    if not in_nuts:
        reasons.append(
            f"{package.prefix()}: region code {package.region_code} is not a NUTS 2021 code"
        )
    usable = {r.table_name for r in check.files if r.status == "loaded"}
    for table in TABLES:
        if table.required and table.name not in usable:
            rejected = [r for r in check.files if r.table_name == table.name]
            why = "was rejected" if rejected else "is missing"
            reasons.append(f"{package.prefix()}: required table {table.name} {why}")
    check.rejection = "; ".join(reasons) or None
    return check


def quarantine_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The package's quarantine, in file and row order."""
    return con.execute(
        "SELECT * FROM package_quarantine ORDER BY source_file, source_row, column_name, rule"
    ).fetchall()


def discover_packages(inbox: Path) -> tuple[list[tuple[PackageFolder, str | None]], list[str]]:
    """Every `<REGION>/<YYYYQN>/` folder of the inbox, with a rejection reason where one applies.

    Folder names that are not codes are never joined into a path or SQL: they come back as
    messages. Two folders for one quarter (`2025Q4`, `2025q4`) reject both.
    """
    packages: list[tuple[PackageFolder, str | None]] = []
    problems = []
    for region_dir in sorted(p for p in inbox.iterdir() if not p.name.startswith(".")):
        if (
            region_dir.is_symlink()
            or not region_dir.is_dir()
            or not REGION_CODE.match(region_dir.name)
        ):
            problems.append(
                f"inbox entry {region_dir.name!r} is not a region folder (NUTS code); ignored"
            )
            continue
        by_quarter: dict[str, list[Path]] = defaultdict(list)
        for quarter_dir in sorted(p for p in region_dir.iterdir() if not p.name.startswith(".")):
            if (
                quarter_dir.is_symlink()
                or not quarter_dir.is_dir()
                or not QUARTER_CODE.match(quarter_dir.name)
            ):
                problems.append(
                    f"region {region_dir.name}: entry {quarter_dir.name!r} is not a quarter folder "
                    "(YYYYQN); ignored"
                )
                continue
            by_quarter[normalise_quarter(quarter_dir.name)].append(quarter_dir)
        for quarter, folders in by_quarter.items():
            reason = None
            if len(folders) > 1:
                names = ", ".join(f.name for f in folders)
                reason = (
                    f"region {region_dir.name}, quarter {quarter}: two folders for the same "
                    f"quarter ({names}); both are rejected"
                )
            packages += [(PackageFolder(region_dir.name, quarter, f), reason) for f in folders]
    return packages, problems
