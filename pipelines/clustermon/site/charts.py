"""Chart tags as Altair charts (Vega-Lite specs embedded by vega-embed), each with its data table.

Charts leave suppressed values undrawn, mark them along the top edge and say so.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from clustermon.site.pages import Tag
from clustermon.site.tables import (
    FLAG,
    SUPPRESSED,
    SUPPRESSED_NOTE,
    attribute_list,
    cells_table,
    humanise,
    is_missing,
    suppressed_flags,
)

if TYPE_CHECKING:
    from clustermon.site.render import RenderContext

CHART_HEIGHT = 280
# The Vega-Lite version Altair's specs are written for, as vl-convert names it ("6.1").
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
# Set by the builder in every spec's `usermeta`: the browser test asserts it.
USERMETA = {"clustermon": {"builder": "altair", "altair": alt.__version__}}
DATA = "table"  # each spec's one named dataset
# Tokens where a template takes each chart's texts and selector choices (see fill_template).
TITLE, UNIT = "@@title@@", "@@unit@@"
# The chart's text alternative (the SVG's label) beside the data table that follows it.
DESCRIPTION = f"{TITLE}, unit {UNIT}; the data table follows"
MARKS = {
    "LineChart": ("line", {"point": True}),
    "BenchmarkChart": ("line", {"color": "#b2182b", "point": True}),
    "AreaChart": ("area", {"opacity": 0.7}),
    "BarChart": ("bar", {}),
    "ScatterPlot": ("point", {"filled": True}),
}
BENCHMARK_ATTRIBUTES = ("q1", "median", "q3", "min", "max")
HIGHLIGHT_FROM = 10  # series (see chart)
NOTHING_TO_DRAW = "Nothing to draw: every value here is zero or missing"


def _field_type(frame: pd.DataFrame, column: str) -> str:
    """The Vega-Lite type of a column, as Altair infers it from a data frame."""
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        return "temporal"
    if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
        frame[column]
    ):
        return "quantitative"
    return "nominal"


def json_values(frame: pd.DataFrame, column: str) -> list:
    """A column as JSON-ready values: missing ones None, numbers plain, dates in ISO."""
    values = frame[column].tolist()  # plain Python scalars, not numpy ones
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        values = [None if pd.isna(t) else t.isoformat() for t in values]
    return [_json_number(v) for v in values]


def _json_number(value: object) -> object:
    """None for a missing value, and whole floats without ".0" (the same number in JSON)."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def param_name(column: str) -> str:
    return f"select_{''.join(ch if ch.isalnum() else '_' for ch in column)}"


@dataclass(frozen=True)
class Shape:
    """Everything of a chart's spec but its data, title, unit and selector choices: charts of
    one shape share one Altair template (see _template)."""

    component: str
    x: str
    x_type: str
    label_angle: int
    y: str
    series: str | None
    series_type: str
    selectors: tuple[str, ...]
    benchmark: tuple[tuple[str, str], ...]  # (attribute, column) of BENCHMARK_ATTRIBUTES given
    number_format: str | None
    columns: tuple[str, ...]  # the dataset's columns, flattened into rows in this order
    highlight: bool = False  # a line chart of many series: the chosen one over grey others


def selector_params(columns: tuple[str, ...]) -> tuple[list[alt.Parameter], list[str]]:
    """A select input per selector column and the filter expressions keeping its choice; the
    options and value are tokens, filled per chart (see fill_template)."""
    params, filters = [], []
    for column in columns:
        name = param_name(column)
        params.append(
            alt.param(
                name=name,
                value=f"@@value-{name}@@",
                bind=alt.binding_select(
                    options=[f"@@options-{name}@@"], name=f"{humanise(column)} "
                ),
            )
        )
        filters.append(f"(datum[{json.dumps(column)}] === {name})")
    return params, filters


@functools.cache
def _template(shape: Shape) -> str:
    """The spec of a chart shape, built with Altair's API and serialised (and validated) by its
    to_dict() once per process: building an Altair chart costs ~0.2 s, minutes for an EU site's
    thousands of charts, while filling a template costs microseconds."""
    axis_format = {"format": shape.number_format} if shape.number_format else {}
    x = alt.X(
        field=shape.x,
        type="ordinal" if shape.x_type == "nominal" else shape.x_type,
        title=humanise(shape.x),
        axis=alt.Axis(labelAngle=shape.label_angle),
    )
    # Only areas stack: stacked bars or lines would misread as the series' values.
    y = alt.Y(
        field=shape.y,
        type="quantitative",
        title=UNIT,
        axis=alt.Axis(**axis_format),
        stack="zero" if shape.component == "AreaChart" else None,
    )
    tooltip = [
        alt.Tooltip(field=shape.x, type=shape.x_type),
        alt.Tooltip(
            field=shape.y, type="quantitative", title=f"{humanise(shape.y)} ({UNIT})", **axis_format
        ),
    ]
    channels: dict = {"x": x}
    if shape.series:
        channels["color"] = alt.Color(
            field=shape.series, type="nominal", title=humanise(shape.series)
        )
        tooltip.insert(0, alt.Tooltip(field=shape.series, type=shape.series_type))
    offset = (
        {"xOffset": alt.XOffset(field=shape.series, type="nominal")}
        if shape.series and shape.component == "BarChart"
        else {}
    )
    kind, properties = MARKS[shape.component]
    main = getattr(alt.Chart(), f"mark_{kind}")(**properties)
    suppressed = (
        alt.Chart()
        .mark_text(color="#555", fontWeight="bold", text="S")
        .encode(
            x=x,
            y=alt.value(8),
            tooltip=[*tooltip[:-1], alt.Tooltip(field=FLAG, type="nominal", title=SUPPRESSED)],
            **offset,
        )
        .transform_filter(f"datum[{json.dumps(FLAG)}]")
    )
    params, filters = selector_params(shape.selectors)
    drawn = [main.encode(**channels, y=y, tooltip=tooltip, **offset)]
    if shape.component != "BenchmarkChart":  # whose bands are there to see regardless
        drawn.append(_nothing_to_draw(shape.y))
    if shape.highlight:
        [chosen], [is_chosen] = selector_params((shape.series,))
        params.append(chosen)
        drawn = [
            alt.Chart()
            .mark_line(color="#c8c8c8", strokeWidth=1)
            .encode(x=x, y=y, detail=alt.Detail(field=shape.series), tooltip=tooltip),
            main.encode(x=x, y=y, tooltip=tooltip, color=alt.value("#b2182b")).transform_filter(
                is_chosen
            ),
        ]
    chart = (
        alt.layer(
            *_benchmark_layers(shape, x, axis_format),
            *drawn,
            suppressed,
            data=alt.Data(name=DATA),
        )
        .properties(
            height=CHART_HEIGHT,
            width="container",
            title=alt.Title(TITLE, subtitle=f"Unit: {UNIT}", anchor="start"),
            description=DESCRIPTION,
            usermeta=USERMETA,
        )
        # One row of columns, flattened into rows by the first transform: keys are written
        # once per chart, not once per value, which halves an EU-wide site.
        .transform_flatten(list(shape.columns))
    )
    for expression in filters:
        chart = chart.transform_filter(expression)
    if params:
        chart = chart.add_params(*params)
    return json.dumps(chart.to_dict())


def _nothing_to_draw(y: str) -> alt.Chart:
    """Words in the frame when the selection's values are all zero or missing (e.g. the
    suppressed cells of a quarter with none), not an empty frame."""
    return (
        alt.Chart()
        .transform_calculate(_drawn=f"datum[{json.dumps(y)}] ? 1 : 0")
        .transform_aggregate(_drawn="sum(_drawn)")
        .transform_filter("datum._drawn === 0")
        .mark_text(text=NOTHING_TO_DRAW, fontSize=14, color="#1b1b1b")
        .encode(x=alt.value({"expr": "width / 2"}), y=alt.value({"expr": "height / 2"}))
    )


def _benchmark_layers(shape: Shape, x: alt.X, axis_format: dict) -> list[alt.Chart]:
    """Quartile bands (and the min to max range) with the median: a distribution, no ranking."""
    if shape.component != "BenchmarkChart":
        return []
    columns = dict(shape.benchmark)

    def band(low: str, high: str, color: str, opacity: float) -> alt.Chart:
        return (
            alt.Chart()
            .mark_area(color=color, opacity=opacity)
            .encode(
                x=x,
                y=alt.Y(field=columns[low], type="quantitative", title=UNIT),
                y2=alt.Y2(field=columns[high]),
            )
        )

    layers = [band("min", "max", "#d1e5f0", 0.6)] if {"min", "max"} <= set(columns) else []
    layers.append(band("q1", "q3", "#67a9cf", 0.5))
    median = alt.Y(
        field=columns["median"], type="quantitative", title=UNIT, axis=alt.Axis(**axis_format)
    )
    layers.append(alt.Chart().mark_line(color="#2166ac", strokeDash=[4, 3]).encode(x=x, y=median))
    return layers


def fill_template(template: str, texts: dict[str, str], choices: dict[str, list]) -> dict:
    """A chart's spec from its shape's template: texts into their tokens, and for each
    selector its options and its first value, the greatest (the latest quarter)."""
    for token, text in texts.items():
        template = template.replace(token, json.dumps(text)[1:-1])
    for name, options in choices.items():
        template = template.replace(f'["@@options-{name}@@"]', json.dumps(options))
        template = template.replace(
            f'"@@value-{name}@@"', json.dumps(options[-1] if options else None)
        )
    return json.loads(template)


def chart(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    """A chart tag as an Altair spec: its shape's template with this chart's data.
    tests/site/test_site.py validates every chart of the real pages against the schema."""
    attributes = tag.attributes
    x, y, series = attributes["x"], attributes["y"], attributes.get("series")
    selectors = tuple(attribute_list(attributes.get("selector")))
    benchmark = tuple((a, attributes[a]) for a in BENCHMARK_ATTRIBUTES if a in attributes)
    keep = list(
        dict.fromkeys([x, *([series] if series else []), *selectors, y, *dict(benchmark).values()])
    )
    columns = {column: json_values(frame, column) for column in keep}
    flags = suppressed_flags(frame, y).tolist()
    columns[FLAG] = [flag and value is None for flag, value in zip(flags, columns[y], strict=True)]
    # Past ten series, colours no longer tell lines apart: the chosen one is drawn over grey.
    many = series and len(set(columns[series]) - {None}) > HIGHLIGHT_FROM
    highlighted = (series,) if tag.component == "LineChart" and many else ()
    shape = Shape(
        component=tag.component,
        x=x,
        x_type=_field_type(frame, x),
        # Few categories read best upright; many (quarters) slanted.
        label_angle=0 if len(set(columns[x]) - {None}) <= 8 else -45,
        y=y,
        series=series,
        series_type=_field_type(frame, series) if series else "nominal",
        selectors=selectors,
        benchmark=benchmark,
        number_format=attributes.get("format"),
        columns=tuple(columns),
        highlight=bool(highlighted),
    )
    drawable = [y, *dict(benchmark).values()]
    if not any(value for column in drawable for value in columns[column]):
        return figure(tag, None, columns, context)
    spec = fill_template(
        _template(shape),
        {TITLE: attributes["title"], UNIT: attributes["unit"]},
        {param_name(c): sorted(set(columns[c]) - {None}) for c in (*selectors, *highlighted)},
    )
    spec["datasets"] = {DATA: [columns]}
    return figure(tag, spec, columns, context)


def figure(
    tag: Tag,
    spec: dict | None,
    columns: dict[str, list],
    context: RenderContext,
    *,
    marked: str = "S along the top of the chart marks a value",
    css: str = "chart",
    hidden: tuple[str, ...] = (),
) -> str:
    """The chart, its suppression note and its data table (`columns` ends with the flags of
    the value column, the tag's `y` or `value`); `marked` says how the chart shows them.
    Without a spec (nothing to draw), words say so instead of an empty frame. The data
    table leaves out the `hidden` columns (the CSV download has them)."""
    title = tag.attributes["title"]
    flags = columns[FLAG]
    count = sum(flags)
    note = (
        f'<p class="chart-note">{marked} {SUPPRESSED_NOTE} '
        f'({count} in this chart\'s data; "suppressed" in its data table).</p>'
        if count
        else ""
    )
    shown = [column for column in columns if column not in (FLAG, *hidden)]
    y = tag.attributes.get("y") or tag.attributes["value"]
    table = cells_table(
        shown,
        [columns[column] for column in shown],
        [flags if column == y else [False] * len(flags) for column in shown],
        caption=f"{title} ({tag.attributes['unit']})",
        number_format=tag.attributes.get("format"),
        page_error=lambda message: context.error(tag, message),
    )
    if spec is None:
        drawing = (
            f'<p class="chart-empty"><strong>{html.escape(title)}</strong>: {NOTHING_TO_DRAW}.</p>'
        )
    else:
        chart_id = context.next_chart_id()
        # Inside <script>, "</" would end the element early.
        spec_json = json.dumps(spec).replace("</", "<\\/")
        drawing = (
            f'<div class="vis" id="{chart_id}"></div>'
            f'<script type="application/json" class="vega-spec" data-target="{chart_id}">'
            f"{spec_json}</script>{note}"
            # site.js makes the link's file from the spec's data: no second copy in the page.
            f'<p class="chart-links"><a class="csv" data-chart="{chart_id}" '
            f'download="{_file_name(title)}.csv">Download the data (CSV)</a></p>'
        )
    return (
        # The drawing is labelled by its spec's description; the figure holds controls (the
        # selectors, the export menu), so it is a figure, not an image.
        f'<figure class="{css}" aria-label="{html.escape(title)}">{drawing}'
        f'<details class="chart-data"><summary>Data table: {html.escape(title)}</summary>'
        f'<div class="table-wrap" tabindex="0">{table}</div></details></figure>'
    )


def _file_name(title: str) -> str:
    """A chart's title as a file name: "RCO01 by region" -> "rco01-by-region"."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "chart"
