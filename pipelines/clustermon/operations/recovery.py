"""Heal a home after a run's process died (SIGKILL, the OOM killer, a reboot).

A run whose process died stays "started" in Dagster's storage. Once the home's refresh lock is
taken no other run of the home can be writing, so such runs are marked failed (a failure event
with the reason; failure alerts fire) instead of lying in the history as running forever.
Their process is the pid Dagster records in an engine event of every run ("pid" metadata); a
pid whose process started after the run did is a reuse, not the run. Concurrency-pool slots
still claimed by finished runs (homes created before the refresh lock replaced the pool) are
freed too, so a home a crash wedged then heals on its next refresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import psutil
from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
# A run gets its pid recorded in its first second; one older than this without any is dead.
NO_PID_GRACE_SECONDS = 180


def _run_pids(instance: DagsterInstance, run_id: str) -> set[int]:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT).records
    pids = set()
    for record in records:
        event = record.event_log_entry.dagster_event
        metadata = event.engine_event_data.metadata if event and event.engine_event_data else {}
        if "pid" in metadata:
            pids.add(int(metadata["pid"].value))
    return pids


def _alive(pid: int, run_began: float) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.create_time() <= run_began + 1
    except psutil.Error:
        return False


def dead_runs(
    instance: DagsterInstance, own_run_id: str | None
) -> Iterator[tuple[DagsterRun, str]]:
    """Runs marked in progress whose process is gone, with the reason in words."""
    now = time.time()
    for record in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        if run.run_id == own_run_id:
            continue
        created = record.create_timestamp.timestamp()
        pids = _run_pids(instance, run.run_id)
        if not pids:
            if now - created > NO_PID_GRACE_SECONDS:
                yield run, "no process was ever recorded for it"
        elif not any(_alive(pid, record.start_time or created) for pid in pids):
            yield run, f"its process (pid {', '.join(map(str, sorted(pids)))}) is gone"


def _finished_runs_holding_slots(instance: DagsterInstance) -> set[str]:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return set()
    run_ids = set(storage.get_concurrency_run_ids())
    for info in storage.get_concurrency_infos(list(storage.get_concurrency_keys())).values():
        run_ids |= {slot.run_id for slot in info.claimed_slots}
    return {
        run_id
        for run_id in run_ids
        if (run := instance.get_run_by_id(run_id)) is None or run.is_finished
    }


def recover(
    instance: DagsterInstance, own_run_id: str | None, log: Callable[[str], object]
) -> list[str]:
    """Mark dead runs failed and free what finished runs still hold; the run ids touched.
    Call it holding the home's refresh lock."""
    touched = []
    for run, why in list(dead_runs(instance, own_run_id)):
        log(
            f"Run {run.run_id} ({run.job_name}) was left {run.status.value}, but {why}: "
            "it is marked failed."
        )
        instance.report_run_failed(run, f"Marked failed by clustermon: {why}.")
        touched.append(run.run_id)
    for run_id in sorted(_finished_runs_holding_slots(instance)):
        log(f"Run {run_id} had ended but still held a concurrency slot: it is freed.")
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        touched.append(run_id)
    return touched
