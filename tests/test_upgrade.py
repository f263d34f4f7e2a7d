"""A warehouse made by the previous release is upgraded in place by the next refresh.

The fixture tests/fixtures/warehouse_8f17466 is the working warehouse of the skeleton fixture
as main at 8f17466 built it (DuckDB's EXPORT DATABASE: the raw layer, every model, the impact
tables). Imported into a home beside the same inbox, a refresh of today's code must succeed
without loading a package again, keep every raw row, drop the relations of models since
renamed, and publish exactly what a new warehouse publishes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from clustermon.contract import TABLES, Column
from clustermon.home import Paths
from clustermon.ingest.raw_schema import create_raw_tables, raw_tables_of
from conftest import FIXTURES, query, run_refresh

PREVIOUS_RELEASE = FIXTURES / "warehouse_8f17466"
RENAMED = {  # relations of 8f17466 that no model builds any more
    "intermediate.int_packages_selected",
    "intermediate.int_packages_planned",
    "intermediate.int_membership_spells_selected",
    "staging.stg_programme__settings",
}


def import_previous_release(home: Path) -> Path:
    """The fixture as a working warehouse; its views name the catalog `warehouse`."""
    home.mkdir(parents=True)
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"IMPORT DATABASE '{PREVIOUS_RELEASE}'")
    return warehouse


def raw_rows(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' "
                "AND table_name NOT IN ('received_packages', 'received_files', 'settings')"
            ).fetchall()
        ]
        return {t: con.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall() for t in tables}


def relations(warehouse: Path) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in query(
            warehouse,
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('staging', 'intermediate')",
        )
    }


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory, skeleton_home: Paths):
    root = tmp_path_factory.mktemp("upgrade")
    paths = Paths(root / "home", skeleton_home.inbox, skeleton_home.programme)
    warehouse = import_previous_release(paths.home)
    before = raw_rows(warehouse)
    assert relations(warehouse) >= RENAMED
    assert run_refresh(paths), "the refresh of the previous release's warehouse failed"
    return paths, before


def test_the_refresh_upgrades_the_previous_release_in_place(upgraded) -> None:
    paths, before = upgraded
    assert raw_rows(paths.warehouse) == before  # nothing loaded again, nothing lost
    receipts = query(paths.warehouse, "SELECT quarter, status FROM raw.received_packages")
    assert sorted(receipts) == [("2024Q4", "accepted"), ("2025Q1", "accepted")]


def test_relations_of_renamed_models_are_dropped(upgraded, skeleton_home: Paths) -> None:
    paths, _ = upgraded
    assert not RENAMED & relations(paths.warehouse)
    assert relations(paths.warehouse) == relations(skeleton_home.warehouse)


def test_the_upgraded_warehouse_publishes_what_a_new_one_does(upgraded, skeleton_home) -> None:
    paths, _ = upgraded
    for table in ("indicator_values", "indicator_benchmarks", "data_quality", "impact_estimates"):
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert query(paths.published_warehouse, sql) == query(
            skeleton_home.published_warehouse, sql
        ), table


def test_a_contract_column_is_added_to_the_raw_table_and_no_row_is_lost(tmp_path: Path) -> None:
    warehouse = import_previous_release(tmp_path / "home")
    before = raw_rows(warehouse)
    headcount = Column("employees_headcount", "int")
    contract = tuple(
        replace(t, columns=(*t.columns, headcount)) if t.name == "firm_kpis" else t for t in TABLES
    )
    with duckdb.connect(str(warehouse)) as con:
        # received_packages.checked_against: a column this release added since 8f17466.
        assert create_raw_tables(con, raw_tables_of(contract)) == [
            "firm_kpis.employees_headcount",
            "received_packages.checked_against",
        ]
        assert create_raw_tables(con, raw_tables_of(contract)) == []  # once only
        assert con.execute(
            "SELECT count(*), count(employees_headcount) FROM raw.firm_kpis"
        ).fetchone() == (len(before["firm_kpis"]), 0)
    after = raw_rows(warehouse)
    assert [row[:-1] for row in after["firm_kpis"]] == before["firm_kpis"]
    assert {t: rows for t, rows in after.items() if t != "firm_kpis"} == {
        t: rows for t, rows in before.items() if t != "firm_kpis"
    }
