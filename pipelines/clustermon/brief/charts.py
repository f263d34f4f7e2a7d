"""The brief's distribution charts: one strip chart per indicator level, built with Altair.

Each row is one indicator on its own scale: all regions' published values as grey dots, the
middle half as a box, the median as a line and the brief's region as a red diamond. The data
carry no region codes (the dots are anonymous), so neither the chart nor its SVG can name
another region. The quartiles drawn are the published ones (the benchmark mart's), the same
that decide the bands, not Vega-Lite's own.

A chart is rendered to SVG here by vl-convert and written into the HTML, so the brief needs no
script and Chromium prints it as vector graphics. One chart per level keeps the number of
conversions per brief at three, and each chart short enough to fit a page whole (the
stylesheet keeps a figure on one page).

Marks are translucent by their fill only, never by `opacity`: Chromium prints each mark with
a group opacity as a transparency group of its own, which made an EU brief's PDF 3.8 MB and
its printing twice as slow. Regions with the same value share one dot as dark as the dots
stacked would be (1 - (1 - 0.55)^n), and the dots carry no ARIA labels (the figure's
description speaks for them): an EU brief draws about a quarter fewer marks.
"""

from __future__ import annotations

import functools
import json
from collections import Counter

import altair as alt
import vl_convert

from clustermon.brief.data import Brief, Position
from clustermon.brief.labels import label
from clustermon.site.charts import DATA, TITLE, USERMETA, VEGA_LITE_VERSION, fill_template

WIDTH = 540  # px of each row's plot; with the row labels within the A4 text width (680 px)
ROW_HEIGHT = 14
SUBJECT, OTHERS, MIDDLE = "subject", "others", "middle"
DESCRIPTION = "@@description@@"  # a token, as the site's TITLE
DOT_OPACITY = 0.55  # of one region's dot
COLOURS = {OTHERS: "#737373", MIDDLE: "#67a9cf", "median": "#2166ac", SUBJECT: "#b2182b"}


@functools.cache
def _template(order: tuple[str, ...]) -> str:
    """The chart's spec without its data and texts, built and validated by Altair once per
    set of rows."""
    x = alt.X(
        field="value",
        type="quantitative",
        title=None,
        # SI prefixes keep labels short (5k, 20M); zero is written "0", not "0M".
        axis=alt.Axis(
            tickCount=4,
            format="~s",
            labelExpr="datum.value === 0 ? '0' : datum.label",
            labelFontSize=9,
            grid=False,
        ),
    )

    def kind(name: str) -> str:
        return f"datum.kind === {json.dumps(name)}"

    others = (
        alt.Chart()
        .mark_circle(size=26, color=COLOURS[OTHERS], opacity=1, aria=False)
        .encode(x=x, fillOpacity=alt.FillOpacity(field="opacity", type="quantitative", scale=None))
        .transform_filter(kind(OTHERS))
    )
    middle = (
        alt.Chart()
        .mark_bar(height=9, color=COLOURS[MIDDLE], opacity=1, fillOpacity=0.5)
        .encode(x=alt.X(field="q1", type="quantitative"), x2=alt.X2(field="q3"))
        .transform_filter(kind(MIDDLE))
    )
    median = (
        alt.Chart()
        .mark_tick(color=COLOURS["median"], thickness=2, size=13, opacity=1, fillOpacity=0.7)
        .encode(x=alt.X(field="median", type="quantitative"))
        .transform_filter(kind(MIDDLE))
    )
    subject = (
        alt.Chart()
        .mark_point(shape="diamond", size=90, filled=True, color=COLOURS[SUBJECT], opacity=1)
        .encode(x=x)
        .transform_filter(kind(SUBJECT))
    )
    chart = (
        alt.layer(others, middle, median, subject)
        .properties(width=WIDTH, height=ROW_HEIGHT)
        .facet(
            row=alt.Row(
                field="indicator",
                type="nominal",
                sort=list(order),
                header=alt.Header(title=None, labelAngle=0, labelAlign="left", labelFontSize=10),
            ),
            data=alt.Data(name=DATA),
            spacing=6,
        )
        .resolve_scale(x="independent")
        .properties(title=TITLE, description=DESCRIPTION, usermeta=USERMETA)
        .configure_view(stroke=None)
    )
    return json.dumps(chart.to_dict())


def _rows(position: Position) -> list[dict]:
    """The anonymous values, the middle half and the region's own value of one indicator."""
    code = position.indicator.code
    rows = [
        {"indicator": code, "kind": OTHERS, "value": value, "opacity": 1 - (1 - DOT_OPACITY) ** n}
        for value, n in Counter(position.values).items()
    ]
    if position.q1 is not None:
        rows.append(
            {
                "indicator": code,
                "kind": MIDDLE,
                "q1": position.q1,
                "median": position.median,
                "q3": position.q3,
            }
        )
    if position.cell is not None and position.cell.value is not None:
        rows.append({"indicator": code, "kind": SUBJECT, "value": position.cell.value})
    return rows


def distribution_charts(brief: Brief) -> list[tuple[str, str]]:
    """(level label, SVG) for each indicator level with a value to draw, in catalogue order."""
    charts = []
    for level in dict.fromkeys(p.indicator.level for p in brief.positions):
        positions = [p for p in brief.positions if p.indicator.level == level and p.values]
        if not positions:
            continue
        level_name = label(f"level_{level}")
        order = tuple(p.indicator.code for p in positions)
        texts = {
            TITLE: label("chart_title", level=level_name, quarter=brief.quarter),
            DESCRIPTION: label("chart_description", level=level_name, region=brief.region),
        }
        spec = fill_template(_template(order), texts, {})
        spec["datasets"] = {DATA: [row for p in positions for row in _rows(p)]}
        svg = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
        charts.append((level_name, svg))
    return charts
