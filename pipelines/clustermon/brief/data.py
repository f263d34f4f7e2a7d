"""What a brief says, read from the published warehouse only, for every region at once.

The published file holds no organisation names, so nothing read here can name one. Every
table is read once per build (a publication's briefs for all regions share one read) and cut
per region in Python; all regions' values enter a distribution anonymously: a brief names its
own region only, and the values of the others are kept without their codes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from clustermon.contract.quarters import quarter_before
from clustermon.publish.publication import MANIFEST_NAME
from clustermon.site.maps import nuts_names, quartile_band

# The region page's headline figures (dashboards/pages/regions/[region].md, block headline).
HEADLINE = ("OUT01", "OUT02", "RCO01")


@dataclass(frozen=True)
class PublicationInfo:
    """The publication a brief was built from: a brief belongs to it and says so."""

    id: str
    published_at: str

    @classmethod
    def of(cls, database: Path) -> tuple[Path, PublicationInfo]:
        """The version's own file behind `published/monitoring.duckdb` and its manifest's ID:
        the file is opened by its version path, so a publication switched in meanwhile cannot
        mix with the ID the brief states."""
        resolved = database.resolve()
        try:
            manifest = json.loads((resolved.parent / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # a file outside a publication (tests, a copy)
            return resolved, cls(resolved.parent.name, "unknown")
        return resolved, cls(str(manifest["id"]), str(manifest["published_at"]))


@dataclass(frozen=True)
class Indicator:
    code: str
    level: str
    name: str
    unit: str
    kind: str
    definition: str
    eu_code: str | None
    breakdowns: str | None


@dataclass(frozen=True)
class Cell:
    """A published headline cell: a value, or suppressed (value None)."""

    value: float | None
    suppressed: bool


@dataclass(frozen=True)
class Position:
    """One indicator of the region in the brief's quarter beside all regions' values."""

    indicator: Indicator
    cell: Cell | None  # None: not computed for the region in this quarter
    previous: Cell | None  # the quarter before
    year_before: Cell | None  # the same quarter a year before
    values: tuple[float, ...]  # every region's published value (the region's too), no codes
    q1: float | None
    median: float | None
    q3: float | None

    @property
    def band(self) -> str | None:
        if self.cell is None or self.cell.value is None or self.q1 is None:
            return None
        return quartile_band(self.cell.value, self.q1, self.median, self.q3)


@dataclass(frozen=True)
class Target:
    indicator: Indicator
    year: int
    kind: str  # milestone or target
    target: float
    achieved_quarter: str | None
    achieved: Cell | None
    share: float | None

    @property
    def year_complete(self) -> bool:
        """Judged only once the year's last quarter is computed."""
        return self.achieved_quarter == f"{self.year}Q4"

    @property
    def gap(self) -> float | None:
        """What remains to reach the target (negative: exceeded)."""
        if self.achieved is None or self.achieved.value is None:
            return None
        return self.target - self.achieved.value


@dataclass(frozen=True)
class Revision:
    """An indicator's headline values the package in use changed against the previous one."""

    indicator: Indicator
    quarters: int  # headline values revised
    withheld: int  # of those, previous values withheld beside a suppressed cell
    cells: int  # every revised cell, breakdowns included
    largest: tuple[str, float, float] | None  # quarter, previous value, new value


@dataclass(frozen=True)
class Estimate:
    indicator: Indicator
    horizon: int
    estimable: bool
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n_treated: int | None
    n_comparison: int | None
    p_value: float | None
    doubtful: bool | None


@dataclass(frozen=True)
class Quality:
    reporting_quarter: str | None
    package_quarter: str | None
    reference_date: date | None
    stale: bool
    days_stale: int | None
    rows_read: int | None  # of the package in use
    rows_quarantined: int | None
    top_rule: tuple[str, str, int] | None  # table, rule, rows quarantined
    not_in_use: tuple[tuple[str, str], ...]  # (quarter, reason) of packages not in use
    cells: int  # published cells of the region in the brief's quarter, breakdowns included
    suppressed_cells: int


@dataclass(frozen=True)
class Brief:
    region: str
    name: str
    quarter: str
    first_quarter: str
    last_quarter: str
    publication: PublicationInfo
    positions: tuple[Position, ...]
    targets: tuple[Target, ...]
    previous_package: str | None
    revisions: tuple[Revision, ...]
    estimates: tuple[Estimate, ...]
    method: str | None
    quality: Quality
    catalogue: tuple[Indicator, ...]

    @property
    def title(self) -> str:
        return f"{self.region} {self.name}".strip()

    def position(self, code: str) -> Position | None:
        return next((p for p in self.positions if p.indicator.code == code), None)


class BriefError(ValueError):
    """A brief asked for a region or quarter the publication does not hold."""


def _number(value: object) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _whole(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


class ByRegion:
    """A table's rows split by region once; a region without rows gets an empty frame of the
    table's columns."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.empty = frame.iloc[0:0]
        self.groups = {str(key): group for key, group in frame.groupby("region_code", sort=False)}

    def __getitem__(self, region: str) -> pd.DataFrame:
        return self.groups.get(region, self.empty)


class PublishedTables:
    """The published tables a brief reads, loaded once from one read-only connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, publication: PublicationInfo) -> None:
        self.publication = publication

        def read(sql: str) -> pd.DataFrame:
            return con.execute(sql).df()

        catalogue = read("SELECT * FROM indicator_catalog ORDER BY catalog_order")
        self.catalogue = tuple(
            Indicator(
                row.indicator_code,
                row.level,
                row.name,
                row.unit,
                row.kind,
                row.definition,
                row.eu_code if isinstance(row.eu_code, str) and row.eu_code else None,
                row.breakdowns if isinstance(row.breakdowns, str) and row.breakdowns else None,
            )
            for row in catalogue.itertuples()
        )
        self.by_code = {indicator.code: indicator for indicator in self.catalogue}
        totals = read(
            "SELECT region_code, quarter, indicator_code, value, suppressed "
            "FROM indicator_values WHERE breakdown = 'total'"
        )
        self.cells = {
            (row.region_code, row.quarter, row.indicator_code): Cell(
                _number(row.value), bool(row.suppressed)
            )
            for row in totals.itertuples()
        }
        self.quarters = {
            region: sorted(set(group["quarter"]))
            for region, group in ByRegion(totals).groups.items()
        }
        # The distribution: every region's published value as is (the benchmark mart's
        # normalisation `none`), with its quartiles; region codes are dropped here.
        benchmarks = read(
            "SELECT quarter, indicator_code, region_value, lower_quartile, median_value, "
            "upper_quartile FROM indicator_benchmarks WHERE normalisation = 'none'"
        )
        self.distributions = {
            key: (
                tuple(float(v) for v in group["region_value"].dropna()),
                *(_number(group[c].iloc[0]) for c in BENCHMARK_COLUMNS),
            )
            for key, group in benchmarks.groupby(["quarter", "indicator_code"], sort=False)
        }
        self.cell_counts = ByRegion(
            read(
                "SELECT region_code, quarter, count(*) AS cells, "
                "count(*) FILTER (suppressed) AS suppressed FROM indicator_values GROUP BY ALL"
            )
        )
        self.targets = ByRegion(read("SELECT * FROM indicator_targets"))
        self.revisions = ByRegion(read("SELECT * FROM indicator_revisions"))
        self.estimates = ByRegion(read("SELECT * FROM impact_estimates"))
        self.staleness = ByRegion(read("SELECT * FROM region_staleness"))
        self.quality = ByRegion(read("SELECT * FROM data_quality"))
        self.quarantine = ByRegion(read("SELECT * FROM data_quality_quarantine"))
        self.rejections = ByRegion(read("SELECT * FROM data_quality_rejections"))
        names = nuts_names().set_index("region_code")["region_name"]
        self.names = {region: str(names.get(region, "")) for region in self.quarters}

    def regions(self) -> list[str]:
        """The regions with published indicators, in code order."""
        return sorted(self.quarters)

    def brief(self, region: str, quarter: str | None = None) -> Brief:
        """The brief of `region` for `quarter` (default: its newest published quarter)."""
        if region not in self.quarters:
            known = ", ".join(self.regions()) or "none"
            raise BriefError(f"no region {region!r} in publication {self.publication.id}; "
                             f"its regions: {known}")  # fmt: skip
        quarters = self.quarters[region]
        quarter = quarter or quarters[-1]
        if quarter not in quarters:
            raise BriefError(
                f"region {region} has no published values for {quarter!r}; "
                f"its quarters: {quarters[0]} to {quarters[-1]}"
            )
        revisions, previous_package = self._revisions(region)
        estimates = self.estimates[region]
        return Brief(
            region=region,
            name=self.names.get(region, ""),
            quarter=quarter,
            first_quarter=quarters[0],
            last_quarter=quarters[-1],
            publication=self.publication,
            positions=tuple(self._positions(region, quarter)),
            targets=tuple(self._targets(region)),
            previous_package=previous_package,
            revisions=tuple(revisions),
            estimates=tuple(self._estimates(estimates)),
            method=str(estimates["method"].dropna().iloc[0])
            if not estimates["method"].dropna().empty
            else None,
            quality=self._quality(region, quarter),
            catalogue=self.catalogue,
        )

    def _positions(self, region: str, quarter: str) -> Iterator[Position]:
        for indicator in self.catalogue:
            if indicator.kind == "estimate":  # impact estimates: section 5, not benchmarked
                continue
            values, q1, median, q3 = self.distributions.get(
                (quarter, indicator.code), ((), None, None, None)
            )
            yield Position(
                indicator,
                self.cells.get((region, quarter, indicator.code)),
                self.cells.get((region, quarter_before(quarter), indicator.code)),
                self.cells.get((region, quarter_before(quarter, 4), indicator.code)),
                values,
                q1,
                median,
                q3,
            )

    def _targets(self, region: str) -> Iterator[Target]:
        rows = self.targets[region]
        for row in rows.sort_values(["indicator_code", "year", "target_kind"]).itertuples():
            achieved = (
                Cell(_number(row.achieved_value), bool(row.achieved_suppressed))
                if isinstance(row.achieved_quarter, str)
                else None
            )
            yield Target(
                self.by_code[row.indicator_code],
                int(row.year),
                str(row.target_kind),
                float(row.target_value),
                row.achieved_quarter if isinstance(row.achieved_quarter, str) else None,
                achieved,
                _number(row.share_achieved),
            )

    def _revisions(self, region: str) -> tuple[list[Revision], str | None]:
        rows = self.revisions[region]
        if rows.empty:
            return [], None
        revisions = []
        for code, group in rows.groupby("indicator_code", sort=False):
            totals = group[group["breakdown"] == "total"]
            shown = totals.dropna(subset=["previous_value", "value"])
            largest = None
            if not shown.empty:
                change = (shown["value"] - shown["previous_value"]).abs()
                row = shown.loc[change.idxmax()]
                largest = (str(row.quarter), float(row.previous_value), float(row.value))
            revisions.append(
                Revision(
                    self.by_code[code],
                    quarters=len(totals),
                    withheld=int(totals["suppressed"].sum()),
                    cells=len(group),
                    largest=largest,
                )
            )
        order = {indicator.code: n for n, indicator in enumerate(self.catalogue)}
        revisions.sort(key=lambda revision: order[revision.indicator.code])
        return revisions, str(rows["previous_package_quarter"].iloc[0])

    def _estimates(self, rows: pd.DataFrame) -> Iterator[Estimate]:
        for row in rows.sort_values(["indicator_code", "horizon"]).itertuples():
            doubtful = row.pre_trend_doubtful
            yield Estimate(
                self.by_code[row.indicator_code],
                int(row.horizon),
                bool(row.estimable),
                _number(row.estimate),
                _number(row.ci_low),
                _number(row.ci_high),
                _whole(row.n_treated),
                _whole(row.n_comparison),
                _number(row.pre_trend_p_value),
                None if doubtful is None or doubtful is pd.NA else bool(doubtful),
            )

    def _quality(self, region: str, quarter: str) -> Quality:
        staleness = self.staleness[region]
        status = staleness.iloc[0] if not staleness.empty else None
        package = status["package_in_use_quarter"] if status is not None else None
        package = package if isinstance(package, str) else None
        quality = self.quality[region]
        received = quality[quality["quarter"] == package] if package else quality.iloc[0:0]
        rules = self.quarantine[region]
        rules = rules[rules["quarter"] == package] if package else rules.iloc[0:0]
        top = rules.sort_values(["rows_quarantined", "table_name", "rule"], ascending=False)
        rejections = self.rejections[region].sort_values("quarter")
        counts = self.cell_counts[region]
        counts = counts[counts["quarter"] == quarter]
        reference = status["package_in_use_reference_date"] if status is not None else None
        return Quality(
            reporting_quarter=str(status["reporting_quarter"]) if status is not None else None,
            package_quarter=package,
            reference_date=pd.Timestamp(reference).date() if package else None,
            stale=bool(status["stale"]) if status is not None else True,
            days_stale=_whole(status["days_stale"]) if status is not None else None,
            rows_read=_whole(received["rows_read"].iloc[0]) if not received.empty else None,
            rows_quarantined=(
                _whole(received["rows_quarantined"].iloc[0]) if not received.empty else None
            ),
            top_rule=(
                (
                    str(top.iloc[0].table_name),
                    str(top.iloc[0].rule),
                    int(top.iloc[0].rows_quarantined),
                )
                if not top.empty
                else None
            ),
            not_in_use=tuple(
                (str(row.quarter), str(row.reason)) for row in rejections.itertuples()
            ),
            cells=int(counts["cells"].sum()),
            suppressed_cells=int(counts["suppressed"].sum()),
        )


BENCHMARK_COLUMNS = ("lower_quartile", "median_value", "upper_quartile")


def published_tables(database: Path) -> PublishedTables:
    """Every table a brief needs, read from the publication behind `database` (read-only)."""
    resolved, publication = PublicationInfo.of(database)
    with duckdb.connect(str(resolved), read_only=True) as con:
        return PublishedTables(con, publication)
