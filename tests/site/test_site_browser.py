"""The demo site in a real browser: Debian's chromium, headless, driven by Playwright.

Every page is opened from a local HTTP server; the test asserts no console errors, no failed
or outside requests, every chart drawn (an SVG with marks) from a spec Altair built, no
serious or critical axe-core violation, and that the quarter and region selectors change what
a chart (and the map) shows, to the values the published warehouse holds; a chart's CSV, the
search box and deep links. Screenshots are saved under the test's temporary folder.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import altair as alt
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from clustermon.brief.pdf import CHROMIUM_FLAGS as BRIEF_CHROMIUM_FLAGS
from clustermon.home import NUTS_REFERENCE, Paths
from clustermon.site.serve import site_server
from conftest import query

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = list(BRIEF_CHROMIUM_FLAGS)  # the flags the briefs' PDFs are printed with
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
        # Requests in flight: a page is done with the network when none is left.
        self.in_flight = 0
        self.page.on("request", lambda _: self._count(+1))
        self.page.on("requestfinished", lambda _: self._count(-1))
        self.page.on("requestfailed", lambda _: self._count(-1))
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

    def _count(self, change: int) -> None:
        self.in_flight += change

    def open(self, url: str) -> int:
        """Open a page and wait until every chart is drawn and no request is in flight;
        returns the number of charts. (Playwright's `networkidle` waits for 0.5 s without a
        request, 26 s over the site's pages.)"""
        self.page.goto(url, wait_until="load")
        charts = self.page.locator("script.vega-spec").count()
        self.page.wait_for_function(
            "n => document.querySelectorAll('.vis svg.marks').length === n", arg=charts
        )
        self.settle()
        return charts

    def settle(self) -> list[str]:
        """The problems seen, once every request made so far has ended (one that has not
        after 5 s is a problem too)."""
        for _ in range(100):
            if self.in_flight == 0:
                return self.problems
            self.page.wait_for_timeout(50)  # Playwright delivers the page's events meanwhile
        self.problems.append(f"{self.in_flight} request(s) unanswered after 5 s: {self.page.url}")
        return self.problems


def settled(page: Page, read: Callable[[], object], expected: object) -> object:
    """What `read` returns once it equals `expected`, or after 5 s (vega redraws async)."""
    for _ in range(50):
        value = read()
        if value == expected:
            return value
        page.wait_for_timeout(100)
    return read()


def _site_pages(site: Path) -> list[str]:
    """The dashboard pages (the briefs beside them have tests of their own, tests/brief/)."""
    return sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.parent.name != "briefs"
    )


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
        # WCAG 2.1 AA by axe-core (contrast, names, keyboard access, ARIA).
        found = Axe().run(watched.page).response["violations"]
        grave = [
            (v["id"], v["nodes"][0]["html"][:120])
            for v in found
            if v["impact"] in ("serious", "critical")
        ]
        assert grave == [], name
        for index in range(charts):
            chart = watched.page.locator(".vis").nth(index)
            assert chart.locator(MARK_ITEMS).count() > 0, f"{name}: chart {index + 1} is empty"
            # Export for reports: vega-embed's menu offers SVG and PNG for every chart.
            actions = chart.locator(".vega-actions a").all_text_contents()
            assert {"Save as SVG", "Save as PNG"} <= set(actions), f"{name}: {actions}"
        # JPEG: a third faster to encode than PNG, for pictures only a person looks at.
        shot = tmp_path / "screenshots" / f"{name.replace('/', '_')}.jpg"
        watched.page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=80)
    assert watched.settle() == [], watched.problems
    assert len(list((tmp_path / "screenshots").glob("*.jpg"))) == len(pages)
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

    # The overview's first chart after the map: OUT01 by region, on the latest quarter first.
    select = watched.page.locator(".vis").nth(1).locator("select")
    assert select.input_value() == quarters[-1]
    assert _bars(watched.page, 1, "clusters") == published(quarters[-1])
    # The first quarter: CZ08 starts in 2022Q3, so it has no bar then.
    select.select_option(quarters[0])
    shown = settled(
        watched.page, lambda: _bars(watched.page, 1, "clusters"), published(quarters[0])
    )
    assert shown == published(quarters[0])
    assert "CZ08" not in published(quarters[0]) and "CZ08" in published(quarters[-1])
    watched.page.screenshot(path=str(tmp_path / "overview-first-quarter.png"), full_page=True)
    assert watched.settle() == [], watched.problems


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
    assert watched.settle() == [], watched.problems


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


def _names() -> dict[str, str]:
    """NUTS code -> "code name", read from the seed independently of the site's code."""
    with NUTS_REFERENCE.open(encoding="utf-8-sig", newline="") as seed:
        return {
            row["NUTS_ID"]: f"{row['NUTS_ID']} {row['NAME_LATN']}"
            for row in csv.DictReader(seed, delimiter=";")
        }


def _published(demo: Paths, indicator: str) -> dict[str, dict[str, tuple[float | None, bool]]]:
    """quarter -> region code -> (value, suppressed) of an indicator's totals."""
    rows = query(
        demo.published_warehouse,
        "SELECT quarter, region_code, value, suppressed FROM indicator_values "
        "WHERE indicator_code = ? AND breakdown = 'total'",
        [indicator],
    )
    found: dict[str, dict] = {}
    for quarter, region, value, suppressed in rows:
        found.setdefault(quarter, {})[region] = (value, suppressed)
    return found


# The map's palette (maps.py), lowest band first, and suppressed grey.
BAND_FILLS = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"]


def _expected_fills(values: dict[str, tuple[float | None, bool]]) -> dict[str, str]:
    """Each region's fill by hand: its band against the quartiles (linear interpolation, as
    DuckDB's quantile_cont) of the quarter's published values."""
    published = sorted(v for v, _ in values.values() if v is not None)
    q1, median, q3 = statistics.quantiles(published, n=4, method="inclusive")
    fills = {}
    for region, (value, suppressed) in values.items():
        if value is None:
            fills[region] = "#bdbdbd" if suppressed else "#ffffff"
        else:
            band = 0 if value < q1 else 1 if value <= median else 2 if value <= q3 else 3
            fills[region] = BAND_FILLS[band]
    return fills


def _map_fills(page: Page) -> dict[str, str]:
    """Region code -> fill of the map's shapes, read from their ARIA labels."""
    shapes = page.locator("figure.map .vis path[aria-label*='Code: ']").evaluate_all(
        "items => items.map(i => [i.getAttribute('aria-label'), i.getAttribute('fill')])"
    )
    return {re.search(r"Code: (\w+)", label).group(1): fill for label, fill in shapes}


def test_map_draws_each_region_by_band_and_the_quarter_changes_it(
    demo, base_url, browser, tmp_path
):
    watched = Watched(browser, base_url)
    watched.open(base_url + "indicators/OUT01.html")
    published = _published(demo, "OUT01")
    quarters = sorted(published)
    latest = _expected_fills(published[quarters[-1]])
    # Every region of the programme has a shape in the demo (FRK at NUTS 1, SE224 at NUTS 3).
    assert len(latest) == 17 and {"FRK", "SE224", "UKN0"} <= set(latest)
    assert settled(watched.page, lambda: _map_fills(watched.page), latest) == latest
    assert len(set(latest.values())) > 1  # more than one band
    watched.page.locator("figure.map").screenshot(path=str(tmp_path / "map-latest.png"))
    watched.page.locator("figure.map select").select_option(quarters[0])
    first = _expected_fills(published[quarters[0]])
    assert "CZ08" not in first and first != {r: latest[r] for r in first}
    assert settled(watched.page, lambda: _map_fills(watched.page), first) == first
    assert "quarter=" + quarters[0] in watched.page.url  # the selection is in the URL
    watched.page.screenshot(path=str(tmp_path / "indicator-OUT01.png"), full_page=True)
    assert watched.settle() == [], watched.problems


def test_a_charts_csv_holds_its_published_values(demo, base_url, browser):
    watched = Watched(browser, base_url)
    # RCR04: the demo indicator with the most suppressed regional totals.
    watched.open(base_url + "indicators/RCR04.html")
    with watched.page.expect_download() as download:
        watched.page.locator("a.csv").first.click()
    name = download.value.suggested_filename
    # The chart's title as a file name, cut at 80 characters.
    assert name.startswith("rcr04-smes-") and name.endswith(".csv") and len(name) <= 84
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    names = _names()
    expected = {
        (quarter, names[region], "" if value is None else f"{value:g}", str(suppressed).lower())
        for quarter, regions in _published(demo, "RCR04").items()
        for region, (value, suppressed) in regions.items()
    }
    assert any(flag == "true" for *_, flag in expected)  # suppressed cells are in it, empty
    assert {(r["quarter"], r["region"], r["value"], r["suppressed"]) for r in rows} == expected
    assert len(rows) == len(expected)


def test_search_finds_a_region_by_name_by_keyboard(demo, base_url, browser):
    watched = Watched(browser, base_url)
    watched.open(base_url + "quality.html")
    watched.page.focus("#site-search")
    watched.page.keyboard.type("Niederösterreich")
    results = watched.page.locator("#site-search-results a")
    assert results.all_text_contents() == ["AT12 Niederösterreich"]
    watched.page.keyboard.press("Tab")
    watched.page.keyboard.press("Enter")
    watched.page.wait_for_url(base_url + "regions/AT12.html")
    assert watched.page.title() == "AT12 Niederösterreich — clustermon"
    # Accents and case aside, by code too; indicators by name.
    watched.page.fill("#site-search", "niederosterreich")
    assert results.all_text_contents() == ["AT12 Niederösterreich"]
    watched.page.fill("#site-search", "member organisations")
    assert "OUT02 Member organisations" in results.all_text_contents()
    assert watched.settle() == [], watched.problems


def test_a_deep_link_opens_the_given_quarter_and_region(demo, base_url, browser, tmp_path):
    quarters = sorted(_published(demo, "OUT01"))
    watched = Watched(browser, base_url)
    watched.open(base_url + f"regions/BE2.html#quarter={quarters[1]}")
    selects = watched.page.locator(".vis select")
    assert selects.count() > 0
    assert {s.input_value() for s in selects.all()} == {quarters[1]}
    watched.page.screenshot(path=str(tmp_path / "region-BE2.png"), full_page=True)
    watched.open(base_url + "indicators/OUT02.html#region=BE2+Vlaams+Gewest&quarter=" + quarters[2])
    assert watched.page.locator(".vis").first.locator("select").input_value() == "BE2 Vlaams Gewest"
    assert watched.page.locator("figure.map select").input_value() == quarters[2]
    assert watched.settle() == [], watched.problems


def test_footer_links_open_and_the_validation_report_fits_the_page(demo, base_url, browser):
    watched = Watched(browser, base_url)
    watched.page.set_viewport_size({"width": 1300, "height": 900})
    watched.open(base_url + "regions/AT12.html")
    hrefs = watched.page.locator("footer a").evaluate_all("links => links.map(a => a.href)")
    assert [h.removeprefix(base_url) for h in hrefs] == [
        "current/validation_report.html",
        "reports/latest.html",
        "dbt-docs/index.html",
    ]
    for href in hrefs[:2]:  # the reports: no table cut at the right edge
        watched.page.goto(href, wait_until="load")
        assert watched.page.evaluate("document.documentElement.scrollWidth") <= 1300, href
    assert watched.settle() == [], watched.problems
    # dbt's own docs page: served (its scripts' requests are dbt's business).
    assert watched.page.request.get(hrefs[2]).status == 200


def test_a_quarter_with_nothing_to_draw_says_so(demo, base_url, browser, tmp_path):
    """The demo's suppressed cells end in 2024Q3: from 2024Q4 every region has none."""
    watched = Watched(browser, base_url)
    watched.open(base_url + "quality.html")
    chart = watched.page.locator(
        "figure[aria-label='Suppressed cells by region in the selected quarter']"
    )
    words = "Nothing to draw: every value here is zero or missing"
    by_quarter = dict(
        query(
            demo.published_warehouse,
            "SELECT quarter, count(*) FILTER (suppressed) FROM indicator_values GROUP BY 1",
        )
    )
    quarters = sorted(by_quarter)
    assert by_quarter[quarters[-1]] == 0 and by_quarter[quarters[0]] > 0
    assert chart.locator("select").input_value() == quarters[-1]
    assert settled(watched.page, lambda: chart.locator(f"text:has-text('{words}')").count(), 1)
    chart.screenshot(path=str(tmp_path / "nothing-to-draw.png"))
    chart.locator("select").select_option(quarters[0])
    assert settled(watched.page, lambda: chart.locator(f"text:has-text('{words}')").count(), 0) == 0
    assert watched.settle() == [], watched.problems
