"""Notion blocks → Hugo-ready Markdown. Pure: no I/O, no API.

One function per block type in `BLOCK_RENDERERS`; adding a type is one function and one row.
Block shapes: developers.notion.com/reference/block; rich text shapes:
developers.notion.com/reference/rich-text (API versions 2025-09-03 and 2026-03-11).

What a contributor typed is what the reader sees: no Markdown, raw HTML or Hugo shortcode can
come out of Notion text. Rich text is serialized here rather than through an HTML → Markdown
converter because emphasis depends on the characters *around* it (CommonMark's flanking
rules): each `**`/`*`/`~~` is checked against its neighbours and becomes an HTML tag when
Goldmark would not read it as emphasis.

Hugo specifics this module relies on (site config: Goldmark with its default extensions,
`unsafe = true`, typographer off):
- Shortcodes (`{{<`, `{{%`) are expanded before Markdown, even inside code: they are broken
  up or entity-escaped wherever Notion text goes.
- Equations are written for Goldmark's passthrough extension, which sites enable for math:
  blocks as `$$` lines, inline as `\\(…\\)`; `<`, `>`, `&` are entity-escaped inside them,
  since passthrough copies them into the page as they are.
- Callout icons: an emoji is kept; other icons (external or Notion-hosted images, custom
  emoji, Notion's native icons) are left out: they are decoration, and Notion-hosted URLs
  expire an hour after the sync.

The `[render]` options of pipeline.toml (`RenderOptions`) turn on what a plain Markdown post
does without: colors as styled `<span>`s, columns as `<div>`s, a date format.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import parse_qs, quote, urlsplit

from pipeline.config import RenderOptions, is_notion_url, notion_id
from pipeline.model import Block, plain_text


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the renderer could not show as Notion shows it (reported, never silent)."""

    severity: str
    block_id: str
    block_type: str
    message: str


@dataclass(slots=True)
class RenderContext:
    """What rendering needs to know beyond the blocks: where other exported pages live, and
    the `[render]` options."""

    post_links: dict[str, str] = field(default_factory=dict)  # page id -> link to its post
    # page id -> title, for blocks that link to a page without naming it (link_to_page)
    titles: dict[str, str] = field(default_factory=dict)
    linked_pages: set[str] = field(default_factory=set)  # workspace pages this page links to
    local_files: dict[str, str] = field(default_factory=dict)  # downloaded file URL -> file in the bundle
    options: RenderOptions = RenderOptions()
    notices: list[Notice] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    _current: tuple[str, str] = ("", "")

    def notice(self, message: str, severity: str = "warning") -> None:
        block_id, block_type = self._current
        self.notices.append(Notice(severity, block_id, block_type, message))


# --- links -------------------------------------------------------------------------------

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Characters that would end or break a Markdown link destination or a table cell, or open a
# Hugo shortcode.
_URL_UNSAFE = re.compile(r"[\s<>()\"'\\{}`\[\]|]")


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
    if target and (page_id or is_notion_url(url)):
        ctx.linked_pages.add(target)
    if target and target in ctx.post_links:
        return ctx.post_links[target]
    if target and (page_id or is_notion_url(url)):
        ctx.notice(
            f"links to Notion page {url or target}, which is not exported: readers of the blog "
            "cannot open it. Publish that page, or link to a public URL instead."
        )
    return safe_url(url) if url else None




# --- rich text: runs ----------------------------------------------------------------------

_EMPHASIS = ("bold", "italic", "strikethrough")


# Notion's colors (the annotation's and blocks' `color`) → CSS, as Notion's light theme shows
# them. Only these fixed declarations go into a `style` attribute, never Notion text.
COLORS = {
    "gray": "color: #787774",
    "brown": "color: #9f6b53",
    "orange": "color: #d9730d",
    "yellow": "color: #cb912f",
    "green": "color: #448361",
    "blue": "color: #337ea9",
    "purple": "color: #9065b0",
    "pink": "color: #c14c8a",
    "red": "color: #d44c47",
    "gray_background": "background-color: #f1f1ef",
    "brown_background": "background-color: #f4eeee",
    "orange_background": "background-color: #fbecdd",
    "yellow_background": "background-color: #fbf3db",
    "green_background": "background-color: #edf3ec",
    "blue_background": "background-color: #e7f3f8",
    "purple_background": "background-color: #f6f3f9",
    "pink_background": "background-color: #faf1f5",
    "red_background": "background-color: #fdebec",
}


def _span_open(color: str) -> str:
    return f'<span style="{COLORS[color]}">'


@dataclass(frozen=True, slots=True)
class _Run:
    """Text sharing one set of marks (`bold`, `italic`, `strikethrough`, `code`, `equation`,
    and a color of `COLORS` when colors are on) and one link. An equation is one run of its
    own: its text is the TeX expression."""

    text: str
    marks: frozenset[str]
    href: str | None


def _run_text(item: dict[str, Any], ctx: RenderContext) -> tuple[str, str | None]:
    """The text a rich text object shows and where it links, for every type and mention type."""
    kind = item.get("type")
    text = item.get("plain_text", "")
    if kind == "mention":
        return _mention_text(item.get("mention") or {}, text, item.get("href"), ctx)
    if kind == "equation":
        return (item.get("equation") or {}).get("expression", text), None
    url = ((item.get("text") or {}).get("link") or {}).get("url") or item.get("href")
    return text, post_link(url, ctx) if url else None


def _mention_text(mention: dict[str, Any], text: str, href: str | None, ctx: RenderContext) -> tuple[str, str | None]:
    kind = mention.get("type")
    value = mention.get(kind) or {}
    if kind in ("page", "database"):
        return text, post_link(href, ctx, page_id=value.get("id"))
    if kind == "user":
        return text if text.startswith("@") else "@" + text, None
    if kind == "date":
        # Notion shows a range as "start → end".
        start, end = value.get("start"), value.get("end")
        if not start:
            return text, None
        return " → ".join(_date_text(when, ctx.options.date_format) for when in (start, end) if when), None
    if kind in ("link_preview", "link_mention"):
        url = value.get("url" if kind == "link_preview" else "href")
        return text, post_link(url, ctx) if url else None
    # template_mention ("@Today", "@Me") and custom_emoji (":name:") show their plain text.
    return text, None


_DIRECTIVE = re.compile(r"(%[-_0^#]?[A-Za-z%])")  # a strftime directive, glibc flags included
# The directives that show a time or its zone, which a date without a time lacks.
_TIME_DIRECTIVES = frozenset("HIklMSfpPrRTXzZ")


def _date_text(iso: str, pattern: str) -> str:
    """A date mention's start or end by the `date_format` pattern; the ISO 8601 text as Notion
    gives it without one, when it does not parse, or when the pattern shows nothing of a date
    (a time only). The time zone is the offset Notion gives: shown by `%z`, never converted."""
    if not pattern:
        return iso
    try:
        if "T" not in iso:
            return date.fromisoformat(iso).strftime(_date_only(pattern)) or iso
        return datetime.fromisoformat(iso).strftime(pattern)
    except ValueError:
        return iso


def _date_only(pattern: str) -> str:
    """The pattern for a date without a time: each time directive left out with the text that
    joins it to the date (`%d %b %Y, %H:%M %Z` → `%d %b %Y`, `%H:%M on %d %b` → `%d %b`), so
    one pattern serves both kinds of date."""
    parts = _DIRECTIVE.split(pattern)
    literals, directives = parts[::2], parts[1::2]  # literals[i] comes before directives[i]
    kept = [directive[-1] not in _TIME_DIRECTIVES for directive in directives]
    out = literals[0] if not directives or kept[0] else ""
    for i, directive in enumerate(directives):
        if kept[i]:
            joins = any(kept[i + 1:]) or i == len(directives) - 1  # to the next date directive, or ends
            out += directive + (literals[i + 1] if joins else "")
    return out


def _runs(items: Iterable[dict[str, Any]], ctx: RenderContext, newline: str) -> list[_Run]:
    """Runs ready to nest: taken apart where whitespace meets text, whitespace settled, the
    edges trimmed, then put back together where neighbours share marks and link."""
    pieces: list[_Run] = []
    for item in items or ():
        text, href = _run_text(item, ctx)
        notes = item.get("annotations") or {}
        marks = frozenset(name for name in (*_EMPHASIS, "underline", "code") if notes.get(name))
        if ctx.options.colors and notes.get("color") in COLORS:
            marks |= {notes["color"]}
        if item.get("type") == "equation":
            if text:
                pieces.append(_Run(text, marks | {"equation"}, href))
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if newline == " ":
            text = text.replace("\n", " ")
        # A line break is never code (code spans cannot hold one); whitespace is only settled
        # at the edges of text, where it may meet other marks.
        parts = re.split("(\n)", text) if "code" in marks else _EDGES.fullmatch(text).groups()
        pieces += [_Run(part, marks - {"code"} if part == "\n" else marks, href) for part in parts if part]
    _settle_whitespace(pieces)
    return _merge(_trim(pieces))


# Whitespace as CommonMark's flanking rules see it: Unicode's Zs and the ASCII controls.
_SPACE = "\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_EDGES = re.compile(f"([{_SPACE}]*)(.*?)([{_SPACE}]*)", re.S)
_IS_SPACE = re.compile(f"[{_SPACE}]")


def _is_space(run: _Run) -> bool:
    return not run.marks & {"code", "equation"} and _kind(run.text[0]) == "space"


def _settle_whitespace(pieces: list[_Run]) -> None:
    """Emphasis never starts or ends with whitespace (`** a**` is not bold in Markdown): a
    space keeps bold, italic or strikethrough only where the text on both sides of it, within
    the same link, has it too."""
    for start, end in _spans(pieces, lambda run: run.href):
        solid = [i for i in range(start, end) if not _is_space(pieces[i])]
        for left, right in itertools.pairwise([None, *solid, None]):
            lo = start if left is None else left + 1
            hi = end if right is None else right
            keep = set(_EMPHASIS)
            for side in (left, right):
                keep &= pieces[side].marks if side is not None else set()
            for i in range(lo, hi):
                run = pieces[i]
                pieces[i] = _Run(run.text, run.marks - (set(_EMPHASIS) - keep), run.href)


def _trim(pieces: list[_Run]) -> list[_Run]:
    """Without leading and trailing whitespace and line breaks: Markdown drops them, and four
    leading spaces would start a code block."""
    start = next((i for i, run in enumerate(pieces) if not _is_space(run)), len(pieces))
    end = len(pieces) - next((i for i, run in enumerate(reversed(pieces)) if not _is_space(run)), len(pieces))
    return pieces[start:end]


def _merge(pieces: list[_Run]) -> list[_Run]:
    runs: list[_Run] = []
    for run in pieces:
        last = runs[-1] if runs else None
        if last and last.marks == run.marks and last.href == run.href and "equation" not in run.marks:
            runs[-1] = _Run(last.text + run.text, run.marks, run.href)
        else:
            runs.append(run)
    return runs


def _spans(items: Sequence[Any], key: Callable[[Any], Any]) -> Iterable[tuple[int, int]]:
    """(start, end) of each maximal stretch of items with the same key."""
    start = 0
    for _, group in itertools.groupby(items, key):
        size = len(list(group))
        yield start, start + size
        start += size


# --- rich text: nesting ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Node:
    """`a`, `strong`, `em`, `del`, `span` (a color) hold children; `text`, `code`, `math` are
    leaves."""

    kind: str
    text: str = ""
    href: str | None = None
    color: str | None = None
    children: tuple["_Node", ...] = ()


def _color(run: _Run) -> str | None:
    return next((mark for mark in run.marks if mark in COLORS), None)


# Outermost first: a link holds its emphasis, so emphasis never crosses a link's edge. Colors
# are innermost: a `<span>` holds leaves only, so it never splits a link or emphasis.
_LEVELS: tuple[tuple[str, Callable[[_Run], Any]], ...] = (
    ("a", lambda run: run.href),
    ("strong", lambda run: "bold" in run.marks),
    ("em", lambda run: "italic" in run.marks),
    ("del", lambda run: "strikethrough" in run.marks),
    ("u", lambda run: "underline" in run.marks),  # no Markdown form: always the HTML tag
    ("span", _color),
)


def _nest(runs: Sequence[_Run], level: int = 0) -> list[_Node]:
    """Well-nested nodes: consecutive runs sharing a link or an annotation share one element,
    so `**a *b***` never comes out as `**a****b**`."""
    if level == len(_LEVELS):
        return [_Node("math" if "equation" in r.marks else "code" if "code" in r.marks else "text", r.text) for r in runs]
    kind, key = _LEVELS[level]
    nodes: list[_Node] = []
    for start, end in _spans(runs, key):
        inner = _nest(runs[start:end], level + 1)
        on = key(runs[start])
        nodes.extend([_Node(kind, href=runs[start].href, color=_color(runs[start]), children=tuple(inner))] if on else inner)
    return nodes


# --- rich text: Markdown --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """Where rich text goes, and what that place changes."""

    newline: str  # a line break in the text
    braces: bool = False  # escape every `{`: a heading's trailing `{…}` would be read as attributes
    cell: bool = False  # a GFM table cell: `|` splits the row even inside code spans
    label: bool = False  # a link's text: brackets are escaped, links inside are dropped
    before: str = ""  # what comes before the text; "" for the start of a line


PARAGRAPH = _Where(newline="\\\n")
HEADING = _Where(newline=" ", braces=True)
CELL = _Where(newline="<br>", cell=True)
LABEL = _Where(newline="\\\n", label=True, before="[")

_LINE_START = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<mark>[#>:|=+]|[-*](?=[ \t]|$)|[-=]+[ \t]*$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=[ \t]|$))"
)
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SHORTCODE_OPEN = re.compile(r"\{\{\s*[<%]")
_SPECIAL = re.compile(r"[\\\[\]*`<|$_~!^&{]")  # the characters _Markdown.escape may change
_DELIMITERS = {"strong": "**", "em": "*", "del": "~~"}
# A bare URL Goldmark's linkify would extend: it runs to the next whitespace or `<`.
_LINKIFY_TAIL = re.compile(r"(?:://|www\.)[^\s<]*$")


def _kind(ch: str) -> str:
    """A character as CommonMark's flanking rules see it: "space", "punct" or "other"."""
    if not ch or _IS_SPACE.match(ch):
        return "space"
    return "punct" if unicodedata.category(ch)[0] in "PS" else "other"


def _opens(before: str, first: str) -> bool:
    """Whether a `*` or `~` run between these characters is left-flanking (can open)."""
    return _kind(first) != "space" and (_kind(first) != "punct" or _kind(before) != "other")


def _closes(last: str, after: str) -> bool:
    """Whether a `*` or `~` run between these characters is right-flanking (can close)."""
    return _kind(last) != "space" and (_kind(last) != "punct" or _kind(after) != "other")


class _Markdown:
    """Nodes → Markdown for one piece of rich text.

    `before` is the Markdown written so far (markup counts as punctuation), `after` the first
    character that will follow: emphasis, links and code are written as Markdown where their
    neighbours let Goldmark read them back, else as the equivalent HTML tags."""

    def __init__(self, where: _Where, tildes: bool) -> None:
        self.where = where
        self.tildes = tildes  # `~` could pair into strikethrough: escape every typed one
        self.in_link = where.label  # brackets in a link's text must be escaped
        self.stars = 0  # enclosing elements written with `*` delimiters
        self.url = ""  # text since the last tag, link or code: a bare URL in it may run on

    def nodes(self, nodes: Sequence[_Node], before: str, after: str, run: tuple[str, str] | None = None) -> str:
        """`run`: inside a `*` or `**` element, the characters around its delimiters, which a
        first or last child's own `*` delimiters join into one run."""
        out = ""
        for i, node in enumerate(nodes):
            following = self.lead(nodes[i + 1]) if i + 1 < len(nodes) else after
            edges = (run[0] if run and i == 0 else None, run[1] if run and i == len(nodes) - 1 else None)
            out += self.node(node, before + out, following, nodes[i - 1] if i else None, edges)
        return out

    def lead(self, node: _Node) -> str:
        """The first character `node` will be written as (markup counts as punctuation)."""
        if node.kind == "text":
            return self.where.newline[0] if node.text[0] == "\n" else node.text[0]
        return {"a": "[", "math": "\\", "code": "`", "del": "~", "span": "<", "u": "<"}.get(node.kind, "*")

    def node(self, node: _Node, before: str, after: str, previous: _Node | None, edges: tuple[str | None, str | None]) -> str:
        if node.kind == "text":
            self.url += node.text
            return self.escape(node.text, before[-1:], after).replace("\n", self.where.newline)
        # Goldmark's linkify extends a bare URL over `[`, `` ` `` and `~` (not a backslash):
        # what follows one is written as HTML, whose `<` ends it.
        linkified = _LINKIFY_TAIL.search(self.url) is not None
        if node.kind == "math":
            tex = _tex(node.text)
            markdown = "\\(" + (tex.replace("|", "&#124;") if self.where.cell else tex) + "\\)"
        elif node.kind == "code":
            markdown = self.code(node.text, html_tag=linkified)
        elif node.kind == "a":
            markdown = self.link(node, before, linkified)
        elif node.kind in ("span", "u"):
            markdown = self.tag(node, before)
        else:
            return self.emphasis(node, before, after, previous, edges, linkified)
        self.url = ""
        return markdown

    def link(self, node: _Node, before: str, linkified: bool) -> str:
        self.in_link = True
        inner = self.nodes(node.children, before + "[", "]")
        self.in_link = self.where.label
        if self.where.label:
            return inner  # a link inside a link's text: its text only
        return f'<a href="{node.href}">{inner}</a>' if linkified else f"[{inner}]({node.href})"

    def tag(self, node: _Node, before: str) -> str:
        """An element Markdown has no syntax for (a color's span, underline): its HTML tags."""
        tag = _span_open(node.color) if node.kind == "span" else f"<{node.kind}>"
        self.url = ""  # the tag ends a bare URL
        return tag + self.nodes(node.children, before + tag, "<") + f"</{node.kind}>"

    def emphasis(self, node: _Node, before: str, after: str, previous: _Node | None, edges: tuple[str | None, str | None], linkified: bool) -> str:
        """Strong, em or del with Markdown delimiters where Goldmark reads them as such.

        Delimiters must be left-flanking to open and right-flanking to close. A `*` run that
        is both could also pair with the delimiters of an enclosing element, so it is only
        allowed where none is open; and two elements' `*` runs must not touch (`*a***b**`)."""
        delimiter = _DELIMITERS[node.kind]
        star = delimiter[0] == "*"
        if not linkified and not (star and _DELIMITERS.get(previous.kind if previous else "", "").startswith("*")):
            outer = before[-1:] if edges[0] is None else edges[0]
            follow = after if edges[1] is None else edges[1]
            self.stars += star
            inner = self.nodes(node.children, before + delimiter, delimiter[0], (outer, follow) if star else None)
            self.stars -= star
            # The content's first and last characters, past the delimiters of children that
            # begin or end it (they join this element's delimiters into one run).
            lead = len(inner) - len(inner.lstrip("*")) if node.children[0].kind in ("strong", "em") else 0
            trail = len(inner) - len(inner.rstrip("*")) if node.children[-1].kind in ("strong", "em") else 0
            first, last = inner[lead:lead + 1], inner[: len(inner) - trail][-1:]
            ambiguous = star and self.stars > 0
            if (
                _opens(outer, first) and not (ambiguous and _closes(outer, first))
                and _closes(last, follow) and not (ambiguous and _opens(last, follow))
            ):
                return delimiter + inner + delimiter
        self.url = ""  # the tag ends a bare URL
        inner = self.nodes(node.children, before + f"<{node.kind}>", "<")
        self.url = ""
        return f"<{node.kind}>{inner}</{node.kind}>"

    def code(self, text: str, html_tag: bool) -> str:
        if html_tag or _SHORTCODE_OPEN.search(text) or "]:" in text:
            # A code span cannot hide `{{<` from Hugo, which expands shortcodes before Markdown,
            # nor `]:` from the link reference definitions read before code spans. The text
            # between raw tags is Markdown, so every punctuation mark is an entity.
            return "<code>" + "".join(f"&#{ord(c)};" if c in _ASCII_PUNCT else c for c in text) + "</code>"
        if self.where.cell:
            text = text.replace("|", "\\|")
        fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
        # CommonMark strips one space from each end when both have one, and a backtick at an
        # end would join the fence: pad with a space that will be stripped.
        pad = text[0] == "`" or text[-1] == "`" or (text[0] == text[-1] == " " and text.strip(" ") != "")
        return fence + (f" {text} " if pad else text) + fence

    def escape(self, text: str, before: str, after: str) -> str:
        """Typed text as Markdown that shows it as typed. Only what CommonMark, Goldmark's
        extensions (GFM strikethrough, tables, task lists, footnotes, definition lists,
        passthrough) or Hugo would read as syntax is escaped, so the Markdown still reads like
        the text a contributor typed."""
        if not _SPECIAL.search(text):
            return text
        out: list[str] = []
        for i, ch in enumerate(text):
            prev = text[i - 1] if i else before
            nxt = text[i + 1] if i + 1 < len(text) else after
            if self.as_entity(ch, nxt, last=i == len(text) - 1):
                out.append(f"&#{ord(ch)};")
            elif self.backslashed(ch, prev, nxt, text, i):
                out.append("\\" + ch)
            else:
                out.append(ch)
        return "".join(out)

    def as_entity(self, ch: str, nxt: str, last: bool) -> bool:
        """Where a backslash escape would not do."""
        if ch == "\\":
            return nxt == "\n"  # Goldmark reads `\\\` at a line's end as no line break
        if ch == "[":
            return self.in_link  # not `\[`: with passthrough, `\[…\]` is display math
        # Goldmark joins an escaped `~` to the `~~` delimiters right after it.
        return ch == "~" and self.tildes and last and nxt == "~"

    def backslashed(self, ch: str, prev: str, nxt: str, text: str, i: int) -> bool:
        if ch == "\\":
            return nxt in _ASCII_PUNCT or nxt == ""
        if ch in "*`<|$":
            return True  # `$`: passthrough math delimiters
        if ch == "_":
            return not (prev.isalnum() and nxt.isalnum())
        if ch == "~":
            return self.tildes
        if ch == "]":
            return self.in_link or nxt in ("(", "[", ":")
        if ch == "!":
            return nxt == "["  # `![` starts an image
        if ch == "^":
            return prev == "["  # `[^…]` starts a footnote
        if ch == "&":
            return _ENTITY.match(text, i) is not None
        if ch == "{":
            return self.where.braces or prev == "{"  # `{{` could open a shortcode
        return False


def _escape_line_starts(markdown: str) -> str:
    """Text that would start a heading, quote, list, table, setext underline or definition."""

    def fix(match: re.Match[str]) -> str:
        indent = match.group("indent")
        if match.group("num"):
            return indent + match.group("num") + "\\" + match.group("dot")
        return indent + "\\" + match.group(0)[len(indent):]

    lines = markdown.split("\n")
    return "\n".join(_LINE_START.sub(fix, line, count=1) for line in lines)


def _tex(expression: str) -> str:
    """A TeX expression as passthrough will copy it into the page: HTML-safe, no `{{` for Hugo
    (`{ {` means the same in TeX), no `]:` (a link reference definition), no blank line (it
    would end a `$$` block)."""
    text = html.escape(expression, quote=False).replace("]:", "&#93;:")
    text = re.sub(r"\{(?=\{)", "{ ", text)
    return re.sub(r"\n\s*\n", "\n", text)


def _markdown(items: Iterable[dict[str, Any]], ctx: RenderContext, where: _Where) -> str:
    runs = _runs(items, ctx, where.newline)
    if not runs:
        return ""
    plain = "".join(run.text for run in runs if "equation" not in run.marks)
    tildes = plain.count("~") >= 2 or any("strikethrough" in run.marks for run in runs)
    markdown = _Markdown(where, tildes).nodes(_nest(runs), where.before, "]" if where.label else "")
    return _escape_line_starts(markdown)


def rich_text(items: Iterable[dict[str, Any]], ctx: RenderContext) -> str:
    """Rich text as Markdown inline content for a paragraph (line breaks kept)."""
    return _markdown(items, ctx, PARAGRAPH)


def _escaped(text: str, where: _Where = LABEL) -> str:
    """Plain text (a URL, a file name, an alt text) as literal Markdown."""
    return _markdown([{"type": "text", "plain_text": text}], RenderContext(), where)


# --- rich text: HTML (inside raw HTML blocks, where Markdown is not read) --------------------


def _html(items: Iterable[dict[str, Any]], ctx: RenderContext) -> str:
    return "".join(_html_node(node) for node in _nest(_runs(items, ctx, "<br>")))


def _html_node(node: _Node) -> str:
    if node.kind == "text":
        return _entity_braces(html.escape(node.text, quote=False)).replace("\n", "<br>")
    if node.kind == "code":
        return "<code>" + _entity_braces(html.escape(node.text, quote=False)) + "</code>"
    if node.kind == "math":
        return "\\(" + _tex(node.text) + "\\)"
    inner = "".join(_html_node(child) for child in node.children)
    if node.kind == "a":
        return f'<a href="{_attribute(node.href)}">{inner}</a>'
    if node.kind == "span":
        return _span_open(node.color) + inner + "</span>"
    return f"<{node.kind}>{inner}</{node.kind}>"


def _attribute(href: str) -> str:
    """An href inside an HTML attribute. Only `&` needs escaping: safe_url quotes quotes and
    brackets, and a post link may be a Hugo shortcode, which must stay as it is."""
    return href.replace("&", "&amp;")


def _entity_braces(text: str) -> str:
    return text.replace("{", "&#123;").replace("}", "&#125;")


# --- block sequences ----------------------------------------------------------------------

_LIST_TYPES = ("bulleted_list_item", "numbered_list_item", "to_do")


def indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.split("\n"))


# Notion's `list_format` (notion-sdk-js NumberedListItemBlockObjectResponse: "numbers",
# "letters", "roman") → the HTML <ol type>; Markdown can only number with digits.
_LIST_STYLES = {"letters": "a", "roman": "i"}


def _list_style(block: Block | None) -> str | None:
    if block is None or block.type != "numbered_list_item":
        return None
    return _LIST_STYLES.get(block.value.get("list_format"))


def render_blocks(blocks: Sequence[Block], ctx: RenderContext) -> str:
    parts: list[str] = []
    previous: Block | None = None
    number = 0
    for i, block in enumerate(blocks):
        starts_list = previous is None or previous.type != "numbered_list_item"
        if block.type == "numbered_list_item":
            number = (block.value.get("list_start_index") or 1) if starts_list else number + 1
            ctx.numbers[block.id] = number
        text = render_block(block, ctx)
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


def _then(head: str, *rest: str) -> str:
    """Blocks one after the other, empty ones left out."""
    return "\n\n".join(part for part in (head, *rest) if part)


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


_TASK_START = re.compile(r"\[([ \txX])\](\()?")


def _block_text(block: Block, ctx: RenderContext, where: _Where = PARAGRAPH) -> str:
    """A block's own rich text, in the block's color when colors are on. The span goes around
    Markdown escaped for the start and end of a line: its tags' `>` and `<` are punctuation,
    which every escaping and flanking rule here treats as it treats a line's ends."""
    text = _markdown(block.value.get("rich_text"), ctx, where)
    color = block.value.get("color")
    return _span_open(color) + text + "</span>" if text and ctx.options.colors and color in COLORS else text


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
    marker = f"{ctx.numbers.get(block.id, 1)}. "
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
    icon = block.value.get("icon") or {}
    emoji = _escaped(icon.get("emoji", ""), PARAGRAPH) if icon.get("type") == "emoji" else ""
    text = rich_text(block.value.get("rich_text"), ctx)
    first = f"{emoji} {text}".strip()
    color = block.value.get("color")
    style = f' style="{COLORS[color]}"' if ctx.options.colors and color in COLORS else ""
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
    language = (block.value.get("language") or "plain text").lower()
    language = CODE_LANGUAGES.get(language, re.sub(r"[^a-z0-9_+-]", "", language))
    if _SHORTCODE_OPEN.search(code):
        # Raw HTML on one line (newlines as entities), so indenting it in a list item cannot
        # change the code.
        body = _entity_braces(html.escape(code, quote=False)).replace("\n", "&#10;")
        fenced = f'<pre><code class="language-{language}">{body}</code></pre>'
    else:
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        fenced = f"{fence}{language}\n{code}\n{fence}"
    return _then(fenced, rich_text(block.value.get("caption"), ctx))


def render_equation(block: Block, ctx: RenderContext) -> str:
    expression = (block.value.get("expression") or "").strip()
    return f"$$\n{_tex(expression)}\n$$" if expression else ""


def _media_url(block: Block, ctx: RenderContext) -> str | None:
    """Where an image, video, file, pdf or audio block points: its copy in the page bundle
    when Notion hosts it (the signed URL expires within an hour), else its external URL."""
    kind = block.value.get("type")
    url = (block.value.get(kind) or {}).get("url") or ""
    target = safe_url(ctx.local_files.get(url, url))
    if target is None:
        ctx.notice(f"{block.type} URL {url!r} is not an http(s) URL; the {block.type} is left out", "error")
    return target


def render_image(block: Block, ctx: RenderContext) -> str:
    target = _media_url(block, ctx)
    if target is None:
        return ""
    caption = block.value.get("caption")
    alt = _escaped(plain_text(caption).replace("\n", " "))
    return _then(f"![{alt}]({target})", rich_text(caption, ctx))


_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")


def video_shortcode(url: str) -> str | None:
    """Hugo's built-in youtube or vimeo shortcode for a video URL. The id must match the
    site's id format exactly: it is written inside a shortcode, where Notion text must never be."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    path = [part for part in parts.path.split("/") if part]
    candidates: list[tuple[str, str]] = []
    if host in ("youtube.com", "youtube-nocookie.com"):
        if path == ["watch"]:
            candidates.append(("youtube", parse_qs(parts.query).get("v", [""])[0]))
        elif len(path) == 2 and path[0] in ("embed", "shorts", "live", "v"):
            candidates.append(("youtube", path[1]))
    elif host == "youtu.be" and len(path) == 1:
        candidates.append(("youtube", path[0]))
    elif host == "vimeo.com" and path:
        candidates.append(("vimeo", path[-1]))
    elif host == "player.vimeo.com" and len(path) == 2 and path[0] == "video":
        candidates.append(("vimeo", path[1]))
    for name, video_id in candidates:
        if (_YOUTUBE_ID if name == "youtube" else _VIMEO_ID).fullmatch(video_id):
            return f"{{{{< {name} {video_id} >}}}}"
    return None


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
    return _link_block(target, block.value.get("caption"), ctx, name=block.value.get("name", ""))


def _link_block(url: str, caption: list[dict[str, Any]] | None, ctx: RenderContext, *, name: str = "") -> str:
    target = post_link(url, ctx)
    if target is None:
        ctx.notice(f"link {url!r} is not an http(s) URL; shown as text", "error")
        return rich_text(caption, ctx) or _escaped(name or url, PARAGRAPH)
    return f"[{_markdown(caption, ctx, LABEL) or _escaped(name or url)}]({target})"


def render_bookmark(block: Block, ctx: RenderContext) -> str:
    # The API gives a bookmark's URL and caption only, not the page title Notion displays.
    return _link_block(block.value.get("url") or "", block.value.get("caption"), ctx)


def render_embed(block: Block, ctx: RenderContext) -> str:
    url = block.value.get("url") or ""
    shortcode = video_shortcode(url)
    if shortcode is None:
        return _link_block(url, block.value.get("caption"), ctx)
    return _then(shortcode, rich_text(block.value.get("caption"), ctx))


def render_link_preview(block: Block, ctx: RenderContext) -> str:
    return _link_block(block.value.get("url") or "", [], ctx)


def _page_link(page_id: str, title: str, what: str, ctx: RenderContext) -> str:
    """A link to the post exported from a workspace page, else the page's title as text."""
    name = title or ctx.titles.get(page_id) or "Linked page"
    ctx.linked_pages.add(page_id)  # re-rendered when that post moves, goes or is renamed
    if page_id in ctx.post_links:
        return f"[{_escaped(name)}]({ctx.post_links[page_id]})"
    ctx.notice(
        f"{what} {title or page_id!r} is not exported: the blog shows its title as plain text. "
        "Publish it too, or remove the link."
    )
    return _escaped(name, PARAGRAPH)


def render_child_page(block: Block, ctx: RenderContext) -> str:
    return _page_link(block.id, block.value.get("title", ""), "child page", ctx)


def render_child_database(block: Block, ctx: RenderContext) -> str:
    return _page_link(block.id, block.value.get("title", ""), "child database", ctx)


def render_link_to_page(block: Block, ctx: RenderContext) -> str:
    # page_id, database_id or comment_id; the API does not give the page's title.
    kind = block.value.get("type", "")
    return _page_link(block.value.get(kind, ""), "", "linked " + kind.removesuffix("_id"), ctx)


def render_table(block: Block, ctx: RenderContext) -> str:
    width = block.value.get("table_width") or 0
    rows = [
        list(row.value.get("cells") or []) + [[]] * (width - len(row.value.get("cells") or []))
        for row in block.children
        if row.type == "table_row"
    ]
    if not rows:
        return ""
    column_header, row_header = block.value.get("has_column_header"), block.value.get("has_row_header")
    if column_header and not row_header:
        return _pipe_table(rows, ctx)
    return _html_table(rows, bool(column_header), bool(row_header), ctx)


def _pipe_table(rows: list[list[list[dict[str, Any]]]], ctx: RenderContext) -> str:
    """A GFM table: its first row is the header."""
    lines = ["| " + " | ".join(_markdown(cell, ctx, CELL) for cell in row) + " |" for row in rows]
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
            cells.append(f"<{tag}{scope}>{_html(cell, ctx)}</{tag}>")
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


def render_unsupported(block: Block, ctx: RenderContext) -> str:
    # The API's own `unsupported` type names the Notion block it stands for.
    name = block.value.get("block_type", block.type) if block.type == "unsupported" else block.type
    kind = re.sub(r"[^a-z0-9_]", "", str(name))
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
    "equation": render_equation,
    "image": render_image,
    "video": render_video,
    "file": render_file,
    "pdf": render_file,
    "audio": render_file,
    "bookmark": render_bookmark,
    "embed": render_embed,
    "link_preview": render_link_preview,
    "table": render_table,
    "child_page": render_child_page,
    "child_database": render_child_database,
    "link_to_page": render_link_to_page,
    "column_list": _columns("notion-columns"),
    "column": _columns("notion-column"),
    "synced_block": render_container,
    "template": render_nothing,
    "breadcrumb": render_nothing,
    "table_of_contents": render_nothing,
}


def render_page(blocks: Sequence[Block], ctx: RenderContext) -> str:
    """The Markdown body of a page: its blocks, with one trailing newline."""
    return render_blocks(blocks, ctx).strip("\n")
