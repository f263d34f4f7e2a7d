"""The validation report: one readable HTML page per run, listing every expectation of every
suite, its result and a sample of the failing rows.

Each gate check records its suite's result as JSON under `<published>/reports/runs/<run>/` and
re-renders the run's page, so the page exists (and `latest.html` points at it) even when a
blocking failure stops the run before publication. Pages are written beside the dashboard site,
not inside it, so the site can be rebuilt without losing them; the site links to
`../reports/latest.html`.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jinja2

from clustermon.gate.suites import SuiteResult

REPORTS_FOLDER = "reports"
LATEST_PAGE = "latest.html"


def reports_dir(published: Path) -> Path:
    return published / REPORTS_FOLDER


def report_page(published: Path, run_id: str) -> Path:
    return reports_dir(published) / f"{run_id}.html"


def _write_atomically(path: Path, text: str) -> None:
    """Readers of the page (a browser, the file share) never see it half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writing = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    writing.write_text(text)
    os.replace(writing, path)


def record_result(published: Path, run_id: str, result: SuiteResult) -> Path:
    """Keep one suite's result for the run and re-render the run's page and latest.html."""
    results = reports_dir(published) / "runs" / run_id
    _write_atomically(results / f"{result.suite}.json", json.dumps(result.to_dict(), default=str))
    page = render_report(run_id, run_results(published, run_id))
    _write_atomically(report_page(published, run_id), page)
    _write_atomically(reports_dir(published) / LATEST_PAGE, page)
    return report_page(published, run_id)


def run_results(published: Path, run_id: str) -> list[dict]:
    """The suite results recorded for a run so far, by suite name."""
    results = reports_dir(published) / "runs" / run_id
    files = sorted(results.glob("*.json")) if results.exists() else []
    return [json.loads(file.read_text()) for file in files]


def _cells(sample: list) -> tuple[list[str], list[list]]:
    """Failing rows as a table: SQL expectations return rows (dicts), others bare values."""
    columns: list[str] = []
    for row in sample:
        for key in row if isinstance(row, dict) else ["value"]:
            if key not in columns:
                columns.append(key)
    rows = [[row.get(c) for c in columns] if isinstance(row, dict) else [row] for row in sample]
    return columns, rows


def render_report(run_id: str, results: list[dict]) -> str:
    suites = []
    for result in results:
        outcomes = []
        for outcome in result["outcomes"]:
            columns, rows = _cells(outcome["failing_sample"])
            status = "passed" if outcome["success"] else f"failed ({outcome['severity']})"
            outcomes.append({**outcome, "status": status, "columns": columns, "rows": rows})
        suites.append({**result, "outcomes": outcomes})
    blocking = sum(
        1 for s in suites for o in s["outcomes"] if not o["success"] and o["severity"] == "error"
    )
    warnings = sum(
        1 for s in suites for o in s["outcomes"] if not o["success"] and o["severity"] == "warning"
    )
    template = resources.files("clustermon.gate") / "templates" / "validation_report.html"
    template = template.read_text()
    environment = jinja2.Environment(autoescape=jinja2.select_autoescape(["html"]))
    return environment.from_string(template).render(
        run_id=run_id,
        written_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        suites=suites,
        blocking=blocking,
        warnings=warnings,
    )
