"""Readers: a package file (CSV, XLSX or Parquet) as a table of text, one row per record.

Every reader streams its file in blocks of rows into a temporary Parquet file (the spool) that
DuckDB then reads, so memory holds one block whatever the file's size. Every reader gives the
same shape, so the rules never see the format: column names trimmed
and lower-cased, every value text or null (an empty cell is null), and `source_row`, the row
number a spreadsheet shows for the record (the header is row 1). CSV comes as regions really
send it (docs/spec/submission-format.md): UTF-8 with or without BOM, UTF-16 with BOM or
Windows-1252, `,` or `;`, lines ended by LF, CRLF or CR alone.

Every reader keeps within the programme's file limits (settings.FileLimits), checked before
the work they bound; any fault of a file becomes a FileFault, worded for a regional officer.
"""

from __future__ import annotations

import codecs
import csv
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from clustermon.settings import FileLimits

FORMATS = (".csv", ".xlsx", ".parquet")
BLOCK = 1 << 20  # bytes read at a time where a file is scanned in Python
CSV_BLOCK = 16 << 20  # bytes of CSV parsed at a time
BLOCK_ROWS = 65_536  # rows of a workbook or a Parquet file read at a time
SPOOL_PREFIX = "clustermon-spool-"  # then the writing process's id: clustermon-spool-4711-...


class FileFault(ValueError):
    """A file that cannot be read as a table; the message says why in plain words."""


@dataclass(frozen=True)
class MalformedRow:
    source_row: int
    text: str
    problem: str


@dataclass
class ReadFile:
    """A file read: its rows in the spool (text columns as named in the header, plus
    source_row), to be read once and then discarded."""

    spool: Path
    column_names: list[str]
    num_rows: int
    decimal_comma: bool  # `;` CSV only: a decimal comma is allowed beside the point
    malformed: list[MalformedRow] = field(default_factory=list)  # records that are not rows

    def discard(self) -> None:
        self.spool.unlink(missing_ok=True)


@dataclass
class _Blocks:
    """What a format reader gives: the header's names and its rows as blocks of text (each
    with source_row); `malformed` fills while the blocks are read."""

    names: list[str]
    blocks: Iterator[pa.Table]
    decimal_comma: bool = False
    malformed: list[MalformedRow] = field(default_factory=list)


def read_table_file(path: Path, limits: FileLimits) -> ReadFile:
    """Read one package file into its spool; raises FileFault (and leaves no spool) when it
    cannot be read or breaks a limit."""
    readers: dict[str, Callable[[Path, FileLimits], _Blocks]] = {
        ".csv": _read_csv,
        ".xlsx": _read_xlsx,
        ".parquet": _read_parquet,
    }
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise FileFault(
            f"is {_megabytes(size)}, over the limit of {_megabytes(limits.file_bytes)} "
            "(setting max_file_megabytes)"
        )
    read = readers[path.suffix.lower()](path, limits)
    descriptor, name = tempfile.mkstemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", suffix=".parquet")
    os.close(descriptor)
    spool = Path(name)
    schema = pa.schema([*((n, pa.string()) for n in read.names), ("source_row", pa.int64())])
    rows = 0
    try:
        with pq.ParquetWriter(spool, schema) as writer:
            for block in read.blocks:
                rows += block.num_rows
                if rows > limits.rows:
                    raise FileFault(
                        f"has more than {limits.rows:,} rows (setting max_rows_per_file)"
                    )
                _check_cell_lengths(block, limits)
                writer.write_table(block.cast(schema))
    except BaseException:
        spool.unlink(missing_ok=True)
        raise
    return ReadFile(spool, read.names, rows, read.decimal_comma, read.malformed)


def sweep_orphaned_spools(folder: Path | None = None) -> list[Path]:
    """Remove the spools a process left behind when it was killed before discarding them (a
    large file's spool is as large as the file): each spool names its process, so the spools of
    a process still running (a `clustermon validate` beside the refresh) stay. Returns the
    spools removed."""
    removed = []
    for spool in Path(folder or tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}*.parquet"):
        pid = spool.name.removeprefix(SPOOL_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            spool.unlink(missing_ok=True)
            removed.append(spool)
    return removed


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


def _column_names(header: list[object], limits: FileLimits) -> list[str]:
    if len(header) > limits.columns:
        raise FileFault(
            f"the header has {len(header):,} columns, over the limit of {limits.columns:,} "
            "(setting max_columns_per_file)"
        )
    names = [str(name).strip().lower() if name is not None else "" for name in header]
    if "" in names:
        raise FileFault(f"the header has an empty column name (column {names.index('') + 1})")
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise FileFault(f"the header names column {', '.join(repeated)} twice")
    if "source_row" in names:
        raise FileFault("the header uses the reserved column name source_row")
    return names


def _check_cell_lengths(rows: pa.Table, limits: FileLimits) -> None:
    for name in rows.column_names:
        column = rows.column(name)
        if not pa.types.is_string(column.type):
            continue
        too_long = pc.greater(pc.utf8_length(column), limits.cell_characters)
        if pc.any(too_long).as_py():
            row = rows.column("source_row")[pc.index(too_long, True).as_py()].as_py()
            raise FileFault(
                f"row {row}, column {name}: the value is longer than "
                f"{limits.cell_characters:,} characters (setting max_cell_characters)"
            )


def _with_source_rows(table: pa.Table, source_rows: np.ndarray) -> pa.Table:
    return table.append_column("source_row", pa.array(source_rows, pa.int64()))


def _csv_encoding(path: Path) -> str:
    """The encoding a CSV file was sent in, read block by block: a UTF-8 or UTF-16 byte order
    mark says so; else UTF-8 if every byte is, else Windows-1252 if no UTF-8 text precedes the
    first byte that is not (text with both is two encodings in one file: refused)."""
    with path.open("rb") as stream:
        start = stream.read(4)
        if start.startswith(codecs.BOM_UTF8):
            expected = "utf-8"
        elif start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        else:
            expected = None
        stream.seek(len(codecs.BOM_UTF8) if expected else 0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        position, multibyte = 0, False
        for block in iter(lambda: stream.read(BLOCK), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                at, byte = position + error.start, block[error.start]
                multibyte = multibyte or not block[: error.start].isascii()
                break
            multibyte = multibyte or not block.isascii()
            position += len(block)
        else:
            return "utf-8"
    if expected:
        raise FileFault(f"starts with a UTF-8 byte order mark but is not UTF-8 (byte {at})")
    if multibyte:
        raise FileFault(
            f"mixes encodings: UTF-8 text before byte 0x{byte:02X} at position {at}, which is "
            "not UTF-8; save the file again as UTF-8"
        )
    return _cp1252_or_fault(path)


def _cp1252_or_fault(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("cp1252")()
    position = 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                raise FileFault(
                    f"is neither UTF-8 nor Windows-1252 (byte 0x{block[error.start]:02X} "
                    f"at position {position + error.start})"
                ) from None
            position += len(block)
    return "cp1252"


def _first_line(path: Path, encoding: str, limits: FileLimits) -> str:
    """The header line, ended by LF, CRLF or CR; bounded so a file without line ends is not
    read whole (a header of `limits.columns` names of a cell's length at most)."""
    bound = limits.columns * (limits.cell_characters + 3)
    with path.open(encoding=encoding, newline=None, errors="strict") as text:
        line = text.readline(bound)
    return line.lstrip("\ufeff").rstrip("\n")


def _read_csv(path: Path, limits: FileLimits) -> _Blocks:
    encoding = _csv_encoding(path)
    first_line = _first_line(path, encoding, limits)
    if not first_line.strip():
        raise FileFault("is empty or has no header line")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error as error:
        raise FileFault(f"the header line cannot be read ({error})") from None
    names = _column_names(header, limits)
    read = _Blocks(names, iter(()), delimiter == ";")

    def keep_aside(row: pacsv.InvalidRow) -> str:
        read.malformed.append(
            MalformedRow(
                row.number,
                row.text,
                f"the row has {row.actual_columns} fields, the header {row.expected_columns}",
            )
        )
        return "skip"

    def blocks() -> Iterator[pa.Table]:
        try:
            # Single-threaded: only then does the parser know the line of a malformed record.
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(
                    column_names=names,
                    skip_rows=1,
                    use_threads=False,
                    block_size=CSV_BLOCK,
                    encoding=encoding,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, invalid_row_handler=keep_aside
                ),
                # Only an empty cell is null: `NA` is Namibia, not a missing value.
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=True,
                    null_values=[""],
                    quoted_strings_can_be_null=True,
                ),
            )
            line = 2
            for batch in reader:
                # One record per line (no line breaks inside values), so a record's row number
                # is its line; records set aside as malformed keep theirs (the parser has seen
                # every one up to this block's end), the others take the next free numbers.
                skipped = np.array(
                    [m.source_row for m in read.malformed if m.source_row >= line], np.int64
                )
                free = np.setdiff1d(np.arange(line, line + batch.num_rows + len(skipped)), skipped)
                numbers = free[: batch.num_rows]
                line = int(numbers[-1]) + 1 if len(numbers) else line
                yield _with_source_rows(pa.Table.from_batches([batch]), numbers)
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            raise FileFault(f"is not a readable CSV file ({error})") from None

    read.blocks = blocks()
    return read


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text a CSV export would hold (dates ISO, whole numbers plain)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _check_unpacked_size(path: Path, limits: FileLimits) -> None:
    """Refuse a workbook that unpacks beyond the limit before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileFault(f"is not a readable Excel workbook ({error})") from None
    if unpacked > limits.xlsx_unpacked_bytes:
        raise FileFault(
            f"unpacks to {_megabytes(unpacked)}, over the limit of "
            f"{_megabytes(limits.xlsx_unpacked_bytes)} (setting max_xlsx_unpacked_megabytes)"
        )


def _read_xlsx(path: Path, limits: FileLimits) -> _Blocks:
    from openpyxl import load_workbook

    _check_unpacked_size(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileFault(f"is not a readable Excel workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        if sheet.sheet_state != "visible":
            raise FileFault(
                f"its first sheet ({sheet.title}) is hidden; the table must be on the first "
                "sheet, visible"
            )
        # The sheet's declared size is not trusted: a forged one would pad every row.
        sheet.reset_dimensions()
        records = sheet.iter_rows(values_only=True)
        header = next(records, None)
        if header is None:
            raise FileFault("the first sheet is empty")
        header = list(header)
        while header and header[-1] is None:  # formatted but empty cells right of the header
            header.pop()
        names = _column_names(header, limits)
    except FileFault:
        workbook.close()
        raise
    except Exception as error:  # the sheet's XML is parsed as it streams: a fault shows late
        workbook.close()
        raise FileFault(f"cannot be read past row 1 ({error})") from None
    read = _Blocks(names, iter(()))

    def block(columns: list[list[str | None]], numbers: list[int]) -> pa.Table:
        arrays = {n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)}
        return _with_source_rows(pa.table(arrays), np.array(numbers, dtype=np.int64))

    def blocks() -> Iterator[pa.Table]:
        number = 1
        columns: list[list[str | None]] = [[] for _ in names]
        numbers: list[int] = []
        try:
            for number, record in enumerate(records, start=2):
                cells = [_cell_text(value) for value in record]
                if all(cell is None for cell in cells):
                    continue  # Excel reports formatted but empty rows
                if any(cell is not None for cell in cells[len(names) :]):
                    problem = f"the row has values beyond the header's {len(names)} columns"
                    text = ";".join(c or "" for c in cells)
                    read.malformed.append(MalformedRow(number, text, problem))
                    continue
                cells += [None] * (len(names) - len(cells))
                for column, cell in zip(columns, cells, strict=False):
                    column.append(cell)
                numbers.append(number)
                if len(numbers) == BLOCK_ROWS:
                    yield block(columns, numbers)
                    columns, numbers = [[] for _ in names], []
        except Exception as error:  # the sheet's XML is parsed as it streams: a fault shows late
            raise FileFault(f"cannot be read past row {number} ({error})") from None
        finally:
            workbook.close()
        yield block(columns, numbers)

    read.blocks = blocks()
    return read


def _check_flat(name: str, kind: pa.DataType) -> None:
    """Values of nested types are not table cells."""
    if pa.types.is_nested(kind) or (
        pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type)
    ):
        raise FileFault(
            f"column {name} holds {kind} values (a list, struct or map); a table's cells "
            "are single values"
        )


def _as_text(name: str, column: pa.Array) -> pa.Array:
    """A Parquet column as text."""
    kind = column.type
    try:
        if pa.types.is_timestamp(kind):
            column = pc.cast(column, pa.date32())
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        message = f"column {name}: its {kind} values cannot be read as text ({error})"
        raise FileFault(message) from None


def _read_parquet(path: Path, limits: FileLimits) -> _Blocks:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise FileFault(f"is not a readable Parquet file ({error})") from None
    try:
        names = _column_names(parquet.schema_arrow.names, limits)
        if parquet.metadata.num_rows > limits.rows:
            raise FileFault(
                f"has {parquet.metadata.num_rows:,} rows, over the limit of {limits.rows:,} "
                "(setting max_rows_per_file)"
            )
        for name, kind in zip(names, parquet.schema_arrow.types, strict=True):
            _check_flat(name, kind)
    except BaseException:
        parquet.close()
        raise

    def blocks() -> Iterator[pa.Table]:
        first = 2
        try:
            for batch in parquet.iter_batches(batch_size=BLOCK_ROWS):
                text = pa.table(
                    {n: _as_text(n, column) for n, column in zip(names, batch.columns, strict=True)}
                )
                yield _with_source_rows(text, np.arange(first, first + text.num_rows))
                first += text.num_rows
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
            raise FileFault(f"is not a readable Parquet file ({error})") from None
        finally:
            parquet.close()

    return _Blocks(names, blocks())
