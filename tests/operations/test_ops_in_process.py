"""Runs in one process (as the tests make them) do not reach each other's Dagster instances."""

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance
from dagster._core.storage.defs_state.base import set_defs_state_storage

import clustermon.frontends.jobs as jobs
from conftest import OUT01_2025Q1, home_with_fixture, query, run_refresh


def _holding_storage() -> Iterator[None]:
    """A generator left suspended inside an instance, as Dagster's own can be: when it is
    closed, the state storage it found (that instance's) is made current again."""
    with set_defs_state_storage(None):
        yield


def test_a_run_resolves_its_job_after_an_earlier_runs_instance_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "earlier").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "earlier")) as earlier:
        leftover = _holding_storage()
        next(leftover)
    del earlier
    gc.collect()  # the earlier instance is gone; its storage's reference to it is dead

    scan = jobs.run_tags

    def tags_then_leftover_closed(instance, paths):
        # The leftover is collected while this run holds its instance, before the job is
        # resolved: as in the test run that failed.
        leftover.close()
        return scan(instance, paths)

    monkeypatch.setattr(jobs, "run_tags", tags_then_leftover_closed)
    paths = home_with_fixture(tmp_path, "skeleton")
    assert run_refresh(paths)
    # Clusters active at 2025-03-31, counted by hand in test_end_to_end.py: C1 and C2.
    assert query(paths.published_warehouse, OUT01_2025Q1) == [(2.0,)]
