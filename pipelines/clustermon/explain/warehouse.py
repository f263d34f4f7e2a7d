"""The working warehouse as `explain` reads it: read-only, with its faults in words."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


class ExplainError(Exception):
    """A request `explain` cannot answer, in words for its user (no traceback)."""


@contextmanager
def working_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working warehouse opened read-only (it holds organisation ids; nothing is written)."""
    if not path.exists():
        raise ExplainError(f"no working warehouse at {path}: run `clustermon refresh` first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise ExplainError(
            f"the working warehouse {path} is busy (a run is writing it); try again after the "
            f"run ({error})"
        ) from error
    try:
        con.execute("SET enable_progress_bar = false")
        yield con
    except (duckdb.CatalogException, duckdb.BinderException) as error:
        raise ExplainError(
            f"the indicator models are not built in {path} (the last refresh stopped before "
            f"them, or it was made by an older release: run `clustermon refresh`): {error}"
        ) from error
    except duckdb.Error as error:
        raise ExplainError(f"the working warehouse {path} could not be read: {error}") from error
    finally:
        con.close()
