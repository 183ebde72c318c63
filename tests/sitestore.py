"""A whole site's workspace, as a store file the emulator serves: the seed's Posts data source
with a Language select and posts in English and Chinese (one a translation, one in a language
the site lacks, one slug taken twice), and a Docs page tree three levels deep in English, with
a Chinese tree translating part of it. Built from the seed store's shapes (storekit), so every
object is as the API gives it.

    Docs (en) ── Getting Started ── Install ── On Linux
             └─ Reference (an inline database: the Posts; a sub-page the integration cannot read)
    文档 (zh) ── Getting Started 入门 ── Install 安装

`config_text()` is the pipeline.toml of the site, `hugo_config()` its Hugo config.
"""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

from pipeline.config import DEFAULT_CONFIG
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE

POSTS_DATABASE = "b135dbcf-a408-41ce-80b5-7e612d722a36"  # the seed's database, whose data source is SEED_DATA_SOURCE
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SHARED_IMAGE = "https://prod-files-secure.s3.us-west-2.amazonaws.com/space/block/greeting.png?X-Amz-Signature=a"
SHARED_IMAGE_AGAIN = "https://prod-files-secure.s3.us-west-2.amazonaws.com/space/block/greeting.png?X-Amz-Signature=b"
EDITED = "2024-09-01T10:00:00.000Z"


def page_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "notion-hugo-site/" + name))


def notion_url(page: str) -> str:
    return "https://www.notion.so/" + page.replace("-", "")


# The posts: (name, title, slug, language, status)
POSTS = [
    ("hello", "Hello, world", "hello", "en", "Published"),
    ("hello-zh", "你好，世界", "hello", "zh", "Published"),
    ("english-only", "Only in English", "english-only", "en", "Published"),
    ("bonjour", "Bonjour", "bonjour", "fr", "Published"),  # a language the site lacks
    ("hello-again", "Hello again", "hello", "en", "Published"),  # a slug and a language taken
    ("draft-zh", "草稿", "draft", "zh", "Draft"),
]
# The page trees: (name, title, parent name or None)
DOCS_EN = [("docs", "Docs", None), ("getting-started", "Getting Started", "docs"),
           ("install", "Install", "getting-started"), ("on-linux", "On Linux", "install"),
           ("reference", "Reference", "docs")]
DOCS_ZH = [("docs-zh", "文档", None), ("getting-started-zh", "Getting Started 入门", "docs-zh"),
           ("install-zh", "Install 安装", "getting-started-zh")]
SECRET = page_id("secret")  # a sub-page of Reference that is not shared with the integration


def text(content: str) -> dict[str, Any]:
    return storekit.text(content, bold=False)


def mention(target: str, title: str) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/rich-text#mention (a page mention, href the page's URL)
    item = copy.deepcopy(text(title))
    del item["text"]
    item.update(type="mention", mention={"type": "page", "page": {"id": target}}, href=notion_url(target))
    return item


def link(target: str, title: str) -> dict[str, Any]:
    """Text linking to a workspace page by its Notion URL (an inline link)."""
    item = text(title)
    item["text"]["link"] = {"url": notion_url(target)}
    item["href"] = notion_url(target)
    return item


def block(parent: str, kind: str, payload: dict[str, Any], n: int) -> dict[str, Any]:
    made = storekit.paragraph(parent, text(""))
    del made["paragraph"]
    made.update(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{parent}/{kind}/{n}")), type=kind, **{kind: payload})
    return made


def image(parent: str, url: str) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/block#image, a file object of type "file"
    return block(parent, "image", {"caption": [text("A greeting")], "type": "file",
                                   "file": {"url": url, "expiry_time": "2026-11-26T17:00:00.000Z"}}, 0)


def plain_page(name: str, title: str, parent: str | None) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/page: a page outside a database has the title
    # property only; a sub-page's parent is {"type": "page_id", "page_id": …}
    # (developers.notion.com/reference/parent-object).
    page = storekit.entry(title, "", 0)
    page["id"] = page_id(name)
    page["url"] = notion_url(page["id"])
    page["parent"] = {"type": "page_id", "page_id": page_id(parent)} if parent else {"type": "workspace", "workspace": True}
    page["properties"] = {"title": {"id": "title", "type": "title", "title": page["properties"]["Title"]["title"]}}
    page["created_time"] = page["last_edited_time"] = "2024-08-20T08:00:00.000Z"
    return page


def language_property(store: dict[str, Any]) -> None:
    """The Posts data source gains a Language select (en, zh, fr)."""
    # Shape: developers.notion.com/reference/property-object#select
    options = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, code)), "name": code, "color": "default", "description": None}
               for code in ("en", "zh", "fr")]
    store["data_sources"][SEED_DATA_SOURCE]["properties"]["Language"] = {
        "id": "lang", "name": "Language", "description": None, "type": "select", "select": {"options": options}}


def post(name: str, title: str, slug: str, language: str, status: str) -> dict[str, Any]:
    page = storekit.entry(title, slug, 0)
    page["id"] = page_id(name)
    page["url"] = notion_url(page["id"])
    page["properties"]["Status"]["status"]["name"] = status
    # Shape: developers.notion.com/reference/page-property-values#select
    page["properties"]["Language"] = {"id": "lang", "type": "select",
                                      "select": {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, language)), "name": language,
                                                 "color": "default"}}
    return page


def bodies() -> dict[str, list[dict[str, Any]]]:
    """Each page's blocks; sub-pages are listed among them by id (the emulator lists them as
    `child_page` blocks)."""
    p = storekit.paragraph
    hello, docs = page_id("hello"), page_id("docs")
    return {
        "hello": [p(hello, text("Read "), mention(page_id("install"), "Install"), text(" first.")),
                  image(hello, SHARED_IMAGE)],
        "hello-zh": [p(page_id("hello-zh"), text("先读 "), link(page_id("install"), "安装"), text("。")),
                     image(page_id("hello-zh"), SHARED_IMAGE_AGAIN)],
        "english-only": [p(page_id("english-only"), text("Only here in English."))],
        "bonjour": [p(page_id("bonjour"), text("Bonjour."))],
        "hello-again": [p(page_id("hello-again"), text("Again."))],
        "draft-zh": [p(page_id("draft-zh"), text("草稿。"))],
        "docs": [p(docs, text("The manual."))],
        "getting-started": [p(page_id("getting-started"), text("Start here."))],
        "install": [p(page_id("install"), text("Then say "), mention(hello, "Hello, world"), text("."))],
        "on-linux": [block(page_id("on-linux"), "link_to_page", {"type": "page_id", "page_id": page_id("english-only")}, 1)],
        "reference": [p(page_id("reference"), text("Every post:")),
                      # Shape: developers.notion.com/reference/block#child-database (its id is the database's)
                      {**block(page_id("reference"), "child_database", {"title": "Posts"}, 1), "id": POSTS_DATABASE},
                      {**block(page_id("reference"), "child_page", {"title": "Secret"}, 2), "id": SECRET}],
        "docs-zh": [p(page_id("docs-zh"), text("手册。"))],
        "getting-started-zh": [p(page_id("getting-started-zh"), text("从这里开始。"))],
        "install-zh": [p(page_id("install-zh"), text("然后读 "), mention(page_id("hello-zh"), "你好，世界"))],
    }


def add_tree(store: dict[str, Any], rows: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """A page tree's pages added to a store: each with its blocks, and listed among its parent's
    children after the parent's own blocks, in the order of `rows`."""
    texts = bodies()
    for name, title, parent in rows:
        page = plain_page(name, title, parent)
        store["pages"][page["id"]] = page
        blocks = texts.get(name, [])  # a page added by a test: empty
        store["children"][page["id"]] = [b["id"] for b in blocks]
        store["blocks"].update({b["id"]: b for b in blocks})
    for name, _, parent in rows:
        if parent:
            store["children"][page_id(parent)].append(page_id(name))
    return store


def workspace() -> dict[str, Any]:
    """The store: the posts in the Posts data source, the two page trees, the shared image."""
    texts = bodies()
    store = storekit.store([(post(*row), texts[row[0]]) for row in POSTS])
    language_property(store)
    add_tree(store, DOCS_EN + DOCS_ZH)
    store["files"] = {url: {"content_type": "image/png", "base64": base64.b64encode(PNG).decode()}
                      for url in (SHARED_IMAGE, SHARED_IMAGE_AGAIN)}
    return store


def config_text(extra: str = "") -> str:
    """pipeline.toml: the shipped mapping (posts), two languages, and three sources."""
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    docs_mapping = """
[[sources.front_matter]]
key = "title"
fallback = "title"
style = "single-quoted"

[[sources.front_matter]]
key = "date"
fallback = "created_time"
style = "single-quoted"

[[sources.front_matter]]
key = "draft"
derived = "draft"
"""
    return shipped + f"""
[site]
content = "content"

[languages]
codes = ["en", "zh"]
default = "en"
property = "Language"

[[sources]]
data_source = "{SEED_DATA_SOURCE}"
section = "posts"

[[sources]]
page = "{notion_url(page_id('docs'))}"
section = "docs"
language = "en"
{docs_mapping}
[[sources]]
page = "{page_id('docs-zh')}"
section = "docs"
language = "zh"
{docs_mapping}{extra}"""


def hugo_config(base: str) -> str:
    """The demo site's hugo.toml made multilingual, failing the build on any link Hugo cannot resolve."""
    return ('defaultContentLanguage = "en"\nrefLinksErrorLevel = "ERROR"\n' + base
            + "\n[languages.en]\n  weight = 1\n[languages.zh]\n  weight = 2\n")
