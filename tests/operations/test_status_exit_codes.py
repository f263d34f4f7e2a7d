"""`clustermon status --json` and its exit codes, as a cron job runs it: 0 all well, 1 the last
run or a check of it failed, 2 a region stale (a failure outranks staleness)."""

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import duckdb

from clustermon.contract import last_ended_quarter
from clustermon.home import Paths
from conftest import FIXTURES, copy_home, home_with_fixture, run_refresh


def status(paths: Paths) -> tuple[int, dict]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERMON_")}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "clustermon.frontends.cli", "status", "--json"),
            *("--home", str(paths.home), "--inbox", str(paths.inbox)),
            *("--programme", str(paths.programme)),
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    return done.returncode, json.loads(done.stdout)


def test_all_well_when_every_region_sent_the_last_ended_quarter(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    shutil.rmtree(paths.inbox / "AT12")
    quarter = last_ended_quarter(datetime.now(UTC).date())
    skeleton_2025q1 = FIXTURES / "skeleton" / "inbox" / "AT12" / "2025Q1"
    shutil.copytree(skeleton_2025q1, paths.inbox / "AT12" / quarter)
    assert run_refresh(paths)

    code, document = status(paths)
    assert (code, document["exit_code"]) == (0, 0)
    assert document["stale_regions"] == {} and document["as_of_quarter"] == quarter
    assert document["last_refresh"]["status"] == "SUCCESS"
    assert document["failing_checks"] == []
    assert document["publication"]["rows"]["indicator_values"] > 0


def test_stale_then_failed_which_outranks_stale(skeleton_home, tmp_path):
    paths = copy_home(skeleton_home, tmp_path)
    code, document = status(paths)
    # The skeleton's newest package is 2025Q1; every quarter since has ended.
    assert (code, document["exit_code"]) == (2, 2)
    assert document["stale_regions"] == {"AT12": "2025Q1"}
    assert document["last_refresh"]["status"] == "SUCCESS"

    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("UPDATE indicator_values SET value = -1 WHERE indicator_code = 'OUT01'")
    assert run_refresh(paths, "publish") is False
    code, document = status(paths)
    assert (code, document["exit_code"]) == (1, 1)
    assert document["checks_run"]["job"] == "publish"
    assert document["checks_run"]["status"] == "FAILURE"
    assert [c.split(" — ")[0] for c in document["failing_checks"]] == [
        "indicator_values:indicator_values_suite"
    ]
    assert document["stale_regions"] == {"AT12": "2025Q1"}  # still stale, but 1 comes first
