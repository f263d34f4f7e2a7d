"""The page format: markdown with YAML front matter, fenced ```sql name blocks and tags.

A tag is a self-closing, capitalised element on lines of its own, outside code fences, e.g.
`<LineChart data=trend x=quarter y=value title="Members" unit=organisations />`. The format
is documented with examples in dashboards/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.DOTALL)
BLOCK_NAME = re.compile(r"^[A-Za-z_]\w*$")
TEMPLATE_NAME = re.compile(r"^\[([A-Za-z_]\w*)\]$")
TAG_START = re.compile(r"^<([A-Z][A-Za-z]*)\b")
TAG_ATTRIBUTE = re.compile(
    r"""([A-Za-z_][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|\{([^}]*)\}|([^\s"'=<>/{}]+)))?"""
)
FENCE = re.compile(r"^(```|~~~)")


class DashboardError(Exception):
    """A page that cannot be built; the message names the page and, where known, the block."""

    def __init__(self, page: str, message: str, block: str | None = None) -> None:
        where = f"{page}, block '{block}'" if block else page
        super().__init__(f"dashboard page {where}: {message}")
        self.page, self.message, self.block = page, message, block

    def __reduce__(self) -> tuple:
        # Raised in a rendering worker, it is pickled back to the building process.
        return (DashboardError, (self.page, self.message, self.block))


@dataclass(frozen=True)
class SqlBlock:
    name: str
    sql: str
    line: int


@dataclass(frozen=True)
class Tag:
    """A chart or table tag: its component name, attributes and the line it starts on."""

    component: str
    attributes: dict[str, str]
    line: int

    @property
    def label(self) -> str:
        """How errors name the tag: its data block, else its component and line."""
        return self.attributes.get("data") or f"<{self.component}> without data"


@dataclass(frozen=True)
class Page:
    """One markdown file: `source` is its path relative to the pages folder."""

    source: str
    meta: dict
    body: str
    sql_blocks: tuple[SqlBlock, ...]
    template_param: str | None = field(default=None)

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or Path(self.source).stem)

    def label(self, params: dict) -> str:
        """How errors name the page: its file, and for a templated page the row it renders."""
        if self.template_param in params:
            return f"{self.source} ({self.template_param}={params[self.template_param]})"
        return self.source


def read_page(path: Path, pages_dir: Path) -> Page:
    """Parse one page file; a templated page is named `[param].md`."""
    source = path.relative_to(pages_dir).as_posix()
    return parse_page(source, path.read_text(encoding="utf-8"))


def parse_page(source: str, text: str) -> Page:
    meta: dict = {}
    offset = 0  # lines before the body, so messages give the file's line numbers
    match = FRONT_MATTER.match(text)
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as error:
            raise DashboardError(source, f"front matter is not valid YAML: {error}") from None
        if not isinstance(meta, dict):
            raise DashboardError(source, "front matter must be a mapping of keys to values")
        offset = match.group(0).count("\n")
        text = text[match.end() :]
    template = TEMPLATE_NAME.match(Path(source).stem)
    template_param = template.group(1) if template else None
    if template_param and not meta.get("pages"):
        raise DashboardError(
            source,
            f"a templated page needs a `pages:` query in its front matter "
            f"returning a column `{template_param}`",
        )
    return Page(source, meta, text, sql_blocks(source, text, offset), template_param)


def sql_blocks(source: str, text: str, offset: int = 0) -> tuple[SqlBlock, ...]:
    """The named ```sql blocks of a page body, in order; names are unique identifiers."""
    blocks: list[SqlBlock] = []
    for token in MarkdownIt("commonmark").parse(text):
        words = token.info.split() if token.type == "fence" else []
        if not words or words[0] != "sql":
            continue
        line = offset + token.map[0] + 1 if token.map else 0
        if len(words) != 2 or not BLOCK_NAME.match(words[1]):
            raise DashboardError(
                source, f"the sql block at line {line} needs one name: ```sql my_name"
            )
        if any(block.name == words[1] for block in blocks):
            raise DashboardError(source, "two sql blocks have this name", block=words[1])
        blocks.append(SqlBlock(words[1], token.content, line))
    return tuple(blocks)


def extract_tags(source: str, text: str) -> tuple[str, list[Tag]]:
    """Replace each tag outside code fences by an HTML comment placeholder `<!--tag-N-->`."""
    lines = text.splitlines()
    out: list[str] = []
    tags: list[Tag] = []
    fence: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        marker = FENCE.match(stripped)
        if marker and (fence is None or stripped.startswith(fence)):
            fence = None if fence else marker.group(1)
        tag = None if fence else TAG_START.match(stripped)
        if tag is None:
            out.append(line)
            index += 1
            continue
        start = index
        while not lines[index].rstrip().endswith("/>"):
            index += 1
            if index == len(lines):
                raise DashboardError(
                    source, f"the <{tag.group(1)}> tag at line {start + 1} is not closed with />"
                )
        whole = " ".join(part.strip() for part in lines[start : index + 1])
        inner = whole[len(tag.group(0)) : -2]
        tags.append(Tag(tag.group(1), parse_attributes(inner), start + 1))
        out.extend(["", f"<!--tag-{len(tags) - 1}-->", ""])
        index += 1
    return "\n".join(out) + "\n", tags


def parse_attributes(text: str) -> dict[str, str]:
    """`a=b c="d e" f={g} flag` -> {"a": "b", "c": "d e", "f": "g", "flag": "true"}."""
    attributes: dict[str, str] = {}
    for match in TAG_ATTRIBUTE.finditer(text):
        values = [v for v in match.groups()[1:] if v is not None]
        attributes[match.group(1)] = values[0] if values else "true"
    return attributes
