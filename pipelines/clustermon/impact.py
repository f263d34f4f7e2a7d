"""Counterfactual impact of cluster membership: IMP01-IMP04 (docs/spec/indicators.md).

Design (Callaway and Sant'Anna 2021, "Difference-in-differences with multiple time periods",
stratified):

- *treated*: member enterprises (not comparison_group) from the year they first join any
  cluster, their cohort g; they stay treated after leaving (intention to treat);
- *comparison*: comparison_group enterprises (never members) of the same stratum, a stratum
  being region x NACE section (first letter of nace_code) x size class (micro, small, medium,
  large). Firms without a section or with an unknown size class have no stratum and are left
  out: a like-for-like comparison needs both;
- *group-time effect* ATT(g, t) within a stratum: the treated firms' mean long difference
  Y(t) - Y(g-1) minus the comparison firms' mean over the same years. Each pair (g, t) uses the
  firms observed in both years (unbalanced panel);
- *aggregation*: for a horizon k = t - g, the cohort-stratum cells' ATT(g, g+k) weighted by
  their numbers of treated firms (cohort-size weights; a cell needs at least one treated and one
  comparison firm, i.e. common support). An estimate for all regions ('ALL') pools the regions'
  cells: comparison firms always come from the treated firm's own region.

Estimation and inference: the aggregate is the coefficient of a weighted least-squares
regression of the long differences on the treatment dummy with cell fixed effects, comparison
firms weighted by (treated / comparison firms) of their cell ("stacked" difference-in-
differences with corrective weights, Wing, Freedman and Hollingsworth 2024), which reproduces
the cohort-size-weighted average of the cell differences exactly. The fixed effects are removed
by weighted within-cell demeaning (Frisch-Waugh-Lovell). statsmodels (WLS, cluster-robust
covariance) gives the standard error clustered by firm, so a comparison firm that serves several
cohorts counts once, and the 95% interval from Student's t with (firms - 1) degrees of freedom.
This is the analytic influence-function variance of the estimator plus a term for the random
composition of the cells, so no bootstrap is needed: it is exact to compute, deterministic and
fast at 250,000 enterprises. statsmodels was chosen over `differences` or `csdid` because those
estimate unstratified (or covariate-adjusted) comparisons and pull in further dependencies
(polars, joblib), while exact stratification is what the spec asks for.

Pre-trends: each estimate comes with placebo effects at k = -2 and k = -3, i.e. the long
differences Y(g-2) - Y(g-1) and Y(g-3) - Y(g-1) against the same base year and for the same
cohort-stratum cells as the estimate (k = -1 is the base itself, zero by construction; Roth 2024
shows why pre-periods need the same base as the post-periods). They are zero in expectation when
trends are parallel; a joint Wald test of both gives `pre_trend_p_value`, and the pre-trend is
flagged doubtful below 5%.

Outcomes: log(employees_fte) and log(turnover_eur) in log points (differences of natural logs,
0.05 is about +5%); exports and R&D expenditure as percentages of turnover, in percentage
points. A firm-year whose outcome is undefined (employees or turnover of 0, whose log is
undefined; exports or R&D not reported) is left out for that outcome; a reported 0 of exports or
R&D is a real 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm

HORIZONS = (1, 2, 3)
PLACEBO_HORIZONS = (-2, -3)
MIN_TREATED = 5
MIN_COMPARISON = 5
ALL_REGIONS = "ALL"
KNOWN_SIZE_CLASSES = ("micro", "small", "medium", "large")
PRE_TREND_ALPHA = 0.05
METHOD = (
    "Staggered difference-in-differences (Callaway-Sant'Anna group-time effects, base year "
    "g-1) against never-member comparison enterprises of the same region, NACE section and "
    "size class, aggregated with cohort-size weights; 95% CI clustered by firm (statsmodels "
    "WLS). Assumes parallel trends and no anticipation."
)


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
ESTIMATE_COLUMNS = (
    "region_code",
    "indicator_code",
    "horizon",
    "estimate",
    "ci_low",
    "ci_high",
    "std_error",
    "n_treated",
    "n_comparison",
    "estimable",
    "placebo_k_minus_2",
    "placebo_k_minus_2_ci_low",
    "placebo_k_minus_2_ci_high",
    "placebo_k_minus_3",
    "placebo_k_minus_3_ci_low",
    "placebo_k_minus_3_ci_high",
    "pre_trend_p_value",
    "pre_trend_doubtful",
    "unit",
    "method",
)
INTEGER_COLUMNS = ("horizon", "n_treated", "n_comparison")


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
class _Firms:
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


def _firms(panel: pd.DataFrame) -> _Firms:
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
    firm_keys = ["region_code", "organisation_id"]
    firm_index, firms = pd.factorize(pd.MultiIndex.from_frame(rows[firm_keys]))
    attributes = (
        rows.assign(firm=firm_index)
        .drop_duplicates("firm")
        .sort_values("firm")[["region_code", "nace_section", "size_class", "cohort"]]
    )
    stratum = pd.factorize(
        pd.MultiIndex.from_frame(attributes[["region_code", "nace_section", "size_class"]])
    )[0]
    years = rows["year"].astype("int64").to_numpy()
    first_year = int(years.min()) if len(years) else 0
    width = int(years.max()) - first_year + 1 if len(years) else 0
    values = outcome_values(rows)
    outcomes = {}
    for outcome in OUTCOMES:
        matrix = np.full((len(firms), width), np.nan)
        matrix[firm_index, years - first_year] = values[outcome.indicator_code].to_numpy()
        outcomes[outcome.indicator_code] = matrix
    region_index, region_codes = pd.factorize(attributes["region_code"])
    return _Firms(
        region_index=region_index,
        region_codes={code: index for index, code in enumerate(region_codes)},
        stratum=stratum,
        cohort=attributes["cohort"].to_numpy(dtype=np.int64),
        first_year=first_year,
        outcomes=outcomes,
    )


def _long_differences(
    firms: _Firms, matrix: np.ndarray, event_times: tuple[int, ...]
) -> pd.DataFrame:
    """Y(g+e) - Y(g-1) of every treated firm and of every comparison firm of its stratum, for
    each cohort g of treated firms in that stratum; one row per firm, cohort and event time,
    with `block` numbering the stratum-cohort pairs and `cell` the stratum-cohort-event-time
    cells, so the estimation groups with integer arithmetic."""
    treated = np.flatnonzero(firms.treated)
    cells = pd.DataFrame({"stratum": firms.stratum[treated], "cohort": firms.cohort[treated]})
    cells = cells.drop_duplicates()
    comparison = pd.DataFrame({"firm": np.flatnonzero(~firms.treated)})
    comparison["stratum"] = firms.stratum[comparison["firm"]]
    comparison = comparison.merge(cells, on="stratum")
    firm = np.concatenate([treated, comparison["firm"].to_numpy()])
    cohort = np.concatenate([firms.cohort[treated], comparison["cohort"].to_numpy()])
    width = matrix.shape[1]
    base = cohort - 1 - firms.first_year
    frames = []
    for index, event_time in enumerate(event_times):
        target = base + 1 + event_time
        inside = np.flatnonzero((base >= 0) & (base < width) & (target >= 0) & (target < width))
        change = matrix[firm[inside], target[inside]] - matrix[firm[inside], base[inside]]
        kept = inside[~np.isnan(change)]
        frames.append(
            pd.DataFrame(
                {
                    "firm": firm[kept],
                    "block": firms.stratum[firm[kept]] * (width + 1) + base[kept],
                    "event": index,
                    "change": change[~np.isnan(change)],
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    rows["cell"] = rows["block"] * len(event_times) + rows["event"]
    rows["event_time"] = np.asarray(event_times)[rows["event"]]
    rows["treated"] = firms.treated[rows["firm"]]
    rows["region"] = firms.region_index[rows["firm"]]
    return rows


def _common_support(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the cohort-stratum-event-time cells with treated and comparison firms, with
    the cell's corrective weight: comparison firms stand for as many firms as are treated."""
    cell = rows["cell"].to_numpy()
    treated = rows["treated"].to_numpy()
    n_treated = np.bincount(cell, treated)[cell]
    n_comparison = np.bincount(cell)[cell] - n_treated
    kept = (n_treated > 0) & (n_comparison > 0)
    weight = np.where(treated, 1.0, n_treated / np.maximum(n_comparison, 1))
    return rows.assign(weight=weight)[kept]


@dataclass(frozen=True)
class _Fit:
    estimate: dict[int, float]
    ci: dict[int, tuple[float, float]]
    std_error: dict[int, float]
    n_treated: dict[int, int]
    n_comparison: dict[int, int]
    joint_p_value: float


def _fit(rows: pd.DataFrame, event_times: tuple[int, ...]) -> _Fit:
    """Cohort-size-weighted effect per event time: WLS on within-cell demeaned long
    differences, clustered by firm (module docstring)."""
    # A treated firm has one cohort, so one row per event time; a comparison firm one per
    # cohort it serves.
    counts = rows[["event_time", "treated", "firm"]].drop_duplicates()
    counts = counts.groupby(["event_time", "treated"]).size()
    n_treated = {e: int(counts.get((e, True), 0)) for e in event_times}
    n_comparison = {e: int(counts.get((e, False), 0)) for e in event_times}
    estimable = tuple(
        e for e in event_times if n_treated[e] >= MIN_TREATED and n_comparison[e] >= MIN_COMPARISON
    )
    nan = float("nan")
    estimate = dict.fromkeys(event_times, nan)
    ci = dict.fromkeys(event_times, (nan, nan))
    std_error = dict.fromkeys(event_times, nan)
    if not estimable:
        return _Fit(estimate, ci, std_error, n_treated, n_comparison, nan)
    rows = rows[rows["event_time"].isin(estimable)]
    weight = rows["weight"].to_numpy()
    change = rows["change"].to_numpy()
    cell = rows["cell"].to_numpy()
    cell_mean = np.bincount(cell, weight * change)[cell] / np.bincount(cell, weight)[cell]
    # Within a cell treated and weighted comparison firms weigh the same, so the demeaned
    # treatment dummy is +1/2 or -1/2.
    treatment = np.where(rows["treated"], 0.5, -0.5)
    event_time = rows["event_time"].to_numpy()
    design = np.column_stack([treatment * (event_time == e) for e in estimable])
    fitted = sm.WLS(change - cell_mean, design, weights=weight).fit(
        cov_type="cluster", cov_kwds={"groups": rows["firm"].to_numpy()}, use_t=True
    )
    intervals = fitted.conf_int(alpha=0.05)
    for column, e in enumerate(estimable):
        estimate[e] = float(fitted.params[column])
        std_error[e] = float(fitted.bse[column])
        ci[e] = (float(intervals[column, 0]), float(intervals[column, 1]))
    joint = fitted.wald_test(np.eye(len(estimable)), use_f=True, scalar=True)
    return _Fit(estimate, ci, std_error, n_treated, n_comparison, float(np.asarray(joint.pvalue)))


def _estimable(fit: _Fit, event_time: int) -> bool:
    return not np.isnan(fit.estimate[event_time])


def _scope_estimates(rows: pd.DataFrame, region_code: str, outcome: Outcome) -> list[dict]:
    """Estimates for horizons 1-3 of one region (or all regions), each with its placebos on
    the same cohort-stratum cells."""
    post = _common_support(rows[rows["event_time"].isin(HORIZONS)])
    pre = _common_support(rows[rows["event_time"].isin(PLACEBO_HORIZONS)])
    fit = _fit(post, HORIZONS)
    records = []
    for horizon in HORIZONS:
        blocks = post.loc[post["event_time"] == horizon, "block"].unique()
        placebo = _fit(pre[pre["block"].isin(blocks)], PLACEBO_HORIZONS)
        estimable = _estimable(fit, horizon)
        record = {
            "region_code": region_code,
            "indicator_code": outcome.indicator_code,
            "horizon": horizon,
            "estimate": fit.estimate[horizon] if estimable else None,
            "ci_low": fit.ci[horizon][0] if estimable else None,
            "ci_high": fit.ci[horizon][1] if estimable else None,
            "std_error": fit.std_error[horizon] if estimable else None,
            "n_treated": fit.n_treated[horizon],
            "n_comparison": fit.n_comparison[horizon],
            "estimable": estimable,
        }
        for e in PLACEBO_HORIZONS:
            name = f"placebo_k_minus_{-e}"
            shown = _estimable(placebo, e)
            record[name] = placebo.estimate[e] if shown else None
            record[f"{name}_ci_low"] = placebo.ci[e][0] if shown else None
            record[f"{name}_ci_high"] = placebo.ci[e][1] if shown else None
        # A joint test of the estimable placebos; with none, the pre-trend is unknown (null).
        p_value = None if np.isnan(placebo.joint_p_value) else placebo.joint_p_value
        record["pre_trend_p_value"] = p_value
        record["pre_trend_doubtful"] = None if p_value is None else p_value < PRE_TREND_ALPHA
        record["unit"] = outcome.unit
        record["method"] = METHOD
        records.append(record)
    return records


def estimate_impacts(panel: pd.DataFrame, regions: list[str] | None = None) -> pd.DataFrame:
    """IMP01-IMP04 for each region and for all regions ('ALL'), horizons 1-3.

    `panel` has one row per firm and year with the columns of PANEL_COLUMNS: cohort is the
    year the firm first joined a cluster (null for never-members), comparison_group marks the
    business-register comparison firms. `regions` (default: the panel's) each get rows, not
    estimable where they have no firms. Estimates below MIN_TREATED treated or MIN_COMPARISON
    comparison firms are not estimable: null, never zero.
    """
    firms = _firms(panel)
    scopes = [ALL_REGIONS, *sorted(set(regions or []) | set(panel["region_code"]))]
    event_times = (*HORIZONS, *PLACEBO_HORIZONS)
    records: list[dict] = []
    for outcome in OUTCOMES:
        rows = _long_differences(firms, firms.outcomes[outcome.indicator_code], event_times)
        by_region = dict(tuple(rows.groupby("region", sort=False)))
        for scope in scopes:
            if scope == ALL_REGIONS:
                scoped = rows
            else:
                scoped = by_region.get(firms.region_codes.get(scope, -1), rows.iloc[:0])
            records += _scope_estimates(scoped, scope, outcome)
    result = pd.DataFrame.from_records(records, columns=list(ESTIMATE_COLUMNS))
    result["pre_trend_doubtful"] = result["pre_trend_doubtful"].astype("boolean")
    return result


# --- the warehouse table -----------------------------------------------------------------

TABLE_COMMENT = (
    "IMP01-IMP04: effects of cluster membership on member enterprises, per region and for all "
    "regions ('ALL'), 1-3 years after joining. " + METHOD + " Parallel trends: without "
    "membership, members' outcomes would have changed as those of the comparison firms of "
    "their region, NACE section and size class did; no anticipation: members did not change "
    "before joining because they were going to join. The placebo columns test the first "
    "assumption before joining. Estimates over fewer than "
    f"{MIN_TREATED} treated or {MIN_COMPARISON} comparison firms are not estimable (null)."
)
COLUMN_COMMENTS = {
    "region_code": "NUTS code of the region, or ALL: all regions' cohort-stratum cells pooled.",
    "indicator_code": "IMP01 employment, IMP02 turnover, IMP03 export intensity, "
    "IMP04 R&D intensity.",
    "horizon": "k: years after the year of first joining (1, 2, 3).",
    "estimate": "Average effect on the treated at horizon k, in `unit`; null when not "
    "estimable (never 0 for lack of data).",
    "ci_low": "Lower bound of the 95% confidence interval (clustered by firm).",
    "ci_high": "Upper bound of the 95% confidence interval (clustered by firm).",
    "std_error": "Standard error of the estimate, clustered by firm.",
    "n_treated": "Member enterprises in the estimate (with figures in year g-1 and g+k and a "
    "comparison firm in their stratum).",
    "n_comparison": "Distinct comparison enterprises in the estimate.",
    "estimable": f"False when fewer than {MIN_TREATED} treated or {MIN_COMPARISON} comparison "
    "firms: estimate and interval are then null.",
    "placebo_k_minus_2": "Pre-trend placebo: the same comparison for year g-2 against base "
    "g-1, on the estimate's cohorts and strata; about 0 under parallel trends.",
    "placebo_k_minus_2_ci_low": "Lower bound of the placebo's 95% interval.",
    "placebo_k_minus_2_ci_high": "Upper bound of the placebo's 95% interval.",
    "placebo_k_minus_3": "Pre-trend placebo for year g-3 against base g-1.",
    "placebo_k_minus_3_ci_low": "Lower bound of the placebo's 95% interval.",
    "placebo_k_minus_3_ci_high": "Upper bound of the placebo's 95% interval.",
    "pre_trend_p_value": "p-value of the joint Wald test that the estimable placebos are 0; "
    "null when none is estimable.",
    "pre_trend_doubtful": f"True when pre_trend_p_value < {PRE_TREND_ALPHA}: parallel trends "
    "look doubtful, read the estimate with care; null when not checkable.",
    "unit": "log points (difference of natural logs; 0.05 is about +5%) or percentage points.",
    "method": "The estimator and its assumptions, in words.",
}


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_impact_estimates(warehouse: Path) -> pd.DataFrame:
    """Estimate from the working warehouse's firm-year panel and (re)write
    main.impact_estimates there, documented with table and column comments."""
    with duckdb.connect(str(warehouse)) as con:
        panel = con.sql(
            f"SELECT {', '.join(PANEL_COLUMNS)} FROM intermediate.int_firm_years_assembled"
        ).df()
        regions = [
            r
            for (r,) in con.sql(
                "SELECT region_code FROM intermediate.int_packages_selected"
            ).fetchall()
        ]
        estimates = estimate_impacts(panel, regions)
        con.register("estimates", estimates)
        columns = ", ".join(
            f"CAST({c} AS INTEGER) AS {c}" if c in INTEGER_COLUMNS else c for c in ESTIMATE_COLUMNS
        )
        con.execute(
            f"CREATE OR REPLACE TABLE main.impact_estimates AS SELECT {columns} FROM estimates"
        )
        con.unregister("estimates")
        con.execute(f"COMMENT ON TABLE main.impact_estimates IS {_sql_literal(TABLE_COMMENT)}")
        for column, text in COLUMN_COMMENTS.items():
            con.execute(f"COMMENT ON COLUMN main.impact_estimates.{column} IS {_sql_literal(text)}")
    return estimates
