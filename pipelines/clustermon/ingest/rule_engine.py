"""The rule engine: a table's files from a batch of packages, checked against rules.py at once.

Every statement covers the whole batch, so checking 240 packages costs the same few scans as
checking one, not 240 times the statements. Rows carry the `package_key` of their package (its
context — region and reference date — is in the `batch_packages` table) and a batch-unique
`row_id`. For table T it leaves on the connection: `rows_T` (every row read, values as
canonical text, and as received where that differs), the views `text_T` (the same, every
column also under its received name) and `typed_T` (values typed), `loaded_T` (the rows that
passed every rule; a table where other tables refer to it, else a view), and one row per broken
rule in `package_quarantine`. Tables are checked in the contract's order, so references see the
loaded rows of the tables they point to, in the same package, and a row naming a quarantined row
is quarantined in turn.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from clustermon.contract import Table
from clustermon.ingest.readers import MalformedRow, ReadFile
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
    "decimal": "number (at most 12 digits before the decimal point)",
    "date": "date (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)",
    "bool": "boolean (true/false, yes/no, 1/0, ja/nein, oui/non)",
}
# A package's context in rules (rules.py) and the batch_packages column that holds it.
CONTEXT_COLUMNS = {
    "$reference_date": "ctx_reference_date",
    "$reference_year": "ctx_reference_year",
    "$region_code": "ctx_region_code",
}
ROW_ID = "(package_key::BIGINT << 32) + source_row"  # unique in the batch: one file per package
REFERRED_TO = {
    rule.target for rules in (*REFERENCES.values(), *TARGET_RULES.values()) for rule in rules
}


@dataclass(frozen=True)
class BatchPackage:
    """A package of the batch: its key in the batch, and what rules may know of it."""

    key: int
    region_code: str
    reference_date: date


@dataclass(frozen=True)
class TableFile:
    """One package's file for a table, read."""

    package_key: int
    file_name: str
    read: ReadFile


@dataclass(frozen=True)
class StagedFile:
    """A file whose rows are in `rows_<table>`: what is kept of it once its rows are."""

    package_key: int
    file_name: str
    malformed: list[MalformedRow]


@dataclass(frozen=True)
class TableCounts:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, table: pa.Table) -> Iterator[str]:
    """An Arrow table as a view, under a name of its own: within one transaction DuckDB may go
    on reading the first table registered under a name after another replaced it."""
    view = f"arrow_{uuid.uuid4().hex}"
    con.register(view, table)
    try:
        yield view
    finally:
        con.unregister(view)


def bind(sql: str) -> str:
    """A rule's SQL with the package's context as columns of the row's batch package."""
    for placeholder, column in CONTEXT_COLUMNS.items():
        sql = sql.replace(placeholder, column)
    return sql


def start_batch(con: duckdb.DuckDBPyConnection, packages: Sequence[BatchPackage]) -> None:
    """An empty quarantine and the batch's packages, for the check_table calls that follow."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE package_quarantine (
            package_key INTEGER, row_id BIGINT, table_name VARCHAR, source_file VARCHAR,
            source_row BIGINT, column_name VARCHAR, rule VARCHAR, value VARCHAR, message VARCHAR)
        """
    )
    batch = pa.table(
        {
            "package_key": pa.array([p.key for p in packages], pa.int32()),
            "ctx_region_code": pa.array([p.region_code for p in packages], pa.string()),
            "ctx_reference_date": pa.array([p.reference_date for p in packages], pa.date32()),
        }
    )
    with registered(con, batch) as view:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_packages AS "
            f"SELECT *, year(ctx_reference_date) AS ctx_reference_year FROM {view}"
        )


def _incoming(table: Table, file: TableFile | None) -> str:
    """A file's rows (read from its spool) as SQL: the contract's columns (null where the file
    lacks one), other columns as JSON in `extra_columns`, and the file they came from. Without
    a file: no rows, in the same shape."""
    present = file.read.column_names if file else []
    columns = [
        identifier(c) if c in present else f"NULL::VARCHAR AS {identifier(c)}"
        for c in table.column_names
    ]
    extra = [c for c in present if c not in table.column_names]
    if extra:  # rare: a file with columns the contract does not know
        pairs = ", ".join(f"{literal(c)}, {identifier(c)}" for c in extra)
        columns.append(f"json_object({pairs})::VARCHAR AS extra_columns")
    else:
        columns.append("NULL::VARCHAR AS extra_columns")
    if file is None:
        return (
            f"SELECT {', '.join(columns)}, NULL::BIGINT AS source_row, NULL::INTEGER AS "
            "package_key, NULL::BOOLEAN AS decimal_comma, NULL::VARCHAR AS source_file LIMIT 0"
        )
    return (
        f"SELECT {', '.join(columns)}, source_row, {file.package_key}::INTEGER AS package_key, "
        f"{file.read.decimal_comma} AS decimal_comma, {literal(file.file_name)} AS source_file "
        f"FROM read_parquet({literal(str(file.read.spool))})"
    )


def check_table(
    con: duckdb.DuckDBPyConnection, table: Table, files: Iterable[TableFile]
) -> dict[int, TableCounts]:
    """Check one table's files of the batch; the rows that pass are left in `loaded_<table>`.

    `files` may read each file as it is asked for: each is staged from its spool and then
    discarded, so memory holds one block of rows, whatever the file or the batch. Returns the
    counts of each package that sent a file for the table.
    """
    name = table.name
    staged = _stage_rows(con, table, files)
    # Views over the stored rows: text columns under their received name too, and typed
    # values, cast only where a rule reads them.
    same = ", ".join(f"{c} AS {c}__raw" for c in _text_columns(table))
    con.execute(f"CREATE OR REPLACE TEMP VIEW text_{name} AS SELECT *, {same} FROM rows_{name}")
    typed = ", ".join(f"CAST({c.name} AS {SQL_TYPES[c.type]}) AS {c.name}" for c in table.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW typed_{name} AS "
        f"SELECT row_id, package_key, source_row, {typed} FROM rows_{name}"
    )
    insert = "INSERT INTO package_quarantine "
    origin = f"SELECT t.package_key, t.row_id, {literal(name)}, "
    malformed = [
        (file.package_key, m.source_row, file.file_name, m.text, m.problem)
        for file in staged
        for m in file.malformed
    ]
    if malformed:
        con.executemany(
            f"{insert} SELECT $1, ($1::BIGINT << 32) + $2, {literal(name)}, $3, $2, NULL, "
            "'malformed_row', $4, $5",
            malformed,
        )
    faults = [*_column_faults(table), *_rule_faults(name), *_reference_faults(name)]
    con.execute(insert + " UNION ALL ".join(origin + fault for fault in faults))
    quarantined = f"SELECT row_id FROM package_quarantine WHERE table_name = {literal(name)}"
    # Conflicts are judged among the rows that passed everything else, each kind on its own.
    conflicts = _conflict_faults(name)
    if conflicts:
        con.execute(f"CREATE OR REPLACE TEMP TABLE faulty AS {quarantined}")
        con.execute(
            "CREATE OR REPLACE TEMP VIEW candidates AS "
            f"SELECT * FROM typed_{name} WHERE row_id NOT IN (SELECT row_id FROM faulty)"
        )
        con.execute(insert + " UNION ALL ".join(origin + fault for fault in conflicts))
    # Loaded rows are kept typed only where other tables refer to them; elsewhere a view.
    kind = "TABLE" if name in REFERRED_TO else "VIEW"
    con.execute(
        f"CREATE OR REPLACE TEMP {kind} loaded_{name} AS "
        f"SELECT * FROM typed_{name} WHERE row_id NOT IN ({quarantined})"
    )
    return _counts(con, name, staged)


def _stage_rows(
    con: duckdb.DuckDBPyConnection, table: Table, files: Iterable[TableFile]
) -> list[StagedFile]:
    """Every file's rows into `rows_<table>`, as canonical text and as received."""
    received = ", ".join(
        f"nullif(trim({identifier(c)}), '') AS {c}__raw" for c in table.column_names
    )
    canonical = ", ".join(
        f"{canonical_sql(f'{c.name}__raw', c.type, 'decimal_comma')} AS {c.name}"
        for c in table.columns
        if c.type != "text"
    )
    # Text columns are stored once: their canonical text is the text as received.
    rows = f"""
        SELECT package_key, source_file, source_row, {ROW_ID} AS row_id, {canonical},
               * EXCLUDE (package_key, source_file, source_row, decimal_comma)
                 RENAME ({", ".join(f"{c}__raw AS {c}" for c in _text_columns(table))})
        FROM (SELECT package_key, source_file, source_row, decimal_comma, {received},
                     extra_columns FROM {{incoming}})
    """
    staged: list[StagedFile] = []
    create = f"CREATE OR REPLACE TEMP TABLE rows_{table.name} AS {rows}"
    for file in files:
        # DuckDB reads the spool as it inserts (and spills beyond its memory limit).
        statement = f"INSERT INTO rows_{table.name} {rows}" if staged else create
        try:
            con.execute(statement.replace("{incoming}", f"({_incoming(table, file)})"))
        finally:
            file.read.discard()
        staged.append(StagedFile(file.package_key, file.file_name, file.read.malformed))
    if not staged:
        con.execute(create.replace("{incoming}", f"({_incoming(table, None)})"))
    return staged


def _text_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns if column.type == "text"]


def _counts(
    con: duckdb.DuckDBPyConnection, name: str, files: Sequence[StagedFile]
) -> dict[int, TableCounts]:
    """Rows read, loaded and quarantined per package; read = loaded + quarantined, or a bug."""
    rows = con.execute(
        f"""
        WITH sent AS (SELECT unnest(?::INTEGER[]) AS package_key),
        text AS (SELECT package_key, count(*) AS n FROM text_{name} GROUP BY ALL),
        loaded AS (SELECT package_key, count(*) AS n FROM loaded_{name} GROUP BY ALL),
        faulty AS (SELECT package_key, count(DISTINCT row_id) AS n,
                          count(DISTINCT row_id) FILTER (rule = 'malformed_row') AS malformed
                   FROM package_quarantine WHERE table_name = {literal(name)} GROUP BY ALL)
        SELECT package_key, coalesce(text.n, 0) + coalesce(faulty.malformed, 0),
               coalesce(loaded.n, 0), coalesce(faulty.n, 0)
        FROM sent LEFT JOIN text USING (package_key) LEFT JOIN loaded USING (package_key)
             LEFT JOIN faulty USING (package_key)
        """,
        [[file.package_key for file in files]],
    ).fetchall()
    counts = {}
    names = {file.package_key: file.file_name for file in files}
    for key, rows_read, rows_loaded, rows_quarantined in rows:
        if rows_read != rows_loaded + rows_quarantined:
            raise AssertionError(
                f"{names[key]}: rows read {rows_read} <> loaded {rows_loaded} + quarantined "
                f"{rows_quarantined}"
            )
        counts[key] = TableCounts(rows_read, rows_loaded, rows_quarantined)
    return counts


def _fault(name: str, column: str, rule: str, message: str, where: str) -> str:
    """What follows `SELECT t.package_key, t.row_id, <table>, ` in the quarantine's insert for a
    rule: the rows of `text_<name>` (as `t`) that break it. The message is worded in an outer
    query, so only those rows are: DuckDB would otherwise evaluate a message's subquery (which
    quarantined row a reference meets) for every row, at EU scale seconds per rule."""
    relation = _with_context(f"text_{name} AS t", message, where)
    return (
        f"t.source_file, t.source_row, {literal(column)}, {literal(rule)}, t.{column}__raw, "
        f"{message} FROM (SELECT * FROM {relation} WHERE {where}) AS t"
    )


def _with_context(relation: str, *sql: str) -> str:
    """The relation, joined to its rows' package context where the SQL uses it."""
    uses_context = any(column in text for text in sql for column in CONTEXT_COLUMNS.values())
    return f"{relation} JOIN batch_packages USING (package_key)" if uses_context else relation


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


def _rule_faults(name: str) -> list[str]:
    """The table's own rules: conditions on typed values, messages on canonical text."""
    return [
        _fault(
            name,
            rule.column,
            rule.rule,
            bind(rule.message),
            f"row_id IN (SELECT row_id FROM {_with_context(f'typed_{name}', bind(rule.condition))} "
            f"WHERE {bind(rule.condition)})",
        )
        for rule in ROW_RULES.get(name, ())
    ]


def _in_package(target: str, key: str, column: str, condition: str = "TRUE") -> str:
    """True when the row's package has a row of `target` whose `key` is the row's `column`."""
    return (
        f"EXISTS (SELECT 1 FROM {target} AS r WHERE r.package_key = t.package_key "
        f"AND r.{key} = t.{column} AND ({condition}))"
    )


def _reference_faults(name: str) -> list[str]:
    """References to loaded rows of the same package; and rules on the row referred to."""
    faults = []
    for ref in REFERENCES.get(name, ()):
        c, target, key = ref.column, ref.target, ref.target_column
        message = (
            f"CASE WHEN {_in_package(f'text_{target}', key, c)} "
            f"THEN '{c} ' || t.{c} || ' refers to a quarantined row of {target}' "
            f"ELSE '{c} ' || t.{c} || ' is not in {target}' END"
        )
        where = f"t.{c} IS NOT NULL AND NOT {_in_package(f'loaded_{target}', key, c)}"
        faults.append(_fault(name, c, "broken_reference", message, where))
    for rule in TARGET_RULES.get(name, ()):
        where = _in_package(
            f"loaded_{rule.target}", rule.target_column, rule.column, rule.forbidden
        )
        faults.append(_fault(name, rule.column, rule.rule, rule.message, where))
    return faults


def _conflict_faults(name: str) -> list[str]:
    """Every row of every conflict among `candidates`: shared keys, and the table's own kinds."""
    faults = []
    key = KEYS.get(name)
    if key:
        columns = ", ".join(key)
        shown = " || ', ' || ".join(f"'{k} ' || {k}::VARCHAR" for k in key)
        faults.append(
            f"""
            t.source_file, t.source_row, {literal(", ".join(key))}, 'duplicate_key',
            concat_ws(', ', {", ".join(f"t.{k}::VARCHAR" for k in key)}),
            'the key (' || {shown} || ') is in rows ' || d.rows
            FROM (SELECT row_id, string_agg(source_row::VARCHAR, ', ' ORDER BY source_row)
                             OVER (PARTITION BY package_key, {columns}) AS rows
                  FROM candidates
                  WHERE (package_key, {columns}) IN (
                      SELECT (package_key, {columns}) FROM candidates
                      GROUP BY ALL HAVING count(*) > 1)) AS d
            JOIN text_{name} AS t USING (row_id)
            """
        )
    for conflict in CONFLICTS.get(name, ()):
        faults.append(
            f"""
            t.source_file, t.source_row, {literal(conflict.column)}, {literal(conflict.rule)},
            t.{conflict.column}__raw, c.message
            FROM ({conflict.query}) AS c(row_id, message)
            JOIN text_{name} AS t USING (row_id)
            """
        )
    return faults
