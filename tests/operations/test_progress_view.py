"""What `clustermon refresh` shows: a line per step as it starts and ends (with its seconds),
then a summary whose counts are the warehouse's; `--verbose` streams Dagster's and dbt's whole
log as well, which otherwise goes to the log file only."""

import re
import subprocess
from pathlib import Path

from clustermon.home import REPO_ROOT, Paths
from conftest import HANG_BOUND, cli_command, home_with_fixture, query

# The refresh job's steps (its assets and their gate checks), as test_ops_concurrency lists them.
STEPS = {
    "programme_tables",
    "raw_tables",
    "packages__received_packages_package_completeness_suite",
    "packages__received_packages_package_volumes_suite",
    "indicator_models",
    "impact_estimates",
    "indicator_values_indicator_consistency_suite",
    "indicator_values_indicator_values_suite",
    "region_staleness_region_staleness_suite",
    "published_warehouse",
    "dbt_docs",
    "dashboard_site",
}
BAD_CLUSTER = "C5,Bad Cluster,AT12,C,,not-a-date,,,,1.0\n"  # founded_on is no date


def refreshed(paths: Paths, *flags: str) -> list[str]:
    finished = subprocess.run(
        cli_command(paths, "refresh", *flags),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_BOUND,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return (finished.stdout + finished.stderr).splitlines()


def test_the_refresh_shows_its_steps_and_a_summary_equal_to_the_warehouse(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    with (paths.inbox / "AT12" / "2025Q1" / "clusters.csv").open("a") as clusters:
        clusters.write(BAD_CLUSTER)

    lines = refreshed(paths)
    started = [m[1] for line in lines if (m := re.fullmatch(r"  (\w+): started", line))]
    done = [m[1] for line in lines if (m := re.fullmatch(r"  (\w+): done \(\d+\.\d s\)", line))]
    assert set(started) == set(done) == STEPS
    assert started.index("raw_tables") < started.index("indicator_models")
    # Nothing of dbt's or Dagster's own log, no warning: steps (and alerts, indented alike),
    # the summary and where things are.
    shapes = re.compile(
        r"  \w+: .+|(Packages|Rows|Gate) {2,}.+|Run log: .+|Published .+|Validation report .+"
        r"|Alerts sent .+"
    )
    assert [line for line in lines if not shapes.fullmatch(line)] == []

    statuses = dict(
        query(paths.warehouse, "SELECT status, count(*) FROM raw.received_packages GROUP BY 1")
    )
    [(loaded, quarantined)] = query(
        paths.warehouse, "SELECT sum(rows_loaded), sum(rows_quarantined) FROM raw.received_files"
    )
    assert statuses == {"accepted": 2} and quarantined == 1  # the bad cluster, by hand
    assert (
        f"Packages  {statuses['accepted']} accepted, 0 unchanged, 0 rejected, 0 deferred, "
        "0 still arriving" in lines
    )
    assert f"Rows      {loaded:,} loaded, {quarantined:,} quarantined" in lines
    assert "Gate      passed" in lines
    [log_line] = [line for line in lines if line.startswith("Run log: ")]
    log = log_line.removeprefix("Run log: ")
    assert "Running with dbt=" in Path(log).read_text()

    # The same packages again, verbosely: dbt's and Dagster's log on the terminal as well.
    verbose = "\n".join(refreshed(paths, "--verbose"))
    assert "Running with dbt=" in verbose
    assert 'STEP_START - Started execution of step "indicator_models"' in verbose
    assert re.search(r"^Packages  0 accepted, \d unchanged, 0 rejected", verbose, re.MULTILINE)
