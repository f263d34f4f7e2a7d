"""A refresh stopped with SIGTERM ends cleanly; one killed (SIGKILL of its process group, as an
OOM kill or a reboot would) at four moments up to the warehouse's build (before and while it is
written, between the gate's package checks) leaves the complete old publication in force. After
either, the next `clustermon refresh` on the same home publishes the new data by itself, with no
hand repair of Dagster's storage, the lock or the warehouse. The later moments are in
test_ops_kill_publication.py."""

import signal
import time
from pathlib import Path

import psutil
import pytest

from clustermon.frontends.jobs import dagster_instance
from clustermon.home import Paths
from conftest import HANG_BOUND, cli_process, read_until, run_refresh
from killing import MOMENTS, in_force, killed_then_healed, with_new_data


@pytest.mark.parametrize("moment", MOMENTS[:4])
def test_a_refresh_killed_up_to_its_build_heals_on_the_next(
    old_publication: Paths, tmp_path: Path, moment: str
):
    killed_then_healed(old_publication, tmp_path, moment)


def test_a_refresh_stopped_with_sigterm_mid_build_ends_cleanly(
    old_publication: Paths, tmp_path: Path
):
    paths = with_new_data(old_publication, tmp_path)
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
