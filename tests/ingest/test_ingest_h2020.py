"""The real Horizon 2020 participations, converted to packages (clustermon/tools/h2020.py),
load with nothing lost: every row written is read, and every row read is loaded or quarantined."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from clustermon.ingest import ingest
from clustermon.tools.h2020 import write_h2020_packages
from conftest import query

# What real data holds that the contract refuses, and nothing else: projects without a start
# date, end date or total cost (`NA` in the source) and the participations naming them;
# projects with two coordinators; projects whose grants exceed the EU contribution;
# participants whose every project lacks a start date (no joined_on). Namibian participants
# (country `NA`) are loaded: only an empty cell is null.
EXPECTED_RULES = {
    ("projects", "start_date", "required"),
    ("projects", "end_date", "required"),
    ("projects", "total_cost_eur", "required"),
    ("participations", "project_id", "broken_reference"),
    ("participations", "role", "coordinators"),
    ("participations", "grant_eur", "grants_over_funding"),
    ("memberships", "joined_on", "required"),
}


@pytest.mark.slow
def test_h2020_packages_load_with_nothing_lost(tmp_path: Path) -> None:
    regions = write_h2020_packages(tmp_path / "inbox", tmp_path / "programme")
    assert len(regions) == 37 and {"EL", "UK", "DE"} <= set(regions)
    written: dict[str, int] = {}
    for file in (tmp_path / "inbox").rglob("*.csv"):
        with file.open() as stream:
            written[file.stem] = written.get(file.stem, 0) + sum(1 for _ in stream) - 1

    started = time.perf_counter()
    result = ingest(
        tmp_path / "warehouse.duckdb",
        tmp_path / "inbox",
        tmp_path / "programme",
        tmp_path / "archive",
    )
    seconds = time.perf_counter() - started
    assert [p.status for p in result.packages] == ["accepted"] * 37

    database = tmp_path / "warehouse.duckdb"
    per_table = query(
        database,
        "SELECT table_name, sum(rows_read), sum(rows_loaded), sum(rows_quarantined) "
        "FROM raw.received_files GROUP BY ALL ORDER BY ALL",
    )
    assert {table: read for table, read, _, _ in per_table} == written
    for table, read, loaded, quarantined in per_table:
        assert read == loaded + quarantined, table
        assert query(database, f"SELECT count(*) FROM raw.{table}") == [(loaded,)]
        assert query(
            database,
            "SELECT count(*) FROM (SELECT DISTINCT package_id, source_row FROM raw.quarantine "
            "WHERE table_name = ?)",
            [table],
        ) == [(quarantined,)]
    rules = query(
        database,
        "SELECT table_name, column_name, rule, count(*) FROM raw.quarantine "
        "GROUP BY ALL ORDER BY ALL",
    )
    assert {(table, column, rule) for table, column, rule, _ in rules} <= EXPECTED_RULES
    namibian = "SELECT count(*) > 0 FROM raw.organisations WHERE country_code = 'NA'"
    assert query(database, namibian) == [(True,)]
    print(f"\nH2020: {len(regions)} packages loaded in {seconds:.1f} s")
    for row in per_table:
        print("read, loaded, quarantined:", *row)
    for row in rules:
        print("quarantined:", *row)
