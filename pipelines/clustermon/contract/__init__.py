"""The regional submission contract (docs/spec/submission-format.md): its tables and columns
(tables.py, declared once), the calendar quarters and region codes of package folders
(quarters.py), and the dbt staging layer written from the declaration (staging.py)."""

from clustermon.contract.quarters import (
    QUARTER_CODE,
    REGION_CODE,
    last_ended_quarter,
    normalise_quarter,
    quarter_end,
)
from clustermon.contract.tables import (
    EVENT_TYPES,
    LABELS,
    NACE_SECTIONS,
    ORGANISATION_KINDS,
    OUTCOME_TYPES,
    PARTICIPATION_ROLES,
    PROGRAMME_TABLES,
    PROJECT_STATUSES,
    PROJECT_TYPES,
    SERVICE_TYPES,
    SIZE_CLASSES,
    SUPPORT_FORMS,
    TABLES,
    TABLES_BY_NAME,
    TARGET_KINDS,
    Column,
    Table,
)

__all__ = [
    "EVENT_TYPES",
    "LABELS",
    "NACE_SECTIONS",
    "ORGANISATION_KINDS",
    "OUTCOME_TYPES",
    "PARTICIPATION_ROLES",
    "PROGRAMME_TABLES",
    "PROJECT_STATUSES",
    "PROJECT_TYPES",
    "QUARTER_CODE",
    "REGION_CODE",
    "SERVICE_TYPES",
    "SIZE_CLASSES",
    "SUPPORT_FORMS",
    "TABLES",
    "TABLES_BY_NAME",
    "TARGET_KINDS",
    "Column",
    "Table",
    "last_ended_quarter",
    "normalise_quarter",
    "quarter_end",
]
