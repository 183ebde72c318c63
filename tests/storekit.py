"""Build small store files (the format of data/*.json) for tests, in the API's shapes, by
reusing the seed store's data source and a seed entry as the template."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from notion_emulator import load_store
from tests.conftest import SEED_DATA_SOURCE, SEED_STORE

_SEED = load_store(SEED_STORE)
_TEMPLATE_PAGE = _SEED["pages"]["47fe7c27-f8e6-4162-bc8e-ed96d898dcb4"]
_TEMPLATE_BLOCK = next(b for b in _SEED["blocks"].values() if b["type"] == "paragraph" and not b["has_children"])


def text(content: str, **annotations: Any) -> dict[str, Any]:
    item = copy.deepcopy(_TEMPLATE_BLOCK["paragraph"]["rich_text"][0])
    item["text"] = {"content": content, "link": None}
    item["plain_text"] = content
    item["annotations"].update(annotations)
    return item


def paragraph(page_id: str, *runs: dict[str, Any]) -> dict[str, Any]:
    block = copy.deepcopy(_TEMPLATE_BLOCK)
    block["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, page_id + str(runs)))
    block["parent"] = {"type": "page_id", "page_id": page_id}
    block["paragraph"]["rich_text"] = list(runs)
    return block


def entry(title: str, slug: str, n: int, **extra: Any) -> dict[str, Any]:
    page = copy.deepcopy(_TEMPLATE_PAGE)
    page["id"] = str(uuid.UUID(int=0x1000 + n))
    page["url"] = "https://www.notion.so/" + page["id"].replace("-", "")
    page["properties"]["Title"]["title"] = [text(title)] if title else []
    page["properties"]["Slug"]["rich_text"] = [text(slug)] if slug else []
    for name, value in extra.items():
        page["properties"][name] = value
    return page


def store(entries: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> dict[str, Any]:
    """A workspace holding the seed's Posts data source with these (page, blocks) entries."""
    result = copy.deepcopy(_SEED)
    result["pages"], result["blocks"], result["children"] = {}, {}, {}
    result["entries"] = {SEED_DATA_SOURCE: []}
    for page, blocks in entries:
        result["pages"][page["id"]] = page
        result["entries"][SEED_DATA_SOURCE].append(page["id"])
        result["children"][page["id"]] = [b["id"] for b in blocks]
        for block in blocks:
            result["blocks"][block["id"]] = block
    return result
