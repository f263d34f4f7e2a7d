"""impact_estimates end to end: the demo through the real refresh (dbt, the Dagster asset, the
gate, publication), read back from the published file as evaluators read it."""

from __future__ import annotations

import pandas as pd
import pytest

from clustermon.home import Paths
from clustermon.impact.estimates_table import COLUMN_COMMENTS
from clustermon.impact.estimator import ESTIMATE_COLUMNS
from clustermon.tools.demo import DEMO_REGIONS, TRUE_EFFECTS
from conftest import query

REGIONS = DEMO_REGIONS


@pytest.fixture(scope="module")
def published(demo_home: Paths) -> pd.DataFrame:
    columns = ", ".join(ESTIMATE_COLUMNS)
    rows = query(demo_home.published_warehouse, f"SELECT {columns} FROM impact_estimates")
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


@pytest.mark.slow
def test_every_region_indicator_and_horizon_is_published(published: pd.DataFrame) -> None:
    keys = set(published[["region_code", "indicator_code", "horizon"]].itertuples(index=False))
    regions = ["ALL", *(r.code for r in REGIONS)]
    expected = {(r, i, k) for r in regions for i in TRUE_EFFECTS for k in (1, 2, 3)}
    assert keys == expected and len(published) == len(expected)
    # Not estimable means null, never 0; estimable means an interval around the estimate.
    missing = published[~published["estimable"]]
    assert missing[["estimate", "ci_low", "ci_high"]].isna().all().all()
    shown = published[published["estimable"]]
    assert ((shown["ci_low"] < shown["estimate"]) & (shown["estimate"] < shown["ci_high"])).all()
    assert (shown[["n_treated", "n_comparison"]] >= 5).all().all()


@pytest.mark.slow
def test_all_regions_pool_the_regions_firms(published: pd.DataFrame) -> None:
    """A firm belongs to one region, so the pooled counts are the regions' counts added."""
    counts = published.groupby([published["region_code"] == "ALL", "indicator_code", "horizon"])[
        ["n_treated", "n_comparison"]
    ].sum()
    assert counts.loc[True].equals(counts.loc[False])


@pytest.mark.slow
def test_demo_true_effects_are_found(published: pd.DataFrame) -> None:
    """The demo injects TRUE_EFFECTS from k = 1; every pooled estimate lies within four
    standard errors of its truth (a miss has probability below 1e-4 per estimate)."""
    pooled = published[published["region_code"] == "ALL"].set_index(["indicator_code", "horizon"])
    assert pooled["estimable"].all()
    truth = pooled.index.get_level_values("indicator_code").map(TRUE_EFFECTS)
    distance = (pooled["estimate"] - truth).abs() / pooled["std_error"]
    assert (distance < 4).all(), distance


@pytest.mark.slow
def test_published_table_is_documented(demo_home: Paths) -> None:
    (comment,) = query(
        demo_home.published_warehouse,
        "SELECT comment FROM duckdb_tables() WHERE table_name = 'impact_estimates'",
    )[0]
    assert "parallel trends" in comment.lower() and "anticipation" in comment
    columns = dict(
        query(
            demo_home.published_warehouse,
            "SELECT column_name, comment FROM duckdb_columns() "
            "WHERE table_name = 'impact_estimates'",
        )
    )
    assert list(columns) == list(ESTIMATE_COLUMNS)
    assert columns == COLUMN_COMMENTS
    # Stays in the working warehouse: the firm-year panel is not published.
    tables = query(demo_home.published_warehouse, "SELECT table_name FROM duckdb_tables()")
    assert ("int_firm_years_assembled",) not in tables


def test_every_column_has_a_comment() -> None:
    assert list(COLUMN_COMMENTS) == list(ESTIMATE_COLUMNS)
