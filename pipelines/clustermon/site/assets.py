"""The dashboard site: built from the published warehouse, after each publication."""

from dagster import MaterializeResult, asset

from clustermon.publish.assets import published_warehouse
from clustermon.resources import ClustermonHome
from clustermon.site.build import build_site


@asset(deps=[published_warehouse], group_name="dashboards", owners=["team:data-engineering"])
def dashboard_site(home: ClustermonHome) -> MaterializeResult:
    """The static, offline dashboard site built from the published warehouse."""
    paths = home.paths()
    built = build_site(paths.published_warehouse, paths.site)
    return MaterializeResult(
        metadata={
            "path": str(paths.site / "index.html"),
            "pages": built.pages,
            "pages_rebuilt": built.rebuilt,
        }
    )
