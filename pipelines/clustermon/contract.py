"""The regional submission contract (docs/spec/submission-format.md) as data.

One place names every table of a package, its columns in the contract's order,
their types and whether they are required. Ingestion, validation and the demo
generator all read it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

REGION_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
QUARTER_CODE = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, int, decimal, date, bool
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False  # the package is rejected without it

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _table(name: str, spec: str, *, required: bool = False) -> Table:
    """Build a table from lines of `name type [req]`."""
    columns = []
    for line in spec.strip().splitlines():
        name_, type_, *req = line.split()
        columns.append(Column(name_, type_, required=bool(req)))
    return Table(name, tuple(columns), required=required)


TABLES: tuple[Table, ...] = (
    _table(
        "clusters",
        """
        cluster_id text req
        name text req
        nuts_code text req
        sector text req
        s3_priority text
        founded_on date req
        closed_on date
        label text
        label_valid_until date
        management_fte decimal req
        """,
        required=True,
    ),
    _table(
        "organisations",
        """
        organisation_id text req
        name text req
        kind text req
        size_class text
        nace_code text
        country_code text req
        nuts_code text
        founded_year int
        comparison_group bool
        """,
        required=True,
    ),
    _table(
        "memberships",
        """
        cluster_id text req
        organisation_id text req
        joined_on date req
        left_on date
        """,
        required=True,
    ),
    _table(
        "projects",
        """
        project_id text req
        lead_cluster_id text req
        title text req
        project_type text req
        status text req
        start_date date req
        end_date date req
        total_cost_eur decimal req
        public_funding_eur decimal req
        """,
    ),
    _table(
        "participations",
        """
        project_id text req
        organisation_id text req
        role text req
        cluster_id text
        grant_eur decimal
        """,
    ),
    _table(
        "services",
        """
        service_id text req
        cluster_id text req
        organisation_id text req
        delivered_on date req
        service_type text req
        support_form text req
        amount_eur decimal
        """,
    ),
    _table(
        "events",
        """
        event_id text req
        cluster_id text req
        held_on date req
        event_type text req
        international bool req
        participants int req
        participants_sme int
        """,
    ),
    _table(
        "outcomes",
        """
        outcome_id text req
        organisation_id text req
        project_id text
        reported_on date req
        outcome_type text req
        quantity int
        """,
    ),
    _table(
        "firm_kpis",
        """
        organisation_id text req
        year int req
        employees_fte decimal req
        turnover_eur decimal req
        exports_eur decimal
        rd_expenditure_eur decimal
        value_added_eur decimal
        """,
    ),
)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

# The programme folder's tables (not in packages), checked by the same rules as packages.
PROGRAMME_TABLES: tuple[Table, ...] = (
    _table(
        "regions",
        """
        region_code text req
        name text req
        programme_start date req
        """,
        required=True,
    ),
    _table(
        "targets",
        """
        region_code text req
        indicator_code text req
        year int req
        target_value decimal req
        kind text req
        """,
    ),
)
TARGET_KINDS = ("milestone", "target")

# Allowed values, in the contract's order (the order breakdown cells are published in).
ORGANISATION_KINDS = (
    "enterprise",
    "university",
    "research_institution",
    "public_authority",
    "intermediary",
    "other",
)
SIZE_CLASSES = ("micro", "small", "medium", "large", "unknown")
LABELS = ("none", "bronze", "silver", "gold")
PROJECT_TYPES = (
    "collaborative_rdi",
    "innovation_service",
    "internationalisation",
    "training",
    "public_private_innovation",
    "business_model_innovation",
    "other",
)
PROJECT_STATUSES = ("planned", "running", "completed", "cancelled")
PARTICIPATION_ROLES = ("coordinator", "partner", "subcontractor", "test_user")
SERVICE_TYPES = (
    "advisory",
    "training",
    "matchmaking",
    "internationalisation",
    "innovation_voucher",
    "competence_mapping",
    "business_model_innovation",
    "infrastructure_access",
    "other",
)
SUPPORT_FORMS = ("grant", "financial_instrument", "non_financial")
EVENT_TYPES = (
    "networking",
    "training",
    "matchmaking",
    "b2b",
    "staff_exchange",
    "study_trip",
    "trade_mission",
    "conference",
    "other",
)
OUTCOME_TYPES = (
    "product_innovation",
    "process_innovation",
    "marketing_innovation",
    "organisational_innovation",
    "patent_application",
    "trademark_application",
    "design_application",
    "publication",
    "prototype",
    "new_market",
    "spin_off",
)
NACE_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")


def quarter_end(quarter: str) -> date:
    """The reference date of a quarter code such as `2025Q4` (its last day)."""
    match = QUARTER_CODE.match(quarter)
    if not match:
        raise ValueError(f"not a quarter code (YYYYQN): {quarter!r}")
    year, number = int(match.group(1)), int(match.group(2))
    month = 3 * number
    return date(year, month, 31 if month in (3, 12) else 30)


def normalise_quarter(quarter: str) -> str:
    """`2025q4` -> `2025Q4`; raises ValueError for anything that is not a quarter code."""
    quarter_end(quarter)
    return quarter.upper()
