"""Tags to HTML: Altair charts (embedded by vega-embed), data tables and big values.

Suppression: a value cell is suppressed when its row says so, in a boolean column
`<column>_suppressed` or else `suppressed`. Suppressed cells are shown as "suppressed" in
tables, never as zero; charts leave them undrawn, mark them along the top edge and say so.
"""

from __future__ import annotations

import html
import json
import math
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import altair as alt
import pandas as pd

from clustermon.dashboards.pages import DashboardError, Tag

SUPPRESSED = "suppressed"
NO_VALUE = "\N{EN DASH}"
SUPPRESSED_NOTE = (
    "suppressed for confidentiality (fewer enterprises than the threshold): not zero, not published"
)
FLAG = "_suppressed"
CHART_HEIGHT = 280
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

    def error(self, tag: Tag, message: str) -> DashboardError:
        return DashboardError(self.page, f"<{tag.component}>: {message}", block=tag.label)

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
        frame = frame[frame[column.strip()].astype(str) == value.strip()]
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
    flags = {c: suppressed_flags(frame, c) for c in columns}
    head = "".join(f'<th scope="col">{html.escape(humanise(c))}</th>' for c in columns)
    rows = []
    for index, row in frame.iterrows():
        cells = []
        for position, column in enumerate(columns):
            value = row[column]
            if _is_missing(value) and flags[column][index]:
                cells.append(
                    f'<td class="suppressed"><abbr title="{SUPPRESSED_NOTE}">'
                    f"{SUPPRESSED}</abbr></td>"
                )
                continue
            if _is_missing(value):
                text = f'<span class="missing" title="no value">{NO_VALUE}</span>'
            else:
                text = html.escape(format_value(value, number_format, page_error))
            if position == 0 and link is not None:
                text = f'<a href="{html.escape(link(row.to_dict()))}">{text}</a>'
            numeric = pd.api.types.is_number(value) and not pd.api.types.is_bool(value)
            element = 'th scope="row"' if position == 0 else "td"
            css = ' class="number"' if numeric else ""
            cells.append(f"<{element}{css}>{text}</{element.split()[0]}>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
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
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        return "T"
    if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
        frame[column]
    ):
        return "Q"
    return "O"


def _selectors(tag: Tag, frame: pd.DataFrame) -> list[tuple[str, alt.Parameter]]:
    """A select input per selector column, defaulting to its greatest value (latest quarter)."""
    selectors = []
    for column in _list(tag.attributes.get("selector")):
        options = sorted(frame[column].dropna().unique().tolist())
        parameter = alt.param(
            name=f"select_{''.join(ch if ch.isalnum() else '_' for ch in column)}",
            value=options[-1] if options else None,
            bind=alt.binding_select(options=options, name=f"{humanise(column)} "),
        )
        selectors.append((column, parameter))
    return selectors


def _chart(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
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
    data = frame[keep].copy()
    data[FLAG] = suppressed_flags(frame, y).to_numpy() & frame[y].isna().to_numpy()
    # Few categories read best upright; many (quarters) slanted.
    angle = 0 if data[x].nunique() <= 8 else -45
    x_encoding = alt.X(
        f"{x}:{_field_type(data, x)}", title=humanise(x), axis=alt.Axis(labelAngle=angle)
    )
    # Only areas stack: stacked bars or lines would misread as the series' values.
    stack = "zero" if tag.component == "AreaChart" else None
    y_encoding = alt.Y(
        f"{y}:Q", title=unit, axis=alt.Axis(format=number_format or alt.Undefined), stack=stack
    )
    tooltip = [
        alt.Tooltip(x),
        alt.Tooltip(y, format=number_format or alt.Undefined, title=f"{humanise(y)} ({unit})"),
    ]
    color = {}
    if series:
        color = {"color": alt.Color(f"{series}:N", title=humanise(series))}
        tooltip.insert(0, alt.Tooltip(series))
    base = alt.Chart().encode(x=x_encoding)
    benchmark = tag.component == "BenchmarkChart"
    layers = _benchmark_layers(base, tag, unit, number_format) if benchmark else []
    mark = {
        "LineChart": lambda c: c.mark_line(point=True),
        "BenchmarkChart": lambda c: c.mark_line(point=True, color="#b2182b"),
        "AreaChart": lambda c: c.mark_area(opacity=0.7),
        "BarChart": lambda c: c.mark_bar(),
        "ScatterPlot": lambda c: c.mark_point(filled=True),
    }[tag.component]
    offset = (
        {"xOffset": alt.XOffset(f"{series}:N")} if series and tag.component == "BarChart" else {}
    )
    layers.append(mark(base).encode(y=y_encoding, tooltip=tooltip, **color, **offset))
    layers.append(
        base.mark_text(text="S", fontWeight="bold", color="#555")
        .encode(
            y=alt.value(8), tooltip=[*tooltip[:-1], alt.Tooltip(FLAG, title=SUPPRESSED)], **offset
        )
        .transform_filter(alt.datum[FLAG])
    )
    chart = alt.layer(*layers, data=data).properties(
        title=alt.Title(attributes["title"], subtitle=f"Unit: {unit}", anchor="start"),
        width="container",
        height=CHART_HEIGHT,
    )
    for column, parameter in _selectors(tag, data):
        chart = chart.add_params(parameter).transform_filter(alt.datum[column] == parameter)
    return _figure(tag, chart, data, keep, context)


def _benchmark_layers(base: alt.Chart, tag: Tag, unit: str, number_format: str | None) -> list:
    """Quartile bands (and the min to max range) with the median: a distribution, no ranking."""
    attributes = tag.attributes
    layers = []
    if "min" in attributes and "max" in attributes:
        layers.append(
            base.mark_area(color="#d1e5f0", opacity=0.6).encode(
                y=alt.Y(f"{attributes['min']}:Q", title=unit), y2=attributes["max"]
            )
        )
    layers.append(
        base.mark_area(color="#67a9cf", opacity=0.5).encode(
            y=alt.Y(f"{attributes['q1']}:Q", title=unit), y2=attributes["q3"]
        )
    )
    layers.append(
        base.mark_line(color="#2166ac", strokeDash=[4, 3]).encode(
            y=alt.Y(
                f"{attributes['median']}:Q",
                title=unit,
                axis=alt.Axis(format=number_format or alt.Undefined),
            )
        )
    )
    return layers


def _figure(
    tag: Tag,
    chart: alt.TopLevelMixin,
    data: pd.DataFrame,
    columns: list[str],
    context: RenderContext,
) -> str:
    chart_id = context.next_chart_id()
    # Schema validation would double the build time; the browser test draws every chart.
    # Inside <script>, "</" would end the element early.
    spec = json.dumps(chart.to_dict(validate=False)).replace("</", "<\\/")
    title = tag.attributes["title"]
    count = int(data[FLAG].sum())
    note = (
        f'<p class="chart-note">S along the top of the chart marks a value {SUPPRESSED_NOTE} '
        f'({count} in this chart\'s data; "suppressed" in its data table).</p>'
        if count
        else ""
    )
    table = table_html(
        data.drop(columns=[FLAG]).assign(**{f"{tag.attributes['y']}_suppressed": data[FLAG]}),
        columns,
        caption=f"{title} ({tag.attributes['unit']})",
        number_format=tag.attributes.get("format"),
        page_error=lambda message: context.error(tag, message),
    )
    return (
        f'<figure class="chart"><div class="vis" id="{chart_id}" role="img" '
        f'aria-label="{html.escape(title)}, unit {html.escape(tag.attributes["unit"])}; '
        f'the data table follows"></div>'
        f'<script type="application/json" class="vega-spec" data-target="{chart_id}">'
        f"{spec}</script>{note}"
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
