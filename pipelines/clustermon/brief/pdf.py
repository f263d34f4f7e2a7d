"""The briefs' PDFs: their HTML printed to A4 by headless Chromium, through Playwright.

One browser prints every brief of a build (starting Chromium costs about a second; a page
prints in a fraction of that). Debian's `chromium` is used, never a downloaded browser: the
machines that run clustermon may have no network for one. A publication must not fail for
want of a printer: when Chromium or Playwright is missing, or Chromium fails,
`chromium_printer` raises `PdfUnavailable` with the reason, and the caller keeps the HTML
briefs and says so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

# Where Chromium is, when it is not `chromium` on the PATH (e.g. /usr/lib/chromium/chromium).
CHROMIUM_ENV = "CLUSTERMON_CHROMIUM"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PAGE_TIMEOUT_MS = 60_000
T = TypeVar("T")


class PdfUnavailable(RuntimeError):
    """No PDF can be printed here (the reason is the message); the HTML stays."""


def chromium_path() -> str | None:
    """The Chromium executable: $CLUSTERMON_CHROMIUM, else `chromium` on the PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def in_own_thread(function: Callable[..., T], *args: object) -> T:
    """Run `function` in a thread of its own: Playwright's synchronous API refuses to run
    inside an asyncio event loop, which a caller (a Dagster step, a test) may have running."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="brief-pdf") as thread:
        return thread.submit(function, *args).result()


@contextmanager
def chromium_printer() -> Iterator[Callable[[Path, Path], None]]:
    """A function printing an HTML file to a PDF file (A4, as its stylesheet asks), on one
    headless Chromium started here and closed on leaving. Raises PdfUnavailable when Chromium
    cannot start or fails to print."""
    executable = chromium_path()
    if executable is None:
        where = os.environ.get(CHROMIUM_ENV) or "`chromium` on the PATH"
        raise PdfUnavailable(f"Chromium not found ({where}); `make browser` installs it")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise PdfUnavailable("Playwright is not installed (pip install playwright)") from None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS)
            )
            try:
                page = browser.new_page()
                page.set_default_timeout(PAGE_TIMEOUT_MS)

                def print_pdf(html: Path, pdf: Path) -> None:
                    page.goto(html.resolve().as_uri(), wait_until="load")
                    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)

                yield print_pdf
            finally:
                browser.close()
    except Error as error:
        message = str(error).strip()
        first_line = message.splitlines()[0] if message else repr(error)
        raise PdfUnavailable(f"Chromium could not print ({first_line})") from None
