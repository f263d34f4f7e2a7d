"""The estimates in the warehouse: `main.impact_estimates`, with its comments, and the
fingerprints that let a refresh re-estimate only the regions whose firm-year panel changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from clustermon.impact.estimator import (
    ALL_REGIONS,
    ESTIMATE_COLUMNS,
    INTEGER_COLUMNS,
    METHOD,
    MIN_COMPARISON,
    MIN_TREATED,
    PRE_TREND_ALPHA,
    estimate_impacts,
)
from clustermon.impact.panel import HORIZONS, PANEL_COLUMNS, PLACEBO_HORIZONS
from clustermon.writer import warehouse_writer

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
    "ci_low": "Lower bound of the 95% confidence interval (clustered by firm; Student's t with "
    "Bell-McCaffrey degrees of freedom).",
    "ci_high": "Upper bound of the 95% confidence interval (clustered by firm; Student's t with "
    "Bell-McCaffrey degrees of freedom).",
    "std_error": "Standard error of the estimate, clustered by firm (CR2, Bell-McCaffrey).",
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
    "pre_trend_p_value": "p-value of the joint test that the estimable placebos are 0 (CR2 "
    "Wald statistic, approximate Hotelling T^2); "
    "null when none is estimable.",
    "pre_trend_doubtful": f"True when pre_trend_p_value < {PRE_TREND_ALPHA}: parallel trends "
    "look doubtful, read the estimate with care; null when not checkable.",
    "unit": "log points (difference of natural logs; 0.05 is about +5%) or percentage points.",
    "method": "The estimator and its assumptions, in words.",
}


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


INPUTS_TABLE_COMMENT = (
    "Fingerprint of the inputs of each region's rows of main.impact_estimates (its firm-year "
    "panel and the estimator's settings): a refresh re-estimates only the regions whose "
    "fingerprint changed, and the pooled 'ALL' rows when any did."
)
# Changes of the estimator's code or settings must invalidate every kept estimate.
ESTIMATOR_VERSION = "4"  # 4: CR2 intervals and pre-trend test
_ESTIMATOR_KEY = repr(
    (ESTIMATOR_VERSION, HORIZONS, PLACEBO_HORIZONS, MIN_TREATED, MIN_COMPARISON, PRE_TREND_ALPHA)
)
# Order-independent digest of a region's firm-year rows; cheap next to estimating.
_PANEL_FINGERPRINTS = f"""
    SELECT region_code,
           count(*) || ':' || sum(hash({", ".join(PANEL_COLUMNS)})::HUGEINT) AS fingerprint
    FROM intermediate.int_firm_years_assembled
    GROUP BY region_code
"""


@dataclass(frozen=True)
class ImpactRefresh:
    estimates: pd.DataFrame  # every row of main.impact_estimates
    recomputed: list[str]  # scopes estimated in this refresh ('ALL' and region codes)


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
            [name],
        ).fetchone()[0]
    )


def _input_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Fingerprint of each selected region's (or panel region's) estimation inputs."""
    panel = dict(con.sql(_PANEL_FINGERPRINTS).fetchall())
    selected = con.sql("SELECT region_code FROM intermediate.int_packages_in_scope").fetchall()
    return {
        region: f"{_ESTIMATOR_KEY}|{panel.get(region, 'no firms')}"
        for region in sorted({r for (r,) in selected} | set(panel))
    }


def write_impact_estimates(warehouse: Path) -> ImpactRefresh:
    """Estimate from the working warehouse's firm-year panel and (re)write
    main.impact_estimates there, documented with table and column comments. A region whose
    panel is unchanged since the last refresh keeps its rows (a region's estimates depend on
    its own firms only); the pooled 'ALL' rows are re-estimated when any region changed."""
    with warehouse_writer(warehouse) as con:
        fingerprints = _input_fingerprints(con)
        previous: dict[str, str] = {}
        if _table_exists(con, "impact_estimates") and _table_exists(con, "impact_estimate_inputs"):
            previous = dict(con.sql("SELECT * FROM main.impact_estimate_inputs").fetchall())
        changed = [r for r, key in fingerprints.items() if previous.get(r) != key]
        stale = bool(changed) or set(previous) != set(fingerprints)
        panel = _panel(con) if stale else None
    # Estimated with the connection closed: DuckDB keeps the buffers of the panel's query
    # until then (0.8 GB at make bench's EU scale), beside the estimation's own peak.
    estimates = estimate_impacts(panel, changed) if stale else None
    with warehouse_writer(warehouse) as con:
        if stale:
            _replace_estimates(con, estimates, fingerprints, changed)
        every_estimate = con.sql("SELECT * FROM main.impact_estimates").df()
    every_estimate["pre_trend_doubtful"] = every_estimate["pre_trend_doubtful"].astype("boolean")
    return ImpactRefresh(every_estimate, [ALL_REGIONS, *changed] if stale else [])


def _panel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every firm-year of the panel, by region, firm and year."""
    # Organisations as integers (in their order): strings are slow to hand to pandas. Numbered
    # over the distinct identifiers, not by a window over every firm-year (3x slower at EU scale).
    panel_columns = ", ".join(
        "firms.number AS organisation_id" if c == "organisation_id" else c for c in PANEL_COLUMNS
    )
    return con.sql(
        f"""
        WITH firms AS (
            SELECT organisation_id, row_number() OVER (ORDER BY organisation_id) AS number
            FROM (SELECT DISTINCT organisation_id FROM intermediate.int_firm_years_assembled)
        )
        SELECT {panel_columns}
        FROM intermediate.int_firm_years_assembled JOIN firms USING (organisation_id)
        ORDER BY region_code, firms.number, year
        """
    ).df()


def _replace_estimates(
    con: duckdb.DuckDBPyConnection,
    estimates: pd.DataFrame,
    fingerprints: dict[str, str],
    changed: list[str],
) -> None:
    """Write the new `estimates` ('ALL' and the `changed` regions), keep the other regions'
    rows, and record the fingerprints the table now reflects."""
    kept = sorted(set(fingerprints) - set(changed))
    con.register("estimates", estimates)
    con.register("kept_regions", pd.DataFrame({"region_code": pd.Series(kept, dtype=object)}))
    columns = ", ".join(
        f"CAST({c} AS INTEGER) AS {c}" if c in INTEGER_COLUMNS else c for c in ESTIMATE_COLUMNS
    )
    reused = (
        f"SELECT {', '.join(ESTIMATE_COLUMNS)} FROM main.impact_estimates "
        "WHERE region_code IN (SELECT region_code FROM kept_regions)"
        if kept
        else f"SELECT {', '.join(ESTIMATE_COLUMNS)} FROM estimates WHERE false"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main.impact_estimates AS "
        f"SELECT {columns} FROM (SELECT * FROM estimates UNION ALL {reused}) "
        f"ORDER BY region_code <> {_sql_literal(ALL_REGIONS)}, region_code, indicator_code, horizon"
    )
    con.unregister("estimates")
    con.unregister("kept_regions")
    con.execute(f"COMMENT ON TABLE main.impact_estimates IS {_sql_literal(TABLE_COMMENT)}")
    for column, text in COLUMN_COMMENTS.items():
        con.execute(f"COMMENT ON COLUMN main.impact_estimates.{column} IS {_sql_literal(text)}")
    con.register(
        "fingerprints",
        pd.DataFrame(
            {"region_code": list(fingerprints), "input_hash": list(fingerprints.values())}
        ),
    )
    con.execute("CREATE OR REPLACE TABLE main.impact_estimate_inputs AS SELECT * FROM fingerprints")
    con.unregister("fingerprints")
    con.execute(
        f"COMMENT ON TABLE main.impact_estimate_inputs IS {_sql_literal(INPUTS_TABLE_COMMENT)}"
    )
