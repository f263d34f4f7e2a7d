"""`clustermon explain`: checks the request, reads the working warehouse, prints the
explanation and writes its table; a request it cannot answer is one message and exit 1."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from clustermon.explain import report, table
from clustermon.explain.cell import check_region, indicator_of, resolve_cell
from clustermon.explain.contributions import contributions_of
from clustermon.explain.impact import explain_impact
from clustermon.explain.revisions import revision_of
from clustermon.explain.warehouse import ExplainError, working_warehouse
from clustermon.home import Paths
from clustermon.impact.panel import HORIZONS


@dataclass(frozen=True)
class ExplainRequest:
    indicator: str
    region: str
    quarter: str | None = None
    breakdown: str = "total"
    against_previous: bool = False
    horizon: int | None = None  # impact estimates only; None: every horizon
    csv: Path | None = None


def _explain_impact(con: duckdb.DuckDBPyConnection, request: ExplainRequest) -> str:
    indicator = indicator_of(con, request.indicator)
    if request.quarter or request.against_previous or request.breakdown != "total":
        raise ExplainError(
            f"{indicator.code} is an impact estimate over the firm-year panel: it takes no "
            "quarter, breakdown or --against-previous, only --horizon"
        )
    region = check_region(con, request.region, pooled=True)
    horizons = [request.horizon] if request.horizon else list(HORIZONS)
    explanations = [explain_impact(con, indicator, region, k) for k in horizons]
    if request.csv:
        table.write_impact(request.csv, explanations)
    return "\n\n".join(report.format_impact(e) for e in explanations)


def _explain_cell(con: duckdb.DuckDBPyConnection, request: ExplainRequest) -> str:
    if request.horizon is not None:
        raise ExplainError("--horizon is for the impact estimates IMP01-IMP04 only")
    if not request.quarter:
        raise ExplainError(
            f"which quarter? e.g. `clustermon explain {request.indicator} {request.region} 2025Q4`"
        )
    cell = resolve_cell(con, request.indicator, request.region, request.quarter, request.breakdown)
    if request.against_previous:
        revision = revision_of(con, cell)
        if request.csv:
            table.write_revision(request.csv, cell, revision)
        return report.format_revision(cell, revision)
    contributions = contributions_of(
        con, cell.package.package_id, cell.quarter, cell.indicator.code, cell.breakdown
    )
    if request.csv:
        table.write_cell(request.csv, cell, contributions)
    return report.format_cell(cell, contributions)


def explain_command(paths: Paths, request: ExplainRequest) -> int:
    """Print the explanation (and write its CSV); 1 with a message for a request it cannot
    answer."""
    try:
        with working_warehouse(paths.warehouse) as con:
            impact = indicator_of(con, request.indicator).is_impact
            text = (_explain_impact if impact else _explain_cell)(con, request)
    except ExplainError as error:
        print(f"explain: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the CSV could not be written
        print(f"explain: cannot write {request.csv}: {error}", file=sys.stderr)
        return 1
    print(text)
    if request.csv:
        print(f"\nTable written: {request.csv}")
    return 0
