"""Links inside the workspace point at the exported posts, named by their Notion titles."""

from __future__ import annotations

import copy

from pipeline.config import load_default_config
from notion_emulator import NotionEmulator
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE, TOKEN

CONFIG = load_default_config()


def link_to_page(page_id: str, target: str) -> dict:
    # Shape: developers.notion.com/reference/block#link-to-page ({"type": "page_id", "page_id"}).
    block = copy.deepcopy(storekit.paragraph(page_id, storekit.text(target)))
    del block["paragraph"]
    block["type"] = "link_to_page"
    block["link_to_page"] = {"type": "page_id", "page_id": target}
    return block


def test_link_to_page_is_a_link_to_the_post_titled_as_in_notion(tmp_path):
    first = storekit.entry("First Post", "first-post", 1)
    second = storekit.entry("Second Post", "second-post", 2)
    store = storekit.store([(first, [link_to_page(first["id"], second["id"])]), (second, [])])
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=tmp_path / "posts",
                      options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.exit_code == 0
    body = (tmp_path / "posts" / "first-post" / "index.md").read_text().split("---\n", 2)[2]
    assert body.strip() == '[Second Post]({{< relref "/posts/second-post" >}})'


def test_a_link_to_a_rejected_entry_points_at_its_post_which_stays(tmp_path):
    """A rejected entry keeps its post as last written: links to it keep pointing there (they
    became links to the Notion page, often private, until the entry was fixed)."""
    first = storekit.entry("First Post", "first-post", 1)
    second = storekit.entry("Second Post", "second-post", 2)
    store = storekit.store([(first, [link_to_page(first["id"], second["id"])]), (second, [])])
    out = tmp_path / "posts"
    for slug, edited in (("second-post", "2026-01-01T00:00:00.000Z"), ("Not A Slug!", "2030-01-01T00:00:00.000Z")):
        rich = store["pages"][second["id"]]["properties"]["Slug"]["rich_text"][0]
        rich["plain_text"] = rich["text"]["content"] = slug
        store["pages"][second["id"]]["last_edited_time"] = store["pages"][first["id"]]["last_edited_time"] = edited
        with NotionEmulator(store, token=TOKEN) as emulator:
            report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                          options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.exit_code == 1 and [(p.entry_title, p.where) for p in report.errors] == [("Second Post", "Slug")]
    assert report.change.written == [] and (out / "second-post" / "index.md").is_file()
    body = (out / "first-post" / "index.md").read_text().split("---\n", 2)[2]
    assert body.strip() == '[Second Post]({{< relref "/posts/second-post" >}})'


def test_a_synced_block_from_an_unshared_page_rejects_its_entry_not_the_run(tmp_path):
    # Shape: developers.notion.com/reference/block#synced-block: a copy names its original in
    # synced_from.block_id; listing that original's children answers 404 when its page is not
    # shared with the integration.
    first = storekit.entry("With a synced copy", "with-a-synced-copy", 1)
    second = storekit.entry("Plain", "plain", 2)
    copy_block = copy.deepcopy(storekit.paragraph(first["id"], storekit.text("x")))
    del copy_block["paragraph"]
    copy_block.update(type="synced_block", has_children=True,
                      synced_block={"synced_from": {"type": "block_id", "block_id": "0badc0de-0000-4000-8000-000000000000"}})
    store = storekit.store([(first, [copy_block]), (second, [storekit.paragraph(second["id"], storekit.text("fine"))])])
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=tmp_path / "posts",
                      options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.exit_code == 1
    assert [p.slug for p in report.posts] == ["plain"]
    [problem] = report.errors
    assert problem.entry_title == "With a synced copy" and problem.where == "block 0badc0de-0000-4000-8000-000000000000"
    assert "Share that page with the integration" in problem.message
