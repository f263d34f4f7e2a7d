"""The cell `explain` is asked about, checked against the warehouse: its indicator's catalogue
entry, the region's package in use (and the one before it), the quarter and breakdown, the
published value and the true, unsuppressed one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from clustermon.contract.quarters import normalise_quarter
from clustermon.explain.warehouse import ExplainError

ALL_REGIONS = "ALL"  # the impact estimates' pooled scope


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    level: str
    unit: str
    kind: str
    definition: str
    eu_code: str | None

    @property
    def is_impact(self) -> bool:
        """IMP01-IMP04: estimates (impact_estimates), not cells of indicator_values."""
        return self.kind == "estimate"

    @property
    def has_in_quarter_value(self) -> bool:
        return "in-quarter" in self.kind


@dataclass(frozen=True)
class Package:
    package_id: str
    region_code: str
    quarter: str  # the package's own quarter
    reference_date: date


@dataclass(frozen=True)
class Values:
    value: float | None
    value_in_quarter: float | None


@dataclass(frozen=True)
class Cell:
    indicator: Indicator
    region_code: str
    quarter: str
    breakdown: str
    package: Package  # the package in use, which every quarter's cells come from
    published: Values  # as main.indicator_values holds them (null where suppressed)
    suppressed: bool
    true: Values  # unsuppressed (int_indicator_cells_computed): shown here only


def _choices(values: list[str]) -> str:
    return ", ".join(values) if len(values) <= 40 else ", ".join(values[:40]) + ", …"


def _column(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> list:
    """The first column of a query's rows."""
    return [row[0] for row in con.execute(sql, parameters or []).fetchall()]


def indicator_of(con: duckdb.DuckDBPyConnection, code: str) -> Indicator:
    rows = con.execute(
        "SELECT indicator_code, name, level, unit, kind, definition, eu_code "
        "FROM main.indicator_catalog WHERE indicator_code = ?",
        [code.upper()],
    ).fetchall()
    if not rows:
        known = _column(
            con, "SELECT indicator_code FROM main.indicator_catalog ORDER BY catalog_order"
        )
        raise ExplainError(f"unknown indicator code {code!r}: the catalogue has {_choices(known)}")
    return Indicator(*rows[0])


def check_region(con: duckdb.DuckDBPyConnection, region: str, pooled: bool = False) -> str:
    """The region code as the programme lists it; `pooled` also accepts ALL (impact)."""
    code = region.upper()
    if pooled and code == ALL_REGIONS:
        return code
    known = _column(
        con, "SELECT region_code FROM staging.stg_programme__regions ORDER BY region_code"
    )
    if code not in known:
        also = f" (or {ALL_REGIONS}, all regions pooled)" if pooled else ""
        raise ExplainError(
            f"unknown region {region!r}: the programme's regions are {_choices(known)}{also}"
        )
    return code


def packages_of(con: duckdb.DuckDBPyConnection, region: str) -> tuple[Package, Package | None]:
    """The region's package in use and the accepted one before it (None if it sent one)."""
    rows = con.execute(
        "SELECT in_use, package_id, region_code, package_quarter, reference_date "
        "FROM intermediate.int_packages_in_scope WHERE region_code = ?",
        [region],
    ).fetchall()
    packages = {in_use: Package(*rest) for in_use, *rest in rows}
    if True not in packages:
        raise ExplainError(f"region {region} has no accepted package yet: nothing to explain")
    return packages[True], packages.get(False)


def quarters_of(con: duckdb.DuckDBPyConnection, package: Package) -> list[str]:
    return _column(
        con,
        "SELECT quarter FROM intermediate.int_quarters_enumerated WHERE package_id = ? "
        "ORDER BY quarter",
        [package.package_id],
    )


def check_quarter(con: duckdb.DuckDBPyConnection, package: Package, quarter: str) -> str:
    try:
        code = normalise_quarter(quarter)
    except ValueError as error:
        raise ExplainError(str(error)) from error
    calendar = quarters_of(con, package)
    if code not in calendar:
        raise ExplainError(
            f"{package.region_code} has no quarter {code}: its package in use ({package.quarter}) "
            f"covers {calendar[0]} to {calendar[-1]}"
            if calendar
            else f"{package.region_code}'s package in use ({package.quarter}) covers no quarter"
        )
    return code


def check_breakdown(con: duckdb.DuckDBPyConnection, indicator: Indicator, breakdown: str) -> str:
    cells = _column(
        con,
        "SELECT breakdown FROM reference.indicator_cells WHERE indicator_code = ? "
        "ORDER BY cell_order",
        [indicator.code],
    )
    if breakdown not in cells:
        raise ExplainError(
            f"{indicator.code} has no breakdown {breakdown!r}: its cells are {_choices(cells)}"
        )
    return breakdown


def computed_values(
    con: duckdb.DuckDBPyConnection, package: Package, quarter: str, code: str, breakdown: str
) -> Values:
    """The unsuppressed cell as the models computed it from `package`."""
    ((value, in_quarter),) = con.execute(
        "SELECT value, value_in_quarter FROM intermediate.int_indicator_cells_computed "
        "WHERE package_id = ? AND quarter = ? AND indicator_code = ? AND breakdown = ?",
        [package.package_id, quarter, code, breakdown],
    ).fetchall()
    return Values(value, in_quarter)


def resolve_cell(
    con: duckdb.DuckDBPyConnection, code: str, region: str, quarter: str, breakdown: str
) -> Cell:
    """The cell, each part checked in turn so an error names the first that is unknown."""
    indicator = indicator_of(con, code)
    if indicator.is_impact:
        raise ExplainError(
            f"{indicator.code} is an impact estimate: `clustermon explain {indicator.code} "
            f"REGION [--horizon K]` (no quarter) lists its cohort-stratum cells"
        )
    region_code = check_region(con, region)
    package, _ = packages_of(con, region_code)
    quarter_code = check_quarter(con, package, quarter)
    check_breakdown(con, indicator, breakdown)
    ((value, in_quarter, suppressed),) = con.execute(
        "SELECT value, value_in_quarter, suppressed FROM main.indicator_values "
        "WHERE region_code = ? AND quarter = ? AND indicator_code = ? AND breakdown = ?",
        [region_code, quarter_code, indicator.code, breakdown],
    ).fetchall()
    return Cell(
        indicator=indicator,
        region_code=region_code,
        quarter=quarter_code,
        breakdown=breakdown,
        package=package,
        published=Values(value, in_quarter),
        suppressed=suppressed,
        true=computed_values(con, package, quarter_code, indicator.code, breakdown),
    )
