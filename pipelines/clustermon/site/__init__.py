"""Dashboards as markdown pages with named SQL blocks and chart tags, built into a static site.

`pages` reads the page format, `render` turns tags into Altair charts and HTML tables, `build`
runs the queries against the published warehouse and writes the site, `serve` serves it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clustermon.site.pages import DashboardError

if TYPE_CHECKING:
    from clustermon.site.build import build_site

__all__ = ["DashboardError", "build_site"]


def __getattr__(name: str) -> object:
    # `build` is imported when first asked for: it builds the briefs too, and the briefs
    # (clustermon.brief) use the site's chart and table modules, which import this package.
    if name == "build_site":
        from clustermon.site.build import build_site

        return build_site
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
