"""Tags to HTML: Altair charts and maps (embedded by vega-embed), data tables, big values.

Suppression: a value cell is suppressed when its row says so, in a boolean column
`<column>_suppressed` or else `suppressed`. Suppressed cells are shown as "suppressed" in
tables, never as zero; charts leave them undrawn, mark them along the top edge and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from clustermon.site.charts import chart
from clustermon.site.maps import region_map
from clustermon.site.pages import DashboardError, Tag
from clustermon.site.tables import attribute_list, big_value, data_table

COMMON = {"data", "title", "filter", "required"}
CHART = COMMON | {"x", "y", "unit", "format", "selector"}
ATTRIBUTES = {
    "LineChart": CHART | {"series"},
    "AreaChart": CHART | {"series"},
    "BarChart": CHART | {"series"},
    "ScatterPlot": CHART | {"series"},
    "BenchmarkChart": CHART | {"q1", "median", "q3", "min", "max"},
    "DataTable": COMMON | {"columns", "format", "link"},
    "BigValue": COMMON | {"value", "unit", "format"},
    "RegionMap": COMMON | {"region", "name", "value", "band", "unit", "format", "selector"},
}
REQUIRED = {
    "LineChart": ("data", "x", "y", "title", "unit"),
    "AreaChart": ("data", "x", "y", "title", "unit"),
    "BarChart": ("data", "x", "y", "title", "unit"),
    "ScatterPlot": ("data", "x", "y", "title", "unit"),
    "BenchmarkChart": ("data", "x", "y", "q1", "median", "q3", "title", "unit"),
    "DataTable": ("data",),
    "BigValue": ("data", "value", "title"),
    "RegionMap": ("data", "region", "value", "band", "title", "unit"),
}
COLUMN_ATTRIBUTES = (
    *("x", "y", "series", "value", "q1", "median", "q3", "min", "max"),
    *("region", "name", "band"),
)


@dataclass
class RenderContext:
    """What a tag needs from its page: query results, the path to the site root, chart ids."""

    page: str
    results: dict[str, pd.DataFrame]
    root: str
    charts: int = 0
    regions: set[str] = field(default_factory=set)  # the codes the page's maps show
    subsets: dict[tuple[str, str], dict[str, pd.DataFrame]] = field(default_factory=dict)

    def error(self, tag: Tag, message: str) -> DashboardError:
        return DashboardError(self.page, f"<{tag.component}>: {message}", block=tag.label)

    def subset(self, name: str, column: str, value: str) -> pd.DataFrame:
        """The rows of block `name` whose `column` reads `value`: pages filter one block by
        each of its values in a loop, so the block is split once."""
        if (name, column) not in self.subsets:
            frame = self.results[name]
            self.subsets[name, column] = {
                key: group for key, group in frame.groupby(frame[column].astype(str), sort=False)
            }
        return self.subsets[name, column].get(value, self.results[name].iloc[0:0])

    def next_chart_id(self) -> str:
        self.charts += 1
        return f"chart-{self.charts}"


def render_tag(tag: Tag, context: RenderContext) -> str:
    """The HTML for one tag; raises DashboardError naming page and block on any mistake."""
    renderer = RENDERERS.get(tag.component)
    if renderer is None:
        raise context.error(tag, f"unknown tag; known: {', '.join(sorted(RENDERERS))}")
    unknown = set(tag.attributes) - ATTRIBUTES[tag.component]
    if unknown:
        raise context.error(tag, f"unknown attribute(s) {', '.join(sorted(unknown))}")
    missing = [a for a in REQUIRED[tag.component] if a not in tag.attributes]
    if missing:
        raise context.error(tag, f"missing attribute(s) {', '.join(missing)}")
    frame = _tag_data(tag, context)
    return renderer(tag, frame, context)


def _tag_data(tag: Tag, context: RenderContext) -> pd.DataFrame:
    name = tag.attributes["data"]
    if name not in context.results:
        raise context.error(tag, f"no sql block named '{name}' on this page")
    frame = context.results[name]
    columns = [tag.attributes[a] for a in COLUMN_ATTRIBUTES if a in tag.attributes]
    for listed in ("selector", "columns"):
        columns += attribute_list(tag.attributes.get(listed))
    if "filter" in tag.attributes:
        column, _, value = tag.attributes["filter"].partition("=")
        columns.append(column.strip())
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise context.error(
            tag,
            f"unknown column(s) {', '.join(unknown)}; the query returns: "
            f"{', '.join(map(str, frame.columns))}",
        )
    if "filter" in tag.attributes:
        frame = context.subset(name, column.strip(), value.strip())
    if tag.attributes.get("required") == "true" and frame.empty:
        raise context.error(tag, "the result is empty, but this tag is marked required")
    return frame


RENDERERS: dict[str, Callable[[Tag, pd.DataFrame, RenderContext], str]] = {
    "LineChart": chart,
    "AreaChart": chart,
    "BarChart": chart,
    "ScatterPlot": chart,
    "BenchmarkChart": chart,
    "DataTable": data_table,
    "BigValue": big_value,
    "RegionMap": region_map,
}
