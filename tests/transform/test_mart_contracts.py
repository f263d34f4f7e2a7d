"""The published marts' enforced column contracts (dbt `contract: {enforced: true}`): every mart
declares every column with its type, and the published file has exactly those columns, in
that order and of those types (impact_estimates is written by the impact step, not dbt)."""

import json

import pytest

from clustermon.home import DBT_PROJECT_DIR
from clustermon.publish.publication import PUBLISHED_TABLES
from conftest import query

DBT_MARTS = [table for table in PUBLISHED_TABLES if table != "impact_estimates"]


@pytest.fixture(scope="module")
def marts() -> dict[str, dict]:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in DBT_MARTS
    }


@pytest.mark.parametrize("table", DBT_MARTS)
def test_mart_contract_is_enforced_with_every_type(marts, table):
    mart = marts[table]
    assert mart["config"]["contract"]["enforced"] is True
    assert all(column["data_type"] for column in mart["columns"].values())


@pytest.mark.parametrize("table", DBT_MARTS)
def test_published_columns_are_the_contracts(skeleton_home, marts, table):
    published = query(
        skeleton_home.published_warehouse,
        "SELECT column_name, lower(data_type) FROM duckdb_columns() "
        "WHERE table_name = ? ORDER BY column_index",
        [table],
    )
    declared = [(name, c["data_type"]) for name, c in marts[table]["columns"].items()]
    assert published == declared
