"""The demo site in a real browser: Debian's chromium, headless, driven by Playwright.

Every page is opened from a local HTTP server; the test asserts no console errors, no failed
or outside requests, every chart drawn (an SVG with marks), and that the quarter and region
selectors change what a chart shows, to the values the published warehouse holds.
Screenshots are saved under the test's temporary folder.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import altair as alt
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from clustermon.home import Paths
from clustermon.site.serve import site_server
from conftest import query

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Items of a drawn mark (axes and legends are role-axis/role-legend, not role-mark).
MARK_ITEMS = "svg.marks g.role-mark > *"


@pytest.fixture(scope="module")
def demo(demo_home: Paths) -> Paths:
    """The shared demo, refreshed for real (conftest.demo_home)."""
    return demo_home


@pytest.fixture(scope="module")
def base_url(demo: Paths) -> Iterator[str]:
    server = site_server(demo.site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright gives the browser a fresh, temporary profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Watched:
    """A browser page that records console errors, failed and outside requests."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url}"))
        self.page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
            ),
        )
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(base_url)
                else self.problems.append(f"request outside the site: {r.url}")
            ),
        )

    def open(self, url: str) -> int:
        """Open a page and wait until every chart is drawn; returns the number of charts."""
        self.page.goto(url, wait_until="networkidle")
        charts = self.page.locator("script.vega-spec").count()
        self.page.wait_for_function(
            "n => document.querySelectorAll('.vis svg.marks').length === n", arg=charts
        )
        return charts


def settled(page: Page, read: Callable[[], object], expected: object) -> object:
    """What `read` returns once it equals `expected`, or after 5 s (vega redraws async)."""
    for _ in range(50):
        value = read()
        if value == expected:
            return value
        page.wait_for_timeout(100)
    return read()


def _site_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_every_page_opens_cleanly_with_every_chart_drawn(demo, base_url, browser, tmp_path):
    pages = _site_pages(demo.site)
    regions = [
        r
        for (r,) in query(
            demo.published_warehouse, "SELECT DISTINCT region_code FROM indicator_values ORDER BY 1"
        )
    ]
    indicators = [
        c
        for (c,) in query(
            demo.published_warehouse,
            "SELECT DISTINCT indicator_code FROM indicator_values ORDER BY 1",
        )
    ]
    assert pages == sorted(
        ["index.html", "quality.html", "impact.html"]
        + [f"regions/{r}.html" for r in regions]
        + [f"indicators/{c}.html" for c in indicators]
    )
    watched = Watched(browser, base_url)
    shapes: dict[str, dict] = {}
    for name in pages:
        charts = watched.open(base_url + name)
        assert charts > 0, f"{name} has no chart"
        # Every spec the page embeds was built by Altair (the builder's mark) and is valid
        # Vega-Lite (each distinct shape, without its data and texts, validated once).
        specs = watched.page.evaluate(
            "() => [...document.querySelectorAll('script.vega-spec')]"
            ".map(s => JSON.parse(s.textContent))"
        )
        for spec in specs:
            assert spec["usermeta"]["clustermon"]["builder"] == "altair", name
            shape = {k: v for k, v in spec.items() if k not in ("datasets", "title", "params")}
            shapes.setdefault(json.dumps(shape, sort_keys=True), spec)
        for index in range(charts):
            chart = watched.page.locator(".vis").nth(index)
            assert chart.locator(MARK_ITEMS).count() > 0, f"{name}: chart {index + 1} is empty"
            # Export for reports: vega-embed's menu offers SVG and PNG for every chart.
            actions = chart.locator(".vega-actions a").all_text_contents()
            assert {"Save as SVG", "Save as PNG"} <= set(actions), f"{name}: {actions}"
        shot = tmp_path / "screenshots" / f"{name.replace('/', '_')}.png"
        watched.page.screenshot(path=str(shot), full_page=True)
    assert watched.problems == [], watched.problems
    assert len(list((tmp_path / "screenshots").glob("*.png"))) == len(pages)
    for spec in shapes.values():
        alt.LayerChart.from_dict(spec, validate=True)


def aria_value(label: str, unit: str) -> float:
    """The y value in a mark's ARIA label, e.g. "...; Value (clusters): 1,234"."""
    return float(re.search(rf"Value \({unit}\): ([\d.,]+)", label).group(1).replace(",", ""))


def _bars(page: Page, chart: int, unit: str) -> dict[str, float]:
    """Region -> value of the bars of a chart, read from the marks' ARIA labels."""
    labels = page.locator(".vis").nth(chart).locator("g.mark-rect.role-mark path")
    bars = {}
    for label in labels.evaluate_all("items => items.map(i => i.getAttribute('aria-label'))"):
        region = re.search(r"Region: (\w+) ", label).group(1)  # "AT12 Niederösterreich"
        bars[region] = aria_value(label, unit)
    return bars


def test_quarter_selector_changes_the_chart(demo, base_url, browser, tmp_path):
    watched = Watched(browser, base_url)
    watched.open(base_url + "index.html")
    quarters = [
        q
        for (q,) in query(
            demo.published_warehouse, "SELECT DISTINCT quarter FROM indicator_values ORDER BY 1"
        )
    ]

    def published(quarter: str) -> dict[str, float]:
        return dict(
            query(
                demo.published_warehouse,
                "SELECT region_code, value FROM indicator_values WHERE indicator_code = 'OUT01' "
                "AND breakdown = 'total' AND quarter = ?",
                [quarter],
            )
        )

    # The first chart of the overview: OUT01 by region, showing the latest quarter at first.
    select = watched.page.locator(".vis").first.locator("select")
    assert select.input_value() == quarters[-1]
    assert _bars(watched.page, 0, "clusters") == published(quarters[-1])
    # The first quarter: CZ08 starts in 2022Q3, so it has no bar then.
    select.select_option(quarters[0])
    shown = settled(
        watched.page, lambda: _bars(watched.page, 0, "clusters"), published(quarters[0])
    )
    assert shown == published(quarters[0])
    assert "CZ08" not in published(quarters[0]) and "CZ08" in published(quarters[-1])
    watched.page.screenshot(path=str(tmp_path / "overview-first-quarter.png"), full_page=True)
    assert watched.problems == [], watched.problems


def test_region_selector_moves_the_highlighted_line(demo, base_url, browser):
    watched = Watched(browser, base_url)
    watched.open(base_url + "indicators/OUT02.html")
    chart = watched.page.locator(".vis").first

    def line_points() -> list[float]:
        labels = chart.locator("g.mark-symbol.role-mark path").evaluate_all(
            "items => items.map(i => i.getAttribute('aria-label'))"
        )
        return [aria_value(label, "organisations") for label in labels]

    for region, name in (("AT12", "Niederösterreich"), ("BE2", "Vlaams Gewest")):
        chart.locator("select").select_option(f"{region} {name}")
        expected = query(
            demo.published_warehouse,
            "SELECT value FROM indicator_values WHERE indicator_code = 'OUT02' "
            "AND breakdown = 'total' AND region_code = ? ORDER BY quarter",
            [region],
        )
        values = [v for (v,) in expected]
        assert settled(watched.page, line_points, values) == values
    assert watched.problems == [], watched.problems


def test_print_stylesheet_hides_controls_and_queries(demo, base_url, browser):
    watched = Watched(browser, base_url)
    watched.open(base_url + "index.html")
    watched.page.emulate_media(media="print")
    hidden = watched.page.evaluate(
        "sel => [...document.querySelectorAll(sel)].map(e => getComputedStyle(e).display)",
        ".vega-actions, details.query, details.chart-data, .site-header nav",
    )
    assert hidden and set(hidden) == {"none"}
    assert watched.page.locator(".vis svg.marks").first.is_visible()
