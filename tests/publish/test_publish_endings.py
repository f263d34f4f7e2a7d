"""The CLI's last lines say what a run published (warehouse, site, docs) and what it did not, and
why; the run's alerts land in alerts.jsonl."""

import json
import shutil

import duckdb

from clustermon.frontends.endings import ending
from clustermon.frontends.jobs import run_job
from clustermon.home import Paths
from conftest import copy_home, preserved_environment, query


def publish(paths: Paths) -> tuple:
    with preserved_environment():
        outcome = run_job(paths, "publish")
    return outcome, *ending(paths, outcome)


def alert_kinds(paths: Paths) -> list[str]:
    lines = (paths.home / "alerts.jsonl").read_text().splitlines()
    return [json.loads(line)["kind"] for line in lines]


def test_a_failed_site_step_after_the_warehouse_was_published_is_told_as_such(
    skeleton_home, tmp_path
):
    paths = copy_home(skeleton_home, tmp_path)
    before = query(paths.published_warehouse, "SELECT count(*) FROM indicator_values")
    # A file where the site's builds go: the site step fails, the warehouse step does not.
    paths.site.unlink()
    shutil.rmtree(paths.published / "site-builds")
    (paths.published / "site-builds").write_text("not a folder")
    previous = (paths.published / "current").readlink()

    outcome, out, err = publish(paths)

    assert not outcome.success and not outcome.complete
    assert outcome.published == {"published_warehouse", "dbt_docs"}
    assert (paths.published / "current").readlink() != previous  # a new publication
    assert query(paths.published_warehouse, "SELECT count(*) FROM indicator_values") == before
    # The publish job ingests nothing: the summary is the gate's verdict alone.
    assert out[0] == "Gate      passed"
    assert out[1] == f"Published warehouse  {paths.published_warehouse}"
    assert out[2] == f"Published docs       {paths.published / 'dbt-docs' / 'index.html'}"
    assert err[0].startswith("NOT published site   dashboard_site failed: ")
    assert "site-builds" in err[0] and err[0].endswith("; none in force yet")
    assert "nothing new was published" not in "\n".join(out + err)
    assert "run_failed" in alert_kinds(paths)
    assert outcome.alerts[0].startswith("run_failed: The publish run")


def test_a_blocked_gate_publishes_nothing_and_says_why(skeleton_home, tmp_path):
    paths = copy_home(skeleton_home, tmp_path)
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("UPDATE indicator_values SET value = -1 WHERE indicator_code = 'OUT01'")

    outcome, out, err = publish(paths)

    assert outcome.published == frozenset() and outcome.failing_checks
    assert [line.split()[2] for line in err[:3]] == ["warehouse", "site", "docs"]
    assert err[0].startswith("NOT published warehouse not run: the gate blocked it (")
    assert "indicator_values:indicator_values_suite" in err[0]
    assert err[0].endswith(f"; the one in force stays: {paths.published_warehouse}")
    assert err[1].endswith(f"; the one in force stays: {paths.site / 'index.html'}")
    assert out == [
        f"Gate      blocked: {'; '.join(outcome.failing_checks)}",
        f"Validation report    {paths.published / 'reports' / 'latest.html'}",
    ]
    assert "gate_failed" in alert_kinds(paths) and "run_failed" not in alert_kinds(paths)
