"""The regional submission contract (docs/spec/submission-format.md) as data, declared once.

Every table of a package, its columns in the contract's order, their types, whether they are
required, their allowed values, what they refer to and the contract's own words for them.
Ingestion's rules (ingest/rules.py), the dbt staging models and their documentation and tests
(contract/staging.py writes them), the raw layer's columns (ingest/raw_schema.py) and the demo
generator all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPES = ("text", "int", "decimal", "date", "bool")

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
TARGET_KINDS = ("milestone", "target")


@dataclass(frozen=True)
class Column:
    """One column of a contract table, with the contract's words for it.

    `rule` is the spec table's rule column; `allowed` the values the column may take (null is
    always allowed; `required` is its own rule); `references` the `table.column` it names
    within the same package; `required_if` the condition, in words, under which an optional
    column is required; `default` the SQL value staging gives a null; `exact` marks a decimal
    that is summed into published money, kept as an exact DECIMAL(18, 6) (a sum of doubles
    varies in its last digits with the order DuckDB adds in).
    """

    name: str
    type: str
    required: bool = False
    rule: str = ""
    allowed: tuple[str, ...] = ()
    references: str | None = None
    required_if: str = ""
    default: str | None = None
    exact: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {TYPES}")

    @property
    def description(self) -> str:
        """The contract's line for the column: `type; required|optional; rule`."""
        if self.required_if:
            need = f"required if {self.required_if}"
        else:
            need = "required" if self.required else "optional"
        return "; ".join(part for part in (self.type, need, self.rule) if part)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    required: bool = False  # the package is rejected without it
    key: tuple[str, ...] = ()  # rows sharing a key are all quarantined (duplicate_key)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def identifier(name: str) -> Column:
    """A table's own identifier: required, unique within the package."""
    return Column(name, "text", required=True, rule="unique")


def reference(name: str, target: str, *, required: bool = True, note: str = "") -> Column:
    """A column naming a row of `target` (`table.column`) of the same package."""
    return Column(
        name, "text", required=required, rule=f"→ {target.split('.')[0]}{note}", references=target
    )


def choice(
    name: str, values: tuple[str, ...], *, required: bool = True, rule: str | None = None
) -> Column:
    """A text column taking one of `values` (the rule lists them unless it says more)."""
    return Column(name, "text", required=required, rule=rule or ", ".join(values), allowed=values)


TABLES: tuple[Table, ...] = (
    Table(
        "clusters",
        "Cluster organisations of the region's register, one row per cluster and package.",
        (
            identifier("cluster_id"),
            Column("name", "text", required=True),
            Column(
                "nuts_code",
                "text",
                required=True,
                rule="valid NUTS 2021 code within the package's region",
            ),
            choice(
                "sector",
                NACE_SECTIONS,
                rule="NACE Rev.2 section letter A–U of the cluster's main field",  # noqa: RUF001
            ),
            Column("s3_priority", "text", rule="smart specialisation domain, free text"),
            Column("founded_on", "date", required=True, rule="≤ reference date"),
            Column("closed_on", "date", rule="≥ founded_on"),
            choice(
                "label",
                LABELS,
                required=False,
                rule="none, bronze, silver, gold (cluster management excellence label); "
                "null = none",
            ),
            Column("label_valid_until", "date", required_if="label ≠ none"),
            Column(
                "management_fte",
                "decimal",
                required=True,
                rule="≥ 0; staff of the cluster management organisation",
            ),
        ),
        required=True,
        key=("cluster_id",),
    ),
    Table(
        "organisations",
        "Every organisation a package names (members, participants, service recipients, "
        "comparison group). Names are confidential and never leave the working warehouse.",
        (
            identifier("organisation_id"),
            Column("name", "text", required=True, rule="confidential: never published"),
            choice("kind", ORGANISATION_KINDS),
            Column(
                "size_class",
                "text",
                required_if="enterprise",
                rule="micro (<10 employees), small (<50), medium (<250), large, unknown",
                allowed=SIZE_CLASSES,
            ),
            Column(
                "nace_code",
                "text",
                rule="NACE Rev.2 division, group or class: `C25`, `C25.1`, `C25.11`; "
                "expected for enterprises",
            ),
            Column(
                "country_code",
                "text",
                required=True,
                rule="ISO 3166-1 alpha-2; also `EL` (= GR), `UK` (= GB) as the EU writes them, "
                "and `XK` (Kosovo); compared as the same country",
            ),
            Column(
                "nuts_code",
                "text",
                rule="valid NUTS 2021 code, any level, consistent with country_code",
            ),
            Column("founded_year", "int", rule="1800 … reference year"),
            Column(
                "comparison_group",
                "bool",
                rule="true = a non-member enterprise drawn from a business register to serve "
                "as counterfactual; default false. Such an organisation appears only in "
                "firm_kpis: a membership, participation, service or outcome naming it is an "
                "error",
                default="false",
            ),
        ),
        required=True,
        key=("organisation_id",),
    ),
    Table(
        "memberships",
        "Membership spells of organisations in clusters; periods are half-open "
        "[joined_on, left_on).",
        (
            reference("cluster_id", "clusters.cluster_id"),
            reference(
                "organisation_id", "organisations.organisation_id", note=", not comparison_group"
            ),
            Column("joined_on", "date", required=True, rule="≤ reference date"),
            Column("left_on", "date", rule="≥ joined_on"),
        ),
        required=True,
        key=("cluster_id", "organisation_id", "joined_on"),
    ),
    Table(
        "projects",
        "Collaborative projects led by the region's clusters.",
        (
            identifier("project_id"),
            reference("lead_cluster_id", "clusters.cluster_id"),
            Column("title", "text", required=True),
            choice("project_type", PROJECT_TYPES),
            choice("status", PROJECT_STATUSES),
            Column("start_date", "date", required=True),
            Column("end_date", "date", required=True, rule="≥ start_date"),
            Column("total_cost_eur", "decimal", required=True, rule="≥ 0", exact=True),
            Column(
                "public_funding_eur",
                "decimal",
                required=True,
                rule="0 ≤ public_funding_eur ≤ total_cost_eur",
                exact=True,
            ),
        ),
        key=("project_id",),
    ),
    Table(
        "participations",
        "Organisations taking part in projects; with a cluster_id it is a programme "
        "participation, without one an outside partner.",
        (
            reference("project_id", "projects.project_id"),
            reference("organisation_id", "organisations.organisation_id"),
            choice("role", PARTICIPATION_ROLES),
            reference(
                "cluster_id",
                "clusters.cluster_id",
                required=False,
                note="; the cluster through which it takes part",
            ),
            Column(
                "grant_eur",
                "decimal",
                rule="≥ 0; public grant received by this participant",
                exact=True,
            ),
        ),
        key=("project_id", "organisation_id"),
    ),
    Table(
        "services",
        "Support given by a cluster organisation to one organisation.",
        (
            identifier("service_id"),
            reference("cluster_id", "clusters.cluster_id"),
            reference("organisation_id", "organisations.organisation_id"),
            Column("delivered_on", "date", required=True, rule="≤ reference date"),
            choice("service_type", SERVICE_TYPES),
            choice("support_form", SUPPORT_FORMS),
            Column(
                "amount_eur",
                "decimal",
                rule="≥ 0; required > 0 when support_form is grant or financial_instrument",
                exact=True,
            ),
        ),
        key=("service_id",),
    ),
    Table(
        "events",
        "Events held by cluster organisations.",
        (
            identifier("event_id"),
            reference("cluster_id", "clusters.cluster_id"),
            Column("held_on", "date", required=True, rule="≤ reference date"),
            choice("event_type", EVENT_TYPES),
            Column("international", "bool", required=True),
            Column("participants", "int", required=True, rule="≥ 0"),
            Column("participants_sme", "int", rule="0 … participants"),
        ),
        key=("event_id",),
    ),
    Table(
        "outcomes",
        "Results reported by supported organisations.",
        (
            identifier("outcome_id"),
            reference("organisation_id", "organisations.organisation_id"),
            reference("project_id", "projects.project_id", required=False),
            Column("reported_on", "date", required=True, rule="≤ reference date"),
            choice("outcome_type", OUTCOME_TYPES),
            Column("quantity", "int", rule="≥ 1; default 1"),
        ),
        key=("outcome_id",),
    ),
    Table(
        "firm_kpis",
        "Annual figures of enterprises (members and comparison group) from business "
        "registers or surveys.",
        (
            reference(
                "organisation_id", "organisations.organisation_id", note=" of kind enterprise"
            ),
            Column("year", "int", required=True, rule="≤ reference year"),
            Column("employees_fte", "decimal", required=True, rule="≥ 0"),
            Column("turnover_eur", "decimal", required=True, rule="≥ 0"),
            Column("exports_eur", "decimal", rule="0 … turnover_eur"),
            Column("rd_expenditure_eur", "decimal", rule="≥ 0"),
            Column("value_added_eur", "decimal", rule="any sign"),
        ),
        key=("organisation_id", "year"),
    ),
)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

# The programme folder's tables (not in packages), checked by the same rules as packages.
PROGRAMME_TABLES: tuple[Table, ...] = (
    Table(
        "regions",
        "The programme's regions.",
        (
            Column("region_code", "text", required=True, rule="NUTS 2021 code"),
            Column("name", "text", required=True),
            Column("programme_start", "date", required=True),
        ),
        required=True,
        key=("region_code",),
    ),
    Table(
        "targets",
        "Targets and milestones per region and indicator.",
        (
            reference("region_code", "regions.region_code"),
            Column("indicator_code", "text", required=True),
            Column("year", "int", required=True),
            Column("target_value", "decimal", required=True),
            Column("kind", "text", required=True, allowed=TARGET_KINDS),
        ),
        key=("region_code", "indicator_code", "year", "kind"),
    ),
)
