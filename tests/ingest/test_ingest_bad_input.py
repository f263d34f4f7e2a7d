"""The bad-input corpus: one small package per fault kind of docs/spec/submission-format.md.

Each case is the hand-made skeleton package AT12/2025Q1 (clean: nothing quarantined) with one
change, written to disk and loaded by the real inbox load into a real warehouse. Each asserts
the exact quarantine rows (table, file, row, column, rule, value, message), the file and
package verdicts, and rows read = loaded + quarantined for every loaded file. Row numbers are
the file's lines (header = 1); in the skeleton, clusters C3 and C4 (rows 4, 5) and the events
are referenced by nothing, so faults there cascade nowhere.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from clustermon.ingest import PackageFolder, ingest, sha256_of
from clustermon.ingest.load import load_batch
from clustermon.settings import ProgrammeSettings
from conftest import FIXTURES, assert_rows_accounted, query

BASE = FIXTURES / "skeleton" / "inbox" / "AT12" / "2025Q1"
PREFIX = "region AT12, quarter 2025Q1"
DATE_TYPE = "date (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)"
NUMBER_TYPE = "number (at most 12 digits before the decimal point)"
KINDS = "enterprise, university, research_institution, public_authority, intermediary, other"

Change = Callable[[Path], None]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)


def cell(table: str, row: int, column: str, value: str) -> Change:
    """Set one value; `row` is the line number (header = 1)."""

    def change(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        rows[row - 1][rows[0].index(column)] = value
        _write(folder / f"{table}.csv", rows)

    return change


def append(table: str, **values: str) -> Change:
    """Add a row at the end (its row number is the table's last + 1); unnamed columns empty."""

    def change(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        rows.append([values.get(name, "") for name in rows[0]])
        _write(folder / f"{table}.csv", rows)

    return change


def append_line(table: str, line: str) -> Change:
    def change(folder: Path) -> None:
        with (folder / f"{table}.csv").open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")

    return change


def rename_column(table: str, old: str, new: str) -> Change:
    def change(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        rows[0][rows[0].index(old)] = new
        _write(folder / f"{table}.csv", rows)

    return change


def drop_column(table: str, column: str) -> Change:
    def change(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        index = rows[0].index(column)
        _write(folder / f"{table}.csv", [r[:index] + r[index + 1 :] for r in rows])

    return change


def add_column(table: str, column: str, value: str) -> Change:
    def change(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        _write(folder / f"{table}.csv", [[*rows[0], column]] + [[*r, value] for r in rows[1:]])

    return change


def file_bytes(name: str, data: bytes) -> Change:
    def change(folder: Path) -> None:
        (folder / name).write_bytes(data)

    return change


def remove(name: str) -> Change:
    def change(folder: Path) -> None:
        (folder / name).unlink()

    return change


def line_ends(table: str, ending: bytes) -> Change:
    def change(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", ending))

    return change


def encoded(table: str, encoding: str) -> Change:
    def change(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))

    return change


def as_parquet(table: str, **extra: pa.Array) -> Change:
    """The table as Parquet (text columns), with extra columns of any Arrow type."""

    def change(folder: Path) -> None:
        csv_file = folder / f"{table}.csv"
        read = pacsv.read_csv(
            csv_file, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
        )
        text = pa.table({name: read.column(name).cast(pa.string()) for name in read.column_names})
        for name, values in extra.items():
            text = text.append_column(name, values)
        csv_file.unlink()
        pq.write_table(text, folder / f"{table}.parquet")

    return change


def as_xlsx(table: str, *, hidden_first_sheet: bool = False, truncate_sheet_at: int = 0) -> Change:
    """The table as a workbook; optionally behind a hidden first sheet, or with its sheet's
    XML cut after `truncate_sheet_at` bytes (a workbook damaged in transit)."""

    def change(folder: Path) -> None:
        workbook = Workbook()
        sheet = workbook.active
        if hidden_first_sheet:
            sheet.title, sheet.sheet_state = "lists", "hidden"
            sheet = workbook.create_sheet("data")
        for row in _rows(folder / f"{table}.csv"):
            sheet.append(row)
        (folder / f"{table}.csv").unlink()
        target = folder / f"{table}.xlsx"
        workbook.save(target)
        if truncate_sheet_at:
            members = {}
            with zipfile.ZipFile(target) as archive:
                for name in archive.namelist():
                    members[name] = archive.read(name)
            members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"][
                :truncate_sheet_at
            ]
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)

    return change


def wide_header(table: str, extra_columns: int) -> Change:
    def change(folder: Path) -> None:
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[0] += "".join(f",x{n}" for n in range(extra_columns))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return change


def organisation(**values: str) -> Change:
    """A new organisation N1 (row 19), referenced by nothing, valid but for `values`."""
    base = {"organisation_id": "N1", "name": "Neu GmbH", "kind": "university", "country_code": "AT"}
    return append("organisations", **{**base, **values})


def project(**values: str) -> Change:
    """A new project P06 (row 7), referenced by nothing, valid but for `values`."""
    base = {
        "project_id": "P06",
        "lead_cluster_id": "C1",
        "title": "New",
        "project_type": "training",
        "status": "planned",
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "total_cost_eur": "1000",
        "public_funding_eur": "500",
    }
    return append("projects", **{**base, **values})


@dataclass(frozen=True)
class Case:
    name: str
    changes: tuple[Change, ...]
    # (table, file, row, column, rule, value, message), in file and row order
    quarantine: tuple[tuple, ...] = ()
    files: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # file: (status, msg)
    rejection: str | None = None


def q(table: str, row: int | None, column: str | None, rule: str, value, message: str) -> tuple:
    return (table, f"{table}.csv", row, column, rule, value, message)


MEMBERSHIP_KEY_MESSAGE = (
    "the key (cluster_id C2, organisation_id E4, joined_on 2024-11-20) is in rows 5, 14"
)
# 0x81 is undefined in Windows-1252 and not valid UTF-8 on its own.
UNDEFINED_IN_CP1252 = (BASE / "events.csv").read_bytes().replace(b"b2b", b"b\x81b")
# UTF-8 (ö, ß) in one row, Windows-1252 (é) in a row appended by another program.
MIXED_ENCODINGS = (BASE / "events.csv").read_bytes().replace(
    b"networking", "Größe".encode()
) + "V3,C1,2025-03-01,Café,false,1,1\n".encode("cp1252")

CASES = [
    Case(
        "required value missing",
        (cell("clusters", 5, "name", ""),),
        (q("clusters", 5, "name", "required", None, "name is required"),),
    ),
    Case(
        "not a date",
        (cell("clusters", 5, "founded_on", "2012-02-30"),),
        (
            q(
                "clusters",
                5,
                "founded_on",
                "type_date",
                "2012-02-30",
                f"founded_on 2012-02-30 is not a {DATE_TYPE}",
            ),
        ),
    ),
    Case(
        "not a number",
        (cell("clusters", 5, "management_fte", "two"),),
        (
            q(
                "clusters",
                5,
                "management_fte",
                "type_decimal",
                "two",
                f"management_fte two is not a {NUMBER_TYPE}",
            ),
        ),
    ),
    Case(
        # DECIMAL(18, 6) holds every accepted value: 12 digits before the point, a trillion euro.
        "number above a trillion",
        (cell("participations", 2, "grant_eur", "1000000000000"),),
        (
            q(
                "participations",
                2,
                "grant_eur",
                "type_decimal",
                "1000000000000",
                f"grant_eur 1000000000000 is not a {NUMBER_TYPE}",
            ),
        ),
    ),
    Case(
        "decimal comma in a comma-separated file",
        (cell("clusters", 5, "management_fte", "0,5"),),
        (
            q(
                "clusters",
                5,
                "management_fte",
                "type_decimal",
                "0,5",
                f"management_fte 0,5 is not a {NUMBER_TYPE}",
            ),
        ),
    ),
    Case(
        "thousands separator",
        (cell("clusters", 5, "management_fte", "1 000"),),
        (
            q(
                "clusters",
                5,
                "management_fte",
                "type_decimal",
                "1 000",
                f"management_fte 1 000 is not a {NUMBER_TYPE}",
            ),
        ),
    ),
    Case(
        "not a whole number",
        (cell("events", 3, "participants", "18.5"),),
        (
            q(
                "events",
                3,
                "participants",
                "type_int",
                "18.5",
                "participants 18.5 is not a whole number",
            ),
        ),
    ),
    Case(
        "not a boolean",
        (cell("events", 2, "international", "maybe"),),
        (
            q(
                "events",
                2,
                "international",
                "type_bool",
                "maybe",
                "international maybe is not a boolean (true/false, yes/no, 1/0, ja/nein, oui/non)",
            ),
        ),
    ),
    Case(
        "value not allowed",
        (organisation(kind="company"),),
        (
            q(
                "organisations",
                19,
                "kind",
                "allowed_value",
                "company",
                f"kind company is not one of: {KINDS}",
            ),
        ),
    ),
    Case(
        "size class missing for an enterprise",
        (organisation(kind="enterprise"),),
        (
            q(
                "organisations",
                19,
                "size_class",
                "required_if",
                None,
                "size_class is required for an enterprise",
            ),
        ),
    ),
    Case(
        "NACE code malformed",
        (organisation(nace_code="C2"),),
        (
            q(
                "organisations",
                19,
                "nace_code",
                "nace_code",
                "C2",
                "nace_code C2 is not a NACE Rev.2 division, group or class "
                "(e.g. C25, C25.1, C25.11)",
            ),
        ),
    ),
    Case(
        "unknown country",
        (organisation(country_code="ZZ"),),
        (
            q(
                "organisations",
                19,
                "country_code",
                "country_code",
                "ZZ",
                "country_code ZZ is not an ISO 3166-1 alpha-2 code (EL, UK and XK allowed)",
            ),
        ),
    ),
    Case(
        "NUTS code unknown",
        (organisation(nuts_code="AT999"),),
        (
            q(
                "organisations",
                19,
                "nuts_code",
                "nuts_code",
                "AT999",
                "nuts_code AT999 is not a NUTS 2021 code",
            ),
        ),
    ),
    Case(
        "NUTS code of another country",
        (organisation(country_code="DE", nuts_code="AT121"),),
        (
            q(
                "organisations",
                19,
                "nuts_code",
                "nuts_country",
                "AT121",
                "nuts_code AT121 is not in country DE",
            ),
        ),
    ),
    Case(
        # GR and EL, GB and UK are the same country; XK has no NUTS code but is a country.
        "EU country spellings are accepted",
        (
            organisation(country_code="GR", nuts_code="EL30"),
            append(
                "organisations",
                organisation_id="N2",
                name="UK Ltd",
                kind="other",
                country_code="UK",
                nuts_code="UKI",
            ),
            append(
                "organisations",
                organisation_id="N3",
                name="GB Ltd",
                kind="other",
                country_code="GB",
                nuts_code="UKI3",
            ),
            append(
                "organisations", organisation_id="N4", name="XK", kind="other", country_code="XK"
            ),
        ),
    ),
    Case(
        # Only an empty cell is null: NA is Namibia and NULL a name (readers' defaults differ).
        "NA and NULL are values",
        (organisation(name="NULL", country_code="NA"),),
    ),
    Case(
        "founded before 1800",
        (organisation(founded_year="1799"),),
        (
            q(
                "organisations",
                19,
                "founded_year",
                "range",
                "1799",
                "founded_year 1799 is below 1800",
            ),
        ),
    ),
    Case(
        # One row can break two rules: one quarantine row each.
        "founded after the reference date and closed before founding",
        (cell("clusters", 5, "founded_on", "2025-04-01"),),
        (
            q(
                "clusters",
                5,
                "closed_on",
                "range",
                "2024-12-31",
                "closed_on 2024-12-31 is below founded_on 2025-04-01",
            ),
            q(
                "clusters",
                5,
                "founded_on",
                "range",
                "2025-04-01",
                "founded_on 2025-04-01 is above the reference date 2025-03-31",
            ),
        ),
    ),
    Case(
        "label without label_valid_until",
        (cell("clusters", 5, "label_valid_until", ""),),
        (
            q(
                "clusters",
                5,
                "label_valid_until",
                "required_if",
                None,
                "label_valid_until is required when label is set",
            ),
        ),
    ),
    Case(
        "cluster outside the region",
        (cell("clusters", 4, "nuts_code", "DE21"),),
        (
            q(
                "clusters",
                4,
                "nuts_code",
                "nuts_region",
                "DE21",
                "nuts_code DE21 is not within region AT12",
            ),
        ),
    ),
    Case(
        "sector not a NACE section",
        (cell("clusters", 4, "sector", "Z"),),
        (
            q(
                "clusters",
                4,
                "sector",
                "allowed_value",
                "Z",
                "sector Z is not one of: " + ", ".join("ABCDEFGHIJKLMNOPQRSTU"),
            ),
        ),
    ),
    Case(
        "public funding above total cost",
        (project(public_funding_eur="2000"),),
        (
            q(
                "projects",
                7,
                "public_funding_eur",
                "range",
                "2000",
                "public_funding_eur 2000 is above total_cost_eur 1000",
            ),
        ),
    ),
    Case(
        "project ends before it starts",
        (project(end_date="31/12/2024"),),
        (
            q(
                "projects",
                7,
                "end_date",
                "range",
                "31/12/2024",
                "end_date 2024-12-31 is below start_date 2025-01-01",
            ),
        ),
    ),
    Case(
        "reference to a cluster that does not exist",
        (append("memberships", cluster_id="C9", organisation_id="E1", joined_on="2020-01-01"),),
        (
            q(
                "memberships",
                14,
                "cluster_id",
                "broken_reference",
                "C9",
                "cluster_id C9 is not in clusters",
            ),
        ),
    ),
    Case(
        # E9's row is quarantined, so the service naming E9 (S7, row 8) goes too.
        "reference to a quarantined row cascades",
        (cell("organisations", 10, "kind", "firm"),),
        (
            q(
                "organisations",
                10,
                "kind",
                "allowed_value",
                "firm",
                f"kind firm is not one of: {KINDS}",
            ),
            q(
                "services",
                8,
                "organisation_id",
                "broken_reference",
                "E9",
                "organisation_id E9 refers to a quarantined row of organisations",
            ),
        ),
    ),
    Case(
        "comparison-group organisation as a member",
        (append("memberships", cluster_id="C1", organisation_id="X1", joined_on="2020-01-01"),),
        (
            q(
                "memberships",
                14,
                "organisation_id",
                "comparison_group",
                "X1",
                "organisation_id X1 is in the comparison group, which appears only in firm_kpis",
            ),
        ),
    ),
    Case(
        "firm KPIs of a university",
        (
            append(
                "firm_kpis", organisation_id="U1", year="2023", employees_fte="1", turnover_eur="1"
            ),
        ),
        (
            q(
                "firm_kpis",
                5,
                "organisation_id",
                "enterprise",
                "U1",
                "organisation_id U1 is not an enterprise",
            ),
        ),
    ),
    Case(
        "firm KPIs for a year after the reference year",
        (
            append(
                "firm_kpis", organisation_id="E1", year="2026", employees_fte="1", turnover_eur="1"
            ),
        ),
        (q("firm_kpis", 5, "year", "range", "2026", "year 2026 is above the reference year 2025"),),
    ),
    Case(
        "exports above turnover",
        (cell("firm_kpis", 2, "exports_eur", "300001"),),
        (
            q(
                "firm_kpis",
                2,
                "exports_eur",
                "range",
                "300001",
                "exports_eur 300001 is above turnover_eur 300000",
            ),
        ),
    ),
    Case(
        "duplicate identifier: every row of the key goes",
        (
            append(
                "events",
                event_id="V2",
                cluster_id="C2",
                held_on="2025-02-13",
                event_type="b2b",
                international="no",
                participants="5",
            ),
        ),
        (
            q(
                "events",
                3,
                "event_id",
                "duplicate_key",
                "V2",
                "the key (event_id V2) is in rows 3, 4",
            ),
            q(
                "events",
                4,
                "event_id",
                "duplicate_key",
                "V2",
                "the key (event_id V2) is in rows 3, 4",
            ),
        ),
    ),
    Case(
        # The same date written DD.MM.YYYY is the same key; the two spells also overlap.
        "duplicate membership key",
        (append("memberships", cluster_id="C2", organisation_id="E4", joined_on="20.11.2024"),),
        (
            q(
                "memberships",
                5,
                "cluster_id, organisation_id, joined_on",
                "duplicate_key",
                "C2, E4, 2024-11-20",
                MEMBERSHIP_KEY_MESSAGE,
            ),
            q(
                "memberships",
                5,
                "joined_on",
                "overlapping_spells",
                "2024-11-20",
                "the spell of E4 in C2 overlaps the spell in row 14",
            ),
            q(
                "memberships",
                14,
                "cluster_id, organisation_id, joined_on",
                "duplicate_key",
                "C2, E4, 2024-11-20",
                MEMBERSHIP_KEY_MESSAGE,
            ),
            q(
                "memberships",
                14,
                "joined_on",
                "overlapping_spells",
                "20.11.2024",
                "the spell of E4 in C2 overlaps the spell in row 5",
            ),
        ),
    ),
    Case(
        "overlapping membership spells",
        (
            append(
                "memberships",
                cluster_id="C1",
                organisation_id="E1",
                joined_on="2021-01-01",
                left_on="2022-01-01",
            ),
        ),
        (
            q(
                "memberships",
                2,
                "joined_on",
                "overlapping_spells",
                "2020-01-01",
                "the spell of E1 in C1 overlaps the spell in row 14",
            ),
            q(
                "memberships",
                14,
                "joined_on",
                "overlapping_spells",
                "2021-01-01",
                "the spell of E1 in C1 overlaps the spell in row 2",
            ),
        ),
    ),
    Case(
        # E2's spell in C1 ends 2025-03-31; one starting that day only touches it (half-open).
        "touching membership spells are fine",
        (append("memberships", cluster_id="C1", organisation_id="E2", joined_on="2025-03-31"),),
    ),
    Case(
        "two coordinators",
        (
            append(
                "participations",
                project_id="P01",
                organisation_id="E1",
                role="coordinator",
                cluster_id="C1",
            ),
        ),
        (
            q(
                "participations",
                2,
                "role",
                "coordinators",
                "coordinator",
                "project P01 has 2 coordinators (rows 2, 9); at most one is allowed",
            ),
            q(
                "participations",
                9,
                "role",
                "coordinators",
                "coordinator",
                "project P01 has 2 coordinators (rows 2, 9); at most one is allowed",
            ),
        ),
    ),
    Case(
        # P01: 50000 + 30000 + 30000 > 100000; F1 (no grant) stays.
        "grants above the project's public funding",
        (
            append(
                "participations",
                project_id="P01",
                organisation_id="E1",
                role="partner",
                cluster_id="C1",
                grant_eur="30000",
            ),
        ),
        tuple(
            q(
                "participations",
                row,
                "grant_eur",
                "grants_over_funding",
                grant,
                "the grants of project P01 sum to 110000, above its public_funding_eur 100000",
            )
            for row, grant in ((2, "50000"), (3, "30000"), (9, "30000"))
        ),
    ),
    Case(
        "grant without an amount",
        (cell("services", 7, "amount_eur", ""),),
        (
            q(
                "services",
                7,
                "amount_eur",
                "required_if",
                None,
                "amount_eur must be above 0 when support_form is grant",
            ),
        ),
    ),
    Case(
        "more SME participants than participants",
        (cell("events", 2, "participants_sme", "50"),),
        (
            q(
                "events",
                2,
                "participants_sme",
                "range",
                "50",
                "participants_sme 50 is above participants 40",
            ),
        ),
    ),
    Case(
        "outcome quantity zero",
        (cell("outcomes", 3, "quantity", "0"),),
        (q("outcomes", 3, "quantity", "range", "0", "quantity 0 is below 1"),),
    ),
    Case(
        "row with too many fields",
        (append_line("events", "V3,C1,2025-01-01,b2b,no,3,,surplus"),),
        (
            q(
                "events",
                4,
                None,
                "malformed_row",
                "V3,C1,2025-01-01,b2b,no,3,,surplus",
                "the row has 8 fields, the header 7",
            ),
        ),
    ),
    Case(
        "renamed required column rejects an optional table",
        (rename_column("events", "held_on", "date"),),
        files={
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: required column held_on is missing",
            )
        },
    ),
    Case(
        "missing required column rejects a required table and the package",
        (drop_column("clusters", "nuts_code"),),
        files={
            "clusters.csv": (
                "rejected",
                f"{PREFIX}, file clusters.csv: required column nuts_code is missing",
            )
        },
        rejection=f"{PREFIX}: required table clusters was rejected",
    ),
    Case(
        "missing required table",
        (remove("memberships.csv"),),
        rejection=f"{PREFIX}: required table memberships is missing",
    ),
    Case(
        "two files for one table",
        (file_bytes("Events.parquet", b"PAR1"),),
        files={
            "Events.parquet": (
                "rejected",
                f"{PREFIX}, file Events.parquet: two files for table events "
                "(Events.parquet, events.csv)",
            ),
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: two files for table events "
                "(Events.parquet, events.csv)",
            ),
        },
    ),
    Case(
        "file that is no table",
        (file_bytes("notes.txt", b"hello"),),
        files={
            "notes.txt": (
                "ignored",
                f"{PREFIX}, file notes.txt: is not a table of the submission format (tables: "
                "clusters, organisations, memberships, projects, participations, services, events, "
                "outcomes, firm_kpis; formats: csv, xlsx, parquet); ignored",
            )
        },
    ),
    Case(
        "neither UTF-8 nor Windows-1252",
        (file_bytes("events.csv", UNDEFINED_IN_CP1252),),
        files={
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: is neither UTF-8 nor Windows-1252 "
                f"(byte 0x81 at position {UNDEFINED_IN_CP1252.index(0x81)})",
            )
        },
    ),
    Case(
        "unreadable Excel file",
        (remove("events.csv"), file_bytes("events.xlsx", b"not a workbook")),
        files={
            "events.xlsx": (
                "rejected",
                f"{PREFIX}, file events.xlsx: is not a readable Excel workbook "
                "(File is not a zip file)",
            )
        },
    ),
    Case(
        "old Mac line ends (CR only), a fault keeps its row number",
        (cell("clusters", 5, "name", ""), line_ends("clusters", b"\r")),
        (q("clusters", 5, "name", "required", None, "name is required"),),
    ),
    Case("Windows line ends (CRLF)", (line_ends("events", b"\r\n"),)),
    Case("UTF-16 with a byte order mark", (encoded("events", "utf-16"),)),
    Case(
        "two encodings in one file",
        (file_bytes("events.csv", MIXED_ENCODINGS),),
        files={
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: mixes encodings: UTF-8 text before byte 0xE9 at "
                f"position {MIXED_ENCODINGS.index(0xE9)}, which is not UTF-8; "
                "save the file again as UTF-8",
            )
        },
    ),
    Case(
        "Parquet with a list column",
        (as_parquet("events", tags=pa.array([["a"]] * 2, pa.list_(pa.string()))),),
        files={
            "events.parquet": (
                "rejected",
                f"{PREFIX}, file events.parquet: column tags holds list<element: string> values "
                "(a list, struct or map); a table's cells are single values",
            )
        },
    ),
    Case(
        "Parquet with a struct column",
        (as_parquet("events", venue=pa.array([{"city": "Wien"}] * 2)),),
        files={
            "events.parquet": (
                "rejected",
                f"{PREFIX}, file events.parquet: column venue holds struct<city: string> values "
                "(a list, struct or map); a table's cells are single values",
            )
        },
    ),
    Case(
        "Excel workbook whose table is behind a hidden first sheet",
        (as_xlsx("events", hidden_first_sheet=True),),
        files={
            "events.xlsx": (
                "rejected",
                f"{PREFIX}, file events.xlsx: its first sheet (lists) is hidden; the table must "
                "be on the first sheet, visible",
            )
        },
    ),
    Case(
        "30,000 columns",
        (wide_header("events", 30_000),),
        files={
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: the header has 30,007 columns, over the limit of "
                "200 (setting max_columns_per_file)",
            )
        },
    ),
    Case(
        "a value longer than Excel allows",
        (cell("events", 3, "event_type", "x" * 40_000),),
        files={
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: row 3, column event_type: the value is longer than "
                "32,767 characters (setting max_cell_characters)",
            )
        },
    ),
    Case(
        "header names a column twice",
        (rename_column("events", "participants_sme", "participants"),),
        files={
            "events.csv": (
                "rejected",
                f"{PREFIX}, file events.csv: the header names column participants twice",
            )
        },
    ),
]


def load(
    tmp_path: Path, changes: tuple[Change, ...], *, region: str = "AT12", folder: str = "2025Q1"
):
    """Write the changed package into a fresh inbox and load it into a fresh warehouse."""
    package = tmp_path / "inbox" / region / folder
    shutil.copytree(BASE, package)
    for change in changes:
        change(package)
    shutil.copytree(FIXTURES / "skeleton" / "programme", tmp_path / "programme", dirs_exist_ok=True)
    warehouse = tmp_path / "warehouse.duckdb"
    result = ingest(warehouse, tmp_path / "inbox", tmp_path / "programme", tmp_path / "archive")
    return warehouse, result


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(tmp_path: Path, case: Case) -> None:
    warehouse, result = load(tmp_path, case.changes)
    assert result.problems == []
    [package] = result.packages
    assert (package.status, package.message) == (
        ("rejected", case.rejection) if case.rejection else ("accepted", None)
    )
    quarantine = query(
        warehouse,
        "SELECT table_name, source_file, source_row, column_name, rule, value, message "
        "FROM raw.quarantine ORDER BY source_file, source_row, column_name, rule",
    )
    assert quarantine == list(case.quarantine)
    faulty = query(
        warehouse,
        "SELECT file_name, status, message FROM raw.received_files "
        "WHERE status IN ('rejected', 'ignored') ORDER BY file_name",
    )
    assert faulty == [(file, *verdict) for file, verdict in sorted(case.files.items())]
    assert_rows_accounted(warehouse)
    if case.rejection:  # nothing of a rejected package reaches the raw tables
        assert query(warehouse, "SELECT count(*) FROM raw.organisations") == [(0,)]


def test_excel_sheet_damaged_while_streaming_rejects_the_file(tmp_path: Path) -> None:
    warehouse, result = load(tmp_path, (as_xlsx("events", truncate_sheet_at=900),))
    assert [p.status for p in result.packages] == ["accepted"]  # events is optional
    [(message,)] = query(
        warehouse, "SELECT message FROM raw.received_files WHERE status = 'rejected'"
    )
    # The parser's own words follow in brackets; where it stopped depends on the cut.
    assert re.fullmatch(
        f"{PREFIX}, file events.xlsx: cannot be read past row [0-9]+ \\(.+\\)", message
    ), message


def test_a_folder_name_with_a_line_feed_is_not_a_quarter(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "inbox" / "AT12" / "2025Q1\n")
    _, result = load(tmp_path, ())
    assert result.problems == [
        "region AT12: entry '2025Q1\\n' is not a quarter folder (YYYYQN); ignored"
    ]
    assert [(p.quarter, p.status) for p in result.packages] == [("2025Q1", "accepted")]


class _WrittenToWhileRead(PackageFolder):
    """A package whose events.csv grows right after it was hashed, as a file still being
    copied in does between the inbox scan and the read."""

    def checksums(self) -> dict[str, str]:
        found = super().checksums()
        with (self.path / "events.csv").open("a", encoding="utf-8") as stream:
            stream.write("E9,C1,Late,workshop,2025-03-01,1,1\n")
        return found


def test_a_file_changed_while_read_defers_its_package_to_the_next_refresh(tmp_path: Path) -> None:
    warehouse, _ = load(tmp_path, (), folder="2024Q4")  # a warehouse with its raw layer
    package = tmp_path / "inbox" / "AT12" / "2025Q1"
    shutil.copytree(BASE, package)
    changing = _WrittenToWhileRead("AT12", "2025Q1", package)
    with duckdb.connect(str(warehouse)) as con:
        [outcome] = load_batch(
            con,
            [(changing, None)],
            tmp_path / "archive",
            datetime.now(UTC),
            ProgrammeSettings().file_limits(),
        )
    assert (outcome.status, outcome.message) == (
        "deferred",
        f"{PREFIX}: a file changed while it was being read (still being copied in?); the "
        "package is read again at the next refresh",
    )
    assert query(
        warehouse, "SELECT count(*) FROM raw.received_packages WHERE quarter = '2025Q1'"
    ) == [(0,)]
    programme, archive = tmp_path / "programme", tmp_path / "archive"
    result = ingest(warehouse, tmp_path / "inbox", programme, archive)  # the next refresh
    assert [(p.quarter, p.status) for p in result.packages] == [
        ("2024Q4", "accepted"),
        ("2025Q1", "accepted"),
    ]


class _FileRemovedWhileHashed(PackageFolder):
    """A package whose sender removes a file between the listing and the hashing."""

    def checksums(self) -> dict[str, str]:
        listed = self.regular_files()
        (self.path / "events.csv").unlink()
        return {p.name: sha256_of(p) for p in listed}


def test_a_file_removed_while_found_defers_only_its_package(tmp_path: Path) -> None:
    warehouse, _ = load(tmp_path, (), folder="2024Q4")
    package = tmp_path / "inbox" / "AT12" / "2025Q1"
    shutil.copytree(BASE, package)
    vanishing = _FileRemovedWhileHashed("AT12", "2025Q1", package)
    settled = PackageFolder("AT12", "2024Q4", tmp_path / "inbox" / "AT12" / "2024Q4")
    with duckdb.connect(str(warehouse)) as con:
        outcomes = load_batch(
            con,
            [(vanishing, None), (settled, None)],
            tmp_path / "archive",
            datetime.now(UTC),
            ProgrammeSettings().file_limits(),
        )
    assert [(p.quarter, p.status, p.message) for p in outcomes] == [
        (
            "2025Q1",
            "deferred",
            f"{PREFIX}, file events.csv: cannot be read (No such file or directory); the "
            "package is read again at the next refresh",
        ),
        ("2024Q4", "accepted", None),  # unchanged, and untouched by the other's fault
    ]


def test_a_partial_archive_copy_left_by_a_crash_is_replaced(tmp_path: Path) -> None:
    events = (BASE / "events.csv").read_bytes()
    checksum = hashlib.sha256(events).hexdigest()
    stored = tmp_path / "archive" / "AT12" / "2025Q1" / checksum / "events.csv"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(events[:40])  # the copy a crash cut short, under the final name
    warehouse, _ = load(tmp_path, ())
    assert stored.read_bytes() == events
    assert query(
        warehouse, "SELECT archive_path FROM raw.received_files WHERE file_name = 'events.csv'"
    ) == [(str(stored),)]
    assert not list(stored.parent.glob(".*"))  # no temporary copy left behind


def test_corpus_size() -> None:
    assert len(CASES) >= 30


def test_unlisted_region_is_rejected(tmp_path: Path) -> None:
    _, result = load(tmp_path, (), region="AT13")
    [package] = result.packages
    assert package.status == "rejected"
    assert package.message == (
        "region AT13, quarter 2025Q1: region AT13 is not listed in the programme's regions.csv; "
        "the package is rejected"
    )


def test_two_folders_for_one_quarter_reject_both(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "inbox" / "AT12" / "2025q1")
    warehouse, result = load(tmp_path, ())
    message = (
        "region AT12, quarter 2025Q1: two folders for the same quarter (2025Q1, 2025q1); "
        "both are rejected"
    )
    assert [(p.status, p.message) for p in result.packages] == [("rejected", message)] * 2
    assert query(warehouse, "SELECT count(*) FROM raw.clusters") == [(0,)]


def test_folder_names_that_are_not_codes_are_never_used(tmp_path: Path) -> None:
    (tmp_path / "inbox" / "at12; drop table x" / "2025Q1").mkdir(parents=True)
    (tmp_path / "inbox" / "AT12" / "2025Q5").mkdir(parents=True)
    _, result = load(tmp_path, ())
    assert result.problems == [
        "region AT12: entry '2025Q5' is not a quarter folder (YYYYQN); ignored",
        "inbox entry 'at12; drop table x' is not a region folder (NUTS code); ignored",
    ]
    assert [(p.region_code, p.status) for p in result.packages] == [("AT12", "accepted")]


def test_extra_columns_are_kept_and_missing_optional_columns_read_as_empty(tmp_path: Path) -> None:
    changes = (
        drop_column("clusters", "s3_priority"),
        rename_column("clusters", "sector", " Sector "),  # names are trimmed and lower-cased
        add_column("clusters", "contact", "Anna"),
    )
    warehouse, result = load(tmp_path, changes)
    assert [p.status for p in result.packages] == ["accepted"]
    assert query(
        warehouse,
        "SELECT cluster_id, sector, s3_priority, extra_columns FROM raw.clusters ORDER BY 1",
    ) == [(f"C{n}", "C", None, '{"contact":"Anna"}') for n in range(1, 5)]
    assert query(warehouse, "SELECT count(*) FROM raw.quarantine") == [(0,)]
