"""The benchmarking brief per region, built with the demo's publication and read back.

The PDFs are read with pypdf; every number the tests expect is worked out here again by SQL on
the published warehouse (read-only), not taken from the brief's own code.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from clustermon.brief import build as brief_build
from clustermon.brief.build import build_briefs
from clustermon.brief.charts import strip_svg
from clustermon.brief.data import published_tables
from clustermon.brief.pdf import CHROMIUM_ENV, CHROMIUM_FLAGS
from clustermon.frontends.endings import ending
from clustermon.frontends.jobs import run_job
from clustermon.home import NUTS_REFERENCE, REPO_ROOT, Paths
from clustermon.site.build import build_site
from conftest import copy_home, preserved_environment, query

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BANDS = (
    "below the lower quartile",
    "lower quartile to median",
    "median to upper quartile",
    "above the upper quartile",
)
A4_POINTS = (595.28, 841.89)
# The printable area of the brief's @page (A4 less 15 mm left and right, 14 and 16 mm top and
# bottom) in CSS pixels (96 per inch).
PRINTABLE_WIDTH_PX = (210 - 30) / 25.4 * 96
PRINTABLE_HEIGHT_PX = (297 - 30) / 25.4 * 96


def names() -> dict[str, str]:
    """NUTS code -> name, from the reference file itself."""
    with NUTS_REFERENCE.open(encoding="utf-8-sig") as file:
        return {
            row["NUTS_ID"].strip(): row["NAME_LATN"] for row in csv.DictReader(file, delimiter=";")
        }


def pdf_text(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages), reader


def flat(text: str) -> str:
    """Text with every run of white space (line ends included) as one space."""
    return " ".join(text.split())


def shown(value: float | None) -> str:
    """A value as a reader expects it: whole numbers with thousands commas, else two decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def regions(database: Path) -> list[str]:
    return [
        r
        for (r,) in query(database, "SELECT DISTINCT region_code FROM indicator_values ORDER BY 1")
    ]


def far_outside(database: Path) -> list[tuple]:
    """Every (region, quarter, code, name, unit, value, q1, q3, n, above) of a region's newest
    quarter whose total lies more than 1.5 interquartile ranges beyond the nearer quartile of
    all regions' published totals (at least 4 regions), worked out here in SQL."""
    return query(
        database,
        """
        WITH newest AS (
            SELECT region_code, max(quarter) AS quarter FROM indicator_values GROUP BY ALL
        ), spread AS (
            SELECT quarter, indicator_code, quantile_cont(value, 0.25) AS q1,
                quantile_cont(value, 0.75) AS q3, count(value) AS n
            FROM indicator_values WHERE breakdown = 'total' GROUP BY ALL
        )
        SELECT v.region_code, v.quarter, v.indicator_code, c.name, c.unit, v.value, s.q1, s.q3,
            s.n, v.value > s.q3
        FROM indicator_values v JOIN newest USING (region_code, quarter)
        JOIN spread s USING (quarter, indicator_code)
        JOIN indicator_catalog c USING (indicator_code)
        WHERE v.breakdown = 'total' AND v.value IS NOT NULL AND s.n >= 4 AND s.q3 > s.q1
          AND (v.value > s.q3 + 1.5 * (s.q3 - s.q1) OR v.value < s.q1 - 1.5 * (s.q3 - s.q1))
        ORDER BY v.region_code, c.catalog_order
        """,
    )


@pytest.fixture(scope="module")
def subject(demo_home: Paths) -> tuple[str, list[tuple]]:
    """The first demo region (code order) with a value far outside the middle half, and those
    values."""
    found = far_outside(demo_home.published_warehouse)
    assert found, "the demo has no value far outside the middle half: no question to check"
    region = found[0][0]
    return region, [row for row in found if row[0] == region]


def test_every_region_has_its_brief_from_the_publication_in_force(demo_home: Paths) -> None:
    briefs = demo_home.briefs
    assert briefs.is_symlink() and os.readlink(briefs) == "site/briefs"
    publication = (demo_home.published / "current").readlink().name
    for region in regions(demo_home.published_warehouse):
        pdf, html = briefs / f"{region}.pdf", briefs / f"{region}.html"
        assert pdf.stat().st_size > 10_000, region
        twin = html.read_text(encoding="utf-8")
        assert f"publication {publication}" in twin, region
        assert f'href="{region}.pdf"' in twin and f'href="../regions/{region}.html"' in twin
        # The region page links to its brief.
        page = (demo_home.site / "regions" / f"{region}.html").read_text(encoding="utf-8")
        assert f'href="../briefs/{region}.html"' in page, region


def test_the_pdf_states_every_indicator_by_band_and_never_ranks(
    demo_home: Paths, subject: tuple[str, list[tuple]]
) -> None:
    region, outliers = subject
    database = demo_home.published_warehouse
    text, reader = pdf_text(demo_home.briefs / f"{region}.pdf")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    every_name = names()
    assert f"{region} {every_name[region]}" in flat(text)

    for page in reader.pages:  # A4 portrait, every page
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1

    (quarter,) = query(
        database, "SELECT max(quarter) FROM indicator_values WHERE region_code = ?", [region]
    )[0]
    catalogue = query(database, "SELECT indicator_code, kind FROM indicator_catalog")
    cells = query(
        database,
        "SELECT indicator_code, value, suppressed FROM indicator_values "
        "WHERE region_code = ? AND quarter = ? AND breakdown = 'total'",
        [region, quarter],
    )
    values = {code: (value, suppressed) for code, value, suppressed in cells}
    estimates = query(
        database,
        "SELECT indicator_code, estimate, estimable FROM impact_estimates WHERE region_code = ?",
        [region],
    )
    for code, kind in catalogue:
        if kind == "estimate":  # section 5: each estimate, or "not estimable"
            mine = [(e, ok) for c, e, ok in estimates if c == code]
            assert mine, code
            for estimate, estimable in mine:
                expected = f"{estimate:+.3f}" if estimable else "not estimable"
                assert expected in flat(text), (code, expected)
            continue
        # Section 2: the code's row holds its value (or "suppressed") and a band word only.
        rows = [line for line in lines if line.startswith(f"{code} ")]
        value, suppressed = values.get(code, (None, False))
        if value is not None:
            expected = shown(value)
        else:
            expected = "suppressed" if suppressed else "not computed"
        row = next((line for line in rows if line.split()[1:2] == expected.split()[:1]), None)
        assert row is not None, (code, expected, rows)
        bands = [band for band in BANDS if band in row]
        assert len(bands) == (1 if value is not None else 0), row

    # Band words only: no rank, no place, no "N of M".
    for pattern in (r"\b\d+(st|nd|rd|th)\b", r"\b\d+ of \d+\b", r"\brank", r"\bleague\b"):
        assert not re.search(pattern, text, re.IGNORECASE), pattern
    # No other region named (code or name), anywhere in the brief.
    for other in regions(database):
        if other != region:
            assert not re.search(rf"\b{other}\b", text), other
            assert every_name[other] not in text, other

    # A peer-review question whose numbers are the warehouse's.
    _, quarter, code, name, unit, value, q1, q3, n, above = outliers[0]
    side = "above" if above else "below"
    expected = (
        f"{code} {name} is {shown(value)} {unit} in {quarter}, far {side} the middle half of "
        f"the {n} regions' values ({shown(q1)} to {shown(q3)} {unit})."
    )
    assert expected in flat(text)


def test_no_chart_or_table_is_wider_than_the_a4_page(
    demo_home: Paths, subject: tuple[str, list[tuple]]
) -> None:
    region, _ = subject
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(CHROMIUM_FLAGS)
        )
        page = browser.new_page(
            viewport={"width": int(PRINTABLE_WIDTH_PX), "height": int(PRINTABLE_HEIGHT_PX)}
        )
        page.emulate_media(media="print")
        page.goto((demo_home.briefs / f"{region}.html").as_uri())
        boxes = page.locator("figure.brief-chart").evaluate_all(
            "figures => figures.map(f => { const r = f.getBoundingClientRect(); return"
            " [r.left, r.right, r.height, [...f.querySelectorAll('.strip')].map("
            "s => s.querySelectorAll('svg.marks .mark-symbol path').length)]; })"
        )
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert len(boxes) >= 2  # output and result indicators at least
    for left, right, height, dots in boxes:
        assert left >= 0 and right <= PRINTABLE_WIDTH_PX + 0.5, (left, right)
        assert height <= PRINTABLE_HEIGHT_PX  # fits one page, which the stylesheet keeps it on
        assert dots and all(dots)  # every strip drawn
    assert scroll_width <= PRINTABLE_WIDTH_PX + 0.5


SI_PREFIXES = {"m": 1e-3, "µ": 1e-6, "k": 1e3, "M": 1e6, "G": 1e9}


def si_value(text: str) -> float:
    """An axis label ("0.5k", "20M", "500m", "\u22122", a minus sign) as a number."""
    text = text.replace("\u2212", "-")
    factor = SI_PREFIXES.get(text[-1], 1.0)
    return float(text[:-1] if text[-1] in SI_PREFIXES else text) * factor


@pytest.mark.parametrize("viewport_width", [1000, 420])  # the strip at full size, shrunk
def test_the_diamond_sits_at_the_region_value_on_the_strip_axis(
    demo_home: Paths, subject: tuple[str, list[tuple]], viewport_width: int
) -> None:
    """Each diamond's centre, read in Chromium, against the place of the region's value on its
    strip's axis, read from the strip itself: its first and last ticks' places and labels,
    interpolated (the end labels are set flush, so their texts' places would not do); and at
    the height of the strip's dots. The values are the published totals, queried here."""
    region, _ = subject
    values = dict(
        query(
            demo_home.published_warehouse,
            "SELECT indicator_code, value FROM indicator_values WHERE region_code = ? "
            "AND breakdown = 'total' AND value IS NOT NULL AND quarter = "
            "(SELECT max(quarter) FROM indicator_values WHERE region_code = ?)",
            [region, region],
        )
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(CHROMIUM_FLAGS)
        )
        page = browser.new_page(viewport={"width": viewport_width, "height": 800})
        page.goto((demo_home.briefs / f"{region}.html").as_uri())
        diamonds = page.locator(".strip-row").evaluate_all(
            "rows => rows.filter(r => r.querySelector('svg.subject')).map(r => {"
            " const d = r.querySelector('svg.subject').getBoundingClientRect();"
            " const dot = r.querySelector('.mark-symbol path').getBoundingClientRect();"
            " return [r.querySelector('.strip-code').textContent, d.left + d.width / 2,"
            " d.top + d.height / 2 - (dot.top + dot.height / 2),"
            " [...r.querySelectorAll('.role-axis-label text')].map(t => t.textContent),"
            " [...r.querySelectorAll('.role-axis-tick line')].map("
            "l => l.getBoundingClientRect().left)]; })"
        )
        browser.close()
    assert len(diamonds) >= 10
    for code, centre, off_dots, labels, places in diamonds:
        (first, x0), *_, (last, x1) = zip(labels, places, strict=True)
        v0, v1 = si_value(first), si_value(last)
        expected = x0 + (values[code] - v0) / (v1 - v0) * (x1 - x0)
        assert centre == pytest.approx(expected, abs=1.5), (code, values[code])
        assert abs(off_dots) <= 1, code


def test_coinciding_values_are_one_dot_as_dark_as_their_stack(demo_home: Paths) -> None:
    """Regions with the same value share one dot whose fill opacity is that of the dots stacked
    (1 - 0.45^n), and no mark has a group opacity below 1: Chromium prints each such mark as a
    transparency group of its own (an EU brief's PDF was 3.8 MB of them). Dots are written
    without Vega's defaults (a newer vl-convert writing them otherwise shows here)."""
    tables = published_tables(demo_home.published_warehouse)
    brief = tables.brief(tables.regions()[0])
    position = next(p for p in brief.positions if p.cell and p.cell.value is not None)
    own = position.cell.value
    values = (own, own + 1, own + 1, own + 1, own + 2)  # as published: the region's own too
    svg = strip_svg(values, position.q1, position.median, position.q3)
    dots = re.findall(r'<path [^>]*fill="#737373"[^>]*>', svg)
    opacities = sorted(float(re.search(r'fill-opacity="([^"]+)"', d).group(1)) for d in dots)
    expected = [0.55, 0.55, 1 - 0.45**3]  # own, own + 2, and own + 1 three times
    assert opacities == pytest.approx(expected, abs=1e-4)
    assert not any("stroke-width" in dot for dot in dots)
    # The dots follow the values, not the order of the regions they come in.
    assert strip_svg(values[::-1], position.q1, position.median, position.q3) == svg
    assert all(float(o) == 1 for o in re.findall(r' opacity="([^"]+)"', svg))


def clustermon(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "clustermon.frontends.cli", *arguments],
        capture_output=True, text=True, check=False, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip


def test_the_brief_command_writes_a_region_pdf(demo_home: Paths, tmp_path: Path) -> None:
    out = tmp_path / "briefs" / "AT12.pdf"
    done = clustermon("brief", "AT12", "--home", str(demo_home.home), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    text, _ = pdf_text(out)
    assert f"AT12 {names()['AT12']}" in flat(text)

    (first,) = query(
        demo_home.published_warehouse,
        "SELECT min(quarter) FROM indicator_values WHERE region_code = 'AT12'",
    )[0]
    earlier = tmp_path / "earlier.pdf"
    done = clustermon(
        "brief", "at12", "--quarter", first, "--home", str(demo_home.home), "--out", str(earlier)
    )
    assert done.returncode == 0, done.stderr
    text, _ = pdf_text(earlier)
    assert f"Quarter {first}" in flat(text)
    # AT12's first quarter has suppressed headline cells: each reads "suppressed" in its row.
    suppressed = query(
        demo_home.published_warehouse,
        "SELECT indicator_code FROM indicator_values WHERE region_code = 'AT12' "
        "AND quarter = ? AND breakdown = 'total' AND suppressed",
        [first],
    )
    assert suppressed
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for (code,) in suppressed:
        assert f"{code} suppressed" in lines or any(
            line.startswith(f"{code} suppressed ") for line in lines
        ), code


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("ZZ99",), "No brief: no region 'ZZ99' in publication "),
        (("AT12", "--quarter", "1999Q1"), "No brief: region AT12 has no published values for"),
    ],
)
def test_an_unknown_region_or_quarter_is_told_without_a_traceback(
    demo_home: Paths, tmp_path: Path, arguments: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "x.pdf"
    done = clustermon("brief", *arguments, "--home", str(demo_home.home), "--out", str(out))
    assert done.returncode == 1
    assert done.stderr.startswith(message) and "Traceback" not in done.stderr
    assert not out.exists()


def test_without_chromium_the_html_briefs_are_built_and_the_pdfs_skipped(
    demo_home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    site = tmp_path / "published" / "site"
    built = build_site(demo_home.published_warehouse, site, briefs=True)
    assert built.briefs.pdfs == 0 and "Chromium not found" in built.briefs.pdf_skipped
    briefs = tmp_path / "published" / "briefs"
    assert sorted(p.name for p in briefs.glob("*.html")) == [
        f"{region}.html" for region in regions(demo_home.published_warehouse)
    ]
    assert not list(briefs.glob("*.pdf"))
    twin = (briefs / "AT12.html").read_text(encoding="utf-8")
    assert "No PDF in this publication" in twin and 'href="AT12.pdf"' not in twin


def test_a_print_failing_mid_build_leaves_every_brief_as_html_only(
    demo_home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium fails on the fourth brief, after printing some: none of the build's PDFs is
    kept and no HTML brief links one, so the briefs of a build stay alike."""
    printing = brief_build.print_pdfs
    printed_before_the_failure: list[str] = []

    def failing_at_the_fourth(jobs, pages: int) -> None:
        def fourth_missing():
            for number, job in enumerate(jobs):
                yield (tmp_path / "gone.html", tmp_path / "gone.pdf") if number == 3 else job

        try:
            printing(fourth_missing(), pages)
        finally:
            printed_before_the_failure.extend(p.name for p in folder.glob("*.pdf"))

    monkeypatch.setattr(brief_build, "print_pdfs", failing_at_the_fourth)
    folder = tmp_path / "briefs"
    built = build_briefs(published_tables(demo_home.published_warehouse), folder)
    assert printed_before_the_failure, "the failure came before any PDF was printed"
    assert built.pdfs == 0
    assert built.pdf_skipped.startswith("Chromium could not print (Page.goto: ")
    assert not list(folder.glob("*.pdf"))
    htmls = sorted(folder.glob("*.html"))
    assert [p.stem for p in htmls] == regions(demo_home.published_warehouse)
    for html in htmls:
        text = html.read_text(encoding="utf-8")
        assert "No PDF in this publication" in text, html.name
        assert f'href="{html.stem}.pdf"' not in text, html.name


def test_a_publication_without_chromium_is_published_with_html_briefs_and_a_warning(
    skeleton_home: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = copy_home(skeleton_home, tmp_path)
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    with preserved_environment():
        outcome = run_job(paths, "publish")
    out, err = ending(paths, outcome)
    assert outcome.complete
    assert f"Published briefs     {paths.briefs} (1 region, HTML only)" in out
    assert [line for line in err if line.startswith("Briefs: ")] == [
        f"Briefs: HTML only, the PDFs were skipped: Chromium not found "
        f"({tmp_path / 'no-chromium'}); `make browser` installs it"
    ]
    assert (paths.briefs / "AT12.html").is_file() and not (paths.briefs / "AT12.pdf").exists()
