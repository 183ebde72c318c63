"""What adopting the site kit changes in a site's existing posts: the Markdown they hold that a
Goldmark setting or a render hook of the kit would render differently.

`site-kit` and `init` change no setting the posts need unless the site lacks it (pipeline.site),
and say, for each one they must still change, which hand-written posts it reaches and where:

- raw HTML, which Goldmark omits in safe mode and shows once `unsafe = true`;
- a passthrough delimiter pair the kit adds (an opener and, after it in the same paragraph, its
  closer), whose text becomes an equation;
- ```` ```math ```` fences, which the kit's code block hook typesets;
- blockquote alerts (`> [!NOTE]`), which the kit's alert hook renders as callouts.

Posts are the site's Markdown content files, read with markdown-it (CommonMark, as Goldmark
reads them); code blocks and code spans are left out, as Goldmark leaves them. Bundles the
pipeline wrote (listed in a `.notion-hugo.json` manifest) are not hand-written and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.bundle import MANIFEST, Manifest
from pipeline.errors import OutputError

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
_FRONT_MATTER = re.compile(r"\A(?:---[ \t]*\n.*?\n---[ \t]*|\+\+\+[ \t]*\n.*?\n\+\+\+[ \t]*)(?:\n|\Z)", re.S)
_ALERT = re.compile(r"\[!\w+\]")


@dataclass(frozen=True, slots=True)
class Found:
    """Where a hand-written post holds what a change of the kit reaches: `path:line`."""

    path: str  # relative to the site
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(slots=True)
class Post:
    path: str  # relative to the site
    tokens: list[Token] = field(default_factory=list)
    offset: int = 0  # lines of front matter before the Markdown


def hand_written_posts(site_dir: Path, content_dir: str, *, typographer: bool = True) -> list[Post]:
    """The site's Markdown content files, parsed, but for the bundles a pipeline manifest lists.
    With the site's typographer on, `<<` and `>>` are its guillemets before anything else reads
    them (`<<b>` holds no HTML tag then)."""
    content = Path(site_dir) / content_dir
    ours: set[Path] = set()
    for manifest in content.rglob(MANIFEST):
        try:
            ours.update(manifest.parent / rel for rel in Manifest.load(manifest.parent).files)
        except OutputError:
            continue  # a manifest sync would refuse: its posts are looked at like the others
    parser = MarkdownIt("commonmark").enable("table")
    posts = []
    for path in sorted(p for p in content.rglob("*") if p.suffix.lower() in MARKDOWN_SUFFIXES and p.is_file()):
        if path in ours or path.is_symlink():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        front = _FRONT_MATTER.match(text)
        body = text[front.end():] if front else text
        offset = text[:front.end()].count("\n") if front else 0
        if typographer:
            body = body.replace("<<", "«").replace(">>", "»")
        posts.append(Post(path.relative_to(site_dir).as_posix(), parser.parse(body), offset))
    return posts


def _where(post: Post, token: Token) -> Found:
    return Found(post.path, post.offset + (token.map[0] + 1 if token.map else 1))


def raw_html(posts: Iterable[Post]) -> list[Found]:
    """Raw HTML blocks and inline HTML (comments included), which safe mode omits."""
    found = []
    for post in posts:
        for token in post.tokens:
            if token.type == "html_block" or (token.type == "inline" and any(
                    child.type == "html_inline" for child in token.children or ())):
                found.append(_where(post, token))
    return found


def delimited(posts: Iterable[Post], pairs: Iterable[tuple[str, str]]) -> list[Found]:
    """Paragraphs holding text between one of these passthrough delimiter pairs."""
    pairs = list(pairs)
    return [_where(post, token) for post in posts for token in post.tokens
            if token.type == "inline" and _passthrough(token.content, pairs)]


def _passthrough(text: str, pairs: list[tuple[str, str]]) -> bool:
    """Whether Goldmark's passthrough extension, with these delimiters, reads this inline
    Markdown otherwise than Goldmark alone: read from left to right, as Goldmark does, an opener
    (not escaped; `\\\\` before one escapes it) outside code spans, which a backtick before the
    opener starts. With its closer after it, and something between, it is an equation; without,
    passthrough still takes the opener as plain text, so a backtick in it no longer opens a code
    span."""
    i = 0
    while i < len(text):
        for opener, closer in pairs:
            if text.startswith(opener, i):
                end = text.find(closer, i + len(opener))
                if end > i + len(opener) or (opener.endswith("`") and _code_span_at(text, i + len(opener) - 1)):
                    return True
        if text[i] == "\\":
            i += 2  # an escape, or passthrough's `\\` before an opener
            continue
        if text[i] == "`":
            i = _code_span_at(text, i) or i + len(text[i:]) - len(text[i:].lstrip("`"))
            continue
        i += 1
    return False


def _code_span_at(text: str, i: int) -> int:
    """Where the code span that the backtick run at `i` opens ends, or 0 when it opens none."""
    run = len(text[i:]) - len(text[i:].lstrip("`"))
    closing = re.compile(r"(?<!`)" + "`" * run + r"(?!`)").search(text, i + run)
    return closing.end() if closing else 0


def math_fences(posts: Iterable[Post]) -> list[Found]:
    """```` ```math ```` fences (the kit's code block hook would typeset them)."""
    return [_where(post, token) for post in posts for token in post.tokens
            if token.type == "fence" and token.info.split()[:1] == ["math"]]


def alerts(posts: Iterable[Post]) -> list[Found]:
    """Blockquotes that open with an alert marker, `[!NOTE]` and the like."""
    found = []
    for post in posts:
        tokens = post.tokens
        for i, token in enumerate(tokens[:-2]):
            if token.type == "blockquote_open" and tokens[i + 1].type == "paragraph_open" \
                    and _ALERT.match(tokens[i + 2].content):
                found.append(_where(post, token))
    return found
