"""Simulating the register: clusters, their members, partners and the comparison group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clustermon.contract import ORGANISATION_KINDS, SIZE_CLASSES
from clustermon.tools.demo.draws import between, pick, scaled
from clustermon.tools.demo.profile import (
    ACTIVITIES,
    END,
    LEGAL_FORMS,
    MEMBER_KINDS_P,
    NACE_CLASSES,
    NEVER,
    PARTNER_COUNTRIES,
    PARTNER_KINDS_P,
    REGISTER_FROM,
    SIZE_CLASSES_P,
    STEMS_A,
    STEMS_B,
    THEMES,
    DemoRegion,
    codes_within,
    day_number,
    level2_codes,
)


def draw_clusters(
    rng: np.random.Generator, region: DemoRegion, nuts: np.ndarray, scale: float
) -> pd.DataFrame:
    """Clusters founded since 2005, mostly small in number; some closed, some labelled."""
    n = int(scaled(5 + rng.gamma(1.3, 6.0), 5, 40, scale, 2))
    founded = day_number("2005-01-01") + np.floor(
        rng.beta(1.2, 1.6, n) * (day_number("2025-10-01") - day_number("2005-01-01"))
    ).astype(np.int64)
    founded[0] = between(
        rng, day_number("2005-01-01"), day_number("2013-01-01")
    )  # every package has one
    may_close = (founded < day_number("2018-01-01")) & (rng.random(n) < 0.15)
    closed = np.where(
        may_close,
        between(rng, np.full(n, day_number("2020-01-01")), day_number("2025-10-01")),
        NEVER,
    )
    theme = rng.choice(len(THEMES), n, replace=n > len(THEMES))
    sector, topic, s3 = (np.array([t[i] for t in THEMES], dtype=object)[theme] for i in range(3))
    label = pick(rng, ("", "none", "bronze", "silver", "gold"), (35, 15, 25, 15, 10), n)
    labelled = np.isin(label, ("bronze", "silver", "gold"))
    awarded = between(
        rng,
        np.maximum(founded, day_number("2016-01-01")),
        np.minimum(closed, day_number("2025-10-01")),
    )
    own = codes_within(nuts, region.code)
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


def draw_memberships(
    rng: np.random.Generator, clusters: pd.DataFrame, scale: float
) -> pd.DataFrame:
    """Membership spells: 20-300 organisations per cluster, some in two clusters, some
    leaving and a few re-joining (touching allowed, never overlapping)."""
    sizes = scaled(20 + rng.gamma(1.1, 40.0, len(clusters)), 20, 300, scale, 3)
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
            "size_class": np.where(enterprise, pick(rng, SIZE_CLASSES, SIZE_CLASSES_P, n), ""),
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


def draw_member_organisations(
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
    kind = pick(rng, ORGANISATION_KINDS, MEMBER_KINDS_P, n)
    own = codes_within(nuts, region.code)
    nuts_code = np.where(rng.random(n) < 0.85, rng.choice(own, n), "")
    return _organisations(rng, kind, sections, np.full(n, region.code[:2]), nuts_code, "member")


def draw_partner_organisations(
    rng: np.random.Generator, region: DemoRegion, nuts: np.ndarray, n: int
) -> pd.DataFrame:
    """Outside partners: organisations of other countries, or of other regions of the
    region's own country, that take part in projects without a cluster."""
    own_country = region.code[:2]
    countries = np.array([c for c in PARTNER_COUNTRIES if c != own_country], dtype=object)
    domestic = level2_codes(nuts, own_country, region.code)
    at_home = (rng.random(n) < 0.25) & (len(domestic) > 0)
    country = np.where(at_home, own_country, rng.choice(countries, n))
    nuts_code = np.full(n, "", dtype=object)
    for code in sorted(set(country)):
        here = country == code
        nuts_code[here] = rng.choice(level2_codes(nuts, code, region.code), here.sum())
    nuts_code = np.where(at_home | (rng.random(n) < 0.8), nuts_code, "")
    kind = pick(rng, ORGANISATION_KINDS, PARTNER_KINDS_P, n)
    kind[:2] = ("research_institution", "university")  # collaborative_rdi always finds one
    sections = rng.choice(np.array(sorted({c[0] for c in NACE_CLASSES}), dtype=object), n)
    return _organisations(rng, kind, sections, country, nuts_code, "partner")


def draw_comparison_organisations(
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
    own = codes_within(nuts, region.code)
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
