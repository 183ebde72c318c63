"""Rules for blocks that point at other workspace pages: child pages and databases, and
links to pages. Each becomes a link to the post exported from that page, else its title; an
inline database that is a source of the site, a table of its exported entries."""

from __future__ import annotations

from pipeline.links import RenderContext, table_key
from pipeline.model import Block, as_text
from pipeline.richtext import CELL, PARAGRAPH, escaped


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
    # An exported page's title as this run read it: renaming a sub-page leaves its parent's
    # last_edited_time as it was, so the block may come from a tree kept from before.
    current = r.titles.get(block.id, "") if block.id in r.post_links else ""
    return page_link(block.id, current or as_text(block.value.get("title")), "child page", r)


def render_child_database(block: Block, r: RenderContext) -> str:
    """A table of the database's exported entries, each linked to its page, when the database
    is one of the site's sources (`r.tables`); else its title, reported."""
    title = as_text(block.value.get("title"))
    rows = r.tables.get(block.id)
    if rows is None:
        r.linked_pages.add(block.id)
        r.notice(f"inline database {title or block.id!r} is not one of the site's sources, so the post shows its title "
                 "only: add it to pipeline.toml as a [[sources]] table to show its published entries here, or remove it.")
        return escaped(title or r.titles.get(block.id) or "Linked page", PARAGRAPH)
    r.linked_pages.add(table_key(block.id))
    lines = ["| " + escaped(title or "Entries", CELL) + " |", "| --- |"]
    for page_id in rows:
        r.linked_pages.add(page_id)  # rendered again when its title or place changes, or it goes
        title = r.titles.get(page_id, "")
        if page_id not in r.post_links:  # not exported (yet): its title only
            lines.append("| " + escaped(title, CELL) + " |")
            continue
        # A page mention: linked to its post as any other is.
        mention = {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}}, "plain_text": title}
        lines.append("| " + r.text([mention], CELL) + " |")
    return "\n".join(lines)


def render_link_to_page(block: Block, r: RenderContext) -> str:
    # page_id, database_id or comment_id; the API does not give the page's title.
    kind = as_text(block.value.get("type"))
    return page_link(as_text(block.value.get(kind)), "", "linked " + kind.removesuffix("_id"), r)
