"""`clustermon validate`: a package checked on its own, the way the inbox load checks it.

It runs check_package on an in-memory DuckDB, so it never needs (or touches) the warehouse,
and words the result for the region that is about to send: grouped by file and rule, the first
rows of each with counts; or as JSON for machines.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from clustermon.ingest.package import PackageFolder, check_package, quarantine_rows

SHOWN_ROWS = 5
LISTED_PER_RULE = 1000  # faults listed per file and rule (`fault_counts` has them all)
VALIDATE_MEMORY = "1GB"


def validate_package(path: Path) -> dict[str, Any]:
    """Every fault of the package folder at `path`, as a JSON-ready report."""
    package = PackageFolder.at(path)
    # In memory, but spilling to a temporary folder beyond the limit: a large file must not
    # take the sender's machine's memory.
    with (
        tempfile.TemporaryDirectory(prefix="clustermon-validate-") as spill,
        duckdb.connect(config={"memory_limit": VALIDATE_MEMORY, "temp_directory": spill}) as con,
    ):
        check = check_package(con, package)
        faults: dict[str, list[dict[str, Any]]] = defaultdict(list)
        per_rule: dict[str, dict[str, int]] = defaultdict(dict)
        for _table, file, row, column, rule, value, message, of_rule in quarantine_rows(
            con, LISTED_PER_RULE
        ):
            faults[file].append(
                {"row": row, "column": column, "rule": rule, "value": value, "message": message}
            )
            per_rule[file][rule] = of_rule
    files = []
    for result in check.files:
        counts = result.counts
        files.append(
            {
                "file": result.file.name,
                "table": result.table_name,
                "status": result.status,
                "message": result.message,
                "rows_read": counts and counts.rows_read,
                "rows_loaded": counts and counts.rows_loaded,
                "rows_quarantined": counts and counts.rows_quarantined,
                "faults": faults.get(result.file.name, []),
                "fault_counts": per_rule.get(result.file.name, {}),
            }
        )
    clean = check.accepted and all(f["status"] == "loaded" and not f["faults"] for f in files)
    return {
        "region_code": package.region_code,
        "quarter": package.quarter,
        "accepted": check.accepted,
        "rejection": check.rejection,
        "clean": clean,
        "files": files,
    }


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def format_report(report: dict[str, Any]) -> str:
    """The report in plain words, grouped by file and rule."""
    verdict = "clean" if report["clean"] else "accepted with faults"
    if not report["accepted"]:
        verdict = f"REJECTED: {report['rejection']}"
    lines = [f"Package {report['region_code']} {report['quarter']}: {verdict}"]
    for file in report["files"]:
        if file["status"] != "loaded":
            lines.append(f"  {file['file']}: {file['status']}: {file['message']}")
            continue
        lines.append(
            f"  {file['file']}: {_rows(file['rows_read'])} read, {file['rows_loaded']} pass, "
            f"{file['rows_quarantined']} quarantined"
        )
        by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for fault in file["faults"]:
            by_rule[fault["rule"]].append(fault)
        for rule, faults in by_rule.items():
            count = file["fault_counts"][rule]
            lines.append(f"    {rule}: {_rows(count)}")
            for fault in faults[:SHOWN_ROWS]:
                column = f", column {fault['column']}" if fault["column"] else ""
                lines.append(f"      row {fault['row']}{column}: {fault['message']}")
            if count > SHOWN_ROWS:
                lines.append(f"      … and {count - SHOWN_ROWS} more")
    return "\n".join(lines)


def validate_command(path: Path, as_json: bool) -> int:
    """Print the report; 0 when the package is clean, 1 when it has any fault."""
    report = validate_package(path)
    print(json.dumps(report, indent=2, ensure_ascii=False) if as_json else format_report(report))
    return 0 if report["clean"] else 1
