"""Chart tags as Vega-Lite specs, embedded by vega-embed, each with its data table.

Charts leave suppressed values undrawn, mark them along the top edge and say so.
"""

from __future__ import annotations

import hashlib
import html
import json
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
# The Vega-Lite version of the bundle the site ships (see build._bundle_version).
VEGA_LITE_SCHEMA = alt.SCHEMA_URL


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
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _selectors(tag: Tag, columns: dict[str, list]) -> tuple[list[dict], list[dict]]:
    """A select input per selector column, defaulting to its greatest value (latest quarter),
    and the filters that keep the chosen value: Vega-Lite parameters and transforms."""
    params, filters = [], []
    for column in attribute_list(tag.attributes.get("selector")):
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


def chart(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    """A layered Vega-Lite spec written as JSON directly: building it through Altair's
    objects costs ~0.2 s a chart, minutes for an EU-wide site. tests/site/test_site.py
    validates every chart of the real pages against the Vega-Lite schema."""
    attributes = tag.attributes
    x, y, series = attributes["x"], attributes["y"], attributes.get("series")
    unit, number_format = attributes["unit"], attributes.get("format")
    keep = list(
        dict.fromkeys(
            [
                x,
                *([series] if series else []),
                *attribute_list(attributes.get("selector")),
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
    table = cells_table(
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
