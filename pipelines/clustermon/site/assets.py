"""The dashboard site: built from the published warehouse, after each publication, with every
region's benchmarking brief."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from clustermon.publish.assets import published_warehouse
from clustermon.resources import ClustermonHome
from clustermon.site.build import build_site


@asset(deps=[published_warehouse], group_name="dashboards", owners=["team:data-engineering"])
def dashboard_site(context: AssetExecutionContext, home: ClustermonHome) -> MaterializeResult:
    """The static, offline dashboard site built from the published warehouse, and each
    region's benchmarking brief (HTML on the site, PDF beside it; HTML only, with a warning,
    when Chromium is missing: a publication never fails for want of a printer)."""
    paths = home.paths()
    built = build_site(paths.published_warehouse, paths.site, briefs=True)
    briefs = built.briefs
    if briefs.warning:
        context.log.warning(briefs.warning)
    return MaterializeResult(
        metadata={
            "path": str(paths.site / "index.html"),
            "pages": built.pages,
            "pages_rebuilt": built.rebuilt,
            "briefs": briefs.regions,
            "brief_pdfs": briefs.pdfs,
            "briefs_seconds": briefs.seconds,
            "briefs_path": str(paths.briefs),
            **({"brief_pdfs_skipped": briefs.pdf_skipped} if briefs.pdf_skipped else {}),
        }
    )
