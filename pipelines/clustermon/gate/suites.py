"""Publication gate: run a versioned Great Expectations suite against a DuckDB table.

The suite is a JSON file in GE 1.x's own ExpectationSuite format (see `expectations/`). It is
run in-database through GE's SQL datasource, on a read-only connection, and the result is
reduced to plain dataclasses the pipeline can act on: blocking failures stop publication,
warnings are reported.

Severity lives in each expectation's `meta.severity` ("error" blocks, "warning" does not);
GE's own `severity` field (critical/warning/info) is kept in step with it by `load_suite`.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import great_expectations as gx
from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import sqlalchemy_execution_engine as _gx_sql

Severity = Literal["error", "warning"]

# Our severity -> GE's native `severity` field.
_GX_SEVERITY: dict[str, str] = {"error": "critical", "warning": "warning"}
_SAMPLE_SIZE = 20
_PARAMETER = re.compile(r"\$([a-z_]+)\b")


class _DuckDBDialect(str):
    """Stands in for a `GXSqlDialect` member, which GE lacks for duckdb: GE matches the
    collection below both by `==` against the engine's dialect name and through `.value`."""

    @property
    def value(self) -> str:
        return str(self)


# GE returns a metric query's result after handing its connection back to the pool; DuckDB
# drops a pending result when that happens, so every expectation fails with
# "MetricResolutionError: list index out of range" (great_expectations issues #10738, #11579).
# Dialects in this collection get a StaticPool and one connection kept open until the engine is
# closed, as GE does for sqlite. Only engines whose dialect is "duckdb" are affected.
if "duckdb" not in _gx_sql._PERSISTED_CONNECTION_DIALECTS:
    _gx_sql._PERSISTED_CONNECTION_DIALECTS = (
        *_gx_sql._PERSISTED_CONNECTION_DIALECTS,
        _DuckDBDialect("duckdb"),
    )


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # GE expectation type, e.g. "expect_column_values_to_not_be_null"
    column: str | None
    kwargs: dict  # as GE holds them: defaults (e.g. mostly=1.0) dropped, no batch_id
    severity: Severity
    success: bool
    observed: object  # observed_value, else unexpected_count; "error: ..." if GE raised
    failing_sample: list  # up to 20 unexpected values, or rows for SQL expectations
    description: str  # meta.notes (for programme officers), else GE's description or generated


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    table: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.severity == "error" and not o.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.severity == "warning" and not o.success]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def to_dict(self) -> dict:
        return {
            "suite": self.suite,
            "table": self.table,
            "passed": self.passed,
            "outcomes": [asdict(o) for o in self.outcomes],
        }


def _with_parameters(query: str, parameters: Mapping[str, object], path: Path) -> str:
    """`$name` in a query replaced by the suite parameter `name` (the programme's settings)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parameters:
            raise ValueError(f"{path}: unknown suite parameter ${name}")
        return str(parameters[name])

    return _PARAMETER.sub(value, query)


def load_suite(path: Path, parameters: Mapping[str, object] | None = None) -> gx.ExpectationSuite:
    """Read a suite file, rejecting a severity that is misspelt or contradicts GE's own field
    (a typo must not silently turn a blocking check into a warning, or the reverse); its SQL
    queries' `$name` placeholders take the given suite parameters."""
    raw = json.loads(Path(path).read_text())
    for expectation in raw.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        if "unexpected_rows_query" in kwargs:
            kwargs["unexpected_rows_query"] = _with_parameters(
                kwargs["unexpected_rows_query"], parameters or {}, path
            )
        severity = expectation.get("meta", {}).get("severity", "error")
        if severity not in _GX_SEVERITY:
            raise ValueError(
                f"{path}: {expectation.get('type')}: meta.severity must be one of "
                f"{sorted(_GX_SEVERITY)}, not {severity!r}"
            )
        native = expectation.setdefault("severity", _GX_SEVERITY[severity])
        if native != _GX_SEVERITY[severity]:
            raise ValueError(
                f"{path}: {expectation.get('type')}: severity {native!r} contradicts "
                f"meta.severity {severity!r}"
            )
    return gx.ExpectationSuite(**raw)


def blocking_row_queries(
    path: Path, parameters: Mapping[str, object] | None = None
) -> list[tuple[str, str]]:
    """The suite's blocking SQL expectations as (notes, query with `{batch}` still to fill),
    read without Great Expectations, for ingestion to run them on its own connection."""
    raw = json.loads(Path(path).read_text())
    return [
        (
            expectation.get("meta", {}).get("notes", expectation["type"]),
            _with_parameters(
                expectation["kwargs"]["unexpected_rows_query"], parameters or {}, path
            ),
        )
        for expectation in raw.get("expectations", [])
        if "unexpected_rows_query" in expectation.get("kwargs", {})
        and expectation.get("meta", {}).get("severity", "error") == "error"
    ]


@dataclass(frozen=True)
class SuiteDeclaration:
    """What a suite file says about itself, read without Great Expectations."""

    name: str
    table: str  # schema.table the suite validates, e.g. raw.received_files
    asset: tuple[str, ...]  # the Dagster asset key whose check runs it, e.g. packages/...


def declaration(suite_path: Path) -> SuiteDeclaration:
    """The suite's name, table (`meta.table`) and gated asset (`meta.asset`)."""
    raw = json.loads(Path(suite_path).read_text())
    meta = raw.get("meta", {})
    if "table" not in meta or "asset" not in meta:
        raise ValueError(f"{suite_path}: meta.table and meta.asset must name what it checks")
    return SuiteDeclaration(raw["name"], meta["table"], tuple(meta["asset"]))


def run_suite(
    warehouse: Path,
    suite_path: Path,
    *,
    parameters: Mapping[str, object] | None = None,
    table: str | None = None,
    schema: str = "main",
) -> SuiteResult:
    """Validate `schema.table` in the DuckDB file; by default the suite's `meta.table`
    (`schema.table`, the schema defaulting to main). `parameters` fill the suite's `$name`
    placeholders (the programme's settings).

    Opens the file read-only and disposes every engine before returning, so the next step can
    open it read-write.
    """
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(load_suite(suite_path, parameters))  # gives each expectation an id
    if not table:
        declared = suite.meta.get("table")
        if not declared:
            raise ValueError(f"{suite_path}: the suite names no meta.table; pass table=")
        schema, _, table = declared.rpartition(".")
        schema = schema or "main"

    datasource = context.data_sources.add_sql(
        name="warehouse",
        connection_string=f"duckdb:///{Path(warehouse).resolve()}",
        kwargs={"connect_args": {"read_only": True}},
    )
    try:
        with warnings.catch_warnings():
            # GE 1.14 deprecated schema_name for a schema in the connection configuration, but
            # DuckDB refuses `schema` and `search_path` as connect-time options.
            warnings.filterwarnings("ignore", "`schema_name` is deprecated", DeprecationWarning)
            asset = datasource.add_table_asset(name=table, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
        validation = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",  # SQL expectations return rows only in COMPLETE
                "partial_unexpected_count": _SAMPLE_SIZE,
            },
        )
    finally:
        datasource.get_execution_engine().close()
        datasource.get_engine().dispose()

    # GE lists expectations that raised first; report them in the suite's order.
    order = {expectation.id: i for i, expectation in enumerate(suite.expectations)}
    results = sorted(validation.results, key=lambda r: order[r.expectation_config.id])
    return SuiteResult(
        suite=suite.name,
        table=f"{schema}.{table}",
        outcomes=tuple(_outcome(r) for r in results),
    )


def _outcome(result: ExpectationValidationResult) -> ExpectationOutcome:
    config = result.expectation_config.to_json_dict()
    kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}
    meta = config.get("meta") or {}
    details = result.to_json_dict()["result"] or {}
    error = _exception_message(result.exception_info or {})
    if error:
        observed: object = f"error: {error}"
    else:
        observed = details.get("observed_value", details.get("unexpected_count"))
    sample = details.get("partial_unexpected_list")
    if sample is None:
        sample = details.get("details", {}).get("unexpected_rows", [])
    return ExpectationOutcome(
        expectation=config["type"],
        column=kwargs.get("column"),
        kwargs=kwargs,
        severity=meta.get("severity", "error"),
        success=bool(result.success),
        observed=observed,
        failing_sample=sample[:_SAMPLE_SIZE],
        description=meta.get("notes")
        or config.get("description")
        or _describe(config["type"], kwargs),
    )


def _exception_message(info: dict) -> str | None:
    """GE reports an exception (e.g. a missing column) flat or keyed by the metric that raised."""
    infos = [info] if "raised_exception" in info else list(info.values())
    messages = dict.fromkeys(i["exception_message"] for i in infos if i.get("raised_exception"))
    return "; ".join(messages) or None


def _describe(expectation_type: str, kwargs: dict) -> str:
    """Words for an expectation without notes, e.g. "value: column values to be between
    (min_value=0.0)"."""
    subject = kwargs.get("column") or ", ".join(kwargs.get("column_list", [])) or "table"
    words = expectation_type.removeprefix("expect_").replace("_", " ")
    arguments = ", ".join(
        f"{k}={v}" for k, v in kwargs.items() if k not in ("column", "column_list")
    )
    return f"{subject}: {words}" + (f" ({arguments})" if arguments else "")
