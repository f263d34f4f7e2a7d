"""What `clustermon refresh` shows: a line per step as it starts and ends (with its seconds),
ingestion's files read of the total (plain lines, or a bar on a terminal), then a summary whose
counts are the warehouse's; `--verbose` streams Dagster's and dbt's whole log as well, which
otherwise goes to the log file only."""

import os
import pty
import re
import select
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


def refreshed_on_a_terminal(paths: Paths, *flags: str) -> str:
    """What a refresh writes to a terminal (a pseudo-terminal here), as it wrote it."""
    terminal, its_end = pty.openpty()
    process = subprocess.Popen(
        cli_command(paths, "refresh", *flags),
        cwd=REPO_ROOT,
        stdin=its_end,
        stdout=its_end,
        stderr=its_end,
    )
    os.close(its_end)
    written = bytearray()
    while select.select([terminal], [], [], HANG_BOUND)[0]:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # EIO: the refresh, the terminal's last writer, has ended
            break
        if not chunk:
            break
        written += chunk
    os.close(terminal)
    assert process.wait(timeout=HANG_BOUND) == 0, written.decode(errors="replace")
    return written.decode()


def test_the_refresh_shows_its_steps_and_a_summary_equal_to_the_warehouse(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    with (paths.inbox / "AT12" / "2025Q1" / "clusters.csv").open("a") as clusters:
        clusters.write(BAD_CLUSTER)

    lines = refreshed(paths)
    # Ingestion's progress in plain lines (no terminal here): the first file and the last are
    # always shown, of the skeleton's 2 packages of 9 files each.
    read = [line for line in lines if line.endswith("files read (2 packages)")]
    assert read[0] == "  raw_tables: 1 of 18 files read (2 packages)"
    assert read[-1] == "  raw_tables: 18 of 18 files read (2 packages)"
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

    # 2025Q1 corrected (the bad cluster gone), refreshed verbosely on a terminal: ingestion's bar
    # redrawn in place up to the package's 9 files, and dbt's and Dagster's log as well.
    clusters = paths.inbox / "AT12" / "2025Q1" / "clusters.csv"
    clusters.write_text(clusters.read_text().replace(BAD_CLUSTER, ""))
    verbose = refreshed_on_a_terminal(paths, "--verbose")
    assert re.search(r"\r  raw_tables: files read \(1 package\): +100%\|.*\| 9/9 ", verbose)
    assert "Running with dbt=" in verbose
    assert 'STEP_START - Started execution of step "indicator_models"' in verbose
    # The run takes the changed package alone (operations/partitions.py: refresh_tags).
    assert re.search(r"^Packages  1 accepted, 0 unchanged, 0 rejected", verbose, re.MULTILINE)
