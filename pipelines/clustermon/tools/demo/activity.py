"""Simulating the activity: projects and participations, services, events, outcomes and the
firms' annual figures (with the true effects of membership)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from clustermon.contract import (
    EVENT_TYPES,
    OUTCOME_TYPES,
    PROJECT_TYPES,
    SERVICE_TYPES,
    SIZE_CLASSES,
)
from clustermon.tools.demo.draws import between, pick, year_of
from clustermon.tools.demo.profile import (
    ACTIVITY_FROM,
    END,
    ENTERPRISE_OUTCOMES_P,
    EVENT_INTERNATIONAL_P,
    EVENT_PARTICIPANTS,
    EVENT_TYPES_P,
    NEVER,
    PROJECT_TYPES_P,
    PROJECTS_FROM,
    REGISTER_FROM,
    RESEARCH_OUTCOMES_P,
    SERVICE_TYPES_P,
    THEMES,
    YEAR,
    day_number,
)


def draw_projects(
    rng: np.random.Generator, clusters: pd.DataFrame, per_year: float
) -> pd.DataFrame:
    """Projects approved from mid-2018 by each active cluster, `per_year` a year."""
    low = np.maximum(clusters["founded"].to_numpy(), PROJECTS_FROM)
    high = np.minimum(clusters["closed"].to_numpy() - 90, day_number("2025-10-01"))
    counts = rng.poisson(per_year * np.clip(high - low, 0, None) / YEAR)
    lead = np.repeat(np.arange(len(clusters)), counts)
    n = len(lead)
    approved = between(rng, low[lead], high[lead])
    start = approved + rng.integers(0, 240, n)
    end = start + np.round(rng.uniform(6, 42, n) * YEAR / 12).astype(np.int64)
    cancelled = np.where(rng.random(n) < 0.05, approved + rng.integers(30, 365, n), NEVER)
    total = np.round(np.clip(rng.lognormal(np.log(300_000), 0.9, n), 20_000, 8_000_000) * 100)
    rate = np.where(rng.random(n) < 0.08, 0.0, rng.uniform(0.3, 0.85, n))
    project_type = pick(rng, PROJECT_TYPES, PROJECT_TYPES_P, n)
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


def draw_participations(
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
            pick(rng, ("partner", "subcontractor", "test_user"), (72, 12, 16), len(chosen))
        )
        if rng.random() < 0.92:
            roles[0] = "coordinator"
        roles += list(pick(rng, ("partner", "subcontractor"), (85, 15), len(outside)))
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


def draw_services(
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
    service_type = pick(rng, SERVICE_TYPES, SERVICE_TYPES_P, n)
    form = pick(rng, ("grant", "financial_instrument", "non_financial"), (14, 8, 78), n)
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
            "delivered": between(rng, low[spell], high[spell]),
            "service_type": service_type,
            "support_form": form,
            "amount_cents": np.round(amount * 100).astype(np.int64),
        }
    )


def draw_events(rng: np.random.Generator, clusters: pd.DataFrame, per_year: float) -> pd.DataFrame:
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
            "held": between(rng, low[cluster], high[cluster]),
            "event_type": np.array(EVENT_TYPES, dtype=object)[event_type],
            "international": rng.random(n) < np.array(EVENT_INTERNATIONAL_P)[event_type],
            "participants": participants,
            "participants_sme": np.where(rng.random(n) < 0.15, -1, sme),
        }
    )


def draw_outcomes(
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
        pick(rng, OUTCOME_TYPES, RESEARCH_OUTCOMES_P, n),
        pick(rng, OUTCOME_TYPES, ENTERPRISE_OUTCOMES_P, n),
    )
    countable = np.isin(
        outcome_type,
        ("patent_application", "trademark_application", "design_application", "publication"),
    )
    quantity = np.where(countable, 1 + rng.poisson(0.6, n), 1)
    frame["outcome_type"] = outcome_type
    frame["quantity"] = np.where((quantity == 1) & (rng.random(n) < 0.5), -1, quantity)
    return frame


def draw_further_results(
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


def draw_first_seen(
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
    founded = np.where(seen, np.minimum(founded, year_of(np.where(seen, since, 0))), founded)
    return organisations.assign(since=since, founded_year=founded)


def draw_firm_kpis(
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
    treated_from[member] = year_of(first_joined.loc[firms[member]].to_numpy())
    years = np.arange(first_year, year_of(END - 1) + 1)
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
