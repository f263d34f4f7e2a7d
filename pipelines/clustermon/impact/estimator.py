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
by weighted within-cell demeaning (Frisch-Waugh-Lovell). The standard error is clustered by
firm, so a comparison firm that serves several cohorts counts once. It is CR2 (Bell-McCaffrey)
and the 95% interval uses Student's t with Bell-McCaffrey (Satterthwaite) degrees of freedom
(inference.py has the algebra). Why: with about 2 members per cohort-stratum cell the cell
fixed effects absorb much of each member's residual, and the usual CR1 covariance (statsmodels'
cluster-robust one, used until estimator version 3) was about 16% too small: in an independent
simulation its intervals covered 0.875-0.90 and its pre-trend test flagged 8-11% instead of 5%
(issue 18); in the small-cell simulation of tests/impact/test_impact.py CR1 covers 0.882 and
flags 15.5%, CR2 0.948 and 4.5%. CR2 corrects that
leverage exactly under its working model, is deterministic and costs a small eigendecomposition
per firm and event time; a wild cluster bootstrap would need hundreds of refits (seconds at 250,000
enterprises each) and still a leverage correction to reach nominal coverage in such cells.
This estimator was chosen over `differences` or `csdid` because those
estimate unstratified (or covariate-adjusted) comparisons and pull in further dependencies
(polars, joblib), while exact stratification is what the spec asks for.

Pre-trends: each estimate comes with placebo effects at k = -2 and k = -3, i.e. the long
differences Y(g-2) - Y(g-1) and Y(g-3) - Y(g-1) against the same base year and for the same
cohort-stratum cells as the estimate (k = -1 is the base itself, zero by construction; Roth 2024
shows why pre-periods need the same base as the post-periods). They are zero in expectation when
trends are parallel; a joint test of both (CR2 Wald statistic, approximate Hotelling T^2 with
its F reference distribution, Pustejovsky and Tipton 2018) gives `pre_trend_p_value`, and the
pre-trend is flagged doubtful below 5%.

Outcomes: log(employees_fte) and log(turnover_eur) in log points (differences of natural logs,
0.05 is about +5%); exports and R&D expenditure as percentages of turnover, in percentage
points. A firm-year whose outcome is undefined (employees or turnover of 0, whose log is
undefined; exports or R&D not reported) is left out for that outcome; a reported 0 of exports or
R&D is a real 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from clustermon.impact.inference import cr2_sandwich
from clustermon.impact.panel import (
    EVENT_TIMES,
    HORIZONS,
    OUTCOMES,
    PLACEBO_HORIZONS,
    Firms,
    Outcome,
    Rows,
    firms_of,
    long_differences,
)

POST_EVENTS = [EVENT_TIMES.index(e) for e in HORIZONS]
PRE_EVENTS = [EVENT_TIMES.index(e) for e in PLACEBO_HORIZONS]
MIN_TREATED = 5
MIN_COMPARISON = 5
ALL_REGIONS = "ALL"
PRE_TREND_ALPHA = 0.05
METHOD = (
    "Staggered difference-in-differences (Callaway-Sant'Anna group-time effects, base year "
    "g-1) against never-member comparison enterprises of the same region, NACE section and "
    "size class, aggregated with cohort-size weights; 95% CI clustered by firm (weighted least "
    "squares; CR2 standard error, Student's t with Bell-McCaffrey degrees of freedom). Assumes "
    "parallel trends and no anticipation."
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


@dataclass(frozen=True)
class _Fits:
    """Estimates of many scopes at once: arrays of scopes x event times (NaN where not
    estimable), and the joint test's p-value per scope."""

    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    std_error: np.ndarray
    n_treated: np.ndarray
    n_comparison: np.ndarray
    joint_p_value: np.ndarray


def _fit(
    rows: Rows,
    included: np.ndarray,
    events: list[int],
    treated: np.ndarray,
    scope_of_firm: np.ndarray,
    n_scopes: int,
) -> _Fits:
    """Cohort-size-weighted effect per scope and each of the `events` (indices into
    EVENT_TIMES) from the `included` rows: WLS on within-cell demeaned long differences with
    one treatment column per estimable event time (module docstring). With a diagonal X'WX
    the coefficients are ratios of sums; the covariance is CR2 by firm, the interval Student's
    t with Bell-McCaffrey degrees of freedom, the joint test an approximate Hotelling T^2
    (inference.py). Firms of scope -1 are left out."""
    column_of_event = np.full(len(EVENT_TIMES), -1)
    column_of_event[events] = np.arange(len(events))
    kept = included & (scope_of_firm[rows.firm] >= 0)
    firm, weight, moment = rows.firm[kept], rows.weight[kept], rows.moment[kept]
    column = column_of_event[rows.event[kept]]
    is_treated = treated[firm]
    n_columns = len(events)
    key = scope_of_firm[firm] * n_columns + column
    size = n_scopes * n_columns

    n_firms = len(scope_of_firm)
    in_scope = scope_of_firm >= 0

    def per_key(values: np.ndarray) -> np.ndarray:
        # Firm sums first, then scope sums: the order of estimator version 3, so that the
        # estimates stay the same to the last bit.
        by_firm = np.bincount(
            firm * n_columns + column, values, minlength=n_firms * n_columns
        ).reshape(n_firms, n_columns)
        return np.stack(
            [
                np.bincount(scope_of_firm[in_scope], by_firm[in_scope, c], minlength=n_scopes)
                for c in range(n_columns)
            ],
            axis=1,
        )

    # A treated firm has one cohort, so one row per event time; a comparison firm one per
    # cohort it serves, and counts once: its distinct (firm, column) pairs, each in one
    # scope-column (a table of them, not np.unique's sort of every row).
    n_treated = per_key(is_treated).astype(np.int64)
    seen = np.zeros(n_firms * n_columns, dtype=bool)
    seen[(firm * n_columns + column)[~is_treated]] = True
    pairs = np.flatnonzero(seen)
    n_comparison = np.bincount(
        scope_of_firm[pairs // n_columns] * n_columns + pairs % n_columns, minlength=size
    ).reshape(n_scopes, n_columns)
    estimable = (n_treated >= MIN_TREATED) & (n_comparison >= MIN_COMPARISON)
    curvature = per_key(0.25 * weight)  # sum of w x^2, x = +-1/2: X'WX is diagonal
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(estimable, per_key(moment) / curvature, np.nan)
    fitted = estimable.ravel()[key]
    treatment = np.where(is_treated, 0.5, -0.5)
    sandwich = cr2_sandwich(
        firm=firm[fitted],
        scope_of_firm=scope_of_firm,
        column=column[fitted],
        cell=(rows.block[kept] * len(EVENT_TIMES) + rows.event[kept])[fitted],
        weight=weight[fitted],
        treatment=treatment[fitted],
        score=(moment - estimate.ravel()[key] * 0.25 * weight)[fitted],
        curvature=np.where(estimable, curvature, 1.0),
    )
    std_error = np.where(
        estimable, np.sqrt(np.diagonal(sandwich.covariance, axis1=1, axis2=2)), np.nan
    )
    margin = stats.t.ppf(0.975, sandwich.degrees_of_freedom()) * std_error
    joint_p_value = np.full(n_scopes, np.nan)
    for s in np.flatnonzero(estimable.any(axis=1)):
        columns = np.flatnonzero(estimable[s])
        joint_p_value[s] = sandwich.joint_p_value(s, columns, estimate[s, columns])
    return _Fits(
        estimate=estimate,
        ci_low=estimate - margin,
        ci_high=estimate + margin,
        std_error=std_error,
        n_treated=n_treated,
        n_comparison=n_comparison,
        joint_p_value=joint_p_value,
    )


def _value(values: np.ndarray, scope: int, column: int) -> float | None:
    value = values[scope, column]
    return None if np.isnan(value) else float(value)


@dataclass(frozen=True)
class _OutcomeRows:
    """An outcome's long differences, the rows of the estimate (horizons 1-3) and the rows of
    the placebos of each horizon: the pre-period rows of the cohort-stratum blocks observed at
    that horizon. Horizons with the same blocks (usually 1 and 2) share one placebo fit:
    `placebo_of_horizon` indexes the distinct row sets of `placebos`."""

    rows: Rows
    post: np.ndarray
    placebos: list[np.ndarray]
    placebo_of_horizon: list[int]


def _outcome_rows(firms: Firms, indicator_code: str) -> _OutcomeRows:
    rows = long_differences(firms, firms.outcomes[indicator_code])
    post = np.isin(rows.event, POST_EVENTS)
    pre = np.isin(rows.event, PRE_EVENTS)
    block_count = int(rows.block.max(initial=-1)) + 1
    placebos: list[np.ndarray] = []
    placebo_of_horizon = []
    for event in POST_EVENTS:
        # Cells nest in regions, so a horizon's blocks are each scope's own.
        blocks = np.bincount(rows.block[rows.event == event], minlength=block_count) > 0
        included = pre & blocks[rows.block]
        same = [i for i, placebo in enumerate(placebos) if np.array_equal(placebo, included)]
        if not same:
            placebos.append(included)
        placebo_of_horizon.append(same[0] if same else len(placebos) - 1)
    return _OutcomeRows(rows, post, placebos, placebo_of_horizon)


def _scope_records(
    outcome_rows: _OutcomeRows,
    treated: np.ndarray,
    scope_of_firm: np.ndarray,
    scopes: list[str],
    outcome: Outcome,
) -> list[dict]:
    """Estimates for horizons 1-3 of each scope (a region, or all regions), each with its
    placebos on the same cohort-stratum cells."""
    rows, n_scopes = outcome_rows.rows, len(scopes)
    fit = _fit(rows, outcome_rows.post, POST_EVENTS, treated, scope_of_firm, n_scopes)
    placebos = [
        _fit(rows, placebo, PRE_EVENTS, treated, scope_of_firm, n_scopes)
        for placebo in outcome_rows.placebos
    ]
    records = []
    for s, region_code in enumerate(scopes):
        for column, horizon in enumerate(HORIZONS):
            placebo = placebos[outcome_rows.placebo_of_horizon[column]]
            record = {
                "region_code": region_code,
                "indicator_code": outcome.indicator_code,
                "horizon": horizon,
                "estimate": _value(fit.estimate, s, column),
                "ci_low": _value(fit.ci_low, s, column),
                "ci_high": _value(fit.ci_high, s, column),
                "std_error": _value(fit.std_error, s, column),
                "n_treated": int(fit.n_treated[s, column]),
                "n_comparison": int(fit.n_comparison[s, column]),
                "estimable": not np.isnan(fit.estimate[s, column]),
            }
            for placebo_column, e in enumerate(PLACEBO_HORIZONS):
                name = f"placebo_k_minus_{-e}"
                record[name] = _value(placebo.estimate, s, placebo_column)
                record[f"{name}_ci_low"] = _value(placebo.ci_low, s, placebo_column)
                record[f"{name}_ci_high"] = _value(placebo.ci_high, s, placebo_column)
            # A joint test of the estimable placebos; with none, the pre-trend is unknown (null).
            p_value = placebo.joint_p_value[s]
            record["pre_trend_p_value"] = None if np.isnan(p_value) else float(p_value)
            record["pre_trend_doubtful"] = None if np.isnan(p_value) else p_value < PRE_TREND_ALPHA
            record["unit"] = outcome.unit
            record["method"] = METHOD
            records.append(record)
    return records


def estimate_impacts(
    panel: pd.DataFrame, regions: list[str] | None = None, pooled: bool = True
) -> pd.DataFrame:
    """IMP01-IMP04 for each region and for all regions ('ALL'), horizons 1-3.

    `panel` has one row per firm and year with the columns of PANEL_COLUMNS: cohort is the
    year the firm first joined a cluster (null for never-members), comparison_group marks the
    business-register comparison firms. `regions` (default: the panel's) each get rows, not
    estimable where they have no firms; with a list given, the panel's other regions count
    only in the pooled 'ALL' estimate, which `pooled=False` leaves out. Estimates below
    MIN_TREATED treated or MIN_COMPARISON comparison firms are not estimable: null, never zero.
    """
    firms = firms_of(panel)
    requested = sorted(set(panel["region_code"]) if regions is None else set(regions))
    position = {code: index for index, code in enumerate(requested)}
    by_region = np.array([position.get(code, -1) for code in firms.region_codes], dtype=np.int64)
    scope_of_firm = by_region[firms.region_index] if len(firms.region_index) else by_region[:0]
    records: list[dict] = []
    for outcome in OUTCOMES:
        rows = _outcome_rows(firms, outcome.indicator_code)
        if pooled:
            everyone = np.zeros_like(firms.region_index)
            records += _scope_records(rows, firms.treated, everyone, [ALL_REGIONS], outcome)
        records += _scope_records(rows, firms.treated, scope_of_firm, requested, outcome)
    result = pd.DataFrame.from_records(records, columns=list(ESTIMATE_COLUMNS))
    result["pre_trend_doubtful"] = result["pre_trend_doubtful"].astype("boolean")
    return result
