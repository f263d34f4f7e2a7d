"""The dbt docs page is regenerated when what it shows changes, and reused otherwise.

Real `dbt docs generate` runs on a copy of the dbt project (so a description can be edited
without touching the repository) against a small warehouse with commented relations.
"""

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult, materialize

from clustermon.frontends.jobs import dagster_instance
from clustermon.home import DBT_PROJECT_DIR, Paths
from clustermon.publish.assets import published_warehouse
from clustermon.publish.dbt_docs import dbt_docs
from clustermon.resources import ClustermonHome, RefreshLock
from clustermon.transform.project import dbt_resource
from conftest import copy_home, definitions_for, in_own_context

DESCRIPTION = "Indicators per region, quarter and breakdown cell"
EDITED = "Indicator values for every region and quarter, edited by the docs reuse test"


def _manifest_in(page: str) -> dict:
    """The dbt manifest a static docs page holds inline."""
    start = page.index(
        '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest'
    )
    return json.JSONDecoder().raw_decode(page, start)[0]


def _generate(project: Path, paths: Paths) -> tuple[bool, str]:
    """Materialise dbt_docs; whether it regenerated the page, and the page's text."""

    def materialize_docs() -> ExecuteInProcessResult:
        with DagsterInstance.ephemeral() as instance:
            home = ClustermonHome.for_paths(paths)
            return materialize(
                [dbt_docs],
                resources={
                    "home": home,
                    "dbt": dbt_resource(project),
                    "refresh_lock": RefreshLock(home=home),
                },
                instance=instance,
            )

    result = in_own_context(materialize_docs)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("dbt_docs")
    page = paths.published / "dbt-docs" / "index.html"
    return materialization.metadata["regenerated"].value, page.read_text()


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    paths = Paths.at(tmp_path / "home")
    paths.home.mkdir()
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("CREATE TABLE main.indicator_values (value DOUBLE)")
        con.execute("COMMENT ON TABLE main.indicator_values IS 'first comment'")
    return paths


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    return copy


def test_docs_regenerated_on_change_reused_otherwise(project: Path, paths: Paths) -> None:
    regenerated, page = _generate(project, paths)
    assert regenerated and DESCRIPTION in page

    page_file = paths.published / "dbt-docs" / "index.html"
    made = page_file.stat().st_mtime_ns
    regenerated, page = _generate(project, paths)
    assert not regenerated and page_file.stat().st_mtime_ns == made

    marts = project / "models" / "marts" / "_marts.yml"
    marts.write_text(marts.read_text().replace(DESCRIPTION, EDITED))
    regenerated, page = _generate(project, paths)
    assert regenerated and EDITED in page and DESCRIPTION not in page

    # The catalog's part: a comment in the warehouse changes the page too.
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("COMMENT ON TABLE main.indicator_values IS 'second comment'")
    regenerated, page = _generate(project, paths)
    assert regenerated and "second comment" in page


def test_a_manifest_no_build_of_this_run_left_is_not_shown(project: Path, paths: Paths) -> None:
    # The publish job builds nothing: the manifest in the home's dbt folder is an older build's
    # and may hold descriptions edited since. Here it is the repository's, which holds the
    # original description.
    paths.dbt_target.mkdir(parents=True)
    shutil.copyfile(
        DBT_PROJECT_DIR / "target" / "manifest.json", paths.dbt_target / "manifest.json"
    )
    marts = project / "models" / "marts" / "_marts.yml"
    marts.write_text(marts.read_text().replace(DESCRIPTION, EDITED))
    regenerated, page = _generate(project, paths)
    assert regenerated and EDITED in page and DESCRIPTION not in page


def test_the_docs_of_a_refresh_show_the_sql_its_build_ran(skeleton_home: Paths) -> None:
    shown = _manifest_in((skeleton_home.published / "dbt-docs" / "index.html").read_text())
    built = json.loads((skeleton_home.dbt_target / "manifest.json").read_text())
    assert shown["metadata"]["invocation_id"] == built["metadata"]["invocation_id"]
    benchmarks = shown["nodes"]["model.clustermon.indicator_benchmarks"]
    # Compiled: {{ ref('indicator_values') }} became the warehouse's relation.
    assert '"warehouse"."main"."indicator_values"' in benchmarks["compiled_code"]


def test_a_run_that_built_some_models_compiles_the_docs_anew(
    skeleton_home: Paths, tmp_path: Path
) -> None:
    # A run of one model, its publication and the docs (in that order: the docs follow the
    # publication, which follows the model): its build's manifest holds compiled SQL for the
    # model it ran only, so the page cannot be made from it without compiling.
    paths = copy_home(skeleton_home, tmp_path)
    (paths.published / "dbt-docs" / "inputs.sha256").unlink()  # the page is made again

    def refresh_catalog_publication_and_docs() -> ExecuteInProcessResult:
        with dagster_instance(paths) as instance:
            return (
                definitions_for(paths)
                .resolve_job_def("refresh")
                .execute_in_process(
                    instance=instance,
                    asset_selection=[
                        AssetKey("indicator_catalog"),
                        published_warehouse.key,
                        dbt_docs.key,
                    ],
                )
            )

    result = in_own_context(refresh_catalog_publication_and_docs)
    assert result.success
    built = json.loads((paths.dbt_target / "manifest.json").read_text())
    # Not in this build: no compiled SQL in its manifest.
    assert not built["nodes"]["model.clustermon.indicator_benchmarks"].get("compiled_code")
    shown = _manifest_in((paths.published / "dbt-docs" / "index.html").read_text())
    assert shown["metadata"]["invocation_id"] != built["metadata"]["invocation_id"]
    benchmarks = shown["nodes"]["model.clustermon.indicator_benchmarks"]
    assert '"warehouse"."main"."indicator_values"' in benchmarks["compiled_code"]
