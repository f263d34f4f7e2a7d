"""The contract is declared once (contract/tables.py): the dbt staging layer of the package
tables is written from it, and a test fails, naming the file, while they differ."""

from dataclasses import replace
from pathlib import Path

import yaml

from clustermon.contract import TABLES, Column, Table
from clustermon.contract.staging import MODELS_FILE, STAGING_DIR, drift, generated_files, write
from clustermon.home import DBT_PROJECT_DIR

HEADCOUNT = Column("employees_headcount", "int", rule="≥ 0; persons, not FTE")
SECTOR_GROUP = Column("sector_group", "text", required=True, allowed=("industry", "services"))


def with_new_columns() -> tuple[Table, ...]:
    """The contract as a contributor would change it: an optional int column in firm_kpis and
    a required column with allowed values in clusters."""
    changed = {
        "firm_kpis": (HEADCOUNT,),
        "clusters": (SECTOR_GROUP,),
    }
    return tuple(
        replace(table, columns=(*table.columns, *changed.get(table.name, ()))) for table in TABLES
    )


def test_the_staging_layer_is_what_the_contract_declares() -> None:
    assert drift() == [], "run `make generate` after changing pipelines/clustermon/contract/"


def test_a_column_added_to_the_contract_reaches_the_staging_model_and_its_yml(
    tmp_path: Path,
) -> None:
    files = generated_files(with_new_columns())
    sql = files[STAGING_DIR / "stg_packages__firm_kpis.sql"]
    assert "    cast(employees_headcount as integer) as employees_headcount\n" in sql
    assert sql.index("value_added_eur") < sql.index("employees_headcount")
    models = {m["name"]: m for m in yaml.safe_load(files[MODELS_FILE])["models"]}
    kpis = {c["name"]: c for c in models["stg_packages__firm_kpis"]["columns"]}
    assert kpis["employees_headcount"] == {
        "name": "employees_headcount",
        "description": "int; optional; ≥ 0; persons, not FTE",
    }
    clusters = models["stg_packages__clusters"]
    [group] = [c for c in clusters["columns"] if c["name"] == "sector_group"]
    assert group["data_tests"] == [
        {"accepted_values": {"arguments": {"values": ["industry", "services"]}}}
    ]
    [not_null] = [t["not_null_columns"] for t in clusters["data_tests"] if "not_null_columns" in t]
    assert not_null["arguments"]["columns"][-1] == "sector_group"

    # Against the committed project, the drift check names exactly the files to write again.
    assert drift(DBT_PROJECT_DIR, with_new_columns()) == [
        "models/staging/packages/stg_packages__clusters.sql: differs",
        "models/staging/packages/stg_packages__firm_kpis.sql: differs",
        "models/staging/packages/_packages__models.yml: differs",
    ]
    # Writing a copy of the project brings it in step.
    copy = tmp_path / "dbt_project"
    (copy / STAGING_DIR).mkdir(parents=True)
    for path in (DBT_PROJECT_DIR / STAGING_DIR).iterdir():
        (copy / STAGING_DIR / path.name).write_bytes(path.read_bytes())
    written = write(copy, with_new_columns())
    assert sorted(p.name for p in written) == [
        "_packages__models.yml",
        "stg_packages__clusters.sql",
        "stg_packages__firm_kpis.sql",
    ]
    assert drift(copy, with_new_columns()) == []


def test_a_staging_file_of_a_table_no_longer_declared_is_named() -> None:
    without_events = tuple(table for table in TABLES if table.name != "events")
    assert (
        "models/staging/packages/stg_packages__events.sql: no table of the contract (delete it)"
        in drift(DBT_PROJECT_DIR, without_events)
    )
