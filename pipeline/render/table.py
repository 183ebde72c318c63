"""The rule for tables: a GFM table when its first row is the header, else raw HTML."""

from __future__ import annotations

from typing import Any

from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import goldmark
from pipeline.richtext import CELL, to_html


def render_table(block: Block, r: RenderContext) -> str:
    width = block.value.get("table_width")
    width = width if type(width) is int and 0 < width <= 1000 else 0  # the API documents an integer
    rows = []
    for row in block.children:
        if row.type == "table_row":
            cells = row.value.get("cells")
            cells = list(cells) if isinstance(cells, list) else []
            rows.append(cells + [[]] * (width - len(cells)))
    if not rows:
        return ""
    column_header, row_header = block.value.get("has_column_header"), block.value.get("has_row_header")
    if column_header and not row_header:
        return pipe_table(rows, r)
    return html_table(rows, bool(column_header), bool(row_header), r)


def pipe_table(rows: list[list[list[dict[str, Any]]]], r: RenderContext) -> str:
    """A GFM table: its first row is the header."""
    lines = ["| " + " | ".join(r.text(cell, CELL) for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return "\n".join(lines)


def html_table(rows: list[list[list[dict[str, Any]]]], column_header: bool, row_header: bool, r: RenderContext) -> str:
    """A raw HTML table, for what a GFM table cannot say: no header row, or a header column.
    One HTML block: no blank line inside, cell text HTML-escaped (or inside the kit's
    `notion-hugo/html` shortcode, with `[render] html = "shortcodes"`)."""
    lines = ["<table>"]
    for i, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            tag = "th" if (column_header and i == 0) or (row_header and c == 0) else "td"
            scope = ' scope="row"' if tag == "th" and not (column_header and i == 0) else ""
            cells.append(f"<{tag}{scope}>{to_html(cell, r)}</{tag}>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return goldmark.html("\n".join(lines), r)
