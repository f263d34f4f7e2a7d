"""Tags to HTML: Altair charts (embedded by vega-embed), data tables and big values.

Suppression: a value cell is suppressed when its row says so, in a boolean column
`<column>_suppressed` or else `suppressed`. Suppressed cells are shown as "suppressed" in
tables, never as zero; charts leave them undrawn, mark them along the top edge and say so.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from clustermon.dashboards.pages import DashboardError, Tag

SUPPRESSED = "suppressed"
NO_VALUE = "\N{EN DASH}"
SUPPRESSED_NOTE = (
    "suppressed for confidentiality (fewer enterprises than the threshold): not zero, not published"
)
FLAG = "_suppressed"
# site.css right-aligns the first this many columns of a table by num-N classes.
NUMERIC_COLUMN_CLASSES = 16
CHART_HEIGHT = 280
# The Vega-Lite version of the bundle the site ships (see build._bundle_version).
VEGA_LITE_SCHEMA = alt.SCHEMA_URL
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
}
REQUIRED = {
    "LineChart": ("data", "x", "y", "title", "unit"),
    "AreaChart": ("data", "x", "y", "title", "unit"),
    "BarChart": ("data", "x", "y", "title", "unit"),
    "ScatterPlot": ("data", "x", "y", "title", "unit"),
    "BenchmarkChart": ("data", "x", "y", "q1", "median", "q3", "title", "unit"),
    "DataTable": ("data",),
    "BigValue": ("data", "value", "title"),
}
COLUMN_ATTRIBUTES = ("x", "y", "series", "value", "q1", "median", "q3", "min", "max")


@dataclass
class RenderContext:
    """What a tag needs from its page: query results, the path to the site root, chart ids."""

    page: str
    results: dict[str, pd.DataFrame]
    root: str
    charts: int = 0
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
    columns += _list(tag.attributes.get("selector")) + _list(tag.attributes.get("columns"))
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


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def suppressed_flags(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where `column`'s cell is suppressed in its row."""
    for flag in (f"{column}_suppressed", SUPPRESSED):
        if flag in frame.columns and flag != column:
            return frame[flag].fillna(False).astype(bool)
    return pd.Series(False, index=frame.index)


def humanise(column: str) -> str:
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def format_value(value: object, spec: str | None, page_error: Callable[[str], Exception]) -> str:
    if hasattr(value, "item"):  # a numpy scalar, from a column of one type
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if spec is None:
        spec = ",.0f" if float(value).is_integer() else ",.2f"
    try:
        return format(value, spec)
    except ValueError:
        raise page_error(f"format '{spec}' is not a number format (e.g. ,.0f or .1f)") from None


def _is_number(value: object) -> bool:
    return pd.api.types.is_number(value) and not pd.api.types.is_bool(value)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def table_html(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    caption: str,
    number_format: str | None,
    page_error: Callable[[str], Exception],
    link: Callable[[dict], str] | None = None,
) -> str:
    """An accessible HTML table; suppressed cells read "suppressed", missing ones a dash."""
    columns = list(columns)
    return _table(
        columns,
        [frame[c].tolist() for c in columns],
        [suppressed_flags(frame, c).tolist() for c in columns],
        caption=caption,
        number_format=number_format,
        page_error=page_error,
        links=[link(row) for row in frame.to_dict("records")] if link else None,
    )


def _table(
    columns: list[str],
    values: list[list],
    flags: list[list[bool]],
    *,
    caption: str,
    number_format: str | None,
    page_error: Callable[[str], Exception],
    links: list[str] | None = None,
) -> str:
    """table_html over columns of values and their suppression flags (lists, for speed).

    Chart data tables make up most of an EU-wide site, so body cells are written lean:
    without their optional end tags, and a column of numbers is right-aligned by a class of
    the table (num-N, see site.css) rather than of each cell.
    """
    head = "".join(f'<th scope="col">{html.escape(humanise(c))}</th>' for c in columns)
    numeric_columns = {
        position
        for position, column in enumerate(values[:NUMERIC_COLUMN_CLASSES])
        if any(_is_number(v) for v in column)
        and all(_is_number(v) or _is_missing(v) for v in column)
    }
    rows = []
    for index in range(len(values[0]) if values else 0):
        cells = []
        for position in range(len(columns)):
            value = values[position][index]
            if _is_missing(value) and flags[position][index]:
                cells.append(
                    f'<td class="suppressed"><abbr title="{SUPPRESSED_NOTE}">{SUPPRESSED}</abbr>'
                )
                continue
            if _is_missing(value):
                text = f'<span class="missing" title="no value">{NO_VALUE}</span>'
            else:
                text = html.escape(format_value(value, number_format, page_error))
            if position == 0 and links is not None:
                text = f'<a href="{html.escape(links[index])}">{text}</a>'
            numeric = _is_number(value) and position not in numeric_columns
            element = 'th scope="row"' if position == 0 else "td"
            css = ' class="number"' if numeric else ""
            cells.append(f"<{element}{css}>{text}")
        rows.append(f"<tr>{''.join(cells)}")
    classes = " ".join(f"num-{position + 1}" for position in sorted(numeric_columns))
    table = f'<table class="{classes}">' if classes else "<table>"
    return (
        f"{table}<caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _data_table(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    hidden = {SUPPRESSED} | {c for c in frame.columns if str(c).endswith("_suppressed")}
    columns = _list(tag.attributes.get("columns")) or [c for c in frame.columns if c not in hidden]
    link = None
    if "link" in tag.attributes:
        template = tag.attributes["link"]
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        unknown = [f for f in fields if f not in frame.columns]
        if unknown:
            raise context.error(tag, f"unknown column(s) {', '.join(unknown)} in link")

        def link(row: dict) -> str:
            return context.root + template.format(**row)

    caption = tag.attributes.get("title", "")
    return (
        '<div class="table-wrap">'
        + table_html(
            frame,
            columns,
            caption=caption,
            number_format=tag.attributes.get("format"),
            page_error=lambda message: context.error(tag, message),
            link=link,
        )
        + "</div>"
    )


def _big_value(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    column = tag.attributes["value"]
    if frame.empty:
        text, css = NO_VALUE, "missing"
    elif _is_missing(frame[column].iloc[0]) and suppressed_flags(frame, column).iloc[0]:
        text, css = SUPPRESSED, "suppressed"
    elif _is_missing(frame[column].iloc[0]):
        text, css = NO_VALUE, "missing"
    else:
        text = format_value(
            frame[column].iloc[0],
            tag.attributes.get("format"),
            lambda message: context.error(tag, message),
        )
        css = "number"
    unit = tag.attributes.get("unit", "")
    return (
        f'<div class="big-value"><div class="big-value-title">'
        f"{html.escape(tag.attributes['title'])}</div>"
        f'<div class="big-value-number {css}">{html.escape(text)}</div>'
        f'<div class="big-value-unit">{html.escape(unit)}</div></div>'
    )


def _field_type(frame: pd.DataFrame, column: str) -> str:
    """The Vega-Lite type of a column, as Altair infers it from a data frame."""
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        return "temporal"
    if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
        frame[column]
    ):
        return "quantitative"
    return "nominal"


def _json_values(frame: pd.DataFrame, column: str) -> list:
    """A column as JSON-ready values: missing ones None, numbers plain, dates in ISO."""
    values = frame[column].tolist()  # plain Python scalars, not numpy ones
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        values = [None if pd.isna(t) else t.isoformat() for t in values]
    return [_json_number(v) for v in values]


def _json_number(value: object) -> object:
    """None for a missing value, and whole floats without ".0" (the same number in JSON)."""
    if _is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _selectors(tag: Tag, columns: dict[str, list]) -> tuple[list[dict], list[dict]]:
    """A select input per selector column, defaulting to its greatest value (latest quarter),
    and the filters that keep the chosen value: Vega-Lite parameters and transforms."""
    params, filters = [], []
    for column in _list(tag.attributes.get("selector")):
        options = sorted(set(columns[column]) - {None})
        name = f"select_{''.join(ch if ch.isalnum() else '_' for ch in column)}"
        params.append(
            {
                "name": name,
                "bind": {"input": "select", "options": options, "name": f"{humanise(column)} "},
                "value": options[-1] if options else None,
            }
        )
        filters.append({"filter": f"(datum[{json.dumps(column)}] === {name})"})
    return params, filters


def _chart(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    """A layered Vega-Lite spec written as JSON directly: building it through Altair's
    objects costs ~0.2 s a chart, minutes for an EU-wide site. tests/test_site.py
    validates every chart of the real pages against the Vega-Lite schema."""
    attributes = tag.attributes
    x, y, series = attributes["x"], attributes["y"], attributes.get("series")
    unit, number_format = attributes["unit"], attributes.get("format")
    keep = list(
        dict.fromkeys(
            [
                x,
                *([series] if series else []),
                *_list(attributes.get("selector")),
                y,
                *(attributes[a] for a in ("q1", "median", "q3", "min", "max") if a in attributes),
            ]
        )
    )
    columns = {column: _json_values(frame, column) for column in keep}
    flags = suppressed_flags(frame, y).tolist()
    columns[FLAG] = [flag and value is None for flag, value in zip(flags, columns[y], strict=True)]
    axis_format = {"format": number_format} if number_format else {}
    # Few categories read best upright; many (quarters) slanted.
    angle = 0 if len(set(columns[x]) - {None}) <= 8 else -45
    x_type = _field_type(frame, x)
    x_encoding = {
        "axis": {"labelAngle": angle},
        "field": x,
        "title": humanise(x),
        "type": "ordinal" if x_type == "nominal" else x_type,
    }
    # Only areas stack: stacked bars or lines would misread as the series' values.
    y_encoding = {
        "axis": axis_format,
        "field": y,
        "stack": "zero" if tag.component == "AreaChart" else None,
        "title": unit,
        "type": "quantitative",
    }
    tooltip = [
        {"field": x, "type": x_type},
        {"field": y, **axis_format, "title": f"{humanise(y)} ({unit})", "type": "quantitative"},
    ]
    encoding: dict = {"x": x_encoding}
    if series:
        encoding["color"] = {"field": series, "title": humanise(series), "type": "nominal"}
        tooltip.insert(0, {"field": series, "type": _field_type(frame, series)})
    offset = (
        {"xOffset": {"field": series, "type": "nominal"}}
        if series and tag.component == "BarChart"
        else {}
    )
    layers = _benchmark_layers(x_encoding, tag, unit, axis_format)
    layers.append(
        {
            "mark": MARKS[tag.component],
            "encoding": {**encoding, "y": y_encoding, "tooltip": tooltip, **offset},
        }
    )
    layers.append(
        {
            "mark": {"type": "text", "color": "#555", "fontWeight": "bold", "text": "S"},
            "encoding": {
                "x": x_encoding,
                "y": {"value": 8},
                "tooltip": [
                    *tooltip[:-1],
                    {"field": FLAG, "title": SUPPRESSED, "type": "nominal"},
                ],
                **offset,
            },
            "transform": [{"filter": f"datum[{json.dumps(FLAG)}]"}],
        }
    )
    # One row of columns, flattened into rows by the first transform: keys are written once
    # per chart, not once per value, which halves an EU-wide site.
    dataset = "data-" + hashlib.md5(json.dumps(columns).encode()).hexdigest()
    params, filters = _selectors(tag, columns)
    spec = {
        "$schema": VEGA_LITE_SCHEMA,
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
        "layer": layers,
        "data": {"name": dataset},
        "height": CHART_HEIGHT,
        "width": "container",
        "title": {"text": attributes["title"], "anchor": "start", "subtitle": f"Unit: {unit}"},
        **({"params": params} if params else {}),
        "transform": [{"flatten": list(columns)}, *filters],
        "datasets": {dataset: [columns]},
    }
    return _figure(tag, spec, columns, context)


MARKS = {
    "LineChart": {"type": "line", "point": True},
    "BenchmarkChart": {"type": "line", "color": "#b2182b", "point": True},
    "AreaChart": {"type": "area", "opacity": 0.7},
    "BarChart": {"type": "bar"},
    "ScatterPlot": {"type": "point", "filled": True},
}


def _benchmark_layers(x_encoding: dict, tag: Tag, unit: str, axis_format: dict) -> list[dict]:
    """Quartile bands (and the min to max range) with the median: a distribution, no ranking."""
    attributes = tag.attributes
    if tag.component != "BenchmarkChart":
        return []

    def band(low: str, high: str, color: str, opacity: float) -> dict:
        return {
            "mark": {"type": "area", "color": color, "opacity": opacity},
            "encoding": {
                "x": x_encoding,
                "y": {"field": attributes[low], "title": unit, "type": "quantitative"},
                "y2": {"field": attributes[high]},
            },
        }

    layers = []
    if "min" in attributes and "max" in attributes:
        layers.append(band("min", "max", "#d1e5f0", 0.6))
    layers.append(band("q1", "q3", "#67a9cf", 0.5))
    layers.append(
        {
            "mark": {"type": "line", "color": "#2166ac", "strokeDash": [4, 3]},
            "encoding": {
                "x": x_encoding,
                "y": {
                    "axis": axis_format,
                    "field": attributes["median"],
                    "title": unit,
                    "type": "quantitative",
                },
            },
        }
    )
    return layers


def _figure(tag: Tag, spec: dict, columns: dict[str, list], context: RenderContext) -> str:
    """The chart, its suppression note and its data table (`columns` ends with the flags)."""
    chart_id = context.next_chart_id()
    # Inside <script>, "</" would end the element early.
    spec_json = json.dumps(spec).replace("</", "<\\/")
    title = tag.attributes["title"]
    flags = columns[FLAG]
    count = sum(flags)
    note = (
        f'<p class="chart-note">S along the top of the chart marks a value {SUPPRESSED_NOTE} '
        f'({count} in this chart\'s data; "suppressed" in its data table).</p>'
        if count
        else ""
    )
    shown = [column for column in columns if column != FLAG]
    y = tag.attributes["y"]
    table = _table(
        shown,
        [columns[column] for column in shown],
        [flags if column == y else [False] * len(flags) for column in shown],
        caption=f"{title} ({tag.attributes['unit']})",
        number_format=tag.attributes.get("format"),
        page_error=lambda message: context.error(tag, message),
    )
    return (
        f'<figure class="chart"><div class="vis" id="{chart_id}" role="img" '
        f'aria-label="{html.escape(title)}, unit {html.escape(tag.attributes["unit"])}; '
        f'the data table follows"></div>'
        f'<script type="application/json" class="vega-spec" data-target="{chart_id}">'
        f"{spec_json}</script>{note}"
        f'<details class="chart-data"><summary>Data table: {html.escape(title)}</summary>'
        f'<div class="table-wrap">{table}</div></details></figure>'
    )


RENDERERS: dict[str, Callable[[Tag, pd.DataFrame, RenderContext], str]] = {
    "LineChart": _chart,
    "AreaChart": _chart,
    "BarChart": _chart,
    "ScatterPlot": _chart,
    "BenchmarkChart": _chart,
    "DataTable": _data_table,
    "BigValue": _big_value,
}
