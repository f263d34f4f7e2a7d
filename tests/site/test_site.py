"""The real pages (dashboards/pages/) built by a real refresh of the skeleton fixture.

Skeleton: one region, AT12, quarters 2024Q4 and 2025Q1. The values below are the hand-worked
ones of tests/test_end_to_end.py (docs/spec/indicators.md applied to the fixture by hand).
"""

from __future__ import annotations

import json
import re

import altair as alt
from site_pages import chart_rows, chart_specs, tables

from conftest import query

# The indicators whose skeleton values tests/test_end_to_end.py works out by hand.
HAND_COMPUTED = {"Indicator code", "OUT01", "OUT02", "RCO01"}


def test_pages_are_built_for_every_region_and_published_indicator(skeleton_home):
    site = skeleton_home.site
    codes = [
        code
        for (code,) in query(
            skeleton_home.published_warehouse,
            "SELECT DISTINCT indicator_code FROM indicator_values ORDER BY 1",
        )
    ]
    assert len(codes) == 27  # every catalogue code but the four impact estimates
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")) == sorted(
        ["impact.html", "index.html", "quality.html", "regions/AT12.html", "briefs/AT12.html"]
        + [f"indicators/{code}.html" for code in codes]
    )


def test_site_is_offline_with_the_vega_bundle_shipped_once(skeleton_home):
    site = skeleton_home.site
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.js")) == [
        "assets/geometry.js",  # the map's shapes, once per site
        "assets/search.js",  # the search box's index
        "assets/site.js",
        "assets/vega-bundle.js",
    ]
    # The search index: every page's title and path.
    assert '["AT12 Niederösterreich", "regions/AT12.html"]' in (
        site / "assets" / "search.js"
    ).read_text(encoding="utf-8")
    assert (site / "assets" / "vega-bundle.js").stat().st_size > 100_000
    for page in site.rglob("*.html"):
        html = page.read_text()
        root = "../" * (len(page.relative_to(site).parts) - 1)
        if page.parent.name != "briefs":  # the briefs need no script (their charts are SVG)
            assert f'<script src="{root}assets/vega-bundle.js" defer></script>' in html, page
        # Nothing is loaded from elsewhere (a spec's "$schema" URL is an identifier only).
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page
    assert "@media print" in (site / "assets" / "site.css").read_text()


def test_region_page_shows_the_hand_computed_values(skeleton_home):
    html = (skeleton_home.site / "regions" / "AT12.html").read_text()
    found = tables(html)
    latest = found["Latest value of each indicator and where it sits among all regions"]
    assert [row[:4] for row in latest if row[0] in HAND_COMPUTED] == [
        ["Indicator code", "Name", "Quarter", "Value"],
        ["OUT01", "Active cluster organisations", "2025Q1", "2"],
        ["OUT02", "Member organisations", "2025Q1", "suppressed"],  # 9, withheld (spec 1.1)
        ["RCO01", "Enterprises supported", "2025Q1", "8"],
    ]
    # Breakdowns: RCO01 by size class, 2025Q1: micro 3, medium (1, primary) and small (4, the
    # smallest cell above the threshold, secondary) suppressed, large and unknown published
    # zeros.
    rco01 = found["RCO01 by breakdown (enterprises)"]
    assert rco01[0] == ["Breakdown", "Quarter", "Value"]
    assert [row for row in rco01 if row[1] == "2025Q1"] == [
        ["size_class: large", "2025Q1", "0"],
        ["size_class: medium", "2025Q1", "suppressed"],
        ["size_class: micro", "2025Q1", "3"],
        ["size_class: small", "2025Q1", "suppressed"],
        ["size_class: unknown", "2025Q1", "0"],
    ]
    titles = [spec["title"]["text"] for spec in chart_specs(html)]
    assert (
        "RCO01 Enterprises supported: AT12 Niederösterreich and the middle half of regions"
        in titles
    )


def test_regions_are_named_beside_their_code(skeleton_home):
    """AT12 is "Niederösterreich" in the NUTS 2021 reference (dbt_project/seeds/nuts2021.csv)."""
    site = skeleton_home.site
    region_page = (site / "regions" / "AT12.html").read_text()
    assert "<title>AT12 Niederösterreich — clustermon</title>" in region_page
    overview = (site / "index.html").read_text()
    assert tables(overview)["Regions and the quarters they cover"] == [
        ["Region", "First quarter", "Latest quarter"],
        ["AT12 Niederösterreich", "2024Q4", "2025Q1"],
    ]
    assert '<a href="regions/AT12.html">AT12 Niederösterreich</a>' in overview
    # Axes and tooltips: the overview's bars are drawn over the named region.
    bars = chart_specs(overview)[1]  # after the map
    assert bars["layer"][0]["encoding"]["x"]["field"] == "region"
    assert {row["region"] for row in chart_rows(bars)} == {"AT12 Niederösterreich"}
    indicator = (site / "indicators" / "OUT01.html").read_text()
    latest = tables(indicator)[
        "Each region's latest value and its quartile band (regions in code order, not ranked)"
    ]
    assert [row[:3] for row in latest] == [
        ["Region", "Quarter", "Value"],
        ["AT12 Niederösterreich", "2025Q1", "2"],
    ]
    [options] = [p["bind"]["options"] for p in chart_specs(indicator)[0]["params"]]
    assert options == ["AT12 Niederösterreich"]


def test_overview_sums_counts_pools_shares_and_suppresses_nothing_it_can_show(skeleton_home):
    found = tables((skeleton_home.site / "index.html").read_text())
    portfolio = found[
        "Every published indicator in the latest quarter: programme figure and the median region"
    ]
    assert portfolio[0][4:6] == ["Programme figure", "Computed as"]
    # One region: the programme figure and the median are AT12's 2025Q1 values; OUT02's (9) is
    # withheld, so its figure is suppressed and its median a dash (\u2013: no value).
    sum_of_regions = "sum of regions: one counted in two regions counts twice"
    assert [row[:6] for row in portfolio[1:] if row[0] in HAND_COMPUTED] == [
        ["OUT01", "Active cluster organisations", "clusters", "1", "2", "sum"],
        ["OUT02", "Member organisations", "organisations", "1", "suppressed", sum_of_regions],
        ["RCO01", "Enterprises supported", "enterprises", "1", "8", sum_of_regions],
    ]
    # A share has no sum: RES01-RES04 pool the regions' projects (OUT03), computed here by hand
    # from the published counts; RES05 divides by the members a year before (OUT02 of 2024Q1),
    # which the skeleton does not publish (its first quarter is 2024Q4): no figure.
    shares = {row[0]: row for row in portfolio[1:] if row[2].startswith("%")}
    assert list(shares) == ["RES01", "RES02", "RES03", "RES04", "RES05"]
    published = dict(
        ((region, code), value)
        for region, code, value in query(
            skeleton_home.published_warehouse,
            "SELECT region_code, indicator_code, value FROM indicator_values "
            "WHERE quarter = '2025Q1' AND breakdown = 'total'",
        )
    )
    regions = {region for region, _ in published}
    projects = sum(published[(r, "OUT03")] for r in regions)
    assert projects > 0
    for code in ("RES01", "RES02", "RES03", "RES04"):
        numerator = sum(
            round((published[(r, code)] or 0) * published[(r, "OUT03")] / 100) for r in regions
        )
        # Tables show a whole number without decimals, others with two.
        pooled = 100 * numerator / projects
        assert shares[code][4] == (f"{pooled:,.0f}" if pooled.is_integer() else f"{pooled:,.2f}")
        # Not a sum of the regions' shares unless there is one region.
        assert len(regions) == 1 or pooled != sum(published[(r, code)] or 0 for r in regions)
        assert shares[code][5].startswith("pooled: all regions' "), code
        assert shares[code][5].endswith("over all regions' projects started (OUT03)"), code
    assert shares["RES05"][4:6] == [
        "\u2013",
        "pooled: all regions' members still members over all regions' members a year before "
        "(OUT02 of 2024Q1)",
    ]


def test_shares_divide_by_the_published_counts_the_overview_pools(skeleton_home):
    """The overview pools RES01-RES04 over OUT03 and RES05 over OUT02 a year earlier: their
    denominators are the same units as those counts (the contributions `explain` lists)."""
    pairs = query(
        skeleton_home.warehouse,
        """
        WITH shares AS (
            SELECT package_id, quarter, indicator_code, count(DISTINCT unit_id) AS units
            FROM intermediate.int_indicator_contributions_expanded
            WHERE role = 'denominator' AND indicator_code LIKE 'RES0%'
            GROUP BY ALL
        )
        SELECT shares.indicator_code, shares.quarter, shares.units, (
            SELECT count(DISTINCT unit_id)
            FROM intermediate.int_indicator_contributions_expanded AS projects
            WHERE projects.indicator_code = 'OUT03' AND projects.breakdown = 'total'
              AND projects.package_id = shares.package_id AND projects.quarter = shares.quarter
        ) AS projects, (
            -- OUT02's units on the day a year before the quarter's last day.
            SELECT count(DISTINCT members.unit_id)
            FROM intermediate.int_members_listed AS members
            JOIN intermediate.int_quarters_enumerated AS quarters
              ON quarters.package_id = members.package_id AND quarters.quarter = shares.quarter
            WHERE members.package_id = shares.package_id AND members.breakdown = 'total'
              AND members.counts_from <= quarters.quarter_end - INTERVAL 1 YEAR
              AND (members.counts_until IS NULL
                   OR members.counts_until > quarters.quarter_end - INTERVAL 1 YEAR)
        ) AS members_a_year_before
        FROM shares ORDER BY ALL
        """,
    )
    assert {code for code, *_ in pairs} == {"RES01", "RES02", "RES03", "RES04", "RES05"}
    for code, quarter, units, projects, members in pairs:
        assert units == (members if code == "RES05" else projects), (code, quarter)
    assert any(members for code, _, _, _, members in pairs if code == "RES05")


def test_every_chart_of_the_real_pages_is_built_by_altair_and_valid_vega_lite(skeleton_home):
    """Altair validates each chart shape's template once per build; each distinct chart shape
    (spec without its data and texts) is validated again here against the Vega-Lite schema,
    and every spec carries the builder's mark."""
    shapes = {}
    for page in skeleton_home.site.rglob("*.html"):
        for spec in chart_specs(page.read_text()):
            builder = spec["usermeta"]["clustermon"]
            assert (builder["builder"], builder["altair"]) == ("altair", alt.__version__)
            assert spec["$schema"] == alt.SCHEMA_URL
            shape = {k: v for k, v in spec.items() if k not in ("datasets", "title", "params")}
            shapes.setdefault(json.dumps(shape, sort_keys=True), spec)
    assert len(shapes) >= 5  # benchmark bands with and without min-max, bars, lines, selectors
    for spec in shapes.values():
        alt.LayerChart.from_dict(spec, validate=True)
