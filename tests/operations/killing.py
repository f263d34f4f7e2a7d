"""A refresh killed (SIGKILL of its process group, as an OOM kill or a reboot would) at a given
moment, then the next `clustermon refresh` on the same home: what the kill tests share (their
old home is conftest's `old_publication`). Their moments are split over two modules so that
two of `make test`'s workers take half each."""

import os
import shutil
import signal
from pathlib import Path

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
    query,
    read_until,
    run_refresh,
)

# The start of these steps, in the order a refresh runs them: before and while the warehouse is
# written, between the gate's checks, during publication, and after it (site, docs). The first
# four are test_ops_kill.py's, the others test_ops_kill_publication.py's.
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


def with_new_data(old: Paths, root: Path) -> Paths:
    """A private copy of the old home whose inbox has 2025Q1 arriving."""
    paths = copy_home(old, root)
    paths = Paths(paths.home, root / "inbox", paths.programme)
    shutil.copytree(FIXTURES / "skeleton" / "inbox", paths.inbox)
    return paths


def in_force(paths: Paths) -> str:
    """'old' or 'new', once the publication in force is checked whole: every file as its
    manifest says, the site in force readable."""
    publication = load_publication(paths.published, current_id(paths.published))
    assert verify(publication) == []
    assert (paths.site / "index.html").is_file()
    return {(): "old", ((2.0,),): "new"}[tuple(query(paths.published_warehouse, OUT01_2025Q1))]


def killed_then_healed(old: Paths, root: Path, moment: str) -> None:
    """Kill a refresh bringing new data as step `moment` starts: what is published is the
    complete old publication or the complete new one, and the next refresh publishes the new
    one by itself."""
    paths = with_new_data(old, root)
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
