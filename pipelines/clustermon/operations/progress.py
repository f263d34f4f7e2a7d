"""What the CLI shows of a run: one line per step as it starts, succeeds or fails, and a failing
gate check, on the terminal; everything else (dbt's output, every error's stack trace) goes to
the run's log file under <home>/logs, to which the CLI sends standard output during the run."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from dagster import (
    DagsterEventType,
    DagsterInstance,
    InitLoggerContext,
    logger,
)
from dagster._utils.error import SerializableErrorInfo

_SHOWN = {
    DagsterEventType.STEP_START: "started",
    DagsterEventType.STEP_SUCCESS: "done",
}


def error_reason(error: SerializableErrorInfo) -> str:
    """The innermost cause of an error, in one line and without its module path."""
    while error.cause is not None:
        error = error.cause
    if error.cls_name == "DagsterExecutionInterruptedError":
        return "interrupted (SIGTERM, Ctrl-C or a stop from the UI)"
    text = " ".join(error.message.split())
    qualified, _, rest = text.partition(": ")
    return rest if rest and qualified.endswith(error.cls_name or "\0") else text


class _StepLines(logging.Formatter):
    """A step's line as it starts, and as it ends with the seconds it took."""

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[str, float] = {}

    def format(self, record: logging.LogRecord) -> str:
        event = record.dagster_event  # type: ignore[attr-defined]
        step = event.step_key or "run"
        if event.event_type == DagsterEventType.STEP_START:
            self._started[step] = record.created
        took = f" ({record.created - self._started[step]:.1f} s)" if step in self._started else ""
        if event.event_type == DagsterEventType.STEP_FAILURE:
            return f"  {step}: FAILED: {error_reason(event.step_failure_data.error)}{took}"
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            return f"  {step}: check failed: {event.event_specific_data.check_name}"
        if event.event_type == DagsterEventType.STEP_SUCCESS:
            return f"  {step}: done{took}"
        return f"  {step}: {_SHOWN[event.event_type]}"


def _shown(record: logging.LogRecord) -> bool:
    event = getattr(record, "dagster_event", None)
    if event is None:
        return False
    if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
        return not event.event_specific_data.passed
    return event.event_type in _SHOWN or event.event_type == DagsterEventType.STEP_FAILURE


@logger(description="One line per step on standard output (the CLI's progress view).")
def progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    lines = logging.getLogger("clustermon.progress")
    if not lines.handlers:
        # The terminal itself: the CLI sends standard output (dbt's) to the log file.
        screen = logging.StreamHandler(sys.__stdout__)
        screen.addFilter(_shown)
        screen.setFormatter(_StepLines())
        lines.addHandler(screen)
        lines.setLevel(logging.DEBUG)
        lines.propagate = False
    return lines


def write_run_log(instance: DagsterInstance, run_id: str, out: TextIO) -> None:
    """The run's whole event log as text, stack traces of failures included."""
    out.write(f"\nDagster's event log of run {run_id}:\n")
    for entry in instance.all_logs(run_id):
        step = f" {entry.step_key}" if entry.step_key else ""
        out.write(f"{entry.timestamp:.3f} {logging.getLevelName(entry.level)}{step} ")
        out.write(f"{entry.user_message or entry.message}\n")
        event = entry.dagster_event
        if event is not None and event.event_type == DagsterEventType.STEP_FAILURE:
            out.write(event.step_failure_data.error.to_string() + "\n")
