"""The page engine: SQL blocks, tags, templated pages, build errors, suppression display.

Pages are written into a temporary folder and built against a small DuckDB file made here,
opened read-only by the build as the published warehouse is. Expected values come from the
rows inserted below, worked out by hand.
"""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import altair as alt
import duckdb
import pytest
from site_pages import chart_rows, chart_specs, tables

from clustermon.frontends.cli import main
from clustermon.site import DashboardError, build_site
from clustermon.site.build import BODY_END, BODY_START, PAGE_KEYS_FILE
from clustermon.site.pages import extract_tags, parse_page
from clustermon.site.serve import site_server

# region, quarter, indicator, breakdown, value, suppressed
ROWS = [
    ("AT12", "2025Q1", "RCO01", "total", 8.0, False),
    ("AT12", "2025Q2", "RCO01", "total", None, True),
    ("AT12", "2025Q2", "RCO01", "size_class=micro", 0.0, False),
    ("BE2", "2025Q1", "RCO01", "total", 5.0, False),
    ("BE2", "2025Q2", "RCO01", "total", 7.0, False),
]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "monitoring.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE indicator_values (region_code VARCHAR, quarter VARCHAR, "
            "indicator_code VARCHAR, breakdown VARCHAR, value DOUBLE, suppressed BOOLEAN)"
        )
        con.executemany("INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    return path


def write_pages(root: Path, pages: dict[str, str]) -> Path:
    for name, text in pages.items():
        (root / "pages" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "pages" / name).write_text(text, encoding="utf-8")
    return root / "pages"


def build(tmp_path: Path, warehouse: Path, pages: dict[str, str]) -> Path:
    site = tmp_path / "site"
    build_site(warehouse, site, write_pages(tmp_path, pages))
    return site


# --- parsing ------------------------------------------------------------------------------


def test_sql_blocks_are_named_and_ordered_and_front_matter_read() -> None:
    text = (
        "---\ntitle: Trend\norder: 3\n---\n\n# Heading\n\n"
        "```sql trend\nSELECT 1 AS x\n```\n\n```python\nprint(1)\n```\n\n"
        "~~~sql latest\nSELECT 2 AS y\n~~~\n"
    )
    page = parse_page("trend.md", text)
    assert page.meta == {"title": "Trend", "order": 3}
    assert [(b.name, b.sql, b.line) for b in page.sql_blocks] == [
        ("trend", "SELECT 1 AS x\n", 8),  # lines of the file, front matter included
        ("latest", "SELECT 2 AS y\n", 16),
    ]
    assert page.template_param is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("```sql\nSELECT 1\n```\n", r"page p\.md: the sql block at line 1 needs one name"),
        ("```sql two words\nSELECT 1\n```\n", r"the sql block at line 1 needs one name"),
        ("```sql 1st\nSELECT 1\n```\n", r"the sql block at line 1 needs one name"),
        (
            "```sql a\nSELECT 1\n```\n\n```sql a\nSELECT 2\n```\n",
            r"page p\.md, block 'a': two sql blocks have this name",
        ),
        ("---\n[unclosed\n---\nx\n", r"page p\.md: front matter is not valid YAML"),
    ],
)
def test_malformed_pages_are_refused(body: str, message: str) -> None:
    with pytest.raises(DashboardError, match=message):
        parse_page("p.md", body)


def test_templated_page_needs_its_pages_query() -> None:
    with pytest.raises(DashboardError, match=r"returning a column `region`"):
        parse_page("regions/[region].md", "# {{ params.region }}\n")
    assert parse_page("regions/[region].md", "---\npages: SELECT 1\n---\n").template_param == (
        "region"
    )


def test_tags_span_lines_take_quoted_braced_and_flag_attributes_and_skip_code() -> None:
    text = (
        "Intro\n\n"
        '<LineChart data=trend x={quarter} y="value"\n'
        "   title='Enterprises supported' required />\n\n"
        "```markdown\n<BarChart data=inside_a_fence />\n```\n\n"
        "<BigValue data=latest value=value title=Latest />\n"
    )
    body, tags = extract_tags("p.md", text)
    assert [(t.component, t.attributes, t.line) for t in tags] == [
        (
            "LineChart",
            {
                "data": "trend",
                "x": "quarter",
                "y": "value",
                "title": "Enterprises supported",
                "required": "true",
            },
            3,
        ),
        ("BigValue", {"data": "latest", "value": "value", "title": "Latest"}, 10),
    ]
    assert "<!--tag-0-->" in body and "<!--tag-1-->" in body
    assert "<BarChart data=inside_a_fence />" in body  # left for markdown to show as code


def test_unclosed_tag_is_an_error() -> None:
    with pytest.raises(DashboardError, match=r"the <LineChart> tag at line 1 is not closed"):
        extract_tags("p.md", "<LineChart data=trend\n\nmore text\n")


# --- building -----------------------------------------------------------------------------

REGION_PAGE = """---
title: "Region {{ params.region }}"
pages: |
  SELECT DISTINCT region_code AS region FROM indicator_values ORDER BY 1
---

```sql trend
SELECT quarter, value, suppressed FROM indicator_values
WHERE region_code = $region AND breakdown = 'total' ORDER BY quarter
```

```sql first
SELECT value FROM trend ORDER BY quarter LIMIT 1
```

<BigValue data=first value=value title="First quarter" unit=enterprises required />

<LineChart data=trend x=quarter y=value title="RCO01 in {{ params.region }}" unit=enterprises
  required />
"""


def test_templated_page_expands_over_the_rows_of_its_query(tmp_path, warehouse) -> None:
    site = build(tmp_path, warehouse, {"index.md": "# Home\n", "regions/[region].md": REGION_PAGE})
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")) == [
        "index.html",
        "regions/AT12.html",
        "regions/BE2.html",
    ]
    at12 = (site / "regions" / "AT12.html").read_text()
    be2 = (site / "regions" / "BE2.html").read_text()
    assert "<title>Region AT12 — clustermon</title>" in at12
    # $region binds each page's row; `first` selects from the earlier block `trend`.
    assert re.search(r'big-value-number number">8<', at12)
    assert re.search(r'big-value-number number">5<', be2)
    [spec] = chart_specs(be2)
    assert spec["title"]["text"] == "RCO01 in BE2"
    assert spec["title"]["subtitle"] == "Unit: enterprises"
    assert [(r["quarter"], r["value"]) for r in chart_rows(spec)] == [
        ("2025Q1", 5.0),
        ("2025Q2", 7.0),
    ]
    # Relative links, so the site works from a file share; the bundle is shipped once.
    assert 'src="../assets/vega-bundle.js"' in be2
    assert [p.name for p in site.rglob("vega-bundle.js")] == ["vega-bundle.js"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "WHERE region_code",
            "WHERE no_such_column",
            r"page regions/\[region\]\.md \(region=AT12\), block 'trend': SQL error: .*"
            r"no_such_column",
        ),
        (
            "y=value",
            "y=amount",
            r"page regions/\[region\]\.md \(region=AT12\), block 'trend': <LineChart>: "
            r"unknown column\(s\) amount; the query returns: quarter, value, suppressed",
        ),
        (
            "$region",
            "$regoin",
            r"\(region=AT12\), block 'trend': unknown parameter\(s\) \$regoin",
        ),
        (
            "data=first",
            "data=frist",
            r"\(region=AT12\), block 'frist': <BigValue>: no sql block named 'frist'",
        ),
        (
            "unit=enterprises\n",
            "\n",
            r"block 'trend': <LineChart>: missing attribute\(s\) unit",
        ),
        (
            "x=quarter",
            "x=quarter colour=red",
            r"block 'trend': <LineChart>: unknown attribute\(s\) colour",
        ),
        (
            "<BigValue",
            "<BigNumber",
            r"block 'first': <BigNumber>: unknown tag",
        ),
        (
            '{{ params.region }}"',
            '{{ params.regoin }}"',
            r"page regions/\[region\]\.md \(region=AT12\): template error",
        ),
        (
            "region_code AS region",
            "region_code",
            r"page regions/\[region\]\.md, block 'pages': the pages query returns no column "
            r"`region`",
        ),
    ],
)
def test_build_errors_name_page_and_block(tmp_path, warehouse, old, new, message) -> None:
    """Each case breaks the working REGION_PAGE in one place."""
    assert old in REGION_PAGE
    with pytest.raises(DashboardError, match=message):
        build(tmp_path, warehouse, {"regions/[region].md": REGION_PAGE.replace(old, new)})


def test_empty_result_fails_only_where_required(tmp_path, warehouse) -> None:
    page = (
        "```sql none\nSELECT quarter, value FROM indicator_values WHERE region_code = 'XX'\n```\n"
        "\n<DataTable data=none title=Optional />\n"
    )
    site = build(tmp_path, warehouse, {"index.md": page})
    assert tables((site / "index.html").read_text())["Optional"] == [["Quarter", "Value"]]
    with pytest.raises(
        DashboardError,
        match=r"page index\.md, block 'none': <DataTable>: the result is empty, but this tag "
        r"is marked required",
    ):
        build(tmp_path, warehouse, {"index.md": page.replace("/>", "required />")})


def test_a_failed_build_leaves_the_previous_site_in_place(tmp_path, warehouse) -> None:
    site = build(tmp_path, warehouse, {"index.md": "# First\n"})
    before = (site / "index.html").read_text()
    with pytest.raises(DashboardError):
        build(tmp_path, warehouse, {"index.md": "```sql broken\nSELEC 1\n```\n"})
    assert (site / "index.html").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_the_site_is_switched_in_one_step_and_an_earlier_releases_site_moved_aside(
    tmp_path, warehouse
) -> None:
    site, builds = tmp_path / "site", tmp_path / "site-builds"
    site.mkdir()
    (site / "index.html").write_text("built by an earlier release")
    build(tmp_path, warehouse, {"index.md": "# First\n"})
    first = os.readlink(site)  # relative: a copied or moved home keeps its site
    assert first.startswith("site-builds/") and "First" in (site / "index.html").read_text()
    [earlier] = [p for p in builds.iterdir() if p.name != Path(first).name]
    assert (earlier / "index.html").read_text() == "built by an earlier release"

    build(tmp_path, warehouse, {"index.md": "# Second\n"})
    second = os.readlink(site)
    assert second != first and "Second" in (site / "index.html").read_text()
    # The build replaced is kept (a reader may be halfway through it), older ones go.
    assert sorted(p.name for p in builds.iterdir()) == sorted([Path(first).name, Path(second).name])

    with pytest.raises(DashboardError):
        build(tmp_path, warehouse, {"index.md": "```sql broken\nSELEC 1\n```\n"})
    assert os.readlink(site) == second
    assert sorted(p.name for p in builds.iterdir()) == sorted([Path(first).name, Path(second).name])


def test_suppressed_cells_show_as_suppressed_never_as_zero(tmp_path, warehouse) -> None:
    page = """
```sql cells
SELECT region_code, quarter, breakdown, value, suppressed FROM indicator_values
WHERE region_code = 'AT12' ORDER BY quarter, breakdown
```

```sql latest
SELECT value, suppressed FROM cells WHERE quarter = '2025Q2' AND breakdown = 'total'
```

```sql pivot
SELECT region_code,
    any_value(value) FILTER (quarter = '2025Q1') AS q1,
    any_value(value) FILTER (quarter = '2025Q2') AS q2,
    bool_or(suppressed) FILTER (quarter = '2025Q2') AS q2_suppressed
FROM indicator_values WHERE breakdown = 'total' GROUP BY ALL ORDER BY ALL
```

<DataTable data=cells title=Cells />

<DataTable data=pivot title=Pivot />

<BigValue data=latest value=value title="Latest" />

<BarChart data=cells filter="breakdown=total" x=quarter y=value title="Total" unit=enterprises />
"""
    html = (build(tmp_path, warehouse, {"index.md": page}) / "index.html").read_text()
    found = tables(html)
    # The flag column is not shown: the cell says it.
    assert found["Cells"] == [
        ["Region code", "Quarter", "Breakdown", "Value"],
        ["AT12", "2025Q1", "total", "8"],
        ["AT12", "2025Q2", "size_class=micro", "0"],  # a published zero stays a zero
        ["AT12", "2025Q2", "total", "suppressed"],
    ]
    # `<column>_suppressed` flags one column; a missing value without a flag is a dash.
    assert found["Pivot"] == [
        ["Region code", "Q1", "Q2"],
        ["AT12", "8", "suppressed"],
        ["BE2", "5", "7"],
    ]
    assert re.search(r'big-value-number suppressed">suppressed<', html)
    [spec] = chart_specs(html)
    assert [(r["quarter"], r["value"], r["_suppressed"]) for r in chart_rows(spec)] == [
        ("2025Q1", 8.0, False),
        ("2025Q2", None, True),
    ]
    assert "S along the top of the chart marks a value suppressed" in html
    assert found["Total (enterprises)"][1:] == [["2025Q1", "8"], ["2025Q2", "suppressed"]]


def test_numbers_are_formatted_and_a_bad_format_names_its_block(tmp_path, warehouse) -> None:
    page = (
        "```sql counts\nSELECT 1234 AS n, 8.27 AS share, true AS stale\n```\n\n"
        "<DataTable data=counts title=Default />\n\n"
        '<DataTable data=counts columns="share" format=".1f" title=Formatted />\n'
    )
    found = tables((build(tmp_path, warehouse, {"index.md": page}) / "index.html").read_text())
    assert found["Default"][1] == ["1,234", "8.27", "yes"]
    assert found["Formatted"][1] == ["8.3"]
    with pytest.raises(DashboardError, match=r"block 'counts': <DataTable>: format 'x' is not"):
        build(tmp_path, warehouse, {"index.md": page.replace('".1f"', "x")})


def test_vega_bundle_is_reused_only_when_its_version_matches(tmp_path, warehouse) -> None:
    site = build(tmp_path, warehouse, {"index.md": "# Home\n"})
    bundle, version = site / "assets" / "vega-bundle.js", site / "assets" / "vega-bundle.version"
    assert bundle.stat().st_size > 100_000
    assert version.read_text().startswith("vl-convert ")
    bundle.write_text("// the previous site's bundle")
    assert (
        build(tmp_path, warehouse, {"index.md": "# Home\n"}) / bundle.relative_to(site)
    ).read_text() == "// the previous site's bundle"
    version.write_text("vl-convert 0.0.1, vega-lite 5.0")
    build(tmp_path, warehouse, {"index.md": "# Home\n"})
    assert bundle.stat().st_size > 100_000


def test_titles_and_text_are_escaped_once(tmp_path, warehouse) -> None:
    page = (
        "---\ntitle: R&D <intensity>\n---\n\n"
        "```sql t\nSELECT 'a < b & c' AS s\n```\n\n{{ t[0].s }}\n"
    )
    html = (build(tmp_path, warehouse, {"index.md": page}) / "index.html").read_text()
    assert "<title>R&amp;D &lt;intensity&gt; — clustermon</title>" in html
    assert "<h1>R&amp;D &lt;intensity&gt;</h1>" in html
    assert "<p>a &lt; b &amp; c</p>" in html
    assert '<a href="index.html" aria-current="page">R&amp;D &lt;intensity&gt;</a>' in html


def test_serve_refuses_a_home_without_a_site(tmp_path, capsys) -> None:
    assert main(["serve", "--home", str(tmp_path), "--port", "0"]) == 1
    site = tmp_path.resolve() / "published" / "site"
    assert capsys.readouterr().err.strip() == (
        f"no dashboard site at {site}: run `clustermon refresh` first"
    )


def test_site_server_serves_the_built_site(tmp_path, warehouse) -> None:
    site = build(tmp_path, warehouse, {"index.md": "# Home\n"})
    server = site_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html") as response:
            assert response.status == 200
            assert response.read() == (site / "index.html").read_bytes()
    finally:
        server.shutdown()
        server.server_close()


def test_footer_links_work_under_serve_and_from_a_file_share(tmp_path, warehouse) -> None:
    """The footer links to the validation reports and model docs beside the site, as
    `<root>../current/...`: a file share resolves that in the published folder, the server
    (whose root is the site) serves those folders from beside it, and nothing else."""
    published = tmp_path / "published"
    pages = {"index.md": "# Home\n", "regions/[region].md": REGION_PAGE}
    site = published / "site"
    build_site(warehouse, site, write_pages(tmp_path, pages))
    for target in ("current/validation_report.html", "reports/latest.html", "dbt-docs/index.html"):
        (published / target).parent.mkdir(parents=True, exist_ok=True)
        (published / target).write_text(f"<p>{target}</p>")
    (tmp_path / "secret.txt").write_text("not served")
    server = site_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for page in ("index.html", "regions/AT12.html"):
            html = (site / page).read_text()
            links = re.findall(r"<footer>.*?</footer>", html, re.DOTALL)[0]
            hrefs = re.findall(r'href="([^"]+)"', links)
            assert len(hrefs) == 3, hrefs
            for href in hrefs:
                # As a browser resolves a link: by the URL's path, before any symlink.
                on_share = Path(os.path.normpath((site / page).parent / href))
                assert on_share.is_file(), href
                url = urllib.parse.urljoin(base + page, href)
                with urllib.request.urlopen(url) as response:
                    assert response.read() == on_share.read_bytes(), url
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + "current/../../secret.txt")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + "current/%2e%2e/%2e%2e/secret.txt")
    finally:
        server.shutdown()
        server.server_close()


def _body(page: Path) -> str:
    """A built page's body, between the layout's markers (the footer carries the build time)."""
    text = page.read_text()
    return text[text.index(BODY_START) + len(BODY_START) : text.rindex(BODY_END)]


def test_a_page_is_reused_only_while_its_text_and_query_results_are_unchanged(
    tmp_path, warehouse
) -> None:
    pages = {"index.md": "# Home\n", "regions/[region].md": REGION_PAGE}
    site = build(tmp_path, warehouse, pages)
    # Mark both region bodies as the previous build's: a reused body keeps the mark.
    for region in ("AT12", "BE2"):
        page = site / "regions" / f"{region}.html"
        page.write_text(page.read_text().replace(BODY_START, BODY_START + "<!-- previous -->"))
    at12_before = _body(site / "regions" / "AT12.html")
    with duckdb.connect(str(warehouse)) as con:  # BE2 revises 2025Q2: 7 -> 9 enterprises
        con.execute(
            "UPDATE indicator_values SET value = 9 WHERE region_code = 'BE2' AND quarter = '2025Q2'"
        )

    built = build_site(warehouse, site, tmp_path / "pages")

    assert (built.pages, built.rebuilt) == (3, 1)  # index and AT12 reused, BE2 rebuilt
    assert _body(site / "regions" / "AT12.html") == at12_before  # byte for byte
    be2 = (site / "regions" / "BE2.html").read_text()
    assert "<!-- previous -->" not in be2
    [spec] = chart_specs(be2)
    assert [(r["quarter"], r["value"]) for r in chart_rows(spec)] == [
        ("2025Q1", 5),
        ("2025Q2", 9),
    ]
    # The layout is written afresh for reused pages too.
    assert "<title>Region AT12 — clustermon</title>" in (site / "regions" / "AT12.html").read_text()

    # A changed page text rebuilds every page made from it.
    pages["regions/[region].md"] = REGION_PAGE.replace("First quarter", "Earliest quarter")
    built = build(tmp_path, warehouse, pages)
    assert [p.name for p in built.rglob("*.html") if "<!-- previous -->" in p.read_text()] == []
    assert "Earliest quarter" in (built / "regions" / "AT12.html").read_text()


def test_without_the_previous_keys_every_page_is_rebuilt(tmp_path, warehouse) -> None:
    site = build(tmp_path, warehouse, {"index.md": "# Home\n"})
    assert json.loads((site / PAGE_KEYS_FILE).read_text())["index.html"]["title"] == "index"
    (site / PAGE_KEYS_FILE).unlink()
    assert build_site(warehouse, site, tmp_path / "pages").rebuilt == 1


def render_in_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render in two worker processes whatever the site's size (an EU site's path)."""
    from clustermon.site import build as build_module

    monkeypatch.setattr(build_module, "PARALLEL_FROM_PAGES", 1)
    monkeypatch.setattr(build_module, "WORKERS", 2)


def test_worker_processes_render_the_same_pages(tmp_path, warehouse, monkeypatch) -> None:
    pages = {"index.md": "# Home\n", "regions/[region].md": REGION_PAGE}
    serial = build(tmp_path / "serial", warehouse, pages)  # 3 pages: in this process
    render_in_worker_processes(monkeypatch)
    parallel = build(tmp_path / "parallel", warehouse, pages)
    names = sorted(p.relative_to(parallel).as_posix() for p in parallel.rglob("*.html"))
    assert names == ["index.html", "regions/AT12.html", "regions/BE2.html"]
    for name in names:
        assert _body(parallel / name) == _body(serial / name)
    assert "RCO01 in BE2" in _body(parallel / "regions" / "BE2.html")


def test_an_error_in_a_worker_names_the_page_and_block(tmp_path, warehouse, monkeypatch) -> None:
    render_in_worker_processes(monkeypatch)
    page = REGION_PAGE.replace("FROM indicator_values\nWHERE", "FROM indicator_valuez\nWHERE")
    with pytest.raises(
        DashboardError, match=r"regions/\[region\]\.md \(region=AT12\), block 'trend'"
    ):
        build(tmp_path, warehouse, {"regions/[region].md": page})


MAP_PAGE = """
```sql bands
SELECT v.region_code, coalesce(n.region, v.region_code) AS region, v.quarter, v.value,
    v.suppressed,
    CASE WHEN v.value IS NULL THEN NULL WHEN v.value < 6 THEN 'below the lower quartile'
         ELSE 'above the upper quartile' END AS band
FROM (
    SELECT region_code, quarter, value, suppressed FROM indicator_values
    WHERE breakdown = 'total'
    UNION ALL SELECT 'XX9', '2025Q2', 3.0, false  -- a code without a shape
) v LEFT JOIN nuts_names n USING (region_code)
ORDER BY v.region_code, v.quarter
```

<RegionMap data=bands region=region_code name=region value=value band=band selector=quarter
  title="RCO01 by region" unit=enterprises required />
"""


def test_region_map_colours_bands_lists_regions_without_a_shape_and_ships_shapes_once(
    tmp_path, warehouse
) -> None:
    site = build(tmp_path, warehouse, {"index.md": MAP_PAGE, "other.md": "# No map\n"})
    html = (site / "index.html").read_text()
    [spec] = chart_specs(html)
    assert spec["usermeta"]["clustermon"] == {
        "builder": "altair",
        "altair": alt.__version__,
        "map": True,
    }
    alt.LayerChart.from_dict(spec, validate=True)
    [regions_layer] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "geoshape"][1:]
    rows = chart_rows_of(regions_layer, spec)
    # Bands as the page's SQL gives them; AT12's 2025Q2 value is suppressed: grey, not banded.
    assert [(r["region"], r["quarter"], r["value"], r["band"]) for r in rows] == [
        ("AT12 Niederösterreich", "2025Q1", 8, "above the upper quartile"),
        ("AT12 Niederösterreich", "2025Q2", None, "suppressed"),
        ("BE2 Vlaams Gewest", "2025Q1", 5, "below the lower quartile"),
        ("BE2 Vlaams Gewest", "2025Q2", 7, "above the upper quartile"),
        ("XX9", "2025Q2", 3, "below the lower quartile"),
    ]
    color = regions_layer["encoding"]["color"]
    assert color["legend"]["title"] == "Quartile band, not a rank"
    assert dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True)) == {
        "below the lower quartile": "#c6dbef",
        "lower quartile to median": "#6baed6",
        "median to upper quartile": "#2171b5",
        "above the upper quartile": "#08306b",
        "suppressed": "#bdbdbd",
        "no value": "#ffffff",
    }
    [param] = spec["params"]
    assert (param["bind"]["options"], param["value"]) == (["2025Q1", "2025Q2"], "2025Q2")
    # XX9 has no shape: listed under the map with its value in the quarter first shown.
    assert re.search(r"Not on the map[^<]*Quarter 2025Q2:</p><ul><li>XX9: 3</ul>", html)
    assert "Grey marks a region whose value is suppressed" in html
    # The shapes the site's maps use, once per site, each at its own level; and the outlines
    # of their countries.
    assert '<script src="assets/geometry.js" defer></script>' in html
    assert "geometry.js" not in (site / "other.html").read_text()
    script = (site / "assets" / "geometry.js").read_text()
    prefix = "window.clustermonGeometry = "
    assert script.startswith(prefix) and script.endswith(";\n")
    geometry = json.loads(script[len(prefix) : -2])
    assert [f["id"] for f in geometry["regions"]] == ["AT12", "BE2"]
    assert [f["properties"]["id"] for f in geometry["countries"]] == ["AT", "BE"]
    reference = Path(__file__).parents[2] / "dashboards" / "reference" / "geo"
    level2 = json.loads((reference / "nuts2021_rg_60M_level2.geojson").read_text())
    [at12] = [f for f in level2["features"] if f["properties"]["id"] == "AT12"]
    assert geometry["regions"][0]["geometry"] == at12["geometry"]
    level1 = json.loads((reference / "nuts2021_rg_60M_level1.geojson").read_text())
    [be2] = [f for f in level1["features"] if f["properties"]["id"] == "BE2"]  # NUTS 1
    assert geometry["regions"][1]["geometry"] == be2["geometry"]


def chart_rows_of(layer: dict, spec: dict) -> list[dict]:
    """A map layer's rows: its flatten transform over the spec's dataset of columns."""
    [columns] = spec["datasets"][layer["data"]["name"]]
    assert layer["transform"][0] == {"flatten": list(columns)}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def test_a_band_the_map_does_not_know_names_its_block(tmp_path, warehouse) -> None:
    page = MAP_PAGE.replace("'below the lower quartile'", "'bottom'")
    with pytest.raises(DashboardError, match=r"index.md, block 'bands'.*band value\(s\) bottom"):
        build(tmp_path, warehouse, {"index.md": page})


def test_a_line_chart_of_many_series_highlights_the_chosen_one_over_grey(
    tmp_path, warehouse
) -> None:
    page = """
```sql many
SELECT 'R' || lpad(i::VARCHAR, 2, '0') AS region, q AS quarter, i * q AS value
FROM range(1, 12) AS r(i), range(1, 3) AS s(q)
ORDER BY ALL
```

```sql few
SELECT region_code, quarter, value FROM indicator_values WHERE breakdown = 'total'
```

<LineChart data=many x=quarter y=value series=region title=Many unit=cells />

<LineChart data=few x=quarter y=value series=region_code title=Few unit=cells />
"""
    many, few = chart_specs(
        (build(tmp_path, warehouse, {"index.md": page}) / "index.html").read_text()
    )
    alt.LayerChart.from_dict(many, validate=True)
    # 11 regions: one select of them (the greatest first), all lines grey, the chosen one red.
    [param] = many["params"]
    assert param["name"] == "select_region"
    assert param["bind"]["options"] == [f"R{i:02d}" for i in range(1, 12)]
    assert param["value"] == "R11"
    grey, chosen = many["layer"][:2]
    assert grey["mark"]["color"] == "#c8c8c8" and grey["encoding"]["detail"]["field"] == "region"
    assert chosen["encoding"]["color"] == {"value": "#b2182b"}
    assert chosen["transform"] == [{"filter": '(datum["region"] === select_region)'}]
    # Two regions: a colour each, no select.
    assert "params" not in few
    assert few["layer"][0]["encoding"]["color"]["field"] == "region_code"


def test_a_chart_with_nothing_to_draw_says_so_in_words(tmp_path, warehouse) -> None:
    page = """
```sql micro
SELECT region_code, quarter, value FROM indicator_values WHERE breakdown = 'size_class=micro'
```

```sql none
SELECT region_code, quarter, value FROM indicator_values WHERE region_code = 'XX'
```

```sql totals
SELECT region_code, quarter, value FROM indicator_values WHERE breakdown = 'total'
```

<BarChart data=micro x=region_code y=value title="Micro" unit=enterprises />

<BarChart data=none x=region_code y=value title="None" unit=enterprises />

<BarChart data=totals x=region_code y=value selector=quarter title="Totals" unit=enterprises />
"""
    html = (build(tmp_path, warehouse, {"index.md": page}) / "index.html").read_text()
    # AT12's one micro value is a published 0, and no row at all: words, and the data table.
    words = "Nothing to draw: every value here is zero or missing."
    assert f"<strong>Micro</strong>: {words}" in html
    assert f"<strong>None</strong>: {words}" in html
    assert tables(html)["Micro (enterprises)"] == [["Region code", "Value"], ["AT12", "0"]]
    # A chart with values to draw: the words are a layer shown only for a selection whose
    # values are all zero or missing.
    [spec] = chart_specs(html)
    [note] = [layer for layer in spec["layer"] if layer["mark"].get("text") == words[:-1]]
    assert note["transform"][-1] == {"filter": "datum._drawn === 0"}


# --- the overview's programme figures ------------------------------------------------------

OVERVIEW = Path(__file__).parents[2] / "dashboards" / "pages" / "index.md"

# The catalogue rows the overview needs: code, order, name, unit, kind.
CATALOG = [
    ("OUT01", 1, "Active cluster organisations", "clusters", "stock"),
    ("OUT02", 2, "Member organisations", "organisations", "stock"),
    ("RCO01", 3, "Enterprises supported", "enterprises", "cumulative"),
    ("OUT03", 9, "Projects started", "projects", "cumulative + in-quarter"),
    ("RES01", 19, "Cross-cluster projects", "% of projects", "cumulative"),
    ("RES05", 23, "Member retention", "% of members", "stock"),
]

# Latest quarter 2025Q1, three regions. RES01 divides by OUT03 (projects in period) of the same
# quarter: AT12 2 of 4 projects cross-cluster, BE2 3 of 8, FRK none of 0 (a null share).
# RES05 divides by OUT02 of the quarter a year before (members on 2024-03-31): AT12 6 of 8
# still members, BE2 8 of 10, FRK has had no member a year before (OUT02 0, a null share).
# region, quarter, indicator, value (None: null), suppressed
PROGRAMME_ROWS = [
    ("AT12", "2025Q1", "OUT01", 2.0, False),
    ("BE2", "2025Q1", "OUT01", 3.0, False),
    ("FRK", "2025Q1", "OUT01", 1.0, False),
    ("AT12", "2025Q1", "OUT02", 9.0, False),
    ("BE2", "2025Q1", "OUT02", 11.0, False),
    ("FRK", "2025Q1", "OUT02", 5.0, False),
    ("AT12", "2024Q1", "OUT02", 8.0, False),
    ("BE2", "2024Q1", "OUT02", 10.0, False),
    ("FRK", "2024Q1", "OUT02", 0.0, False),
    ("AT12", "2025Q1", "RCO01", 8.0, False),
    ("BE2", "2025Q1", "RCO01", None, True),
    ("FRK", "2025Q1", "RCO01", 4.0, False),
    ("AT12", "2025Q1", "OUT03", 4.0, False),
    ("BE2", "2025Q1", "OUT03", 8.0, False),
    ("FRK", "2025Q1", "OUT03", 0.0, False),
    ("AT12", "2025Q1", "RES01", 100.0 * 2 / 4, False),
    ("BE2", "2025Q1", "RES01", 100.0 * 3 / 8, False),
    ("FRK", "2025Q1", "RES01", None, False),
    ("AT12", "2025Q1", "RES05", 100.0 * 6 / 8, False),
    ("BE2", "2025Q1", "RES05", 100.0 * 8 / 10, False),
    ("FRK", "2025Q1", "RES05", None, False),
]


def programme_warehouse(path: Path, rows: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE indicator_catalog (indicator_code VARCHAR, catalog_order INTEGER, "
            "name VARCHAR, unit VARCHAR, kind VARCHAR)"
        )
        con.executemany("INSERT INTO indicator_catalog VALUES (?, ?, ?, ?, ?)", CATALOG)
        con.execute(
            "CREATE TABLE indicator_values (region_code VARCHAR, quarter VARCHAR, "
            "indicator_code VARCHAR, breakdown VARCHAR, value DOUBLE, suppressed BOOLEAN)"
        )
        con.executemany(
            "INSERT INTO indicator_values VALUES (?, ?, ?, 'total', ?, ?)",
            [(r, q, code, value, suppressed) for r, q, code, value, suppressed in rows],
        )
    return path


def programme_figures(tmp_path: Path, rows: list[tuple]) -> dict[str, list[str]]:
    """The overview's table of programme figures, by indicator code: the real page built
    against `rows`."""
    warehouse = programme_warehouse(tmp_path / "monitoring.duckdb", rows)
    site = build(tmp_path, warehouse, {"index.md": OVERVIEW.read_text(encoding="utf-8")})
    html = (site / "index.html").read_text()
    table = tables(html)[
        "Every published indicator in the latest quarter: programme figure and the median region"
    ]
    assert table[0] == [
        "Indicator code",
        "Name",
        "Unit",
        "Regions reporting",
        "Programme figure",
        "Computed as",
        "Median region",
    ]
    return {row[0]: row for row in table[1:]}


def test_overview_pools_shares_and_never_sums_them(tmp_path) -> None:
    figures = programme_figures(tmp_path, PROGRAMME_ROWS)
    # By hand, from the published counts above: each region's numerator is its share of its
    # denominator (AT12 50% of 4 = 2, BE2 37.5% of 8 = 3, FRK none of 0); pooled 5 of 12.
    values = {(r, q, code): value for r, q, code, value, _ in PROGRAMME_ROWS}
    regions = ["AT12", "BE2", "FRK"]
    numerators = [
        round((values[(r, "2025Q1", "RES01")] or 0) * values[(r, "2025Q1", "OUT03")] / 100)
        for r in regions
    ]
    denominators = [values[(r, "2025Q1", "OUT03")] for r in regions]
    assert (sum(numerators), sum(denominators)) == (5, 12)
    pooled = 100 * sum(numerators) / sum(denominators)
    assert f"{pooled:,.2f}" == "41.67"
    assert figures["RES01"][4] == f"{pooled:,.2f}"
    assert figures["RES01"][5] == (
        "pooled: all regions' cross-cluster projects over all regions' projects started (OUT03)"
    )
    # The sum of the shares would be 87.50; the mean of the regions' shares 43.75.
    assert figures["RES01"][4] not in ("87.50", "43.75")
    # RES05: 6 + 8 still members of 8 + 10 members a year before (OUT02 of 2024Q1).
    assert figures["RES05"][4] == f"{100 * 14 / 18:,.2f}" == "77.78"
    assert figures["RES05"][5] == (
        "pooled: all regions' members still members over all regions' members a year before "
        "(OUT02 of 2024Q1)"
    )
    # No share shows a sum: the sum of its regions' published values is never its figure.
    for code in ("RES01", "RES05"):
        shares = [v for (_, q, c), v in values.items() if c == code and q == "2025Q1" and v]
        assert figures[code][4] != f"{sum(shares):,.2f}"
        assert figures[code][5].startswith("pooled: ")
    # Counts: a plain sum, or a sum of regions where an organisation can count in two; a sum
    # that would include a suppressed value (BE2's RCO01) is suppressed.
    assert figures["OUT01"][4:6] == ["6", "sum"]
    assert figures["OUT02"][4:6] == [
        "25",
        "sum of regions: one counted in two regions counts twice",
    ]
    assert figures["RCO01"][4:6] == [
        "suppressed",
        "sum of regions: one counted in two regions counts twice",
    ]
    assert figures["OUT03"][4:6] == ["12", "sum"]


def test_a_share_whose_denominator_is_suppressed_or_unpublished_has_no_figure(
    tmp_path,
) -> None:
    # BE2's members a year before suppressed: pooling with it would reveal it by subtraction
    # (every region's share is published), so the pooled figure is suppressed.
    rows = [
        (*row[:3], None, True) if row[:3] == ("BE2", "2024Q1", "OUT02") else row
        for row in PROGRAMME_ROWS
    ]
    (tmp_path / "a").mkdir()
    assert programme_figures(tmp_path / "a", rows)["RES05"][4] == "suppressed"
    # No OUT02 of 2024Q1 at all (the regions' first quarter is later): no figure, no sum.
    rows = [row for row in PROGRAMME_ROWS if row[1] != "2024Q1"]
    (tmp_path / "b").mkdir()
    figures = programme_figures(tmp_path / "b", rows)
    assert (figures["RES05"][4], figures["RES01"][4]) == ("\u2013", "41.67")
