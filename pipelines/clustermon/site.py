"""The dashboard site: static HTML pages with Altair charts, built from the published warehouse.

The site works offline: vega, vega-lite and vega-embed are shipped once as a site asset (from
vl-convert's bundle), never fetched from a CDN. It is built in a new folder and swapped in, so
a half-built site is never served.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import vl_convert

HEADLINE = ("OUT01", "OUT02", "RCO01")
SUPPRESSED_TEXT = "suppressed"


def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed in one script, for the Vega-Lite version Altair writes."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=major_minor)


def _trend_chart(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    data = con.execute(
        """
        SELECT v.region_code, v.quarter, v.value, c.name, c.unit
        FROM indicator_values v JOIN indicator_catalog c USING (indicator_code)
        WHERE v.indicator_code = ? AND v.breakdown = 'total' AND NOT v.suppressed
        ORDER BY v.region_code, v.quarter
        """,
        [code],
    ).df()
    name, unit = data["name"].iloc[0], data["unit"].iloc[0]
    title = f"{code} {name} by quarter ({unit})"
    chart = (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter:O", title="Quarter"),
            y=alt.Y("value:Q", title=unit),
            color=alt.Color("region_code:N", title="Region"),
            tooltip=["region_code", "quarter", "value"],
        )
        .properties(width=720, height=320)
    )
    # Inside <script>, "</" would end the element early.
    spec = json.dumps(chart.to_dict()).replace("</", "<\\/")
    return {"id": f"chart-{code.lower()}", "title": title, "spec": spec}


def _latest_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        """
        SELECT region_code, quarter, indicator_code, value, suppressed
        FROM indicator_values
        WHERE breakdown = 'total' AND indicator_code IN (SELECT unnest(?))
        QUALIFY quarter = max(quarter) OVER (PARTITION BY region_code)
        ORDER BY region_code
        """,
        [list(HEADLINE)],
    ).fetchall()
    latest: dict[str, dict] = {}
    for region, quarter, code, value, suppressed in rows:
        latest.setdefault(region, {"region_code": region, "quarter": quarter})
        latest[region][code] = SUPPRESSED_TEXT if suppressed else f"{value:,.0f}"
    return list(latest.values())


def build_site(published_warehouse: Path, site: Path) -> int:
    """Build the site from the published file (opened read-only); returns the number of pages."""
    templates = resources.files("clustermon") / "templates"
    environment = jinja2.Environment(autoescape=jinja2.select_autoescape(["html"]))
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        headline = con.execute(
            "SELECT indicator_code, name, unit FROM indicator_catalog "
            "WHERE indicator_code IN (SELECT unnest(?)) ORDER BY catalog_order",
            [list(HEADLINE)],
        ).fetchall()
        page = environment.from_string((templates / "index.html").read_text()).render(
            published_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            headline=headline,
            latest=_latest_rows(con),
            charts=[_trend_chart(con, code) for code, _, _ in headline],
        )
    building = site.with_name(f".{site.name}.{uuid.uuid4().hex}")
    try:
        (building / "assets").mkdir(parents=True)
        (building / "assets" / "vega-bundle.js").write_text(_vega_bundle())
        (building / "assets" / "site.css").write_text((templates / "site.css").read_text())
        (building / "index.html").write_text(page)
        _swap_in(building, site)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return 1


def _swap_in(building: Path, site: Path) -> None:
    """Replace the site folder by the freshly built one with two renames."""
    retired = site.with_name(f".{site.name}.retired.{uuid.uuid4().hex}")
    if site.exists():
        site.rename(retired)
    building.rename(site)
    shutil.rmtree(retired, ignore_errors=True)
