"""Build the site: run each page's SQL read-only against the published warehouse, render it.

Pages come from dashboards/pages/; `[param].md` expands over the rows of its `pages:` query.
The site is built in a new folder and swapped in, so a half-built site is never served, and a
failing page fails the build with a message naming the page and the block.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib import resources
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import pandas as pd
import vl_convert
from markdown_it import MarkdownIt

from clustermon.dashboards.pages import DashboardError, Page, extract_tags, read_page
from clustermon.dashboards.render import RenderContext, render_tag
from clustermon.settings import DASHBOARDS_DIR

PAGES_DIR = DASHBOARDS_DIR / "pages"
SQL_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")
SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ASSETS = ("site.css", "site.js")
BUNDLE_FILE, BUNDLE_VERSION_FILE = "vega-bundle.js", "vega-bundle.version"


@dataclass(frozen=True)
class RenderedPage:
    path: str  # relative to the site root, e.g. regions/AT12.html
    title: str
    html: str
    charts: int


def _bundle_version() -> str:
    """Which bundle Altair's charts need: its Vega-Lite version, from this vl-convert."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return f"vl-convert {vl_convert.__version__}, vega-lite {major_minor}"


def _write_vega_bundle(assets: Path, previous_site: Path) -> None:
    """vega + vega-lite + vega-embed in one script, reused from the previous site when it
    is the same version: vl-convert takes seconds to write it."""
    version = _bundle_version()
    previous = previous_site / "assets"
    marker = previous / BUNDLE_VERSION_FILE
    if marker.is_file() and marker.read_text(encoding="utf-8") == version:
        shutil.copyfile(previous / BUNDLE_FILE, assets / BUNDLE_FILE)
    else:
        vl_version = version.rsplit(" ", 1)[1]
        bundle = vl_convert.javascript_bundle(vl_version=vl_version)
        (assets / BUNDLE_FILE).write_text(bundle, encoding="utf-8")
    (assets / BUNDLE_VERSION_FILE).write_text(version, encoding="utf-8")


def _markdown() -> MarkdownIt:
    """CommonMark with tables and raw HTML; sql blocks are not rendered in place."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    default_fence = md.renderer.rules["fence"]

    def fence(renderer, tokens, index, options, env) -> str:
        # sql blocks are listed once, at the foot of the page (see _queries_html).
        if tokens[index].info.split()[:1] == ["sql"]:
            return ""
        return default_fence(tokens, index, options, env)

    md.add_render_rule("fence", fence)
    return md


def _queries_html(page: Page) -> str:
    """Every query of the page, collapsed, so readers can see where each number comes from."""
    if not page.sql_blocks:
        return ""
    blocks = "".join(
        f"<h3><code>{block.name}</code></h3><pre><code>{escape(block.sql)}</code></pre>"
        for block in page.sql_blocks
    )
    return f'<details class="query"><summary>Queries behind this page</summary>{blocks}</details>'


class SiteBuilder:
    """Renders pages with one read-only connection to the published warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pages_dir: Path) -> None:
        self.con, self.pages_dir = con, pages_dir
        self.markdown = _markdown()
        # The body becomes HTML through markdown, so values are escaped; titles are plain text
        # that the layout escapes itself.
        self.jinja = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True
        )
        self.plain = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def title(self, page: Page, context: dict) -> str:
        return self.plain.from_string(page.title).render(context)

    def pages(self) -> list[Page]:
        return [read_page(p, self.pages_dir) for p in sorted(self.pages_dir.rglob("*.md"))]

    def expand(self, page: Page) -> list[RenderedPage]:
        """One page per row of a templated page's `pages:` query, else the page itself."""
        output = page.source.removesuffix(".md") + ".html"
        if page.template_param is None:
            return [self.render(page, {}, output)]
        rows = self.query(page, "pages", str(page.meta["pages"]), {})
        if page.template_param not in rows.columns:
            raise DashboardError(
                page.source,
                f"the pages query returns no column `{page.template_param}`",
                block="pages",
            )
        rendered = []
        for params in rows.to_dict("records"):
            value = str(params[page.template_param])
            if not SAFE_FILE_NAME.match(value):
                raise DashboardError(page.source, f"'{value}' cannot be a file name", "pages")
            path = output.replace(f"[{page.template_param}]", value)
            rendered.append(self.render(page, params, path))
        return rendered

    def query(self, page: Page, block: str, sql: str, params: dict) -> pd.DataFrame:
        """Run a block, binding the page's parameters it names as `$name`."""
        names = set(SQL_PARAMETER.findall(sql))
        unknown = names - set(params)
        where = page.label(params)
        if unknown:
            raise DashboardError(
                where, f"unknown parameter(s) ${', $'.join(sorted(unknown))}", block
            )
        try:
            return self.con.execute(sql, {n: params[n] for n in names}).df()
        except duckdb.Error as error:
            raise DashboardError(where, f"SQL error: {error}", block) from None

    def render(self, page: Page, params: dict, path: str) -> RenderedPage:
        where = page.label(params)
        results: dict[str, pd.DataFrame] = {}
        registered: list[str] = []
        try:
            for index, block in enumerate(page.sql_blocks):
                results[block.name] = self.query(page, block.name, block.sql, params)
                # Later blocks may select from earlier ones by name; registering a result
                # costs milliseconds, so only those a later block names are.
                named = re.compile(rf"\b{block.name}\b", re.IGNORECASE)
                if any(named.search(later.sql) for later in page.sql_blocks[index + 1 :]):
                    self.con.register(block.name, results[block.name])
                    registered.append(block.name)
            context = {
                "params": params,
                **{name: frame.to_dict("records") for name, frame in results.items()},
            }
            try:
                title = self.title(page, context)
                body = self.jinja.from_string(page.body).render(context)
            except jinja2.TemplateError as error:
                raise DashboardError(where, f"template error: {error}") from None
            body, tags = extract_tags(where, body)
            root = "../" * path.count("/")
            render_context = RenderContext(where, results, root)
            html = self.markdown.render(body)
            for index, tag in enumerate(tags):
                html = html.replace(f"<!--tag-{index}-->", render_tag(tag, render_context), 1)
        finally:
            for block in registered:
                self.con.unregister(block)
        return RenderedPage(path, title, html + _queries_html(page), render_context.charts)


def build_site(published_warehouse: Path, site: Path, pages_dir: Path = PAGES_DIR) -> int:
    """Build the site from the published file (opened read-only); returns the number of pages."""
    templates = resources.files("clustermon") / "templates"
    layout = jinja2.Environment(autoescape=jinja2.select_autoescape(["html"])).from_string(
        (templates / "page.html").read_text(encoding="utf-8")
    )
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        builder = SiteBuilder(con, pages_dir)
        sources = builder.pages()
        rendered = [page for source in sources for page in builder.expand(source)]
    navigation = [
        (
            source.meta.get("order", 100),
            builder.title(source, {"params": {}}),
            source.source.removesuffix(".md") + ".html",
        )
        for source in sources
        if source.template_param is None
    ]
    navigation.sort()
    published_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    building = site.with_name(f".{site.name}.{uuid.uuid4().hex}")
    try:
        (building / "assets").mkdir(parents=True)
        _write_vega_bundle(building / "assets", site)
        for asset in ASSETS:
            (building / "assets" / asset).write_text(
                (templates / asset).read_text(encoding="utf-8"), encoding="utf-8"
            )
        for page in rendered:
            root = "../" * page.path.count("/")
            target = building / page.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                layout.render(
                    page=page,
                    root=root,
                    published_at=published_at,
                    navigation=[
                        (title, root + href, href == page.path) for _, title, href in navigation
                    ],
                ),
                encoding="utf-8",
            )
        _swap_in(building, site)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return len(rendered)


def _swap_in(building: Path, site: Path) -> None:
    """Replace the site folder by the freshly built one with two renames."""
    retired = site.with_name(f".{site.name}.retired.{uuid.uuid4().hex}")
    if site.exists():
        site.rename(retired)
    building.rename(site)
    shutil.rmtree(retired, ignore_errors=True)
