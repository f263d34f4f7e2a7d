"""Publication: downstream of every gated asset, so a failing blocking check stops it (and
everything after it) and the previous publication stays in force."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from clustermon.gate.asset_checks import GATED_ASSETS
from clustermon.gate.validation_report import report_page, run_results
from clustermon.publish.publication import PUBLISHED_TABLES, publish
from clustermon.resources import ClustermonHome, RefreshLock


@asset(
    deps=sorted({*(AssetKey(table) for table in PUBLISHED_TABLES), *GATED_ASSETS}),
    group_name="publish",
    owners=["team:data-engineering"],
)
def published_warehouse(
    context: AssetExecutionContext, home: ClustermonHome, refresh_lock: RefreshLock
) -> MaterializeResult:
    """A new publication (DuckDB file, Parquet exports, manifest), switched in atomically."""
    paths = home.paths()
    checks = run_results(paths.published, context.run_id)
    report = report_page(paths.published, context.run_id)
    publication = publish(
        paths.warehouse,
        paths.published,
        checks=checks,
        run_id=context.run_id,
        report=report,
        kept=home.settings().publications_kept,
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
