"""Suppression per docs/spec/indicators.md 1.1 ("Confidentiality"), run by the real dbt macro
`suppress_cells` (the one int_indicator_cells_suppressed uses, compiled by dbt) on hand-made
cells: each case's outcome is worked out by hand below from the spec, and each case's
publication is attacked by brute force (tests/disclosure.py). A dense synthetic set of random
small cells checks the macro against the spec's rule written in Python, and that no suppressed
cell of it has a single feasible value.
"""

import json
import random

import duckdb
import pytest
from dbt.cli.main import dbtRunner
from disclosure import feasible_values, indicator_cells, pinned, suppressed_cells

from clustermon.home import DBT_PROJECT_DIR

SIZES = ("micro", "small", "medium", "large", "unknown")
KINDS = ("university", "research_institution", "public_authority", "intermediary", "other")


@pytest.fixture(scope="module")
def suppression_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The macro's SQL over a relation `cells`, compiled by dbt from the project."""
    scratch = tmp_path_factory.mktemp("dbt")
    result = dbtRunner().invoke(
        [
            "compile",
            "--inline",
            "{{ suppress_cells('cells') }}",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(scratch / "target"),
            "--log-path",
            str(scratch),
            "--vars",
            json.dumps({"warehouse": str(scratch / "scratch.duckdb")}),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def rco01(total: int, micro: int, small: int, medium: int, large: int, unknown: int) -> dict:
    return {"total": total} | {
        f"size_class={s}": v
        for s, v in zip(SIZES, (micro, small, medium, large, unknown), strict=True)
    }


def out02(sizes: tuple[int, ...], others: tuple[int, ...]) -> dict:
    values = {f"size_class={s}": v for s, v in zip(SIZES, sizes, strict=True)}
    values |= {f"kind={k}": v for k, v in zip(KINDS, others, strict=True)}
    values["kind=enterprise"] = sum(sizes)
    values["total"] = sum(sizes) + sum(others)
    return values


def run_suppression(
    sql: str, partitions: list[tuple[str, dict[str, int]]], threshold: int = 3
) -> list[set[str]]:
    """The breakdowns the macro suppresses in each partition (indicator, cell values)."""
    rows = [
        ("p", "XX", f"q{i}", indicator, c.breakdown, c.cell_order, c.enterprise_cell,
         c.family_total, values[c.breakdown], None, values[c.breakdown], threshold)
        for i, (indicator, values) in enumerate(partitions)
        for c in indicator_cells()[indicator]
    ]  # fmt: skip
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE cells (package_id VARCHAR, region_code VARCHAR, quarter VARCHAR,"
            " indicator_code VARCHAR, breakdown VARCHAR, cell_order INTEGER,"
            " enterprise_cell BOOLEAN, family_total VARCHAR, value DOUBLE,"
            " value_in_quarter DOUBLE, n_enterprises BIGINT, threshold INTEGER)"
        )
        con.executemany("INSERT INTO cells VALUES (" + ", ".join("?" * 12) + ")", rows)
        hidden = con.execute(f"SELECT quarter, breakdown FROM ({sql}) WHERE suppressed").fetchall()
    return [{b for q, b in hidden if q == f"q{i}"} for i in range(len(partitions))]


def published_of(values: dict[str, int], hidden: set[str]) -> dict[str, int | None]:
    return {b: None if b in hidden else v for b, v in values.items()}


# (id, indicator, cell values, threshold, suppressed breakdowns worked out by hand)
CASES = [
    # The issue's case (AT12, 2025Q1): medium 1 is primary; exactly one suppressed under the
    # published 8, so the smallest cell above 3 is withheld: small 4 (micro's 3 does not exceed
    # it). Spec 1.0 withheld large's 0, and 8 - 3 - 4 - 0 gave medium = 1.
    ("issue-case", "RCO01", rco01(8, 3, 4, 1, 0, 0), 3,
     {"size_class=medium", "size_class=small"}),
    # Two primary cells, 1 + 1, beside a cell above 3: that cell (8) is withheld too.
    ("two-primaries", "RCO01", rco01(10, 1, 1, 8, 0, 0), 3,
     {"size_class=micro", "size_class=small", "size_class=medium"}),
    # Two primary cells and no cell above 3 (medium's 3 does not exceed it): 5 - 3 = 1 + 1
    # would pin both, so the total is withheld.
    ("two-primaries-no-cell-above", "RCO01", rco01(5, 1, 1, 3, 0, 0), 3,
     {"size_class=micro", "size_class=small", "total"}),
    # Ties at the smallest value above 3: the first in catalogue order (small before medium).
    ("tie", "RCO01", rco01(11, 1, 5, 5, 0, 0), 3,
     {"size_class=micro", "size_class=small"}),
    # The threshold is the setting's: at 5, micro 4 and medium 3 are primary; small's 5 does
    # not exceed 5, so the total is withheld.
    ("threshold-5", "RCO01", rco01(12, 4, 5, 3, 0, 0), 5,
     {"size_class=micro", "size_class=medium", "total"}),
    # OUT02: micro 1 and small 2 are primary, no size class above 3, so their total
    # kind=enterprise (3) is withheld; by kind it is then alone, so the smallest kind above 3
    # is withheld: research_institution 4 (university 5, intermediary 7).
    ("nested-cascade", "OUT02", out02((1, 2, 0, 0, 0), (5, 4, 0, 7, 0)), 3,
     {"size_class=micro", "size_class=small", "kind=enterprise",
      "kind=research_institution"}),
    # By kind no cell exceeds 3 either: OUT02's total is withheld in turn.
    ("nested-cascade-to-total", "OUT02", out02((1, 2, 0, 0, 0), (1, 3, 0, 2, 0)), 3,
     {"size_class=micro", "size_class=small", "kind=enterprise", "total"}),
    # One size class suppressed (small 1): micro 4 withheld beside it; enterprises (5) stay.
    ("nested-settled-inside", "OUT02", out02((4, 1, 0, 0, 0), (2, 0, 0, 0, 0)), 3,
     {"size_class=micro", "size_class=small"}),
    # Enterprises 2 are themselves primary (so are micro's 2): no size family to settle; by
    # kind, the smallest cell above 3 is public_authority 4.
    ("enterprises-primary", "OUT02", out02((2, 0, 0, 0, 0), (0, 6, 4, 0, 0)), 3,
     {"size_class=micro", "kind=enterprise", "kind=public_authority"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("indicator", "values", "threshold", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_suppression_matches_hand_computation(
    suppression_sql, indicator, values, threshold, expected
):
    assert run_suppression(suppression_sql, [(indicator, values)], threshold) == [expected]


@pytest.mark.parametrize(
    ("indicator", "values", "threshold", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_no_hand_made_case_pins_a_suppressed_cell(indicator, values, threshold, expected):
    seen = feasible_values(indicator, published_of(values, expected), threshold)
    assert pinned(seen) == {}


def test_the_issue_case_leaves_medium_two_values():
    # Published: 8, micro 3, large 0, unknown 0; small + medium = 5, each 1..2 or above 3.
    published = published_of(rco01(8, 3, 4, 1, 0, 0), {"size_class=small", "size_class=medium"})
    seen = feasible_values("RCO01", published, 3, cap=20)
    assert seen == {"size_class=small": {1, 4}, "size_class=medium": {1, 4}}


def dense_partitions(n: int, seed: int) -> list[tuple[str, dict[str, int]]]:
    """Random small cells, most of them below or near the threshold."""
    draw = random.Random(seed)
    small = [0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 9]
    partitions = []
    for i in range(n):
        if i % 2:
            sizes = tuple(draw.choice(small) for _ in SIZES)
            partitions.append(("RCO01", rco01(sum(sizes), *sizes)))
        else:
            sizes = tuple(draw.choice(small) for _ in SIZES)
            partitions.append(("OUT02", out02(sizes, tuple(draw.choice(small) for _ in KINDS))))
    return partitions


@pytest.fixture(scope="module")
def dense(suppression_sql) -> list[tuple[str, dict[str, int], set[str]]]:
    partitions = dense_partitions(400, seed=18)
    hidden = run_suppression(suppression_sql, partitions)
    return [(code, values, h) for (code, values), h in zip(partitions, hidden, strict=True)]


def test_the_macro_follows_the_spec_on_dense_cells(dense):
    differing = [
        (code, values, hidden)
        for code, values, hidden in dense
        if hidden != suppressed_cells(code, values, 3)
    ]
    assert differing == []
    assert sum(1 for *_, hidden in dense if len(hidden) >= 3) > 100  # dense indeed


def test_no_suppressed_cell_of_dense_cells_has_a_single_feasible_value(dense):
    recovered = [
        (code, values, pinned(feasible_values(code, published_of(values, hidden), 3)))
        for code, values, hidden in dense
        if hidden
    ]
    assert [case for case in recovered if case[2]] == []
