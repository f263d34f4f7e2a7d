"""The last lines of `clustermon refresh`: what the run published and what it did not, and why.

The warehouse, the site and the documentation are published by three steps, and a run can
publish the first and fail on the others; the ending names each part either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clustermon.home import Paths

# The step that publishes each part, in the order they are published.
PARTS = {"published_warehouse": "warehouse", "dashboard_site": "site", "dbt_docs": "docs"}


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    published: frozenset[str]  # steps of PARTS that materialised
    failed_steps: dict[str, str]  # step -> reason
    failing_checks: list[str]
    alerts: list[str]  # the alerts this run sent, in words
    # What ingestion took in: the metadata of raw.received_packages' materialisation.
    intake: Mapping[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """The run succeeded and published the warehouse and the site."""
        return self.success and {"published_warehouse", "dashboard_site"} <= self.published


def _where(paths: Paths, step: str) -> Path:
    return {
        "published_warehouse": paths.published_warehouse,
        "dashboard_site": paths.site / "index.html",
        "dbt_docs": paths.published / "dbt-docs" / "index.html",
    }[step]


def _why_not(outcome: RunOutcome, step: str) -> str:
    if step in outcome.failed_steps:
        return f"{step} failed: {outcome.failed_steps[step]}"
    causes = [f"{name} failed: {reason}" for name, reason in outcome.failed_steps.items()]
    if outcome.failing_checks:
        causes.insert(0, f"the gate blocked it ({'; '.join(outcome.failing_checks)})")
    return f"not run: {'; '.join(causes) or 'the run stopped before it'}"


def _summary(outcome: RunOutcome) -> list[str]:
    """What the run took in and what the gate said, in two or three lines."""
    lines = []
    intake = outcome.intake
    if intake:
        counts = {
            "accepted": intake["accepted"],
            "unchanged": intake["unchanged"],
            "rejected": len(intake["rejected"]),
            "deferred": len(intake["deferred"]),
            "still arriving": len(intake["still_arriving"]),
        }
        lines.append("Packages  " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
        lines.append(
            f"Rows      {intake['rows_loaded']:,} loaded, "
            f"{intake['rows_quarantined']:,} quarantined"
        )
    if outcome.failing_checks:
        lines.append(f"Gate      blocked: {'; '.join(outcome.failing_checks)}")
    elif {"published_warehouse"} & (outcome.published | set(outcome.failed_steps)):
        lines.append("Gate      passed")  # publication runs only once the gate passed
    else:
        lines.append("Gate      not reached: the run stopped before it")
    return lines


def briefs_lines(paths: Paths) -> tuple[str | None, str | None]:
    """(the line saying where the briefs in force are, the warning when their PDFs were
    skipped), from what their build recorded."""
    from clustermon.brief.build import read_status, skipped_warning

    status = read_status(paths.briefs)
    if status is None:
        return None, None
    made = "PDF and HTML" if status["pdfs"] else "HTML only"
    regions = len(status["regions"])
    line = f"Published briefs     {paths.briefs} ({regions} region{'s' * (regions != 1)}, {made})"
    skipped = status.get("pdf_skipped")
    return line, (skipped_warning(skipped) if skipped else None)


def ending(paths: Paths, outcome: RunOutcome) -> tuple[list[str], list[str]]:
    """(lines for standard output, lines for standard error)."""
    done = [step for step in PARTS if step in outcome.published]
    missing = [step for step in PARTS if step not in outcome.published]
    out = _summary(outcome)
    out += [f"Published {PARTS[step]:<10} {_where(paths, step)}" for step in done]
    err = []
    for step in missing:
        where = _where(paths, step)
        stays = f"; the one in force stays: {where}" if where.exists() else "; none in force yet"
        err.append(f"NOT published {PARTS[step]:<6} {_why_not(outcome, step)}{stays}")
    if "dashboard_site" in outcome.published:
        line, warning = briefs_lines(paths)
        out += [line] if line else []
        err += [warning] if warning else []
    report = paths.published / "reports" / "latest.html"
    if report.exists():
        out.append(f"Validation report    {report}")
    if outcome.alerts:
        err.append(f"Alerts sent ({paths.home / 'alerts.jsonl'}):")
        err.extend(f"  {alert}" for alert in outcome.alerts)
    return out, err
