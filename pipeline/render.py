"""Notion blocks → Hugo-ready Markdown. Pure: no I/O, no API.

One function per block type in `BLOCK_RENDERERS`; adding a type is one function and one row.
Rich text goes through markdownify (runs → small HTML → Markdown), with an escape hook that
keeps what a contributor typed literal: no Markdown, raw HTML or Hugo shortcode can come out
of Notion text. Block shapes: developers.notion.com/reference/block; rich text shapes:
developers.notion.com/reference/rich-text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote

from markdownify import MarkdownConverter

from pipeline.config import notion_id
from pipeline.model import Block


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the renderer could not show as Notion shows it (reported, never silent)."""

    severity: str
    block_id: str
    block_type: str
    message: str


@dataclass(slots=True)
class RenderContext:
    """What rendering needs to know beyond the blocks: where other exported pages live."""

    post_links: dict[str, str] = field(default_factory=dict)  # page id -> link to its post
    linked_pages: set[str] = field(default_factory=set)  # workspace pages this page links to
    local_files: dict[str, str] = field(default_factory=dict)  # Notion-hosted URL -> file in the bundle
    notices: list[Notice] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    _current: tuple[str, str] = ("", "")

    def notice(self, message: str, severity: str = "warning") -> None:
        block_id, block_type = self._current
        self.notices.append(Notice(severity, block_id, block_type, message))


# --- links -------------------------------------------------------------------------------

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Characters that would end or break a Markdown link destination, or open a Hugo shortcode.
_URL_UNSAFE = re.compile(r"[\s<>()\"'\\{}`\[\]]")


_BUNDLE_FILE = re.compile(r"[0-9a-f]{16}\.[a-z0-9]{1,5}")  # named by sync.bundle_file_name


def safe_url(url: str) -> str | None:
    """A URL fit for a Markdown link destination, or None when it must not become a link."""
    url = (url or "").strip()
    if _BUNDLE_FILE.fullmatch(url):
        return url
    if not url.lower().startswith(_SAFE_SCHEMES) and not url.startswith(("/", "#")):
        return None
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


def post_link(url: str | None, ctx: RenderContext, *, page_id: str | None = None) -> str | None:
    """Where a link should point: the exported post for a workspace page, else the URL itself."""
    target = page_id or (notion_id(url) if url else None)
    if target and (page_id or _is_workspace_url(url)):
        ctx.linked_pages.add(target)
    if target and target in ctx.post_links:
        return ctx.post_links[target]
    if target and (page_id or _is_workspace_url(url)):
        ctx.notice(
            f"links to Notion page {url or target}, which is not exported: readers of the blog "
            "cannot open it. Publish that page, or link to a public URL instead."
        )
    return safe_url(url) if url else None


def _is_workspace_url(url: str | None) -> bool:
    return bool(url) and re.match(r"^https?://([a-z0-9-]+\.)*(notion\.so|notion\.site|notion\.com)/", url, re.I) is not None


# --- rich text -----------------------------------------------------------------------------

_LINE_START = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<mark>[#>:|=+]|[-*](?=[ \t]|$)|[-=]+[ \t]*$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=[ \t]|$))"
)
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class _InlineConverter(MarkdownConverter):
    """markdownify with whitespace kept as typed and an escape hook that is context-aware.

    Only what CommonMark, Goldmark's extensions (GFM strikethrough, tables, footnotes,
    definition lists) or Hugo's shortcodes would read as syntax is escaped, so the Markdown
    still reads like the text a contributor typed.
    """

    def __init__(self, tildes: bool) -> None:
        super().__init__(strong_em_symbol="*", newline_style="backslash", autolinks=True)
        self.tildes = tildes  # the paragraph has two or more `~`: they could pair into strikethrough

    def process_text(self, el: Any, parent_tags: set[str] | None = None) -> str:
        text = str(el)
        if "_noformat" not in (parent_tags or ()):
            text = self.escape(text, parent_tags or set())
        return text

    def escape(self, text: str, parent_tags: set[str]) -> str:
        in_link = "a" in parent_tags
        out: list[str] = []
        last = len(text) - 1
        for i, ch in enumerate(text):
            after = text[i + 1] if i < last else ""
            before = text[i - 1] if i else ""
            if ch == "\\":
                escape = after in _ASCII_PUNCT or after == ""
            elif ch in "*`<|":
                escape = True
            elif ch == "_":
                escape = not (before.isalnum() and after.isalnum())
            elif ch == "~":
                escape = self.tildes
            elif ch == "]":
                # At the end of a text node the next character is markup of ours (`*`, `[`, …).
                escape = in_link or after in ("(", "[", ":")
            elif ch == "[":
                escape = in_link
            elif ch == "&":
                escape = _ENTITY.match(text, i) is not None
            elif ch == "%":
                escape = text[max(0, i - 2):i] == "{{"
            else:
                escape = False
            out.append("\\" + ch if escape else ch)
        return "".join(out)

    def convert_code(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if _SHORTCODE_OPEN.search(text):
            # A code span cannot hide `{{<` from Hugo, which expands shortcodes before Markdown.
            return "<code>" + _entity_braces(html.escape(text, quote=False)) + "</code>"
        return super().convert_code(el, text, parent_tags)


_SHORTCODE_OPEN = re.compile(r"\{\{\s*[<%]")


def _entity_braces(text: str) -> str:
    return text.replace("{", "&#123;").replace("}", "&#125;")


def _escape_line_starts(markdown: str) -> str:
    """Text that would start a heading, quote, list, table, setext underline or definition."""

    def fix(match: re.Match[str]) -> str:
        indent = match.group("indent")
        if match.group("num"):
            return indent + match.group("num") + "\\" + match.group("dot")
        return indent + "\\" + match.group(0)[len(indent):]

    lines = markdown.split("\n")
    return "\n".join(_LINE_START.sub(fix, line, count=1) for line in lines)


_ANNOTATION_TAGS = (("bold", "strong"), ("italic", "em"), ("strikethrough", "del"))


def _run_text(item: dict[str, Any], ctx: RenderContext) -> tuple[str, str | None]:
    """The text a run shows and where it links, for every rich text type."""
    kind = item.get("type")
    href = item.get("href")
    text = item.get("plain_text", "")
    if kind == "mention":
        mention = item.get("mention", {})
        mtype = mention.get("type")
        if mtype in ("page", "database"):
            return text, post_link(href, ctx, page_id=mention[mtype].get("id"))
        if mtype == "link_preview":
            return text, safe_url(mention["link_preview"].get("url", ""))
        if mtype == "link_mention":
            return text, safe_url(mention["link_mention"].get("href", ""))
        return text, safe_url(href) if href else None
    if kind == "equation":
        return text, None
    link = (item.get("text") or {}).get("link") or {}
    url = link.get("url") or href
    return text, post_link(url, ctx) if url else None


def _segments(rich_text: Iterable[dict[str, Any]], ctx: RenderContext) -> list[tuple[str, dict[str, bool], str | None]]:
    segments: list[tuple[str, dict[str, bool], str | None]] = []
    for item in rich_text:
        text, href = _run_text(item, ctx)
        if not text:
            continue
        notes = item.get("annotations") or {}
        marks = {name: bool(notes.get(name)) for name, _ in _ANNOTATION_TAGS}
        marks["code"] = bool(notes.get("code"))
        if segments and segments[-1][1] == marks and segments[-1][2] == href:
            segments[-1] = (segments[-1][0] + text, marks, href)
        else:
            segments.append((text, marks, href))
    return segments


def _nest(segments: Sequence[tuple[str, dict[str, bool], str | None]], level: int = 0) -> str:
    """Well-nested HTML: consecutive runs sharing a link or an annotation share one element,
    so `**a *b***` never comes out as `**a****b**`."""
    if level == 0:
        return "".join(_group(segments, lambda s: s[2], lambda href, inner: f'<a href="{html.escape(href)}">{inner}</a>' if href else inner, level))
    if level <= len(_ANNOTATION_TAGS):
        name, tag = _ANNOTATION_TAGS[level - 1]
        return "".join(_group(segments, lambda s: s[1][name], lambda on, inner: f"<{tag}>{inner}</{tag}>" if on else inner, level))
    out = []
    for text, marks, _ in segments:
        body = html.escape(text, quote=False).replace("\n", "<br/>")
        out.append(f"<code>{html.escape(text, quote=False)}</code>" if marks["code"] else body)
    return "".join(out)


def _group(segments, key, wrap, level):
    start = 0
    for i in range(1, len(segments) + 1):
        if i == len(segments) or key(segments[i]) != key(segments[start]):
            yield wrap(key(segments[start]), _nest(segments[start:i], level + 1))
            start = i


def rich_text(items: Iterable[dict[str, Any]], ctx: RenderContext) -> str:
    items = list(items or ())
    segments = _segments(items, ctx)
    if not segments:
        return ""
    plain = "".join(s[0] for s in segments)
    converter = _InlineConverter(tildes=plain.count("~") >= 2)
    markdown = converter.convert(_nest(segments))
    return _escape_line_starts(markdown)


def plain_text(items: Iterable[dict[str, Any]]) -> str:
    return "".join(item.get("plain_text", "") for item in items or ())


# --- block sequences ----------------------------------------------------------------------

_LIST_TYPES = ("bulleted_list_item", "numbered_list_item", "to_do")


def indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def render_blocks(blocks: Sequence[Block], ctx: RenderContext) -> str:
    parts: list[str] = []
    previous: Block | None = None
    number = 0
    for block in blocks:
        if block.type == "numbered_list_item":
            if previous is not None and previous.type == "numbered_list_item":
                number += 1
            else:
                number = block.value.get("list_start_index") or 1
            ctx.numbers[block.id] = number
        text = render_block(block, ctx)
        if text == "":
            previous = block
            continue
        if parts:
            same_list = previous is not None and previous.type == block.type and block.type in _LIST_TYPES
            parts.append("\n" if same_list else "\n\n")
        parts.append(text)
        previous = block
    return "".join(parts)


def render_block(block: Block, ctx: RenderContext) -> str:
    ctx._current = (block.id, block.type)
    renderer = BLOCK_RENDERERS.get(block.type, render_unsupported)
    return renderer(block, ctx)


def render_children(block: Block, ctx: RenderContext) -> str:
    return render_blocks(block.children, ctx)


def _attach(head: str, block: Block, ctx: RenderContext, width: int) -> str:
    """A list-like item with its children indented under it. A list directly under the item
    stays tight; anything else needs a blank line, or it would be read as a lazy continuation."""
    if not block.children:
        return head
    body = render_children(block, ctx)
    if not body:
        return head
    joiner = "\n" if block.children[0].type in _LIST_TYPES else "\n\n"
    return head + joiner + indent(body, width)


# --- one function per block type ----------------------------------------------------------


def render_paragraph(block: Block, ctx: RenderContext) -> str:
    text = rich_text(block.value.get("rich_text"), ctx)
    children = render_children(block, ctx)
    if children:
        return (text + "\n\n" + indent(children, 4)) if text else children
    return text


def _heading(level: int) -> Callable[[Block, RenderContext], str]:
    def render_heading(block: Block, ctx: RenderContext) -> str:
        text = rich_text(block.value.get("rich_text"), ctx)
        if not text:
            return ""
        # A closing `#` run would be eaten as the ATX closing sequence.
        text = re.sub(r"(\s)(#+)$", lambda m: m.group(1) + "\\" + m.group(2), text).replace("\n", " ")
        head = "#" * level + " " + text
        children = render_children(block, ctx)  # a toggleable heading's content follows it
        return head + ("\n\n" + children if children else "")

    return render_heading



def render_bulleted_list_item(block: Block, ctx: RenderContext) -> str:
    return _attach("- " + rich_text(block.value.get("rich_text"), ctx), block, ctx, 4)


def render_numbered_list_item(block: Block, ctx: RenderContext) -> str:
    marker = f"{ctx.numbers.get(block.id, 1)}. "
    return _attach(marker + rich_text(block.value.get("rich_text"), ctx), block, ctx, max(4, len(marker)))


def render_to_do(block: Block, ctx: RenderContext) -> str:
    box = "[x]" if block.value.get("checked") else "[ ]"
    return _attach(f"- {box} " + rich_text(block.value.get("rich_text"), ctx), block, ctx, 4)


def render_toggle(block: Block, ctx: RenderContext) -> str:
    # As Notion's own export writes a toggle: a list item with its content indented under it.
    return _attach("- " + rich_text(block.value.get("rich_text"), ctx), block, ctx, 4)


def render_quote(block: Block, ctx: RenderContext) -> str:
    text = rich_text(block.value.get("rich_text"), ctx)
    children = render_children(block, ctx)
    body = text + ("\n\n" + children if children else "") if text else children
    return "\n".join("> " + line if line else ">" for line in body.split("\n"))


def _icon(icon: dict[str, Any] | None) -> str:
    if not icon:
        return ""
    kind = icon.get("type")
    if kind == "emoji":
        return icon.get("emoji", "")
    if kind == "custom_emoji":
        return ":" + icon.get("custom_emoji", {}).get("name", "") + ":"
    return ""


def render_callout(block: Block, ctx: RenderContext) -> str:
    # `<aside>` as Notion's export writes it, with blank lines inside so the Markdown between
    # the tags is rendered (CommonMark ends the HTML block at the first blank line).
    icon = _icon(block.value.get("icon"))
    text = rich_text(block.value.get("rich_text"), ctx)
    first = f"{icon} {text}".strip() if icon else text
    inner = [part for part in (first, render_children(block, ctx)) if part]
    return "<aside>\n\n" + "\n\n".join(inner) + "\n\n</aside>"


def render_divider(block: Block, ctx: RenderContext) -> str:
    return "---"


# Notion's code languages (developers.notion.com/reference/block#code) → Chroma lexer names.
CODE_LANGUAGES = {
    "plain text": "text",
    "c++": "cpp",
    "c#": "csharp",
    "f#": "fsharp",
    "objective-c": "objectivec",
    "vb.net": "vbnet",
    "visual basic": "vb",
    "java/c/c++/c#": "java",
    "markup": "html",
    "webassembly": "wasm",
    "shell": "shell",
    "docker": "docker",
    "flow": "javascript",
}


def render_code(block: Block, ctx: RenderContext) -> str:
    code = plain_text(block.value.get("rich_text"))
    language = (block.value.get("language") or "plain text").lower()
    language = CODE_LANGUAGES.get(language, re.sub(r"[^a-z0-9_+-]", "", language))
    caption = rich_text(block.value.get("caption"), ctx)
    if _SHORTCODE_OPEN.search(code):
        fenced = (
            f'<pre><code class="language-{language}">'
            + _entity_braces(html.escape(code, quote=False))
            + "</code></pre>"
        )
    else:
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        fenced = f"{fence}{language}\n{code}\n{fence}"
    return fenced + ("\n\n" + caption if caption else "")


def render_image(block: Block, ctx: RenderContext) -> str:
    url = _file_url(block, ctx)
    alt = plain_text(block.value.get("caption"))
    target = safe_url(url)
    if target is None:
        ctx.notice(f"image URL {url!r} is not an http(s) URL; the image is left out", "error")
        return ""
    alt_md = _InlineConverter(tildes=False).escape(alt, {"a"}).replace("\n", " ")
    return f"![{alt_md}]({target})"


def _file_url(block: Block, ctx: RenderContext) -> str:
    """Where a file block points: its copy in the page bundle when Notion hosts it (the signed
    URL expires within an hour), else its external URL."""
    value = block.value
    kind = value.get("type")
    url = (value.get(kind) or {}).get("url", "")
    return ctx.local_files.get(url, url)


def _link_block(url: str, caption: list[dict[str, Any]], ctx: RenderContext) -> str:
    target = post_link(url, ctx)
    label = rich_text(caption, ctx) or _InlineConverter(tildes=False).escape(url, {"a"})
    if target is None:
        ctx.notice(f"link {url!r} is not an http(s) URL; shown as text", "error")
        return label
    return f"[{label}]({target})"


def render_bookmark(block: Block, ctx: RenderContext) -> str:
    # The API gives a bookmark's URL and caption only, not the page title Notion displays.
    return _link_block(block.value.get("url", ""), block.value.get("caption"), ctx)


def render_embed(block: Block, ctx: RenderContext) -> str:
    return _link_block(block.value.get("url", ""), block.value.get("caption"), ctx)


def render_link_preview(block: Block, ctx: RenderContext) -> str:
    return _link_block(block.value.get("url", ""), [], ctx)


def render_container(block: Block, ctx: RenderContext) -> str:
    return render_children(block, ctx)


def render_nothing(block: Block, ctx: RenderContext) -> str:
    return ""


def render_unsupported(block: Block, ctx: RenderContext) -> str:
    kind = re.sub(r"[^a-z0-9_]", "", block.type)
    ctx.notice(f"block type {kind!r} has no Markdown form; an HTML comment stands in its place")
    return f"<!-- notion block not rendered: {kind} {re.sub(r'[^0-9a-f-]', '', block.id)} -->"


BLOCK_RENDERERS: dict[str, Callable[[Block, RenderContext], str]] = {
    "paragraph": render_paragraph,
    "heading_1": _heading(1),
    "heading_2": _heading(2),
    "heading_3": _heading(3),
    "heading_4": _heading(4),
    "bulleted_list_item": render_bulleted_list_item,
    "numbered_list_item": render_numbered_list_item,
    "to_do": render_to_do,
    "toggle": render_toggle,
    "quote": render_quote,
    "callout": render_callout,
    "divider": render_divider,
    "code": render_code,
    "image": render_image,
    "bookmark": render_bookmark,
    "embed": render_embed,
    "link_preview": render_link_preview,
    "column_list": render_container,
    "column": render_container,
    "synced_block": render_container,
    "template": render_nothing,
    "breadcrumb": render_nothing,
    "table_of_contents": render_nothing,
}


def render_page(blocks: Sequence[Block], ctx: RenderContext) -> str:
    """The Markdown body of a page: its blocks, with one trailing newline."""
    return render_blocks(blocks, ctx).strip("\n")
