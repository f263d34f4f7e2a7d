"""Which regions are stale: the warehouse's one definition, read as of a given day.

Staleness is defined once, in the dbt view `intermediate.int_region_quarters_covered` (README,
"Glossary"). `clustermon status` and the quarterly schedule read it here, asking about their
own day through the DuckDB variable the view reads.
"""

from __future__ import annotations

from datetime import date

import duckdb

from clustermon.contract import last_ended_quarter
from clustermon.home import Paths


def stale_regions(paths: Paths, today: date) -> tuple[str, dict[str, str | None]]:
    """The reporting quarter as of `today` and the programme's stale regions then (region ->
    the quarter of its package in use, None when it sent none), by the warehouse's one
    definition of staleness (the dbt view int_region_quarters_covered)."""
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        con.execute("SET VARIABLE as_of_date = ?", [today])
        rows = con.execute(
            """
            SELECT region_code, quarter, package_in_use_quarter, stale
            FROM intermediate.int_region_quarters_covered
            WHERE is_reporting_quarter
            ORDER BY region_code
            """
        ).fetchall()
    reporting = rows[0][1] if rows else last_ended_quarter(today)
    return reporting, {region: package for region, _, package, stale in rows if stale}
