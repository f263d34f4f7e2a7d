"""The units a cell counts, sums or divides, each with the fact that makes it count and the
archived file and row that fact comes from; and the cell's value worked out from them.

They come from the dbt view intermediate.int_indicator_contributions_expanded, which the
indicator models aggregate by the same rules (macros/contributions.sql): a cell counts the
distinct units of role `unit`, sums the addends of role `addend`, or is 100 x numerator units /
denominator units (null without any), and its in-quarter value takes the units of the quarter
alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

SHARE_ROLES = ("numerator", "denominator")


@dataclass(frozen=True)
class Contribution:
    indicator_code: str
    breakdown: str
    role: str  # unit, addend, numerator or denominator
    unit_id: str
    addend: Decimal | None
    counts_from: date
    counts_until: date | None
    in_quarter: bool  # counts in the quarter alone (in-quarter values)
    fact: str
    region_code: str
    package_quarter: str  # the quarter of the package the fact was sent in
    source_table: str
    source_file: str | None
    source_row: int  # as a spreadsheet numbers it (header = 1)
    sha256: str | None
    archive_path: str | None


_COLUMNS = ", ".join(
    [
        "contributions.indicator_code",
        "contributions.breakdown",
        "contributions.role",
        "contributions.unit_id",
        "contributions.addend",
        "contributions.counts_from",
        "contributions.counts_until",
        "contributions.is_in_quarter",
        "contributions.fact",
        "contributions.region_code",
        "packages.quarter",
        "contributions.source_table",
        "files.file_name",
        "contributions.source_row",
        "files.sha256",
        "files.archive_path",
    ]
)


def contributions_of(
    con: duckdb.DuckDBPyConnection,
    package_id: str,
    quarter: str,
    indicator_code: str | None = None,
    breakdown: str | None = None,
) -> list[Contribution]:
    """The contributions of a package's cells in `quarter`: of one cell, or of every cell of
    the quarter (indicator_code and breakdown None), by cell, role, unit and fact."""
    cell = ""
    parameters: list[object] = [package_id, quarter]
    if indicator_code is not None:
        cell = " AND contributions.indicator_code = ? AND contributions.breakdown = ?"
        parameters += [indicator_code, breakdown]
    rows = con.execute(
        f"""
        SELECT {_COLUMNS}
        FROM intermediate.int_indicator_contributions_expanded AS contributions
        JOIN staging.stg_packages__received_packages AS packages USING (package_id)
        LEFT JOIN staging.stg_packages__received_files AS files
            ON files.package_id = contributions.package_id
            AND files.table_name = contributions.source_table
            AND files.status = 'loaded'
        WHERE contributions.package_id = ? AND contributions.quarter = ?{cell}
        ORDER BY ALL
        """,
        parameters,
    ).fetchall()
    return [Contribution(*row) for row in rows]


@dataclass(frozen=True)
class Tally:
    """A cell's value worked out from its contributions, with the figures behind it."""

    measure: str  # count (distinct units), sum (of addends) or share
    value: float | None
    units: int  # distinct units (count), addends (sum)
    total: Decimal  # sum of the addends (sum)
    numerator: int  # distinct numerator units (share)
    denominator: int  # distinct denominator units (share)


def measure_of(contributions: Iterable[Contribution], unit: str) -> str:
    """count, sum or share: by the contributions' roles; for a cell without any, a share when
    the catalogue's unit is a percentage (an empty count and an empty sum are both 0)."""
    roles = {contribution.role for contribution in contributions}
    if roles & set(SHARE_ROLES) or (not roles and unit.startswith("%")):
        return "share"
    return "sum" if "addend" in roles else "count"


def tally(contributions: list[Contribution], measure: str, in_quarter: bool = False) -> Tally:
    """The value the cell's contributions give: all of them, or (`in_quarter`) the quarter's.
    `measure` is measure_of the cell's contributions."""
    taken = [c for c in contributions if c.in_quarter or not in_quarter]
    units = {c.unit_id for c in taken if c.role == "unit"}
    total = sum((c.addend for c in taken if c.role == "addend"), Decimal(0))
    numerator = len({c.unit_id for c in taken if c.role == "numerator"})
    denominator = len({c.unit_id for c in taken if c.role == "denominator"})
    if measure == "share":
        value = 100.0 * numerator / denominator if denominator else None
        return Tally(measure, value, 0, Decimal(0), numerator, denominator)
    if measure == "sum":
        addends = sum(1 for c in taken if c.role == "addend")
        return Tally(measure, float(total), addends, total, 0, 0)
    return Tally(measure, float(len(units)), len(units), Decimal(0), 0, 0)
