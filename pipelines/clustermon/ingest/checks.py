"""The rule engine: one table file's rows checked against rules.py, as set operations in DuckDB.

For table T it leaves temporary tables on the connection: `text_T` (every row read, values as
canonical text, and as received), `typed_T` (the same rows typed), `loaded_T` (rows that passed
every rule), and appends one row per broken rule to `package_quarantine`. Tables are checked
in the contract's order, so references see the loaded rows of the tables they point to and a
row naming a quarantined row is quarantined in turn (clusters and organisations first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from clustermon.contract import Table
from clustermon.ingest.readers import ReadFile
from clustermon.ingest.rules import (
    CONFLICTS,
    KEYS,
    REFERENCES,
    ROW_RULES,
    SQL_TYPES,
    TARGET_RULES,
    canonical_sql,
)

QUARANTINE_COLUMNS = (
    "table_name",
    "source_file",
    "source_row",
    "column_name",
    "rule",
    "value",
    "message",
)
TYPE_NAMES = {
    "int": "whole number",
    "decimal": "number",
    "date": "date (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)",
    "bool": "boolean (true/false, yes/no, 1/0, ja/nein, oui/non)",
}


@dataclass(frozen=True)
class Context:
    """What a rule may know about the package: its region and reference date."""

    region_code: str
    reference_date: date

    def bind(self, sql: str) -> str:
        # Both values passed strict validation (NUTS code pattern, a real date): safe literals.
        return (
            sql.replace("$reference_date", f"DATE '{self.reference_date.isoformat()}'")
            .replace("$reference_year", str(self.reference_date.year))
            .replace("$region_code", f"'{self.region_code}'")
        )


@dataclass(frozen=True)
class TableCounts:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE package_quarantine (
            table_name VARCHAR, source_file VARCHAR, source_row BIGINT, column_name VARCHAR,
            rule VARCHAR, value VARCHAR, message VARCHAR)
        """
    )


def empty_file(table: Table) -> ReadFile:
    """A table without rows, standing for a table the package lacks or that was rejected."""
    columns = {name: pa.array([], pa.string()) for name in table.column_names}
    return ReadFile(pa.table({**columns, "source_row": pa.array([], pa.int64())}), False)


def check_table(
    con: duckdb.DuckDBPyConnection, context: Context, table: Table, read: ReadFile, file: str
) -> TableCounts:
    """Check one table's rows; the rows that pass are left in `loaded_<table>`."""
    name = table.name
    present = set(read.rows.column_names) - {"source_row"}
    extra = [column for column in read.rows.column_names if column not in table.column_names]
    extra.remove("source_row")
    received = ", ".join(
        (f"nullif(trim({identifier(c)}), '')" if c in present else "NULL::VARCHAR")
        + f" AS {c}__raw"
        for c in table.column_names
    )
    extra_json = (
        "json_object(" + ", ".join(f"{literal(c)}, {identifier(c)}" for c in extra) + ")::VARCHAR"
        if extra
        else "NULL::VARCHAR"
    )
    canonical = ", ".join(
        f"{canonical_sql(f'{c.name}__raw', c.type, read.decimal_comma)} AS {c.name}"
        for c in table.columns
    )
    con.register("incoming", read.rows)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE text_{name} AS
            SELECT source_row, {canonical}, * EXCLUDE (source_row)
            FROM (SELECT source_row, {received}, {extra_json} AS extra_columns FROM incoming)
            """
        )
    finally:
        con.unregister("incoming")
    typed = ", ".join(f"CAST({c.name} AS {SQL_TYPES[c.type]}) AS {c.name}" for c in table.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE typed_{name} AS SELECT source_row, {typed} FROM text_{name}"
    )

    faults = [*_column_faults(table), *_rule_faults(context, name), *_reference_faults(name)]
    origin = f"SELECT {literal(name)}, {literal(file)}, "
    insert = "INSERT INTO package_quarantine "
    if read.malformed:
        con.executemany(
            insert + origin + "?, NULL, 'malformed_row', ?, ?",
            [[m.source_row, m.text, m.problem] for m in read.malformed],
        )
    con.execute(insert + " UNION ALL ".join(origin + fault for fault in faults))
    passed = f"""
        SELECT * FROM typed_{name}
        WHERE source_row NOT IN (SELECT source_row FROM package_quarantine
                                 WHERE table_name = {literal(name)})
    """
    # Conflicts are judged among the rows that passed everything else, each kind on its own.
    con.execute(f"CREATE OR REPLACE TEMP TABLE candidates AS {passed}")
    conflicts = _conflict_faults(name)
    if conflicts:
        con.execute(insert + " UNION ALL ".join(origin + fault for fault in conflicts))
    con.execute(f"CREATE OR REPLACE TEMP TABLE loaded_{name} AS {passed}")
    rows_read, rows_loaded, rows_quarantined = con.execute(
        f"""
        SELECT (SELECT count(*) FROM text_{name}) + ?,
               (SELECT count(*) FROM loaded_{name}),
               (SELECT count(DISTINCT source_row) FROM package_quarantine
                WHERE table_name = {literal(name)})
        """,
        [len(read.malformed)],
    ).fetchone()
    if rows_read != rows_loaded + rows_quarantined:
        raise AssertionError(
            f"{file}: rows read {rows_read} <> loaded {rows_loaded} + quarantined "
            f"{rows_quarantined}"
        )
    return TableCounts(rows_read, rows_loaded, rows_quarantined)


def _fault(name: str, column: str, rule: str, message: str, where: str) -> str:
    """The SELECT after `INSERT INTO package_quarantine SELECT table, file, ` for one rule."""
    return (
        f"source_row, {literal(column)}, {literal(rule)}, {column}__raw, {message} "
        f"FROM text_{name} WHERE {where}"
    )


def _column_faults(table: Table) -> list[str]:
    """Required values and types, for every column of the table."""
    faults = []
    for column in table.columns:
        c = column.name
        if column.required:
            faults.append(
                _fault(table.name, c, "required", f"'{c} is required'", f"{c}__raw IS NULL")
            )
        if column.type != "text":
            faults.append(
                _fault(
                    table.name,
                    c,
                    f"type_{column.type}",
                    f"'{c} ' || {c}__raw || ' is not a {TYPE_NAMES[column.type]}'",
                    f"{c}__raw IS NOT NULL AND {c} IS NULL",
                )
            )
    return faults


def _rule_faults(context: Context, name: str) -> list[str]:
    """The table's own rules: conditions on typed values, messages on canonical text."""
    return [
        _fault(
            name,
            rule.column,
            rule.rule,
            context.bind(rule.message),
            f"source_row IN (SELECT source_row FROM typed_{name} "
            f"WHERE {context.bind(rule.condition)})",
        )
        for rule in ROW_RULES.get(name, ())
    ]


def _reference_faults(name: str) -> list[str]:
    """References to loaded rows; and rules on the row referred to (comparison group, kind)."""
    faults = []
    for ref in REFERENCES.get(name, ()):
        c, target, key = ref.column, ref.target, ref.target_column
        message = (
            f"CASE WHEN {c} IN (SELECT {key} FROM text_{target}) "
            f"THEN '{c} ' || {c} || ' refers to a quarantined row of {target}' "
            f"ELSE '{c} ' || {c} || ' is not in {target}' END"
        )
        where = (
            f"{c} IS NOT NULL AND {c} NOT IN "
            f"(SELECT {key} FROM loaded_{target} WHERE {key} IS NOT NULL)"
        )
        faults.append(_fault(name, c, "broken_reference", message, where))
    for rule in TARGET_RULES.get(name, ()):
        where = (
            f"{rule.column} IN (SELECT {rule.target_column} FROM loaded_{rule.target} "
            f"WHERE {rule.forbidden})"
        )
        faults.append(_fault(name, rule.column, rule.rule, rule.message, where))
    return faults


def _conflict_faults(name: str) -> list[str]:
    """Every row of every conflict among `candidates`: shared keys, and the table's own kinds."""
    faults = []
    key = KEYS.get(name)
    if key:
        partition = ", ".join(key)
        shown = " || ', ' || ".join(f"'{k} ' || {k}::VARCHAR" for k in key)
        faults.append(
            f"""
            d.source_row, {literal(", ".join(key))}, 'duplicate_key',
            concat_ws(', ', {", ".join(f"d.{k}::VARCHAR" for k in key)}),
            'the key (' || {shown} || ') is in rows ' || d.rows
            FROM (SELECT *, count(*) OVER same AS n,
                         string_agg(source_row::VARCHAR, ', ') OVER same AS rows
                  FROM candidates
                  WINDOW same AS (PARTITION BY {partition} ORDER BY source_row
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS d
            WHERE d.n > 1
            """
        )
    for conflict in CONFLICTS.get(name, ()):
        faults.append(
            f"""
            t.source_row, {literal(conflict.column)}, {literal(conflict.rule)},
            t.{conflict.column}__raw, c.message
            FROM ({conflict.query}) AS c(source_row, message)
            JOIN text_{name} AS t USING (source_row)
            """
        )
    return faults
