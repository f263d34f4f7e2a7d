"""The bench's baseline: the same indicators as plain DuckDB computes them, with no framework.

One quarter's package files are read straight into the raw layer (`read_csv`, no checks, no
archive, no quarantine), then dbt's compiled SQL of `indicator_values` and everything it
depends on runs as plain `CREATE TABLE/VIEW ... AS` statements. `make bench` divides a
refresh's wall time by this one's: what Dagster, dbt, the gate and publication cost over the
engine itself.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import duckdb

from clustermon.contract import TABLES, quarter_end
from clustermon.home import DBT_PROJECT_DIR, Paths
from clustermon.ingest import create_raw_tables, load_programme
from clustermon.settings import ProgrammeSettings
from clustermon.transform.project import dbt_executable, dbt_vars


def _load_raw_plainly(con: duckdb.DuckDBPyConnection, paths: Paths, quarter: str) -> None:
    """The raw layer as plain DuckDB reads it: every region's package of one quarter."""
    create_raw_tables(con)
    region = r"regexp_extract(filename, '/([A-Z0-9]+)/[0-9]{4}Q[1-4]/[a-z_]+[.]csv$', 1)"
    for table in TABLES:
        files = paths.inbox / "*" / quarter / f"{table.name}.csv"
        if not any(paths.inbox.glob(f"*/{quarter}/{table.name}.csv")):
            continue  # a table no package of the quarter sends (the programme allows it)
        source = f"read_csv('{files}', all_varchar = true, filename = true, union_by_name = true)"
        sent = {column for column, *_ in con.sql(f"FROM {source} LIMIT 0").description}
        columns = [name for name in table.column_names if name in sent]  # optional ones may lack
        con.execute(
            f"""
            INSERT INTO raw.{table.name} BY NAME
            SELECT {region} || '-{quarter}' AS package_id, {region} AS region_code,
                   '{quarter}' AS quarter, filename AS source_file, {", ".join(columns)}
            FROM {source}
            """
        )
    con.execute(
        f"""
        INSERT INTO raw.received_packages BY NAME
        SELECT DISTINCT package_id, region_code, quarter, 'accepted' AS status,
            DATE '{quarter_end(quarter).isoformat()}' AS reference_date
        FROM raw.clusters
        """
    )
    load_programme(con, paths.programme, lambda: ProgrammeSettings.load(paths.programme))
    seeds = DBT_PROJECT_DIR / "seeds"
    con.execute("CREATE SCHEMA reference")
    for seed in ("indicator_cells", "indicator_definitions"):
        con.execute(f"CREATE TABLE reference.{seed} AS FROM read_csv('{seeds / seed}.csv')")


def plain_duckdb_seconds(paths: Paths, quarter: str, workdir: Path) -> float:
    """Load one quarter's files and compute indicator_values with dbt's compiled SQL alone."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "warehouse.duckdb"  # the name dbt's compiled SQL refers to
    database.unlink(missing_ok=True)
    target = workdir / "dbt-target"
    settings = ProgrammeSettings.load(paths.programme)
    subprocess.run(
        [dbt_executable(), "compile", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR),
         "--project-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
         "--select", "+indicator_values", *dbt_vars(Paths.at(workdir), settings)],
        check=True, stdout=subprocess.DEVNULL,  # it prints the SQL
    )  # fmt: skip
    manifest = json.loads((target / "manifest.json").read_text())
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        _load_raw_plainly(con, paths, quarter)
        for node in _models_in_build_order(manifest, "model.clustermon.indicator_values"):
            relation = f"{node['schema']}.{node['name']}"
            kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {node['schema']}")
            con.execute(f"CREATE {kind} {relation} AS {node['compiled_code']}")
    return round(time.perf_counter() - started, 2)


def _models_in_build_order(manifest: dict, final: str) -> list[dict]:
    """The models `final` depends on, and itself, each after its parents."""
    ordered: list[str] = []

    def visit(unique_id: str) -> None:
        if unique_id in ordered or not unique_id.startswith("model."):
            return
        for parent in manifest["nodes"][unique_id]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(unique_id)

    visit(final)
    return [manifest["nodes"][unique_id] for unique_id in ordered]
