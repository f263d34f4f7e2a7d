"""A refresh stopped with SIGTERM ends cleanly; one killed (SIGKILL of its process group, as an
OOM kill or a reboot would) at eight moments spread over its run leaves what is published the
complete old publication or the complete new one. After either, the next `clustermon refresh`
on the same home publishes the new data by itself, with no hand repair of Dagster's storage,
the lock or the warehouse."""

import os
import shutil
import signal
import time
from pathlib import Path

import psutil
import pytest
from dagster import DagsterRunStatus

from clustermon.frontends.jobs import dagster_instance
from clustermon.home import Paths
from clustermon.publish.publication import current_id, load_publication, verify
from conftest import (
    FIXTURES,
    HANG_BOUND,
    OUT01_2025Q1,
    cli_process,
    copy_home,
    home_with_fixture,
    query,
    read_until,
    run_refresh,
)

# The start of these steps, in the order a refresh runs them: before and while the warehouse is
# written, between the gate's checks, during publication, and after it (site, docs).
MOMENTS = (
    "programme_tables",
    "raw_tables",
    "packages__received_packages_package_volumes_suite",
    "indicator_models",
    "impact_estimates",
    "indicator_values_indicator_values_suite",
    "published_warehouse",
    "dashboard_site",
)


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A home that published the skeleton's 2024Q4 alone; its 2025Q1 is the new data."""
    paths = home_with_fixture(tmp_path_factory.mktemp("old"), "skeleton")
    shutil.rmtree(paths.inbox / "AT12" / "2025Q1")
    assert run_refresh(paths)
    assert query(paths.published_warehouse, OUT01_2025Q1) == []
    return paths


def in_force(paths: Paths) -> str:
    """'old' or 'new', once the publication in force is checked whole: every file as its
    manifest says, the site in force readable."""
    publication = load_publication(paths.published, current_id(paths.published))
    assert verify(publication) == []
    assert (paths.site / "index.html").is_file()
    return {(): "old", ((2.0,),): "new"}[tuple(query(paths.published_warehouse, OUT01_2025Q1))]


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_refresh_killed_at_any_moment_heals_on_the_next(old: Paths, tmp_path: Path, moment):
    paths = copy_home(old, tmp_path)
    paths = Paths(paths.home, tmp_path / "inbox", paths.programme)
    shutil.copytree(FIXTURES / "skeleton" / "inbox", paths.inbox)  # 2025Q1 arrives

    killed = cli_process(paths, "refresh")
    read_until(killed, lambda line: line == f"{moment}: started")
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=HANG_BOUND)

    # Killed before publication the old one is in force; after its switch, the new one.
    possible = {"published_warehouse": {"old", "new"}, "dashboard_site": {"new"}}
    assert in_force(paths) in possible.get(moment, {"old"})

    assert run_refresh(paths)
    assert in_force(paths) == "new"
    with dagster_instance(paths) as instance:
        statuses = [record.dagster_run.status for record in instance.get_run_records()]
    # The old home's run, the killed one (marked failed by the next), the one that healed.
    assert sorted(status.value for status in statuses) == ["FAILURE", "SUCCESS", "SUCCESS"]
    assert DagsterRunStatus.STARTED not in statuses


def test_a_refresh_stopped_with_sigterm_mid_build_ends_cleanly(old: Paths, tmp_path: Path):
    paths = copy_home(old, tmp_path)
    paths = Paths(paths.home, tmp_path / "inbox", paths.programme)
    shutil.copytree(FIXTURES / "skeleton" / "inbox", paths.inbox)

    stopped = cli_process(paths, "refresh")
    read_until(stopped, lambda line: line == "indicator_models: started")
    while not any(child.name() == "dbt" for child in psutil.Process(stopped.pid).children(True)):
        time.sleep(0.2)
    children = psutil.Process(stopped.pid).children(recursive=True)
    stopped.send_signal(signal.SIGTERM)  # to the CLI alone, as systemd or `kill` would
    out, _ = stopped.communicate(timeout=HANG_BOUND)

    assert stopped.returncode == 1
    assert "indicator_models: FAILED: interrupted (SIGTERM, Ctrl-C or a stop from the UI)" in out
    assert "NOT published warehouse" in out
    _, alive = psutil.wait_procs(children, timeout=HANG_BOUND)
    assert alive == []  # dbt and Dagster's helpers end with it
    assert in_force(paths) == "old"
    with dagster_instance(paths) as instance:
        statuses = sorted(r.dagster_run.status.value for r in instance.get_run_records())
    assert statuses == ["FAILURE", "SUCCESS"]  # recorded as ended, nothing left "started"

    assert run_refresh(paths)
    assert in_force(paths) == "new"
