"""Hugo Markdown → Notion block objects, the import direction. Pure: no I/O, no API.

Parsed with markdown-it-py (CommonMark, GFM tables and strikethrough, task lists, footnotes
to report them, `$$`/`\\[…\\]` display math and `\\(…\\)` inline math as Hugo's passthrough reads
them). One function per node type in `BLOCK_CONVERTERS`; a node type not in the table falls
back to its text, reported. Raw HTML fragments go through markdownify to Markdown first, so
their content reaches Notion as blocks. Whatever Notion cannot hold is reported as a `Note`
saying what was done instead.

Request shapes: developers.notion.com/reference/block (block objects, `children` inside the
type's payload), /reference/rich-text (text, equation; annotations), /reference/file-object
(`external`, `file_upload`). Of the limits of /reference/request-limits, the writer
(`import_posts`) keeps those of a request (children a request, nesting, bytes); those of one
block are met here, by `_fit` after the conversion: 2,000 characters a text object and a URL,
1,000 an equation, 100 items a rich text array. Nothing is cut: a text too long for one block
goes on in the next, and what cannot be held so is reported (`Note`) or fails its post alone
(`Unholdable`).

Every pattern here runs in linear time on any input (bench/pathological.py), and every
recursion is bounded (`MAX_MARKDOWN_NESTING`, `MAX_HTML_DEPTH`, the post's `max_depth`): one
post's input can fail that post, never hold or end the run.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import SplitResult, unquote, urlsplit

from bs4 import MarkupResemblesLocatorWarning
from bs4.exceptions import ParserRejectedMarkup
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from markdownify import markdownify
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from mdit_py_plugins.texmath import texmath_plugin

from pipeline.bundle import file_suffix, publishable
from pipeline.render import MAX_DEPTH

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

# Fence info (Hugo's Chroma names and common aliases) → Notion's code languages
# (notion-sdk-js api-endpoints `LanguageRequest`). A name Notion knows maps to itself.
NOTION_LANGUAGES = frozenset((
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c", "c#", "c++", "clojure",
    "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf", "elixir", "elm", "erlang", "f#", "flow",
    "fortran", "gherkin", "glsl", "go", "graphql", "groovy", "haskell", "hcl", "html", "idris", "java", "javascript",
    "json", "julia", "kotlin", "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile", "markdown",
    "markup", "matlab", "mathematica", "mermaid", "nix", "notion formula", "objective-c", "ocaml", "pascal", "perl",
    "php", "plain text", "powershell", "prolog", "protobuf", "purescript", "python", "r", "racket", "reason", "ruby",
    "rust", "sass", "scala", "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml", "typescript",
    "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml", "java/c/c++/c#",
))
FENCE_LANGUAGES = {
    "": "plain text", "text": "plain text", "txt": "plain text", "plaintext": "plain text", "asm": "assembly",
    "cpp": "c++", "cxx": "c++", "csharp": "c#", "cs": "c#", "fsharp": "f#", "objectivec": "objective-c",
    "objc": "objective-c", "objectpascal": "pascal", "llvm": "llvm ir", "vbnet": "vb.net", "wat": "webassembly",
    "wasm": "webassembly", "js": "javascript", "jsx": "javascript", "ts": "typescript", "tsx": "typescript",
    "py": "python", "python3": "python", "rb": "ruby", "rs": "rust", "sh": "shell", "zsh": "shell", "console": "shell",
    "shell-session": "shell", "yml": "yaml", "dockerfile": "docker", "golang": "go", "kt": "kotlin", "md": "markdown",
    "tex": "latex", "ps1": "powershell", "make": "makefile", "hs": "haskell", "proto": "protobuf", "terraform": "hcl",
    "tf": "hcl", "htm": "html", "svg": "xml", "jsonc": "json", "ex": "elixir", "erl": "erlang", "ml": "ocaml",
    "sol": "solidity", "clj": "clojure", "coffee": "coffeescript", "pl": "perl", "gql": "graphql",
}

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".avif", ".tif", ".tiff")
_FILE_KINDS = {".pdf": "pdf", ".mp4": "video", ".webm": "video", ".mov": "video", ".mp3": "audio", ".wav": "audio",
               ".ogg": "audio", ".m4a": "audio"}
# Possessive quantifiers (`++`, `*+`) where a name meets what follows it: backtracking into
# the name would make a failed match quadratic in its length (`{{< highlight aaaa… >}}`).
_SHORTCODE = re.compile(r"^\{\{[<%]\s*+([A-Za-z0-9_/-]++)(.*?)[>%]\}\}$", re.S)
_SHORTCODE_INLINE = re.compile(r"\{\{[<%]\s*([A-Za-z0-9_/-]+)")
_REF_LINK = re.compile(r"\]\(\s*\{\{[<%]\s*(?:rel)?ref\s+\"([^\"]+)\"\s*[>%]\}\}\s*\)")
_REF_SCHEME = "hugo-ref:"
# A leading emoji (with variation selectors, skin tones and joiners), then a space: a callout's icon.
# A skin tone is an emoji and a modifier both: without the possessive quantifiers, a run of
# them that no space follows would be tried every way it splits (exponential time).
_EMOJI = re.compile(
    "^((?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF\u3030\u303D\u3297\u3299"
    "\u00A9\u00AE\u203C\u2049\u2122\u2139]"
    "[\uFE0F\u20E3\U0001F3FB-\U0001F3FF]*+\u200D?)++)[ \t]"
)
_TAG = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>$", re.S)
_MARK_TAGS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "del": "strikethrough",
              "s": "strikethrough", "strike": "strikethrough", "u": "underline", "ins": "underline", "code": "code"}


@dataclass(frozen=True, slots=True)
class Note:
    """Something of the post Notion cannot hold, and what was done instead."""

    message: str


@dataclass(slots=True)
class Conversion:
    """A post body as Notion blocks (request shapes, children inside each payload), the bundle
    files they reference (as `local:<path>` file upload ids), and the notes."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass(slots=True)
class ImportContext:
    """What converting one post needs beyond its Markdown."""

    post_links: dict[str, str] = field(default_factory=dict)  # slug of an imported post → its Notion page URL
    section: str = "posts"  # the Hugo section whose /<section>/<slug>/ links point to posts
    bundle_files: frozenset[str] = frozenset()  # files beside the post (bundle-relative paths)
    max_depth: int = MAX_DEPTH  # levels of nested blocks a sync reads and shows ([limits] max_depth)
    conversion: Conversion = field(default_factory=Conversion)
    _noted: set[str] = field(default_factory=set)
    _level: int = 0  # how deep `convert_nodes` has gone

    def note(self, message: str) -> None:
        if message not in self._noted:
            self._noted.add(message)
            self.conversion.notes.append(Note(message))

    def local_file(self, url: str) -> str | None:
        """The bundle file a relative URL names, or None."""
        parts = _split(url)
        if parts is None or parts.scheme or url.startswith(("/", "#")):
            return None
        path = unquote(parts.path).lstrip("./")
        return path if path in self.bundle_files else None

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
    md.options["maxNesting"] = MAX_MARKDOWN_NESTING
    return md


_PARSER = parser()


def parse(markdown: str) -> list[SyntaxTreeNode]:
    """The top-level nodes of Markdown text. A token at the parser's nesting limit means that
    markdown-it stopped there and dropped the rest: that post is refused, never cut."""
    tokens = _PARSER.parse(markdown)
    if any(token.level >= MAX_MARKDOWN_NESTING - 1 for token in tokens):
        raise Unholdable(
            f"its Markdown nests lists and quotes more than {MAX_MARKDOWN_NESTING // 2} levels deep, where the "
            "Markdown reader stops (the rest of the post would be lost). Move the deepest items up a level.")
    try:
        return SyntaxTreeNode(tokens).children
    except ValueError as error:  # the footnote plugin leaves a footnote defined inside another unclosed
        raise Unholdable(f"the Markdown reader cannot make a tree of it ({error}), as happens with a footnote "
                         "defined inside another footnote's definition: move that definition out") from None


def to_blocks(markdown: str, ctx: ImportContext) -> Conversion:
    """The Notion blocks of a post body, each within Notion's limits for one block."""
    markdown = _REF_LINK.sub(lambda m: "](" + _REF_SCHEME + m.group(1).replace(" ", "%20") + ")", markdown)
    nodes = parse(markdown)
    # <aside> and <details> span HTML blocks that markdown-it does not nest: how deep they go
    # is counted first, in one pass, so that converting them cannot take the square of it.
    opened = deepest = 0
    for node in (inner for top in nodes for inner in top.walk() if inner.type == "html_block"):
        opened += _depth(node.content, "aside") + _depth(node.content, "details")
        deepest = max(deepest, opened)
    if deepest > ctx.max_depth:
        raise ctx.too_deep(deepest)
    blocks = convert_nodes(nodes, ctx)
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
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if node.type == "html_block":
            container = _container(node)
            if container:
                i, converted = _html_container(nodes, i, container, ctx)
                blocks += converted
                continue
        converted = BLOCK_CONVERTERS.get(node.type, convert_unknown)(node, ctx)
        i += 1
        caption = _caption_after(converted, nodes[i] if i < len(nodes) else None, ctx)
        if caption is not None:
            converted[-1]["image"]["caption"] = caption
            i += 1
        blocks += converted
    return blocks


def _caption_after(converted: list[dict[str, Any]], following: SyntaxTreeNode | None,
                   ctx: ImportContext) -> list[dict[str, Any]] | None:
    """An image's caption: the paragraph right after it when that repeats its alt text (as
    the renderer writes a caption), else the alt text itself (Notion's image has no other)."""
    image = converted[-1].get("image") if converted else None
    if not image or not image["caption"]:
        return None
    alt = image["caption"][0]["text"]["content"]
    if following is not None and following.type == "paragraph" and not _media_paragraph(following):
        text = rich_text(following.children[0] if following.children else None, ctx)
        if "".join(_plain(item) for item in text).replace("\n", " ") == alt:
            return text
    ctx.note("an image's alt text became its Notion caption, which the blog shows under the image")
    return None


# --- rich text --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Runs:
    """Rich text being built: text under the current marks and link."""

    items: list[dict[str, Any]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    href: list[str | None] = field(default_factory=list)

    def add(self, text: str, extra: Iterable[str] = ()) -> None:
        if not text:
            return
        marks = set(self.marks) | set(extra)
        href = next((h for h in reversed(self.href) if h is not None), None) if self.href else None
        last = self.items[-1] if self.items else None
        if last and last["type"] == "text" and last["_marks"] == marks and last["_href"] == href:
            last["_text"] += text
        else:
            self.items.append({"type": "text", "_text": text, "_marks": marks, "_href": href})

    def equation(self, expression: str) -> None:
        item: dict[str, Any] = {"type": "equation", "equation": {"expression": expression}}
        if self.marks:  # an equation carries the marks around it, as any rich text item does
            item["annotations"] = {mark: True for mark in sorted(set(self.marks))}
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
                if item["_marks"]:
                    piece["annotations"] = {mark: True for mark in sorted(item["_marks"])}
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
            runs.add(node.content)
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
            runs.href.append(link_url(str(node.attrs.get("href", "")), ctx))
            _inline(node.children, runs, ctx)
            runs.href.pop()
        elif kind == "math_inline":
            runs.equation(html.unescape(node.content))
        elif kind == "image":
            ctx.note("an image inside a paragraph's text: Notion images are blocks; its alt text stays in the text")
            runs.add(_alt(node))
        elif kind == "html_inline":
            _html_inline(node.content, runs, ctx)
        elif kind == "footnote_ref":
            label = str((node.meta or {}).get("label", (node.meta or {}).get("id", "")))
            ctx.note("footnotes: Notion has none; each reference is kept as [label] text and the notes as "
                     "paragraphs at the end")
            runs.add(f"[{label}]")
        else:
            runs.add(node.content)
            if node.children:
                _inline(node.children, runs, ctx)


def _html_inline(tag: str, runs: _Runs, ctx: ImportContext) -> None:
    match = _TAG.match(tag.strip())
    if not match:
        if not tag.startswith("<!--"):
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
    elif name not in ("span", "input"):
        ctx.note(f"<{name}> has no Notion form: its text is kept without the tag")


def link_url(href: str, ctx: ImportContext) -> str | None:
    """Where a link points in Notion: the Notion page of an imported post, an absolute URL, or
    None (the text stays, unlinked) for a relative link Notion cannot hold."""
    href = href.strip()
    if href.startswith(_REF_SCHEME):
        target = unquote(href[len(_REF_SCHEME):])
        href = '{{< relref "' + target + '" >}}'
    else:
        parts = _split(href)
        if parts is None:
            ctx.note(f"link to {href!r}: not a URL that can be read; its text is kept, unlinked")
            return None
        if parts.scheme in ("http", "https", "mailto"):
            if len(href) > MAX_TEXT:
                ctx.note(f"a link of {len(href):,} characters, over the 2,000 Notion holds: its text is kept, unlinked")
                return None
            return href
        target = parts.path if parts.path.startswith(f"/{ctx.section}/") else ""
    if target:
        slug = re.sub(r"(/index)?(\.md)?/?$", "", target.strip()).rstrip("/").rsplit("/", 1)[-1]
        if slug in ctx.post_links:
            return ctx.post_links[slug]
        ctx.note(f"link to {href!r}: no post of this import or entry of the data source has that slug; its text is kept, unlinked")
        return None
    if ctx.local_file(href):
        ctx.note(f"link to the bundle file {href!r} inside text: Notion cannot link text to a file; its text is kept")
        return None
    ctx.note(f"relative link {href!r}: Notion holds absolute URLs only; its text is kept, unlinked")
    return None


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
        weight = len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
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
    """A container's own text (its first paragraph) and the nodes that become its children."""
    if children and children[0].type == "paragraph" and not _media_paragraph(children[0]):
        return rich_text(children[0].children[0] if children[0].children else None, ctx), children[1:]
    return [], children


def convert_paragraph(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    inline = node.children[0] if node.children else None
    if inline is None:
        return []
    media = _media_paragraph(node)
    if media:
        return [block for child in media for block in _media_block(child, ctx)]
    shortcode = _SHORTCODE.match(inline.content.strip())
    if shortcode:
        return _shortcode(shortcode.group(1), shortcode.group(2), inline.content.strip(), ctx)
    for name in _SHORTCODE_INLINE.findall(inline.content):
        ctx.note(f"Hugo shortcode {name!r}: Notion has no shortcodes; it is kept as text, which the blog will show as typed")
    blocks = [_text_block("paragraph", rich_text(inline, ctx))]
    images = [child for child in inline.children if child.type == "image"]
    blocks += [block for image in images for block in _media_block(image, ctx, caption=False)]
    return blocks


def _media_paragraph(node: SyntaxTreeNode) -> list[SyntaxTreeNode] | None:
    """The images (or the one link to a bundle file) a paragraph consists of, or None."""
    inline = node.children[0] if node.children else None
    if inline is None:
        return None
    items = [child for child in inline.children if not (child.type in ("softbreak", "hardbreak")
                                                        or (child.type == "text" and not child.content.strip()))]
    if items and all(child.type == "image" for child in items):
        return items
    if len(items) == 1 and items[0].type == "link" and _file_kind(str(items[0].attrs.get("href", ""))):
        return items
    return None


def _file_kind(url: str) -> str | None:
    """The Notion block type a linked file becomes (only a file in the bundle is uploaded)."""
    if urlsplit(url).scheme or url.startswith("/") or not url:
        return None
    suffix = file_suffix(url)
    return _FILE_KINDS.get(suffix, "image" if suffix in _IMAGE_SUFFIXES else "file")


def _media_block(node: SyntaxTreeNode, ctx: ImportContext, caption: bool = True) -> list[dict[str, Any]]:
    url = str(node.attrs.get("src") or node.attrs.get("href") or "")
    text = _alt(node) if node.type == "image" else ""
    kind = "image" if node.type == "image" else (_file_kind(url) or "file")
    local = ctx.local_file(url)
    if local is not None and not publishable(local):
        # sync would not publish it (a browser could run it, or Hugo read it as a page): not uploaded.
        ctx.note(f"{kind} {url!r} is not of a type the blog publishes (images, audio, video, PDF, "
                 "documents): not uploaded, its text is kept instead")
        label = text or _alt(node) or url
        return [_text_block("paragraph", text_objects(label))]
    if local is not None:
        if local not in ctx.conversion.files:
            ctx.conversion.files.append(local)
        source: dict[str, Any] = {"type": "file_upload", "file_upload": {"id": LOCAL_FILE + local}}
    elif urlsplit(url).scheme in ("http", "https"):
        source = {"type": "external", "external": {"url": url}}
    else:
        ctx.note(f"{kind} {url!r} is neither in the bundle nor an http(s) URL: its text is kept instead")
        label = text or _alt(node) or url
        return [_text_block("paragraph", text_objects(label))]
    if node.type == "link":
        label = rich_text(node, ctx) or []
        return [{"type": kind, kind: {**source, "caption": label}}]
    payload = {**source, "caption": text_objects(text) if text and caption else []}
    return [{"type": "image", "image": payload}]


# `{{< highlight LANG [options] >}}code{{< /highlight >}}`, seen from after the name. The
# language is read possessively: backtracking into it, each of its lengths would be tried
# against the rest of the text (12 s for a 40 KB name, issue #14).
_HIGHLIGHT = re.compile(r'\s*+"?([A-Za-z0-9_+#.-]++)"?[^>%]*+[>%]\}\}\n?(.*?)\n?\{\{[<%]\s*+/highlight\s*+', re.S)


def _shortcode(name: str, args: str, whole: str, ctx: ImportContext) -> list[dict[str, Any]]:
    video = re.fullmatch(r'\s*(?:id=)?"?([A-Za-z0-9_-]+)"?\s*', args)
    if name in ("youtube", "vimeo") and video:
        url = (f"https://www.youtube.com/watch?v={video.group(1)}" if name == "youtube"
               else f"https://vimeo.com/{video.group(1)}")
        return [{"type": "video", "video": {"type": "external", "external": {"url": url}, "caption": []}}]
    highlighted = _HIGHLIGHT.fullmatch(args)
    if name == "highlight" and highlighted:
        return _code(highlighted.group(1), highlighted.group(2), ctx)
    figure = re.search(r'src="([^"]+)"', args)
    if name == "figure" and figure:
        alt = re.search(r'(?:alt|caption)="([^"]*)"', args)
        return convert_nodes(parse(f"![{alt.group(1) if alt else ''}]({figure.group(1)})"), ctx)
    ctx.note(f"Hugo shortcode {name!r}: Notion has no shortcodes; it is kept as text, which the blog will show as typed")
    return [_text_block("paragraph", text_objects(whole))]


def convert_heading(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    level = int(node.tag[1])
    if level > 4:
        ctx.note(f"h{level} heading: Notion has four heading levels; it became a heading 4")
    kind = f"heading_{min(level, 4)}"
    return [_text_block(kind, rich_text(node.children[0] if node.children else None, ctx))]


def convert_list(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    blocks = []
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
    for index, item in enumerate(node.children):
        checkbox = _checkbox(item)  # first: it takes the box out of the item's text
        text, rest = _first_text(item.children, ctx)
        children = convert_nodes(rest, ctx)
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
    if lead is not None and lead.type == "html_inline" and "task-list-item-checkbox" in lead.content:
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
    text, rest = _first_text(node.children, ctx)
    return [_text_block("quote", text, convert_nodes(rest, ctx))]


def convert_code(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    content = node.content[:-1] if node.content.endswith("\n") else node.content
    return _code(node.info or "", content, ctx)


def _code(info: str, code: str, ctx: ImportContext) -> list[dict[str, Any]]:
    info = info.strip().split()[0].lower() if info.strip() else ""
    language = info if info in NOTION_LANGUAGES else FENCE_LANGUAGES.get(info)
    if language is None:
        ctx.note(f"code language {info!r} is not one of Notion's: the code is kept as plain text")
        language = "plain text"
    return [{"type": "code", "code": {"rich_text": text_objects(code), "language": language}}]


def convert_math(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    return [{"type": "equation", "equation": {"expression": html.unescape(node.content.strip())}}]


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


def convert_footnotes(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    blocks = []
    for footnote in node.children:
        label = str((footnote.meta or {}).get("label", ""))
        inner = convert_nodes([child for child in footnote.children if child.type != "footnote_anchor"], ctx)
        if inner and inner[0]["type"] == "paragraph":
            inner[0]["paragraph"]["rich_text"].insert(0, {"type": "text", "text": {"content": f"[{label}] "}})
        blocks += inner
    return blocks


def convert_html(node: SyntaxTreeNode, ctx: ImportContext) -> list[dict[str, Any]]:
    """A raw HTML fragment: through markdownify to Markdown, then as Markdown."""
    fragment = node.content.strip()
    if fragment.startswith("<!--"):
        ctx.note("an HTML comment: left out")
        return []
    pre = _PRE.fullmatch(fragment)
    if pre:  # the renderer's code holding a shortcode: one line of raw HTML
        return _code(pre.group(1) or "", html.unescape(pre.group(2)), ctx)
    if re.fullmatch(r"<table>.*</table>", fragment, re.S | re.I):
        return _html_table(fragment, ctx)
    return _from_html(fragment, ctx)


_PRE = re.compile(r'<pre><code(?: class="language-([^"]*)")?>(.*)</code></pre>', re.S)


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


# --- <aside> and <details> ----------------------------------------------------------------------


def _container(node: SyntaxTreeNode) -> str | None:
    match = re.match(r"<(aside|details|ol)[\s>]", node.content.strip() + " ", re.I)
    if match and match.group(1).lower() == "ol" and not _LIST_FORMAT.search(node.content.split(">", 1)[0]):
        return None
    return match.group(1).lower() if match else None


# <ol type="a"> and <ol type="i">: Notion's lettered and roman numbered lists (`list_format`).
_LIST_FORMAT = re.compile(r'type="([aAiI])"')


def _html_container(nodes: list[SyntaxTreeNode], i: int, tag: str, ctx: ImportContext) -> tuple[int, list[dict[str, Any]]]:
    """An `<aside>` (callout) or `<details>` (toggle) spanning HTML and Markdown siblings up to
    its closing tag: (index after it, its blocks)."""
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
    head = re.sub(rf"^\s*<{tag}[^>]*>", "", opening, count=1, flags=re.I)
    if depth > 0 or _depth(opening, tag) <= 0:  # the whole element in one HTML block
        head = re.sub(rf"</{tag}>\s*$", "", head.strip(), flags=re.I)
    summary: list[dict[str, Any]] = []
    if tag == "details":
        found = _elements(head, "summary")[:1]
        for element in found:
            summary = _inline_html(element.inner, ctx)
            head = head[:element.start] + head[element.end:]
    tail = re.sub(rf"</{tag}>\s*$", "", tail.strip(), flags=re.I)
    if tag == "ol":
        return j, _lettered(opening, head, inner, ctx)
    blocks = (_from_html(head, ctx) if head.strip() else []) + convert_nodes(inner, ctx)
    blocks += _from_html(tail, ctx) if tail.strip() else []
    if tag == "details":
        return j, [_text_block("toggle", summary, blocks)]
    return j, [_callout(blocks)]


def _lettered(opening: str, head: str, inner: list[SyntaxTreeNode], ctx: ImportContext) -> list[dict[str, Any]]:
    """A lettered or roman list, as the renderer writes it: `<li>` HTML blocks around Markdown."""
    style = _LIST_FORMAT.search(opening)
    start = re.search(r'start="(\d+)"', opening.split(">", 1)[0])
    items: list[list[SyntaxTreeNode]] = [[]] if re.search(r"<li[\s>]", head) else []
    for node in inner:
        if node.type == "html_block" and re.fullmatch(r"\s*(</li>\s*)?(<li>\s*)?", node.content):
            if "<li" in node.content:
                items.append([])
            continue
        if items:
            items[-1].append(node)
    blocks = []
    for index, item in enumerate(items):
        text, rest = _first_text(item, ctx)
        extra: dict[str, Any] = {"list_format": "letters" if style and style.group(1).lower() == "a" else "roman"}
        if index == 0 and start and start.group(1) != "1":
            extra["list_start_index"] = int(start.group(1))
        blocks.append(_text_block("numbered_list_item", text, convert_nodes(rest, ctx), **extra))
    return blocks


def _depth(fragment: str, tag: str) -> int:
    return len(re.findall(rf"<{tag}[\s>]", fragment, re.I)) - len(re.findall(rf"</{tag}\s*>", fragment, re.I))


def _inline_html(fragment: str, ctx: ImportContext) -> list[dict[str, Any]]:
    """Inline HTML (a summary, a table cell) as rich text: its tags as marks and links, its
    text unescaped, `\\(…\\)` as equations. Markdown is not read inside HTML, as Hugo does not."""
    runs = _Runs()
    for part in re.split(r"(<[^<>]+>)", fragment.strip()):
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


def _callout(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A callout from its content: the first paragraph is its text, a leading emoji its icon."""
    text: list[dict[str, Any]] = []
    if blocks and blocks[0]["type"] == "paragraph" and not blocks[0]["paragraph"].get("children"):
        text, blocks = blocks[0]["paragraph"]["rich_text"], blocks[1:]
    payload: dict[str, Any] = {"rich_text": text}
    first = text[0] if text and text[0]["type"] == "text" and not text[0].get("annotations") else None
    emoji = _EMOJI.match(first["text"]["content"]) if first else None
    if emoji:
        payload["icon"] = {"type": "emoji", "emoji": emoji.group(1)}
        first["text"]["content"] = first["text"]["content"][emoji.end():]
        if not first["text"]["content"]:
            text.pop(0)
    if blocks:
        payload["children"] = blocks
    return {"type": "callout", "callout": payload}


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
