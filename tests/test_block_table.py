"""The block table (`pipeline.render.BLOCKS`) is the one place that knows block types: these
tests fail when a type Notion sends, or one the fixtures hold, is missing from it, or when a
block that holds a file has no file spec (its signed URL, valid an hour, would be published)."""

from __future__ import annotations

from pipeline.model import Block
from pipeline.render import BLOCKS, FALLBACK, RenderContext, file_url, render_page, spec_of, walk
from pipeline.source import block_files
from tests.test_render_blocks import CASES, block_type

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


FIXTURE_BLOCKS = [block for case in CASES for block in walk(case.blocks)]


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
        fallen = {block_type(n) for n in ctx.notices if "has no renderer" in n.message}
        assert fallen <= INVENTED, case.where


def test_list_like_and_walked_types():
    assert {kind for kind, spec in BLOCKS.items() if spec.list_like} == {"bulleted_list_item", "numbered_list_item", "to_do"}
    assert {kind for kind, spec in BLOCKS.items() if not spec.walk} == {"child_page", "child_database"}


def test_a_new_block_type_is_its_spec_and_its_rule(monkeypatch, tmp_path):
    """Issue #16, 4: one spec (and its rule) is all the pipeline needs to know of a new type:
    the fetcher walks its children, the validator checks its links, the download policy bundles
    its file, the renderer writes it, and the fingerprint changes so that earlier posts, which
    showed it through the fallback, are rendered again. (Its fixture goes in
    tests/fixtures/blocks/, and its import converter in markdown_in.py where Notion can hold it.)"""
    import base64
    import copy

    from notion_emulator import NotionEmulator
    from pipeline.config import load_default_config
    from pipeline.render import BlockSpec, Renderer
    from pipeline.source import SourceOptions
    from pipeline.sync import Selection, fingerprint, sync
    from tests import storekit
    from tests.conftest import SEED_DATA_SOURCE, TOKEN
    from tests.test_files import PNG, SIGNED

    def render_poll(block, r):
        return "**Poll:** " + r.text(block.value.get("question")) + "\n\n" + r.children(block)

    page = storekit.entry("Polled", "polled", 1)
    poll = copy.deepcopy(storekit.paragraph(page["id"], storekit.text("x")))
    del poll["paragraph"]
    poll.update(type="poll", has_children=True, poll={
        "question": [storekit.text("Tea or coffee?", bold=False)],
        "link": "https://example.com/results\"", "type": "file",
        "file": {"url": SIGNED, "expiry_time": "2026-11-26T17:00:00.000Z"}})
    answer = storekit.paragraph(page["id"], storekit.text("Both.", bold=False))
    answer["parent"] = {"type": "block_id", "block_id": poll["id"]}
    workspace = storekit.store([(page, [poll])])
    workspace["blocks"][answer["id"]] = answer
    workspace["children"][poll["id"]] = [answer["id"]]
    workspace["files"] = {SIGNED: {"content_type": "image/png", "base64": base64.b64encode(PNG).decode()}}

    config = load_default_config()
    before = fingerprint(config, Renderer())
    monkeypatch.setitem(BLOCKS, "poll", BlockSpec(render_poll, text=("question",), link="link", file=True))
    assert fingerprint(config, Renderer()) != before
    out = tmp_path / "posts"
    with NotionEmulator(workspace, token=TOKEN) as emulator:
        report = sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url, rate=0))
        walked = emulator.count(prefix=f"/v1/blocks/{poll['id']}/children")
    post = (out / "polled" / "index.md").read_text()
    assert walked == 1 and "**Poll:** Tea or coffee?\n\nBoth." in post
    assert [p.where for p in report.problems if "looks like a typo" in p.message] == [f"block {poll['id']} (poll)"]
    assert [p.read_bytes() for p in (out / "polled").iterdir() if p.name != "index.md"] == [PNG]
