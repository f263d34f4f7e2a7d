"""The publication gate: real GE validations of the indicator_values suite on DuckDB files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from clustermon.gate.suites import ExpectationOutcome, load_suite, run_suite
from clustermon.home import EXPECTATIONS_DIR

SUITE = EXPECTATIONS_DIR / "indicator_values.json"

CREATE = """
CREATE TABLE {table} (
    region_code TEXT, quarter TEXT, indicator_code TEXT, breakdown TEXT,
    value DOUBLE, value_in_quarter DOUBLE, unit TEXT, suppressed BOOLEAN
)
"""

BASE = {
    "region_code": "DE1",
    "quarter": "2025Q4",
    "indicator_code": "RCO02",
    "breakdown": "total",
    "value": 3.0,
    "value_in_quarter": 1.0,
    "unit": "count",
    "suppressed": False,
}
GOOD = [
    BASE,
    {**BASE, "indicator_code": "OUT02", "breakdown": "kind=enterprise", "value": None,
     "value_in_quarter": None, "suppressed": True},
    {**BASE, "indicator_code": "OUT06", "value": 0.0, "value_in_quarter": None, "unit": "EUR"},
    {**BASE, "region_code": "FR10", "quarter": "2025Q3", "indicator_code": "RCO01",
     "breakdown": "size_class=micro", "value_in_quarter": 0.0},
    # A share over an empty denominator is null, not suppressed (indicators.md, "Result").
    {**BASE, "indicator_code": "RES01", "value": None, "value_in_quarter": None,
     "unit": "% of projects"},
]  # fmt: skip


def _warehouse(directory: Path, rows: list[dict], table: str = "indicator_values") -> Path:
    path = directory / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(CREATE.format(table=table))
        con.executemany(
            f"INSERT INTO {table} VALUES ($region_code, $quarter, $indicator_code, $breakdown,"
            " $value, $value_in_quarter, $unit, $suppressed)",
            rows,
        )
    return path


def _label(outcome: ExpectationOutcome) -> str:
    """Name an outcome by expectation and what it checks, e.g. "...to_not_be_null(unit)"."""
    target = outcome.column or ",".join(outcome.kwargs.get("column_list", []))
    if not target:  # SQL expectation: the column whose format or presence it checks
        query = outcome.kwargs["unexpected_rows_query"]
        match = re.search(r"regexp_matches\((\w+)|(\w+) IS NULL", query)
        target = match.group(1) or match.group(2)
    return f"{outcome.expectation}({target})"


def _sample_contains(sample: list, value: object) -> bool:
    """A sample holds values, or rows as dicts (SQL and multi-column expectations)."""
    return value in sample or any(isinstance(r, dict) and value in r.values() for r in sample)


def test_suite_passes_on_good_data(tmp_path: Path) -> None:
    result = run_suite(_warehouse(tmp_path, GOOD), SUITE)

    assert len(result.outcomes) == len(json.loads(SUITE.read_text())["expectations"])
    assert [_label(o) for o in result.outcomes if not o.success] == []
    assert result.passed and not result.warnings
    assert json.loads(json.dumps(result.to_dict()))["passed"] is True


NOT_NULL = "expect_column_values_to_not_be_null"
KEY = {k: BASE[k] for k in ("region_code", "quarter", "indicator_code", "breakdown")}
UNIQUE = f"expect_compound_columns_to_be_unique({','.join(KEY)})"


@pytest.mark.parametrize(
    ("changes", "failing", "injected"),
    [
        *(
            pytest.param({column: None}, f"{NOT_NULL}({column})", None, id=f"{column}-null")
            for column in (
                "region_code", "quarter", "indicator_code", "breakdown", "unit", "suppressed"
            )
        ),
        pytest.param(
            {"quarter": "2025q4"}, "unexpected_rows_expectation(quarter)", "2025q4",
            id="quarter-format",
        ),
        pytest.param(
            {"breakdown": "Kind=enterprise"}, "unexpected_rows_expectation(breakdown)",
            "Kind=enterprise", id="breakdown-format",
        ),
        pytest.param(KEY, UNIQUE, KEY, id="duplicate-cell"),
        pytest.param(
            {"value": -1.0}, "expect_column_values_to_be_between(value)", -1.0,
            id="value-negative",
        ),
        pytest.param(
            {"value": None}, "unexpected_rows_expectation(value)", None,
            id="value-missing-unsuppressed"
        ),
        pytest.param(
            {"value": 7.0, "suppressed": True}, "expect_column_values_to_be_null(value)", 7.0,
            id="value-leaks-when-suppressed",
        ),
    ],
)  # fmt: skip
def test_bad_row_blocks_on_its_expectation_only(
    tmp_path: Path, changes: dict, failing: str, injected: object
) -> None:
    # A fresh cell unless the case changes the key (the duplicate reuses BASE's key).
    bad_row = {**BASE, "indicator_code": "RCO04", **changes}
    result = run_suite(_warehouse(tmp_path, [*GOOD, bad_row]), SUITE)

    assert result.passed is False
    assert [_label(o) for o in result.blocking_failures] == [failing]
    assert not result.warnings
    (failure,) = result.blocking_failures
    assert failure.observed == (2 if failing == UNIQUE else 1)  # both copies are unexpected
    assert _sample_contains(failure.failing_sample, injected)
    assert failure.description  # the suite's note for programme officers
    json.dumps(result.to_dict())


def test_warning_does_not_block(tmp_path: Path) -> None:
    bad_row = {**BASE, "indicator_code": "RCO04", "value_in_quarter": -2.0}
    result = run_suite(_warehouse(tmp_path, [*GOOD, bad_row]), SUITE)

    assert result.passed is True
    assert not result.blocking_failures
    assert [_label(o) for o in result.warnings] == [
        "expect_column_values_to_be_between(value_in_quarter)"
    ]
    assert result.warnings[0].failing_sample == [-2.0]


def test_missing_column_fails_closed(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, GOOD)
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE indicator_values DROP COLUMN unit")

    result = run_suite(path, SUITE)

    # The presence check on value reads unit too (a share may be null), so it fails as well.
    assert [_label(o) for o in result.blocking_failures] == [
        f"{NOT_NULL}(unit)",
        "unexpected_rows_expectation(value)",
    ]
    assert "unit" in result.blocking_failures[0].observed  # GE's error, e.g. no such column
    # GE lists the expectation that raised first; the result keeps the suite's order.
    in_file = [
        (e["type"], e["kwargs"].get("column"))
        for e in json.loads(SUITE.read_text())["expectations"]
    ]
    assert [(o.expectation, o.column) for o in result.outcomes] == in_file


def test_table_and_schema_override_meta_table(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA published")
    _warehouse(tmp_path, GOOD, table="published.indicators")

    result = run_suite(path, SUITE, table="indicators", schema="published")

    assert result.table == "published.indicators"
    assert result.passed and all(o.success for o in result.outcomes)


def test_description_generated_without_notes(tmp_path: Path) -> None:
    suite = tmp_path / "suite.json"  # no meta.table either: the caller names the table
    suite.write_text(json.dumps({"name": "s", "expectations": [
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "value", "min_value": 0, "max_value": 10}},
    ]}))  # fmt: skip

    result = run_suite(_warehouse(tmp_path, GOOD), suite, table="indicator_values")

    (outcome,) = result.outcomes
    assert outcome.severity == "error" and outcome.success
    assert outcome.description == (
        "value: column values to be between (min_value=0.0, max_value=10.0)"
    )


def _write_from_another_process(path: Path) -> None:
    """What the next step (a dbt subprocess or a writer) does with the file."""
    script = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('CREATE TABLE t (x INT)')"
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)


def test_no_lock_left_after_run(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, GOOD)
    run_suite(path, SUITE)

    duckdb.connect(str(path)).close()  # same process: fails while any GE connection is open
    _write_from_another_process(path)


def test_no_lock_left_when_validation_cannot_start(tmp_path: Path) -> None:
    path = _warehouse(tmp_path, GOOD)
    with pytest.raises(ConnectionError, match=r'"main\.indicators"'):  # GE's TestConnectionError
        run_suite(path, SUITE, table="indicators")

    duckdb.connect(str(path)).close()
    _write_from_another_process(path)


@pytest.mark.parametrize(
    ("expectation", "message"),
    [
        ({"meta": {"severity": "warn"}}, "must be one of"),
        ({"meta": {"severity": "warning"}, "severity": "critical"}, "contradicts"),
    ],
)
def test_load_suite_rejects_an_unclear_severity(
    tmp_path: Path, expectation: dict, message: str
) -> None:
    suite = {
        "name": "s",
        "expectations": [
            {"type": NOT_NULL, "kwargs": {"column": "unit"}, **expectation},
        ],
    }
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(suite))
    with pytest.raises(ValueError, match=message):
        load_suite(path)
