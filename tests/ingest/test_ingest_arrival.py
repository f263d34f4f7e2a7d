"""Settled uploads (submission format 1.1, "Delivery"): a package folder is taken only once none
of its files changed for `settle_seconds`, and only with its `_READY` marker where the programme
requires one. Ingestion, the sensor and the CLI apply the same rule; real files written by a
real background process, no clock is faked."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, build_sensor_context

from clustermon.frontends.cli import main
from clustermon.home import Paths
from clustermon.ingest import ingest
from clustermon.ingest.inbox import arrival_rule, scan_inbox
from clustermon.operations.sensors import inbox_sensor
from clustermon.resources import ClustermonHome
from clustermon.settings import SETTLE_ENV
from conftest import home_with_fixture, query

SETTLE_SECONDS = 2
ARRIVING = "AT12|2025Q1"
# Written a byte block at a time, a pause between, for longer than the settle time.
SLOW_WRITER = """
import sys, time
source, target = open(sys.argv[1], "rb").read(), open(sys.argv[2], "wb")
for start in range(0, len(source), 16):
    target.write(source[start:start + 16]); target.flush(); time.sleep(0.25)
target.close()
"""


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """The skeleton's two AT12 packages, 2024Q4 delivered an hour ago, under the rule itself
    (the suite's default takes every folder at once)."""
    del os.environ[SETTLE_ENV]
    paths = home_with_fixture(tmp_path, "skeleton")
    delivered = paths.inbox / "AT12" / "2024Q4"
    an_hour_ago = time.time() - 3600
    for entry in [*delivered.iterdir(), delivered]:
        os.utime(entry, (an_hour_ago, an_hour_ago))
    return paths


def settings(paths: Paths, text: str) -> None:
    (paths.programme / "settings.toml").write_text(text)


def scanned(paths: Paths) -> tuple[set[str], list[str]]:
    scan = scan_inbox(paths.inbox, arrival_rule(paths.programme))
    return set(scan.packages), scan.arriving


def received(paths: Paths) -> dict[str, str]:
    rows = query(paths.warehouse, "SELECT region_code, quarter, status FROM raw.received_packages")
    return {f"{region}|{quarter}": status for region, quarter, status in rows}


def test_a_package_being_written_is_taken_only_once_settled(paths):
    settings(paths, f"settle_seconds = {SETTLE_SECONDS}\n")
    clusters = paths.inbox / "AT12" / "2025Q1" / "clusters.csv"
    source = paths.inbox.parent / "clusters.csv"
    clusters.rename(source)
    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, source, clusters])
    instance_home = paths.home / "dagster"
    instance_home.mkdir(parents=True)
    with DagsterInstance.local_temp(str(instance_home)) as instance:
        context = build_sensor_context(
            instance=instance, resources={"home": ClustermonHome.for_paths(paths)}
        )
        looks = 0
        while writer.poll() is None:
            taken, arriving = scanned(paths)
            assert taken == {"AT12|2024Q4"}
            assert arriving[0].startswith("region AT12, quarter 2025Q1: still arriving")
            looks += 1
            time.sleep(0.2)
        assert writer.returncode == 0 and looks >= 10  # the write took 4.5 s or more

        # Mid-upload a refresh's ingestion loads the settled package alone.
        ingested = ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
        assert [(p.region_code, p.quarter) for p in ingested.packages] == [("AT12", "2024Q4")]
        assert list(ingested.arriving) == [("AT12", "2025Q1")]
        assert received(paths) == {"AT12|2024Q4": "accepted"}

        # The sensor does not put it in its cursor, so a later tick still sees it as new.
        first = inbox_sensor(context)
        assert ARRIVING not in first.cursor

        time.sleep(SETTLE_SECONDS + 0.5)
        assert scanned(paths) == ({"AT12|2024Q4", ARRIVING}, [])
        context.update_cursor(first.cursor)
        later = inbox_sensor(context)
        [request] = later.run_requests
        assert request.partition_key == ARRIVING

    ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
    assert received(paths) == {"AT12|2024Q4": "accepted", ARRIVING: "accepted"}
    # All of the file arrived: the fixture's four clusters (five lines with the header).
    [(clusters_loaded,)] = query(
        paths.warehouse, "SELECT count(*) FROM raw.clusters WHERE quarter = '2025Q1'"
    )
    assert clusters_loaded == 4


def test_where_required_a_package_waits_for_its_ready_marker(paths):
    settings(paths, "settle_seconds = 0\nrequire_ready_marker = true\n")
    assert scanned(paths) == (
        set(),
        [
            "region AT12, quarter 2024Q4: waiting for its _READY marker (the programme requires "
            "one)",
            "region AT12, quarter 2025Q1: waiting for its _READY marker (the programme requires "
            "one)",
        ],
    )
    (paths.inbox / "AT12" / "2025Q1" / "_READY").touch()
    ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
    assert received(paths) == {ARRIVING: "accepted"}
    # The marker is no table: not reported as a file, not archived.
    files = query(paths.warehouse, "SELECT file_name FROM raw.received_files")
    assert files and all(name != "_READY" for (name,) in files)
    assert not list(paths.archive.rglob("*_READY*"))


def test_two_folders_for_one_quarter_wait_for_each_other(paths):
    """Two folders for one quarter reject both, so both are judged once both have arrived: a
    settled one is not rejected while its twin is still being written (the twin, alone once
    settled, would otherwise be taken), and a message names each folder still arriving."""
    settings(paths, "settle_seconds = 600\n")
    settled, twin = paths.inbox / "AT12" / "2024Q4", paths.inbox / "AT12" / "2024q4"
    shutil.copytree(settled, twin)
    os.utime(twin / "clusters.csv")  # still being copied: a file changed just now
    taken, [message] = scanned(paths)
    assert taken == {ARRIVING}  # the fixture's 2025Q1, settled long ago
    assert message.startswith("region AT12, quarter 2024Q4: still arriving (a file changed")
    assert message.endswith("(folder 2024q4)")
    ingested = ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
    assert [(p.quarter, p.status) for p in ingested.packages] == [("2025Q1", "accepted")]
    assert list(ingested.arriving) == [("AT12", "2024Q4")]

    an_hour_ago = time.time() - 3600
    for entry in [*twin.iterdir(), twin]:
        os.utime(entry, (an_hour_ago, an_hour_ago))
    ingested = ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
    assert ingested.arriving == {}
    assert received(paths) == {"AT12|2024Q4": "rejected", ARRIVING: "accepted"}
    assert [p.status for p in ingested.packages if p.quarter == "2024Q4"] == ["rejected"] * 2


def test_the_cli_says_what_it_skipped_and_takes_it_with_now(paths, capsys):
    settings(paths, "settle_seconds = 3600\n")
    (paths.inbox / "AT12" / "2025Q1" / "clusters.csv").touch()  # resent just now
    folders = ["--home", paths.home, "--inbox", paths.inbox, "--programme", paths.programme]
    folders = [str(value) for value in folders]
    assert main(["refresh", *folders]) == 0
    out = capsys.readouterr().out
    [skipped] = [line for line in out.splitlines() if line.startswith("Skipped")]
    assert skipped.startswith("Skipped, region AT12, quarter 2025Q1: still arriving")
    assert skipped.endswith("taken once none has changed for 3600 s)")
    assert query(paths.published_warehouse, "SELECT DISTINCT quarter FROM indicator_values") == [
        ("2024Q4",)
    ]

    assert main(["refresh", "--now", *folders]) == 0
    assert "Skipped" not in capsys.readouterr().out
    quarters = query(
        paths.published_warehouse, "SELECT DISTINCT quarter FROM indicator_values ORDER BY 1"
    )
    assert quarters == [("2024Q4",), ("2025Q1",)]
