"""What the CLI shows of a run: one line per step as it starts, succeeds or fails, a failing gate
check, and how far a long step has got (`ProgressReport`: a bar redrawn in place on a terminal,
a plain line every few seconds elsewhere); everything else (dbt's output, every error's stack
trace) goes to the run's log file under <home>/logs, to which the CLI sends standard output
during the run."""

from __future__ import annotations

import codecs
import logging
import shutil
import sys
import time
from typing import TextIO

from dagster import (
    DagsterEventType,
    DagsterInstance,
    Field,
    InitLoggerContext,
    logger,
)
from dagster._utils.error import SerializableErrorInfo
from tqdm import tqdm

_STEP_EVENTS = {
    DagsterEventType.STEP_START,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
}
# A record's attribute (a logging `extra`) carrying (done, total, what) of a step's progress.
PROGRESS = "clustermon_progress"
# Seconds between two progress reports of a step to its log: each is an event in Dagster's
# event log, and a step of thousands of files would otherwise write thousands.
REPORT_EVERY = 1.0
# Seconds between two plain progress lines where the output is no terminal (a log, a pipe).
PLAIN_PROGRESS_EVERY = 5.0


def _due(done: int, total: int, since_last: float, every: float) -> bool:
    """Whether a progress report is shown: the first, the last, and one per `every` seconds."""
    return done in (1, total) or since_last >= every


class ProgressReport:
    """Says that `done` of `total` `what` (a plural noun phrase) are through, in the progress
    view and the run's log: the first, the last, and at most one every REPORT_EVERY seconds
    between them."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._last = float("-inf")

    def __call__(self, done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if _due(done, total, now - self._last, REPORT_EVERY):
            self._last = now
            self._log.info(f"{done} of {total} {what}", extra={PROGRESS: (done, total, what)})


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
        self._started: dict[str, float] = {}  # steps running now

    def format(self, record: logging.LogRecord) -> str:
        if progress := getattr(record, PROGRESS, None):
            done, total, what = progress
            return f"  {record.dagster_meta['step_key']}: {done} of {total} {what}"  # type: ignore[attr-defined]
        event = record.dagster_event  # type: ignore[attr-defined]
        step = event.step_key or "run"
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            return f"  {step}: check failed: {event.event_specific_data.check_name}"
        if event.event_type == DagsterEventType.STEP_START:
            self._started[step] = record.created
            return f"  {step}: started"
        started = self._started.pop(step, None)
        took = "" if started is None else f" ({record.created - started:.1f} s)"
        if event.event_type == DagsterEventType.STEP_FAILURE:
            return f"  {step}: FAILED: {error_reason(event.step_failure_data.error)}{took}"
        return f"  {step}: done{took}"


def _shown(record: logging.LogRecord) -> bool:
    if hasattr(record, PROGRESS):
        return True
    event = getattr(record, "dagster_event", None)
    if event is None:
        return False
    if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
        return not event.event_specific_data.passed
    return event.event_type in _STEP_EVENTS


class _Screen(logging.StreamHandler):
    """The terminal: a step's progress is one bar redrawn in place until the next line (where
    `bar` and the output is a terminal); otherwise a plain progress line at most every
    PLAIN_PROGRESS_EVERY seconds, and always the first and the last."""

    def __init__(self, stream: TextIO | None, bar: bool = True) -> None:
        super().__init__(stream)
        self._bar = bar and self.stream.isatty()
        # Block characters where the terminal takes UTF-8, else tqdm's ASCII bar.
        encoding = getattr(self.stream, "encoding", None) or "ascii"
        self._ascii = codecs.lookup(encoding).name != "utf-8"
        self._bar_started: float | None = None  # when the bar on screen now was first drawn
        self._last_plain = float("-inf")

    def emit(self, record: logging.LogRecord) -> None:
        progress = getattr(record, PROGRESS, None)
        if progress is None:
            self._end_bar(record)
            super().emit(record)
        elif self._bar:
            self._draw_bar(record, *progress)
        elif _due(*progress[:2], record.created - self._last_plain, PLAIN_PROGRESS_EVERY):
            self._last_plain = record.created
            super().emit(record)

    def _draw_bar(self, record: logging.LogRecord, done: int, total: int, what: str) -> None:
        if self._bar_started is None:
            self._bar_started = record.created
        try:
            bar = tqdm.format_meter(
                done,
                total,
                record.created - self._bar_started,
                ncols=shutil.get_terminal_size().columns,
                prefix=f"  {record.dagster_meta['step_key']}: {what}",  # type: ignore[attr-defined]
                ascii=self._ascii,
            )
            self.stream.write(f"\r{bar}\x1b[K")
            self.flush()
        except Exception:  # a closed or broken terminal never fails the step that reports
            self.handleError(record)

    def _end_bar(self, record: logging.LogRecord) -> None:
        """The next line takes the bar's place."""
        if self._bar_started is not None:
            self._bar_started = None
            try:
                self.stream.write("\r\x1b[K")
            except Exception:
                self.handleError(record)


@logger(
    config_schema={"bar": Field(bool, default_value=True, description="Draw progress as a bar.")},
    description="One line per step on standard output (the CLI's progress view).",
)
def progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    lines = logging.getLogger("clustermon.progress")
    lines.handlers.clear()  # the previous run's, in a process that runs several (the service)
    # The terminal itself: the CLI sends standard output (dbt's) to the log file.
    screen = _Screen(sys.__stdout__, bar=init_context.logger_config["bar"])
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
