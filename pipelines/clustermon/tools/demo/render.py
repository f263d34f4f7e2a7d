"""Rendering: the history as contract text, each quarter's package as the snapshot of that
history on its reference date, written as CSV; and the programme's targets."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from clustermon.contract import TABLES
from clustermon.tools.demo.draws import year_start
from clustermon.tools.demo.profile import NEVER, TARGET_SHARES, DemoRegion
from clustermon.tools.demo.simulate import History

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


def render_history(h: History) -> dict[str, _Columns]:
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
    h: History, project_id: pd.Series, org_id: np.ndarray, cluster_id: np.ndarray
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
            "_since": np.maximum(org_since[org], year_start(kpis["year"].to_numpy() + 1)),
        }
    )


# --- snapshots and files ---------------------------------------------------------------


def snapshot(history: dict[str, _Columns], reference: int) -> dict[str, _Columns]:
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


def write_csv(columns: _Columns, path: Path) -> None:
    """UTF-8, `,`, minimal quoting, `\n` line ends."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*columns.values(), strict=True))


def region_targets(region: DemoRegion, organisations: pd.DataFrame) -> pd.DataFrame:
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
