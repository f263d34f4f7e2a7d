"""The numpy estimator (clustermon.impact.estimator) against references on long differences built
here with pandas: statsmodels' WLS for the coefficients, and a dense textbook computation on the
full design (cell dummies, no demeaning) for the CR2 covariance, the Bell-McCaffrey degrees of
freedom and the approximate Hotelling T^2 test (Pustejovsky and Tipton 2018)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from test_impact import SMALL_CELLS, Design, simulate_panel

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
    return sm.WLS(demeaned.to_numpy(), design, weights=rows["weight"].to_numpy()).fit()


def dense_cr2(rows: pd.DataFrame, event_times: tuple[int, ...]) -> dict[str, np.ndarray]:
    """CR2 by firm with working model Var(e) = I, on y = cell dummies + treated x event time:
    the covariance, each coefficient's degrees of freedom and the joint test's p-value."""
    cells = pd.factorize(rows["cell"])[0]
    treated = [(rows["treated"] & (rows["event_time"] == e)).to_numpy(float) for e in event_times]
    x = np.column_stack([*treated, np.eye(cells.max() + 1)[cells]])
    w, y, k = rows["weight"].to_numpy(), rows["change"].to_numpy(), len(event_times)
    bread = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = bread @ x.T @ (w * y)
    maker = np.eye(len(y)) - x @ bread @ x.T * w  # I - H
    firms = pd.factorize(rows["firm"])[0]
    residual_covariance = maker @ maker.T
    covariance = np.zeros((k, k))
    p = np.zeros((k, len(y), firms.max() + 1))  # p[a, :, g]: firm g's term of contrast a
    for g in range(firms.max() + 1):
        mine = firms == g
        values, vectors = np.linalg.eigh(residual_covariance[np.ix_(mine, mine)])
        adjusted = (bread[:k] @ (x[mine].T * w[mine])) @ vectors @ np.diag(values**-0.5) @ vectors.T
        score = adjusted @ (y - x @ beta)[mine]
        covariance += np.outer(score, score)
        p[:, :, g] = adjusted @ maker[mine]
    gamma = np.einsum("anG,bnH->abGH", p, p)
    omega = np.einsum("abGG->ab", gamma)
    dof = np.diagonal(omega) ** 2 / np.einsum("aaGH,aaHG->a", gamma, gamma)
    values, vectors = np.linalg.eigh(omega)
    g_ = vectors @ np.diag(values**-0.5) @ vectors.T
    gamma = np.einsum("sa,tb,abGH->stGH", g_, g_, gamma)
    variances = np.einsum("tsGH,tsHG->st", gamma, gamma) + np.einsum("ttGH,ssHG->st", gamma, gamma)
    eta = k * (k + 1) / variances.sum()
    hotelling = beta[:k] @ np.linalg.solve(covariance, beta[:k])
    p_value = stats.f.sf((eta - k + 1) / (eta * k) * hotelling, k, eta - k + 1)
    return {"covariance": covariance, "dof": dof, "p_value": p_value}


@pytest.mark.parametrize("indicator", ["IMP01", "IMP02"])
def test_estimates_equal_references(indicator: str) -> None:
    design = Design(
        members=(10, 10, 10, 10), cohorts=SMALL_CELLS.cohorts, comparison=12, heterogeneity=0.5
    )
    panel = simulate_panel(np.random.default_rng(11), 0.05, design=design)
    result = estimate_impacts(panel).set_index(["region_code", "indicator_code", "horizon"])
    rows = long_differences(panel, indicator)
    for scope in ("ALL", "AT12"):
        scoped = rows if scope == "ALL" else rows[rows["firm"].str.startswith(scope + "/")]
        post = scoped[scoped["event_time"] > 0]
        fitted, reference = statsmodels_fit(post, HORIZONS), dense_cr2(post, HORIZONS)
        for column, horizon in enumerate(HORIZONS):
            row = result.loc[(scope, indicator, horizon)]
            assert row["estimate"] == pytest.approx(fitted.params[column], rel=1e-10)
            std_error = np.sqrt(reference["covariance"][column, column])
            assert row["std_error"] == pytest.approx(std_error, rel=1e-8)
            margin = stats.t.ppf(0.975, reference["dof"][column]) * std_error
            assert row["ci_high"] - row["estimate"] == pytest.approx(margin, rel=1e-8)
            blocks = post.loc[post["event_time"] == horizon, "block"]
            pre = scoped[(scoped["event_time"] < 0) & scoped["block"].isin(blocks)]
            placebo, placebo_reference = statsmodels_fit(pre, PLACEBOS), dense_cr2(pre, PLACEBOS)
            assert row["placebo_k_minus_2"] == pytest.approx(placebo.params[0], rel=1e-10)
            margin = stats.t.ppf(0.975, placebo_reference["dof"][1]) * np.sqrt(
                placebo_reference["covariance"][1, 1]
            )
            assert row["placebo_k_minus_3_ci_low"] == pytest.approx(
                placebo.params[1] - margin, rel=1e-8
            )
            assert row["pre_trend_p_value"] == pytest.approx(placebo_reference["p_value"], rel=1e-8)
