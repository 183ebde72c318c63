"""Hugo's own syntax that Notion has no form for, as both directions write and read it. Pure.

Import (`markdown_in`) turns each construct into a Notion form that sync's renderer
(`render/hugo.py`) writes back; both read this one grammar, so what one writes the other reads:

- a shortcode tag (`{{< name args >}}`, `{{% /name %}}`): `shortcode_tag`, `ShortcodeTag.text`;
  its arguments as Hugo reads them (gohugo.io/content-management/shortcodes: positional or
  named, quoted with `"`, raw with a backtick, or bare; spaces around `=` allowed).
- a fenced code block's info string (```` ```ini {linenos=true, hl_lines=[2]} ````), kept as
  the code block's caption when Notion's language alone would not give it back: `FenceInfo`;
  and Hugo's highlight shortcode's tag, kept so: `highlight_tag`.
- the lines an image or file caption may end with: `alt:`, `title:`, `link:` (a Markdown
  image's alt text, title and link), `figure:` (the other arguments of Hugo's figure shortcode)
  and `file:` (the file's path in the bundle, sub-folders included): `CaptionMeta`.
- the summary divider `<!--more-->`: `MORE`;
- a footnote: its reference `[^label]` and the start of its note `[^label]:`, each a piece of
  code: `FOOTNOTE_REF`, `FOOTNOTE_NOTE`.

Text typed in Notion is data: a caption's or code block's line is read with this grammar
only, every value is checked (`ARGUMENT`, `FENCE_ATTRIBUTE`, `BUNDLE_PATH`) and written back
quoted, so no text becomes a shortcode, markup or a path outside the bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

MORE = "<!--more-->"
# A footnote's label as Goldmark reads it, kept to safe characters (they go back as syntax).
FOOTNOTE_REF = re.compile(r"\[\^([A-Za-z0-9_-]{1,60})\]")
FOOTNOTE_NOTE = re.compile(r"\[\^([A-Za-z0-9_-]{1,60})\]:")

# A shortcode's name: Hugo's are file names under layouts/_shortcodes (sub-folders allowed).
NAME = r"[A-Za-z0-9_][A-Za-z0-9_./-]*"
# Possessive: an unclosed tag is read to its line's end once, never tried again at each length.
_TAG = re.compile(r"\{\{([<%])\s*+(/)?\s*+(" + NAME + r")((?:[^>%\"`\n]|\"(?:[^\"\\\n]|\\.)*+\"|`[^`]*+`)*+)[>%]\}\}")
# One argument: name = value, or a value alone; a value quoted, raw (backtick) or bare.
_ARGUMENT = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*)?(\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`|[^\s\"`=]+)")
# A positional value written as it is (`{{< highlight go >}}`); any other goes in quotes.
_BARE = re.compile(r"[A-Za-z0-9_.+#-]+")
# What a value written back into a shortcode may hold: no line break, no shortcode delimiters.
ARGUMENT = re.compile(r"[^\n\r{}]*")


@dataclass(frozen=True, slots=True)
class ShortcodeTag:
    """One shortcode tag: `{{< name args >}}`, its closing `{{< /name >}}`, or the `%` forms."""

    name: str
    closing: bool = False
    percent: bool = False  # {{% %}}: its inner content is Markdown of the page
    positional: tuple[str, ...] = ()
    named: tuple[tuple[str, str], ...] = ()

    @property
    def args(self) -> dict[str, str]:
        return dict(self.named)

    def text(self) -> str:
        """The tag as Hugo reads it, every value quoted."""
        open_, close = ("{{%", "%}}") if self.percent else ("{{<", ">}}")
        if self.closing:
            return f"{open_} /{self.name} {close}"
        parts = [value if _BARE.fullmatch(value) else quoted(value) for value in self.positional]
        parts += [f"{key}={quoted(value)}" for key, value in self.named]
        return " ".join([open_, self.name, *parts, close])


def shortcode_tag(text: str) -> ShortcodeTag | None:
    """The shortcode tag that is the whole of `text` (spaces around it allowed), or None."""
    match = _TAG.fullmatch(text.strip())
    if match is None or (match.group(2) and match.group(4).strip()):
        return None
    args = parse_arguments(match.group(4).rstrip().removesuffix("/"))  # `{{< name />}}` closes itself
    if args is None:
        return None
    positional, named = args
    return ShortcodeTag(match.group(3), bool(match.group(2)), match.group(1) == "%", tuple(positional), tuple(named))


def shortcode_tags(text: str) -> list[tuple[int, int, ShortcodeTag | None]]:
    """(start, end, tag or None when its arguments cannot be read) of every tag in `text`."""
    found = []
    for match in _TAG.finditer(text):
        found.append((match.start(), match.end(), shortcode_tag(match.group(0))))
    return found


def parse_arguments(text: str) -> tuple[list[str], list[tuple[str, str]]] | None:
    """A shortcode's arguments as Hugo reads them: (positional values, named pairs), or None
    when the text is not arguments."""
    positional: list[str] = []
    named: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _ARGUMENT.match(text, position)
        if match is None or match.end() == position:
            return None
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif value.startswith("`"):
            value = value[1:-1]
        if match.group(1):
            named.append((match.group(1), value))
        else:
            positional.append(value)
        position = match.end()
    if positional and named:  # Hugo takes one kind or the other
        return None
    return positional, named


def quoted(value: str) -> str:
    """A value as a quoted shortcode argument (Go's string syntax)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- fenced code: the info string -------------------------------------------------------------------

# The options of Hugo's highlighting a fence may set (gohugo.io/functions/transform/highlight),
# and values that are numbers, words, ranges or lists of them: nothing else is written back.
FENCE_OPTIONS = frozenset(("linenos", "hl_lines", "linenostart", "anchorlinenos", "lineanchors", "hl_inline",
                           "style", "noclasses", "tabwidth", "guesssyntax", "linenumbersintable", "nohl"))
FENCE_ATTRIBUTE = re.compile(r"[A-Za-z0-9_.:=\- \[\],\"]*")
_INFO = re.compile(r"([A-Za-z0-9_+#.-]*)[ \t]*(?:\{([^{}\n]*)\})?")


@dataclass(frozen=True, slots=True)
class FenceInfo:
    """A fence's language and its attributes (`{linenos=true, hl_lines=[2]}`), as written."""

    language: str = ""
    attributes: str = ""  # inside the braces, as written; "" for none

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.language, "{" + self.attributes + "}" if self.attributes else "") if part)


def fence_info(text: str) -> FenceInfo | None:
    """A fence's info string read as language and attributes, or None when it is something
    else (words, a language Hugo has no name for) or holds an option Hugo's highlighting
    does not take: that text stays text."""
    match = _INFO.fullmatch(text.strip())
    if match is None:
        return None
    attributes = (match.group(2) or "").strip()
    if attributes:
        if not FENCE_ATTRIBUTE.fullmatch(attributes):
            return None
        names = re.findall(r"([A-Za-z_]+)\s*=", attributes)
        if not names or any(name.lower() not in FENCE_OPTIONS for name in names):
            return None
    return FenceInfo(match.group(1), attributes)


# A code block's caption that holds its fence's info string: the fence's opening line.
FENCE_CAPTION = "```"
_HIGHLIGHT_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,40}")
_HIGHLIGHT_OPTIONS = re.compile(r"[A-Za-z0-9_=,.:\- ]*")


def highlight_tag(tag: ShortcodeTag | None) -> bool:
    """Whether a tag is Hugo's highlight shortcode with a language and options as Hugo reads
    them (`{{< highlight go "linenos=table,hl_lines=2" >}}`): a code block's caption may hold
    one, and sync writes the code back inside it."""
    return (tag is not None and tag.name == "highlight" and not tag.closing and not tag.percent and not tag.named
            and 1 <= len(tag.positional) <= 2 and bool(_HIGHLIGHT_LANGUAGE.fullmatch(tag.positional[0]))
            and all(_HIGHLIGHT_OPTIONS.fullmatch(option) for option in tag.positional[1:]))


# --- image and file captions: the lines that say what Notion has no field for ---------------------

META_KEYS = ("alt", "title", "link", "figure", "file")
_META_LINE = re.compile(r"(alt|title|link|figure|file):(?: (.*))?")
# A bundle file's path, as a `file:` line may give it: folders and a name of safe characters.
BUNDLE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*){0,7}")
# Hugo's figure shortcode's arguments (gohugo.io/shortcodes/figure), but its src and caption.
FIGURE_ARGUMENTS = ("alt", "title", "link", "target", "rel", "width", "height", "class", "attr", "attrlink", "loading")


@dataclass(frozen=True, slots=True)
class CaptionMeta:
    """What an image's or file's caption says beyond the text it shows."""

    alt: str | None = None
    title: str | None = None
    link: str | None = None
    figure: tuple[tuple[str, str], ...] | None = None  # Hugo's figure shortcode, with these arguments
    file: str | None = None  # its path in the bundle

    def lines(self) -> list[str]:
        """The caption lines that say it, in the order `split_caption` reads them."""
        found = [f"{key}: {value}" for key, value in (("alt", self.alt), ("title", self.title), ("link", self.link))
                 if value is not None]
        if self.figure is not None:
            found.append("figure:" + "".join(f" {key}={quoted(value)}" for key, value in self.figure))
        if self.file is not None:
            found.append(f"file: {self.file}")
        return found


def split_caption(text: str) -> tuple[int, CaptionMeta]:
    """Where the shown caption ends in `text` (a caption's plain text) and what its last lines
    say: the lines after it, each `key: value`, every one well formed. Any other line (or a
    repeated key) leaves the whole caption shown, as typed."""
    lines = text.split("\n")
    found: dict[str, str] = {}
    first = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        match = _META_LINE.fullmatch(lines[index])
        if match is None or match.group(1) in found:
            break
        found[match.group(1)] = match.group(2) or ""
        first = index
    if not found:
        return len(text), CaptionMeta()
    meta = _meta(found)
    if meta is None:
        return len(text), CaptionMeta()
    end = len("\n".join(lines[:first]))
    return end, meta


def _meta(found: dict[str, str]) -> CaptionMeta | None:
    figure = None
    if "figure" in found:
        args = parse_arguments(found["figure"])
        if args is None or args[0] or any(key not in FIGURE_ARGUMENTS or not ARGUMENT.fullmatch(value)
                                          for key, value in args[1]):
            return None
        figure = tuple(args[1])
    file = found.get("file")
    if file is not None and not (BUNDLE_PATH.fullmatch(file) and ".." not in file):
        return None
    if any(not ARGUMENT.fullmatch(found.get(key) or "") for key in ("alt", "title", "link")):
        return None
    return CaptionMeta(found.get("alt"), found.get("title"), found.get("link"), figure, file)


def file_line_path(text: str | None, suffix: str) -> str | None:
    """A `file:` line's path when it is one a bundle may hold with this suffix, else None."""
    if not text or not BUNDLE_PATH.fullmatch(text) or ".." in text:
        return None
    return text if PurePosixPath(text).suffix.lower() == suffix.lower() else None
