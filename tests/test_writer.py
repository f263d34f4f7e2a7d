"""The working warehouse's writer waits for a reader in another process (writer.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from clustermon import writer
from clustermon.writer import warehouse_writer

READER = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""


@contextmanager
def reader(database: Path, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process with `database` open read-only for `seconds`, once it says so."""
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(database), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "open"
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE runs AS SELECT 1 AS run")
    return path


def test_the_writer_waits_for_a_reader_to_close_then_writes(database: Path) -> None:
    with reader(database, 1.5) as other, warehouse_writer(database, wait_seconds=60) as con:
        assert other.wait(timeout=10) == 0  # the reader ended by itself, then the writer got in
        con.execute("INSERT INTO runs VALUES (2)")
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT list(run ORDER BY run) FROM runs").fetchone() == ([1, 2],)


def test_a_reader_that_stays_is_named_after_the_wait(database: Path) -> None:
    with reader(database, 60) as other:
        with pytest.raises(duckdb.IOException, match=rf"lock.*PID {other.pid}"):
            warehouse_writer(database, wait_seconds=1)
        assert other.poll() is None


def test_other_errors_are_raised_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_wait(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for an error that is not a lock")

    monkeypatch.setattr(writer.time, "sleep", no_wait)
    with pytest.raises(duckdb.IOException, match="No such file or directory"):
        warehouse_writer(tmp_path / "no-such-folder" / "warehouse.duckdb")
