"""A seeded demo inbox and programme folder.

The pipeline, its tests and its dashboards need data that looks like what regions send,
exercises every rule of the contract and every indicator, and can be published (no real
organisation is in it). Each region's history is simulated once, with integer day
numbers, and each quarter's package is written as the snapshot of that history as of the
quarter's reference date (docs/spec/submission-format.md, "Snapshot semantics"), so
packages of one region agree with each other the way real restated registers do.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from clustermon.contract import (
    EVENT_TYPES,
    ORGANISATION_KINDS,
    OUTCOME_TYPES,
    PROJECT_TYPES,
    SERVICE_TYPES,
    SIZE_CLASSES,
    TABLES,
    normalise_quarter,
    quarter_end,
)
from clustermon.settings import NUTS_REFERENCE


@dataclass(frozen=True)
class DemoRegion:
    """A region of the demo: NUTS 2021 code and name, programme, programme start."""

    code: str
    name: str
    programme: str
    programme_start: date


_CLUSTERIX = "CLUSTERIX 2.0"
_CLUSTERS3 = "CLUSTERS3"
_START = date(2021, 1, 1)
DEMO_REGIONS: tuple[DemoRegion, ...] = (
    DemoRegion("AT12", "Niederösterreich", _CLUSTERIX, _START),
    DemoRegion("BE2", "Vlaams Gewest", _CLUSTERIX, _START),
    DemoRegion("CZ08", "Moravskoslezsko", _CLUSTERIX, date(2022, 7, 1)),
    DemoRegion("DK03", "Syddanmark", _CLUSTERIX, _START),
    DemoRegion("FRK", "Auvergne-Rhône-Alpes", _CLUSTERIX, _START),
    DemoRegion("HU22", "Nyugat-Dunántúl", _CLUSTERIX, date(2021, 7, 1)),
    DemoRegion("ITH1", "Provincia Autonoma di Bolzano/Bozen", _CLUSTERIX, _START),
    DemoRegion("RO21", "Nord-Est", _CLUSTERIX, date(2022, 7, 1)),
    DemoRegion("RO32", "Bucureşti-Ilfov", _CLUSTERIX, _START),
    DemoRegion("SE224", "Skåne län", _CLUSTERIX, _START),
    DemoRegion("ES21", "País Vasco", _CLUSTERS3, _START),
    DemoRegion("PL81", "Lubelskie", _CLUSTERS3, date(2023, 1, 1)),
    DemoRegion("ITC1", "Piemonte", _CLUSTERS3, _START),
    DemoRegion("LV00", "Latvija", _CLUSTERS3, _START),
    DemoRegion("HU32", "Észak-Alföld", _CLUSTERS3, date(2022, 7, 1)),
    DemoRegion("UKM6", "Highlands and Islands", _CLUSTERS3, _START),
    DemoRegion("UKN0", "Northern Ireland", _CLUSTERS3, _START),
)
DEMO_QUARTERS: tuple[str, ...] = tuple(f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4))


@dataclass(frozen=True)
class DemoProfile:
    """How much activity each region generates, per table. The defaults are the demo's own
    (its bytes depend on them: tests check values by hand); other profiles change only the
    intensities, never the shape of the simulation, so the true effects stay what they are."""

    clusters: float = 1.0  # times the clusters a region draws (5-40 at scale 1)
    members_per_cluster: float = 1.0  # times the members a cluster draws (20-300 at scale 1)
    projects_per_cluster_year: float = 1.4
    members_per_project: float = 3.5  # lead-cluster members per project: 1 + Poisson(this - 1)
    services_per_member_year: float = 1.0  # times 0.7 a year per enterprise, 0.15 per other
    events_per_cluster_year: float = 5.0
    outcomes_per_report: float = 1.0  # results per reporting participant or supported firm
    comparison_per_member: float = 1.0  # comparison enterprises per member enterprise
    kpis_from: int = 2015  # first year of firm_kpis


DEFAULT_PROFILE = DemoProfile()
# An EU-wide observatory (issue 9): over 240 NUTS 2 regions, the 2025Q3 packages hold about
# 3,000 clusters, 250,000 organisations plus 250,000 comparison enterprises, 300,000
# memberships, 60,000 projects, 400,000 participations, 1,500,000 services, 150,000 events,
# 500,000 outcomes and 5,000,000 firm_kpis rows (fitted on all 240 regions: see README).
EU_PROFILE = DemoProfile(
    clusters=0.91,
    members_per_cluster=1.44,
    projects_per_cluster_year=3.2,
    members_per_project=4.9,
    services_per_member_year=2.2,
    events_per_cluster_year=8.4,
    outcomes_per_report=2.6,
    comparison_per_member=1.29,
    kpis_from=2012,
)
EU_REGIONS = 240
EU_QUARTERS = ("2025Q3", "2025Q4")  # the newest quarter, and the next for an incremental run
# The EU's 27 member states, as NUTS writes them (EL for Greece).
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)


def eu_regions(count: int = EU_REGIONS) -> tuple[DemoRegion, ...]:
    """The first `count` NUTS 2 regions of the EU, in code order (extra-regio ZZ left out)."""
    nuts = pd.read_csv(NUTS_REFERENCE, sep=";", dtype=str, keep_default_na=False)
    level2 = nuts[
        (nuts["NUTS_ID"].str.len() == 4)
        & nuts["NUTS_ID"].str[:2].isin(EU_COUNTRIES)
        & ~nuts["NUTS_ID"].str.endswith("Z")
    ].sort_values("NUTS_ID")
    return tuple(
        DemoRegion(code, name, "EU observatory", date(2021, 1, 1))
        for code, name in level2.head(count).itertuples(index=False)
    )


def _day(value: str | date) -> int:
    """Day number since 1970-01-01: the simulation's only date representation."""
    return int(np.datetime64(value, "D").astype(np.int64))


REGISTER_FROM = _day("2015-01-01")  # memberships and firm_kpis are recorded from here
PROJECTS_FROM = _day("2018-07-01")  # first approvals: some projects predate programme_start
ACTIVITY_FROM = _day("2019-01-01")  # services and events
END = _day("2026-01-01")  # exclusive end of the simulated history
NEVER = 1 << 40  # "no end date": compares after every reference date
YEAR = 365.25

# (NACE section, theme, smart specialisation domain) of the clusters.
THEMES = (
    ("C", "Mechatronics", "Advanced manufacturing"),
    ("C", "Automotive", "Advanced manufacturing"),
    ("C", "Metalworking", "Advanced manufacturing"),
    ("C", "Aerospace", "Advanced manufacturing"),
    ("C", "Plastics", "Advanced materials"),
    ("C", "Photonics", "Key enabling technologies"),
    ("C", "Wood and Furniture", "Bioeconomy"),
    ("C", "Food Processing", "Agri-food"),
    ("C", "Medical Devices", "Health and life sciences"),
    ("C", "Textiles", "Circular economy"),
    ("J", "ICT", "Digital transformation"),
    ("J", "Cybersecurity", "Digital transformation"),
    ("J", "Creative Industries", ""),
    ("M", "Life Sciences", "Health and life sciences"),
    ("M", "Design", ""),
    ("A", "Agri-food", "Agri-food"),
    ("D", "Green Energy", "Sustainable energy"),
    ("D", "Hydrogen", "Sustainable energy"),
    ("Q", "Health", "Health and life sciences"),
    ("I", "Tourism", "Sustainable tourism"),
    ("H", "Logistics", "Smart mobility"),
    ("F", "Construction", "Sustainable construction"),
    ("E", "Circular Economy", "Circular economy"),
)
# Real NACE Rev.2 classes; their first 5 and 3 characters are real groups and divisions.
# fmt: off
NACE_CLASSES = (
    "A01.13", "A01.21", "A01.41", "C10.51", "C10.71", "C10.89", "C11.02", "C13.20", "C16.10",
    "C16.23", "C20.13", "C20.59", "C21.20", "C22.21", "C22.29", "C25.11", "C25.50", "C25.61",
    "C25.62", "C25.73", "C25.99", "C26.11", "C26.51", "C26.70", "C27.11", "C27.90", "C28.11",
    "C28.29", "C28.41", "C28.99", "C29.32", "C30.30", "C31.09", "C32.50", "D35.11", "D35.14",
    "E38.11", "E38.32", "F41.20", "F42.11", "F43.21", "G46.69", "G46.90", "H49.41", "H52.10",
    "H52.29", "I55.10", "I56.10", "J58.29", "J59.11", "J62.01", "J62.02", "J62.09", "J63.11",
    "M71.12", "M72.11", "M72.19", "M73.11", "M74.10", "N82.99", "Q86.10", "Q86.22", "Q86.90",
)
LEGAL_FORMS = {
    "AT": "GmbH", "BE": "NV", "CZ": "s.r.o.", "DE": "GmbH", "DK": "ApS", "ES": "S.L.",
    "FR": "SAS", "HU": "Kft.", "IT": "S.r.l.", "LV": "SIA", "NL": "B.V.", "PL": "sp. z o.o.",
    "RO": "S.R.L.", "SE": "AB", "FI": "Oy", "PT": "Lda.", "SI": "d.o.o.", "SK": "s.r.o.",
}
PARTNER_COUNTRIES = (
    "AT", "BE", "BG", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
    "LT", "LV", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)
STEMS_A = "Al Bel Cor Dan El Fer Gal Har Ist Kal Lum Mar Nor Ost Pra Ros Sil Tor Ver Wes Zen"
STEMS_B = "tec ma lux gen tron via dyn form nova tek line bau werk pol sys"
ACTIVITIES = "Solutions Systems Engineering Components Technologies Foods Digital Industries"

MEMBER_KINDS_P = (0.74, 0.04, 0.05, 0.05, 0.08, 0.04)
PARTNER_KINDS_P = (0.55, 0.2, 0.2, 0.0, 0.0, 0.05)
SIZE_CLASSES_P = (0.36, 0.32, 0.17, 0.08, 0.07)
PROJECT_TYPES_P = (0.3, 0.15, 0.15, 0.12, 0.1, 0.1, 0.08)
SERVICE_TYPES_P = (0.22, 0.15, 0.14, 0.1, 0.1, 0.08, 0.07, 0.08, 0.06)
EVENT_TYPES_P = (0.22, 0.18, 0.1, 0.1, 0.05, 0.07, 0.07, 0.13, 0.08)
EVENT_INTERNATIONAL_P = (0.05, 0.05, 0.15, 0.25, 0.5, 0.6, 0.9, 0.35, 0.1)
EVENT_PARTICIPANTS = (40, 15, 30, 25, 6, 14, 10, 120, 20)
ENTERPRISE_OUTCOMES_P = (0.22, 0.2, 0.1, 0.1, 0.07, 0.06, 0.05, 0.01, 0.09, 0.08, 0.02)
RESEARCH_OUTCOMES_P = (0.05, 0.05, 0.0, 0.0, 0.12, 0.0, 0.0, 0.6, 0.12, 0.0, 0.06)
# True effects of membership from the year after first joining (k >= 1), per impact indicator:
# log points for IMP01 employment and IMP02 turnover, percentage points for IMP03 export and
# IMP04 R&D intensity. The impact estimates should find them.
TRUE_EFFECTS = {"IMP01": 0.05, "IMP02": 0.05, "IMP03": 2.0, "IMP04": 0.0}
TARGET_SHARES = {  # indicator -> share of member enterprises for the 2029 target
    "RCO01": 0.7, "RCO02": 0.3, "RCO04": 0.6, "RCO10": 0.1, "RCO87": 0.12, "RCR03": 0.15,
}
# fmt: on


def write_demo(
    inbox: Path,
    programme: Path,
    *,
    seed: int = 2024,
    regions: Sequence[DemoRegion] = DEMO_REGIONS,
    quarters: Sequence[str] = DEMO_QUARTERS,
    scale: float = 1.0,
    true_effects: Mapping[str, float] = TRUE_EFFECTS,
    profile: DemoProfile = DEFAULT_PROFILE,
    progress: Callable[[int, int, str], None] | None = None,
) -> None:
    """Write a package per region and quarter into `inbox`, and `regions.csv` and
    `targets.csv` into `programme`.

    The same arguments always give the same bytes: each region draws from its own
    generator, seeded from `seed` and the region's position in `regions`. `scale`
    multiplies the number of clusters and of members per cluster; `profile` sets the
    intensity of each table (see DemoProfile). `true_effects` sets the effect of membership
    on each impact outcome (see TRUE_EFFECTS). Regions are simulated
    and written one at a time, so memory stays bounded whatever their number; `progress`,
    if given, is called after each as (regions done, regions in all, region code).
    """
    nuts = _nuts()
    references = [(normalise_quarter(q), _day(quarter_end(q))) for q in quarters]
    targets = []
    for index, region in enumerate(regions):
        rng = np.random.default_rng([seed, index])
        simulated = _simulate(rng, region, nuts, scale, profile, {**TRUE_EFFECTS, **true_effects})
        history = _render(simulated)
        for quarter, reference in references:
            folder = Path(inbox) / region.code / quarter
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in _snapshot(history, reference).items():
                _write_csv(frame, folder / f"{name}.csv")
        targets.append(_targets(region, simulated.organisations))
        if progress:
            progress(index + 1, len(regions), region.code)
    programme = Path(programme)
    programme.mkdir(parents=True, exist_ok=True)
    listed = pd.DataFrame(
        {
            "region_code": [r.code for r in regions],
            "name": [r.name for r in regions],
            "programme_start": [r.programme_start.isoformat() for r in regions],
        }
    )
    listed.to_csv(programme / "regions.csv", index=False, lineterminator="\n")
    targets = pd.concat(targets, ignore_index=True)
    targets.to_csv(programme / "targets.csv", index=False, lineterminator="\n")


def write_eu_demo(
    inbox: Path,
    programme: Path,
    quarters: Sequence[str] = EU_QUARTERS,
    regions: int = EU_REGIONS,
    scale: float = 1.0,
    seed: int = 2024,
) -> None:
    """The EU profile's packages for the first `regions` EU regions, showing progress."""

    def report(done: int, total: int, code: str) -> None:
        if done % 20 == 0 or done == total:
            print(f"  generated {done}/{total} regions (last {code})", flush=True)

    write_demo(
        inbox,
        programme,
        seed=seed,
        regions=eu_regions(regions),
        quarters=quarters,
        scale=scale,
        profile=EU_PROFILE,
        progress=report,
    )


# --- reading the NUTS seed -------------------------------------------------------------


@cache
def _nuts() -> np.ndarray:
    """The NUTS 2021 codes of the dbt seed: the pipeline's own list of valid codes."""
    frame = pd.read_csv(
        NUTS_REFERENCE, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    return frame["NUTS_ID"].str.strip().to_numpy(dtype=object)


def _within(nuts: np.ndarray, region: str) -> np.ndarray:
    """The region's own code and every code below it."""
    return nuts[pd.Series(nuts).str.startswith(region).to_numpy()]


def _level2(nuts: np.ndarray, country: str, outside: str) -> np.ndarray:
    """NUTS 2 codes of a country, without those that contain or lie in `outside`."""
    codes = [
        c
        for c in nuts
        if len(c) == 4
        and c.startswith(country)
        and not (c.startswith(outside) or outside.startswith(c))
    ]
    return np.array(codes, dtype=object)


# --- simulation: one region's whole history, with integer indices and day numbers ------


@dataclass
class _History:
    """A region's simulated tables: integer indices for references, day numbers for dates,
    cents for money, -1 (or NEVER for days) for null."""

    clusters: pd.DataFrame
    organisations: pd.DataFrame
    memberships: pd.DataFrame
    projects: pd.DataFrame
    participations: pd.DataFrame
    services: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame
    firm_kpis: pd.DataFrame


def _simulate(
    rng: np.random.Generator,
    region: DemoRegion,
    nuts: np.ndarray,
    scale: float,
    profile: DemoProfile,
    true_effects: Mapping[str, float],
) -> _History:
    clusters = _clusters(rng, region, nuts, scale * profile.clusters)
    memberships = _memberships(rng, clusters, scale * profile.members_per_cluster)
    members = _member_organisations(rng, region, nuts, clusters, memberships)
    projects = _projects(rng, clusters, profile.projects_per_cluster_year)
    partners = _partner_organisations(rng, region, nuts, max(4, len(projects) // 3))
    organisations = pd.concat([members, partners], ignore_index=True)
    projects, participations = _participations(
        rng, projects, memberships, organisations, profile.members_per_project
    )
    services = _services(rng, memberships, organisations, profile.services_per_member_year)
    events = _events(rng, clusters, profile.events_per_cluster_year)
    outcomes = _outcomes(rng, projects, participations, services, memberships, organisations)
    outcomes = _further_results(rng, outcomes, profile.outcomes_per_report)
    comparison = _comparison_organisations(
        rng, region, nuts, members, profile.comparison_per_member
    )
    organisations = pd.concat([organisations, comparison], ignore_index=True)
    organisations = _first_seen(
        organisations, memberships, projects, participations, services, outcomes
    )
    firm_kpis = _firm_kpis(rng, organisations, memberships, true_effects, profile.kpis_from)
    return _History(
        clusters,
        organisations,
        memberships,
        projects,
        participations,
        services,
        events,
        outcomes,
        firm_kpis,
    )


def _scaled(base: np.ndarray, low: int, high: int, scale: float, floor: int) -> np.ndarray:
    """Counts drawn at full size, then scaled; the full-size minima hold only at scale 1."""
    counts = np.clip(np.round(base), low, high)
    if scale == 1.0:
        return counts.astype(np.int64)
    return np.maximum(floor, np.round(counts * scale)).astype(np.int64)


def _between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform day in [low, high) for each pair."""
    low, high = np.asarray(low), np.asarray(high)
    return low + np.floor(rng.random(low.shape) * (high - low)).astype(np.int64)


def _pick(
    rng: np.random.Generator, options: Sequence[str], p: Sequence[float], n: int
) -> np.ndarray:
    return rng.choice(np.array(options, dtype=object), n, p=np.array(p) / np.sum(p))


def _year_start(years: np.ndarray) -> np.ndarray:
    return (
        (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    )


def _year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _clusters(
    rng: np.random.Generator, region: DemoRegion, nuts: np.ndarray, scale: float
) -> pd.DataFrame:
    """Clusters founded since 2005, mostly small in number; some closed, some labelled."""
    n = int(_scaled(5 + rng.gamma(1.3, 6.0), 5, 40, scale, 2))
    founded = _day("2005-01-01") + np.floor(
        rng.beta(1.2, 1.6, n) * (_day("2025-10-01") - _day("2005-01-01"))
    ).astype(np.int64)
    founded[0] = _between(rng, _day("2005-01-01"), _day("2013-01-01"))  # every package has one
    may_close = (founded < _day("2018-01-01")) & (rng.random(n) < 0.15)
    closed = np.where(
        may_close, _between(rng, np.full(n, _day("2020-01-01")), _day("2025-10-01")), NEVER
    )
    theme = rng.choice(len(THEMES), n, replace=n > len(THEMES))
    sector, topic, s3 = (np.array([t[i] for t in THEMES], dtype=object)[theme] for i in range(3))
    label = _pick(rng, ("", "none", "bronze", "silver", "gold"), (35, 15, 25, 15, 10), n)
    labelled = np.isin(label, ("bronze", "silver", "gold"))
    awarded = _between(
        rng, np.maximum(founded, _day("2016-01-01")), np.minimum(closed, _day("2025-10-01"))
    )
    own = _within(nuts, region.code)
    nuts_code = np.where(rng.random(n) < 0.4, region.code, rng.choice(own, n))
    name = pd.Series(topic + " Cluster " + region.name)
    name = name + name.groupby(name).cumcount().map(lambda k: f" {k + 1}" if k else "")
    return pd.DataFrame(
        {
            "founded": founded,
            "closed": closed,
            "name": name.to_numpy(dtype=object),
            "nuts_code": nuts_code,
            "sector": sector,
            "s3_priority": s3,
            "label": label,
            "label_valid_until": np.where(labelled, awarded + 2 * 365 - 1, NEVER),
            "fte_cents": (np.round(0.5 + rng.gamma(2.0, 1.6, n), 1) * 100).astype(np.int64),
        }
    )


def _memberships(rng: np.random.Generator, clusters: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Membership spells: 20-300 organisations per cluster, some in two clusters, some
    leaving and a few re-joining (touching allowed, never overlapping)."""
    sizes = _scaled(20 + rng.gamma(1.1, 40.0, len(clusters)), 20, 300, scale, 3)
    cluster = np.repeat(np.arange(len(clusters)), sizes)
    org = np.arange(len(cluster))
    # A slot may take over another cluster's organisation: organisations in two clusters.
    takers = np.flatnonzero(rng.random(len(org)) < 0.08)
    donors = rng.permutation(np.setdiff1d(org, takers))[: len(takers)]
    takers = takers[: len(donors)]
    other = cluster[donors] != cluster[takers]
    org[takers[other]] = donors[other]
    org = np.unique(org, return_inverse=True)[1]

    founded = clusters["founded"].to_numpy()[cluster]
    closed = clusters["closed"].to_numpy()[cluster]
    low, high = np.maximum(founded, REGISTER_FROM), np.minimum(closed, END)
    joined = low + np.floor(rng.beta(0.8, 1.6, len(org)) * (high - low)).astype(np.int64)
    leaves = joined + 180 + np.floor(rng.exponential(900, len(org))).astype(np.int64)
    leaves = np.where((rng.random(len(org)) < 0.18) & (leaves < high), leaves, NEVER)
    left = np.minimum(leaves, closed)
    gap = np.where(rng.random(len(org)) < 0.3, 0, 30 + rng.exponential(300, len(org)))
    rejoined = leaves + gap.astype(np.int64)
    again = (leaves < NEVER) & (rng.random(len(org)) < 0.2) & (rejoined < high)
    return pd.DataFrame(
        {
            "cluster": np.concatenate([cluster, cluster[again]]),
            "org": np.concatenate([org, org[again]]),
            "joined": np.concatenate([joined, rejoined[again]]),
            "left": np.concatenate([left, closed[again]]),
        }
    )


def _nace(rng: np.random.Generator, sections: np.ndarray, home_share: float) -> np.ndarray:
    """A NACE class, group or division, mostly in the given section."""
    classes = np.array(NACE_CLASSES, dtype=object)
    first = np.array([c[0] for c in NACE_CLASSES])
    anywhere = rng.choice(classes, len(sections))
    starts = {s: int(np.argmax(first == s)) for s in set(first)}
    counts = {s: int(np.sum(first == s)) for s in set(first)}
    start = np.array([starts.get(s, -1) for s in sections], dtype=np.int64)
    count = np.array([counts.get(s, 1) for s in sections], dtype=np.int64)
    home = classes[start + np.floor(rng.random(len(sections)) * count).astype(np.int64)]
    code = pd.Series(
        np.where((start >= 0) & (rng.random(len(sections)) < home_share), home, anywhere)
    )
    level = rng.random(len(sections))
    return np.where(level < 0.5, code, np.where(level < 0.75, code.str[:5], code.str[:3]))


def _organisations(
    rng: np.random.Generator,
    kind: np.ndarray,
    sections: np.ndarray,
    country: np.ndarray,
    nuts_code: np.ndarray,
    origin: str,
) -> pd.DataFrame:
    """Attributes every organisation has; `origin` is member, partner or comparison."""
    n = len(kind)
    enterprise = kind == "enterprise"
    ages = {
        "enterprise": 12,
        "university": 60,
        "research_institution": 20,
        "public_authority": 40,
        "intermediary": 12,
        "other": 20,
    }
    age = rng.gamma(1.6, 1.0, n) * pd.Series(kind).map(ages).to_numpy(dtype=np.float64)
    founded = np.maximum(1800, 2023 - np.round(age)).astype(np.int64)
    founded[rng.random(n) < 0.1] = -1
    return pd.DataFrame(
        {
            "kind": kind,
            "size_class": np.where(enterprise, _pick(rng, SIZE_CLASSES, SIZE_CLASSES_P, n), ""),
            "nace_code": np.where(
                enterprise & (rng.random(n) < 0.95), _nace(rng, sections, 0.65), ""
            ),
            "country_code": country,
            "nuts_code": nuts_code,
            "founded_year": founded,
            "name": _names(rng, kind, country),
            "origin": origin,
        }
    )


def _names(rng: np.random.Generator, kind: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Invented but plausible names (confidential in real data, so they must look real)."""
    n = len(kind)
    stem = pd.Series(rng.choice(STEMS_A.split(), n)) + pd.Series(rng.choice(STEMS_B.split(), n))
    legal = pd.Series(country).map(LEGAL_FORMS).fillna("Ltd")
    activity = pd.Series(rng.choice(ACTIVITIES.split(), n))
    by_kind = {
        "enterprise": stem + " " + activity + " " + legal,
        "university": stem + " University",
        "research_institution": stem + " Research Institute",
        "public_authority": stem + " Regional Development Agency",
        "intermediary": stem + " Innovation Centre",
        "other": stem + " Association",
    }
    return np.select([kind == k for k in by_kind], list(by_kind.values()), "")


def _member_organisations(
    rng: np.random.Generator,
    region: DemoRegion,
    nuts: np.ndarray,
    clusters: pd.DataFrame,
    memberships: pd.DataFrame,
) -> pd.DataFrame:
    """The organisations of the membership spells, in their first cluster's sector."""
    n = int(memberships["org"].max()) + 1
    first = np.unique(memberships["org"].to_numpy(), return_index=True)[1]
    sections = clusters["sector"].to_numpy()[memberships["cluster"].to_numpy()[first]]
    kind = _pick(rng, ORGANISATION_KINDS, MEMBER_KINDS_P, n)
    own = _within(nuts, region.code)
    nuts_code = np.where(rng.random(n) < 0.85, rng.choice(own, n), "")
    return _organisations(rng, kind, sections, np.full(n, region.code[:2]), nuts_code, "member")


def _partner_organisations(
    rng: np.random.Generator, region: DemoRegion, nuts: np.ndarray, n: int
) -> pd.DataFrame:
    """Outside partners: organisations of other countries, or of other regions of the
    region's own country, that take part in projects without a cluster."""
    own_country = region.code[:2]
    countries = np.array([c for c in PARTNER_COUNTRIES if c != own_country], dtype=object)
    domestic = _level2(nuts, own_country, region.code)
    at_home = (rng.random(n) < 0.25) & (len(domestic) > 0)
    country = np.where(at_home, own_country, rng.choice(countries, n))
    nuts_code = np.full(n, "", dtype=object)
    for code in sorted(set(country)):
        here = country == code
        nuts_code[here] = rng.choice(_level2(nuts, code, region.code), here.sum())
    nuts_code = np.where(at_home | (rng.random(n) < 0.8), nuts_code, "")
    kind = _pick(rng, ORGANISATION_KINDS, PARTNER_KINDS_P, n)
    kind[:2] = ("research_institution", "university")  # collaborative_rdi always finds one
    sections = rng.choice(np.array(sorted({c[0] for c in NACE_CLASSES}), dtype=object), n)
    return _organisations(rng, kind, sections, country, nuts_code, "partner")


def _comparison_organisations(
    rng: np.random.Generator,
    region: DemoRegion,
    nuts: np.ndarray,
    members: pd.DataFrame,
    per_member: float,
) -> pd.DataFrame:
    """`per_member` non-member enterprises per member enterprise, with the same NACE codes
    and size classes (the strata of the difference-in-differences), from the business
    register."""
    enterprises = members[members["kind"] == "enterprise"]
    n = round(len(enterprises) * per_member)
    # Twins cycle through the members in a random order: each stratum keeps its share.
    twins = enterprises.iloc[rng.permutation(n) % max(1, len(enterprises))]
    own = _within(nuts, region.code)
    frame = _organisations(
        rng,
        np.full(n, "enterprise", dtype=object),
        twins["nace_code"].str[:1].to_numpy(),
        np.full(n, region.code[:2], dtype=object),
        np.where(rng.random(n) < 0.9, rng.choice(own, n), ""),
        "comparison",
    )
    frame["size_class"] = twins["size_class"].to_numpy()
    frame["nace_code"] = twins["nace_code"].to_numpy()
    return frame


def _projects(rng: np.random.Generator, clusters: pd.DataFrame, per_year: float) -> pd.DataFrame:
    """Projects approved from mid-2018 by each active cluster, `per_year` a year."""
    low = np.maximum(clusters["founded"].to_numpy(), PROJECTS_FROM)
    high = np.minimum(clusters["closed"].to_numpy() - 90, _day("2025-10-01"))
    counts = rng.poisson(per_year * np.clip(high - low, 0, None) / YEAR)
    lead = np.repeat(np.arange(len(clusters)), counts)
    n = len(lead)
    approved = _between(rng, low[lead], high[lead])
    start = approved + rng.integers(0, 240, n)
    end = start + np.round(rng.uniform(6, 42, n) * YEAR / 12).astype(np.int64)
    cancelled = np.where(rng.random(n) < 0.05, approved + rng.integers(30, 365, n), NEVER)
    total = np.round(np.clip(rng.lognormal(np.log(300_000), 0.9, n), 20_000, 8_000_000) * 100)
    rate = np.where(rng.random(n) < 0.08, 0.0, rng.uniform(0.3, 0.85, n))
    project_type = _pick(rng, PROJECT_TYPES, PROJECT_TYPES_P, n)
    topic = np.array([t[1] for t in THEMES], dtype=object)[rng.integers(0, len(THEMES), n)]
    title = pd.Series(project_type).str.replace("_", " ").str.capitalize() + ": " + topic
    return pd.DataFrame(
        {
            "lead": lead,
            "approved": approved,
            "start": start,
            "end": end,
            "cancelled": cancelled,
            "project_type": project_type,
            "title": title.to_numpy(dtype=object),
            "total_cents": total.astype(np.int64),
            "public_cents": np.floor(total * rate).astype(np.int64),
        }
    )


def _participations(
    rng: np.random.Generator,
    projects: pd.DataFrame,
    memberships: pd.DataFrame,
    organisations: pd.DataFrame,
    lead_members: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Participants of each project: `lead_members` members of the lead cluster on the
    approval date on average, at times members of another cluster (cross-cluster) and
    outside partners; projects whose lead cluster had no member yet are dropped."""
    kind = organisations["kind"].to_numpy()
    research = np.isin(kind, ("university", "research_institution"))
    partners = np.flatnonzero(organisations["origin"].to_numpy() == "partner")
    spell_cluster, spell_org, joined, left = (
        memberships[c].to_numpy() for c in ("cluster", "org", "joined", "left")
    )
    rows: dict[str, list] = {
        "project": [],
        "org": [],
        "role": [],
        "cluster": [],
        "grant": [np.empty(0, np.int64)],
    }
    for p in projects.itertuples():
        covering = (joined <= p.approved) & (left > p.approved)
        pool = spell_org[covering & (spell_cluster == p.lead)]
        if len(pool) == 0:
            continue
        chosen = list(
            rng.choice(pool, min(len(pool), 1 + rng.poisson(lead_members - 1)), replace=False)
        )
        wanted = {
            "collaborative_rdi": research,
            "public_private_innovation": kind == "public_authority",
        }.get(p.project_type)
        if wanted is not None and not wanted[chosen].any() and wanted[pool].any():
            chosen.append(rng.choice(pool[wanted[pool]]))
        via = [p.lead] * len(chosen)
        if rng.random() < 0.3:  # cross-cluster: members of another cluster join in
            others = np.flatnonzero(covering & (spell_cluster != p.lead))
            others = others[~np.isin(spell_org[others], chosen)]
            others = others[np.unique(spell_org[others], return_index=True)[1]]
            picked = rng.permutation(others)[: rng.integers(1, 4)]
            chosen += list(spell_org[picked])
            via += list(spell_cluster[picked])
        outside = []
        if p.project_type == "collaborative_rdi" and not research[chosen].any():
            outside.append(rng.choice(partners[research[partners]]))
        share = 0.8 if p.project_type == "internationalisation" else 0.35
        if rng.random() < share:
            extra = rng.choice(partners, rng.integers(1, 4), replace=False)
            outside += [o for o in extra if o not in outside]
        roles = list(
            _pick(rng, ("partner", "subcontractor", "test_user"), (72, 12, 16), len(chosen))
        )
        if rng.random() < 0.92:
            roles[0] = "coordinator"
        roles += list(_pick(rng, ("partner", "subcontractor"), (85, 15), len(outside)))
        grant = np.full(len(chosen) + len(outside), -1, dtype=np.int64)
        funded = np.isin(roles, ("coordinator", "partner"))
        funded[len(chosen) :] = False  # the region's programme funds its own participants
        if p.public_cents > 0 and funded.any():
            shares = rng.dirichlet(np.ones(funded.sum())) * rng.uniform(0.6, 0.98)
            grant[funded] = np.floor(shares * p.public_cents)
            grant[np.array(roles) == "test_user"] = 0
        rows["project"] += [p.Index] * len(roles)
        rows["org"] += chosen + outside
        rows["role"] += roles
        rows["cluster"] += via + [-1] * len(outside)
        rows["grant"].append(grant)
    participations = pd.DataFrame(
        {
            "project": np.array(rows["project"], dtype=np.int64),
            "org": np.array(rows["org"], dtype=np.int64),
            "role": np.array(rows["role"], dtype=object),
            "cluster": np.array(rows["cluster"], dtype=np.int64),
            "grant_cents": np.concatenate(rows["grant"]),
        }
    )
    return projects.loc[np.unique(rows["project"])], participations


def _services(
    rng: np.random.Generator,
    memberships: pd.DataFrame,
    organisations: pd.DataFrame,
    intensity: float,
) -> pd.DataFrame:
    """Services to members during their spells since 2019, mostly to enterprises: 0.7 a
    year per enterprise and 0.15 per other member, times `intensity`."""
    org = memberships["org"].to_numpy()
    low = np.maximum(memberships["joined"].to_numpy(), ACTIVITY_FROM)
    high = np.minimum(memberships["left"].to_numpy(), END)
    enterprise = organisations["kind"].to_numpy()[org] == "enterprise"
    rate = np.where(enterprise, 0.7, 0.15) * intensity
    counts = rng.poisson(rate * np.clip(high - low, 0, None) / YEAR)
    spell = np.repeat(np.arange(len(org)), counts)
    n = len(spell)
    service_type = _pick(rng, SERVICE_TYPES, SERVICE_TYPES_P, n)
    form = _pick(rng, ("grant", "financial_instrument", "non_financial"), (14, 8, 78), n)
    form = np.where(service_type == "innovation_voucher", "grant", form)
    amount = np.select(
        [form == "grant", form == "financial_instrument", rng.random(n) < 0.25],
        [
            np.maximum(500, rng.lognormal(np.log(15_000), 0.7, n)),
            np.maximum(5_000, rng.lognormal(np.log(80_000), 0.8, n)),
            np.maximum(100, rng.lognormal(np.log(1_500), 0.6, n)),
        ],
        -0.01,
    )
    return pd.DataFrame(
        {
            "cluster": memberships["cluster"].to_numpy()[spell],
            "org": org[spell],
            "delivered": _between(rng, low[spell], high[spell]),
            "service_type": service_type,
            "support_form": form,
            "amount_cents": np.round(amount * 100).astype(np.int64),
        }
    )


def _events(rng: np.random.Generator, clusters: pd.DataFrame, per_year: float) -> pd.DataFrame:
    """About `per_year` events a year per active cluster since 2019."""
    low = np.maximum(clusters["founded"].to_numpy(), ACTIVITY_FROM)
    high = np.minimum(clusters["closed"].to_numpy(), END)
    counts = rng.poisson(per_year * np.clip(high - low, 0, None) / YEAR)
    cluster = np.repeat(np.arange(len(clusters)), counts)
    n = len(cluster)
    event_type = rng.choice(len(EVENT_TYPES), n, p=EVENT_TYPES_P)
    mean = np.array(EVENT_PARTICIPANTS)[event_type]
    participants = np.maximum(2, np.round(rng.lognormal(np.log(mean), 0.5))).astype(np.int64)
    sme = rng.binomial(participants, rng.beta(5, 4, n))
    return pd.DataFrame(
        {
            "cluster": cluster,
            "held": _between(rng, low[cluster], high[cluster]),
            "event_type": np.array(EVENT_TYPES, dtype=object)[event_type],
            "international": rng.random(n) < np.array(EVENT_INTERNATIONAL_P)[event_type],
            "participants": participants,
            "participants_sme": np.where(rng.random(n) < 0.15, -1, sme),
        }
    )


def _outcomes(
    rng: np.random.Generator,
    projects: pd.DataFrame,
    participations: pd.DataFrame,
    services: pd.DataFrame,
    memberships: pd.DataFrame,
    organisations: pd.DataFrame,
) -> pd.DataFrame:
    """Results of project participants (with project_id) and of enterprises that received
    services, most reported after the first service, some before it."""
    kind = organisations["kind"].to_numpy()
    # Through projects: programme participants of projects never cancelled.
    part = participations[participations["cluster"].to_numpy() >= 0]
    project = projects.loc[part["project"]]
    reporting = (project["cancelled"].to_numpy() == NEVER) & (rng.random(len(part)) < 0.45)
    part, project = part[reporting], project[reporting]
    duration = project["end"].to_numpy() - project["start"].to_numpy()
    via_project = pd.DataFrame(
        {
            "org": part["org"].to_numpy(),
            "project": part["project"].to_numpy(),
            "reported": project["start"].to_numpy()
            + np.floor(rng.uniform(0.4, 1.3, len(part)) * duration).astype(np.int64),
        }
    )
    # Without a project: enterprises that received services, around their first one, but
    # not before they joined a cluster nor long before the first projects.
    first = (
        services[kind[services["org"].to_numpy()] == "enterprise"].groupby("org")["delivered"].min()
    )
    first = first[rng.random(len(first)) < 0.4]
    first = first.repeat(np.where(rng.random(len(first)) < 0.3, 2, 1))
    n = len(first)
    offset = np.where(rng.random(n) < 0.15, -rng.integers(30, 500, n), rng.integers(30, 900, n))
    joined = memberships.groupby("org")["joined"].min()
    direct = pd.DataFrame(
        {
            "org": first.index.to_numpy(),
            "project": -1,
            "reported": np.maximum(
                first.to_numpy() + offset,
                np.maximum(joined.loc[first.index].to_numpy(), PROJECTS_FROM),
            ),
        }
    )
    frame = pd.concat([via_project, direct], ignore_index=True)
    frame = frame[frame["reported"] < END].reset_index(drop=True)
    n = len(frame)
    scholarly = np.isin(kind[frame["org"].to_numpy()], ("university", "research_institution"))
    outcome_type = np.where(
        scholarly,
        _pick(rng, OUTCOME_TYPES, RESEARCH_OUTCOMES_P, n),
        _pick(rng, OUTCOME_TYPES, ENTERPRISE_OUTCOMES_P, n),
    )
    countable = np.isin(
        outcome_type,
        ("patent_application", "trademark_application", "design_application", "publication"),
    )
    quantity = np.where(countable, 1 + rng.poisson(0.6, n), 1)
    frame["outcome_type"] = outcome_type
    frame["quantity"] = np.where((quantity == 1) & (rng.random(n) < 0.5), -1, quantity)
    return frame


def _further_results(
    rng: np.random.Generator, outcomes: pd.DataFrame, per_report: float
) -> pd.DataFrame:
    """`per_report` results per report on average: the further ones are of the same type
    and origin, reported within a year after (still before the simulation's end)."""
    if per_report == 1.0:  # the default demo: no draws, so its bytes stay the same
        return outcomes
    further = outcomes.loc[outcomes.index.repeat(rng.poisson(per_report - 1.0, len(outcomes)))]
    later = further["reported"].to_numpy() + rng.integers(1, 365, len(further))
    further = further.assign(reported=later)[later < END]
    return pd.concat([outcomes, further], ignore_index=True)


def _first_seen(
    organisations: pd.DataFrame,
    memberships: pd.DataFrame,
    projects: pd.DataFrame,
    participations: pd.DataFrame,
    services: pd.DataFrame,
    outcomes: pd.DataFrame,
) -> pd.DataFrame:
    """The day each organisation enters the register: its first membership, participation,
    service or outcome (the comparison group from the register's start). Also keeps
    founded_year within every package it appears in."""
    since = np.full(len(organisations), NEVER, dtype=np.int64)
    since[organisations["origin"].to_numpy() == "comparison"] = REGISTER_FROM
    approved = projects["approved"].reindex(participations["project"]).to_numpy()
    for org, day in (
        (memberships["org"], memberships["joined"]),
        (participations["org"], approved),
        (services["org"], services["delivered"]),
        (outcomes["org"], outcomes["reported"]),
    ):
        np.minimum.at(since, np.asarray(org), np.asarray(day))
    founded = organisations["founded_year"].to_numpy()
    seen = since < NEVER
    founded = np.where(seen, np.minimum(founded, _year_of(np.where(seen, since, 0))), founded)
    return organisations.assign(since=since, founded_year=founded)


def _firm_kpis(
    rng: np.random.Generator,
    organisations: pd.DataFrame,
    memberships: pd.DataFrame,
    true_effects: Mapping[str, float],
    first_year: int,
) -> pd.DataFrame:
    """Annual figures from `first_year` to 2025 of member enterprises and the comparison
    group (twins of the members' strata): firm levels, firm random walks, year shocks
    common to the region's firms, and `true_effects` from the year after a member first
    joins (what IMP01-04 estimate; members join in staggered years, the comparison group
    never)."""
    origin, kind = organisations["origin"].to_numpy(), organisations["kind"].to_numpy()
    firms = np.flatnonzero(
        ((origin == "member") & (kind == "enterprise")) | (origin == "comparison")
    )
    first_joined = memberships.groupby("org")["joined"].min()
    treated_from = np.full(len(firms), 9999)
    member = origin[firms] == "member"
    treated_from[member] = _year_of(first_joined.loc[firms[member]].to_numpy())
    years = np.arange(first_year, _year_of(END - 1) + 1)
    n, t = len(firms), len(years)
    treated = years[None, :] > treated_from[:, None]
    size = organisations["size_class"].to_numpy()[firms]
    low = np.select([size == s for s in SIZE_CLASSES[:4]], [1, 10, 50, 250], 2)
    high = np.select([size == s for s in SIZE_CLASSES[:4]], [10, 50, 250, 1500], 100)
    year_shocks = np.cumsum(rng.normal(0, 0.03, (2, t)), axis=1)  # employment, productivity
    employees = np.exp(
        np.log(rng.uniform(low, high))[:, None]
        + np.cumsum(rng.normal(0.015, 0.07, (n, t)), axis=1)
        + year_shocks[0]
        + true_effects["IMP01"] * treated
    )
    productivity = np.exp(
        rng.normal(np.log(120_000), 0.5, n)[:, None]
        + np.cumsum(rng.normal(0.02, 0.05, (n, t)), axis=1)
        + year_shocks[1]
        + (true_effects["IMP02"] - true_effects["IMP01"]) * treated
    )
    turnover = np.round(employees * productivity * 100)
    export_share = np.clip(
        rng.beta(1, 2.5, n)[:, None]
        + rng.normal(0, 0.02, (n, t))
        + true_effects["IMP03"] / 100 * treated,
        0,
        1,
    )
    rd_share = (
        rng.beta(0.6, 12, n)[:, None]
        + rng.normal(0, 0.003, (n, t))
        + true_effects["IMP04"] / 100 * treated
    )
    va_share = rng.normal(0.32, 0.12, n)[:, None] + rng.normal(0, 0.1, (n, t))
    founded = organisations["founded_year"].to_numpy()[firms]
    exists = years[None, :] >= founded[:, None]
    exists &= rng.random((n, t)) < 0.97  # some firm-years are missing from the register

    def missing(share: float) -> np.ndarray:
        return rng.random((n, t)) < share

    frame = pd.DataFrame(
        {
            "org": np.repeat(firms, t),
            "year": np.tile(years, n),
            "fte_cents": (np.maximum(0.5, np.round(employees, 1)) * 100).round().ravel(),
            "turnover_cents": turnover.ravel(),
            "exports_cents": np.where(missing(0.08), -1, np.floor(turnover * export_share)).ravel(),
            "rd_cents": np.where(
                missing(0.15), -1, np.round(turnover * np.clip(rd_share, 0, None))
            ).ravel(),
            "value_added_cents": np.where(  # any sign, so null is NaN
                missing(0.07), np.nan, np.round(turnover * va_share)
            ).ravel(),
        }
    )
    return frame[exists.ravel()].reset_index(drop=True)


# --- rendering: the history as contract text, with the days that decide each snapshot ----


def _ids(prefix: str, width: int, since: np.ndarray) -> np.ndarray:
    """Identifiers numbered in order of appearance, so identifiers never change meaning."""
    order = np.argsort(since, kind="stable")
    ids = np.empty(len(since), dtype=object)
    ids[order] = [f"{prefix}{i:0{width}d}" for i in range(1, len(since) + 1)]
    return ids


def _dates(days: np.ndarray) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    known = days < NEVER
    text = np.full(len(days), "", dtype=object)
    text[known] = np.datetime_as_string(days[known].astype("datetime64[D]"), unit="D")
    return text


def _decimal(cents: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Cents as a decimal with two places; negatives allowed, `missing` rows empty."""
    cents = np.asarray(cents, dtype=np.float64)
    text = np.char.mod("%.2f", np.round(cents) / 100 + 0.0).astype(object)
    if missing is not None:
        text[missing] = ""
    return text


def _ints(values: np.ndarray) -> np.ndarray:
    """Non-negative integers; -1 means null."""
    values = np.asarray(values, dtype=np.int64)
    return np.where(values < 0, "", values.astype(str).astype(object))


_Columns = dict[str, np.ndarray]
_KEYS = {  # row order of the tables whose first column is not their key
    "memberships": ["cluster_id", "organisation_id", "joined_on"],
    "participations": ["project_id", "organisation_id"],
    "firm_kpis": ["organisation_id", "year"],
}


def _render(h: _History) -> dict[str, _Columns]:
    """Each table as contract text in its final state, sorted by its key, plus `_since`
    (the first reference date at which the row is in a package) and the raw days of the
    values that change later. Plain arrays, so that each snapshot is a few masks."""
    cluster_id = _ids("C", 3, h.clusters["founded"].to_numpy())
    org_id = _ids("O", 5, h.organisations["since"].to_numpy())
    project_ids = _ids("P", 4, h.projects["approved"].to_numpy())
    project_id = pd.Series(project_ids, index=h.projects.index)
    org_since = h.organisations["since"].to_numpy()
    frames = {
        "clusters": _render_clusters(h.clusters, cluster_id),
        "organisations": _render_organisations(h.organisations, org_id),
        "memberships": _render_memberships(h.memberships, org_id, cluster_id),
        "projects": _render_projects(h.projects, project_ids, cluster_id),
        "participations": _render_participations(h, project_id, org_id, cluster_id),
        "services": _render_services(h.services, org_id, cluster_id),
        "events": _render_events(h.events, cluster_id),
        "outcomes": _render_outcomes(h.outcomes, org_id, project_id),
        "firm_kpis": _render_firm_kpis(h.firm_kpis, org_id, org_since),
    }
    return {name: _sorted_columns(name, frame) for name, frame in frames.items()}


def _sorted_columns(name: str, frame: pd.DataFrame) -> _Columns:
    key = _KEYS.get(name, frame.columns[:1].tolist())
    frame = frame.sort_values(key, kind="stable")
    return {
        column: frame[column].to_numpy(dtype=np.int64 if column[0] == "_" else object)
        for column in frame.columns
    }


def _render_clusters(clusters: pd.DataFrame, cluster_id: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_id": cluster_id,
            "name": clusters["name"].to_numpy(),
            "nuts_code": clusters["nuts_code"].to_numpy(),
            "sector": clusters["sector"].to_numpy(),
            "s3_priority": clusters["s3_priority"].to_numpy(),
            "founded_on": _dates(clusters["founded"]),
            "closed_on": _dates(clusters["closed"]),
            "label": clusters["label"].to_numpy(),
            "label_valid_until": _dates(clusters["label_valid_until"]),
            "management_fte": _decimal(clusters["fte_cents"]),
            "_since": clusters["founded"].to_numpy(),
            "_closed_on": clusters["closed"].to_numpy(),
        }
    )


def _render_organisations(organisations: pd.DataFrame, org_id: np.ndarray) -> pd.DataFrame:
    comparison = organisations["origin"].to_numpy() == "comparison"
    return pd.DataFrame(
        {
            "organisation_id": org_id,
            "name": organisations["name"].to_numpy(),
            "kind": organisations["kind"].to_numpy(),
            "size_class": organisations["size_class"].to_numpy(),
            "nace_code": organisations["nace_code"].to_numpy(),
            "country_code": organisations["country_code"].to_numpy(),
            "nuts_code": organisations["nuts_code"].to_numpy(),
            "founded_year": _ints(organisations["founded_year"]),
            "comparison_group": np.where(comparison, "true", "false").astype(object),
            "_since": organisations["since"].to_numpy(),
        }
    )


def _render_memberships(
    memberships: pd.DataFrame, org_id: np.ndarray, cluster_id: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_id": cluster_id[memberships["cluster"]],
            "organisation_id": org_id[memberships["org"]],
            "joined_on": _dates(memberships["joined"]),
            "left_on": _dates(memberships["left"]),
            "_since": memberships["joined"].to_numpy(),
            "_left_on": memberships["left"].to_numpy(),
        }
    )


def _render_projects(
    projects: pd.DataFrame, project_ids: np.ndarray, cluster_id: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": project_ids,
            "lead_cluster_id": cluster_id[projects["lead"]],
            "title": projects["title"].to_numpy(),
            "project_type": projects["project_type"].to_numpy(),
            "status": "",  # set per snapshot
            "start_date": _dates(projects["start"]),
            "end_date": _dates(projects["end"]),
            "total_cost_eur": _decimal(projects["total_cents"]),
            "public_funding_eur": _decimal(projects["public_cents"]),
            "_since": projects["approved"].to_numpy(),
            "_start": projects["start"].to_numpy(),
            "_end": projects["end"].to_numpy(),
            "_cancelled": projects["cancelled"].to_numpy(),
        }
    )


def _render_participations(
    h: _History, project_id: pd.Series, org_id: np.ndarray, cluster_id: np.ndarray
) -> pd.DataFrame:
    p = h.participations
    cluster = p["cluster"].to_numpy()
    grant = p["grant_cents"].to_numpy()
    return pd.DataFrame(
        {
            "project_id": project_id.loc[p["project"]].to_numpy(),
            "organisation_id": org_id[p["org"]],
            "role": p["role"].to_numpy(),
            "cluster_id": np.where(cluster >= 0, cluster_id[np.maximum(cluster, 0)], ""),
            "grant_eur": _decimal(grant, grant < 0),
            "_since": h.projects["approved"].loc[p["project"]].to_numpy(),
        }
    )


def _render_services(
    services: pd.DataFrame, org_id: np.ndarray, cluster_id: np.ndarray
) -> pd.DataFrame:
    amount = services["amount_cents"].to_numpy()
    return pd.DataFrame(
        {
            "service_id": _ids("S", 6, services["delivered"].to_numpy()),
            "cluster_id": cluster_id[services["cluster"]],
            "organisation_id": org_id[services["org"]],
            "delivered_on": _dates(services["delivered"]),
            "service_type": services["service_type"].to_numpy(),
            "support_form": services["support_form"].to_numpy(),
            "amount_eur": _decimal(amount, amount < 0),
            "_since": services["delivered"].to_numpy(),
        }
    )


def _render_events(events: pd.DataFrame, cluster_id: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": _ids("E", 5, events["held"].to_numpy()),
            "cluster_id": cluster_id[events["cluster"]],
            "held_on": _dates(events["held"]),
            "event_type": events["event_type"].to_numpy(),
            "international": np.where(events["international"], "true", "false").astype(object),
            "participants": _ints(events["participants"]),
            "participants_sme": _ints(events["participants_sme"]),
            "_since": events["held"].to_numpy(),
        }
    )


def _render_outcomes(
    outcomes: pd.DataFrame, org_id: np.ndarray, project_id: pd.Series
) -> pd.DataFrame:
    project = outcomes["project"].to_numpy()
    return pd.DataFrame(
        {
            "outcome_id": _ids("R", 5, outcomes["reported"].to_numpy()),
            "organisation_id": org_id[outcomes["org"]],
            "project_id": np.where(project >= 0, project_id.reindex(project).to_numpy(), ""),
            "reported_on": _dates(outcomes["reported"]),
            "outcome_type": outcomes["outcome_type"].to_numpy(),
            "quantity": _ints(outcomes["quantity"]),
            "_since": outcomes["reported"].to_numpy(),
        }
    )


def _render_firm_kpis(
    kpis: pd.DataFrame, org_id: np.ndarray, org_since: np.ndarray
) -> pd.DataFrame:
    """A year's figures arrive from 1 January of the next year, and only once the
    organisation is in the register."""
    org = kpis["org"].to_numpy()
    exports, rd = kpis["exports_cents"].to_numpy(), kpis["rd_cents"].to_numpy()
    value_added = kpis["value_added_cents"].to_numpy()
    return pd.DataFrame(
        {
            "organisation_id": org_id[org],
            "year": kpis["year"].to_numpy().astype(str).astype(object),
            "employees_fte": _decimal(kpis["fte_cents"]),
            "turnover_eur": _decimal(kpis["turnover_cents"]),
            "exports_eur": _decimal(exports, exports < 0),
            "rd_expenditure_eur": _decimal(rd, rd < 0),
            "value_added_eur": _decimal(np.nan_to_num(value_added), np.isnan(value_added)),
            "_since": np.maximum(org_since[org], _year_start(kpis["year"].to_numpy() + 1)),
        }
    )


# --- snapshots and files ---------------------------------------------------------------


def _snapshot(history: dict[str, _Columns], reference: int) -> dict[str, _Columns]:
    """The package as of `reference`: rows not yet there are left out, end dates not yet
    reached are empty, and project status is the one on that day."""
    package = {}
    for table in TABLES:
        columns = history[table.name]
        rows = {name: values[columns["_since"] <= reference] for name, values in columns.items()}
        for column in ("closed_on", "left_on"):
            if column in rows:
                rows[column] = np.where(rows["_" + column] <= reference, rows[column], "")
        if table.name == "projects":
            rows["status"] = np.select(
                [
                    rows["_cancelled"] <= reference,
                    rows["_start"] > reference,
                    rows["_end"] <= reference,
                ],
                ["cancelled", "planned", "completed"],
                "running",
            )
        package[table.name] = {name: rows[name] for name in table.column_names}
    return package


def _write_csv(columns: _Columns, path: Path) -> None:
    """UTF-8, `,`, minimal quoting, `\n` line ends."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*columns.values(), strict=True))


def _targets(region: DemoRegion, organisations: pd.DataFrame) -> pd.DataFrame:
    """Milestones (2024) and targets (2029) in proportion to the region's member enterprises."""
    member = organisations["origin"] == "member"
    enterprises = int((member & (organisations["kind"] == "enterprise")).sum())
    rows = [
        (region.code, code, year, max(1, round(enterprises * share * factor)), kind)
        for code, share in TARGET_SHARES.items()
        for year, factor, kind in ((2024, 0.45, "milestone"), (2029, 1.0, "target"))
    ]
    return pd.DataFrame(
        rows, columns=["region_code", "indicator_code", "year", "target_value", "kind"]
    )
