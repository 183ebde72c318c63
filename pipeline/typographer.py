"""Goldmark's typographer, as the import reads a hand-written post: the characters a reader of
the blog saw, so that Notion holds them (and sync, which writes Notion's text typographer-proof,
shows them again).

Hugo turns the typographer on unless a site says `markup.goldmark.extensions.typographer.disable
= true`; each of its replacements can be set to other text (an HTML entity) or to "" (left as
typed): https://gohugo.io/configuration/markup/ (Goldmark, extensions, typographer). Its rules are those of Goldmark v1.8
(Hugo 0.168), extension/typographer.go, written here as a markdown-it inline rule, which reads
the same raw source Goldmark's inline parser does:

- `---` an em dash, `--` an en dash, `...` an ellipsis, `<<` and `>>` guillemets, read left to
  right (`----` is an em dash and a hyphen);
- a quote is decided where it stands, not paired: by CommonMark's flanking rules for the run of
  quotes it starts, the character before it in the source and the rest of its line, a few
  English special cases (`'90s`, `'twas`, `I'm`, `Smiths'`), and how many quotes the page has
  opened and not closed. A quote that cannot open or close stays as typed.

It never reads what another rule takes first: an escaped character (`\\'`, `\\.`), code spans,
math, links' destinations and titles, autolinks, raw HTML. What Goldmark never sees is passed
over too: Hugo's shortcode tags and a `{{< >}}` shortcode's inner content (Hugo hands them to the
template before Goldmark runs), and the addresses Goldmark's linkify makes links of (it reads
them before the typographer does).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, fields
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from pipeline.richtext import LINKIFY_TRIGGERS, linkified_end

TYPOGRAPHER = "markup.goldmark.extensions.typographer."  # its settings, as site.own_markup flattens them
ENV_KEY = "typographer"  # the parse's env holds the site's Typographer there; none: off
HELD_KEY = "typographer_held"  # and there the shortcode tags held out of the text (`_raw_inners`)
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ASCII_SPACE = frozenset(" \t\n\v\f\r")
# What Goldmark never reads: a shortcode tag (and a `{{< >}}` one's inner content, from its name
# to the closing tag's), and where linkify may start an address.
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.S)
_TAG = re.compile(r"\{\{([<%])\s*+(/?)\s*+([A-Za-z0-9_][A-Za-z0-9_/.-]*+)")  # a shortcode tag's start and name
_CLOSING = re.compile(r"\{\{[<%]\s*+/\s*+([A-Za-z0-9_][A-Za-z0-9_/.-]*+)")
_ADDRESS = re.compile(r"(?:https?|ftp)://|www\.")


@dataclass(frozen=True, slots=True)
class Typographer:
    """What the typographer puts for each sequence, as the reader sees it; "" leaves it as typed.
    Named as Hugo's settings are (lower case)."""

    leftsinglequote: str = "\u2018"
    rightsinglequote: str = "\u2019"
    leftdoublequote: str = "\u201c"
    rightdoublequote: str = "\u201d"
    endash: str = "\u2013"
    emdash: str = "\u2014"
    ellipsis: str = "\u2026"
    leftanglequote: str = "\u00ab"
    rightanglequote: str = "\u00bb"
    apostrophe: str = "\u2019"


def site_typographer(markup: dict[str, Any]) -> Typographer | None:
    """The typographer of a site whose Goldmark settings are `markup` (site.own_markup's): None
    when the site turns it off. A replacement is an HTML entity or text (Goldmark writes it as
    HTML), read as the character the reader sees."""
    if markup.get(TYPOGRAPHER + "disable") is True:
        return None
    values = {}
    for name in (f.name for f in fields(Typographer)):
        value = markup.get(TYPOGRAPHER + name)
        if isinstance(value, str):
            values[name] = html.unescape(value)
    return Typographer(**values)


def use(md: MarkdownIt) -> None:
    """Add the typographer to a parser: it acts on a parse whose env holds a Typographer at
    ENV_KEY. The text rule stops at its characters (a parse without it reads the same tokens)."""
    for char in "'\".>-<":
        md.inline.add_terminator_char(char)
    md.inline.ruler.before("text", "typographer", _typographer)
    md.core.ruler.before("inline", "typographer_raw_inner", _raw_inners)


def _raw_inners(state: StateCore) -> None:
    """Mark the inner content of `{{< name >}}…{{< /name >}}`, which Hugo hands to the shortcode
    as it was typed (only `{{% %}}`'s is Markdown), for the typographer to pass over: the spans
    of each inline text inside one, in document order, as it may hold paragraphs. A tag may be
    held out of the text as a placeholder (env HELD_KEY: its pattern, whose group 1 indexes the
    tags)."""
    if not isinstance(state.env, dict) or state.env.get(ENV_KEY) is None:
        return
    placeholder, held = state.env.get(HELD_KEY) or (None, [])
    closed = set(_CLOSING.findall(state.src)) | {name for tag in held for name in _CLOSING.findall(tag)}
    inner: dict[int, list[tuple[int, int]]] = state.env.setdefault("typographer_raw", {})
    depth = 0
    for token in state.tokens:
        if token.type != "inline":
            continue
        tags = [(m.start(), m.end(), m.group(0)) for m in _TAG.finditer(token.content)]
        if placeholder is not None:
            tags = sorted(tags + [(m.start(), m.end(), held[int(m.group(1))])
                                  for m in placeholder.finditer(token.content)])
        spans, start = [], 0
        for tag_start, tag_end, text in tags:
            tag = _TAG.match(text)
            if tag is None:
                continue
            if tag.group(2) == "/":
                if depth:
                    depth -= 1
                    if not depth:
                        spans.append((start, tag_end))
            elif tag.group(1) == "<" and tag.group(3) in closed:
                if not depth:
                    start = tag_start
                depth += 1
        if depth:
            spans.append((start, len(token.content)))
        if spans:
            inner[id(token.content)] = spans


def _punct(char: str) -> bool:  # Goldmark's util.IsPunctRune: a Unicode punctuation or symbol
    return unicodedata.category(char)[0] in "PS"


def _space(char: str) -> bool:
    return char.isspace()


def _letter(char: str) -> bool:
    return char.isalpha()


def _digit(char: str) -> bool:
    return unicodedata.category(char) == "Nd"


def _byte_punct(char: str) -> bool:  # Goldmark's util.IsPunct, of one byte: ASCII only
    return char in _ASCII_PUNCT


def _byte_space(char: str) -> bool:
    return char in _ASCII_SPACE


@dataclass(slots=True)
class _Quotes:
    """The quotes opened and not yet closed. Goldmark means to count them per block, but its
    reset is never called (its CloseBlock lacks the reader argument of parser.CloseBlocker): they
    are counted over the whole page, as Hugo shows it."""

    single: int = 0
    double: int = 0


@dataclass(slots=True)
class _Skipped:
    """The spans of one inline text the typographer never reads, and where the last look ended."""

    spans: list[tuple[int, int]]
    next_span: int = 0


def _quotes(state: StateInline) -> _Quotes:
    quotes = state.env.get("typographer_quotes")
    if quotes is None:
        quotes = state.env["typographer_quotes"] = _Quotes()
    return quotes


def _skipped_of(state: StateInline) -> _Skipped:
    found: dict[int, _Skipped] = state.env.setdefault("typographer_skipped", {})
    key = id(state.src)  # the inline text is the same string while it is read (a link's label too)
    if key not in found:
        found[key] = _Skipped(_skipped(state.src, state.env.get("typographer_raw", {}).get(key, [])))
    return found[key]


def _linkify_may_start(src: str, start: int) -> bool:
    """Whether Goldmark's linkify reads an address at `start` of a Markdown source: after a
    trigger byte (`**https://…**` is linked), but not an escaped one (`\\*` is text)."""
    if start == 0:
        return True
    before = src[start - 1]
    return before in LINKIFY_TRIGGERS and not (before in "*_~" and src[max(0, start - 2):start - 1] == "\\")


def _skipped(src: str, raw: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of `src` Goldmark never reads, in order and apart: `raw` (shortcodes' inner
    content), shortcode tags (looked for only before the last closing `}}`, so that an unclosed
    one costs no scan to the end), linkified addresses."""
    last = src.rfind("}}")
    spans = list(raw)
    spans += [m.span() for m in _SHORTCODE.finditer(src, 0, last + 2)] if last >= 0 else []
    covered = 0  # an address inside one already found is not read again (linear time)
    for match in _ADDRESS.finditer(src):
        start = match.start()
        # Not a link's destination, `](http…`: the link is read first, and linkify never sees it.
        if start >= covered and _linkify_may_start(src, start) and src[max(0, start - 2):start] != "](" \
                and (end := linkified_end(src, start)) > start:
            spans.append((start, end))
            covered = end
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(skipped: _Skipped, pos: int) -> bool:
    """Whether `pos` is in a skipped span; positions only grow within one inline text, but a link's
    label is read twice (skipped over first), so the search steps back when it must."""
    spans = skipped.spans
    i = skipped.next_span
    while i > 0 and spans[i - 1][1] > pos:
        i -= 1
    while i < len(spans) and spans[i][1] <= pos:
        i += 1
    skipped.next_span = i
    return i < len(spans) and spans[i][0] <= pos


def _typographer(state: StateInline, silent: bool) -> bool:
    settings: Typographer | None = state.env.get(ENV_KEY) if isinstance(state.env, dict) else None
    src, pos = state.src, state.pos
    if settings is None or src[pos] not in "'\".>-<":
        return False
    skipped = _skipped_of(state)
    if skipped.spans and _inside(skipped, pos):
        return False
    # Goldmark reads the rest of the line, its newline included (the text's last line has none),
    # as bytes: its lengths and some of its looks are of UTF-8 bytes. Five characters are enough.
    line = src[pos:pos + 5]
    if "\n" in line:
        line = line[:line.index("\n") + 1]
    replacement, length = _replacement(settings, _quotes(state), _Line(line), src[pos - 1] if pos else "\n")
    if not replacement:
        return False
    if not silent:
        state.append_pending(replacement)
    state.pos += length
    return True


class _Line:
    """The rest of a line as Goldmark looks at it: `len` and `byte(k)` in UTF-8 bytes (a byte of a
    longer character is none of the ASCII characters it is compared with), `rune(k)` the
    character holding byte k."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.raw = text.encode()

    def __len__(self) -> int:
        return len(self.raw)

    def byte(self, k: int) -> str:
        return chr(self.raw[k]) if self.raw[k] < 0x80 else ""

    def rune(self, k: int) -> str:
        while k > 0 and self.raw[k] & 0xC0 == 0x80:
            k -= 1
        return self.raw[k:].decode(errors="replace")[0]


def _replacement(t: Typographer, p: _Quotes, line: _Line, before: str) -> tuple[str, int]:
    """What Goldmark puts for the text at `line`, and how many characters it takes."""
    c = line.byte(0)
    if len(line) > 2 and c == "-" and line.byte(1) == "-" and line.byte(2) == "-" and t.emdash:
        return t.emdash, 3
    if c == ".":
        return (t.ellipsis, 3) if len(line) > 2 and line.byte(1) == line.byte(2) == "." and t.ellipsis else ("", 0)
    if c in "<>":
        wanted = t.leftanglequote if c == "<" else t.rightanglequote
        return (wanted, 2) if len(line) > 1 and line.byte(1) == c and wanted else ("", 0)
    if c == "-":
        return (t.endash, 2) if len(line) > 1 and line.byte(1) == "-" and t.endash else ("", 0)
    # A quote: the run of quotes it starts, in its line, decides what can open and close.
    run = len(line.text) - len(line.text.lstrip(c))
    after = line.text[run] if run < len(line.text) else " "
    left = not _space(after) and (not _punct(after) or _space(before) or _punct(before))
    right = not _space(before) and (not _punct(before) or _space(after) or _punct(after))
    if c == "'":
        return _single(t, p, line, before, left, right)
    if t.leftdoublequote and left and not right:
        p.double += 1
        return t.leftdoublequote, 1
    if t.rightdoublequote and p.double > 0 and _closes(line, left, right):
        if len(line) > 1 and line.byte(1) == '"' and _digit(before):  # `"Monitor 21""`
            return "", 0
        p.double -= 1
        return t.rightdoublequote, 1
    return "", 0


def _closes(line: _Line, left: bool, right: bool) -> bool:
    """A quote that closes one opened before: it can only close, or it can both and punctuation
    follows (`"word".`)."""
    if right and not left:
        return True
    return right and left and len(line) > 1 and unicodedata.category(line.rune(1))[0] == "P" and (
        len(line) == 2 or _byte_punct(line.byte(2)) or _byte_space(line.byte(2)))


def _single(t: Typographer, p: _Quotes, line: _Line, before: str, left: bool, right: bool) -> tuple[str, int]:
    if t.apostrophe:
        if left and not right and len(line) > 3 and line.byte(1).isdigit() and line.byte(2).isdigit() \
                and line.byte(3) == "s":
            after = line.rune(4) if len(line) > 4 else " "
            if _space(after) or _punct(after):  # '90s
                return t.apostrophe, 1
        if len(line) > 1 and line.byte(1) in ("t", "e", "n", "l") and (
                unicodedata.category(before)[0] == "P" or _space(before)):  # 'twas, 'em
            return t.apostrophe, 1
        if len(line) > 1 and (_digit(before) or _letter(before)) and _letter(line.rune(1)):  # don't, rock'n'roll
            return t.apostrophe, 1
    if t.leftsinglequote and left and not right:
        if len(line) > 1 and line.byte(1) in ("s", "m", "t", "d") and (
                len(line) < 3 or _byte_punct(line.byte(2)) or _byte_space(line.byte(2))):
            return t.rightsinglequote, 1  # 's, 'm
        if len(line) > 2 and line.byte(1) + line.byte(2) in ("ve", "ll", "re") and (
                len(line) < 4 or _byte_punct(line.byte(3)) or _byte_space(line.byte(3))):
            return t.rightsinglequote, 1  # 've, 'll
        p.single += 1
        return t.leftsinglequote, 1
    if t.rightsinglequote and len(line) > 2 and not _digit(line.rune(1)):  # Smiths', doin'
        return t.rightsinglequote, 1
    if t.rightsinglequote and p.single > 0 and _closes(line, left, right):
        p.single -= 1
        return t.rightsinglequote, 1
    return "", 0
