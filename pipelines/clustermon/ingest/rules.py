"""The rules of the submission contract (docs/spec/submission-format.md), table by table, as data.

Each rule is a SQL condition that is true for a row that breaks it, over the table's typed
columns, and a SQL expression for the plain-words message. The engine (rule_engine.py) runs them as
set operations in DuckDB, so a million rows cost a few scans, not a million Python calls.
Rule identifiers are what the quarantine's `rule` column holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustermon.contract import PROGRAMME_TABLES, TABLES, Table

# Canonical text of a value as received, or NULL when it is not of the type; `{v}` is the
# trimmed text. The raw layer stores the canonical text, so staging casts with plain casts.
TRUE_WORDS = ("true", "yes", "1", "ja", "oui")
FALSE_WORDS = ("false", "no", "0", "nein", "non")
DATE_FORMATS = {
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}": "%Y-%m-%d",
    r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}": "%d.%m.%Y",
    r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}": "%d/%m/%Y",
}
# At most 12 digits before the point (below a trillion euro), so DECIMAL(18, 6) holds every
# value: DuckDB casts text to DECIMAL(38, x) about 200 times slower than to DECIMAL(18, x).
DECIMAL_PATTERN = r"[+-]?([0-9]{1,12}(\.[0-9]*)?|\.[0-9]+)"
SQL_TYPES = {"text": "VARCHAR", "int": "BIGINT", "decimal": "DECIMAL(18, 6)", "date": "DATE"}
SQL_TYPES["bool"] = "BOOLEAN"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def canonical_sql(value: str, column_type: str, decimal_comma: str) -> str:
    """SQL giving the canonical text of `value` (trimmed text, NULL if empty) or NULL if invalid.

    `decimal_comma` is SQL, true where the file allows a decimal comma (`;` CSV).
    """
    if column_type == "text":
        return value
    if column_type == "int":
        return (
            f"CASE WHEN regexp_full_match({value}, '[+-]?[0-9]{{1,18}}') "
            f"THEN CAST(CAST({value} AS BIGINT) AS VARCHAR) END"
        )
    if column_type == "decimal":
        number = f"CASE WHEN {decimal_comma} THEN replace({value}, ',', '.') ELSE {value} END"
        return (
            f"CASE WHEN regexp_full_match({number}, '{DECIMAL_PATTERN}') "
            f"THEN ltrim({number}, '+') END"
        )
    if column_type == "bool":
        return (
            f"CASE WHEN lower({value}) IN ({_quoted(TRUE_WORDS)}) THEN 'true' "
            f"WHEN lower({value}) IN ({_quoted(FALSE_WORDS)}) THEN 'false' END"
        )
    if column_type == "date":
        parsed = ", ".join(
            f"CASE WHEN regexp_full_match({value}, '{pattern}') "
            f"THEN try_strptime({value}, '{layout}') END"
            for pattern, layout in DATE_FORMATS.items()
        )
        return f"strftime(coalesce({parsed}), '%Y-%m-%d')"
    raise ValueError(f"unknown column type {column_type}")


@dataclass(frozen=True)
class RowRule:
    """A rule one row breaks on its own; `condition` and `message` are SQL over typed columns."""

    column: str
    rule: str
    condition: str
    message: str


@dataclass(frozen=True)
class Reference:
    """`column` names a row of `target` (by its `target_column`) that was loaded."""

    column: str
    target: str
    target_column: str


@dataclass(frozen=True)
class TargetRule:
    """`column` names a loaded row of `target` that must not meet `forbidden` (SQL on target)."""

    column: str
    target: str
    target_column: str
    rule: str
    forbidden: str
    message: str  # SQL; may use the referring row's columns


def allowed(column: str, values: tuple[str, ...]) -> RowRule:
    return RowRule(
        column,
        "allowed_value",
        f"{column} NOT IN ({_quoted(values)})",
        f"'{column} ' || {column} || ' is not one of: {', '.join(values)}'",
    )


def _range(column: str, operator: str, bound: str, bound_name: str | None) -> RowRule:
    """Nulls pass (required is its own rule); a bound column is named in the message."""
    name = bound_name or ("" if bound[0].isdigit() else bound)
    word = "below" if operator == "<" else "above"
    return RowRule(
        column,
        "range",
        f"{column} {operator} {bound}",
        f"'{column} ' || {column} || ' is {word} {name + ' ' if name else ''}' || {bound}",
    )


def at_least(column: str, bound: str, bound_name: str | None = None) -> RowRule:
    """`column` ≥ `bound`, a column or a constant."""
    return _range(column, "<", bound, bound_name)


def at_most(column: str, bound: str, bound_name: str | None = None) -> RowRule:
    """`column` ≤ `bound`, a column or a constant."""
    return _range(column, ">", bound, bound_name)


def not_after_reference_date(column: str) -> RowRule:
    return at_most(column, "$reference_date", "the reference date")


def required_if(column: str, condition: str, reason: str) -> RowRule:
    return RowRule(
        column,
        "required_if",
        f"{column} IS NULL AND ({condition})",
        f"'{column} is required {reason}'",
    )


def nuts_code(column: str) -> RowRule:
    return RowRule(
        column,
        "nuts_code",
        f"{column} NOT IN (SELECT code FROM nuts_codes)",
        f"'{column} ' || {column} || ' is not a NUTS 2021 code'",
    )


def not_comparison_group(column: str = "organisation_id") -> TargetRule:
    return TargetRule(
        column,
        "organisations",
        "organisation_id",
        "comparison_group",
        "comparison_group",
        f"'{column} ' || {column} || ' is in the comparison group, "
        "which appears only in firm_kpis'",
    )


# The package's own context inside conditions: $reference_date (DATE), $reference_year (BIGINT),
# $region_code (VARCHAR); rule_engine.py binds them to the row's package.
_OWN_ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "regions": (nuts_code("region_code"),),
    "clusters": (
        nuts_code("nuts_code"),
        RowRule(
            "nuts_code",
            "nuts_region",
            "nuts_code IN (SELECT code FROM nuts_codes) "
            "AND NOT starts_with(nuts_code, $region_code)",
            "'nuts_code ' || nuts_code || ' is not within region ' || $region_code",
        ),
        not_after_reference_date("founded_on"),
        at_least("closed_on", "founded_on"),
        required_if("label_valid_until", "coalesce(label, 'none') <> 'none'", "when label is set"),
        at_least("management_fte", "0"),
    ),
    "organisations": (
        required_if("size_class", "kind = 'enterprise'", "for an enterprise"),
        RowRule(
            "nace_code",
            "nace_code",
            r"NOT regexp_full_match(nace_code, '[A-U][0-9]{2}(\.[0-9]{1,2})?')",
            "'nace_code ' || nace_code || ' is not a NACE Rev.2 division, group or class "
            "(e.g. C25, C25.1, C25.11)'",
        ),
        RowRule(
            "country_code",
            "country_code",
            "country_code NOT IN (SELECT code FROM country_codes)",
            "'country_code ' || country_code || ' is not an ISO 3166-1 alpha-2 code "
            "(EL, UK and XK allowed)'",
        ),
        nuts_code("nuts_code"),
        RowRule(
            "nuts_code",
            "nuts_country",
            "nuts_code IN (SELECT code FROM nuts_codes) AND left(nuts_code, 2) <> "
            "coalesce((SELECT eu_code FROM country_codes WHERE code = country_code), country_code)",
            "'nuts_code ' || nuts_code || ' is not in country ' || country_code",
        ),
        at_least("founded_year", "1800"),
        at_most("founded_year", "$reference_year", "the reference year"),
    ),
    "memberships": (
        not_after_reference_date("joined_on"),
        at_least("left_on", "joined_on"),
    ),
    "projects": (
        at_least("end_date", "start_date"),
        at_least("total_cost_eur", "0"),
        at_least("public_funding_eur", "0"),
        at_most("public_funding_eur", "total_cost_eur"),
    ),
    "participations": (at_least("grant_eur", "0"),),
    "services": (
        not_after_reference_date("delivered_on"),
        at_least("amount_eur", "0"),
        RowRule(
            "amount_eur",
            "required_if",
            "support_form IN ('grant', 'financial_instrument') AND coalesce(amount_eur, 0) <= 0",
            "'amount_eur must be above 0 when support_form is ' || support_form",
        ),
    ),
    "events": (
        not_after_reference_date("held_on"),
        at_least("participants", "0"),
        at_least("participants_sme", "0"),
        at_most("participants_sme", "participants"),
    ),
    "outcomes": (
        not_after_reference_date("reported_on"),
        at_least("quantity", "1"),
    ),
    "firm_kpis": (
        at_most("year", "$reference_year", "the reference year"),
        at_least("employees_fte", "0"),
        at_least("turnover_eur", "0"),
        at_least("exports_eur", "0"),
        at_most("exports_eur", "turnover_eur"),
        at_least("rd_expenditure_eur", "0"),
    ),
}


def _row_rules(table: Table) -> tuple[RowRule, ...]:
    """The contract's allowed values and the table's own rules, in the order of the columns
    (a column's allowed values first)."""
    rules = [
        *(allowed(c.name, c.allowed) for c in table.columns if c.allowed),
        *_OWN_ROW_RULES.get(table.name, ()),
    ]
    position = {name: index for index, name in enumerate(table.column_names)}
    return tuple(sorted(rules, key=lambda rule: position[rule.column]))


def _references(table: Table) -> tuple[Reference, ...]:
    return tuple(
        Reference(column.name, *column.references.split("."))
        for column in table.columns
        if column.references
    )


CONTRACT_TABLES = (*TABLES, *PROGRAMME_TABLES)
ROW_RULES = {table.name: _row_rules(table) for table in CONTRACT_TABLES}
REFERENCES = {table.name: _references(table) for table in CONTRACT_TABLES}
# Keys: rows sharing one all go (duplicate_key). A table without one has no key.
KEYS = {table.name: table.key for table in CONTRACT_TABLES if table.key}


TARGET_RULES: dict[str, tuple[TargetRule, ...]] = {
    "memberships": (not_comparison_group(),),
    "participations": (not_comparison_group(),),
    "services": (not_comparison_group(),),
    "outcomes": (not_comparison_group(),),
    "firm_kpis": (
        TargetRule(
            "organisation_id",
            "organisations",
            "organisation_id",
            "enterprise",
            "kind <> 'enterprise'",
            "'organisation_id ' || organisation_id || ' is not an enterprise'",
        ),
    ),
}


@dataclass(frozen=True)
class Conflict:
    """Rows of `candidates` (rows that passed every other rule) in conflict with each other
    within their package.

    `query` selects (row_id, message) of every row of a conflict.
    """

    column: str
    rule: str
    query: str


CONFLICTS: dict[str, tuple[Conflict, ...]] = {
    "memberships": (
        Conflict(
            "joined_on",
            "overlapping_spells",
            """
            SELECT a.row_id, 'the spell of ' || any_value(a.organisation_id) || ' in '
                || any_value(a.cluster_id) || ' overlaps the spell in row '
                || string_agg(b.source_row::VARCHAR, ', ' ORDER BY b.source_row)
            FROM candidates AS a JOIN candidates AS b
              ON a.package_key = b.package_key AND a.cluster_id = b.cluster_id
             AND a.organisation_id = b.organisation_id AND a.row_id <> b.row_id
             AND a.joined_on < coalesce(b.left_on, DATE 'infinity')
             AND b.joined_on < coalesce(a.left_on, DATE 'infinity')
            GROUP BY a.row_id
            """,
        ),
    ),
    "participations": (
        Conflict(
            "role",
            "coordinators",
            """
            SELECT row_id, 'project ' || project_id || ' has ' || n
                || ' coordinators (rows ' || rows || '); at most one is allowed'
            FROM (SELECT row_id, project_id, role,
                         count(*) OVER project AS n,
                         string_agg(source_row::VARCHAR, ', ') OVER project AS rows
                  FROM candidates WHERE role = 'coordinator'
                  WINDOW project AS (PARTITION BY package_key, project_id ORDER BY source_row
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
            WHERE n > 1
            """,
        ),
        Conflict(
            "grant_eur",
            "grants_over_funding",
            """
            SELECT c.row_id, 'the grants of project ' || c.project_id || ' sum to '
                || rtrim(rtrim(g.total::VARCHAR, '0'), '.') || ', above its public_funding_eur '
                || rtrim(rtrim(p.public_funding_eur::VARCHAR, '0'), '.')
            FROM candidates AS c
            JOIN (SELECT package_key, project_id, sum(grant_eur) AS total FROM candidates
                  GROUP BY ALL) AS g USING (package_key, project_id)
            JOIN loaded_projects AS p USING (package_key, project_id)
            WHERE g.total > p.public_funding_eur AND c.grant_eur > 0
            """,
        ),
    ),
}
