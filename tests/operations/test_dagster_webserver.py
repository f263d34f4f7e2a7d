"""`make dev` starts the Dagster UI: a real `dagster dev` on a free port, asked over GraphQL.

The home is the skeleton fixture's, refreshed once by the CLI, so the UI must also show the
CLI's run: history kept under <home>/dagster is what `make dev` reads.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from clustermon.home import REPO_ROOT
from conftest import copy_home, free_port

VENV = Path(sys.executable).parent.parent

QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
  assetNodes {
    assetKey { path }
    groupName
    isPartitioned
    description
    owners { ... on TeamAssetOwner { team } }
  }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        jobs { name }
        sensors { name sensorState { status } }
        schedules { name scheduleState { status } }
      }
    }
  }
  runsOrError { ... on Runs { results { jobName status } } }
}
"""


def ask(port: int) -> dict | None:
    """The GraphQL answer once the code location has loaded, None while it is still loading."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data = json.load(response)["data"]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
    entries = data["workspaceOrError"].get("locationEntries") or []
    loaded = [e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]]
    for location in loaded:
        assert location["__typename"] == "RepositoryLocation", location.get("message")
    return data if loaded else None


@pytest.fixture
def dagster_dev(skeleton_home, tmp_path):
    port = free_port()
    log = tmp_path / "dagster-dev.log"
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("CLUSTERMON_", "DAGSTER_"))
    }
    with log.open("w") as output:
        # Its own session, so the webserver, daemon and code server stop with it.
        process = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                # The venv running these tests, taken as installed (never reinstalled here).
                f"VENV={VENV}",
                "-o",
                f"{VENV}/bin/clustermon",
                "dev",
                f"DEV_HOME={copy_home(skeleton_home, tmp_path).home}",
                f"DEV_PORT={port}",
            ],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield port, process, log
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_ui(port: int, process: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + 600  # a loaded 2-core machine; the test never passes on time
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make dev exited:\n{log.read_text()[-3000:]}"
        data = ask(port)
        if data:
            return data
        time.sleep(2)
    pytest.fail(f"the UI did not answer:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_make_dev_serves_the_asset_graph_with_history(dagster_dev):
    data = wait_for_ui(*dagster_dev)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}

    groups = {key: node["groupName"] for key, node in nodes.items()}
    assert groups["packages/memberships"] == "ingest"
    assert groups["programme/regions"] == "ingest"
    assert groups["staging/stg_packages__memberships"] == "models"
    assert groups["indicator_values"] == "models"
    assert groups["published_warehouse"] == "publish"
    assert groups["dashboard_site"] == "dashboards"
    assert {"ingest", "models", "publish", "dashboards"} == set(groups.values()) - {None}

    # Receipts are partitioned by package; the other tables are not (see ingest/assets.py).
    assert nodes["packages/received_packages"]["isPartitioned"] is True
    assert nodes["packages/memberships"]["isPartitioned"] is False
    assert nodes["programme/regions"]["isPartitioned"] is False
    assert {"team": "data-engineering"} in nodes["packages/memberships"]["owners"]
    assert all(node["description"] for node in nodes.values())

    [repository] = data["repositoriesOrError"]["nodes"]
    assert {"refresh", "publish"} <= {job["name"] for job in repository["jobs"]}
    assert {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]} == {
        "inbox_sensor": "RUNNING",
        "failure_alerts": "RUNNING",
        "findings_alerts": "RUNNING",
    }
    assert {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]} == {
        "quarterly_refresh": "RUNNING"
    }
    # The CLI's refresh of this home, from before the UI started.
    assert {"jobName": "refresh", "status": "SUCCESS"} in data["runsOrError"]["results"]
