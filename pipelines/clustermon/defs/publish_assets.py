"""Publication and dashboards: downstream of the marts, so a blocking check failure stops both."""

from dagster import AssetKey, MaterializeResult, asset

from clustermon.dashboards import build_site
from clustermon.defs.resources import WAREHOUSE_POOL, ClustermonFolders
from clustermon.publish import PUBLISHED_TABLES, publish


@asset(
    deps=[AssetKey(table) for table in PUBLISHED_TABLES],
    group_name="publish",
    owners=["team:data-engineering"],
    pool=WAREHOUSE_POOL,
)
def published_warehouse(folders: ClustermonFolders) -> MaterializeResult:
    """The published DuckDB file evaluators query, replaced atomically."""
    paths = folders.paths()
    rows = publish(paths.warehouse, paths.published_warehouse)
    return MaterializeResult(
        metadata={
            "path": str(paths.published_warehouse),
            **{f"rows_{t}": n for t, n in rows.items()},
        }
    )


@asset(deps=[published_warehouse], group_name="dashboards", owners=["team:data-engineering"])
def dashboard_site(folders: ClustermonFolders) -> MaterializeResult:
    """The static, offline dashboard site built from the published warehouse."""
    paths = folders.paths()
    pages = build_site(paths.published_warehouse, paths.site)
    return MaterializeResult(metadata={"path": str(paths.site / "index.html"), "pages": pages})
