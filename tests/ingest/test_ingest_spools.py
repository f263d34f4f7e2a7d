"""Spools (a file's rows on their way into the warehouse) do not outlive their process: a
killed refresh leaves its spool behind, as large as the file it was reading, and the next
ingestion removes it, while a spool of a process still running stays."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from clustermon.ingest import ingest
from clustermon.ingest.readers import SPOOL_PREFIX
from conftest import FIXTURES, SKELETON_2024Q4, query


def _spool_of(pid: int, name: str) -> Path:
    spool = Path(tempfile.gettempdir()) / f"{SPOOL_PREFIX}{pid}-{name}.parquet"
    spool.write_bytes(b"PAR1 left behind")
    return spool


def test_ingestion_removes_the_spools_of_ended_processes_only(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    orphan = _spool_of(int(ended.stdout), "killed")
    in_use = _spool_of(running.pid, "validating")
    try:
        home = tmp_path / "home"
        inbox = tmp_path / "inbox"
        shutil.copytree(SKELETON_2024Q4, inbox / "AT12" / "2024Q4")
        result = ingest(
            home / "warehouse.duckdb", inbox, FIXTURES / "skeleton" / "programme", home / "archive"
        )
        assert [p.status for p in result.packages] == ["accepted"]
        clusters = (SKELETON_2024Q4 / "clusters.csv").read_text().splitlines()[1:]
        assert query(home / "warehouse.duckdb", "SELECT count(*) FROM raw.clusters") == [
            (len(clusters),)
        ]
        assert not orphan.exists()
        assert in_use.exists()
        # This process's own spools were discarded once their rows were loaded.
        assert not list(Path(tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}{os.getpid()}-*"))
    finally:
        running.kill()
        running.wait()
        orphan.unlink(missing_ok=True)
        in_use.unlink(missing_ok=True)
