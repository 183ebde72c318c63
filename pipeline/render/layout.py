"""Rules for blocks that arrange other blocks: columns, synced blocks, tabs, meeting notes,
and the blocks that show nothing of their own."""

from __future__ import annotations

import html
from typing import Callable

from pipeline.links import RenderContext
from pipeline.model import Block, as_objects
from pipeline.render.depth import too_deep
from pipeline.render import goldmark
from pipeline.render.text import icon, then
from pipeline.richtext import HEADING, escaped, to_html


def render_container(block: Block, r: RenderContext) -> str:
    return r.children(block)


def columns(name: str) -> Callable[[Block, RenderContext], str]:
    """column_list ("columns") and column. `columns = "flatten"`: the columns one after the
    other; "grid": a `<div class="notion-columns">` holding one `<div class="notion-column">`
    per column, which the site kit's stylesheet lays out side by side."""

    def render_column(block: Block, r: RenderContext) -> str:
        body = r.children(block)
        return body if r.options.columns == "flatten" else goldmark.element(name, {"class": f"notion-{name}"}, body, r)

    return render_column


def render_nothing(block: Block, r: RenderContext) -> str:
    return ""


def render_tab(block: Block, r: RenderContext) -> str:
    """Tabs, readable without JavaScript. Shape: notion-sdk-js blocks.ts TabBlockObjectResponse
    (`tab: EmptyObject`, API 2026-03-11); each child is one tab, a paragraph
    (ContentWithRichTextColorAndIconResponse) whose `rich_text` is the label, `icon` the tab's
    icon and children the tab's content. `[render] tabs`: "sections" (a level-4 heading per tab
    and its content) or "details" (a `<details>` per tab, the first one open)."""
    inner = r.inside()
    if too_deep(block.children, inner):
        return ""
    parts = []
    for i, tab in enumerate(block.children):
        tab_r = inner.at(tab)
        if tab.type != "paragraph":  # not a tab: shown as the block it is
            parts.append(inner.render(tab))
            continue
        emoji = icon(tab.value)
        content = tab_r.children(tab)
        if r.options.tabs == "details":
            label = " ".join(part for part in (html.escape(emoji), to_html(as_objects(tab.value.get("rich_text")), tab_r)) if part)
            parts.append(goldmark.tab(label or f"Tab {i + 1}", i == 0, content, r))
        else:
            label = " ".join(part for part in (escaped(emoji, HEADING), tab_r.text(tab.value.get("rich_text"), HEADING)) if part)
            parts.append(then("#### " + (label or f"Tab {i + 1}"), content))
    return then(*parts)


def render_meeting_notes(block: Block, r: RenderContext) -> str:
    """AI meeting notes: the title as a heading, then the summary and notes, and the transcript
    only with `[render] transcripts = true`. Shape: notion-sdk-js blocks.ts
    MeetingNotesBlockObjectResponse (2026-03-11) and TranscriptionBlockObjectResponse (its name
    before), both TranscriptionBlockResponse: {title?: rich text, status?, children?:
    {summary_block_id?, notes_block_id?, transcript_block_id?}, calendar_event?, recording?};
    the blocks those ids name are the block's children."""
    ids = block.value.get("children")
    transcript = ids.get("transcript_block_id") if isinstance(ids, dict) else None
    kept = [child for child in block.children if r.options.transcripts or child.id != transcript]
    title = r.text(block.value.get("title"), HEADING)
    return then("### " + title if title else "", r.blocks(kept))
