"""Publication and dashboards: downstream of every gated asset, so a failing blocking check
stops both and the previous publication stays in force."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from clustermon.dashboards import build_site
from clustermon.defs.checks import GATED_ASSETS
from clustermon.defs.resources import WAREHOUSE_POOL, ClustermonFolders
from clustermon.publish import PUBLISHED_TABLES, publish
from clustermon.report import report_page, run_results


@asset(
    deps=sorted({*(AssetKey(table) for table in PUBLISHED_TABLES), *GATED_ASSETS}),
    group_name="publish",
    owners=["team:data-engineering"],
    pool=WAREHOUSE_POOL,
)
def published_warehouse(
    context: AssetExecutionContext, folders: ClustermonFolders
) -> MaterializeResult:
    """A new publication (DuckDB file, Parquet exports, manifest), switched in atomically."""
    paths = folders.paths()
    checks = run_results(paths.published, context.run_id)
    report = report_page(paths.published, context.run_id)
    publication = publish(
        paths.warehouse, paths.published, checks=checks, run_id=context.run_id, report=report
    )
    warnings = sum(1 for suite in checks for o in suite["outcomes"] if not o["success"])
    return MaterializeResult(
        metadata={
            "path": str(paths.published_warehouse),
            "publication": publication.id,
            "manifest": str(publication.folder / "manifest.json"),
            "report": str(report),
            "warnings": warnings,
            **{f"rows_{t}": n for t, n in publication.manifest["tables"].items()},
        }
    )


@asset(deps=[published_warehouse], group_name="dashboards", owners=["team:data-engineering"])
def dashboard_site(folders: ClustermonFolders) -> MaterializeResult:
    """The static, offline dashboard site built from the published warehouse."""
    paths = folders.paths()
    built = build_site(paths.published_warehouse, paths.site)
    return MaterializeResult(
        metadata={
            "path": str(paths.site / "index.html"),
            "pages": built.pages,
            "pages_rebuilt": built.rebuilt,
        }
    )
