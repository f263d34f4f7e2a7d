"""The briefs' printer (brief/pdf.py) on small pages of its own: one Chromium, two pages at
once, every PDF from its own HTML, and a failure anywhere told as a reason, with no Chromium
left behind."""

from __future__ import annotations

import gc
import logging
import uuid
from pathlib import Path

import psutil
import pytest
from pypdf import PdfReader

from clustermon.brief.pdf import CHROMIUM_ENV, PdfUnavailable, print_pdfs

pytestmark = pytest.mark.browser

MARK = "CLUSTERMON_TEST_PRINTER"  # in the environment of the Chromium a test starts


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> str:
    """A mark the test's Chromium processes inherit: found by it wherever they were reparented
    (a Chromium left behind outlives Playwright's driver, its parent), and told apart from the
    Chromiums of other test workers."""
    mark = uuid.uuid4().hex
    monkeypatch.setenv(MARK, mark)
    return mark


def chromiums_left(mark: str) -> list[psutil.Process]:
    """The test's Chromium processes still alive 10 s after the printer returned (a closed
    browser's processes may take a moment to exit on a busy machine)."""
    marked = []
    for process in psutil.process_iter(["name"]):
        try:
            if "chrom" in process.info["name"].lower() and process.environ().get(MARK) == mark:
                marked.append(process)
        except psutil.Error:
            continue
    return psutil.wait_procs(marked, timeout=10)[1]


def pages_to_print(folder: Path, count: int) -> list[tuple[Path, Path]]:
    jobs = []
    for number in range(count):
        html = folder / f"page-{number}.html"
        html.write_text(f"<!doctype html><title>t</title><p>Page number {number}</p>", "utf-8")
        jobs.append((html, folder / f"page-{number}.pdf"))
    return jobs


def test_two_pages_print_every_job_to_its_own_pdf(tmp_path: Path, marked: str) -> None:
    jobs = pages_to_print(tmp_path, 5)
    print_pdfs(iter(jobs), pages=2)
    for number, (_, pdf) in enumerate(jobs):
        (page,) = PdfReader(pdf).pages
        assert page.extract_text().strip() == f"Page number {number}"
    assert chromiums_left(marked) == []


def test_a_page_that_fails_fails_the_print_with_its_reason_and_closes_chromium(
    tmp_path: Path, marked: str, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = pages_to_print(tmp_path, 4)
    jobs[2] = (tmp_path / "missing.html", tmp_path / "missing.pdf")
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        with pytest.raises(PdfUnavailable) as failed:
            print_pdfs(jobs, pages=2)
        gc.collect()  # a Playwright future nobody awaited is logged when collected
    assert str(failed.value).startswith("Chromium could not print (Page.goto: ")
    assert "ERR_FILE_NOT_FOUND" in str(failed.value) and "\n" not in str(failed.value)
    # The first two jobs were taken before the failure: the pages finished them (the caller
    # removes such PDFs); nothing was cancelled mid-call, so asyncio logged nothing.
    assert [pdf.exists() for _, pdf in jobs[:2]] == [True, True]
    assert [record.getMessage() for record in caplog.records if record.name == "asyncio"] == []
    assert chromiums_left(marked) == []


def test_a_chromium_that_cannot_start_is_told_as_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, "/bin/false")
    with pytest.raises(PdfUnavailable, match=r"^Chromium could not print \(BrowserType\.launch"):
        print_pdfs(pages_to_print(tmp_path, 1))
