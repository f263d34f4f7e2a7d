"""A seeded mutator: broken variants of the skeleton package AT12/2025Q1, one file broken each.

Each variant takes one table file of the package and breaks it one way that regional offices,
transfers or hostile senders really produce: bytes flipped, the file cut short, re-encoded,
columns dropped, doubled or shuffled, cells of garbage or huge values, nested Parquet types,
broken Excel zips. The same seed gives the same variants.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

Rows = list[list[str]]


@dataclass(frozen=True)
class Mutant:
    name: str  # e.g. "organisations.xlsx: zip cut short"
    table: str
    write: Callable[[Path], None]  # writes the broken file into a package folder


def _csv_bytes(rows: Rows, delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def _xlsx_bytes(rows: Rows) -> bytes:
    workbook = Workbook()
    for row in rows:  # a workbook cannot hold control characters
        workbook.active.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def _parquet_bytes(table: pa.Table) -> bytes:
    data = io.BytesIO()
    pq.write_table(table, data)
    return data.getvalue()


def _text_table(rows: Rows) -> pa.Table:
    header, *body = rows
    return pa.table({name: [row[i] for row in body] for i, name in enumerate(header)})


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    flipped = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    return bytes(flipped)


def _garbage(rng: random.Random) -> str:
    return rng.choice(
        [
            "\x00",
            "9" * rng.randint(20, 400),
            "1e308",
            "-0",
            "NaN",
            "=1+1",
            "'; DROP TABLE raw.clusters; --",
            "\u202e\u0000\ufeff",
            "x" * rng.randint(1000, 40_000),
            "31.02.2025",
            "\n",
            '"',
        ]
    )


def _rows_mutations(rows: Rows, rng: random.Random) -> dict[str, Callable[[], Rows]]:
    header, *body = rows

    def shuffle() -> Rows:
        order = list(range(len(header)))
        rng.shuffle(order)
        return [[row[i] for i in order] for row in rows]

    def drop() -> Rows:
        gone = rng.randrange(len(header))
        return [[v for i, v in enumerate(row) if i != gone] for row in rows]

    def double() -> Rows:
        twice = rng.randrange(len(header))
        return [[*row, row[twice]] for row in rows]

    def garbage() -> Rows:
        changed = [list(row) for row in rows]
        for _ in range(rng.randint(1, 5)):
            row = changed[rng.randrange(1, len(changed))] if len(changed) > 1 else changed[0]
            row[rng.randrange(len(row))] = _garbage(rng)
        return changed

    def ragged() -> Rows:
        return [row[: rng.randint(0, len(row))] if rng.random() < 0.5 else row for row in rows]

    def repeat_rows() -> Rows:
        return [header, *body, *body]

    def header_only() -> Rows:
        return [header]

    return {
        "columns shuffled": shuffle,
        "a column dropped": drop,
        "a column doubled": double,
        "garbage cells": garbage,
        "ragged rows": ragged,
        "rows repeated": repeat_rows,
        "header only": header_only,
    }


def _byte_mutations(data: bytes, rng: random.Random) -> dict[str, Callable[[], bytes]]:
    return {
        "bytes flipped": lambda: _flip_bytes(data, rng),
        "cut short": lambda: data[: rng.randrange(len(data))],
        "empty": lambda: b"",
        "random bytes": lambda: rng.randbytes(rng.randint(1, 4096)),
        "NUL bytes inserted": lambda: data.replace(b",", b"\x00,", rng.randint(1, 5)),
    }


def mutants(package: Path, count: int, seed: int) -> list[Mutant]:
    """`count` broken variants of the package's files."""
    rng = random.Random(seed)
    files = sorted(package.glob("*.csv"))
    made: list[Mutant] = []
    while len(made) < count:
        source = rng.choice(files)
        table = source.stem
        data = source.read_bytes()
        with source.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.reader(stream))
        kind = rng.choice(["csv-bytes", "csv-rows", "encoding", "xlsx", "parquet"])
        if kind == "csv-bytes":
            label, make = rng.choice(list(_byte_mutations(data, rng).items()))
            made.append(_mutant(f"{table}.csv", label, make()))
        elif kind == "csv-rows":
            label, make = rng.choice(list(_rows_mutations(rows, rng).items()))
            delimiter = rng.choice([",", ";"])
            made.append(_mutant(f"{table}.csv", label, _csv_bytes(make(), delimiter)))
        elif kind == "encoding":
            encoding = rng.choice(["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1"])
            text = data.decode("utf-8") + "Zoë,Ærø,€\n"
            encoded = text.encode(encoding, errors="replace")
            made.append(_mutant(f"{table}.csv", f"re-encoded as {encoding}", encoded))
        elif kind == "xlsx":
            shape = rng.choice(["garbage cells", "ragged rows", "columns shuffled"])
            workbook = _xlsx_bytes(_rows_mutations(rows, rng)[shape]())
            label, make = rng.choice(
                [
                    (shape, lambda w=workbook: w),
                    ("zip cut short", lambda w=workbook: w[: rng.randrange(len(w))]),
                    ("zip bytes flipped", lambda w=workbook: _flip_bytes(w, rng)),
                    ("zip without its sheet", lambda w=workbook: _without_sheet(w)),
                ]
            )
            made.append(_mutant(f"{table}.xlsx", label, make()))
        else:
            text = _text_table(rows)
            label, (column, kind_of) = rng.choice(list(PARQUET_EXTRAS.items()))
            value, arrow_type = kind_of
            extra = pa.array([value] * text.num_rows, arrow_type)
            data_bytes = _parquet_bytes(text.append_column(column, extra))
            if rng.random() < 0.3:
                data_bytes = _flip_bytes(data_bytes, rng)
            made.append(_mutant(f"{table}.parquet", label, data_bytes))
    return made


# Extra Parquet columns: label -> (column, (each row's value, Arrow type)).
PARQUET_EXTRAS = {
    "list column": ("tags", (["a"], pa.list_(pa.string()))),
    "struct column": ("venue", ({"city": "Wien"}, pa.struct([("city", pa.string())]))),
    "map column": ("extra", ([("k", 1)], pa.map_(pa.string(), pa.int64()))),
    "binary column": ("blob", (b"\xff\xfe", pa.binary())),
    "huge integers": ("big", (2**62, pa.int64())),
    "null-typed column": ("nothing", (None, pa.null())),
}


def _without_sheet(workbook: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if not name.startswith("xl/worksheets/"):
                target.writestr(name, source.read(name))
    return out.getvalue()


def _mutant(file_name: str, label: str, data: bytes) -> Mutant:
    table = file_name.split(".")[0]

    def write(folder: Path) -> None:
        (folder / f"{table}.csv").unlink(missing_ok=True)
        (folder / file_name).write_bytes(data)

    return Mutant(f"{file_name}: {label}", table, write)


def write_package(base: Path, folder: Path, mutant: Mutant) -> None:
    shutil.copytree(base, folder)
    mutant.write(folder)
