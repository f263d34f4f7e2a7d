"""Build the site: run each page's SQL read-only against the published warehouse, render it.

Pages come from dashboards/pages/; `[param].md` expands over the rows of its `pages:` query.
Each build is a new folder under `site-builds/` beside the site; `site` is a symlink to the one
in force, switched by renaming a new symlink over it (one atomic step, as for publications), so
a half-built site is never served and there is never a moment without one. A failing page fails
the build with a message naming the page and the block, and the site in force stays.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import re
import shutil
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib import resources
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import markdown_it
import pandas as pd
import vl_convert
from markdown_it import MarkdownIt

from clustermon.brief.build import BRIEFS_DIR, BriefsBuilt, build_briefs
from clustermon.brief.data import PublicationInfo, PublishedTables
from clustermon.home import DASHBOARDS_DIR, GEO_REFERENCE
from clustermon.publish.publication import switch_link
from clustermon.site import charts as charts_module
from clustermon.site import maps as maps_module
from clustermon.site import pages as pages_module
from clustermon.site import render as render_module
from clustermon.site import tables as tables_module
from clustermon.site.charts import VEGA_LITE_VERSION
from clustermon.site.maps import GEOMETRY_ASSET, geometry_script, nuts_names
from clustermon.site.pages import DashboardError, Page, extract_tags, read_page
from clustermon.site.render import RenderContext, render_tag

PAGES_DIR = DASHBOARDS_DIR / "pages"
SQL_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
ASSETS = ("site.css", "site.js")
SEARCH_ASSET = "search.js"
BUNDLE_FILE, BUNDLE_VERSION_FILE = "vega-bundle.js", "vega-bundle.version"
# What each page of the site was built from, kept in the site for the next build.
PAGE_KEYS_FILE = ".page-keys.json"
# The layout wraps each page's body in these, so the next build can take the body back.
BODY_START, BODY_END = "<!-- page body -->", "<!-- end of page body -->"
# Rendering is Python-bound: an EU site's 240 region pages render in worker processes, each
# with its own read-only connection. A worker costs about a second to start, so a small site
# renders in this process. One worker per CPU this process may run on (a container's share,
# not the host's count), each connection single-threaded: page queries read small tables.
WORKERS = min(4, len(os.sched_getaffinity(0)))
PARALLEL_FROM_PAGES = 50


@dataclass(frozen=True)
class SiteBuild:
    pages: int
    rebuilt: int  # the others were taken unchanged from the previous site
    briefs: BriefsBuilt | None = None


@dataclass(frozen=True)
class PageJob:
    """A page to render: its source, the row of its `pages:` query (if templated), its path."""

    page: Page
    params: dict
    path: str


@dataclass(frozen=True)
class RenderedPage:
    path: str  # relative to the site root, e.g. regions/AT12.html
    title: str
    html: str  # the page's body, without the layout
    charts: int
    key: str  # what the body was built from (see SiteBuilder.page_key)
    regions: tuple[str, ...] = ()  # the codes its maps show (assets/geometry.js has them)
    reused: bool = False


def _bundle_version() -> str:
    """Which bundle Altair's charts need: its Vega-Lite version, from this vl-convert."""
    return f"vl-convert {vl_convert.__version__}, vega-lite {VEGA_LITE_VERSION}"


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


def _engine_fingerprint() -> str:
    """The code and library versions a page body depends on: a new clustermon (or Altair,
    pandas, markdown or Jinja) rebuilds every page."""
    digest = hashlib.sha256()
    modules = (pages_module, render_module, charts_module, maps_module, tables_module)
    for module in (sys.modules[__name__], *modules):
        digest.update(Path(module.__file__).read_bytes())
    for geometry in sorted(GEO_REFERENCE.glob("*.geojson")):  # maps list regions without one
        digest.update(geometry.read_bytes())
    versions = (alt.SCHEMA_URL, pd.__version__, jinja2.__version__, markdown_it.__version__)
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def _previous_keys(site: Path) -> dict[str, dict]:
    """The page keys of the site in place, or none (first build, or an unreadable file)."""
    try:
        return json.loads((site / PAGE_KEYS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _previous_body(page_file: Path) -> str | None:
    """A page's body as the previous build wrote it, between the layout's markers: the first
    start marker and the last end marker are the layout's, whatever the body contains."""
    try:
        text = page_file.read_text(encoding="utf-8")
    except OSError:
        return None
    start, end = text.find(BODY_START), text.rfind(BODY_END)
    return text[start + len(BODY_START) : end] if 0 <= start < end else None


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

    def __init__(
        self, con: duckdb.DuckDBPyConnection, pages_dir: Path, previous_site: Path | None = None
    ) -> None:
        self.con, self.pages_dir = con, pages_dir
        con.register("nuts_names", nuts_names())
        self.previous_site = previous_site
        self.previous = _previous_keys(previous_site) if previous_site else {}
        self.engine = _engine_fingerprint()
        self.templates: dict[tuple[int, str], jinja2.Template] = {}
        self.markdown = _markdown()
        # The body becomes HTML through markdown, so values are escaped; titles are plain text
        # that the layout escapes itself.
        self.jinja = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True
        )
        self.plain = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def template(self, environment: jinja2.Environment, text: str) -> jinja2.Template:
        """Compiled once per build: templated pages render the same text hundreds of times."""
        key = (id(environment), text)
        if key not in self.templates:
            self.templates[key] = environment.from_string(text)
        return self.templates[key]

    def title(self, page: Page, context: dict) -> str:
        return self.template(self.plain, page.title).render(context)

    def page_key(self, page: Page, params: dict, path: str, results: dict) -> str:
        """A digest of everything a page body is built from: the engine, the page's text,
        its row and output path, and every query result. Pickled results are exact, so an
        equal key means equal inputs and hence an equal body."""
        digest = hashlib.sha256(self.engine.encode())
        digest.update(pickle.dumps((page.source, page.meta, page.body, params, path)))
        for name, frame in results.items():
            digest.update(pickle.dumps((name, frame)))
        return digest.hexdigest()

    def reuse(self, path: str, key: str) -> RenderedPage | None:
        """The previous site's page if it was built from the same key."""
        previous = self.previous.get(path)
        if self.previous_site is None or previous is None or previous.get("key") != key:
            return None
        body = _previous_body(self.previous_site / path)
        if body is None:
            return None
        return RenderedPage(
            path,
            previous["title"],
            body,
            previous["charts"],
            key,
            tuple(previous.get("regions", ())),
            reused=True,
        )

    def pages(self) -> list[Page]:
        return [read_page(p, self.pages_dir) for p in sorted(self.pages_dir.rglob("*.md"))]

    def expand(self, page: Page) -> list[PageJob]:
        """One page per row of a templated page's `pages:` query, else the page itself."""
        output = page.source.removesuffix(".md") + ".html"
        if page.template_param is None:
            return [PageJob(page, {}, output)]
        rows = self.query(page, "pages", str(page.meta["pages"]), {})
        if page.template_param not in rows.columns:
            raise DashboardError(
                page.source,
                f"the pages query returns no column `{page.template_param}`",
                block="pages",
            )
        jobs = []
        for params in rows.to_dict("records"):
            value = str(params[page.template_param])
            if not SAFE_FILE_NAME.fullmatch(value):
                raise DashboardError(page.source, f"'{value}' cannot be a file name", "pages")
            path = output.replace(f"[{page.template_param}]", value)
            jobs.append(PageJob(page, params, path))
        return jobs

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
            key = self.page_key(page, params, path, results)
            reused = self.reuse(path, key)
            if reused is not None:
                return reused
            context = {
                "params": params,
                **{name: frame.to_dict("records") for name, frame in results.items()},
            }
            try:
                title = self.title(page, context)
                body = self.template(self.jinja, page.body).render(context)
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
        return RenderedPage(
            path,
            title,
            html + _queries_html(page),
            render_context.charts,
            key,
            tuple(sorted(render_context.regions)),
        )


def build_site(
    published_warehouse: Path, site: Path, pages_dir: Path = PAGES_DIR, *, briefs: bool = False
) -> SiteBuild:
    """Build the site from the published file (opened read-only), with every region's
    benchmarking brief (HTML and PDF, `briefs/`) when `briefs` is set.

    A page whose key (its text, row, query results and the engine) equals the one it had in
    the site in place keeps its previous body; the others are rendered. The layout (footer,
    navigation) is written afresh for every page. The publication's own file is opened (not
    the link to the one in force), so pages and briefs come from one publication.
    """
    templates = resources.files("clustermon.site") / "templates"
    layout = jinja2.Environment(autoescape=jinja2.select_autoescape(["html"])).from_string(
        (templates / "page.html").read_text(encoding="utf-8")
    )
    published_warehouse, publication = PublicationInfo.of(published_warehouse)
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        builder = SiteBuilder(con, pages_dir, site)
        sources = builder.pages()
        jobs = [job for source in sources for job in builder.expand(source)]
        in_workers = len(jobs) >= PARALLEL_FROM_PAGES and WORKERS > 1
        rendered = [] if in_workers else [builder.render(j.page, j.params, j.path) for j in jobs]
        tables = PublishedTables(con, publication) if briefs else None
    if in_workers:
        rendered = _render_in_parallel(jobs, published_warehouse, pages_dir, site)
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
    builds = _builds(site)
    building = builds / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
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
                    body_start=BODY_START,
                    body_end=BODY_END,
                    navigation=[
                        (title, root + href, href == page.path) for _, title, href in navigation
                    ],
                ),
                encoding="utf-8",
            )
        # The search box's index: every page's title (regions and indicators by code and name).
        index = [[page.title, page.path] for page in rendered]
        (building / "assets" / SEARCH_ASSET).write_text(
            f"window.clustermonSearch = {json.dumps(index, ensure_ascii=False)};\n",
            encoding="utf-8",
        )
        (building / "assets" / GEOMETRY_ASSET).write_text(
            geometry_script({code for page in rendered for code in page.regions}),
            encoding="utf-8",
        )
        keys = {
            p.path: {"key": p.key, "title": p.title, "charts": p.charts, "regions": p.regions}
            for p in rendered
        }
        (building / PAGE_KEYS_FILE).write_text(json.dumps(keys, indent=1), encoding="utf-8")
        made = build_briefs(tables, building / BRIEFS_DIR) if tables is not None else None
        _swap_in(building, site)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if made is not None:  # <home>/published/briefs: a fixed link into the site in force
        switch_link(site.with_name(BRIEFS_DIR), f"{site.name}/{BRIEFS_DIR}")
    return SiteBuild(len(rendered), sum(not page.reused for page in rendered), made)


_worker_builder: SiteBuilder | None = None  # a rendering worker's own (see _start_worker)


def _start_worker(published_warehouse: Path, pages_dir: Path, previous_site: Path) -> None:
    global _worker_builder
    con = duckdb.connect(str(published_warehouse), read_only=True, config={"threads": 1})
    _worker_builder = SiteBuilder(con, pages_dir, previous_site)


def _render_job(job: PageJob) -> RenderedPage:
    assert _worker_builder is not None, "a worker renders after _start_worker"
    return _worker_builder.render(job.page, job.params, job.path)


def _render_in_parallel(
    jobs: list[PageJob], published_warehouse: Path, pages_dir: Path, previous_site: Path
) -> list[RenderedPage]:
    """Render the jobs in `WORKERS` spawned processes (not forked: this process may hold
    DuckDB and Dagster state), in their order."""
    with ProcessPoolExecutor(
        max_workers=WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(published_warehouse, pages_dir, previous_site),
    ) as pool:
        return list(pool.map(_render_job, jobs, chunksize=8))


def _builds(site: Path) -> Path:
    return site.with_name(f"{site.name}-builds")


def _swap_in(building: Path, site: Path) -> None:
    """Point `site` at the new build with one rename; keep the build it replaces (a reader may
    be halfway through its pages) and remove older ones, and any a killed build left."""
    builds = building.parent
    previous = Path(os.readlink(site)).name if site.is_symlink() else None
    if site.is_dir() and not site.is_symlink():
        # A site built before builds were versioned: moved aside once, the only time a
        # reader could find no site.
        previous = f"{building.name}-earlier"
        site.rename(builds / previous)
    switch_link(site, f"{builds.name}/{building.name}")
    for old in builds.iterdir():
        if old.name not in {building.name, previous}:
            shutil.rmtree(old, ignore_errors=True)
