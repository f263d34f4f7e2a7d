"""main.impact_estimates keeps the rows of regions whose firm-year panel did not change and
re-estimates the others and the pooled 'ALL' rows, to the values of a from-scratch run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from test_impact import simulate_panel

from clustermon.impact.estimates_table import write_impact_estimates
from clustermon.impact.estimator import estimate_impacts

KEY = ["region_code", "indicator_code", "horizon"]
SELECTED = ["AT12", "BE2", "CZ01", "DE11"]  # DE11 submitted no firm-years


def make_warehouse(path: Path) -> None:
    panel = simulate_panel(np.random.default_rng(3), 0.05)
    third = panel[panel["region_code"] == "BE2"].assign(region_code="CZ01")
    panel = pd.concat([panel, third], ignore_index=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA intermediate")
        con.register("panel", panel)
        con.execute("CREATE TABLE intermediate.int_firm_years_assembled AS FROM panel")
        con.execute(
            "CREATE TABLE intermediate.int_packages_in_scope AS SELECT unnest(?) AS region_code",
            [SELECTED],
        )


def table(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.sql("FROM main.impact_estimates").df()
    return rows.sort_values(KEY).set_index(KEY)


def from_scratch(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        panel = con.sql(
            "FROM intermediate.int_firm_years_assembled ORDER BY region_code, organisation_id, year"
        ).df()
    return estimate_impacts(panel, SELECTED).sort_values(KEY).set_index(KEY)


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        left.astype({"pre_trend_doubtful": "boolean"}),
        right.astype({"pre_trend_doubtful": "boolean"}),
        check_dtype=False,
        check_index_type=False,
        rtol=1e-12,
    )


def test_only_changed_regions_are_re_estimated(tmp_path: Path) -> None:
    warehouse = tmp_path / "working.duckdb"
    make_warehouse(warehouse)
    first = write_impact_estimates(warehouse)
    assert sorted(first.recomputed) == ["ALL", *SELECTED]
    before = table(warehouse)
    same(before, from_scratch(warehouse))

    # A marker that only survives if AT12's stored rows are reused rather than re-estimated.
    marker = ("AT12", "IMP01", 1)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "UPDATE main.impact_estimates SET estimate = 99 "
            "WHERE region_code = ? AND indicator_code = ? AND horizon = ?",
            list(marker),
        )

    unchanged = write_impact_estimates(warehouse)
    assert unchanged.recomputed == []
    marked = table(warehouse)
    assert marked.loc[marker, "estimate"] == 99

    # One BE2 member's employment doubles in 2022: BE2's and the pooled estimates move.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "UPDATE intermediate.int_firm_years_assembled SET employees_fte = 2 * employees_fte "
            "WHERE region_code = 'BE2' AND year = 2022 AND organisation_id IN ("
            "  SELECT organisation_id FROM intermediate.int_firm_years_assembled"
            "  WHERE region_code = 'BE2' AND cohort = 2021 LIMIT 3)"
        )
    changed = write_impact_estimates(warehouse)
    assert changed.recomputed == ["ALL", "BE2"]
    after, scratch = table(warehouse), from_scratch(warehouse)
    for scope in ("ALL", "BE2"):
        same(after.loc[[scope]], scratch.loc[[scope]])
        moved = after.loc[scope, "estimate"], before.loc[scope, "estimate"]
        assert not np.allclose(*moved, equal_nan=True)
    for scope in ("AT12", "CZ01", "DE11"):
        same(after.loc[[scope]], marked.loc[[scope]])
    assert after.loc[marker, "estimate"] == 99
