"""Build the briefs: every region's with each site build, or one by `clustermon brief`.

With a publication the site build writes `briefs/<REGION>.html` and `briefs/<REGION>.pdf`
into the new site before it is switched in, so the briefs change with the site, in one step,
and always belong to the publication the site was built from (each says which).
`<home>/published/briefs` points into the site in force. Without Chromium the HTML briefs are
still built, the PDFs are skipped and the build says why (`BriefsBuilt.pdf_skipped`): a
publication never fails for want of a printer.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from clustermon.brief.data import Brief, BriefError, PublishedTables, published_tables
from clustermon.brief.pdf import PdfUnavailable, print_pdfs
from clustermon.brief.render import render_brief
from clustermon.home import Paths

BRIEFS_DIR = "briefs"  # in the site, and <home>/published/briefs
# Pages of the one Chromium printing at once: two keep both cores busy. Measured on the EU
# bench's 240 briefs: as fast as two processes with a Chromium each, 0.6 GB less memory (PSS).
PAGES = min(2, len(os.sched_getaffinity(0)))
STATUS_FILE = "briefs.json"  # what the build made, for the CLI's last lines


@dataclass(frozen=True)
class BriefsBuilt:
    regions: int
    pdfs: int
    seconds: float
    pdf_skipped: str | None  # why no PDF was printed, if so

    @property
    def warning(self) -> str | None:
        return skipped_warning(self.pdf_skipped) if self.pdf_skipped else None


def skipped_warning(reason: str) -> str:
    """The warning line of a build whose PDFs were skipped (the site and the CLI say it)."""
    return f"Briefs: HTML only, the PDFs were skipped: {reason}"


def build_briefs(tables: PublishedTables, folder: Path, site_root: str = "../") -> BriefsBuilt:
    """Every region's brief for its newest quarter, as HTML and PDF, into `folder` (a folder
    of the site being built, `site_root` the way back to the site's root)."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    briefs = [tables.brief(region) for region in tables.regions()]
    skipped = _write_briefs(briefs, folder, site_root)
    built = BriefsBuilt(
        len(briefs),
        0 if skipped else len(briefs),
        round(time.perf_counter() - started, 2),
        skipped,
    )
    status = {
        "publication": tables.publication.id,
        "regions": [brief.region for brief in briefs],
        "pdfs": built.pdfs,
        "pdf_skipped": skipped,
        "seconds": built.seconds,
    }
    (folder / STATUS_FILE).write_text(json.dumps(status, indent=1) + "\n", encoding="utf-8")
    return built


def _write_briefs(briefs: list[Brief], folder: Path, site_root: str) -> str | None:
    """Write each brief's HTML (linking its PDF) and print it. Where any could not be printed,
    every brief is left as HTML only (without the link), so the briefs of a build stay alike.
    Returns why the PDFs were skipped, or None."""
    try:
        print_pdfs(_written(briefs, folder, site_root), pages=min(PAGES, len(briefs)))
    except PdfUnavailable as why:
        for brief in briefs:
            (folder / f"{brief.region}.pdf").unlink(missing_ok=True)
            html = render_brief(brief, site_root=site_root)
            (folder / f"{brief.region}.html").write_text(html, encoding="utf-8")
        return str(why)
    return None


def _written(briefs: list[Brief], folder: Path, site_root: str) -> Iterator[tuple[Path, Path]]:
    """Each brief's HTML, written as the printer asks for it, with the PDF it is printed to."""
    for brief in briefs:
        html, pdf = folder / f"{brief.region}.html", folder / f"{brief.region}.pdf"
        html.write_text(render_brief(brief, site_root=site_root, pdf=pdf.name), "utf-8")
        yield html, pdf


def read_status(briefs: Path) -> dict | None:
    """What the briefs in force were built from (None: no briefs, or an older site)."""
    try:
        return json.loads((briefs / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def brief_command(paths: Paths, region: str, quarter: str | None, out: Path | None) -> int:
    """`clustermon brief`: one region's brief as a PDF, from the publication in force."""
    if not paths.published_warehouse.exists():
        print(
            f"No publication in {paths.published}: run `clustermon refresh` first.",
            file=sys.stderr,
        )
        return 1
    tables = published_tables(paths.published_warehouse)
    try:
        brief = tables.brief(region.upper(), quarter.upper() if quarter else None)
    except BriefError as error:
        print(f"No brief: {error}", file=sys.stderr)
        return 1
    out = out or Path(f"{brief.region}-{brief.quarter}.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clustermon-brief-") as folder:
        html = Path(folder) / f"{brief.region}.html"
        html.write_text(render_brief(brief), encoding="utf-8")
        try:
            print_pdfs([(html, out)])
        except PdfUnavailable as why:
            kept = out.with_suffix(".html")
            shutil.copyfile(html, kept)
            print(f"No PDF: {why}. The brief is written as HTML: {kept}", file=sys.stderr)
            return 1
    print(f"Brief of {brief.title}, {brief.quarter} (publication {brief.publication.id}): {out}")
    return 0
