"""Dashboards as markdown pages with named SQL blocks and chart tags, built into a static site.

`pages` reads the page format, `render` turns tags into Altair charts and HTML tables, `build`
runs the queries against the published warehouse and writes the site, `serve` serves it.
"""

from clustermon.site.build import build_site
from clustermon.site.pages import DashboardError

__all__ = ["DashboardError", "build_site"]
