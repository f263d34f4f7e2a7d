"""One run at a time per home, and a crash that heals by itself.

Every step that opens the working warehouse requires the refresh lock, an OS file lock on
<home>/refresh.lock held from a run's start to its end. No clock decides an outcome here: the
tests wait for what Dagster reports (a run waiting, a step started) within generous bounds."""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

from dagster import DagsterEventType, DagsterRunStatus

from clustermon.definitions import defs
from clustermon.frontends.cli import BUSY_EXIT
from clustermon.frontends.jobs import dagster_instance
from clustermon.gate.validation_report import run_results
from clustermon.home import REPO_ROOT, Paths
from clustermon.ingest.assets import PROGRAMME_SPECS
from clustermon.resources import refresh_lock
from conftest import (
    FIXTURES,
    HANG_BOUND,
    OUT01_2025Q1,
    cli_command,
    cli_process,
    definitions_for,
    home_with_fixture,
    in_own_context,
    query,
    read_until,
    run_refresh,
)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + HANG_BOUND
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.5)


def test_every_step_that_opens_the_warehouse_holds_the_refresh_lock():
    refresh = in_own_context(defs.resolve_job_def, "refresh")
    holds = {
        node.name: "refresh_lock" in node.definition.required_resource_keys
        for node in refresh.graph.nodes
    }
    assert holds == {
        "programme_tables": True,
        "raw_tables": True,
        "indicator_models": True,
        "impact_estimates": True,
        "packages__received_packages_package_completeness_suite": True,
        "packages__received_packages_package_volumes_suite": True,
        "indicator_values_indicator_consistency_suite": True,
        "indicator_values_indicator_values_suite": True,
        "region_staleness_region_staleness_suite": True,
        "published_warehouse": True,
        "dbt_docs": True,  # dbt reads the working warehouse for its catalog
        "dashboard_site": False,  # reads the published copy only (the run holds the lock anyway)
    }


def test_a_run_waits_while_another_holds_the_home_and_runs_when_it_ends(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    other_refresh = refresh_lock(paths)
    other_refresh.acquire()
    results = []
    with dagster_instance(paths) as instance:
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

        def waiting() -> bool:
            return any(
                "Waiting for the refresh running on this home" in entry.user_message
                for record in instance.get_run_records()
                for entry in instance.all_logs(record.dagster_run.run_id)
            )

        wait_for(waiting, "the run says it waits")
        assert not paths.warehouse.exists()  # nothing written while the other holds the home
        other_refresh.release()
        run.join(timeout=HANG_BOUND)
    [result] = results
    assert result.success
    assert query(paths.warehouse, "SELECT region_code FROM raw.regions") == [("AT12",)]


def test_a_refresh_killed_mid_build_heals_on_the_next_run(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    killed = cli_process(paths, "refresh")
    # Killed while dbt builds: the warehouse open for writing, the run "started".
    wait_for(lambda: (paths.dbt_target / "dbt.log").exists(), "dbt started")
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=HANG_BOUND)

    assert run_refresh(paths)  # by itself: no hand repair of storage, lock or warehouse

    assert query(paths.published_warehouse, OUT01_2025Q1) == [(2.0,)]
    with dagster_instance(paths) as instance:
        runs = {
            record.dagster_run.run_id: record.dagster_run.status
            for record in instance.get_run_records()
        }
        [dead] = [run_id for run_id, status in runs.items() if status == DagsterRunStatus.FAILURE]
        assert sorted(status.value for status in runs.values()) == ["FAILURE", "SUCCESS"]
        [failure] = instance.all_logs(dead, of_type=DagsterEventType.RUN_FAILURE)
        assert failure.dagster_event.message.startswith(
            f"Marked failed by clustermon: its process (pid {killed.pid}) is gone"
        )


def test_a_pool_slot_a_killed_run_left_claimed_is_freed(tmp_path):
    """A home wedged by a version that still used a concurrency pool heals on its next run."""
    paths = home_with_fixture(tmp_path, "skeleton")
    with dagster_instance(paths) as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots("duckdb_warehouse", 1)
        storage.claim_concurrency_slot("duckdb_warehouse", "a-run-killed-long-ago", "raw_tables")
        assert len(storage.get_concurrency_info("duckdb_warehouse").claimed_slots) == 1

    assert run_refresh(paths)

    with dagster_instance(paths) as instance:
        info = instance.event_log_storage.get_concurrency_info("duckdb_warehouse")
        assert info.claimed_slots == []


def test_a_refresh_started_between_anothers_gate_and_publication_waits_for_it(tmp_path):
    """Two refreshes of different inboxes on one home. The first is frozen (SIGSTOP) right
    after its gate, as its publication starts: the second, started then, says whom it waits
    for and does nothing until the first has published; each publication holds its own run's
    tables under its own run's check results."""
    first = home_with_fixture(tmp_path, "skeleton")
    shutil.rmtree(first.inbox / "AT12" / "2025Q1")  # the first inbox: 2024Q4 alone
    second = Paths(first.home, tmp_path / "second-inbox", first.programme)
    shutil.copytree(FIXTURES / "skeleton" / "inbox", second.inbox)  # 2024Q4 and 2025Q1

    running = cli_process(first, "refresh")
    read_until(running, lambda line: line == "published_warehouse: started")
    os.killpg(running.pid, signal.SIGSTOP)
    try:
        refused = subprocess.run(
            cli_command(second, "refresh", "--no-wait"),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=HANG_BOUND,
        )
        assert refused.returncode == BUSY_EXIT
        holder = re.fullmatch(
            r"Refused: a refresh is running on this home: run (\S+) \(pid (\d+), since .+ UTC\)\n",
            refused.stderr,
        )
        assert holder and int(holder[2]) == running.pid
        first_run = holder[1]

        waiting = cli_process(second, "refresh")
        line = read_until(waiting, lambda line: line.startswith("Waiting"))
        assert line.startswith(f"Waiting for the refresh running on this home: run {first_run}")
    finally:
        os.killpg(running.pid, signal.SIGCONT)
    for process in (running, waiting):
        process.communicate(timeout=HANG_BOUND)
        assert process.returncode == 0

    with dagster_instance(first) as instance:
        runs = [record.dagster_run.run_id for record in instance.get_run_records()]
    second_run = next(run_id for run_id in runs if run_id != first_run)
    versions = sorted((first.published / "versions").iterdir())
    published = {}
    for version in versions:
        manifest = json.loads((version / "manifest.json").read_text())
        checks = run_results(first.published, manifest["run_id"])
        assert manifest["checks"] == checks
        assert not [
            outcome
            for suite in checks
            for outcome in suite["outcomes"]
            if outcome["severity"] == "error" and not outcome["success"]
        ]
        quarters = query(
            version / "monitoring.duckdb", "SELECT DISTINCT quarter FROM indicator_values"
        )
        published[manifest["run_id"]] = (
            sorted(p["quarter"] for p in manifest["packages"]),
            sorted(quarter for (quarter,) in quarters),
        )
    assert published == {
        first_run: (["2024Q4"], ["2024Q4"]),
        second_run: (["2024Q4", "2025Q1"], ["2024Q4", "2025Q1"]),
    }
    assert query(first.published_warehouse, OUT01_2025Q1) == [(2.0,)]
