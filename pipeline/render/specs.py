"""The block table: one `BlockSpec` per block type, the one place that knows block types.

Each spec says how the type renders (its built-in rule), where its rich text and links are,
whether it holds a file, whether its children are walked and whether it is list-like. The
fetcher (`source`), the validator (`validate`) and the download policy (`sync`) read it, so a
new block type is one spec here, its rule, and one fixture. A type the table does not know
still gives the reader its text and children (`render_fallback`), with a warning.
Block shapes: developers.notion.com/reference/block, checked against notion-sdk-js
src/api-endpoints/blocks.ts (`BlockObjectResponse`, 2026-08).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import hugo, layout, media, pages, table, text
from pipeline.render.fallback import is_rich_text, named_texts, render_fallback


@dataclass(frozen=True, slots=True)
class BlockSpec:
    """What the pipeline knows about one block type. Renderer, fetcher and validator read it."""

    render: Callable[[Block, RenderContext], str]  # the built-in rule
    # Payload fields holding rich text: an array, or an array of arrays (a table row's cells).
    text: tuple[str, ...] = ("rich_text",)
    link: str | None = None  # payload field holding a URL the block links to
    # The payload is a file object (developers.notion.com/reference/file-object), downloaded
    # into the bundle when Notion hosts it.
    file: bool = False
    walk: bool = True  # children fetched and rendered; False: they belong to another page
    list_like: bool = False  # consecutive items form one tight Markdown list


_MEDIA = ("caption",)
BLOCKS: dict[str, BlockSpec] = {
    "paragraph": BlockSpec(hugo.render_paragraph),
    "heading_1": BlockSpec(text.heading(1)),
    "heading_2": BlockSpec(text.heading(2)),
    "heading_3": BlockSpec(text.heading(3)),
    # Shape: notion-sdk-js blocks.ts Heading4BlockObjectResponse (API 2026-03-11), toggleable too.
    "heading_4": BlockSpec(text.heading(4)),
    "bulleted_list_item": BlockSpec(text.render_bulleted_list_item, list_like=True),
    "numbered_list_item": BlockSpec(text.render_numbered_list_item, list_like=True),
    "to_do": BlockSpec(text.render_to_do, list_like=True),
    "toggle": BlockSpec(text.render_toggle),
    "quote": BlockSpec(text.render_quote),
    "callout": BlockSpec(text.render_callout),
    "divider": BlockSpec(text.render_divider, text=()),
    "code": BlockSpec(hugo.render_code, text=("rich_text", "caption")),
    "equation": BlockSpec(text.render_equation, text=()),
    # Images and files whose caption ends with what Notion has no field for (hugo_syntax).
    "image": BlockSpec(hugo.render_image, text=_MEDIA, file=True),
    "video": BlockSpec(hugo.render_media_file, text=_MEDIA, file=True),
    "file": BlockSpec(hugo.render_media_file, text=_MEDIA, file=True),
    "pdf": BlockSpec(hugo.render_media_file, text=_MEDIA, file=True),
    "audio": BlockSpec(hugo.render_media_file, text=_MEDIA, file=True),
    "bookmark": BlockSpec(media.render_bookmark, text=_MEDIA, link="url"),
    "embed": BlockSpec(media.render_embed, text=_MEDIA, link="url"),
    "link_preview": BlockSpec(media.render_link_preview, text=(), link="url"),
    "table": BlockSpec(table.render_table, text=()),
    # A table row's cells are rich text arrays (developers.notion.com/reference/block#table-row).
    "table_row": BlockSpec(layout.render_nothing, text=("cells",)),  # rendered by its table
    "child_page": BlockSpec(pages.render_child_page, text=(), walk=False),
    "child_database": BlockSpec(pages.render_child_database, text=(), walk=False),
    "link_to_page": BlockSpec(pages.render_link_to_page, text=()),
    "column_list": BlockSpec(layout.columns("columns"), text=()),
    "column": BlockSpec(layout.columns("column"), text=()),
    "synced_block": BlockSpec(layout.render_container, text=()),
    "tab": BlockSpec(layout.render_tab, text=()),
    "meeting_notes": BlockSpec(layout.render_meeting_notes, text=("title",)),
    "transcription": BlockSpec(layout.render_meeting_notes, text=("title",)),
    "template": BlockSpec(layout.render_nothing),
    "breadcrumb": BlockSpec(layout.render_nothing, text=()),
    "table_of_contents": BlockSpec(layout.render_nothing, text=()),
    "unsupported": BlockSpec(render_fallback, text=()),
}
# A type the table does not know: its text wherever it is named as text, and its children.
FALLBACK = BlockSpec(render_fallback, text=())


def spec_of(block_type: str) -> BlockSpec:
    return BLOCKS.get(block_type, FALLBACK)


def block_texts(block: Block) -> Iterator[list[dict[str, Any]]]:
    """Every rich text array of a block, as its spec says (or as the fallback finds them)."""
    spec = BLOCKS.get(block.type)
    if spec is None:
        yield from named_texts(block.value)
        return
    for name in spec.text:
        value = block.value.get(name)
        if is_rich_text(value):
            yield value
        elif isinstance(value, list):  # table cells
            yield from (cell for cell in value if is_rich_text(cell))


def file_url(block: Block) -> tuple[str, str] | None:
    """(file object type, URL) of a file-holding block, or None."""
    return media.file_url(block) if spec_of(block.type).file else None


def walk(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block of a tree in reading order, each before its children: the one walk the
    validator, the download policy, the page tree and the fetcher's file list share."""
    for block in blocks:
        yield block
        yield from walk(block.children)


def file_blocks(blocks: Iterable[Block]) -> Iterator[tuple[Block, str, str]]:
    """(block, file object type, URL) of every file-holding block of a tree, in reading order."""
    for block in walk(blocks):
        held = file_url(block)
        if held is not None:
            yield block, *held
