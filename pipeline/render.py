"""Notion blocks → Hugo-ready Markdown. Pure: no I/O, no API.

Block knowledge is one table, `BLOCKS`: one `BlockSpec` per block type says how it renders,
where its rich text and links are, whether it holds a file, whether its children are walked
and whether it is list-like. The fetcher (`source`) and the validator (`validate`) derive
their sets from it, so a new block type is one spec and one fixture. A type the table does not
know still gives the reader its text and children (`render_fallback`), with a warning.
Block shapes: developers.notion.com/reference/block, checked against notion-sdk-js
src/api-endpoints/blocks.ts (`BlockObjectResponse`, 2026-08).

Rich text is serialized in `pipeline.richtext`, links and URLs in `pipeline.links`.
Callout icons: an emoji is kept; other icons (external or Notion-hosted images, custom emoji,
Notion's native icons) are left out: they are decoration, and Notion-hosted URLs expire an
hour after the sync.

The `[render]` options of pipeline.toml (`RenderOptions`) turn on what a plain Markdown post
does without: colors as styled `<span>`s, columns as `<div>`s, a date format, tabs as
`<details>`, meeting transcripts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from pipeline.links import Notice, RenderContext, post_link, safe_url, video_shortcode
from pipeline.model import Block, as_object, as_text, plain_text
from pipeline.richtext import (
    CELL,
    COLORS,
    HEADING,
    LABEL,
    PARAGRAPH,
    SHORTCODE_OPEN,
    Where,
    color_of,
    entity_braces,
    escaped,
    passthrough_tex,
    rich_text,
    span_open,
    to_html,
    to_markdown,
)

__all__ = ["BLOCKS", "COLORS", "BlockSpec", "Notice", "RenderContext", "render_page", "rich_text", "video_shortcode"]

Renderer = Callable[[Block, RenderContext], str]

# --- block sequences ----------------------------------------------------------------------

def indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.split("\n"))


# Notion's `list_format` (notion-sdk-js NumberedListItemBlockObjectResponse: "numbers",
# "letters", "roman") → the HTML <ol type>; Markdown can only number with digits.
_LIST_STYLES = {"letters": "a", "roman": "i"}


def _list_style(block: Block | None) -> str | None:
    if block is None or block.type != "numbered_list_item":
        return None
    return _LIST_STYLES.get(as_text(block.value.get("list_format")))


# How many levels of blocks a post shows: Notion allows more, but a post this deep is
# unreadable, and every level costs the renderer a few stack frames. Deeper content rejects its
# entry (never cut). The fetcher's [limits] max_depth counts the same levels and may not exceed it.
MAX_DEPTH = 64


def _number(value: Any) -> int:
    """A numbered list's first number: the API's `list_start_index` when it is a plain
    positive integer (it goes into the Markdown and an `<ol start>`), else 1."""
    return value if type(value) is int and 1 <= value <= 999_999_999 else 1


def _too_deep(blocks: Sequence[Block], ctx: RenderContext) -> bool:
    """Whether these blocks lie deeper than a post shows; then the entry is rejected (an error
    notice), since leaving them out would drop what a contributor typed."""
    if blocks and ctx.depth >= MAX_DEPTH:  # depth counts from 0: levels 0 … MAX_DEPTH - 1
        ctx.notice(
            f"blocks nested deeper than {MAX_DEPTH} levels: the post cannot show them. "
            "Move the innermost blocks up a few levels in Notion.",
            "error",
        )
        return True
    return False


def render_blocks(blocks: Sequence[Block], ctx: RenderContext) -> str:
    """Blocks listed one after the other, in the context of the block that holds them."""
    if _too_deep(blocks, ctx):
        return ""
    parts: list[str] = []
    previous: Block | None = None
    number = 0
    for i, block in enumerate(blocks):
        starts_list = previous is None or previous.type != "numbered_list_item"
        if block.type == "numbered_list_item":
            number = _number(block.value.get("list_start_index")) if starts_list else number + 1
        text = render_block(block, ctx.at(block, number))
        style = _list_style(block)
        if style and text:
            # A lettered or roman list is HTML around its items; its first item sets the style.
            if starts_list:
                text = f'<ol type="{style}" start="{number}">\n' + text
            if _list_style(blocks[i + 1] if i + 1 < len(blocks) else None) is None:
                text += "\n</ol>"
        if text == "":
            previous = block
            continue
        if parts:
            same_list = previous is not None and previous.type == block.type and spec_of(block.type).list_like
            parts.append("\n" if same_list else "\n\n")
        parts.append(text)
        previous = block
    return "".join(parts)


def render_block(block: Block, ctx: RenderContext) -> str:
    """One block, by its spec; `ctx` is the block's own (`RenderContext.at`)."""
    return spec_of(block.type).render(block, ctx)


def render_children(block: Block, ctx: RenderContext) -> str:
    return render_blocks(block.children, ctx.inside())


def _then(*parts: str) -> str:
    """Blocks one after the other, empty ones left out."""
    return "\n\n".join(part for part in parts if part)


def _attach(head: str, block: Block, ctx: RenderContext, width: int) -> str:
    """A list-like item with its children indented under it. A list directly under the item
    stays tight; anything else needs a blank line, or it would be read as a lazy continuation."""
    if not block.children:
        return head
    body = render_children(block, ctx)
    if not body:
        return head
    joiner = "\n" if spec_of(block.children[0].type).list_like else "\n\n"
    return head + joiner + indent(body, width)


_TASK_START = re.compile(r"\[([ \txX])\](\()?")


def _block_text(block: Block, ctx: RenderContext, where: Where = PARAGRAPH) -> str:
    """A block's own rich text, in the block's color when colors are on. The span goes around
    Markdown escaped for the start and end of a line: its tags' `>` and `<` are punctuation,
    which every escaping and flanking rule here treats as it treats a line's ends."""
    text = to_markdown(block.value.get("rich_text"), ctx, where)
    color = color_of(block.value)
    return span_open(color) + text + "</span>" if text and ctx.options.colors and color else text


def _html_block(tag: str, attributes: str, body: str) -> str:
    """Markdown inside a raw HTML element, with blank lines inside so the Markdown between
    the tags is rendered (CommonMark ends the HTML block at the first blank line)."""
    return f"<{tag}{attributes}>\n\n{body}\n\n</{tag}>"


def _item_text(block: Block, ctx: RenderContext) -> str:
    """A list item's text. Goldmark reads `[ ]`, `[x]` at the start of an item as a task
    checkbox, even when it is the text of a link (whose text becomes an entity then)."""
    text = _block_text(block, ctx)
    match = _TASK_START.match(text)
    if not match:
        return text
    if match.group(2):
        return f"[&#{ord(match.group(1))};]" + text[3:]
    return "&#91;" + text[1:]  # not `\[`: with passthrough, `\[…\]` is display math


# --- one function per block type ----------------------------------------------------------


def render_paragraph(block: Block, ctx: RenderContext) -> str:
    # Nested blocks follow the text: indented, they would become a code block.
    return _then(_block_text(block, ctx), render_children(block, ctx))


def _heading(level: int) -> Callable[[Block, RenderContext], str]:
    def render_heading(block: Block, ctx: RenderContext) -> str:
        text = _block_text(block, ctx, HEADING)
        if not text:
            return render_children(block, ctx)  # an untitled toggle heading still holds content
        # A closing `#` run would be eaten as the ATX closing sequence.
        text = re.sub(r"(\s)(#+)$", lambda m: m.group(1) + "\\" + m.group(2), text)
        # A toggleable heading's content follows it, unindented.
        return _then("#" * level + " " + text, render_children(block, ctx))

    return render_heading


def render_bulleted_list_item(block: Block, ctx: RenderContext) -> str:
    return _attach("- " + _item_text(block, ctx), block, ctx, 4)


def render_numbered_list_item(block: Block, ctx: RenderContext) -> str:
    if _list_style(block):
        # An item of an HTML list (render_blocks writes the <ol>): blank lines inside the
        # <li> so its Markdown is rendered.
        return _html_block("li", "", _then(_item_text(block, ctx), render_children(block, ctx)))
    marker = f"{ctx.number}. "
    return _attach(marker + _item_text(block, ctx), block, ctx, max(4, len(marker)))


def render_to_do(block: Block, ctx: RenderContext) -> str:
    box = "[x]" if block.value.get("checked") else "[ ]"
    return _attach(f"- {box} " + _item_text(block, ctx), block, ctx, 4)


def render_toggle(block: Block, ctx: RenderContext) -> str:
    # As Notion's own export writes a toggle: a list item with its content indented under it.
    return _attach("- " + _item_text(block, ctx), block, ctx, 4)


def render_quote(block: Block, ctx: RenderContext) -> str:
    body = _then(_block_text(block, ctx), render_children(block, ctx))
    return "\n".join("> " + line if line else ">" for line in body.split("\n")) if body else ""


def render_callout(block: Block, ctx: RenderContext) -> str:
    # `<aside>` as Notion's export writes it. Its color is the whole box's, as in Notion (gray
    # background by default), not its text's.
    emoji = escaped(_icon(block.value), PARAGRAPH)
    text = rich_text(block.value.get("rich_text"), ctx)
    first = f"{emoji} {text}".strip()
    color = color_of(block.value)
    style = f' style="{COLORS[color]}"' if ctx.options.colors and color else ""
    return _html_block("aside", style, _then(first, render_children(block, ctx)))


def render_divider(block: Block, ctx: RenderContext) -> str:
    return "---"


# Notion's code languages (the `language` enum of the code block) → Chroma lexer names or
# aliases, where they differ; the others are Chroma names already, or have no lexer and are
# kept for client-side highlighters (and `mermaid` for the site kit's render hook).
CODE_LANGUAGES = {
    "plain text": "text",
    "ascii art": "text",
    "notion formula": "text",
    "assembly": "asm",
    "c++": "cpp",
    "c#": "csharp",
    "f#": "fsharp",
    "objective-c": "objectivec",
    "pascal": "objectpascal",
    "llvm ir": "llvm",
    "vb.net": "vbnet",
    "visual basic": "vbnet",
    "java/c/c++/c#": "java",
    "markup": "html",
    "webassembly": "wat",
    "flow": "javascript",
}


def render_code(block: Block, ctx: RenderContext) -> str:
    code = plain_text(block.value.get("rich_text"))
    language = (as_text(block.value.get("language")) or "plain text").lower()
    language = CODE_LANGUAGES.get(language, re.sub(r"[^a-z0-9_+-]", "", language))
    if SHORTCODE_OPEN.search(code):
        # Raw HTML on one line (newlines as entities), so indenting it in a list item cannot
        # change the code.
        body = entity_braces(html.escape(code, quote=False)).replace("\n", "&#10;")
        fenced = f'<pre><code class="language-{language}">{body}</code></pre>'
    else:
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        fenced = f"{fence}{language}\n{code}\n{fence}"
    return _then(fenced, rich_text(block.value.get("caption"), ctx))


def render_equation(block: Block, ctx: RenderContext) -> str:
    expression = as_text(block.value.get("expression")).strip()
    return f"$$\n{passthrough_tex(expression)}\n$$" if expression else ""


def _media_url(block: Block, ctx: RenderContext) -> str | None:
    """Where an image, video, file, pdf or audio block points: its copy in the page bundle
    when Notion hosts it (the signed URL expires within an hour), else its external URL."""
    url = (file_url(block) or ("", ""))[1]
    target = safe_url(ctx.local_files.get(url, url))
    if target is None:
        ctx.notice(f"{block.type} URL {url!r} is not an http(s) URL; the {block.type} is left out", "error")
    return target


def render_image(block: Block, ctx: RenderContext) -> str:
    target = _media_url(block, ctx)
    if target is None:
        return ""
    caption = block.value.get("caption")
    alt = escaped(plain_text(caption).replace("\n", " "))
    return _then(f"![{alt}]({target})", rich_text(caption, ctx))



def render_video(block: Block, ctx: RenderContext) -> str:
    target = _media_url(block, ctx)
    if target is None:
        return ""
    caption = block.value.get("caption")
    shortcode = video_shortcode(target)
    if shortcode is None:
        return _link_block(target, caption, ctx)
    return _then(shortcode, rich_text(caption, ctx))


def render_file(block: Block, ctx: RenderContext) -> str:
    # file, pdf and audio: a link for now, labelled by the caption, else the file name.
    target = _media_url(block, ctx)
    if target is None:
        return ""
    return _link_block(target, block.value.get("caption"), ctx, name=as_text(block.value.get("name")))


def _link_block(url: str, caption: list[dict[str, Any]] | None, ctx: RenderContext, *, name: str = "") -> str:
    target = post_link(url, ctx)
    if target is None:
        ctx.notice(f"link {url!r} is not an http(s) URL; shown as text", "error")
        return rich_text(caption, ctx) or escaped(name or url, PARAGRAPH)
    return f"[{to_markdown(caption, ctx, LABEL) or escaped(name or url)}]({target})"


def render_bookmark(block: Block, ctx: RenderContext) -> str:
    # The API gives a bookmark's URL and caption only, not the page title Notion displays.
    return _link_block(as_text(block.value.get("url")), block.value.get("caption"), ctx)


def render_embed(block: Block, ctx: RenderContext) -> str:
    url = as_text(block.value.get("url"))
    shortcode = video_shortcode(url)
    if shortcode is None:
        return _link_block(url, block.value.get("caption"), ctx)
    return _then(shortcode, rich_text(block.value.get("caption"), ctx))


def render_link_preview(block: Block, ctx: RenderContext) -> str:
    return _link_block(as_text(block.value.get("url")), [], ctx)


def _page_link(page_id: str, title: str, what: str, ctx: RenderContext) -> str:
    """A link to the post exported from a workspace page, else the page's title as text."""
    name = title or ctx.titles.get(page_id) or "Linked page"
    ctx.linked_pages.add(page_id)  # re-rendered when that post moves, goes or is renamed
    if page_id in ctx.post_links:
        return f"[{escaped(name)}]({ctx.post_links[page_id]})"
    ctx.notice(
        f"{what} {title or page_id!r} is not exported: the blog shows its title as plain text. "
        "Publish it too, or remove the link."
    )
    return escaped(name, PARAGRAPH)


def render_child_page(block: Block, ctx: RenderContext) -> str:
    return _page_link(block.id, as_text(block.value.get("title")), "child page", ctx)


def render_child_database(block: Block, ctx: RenderContext) -> str:
    return _page_link(block.id, as_text(block.value.get("title")), "child database", ctx)


def render_link_to_page(block: Block, ctx: RenderContext) -> str:
    # page_id, database_id or comment_id; the API does not give the page's title.
    kind = as_text(block.value.get("type"))
    return _page_link(as_text(block.value.get(kind)), "", "linked " + kind.removesuffix("_id"), ctx)


def render_table(block: Block, ctx: RenderContext) -> str:
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
        return _pipe_table(rows, ctx)
    return _html_table(rows, bool(column_header), bool(row_header), ctx)


def _pipe_table(rows: list[list[list[dict[str, Any]]]], ctx: RenderContext) -> str:
    """A GFM table: its first row is the header."""
    lines = ["| " + " | ".join(to_markdown(cell, ctx, CELL) for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return "\n".join(lines)


def _html_table(rows: list[list[list[dict[str, Any]]]], column_header: bool, row_header: bool, ctx: RenderContext) -> str:
    """A raw HTML table, for what a GFM table cannot say: no header row, or a header column.
    One HTML block: no blank line inside, cell text HTML-escaped."""
    lines = ["<table>"]
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            tag = "th" if (column_header and r == 0) or (row_header and c == 0) else "td"
            scope = ' scope="row"' if tag == "th" and not (column_header and r == 0) else ""
            cells.append(f"<{tag}{scope}>{to_html(cell, ctx)}</{tag}>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def render_container(block: Block, ctx: RenderContext) -> str:
    return render_children(block, ctx)


def _columns(css_class: str) -> Callable[[Block, RenderContext], str]:
    """column_list and column. `columns = "flatten"`: the columns one after the other;
    "grid": a `<div class="notion-columns">` holding one `<div class="notion-column">` per
    column, which the site kit's stylesheet lays out side by side."""

    def render_column(block: Block, ctx: RenderContext) -> str:
        body = render_children(block, ctx)
        return body if ctx.options.columns == "flatten" else _html_block("div", f' class="{css_class}"', body)

    return render_column


def render_nothing(block: Block, ctx: RenderContext) -> str:
    return ""


def _block_url(block: Block, ctx: RenderContext) -> str:
    """Where a contributor finds the block: Notion's "Copy link to block" form."""
    anchor = re.sub(r"[^0-9a-f]", "", block.id.lower())
    return f"{ctx.page_url}#{anchor}" if ctx.page_url else f"https://www.notion.so/{anchor}"


def render_fallback(block: Block, ctx: RenderContext) -> str:
    """The rule for every block without a renderer, known or not: its rich text under any field
    named `rich_text`, `title` or `caption`, then its children, and a warning that names the
    type and links the block. The API's own `unsupported` type names the block it stands for
    (notion-sdk-js UnsupportedBlockObjectResponse: `unsupported.block_type`, e.g. form, button)."""
    named = block.value.get("block_type") if block.type == "unsupported" else block.type
    kind = re.sub(r"[^a-z0-9_]", "", str(named))
    texts = [to_markdown(items, ctx, PARAGRAPH) for items in _named_texts(block.value)]
    body = _then(*texts, render_children(block, ctx))
    if block.type == "unsupported":
        # Its content is not in the API's answer: a comment marks the place in the post.
        ctx.notice(f"Notion's API does not give the content of a {kind!r} block: the post leaves it out. "
                   f"Check what the reader misses: {_block_url(block, ctx)}")
        marker = f"<!-- notion block not rendered: {kind} {re.sub(r'[^0-9a-f-]', '', block.id)} -->"
        body = _then(marker, body)
    else:
        ctx.notice(f"block type {kind!r} has no renderer: its text and nested blocks are shown as plain "
                   f"paragraphs. Check the post against the block: {_block_url(block, ctx)}")
    return body


_TEXT_FIELDS = ("rich_text", "title", "caption")


def _is_rich_text(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and "type" in item for item in value)


def _named_texts(value: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The rich text arrays of a payload the table does not describe: every field named
    rich_text, title or caption, at any depth of its objects, in the payload's order."""
    for key, field_value in value.items():
        if key in _TEXT_FIELDS and _is_rich_text(field_value):
            yield field_value
        elif isinstance(field_value, dict):
            yield from _named_texts(field_value)


def _icon(value: dict[str, Any]) -> str:
    """An emoji icon as text; other icons are decoration (and Notion-hosted ones expire)."""
    icon = value.get("icon")
    emoji = icon.get("emoji") if isinstance(icon, dict) and icon.get("type") == "emoji" else None
    return emoji if isinstance(emoji, str) else ""


def render_tab(block: Block, ctx: RenderContext) -> str:
    """Tabs, readable without JavaScript. Shape: notion-sdk-js blocks.ts TabBlockObjectResponse
    (`tab: EmptyObject`, API 2026-03-11); each child is one tab, a paragraph
    (ContentWithRichTextColorAndIconResponse) whose `rich_text` is the label, `icon` the tab's
    icon and children the tab's content. `[render] tabs`: "sections" (a level-4 heading per tab
    and its content) or "details" (a `<details>` per tab, the first one open)."""
    inner = ctx.inside()
    if _too_deep(block.children, inner):
        return ""
    parts = []
    for i, tab in enumerate(block.children):
        tab_ctx = inner.at(tab)
        if tab.type != "paragraph":  # not a tab: shown as the block it is
            parts.append(render_block(tab, tab_ctx))
            continue
        icon = _icon(tab.value)
        content = render_children(tab, tab_ctx)
        if ctx.options.tabs == "details":
            label = " ".join(part for part in (html.escape(icon), to_html(tab.value.get("rich_text"), tab_ctx)) if part)
            opening = f'<details class="notion-tab"{" open" if i == 0 else ""}>\n<summary>{label or f"Tab {i + 1}"}</summary>'
            parts.append(f"{opening}\n\n{content}\n\n</details>" if content else f"{opening}\n</details>")
        else:
            label = " ".join(part for part in (escaped(icon, HEADING), to_markdown(tab.value.get("rich_text"), tab_ctx, HEADING)) if part)
            parts.append(_then("#### " + (label or f"Tab {i + 1}"), content))
    return _then(*parts)


def render_meeting_notes(block: Block, ctx: RenderContext) -> str:
    """AI meeting notes: the title as a heading, then the summary and notes, and the transcript
    only with `[render] transcripts = true`. Shape: notion-sdk-js blocks.ts
    MeetingNotesBlockObjectResponse (2026-03-11) and TranscriptionBlockObjectResponse (its name
    before), both TranscriptionBlockResponse: {title?: rich text, status?, children?:
    {summary_block_id?, notes_block_id?, transcript_block_id?}, calendar_event?, recording?};
    the blocks those ids name are the block's children."""
    ids = block.value.get("children")
    transcript = ids.get("transcript_block_id") if isinstance(ids, dict) else None
    kept = [child for child in block.children if ctx.options.transcripts or child.id != transcript]
    title = to_markdown(block.value.get("title"), ctx, HEADING)
    return _then("### " + title if title else "", render_blocks(kept, ctx.inside()))


@dataclass(frozen=True, slots=True)
class BlockSpec:
    """What the pipeline knows about one block type. Renderer, fetcher and validator read it."""

    render: Renderer
    # Payload fields holding rich text: an array, or an array of arrays (a table row's cells).
    text: tuple[str, ...] = ("rich_text",)
    link: str | None = None  # payload field holding a URL the block links to
    # The payload is a file object (developers.notion.com/reference/file-object): its `type`
    # is "file" (Notion-hosted, a signed URL valid for an hour) or "external", and the URL sits
    # at payload[type]["url"]. Such files are downloaded into the bundle.
    file: bool = False
    walk: bool = True  # children fetched and rendered; False: they belong to another page
    list_like: bool = False  # consecutive items form one tight Markdown list


_MEDIA = ("caption",)
BLOCKS: dict[str, BlockSpec] = {
    "paragraph": BlockSpec(render_paragraph),
    "heading_1": BlockSpec(_heading(1)),
    "heading_2": BlockSpec(_heading(2)),
    "heading_3": BlockSpec(_heading(3)),
    # Shape: notion-sdk-js blocks.ts Heading4BlockObjectResponse (API 2026-03-11), toggleable too.
    "heading_4": BlockSpec(_heading(4)),
    "bulleted_list_item": BlockSpec(render_bulleted_list_item, list_like=True),
    "numbered_list_item": BlockSpec(render_numbered_list_item, list_like=True),
    "to_do": BlockSpec(render_to_do, list_like=True),
    "toggle": BlockSpec(render_toggle),
    "quote": BlockSpec(render_quote),
    "callout": BlockSpec(render_callout),
    "divider": BlockSpec(render_divider, text=()),
    "code": BlockSpec(render_code, text=("rich_text", "caption")),
    "equation": BlockSpec(render_equation, text=()),
    "image": BlockSpec(render_image, text=_MEDIA, file=True),
    "video": BlockSpec(render_video, text=_MEDIA, file=True),
    "file": BlockSpec(render_file, text=_MEDIA, file=True),
    "pdf": BlockSpec(render_file, text=_MEDIA, file=True),
    "audio": BlockSpec(render_file, text=_MEDIA, file=True),
    "bookmark": BlockSpec(render_bookmark, text=_MEDIA, link="url"),
    "embed": BlockSpec(render_embed, text=_MEDIA, link="url"),
    "link_preview": BlockSpec(render_link_preview, text=(), link="url"),
    "table": BlockSpec(render_table, text=()),
    # A table row's cells are rich text arrays (developers.notion.com/reference/block#table-row).
    "table_row": BlockSpec(render_nothing, text=("cells",)),  # rendered by its table
    "child_page": BlockSpec(render_child_page, text=(), walk=False),
    "child_database": BlockSpec(render_child_database, text=(), walk=False),
    "link_to_page": BlockSpec(render_link_to_page, text=()),
    "column_list": BlockSpec(_columns("notion-columns"), text=()),
    "column": BlockSpec(_columns("notion-column"), text=()),
    "synced_block": BlockSpec(render_container, text=()),
    "tab": BlockSpec(render_tab, text=()),
    "meeting_notes": BlockSpec(render_meeting_notes, text=("title",)),
    "transcription": BlockSpec(render_meeting_notes, text=("title",)),
    "template": BlockSpec(render_nothing),
    "breadcrumb": BlockSpec(render_nothing, text=()),
    "table_of_contents": BlockSpec(render_nothing, text=()),
    "unsupported": BlockSpec(render_fallback, text=()),
}
# A type the table does not know: its text wherever it is named as text, and its children.
FALLBACK = BlockSpec(render_fallback, text=())


def spec_of(block_type: str) -> BlockSpec:
    return BLOCKS.get(block_type, FALLBACK)


def block_texts(block: Block) -> Iterator[list[dict[str, Any]]]:
    """Every rich text array of a block, as its spec says (or as the fallback finds them)."""
    spec = BLOCKS.get(block.type)
    if spec is None:
        yield from _named_texts(block.value)
        return
    for name in spec.text:
        value = block.value.get(name)
        if _is_rich_text(value):
            yield value
        elif isinstance(value, list):  # table cells
            yield from (cell for cell in value if _is_rich_text(cell))


def file_url(block: Block) -> tuple[str, str] | None:
    """(file object type, URL) of a file-holding block, or None."""
    if not spec_of(block.type).file:
        return None
    kind = as_text(block.value.get("type"))
    url = as_text(as_object(block.value.get(kind)).get("url"))
    return (kind, url) if url else None


def render_page(blocks: Sequence[Block], ctx: RenderContext) -> str:
    """The Markdown body of a page: its blocks, with one trailing newline."""
    return render_blocks(blocks, ctx).strip("\n")
