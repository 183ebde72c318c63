"""Rules for blocks that point at other workspace pages: child pages and databases, and
links to pages. Each becomes a link to the post exported from that page, else its title."""

from __future__ import annotations

from pipeline.links import RenderContext
from pipeline.model import Block, as_text
from pipeline.richtext import PARAGRAPH, escaped


def page_link(page_id: str, title: str, what: str, r: RenderContext) -> str:
    """A link to the post exported from a workspace page, else the page's title as text."""
    name = title or r.titles.get(page_id) or "Linked page"
    r.linked_pages.add(page_id)  # re-rendered when that post moves, goes or is renamed
    if page_id in r.post_links:
        return f"[{escaped(name)}]({r.post_links[page_id]})"
    r.notice(
        f"{what} {title or page_id!r} is not exported: the blog shows its title as plain text. "
        "Publish it too, or remove the link."
    )
    return escaped(name, PARAGRAPH)


def render_child_page(block: Block, r: RenderContext) -> str:
    return page_link(block.id, as_text(block.value.get("title")), "child page", r)


def render_child_database(block: Block, r: RenderContext) -> str:
    return page_link(block.id, as_text(block.value.get("title")), "child database", r)


def render_link_to_page(block: Block, r: RenderContext) -> str:
    # page_id, database_id or comment_id; the API does not give the page's title.
    kind = as_text(block.value.get("type"))
    return page_link(as_text(block.value.get(kind)), "", "linked " + kind.removesuffix("_id"), r)
