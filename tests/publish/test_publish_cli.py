"""End to end on the skeleton fixture: an evaluator's read-only connection keeps answering during
a real refresh and sees the new publication on the next open; `clustermon publications` lists
the publications and `clustermon rollback` puts an earlier one back, site included."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from site_pages import tables

from clustermon.home import Paths
from clustermon.publish.publication import current_id, load_publication
from conftest import copy_home, query, run_refresh

OUT01_2025Q1 = (
    "SELECT value FROM indicator_values "
    "WHERE indicator_code = 'OUT01' AND quarter = '2025Q1' AND breakdown = 'total'"
)

# Holds the published file open read-only and queries it until told to stop, then opens it anew.
READER = textwrap.dedent(
    f"""
    import json, sys, time
    from pathlib import Path
    import duckdb

    database, stop = sys.argv[1], Path(sys.argv[2])
    held = duckdb.connect(database, read_only=True)
    answers, errors = [], []
    print("ready", flush=True)
    while not stop.exists():
        try:
            answers.append(held.execute({OUT01_2025Q1!r}).fetchone()[0])
        except Exception as error:
            errors.append(str(error))
        time.sleep(0.05)
    held.close()
    with duckdb.connect(database, read_only=True) as reopened:
        after = reopened.execute({OUT01_2025Q1!r}).fetchone()[0]
    print(json.dumps({{"answers": answers, "errors": errors, "after": after}}), flush=True)
    """
)


def _site_out01(paths: Paths) -> str:
    """AT12's OUT01 in its latest quarter, as the dashboard's headline table shows it."""
    latest = tables((paths.site / "regions" / "AT12.html").read_text())[
        "Latest value of each indicator and where it sits among all regions"
    ]
    [value] = [row[3] for row in latest if row[0] == "OUT01"]
    return value


def clustermon(paths: Paths, *arguments: str) -> subprocess.CompletedProcess:
    """The real command line, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "clustermon.frontends.cli", *arguments, "--home", str(paths.home),
         "--inbox", str(paths.inbox), "--programme", str(paths.programme)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip


def test_reader_keeps_answering_during_refresh_then_rollback(
    skeleton_home: Paths, tmp_path: Path
) -> None:
    paths = copy_home(skeleton_home, tmp_path)
    first = current_id(paths.published)
    assert query(paths.published_warehouse, OUT01_2025Q1) == [(2.0,)]
    # The region re-sends 2025Q1 with a cluster founded on 2025-01-15: OUT01 becomes 3.
    shutil.copytree(skeleton_home.inbox, tmp_path / "inbox")
    with (tmp_path / "inbox" / "AT12" / "2025Q1" / "clusters.csv").open("a") as stream:
        stream.write("C5,New Cluster,AT121,C,,2025-01-15,,,,1.0\n")
    paths = Paths(paths.home, tmp_path / "inbox", paths.programme)

    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(paths.published_warehouse), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "ready"
        assert run_refresh(paths) is True  # the writer is not blocked by the reader
    finally:
        stop.touch()
    seen = json.loads(reader.stdout.readline())
    reader.wait(timeout=60)
    reader.stdout.close()

    assert seen["errors"] == []
    assert len(seen["answers"]) > 1 and set(seen["answers"]) == {2.0}  # its version, throughout
    assert seen["after"] == 3.0  # the next open sees the new publication
    assert _site_out01(paths) == "3"
    second = current_id(paths.published)
    assert second != first
    # The briefs belong to the publication they were built from, and follow it.
    assert f"publication {second} of" in (paths.briefs / "AT12.html").read_text()

    listing = clustermon(paths, "publications")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    rows = [line.split() for line in lines[1:-1]]
    # Newest first, * on the one in force; each rests on two packages: AT12's 2025Q1 in use,
    # and 2024Q4, against which the revisions are computed.
    assert [row[:2] for row in rows] == [["*", second], [first, rows[1][1]]]
    assert [row[-4] for row in rows] == ["2", "2"]
    assert lines[-1] == f"* = in force at {paths.published_warehouse}"

    rolled = clustermon(paths, "rollback", first)

    assert rolled.returncode == 0, rolled.stderr
    assert f"Publication {first} " in rolled.stdout
    assert current_id(paths.published) == first
    restored = load_publication(paths.published, first)
    digest = hashlib.sha256(paths.published_warehouse.read_bytes()).hexdigest()
    assert digest == restored.manifest["files"]["monitoring.duckdb"]
    assert query(paths.published_warehouse, OUT01_2025Q1) == [(2.0,)]
    # The site is rebuilt from the restored publication: OUT01, its first headline, is 2 again.
    assert _site_out01(paths) == "2"
    assert f"publication {first} of" in (paths.briefs / "AT12.html").read_text()
    assert f"Published briefs     {paths.briefs} (1 region, PDF and HTML)" in rolled.stdout
    listing = clustermon(paths, "publications").stdout.splitlines()
    assert listing[1].split()[0] == second and listing[2].split()[:2] == ["*", first]

    refused = clustermon(paths, "rollback", "19990101T000000Z")
    assert refused.returncode == 1
    assert "no complete publication '19990101T000000Z'" in refused.stderr
    assert current_id(paths.published) == first
