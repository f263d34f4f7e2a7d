"""Tags as HTML tables and big values, and the value formatting they share with the charts.

Suppression: a value cell is suppressed when its row says so, in a boolean column
`<column>_suppressed` or else `suppressed`. Suppressed cells are shown as "suppressed", never
as zero.
"""

from __future__ import annotations

import html
import math
import string
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from clustermon.site.pages import Tag

if TYPE_CHECKING:
    from clustermon.site.render import RenderContext

SUPPRESSED = "suppressed"
NO_VALUE = "\N{EN DASH}"
SUPPRESSED_NOTE = (
    "suppressed for confidentiality (fewer enterprises than the threshold): not zero, not published"
)
FLAG = "_suppressed"
# site.css right-aligns the first this many columns of a table by num-N classes.
NUMERIC_COLUMN_CLASSES = 16


def attribute_list(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def suppressed_flags(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where `column`'s cell is suppressed in its row."""
    for flag in (f"{column}_suppressed", SUPPRESSED):
        if flag in frame.columns and flag != column:
            return frame[flag].fillna(False).astype(bool)
    return pd.Series(False, index=frame.index)


def humanise(column: str) -> str:
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def format_value(value: object, spec: str | None, page_error: Callable[[str], Exception]) -> str:
    if hasattr(value, "item"):  # a numpy scalar, from a column of one type
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if spec is None:
        spec = ",.0f" if float(value).is_integer() else ",.2f"
    try:
        return format(value, spec)
    except ValueError:
        raise page_error(f"format '{spec}' is not a number format (e.g. ,.0f or .1f)") from None


def is_number(value: object) -> bool:
    return pd.api.types.is_number(value) and not pd.api.types.is_bool(value)


def is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def table_html(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    caption: str,
    number_format: str | None,
    page_error: Callable[[str], Exception],
    link: Callable[[dict], str] | None = None,
) -> str:
    """An accessible HTML table; suppressed cells read "suppressed", missing ones a dash."""
    columns = list(columns)
    return cells_table(
        columns,
        [frame[c].tolist() for c in columns],
        [suppressed_flags(frame, c).tolist() for c in columns],
        caption=caption,
        number_format=number_format,
        page_error=page_error,
        links=[link(row) for row in frame.to_dict("records")] if link else None,
    )


def cells_table(
    columns: list[str],
    values: list[list],
    flags: list[list[bool]],
    *,
    caption: str,
    number_format: str | None,
    page_error: Callable[[str], Exception],
    links: list[str] | None = None,
) -> str:
    """table_html over columns of values and their suppression flags (lists, for speed).

    Chart data tables make up most of an EU-wide site, so body cells are written lean:
    without their optional end tags, and a column of numbers is right-aligned by a class of
    the table (num-N, see site.css) rather than of each cell.
    """
    head = "".join(f'<th scope="col">{html.escape(humanise(c))}</th>' for c in columns)
    numeric_columns = {
        position
        for position, column in enumerate(values[:NUMERIC_COLUMN_CLASSES])
        if any(is_number(v) for v in column) and all(is_number(v) or is_missing(v) for v in column)
    }
    rows = []
    for index in range(len(values[0]) if values else 0):
        cells = []
        for position in range(len(columns)):
            value = values[position][index]
            if is_missing(value) and flags[position][index]:
                cells.append(
                    f'<td class="suppressed"><abbr title="{SUPPRESSED_NOTE}">{SUPPRESSED}</abbr>'
                )
                continue
            if is_missing(value):
                text = f'<span class="missing" title="no value">{NO_VALUE}</span>'
            else:
                text = html.escape(format_value(value, number_format, page_error))
            if position == 0 and links is not None:
                text = f'<a href="{html.escape(links[index])}">{text}</a>'
            numeric = is_number(value) and position not in numeric_columns
            element = 'th scope="row"' if position == 0 else "td"
            css = ' class="number"' if numeric else ""
            cells.append(f"<{element}{css}>{text}")
        rows.append(f"<tr>{''.join(cells)}")
    classes = " ".join(f"num-{position + 1}" for position in sorted(numeric_columns))
    table = f'<table class="{classes}">' if classes else "<table>"
    return (
        f"{table}<caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def data_table(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    hidden = {SUPPRESSED} | {c for c in frame.columns if str(c).endswith("_suppressed")}
    columns = attribute_list(tag.attributes.get("columns")) or [
        c for c in frame.columns if c not in hidden
    ]
    link = None
    if "link" in tag.attributes:
        template = tag.attributes["link"]
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        unknown = [f for f in fields if f not in frame.columns]
        if unknown:
            raise context.error(tag, f"unknown column(s) {', '.join(unknown)} in link")

        def link(row: dict) -> str:
            return context.root + template.format(**row)

    caption = tag.attributes.get("title", "")
    return (
        # Focusable: a table wider than the page scrolls, by keyboard too.
        '<div class="table-wrap" tabindex="0">'
        + table_html(
            frame,
            columns,
            caption=caption,
            number_format=tag.attributes.get("format"),
            page_error=lambda message: context.error(tag, message),
            link=link,
        )
        + "</div>"
    )


def big_value(tag: Tag, frame: pd.DataFrame, context: RenderContext) -> str:
    column = tag.attributes["value"]
    if frame.empty:
        text, css = NO_VALUE, "missing"
    elif is_missing(frame[column].iloc[0]) and suppressed_flags(frame, column).iloc[0]:
        text, css = SUPPRESSED, "suppressed"
    elif is_missing(frame[column].iloc[0]):
        text, css = NO_VALUE, "missing"
    else:
        text = format_value(
            frame[column].iloc[0],
            tag.attributes.get("format"),
            lambda message: context.error(tag, message),
        )
        css = "number"
    unit = tag.attributes.get("unit", "")
    return (
        f'<div class="big-value"><div class="big-value-title">'
        f"{html.escape(tag.attributes['title'])}</div>"
        f'<div class="big-value-number {css}">{html.escape(text)}</div>'
        f'<div class="big-value-unit">{html.escape(unit)}</div></div>'
    )
