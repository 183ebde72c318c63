"""Links and URLs, and what rendering carries beyond the blocks. Pure: no I/O, no API.

A link typed in Notion becomes a link only to http(s), mailto, a site path or a file in the
bundle; a link to a workspace page points at the post exported from it, else it is reported.
`RenderContext` is what every renderer is handed: the run's link targets and `[render]`
options, the notices collected, and where in the page the renderer is (the block, its depth,
a numbered item's number), passed down as arguments rather than kept as shared state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Sequence
from urllib.parse import parse_qs, quote, unquote, urlsplit

from pipeline.config import RenderOptions, is_notion_url, notion_id
from pipeline.model import Block, Problem, Severity

if TYPE_CHECKING:
    from pipeline.render.renderer import Renderer
    from pipeline.richtext import Where


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What rendering needs to know beyond the blocks: where other exported pages live, and
    the `[render]` options; the notices and linked pages it finds. `block`, `depth` and
    `number` say where a renderer is: `at()` gives a child's context, the rest is shared.

    It is the `r` every rule is handed: `r.text()`, `r.children()`, `r.default()` and
    `r.notice()` go through the run's `renderer`, so an added rule applies at every depth."""

    post_links: dict[str, str] = field(default_factory=dict)  # page id -> link to its post
    # page id -> title, for blocks that link to a page without naming it (link_to_page)
    titles: dict[str, str] = field(default_factory=dict)
    linked_pages: set[str] = field(default_factory=set)  # workspace pages this page links to
    local_files: dict[str, str] = field(default_factory=dict)  # downloaded file URL -> file in the bundle
    # An inline database that is a source of the site -> its exported entries, in order: a
    # child_database block shows them as a table (render/pages.py)
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    options: RenderOptions = RenderOptions()
    page_url: str = ""  # the Notion page rendered: notices link its blocks
    notices: list[Problem] = field(default_factory=list)  # what the post cannot show as Notion does
    block: Block | None = None  # the block being rendered, named by its notices
    depth: int = 0  # how many blocks hold `block`
    number: int = 1  # a numbered list item's number in its list
    renderer: "Renderer | None" = None  # set by Renderer.render_page
    footnotes: frozenset[str] = frozenset()  # labels of the footnote notes on the page (render/hugo.py)
    raw_inner: frozenset[str] = frozenset()  # ids of the blocks inside a kept {{< >}} shortcode (render/hugo.py)

    def at(self, block: Block, number: int = 1) -> "RenderContext":
        """The context for rendering `block`, one of the blocks listed at this depth."""
        return replace(self, block=block, number=number)

    def inside(self) -> "RenderContext":
        """The context for the children of the current block."""
        return replace(self, depth=self.depth + 1)

    def notice(self, message: str, severity: Severity | str = Severity.WARNING) -> None:
        """Report what the post cannot show as Notion does; an error (`"error"`) rejects the entry."""
        where = f"block {self.block.id} ({self.block.type})" if self.block else ""
        self.notices.append(Problem(severity=Severity(severity), where=where, message=message))

    def _rules(self) -> "Renderer":
        if self.renderer is None:
            from pipeline.render.renderer import Renderer

            return Renderer()
        return self.renderer

    def text(self, rich_text: Any, where: "Where | None" = None) -> str:
        """Rich text as escaped Markdown (for a paragraph unless `where` says otherwise)."""
        from pipeline.richtext import PARAGRAPH

        return self._rules().text(rich_text, self, where or PARAGRAPH)

    def children(self, block: Block) -> str:
        """A block's children, rendered one level down."""
        return self.blocks(block.children)

    def blocks(self, blocks: Sequence[Block]) -> str:
        """These blocks, rendered one level down from the current block."""
        return self._rules().render_blocks(blocks, self.inside())

    def render(self, block: Block) -> str:
        """One block at this level, by its rule."""
        return self._rules().render_block(block, self.at(block))

    def default(self, block: Block) -> str:
        """The built-in output of `block`, whatever rule was added for its type."""
        return self._rules().default(block, self)

    def list_like(self, block_type: str) -> bool:
        return self._rules().list_like(block_type)


def table_key(database_id: str) -> str:
    """An inline database's key among a run's links: its value says which rows its table shows,
    and a page showing the table records it, so a row added or gone renders that page again."""
    return "table:" + database_id


_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Characters that would end or break a Markdown link destination or a table cell, or open a
# Hugo shortcode.
_URL_UNSAFE = re.compile(r"[\s<>()\"'\\{}`\[\]|]")


def safe_url(url: str) -> str | None:
    """A URL fit for a Markdown link destination, or None when it must not become a link."""
    url = (url or "").strip()
    if not url.lower().startswith(_SAFE_SCHEMES) and not url.startswith(("/", "#")):
        return None
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


def post_link(url: str | None, ctx: RenderContext, *, page_id: str | None = None) -> str | None:
    """Where a link should point: the exported post for a workspace page, else the URL itself."""
    target = page_id or (notion_id(url) if url else None)
    if target and (page_id or is_notion_url(url)):
        ctx.linked_pages.add(target)
    heading = _heading_anchor(url) if url and not page_id and is_notion_url(url) else ""
    if heading and target and target == notion_id(ctx.page_url or ""):
        return "#" + heading  # a heading of this very post (import keeps `#intro` so)
    if target and target in ctx.post_links:
        link = ctx.post_links[target]
        if heading:  # a heading of another post: `{{< relref "/posts/x#intro" >}}`, or /posts/x/#intro
            return link[:-5] + "#" + heading + link[-5:] if link.endswith('" >}}') else link + "#" + heading
        return link
    if target and (page_id or is_notion_url(url)):
        ctx.notice(
            f"links to Notion page {url or target}, which is not exported: readers of the blog "
            "cannot open it. Publish that page, or link to a public URL instead."
        )
    return safe_url(url) if url else None


# A heading's anchor as Hugo writes it (letters of any script, digits, '-', '_'); a Notion
# block's id (32 hex digits) is not one.
_ANCHOR = re.compile(r"[^\W][\w-]*")


def _heading_anchor(url: str) -> str:
    """The heading anchor a link into a Notion page carries (`…#intro`), or ""."""
    try:
        fragment = unquote(urlsplit(url).fragment)
    except ValueError:
        return ""
    if not _ANCHOR.fullmatch(fragment) or re.fullmatch(r"[0-9a-f]{32}", fragment):
        return ""
    return quote(fragment, safe="-_")


_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")


def video_shortcode(url: str) -> str | None:
    """Hugo's built-in youtube or vimeo shortcode for a video URL. The id must match the
    site's id format exactly: it is written inside a shortcode, where Notion text must never be."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracket left open: not a video's URL, and the link is checked elsewhere
        return None
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
