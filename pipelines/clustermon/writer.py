"""The working warehouse's one writer: a run's steps, which wait for its readers.

A run holds the home's RefreshLock, so no other run writes the working warehouse. DuckDB also
refuses a writer while another process has the file open read-only, and some do, briefly:
the service's sensor and alerts (milliseconds), `clustermon explain` (a query). A step meeting
one waits, polling every RETRY_SECONDS, rather than failing the run; after WAIT_SECONDS it
raises DuckDB's own error, which names the process holding the file.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

WAIT_SECONDS = 60.0
RETRY_SECONDS = 0.25


def warehouse_writer(path: Path, wait_seconds: float = WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the DuckDB file at `path`, once no other process has it
    open (within `wait_seconds`). Errors other than another process's lock raise at once."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise
        time.sleep(RETRY_SECONDS)
