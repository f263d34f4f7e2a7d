"""Reading built dashboard pages in tests: their tables by caption, their charts' specs and rows."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    """Tables of a page by caption: rows of cell texts (head row included). Body cells and
    rows omit their optional end tags, as HTML allows: the next cell or row ends them."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._text: list[str] | None = None
        self._in_caption = False

    def _end_cell(self) -> None:
        if self._text is not None:
            self._rows[-1].append("".join(self._text).strip())
            self._text = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "caption":
            self._in_caption, self._caption = True, ""
        elif tag == "tr":
            self._end_cell()
            self._rows.append([])
        elif tag in ("td", "th"):
            self._end_cell()
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th", "tr", "thead", "tbody"):
            self._end_cell()
        elif tag == "table":
            self._end_cell()
            self.tables[self._caption or ""] = self._rows
            self._caption, self._rows = None, []

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption += data
        elif self._text is not None:
            self._text.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def chart_specs(html: str) -> list[dict]:
    return [
        json.loads(spec.replace("<\\/", "</"))
        for spec in re.findall(
            r'<script type="application/json" class="vega-spec"[^>]*>(.*?)'
            r"</script>",
            html,
            re.DOTALL,
        )
    ]


def chart_rows(spec: dict) -> list[dict]:
    """A chart's data as rows: the spec holds one object of columns, which its first
    transform flattens (Vega-Lite's flatten zips parallel arrays into rows)."""
    [columns] = spec["datasets"][spec["data"]["name"]]
    assert spec["transform"][0] == {"flatten": list(columns)}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
