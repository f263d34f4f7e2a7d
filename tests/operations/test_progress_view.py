"""What `clustermon refresh` shows: a line per step as it starts and ends (with its seconds),
ingestion's files read of the total (plain lines, or a bar on a terminal), then a summary whose
counts are the warehouse's; `--verbose` streams Dagster's and dbt's whole log as well, which
otherwise goes to the log file only."""

import io
import logging
import os
import pty
import re
import select
import subprocess
from pathlib import Path
from types import SimpleNamespace

from dagster import DagsterEventType

from clustermon.home import REPO_ROOT, Paths
from clustermon.operations.progress import PROGRESS, _Screen, _StepLines
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
    try:
        while select.select([terminal], [], [], HANG_BOUND)[0]:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO: the refresh, the terminal's last writer, has ended
                break
            if not chunk:
                break
            written += chunk
        assert process.wait(timeout=HANG_BOUND) == 0, written.decode(errors="replace")
    finally:
        process.kill()  # when it hangs or fails: no refresh left behind
        process.wait()
        os.close(terminal)
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

    # 2025Q1 corrected (the bad cluster gone), refreshed verbosely on a terminal: dbt's and
    # Dagster's log as well, and ingestion's progress in plain lines (Dagster's lines would
    # break a bar), up to the package's 9 files (the bar itself: test_the_progress_bar_...).
    clusters = paths.inbox / "AT12" / "2025Q1" / "clusters.csv"
    clusters.write_text(clusters.read_text().replace(BAD_CLUSTER, ""))
    verbose = refreshed_on_a_terminal(paths, "--verbose")
    assert "\r\n  raw_tables: 9 of 9 files read (1 package)\r\n" in verbose
    assert "\r  raw_tables: files read" not in verbose
    assert "Running with dbt=" in verbose
    assert 'STEP_START - Started execution of step "indicator_models"' in verbose
    # The run takes the changed package alone (operations/partitions.py: refresh_tags).
    assert re.search(r"^Packages  1 accepted, 0 unchanged, 0 rejected", verbose, re.MULTILINE)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Unplugged(_Terminal):
    def write(self, text: str) -> int:
        raise OSError(5, "Input/output error")


def _progress(done: int, total: int, at: float) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {
            "levelno": logging.INFO,
            PROGRESS: (done, total, "files read"),
            "dagster_meta": {"step_key": "raw_tables"},
        }
    )
    record.created = at
    return record


def _step_done(at: float) -> logging.LogRecord:
    event = SimpleNamespace(event_type=DagsterEventType.STEP_SUCCESS, step_key="raw_tables")
    record = logging.makeLogRecord({"levelno": logging.INFO, "dagster_event": event})
    record.created = at
    return record


def _screen(stream: io.StringIO, bar: bool) -> logging.Logger:
    lines = logging.getLogger(f"test-progress-{id(stream)}")
    lines.propagate = False
    handler = _Screen(stream, bar=bar)
    handler.setFormatter(_StepLines())
    lines.addHandler(handler)
    return lines


def test_the_progress_bar_is_redrawn_in_place_and_gives_way_to_the_next_line():
    terminal = _Terminal()
    screen = _screen(terminal, bar=True)
    for done, at in ((1, 100.0), (2, 101.0), (4, 104.0)):
        screen.handle(_progress(done, 4, at))
    screen.handle(_step_done(105.0))
    frames = terminal.getvalue().split("\r")
    assert frames[0] == "" and "\n" not in "".join(frames[1:-1])
    assert [re.search(r"\| (\d)/4 ", frame)[1] for frame in frames[1:4]] == ["1", "2", "4"]
    assert frames[3].startswith("  raw_tables: files read: 100%|")
    assert frames[-1] == "\x1b[K  raw_tables: done\n"  # the bar erased by the step's line


def test_plain_progress_lines_are_the_first_the_last_and_one_every_five_seconds():
    out = _Terminal()
    screen = _screen(out, bar=False)
    for done, at in ((1, 0.0), (2, 1.0), (3, 4.9), (4, 5.0), (5, 6.0), (6, 10.5), (7, 11.0)):
        screen.handle(_progress(done, 7, at))
    shown = [int(line.split()[1]) for line in out.getvalue().splitlines()]
    assert shown == [1, 4, 6, 7]


def test_an_unplugged_terminal_does_not_fail_the_step_that_reports(capsys):
    screen = _screen(_Unplugged(), bar=True)
    screen.handle(_progress(1, 2, 0.0))  # logging reports the error on stderr, raises nothing
    assert "OSError" in capsys.readouterr().err
