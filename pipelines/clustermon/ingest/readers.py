"""Readers: a package file (CSV, XLSX or Parquet) as an Arrow table of text, one row per record.

Every reader returns the same shape, so the rules never see the format: column names trimmed
and lower-cased, every value text or null (an empty cell is null), and `source_row`, the row
number a spreadsheet shows for the record (the header is row 1). CSV comes as regions really
send it (docs/spec/submission-format.md): UTF-8 with or without BOM or Windows-1252, `,` or `;`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = (".csv", ".xlsx", ".parquet")


class FileFault(ValueError):
    """A file that cannot be read as a table; the message says why in plain words."""


@dataclass(frozen=True)
class MalformedRow:
    source_row: int
    text: str
    problem: str


@dataclass(frozen=True)
class ReadFile:
    rows: pa.Table  # text columns as named in the header, plus source_row
    decimal_comma: bool  # `;` CSV only: a decimal comma is allowed beside the point
    malformed: list[MalformedRow] = field(default_factory=list)  # records that are not rows


def read_table_file(path: Path) -> ReadFile:
    """Read one package file; raises FileFault when it cannot be read at all."""
    readers: dict[str, Callable[[Path], ReadFile]] = {
        ".csv": _read_csv,
        ".xlsx": _read_xlsx,
        ".parquet": _read_parquet,
    }
    return readers[path.suffix.lower()](path)


def _column_names(header: list[object]) -> list[str]:
    names = [str(name).strip().lower() if name is not None else "" for name in header]
    if "" in names:
        raise FileFault(f"the header has an empty column name (column {names.index('') + 1})")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FileFault(f"the header names column {', '.join(repeated)} twice")
    if "source_row" in names:
        raise FileFault("the header uses the reserved column name source_row")
    return names


def _with_source_rows(table: pa.Table, source_rows: np.ndarray) -> pa.Table:
    return table.append_column("source_row", pa.array(source_rows, pa.int64()))


def _decode(data: bytes) -> bytes:
    """UTF-8 bytes of a CSV file sent as UTF-8 (with or without BOM) or Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FileFault(
                f"starts with a UTF-8 byte order mark but is not UTF-8 (byte {error.start})"
            ) from None
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as error:
        raise FileFault(
            f"is neither UTF-8 nor Windows-1252 (byte 0x{data[error.start]:02X} "
            f"at position {error.start})"
        ) from None


def _read_csv(path: Path) -> ReadFile:
    data = _decode(path.read_bytes())
    first_line = data.split(b"\n", 1)[0].decode("utf-8")
    if not first_line.strip():
        raise FileFault("is empty or has no header line")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    names = _column_names(next(csv.reader([first_line], delimiter=delimiter)))
    malformed: list[MalformedRow] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        malformed.append(
            MalformedRow(
                row.number,
                row.text,
                f"the row has {row.actual_columns} fields, the header {row.expected_columns}",
            )
        )
        return "skip"

    def parse(use_threads: bool) -> pa.Table:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, use_threads=use_threads
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=keep_aside),
            # Only an empty cell is null: `NA` is Namibia, not a missing value.
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )

    try:
        table = parse(use_threads=True)
        if malformed:  # only a single-threaded parse knows the line numbers of bad records
            malformed.clear()
            table = parse(use_threads=False)
    except pa.ArrowInvalid as error:
        raise FileFault(f"is not a readable CSV file ({error})") from None
    # One record per line (no line breaks inside values), so a record's row number is its line;
    # records set aside as malformed keep theirs, the others take the remaining numbers in order.
    total = table.num_rows + len(malformed)
    numbers = np.setdiff1d(
        np.arange(2, total + 2), np.array([m.source_row for m in malformed], dtype=np.int64)
    )
    return ReadFile(_with_source_rows(table, numbers), delimiter == ";", malformed)


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


def _read_xlsx(path: Path) -> ReadFile:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileFault(f"is not a readable Excel workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        records = sheet.iter_rows(values_only=True)
        header = next(records, None)
        if header is None:
            raise FileFault("the first sheet is empty")
        header = list(header)
        while header and header[-1] is None:  # formatted but empty cells right of the header
            header.pop()
        names = _column_names(header)
        columns: list[list[str | None]] = [[] for _ in names]
        numbers = []
        malformed = []
        for number, record in enumerate(records, start=2):
            cells = [_cell_text(value) for value in record]
            if all(cell is None for cell in cells):
                continue  # Excel reports formatted but empty rows
            if any(cell is not None for cell in cells[len(names) :]):
                problem = f"the row has values beyond the header's {len(names)} columns"
                malformed.append(MalformedRow(number, ";".join(c or "" for c in cells), problem))
                continue
            cells += [None] * (len(names) - len(cells))
            for column, cell in zip(columns, cells, strict=False):
                column.append(cell)
            numbers.append(number)
    finally:
        workbook.close()
    table = pa.table(
        {name: pa.array(column, pa.string()) for name, column in zip(names, columns, strict=True)}
    )
    return ReadFile(_with_source_rows(table, np.array(numbers, dtype=np.int64)), False, malformed)


def _read_parquet(path: Path) -> ReadFile:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise FileFault(f"is not a readable Parquet file ({error})") from None
    names = _column_names(table.column_names)
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.date32())
        columns.append(pc.cast(column, pa.string()))
    text = pa.table(dict(zip(names, columns, strict=True)))
    return ReadFile(_with_source_rows(text, np.arange(2, text.num_rows + 2)), False)
