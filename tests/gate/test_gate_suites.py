"""The contract and indicator-consistency suites, validated for real by Great Expectations on
small DuckDB files built here by hand (the expected failures are worked out in the comments)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from clustermon.gate.suites import SuiteResult, run_suite
from clustermon.home import EXPECTATIONS_DIR
from clustermon.ingest import create_raw_tables
from clustermon.settings import ProgrammeSettings

CONSISTENCY = EXPECTATIONS_DIR / "indicator_consistency.json"
VOLUMES = EXPECTATIONS_DIR / "package_volumes.json"
COMPLETENESS = EXPECTATIONS_DIR / "package_completeness.json"
STALENESS = EXPECTATIONS_DIR / "region_staleness.json"

CATALOG = [  # code, order, unit, kind
    ("RCO01", 1, "enterprises", "cumulative"),
    ("RCO02", 2, "enterprises", "cumulative"),
    ("RCO04", 3, "enterprises", "cumulative"),
    ("RCO10", 4, "enterprises", "cumulative"),
    ("RCR03", 5, "enterprises", "cumulative"),
    ("RES01", 6, "% of projects", "cumulative"),
    ("OUT02", 7, "organisations", "stock"),
    ("IMP01", 8, "log points", "estimate"),
]
SIZES = ("micro", "small", "medium", "large", "unknown")
# AT12 in 2025Q1 and 2025Q2. RCO01 totals 10 = 4+3+1+1+1 and 12 = 5+3+2+1+1 (SMEs 8 and 10).
GOOD = {
    "2025Q1": {"RCO01": 10, "RCO01 sizes": (4, 3, 1, 1, 1), "RCO02": 7, "RCO04": 6,
               "RCO10": 3, "RCR03": 2, "RES01": 50, "OUT02": 20},
    # The share RES01 and the stock OUT02 fall: allowed, they are not cumulative counts.
    "2025Q2": {"RCO01": 12, "RCO01 sizes": (5, 3, 2, 1, 1), "RCO02": 8, "RCO04": 12,
               "RCO10": 4, "RCR03": 3, "RES01": 40, "OUT02": 18},
}  # fmt: skip


def consistency(warehouse: Path, settings: dict | None = None) -> SuiteResult:
    """The consistency suite with the programme's settings as its parameters."""
    parameters = ProgrammeSettings.from_mapping(settings or {}).model_dump()
    return run_suite(warehouse, CONSISTENCY, parameters=parameters)


def _value_rows() -> list[list]:
    rows = []
    for quarter, values in GOOD.items():
        rows.append(["AT12", quarter, "RCO01", "total", values["RCO01"], "enterprises"])
        for size, value in zip(SIZES, values["RCO01 sizes"], strict=True):
            rows.append(["AT12", quarter, "RCO01", f"size_class={size}", value, "enterprises"])
        for code, unit in (("RCO02", "enterprises"), ("RCO04", "enterprises"),
                           ("RCO10", "enterprises"), ("RCR03", "enterprises"),
                           ("RES01", "% of projects"), ("OUT02", "organisations")):  # fmt: skip
            rows.append(["AT12", quarter, code, "total", values[code], unit])
    return rows


def indicator_warehouse(directory: Path, changes: str = "") -> Path:
    """A warehouse with the marts and the calendar; `changes` is SQL run after."""
    path = directory / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE indicator_values (region_code TEXT, quarter TEXT, indicator_code TEXT,"
            " breakdown TEXT, value DOUBLE, value_in_quarter DOUBLE, unit TEXT, suppressed BOOL)"
        )
        con.executemany(
            "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, NULL, ?, false)", _value_rows()
        )
        con.execute(
            "CREATE TABLE indicator_catalog "
            "(indicator_code TEXT, catalog_order INT, unit TEXT, kind TEXT)"
        )
        con.executemany("INSERT INTO indicator_catalog VALUES (?, ?, ?, ?)", CATALOG)
        con.execute("CREATE SCHEMA intermediate")
        con.execute(
            "CREATE TABLE intermediate.int_quarters_enumerated AS SELECT * FROM "
            "(VALUES ('AT12', '2025Q1'), ('AT12', '2025Q2')) AS calendar(region_code, quarter)"
        )
        if changes:
            con.execute(changes)
    return path


def _failures(result: SuiteResult, severity: str) -> list[int]:
    """Indexes, in the suite file, of the failed expectations of a severity."""
    return [i for i, o in enumerate(result.outcomes) if not o.success and o.severity == severity]


def test_consistency_passes_on_good_data(tmp_path: Path) -> None:
    result = consistency(indicator_warehouse(tmp_path))
    assert result.table == "main.indicator_values"
    assert [o.success for o in result.outcomes] == [True] * 7


def _set(code: str, quarter: str, value: float, breakdown: str = "total") -> str:
    return (
        f"UPDATE indicator_values SET value = {value} WHERE indicator_code = '{code}' "
        f"AND quarter = '{quarter}' AND breakdown = '{breakdown}';"
    )


def _suppress(code: str, quarter: str, breakdown: str) -> str:
    return (
        "UPDATE indicator_values SET value = NULL, suppressed = true "
        f"WHERE indicator_code = '{code}' AND quarter = '{quarter}' AND breakdown = '{breakdown}';"
    )


@pytest.mark.parametrize(
    ("changes", "failing", "sample"),
    [
        pytest.param(_set("RES01", "2025Q2", 100.5), 0, {"value": 100.5}, id="share-over-100"),
        pytest.param(_set("RES01", "2025Q1", -1), 0, {"value": -1.0}, id="share-negative"),
        # RCO10 3 -> 2: a cumulative count decreasing.
        pytest.param(
            _set("RCO10", "2025Q2", 2), 1, {"value": 2.0, "earlier_maximum": 3.0},
            id="cumulative-decreasing",
        ),
        # RCO02 11 > RCO01 10 in 2025Q1 (then 12 <= 12 in 2025Q2).
        pytest.param(
            _set("RCO02", "2025Q1", 11) + _set("RCO02", "2025Q2", 12), 2,
            {"quarter": "2025Q1", "indicator_code": "RCO02", "value": 11.0, "rco01": 10.0},
            id="rco02-over-rco01",
        ),
        # RCO04 13 > RCO01 12 in 2025Q2 (6 <= 10 in 2025Q1).
        pytest.param(
            _set("RCO04", "2025Q2", 13), 2,
            {"quarter": "2025Q2", "indicator_code": "RCO04", "value": 13.0, "rco01": 12.0},
            id="rco04-over-rco01",
        ),
        # RCR03 9 > SMEs 4 + 3 + 1 = 8 in 2025Q1 (then 9 <= 5 + 3 + 2 in 2025Q2).
        pytest.param(
            _set("RCR03", "2025Q1", 9) + _set("RCR03", "2025Q2", 9), 3,
            {"rcr03": 9.0, "smes_supported": 8.0},
            id="rcr03-over-smes",
        ),
        # micro suppressed: SMEs = total 10 - large 1 - unknown 1 = 8 < RCR03 9.
        pytest.param(
            _set("RCR03", "2025Q1", 9) + _set("RCR03", "2025Q2", 9)
            + _suppress("RCO01", "2025Q1", "size_class=micro"),
            3, {"rcr03": 9.0, "smes_supported": 8.0}, id="rcr03-over-smes-derived",
        ),
        pytest.param(
            "DELETE FROM indicator_values WHERE quarter = '2025Q2'", 4,
            {"quarter": "2025Q2", "problem": "no indicator values"}, id="quarter-missing",
        ),
        pytest.param(
            "INSERT INTO indicator_values VALUES "
            "('AT12', '2025Q3', 'OUT02', 'total', 18, NULL, 'organisations', false)", 4,
            {"quarter": "2025Q3", "problem": "not in the calendar"}, id="quarter-outside",
        ),
    ],
)  # fmt: skip
def test_consistency_error_blocks(tmp_path: Path, changes: str, failing: int, sample: dict) -> None:
    result = consistency(indicator_warehouse(tmp_path, changes))

    assert not result.passed
    # A missing quarter also leaves every catalogue code missing there (expectation 5).
    also = [5] if failing == 4 and "DELETE" in changes else []
    assert _failures(result, "error") == [failing, *also]
    (row,) = result.outcomes[failing].failing_sample
    assert sample.items() <= row.items()


def test_suppressed_cells_are_not_compared(tmp_path: Path) -> None:
    # RCR03 9 would exceed SMEs 8, but micro and large are suppressed: SMEs cannot be derived.
    # RCO02 11 would exceed RCO01 10, but RCO01's total is suppressed.
    changes = (
        _set("RCR03", "2025Q1", 9)
        + _set("RCR03", "2025Q2", 9)
        + _suppress("RCO01", "2025Q1", "size_class=micro")
        + _suppress("RCO01", "2025Q1", "size_class=large")
        + _set("RCO02", "2025Q1", 11)
        + _set("RCO02", "2025Q2", 12)
        + _suppress("RCO01", "2025Q1", "total")
    )
    result = consistency(indicator_warehouse(tmp_path, changes))
    assert result.passed, [o.description for o in result.blocking_failures]


def test_rco10_may_exceed_rco01(tmp_path: Path) -> None:
    # The catalogue counts in RCO10 an enterprise of a collaborative_rdi project with a research
    # partner, funded or not; RCO01 only supported enterprises (a service, or a project with
    # public funding). Two enterprises of an unfunded project: RCO10 12 > RCO01 10 is valid.
    changes = _set("RCO10", "2025Q1", 12) + _set("RCO10", "2025Q2", 14)
    result = consistency(indicator_warehouse(tmp_path, changes))
    assert result.passed, [o.description for o in result.blocking_failures]


def test_missing_catalogue_code_blocks(tmp_path: Path) -> None:
    changes = "DELETE FROM indicator_values WHERE indicator_code = 'RCR03' AND quarter = '2025Q2'"
    result = consistency(indicator_warehouse(tmp_path, changes))

    assert not result.passed
    assert _failures(result, "error") == [5]
    # IMP01 is in the catalogue but published in its own table: never reported missing.
    assert result.outcomes[5].failing_sample == [
        {"region_code": "AT12", "quarter": "2025Q2", "indicator_code": "RCR03"}
    ]


@pytest.mark.parametrize(
    ("value", "settings", "warned"),
    [
        (61, {}, True),  # 61 > 3 x 20, the default factor
        (60, {}, False),  # exactly 3 x 20
        (6, {}, True),  # 6 x 3 = 18 < 20: a fall to less than a third
        (61, {"jump_warning_factor": 4}, False),  # 61 <= 4 x 20
        (81, {"jump_warning_factor": 4}, True),
    ],
)
def test_quarter_over_quarter_jump_warns(
    tmp_path: Path, value: float, settings: dict, warned: bool
) -> None:
    # OUT02 goes from 20 in 2025Q1 to `value` in 2025Q2.
    result = consistency(indicator_warehouse(tmp_path, _set("OUT02", "2025Q2", value)), settings)
    assert result.passed
    assert _failures(result, "warning") == ([6] if warned else [])
    if warned:
        (row,) = result.outcomes[6].failing_sample
        assert row["previous_value"] == 20.0 and row["value"] == value


RECEIVED = datetime(2025, 7, 2, tzinfo=UTC)
REQUIRED_TABLES = ("clusters", "organisations", "memberships")
# region, quarter, package, rows per required table
PACKAGES = [
    ("AT12", "2025Q1", "p1", (4, 10, 6)),
    ("AT12", "2025Q2", "p2", (4, 10, 6)),
    ("BE2", "2025Q2", "p3", (2, 5, 3)),
]
# Six AT12 members on both reference dates (2025-03-31, 2025-06-30); dates in contract formats.
MEMBERS = [("2024-01-01", None), ("01.02.2024", None), ("01/03/2024", "01/01/2026")] * 2


def package_warehouse(directory: Path, changes: str = "", regions=("AT12", "BE2")) -> Path:
    """Raw tables as ingestion creates them, with hand-made packages."""
    path = directory / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        con.execute("CREATE TABLE raw.regions (region_code TEXT, name TEXT, programme_start TEXT)")
        for region in regions:
            con.execute("INSERT INTO raw.regions VALUES (?, ?, '2021-01-01')", [region, region])
        for region, quarter, package, counts in PACKAGES:
            reference = {"2025Q1": "2025-03-31", "2025Q2": "2025-06-30"}[quarter]
            con.execute(
                "INSERT INTO raw.received_packages VALUES (?, ?, ?, ?, ?, 'accepted', NULL, NULL)",
                [package, region, quarter, reference, RECEIVED],
            )
            for table, rows in zip(REQUIRED_TABLES, counts, strict=True):
                con.execute(
                    "INSERT INTO raw.received_files (package_id, region_code, quarter, table_name,"
                    " file_name, rows_loaded) VALUES (?, ?, ?, ?, ?, ?)",
                    [package, region, quarter, table, f"{table}.csv", rows],
                )
            for n, (joined, left) in enumerate(MEMBERS if region == "AT12" else []):
                con.execute(
                    "INSERT INTO raw.memberships (package_id, region_code, quarter, cluster_id,"
                    " organisation_id, joined_on, left_on) VALUES (?, ?, ?, 'C1', ?, ?, ?)",
                    [package, region, quarter, f"E{n}", joined, left],
                )
        if changes:
            con.execute(changes)
    return path


def test_package_suites_pass_on_good_packages(tmp_path: Path) -> None:
    path = package_warehouse(tmp_path)
    for suite in (VOLUMES, COMPLETENESS):
        result = run_suite(path, suite)
        assert [o.success for o in result.outcomes] == [True] * len(result.outcomes)


@pytest.mark.parametrize(
    ("organisations", "blocked"),
    [(5, False), (4, True)],  # 10 -> 5 is half, not more than half; 10 -> 4 is
)
def test_table_volume_dropping_by_more_than_half_blocks(
    tmp_path: Path, organisations: int, blocked: bool
) -> None:
    changes = (
        f"UPDATE raw.received_files SET rows_loaded = {organisations} "
        "WHERE package_id = 'p2' AND table_name = 'organisations'"
    )
    result = run_suite(package_warehouse(tmp_path, changes), VOLUMES)

    assert _failures(result, "error") == ([0] if blocked else [])
    if blocked:
        assert result.outcomes[0].failing_sample == [
            {"region_code": "AT12", "quarter": "2025Q2", "table_name": "organisations",
             "previous_quarter": "2025Q1", "previous_rows": 10, "newest_rows": 4}
        ]  # fmt: skip


def test_members_dropping_by_more_than_half_blocks(tmp_path: Path) -> None:
    # In p2, four of the six spells end on 15.04.2025, before its reference date 2025-06-30:
    # 2 members left of 6 (2 x 2 < 6). Rows are unchanged, so only the member count sees it.
    changes = (
        "UPDATE raw.memberships SET left_on = '15.04.2025' "
        "WHERE package_id = 'p2' AND organisation_id IN ('E0', 'E1', 'E2', 'E3')"
    )
    result = run_suite(package_warehouse(tmp_path, changes), VOLUMES)

    assert _failures(result, "error") == [1]
    assert result.outcomes[1].failing_sample == [
        {"region_code": "AT12", "quarter": "2025Q2", "members": 2,
         "previous_quarter": "2025Q1", "previous_members": 6}
    ]  # fmt: skip


def test_empty_required_table_blocks(tmp_path: Path) -> None:
    changes = "DELETE FROM raw.received_files WHERE package_id = 'p3' AND table_name = 'clusters'"
    result = run_suite(package_warehouse(tmp_path, changes), COMPLETENESS)

    assert _failures(result, "error") == [0]
    assert result.outcomes[0].failing_sample == [
        {"region_code": "BE2", "quarter": "2025Q2", "table_name": "clusters", "rows_loaded": 0}
    ]


def test_stale_regions_warn(tmp_path: Path) -> None:
    # As of 2025Q2: AT12 sent it; BE2's package in use is 2025Q1; DK03 never sent one.
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE region_staleness AS SELECT * FROM (VALUES "
            "('AT12', '2025Q2', '2025Q2', 0, false), ('BE2', '2025Q2', '2025Q1', 91, true), "
            "('DK03', '2025Q2', NULL, NULL, true)) AS t(region_code, reporting_quarter, "
            "package_in_use_quarter, days_stale, stale)"
        )
    result = run_suite(path, STALENESS)

    assert result.passed
    assert _failures(result, "warning") == [0]
    assert result.outcomes[0].failing_sample == [
        {"region_code": "BE2", "reporting_quarter": "2025Q2", "package_in_use_quarter": "2025Q1",
         "days_stale": 91},
        {"region_code": "DK03", "reporting_quarter": "2025Q2", "package_in_use_quarter": None,
         "days_stale": None},
    ]  # fmt: skip
