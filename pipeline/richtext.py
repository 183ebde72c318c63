"""Notion rich text → Markdown (or HTML) inline content. Never touches a block.

Shapes: developers.notion.com/reference/rich-text (API versions 2025-09-03 and 2026-03-11).

What a contributor typed is what the reader sees: no Markdown, raw HTML or Hugo shortcode can
come out of Notion text. Rich text is serialized here rather than through an HTML → Markdown
converter because emphasis depends on the characters *around* it (CommonMark's flanking
rules): each `**`/`*`/`~~` is checked against its neighbours and becomes an HTML tag when
Goldmark would not read it as emphasis.

Hugo specifics this module relies on (site config: Goldmark with its default extensions, the
typographer on or off; raw HTML allowed, or with `[render] html = "shortcodes"` the inline HTML
written as HTML inside the kit's shortcode by pipeline.render.goldmark):
- Shortcodes (`{{<`, `{{%`) are expanded before Markdown, even inside code: they are broken
  up or entity-escaped wherever Notion text goes.
- What the typographer would change in text (quotes, `--`, `...`, `>>`) is escaped
  (`typographer_proof`), so the post shows the same with it on or off.
- Equations are written for Goldmark's passthrough extension: inline as `\\(…\\)`, or
  $`…`$ with `[render] math = "github"` (`INLINE_MATH`); `<`, `>`, `&` are entity-escaped
  inside them, since passthrough copies them into the page as they are.
- Linkify (on by default) runs a bare URL or an email address on over `` ` ``, `*` and `~`
  markup (`**john**@example.com` is one address): such markup is written as HTML tags there.
"""

from __future__ import annotations

import html
import itertools
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence

from pipeline.links import RenderContext, post_link
from pipeline.model import as_object, as_objects, as_text

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


def color_of(value: dict[str, Any]) -> str | None:
    """The `color` of an annotation or a block payload, when it is one of Notion's."""
    color = value.get("color")
    return color if isinstance(color, str) and color in COLORS else None


def span_open(color: str) -> str:
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
    """The text a rich text object shows and where it links, for every type and mention type.
    Every value is type-checked: one the API documents as a string shows nothing otherwise."""
    kind = item.get("type")
    text = as_text(item.get("plain_text"))
    if kind == "mention":
        mention = as_object(item.get("mention"))
        return _added_mention(item, mention, ctx) or _mention_text(mention, text, as_text(item.get("href")), ctx)
    if kind == "equation":
        equation = as_object(item.get("equation"))
        return as_text(equation.get("expression")) if "expression" in equation else text, None
    url = as_text(as_object(as_object(item.get("text")).get("link")).get("url")) or as_text(item.get("href"))
    return text, post_link(url, ctx) if url else None


def _added_mention(item: dict[str, Any], mention: dict[str, Any], ctx: RenderContext) -> tuple[str, str | None] | None:
    """What a mention rule added to the run's renderer shows, or None for the built-in. Its text
    is escaped and its link checked like any other, so a rule cannot add markup; a rule that
    fails rejects the entry, named."""
    rule = ctx.renderer.mention_rules.get(as_text(mention.get("type"))) if ctx.renderer is not None else None
    if rule is None:
        return None
    try:
        shown = rule(item, ctx)
        if shown is None:
            return None
        text, link = shown
        return str(text), post_link(str(link), ctx) if link else None
    except Exception as error:  # noqa: BLE001 - the site owner's rule: its entry is rejected, named
        ctx.notice(f"the mention rule {getattr(rule, '__qualname__', rule)!r} for {mention.get('type')!r} mentions "
                   f"failed ({type(error).__name__}: {error}): fix the rule.", "error")
        return None


def _mention_text(mention: dict[str, Any], text: str, href: str, ctx: RenderContext) -> tuple[str, str | None]:
    kind = as_text(mention.get("type"))
    value = as_object(mention.get(kind))
    if kind in ("page", "database"):
        return text, post_link(href, ctx, page_id=as_text(value.get("id")) or None)
    if kind == "user":
        return text if text.startswith("@") else "@" + text, None
    if kind == "date":
        # Notion shows a range as "start → end".
        start, end = as_text(value.get("start")), as_text(value.get("end"))
        if not start:
            return text, None
        return " → ".join(_date_text(when, ctx.options.date_format) for when in (start, end) if when), None
    if kind in ("link_preview", "link_mention"):
        url = as_text(value.get("url" if kind == "link_preview" else "href"))
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


def _runs(items: Iterable[dict[str, Any]], ctx: RenderContext, newline: str, links: bool = True) -> list[_Run]:
    """Runs ready to nest: taken apart where whitespace meets text, whitespace settled, the
    edges trimmed, then put back together where neighbours share marks and link. Without
    `links` (a link's own text), the text of a link only, joined to its neighbours."""
    pieces: list[_Run] = []
    for item in as_objects(items):
        text, href = _run_text(item, ctx)
        href = href if links else None
        notes = as_object(item.get("annotations"))
        marks = frozenset(name for name in (*_EMPHASIS, "underline", "code") if notes.get(name))
        color = color_of(notes)
        if ctx.options.colors and color:
            marks |= {color}
        if item.get("type") == "equation":
            if text:
                pieces.append(_Run(text, marks | {"equation"}, href))
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if newline == " ":
            text = text.replace("\n", " ")
        # A line break is never code (code spans cannot hold one); whitespace is only settled
        # at the edges of text, where it may meet other marks.
        parts = re.split("(\n)", text) if "code" in marks else _edges(text)
        pieces += [_Run(part, marks - {"code"} if part == "\n" else marks, href) for part in parts if part]
    pieces = _without_indents(pieces)
    _settle_whitespace(pieces)
    return _merge(_trim(pieces))


def _without_indents(pieces: list[_Run]) -> list[_Run]:
    """Without the spaces and tabs that start a line after a line break: Markdown drops them
    (a reader never sees them), so writing them would only make the Markdown differ from what
    reading it back gives."""
    out: list[_Run] = []
    line_start = False
    for run in pieces:
        if run.marks & {"code", "equation"}:
            out.append(run)
            line_start = False
            continue
        text = re.sub(r"\n[ \t]+", "\n", run.text)
        if line_start:
            text = text.lstrip(" \t")
        if text:
            out.append(_Run(text, run.marks, run.href))
            line_start = text.endswith("\n")
    return out


# Whitespace as CommonMark's flanking rules see it: Unicode's Zs and the ASCII controls.
_SPACE = "\t\n\x0b\x0c\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
_IS_SPACE = re.compile(f"[{re.escape(_SPACE)}]")


def _edges(text: str) -> tuple[str, str, str]:
    """(leading whitespace, the rest, trailing whitespace), in linear time: a regex such as
    `(\\s*)(.*?)(\\s*)` backtracks quadratically over a long run of inner whitespace."""
    inner = text.strip(_SPACE)
    if not inner:
        return text, "", ""
    start = len(text) - len(text.lstrip(_SPACE))
    return text[:start], inner, text[start + len(inner):]


def _is_space(run: _Run) -> bool:
    return not run.marks & {"code", "equation"} and _kind(run.text[0]) == "space"


def _settle_whitespace(pieces: list[_Run]) -> None:
    """Emphasis never starts or ends with whitespace (`** a**` is not bold in Markdown): a
    space keeps bold, italic or strikethrough only where the text on both sides of it has it
    too, and, across a link's edge, only where the whole link has it (the emphasis then holds
    the link, `**see [docs](u).**`, and never splits it)."""
    solid = [i for i, run in enumerate(pieces) if not _is_space(run)]
    link_marks: dict[int, set[str]] = {}  # a piece in a link → the emphasis all of that link has
    for start, end in _spans(pieces, lambda run: run.href):
        if pieces[start].href is not None:
            marks = set(_EMPHASIS)
            for i in range(start, end):
                if not _is_space(pieces[i]):
                    marks &= pieces[i].marks
            link_marks.update(dict.fromkeys(range(start, end), marks))
    for left, right in itertools.pairwise([None, *solid, None]):
        lo = 0 if left is None else left + 1
        hi = len(pieces) if right is None else right
        keep = set(_EMPHASIS)
        for side in (left, right):
            keep &= pieces[side].marks if side is not None else set()
        touching = range(lo - (left is not None), hi + (right is not None))
        if len({pieces[i].href for i in touching}) > 1:
            for i in touching:
                keep &= link_marks.get(i, keep)
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


# The elements rich text nests. Links and emphasis nest either way round, the outer one chosen
# where they meet (`_outermost`): `*a [b](u) c*`, one emphasis holding the link, where a fixed
# order would write `*a* [*b*](u) *c*`. Otherwise, the earlier in this order goes outside. Underline and colors come last, in this order: HTML tags around leaves only, so a
# `<span>` never splits a link or emphasis.
_NESTING: tuple[tuple[str, Callable[[_Run], Any]], ...] = (
    ("a", lambda run: run.href),
    ("strong", lambda run: "bold" in run.marks),
    ("em", lambda run: "italic" in run.marks),
    ("del", lambda run: "strikethrough" in run.marks),
)
_INNERMOST: tuple[tuple[str, Callable[[_Run], Any]], ...] = (
    ("u", lambda run: "underline" in run.marks),  # no Markdown form: always the HTML tag
    ("span", _color),
)


def _outermost(runs: Sequence[_Run], levels: Sequence[tuple[str, Callable[[_Run], Any]]]) -> int:
    """The index in `levels` of the element to write outside the others here: the first whose
    elements split none of the others' (an emphasis that holds a whole link goes outside it),
    else the first."""
    def spans(key: Callable[[_Run], Any]) -> list[tuple[int, int]]:
        return [(start, end) for start, end in _spans(runs, key) if key(runs[start])]
    found = [spans(key) for _, key in levels]
    for i, outer in enumerate(found):
        if all(any(a <= start and end <= b for a, b in outer) or not any(start < b and a < end for a, b in outer)
               for j, other in enumerate(found) if j != i for start, end in other):
            return i
    return 0


def _nest(runs: Sequence[_Run], levels: Sequence[tuple[str, Callable[[_Run], Any]]] = _NESTING,
          innermost: Sequence[tuple[str, Callable[[_Run], Any]]] = _INNERMOST) -> list[_Node]:
    """Well-nested nodes: consecutive runs sharing a link or an annotation share one element,
    so `**a *b***` never comes out as `**a****b**`. `levels` nest in the order `_outermost`
    chooses, then `innermost` in its own order."""
    if not levels and not innermost:
        return [_Node("math" if "equation" in r.marks else "code" if "code" in r.marks else "text", r.text) for r in runs]
    if levels:
        chosen = _outermost(runs, levels)
        (kind, key), levels = levels[chosen], tuple(levels[:chosen]) + tuple(levels[chosen + 1:])
    else:
        (kind, key), innermost = innermost[0], innermost[1:]
    nodes: list[_Node] = []
    for start, end in _spans(runs, key):
        inner = _nest(runs[start:end], levels, innermost)
        on = key(runs[start])
        nodes.extend([_Node(kind, href=runs[start].href, color=_color(runs[start]), children=tuple(inner))] if on else inner)
    return nodes


# --- rich text: Markdown --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Where:
    """Where rich text goes, and what that place changes."""

    newline: str  # a line break in the text
    braces: bool = False  # escape every `{`: a heading's trailing `{…}` would be read as attributes
    cell: bool = False  # a GFM table cell: `|` splits the row even inside code spans
    label: bool = False  # a link's text: brackets are escaped, links inside are dropped
    before: str = ""  # what comes before the text; "" for the start of a line
    # The inner content of a kept `{{< >}}` shortcode, which Hugo hands to its template as typed:
    # a template that prints `.Inner` raw shows a backslash escape, one that markdownifies it
    # shows the typographer's characters, as the original post did (import leaves them as typed
    # there). So escapes are character references, which both show as the character, and
    # typographic sequences are left as typed.
    raw_inner: bool = False


PARAGRAPH = Where(newline="\\\n")
HEADING = Where(newline=" ", braces=True)
CELL = Where(newline="<br>", cell=True)
LABEL = Where(newline="\\\n", label=True, before="[")

# A line of dashes (and spaces) is a setext underline or a thematic break (`-- -`); ending in
# a colon (`-:`), the delimiter row of a one-column table, the line above its header.
_LINE_START = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<mark>[#>:|=+]|[-*](?=[ \t]|$)|-[- \t]*:?[ \t]*$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=[ \t]|$))"
)
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
SHORTCODE_OPEN = re.compile(r"\{\{\s*[<%]")
_SPECIAL = re.compile(r"[\\\[\]*`<|$_~!^&{]")  # the characters _Markdown.escape may change
_DELIMITERS = {"strong": "**", "em": "*", "del": "~~"}
# A bare URL Goldmark's linkify would extend runs to the next whitespace or `<`: the text after
# the last of those holds `://` or `www.`. (Split, not searched for with `(://|www\.)[^\s<]*$`,
# which backtracks quadratically over many `://` before a space.)
_LINKIFY_BREAK = re.compile(r"[\s<]")


def _bare_url_at_end(text: str) -> bool:
    tail = _LINKIFY_BREAK.split(text)[-1]
    return "://" in tail or "www." in tail


# Linkify also takes an email address, its local part a run of these characters, markup
# included: `**john**@example.com` is one address, `**` and all.
_EMAIL_LOCAL = string.ascii_letters + string.digits + "!#$%&'*+-./=?^_`{|}~"
_EMAIL_AHEAD = re.compile(f"[{re.escape(_EMAIL_LOCAL)}]*@[A-Za-z0-9]")


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

    def __init__(self, where: Where, tildes: bool, plain: str, math: tuple[str, str] = ("\\(", "\\)")) -> None:
        self.where = where
        self.tildes = tildes  # `~` could pair into strikethrough: escape every typed one
        self.math = math  # an inline equation's delimiters (INLINE_MATH)
        self.in_link = where.label  # brackets in a link's text must be escaped
        self.stars = 0  # enclosing elements written with `*` delimiters
        self.url = ""  # text since the last tag, link or code: a bare URL in it may run on
        self.plain = plain  # the text of every leaf, in order (an equation as a backslash)
        self.written = 0  # how much of `plain` is written so far

    def email_across(self, before: str) -> bool:
        """Whether markup written here, after the Markdown character `before`, could be read
        as part of an email address's local part running on to an `@` in the text ahead."""
        return len(before) == 1 and before in _EMAIL_LOCAL and _EMAIL_AHEAD.match(self.plain, self.written) is not None

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
            self.written += len(node.text)
            escaped_text = self.escape(node.text, before[-1:], after)
            if not self.where.raw_inner:
                escaped_text = typographer_proof(escaped_text, before, linkify=not self.in_link)
            return escaped_text.replace("\n", self.where.newline)
        # Goldmark's linkify extends a bare URL over `[`, `` ` `` and `~` (not a backslash):
        # what follows one is written as HTML, whose `<` ends it.
        linkified = _bare_url_at_end(self.url)
        if node.kind == "math":
            self.written += 1
            tex = passthrough_tex(node.text)
            markdown = self.math[0] + (tex.replace("|", "&#124;") if self.where.cell else tex) + self.math[1]
        elif node.kind == "code":
            markdown = self.code(node.text, html_tag=linkified or self.email_across(before[-1:]))
            self.written += len(node.text)
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
        self.in_link = False
        return f'<a href="{node.href}">{inner}</a>' if linkified else f"[{inner}]({node.href})"

    def tag(self, node: _Node, before: str) -> str:
        """An element Markdown has no syntax for (a color's span, underline): its HTML tags."""
        tag = span_open(node.color or "") if node.kind == "span" else f"<{node.kind}>"
        self.url = ""  # the tag ends a bare URL
        return tag + self.nodes(node.children, before + tag, "<") + f"</{node.kind}>"

    def emphasis(self, node: _Node, before: str, after: str, previous: _Node | None, edges: tuple[str | None, str | None], linkified: bool) -> str:
        """Strong, em or del with Markdown delimiters where Goldmark reads them as such.

        Delimiters must be left-flanking to open and right-flanking to close. A `*` run that
        is both could also pair with the delimiters of an enclosing element, so it is only
        allowed where none is open; and two elements' `*` runs must not touch (`*a***b**`)."""
        delimiter = _DELIMITERS[node.kind]
        star = delimiter[0] == "*"
        start = self.written
        if (
            not linkified and not (star and _DELIMITERS.get(previous.kind if previous else "", "").startswith("*"))
            and not self.email_across(before[-1:])
        ):
            outer = before[-1:] if edges[0] is None else edges[0]
            follow = after if edges[1] is None else edges[1]
            self.stars += star
            inner = self.nodes(node.children, before + delimiter, delimiter[0], (outer, follow) if star else None)
            self.stars -= star
            # The content's first and last characters, past the `*` delimiters of children that
            # begin or end it, which join this element's `*` delimiters into one run (a `~~`
            # element's do not join: a `*` right inside it is punctuation to its flanking).
            lead = len(inner) - len(inner.lstrip("*")) if star and node.children[0].kind in ("strong", "em") else 0
            trail = len(inner) - len(inner.rstrip("*")) if star and node.children[-1].kind in ("strong", "em") else 0
            first, last = inner[lead:lead + 1], inner[: len(inner) - trail][-1:]
            ambiguous = star and self.stars > 0
            if (
                _opens(outer, first) and not (ambiguous and _closes(outer, first))
                and _closes(last, follow) and not (ambiguous and _opens(last, follow))
                and not self.email_across(inner[-1:])
            ):
                return delimiter + inner + delimiter
        self.written = start
        self.url = ""  # the tag ends a bare URL
        inner = self.nodes(node.children, before + f"<{node.kind}>", "<")
        self.url = ""
        return f"<{node.kind}>{inner}</{node.kind}>"

    def code(self, text: str, html_tag: bool) -> str:
        if html_tag or SHORTCODE_OPEN.search(text) or "]:" in text:
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
            elif self.where.raw_inner and (ch == "&" or self.backslashed(ch, prev, nxt, text, i)):
                out.append(f"&#{ord(ch)};")  # every `&`: a browser reads `&lt` too
            elif self.backslashed(ch, prev, nxt, text, i):
                out.append("\\" + ch)
            else:
                out.append(ch)
        return "".join(out)

    def as_entity(self, ch: str, nxt: str, last: bool) -> bool:
        """Where a backslash escape would not do."""
        if ch == "\\":
            # Goldmark reads `\\\` at a line's end as no line break, and passthrough reads
            # `\\` before its opener (`\(` of an equation that follows) as escaping the opener.
            return nxt == "\n" or (last and nxt == "\\")
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


# --- Goldmark's typographer ------------------------------------------------------------------

# What Goldmark's typographer (on in Hugo unless a site turns it off) turns into typographic
# characters in text: ' and " into curly quotes, -- and --- into dashes, ... into an ellipsis,
# << and >> into guillemets (github.com/yuin/goldmark, extension/typographer.go: it reads the
# source from a trigger character on, and never an escaped one). `<` is always escaped already.
_TYPOGRAPHIC = re.compile(r"['\"]|-{2,}|\.{3,}|>{2,}")
# What Goldmark's linkify makes a link of (extension/linkify.go), which the typographer never
# reads and where a backslash would end the link's address: an http(s), ftp or www. address
# that starts a text (after any markup), or follows whitespace or `(`, outside an open `[`.
_URL_PATH = r"""(?:[/#?][-a-zA-Z0-9@:%_+.~#$!?&/=();,'">^{}\[\]`]*)?"""
_LINKIFY = re.compile(r"(?:(?:https?|ftp)://[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]+(?::\d+)?|www\.[-a-zA-Z0-9@:%._+~#=]{1,256}"
                      r"\.[a-z]+)" + _URL_PATH)
# Where Goldmark's linkify may start (its parser's trigger bytes, extension/linkify.go): after
# whitespace, `(`, or an unescaped emphasis or strikethrough character (`x_http://…` is linked).
LINKIFY_TRIGGERS = frozenset(" \t\n(*_~")
# typographer_proof's pieces: an escape, a typographic sequence, a bracket, a character linkify
# may start after, or a run of none of these (any other character alone).
_TOKEN = re.compile(r"\\.|['\"]|-{2,}|\.{3,}|>{2,}|[\[\] \t\n(*_~]|[^\\'\"\-.>\[\] \t\n(*_~]+|.", re.S)


def linkified_end(text: str, start: int) -> int:
    """Where the address Goldmark's linkify reads at `start` ends (`start` when there is none):
    its regex match less the trailing punctuation linkify gives back to the text."""
    match = _LINKIFY.match(text, start)
    if match is None:
        return start
    end = match.end()
    if text[end - 1] == ".":
        end -= 1
    elif text[end - 1] == ")":
        end -= max(0, text.count(")", start, end) - text.count("(", start, end))
    while end > start + 1 and text[end - 1] in "?!.,:*_~":
        end -= 1
    return end


_BRACKET = re.compile(r"\\.|[\[\]]", re.S)


def _brackets(markdown: str, depth: int = 0) -> int:
    """How many `[` are open at the end of `markdown` (escaped ones are text): Goldmark's linkify
    does not read inside one, since it could be a link's text."""
    for match in _BRACKET.finditer(markdown):
        if match.group(0) == "[":
            depth += 1
        elif match.group(0) == "]":
            depth = max(0, depth - 1)
    return depth


def typographer_proof(markdown: str, before: str = "", *, linkify: bool = True) -> str:
    """Escaped Markdown of typed text (`_Markdown.escape`'s) with every sequence Goldmark's
    typographer would change escaped too, so a post shows the characters typed in Notion
    whether the site's typographer is on or off, and no site-wide setting has to change: `\\'`,
    `\\"`, `-\\-`, `..\\.`, `>\\>`. Bare URLs that linkify makes links of are left as they are
    (`before`: the Markdown written before the text, which follows markup or starts a line;
    `linkify`: False inside a link's text, where linkify does not read)."""
    if not _TYPOGRAPHIC.search(markdown):
        return markdown
    out: list[str] = []
    i = 0
    depth: int | None = None  # `[` open before here: counted when an address needs it
    trigger = True  # a text starts after markup or at a line's start: linkify reads there
    while i < len(markdown):
        if linkify and trigger and (end := linkified_end(markdown, i)) > i:
            if depth is None:
                depth = _brackets(markdown[:i], _brackets(before))
            if not depth:
                out.append(markdown[i:end])
                i, trigger = end, False
                continue
        token = _TOKEN.match(markdown, i)
        assert token is not None  # the last alternative takes any character
        text = token.group(0)
        if text in ("'", '"'):
            text = "\\" + text
        elif text[0] in "-.>" and len(text) > 1 and text[0] == text[1]:  # no two dashes or angle quotes, no three dots
            every = 3 if text[0] == "." else 2
            text = "".join("\\" + c if k % every == every - 1 else c for k, c in enumerate(text))
        elif text in ("[", "]") and depth is not None:
            depth = _brackets(text, depth)
        out.append(text)
        trigger = text in LINKIFY_TRIGGERS
        i = token.end()
    return "".join(out)


def _escape_line_starts(markdown: str, raw_inner: bool = False) -> str:
    """Text that would start a heading, quote, list, table, setext underline or definition
    (`raw_inner`: escaped as a character reference, `Where.raw_inner`)."""

    def escape(ch: str) -> str:
        return f"&#{ord(ch)};" if raw_inner else "\\" + ch

    def fix(match: re.Match[str]) -> str:
        indent = match.group("indent")
        if match.group("num"):
            return indent + match.group("num") + escape(match.group("dot"))
        mark = match.group(0)[len(indent):]
        return indent + escape(mark[0]) + mark[1:]

    lines = markdown.split("\n")
    return "\n".join(_LINE_START.sub(fix, line, count=1) for line in lines)


def passthrough_tex(expression: str) -> str:
    """A TeX expression as passthrough will copy it into the page: HTML-safe, no `{{` for Hugo
    (`{ {` means the same in TeX), no `]:` (a link reference definition), no blank line (it
    would end a `$$` block)."""
    text = html.escape(expression, quote=False).replace("]:", "&#93;:")
    text = re.sub(r"\{(?=\{)", "{ ", text)
    # No delimiter of passthrough's (`\(` `\)` `\[` `\]` `$$`), which would end the math early
    # and let the rest be read as Markdown (a live link): each backslash before a bracket or at
    # the end, and every `$`, as an entity, which the browser shows as typed and passthrough
    # copies as it is.
    text = re.sub(r"\\(?=[()\[\]]|$)", "&#92;", text).replace("$", "&#36;")
    return re.sub(r"\n\s*\n", "\n", text)


# An inline equation's passthrough delimiters, by `[render] math`: LaTeX's, or GitHub's `$`…`$`,
# which no hand-written post plausibly holds (the site kit adds it to the site's passthrough).
# Both start with punctuation, as `_Markdown.lead` says of an equation; `$` is always escaped in
# text and in the TeX, so neither delimiter can be typed.
INLINE_MATH = {"latex": ("\\(", "\\)"), "github": ("$`", "`$")}


def to_markdown(items: Iterable[dict[str, Any]], ctx: RenderContext, where: Where) -> str:
    # Links inside a link's text are its text only: two code spans they kept apart would touch.
    runs = _runs(items, ctx, where.newline, links=not where.label)
    if not runs:
        return ""
    plain = "".join("\\" if "equation" in run.marks else run.text for run in runs)
    tildes = plain.count("~") >= 2 or any("strikethrough" in run.marks for run in runs)
    markdown = _Markdown(where, tildes, plain, INLINE_MATH[ctx.options.math]).nodes(_nest(runs), where.before,
                                                                             "]" if where.label else "")
    return _escape_line_starts(markdown, where.raw_inner)


def rich_text(items: Iterable[dict[str, Any]], ctx: RenderContext) -> str:
    """Rich text as Markdown inline content for a paragraph (line breaks kept)."""
    return to_markdown(items, ctx, PARAGRAPH)


def escaped(text: str, where: Where = LABEL) -> str:
    """Plain text (a URL, a file name, an alt text) as literal Markdown."""
    return to_markdown([{"type": "text", "plain_text": text}], RenderContext(), where)


# --- rich text: HTML (inside raw HTML blocks, where Markdown is not read) --------------------


# The inline math element of the site kit (layouts/_default/_markup/render-passthrough.html).
MATH_ELEMENT = '<span class="notion-math">'


def to_html(items: Iterable[dict[str, Any]], ctx: RenderContext) -> str:
    return "".join(_html_node(node) for node in _nest(_runs(items, ctx, "<br>")))


def _html_node(node: _Node) -> str:
    if node.kind == "text":
        return entity_braces(html.escape(node.text, quote=False)).replace("\n", "<br>")
    if node.kind == "code":
        return "<code>" + entity_braces(html.escape(node.text, quote=False)) + "</code>"
    if node.kind == "math":
        # Goldmark's passthrough does not reach into raw HTML (a table cell, a tab's summary):
        # write the element the kit's passthrough hook writes, which KaTeX typesets (and which
        # shows the TeX as text without the kit).
        return MATH_ELEMENT + entity_braces(html.escape(node.text, quote=False)) + "</span>"
    inner = "".join(_html_node(child) for child in node.children)
    if node.kind == "a":
        return f'<a href="{_attribute(node.href or "")}">{inner}</a>'
    if node.kind == "span":
        return span_open(node.color or "") + inner + "</span>"
    return f"<{node.kind}>{inner}</{node.kind}>"


def _attribute(href: str) -> str:
    """An href inside an HTML attribute. Only `&` needs escaping: safe_url quotes quotes and
    brackets, and a post link may be a Hugo shortcode, which must stay as it is."""
    return href.replace("&", "&amp;")


def entity_braces(text: str) -> str:
    return text.replace("{", "&#123;").replace("}", "&#125;")
