"""The gate in the pipeline: every blocking expectation, made to fail by tampering with the
working warehouse, stops the `publish` job and leaves the previous publication byte for byte as
it was; a warning is published with the data and shown in the validation report."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from clustermon.home import EXPECTATIONS_DIR, Paths
from clustermon.publish.publication import current_id, load_publication
from conftest import copy_home, query, run_refresh

OUT01_2025Q1 = "indicator_code = 'OUT01' AND quarter = '2025Q1'"

# (suite, index of the expectation in its file) -> SQL on the working warehouse of the skeleton
# fixture (AT12, quarters 2024Q4 and 2025Q1) that breaks that expectation.
TAMPERING = {
    ("indicator_values", 0): f"UPDATE indicator_values SET region_code = NULL WHERE {OUT01_2025Q1}",
    ("indicator_values", 1): f"UPDATE indicator_values SET quarter = NULL WHERE {OUT01_2025Q1}",
    ("indicator_values", 2): f"UPDATE indicator_values SET indicator_code = NULL "
    f"WHERE {OUT01_2025Q1}",
    ("indicator_values", 3): f"UPDATE indicator_values SET breakdown = NULL WHERE {OUT01_2025Q1}",
    ("indicator_values", 4): f"UPDATE indicator_values SET unit = NULL WHERE {OUT01_2025Q1}",
    ("indicator_values", 5): f"UPDATE indicator_values SET suppressed = NULL WHERE {OUT01_2025Q1}",
    ("indicator_values", 6): f"UPDATE indicator_values SET quarter = '2025q1' WHERE {OUT01_2025Q1}",
    ("indicator_values", 7): "UPDATE indicator_values SET breakdown = 'Total' "
    "WHERE indicator_code = 'OUT01'",
    ("indicator_values", 8): f"INSERT INTO indicator_values SELECT * FROM indicator_values "
    f"WHERE {OUT01_2025Q1}",
    ("indicator_values", 9): f"UPDATE indicator_values SET value = -1 WHERE {OUT01_2025Q1}",
    ("indicator_values", 10): f"UPDATE indicator_values SET value = NULL WHERE {OUT01_2025Q1}",
    ("indicator_values", 11): "UPDATE indicator_values SET value = 7 WHERE suppressed",
    # A share above 100.
    ("indicator_consistency", 0): "INSERT INTO indicator_values VALUES "
    "('AT12', '2025Q1', 'RES01', 'total', 140, NULL, '% of projects', false)",
    # RCO01 (cumulative) 9 in 2024Q4 (its 3 is withheld: spec 1.1), 8 in 2025Q1.
    ("indicator_consistency", 1): "UPDATE indicator_values SET value = 9, suppressed = false "
    "WHERE indicator_code = 'RCO01' AND breakdown = 'total' AND quarter = '2024Q4'",
    # RCO02 (grants) = RCO01 + 1 = 9 in 2025Q1.
    ("indicator_consistency", 2): "UPDATE indicator_values SET value = 9, suppressed = false "
    "WHERE indicator_code = 'RCO02' AND breakdown = 'total' AND quarter = '2025Q1'",
    # SMEs supported in 2025Q1: total 8 - large 0 - unknown 0 = 8 < RCR03 9 (small is
    # suppressed; medium published as 1 here).
    ("indicator_consistency", 3): "UPDATE indicator_values SET value = 1, suppressed = false "
    "WHERE indicator_code = 'RCO01' AND breakdown = 'size_class=medium' AND quarter = '2025Q1'; "
    "INSERT INTO indicator_values VALUES "
    "('AT12', '2025Q1', 'RCR03', 'total', 9, NULL, 'enterprises', false)",
    ("indicator_consistency", 4): "DELETE FROM indicator_values WHERE quarter = '2024Q4'",
    ("indicator_consistency", 5): "DELETE FROM indicator_values WHERE indicator_code = 'RES06'",
    # organisations: 17 rows in 2024Q4, 8 (fewer than half) in 2025Q1.
    ("package_volumes", 0): "UPDATE raw.received_files SET rows_loaded = 8 "
    "WHERE table_name = 'organisations' AND quarter = '2025Q1'",
    # Every 2025Q1 spell ended before the reference date 2025-03-31: 0 members, 9 before.
    ("package_volumes", 1): "UPDATE raw.memberships SET left_on = '15.01.2025' "
    "WHERE quarter = '2025Q1'",
    ("package_completeness", 0): "UPDATE raw.received_files SET rows_loaded = 0 "
    "WHERE table_name = 'clusters' AND quarter = '2024Q4'",
}


def _blocking_expectations() -> set[tuple[str, int]]:
    found = set()
    for file in EXPECTATIONS_DIR.glob("*.json"):
        suite = json.loads(file.read_text())
        for index, expectation in enumerate(suite["expectations"]):
            if expectation["meta"]["severity"] == "error":
                found.add((suite["name"], index))
    return found


def test_every_blocking_expectation_has_a_tampering_case() -> None:
    assert set(TAMPERING) == _blocking_expectations()


def publication_state(published: Path) -> dict[str, str]:
    """Every file and link of the publication (reports aside): checksum or link target."""
    state = {}
    for path in sorted(published.rglob("*")):
        name = str(path.relative_to(published))
        if name.startswith("reports"):
            continue
        if path.is_symlink():
            state[name] = "-> " + os.readlink(path)
        elif path.is_file():
            state[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def latest_run_results(paths: Paths) -> dict[str, dict]:
    runs = paths.published / "reports" / "runs"
    newest = max(runs.iterdir(), key=lambda p: p.stat().st_mtime)
    return {r["suite"]: r for r in (json.loads(f.read_text()) for f in newest.glob("*.json"))}


def tamper(paths: Paths, sql: str) -> None:
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(sql)


@pytest.mark.parametrize(
    ("suite", "index"), sorted(TAMPERING), ids=[f"{s}-{i}" for s, i in sorted(TAMPERING)]
)
def test_blocking_failure_stops_publication(
    skeleton_home: Paths, tmp_path: Path, suite: str, index: int
) -> None:
    paths = copy_home(skeleton_home, tmp_path)
    before = publication_state(paths.published)
    assert "monitoring.duckdb" in before and "current" in before

    tamper(paths, TAMPERING[suite, index])

    assert run_refresh(paths, "publish") is False
    assert publication_state(paths.published) == before
    failures = {
        (name, i)
        for name, result in latest_run_results(paths).items()
        for i, outcome in enumerate(result["outcomes"])
        if outcome["severity"] == "error" and not outcome["success"]
    }
    assert (suite, index) in failures
    page = (paths.published / "reports" / "latest.html").read_text()
    assert "Publication blocked" in page


def test_warning_is_published_and_reported(skeleton_home: Paths, tmp_path: Path) -> None:
    paths = copy_home(skeleton_home, tmp_path)
    previous = current_id(paths.published)
    tamper(paths, f"UPDATE indicator_values SET value_in_quarter = -2 WHERE {OUT01_2025Q1}")

    assert run_refresh(paths, "publish") is True

    publication = load_publication(paths.published, current_id(paths.published))
    assert publication.id != previous
    assert query(
        paths.published_warehouse,
        f"SELECT value_in_quarter FROM indicator_values WHERE {OUT01_2025Q1}",
    ) == [(-2.0,)]
    checks = {r["suite"]: r for r in publication.manifest["checks"]}
    assert set(checks) == {
        "indicator_consistency",
        "indicator_values",
        "package_completeness",
        "package_volumes",
        "region_staleness",
    }
    in_quarter = checks["indicator_values"]["outcomes"][12]
    assert in_quarter["column"] == "value_in_quarter" and in_quarter["severity"] == "warning"
    assert in_quarter["success"] is False and in_quarter["failing_sample"] == [-2.0]
    page = (paths.published / "reports" / "latest.html").read_text()
    assert "No blocking failure" in page and "failed (warning)" in page
    # The site links the report.
    site = (paths.site / "index.html").read_text()
    assert 'href="../current/validation_report.html"' in site
    assert (
        "value_in_quarter" in (paths.published / "current" / "validation_report.html").read_text()
    )


def test_refresh_of_unchanged_inbox_publishes_identical_indicators(tmp_path: Path) -> None:
    from conftest import home_with_fixture

    paths = home_with_fixture(tmp_path, "skeleton")
    sql = "SELECT * FROM indicator_values ORDER BY ALL"
    assert run_refresh(paths)
    first = query(paths.published_warehouse, sql)
    loaded_at = query(paths.warehouse, "SELECT received_at FROM raw.received_packages ORDER BY ALL")
    assert run_refresh(paths)
    assert query(paths.published_warehouse, sql) == first
    # Unchanged packages are not loaded again.
    assert (
        query(paths.warehouse, "SELECT received_at FROM raw.received_packages ORDER BY ALL")
        == loaded_at
    )
