"""Notion's 2026 content end to end: a page holding tabs, meeting notes, a toggleable
heading_4 and block types invented for the test is synced through the CLI from the emulator,
and every text of it reaches the page Hugo builds. The blocks are the fixtures of
fixtures/blocks/notion2026.md, in the recorded shapes."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model import Block
from pipeline.render import RenderContext, render_page
from pipeline.config import RenderOptions
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE
from tests.hugosite import build, demo_site
from tests.test_render_blocks import CASES

NOTION_2026 = [case for case in CASES if case.where.startswith("notion2026.md")]
PAGE = storekit.entry("Notion in 2026", "notion-2026", 1)


def _api_blocks(block: Block, parent: str, store: dict) -> str:
    """Puts a fixture block and its children into a store; returns its id."""
    data = copy.deepcopy(block.data)
    data["parent"] = {"type": "block_id", "block_id": parent}
    store["blocks"][data["id"]] = data
    store["children"][data["id"]] = [_api_blocks(child, data["id"], store) for child in block.children]
    return data["id"]


def workspace(cases=None) -> dict:
    """A store holding the fixture cases: by default the 2026 ones on one page; given cases,
    one entry each (slug case-N). Fixture block ids are unique across all files."""
    if cases is None:
        store = storekit.store([(PAGE, [])])
        store["children"][PAGE["id"]] = [_api_blocks(b, PAGE["id"], store) for case in NOTION_2026 for b in case.blocks]
        return store
    pages = [storekit.entry(case.name, f"case-{n}", 100 + n) for n, case in enumerate(cases)]
    store = storekit.store([(page, []) for page in pages])
    for page, case in zip(pages, cases):
        store["children"][page["id"]] = [_api_blocks(b, page["id"], store) for b in case.blocks]
    return store


def texts(block: Block):
    """Every text typed in a block tree (rich text `plain_text` at any depth)."""
    def walk(value):
        if isinstance(value, dict):
            if value.get("type") == "text" and "plain_text" in value:
                yield value["plain_text"]
            for inner in value.values():
                yield from walk(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from walk(inner)
    yield from walk(block.value)
    for child in block.children:
        yield from texts(child)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data):
        self.text += data


def synced_html(tmp_path: Path, **render: str) -> tuple[str, str]:
    """Sync the page through the CLI with the shipped config, its `[render]` lines replaced."""
    store_file = tmp_path / "store.json"
    store_file.write_text(json.dumps(workspace()), encoding="utf-8")
    config = tmp_path / "pipeline.toml"
    shipped = (Path(__file__).resolve().parent.parent / "pipeline" / "defaults" / "pipeline.toml").read_text(encoding="utf-8")
    for key, value in render.items():
        shipped = re.sub(f"(?m)^{key} = .*$", f"{key} = {value}", shipped)
    config.write_text(shipped, encoding="utf-8")
    site = demo_site(tmp_path / "site")
    out = site / "content" / "posts"
    result = CliRunner().invoke(main, ["sync", "--store", str(store_file), "--config", str(config),
                                       "--data-source", SEED_DATA_SOURCE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (build(site, tmp_path) / "posts" / "notion-2026" / "index.html").read_text(encoding="utf-8")
    body = re.search(r'<div class="post-content">(.*?)</div>\s*</article>', page, re.S).group(1)
    parser = _Text()
    parser.feed(body)
    return result.output, parser.text


def test_every_text_of_tabs_meeting_notes_heading_4_and_invented_types_reaches_hugo(tmp_path):
    output, shown = synced_html(tmp_path)
    typed = [text for case in NOTION_2026 for block in case.blocks for text in texts(block)]
    assert "Ana: hello" in typed  # the transcript, left out by default
    missing = [text for text in typed if text not in shown]
    assert missing == ["Transcript", "Ana: hello"] * 2  # meeting_notes and transcription
    # Each invented type is reported with the link to its block.
    for kind in ("poll", "survey"):
        assert f"block type '{kind}' has no renderer" in output


def test_tabs_as_details_and_transcripts_on(tmp_path):
    _, shown = synced_html(tmp_path, tabs='"details"', transcripts="true")
    typed = [text for case in NOTION_2026 for block in case.blocks for text in texts(block)]
    assert [text for text in typed if text not in shown] == []


def _case(name: str):
    return next(case for case in NOTION_2026 if case.name.startswith(name))


def test_tabs_as_details_the_first_open_labels_escaped_as_html():
    markdown = render_page(_case("tabs").blocks, RenderContext(options=RenderOptions(tabs="details")))
    assert markdown == (
        '<details class="notion-tab" open>\n<summary>📦 Install</summary>\n\nRun the installer.\n\n- then restart\n\n</details>\n\n'
        '<details class="notion-tab">\n<summary>Use</summary>\n\nOpen the app.\n\n</details>'
    )


@pytest.mark.parametrize("kind", ["meeting_notes", "transcription"])
def test_the_transcript_is_shown_only_when_asked(kind):
    case = _case("meeting_notes" if kind == "meeting_notes" else "transcription")
    assert "Ana: hello" not in render_page(case.blocks, RenderContext())
    shown = render_page(case.blocks, RenderContext(options=RenderOptions(transcripts=True)))
    assert shown.endswith("Notes\n\n- ask ops\n\nTranscript\n\n- Ana: hello")
