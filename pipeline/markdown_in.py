"""Hugo Markdown → Notion block objects, the import direction. Pure: no I/O, no API.

Parsed with markdown-it-py (CommonMark, GFM tables and strikethrough, task lists, footnotes
to report them, `$$`/`\\[…\\]` display math and `\\(…\\)` inline math as Hugo's passthrough reads
them, and GitHub's ```` ```math ```` and `` $`…`$ ``). Every form sync writes is read back by the
names pipeline/render/goldmark.py gives it (its elements' tags, list styles, alert types, the
kit's shortcodes, which `goldmark.raw_html` turns into those elements first), so that a post
rendered under any `[render]` options comes back as its blocks. One function per node type
in `BLOCK_CONVERTERS`; a node type not in the table falls back to its text, reported. Raw HTML
fragments go through markdownify to Markdown first, so their content reaches Notion as blocks. Whatever Notion cannot hold is reported as a note (a `Problem` of severity NOTE)
saying what was done instead.

Request shapes: developers.notion.com/reference/block (block objects, `children` inside the
type's payload), /reference/rich-text (text, equation; annotations), /reference/file-object
(`external`, `file_upload`). Of the limits of /reference/request-limits, the writer
(`import_posts`) keeps those of a request (children a request, nesting, bytes); those of one
block are met here, by `_fit` after the conversion: 2,000 characters a text object and a URL,
1,000 an equation, 100 items a rich text array. Nothing is cut: a text too long for one block
goes on in the next, and what cannot be held so is reported (a note) or fails its post alone
(`Unholdable`).

Every pattern here runs in linear time on any input (bench/pathological.py), and every
recursion is bounded (`MAX_MARKDOWN_NESTING`, `MAX_HTML_DEPTH`, the post's `max_depth`): one
post's input can fail that post, never hold or end the run.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import warnings
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from bs4 import MarkupResemblesLocatorWarning
from bs4.exceptions import ParserRejectedMarkup
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.tree import SyntaxTreeNode
from markdownify import markdownify
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from mdit_py_plugins.texmath import texmath_plugin

from pipeline.bundle import file_suffix, publishable, safe_file_name
from pipeline.model import Problem, Severity
from pipeline.hugo_syntax import (FENCE_CAPTION, FIGURE_ARGUMENTS, MORE, CaptionMeta, ShortcodeTag, fence_info,
                                 file_line_path, highlight_tag, shortcode_tag, shortcode_tags, split_caption)
from pipeline.render import MAX_DEPTH, goldmark
from pipeline.code_languages import chroma_name, notion_language
from pipeline.richtext import COLORS, INLINE_MATH
from pipeline import typographer
from pipeline.typographer import Typographer

MAX_TEXT = 2000  # characters a text object, and a URL (developers.notion.com/reference/request-limits)
MAX_RICH_TEXT = 100  # items a rich text array (same)
MAX_EQUATION = 1000  # characters an equation's expression (same)
# The rich text of one block, as JSON bytes: well under the 500 KB a request may carry
# (request-limits), so that the writer can always send a block by itself.
MAX_TEXT_BYTES = 200_000
# markdown-it stops reading at this depth of nested containers and drops the rest of the post
# without a word (its `maxNesting`, 20 in the CommonMark preset): set past the deepest post a
# sync shows (a list takes two levels a level of nesting), and checked after every parse.
MAX_MARKDOWN_NESTING = 2 * MAX_DEPTH + 4
MAX_HTML_DEPTH = 64  # elements nested in one raw HTML fragment: markdownify recurses per element
LOCAL_FILE = "local:"  # a file_upload id standing for a bundle file until it is uploaded


class Unholdable(ValueError):
    """A post that neither Notion nor the blog could hold as it is: it fails alone, and the
    message says what to change."""


def text_objects(text: str) -> list[dict[str, Any]]:
    """Plain text as rich-text objects of at most MAX_TEXT characters each (none is cut)."""
    # Shape: developers.notion.com/reference/rich-text (a text object); request-limits (2,000).
    return [{"type": "text", "text": {"content": text[i:i + MAX_TEXT]}} for i in range(0, len(text), MAX_TEXT)]

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".avif", ".tif", ".tiff")
_FILE_KINDS = {".pdf": "pdf", ".mp4": "video", ".webm": "video", ".mov": "video", ".mp3": "audio", ".wav": "audio",
               ".ogg": "audio", ".m4a": "audio"}
# Possessive quantifiers (`++`, `*+`) where a name meets what follows it: backtracking into
# the name would make a failed match quadratic in its length (`{{< highlight aaaa… >}}`).
_SHORTCODE_INLINE = re.compile(r"\{\{[<%]\s*([A-Za-z0-9_/-]+)")
# A link whose destination is Hugo's ref or relref shortcode, and its title if it has one.
_REF_LINK = re.compile(r"\]\(\s*\{\{[<%]\s*(?:rel)?ref\s+[\"']([^\"'\n]+)[\"']\s*[>%]\}\}\s*(\"[^\"\n]*\")?\s*\)")
_REF_SCHEME = "hugo-ref:"
# A leading emoji (with variation selectors, skin tones and joiners), then a space: a callout's icon.
# A skin tone is an emoji and a modifier both: without the possessive quantifiers, a run of
# them that no space follows would be tried every way it splits (exponential time).
_EMOJI = re.compile(
    "^((?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF\u3030\u303D\u3297\u3299"
    "\u00A9\u00AE\u203C\u2049\u2122\u2139]"
    "[\uFE0F\u20E3\U0001F3FB-\U0001F3FF]*+\u200D?)++)(?:[ \t]|$)"
)
_TAG = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>$", re.S)
_MARK_TAGS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "del": "strikethrough",
              "s": "strikethrough", "strike": "strikethrough", "u": "underline", "ins": "underline", "code": "code"}


@dataclass(slots=True)
class Conversion:
    """A post body as Notion blocks (request shapes, children inside each payload), the files
    they reference (as `local:<path>` file upload ids: a bundle-relative path, or a `/`-rooted
    one for a file of the site's static folder), and the notes."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class ImportContext:
    """What converting one post needs beyond its Markdown."""

    post_links: dict[str, str] = field(default_factory=dict)  # slug of an imported post → its Notion page URL
    section: str = "posts"  # the Hugo section whose /<section>/<slug>/ links point to posts
    bundle_files: frozenset[str] = frozenset()  # files beside the post (bundle-relative paths)
    static_files: frozenset[str] = frozenset()  # files of the site's static folder (paths under it)
    slug: str = ""  # the post's own slug: an `#anchor` link points to its entry
    base_url: str = ""  # the site's baseURL (absolute): root-relative links to its other pages
    permalinks: dict[str, str] = field(default_factory=dict)  # a post's URL path (lower case) → its slug
    shortcodes: frozenset[str] = frozenset()  # the shortcodes the site owner keeps ([render] shortcodes)
    max_depth: int = MAX_DEPTH  # levels of nested blocks a sync reads and shows ([limits] max_depth)
    # The site's Goldmark typographer (None: off): the post's text is read as its reader saw it.
    typographer: Typographer | None = None
    conversion: Conversion = field(default_factory=Conversion)
    # Images met inside text (a paragraph's, a heading's, a list item's), placed after its block.
    pending: list[dict[str, Any]] = field(default_factory=list)
    highlights: list[ShortcodeTag] = field(default_factory=list)  # highlight shortcodes, by their place
    held: list[str] = field(default_factory=list)  # the tags the Markdown reader is not given (`_held_tags`)
    _noted: set[str] = field(default_factory=set)
    _level: int = 0  # how deep `convert_nodes` has gone

    def note(self, message: str) -> None:
        if message not in self._noted:
            self._noted.add(message)
            self.conversion.notes.append(Problem(severity=Severity.NOTE, message=message))

    def local_file(self, url: str) -> str | None:
        """The file a URL names that the import uploads: a bundle file (its bundle-relative
        path) for a relative URL, a file of the site's static folder (`/` and its path there)
        for a root-relative one; else None."""
        parts = _split(url)
        if parts is None or parts.scheme or parts.netloc or url.startswith("#"):
            return None
        path = unquote(parts.path)
        if path.startswith("/"):
            return path if path.lstrip("/") in self.static_files else None
        path = path.removeprefix("./")
        return path if path in self.bundle_files else None

    def take_pending(self) -> list[dict[str, Any]]:
        found, self.pending = self.pending, []
        return found

    def too_deep(self, depth: int) -> Unholdable:
        return Unholdable(
            f"its blocks nest {depth} levels deep (lists, quotes, callouts or toggles one inside another), "
            f"and a sync reads and shows {self.max_depth}: Notion could hold the post, the blog could not. "
            "Move the deepest items up a level, then import it again.")


def _split(url: str) -> SplitResult | None:
    """A URL's parts, or None for text urllib cannot read as one (`http://[oops`)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .use(tasklists_plugin)
        .use(footnote_plugin, inline=False)  # Goldmark has no `^[inline]` footnotes
        .use(dollarmath_plugin)
        .use(texmath_plugin, delimiters="brackets")
    )
    # Hugo's passthrough reads `$$…$$` blocks but no `$…$` inline math: dollarmath's inline rule
    # (the first of that name) goes, texmath's `\(…\)` stays.
    md.inline.ruler.disable("math_inline")
    md.inline.ruler.before("escape", "github_math_inline", _github_math)
    md.options["maxNesting"] = MAX_MARKDOWN_NESTING
    typographer.use(md)
    return md


def _github_math(state: StateInline, silent: bool) -> bool:
    """GitHub's inline math, `` $`…`$ `` (`[render] math = "github"`), as an inline equation. In
    linear time: where no closing delimiter follows, none follows a later opening either."""
    opening, closing = INLINE_MATH["github"]
    if not state.src.startswith(opening, state.pos):
        return False
    found = state.env.setdefault("github_math_last_close", {})  # the inline text's last closing delimiter
    if id(state.src) not in found:
        found[id(state.src)] = state.src.rfind(closing)
    last = found[id(state.src)]
    end = state.src.find(closing, state.pos + len(opening)) if last > state.pos + len(opening) else -1
    if end < 0 or end == state.pos + len(opening):
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[state.pos + len(opening):end]
        token.markup = opening
    state.pos = end + len(closing)
    return True


_PARSER = parser()


def parse(markdown: str, typographer_: Typographer | None = None, held: Sequence[str] = ()) -> list[SyntaxTreeNode]:
    """The top-level nodes of Markdown text, its text as `typographer_` shows it (None: as
    typed; `held`: the shortcode tags `_held_tags` took out of it). A token at the parser's
    nesting limit means that markdown-it stopped there and dropped the rest: that post is
    refused, never cut."""
    tokens = _PARSER.parse(markdown, {typographer.ENV_KEY: typographer_, typographer.HELD_KEY: (_HELD, held)})
    if any(token.level >= MAX_MARKDOWN_NESTING - 1 for token in tokens):
        raise Unholdable(
            f"its Markdown nests lists and quotes more than {MAX_MARKDOWN_NESTING // 2} levels deep, where the "
            "Markdown reader stops (the rest of the post would be lost). Move the deepest items up a level.")
    try:
        return SyntaxTreeNode(tokens).children
    except ValueError as error:  # the footnote plugin leaves a footnote defined inside another unclosed
        raise Unholdable(f"the Markdown reader cannot make a tree of it ({error}), as happens with a footnote "
                         "defined inside another footnote's definition: move that definition out") from None


def _ref_link(match: re.Match[str]) -> str:
    """A ref or relref link destination as a link the converter resolves to the post's entry;
    its title, which a Notion link cannot hold, is reported."""
    return "](" + _REF_SCHEME + match.group(1).replace(" ", "%20") + (f" {match.group(2)}" if match.group(2) else "") + ")"


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HIGHLIGHT_OPEN = re.compile(r"\{\{[<%]\s*+highlight\b")
_HIGHLIGHT_CLOSE = re.compile(r"\{\{[<%]\s*+/highlight\s*+[>%]\}\}")
# Shortcodes whose tag alone on a line is a block of its own (its own paragraph): Hugo's that
# become Notion blocks, and the site owner's kept ones, whose inner content goes between them.
_BLOCK_SHORTCODES = frozenset(("figure", "youtube", "vimeo"))


def hugo_blocks(markdown: str, ctx: ImportContext) -> str:
    """The Markdown with Hugo's block constructs made plain for the Markdown reader, outside
    fenced code: a `highlight` shortcode becomes the fenced code it stands for (its code is
    not Markdown: a blank line, a `#` or `---` in it stays code), and a shortcode tag alone on
    a line (a kept one's, or a figure's) becomes a paragraph of its own."""
    lines = markdown.split("\n")
    out: list[str] = []
    fence = ""
    unclosed_after = -1
    i = 0
    while i < len(lines):
        line = lines[i]
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) \
                    and not line.strip(" `~"):
                fence = ""
            out.append(line)
            i += 1
            continue
        if opening:
            fence = opening.group(1)
            out.append(line)
            i += 1
            continue
        highlight = _HIGHLIGHT_OPEN.match(line.strip())
        if highlight and unclosed_after < i:
            found = _highlight(lines, i, ctx)
            if found is None:
                unclosed_after = len(lines)  # no closing tag below: none for a later highlight either
            else:
                i, fenced = found
                out += ["", fenced, ""]
                continue
        tag = shortcode_tag(line) if "{{" in line else None
        line = _held_tags(line, ctx) if "{{" in line else line
        if tag is not None and (tag.name in _BLOCK_SHORTCODES or tag.name in ctx.shortcodes):
            out += ["", line, ""]
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


# A shortcode tag the converter reads, held out of the Markdown reader's way (which would take
# `{{<figure src="a">}}` for an HTML tag, and unescape `{\{<` into a tag Hugo never sees).
_HELD = re.compile("\ue000(\\d+)\ue001")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _held_tags(line: str, ctx: ImportContext) -> str:
    """The line with each tag of a figure, a video or a kept shortcode (outside code spans)
    replaced by a placeholder that `held_tag` resolves: in text, in a paragraph of its own."""
    def hold(part: str) -> str:
        out, position = [], 0
        for start, end, tag in shortcode_tags(part):
            if tag is not None and (tag.name in _BLOCK_SHORTCODES or tag.name in ctx.shortcodes):
                ctx.held.append(part[start:end])
                out += [part[position:start], f"\ue000{len(ctx.held) - 1}\ue001"]
                position = end
        return "".join(out) + part[position:]

    out, position = [], 0
    for span in _CODE_SPAN.finditer(line):
        out += [hold(line[position:span.start()]), span.group(0)]
        position = span.end()
    return "".join(out) + hold(line[position:])


def held_tag(text: str, ctx: ImportContext) -> ShortcodeTag | None:
    """The tag a text that is one placeholder holds, or None."""
    found = _HELD.fullmatch(text.strip())
    return shortcode_tag(ctx.held[int(found.group(1))]) if found else None


def _restored(value: Any, ctx: ImportContext) -> Any:
    """Blocks with every placeholder left in their text (in code, in a link) as the tag it held."""
    if isinstance(value, dict):
        return {key: _restored(item, ctx) for key, item in value.items()}
    if isinstance(value, list):
        return [_restored(item, ctx) for item in value]
    if isinstance(value, str) and "\ue000" in value:
        return _HELD.sub(lambda m: ctx.held[int(m.group(1))], value)
    return value


def _highlight(lines: list[str], i: int, ctx: ImportContext) -> tuple[int, str] | None:
    """The highlight shortcode opened on line i as fenced code, and the line after it; None
    when no closing tag follows."""
    for j in range(i, len(lines)):
        closing = _HIGHLIGHT_CLOSE.search(lines[j])
        if closing is None:
            continue
        text = "\n".join(lines[i:j] + [lines[j][:closing.start()]]).strip()
        tag_end = text.find("}}") + 2
        tag = shortcode_tag(text[:tag_end])
        if tag is None or not tag.positional:
            return None
        ctx.highlights.append(tag)  # its code block keeps the tag (convert_code)
        fenced = _fenced(text[tag_end:].strip("\r\n"), f"{_HIGHLIGHT_INFO}{len(ctx.highlights) - 1}")
        after = lines[j][closing.end():]
        if after.strip():
            lines[j] = after  # what follows the closing tag on its line is read next
            return j, fenced
        return j + 1, fenced
    return None


# The info string a highlight shortcode's code is fenced with, until convert_code reads it.
_HIGHLIGHT_INFO = "notion-hugo-highlight-"


def _fenced(code: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{code}\n{fence}"


def to_blocks(markdown: str, ctx: ImportContext) -> Conversion:
    """The Notion blocks of a post body, each within Notion's limits for one block. The site
    kit's shortcodes are read as the HTML they stand for (`goldmark.raw_html`)."""
    markdown = _REF_LINK.sub(_ref_link, hugo_blocks(goldmark.raw_html(markdown), ctx))
    nodes = parse(markdown, ctx.typographer, ctx.held)
    # <aside> and <details> span HTML blocks that markdown-it does not nest: how deep they go
    # is counted first, in one pass, so that converting them cannot take the square of it.
    opened = deepest = 0
    for node in (inner for top in nodes for inner in top.walk() if inner.type == "html_block"):
        opened += _depth(node.content, _CALLOUT) + _depth(node.content, _DETAILS)
        deepest = max(deepest, opened)
    if deepest > ctx.max_depth:
        raise ctx.too_deep(deepest)
    blocks = _restored(convert_nodes(nodes, ctx), ctx)
    depth = nesting(blocks)
    if depth > ctx.max_depth:
        raise ctx.too_deep(depth)
    ctx.conversion.blocks = _fit(blocks, ctx)
    return ctx.conversion


def nesting(blocks: list[dict[str, Any]]) -> int:
    """How many levels deep blocks go (1: none has children), counted without recursion."""
    deepest = 0
    stack = [(block, 1) for block in blocks]
    while stack:
        block, level = stack.pop()
        deepest = max(deepest, level)
        stack += [(child, level + 1) for child in payload(block).get("children") or ()]
    return deepest


def payload(block: dict[str, Any]) -> dict[str, Any]:
    """A request block's payload: `block[block["type"]]`, where its children are too."""
    return block[block["type"]]


def convert_nodes(nodes: list[SyntaxTreeNode], ctx: ImportContext) -> list[dict[str, Any]]:
    # Each level of nested containers (Markdown's, and <aside>/<details> spread over HTML
    # blocks, which markdown-it does not nest) is a level here: bounded, before Python's own
    # recursion limit, at what a post could show anyway.
    ctx._level += 1
    try:
        if ctx._level > 2 * ctx.max_depth + 8:
            raise ctx.too_deep(ctx._level)
        return _convert_nodes(nodes, ctx)
    finally:
        ctx._level -= 1


def _convert_nodes(nodes: list[SyntaxTreeNode], ctx: ImportContext) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    unclosed_table = False
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if node.type == "html_block":
            container = _container(node)
            if container:
                i, converted = _html_container(nodes, i, container, ctx)
                blocks += converted
                continue
            # No closing tag after an open table: none after a later one either (linear time).
            table = _joined_table(nodes, i) if _depth(node.content, "table") > 0 and not unclosed_table else None
            unclosed_table = unclosed_table or (table is None and _depth(node.content, "table") > 0)
            if table is not None:
                i, fragment = table
                blocks += _html_table(fragment.strip(), ctx) + ctx.take_pending()
                continue
        converted = BLOCK_CONVERTERS.get(node.type, convert_unknown)(node, ctx)
        i += 1
        caption = _caption_after(converted, nodes[i] if i < len(nodes) else None, ctx)
        if caption is not None:
            converted[-1]["image"]["caption"] = caption
            i += 1
        blocks += converted + ctx.take_pending()  # images met in its text follow it
    return blocks


def _caption_after(converted: list[dict[str, Any]], following: SyntaxTreeNode | None,
                   ctx: ImportContext) -> list[dict[str, Any]] | None:
    """An image's caption, when the paragraph right after it repeats its alt text (as the
    renderer writes a caption): that paragraph, instead of the `alt:` line, which sync does
    not show."""
    image = converted[-1].get("image") if converted else None
    if not image or not image["caption"] or following is None or following.type != "paragraph":
        return None
    _, meta = split_caption("".join(_plain(item) for item in image["caption"]))
    if meta.alt is None or meta != CaptionMeta(alt=meta.alt) or _media_paragraph(following):
        return None
    text = rich_text(following.children[0] if following.children else None, ctx)
    if "".join(_plain(item) for item in text).replace("\n", " ") != meta.alt:
        ctx.take_pending()
        return None
    return text


# --- rich text --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Runs:
    """Rich text being built: text under the current marks and link."""

    items: list[dict[str, Any]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    href: list[str | None] = field(default_factory=list)
    colors: list[str | None] = field(default_factory=list)  # open <span>s: the Notion colour each is, if any

    def add(self, text: str, extra: Iterable[str] = ()) -> None:
        if not text:
            return
        marks = set(self.marks) | set(extra)
        href = next((h for h in reversed(self.href) if h is not None), None) if self.href else None
        color = self.color()
        last = self.items[-1] if self.items else None
        if last and last["type"] == "text" and not last.get("_tag") and last["_marks"] == marks \
                and last["_href"] == href and last["_color"] == color:
            last["_text"] += text
        else:
            self.items.append({"type": "text", "_text": text, "_marks": marks, "_href": href, "_color": color})

    def color(self) -> str | None:
        return next((color for color in reversed(self.colors) if color is not None), None)

    def equation(self, expression: str) -> None:
        item: dict[str, Any] = {"type": "equation", "equation": {"expression": expression}}
        # An equation carries the marks around it, as any rich text item does.
        annotations: dict[str, Any] = {mark: True for mark in sorted(set(self.marks))}
        if self.color():
            annotations["color"] = self.color()
        if annotations:
            item["annotations"] = annotations
        self.items.append(item)

    def result(self) -> list[dict[str, Any]]:
        out = []
        for item in self.items:
            if item["type"] != "text":
                out.append(item)
                continue
            text = item["_text"]
            for start in range(0, len(text), MAX_TEXT):
                piece: dict[str, Any] = {"type": "text", "text": {"content": text[start:start + MAX_TEXT]}}
                if item["_href"]:
                    piece["text"]["link"] = {"url": item["_href"]}
                if item["_marks"] or item.get("_color"):
                    piece["annotations"] = {mark: True for mark in sorted(item["_marks"])}
                if item.get("_color"):
                    piece["annotations"]["color"] = item["_color"]
                out.append(piece)
        return out


def rich_text(inline: SyntaxTreeNode | None, ctx: ImportContext) -> list[dict[str, Any]]:
    runs = _Runs()
    if inline is not None:
        _inline(inline.children, runs, ctx)
    return runs.result()


def _inline(nodes: list[SyntaxTreeNode], runs: _Runs, ctx: ImportContext) -> None:
    for node in nodes:
        kind = node.type
        if kind == "text":
            _text_with_shortcodes(node.content, runs, ctx)
        elif kind == "code_inline":
            runs.add(node.content, ("code",))
        elif kind == "softbreak":
            runs.add(" ")  # a line break in the source is a space on the page
        elif kind == "hardbreak":
            runs.add("\n")
        elif kind in ("strong", "em", "s"):
            runs.marks.append({"strong": "bold", "em": "italic", "s": "strikethrough"}[kind])
            _inline(node.children, runs, ctx)
            runs.marks.pop()
        elif kind == "link":
            if node.attrs.get("title"):
                ctx.note("a link's title (shown on hover) has no Notion form: left out")
            runs.href.append(link_url(str(node.attrs.get("href", "")), ctx))
            _inline(node.children, runs, ctx)
            runs.href.pop()
        elif kind == "math_inline":
            runs.equation(goldmark.typed_expression(html.unescape(node.content)))
        elif kind == "image":
            ctx.note("an image inside text (a paragraph's, a heading's, a list item's): Notion images are blocks; "
                     "it follows that text")
            ctx.pending += _media_block(node, ctx)
        elif kind == "html_inline":
            _html_inline(node.content, runs, ctx)
        elif kind == "footnote_ref":
            label = _footnote_label(node)
            ctx.note(FOOTNOTES)
            runs.items.append({"type": "text", "_text": f"[^{label}]", "_marks": set(runs.marks) | {"code"},
                               "_href": None, "_tag": True})
        else:
            runs.add(node.content)
            if node.children:
                _inline(node.children, runs, ctx)


def _text_with_shortcodes(text: str, runs: _Runs, ctx: ImportContext) -> None:
    """Text, where each tag of a shortcode the site owner keeps is a piece of code of its own,
    which sync writes back as the tag (render/hugo.py), and Hugo's figure or video is a block
    after the text; any other tag stays text."""
    position = 0
    for found in _HELD.finditer(text) if "\ue000" in text else ():
        tag = shortcode_tag(ctx.held[int(found.group(1))])
        runs.add(text[position:found.start()])
        position = found.end()
        media = None
        if tag is not None and tag.name not in ctx.shortcodes and not tag.closing:
            media = _figure(tag, ctx) if tag.name == "figure" and tag.args.get("src") else _video(tag, ctx)
        if media and tag is not None:
            ctx.note(f"a {tag.name} shortcode inside text: Notion holds it as a block, which follows that text")
            ctx.pending += media
        elif tag is not None and tag.name in ctx.shortcodes:
            runs.items.append({"type": "text", "_text": tag.text(), "_marks": set(runs.marks) | {"code"},
                               "_href": None, "_tag": True})
        else:
            runs.add(ctx.held[int(found.group(1))])
    runs.add(text[position:])


def _html_inline(tag: str, runs: _Runs, ctx: ImportContext) -> None:
    match = _TAG.match(tag.strip())
    if not match:
        if tag.strip() == MORE:
            ctx.note("a <!--more--> inside a paragraph: kept after the paragraph, where the summary then ends")
            ctx.pending.append(more_block())
        elif not tag.startswith("<!--"):
            runs.add(html.unescape(tag))
        return
    closing, name, attributes = match.group(1) == "/", match.group(2).lower(), match.group(3)
    if name in _MARK_TAGS:
        if closing:
            if _MARK_TAGS[name] in runs.marks:
                runs.marks.reverse()
                runs.marks.remove(_MARK_TAGS[name])
                runs.marks.reverse()
        else:
            runs.marks.append(_MARK_TAGS[name])
    elif name == "a":
        if closing:
            if runs.href:
                runs.href.pop()
        else:
            href = re.search(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""", attributes)
            runs.href.append(link_url(html.unescape(next(g for g in href.groups() if g is not None)), ctx) if href else None)
    elif name == "br":
        runs.add("\n")
    elif name == "img":
        if not closing:
            ctx.note("an <img> inside text: Notion images are blocks; it follows that text")
            ctx.pending += _html_image(attributes, ctx)
    elif name == "span":
        if not closing:
            runs.colors.append(_style_color(attributes))
        elif runs.colors:
            runs.colors.pop()
    elif name != "input":
        ctx.note(f"<{name}> has no Notion form: its text is kept without the tag")


def _attribute(attributes: str, name: str) -> str | None:
    found = re.search(rf"""(?:^|\s){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", attributes, re.I)
    return html.unescape(next(g for g in found.groups() if g is not None)) if found else None


def _html_image(attributes: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """An `<img>` as an image block: its src, alt and title."""
    src = _attribute(attributes, "src")
    if not src:
        return []
    return image_block(src, _attribute(attributes, "alt") or "", _attribute(attributes, "title") or "", "", ctx)


def link_url(href: str, ctx: ImportContext) -> str | None:
    """Where a link points in Notion: the Notion page of an imported post (a heading of it
    too, by its anchor: `#intro` or `/posts/raft/#intro`), an absolute URL, or None (the text
    stays, unlinked) for a relative link Notion cannot hold."""
    href = href.strip()
    if href.startswith(_REF_SCHEME):
        target = unquote(href[len(_REF_SCHEME):])
        href = '{{< relref "' + target + '" >}}'
    else:
        parts = _split(href)
        if parts is None:
            ctx.note(f"link to {href!r}: not a URL that can be read; its text is kept, unlinked")
            return None
        if parts.scheme.lower() == "doi" and parts.path:  # a DOI as the address that resolves it
            ctx.note(f"link to {href!r}: written as https://doi.org/{parts.path} (Notion holds http(s) and mailto links)")
            href, parts = f"https://doi.org/{parts.path}", urlsplit(f"https://doi.org/{parts.path}")
        if parts.scheme in ("http", "https", "mailto"):
            if len(href) > MAX_TEXT:
                ctx.note(f"a link of {len(href):,} characters, over the 2,000 Notion holds: its text is kept, unlinked")
                return None
            return href
        if parts.scheme:
            ctx.note(f"link to {href!r}: Notion and the blog hold http(s) and mailto links only; its text is kept, "
                     "unlinked")
            return None
        if href.startswith("#"):
            target = ctx.slug + href
        else:
            # A relative link is read from the post's own URL (/section/slug/), as a browser does.
            path = parts.path if parts.path.startswith("/") else posixpath.normpath(
                f"/{ctx.section}/{ctx.slug}/{parts.path}") if parts.path and not ctx.local_file(href) else ""
            target = path + (f"#{parts.fragment}" if parts.fragment else "") \
                if path.lower().startswith(f"/{ctx.section}/".lower()) else ""
        if not target and href.startswith("/"):  # a post's own URL, as Hugo serves it (custom permalinks)
            path, anchor = (parts.path.rstrip("/") + "/").lower(), parts.fragment
            if path in ctx.permalinks and ctx.permalinks[path] in ctx.post_links:
                return ctx.post_links[ctx.permalinks[path]] + (f"#{anchor}" if anchor else "")
    if target:
        path, _, anchor = target.partition("#")
        slug = _post_of(path, ctx) if path.strip() else None
        if slug is not None:
            return ctx.post_links[slug] + (f"#{anchor}" if anchor else "")
    if ctx.local_file(href):
        ctx.note(f"link to the bundle file {href!r} inside text: Notion cannot link text to a file; its text is kept")
        return None
    if href.startswith("/") and not href.startswith("//") and ctx.base_url:
        # A page of the site that is not a post of this import: Notion holds absolute URLs, and
        # the site's own address keeps the link (issue #17).
        ctx.note(f"link to {href!r}, a page of the site but no post of this import: made absolute with the site's "
                 f"baseURL ({ctx.base_url})")
        return urljoin(ctx.base_url, href)
    if target:
        ctx.note(f"link to {href!r}: no post of this import or entry of the data source has that slug; its text is kept, unlinked")
        return None
    ctx.note(f"relative link {href!r}: Notion holds absolute URLs only; its text is kept, unlinked")
    return None


def _post_of(target: str, ctx: ImportContext) -> str | None:
    """The slug of the imported post a link or ref names (`/posts/notes/raft/`, `notes/raft.md`,
    `raft`), as Hugo finds it: by its path in the section, else by its name alone when one post
    has it."""
    path = re.sub(r"(/_?index)?(\.md)?/?$", "", target.strip()).strip("/")
    if path.lower().startswith(f"{ctx.section}/".lower()):
        path = path[len(ctx.section) + 1:]
    exact = [slug for slug in ctx.post_links if slug.lower() == path.lower()]  # Hugo serves paths in lower case
    if exact:
        return exact[0]
    named = [slug for slug in ctx.post_links if slug.rsplit("/", 1)[-1].lower() == path.rsplit("/", 1)[-1].lower()]
    return named[0] if len(named) == 1 else None


def _plain(item: dict[str, Any]) -> str:
    return item["text"]["content"] if item["type"] == "text" else item["equation"]["expression"]


def _alt(node: SyntaxTreeNode) -> str:
    return "".join(child.content for child in node.children) if node.children else str(node.content or "")


# --- blocks -------------------------------------------------------------------------------------


def _text_block(kind: str, text: list[dict[str, Any]], children: list[dict[str, Any]] | None = None,
                **extra: Any) -> dict[str, Any]:
    """A block holding rich text, of any length: `_fit` makes it fit."""
    payload: dict[str, Any] = {"rich_text": text, **extra}
    if children:
        payload["children"] = children
    return {"type": kind, kind: payload}


# --- Notion's limits for one block ---------------------------------------------------------------


def _fit(blocks: list[dict[str, Any]], ctx: ImportContext) -> list[dict[str, Any]]:
    """The blocks, each within Notion's limits for one block: a text of more pieces (or bytes)
    than a block holds goes on in blocks after it (code in code blocks, any other text in
    paragraphs); a caption or a table cell, which cannot, keeps its text and loses the styles
    of its last pieces. Each is reported. Recursion is bounded: `nesting` was checked."""
    out = []
    for block in blocks:
        value = payload(block)
        if "children" in value:
            value["children"] = _fit(value["children"], ctx)
        if "caption" in value:
            value["caption"] = _fitted(value["caption"], ctx)
        if block["type"] == "table_row":
            value["cells"] = [_fitted(cell, ctx) for cell in value["cells"]]
        if "rich_text" not in value:
            out.append(block)
            continue
        chunks = _chunks([_held(item, ctx) for item in value["rich_text"]])
        value["rich_text"] = chunks[0]
        out.append(block)
        if len(chunks) > 1 and block["type"] == "code":
            ctx.note("a code block longer than one Notion code block holds (100 pieces of 2,000 characters): "
                     "it goes on in the code blocks after it")
            out += [{"type": "code", "code": {"rich_text": chunk, "language": value["language"]}} for chunk in chunks[1:]]
        elif len(chunks) > 1:
            ctx.note("a text of more than 100 differently styled pieces (Notion's limit a block): its rest "
                     "follows in paragraphs of its own")
            out += [_text_block("paragraph", chunk) for chunk in chunks[1:]]
    return out


def _chunks(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rich text in runs of at most MAX_RICH_TEXT items and MAX_TEXT_BYTES bytes."""
    chunks: list[list[dict[str, Any]]] = [[]]
    size = 0
    for item in items:
        weight = len(json.dumps(item, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if chunks[-1] and (len(chunks[-1]) >= MAX_RICH_TEXT or size + weight > MAX_TEXT_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += weight
    return chunks


def _held(item: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    """An equation too long for Notion's 1,000 characters becomes its TeX as text."""
    if item["type"] != "equation" or len(item["equation"]["expression"]) <= MAX_EQUATION:
        return item
    ctx.note("an inline equation of more than 1,000 characters (Notion's limit): kept as its TeX text")
    return {key: value for key, value in item.items() if key != "equation"} | {
        "type": "text", "text": {"content": "\\(" + item["equation"]["expression"] + "\\)"}}


def _fitted(items: list[dict[str, Any]], ctx: ImportContext) -> list[dict[str, Any]]:
    """Rich text that cannot go on in another block (a caption, a table cell), within 100
    items: the last pieces are merged into plain text, their styles and links dropped."""
    items = [_held(item, ctx) for item in items]
    if len(items) <= MAX_RICH_TEXT:
        return items
    ctx.note("a caption or table cell of more than 100 differently styled pieces (Notion's limit): the "
             "styles and links of its last pieces are dropped, their text kept")
    for keep in range(MAX_RICH_TEXT - 1, -1, -1):
        rest = text_objects("".join(_plain(item) for item in items[keep:]))
        if keep + len(rest) <= MAX_RICH_TEXT:
            return items[:keep] + rest
    raise Unholdable("a caption or table cell of more than 200,000 characters, which no Notion text holds: "
                     "shorten it, or move its text into paragraphs")


def _first_text(children: list[SyntaxTreeNode], ctx: ImportContext) -> tuple[list[dict[str, Any]], list[SyntaxTreeNode]]:
    """A container's own text (its first paragraph) and the nodes that become its children. A
    paragraph that is a block of its own in Notion (images, a shortcode) is a child."""
    first = children[0] if children and children[0].type == "paragraph" else None
    inline = first.children[0] if first is not None and first.children else None
    if first is None or _media_paragraph(first) or (inline is not None and held_tag(inline.content, ctx)):
        return [], children
    return rich_text(inline, ctx), children[1:]


def convert_paragraph(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    inline = node.children[0] if node.children else None
    if inline is None:
        return []
    media = _media_paragraph(node)
    if media:
        return [block for child in media for block in _media_block(child, ctx)]
    tag = held_tag(inline.content, ctx)
    if tag is not None:
        return _shortcode(tag, tag.text(), ctx)
    for name in _SHORTCODE_INLINE.findall(inline.content):
        ctx.note(f"Hugo shortcode {name!r} inside text: Notion has no shortcodes; it is kept as text, which the "
                 "blog will show as typed (`[render] shortcodes` in pipeline.toml keeps the site's own)")
    return [_text_block("paragraph", rich_text(inline, ctx))]


def _code_text(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text}, "annotations": {"code": True}}]


def more_block() -> dict[str, Any]:
    """Hugo's summary divider as Notion holds it: a paragraph of code `<!--more-->`."""
    return _text_block("paragraph", _code_text(MORE))


def _media_paragraph(node: SyntaxTreeNode) -> list[SyntaxTreeNode] | None:
    """The images (each maybe inside a link), or the one link to a bundle file, that a
    paragraph consists of; or None."""
    inline = node.children[0] if node.children else None
    if inline is None:
        return None
    items = [child for child in inline.children if not (child.type in ("softbreak", "hardbreak")
                                                        or (child.type == "text" and not child.content.strip()))]
    if items and all(child.type == "image" or _linked_image(child) for child in items):
        return items
    if len(items) == 1 and items[0].type == "link" and _file_kind(str(items[0].attrs.get("href", ""))):
        return items
    return None


def _linked_image(node: SyntaxTreeNode) -> SyntaxTreeNode | None:
    """The image a link consists of (`[![alt](src)](href)`), or None."""
    if node.type != "link":
        return None
    inner = [child for child in node.children if not (child.type == "text" and not child.content.strip())]
    return inner[0] if len(inner) == 1 and inner[0].type == "image" else None


def _file_kind(url: str) -> str | None:
    """The Notion block type a linked file becomes (only a file in the bundle is uploaded): a
    relative link to a file, by its suffix; not to a post (`.md`), a folder or an anchor."""
    parts = _split(url)
    if parts is None or parts.scheme or parts.netloc or not parts.path or url.startswith(("/", "#")):
        return None
    suffix = file_suffix(url)
    if not suffix or suffix == ".md":
        return None
    return _FILE_KINDS.get(suffix, "image" if suffix in _IMAGE_SUFFIXES else "file")


def file_source(url: str, kind: str, ctx: ImportContext) -> tuple[dict[str, Any] | None, str | None]:
    """The file object a block takes for a URL (an upload for a bundle or static file, else
    an external http(s) URL), and the `file:` line sync needs to give a bundle file back its
    path (a sub-folder, or a name sync would spell otherwise); (None, None) when Notion cannot
    hold it (reported)."""
    local = ctx.local_file(url)
    if local is not None and not publishable(local):
        # sync would not publish it (a browser could run it, or Hugo read it as a page): not uploaded.
        ctx.note(f"{kind} {url!r} is not of a type the blog publishes (images, audio, video, PDF, "
                 "documents): not uploaded, its text is kept instead")
        return None, None
    if local is not None:
        if local not in ctx.conversion.files:
            ctx.conversion.files.append(local)
        if local.startswith("/"):
            ctx.note(f"{kind} {url!r} from the site's static folder: uploaded, and the post gets its own copy "
                     "in its bundle")
        name = PurePosixPath(local).name
        # A path sync would not give back by the file's name alone (a sub-folder), when a bundle
        # may hold it: a name it cannot hold comes back in safe characters (render/hugo.py).
        wanted = None if local.startswith("/") or (local == name and safe_file_name(name) == name) \
            else file_line_path(local, file_suffix(local))
        return {"type": "file_upload", "file_upload": {"id": LOCAL_FILE + local}}, wanted
    if (_split(url) or SplitResult("", "", "", "", "")).scheme in ("http", "https"):
        return {"type": "external", "external": {"url": url}}, None
    where = "the site's static folder" if url.startswith("/") else "the bundle"
    ctx.note(f"{kind} {url!r} is neither in {where} nor an http(s) URL: its text is kept instead")
    return None, None


def _with_meta(caption: list[dict[str, Any]], meta: CaptionMeta) -> list[dict[str, Any]]:
    """A caption, then the lines that say what Notion has no field for (hugo_syntax)."""
    lines = meta.lines()
    if not lines:
        return caption
    return caption + text_objects(("\n" if caption else "") + "\n".join(lines))


def _media_block(node: SyntaxTreeNode, ctx: ImportContext, link: str | None = None) -> list[dict[str, Any]]:
    image = _linked_image(node)
    if image is not None:
        return _media_block(image, ctx, str(node.attrs.get("href", "")))
    url = str(node.attrs.get("src") or node.attrs.get("href") or "")
    if node.type == "image":
        return image_block(url, _alt(node), str(node.attrs.get("title") or ""), link or "", ctx)
    kind = _file_kind(url) or "file"
    source, wanted = file_source(url, kind, ctx)
    label = rich_text(node, ctx)
    if source is None:
        return [_text_block("paragraph", label or text_objects(url))]
    return [{"type": kind, kind: {**source, "caption": _with_meta(label, CaptionMeta(file=wanted))}}]


def image_block(url: str, alt: str, title: str, link: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """An image as a Notion image block; its alt text, title and link in the caption's lines
    (`alt:`, `title:`, `link:`), which sync writes back and does not show."""
    source, wanted = file_source(url, "image", ctx)
    if source is None:
        return [_text_block("paragraph", text_objects(alt or url))] if (alt or url) else []
    meta = CaptionMeta(alt=alt or None, title=title or None, link=link or None, file=wanted)
    return [{"type": "image", "image": {**source, "caption": _with_meta([], meta)}}]


def _shortcode(tag: ShortcodeTag, whole: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """A paragraph that is one shortcode tag: a Notion block for Hugo's figure, youtube and
    vimeo; the tag itself (a paragraph of code, which sync writes back as the tag) for a
    shortcode the site owner keeps (`[render] shortcodes`); else its text, reported."""
    if tag.name in ctx.shortcodes:
        return [_text_block("paragraph", _code_text(tag.text()))]
    if tag.name in ("youtube", "vimeo") and not tag.closing:
        return _video(tag, ctx) or [_text_block("paragraph", text_objects(whole))]
    if tag.name == "figure" and not tag.closing and tag.args.get("src"):
        return _figure(tag, ctx)
    ctx.note(f"Hugo shortcode {tag.name!r}: Notion has no shortcodes; it is kept as text, which the blog will show "
             "as typed (`[render] shortcodes` in pipeline.toml keeps the site's own)")
    return [_text_block("paragraph", text_objects(whole))]


def _video(tag: ShortcodeTag, ctx: ImportContext) -> list[dict[str, Any]] | None:
    """Hugo's youtube or vimeo shortcode (an id, positional or named) as a video block."""
    args = tag.args
    video_id = args.pop("id", None) or (tag.positional[0] if tag.positional else None)
    if not video_id or not re.fullmatch(r"[A-Za-z0-9_-]+", video_id):
        return None
    for name in args:
        ctx.note(f"the {tag.name} shortcode's {name!r} argument has no Notion form: left out")
    url = f"https://www.youtube.com/watch?v={video_id}" if tag.name == "youtube" else f"https://vimeo.com/{video_id}"
    return [{"type": "video", "video": {"type": "external", "external": {"url": url}, "caption": []}}]


def _figure(tag: ShortcodeTag, ctx: ImportContext) -> list[dict[str, Any]]:
    """Hugo's figure shortcode as an image: its caption shown (as Markdown, which the shortcode
    reads it as, the typographer's characters too), its other arguments in a `figure:` line, which sync writes back."""
    args = tag.args
    url = args.pop("src")
    caption_text = args.pop("caption", "")
    source, wanted = file_source(url, "image", ctx)
    caption = []
    if caption_text:
        nodes = parse(caption_text, ctx.typographer)  # Hugo's figure shows it through markdownify
        caption = rich_text(nodes[0].children[0] if nodes and nodes[0].type == "paragraph" and nodes[0].children
                            else None, ctx) or text_objects(caption_text)
    if source is None:
        return [_text_block("paragraph", caption or text_objects(args.get("alt") or url))]
    dropped = [name for name in args if name not in FIGURE_ARGUMENTS]
    for name in dropped:
        ctx.note(f"the figure shortcode's {name!r} argument is not one Hugo's figure takes: left out")
    meta = CaptionMeta(figure=tuple((key, value) for key, value in args.items() if key not in dropped), file=wanted)
    return [{"type": "image", "image": {**source, "caption": _with_meta(caption, meta)}}]


def convert_heading(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    level = int(node.tag[1])
    if level > 4:
        ctx.note(f"h{level} heading: Notion has four heading levels; it became a heading 4")
    kind = f"heading_{min(level, 4)}"
    return [_text_block(kind, rich_text(node.children[0] if node.children else None, ctx))]


def convert_list(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    blocks = []
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
    lists = ("bullet_list", "ordered_list")
    loose = any(child.type == "paragraph" and not child.hidden for item in node.children for child in item.children)
    # A list comes back loose where an item holds a block other than a list: the renderer puts a
    # blank line before it. Only a list loose by its blank lines alone comes back tight.
    if loose and not any(len(item.children) > 1 and item.children[1].type not in lists for item in node.children):
        ctx.note("a loose list (blank lines between its items): Notion lists have no spacing, so it comes back "
                 "tight (its items' text not in paragraphs)")
    for index, item in enumerate(node.children):
        checkbox = _checkbox(item)  # first: it takes the box out of the item's text
        text, rest = _first_text(item.children, ctx)
        children = ctx.take_pending() + convert_nodes(rest, ctx)
        if checkbox is not None:
            if text and text[0].get("type") == "text":
                text[0]["text"]["content"] = text[0]["text"]["content"].lstrip(" ")
                if not text[0]["text"]["content"]:
                    text = text[1:]
            blocks.append(_text_block("to_do", text, children, checked=checkbox))
        elif node.type == "ordered_list":
            extra = {"list_start_index": start} if index == 0 and start != 1 else {}
            blocks.append(_text_block("numbered_list_item", text, children, **extra))
        else:
            blocks.append(_text_block("bulleted_list_item", text, children))
    return blocks


def _checkbox(item: SyntaxTreeNode) -> bool | None:
    first = item.children[0] if item.children else None
    inline = first.children[0] if first is not None and first.type == "paragraph" and first.children else None
    lead = inline.children[0] if inline is not None and inline.children else None
    if inline is not None and lead is not None and lead.type == "html_inline" \
            and "task-list-item-checkbox" in lead.content:
        inline.children = inline.children[1:]
        return 'checked="checked"' in lead.content
    # An empty task (`- [x]` and nothing after it) is a checkbox to Goldmark, though the
    # tasklists plugin wants text after the brackets.
    if inline is not None and len(inline.children) == 1 and lead is not None and lead.type == "text" \
            and lead.content in ("[ ]", "[x]", "[X]"):
        inline.children = []
        return lead.content != "[ ]"
    return None


def convert_blockquote(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    alert = _alert(node, ctx)
    if alert is not None:
        return [_callout(convert_nodes(node.children, ctx), alert=alert)]
    text, rest = _first_text(node.children, ctx)
    return [_text_block("quote", text, ctx.take_pending() + convert_nodes(rest, ctx))]


# A blockquote alert's first line (`> [!TIP]`), of the types the renderer writes callouts as;
# `+` or `-` after it folds it in some themes.
_ALERT = re.compile(r"\[!({})\][+-]?[ \t]*".format("|".join(sorted(set(goldmark.ALERT_COLORS.values())))), re.I)


def _alert(node: SyntaxTreeNode, ctx: ImportContext) -> str | None:
    """The type of a blockquote alert (its marker taken out of its text), or None for a quote."""
    first = node.children[0] if node.children and node.children[0].type == "paragraph" else None
    inline = first.children[0] if first is not None and first.children else None
    lead = inline.children[0] if inline is not None and inline.children and inline.children[0].type == "text" else None
    marker = _ALERT.match(lead.content) if lead is not None else None
    if inline is None or lead is None or marker is None:
        return None
    assert lead.token is not None  # a text node is one token
    lead.token.content = lead.content[marker.end():]
    if lead.content:
        ctx.note("an alert's title: Notion callouts have none; it is kept as the start of the callout's text")
    else:
        inline.children = inline.children[2 if len(inline.children) > 1 and inline.children[1].type == "softbreak" else 1:]
    return marker.group(1).upper()


def convert_code(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    content = node.content[:-1] if node.content.endswith("\n") else node.content
    highlight = re.fullmatch(re.escape(_HIGHLIGHT_INFO) + r"(\d+)", node.info or "")
    if highlight and int(highlight.group(1)) < len(ctx.highlights):
        return _highlighted(ctx.highlights[int(highlight.group(1))], content, ctx)
    if node.type == "fence" and (node.info or "").strip() == goldmark.MATH_FENCE:
        return [{"type": "equation", "equation": {"expression": goldmark.typed_expression(content).strip()}}]
    return _code(node.info or "", content, ctx)


def _highlighted(tag: ShortcodeTag, code: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """Hugo's highlight shortcode as a code block under its language, the tag in its caption
    (in code style), which sync writes the code back inside (render/hugo.py)."""
    [block] = _code(tag.positional[0], code, ctx)
    if highlight_tag(tag):
        block["code"]["caption"] = _code_text(tag.text())
    else:
        ctx.note(f"highlight options {tag.text()!r} that Hugo's highlight shortcode does not take: the code is kept "
                 "without them")
    return [block]


def _code(info: str, code: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """A code block under Notion's name for its language. When that name alone would not give
    the fence back as written (a language Notion lacks, like `ini`; an alias, like `py`; a bare
    fence; attributes like `{linenos=true}`), the fence's opening line is the block's caption,
    in code style, and sync writes the fence from it (render/hugo.py)."""
    found = fence_info(info)
    name = found.language.lower() if found else (info.strip().split()[0].lower() if info.strip() else "")
    language = notion_language(name) or "plain text"
    payload: dict[str, Any] = {"rich_text": text_objects(code), "language": language}
    if found is None:
        ctx.note(f"code fence info {info.strip()!r} is not a language and highlighting options: the code is kept "
                 f"under {language!r}, without it")
    elif found.attributes or chroma_name(language) != found.language:
        payload["caption"] = [{"type": "text", "text": {"content": FENCE_CAPTION + found.text},
                               "annotations": {"code": True}}]
    return [{"type": "code", "code": payload}]


def convert_math(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    return [{"type": "equation", "equation": {"expression": goldmark.typed_expression(html.unescape(node.content.strip()))}}]


def convert_divider(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    return [{"type": "divider", "divider": {}}]


def convert_table(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    rows = [row for section in node.children for row in section.children]
    cells = [[rich_text(cell.children[0] if cell.children else None, ctx) for cell in row.children] for row in rows]
    if any(cell.attrs.get("style") for row in rows for cell in row.children):
        ctx.note("table column alignment: Notion tables have none; the columns are left-aligned")
    width = max((len(row) for row in cells), default=1)
    children = [{"type": "table_row", "table_row": {"cells": row + [[]] * (width - len(row))}} for row in cells]
    return [{"type": "table", "table": {"table_width": width, "has_column_header": True, "has_row_header": False,
                                        "children": children}}]


FOOTNOTES = ("footnotes: Notion has none; each reference is kept as a piece of code `[^label]`, and its note as a "
             "paragraph that starts with code `[^label]:`, which sync writes back as the footnote")


def _footnote_label(node: SyntaxTreeNode) -> str:
    """A footnote's label, as safe characters (Goldmark numbers footnotes in their order, so a
    label's own spelling does not show)."""
    meta = node.meta or {}
    label = str(meta.get("label", meta.get("id", "")))
    return label if re.fullmatch(r"[A-Za-z0-9_-]{1,60}", label) else str(meta.get("id", 0) + 1)


def convert_footnotes(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    """Each footnote's note: a paragraph starting with code `[^label]:`, its other blocks under it."""
    blocks = []
    for footnote in node.children:
        inner = convert_nodes([child for child in footnote.children if child.type != "footnote_anchor"], ctx)
        first = inner.pop(0) if inner and inner[0]["type"] == "paragraph" else _text_block("paragraph", [])
        first["paragraph"]["rich_text"] = _code_text(f"[^{_footnote_label(footnote)}]:") + text_objects(" ") \
            + first["paragraph"]["rich_text"]
        if inner:
            first["paragraph"]["children"] = first["paragraph"].get("children", []) + inner
        blocks.append(first)
    return blocks


def convert_html(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    """A raw HTML fragment: through markdownify to Markdown, then as Markdown."""
    fragment = node.content.strip()
    if fragment == MORE:
        return [more_block()]
    if fragment.startswith("<!--"):
        # Comments go (Hugo shows none); what stands between them on the block's lines stays.
        rest = re.sub(r"<!--.*?-->", "", fragment, flags=re.S).strip()
        ctx.note("an HTML comment: left out")
        if not rest or rest.startswith("<!--"):
            return []
        fragment = rest
    pre = _PRE.fullmatch(fragment)
    if pre:  # code as HTML: the renderer's own (holding a shortcode), or highlighted before import
        return _pre(pre, ctx)
    if re.fullmatch(r"<table\b.*</table>", fragment, re.S | re.I):
        return _html_table(fragment, ctx)
    return _from_html(fragment, ctx)


# Code as HTML: `<pre><code class="language-r">`, or `<pre class="r"><code>` (R Markdown's).
_PRE = re.compile(r'<pre(?:\s+class="([^"<>]*)")?[^<>]*>\s*<code(?:\s+class="([^"<>]*)")?[^<>]*>(.*)</code>\s*</pre>',
                  re.S | re.I)


def _pre(pre: re.Match[str], ctx: ImportContext) -> list[dict[str, Any]]:
    """Code written as HTML as a code block under its language (from the code's class, else
    the pre's), its text without the markup a highlighter put in."""
    classes = (pre.group(2) or "").split() + (pre.group(1) or "").split()
    language = next((c.removeprefix("language-") for c in classes if c.startswith("language-")),
                    next((c for c in classes if notion_language(c.lower())), ""))
    body = pre.group(3)
    if re.search(r"<a\s", body, re.I):
        ctx.note("links inside code written as HTML: a Notion code block holds plain text; their text is kept")
    if re.search(r"<[A-Za-z]", body):
        ctx.note("code written as HTML (already highlighted): kept as a code block, which the blog highlights "
                 "again when it builds")
    code = html.unescape(re.sub(r"<[^<>]*>", "", body)).removesuffix("\n")
    return _code(language, code, ctx)


def _html_source(node: SyntaxTreeNode) -> str:
    """The Markdown text a block came from, near enough for HTML split by blank lines."""
    if node.type == "html_block":
        return node.content
    if node.type == "paragraph" and node.children:
        return node.children[0].content
    return "".join(inner.content for inner in node.walk() if inner.type in ("text", "code_inline"))


def _joined_table(nodes: list[SyntaxTreeNode], i: int) -> tuple[int, str] | None:
    """An HTML table that blank lines split into several blocks (the Markdown reader ends an
    HTML block at a blank line): (index after its last block, its whole HTML); None when no
    block after it closes it."""
    parts = [nodes[i].content]
    depth = _depth(nodes[i].content, "table")
    for j in range(i + 1, len(nodes)):
        parts.append(_html_source(nodes[j]))
        depth += _depth(parts[-1], "table") if nodes[j].type == "html_block" else 0
        if depth <= 0:
            return j + 1, "\n".join(parts)
    return None


@dataclass(frozen=True, slots=True)
class _Element:
    name: str
    attributes: str
    inner: str  # its HTML up to the first closing tag of its name
    start: int  # where its opening tag begins
    end: int  # where its closing tag ends


def _elements(fragment: str, names: str) -> list[_Element]:
    """Each element named one of `names` (a regex alternation), left to right. In linear
    time: a lazy `<tr>(.*?)</tr>` would scan to the end again from every unclosed tag."""
    opening = re.compile(rf"<({names})\b([^<>]*)>", re.I)
    lower = fragment.lower()
    found = []
    position = 0
    while (tag := opening.search(fragment, position)) is not None:
        name = tag.group(1).lower()
        end = lower.find(f"</{name}>", tag.end())
        if end < 0:
            break
        position = end + len(name) + 3
        found.append(_Element(name, tag.group(2), fragment[tag.end():end], tag.start(), position))
    return found


def _html_table(fragment: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """An HTML table (what a GFM table cannot say: no header row, or a header column) as a
    Notion table with the headers it has."""
    rows = [[(cell.name, cell.attributes, cell.inner) for cell in _elements(row.inner, "th|td")]
            for row in _elements(fragment, "tr")]
    if not rows or not all(rows):
        return _from_html(fragment, ctx)
    column_header = all(tag == "th" for tag, _, _ in rows[0])
    row_header = all(row[0][0] == "th" for row in rows[1:] or rows) and ("scope" in rows[-1][0][1] or len(rows) > 1)
    width = max(len(row) for row in rows)
    children = [{"type": "table_row", "table_row": {"cells": [_inline_html(inner, ctx) for _, _, inner in row]
                                                              + [[]] * (width - len(row))}} for row in rows]
    return [{"type": "table", "table": {"table_width": width, "has_column_header": column_header,
                                        "has_row_header": row_header, "children": children}}]


# Elements that have no closing tag: they do not nest.
_VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"))
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")


def _html_depth(fragment: str) -> int:
    """How deep elements nest in an HTML fragment, unclosed ones counted as open."""
    depth = deepest = 0
    for tag in _ANY_TAG.finditer(fragment):
        closing, name, self_closing = tag.groups()
        if name.lower() in _VOID or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


# A `<` whose tag does not close before the next `<` (or the end).
_UNCLOSED = re.compile(r"<(?=[^<>]*+(?:<|$))")


def _tamed(fragment: str) -> str:
    """HTML the standard library's parser (under markdownify) reads in linear time: it scans
    to the end again from every `<` it cannot close (40 KB of `<a x ` took 23 s). Comments go
    (markdownify leaves them out anyway), and a `<` whose tag does not close before the next
    `<` is taken as text (`&lt;`)."""
    kept = []
    position = 0
    while (start := fragment.find("<!--", position)) >= 0 and (end := fragment.find("-->", start + 4)) >= 0:
        kept.append(fragment[position:start])
        position = end + 3
    return _UNCLOSED.sub("&lt;", "".join(kept) + fragment[position:])


def _from_html(fragment: str, ctx: ImportContext) -> list[dict[str, Any]]:
    fragment = _tamed(fragment)
    if _html_depth(fragment) > MAX_HTML_DEPTH:
        # markdownify walks the elements recursively: past this depth, its text is what a
        # post can keep (500 unclosed <div>s would end the run with a RecursionError).
        return _html_text(fragment, f"raw HTML nested more than {MAX_HTML_DEPTH} elements deep", ctx)
    try:
        with warnings.catch_warnings():  # a fragment that reads like a URL is HTML here all the same
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            markdown = markdownify(fragment, heading_style="ATX", bullets="-", escape_misc=True,
                                   strip=["script", "style"]).strip()
    except ParserRejectedMarkup:  # the standard library's parser asserts on `<![x` (a "marked section")
        return _html_text(fragment, "raw HTML the HTML parser rejects", ctx)
    tags = sorted(set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", fragment)) - {"p", "br", "a", "strong", "em", "code"})
    if tags:
        ctx.note(f"raw HTML ({', '.join('<' + tag + '>' for tag in tags)}) converted to Markdown by markdownify")
    nodes = parse(markdown)
    if any(n.type == "html_block" for n in nodes):  # markdownify kept HTML it has no Markdown for: its text
        nodes = [n for n in nodes if n.type != "html_block"]
    return convert_nodes(nodes, ctx)


def _html_text(fragment: str, why: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """Raw HTML that cannot be converted, as its text: a paragraph, reported."""
    ctx.note(f"{why}: its text is kept, without its tags")
    text = " ".join(html.unescape(re.sub(r"<[^<>]*>", " ", fragment)).split())
    return [_text_block("paragraph", text_objects(text))] if text else []


def convert_unknown(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    ctx.note(f"Markdown {node.type!r} has no Notion block: its text is kept as a paragraph")
    text = node.content or "".join(child.content for child in node.walk() if child.type == "text")
    return [_text_block("paragraph", text_objects(text))] if text else []


# --- the renderer's elements: <aside>, <details>, <ol type> ---------------------------------------

# The tags the renderer writes (goldmark.ELEMENTS): a callout's, a tab's (a hand-written
# <details> is a toggle too), a lettered or roman list's and its items'.
_CALLOUT, _DETAILS, _LIST, _ITEM = (goldmark.ELEMENTS[name] for name in ("callout", "tab", "list", "item"))
_CONTAINER = re.compile(rf"<({_CALLOUT}|{_DETAILS}|{_LIST})[\s>]", re.I)
# <ol type="a"> and <ol type="i">: Notion's lettered and roman numbered lists (`list_format`).
_LIST_FORMATS = {style: list_format for list_format, style in goldmark.LIST_STYLES.items()}
_LIST_FORMAT = re.compile(r'type="([{}])"'.format("".join(_LIST_FORMATS) + "".join(_LIST_FORMATS).upper()))


def _container(node: SyntaxTreeNode) -> str | None:
    match = _CONTAINER.match(node.content.strip() + " ")
    if match and match.group(1).lower() == _LIST and not _LIST_FORMAT.search(node.content.split(">", 1)[0]):
        return None
    return match.group(1).lower() if match else None


def _html_container(nodes: list[SyntaxTreeNode], i: int, tag: str, ctx: ImportContext) -> tuple[int, list[dict[str, Any]]]:
    """An `<aside>` (callout), `<details>` (toggle) or `<ol type>` (lettered list) spanning HTML
    and Markdown siblings up to its closing tag: (index after it, its blocks)."""
    opening = nodes[i].content
    depth = _depth(opening, tag)
    j = i + 1
    inner: list[SyntaxTreeNode] = []
    tail = ""
    if depth > 0:
        while j < len(nodes):
            node = nodes[j]
            j += 1
            if node.type == "html_block":
                depth += _depth(node.content, tag)
                if depth <= 0:
                    tail = node.content
                    break
            inner.append(node)
    attributes = re.match(rf"\s*<{tag}([^>]*)>", opening, re.I)
    head = opening[attributes.end():] if attributes else opening
    if depth > 0 or _depth(opening, tag) <= 0:  # the whole element in one HTML block
        head = re.sub(rf"</{tag}>\s*$", "", head.strip(), flags=re.I)
    summary: list[dict[str, Any]] = []
    if tag == _DETAILS:
        found = _elements(head, "summary")[:1]
        for element in found:
            summary = _inline_html(element.inner, ctx)
            head = head[:element.start] + head[element.end:]
    tail = re.sub(rf"</{tag}>\s*$", "", tail.strip(), flags=re.I)
    if tag == _LIST:
        return j, _lettered(opening, head, inner, ctx)
    blocks = (_from_html(head, ctx) if head.strip() else []) + convert_nodes(inner, ctx)
    blocks += _from_html(tail, ctx) if tail.strip() else []
    if tag == _DETAILS:
        return j, [_text_block("toggle", summary, blocks)]
    return j, [_callout(blocks, color=_style_color(attributes.group(1) if attributes else ""))]


_ITEM_TAGS = re.compile(rf"\s*(</{_ITEM}>\s*)?(<{_ITEM}>\s*)?")


def _lettered(opening: str, head: str, inner: list[SyntaxTreeNode], ctx: ImportContext) -> list[dict[str, Any]]:
    """A lettered or roman list, as the renderer writes it: `<li>` HTML blocks around Markdown."""
    style = _LIST_FORMAT.search(opening)
    start = re.search(r'start="(\d+)"', opening.split(">", 1)[0])
    items: list[list[SyntaxTreeNode]] = [[]] if re.search(rf"<{_ITEM}[\s>]", head) else []
    for node in inner:
        if node.type == "html_block" and _ITEM_TAGS.fullmatch(node.content):
            if f"<{_ITEM}" in node.content:
                items.append([])
            continue
        if items:
            items[-1].append(node)
    blocks = []
    for index, item in enumerate(items):
        text, rest = _first_text(item, ctx)
        extra: dict[str, Any] = {"list_format": _LIST_FORMATS[style.group(1).lower()] if style else "roman"}
        if index == 0 and start and start.group(1) != "1":
            extra["list_start_index"] = int(start.group(1))
        blocks.append(_text_block("numbered_list_item", text, convert_nodes(rest, ctx), **extra))
    return blocks


def _depth(fragment: str, tag: str) -> int:
    return len(re.findall(rf"<{tag}[\s>]", fragment, re.I)) - len(re.findall(rf"</{tag}\s*>", fragment, re.I))


def _inline_html(fragment: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """Inline HTML (a summary, a table cell) as rich text: its tags as marks and links, its
    text unescaped, `\\(…\\)` and the renderer's math element as equations. Markdown is not
    read inside HTML, as Hugo does not."""
    runs = _Runs()
    for part in goldmark.HTML_PARTS.split(fragment.strip()):
        expression = goldmark.html_equation(part)
        if expression is not None:
            runs.equation(expression)
            continue
        if part.startswith("<") and part.endswith(">"):
            _html_inline(part, runs, ctx)
            continue
        for i, piece in enumerate(_math_split(part)):
            if i % 2:
                runs.equation(html.unescape(piece))
            else:
                runs.add(html.unescape(piece).replace("\n", " "))
    return runs.result()


def _math_split(text: str) -> list[str]:
    """Text and `\\(…\\)` equations alternately (as `re.split` with a group gives them), in
    linear time: an unclosed `\\(` leaves the rest as text."""
    pieces = []
    position = 0
    while (start := text.find("\\(", position)) >= 0 and (end := text.find("\\)", start + 2)) >= 0:
        pieces += [text[position:start], text[start + 2:end]]
        position = end + 2
    return pieces + [text[position:]]


def _callout(blocks: list[dict[str, Any]], color: str | None = None, alert: str | None = None) -> dict[str, Any]:
    """A callout from its content: the first paragraph is its text, a leading emoji its icon.
    Read from an alert of type `alert`, its icon and colour are those the renderer gives that
    type back from (`goldmark.alert_callout`)."""
    text: list[dict[str, Any]] = []
    if blocks and blocks[0]["type"] == "paragraph" and not blocks[0]["paragraph"].get("children"):
        text, blocks = blocks[0]["paragraph"]["rich_text"], blocks[1:]
    payload: dict[str, Any] = {"rich_text": text}
    first = text[0] if text and text[0]["type"] == "text" and not text[0].get("annotations") else None
    emoji = _EMOJI.match(first["text"]["content"]) if first else None
    icon = True
    if alert is not None:
        icon, color = goldmark.alert_callout(alert, emoji.group(1) if emoji else "")
    if first is not None and emoji and icon:
        payload["icon"] = {"type": "emoji", "emoji": emoji.group(1)}
        first["text"]["content"] = first["text"]["content"][emoji.end():]
        if not first["text"]["content"]:
            text.pop(0)
    if color:
        payload["color"] = color
    if blocks:
        payload["children"] = blocks
    return {"type": "callout", "callout": payload}


def _style_color(attributes: str) -> str | None:
    """The Notion colour an element's style attribute is, as the renderer writes it (COLORS)."""
    style = _attribute(attributes, "style")
    return _COLOR_NAMES.get(style.strip().rstrip(";")) if style else None


_COLOR_NAMES = {style: name for name, style in COLORS.items()}


BLOCK_CONVERTERS: dict[str, Callable[[SyntaxTreeNode, ImportContext], list[dict[str, Any]]]] = {
    "paragraph": convert_paragraph,
    "heading": convert_heading,
    "bullet_list": convert_list,
    "ordered_list": convert_list,
    "blockquote": convert_blockquote,
    "fence": convert_code,
    "code_block": convert_code,
    "math_block": convert_math,
    "math_block_eqno": convert_math,
    "hr": convert_divider,
    "table": convert_table,
    "html_block": convert_html,
    "footnote_block": convert_footnotes,
}
