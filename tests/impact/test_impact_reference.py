"""The numpy estimator (clustermon.impact.estimator) against statsmodels' WLS with firm-clustered
covariance, the reference implementation, on long differences built here with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from test_impact import simulate_panel

from clustermon.impact.estimator import estimate_impacts
from clustermon.impact.panel import outcome_values

HORIZONS, PLACEBOS = (1, 2, 3), (-2, -3)


def long_differences(panel: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Y(g+e) - Y(g-1) of each member and of each never-member of its stratum per cohort g,
    in the cohort-stratum-event-time cells with members and never-members."""
    firms = panel.assign(
        y=outcome_values(panel)[indicator],
        firm=panel["region_code"] + "/" + panel["organisation_id"],
        stratum=panel["region_code"] + panel["nace_section"] + panel["size_class"],
    )
    values = firms[["firm", "year", "y"]].dropna()
    members = firms.loc[~firms["comparison_group"], ["firm", "stratum", "cohort"]]
    members = members.drop_duplicates().astype({"cohort": "int64"})
    comparison = firms.loc[firms["comparison_group"], ["firm", "stratum"]].drop_duplicates()
    comparison = comparison.merge(members[["stratum", "cohort"]].drop_duplicates(), on="stratum")
    pairs = pd.concat([members.assign(treated=True), comparison.assign(treated=False)])
    pairs = pairs.assign(
        block=pairs["stratum"] + pairs["cohort"].astype(str), year=pairs["cohort"] - 1
    )
    pairs = pairs.merge(values.rename(columns={"y": "base"}), on=["firm", "year"])
    frames = []
    for event_time in (*HORIZONS, *PLACEBOS):
        target = pairs.assign(year=pairs["cohort"] + event_time).merge(values, on=["firm", "year"])
        frames.append(target.assign(event_time=event_time, change=target["y"] - target["base"]))
    rows = pd.concat(frames, ignore_index=True)
    rows["cell"] = rows["block"] + "/" + rows["event_time"].astype(str)
    n_treated = rows.groupby("cell")["treated"].transform("sum")
    n_all = rows.groupby("cell")["treated"].transform("size")
    rows["weight"] = np.where(rows["treated"], 1.0, n_treated / (n_all - n_treated))
    return rows[(n_treated > 0) & (n_treated < n_all)]


def statsmodels_fit(rows: pd.DataFrame, event_times: tuple[int, ...]):
    """WLS of the within-cell demeaned change on one treatment column per event time."""
    weighted_sum = (rows["weight"] * rows["change"]).groupby(rows["cell"]).transform("sum")
    demeaned = rows["change"] - weighted_sum / rows.groupby("cell")["weight"].transform("sum")
    treatment = np.where(rows["treated"], 0.5, -0.5)
    design = np.column_stack([treatment * (rows["event_time"] == e) for e in event_times])
    return sm.WLS(demeaned.to_numpy(), design, weights=rows["weight"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(rows["firm"])[0]}, use_t=True
    )


@pytest.mark.parametrize("indicator", ["IMP01", "IMP03"])
def test_estimates_equal_statsmodels(indicator: str) -> None:
    panel = simulate_panel(np.random.default_rng(11), 0.05)
    result = estimate_impacts(panel).set_index(["region_code", "indicator_code", "horizon"])
    rows = long_differences(panel, indicator)
    for scope in ("ALL", "AT12", "BE2"):
        scoped = rows if scope == "ALL" else rows[rows["firm"].str.startswith(scope + "/")]
        post = scoped[scoped["event_time"] > 0]
        fitted = statsmodels_fit(post, HORIZONS)
        interval = fitted.conf_int(alpha=0.05)
        for column, horizon in enumerate(HORIZONS):
            row = result.loc[(scope, indicator, horizon)]
            assert row["estimate"] == pytest.approx(fitted.params[column], rel=1e-10)
            assert row["std_error"] == pytest.approx(fitted.bse[column], rel=1e-10)
            assert row["ci_low"] == pytest.approx(interval[column, 0], rel=1e-10)
            assert row["ci_high"] == pytest.approx(interval[column, 1], rel=1e-10)
            blocks = post.loc[post["event_time"] == horizon, "block"]
            pre = scoped[(scoped["event_time"] < 0) & scoped["block"].isin(blocks)]
            placebo = statsmodels_fit(pre, PLACEBOS)
            placebo_interval = placebo.conf_int(alpha=0.05)
            joint = placebo.wald_test(np.eye(2), use_f=True, scalar=True)
            assert row["placebo_k_minus_2"] == pytest.approx(placebo.params[0], rel=1e-10)
            assert row["placebo_k_minus_3_ci_low"] == pytest.approx(
                placebo_interval[1, 0], rel=1e-10
            )
            assert row["placebo_k_minus_3_ci_high"] == pytest.approx(
                placebo_interval[1, 1], rel=1e-10
            )
            assert row["pre_trend_p_value"] == pytest.approx(float(joint.pvalue), rel=1e-10)
