"""The explanations as text for the terminal: the cell, its units one line each with the fact
and its row, the files the facts come from, and the arithmetic that gives the cell's value."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from clustermon.explain.archive import archived_copy_state
from clustermon.explain.cell import Cell, Indicator
from clustermon.explain.contributions import Contribution, Tally, measure_of, tally
from clustermon.explain.impact import ImpactExplanation
from clustermon.explain.revisions import Revision

ROLE_TITLES = {
    "unit": "Units counted",
    "addend": "Addends summed",
    "numerator": "Numerator units",
    "denominator": "Denominator units",
}


def number(value: float | Decimal | int | None) -> str:
    """A value as written in full, without trailing zeros; `null` for none."""
    if value is None:
        return "null"
    text = format(Decimal(str(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _source(contribution: Contribution) -> str:
    return f"{contribution.source_file or contribution.source_table} row {contribution.source_row}"


def _unit_lines(contributions: list[Contribution]) -> list[str]:
    """One line per unit (id, addend, its first fact and row); a unit's further facts are
    counted on its line and listed by --csv."""
    facts: dict[str, list[Contribution]] = defaultdict(list)
    for contribution in contributions:
        facts[contribution.unit_id].append(contribution)
    width = max((len(unit) for unit in facts), default=0)
    lines = []
    for unit, listed in facts.items():
        first = min(listed, key=lambda c: (c.counts_from, c.source_table, c.source_row))
        addend = sum((c.addend for c in listed if c.addend is not None), Decimal(0))
        shown = f"{'+' + number(addend):>14}  " if first.role == "addend" else ""
        more = f" (+{len(listed) - 1} more facts)" if len(listed) > 1 else ""
        lines.append(f"  {unit:<{width}}  {shown}{first.fact} [{_source(first)}]{more}")
    return lines


def _arithmetic(figures: Tally, value: float | None, label: str) -> str:
    if figures.measure == "share":
        worked = (
            f"100 x {figures.numerator} / {figures.denominator} = {number(figures.value)}"
            if figures.denominator
            else "no denominator unit: null"
        )
    elif figures.measure == "sum":
        worked = f"sum of the {figures.units} addends = {number(figures.total)}"
    else:
        worked = f"{figures.units} distinct units"
    agrees = "=" if figures.value == value else "DIFFERS FROM"
    return f"{label}: {worked} {agrees} the cell's {number(value)}"


def _files(contributions: list[Contribution]) -> list[str]:
    """The package files the facts come from, each with its archived copy checked."""
    files = sorted(
        {
            (
                c.region_code,
                c.package_quarter,
                c.source_table,
                c.source_file,
                c.sha256,
                c.archive_path,
            )
            for c in contributions
        }
    )
    return [
        f"  {region} {quarter} {table}: {name}, SHA-256 {sha256}, archived at {path} "
        f"({archived_copy_state(path, sha256)})"
        for region, quarter, table, name, sha256, path in files
    ]


def _header(cell: Cell) -> list[str]:
    indicator: Indicator = cell.indicator
    unit = indicator.unit
    if cell.suppressed:
        published = (
            f"suppressed (confidential: the true value, {number(cell.true.value)} {unit}, "
            "is shown here only and is never published)"
        )
    else:
        published = f"{number(cell.published.value)} {unit}"
        if indicator.has_in_quarter_value:
            published += f"; in the quarter alone {number(cell.published.value_in_quarter)}"
    eu = f", EU code {indicator.eu_code}" if indicator.eu_code else ""
    return [
        f"{indicator.code} {indicator.name}: {cell.region_code} {cell.quarter}, cell "
        f"{cell.breakdown}",
        f"Published value: {published}",
        f"Definition ({indicator.level}, {indicator.kind}{eu}): {indicator.definition}",
        f"Package in use: {cell.package.region_code} {cell.package.quarter} (id "
        f"{cell.package.package_id}, reference date {cell.package.reference_date}); every "
        "quarter's cells come from it",
    ]


def format_cell(cell: Cell, contributions: list[Contribution]) -> str:
    """The whole explanation of a cell."""
    lines = _header(cell)
    measure = measure_of(contributions, cell.indicator.unit)
    by_role: dict[str, list[Contribution]] = defaultdict(list)
    for contribution in contributions:
        by_role[contribution.role].append(contribution)
    if contributions:
        lines += ["", "Facts from the package as archived (table: file, checksum, copy):"]
        lines += _files(contributions)
    else:
        lines += ["", "No unit counts in this cell."]
    for role, listed in by_role.items():
        units = len({c.unit_id for c in listed})
        lines += ["", f"{ROLE_TITLES[role]}: {units} (id, fact that makes it count, [row])"]
        lines += _unit_lines(listed)
    lines += ["", _arithmetic(tally(contributions, measure), cell.true.value, "Value")]
    if cell.indicator.has_in_quarter_value:
        in_quarter = [c for c in contributions if c.in_quarter]
        units = len({c.unit_id for c in in_quarter})
        lines += ["", f"In {cell.quarter} alone: {units} units"]
        lines += _unit_lines(in_quarter)
        figures = tally(contributions, measure, in_quarter=True)
        lines.append(_arithmetic(figures, cell.true.value_in_quarter, "In-quarter value"))
    return "\n".join(lines)


def format_revision(cell: Cell, revision: Revision) -> str:
    """What changed in a cell between the previous package and the package in use."""
    previous = revision.previous
    lines = [
        *_header(cell),
        "",
        f"Revision against the previous package {previous.region_code} {previous.quarter} (id "
        f"{previous.package_id}): unsuppressed value {number(revision.previous_values.value)} "
        f"-> {number(cell.true.value)}",
    ]
    facts = revision.entered + revision.left + [c for ch in revision.changed for c in ch.facts]
    if facts:
        lines += ["", "Facts from the packages as archived (table: file, checksum, copy):"]
        lines += _files(facts)
    for title, listed in (
        ("Units entered (only the package in use counts them)", revision.entered),
        ("Units left (only the previous package counted them)", revision.left),
    ):
        lines += ["", f"{title}: {len({(c.role, c.unit_id) for c in listed})}"]
        lines += _unit_lines(listed)
    lines += ["", f"Units whose addends changed: {len(revision.changed)}"]
    lines += [
        f"  {change.facts[0].unit_id}  {number(change.previous)} -> {number(change.current)}  "
        f"{change.facts[0].fact} [{_source(change.facts[0])}]"
        for change in revision.changed
    ]
    return "\n".join(lines)


def format_impact(explanation: ImpactExplanation) -> str:
    indicator, horizon = explanation.indicator, explanation.horizon
    published = explanation.published
    if published is None:
        shown = "none published"
    elif published.estimable:
        shown = (
            f"{number(published.estimate)} {indicator.unit} ({published.n_treated} treated, "
            f"{published.n_comparison} comparison firms)"
        )
    else:
        shown = (
            f"not estimable ({published.n_treated} treated, {published.n_comparison} comparison "
            "firms: fewer than 5)"
        )
    lines = [
        f"{indicator.code} {indicator.name}: {explanation.region_code}, horizon {horizon}",
        f"Published estimate: {shown}",
        f"Definition: {indicator.definition}",
        "",
        f"Cohort-stratum cells (g: year first joined; long difference Y(g+{horizon}) - Y(g-1)):",
        f"  {'region':<6} {'NACE':<4} {'size':<6} {'g':>4} {'treated':>7} {'comparison':>10} "
        f"{'mean treated':>13} {'mean comparison':>15} {'difference':>11}",
    ]
    lines += [
        f"  {c.region_code:<6} {c.nace_section:<4} {c.size_class:<6} {c.cohort:>4} "
        f"{c.n_treated:>7} {c.n_comparison:>10} {c.mean_treated:>13.6f} "
        f"{c.mean_comparison:>15.6f} {c.effect:>11.6f}"
        for c in explanation.cells
    ]
    effect = explanation.weighted_effect
    lines += [
        "",
        f"Treated firms: {explanation.n_treated} (published n_treated: "
        f"{published.n_treated if published else 'none'}); comparison firms add up to "
        f"{sum(c.n_comparison for c in explanation.cells)} over the cells (one serving several "
        "cohorts counts in each; n_comparison counts it once)",
        f"Differences weighted by treated firms: {number(effect)} (published estimate: "
        f"{number(published.estimate) if published else 'none'})",
    ]
    return "\n".join(lines)
