"""The package suites judged package by package (submission format 1.1, "Delivery").

The gate's suites on `raw.received_packages` (volumes, completeness) name in each unexpected row
the region and quarter of the package at fault. Ingestion runs their blocking queries on the
batch it is loading, inside its transaction, and holds back the packages they name: such a
package is recorded as rejected with the rule it broke, so its region keeps the package it had
and every other region is published. The suites still run in the gate, on what was kept.
"""

from __future__ import annotations

import duckdb

from clustermon.gate.suites import blocking_row_queries, declaration
from clustermon.home import EXPECTATIONS_DIR

PACKAGE_REGISTER = "raw.received_packages"


def packages_at_fault(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(region, quarter) of each accepted package a blocking package expectation fails on,
    with the rule and the failing row in words."""
    faults: dict[tuple[str, str], str] = {}
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        suite = declaration(path)
        if suite.table != PACKAGE_REGISTER:
            continue
        for notes, query in blocking_row_queries(path):
            cursor = con.execute(query.format(batch=PACKAGE_REGISTER))
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                found = dict(zip(columns, row, strict=True))
                shown = ", ".join(f"{name} {value}" for name, value in found.items())
                region, quarter = found["region_code"], found["quarter"]
                faults.setdefault(
                    (region, quarter),
                    f"region {region}, quarter {quarter}: held back by the gate ({suite.name}): "
                    f"{notes} [{shown}]",
                )
    return faults
