"""The RegionMap tag: a choropleth (Altair `mark_geoshape`) of regions by quartile band.

Geometries are Eurostat's NUTS 2021 regions at 1:60 million (dashboards/reference/geo/, with
their source and licence). Each region is drawn at its own level (FRK at NUTS 1, SE224 at
NUTS 3): codes are unique across levels. The site ships the shapes its maps use once, as
`assets/geometry.js` (a script, so the site works from a file share, where a browser refuses
to fetch a data file); site.js hands them to each map as its named datasets.
"""

from __future__ import annotations

import functools
import html
import json
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from clustermon.home import GEO_REFERENCE, NUTS_REFERENCE
from clustermon.site.charts import (
    DATA,
    DESCRIPTION,
    TITLE,
    UNIT,
    USERMETA,
    figure,
    fill_template,
    json_values,
    param_name,
    selector_params,
)
from clustermon.site.pages import Tag
from clustermon.site.tables import (
    FLAG,
    NO_VALUE,
    SUPPRESSED,
    attribute_list,
    format_value,
    humanise,
    suppressed_flags,
)

if TYPE_CHECKING:
    from clustermon.site.render import RenderContext

GEOMETRY_FILES = tuple(f"nuts2021_rg_60M_level{level}.geojson" for level in (1, 2, 3))
COUNTRIES_FILE = "countries_rg_60M.geojson"
GEOMETRY_ASSET = "geometry.js"
ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
# The bands pages compute in SQL (value against the quartiles of all regions' published
# values), lowest first, and how a map draws them: a colour-blind-safe sequential palette
# (ColorBrewer Blues), suppressed in neutral grey.
BANDS = (
    "below the lower quartile",
    "lower quartile to median",
    "median to upper quartile",
    "above the upper quartile",
)
NO_BAND = "no value"


def quartile_band(value: float | None, q1: float, median: float, q3: float) -> str | None:
    """A value's band among all regions, by the rule the pages apply in SQL (`CASE WHEN value
    < q1 ...`): a quartile itself belongs to the band below it. None for no value."""
    if value is None:
        return None
    if value < q1:
        return BANDS[0]
    if value <= median:
        return BANDS[1]
    return BANDS[2] if value <= q3 else BANDS[3]


BAND_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
SUPPRESSED_COLOUR, NO_BAND_COLOUR = "#bdbdbd", "#ffffff"
BAND = "band"  # the column a map colours by
MAP_HEIGHT = 460


@functools.cache
def nuts_names() -> pd.DataFrame:
    """The NUTS 2021 reference of the dbt seed as the view `nuts_names` of every page's
    connection: `region_code`, `region_name`, `nuts_level` (0-3) and `region`, the code and
    its name ("AT12 Niederösterreich"), which pages show wherever a region appears."""
    frame = pd.read_csv(
        NUTS_REFERENCE, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    ).rename(columns={"NUTS_ID": "region_code", "NAME_LATN": "region_name"})
    frame["region_code"] = frame["region_code"].str.strip()
    frame["nuts_level"] = frame["region_code"].str.len() - 2
    frame["region"] = frame["region_code"] + " " + frame["region_name"]
    return frame


@functools.cache
def region_shapes() -> dict[str, dict]:
    """NUTS code -> its GeoJSON feature (id: the code, properties: its name), levels 1 to 3."""
    shapes = {}
    for name in GEOMETRY_FILES:
        for feature in json.loads((GEO_REFERENCE / name).read_text(encoding="utf-8"))["features"]:
            code = feature["properties"]["id"]
            shapes[code] = {
                "type": "Feature",
                "id": code,
                "properties": {"name": feature["properties"]["na"]},
                "geometry": feature["geometry"],
            }
    return shapes


@functools.cache
def country_shapes() -> dict[str, dict]:
    """Country code (EL, UK: NUTS's) -> its outline, the map's background."""
    features = json.loads((GEO_REFERENCE / COUNTRIES_FILE).read_text(encoding="utf-8"))
    return {f["properties"]["id"]: f for f in features["features"]}


def geometry_script(codes: set[str]) -> str:
    """assets/geometry.js: the shapes of the regions the site's maps show, and the outlines
    of their countries, not the whole of Europe at three levels."""
    regions = [region_shapes()[code] for code in sorted(codes) if code in region_shapes()]
    countries = sorted({code[:2] for code in codes} & set(country_shapes()))
    geometry = {"regions": regions, "countries": [country_shapes()[c] for c in countries]}
    return f"window.clustermonGeometry = {json.dumps(geometry, separators=(',', ':'))};\n"


@functools.cache
def _template(
    region: str, name: str, selectors: tuple[str, ...], value: str, number_format: str | None
) -> str:
    """The map's spec, built with Altair once per shape (see charts._template)."""
    axis_format = {"format": number_format} if number_format else {}
    params, filters = selector_params(selectors)
    # Background only: no tooltip, and out of the accessibility tree.
    countries = alt.Chart(alt.Data(name="countries")).mark_geoshape(
        fill="#f0f0f0", stroke="#9e9e9e", strokeWidth=0.5, aria=False
    )
    # The regions' own transforms: the countries layer has data of its own.
    regions = (
        alt.Chart(alt.Data(name=DATA))
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.8)
        .transform_flatten(list(dict.fromkeys([region, name, *selectors, value, BAND, FLAG])))
    )
    for expression in filters:
        regions = regions.transform_filter(expression)
    regions = regions.transform_lookup(
        lookup=region, from_=alt.LookupData(data=alt.Data(name="regions"), key="id"), as_="geo"
    ).encode(
        shape=alt.Shape(field="geo", type="geojson"),
        color=alt.Color(
            field=BAND,
            type="ordinal",
            scale=alt.Scale(
                domain=[*BANDS, SUPPRESSED, NO_BAND],
                range=[*BAND_COLOURS, SUPPRESSED_COLOUR, NO_BAND_COLOUR],
            ),
            # A stroke, so the white "no value" symbol shows.
            legend=alt.Legend(
                title="Quartile band, not a rank", orient="right", symbolStrokeColor="#767676"
            ),
        ),
        tooltip=[
            alt.Tooltip(field=name, type="nominal", title="Region"),
            alt.Tooltip(field=region, type="nominal", title="Code"),
            alt.Tooltip(field=value, type="quantitative", title=f"Value ({UNIT})", **axis_format),
            alt.Tooltip(field=BAND, type="nominal", title="Quartile band"),
        ],
    )
    chart = alt.layer(countries, regions).properties(
        height=MAP_HEIGHT,
        width="container",
        # Eurostat's own maps use the Lambert azimuthal equal-area projection (EPSG:3035).
        projection=alt.Projection(type="azimuthalEqualArea", rotate=[-10, -52, 0]),
        title=alt.Title(TITLE, subtitle=[f"Unit: {UNIT}", ATTRIBUTION], anchor="start"),
        description=DESCRIPTION,
        usermeta={"clustermon": {**USERMETA["clustermon"], "map": True}},
    )
    if params:
        chart = chart.add_params(*params)
    return json.dumps(chart.to_dict())


def region_map(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    """Regions coloured by their quartile band in the selection; suppressed ones grey, and a
    region without a shape listed under the map."""
    attributes = tag.attributes
    region, value, band = attributes["region"], attributes["value"], attributes["band"]
    name = attributes.get("name", region)
    selectors = tuple(attribute_list(attributes.get("selector")))
    unknown = set(frame[band].dropna()) - set(BANDS)
    if unknown:
        raise context.error(
            tag, f"band value(s) {', '.join(sorted(map(str, unknown)))}; bands: {', '.join(BANDS)}"
        )
    columns = {c: json_values(frame, c) for c in dict.fromkeys([region, name, *selectors, value])}
    flags = [
        flag and shown is None
        for flag, shown in zip(suppressed_flags(frame, value), columns[value], strict=True)
    ]
    columns[BAND] = [
        SUPPRESSED if flag else (NO_BAND if shown is None else shown)
        for flag, shown in zip(flags, json_values(frame, band), strict=True)
    ]
    choices = {param_name(c): sorted(set(columns[c]) - {None}) for c in selectors}
    spec = fill_template(
        _template(region, name, selectors, value, attributes.get("format")),
        {TITLE: attributes["title"], UNIT: attributes["unit"]},
        choices,
    )
    columns[FLAG] = flags  # for the CSV download (site.js)
    spec["datasets"] = {DATA: [columns]}
    context.regions |= set(columns[region]) - {None}
    drawn = figure(
        tag,
        spec,
        columns,
        context,
        marked="Grey marks a region whose value is",
        css="chart map",
        # A region's name holds its code ("AT12 Niederösterreich"): the table shows it once.
        hidden=(region,) if name != region else (),
    )
    first = {c: choices[param_name(c)][-1] for c in selectors if choices[param_name(c)]}
    unmapped = _unmapped(tag, columns, first, context)
    return drawn.replace("</figure>", unmapped + "</figure>") if unmapped else drawn


def _unmapped(
    tag: Tag, columns: dict[str, list], first: dict[str, object], context: RenderContext
) -> str:
    """The regions the geometries lack, never dropped silently: each with its value in the
    map's first selection (every value is in the data table)."""
    region, value = tag.attributes["region"], tag.attributes["value"]
    name = tag.attributes.get("name", region)
    missing = {code for code in columns[region] if code and code not in region_shapes()}
    if not missing:
        return ""
    items = {}
    for index, code in enumerate(columns[region]):
        if code in missing and all(columns[c][index] == v for c, v in first.items()):
            shown = columns[value][index]
            text = (
                columns[BAND][index]
                if shown is None
                else format_value(
                    shown, tag.attributes.get("format"), lambda m: context.error(tag, m)
                )
            )
            items[code] = f"<li>{html.escape(str(columns[name][index]))}: {html.escape(text)}"
    for code in missing - set(items):
        items[code] = f"<li>{html.escape(code)}: {NO_VALUE}"
    where = ", ".join(f"{humanise(c)} {v}" for c, v in first.items())
    return (
        f'<div class="unmapped"><p>Not on the map (no NUTS 2021 shape at this scale), '
        f"{html.escape(where or 'values')}:</p><ul>{''.join(items[c] for c in sorted(items))}"
        f"</ul></div>"
    )
