"""The demo's regions, its profiles (how much of each table a region has) and the constants
the simulation draws with: themes, names, probabilities, the true effects of membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from clustermon.home import NUTS_REFERENCE


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


def day_number(value: str | date) -> int:
    """Day number since 1970-01-01: the simulation's only date representation."""
    return int(np.datetime64(value, "D").astype(np.int64))


REGISTER_FROM = day_number("2015-01-01")  # memberships and firm_kpis are recorded from here
PROJECTS_FROM = day_number("2018-07-01")  # first approvals: some projects predate programme_start
ACTIVITY_FROM = day_number("2019-01-01")  # services and events
END = day_number("2026-01-01")  # exclusive end of the simulated history
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


# --- reading the NUTS seed -------------------------------------------------------------


@cache
def nuts_codes() -> np.ndarray:
    """The NUTS 2021 codes of the dbt seed: the pipeline's own list of valid codes."""
    frame = pd.read_csv(
        NUTS_REFERENCE, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    return frame["NUTS_ID"].str.strip().to_numpy(dtype=object)


def codes_within(nuts: np.ndarray, region: str) -> np.ndarray:
    """The region's own code and every code below it."""
    return nuts[pd.Series(nuts).str.startswith(region).to_numpy()]


def level2_codes(nuts: np.ndarray, country: str, outside: str) -> np.ndarray:
    """NUTS 2 codes of a country, without those that contain or lie in `outside`."""
    codes = [
        c
        for c in nuts
        if len(c) == 4
        and c.startswith(country)
        and not (c.startswith(outside) or outside.startswith(c))
    ]
    return np.array(codes, dtype=object)
