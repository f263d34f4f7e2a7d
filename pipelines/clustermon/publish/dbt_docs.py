"""dbt's documentation (models, columns, tests, lineage), published beside the dashboards."""

import hashlib
import json
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, DagsterEventType, MaterializeResult, asset
from dagster_dbt import DbtCliResource

from clustermon.publish.assets import published_warehouse
from clustermon.resources import ClustermonHome, RefreshLock
from clustermon.transform.assets import indicator_models
from clustermon.transform.project import dbt_vars

# dbt's own output, not its input: left out of the digest.
_GENERATED = {"target", "logs"}
_PARTIAL_PARSE = "partial_parse.msgpack"  # dbt's parsed project, in its target folder
_MANIFEST = "manifest.json"  # dbt's project as the last command saw it, compiled by a build
_DBT_STEP = indicator_models.op.name
# What dbt's DuckDB catalog reads: relations, columns, their types and comments (no data).
_CATALOG_QUERIES = (
    "SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY ALL",
    "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
    "SELECT schema_name, table_name, column_index, column_name, data_type, comment "
    "FROM duckdb_columns() WHERE NOT internal ORDER BY ALL",
)


def docs_inputs_digest(project_dir: Path, warehouse: Path, variables: list[str]) -> str:
    """A digest of everything `dbt docs generate` reads: dbt's version, the project's files
    (models, their descriptions and tests, seeds, macros, configuration), the `--vars` the
    compiled SQL depends on and the warehouse's schema with its comments. Equal digests give
    the same documentation page."""
    digest = hashlib.sha256(version("dbt-core").encode())
    digest.update(json.dumps(variables).encode())
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and relative.parts[0] not in _GENERATED:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    if warehouse.exists():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for query in _CATALOG_QUERIES:
                digest.update(repr(con.execute(query).fetchall()).encode())
    return digest.hexdigest()


# dbt reads the working warehouse for the catalog: it takes the writer's slot like dbt build.
@asset(
    deps=[published_warehouse],
    group_name="dashboards",
    owners=["team:indicators"],
)
def dbt_docs(
    context: AssetExecutionContext,
    home: ClustermonHome,
    dbt: DbtCliResource,
    refresh_lock: RefreshLock,
) -> MaterializeResult:
    """`dbt docs generate --static`: one HTML file with the manifest and catalog inline.

    dbt's ordinary index.html fetches manifest.json and catalog.json, which browsers refuse
    from a file share; the static page needs neither a server nor the network. Generating it
    takes seconds of dbt start-up and parsing, so the page is reused while the dbt project,
    its vars and the warehouse's schema are what they were when it was made
    (`docs_inputs_digest`).
    """
    paths = home.paths()
    docs = paths.published / "dbt-docs"
    page, stamp = docs / "index.html", docs / "inputs.sha256"
    variables = dbt_vars(paths, home.settings())
    inputs = docs_inputs_digest(Path(dbt.project_dir), paths.warehouse, variables)
    if page.exists() and stamp.exists() and stamp.read_text() == inputs:
        return MaterializeResult(metadata={"path": str(page), "regenerated": False})
    docs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as target:
        # Its own target folder, so the manifest the dbt assets run from is left alone. It starts
        # from the parse the home's last dbt build left, usually this run's: dbt takes it where
        # its version, vars, profile and project file are the same and re-parses the files that
        # changed, and else parses anew (dagster-dbt would copy the prepared manifest's parse,
        # made with other vars: always a full parse, seconds of CPU).
        parsed = paths.dbt_target / _PARTIAL_PARSE
        if parsed.exists():
            shutil.copyfile(parsed, Path(target) / _PARTIAL_PARSE)
        arguments = ["docs", "generate", "--static", *variables]
        # A run that built every model (the refresh job's) left the manifest its build
        # compiled: the page shows the SQL that made the warehouse, and dbt need not compile
        # every node again (2.3 s against 5.1 for the step on the skeleton home). Otherwise
        # (the publish job) dbt compiles: an older build's manifest may predate the project.
        built = _manifest_built_in(context, paths.dbt_target / _MANIFEST)
        if built is not None:
            (Path(target) / _MANIFEST).write_text(built, encoding="utf-8")
            arguments.append("--no-compile")
        dbt.cli(arguments, target_path=Path(target)).wait()
        building = docs / ".index.html.tmp"
        shutil.copyfile(Path(target) / "static_index.html", building)
        # One file, renamed over the old one: a reader sees the old page or the new one.
        os.replace(building, page)
    stamp.write_text(inputs)
    return MaterializeResult(metadata={"path": str(page), "regenerated": True})


def _manifest_built_in(context: AssetExecutionContext, manifest: Path) -> str | None:
    """The manifest's text where this run's dbt step built every model and left it whole
    (dbt writes it in place); None otherwise."""
    selected = context.run.asset_selection  # empty or None: the whole job
    if selected and not indicator_models.keys <= selected:
        return None  # the build compiled only some models
    succeeded = context.instance.get_records_for_run(
        context.run_id, of_type=DagsterEventType.STEP_SUCCESS
    ).records
    if not any(record.event_log_entry.step_key == _DBT_STEP for record in succeeded):
        return None
    try:
        text = manifest.read_text(encoding="utf-8")
        json.loads(text)
    except (OSError, ValueError):
        return None
    return text
