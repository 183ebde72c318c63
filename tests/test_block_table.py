"""The block table (`pipeline.render.BLOCKS`) is the one place that knows block types: these
tests fail when a type Notion sends, or one the fixtures hold, is missing from it, or when a
block that holds a file has no file spec (its signed URL, valid an hour, would be published)."""

from __future__ import annotations

from pipeline.model import Block
from pipeline.render import BLOCKS, FALLBACK, RenderContext, file_url, render_page, spec_of
from pipeline.source import block_files
from tests.test_render_blocks import CASES

# Every member of notion-sdk-js src/api-endpoints/blocks.ts `BlockObjectResponse` (2026-08).
SDK_BLOCK_TYPES = {
    "paragraph", "heading_1", "heading_2", "heading_3", "heading_4", "bulleted_list_item",
    "numbered_list_item", "quote", "to_do", "toggle", "template", "synced_block", "child_page",
    "child_database", "equation", "code", "callout", "divider", "breadcrumb", "table_of_contents",
    "tab", "column_list", "column", "link_to_page", "table", "table_row", "meeting_notes",
    "transcription", "embed", "bookmark", "image", "video", "pdf", "file", "audio", "link_preview",
    "unsupported",
}
INVENTED = {"poll", "survey"}  # types made up by the fixtures, for the fallback rule


def _blocks(blocks):
    for block in blocks:
        yield block
        yield from _blocks(block.children)


FIXTURE_BLOCKS = [block for case in CASES for block in _blocks(case.blocks)]


def _holds_file(block: Block) -> bool:
    """A payload shaped as a file object (developers.notion.com/reference/file-object)."""
    kind = block.value.get("type")
    return kind in ("file", "external", "file_upload") and isinstance(block.value.get(kind), dict)


def test_every_type_the_sdk_knows_has_a_spec():
    assert SDK_BLOCK_TYPES - set(BLOCKS) == set()


def test_every_type_the_fixtures_hold_has_a_spec_but_the_invented_ones():
    met = {block.type for block in FIXTURE_BLOCKS}
    assert met - set(BLOCKS) == INVENTED
    assert all(spec_of(kind) is FALLBACK for kind in INVENTED)


def test_every_block_holding_a_file_has_a_file_spec_and_the_fetcher_finds_its_url():
    holding = [block for block in FIXTURE_BLOCKS if _holds_file(block)]
    assert {block.type for block in holding} == {kind for kind, spec in BLOCKS.items() if spec.file}
    for block in holding:
        kind, url = file_url(block)
        assert block_files([block], ("file", "external")) == {url: kind}


def test_the_fallback_is_met_only_for_the_invented_types():
    for case in CASES:
        ctx = RenderContext()
        render_page(case.blocks, ctx)
        fallen = {n.block_type for n in ctx.notices if "has no renderer" in n.message}
        assert fallen <= INVENTED, case.where


def test_list_like_and_walked_types():
    assert {kind for kind, spec in BLOCKS.items() if spec.list_like} == {"bulleted_list_item", "numbered_list_item", "to_do"}
    assert {kind for kind, spec in BLOCKS.items() if not spec.walk} == {"child_page", "child_database"}
