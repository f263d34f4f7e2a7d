"""The briefs' PDFs: their HTML printed to A4 by headless Chromium, through Playwright.

One browser prints every brief of a build, on a few pages at once (starting Chromium costs
about a second; a page prints in a fraction of that, each page in a renderer process of its
own). Debian's `chromium` is used, never a downloaded browser: the machines that run
clustermon may have no network for one. A publication must not fail for want of a printer:
when Chromium or Playwright is missing, or Chromium fails, `print_pdfs` raises
`PdfUnavailable` with the reason, and the caller keeps the HTML briefs and says so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from playwright.async_api import Browser

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
PAGE_TIMEOUT_MS = 60_000  # a page's load or print; a hung Chromium fails the PDFs, no wait
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
    """Run `function` in a thread of its own: a caller (a Dagster step, a test) may have an
    asyncio event loop running in its thread, where another cannot be run."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="brief-pdf") as thread:
        return thread.submit(function, *args).result()


def print_pdfs(jobs: Iterable[tuple[Path, Path]], pages: int = 1) -> None:
    """Print each (HTML file, PDF file) of `jobs` to A4 (as its stylesheet asks), on one
    headless Chromium started here and closed on leaving, `pages` pages at a time. `jobs` is
    read as the pages ask for work, so a generator may write each HTML just before its
    printing. Raises PdfUnavailable when Chromium cannot start or fails to print; the PDFs
    printed before the failure are left for the caller to remove."""
    executable = chromium_path()
    if executable is None:
        where = os.environ.get(CHROMIUM_ENV) or "`chromium` on the PATH"
        raise PdfUnavailable(f"Chromium not found ({where}); `make browser` installs it")
    try:
        from playwright.async_api import Error
    except ImportError:
        raise PdfUnavailable("Playwright is not installed (pip install playwright)") from None
    try:
        in_own_thread(asyncio.run, _print_all(executable, iter(jobs), pages))
    except Error as error:
        message = str(error).strip()
        first_line = message.splitlines()[0] if message else repr(error)
        raise PdfUnavailable(f"Chromium could not print ({first_line})") from None


async def _print_all(executable: str, jobs: Iterator[tuple[Path, Path]], pages: int) -> None:
    """The jobs on `pages` pages; the first failure, raised once every page has stopped."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_FLAGS)
        )
        try:
            # A page that fails tells the others to take no further job; they finish the one
            # they print (cancelling it mid-call leaves Playwright futures nobody awaits).
            failed = asyncio.Event()
            outcomes = await asyncio.gather(
                *(_print_on_a_page(browser, jobs, failed) for _ in range(pages)),
                return_exceptions=True,
            )
        finally:
            await browser.close()
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if errors:
        raise errors[0]


async def _print_on_a_page(
    browser: Browser, jobs: Iterator[tuple[Path, Path]], failed: asyncio.Event
) -> None:
    """Print jobs on a page of its own until none is left or a page failed (the pages share
    the iterator and the event)."""
    try:
        page = await browser.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        while not failed.is_set() and (job := next(jobs, None)) is not None:
            html, pdf = job
            await page.goto(html.resolve().as_uri(), wait_until="load")
            await page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    except BaseException:
        failed.set()
        raise
