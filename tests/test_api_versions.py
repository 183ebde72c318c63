"""API versions: the emulator answers in the shape of the request's Notion-Version
(notion_emulator/versions.py), `notion_version` in pipeline.toml pins the version the pipeline
names, and every version gives the same posts. Queries name exactly the mapped properties."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from notion_client import Client

from notion_emulator import NotionEmulator, load_store
from notion_emulator.versions import VERSIONS
from pipeline.config import load_default_config, parse_config
from pipeline.render import file_url
from pipeline.source import NotionSource, SourceOptions, make_client
from pipeline.sync import Selection, status_filter, sync
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.test_notion_2026 import PAGE, workspace
from tests.test_render_blocks import CASES

MEETING = "a7000000-0000-4000-8000-000000000015"  # the meeting_notes block of notion2026.md


def test_the_sdk_default_is_the_version_pipeline_toml_does_not_pin():
    assert load_default_config().notion_version is None
    assert SourceOptions().notion_version is None
    with pytest.raises(Exception, match="notion_version: '2024-01-01' is not allowed"):
        parse_config({"notion": {"notion_version": "2024-01-01"}, "front_matter": [{"key": "title", "property": "Title"}]})


@pytest.mark.parametrize("version", VERSIONS)
def test_the_emulator_answers_in_the_shape_of_the_version_asked(version):
    with NotionEmulator(workspace(), token=TOKEN) as emulator:
        notion = Client(auth=TOKEN, base_url=emulator.base_url, notion_version=version)
        blocks = notion.blocks.children.list(block_id=PAGE["id"])["results"]
        page = notion.pages.retrieve(page_id=PAGE["id"])
        everything = notion.data_sources.query(data_source_id=SEED_DATA_SOURCE)["results"][0]
        narrowed = notion.data_sources.query(data_source_id=SEED_DATA_SOURCE, filter_properties=["Slug", "title"])["results"][0]
    meeting = next(block for block in blocks if block["id"] == MEETING)
    old = version < "2026-03-11"
    assert meeting["type"] == ("transcription" if old else "meeting_notes") and meeting["type"] in meeting
    assert ("meeting_notes" in meeting) is not old
    for obj in (meeting, page, everything):
        assert obj["in_trash"] is False and ("archived" in obj) is old
    assert set(narrowed["properties"]) == {"Title", "Slug"}
    # 2026-12-01: a query that names no property gives the title only.
    assert set(everything["properties"]) == ({"Title"} if version >= "2026-12-01" else set(PAGE["properties"]))


@pytest.mark.parametrize("version", ["2025-09-03", "2026-03-11"])
def test_notion_version_pins_the_version_the_pipeline_asks_for(version):
    with NotionEmulator(workspace(), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0, notion_version=version)
        client = make_client(TOKEN, options)
        try:
            [entry] = NotionSource(client, options).entries([PAGE])
        finally:
            client.close()
    meeting = next(block for block in entry.blocks if block.id == MEETING)
    assert meeting.type == ("transcription" if version == "2025-09-03" else "meeting_notes")
    assert ("archived" in meeting.data) is (version == "2025-09-03")


def test_queries_name_exactly_the_mapped_properties():
    config = load_default_config()
    unmapped = {"type": "rich_text", "id": "n%7Dtz", "rich_text": [storekit.text("private")]}
    store = storekit.store([(storekit.entry("Post", "post", 1, Notes=unmapped), [])])
    store["data_sources"][SEED_DATA_SOURCE]["properties"]["Notes"] = {"id": "n%7Dtz", "name": "Notes", "type": "rich_text", "rich_text": {}}
    assert tuple(config.mapped_properties) == ("Status", "Slug", "Title", "Date", "ShowToc", "TocOpen", "Type", "Authors",
                                        "Keywords", "Tags", "Categories", "Description")
    for version in VERSIONS:
        with NotionEmulator(store, token=TOKEN) as emulator:
            options = SourceOptions(base_url=emulator.base_url, rate=0, notion_version=version)
            client = make_client(TOKEN, options)
            try:
                [page] = NotionSource(client, options).query(SEED_DATA_SOURCE, status_filter(config), tuple(config.mapped_properties))
            finally:
                client.close()
        assert set(page["properties"]) == set(config.mapped_properties), version


def _sync(tmp_path: Path, store: dict, version: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Sync a store under the version pipeline.toml pins: the posts written, by path, and the
    problems reported."""
    shipped = DEFAULT_CONFIG_FILE.read_text(encoding="utf-8")
    config = parse_config(tomllib.loads(re.sub(r"(?m)^# notion_version = .*$", f'notion_version = "{version}"', shipped)))
    assert config.notion_version == version
    out = tmp_path / version / "posts"
    with NotionEmulator(store, token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0, notion_version=config.notion_version)
        report = sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, options=options)
    posts = {str(path.relative_to(out)): path.read_text(encoding="utf-8") for path in sorted(out.rglob("*.md"))}
    return posts, [(p.entry_title, p.where, p.message) for p in report.problems]


def _tree(blocks):
    for one in blocks:
        yield one
        yield from _tree(one.children)


# Every block fixture but those holding a Notion-hosted file, whose made-up URL would be fetched.
OFFLINE_CASES = [case for case in CASES if not any((file_url(b) or ("",))[0] == "file" for b in _tree(case.blocks))]


@pytest.mark.parametrize("store", [load_store(SEED_STORE), workspace(OFFLINE_CASES)], ids=["demo", "block fixtures"])
def test_every_version_gives_the_same_posts(tmp_path, store):
    posts = {version: _sync(tmp_path, store, version) for version in VERSIONS}
    first, problems = posts[VERSIONS[0]]
    assert len(first) > 1 and all("\ntitle: '" in text for text in first.values())
    for version in VERSIONS[1:]:
        assert posts[version] == (first, problems), version
