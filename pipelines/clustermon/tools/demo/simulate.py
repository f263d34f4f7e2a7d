"""One region's whole history, simulated once: the register, then the activity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustermon.tools.demo.activity import (
    draw_events,
    draw_firm_kpis,
    draw_first_seen,
    draw_further_results,
    draw_outcomes,
    draw_participations,
    draw_projects,
    draw_services,
)
from clustermon.tools.demo.profile import DemoProfile, DemoRegion
from clustermon.tools.demo.register import (
    draw_clusters,
    draw_comparison_organisations,
    draw_member_organisations,
    draw_memberships,
    draw_partner_organisations,
)

# --- simulation: one region's whole history, with integer indices and day numbers ------


@dataclass
class History:
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


def simulate_region(
    rng: np.random.Generator,
    region: DemoRegion,
    nuts: np.ndarray,
    scale: float,
    profile: DemoProfile,
    true_effects: Mapping[str, float],
) -> History:
    clusters = draw_clusters(rng, region, nuts, scale * profile.clusters)
    memberships = draw_memberships(rng, clusters, scale * profile.members_per_cluster)
    members = draw_member_organisations(rng, region, nuts, clusters, memberships)
    projects = draw_projects(rng, clusters, profile.projects_per_cluster_year)
    partners = draw_partner_organisations(rng, region, nuts, max(4, len(projects) // 3))
    organisations = pd.concat([members, partners], ignore_index=True)
    projects, participations = draw_participations(
        rng, projects, memberships, organisations, profile.members_per_project
    )
    services = draw_services(rng, memberships, organisations, profile.services_per_member_year)
    events = draw_events(rng, clusters, profile.events_per_cluster_year)
    outcomes = draw_outcomes(rng, projects, participations, services, memberships, organisations)
    outcomes = draw_further_results(rng, outcomes, profile.outcomes_per_report)
    comparison = draw_comparison_organisations(
        rng, region, nuts, members, profile.comparison_per_member
    )
    organisations = pd.concat([organisations, comparison], ignore_index=True)
    organisations = draw_first_seen(
        organisations, memberships, projects, participations, services, outcomes
    )
    firm_kpis = draw_firm_kpis(rng, organisations, memberships, true_effects, profile.kpis_from)
    return History(
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
