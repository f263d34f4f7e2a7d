"""The cohort-stratum cells behind an impact estimate (IMP01-IMP04): for each stratum (region,
NACE section, size class) and joining cohort g, the treated and comparison firms observed in
g-1 and g+k and their mean long differences Y(g+k) - Y(g-1). The estimate is the cells'
treated-minus-comparison differences weighted by their treated firms; the long differences
are the estimator's own (impact/panel.py), so no firm id is needed to check the arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from clustermon.explain.cell import ALL_REGIONS, Indicator
from clustermon.impact.panel import (
    EVENT_TIMES,
    KNOWN_SIZE_CLASSES,
    PANEL_COLUMNS,
    firms_of,
    long_differences,
)

STRATUM = ["region_code", "nace_section", "size_class"]


@dataclass(frozen=True)
class ImpactCell:
    region_code: str
    nace_section: str
    size_class: str
    cohort: int  # g, the year its treated firms first joined a cluster
    n_treated: int
    n_comparison: int
    mean_treated: float  # mean long difference Y(g+k) - Y(g-1) of the treated firms
    mean_comparison: float  # the same of the comparison firms

    @property
    def effect(self) -> float:
        return self.mean_treated - self.mean_comparison


@dataclass(frozen=True)
class Published:
    estimate: float | None
    n_treated: int
    n_comparison: int
    estimable: bool


@dataclass(frozen=True)
class ImpactExplanation:
    indicator: Indicator
    region_code: str
    horizon: int
    cells: list[ImpactCell]
    published: Published | None

    @property
    def n_treated(self) -> int:
        return sum(cell.n_treated for cell in self.cells)

    @property
    def weighted_effect(self) -> float | None:
        """The cells' effects weighted by their treated firms: the estimate, where estimable."""
        if not self.n_treated:
            return None
        return sum(cell.n_treated * cell.effect for cell in self.cells) / self.n_treated


def stratum_cells(stratum: pd.DataFrame, indicator_code: str, horizon: int) -> list[ImpactCell]:
    """The cohort cells of one stratum's firm-years at horizon k (common support: at least one
    treated and one comparison firm)."""
    firms = firms_of(stratum)
    if not firms.treated.any():
        return []
    matrix = firms.outcomes[indicator_code]
    rows = long_differences(firms, matrix)
    at = rows.event == EVENT_TIMES.index(horizon)
    # One stratum, so a block is its base year's column: the cohort is the year after it.
    cohort = rows.block[at] % (matrix.shape[1] + 1) + firms.first_year + 1
    frame = pd.DataFrame(
        {"cohort": cohort, "treated": firms.treated[rows.firm[at]], "change": rows.change[at]}
    )
    region, section, size = (stratum[column].iloc[0] for column in STRATUM)
    cells = []
    for year, cell in frame.groupby("cohort"):
        treated, comparison = cell[cell["treated"]], cell[~cell["treated"]]
        cells.append(
            ImpactCell(
                region_code=region,
                nace_section=section,
                size_class=size,
                cohort=int(year),
                n_treated=len(treated),
                n_comparison=len(comparison),
                mean_treated=float(np.mean(treated["change"])),
                mean_comparison=float(np.mean(comparison["change"])),
            )
        )
    return cells


def _region_panel(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """The region's firm-years that have a stratum (a NACE section and a known size class)."""
    return con.execute(
        f"SELECT {', '.join(PANEL_COLUMNS)} FROM intermediate.int_firm_years_assembled "
        "WHERE region_code = ? AND nace_section IS NOT NULL AND size_class IN "
        f"({', '.join('?' for _ in KNOWN_SIZE_CLASSES)})",
        [region, *KNOWN_SIZE_CLASSES],
    ).df()


def explain_impact(
    con: duckdb.DuckDBPyConnection, indicator: Indicator, region: str, horizon: int
) -> ImpactExplanation:
    """The cells of one region (or ALL: every region's, region by region) at horizon k."""
    if region == ALL_REGIONS:
        regions = [
            r
            for (r,) in con.sql(
                "SELECT DISTINCT region_code FROM intermediate.int_firm_years_assembled ORDER BY 1"
            ).fetchall()
        ]
    else:
        regions = [region]
    cells = [
        cell
        for code in regions
        for _, stratum in _region_panel(con, code).groupby(STRATUM, sort=True)
        for cell in stratum_cells(stratum, indicator.code, horizon)
    ]
    published = con.execute(
        "SELECT estimate, n_treated, n_comparison, estimable FROM main.impact_estimates "
        "WHERE region_code = ? AND indicator_code = ? AND horizon = ?",
        [region, indicator.code, horizon],
    ).fetchall()
    return ImpactExplanation(
        indicator=indicator,
        region_code=region,
        horizon=horizon,
        cells=cells,
        published=Published(*published[0]) if published else None,
    )
