"""A cell's revision between the region's previous package and its package in use: the units
that entered the cell, those that left it, and (for sums) those whose addends changed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from clustermon.explain.cell import Cell, Package, Values, computed_values, packages_of, quarters_of
from clustermon.explain.contributions import Contribution, contributions_of
from clustermon.explain.warehouse import ExplainError


@dataclass(frozen=True)
class ChangedAddend:
    previous: Decimal  # what the unit added in the previous package
    facts: list[Contribution]  # its facts in the package in use

    @property
    def current(self) -> Decimal:
        return _addends(self.facts)


@dataclass(frozen=True)
class Revision:
    previous: Package
    previous_values: Values  # unsuppressed, as computed from the previous package
    entered: list[Contribution]  # the facts of the units only the package in use counts
    left: list[Contribution]  # the facts of the units only the previous package counted
    changed: list[ChangedAddend]  # units in both whose addends differ


def _by_unit(contributions: list[Contribution]) -> dict[tuple[str, str], list[Contribution]]:
    units: dict[tuple[str, str], list[Contribution]] = defaultdict(list)
    for contribution in contributions:
        units[(contribution.role, contribution.unit_id)].append(contribution)
    return units


def _addends(facts: list[Contribution]) -> Decimal:
    return sum((fact.addend or Decimal(0) for fact in facts), Decimal(0))


def compare(
    previous: list[Contribution], current: list[Contribution]
) -> tuple[list[Contribution], list[Contribution], list[ChangedAddend]]:
    """Units (by role and id) entered, left, and whose addends changed, from two listings of
    one cell."""
    before, after = _by_unit(previous), _by_unit(current)
    entered = [fact for unit in sorted(after.keys() - before.keys()) for fact in after[unit]]
    left = [fact for unit in sorted(before.keys() - after.keys()) for fact in before[unit]]
    changed = [
        ChangedAddend(_addends(before[unit]), facts)
        for unit, facts in sorted(after.items())
        if unit in before and _addends(before[unit]) != _addends(facts)
    ]
    return entered, left, changed


def revision_of(con: duckdb.DuckDBPyConnection, cell: Cell) -> Revision:
    _, previous = packages_of(con, cell.region_code)
    if previous is None:
        raise ExplainError(
            f"{cell.region_code} has sent one accepted package ({cell.package.quarter}): there "
            "is no previous package to compare with"
        )
    if cell.quarter not in quarters_of(con, previous):
        raise ExplainError(
            f"{cell.region_code}'s previous package ({previous.quarter}) does not cover "
            f"{cell.quarter}: no revision to explain"
        )
    code, breakdown = cell.indicator.code, cell.breakdown
    entered, left, changed = compare(
        contributions_of(con, previous.package_id, cell.quarter, code, breakdown),
        contributions_of(con, cell.package.package_id, cell.quarter, code, breakdown),
    )
    return Revision(
        previous=previous,
        previous_values=computed_values(con, previous, cell.quarter, code, breakdown),
        entered=entered,
        left=left,
        changed=changed,
    )
