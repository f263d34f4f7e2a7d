"""One package, every format a region may send, identical staging tables.

The skeleton package AT12/2025Q1 is written five ways, each as its own quarter of one inbox
(the quarters only move the reference date later, which every row of it still meets):
  2025Q1  CSV `,`, UTF-8, ISO dates, true/false            (the fixture's own files)
  2025Q2  CSV `;`, UTF-8 with BOM, CRLF, decimal comma, DD.MM.YYYY, ja/nein
  2025Q3  CSV `;`, Windows-1252, decimal comma, DD/MM/YYYY, oui/non, upper-case file names
  2025Q4  XLSX (first sheet; numbers, dates and booleans as Excel cells)
  2026Q1  Parquet (typed columns: double, int64, date32, bool)
The real loader reads them, the real dbt staging models cast them, and every staging table
is compared row for row, lineage apart (package, quarter, file).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from clustermon.contract import TABLES
from clustermon.home import DBT_PROJECT_DIR, Paths
from clustermon.ingest import ingest
from clustermon.settings import ProgrammeSettings
from clustermon.transform.project import dbt_executable, dbt_vars
from conftest import FIXTURES, query

BASE = FIXTURES / "skeleton" / "inbox" / "AT12" / "2025Q1"
VARIANTS = ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1")


def _records(table: str) -> tuple[list[str], list[list[str]]]:
    with (BASE / f"{table}.csv").open(newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    return header, rows


def _typed(value: str, column_type: str) -> object:
    """A fixture value as the typed cell a spreadsheet or Parquet writer would hold."""
    if value == "":
        return None
    if column_type == "date":
        return date.fromisoformat(value)
    if column_type == "decimal":
        return float(value)
    if column_type == "int":
        return int(value)
    if column_type == "bool":
        return value == "true"
    return value


def _regional(value: str, column_type: str, dates: str, booleans: tuple[str, str]) -> str:
    """A fixture value as a `;` CSV from a German or French spreadsheet writes it."""
    if value == "":
        return value
    if column_type == "date":
        return date.fromisoformat(value).strftime(dates)
    if column_type == "decimal":
        return value.replace(".", ",")
    if column_type == "bool":
        return booleans[0] if value == "true" else booleans[1]
    return value


def write_variants(inbox: Path) -> None:
    folders = {quarter: inbox / "AT12" / quarter for quarter in VARIANTS}
    shutil.copytree(BASE, folders["2025Q1"])
    for folder in list(folders.values())[1:]:
        folder.mkdir(parents=True)
    for table in TABLES:
        header, rows = _records(table.name)
        types = [next(c.type for c in table.columns if c.name == name) for name in header]
        for quarter, encoding, dates, booleans, name in (
            ("2025Q2", "utf-8-sig", "%d.%m.%Y", ("ja", "nein"), table.name),
            ("2025Q3", "cp1252", "%d/%m/%Y", ("oui", "non"), table.name.upper()),
        ):
            with (folders[quarter] / f"{name}.csv").open("w", newline="", encoding=encoding) as f:
                writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
                writer.writerow(header)
                writer.writerows(
                    [_regional(v, t, dates, booleans) for v, t in zip(row, types, strict=True)]
                    for row in rows
                )
        typed = [[_typed(v, t) for v, t in zip(row, types, strict=True)] for row in rows]
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in typed:
            sheet.append(row)
        workbook.save(folders["2025Q4"] / f"{table.name}.xlsx")
        arrow_types = {"date": pa.date32(), "decimal": pa.float64(), "int": pa.int64()}
        arrow_types |= {"bool": pa.bool_(), "text": pa.string()}
        columns = {
            name: pa.array([row[i] for row in typed], arrow_types[types[i]])
            for i, name in enumerate(header)
        }
        pq.write_table(pa.table(columns), folders["2026Q1"] / f"{table.name}.parquet")


def test_every_format_gives_identical_staging_tables(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_variants(tmp_path / "inbox")
    # The Windows-1252 file really is one: a German name with an umlaut, one byte.
    assert (
        "Universität".encode("cp1252")
        in (tmp_path / "inbox" / "AT12" / "2025Q3" / "ORGANISATIONS.csv").read_bytes()
    )
    result = ingest(
        home / "warehouse.duckdb",
        tmp_path / "inbox",
        FIXTURES / "skeleton" / "programme",
        home / "archive",
    )
    assert [(p.quarter, p.status, p.rows_quarantined) for p in result.packages] == [
        (quarter, "accepted", 0) for quarter in VARIANTS
    ]
    subprocess.run(
        [
            dbt_executable(),
            "run",
            "--select",
            "staging",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--log-path",
            str(tmp_path / "dbt_logs"),
            "--quiet",
            *dbt_vars(Paths.at(home), ProgrammeSettings()),
        ],
        check=True,
    )
    for table in TABLES:
        staged = [
            query(
                home / "warehouse.duckdb",
                f"SELECT * EXCLUDE (package_id, quarter, source_file) "
                f"FROM staging.stg_packages__{table.name} WHERE quarter = ? ORDER BY ALL",
                [quarter],
            )
            for quarter in VARIANTS
        ]
        _, rows = _records(table.name)
        assert len(staged[0]) == len(rows), table.name
        for quarter, variant in zip(VARIANTS[1:], staged[1:], strict=True):
            assert variant == staged[0], f"{table.name}: {quarter} differs from 2025Q1"
