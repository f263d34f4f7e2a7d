"""DuckDB's one writer across runs: with dagster.yaml's pool limit, a warehouse step waits while
another run holds the pool, and runs as soon as it is released. No clock decides the outcome:
the test waits for Dagster to report the step as pending, then releases the slot."""

import shutil
import threading
import time

from dagster import DagsterInstance

from clustermon.definitions import defs
from clustermon.home import REPO_ROOT
from clustermon.ingest.assets import PROGRAMME_SPECS
from clustermon.resources import WAREHOUSE_POOL
from conftest import definitions_for, home_with_fixture, query


def test_every_step_that_opens_the_warehouse_claims_the_pool():
    pools = {
        node.name: node.definition.pool for node in defs.resolve_job_def("refresh").graph.nodes
    }
    assert pools == {
        "programme_tables": WAREHOUSE_POOL,
        "raw_tables": WAREHOUSE_POOL,
        "indicator_models": WAREHOUSE_POOL,
        "impact_estimates": WAREHOUSE_POOL,
        "packages__received_packages_package_completeness_suite": WAREHOUSE_POOL,
        "packages__received_packages_package_volumes_suite": WAREHOUSE_POOL,
        "indicator_values_indicator_consistency_suite": WAREHOUSE_POOL,
        "indicator_values_indicator_values_suite": WAREHOUSE_POOL,
        "region_staleness_region_staleness_suite": WAREHOUSE_POOL,
        "published_warehouse": WAREHOUSE_POOL,
        "dbt_docs": WAREHOUSE_POOL,  # dbt reads the working warehouse for its catalog
        "dashboard_site": None,  # reads the published copy only
    }


def test_a_warehouse_step_waits_for_the_run_holding_the_pool(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        assert storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1  # dagster.yaml
        storage.claim_concurrency_slot(WAREHOUSE_POOL, "another-run", "its-dbt-step")

        results = []
        run = threading.Thread(
            target=lambda: results.append(
                definitions_for(paths)
                .resolve_job_def("refresh")
                .execute_in_process(
                    instance=instance,
                    asset_selection=[spec.key for spec in PROGRAMME_SPECS],
                    raise_on_error=False,
                )
            )
        )
        run.start()
        deadline = time.monotonic() + 600  # only a hang fails here
        while not storage.get_concurrency_info(WAREHOUSE_POOL).pending_run_ids:
            assert run.is_alive() and time.monotonic() < deadline, "the step never asked"
            time.sleep(0.5)
        assert not paths.warehouse.exists()  # it waits: nothing written

        storage.free_concurrency_slots_for_run("another-run")
        run.join(timeout=600)
    [result] = results
    assert result.success
    assert query(paths.warehouse, "SELECT region_code FROM raw.regions") == [("AT12",)]
