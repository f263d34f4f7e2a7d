"""An attacker of published cells, written from docs/spec/indicators.md (1.1, "Confidentiality")
independently of the dbt models, for the suppression tests.

A partition is one indicator's cells for one region and quarter; its breakdowns add up as the
seed indicator_cells says (a cell's `family_total`). Given what is published (a value, or None
where suppressed), `feasible_values` enumerates every assignment of the suppressed cells that is
consistent with it, as issue 18 states the attack: published cells as published, totals
(published or not) the sums of their breakdowns, and each suppressed breakdown cell 1..threshold-1
(primary) or above the threshold (secondary). A suppressed total is only a sum: a total withheld
because no cell exceeds the threshold can equal it (1 + 1 + 1). Two stronger attackers, for
measuring what spec 1.1 leaves: `knows_enterprise_cells` (a suppressed cell that is not an
enterprise cell can only be a secondary, above the threshold) and `replay_rule` (an assignment
must give back the published pattern when the rule is run on it, `suppressed_cells`, the spec's
rule in Python: the secondary is the smallest cell above the threshold).
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from clustermon.home import DBT_PROJECT_DIR


@dataclass(frozen=True)
class Cell:
    breakdown: str
    cell_order: int
    enterprise_cell: bool
    family_total: str | None


@cache
def indicator_cells() -> dict[str, tuple[Cell, ...]]:
    """The seed's cells of every indicator, in catalogue order."""
    cells: dict[str, list[Cell]] = {}
    with (DBT_PROJECT_DIR / "seeds" / "indicator_cells.csv").open() as seed:
        for row in csv.DictReader(seed):
            cells.setdefault(row["indicator_code"], []).append(
                Cell(
                    row["breakdown"],
                    int(row["cell_order"]),
                    row["enterprise_cell"] == "true",
                    row["family_total"] or None,
                )
            )
    return {code: tuple(sorted(c, key=lambda cell: cell.cell_order)) for code, c in cells.items()}


def families(indicator: str) -> dict[str, list[Cell]]:
    """Each family total of the indicator and the cells that add up to it."""
    members: dict[str, list[Cell]] = {}
    for cell in indicator_cells()[indicator]:
        if cell.family_total is not None:
            members.setdefault(cell.family_total, []).append(cell)
    return members


def suppressed_cells(indicator: str, values: dict[str, int], threshold: int) -> set[str]:
    """The spec's rule: primary, then secondary over all breakdowns until nothing changes."""
    cells = indicator_cells()[indicator]
    hidden = {
        c.breakdown for c in cells if c.enterprise_cell and 1 <= values[c.breakdown] < threshold
    }
    changed = True
    while changed:
        changed = False
        for total, members in families(indicator).items():
            if total in hidden:
                continue
            members_hidden = [m for m in members if m.breakdown in hidden]
            exposed = len(members_hidden) == 1 or (
                len(members_hidden) > 1
                and not any(values[m.breakdown] > threshold for m in members_hidden)
            )
            if not exposed:
                continue
            above = [
                m for m in members if m.breakdown not in hidden and values[m.breakdown] > threshold
            ]
            pick = min(above, key=lambda m: (values[m.breakdown], m.cell_order), default=None)
            hidden.add(pick.breakdown if pick else total)
            changed = True
    return hidden


def _sum_of(breakdown: str, values: dict[str, int], members: dict[str, list[Cell]]) -> int | None:
    if breakdown in values:
        return values[breakdown]
    if breakdown not in members:
        return None  # a breakdown cell not yet assigned
    parts = [_sum_of(m.breakdown, values, members) for m in members[breakdown]]
    return None if None in parts else sum(parts)


def _assignments(
    indicator: str,
    published: dict[str, float | None],
    threshold: int,
    cap: int,
    knows_enterprise_cells: bool,
) -> Iterator[dict[str, int]]:
    """Every full assignment of the partition consistent with `published` and the domains."""
    members = families(indicator)
    leaves = sorted(
        (c for c in indicator_cells()[indicator] if c.breakdown not in members),
        key=lambda c: -c.cell_order,  # nested breakdowns first, so their totals settle early
    )
    known = {
        c.breakdown: int(published[c.breakdown])
        for c in leaves
        if published[c.breakdown] is not None
    }
    hidden = [c for c in leaves if published[c.breakdown] is None]

    def consistent(values: dict[str, int]) -> bool:
        for total in members:
            got = _sum_of(total, values, members)
            if got is None:
                continue
            if published.get(total) is not None and got != published[total]:
                return False
            if published.get(total) is None and got == 0:
                return False  # a withheld total has a suppressed cell under it
        return True

    def domain(cell: Cell) -> range | list[int]:
        above = list(range(threshold + 1, cap + 1))
        primary = cell.enterprise_cell or not knows_enterprise_cells
        return list(range(1, threshold)) + above if primary else above

    def extend(i: int, values: dict[str, int]) -> Iterator[dict[str, int]]:
        if i == len(hidden):
            yield {
                c.breakdown: _sum_of(c.breakdown, values, members)
                for c in indicator_cells()[indicator]
            }
            return
        for value in domain(hidden[i]):
            values[hidden[i].breakdown] = value
            if consistent(values):
                yield from extend(i + 1, values)
            del values[hidden[i].breakdown]

    yield from extend(0, dict(known))


def feasible_values(
    indicator: str,
    published: dict[str, float | None],
    threshold: int,
    *,
    knows_enterprise_cells: bool = False,
    replay_rule: bool = False,
    cap: int | None = None,
) -> dict[str, set[int]]:
    """The values each suppressed cell of the partition can hold, as far as needed: the search
    stops once every suppressed cell has two (the cells are then all safe). Values run up to
    `cap` (default: the largest published value plus twice the threshold), so a cell shown with
    one value may have more above it; two found are two."""
    hidden = {b for b, v in published.items() if v is None}
    cap = (
        cap or int(max((v for v in published.values() if v is not None), default=0)) + 2 * threshold
    )
    seen: dict[str, set[int]] = {b: set() for b in hidden}
    for values in _assignments(indicator, published, threshold, cap, knows_enterprise_cells):
        if replay_rule and suppressed_cells(indicator, values, threshold) != hidden:
            continue
        for breakdown in hidden:
            seen[breakdown].add(values[breakdown])
        if all(len(v) >= 2 for v in seen.values()):
            break
    return seen


def pinned(seen: dict[str, set[int]]) -> dict[str, int]:
    """The suppressed cells with a single feasible value, and that value."""
    return {b: next(iter(v)) for b, v in seen.items() if len(v) == 1}
