"""Links inside the workspace point at the exported posts, named by their Notion titles."""

from __future__ import annotations

import copy

from pipeline.config import load_config
from pipeline.emulator import NotionEmulator
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN

CONFIG = load_config(ROOT / "pipeline.toml")


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
