"""Every non-impact cell of the demo (all regions, quarters and breakdowns) explained: the
units its explanation lists reproduce the cell's unsuppressed value exactly, by the
catalogue's arithmetic worked out here: a count of distinct units, a sum of addends, or
100 x numerator units / denominator units (null without any), and the quarter's units alone
for the in-quarter values of OUT03-OUT06."""

from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest

from clustermon.explain.contributions import Contribution, contributions_of, measure_of, tally
from clustermon.home import Paths

SHARES = {"RES01", "RES02", "RES03", "RES04", "RES05"}  # docs/spec/indicators.md: % units
SUMS = {"OUT05", "OUT06", "RCR01", "RCR02", "RCR06", "RCR07", "RCR08"}
IN_QUARTER = {"OUT03", "OUT04", "OUT05", "OUT06"}


def _reproduced(code: str, facts: list[Contribution]) -> float | None:
    if code in SHARES:
        numerator = {f.unit_id for f in facts if f.role == "numerator"}
        denominator = {f.unit_id for f in facts if f.role == "denominator"}
        return 100.0 * len(numerator) / len(denominator) if denominator else None
    if code in SUMS:
        assert {f.role for f in facts} <= {"addend"}
        return float(sum((f.addend for f in facts), Decimal(0)))
    assert {f.role for f in facts} <= {"unit"}
    return float(len({f.unit_id for f in facts}))


@pytest.mark.slow
def test_every_cell_is_reproduced_by_its_units(demo_home: Paths) -> None:
    with duckdb.connect(str(demo_home.warehouse), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        cells = con.sql(
            """
            SELECT cells.package_id, cells.quarter, cells.indicator_code, cells.breakdown,
                cells.value, cells.value_in_quarter, catalog.unit
            FROM intermediate.int_indicator_cells_computed AS cells
            JOIN intermediate.int_packages_in_scope AS packages USING (package_id)
            JOIN main.indicator_catalog AS catalog USING (indicator_code)
            WHERE packages.in_use
            """
        ).fetchall()
        # Every published cell is one of them (impact estimates are not in indicator_values).
        (published,) = con.sql("SELECT count(*) FROM main.indicator_values").fetchone()
        assert len(cells) == published > 15000
        by_quarter = defaultdict(list)
        for package_id, quarter, *cell in cells:
            by_quarter[(package_id, quarter)].append(cell)
        wrong = []
        for (package_id, quarter), expected in sorted(by_quarter.items()):
            facts = defaultdict(list)
            for fact in contributions_of(con, package_id, quarter):
                facts[(fact.indicator_code, fact.breakdown)].append(fact)
            for code, breakdown, value, value_in_quarter, unit in expected:
                listed = facts.pop((code, breakdown), [])
                explained = tally(listed, measure_of(listed, unit)).value
                if not _reproduced(code, listed) == explained == value:
                    wrong.append((package_id, quarter, code, breakdown, value, explained))
                if code in IN_QUARTER:
                    in_quarter = [f for f in listed if f.in_quarter]
                    if _reproduced(code, in_quarter) != value_in_quarter:
                        wrong.append((package_id, quarter, code, breakdown, "in quarter"))
            # Nothing listed for a cell that does not exist.
            assert not facts, f"contributions of no cell: {sorted(facts)[:3]}"
    assert wrong == []
