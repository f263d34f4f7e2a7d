"""dbt's documentation (models, columns, tests, lineage), published beside the dashboards."""

import os
import shutil
import tempfile
from pathlib import Path

from dagster import MaterializeResult, asset
from dagster_dbt import DbtCliResource

from clustermon.defs.publish_assets import published_warehouse
from clustermon.defs.resources import WAREHOUSE_POOL, ClustermonFolders


# dbt reads the working warehouse for the catalog: it takes the writer's slot like dbt build.
@asset(
    deps=[published_warehouse],
    group_name="dashboards",
    owners=["team:indicators"],
    pool=WAREHOUSE_POOL,
)
def dbt_docs(folders: ClustermonFolders, dbt: DbtCliResource) -> MaterializeResult:
    """`dbt docs generate --static`: one HTML file with the manifest and catalog inline.

    dbt's ordinary index.html fetches manifest.json and catalog.json, which browsers refuse
    from a file share; the static page needs neither a server nor the network.
    """
    docs = folders.paths().published / "dbt-docs"
    docs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as target:
        # Its own target folder, so the manifest the dbt assets run from is left alone.
        dbt.cli(["docs", "generate", "--static"], target_path=Path(target)).wait()
        building = docs / ".index.html.tmp"
        shutil.copyfile(Path(target) / "static_index.html", building)
        # One file, renamed over the old one: a reader sees the old page or the new one.
        os.replace(building, docs / "index.html")
    return MaterializeResult(metadata={"path": str(docs / "index.html")})
