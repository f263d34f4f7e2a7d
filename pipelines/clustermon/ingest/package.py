"""A package folder: finding it safely, and checking all of it without touching the warehouse.

`check_package` is the one code path behind both `clustermon validate` (on an in-memory
DuckDB) and the inbox load (on the warehouse connection, inside the load's transaction).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

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
from clustermon.home import NUTS_REFERENCE
from clustermon.ingest.readers import FORMATS, FileFault, ReadFile, read_table_file
from clustermon.ingest.rule_engine import (
    QUARANTINE_COLUMNS,
    BatchPackage,
    TableCounts,
    TableFile,
    check_table,
    registered,
    start_batch,
)
from clustermon.settings import Arrival, FileLimits, ProgrammeSettings

# Told (files read so far, files in the batch, packages in the batch) as each file is read
# (and staged, or rejected): the progress view's.
FilesRead = Callable[[int, int, int], None]

DEFAULT_LIMITS = ProgrammeSettings().file_limits()
# The EU writes Greece and the United Kingdom as EL and UK (NUTS codes start so), and uses XK.
EU_COUNTRY_CODES = {"GR": "EL", "GB": "UK"}
# Written last by a sender where the programme requires it (submission format 1.1, "Delivery").
READY_MARKER = "_READY"


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
        if not REGION_CODE.fullmatch(region):
            raise IngestError(f"folder {region!r} is not a region code (a NUTS 2021 code)")
        if not QUARTER_CODE.fullmatch(quarter):
            raise IngestError(f"region {region}: folder {quarter!r} is not a quarter (YYYYQN)")
        return cls(region, normalise_quarter(quarter), path)

    @property
    def region_quarter(self) -> tuple[str, str]:
        return self.region_code, self.quarter

    @property
    def reference_date(self) -> date:
        return quarter_end(self.quarter)

    def files(self) -> list[Path]:
        return sorted(
            p for p in self.path.iterdir() if not p.name.startswith(".") and p.name != READY_MARKER
        )

    def still_arriving(self, arrival: Arrival, now: float) -> str | None:
        """Why the folder does not count as arrived yet, or None once it does.

        Hidden entries count: uploaders write into hidden temporary files and rename them, so
        an upload in progress keeps the folder's or a hidden file's modification time recent.
        """
        try:
            entries = [self.path, *self.path.iterdir()]
            changed = max(entry.lstat().st_mtime for entry in entries)
        except OSError:  # an entry removed while looked at: the upload is still moving
            changed = now
        quiet = max(now - changed, 0.0)
        if quiet < arrival.settle_seconds:
            return (
                f"{self.prefix()}: still arriving (a file changed {quiet:.0f} s ago; taken once "
                f"none has changed for {arrival.settle_seconds:.0f} s)"
            )
        if arrival.require_ready_marker and not (self.path / READY_MARKER).is_file():
            return (
                f"{self.prefix()}: waiting for its {READY_MARKER} marker "
                "(the programme requires one)"
            )
        return None

    def regular_files(self) -> list[Path]:
        """The files that are read and archived (a symlink is never followed)."""
        return [p for p in self.files() if p.is_file() and not p.is_symlink()]

    def checksums(self) -> dict[str, str]:
        """File name -> SHA-256 of each regular file (`remembered_sha256`)."""
        return {p.name: remembered_sha256(p) for p in self.regular_files()}

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
    key: int  # the package's key in its batch (package_key of the temp tables)
    files: list[FileResult] = field(default_factory=list)
    rejection: str | None = None  # why the whole package is rejected

    @property
    def accepted(self) -> bool:
        return self.rejection is None


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read now (what verifies an archived or published copy)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# A digest is trusted once the file's identity, size and times have stood still this long
# (this process's own clock, not the file system's, which may be a server's): a write within
# the file system's tick of the last one can leave them as they were, as git knows of its
# "racily clean" files. Trusted digests are read again after an hour all the same, for files
# whose content can change without their times (writes through a mapping, some mounts).
RACY_SECONDS = 2
TRUSTED_SECONDS = 3600
_REMEMBERED_FILES = 100_000  # about ten years of an EU programme's inbox files
_clock = time.monotonic


@dataclass(frozen=True)
class _Digest:
    identity: tuple[int, ...]
    sha256: str
    unchanged_since: float  # by _clock: when this identity was first seen
    read_at: float

    @property
    def trusted(self) -> bool:
        return self.read_at - self.unchanged_since >= RACY_SECONDS


_remembered: dict[Path, _Digest] = {}


def _identity(path: Path) -> tuple[int, ...]:
    found = path.stat()
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def remembered_sha256(path: Path) -> str:
    """The SHA-256 of an inbox file, read again only while the file may still be changing
    (`RACY_SECONDS`) or after `TRUSTED_SECONDS`. The sensor scans the inbox every 30 s, and a
    run hashes its packages twice (its tags, its load): each read every file again (0.9 GB
    a scan at EU scale)."""
    now = _clock()
    identity = _identity(path)
    known = _remembered.get(path)
    if known and known.identity == identity:
        if known.trusted and now - known.read_at < TRUSTED_SECONDS:
            return known.sha256
        unchanged_since = known.unchanged_since
    else:
        unchanged_since = now
    digest = sha256_of(path)
    if _identity(path) != identity:  # changed while it was read: nothing to remember
        _remembered.pop(path, None)
        return digest
    if len(_remembered) >= _REMEMBERED_FILES:
        _remembered.clear()
    _remembered[path] = _Digest(identity, digest, unchanged_since, now)
    return digest


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
    with registered(con, country_codes) as view:
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS country_codes AS FROM {view}")


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


def read_contract_file(path: Path, table: Table, limits: FileLimits = DEFAULT_LIMITS) -> ReadFile:
    """A table's file, read; raises FileFault when unreadable, over a limit or missing a
    required column."""
    read = read_table_file(path, limits)
    missing = [c.name for c in table.columns if c.required and c.name not in read.column_names]
    if missing:
        read.discard()
        raise FileFault(f"required column {', '.join(missing)} is missing")
    return read


def check_packages(
    con: duckdb.DuckDBPyConnection,
    packages: Sequence[tuple[PackageFolder, str | None]],
    limits: FileLimits = DEFAULT_LIMITS,
    copies: Sequence[dict[str, Path]] | None = None,
    progress: FilesRead | None = None,
) -> list[PackageCheck]:
    """Run every rule on a batch of packages at once; a package's `key` is its position.

    `copies` (by package, file name -> path) has the files read from their archived copies,
    so the bytes checked are the bytes archived under their checksum.

    Rows that pass stay in `loaded_<table>` temp tables and faults in `package_quarantine`,
    both with the package's key. A rejection given with a package is a reason found outside
    its folder (unlisted region, a second folder for the quarter); its rows are checked all
    the same, so the sender learns everything at once. `progress` is told of each file read.
    """
    prepare_reference_data(con)
    checks = [PackageCheck(package, key) for key, (package, _) in enumerate(packages)]
    start_batch(
        con, [BatchPackage(c.key, c.package.region_code, c.package.reference_date) for c in checks]
    )
    files = [_table_files(check) for check in checks]
    copies = copies or [{} for _ in checks]
    files_read, to_read = 0, sum(map(len, files))

    def one_more_read() -> None:
        nonlocal files_read
        files_read += 1
        if progress:
            progress(files_read, to_read, len(checks))

    for table in TABLES:

        def sent(table: Table = table) -> Iterator[TableFile]:
            """Each package's file for the table, read when the engine asks for it; a file
            that cannot be read is rejected and left out, whatever the fault: one file never
            stops the batch."""
            for check, tables, copy in zip(checks, files, copies, strict=True):
                path = tables.get(table.name)
                if path is None:
                    continue
                try:
                    read = read_contract_file(copy.get(path.name, path), table, limits)
                except FileFault as fault:
                    problem = str(fault)
                except Exception as error:  # a reader's fault this code does not know yet
                    problem = f"cannot be read ({type(error).__name__}: {error})"
                else:
                    yield TableFile(check.key, path.name, read)
                    one_more_read()  # read and staged: the engine asks for the next
                    continue
                message = f"{check.package.prefix(path.name)}: {problem}"
                check.files.append(FileResult(path, table.name, "rejected", message))
                del tables[table.name]
                one_more_read()

        counts = check_table(con, table, sent())
        for check, tables in zip(checks, files, strict=True):
            if table.name in tables:
                loaded = FileResult(
                    tables[table.name], table.name, "loaded", None, counts[check.key]
                )
                check.files.append(loaded)
    nuts = {code for (code,) in con.execute("SELECT code FROM nuts_codes").fetchall()}
    for check, (package, rejection) in zip(checks, packages, strict=True):
        check.files.sort(key=lambda result: result.file.name)
        reasons = [rejection] if rejection else []
        if package.region_code not in nuts:
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
    return checks


def check_package(
    con: duckdb.DuckDBPyConnection,
    package: PackageFolder,
    rejection: str | None = None,
    limits: FileLimits = DEFAULT_LIMITS,
) -> PackageCheck:
    """One package checked as a batch of its own (`clustermon validate`)."""
    return check_packages(con, [(package, rejection)], limits)[0]


def quarantine_rows(
    con: duckdb.DuckDBPyConnection, per_rule: int, package_key: int = 0
) -> list[tuple]:
    """A package's quarantine in file and row order, with each row's count of faults under the
    same file and rule; at most `per_rule` rows of each file and rule (a file of a million
    broken rows must not fill the memory of the machine that checks it)."""
    columns = ", ".join(QUARANTINE_COLUMNS)
    return con.execute(
        f"""
        SELECT {columns}, count(*) OVER (PARTITION BY source_file, rule) AS faults_of_rule
        FROM package_quarantine
        WHERE package_key = ?
        QUALIFY row_number() OVER (
            PARTITION BY source_file, rule ORDER BY source_row, column_name) <= ?
        ORDER BY source_file, source_row, column_name, rule
        """,
        [package_key, per_rule],
    ).fetchall()


class Discovered(NamedTuple):
    packages: list[tuple[PackageFolder, str | None]]  # arrived, with a rejection reason or None
    problems: list[str]  # inbox entries that are no package
    arriving: dict[tuple[str, str], str]  # (region, quarter) -> why it is not taken yet


def discover_packages(inbox: Path, arrival: Arrival) -> Discovered:
    """Every `<REGION>/<YYYYQN>/` folder of the inbox, with a rejection reason where one applies;
    folders that have not arrived yet (`PackageFolder.still_arriving`) are set aside.

    Folder names that are not codes are never joined into a path or SQL: they come back as
    messages. Two folders for one quarter (`2025Q4`, `2025q4`) reject both.
    """
    now = time.time()
    arriving: dict[tuple[str, str], str] = {}
    packages: list[tuple[PackageFolder, str | None]] = []
    problems = []
    for region_dir in sorted(p for p in inbox.iterdir() if not p.name.startswith(".")):
        if (
            region_dir.is_symlink()
            or not region_dir.is_dir()
            or not REGION_CODE.fullmatch(region_dir.name)
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
                or not QUARTER_CODE.fullmatch(quarter_dir.name)
            ):
                problems.append(
                    f"region {region_dir.name}: entry {quarter_dir.name!r} is not a quarter folder "
                    "(YYYYQN); ignored"
                )
                continue
            by_quarter[normalise_quarter(quarter_dir.name)].append(quarter_dir)
        for quarter, folders in by_quarter.items():
            candidates = [PackageFolder(region_dir.name, quarter, folder) for folder in folders]
            waiting = [(c, why) for c in candidates if (why := c.still_arriving(arrival, now))]
            if waiting:  # a quarter's folders are judged together, once all have arrived
                arriving[(region_dir.name, quarter)] = "; ".join(
                    why if len(folders) == 1 else f"{why} (folder {c.path.name})"
                    for c, why in waiting
                )
                continue
            reason = None
            if len(folders) > 1:
                names = ", ".join(f.name for f in folders)
                reason = (
                    f"region {region_dir.name}, quarter {quarter}: two folders for the same "
                    f"quarter ({names}); both are rejected"
                )
            packages += [(candidate, reason) for candidate in candidates]
    return Discovered(packages, problems, arriving)
