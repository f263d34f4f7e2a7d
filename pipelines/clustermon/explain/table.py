"""The explanations as CSV tables for an auditor's spreadsheet: one row per fact (a cell, a
revision) or per cohort-stratum cell (an impact estimate)."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path

from clustermon.explain.cell import Cell
from clustermon.explain.contributions import Contribution
from clustermon.explain.impact import ImpactExplanation
from clustermon.explain.revisions import Revision

CELL_COLUMNS = ("indicator_code", "region_code", "quarter", "breakdown")
FACT_COLUMNS = (
    "role",
    "unit_id",
    "addend",
    "in_quarter",
    "counts_from",
    "counts_until",
    "fact",
    "package_quarter",
    "source_table",
    "source_file",
    "source_row",
    "sha256",
    "archive_path",
)
IMPACT_COLUMNS = (
    "indicator_code",
    "region_code",
    "horizon",
    "nace_section",
    "size_class",
    "cohort",
    "n_treated",
    "n_comparison",
    "mean_treated",
    "mean_comparison",
    "difference",
)


def _cell_fields(cell: Cell) -> dict[str, str]:
    return {
        "indicator_code": cell.indicator.code,
        "region_code": cell.region_code,
        "quarter": cell.quarter,
        "breakdown": cell.breakdown,
    }


def _fact_fields(contribution: Contribution) -> dict[str, object]:
    fields = asdict(contribution)
    fields["in_quarter"] = contribution.in_quarter
    return {column: fields[column] for column in FACT_COLUMNS}


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_cell(path: Path, cell: Cell, contributions: list[Contribution]) -> None:
    _write(
        path,
        CELL_COLUMNS + FACT_COLUMNS,
        [{**_cell_fields(cell), **_fact_fields(c)} for c in contributions],
    )


def write_revision(path: Path, cell: Cell, revision: Revision) -> None:
    """Entered and left units' facts, and the facts of units whose addends changed, each with
    the change and, for the latter, the unit's addend in the previous package."""
    rows = [
        {**_cell_fields(cell), "change": change, "previous_addend": None, **_fact_fields(c)}
        for change, listed in (("entered", revision.entered), ("left", revision.left))
        for c in listed
    ]
    rows += [
        {
            **_cell_fields(cell),
            "change": "changed",
            "previous_addend": changed.previous,
            **_fact_fields(c),
        }
        for changed in revision.changed
        for c in changed.facts
    ]
    _write(path, (*CELL_COLUMNS, "change", "previous_addend", *FACT_COLUMNS), rows)


def write_impact(path: Path, explanations: list[ImpactExplanation]) -> None:
    """The cohort-stratum cells of each horizon explained."""
    rows = [
        {
            "indicator_code": explanation.indicator.code,
            "region_code": cell.region_code,
            "horizon": explanation.horizon,
            **{column: getattr(cell, column) for column in IMPACT_COLUMNS[3:-1]},
            "difference": cell.effect,
        }
        for explanation in explanations
        for cell in explanation.cells
    ]
    _write(path, IMPACT_COLUMNS, rows)
