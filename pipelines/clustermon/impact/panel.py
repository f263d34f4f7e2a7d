"""The firm-year panel as the estimator reads it (estimator.py has the method).

Each firm-year's outcome (IMP01-IMP04), the firms with their stratum and joining cohort, and
the long differences Y(t) - Y(g-1) of every event time, as numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HORIZONS = (1, 2, 3)
PLACEBO_HORIZONS = (-2, -3)
EVENT_TIMES = (*HORIZONS, *PLACEBO_HORIZONS)
KNOWN_SIZE_CLASSES = ("micro", "small", "medium", "large")


@dataclass(frozen=True)
class Outcome:
    indicator_code: str
    unit: str


OUTCOMES = (
    Outcome("IMP01", "log points"),
    Outcome("IMP02", "log points"),
    Outcome("IMP03", "percentage points"),
    Outcome("IMP04", "percentage points"),
)

PANEL_COLUMNS = (
    "region_code",
    "organisation_id",
    "comparison_group",
    "cohort",
    "nace_section",
    "size_class",
    "year",
    "employees_fte",
    "turnover_eur",
    "exports_eur",
    "rd_expenditure_eur",
)


def outcome_values(panel: pd.DataFrame) -> pd.DataFrame:
    """IMP01-IMP04 outcome of each firm-year; NaN where undefined (see the module docstring)."""
    employees = panel["employees_fte"].astype("float64")
    turnover = panel["turnover_eur"].astype("float64")
    positive_turnover = turnover.where(turnover > 0)
    return pd.DataFrame(
        {
            "IMP01": np.log(employees.where(employees > 0)),
            "IMP02": np.log(positive_turnover),
            "IMP03": 100 * panel["exports_eur"].astype("float64") / positive_turnover,
            "IMP04": 100 * panel["rd_expenditure_eur"].astype("float64") / positive_turnover,
        },
        index=panel.index,
    )


@dataclass(frozen=True)
class Firms:
    """One row per firm in a stratum, and its outcomes as a firm x year matrix."""

    region_index: np.ndarray  # integer code of the region
    region_codes: dict[str, int]  # region code -> its integer code
    stratum: np.ndarray  # integer code of region x section x size class
    cohort: np.ndarray  # year of first joining; -1 for comparison firms
    first_year: int
    outcomes: dict[str, np.ndarray]  # indicator code -> firms x years, NaN where missing

    @property
    def treated(self) -> np.ndarray:
        return self.cohort >= 0


def _combined_codes(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, int]:
    """Integer code of each row's combination of `columns`, in order of first appearance, and
    the number of combinations (factorising each column first is much faster than tuples)."""
    codes = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        column_codes, uniques = pd.factorize(frame[column])
        codes = codes * (len(uniques) + 1) + column_codes + 1
    combined, uniques = pd.factorize(codes)
    return combined, len(uniques)


def firms_of(panel: pd.DataFrame) -> Firms:
    """Treated and comparison firms with a stratum, and their outcome matrices."""
    missing = set(PANEL_COLUMNS) - set(panel.columns)
    if missing:
        raise ValueError(f"the firm-year panel lacks columns {sorted(missing)}")
    comparison = panel["comparison_group"].astype("boolean").fillna(False).to_numpy(bool)
    member = ~comparison & panel["cohort"].notna().to_numpy()
    in_stratum = (
        panel["nace_section"].notna() & panel["size_class"].isin(KNOWN_SIZE_CLASSES)
    ).to_numpy()
    kept = (comparison | member) & in_stratum
    rows = panel[kept]
    joined = rows["cohort"].astype("Float64").fillna(-1).to_numpy("int64")
    rows = rows.assign(cohort=np.where(member[kept], joined, -1))
    firm_index, n_firms = _combined_codes(rows, ["region_code", "organisation_id"])
    attributes = (
        rows.assign(firm=firm_index)
        .drop_duplicates("firm")
        .sort_values("firm")[["region_code", "nace_section", "size_class", "cohort"]]
    )
    stratum = _combined_codes(attributes, ["region_code", "nace_section", "size_class"])[0]
    years = rows["year"].astype("int64").to_numpy()
    first_year = int(years.min()) if len(years) else 0
    width = int(years.max()) - first_year + 1 if len(years) else 0
    values = outcome_values(rows)
    outcomes = {}
    for outcome in OUTCOMES:
        matrix = np.full((n_firms, width), np.nan)
        matrix[firm_index, years - first_year] = values[outcome.indicator_code].to_numpy()
        outcomes[outcome.indicator_code] = matrix
    region_index, region_codes = pd.factorize(attributes["region_code"])
    return Firms(
        region_index=region_index,
        region_codes={code: index for index, code in enumerate(region_codes)},
        stratum=stratum,
        cohort=attributes["cohort"].to_numpy(dtype=np.int64),
        first_year=first_year,
        outcomes=outcomes,
    )


@dataclass(frozen=True)
class Rows:
    """Long differences, one entry per firm, cohort and event time (parallel arrays)."""

    firm: np.ndarray
    block: np.ndarray  # stratum-cohort pair
    event: np.ndarray  # index into EVENT_TIMES
    change: np.ndarray  # the long difference Y(g+e) - Y(g-1)
    moment: np.ndarray  # w x (Y - cell mean): the row's term of X'W y after demeaning
    weight: np.ndarray  # corrective weight: 1 for treated firms, treated / comparison otherwise


def long_differences(firms: Firms, matrix: np.ndarray) -> Rows:
    """Y(g+e) - Y(g-1) of every treated firm and of every comparison firm of its stratum, for
    each cohort g of treated firms in that stratum and each event time e, in the cohort-
    stratum-event-time cells with treated and comparison firms (common support), demeaned
    within their cell. `block` numbers the stratum-cohort pairs, so the estimation groups
    with integer arithmetic."""
    treated = np.flatnonzero(firms.treated)
    cells = pd.DataFrame({"stratum": firms.stratum[treated], "cohort": firms.cohort[treated]})
    cells = cells.drop_duplicates()
    comparison = pd.DataFrame({"firm": np.flatnonzero(~firms.treated)})
    comparison["stratum"] = firms.stratum[comparison["firm"]]
    comparison = comparison.merge(cells, on="stratum")
    candidate = np.concatenate([treated, comparison["firm"].to_numpy()])
    cohort = np.concatenate([firms.cohort[treated], comparison["cohort"].to_numpy()])
    width = matrix.shape[1]
    base = cohort - 1 - firms.first_year
    picked, event, change = [], [], []
    for index, event_time in enumerate(EVENT_TIMES):
        target = base + 1 + event_time
        inside = np.flatnonzero((base >= 0) & (base < width) & (target >= 0) & (target < width))
        difference = (
            matrix[candidate[inside], target[inside]] - matrix[candidate[inside], base[inside]]
        )
        observed = ~np.isnan(difference)
        picked.append(inside[observed])
        event.append(np.full(observed.sum(), index))
        change.append(difference[observed])
    picked, event, change = np.concatenate(picked), np.concatenate(event), np.concatenate(change)
    firm, base_year = candidate[picked], base[picked]
    block = firms.stratum[firm] * (width + 1) + base_year
    cell = block * len(EVENT_TIMES) + event
    is_treated = firms.treated[firm]
    n_treated = np.bincount(cell, is_treated)[cell]
    n_comparison = np.bincount(cell)[cell] - n_treated
    supported = (n_treated > 0) & (n_comparison > 0)
    firm, event, block, cell = firm[supported], event[supported], block[supported], cell[supported]
    is_treated, change = is_treated[supported], change[supported]
    weight = np.where(is_treated, 1.0, n_treated[supported] / n_comparison[supported])
    cell_mean = np.bincount(cell, weight * change)[cell] / np.bincount(cell, weight)[cell]
    # Within a cell treated and weighted comparison firms weigh the same, so the demeaned
    # treatment dummy is +1/2 or -1/2.
    moment = weight * np.where(is_treated, 0.5, -0.5) * (change - cell_mean)
    return Rows(firm=firm, block=block, event=event, change=change, moment=moment, weight=weight)
