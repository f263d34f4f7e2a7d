"""The brief's distribution charts: per indicator a strip drawn with Altair, which every brief
of its quarter shares, with the brief's own region laid over it as a red diamond.

A strip shows all regions' published values of one indicator in one quarter as grey dots, the
middle half as a box and the median as a line, on the indicator's own scale and axis. The
quartiles drawn are the published ones (the benchmark mart's), the same that decide the bands,
not Vega-Lite's own. The data carry no region codes and the dots are in the order of their
values, so no strip can name a region.

A process renders each strip once (vl-convert, SVG; `strip_svg` keeps it for the next brief
of the quarter) and a brief holds its rows' SVG inline, so it needs no script and Chromium
prints it as vector graphics. (As images beside the briefs, the strips made Chromium's memory
grow by 35 MB with every brief it printed.) The diamond is placed over a strip by CSS, in
percent of the strip's size: the strip's domain is set here (the extent of its values, not
rounded to nice numbers) and its padding is fixed, so a value's place is
`(value - low) / (high - low)` of the plot's width, the arithmetic of Vega's linear scale.
Before, each brief drew its own 27 rows of 240 dots, 0.23 s of its 0.7 s at EU scale.

Marks are translucent by their fill only, never by `opacity`: Chromium prints each mark with a
group opacity as a transparency group of its own (an EU brief's PDF was 3.8 MB of them).
Regions with the same value share one dot as dark as the dots stacked would be
(1 - (1 - 0.55)^n); the marks carry no ARIA labels (the row's label speaks for them), and the
dots are written shorter than Vega writes them (`_short_dot`).
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass

import altair as alt
import vl_convert
from markupsafe import Markup

from clustermon.brief.data import Brief, Position
from clustermon.brief.labels import label
from clustermon.site.charts import DATA, USERMETA, VEGA_LITE_VERSION

WIDTH, ROW_HEIGHT = 540, 14  # px of a strip's plot
# Room for the dots and the diamond at the ends and for the axis below; with the row's code
# the strip stays within the A4 text width (680 px).
PAD_LEFT = PAD_RIGHT = 14
PAD_TOP, PAD_BOTTOM = 2, 18
STRIP_WIDTH = PAD_LEFT + WIDTH + PAD_RIGHT
STRIP_HEIGHT = PAD_TOP + ROW_HEIGHT + PAD_BOTTOM
DOT_OPACITY = 0.55  # of one region's dot
OTHERS, MIDDLE = "others", "middle"
COLOURS = {OTHERS: "#737373", MIDDLE: "#67a9cf", "median": "#2166ac"}
LOW, HIGH = "@@low@@", "@@high@@"  # tokens of the domain in the template
# A dot as Vega writes it: a path of two arcs, moved by a transform with 14 decimals, with the
# default stroke width and opacity, 170 bytes.
DOT_PATH = "M2.55,0A2.55,2.55,0,1,1,-2.55,0A2.55,2.55,0,1,1,2.55,0"
VEGA_DOT = re.compile(
    r'<path transform="translate\(([-\d.e]+),([-\d.e]+)\)" '
    rf'd="{re.escape(DOT_PATH)}" '
    r'fill="(#[0-9a-f]{6})" fill-opacity="([-\d.e]+)" stroke-width="2" opacity="1"/>'
)


@dataclass(frozen=True)
class StripRow:
    """One indicator's row of a brief's chart."""

    code: str
    svg: Markup  # the strip
    aria_label: str
    subject: tuple[float, float] | None  # the diamond's centre (left, top), percent of the strip


@dataclass(frozen=True)
class Chart:
    """The rows of one indicator level."""

    title: str
    aria_label: str
    rows: tuple[StripRow, ...]


def domain(values: tuple[float, ...], q1: float | None, q3: float | None) -> tuple[float, float]:
    """A strip's scale: the extent of the values and quartiles, widened when they are one."""
    drawn = [*values, *(q for q in (q1, q3) if q is not None)]
    low, high = min(drawn), max(drawn)
    if low == high:
        half = abs(low) / 2 or 1.0
        low, high = low - half, high + half
    return low, high


def subject_place(position: Position) -> tuple[float, float] | None:
    """Where the region's diamond goes over the strip, in percent of its width and height
    (None: no value to draw, or a value off the strip, which its own value cannot be: no
    diamond rather than one pinned to an end)."""
    if position.cell is None or position.cell.value is None or not position.values:
        return None
    low, high = domain(position.values, position.q1, position.q3)
    share = (position.cell.value - low) / (high - low)
    if not 0.0 <= share <= 1.0:
        return None
    left = (PAD_LEFT + share * WIDTH) / STRIP_WIDTH * 100
    top = (PAD_TOP + ROW_HEIGHT / 2) / STRIP_HEIGHT * 100
    return round(left, 4), round(top, 4)


@functools.cache
def _template() -> str:
    """A strip's spec without its data and domain, built and validated by Altair once."""
    scale = alt.Scale(domain=[LOW, HIGH], nice=False, zero=False)
    x = alt.X(
        field="value",
        type="quantitative",
        title=None,
        scale=scale,
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
        .mark_bar(height=9, color=COLOURS[MIDDLE], opacity=1, fillOpacity=0.5, aria=False)
        .encode(x=alt.X(field="q1", type="quantitative", scale=scale), x2=alt.X2(field="q3"))
        .transform_filter(kind(MIDDLE))
    )
    median = (
        alt.Chart()
        .mark_tick(
            color=COLOURS["median"], thickness=2, size=13, opacity=1, fillOpacity=0.7, aria=False
        )
        .encode(x=alt.X(field="median", type="quantitative", scale=scale))
        .transform_filter(kind(MIDDLE))
    )
    chart = (
        alt.layer(others, middle, median, data=alt.Data(name=DATA))
        .properties(
            width=WIDTH,
            height=ROW_HEIGHT,
            autosize=alt.AutoSizeParams(type="none"),
            padding={"left": PAD_LEFT, "right": PAD_RIGHT, "top": PAD_TOP, "bottom": PAD_BOTTOM},
            usermeta=USERMETA,
        )
        .configure_view(stroke=None)
    )
    return json.dumps(chart.to_dict())


@functools.lru_cache(maxsize=512)  # a build's quarters times the catalogue's indicators
def strip_svg(
    values: tuple[float, ...], q1: float | None, median: float | None, q3: float | None
) -> str:
    """The strip of one distribution (all regions' values and their quartiles): the anonymous
    values, one dot per distinct value in the order of the values (the published tables list
    them by region code, which the order of the dots in the SVG would give away), and the
    middle half."""
    low, high = domain(values, q1, q3)
    template = _template().replace(f'"{LOW}"', json.dumps(low))
    spec = json.loads(template.replace(f'"{HIGH}"', json.dumps(high)))
    rows: list[dict] = [
        {"kind": OTHERS, "value": value, "opacity": 1 - (1 - DOT_OPACITY) ** n}
        for value, n in sorted(Counter(values).items())
    ]
    if q1 is not None:
        rows.append({"kind": MIDDLE, "q1": q1, "median": median, "q3": q3})
    spec["datasets"] = {DATA: rows}
    return VEGA_DOT.sub(_short_dot, vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION))


def _short_dot(dot: re.Match) -> str:
    """The same dot, placed to a hundredth of a pixel and without the defaults, about 135 bytes: an
    EU brief's HTML is a fifth smaller (970 -> 783 kB). It stays a path moved by a transform:
    as circles, or paths placed by their own coordinates, Chromium printed each dot on its own
    (PDF 0.16 -> 1.3 MB, printing 0.33 -> 0.51 s). A Vega that writes dots otherwise leaves
    them as they are."""
    x, y, fill, opacity = dot.groups()
    return (
        f'<path transform="translate({float(x):.2f},{float(y):.2f})" '
        f'd="{DOT_PATH}" fill="{fill}" '
        f'fill-opacity="{float(opacity):.4g}"/>'
    )


def distribution_charts(brief: Brief) -> list[Chart]:
    """One chart per indicator level with a value to draw, in catalogue order."""
    charts = []
    for level in dict.fromkeys(p.indicator.level for p in brief.positions):
        positions = [p for p in brief.positions if p.indicator.level == level and p.values]
        if not positions:
            continue
        level_name = label(f"level_{level}")
        rows = tuple(
            StripRow(
                p.indicator.code,
                Markup(strip_svg(p.values, p.q1, p.median, p.q3)),
                label("strip_label", code=p.indicator.code, quarter=brief.quarter, n=len(p.values)),
                subject_place(p),
            )
            for p in positions
        )
        charts.append(
            Chart(
                label("chart_title", level=level_name, quarter=brief.quarter),
                label("chart_label", level=level_name, region=brief.region),
                rows,
            )
        )
    return charts
