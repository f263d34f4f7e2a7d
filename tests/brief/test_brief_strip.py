"""Where a brief's diamond goes over its strip, worked out by hand from the strip's layout: a
plot of 540 px between paddings of 14 px (568 px in all), 14 px high below a padding of 2 px
and above one of 18 px (34 px in all). A value's place is its share of the domain."""

from __future__ import annotations

import pytest

from clustermon.brief.charts import domain, subject_place
from clustermon.brief.data import Cell, Indicator, Position

INDICATOR = Indicator("OUT01", "output", "Clusters", "clusters", "count", "", None, None)
ROW_MIDDLE = (2 + 14 / 2) / 34 * 100  # percent of the strip's height


def position(value: float | None, values: tuple[float, ...], quartiles=(None, None, None)):
    cell = None if value is None else Cell(value, False)
    return Position(INDICATOR, cell, None, None, values, *quartiles)


@pytest.mark.parametrize(
    ("value", "values", "quartiles", "low", "high", "left"),
    [
        (3.0, (3.0, 5.0, 10.0), (4.0, 5.0, 8.0), 3.0, 10.0, 14 / 568 * 100),  # lowest
        (10.0, (3.0, 5.0, 10.0), (4.0, 5.0, 8.0), 3.0, 10.0, 554 / 568 * 100),  # highest
        (6.5, (3.0, 6.5, 10.0), (None, None, None), 3.0, 10.0, 50.0),  # half way
        (-5.0, (-10.0, -5.0, 10.0), (-7.5, -5.0, 2.5), -10.0, 10.0, 149 / 568 * 100),
        (0.0, (0.0,), (None, None, None), -1.0, 1.0, 50.0),  # one value, zero: widened by 1
        (4.0, (4.0, 4.0), (4.0, 4.0, 4.0), 2.0, 6.0, 50.0),  # one value: widened by half
    ],
)
def test_the_diamond_sits_at_its_share_of_the_domain(
    value: float, values: tuple, quartiles: tuple, low: float, high: float, left: float
) -> None:
    assert domain(values, quartiles[0], quartiles[2]) == (low, high)
    assert subject_place(position(value, values, quartiles)) == pytest.approx(
        (left, ROW_MIDDLE), abs=1e-4
    )


def test_quartiles_beyond_the_values_widen_the_domain() -> None:
    assert domain((5.0, 6.0), 2.0, 9.0) == (2.0, 9.0)


def test_no_diamond_without_a_value_to_draw() -> None:
    assert subject_place(position(None, (1.0, 2.0))) is None  # not computed
    suppressed = Position(INDICATOR, Cell(None, True), None, None, (1.0, 2.0), None, None, None)
    assert subject_place(suppressed) is None
    assert subject_place(position(1.0, ())) is None  # no distribution


def test_a_value_off_its_strip_gets_no_diamond_rather_than_one_at_an_end() -> None:
    # A region's own value is among its distribution's, so this would be a bug upstream.
    assert subject_place(position(7.0, (1.0, 2.0))) is None
    assert subject_place(position(0.5, (1.0, 2.0))) is None
