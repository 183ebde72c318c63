"""Nothing a contributor types escapes its place: not into HTML, not into the front matter,
not into a path. Each case is synced and built with the real Hugo."""

from __future__ import annotations

import html
import re

import frontmatter
import pytest

from pipeline.config import load_default_config
from notion_emulator import NotionEmulator
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.hugosite import build, demo_site

CONFIG = load_default_config()
YAML_BREAKER = "Break: the --- front\nmatter # here 'single' \"double\" key: value"
DESCRIPTION = "---\ntitle: injected\ndraft: true\n---"
HOSTILE_BODY = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> {{< youtube abc >}} {{% notice %}} "
    "**not bold** [not](a link) {{</* x */>}}"
)


def _description(value: str) -> dict:
    prop = storekit.entry("x", "x", 0)["properties"]["Description"]
    prop["rich_text"] = [storekit.text(value)]
    return prop


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    cases = [
        storekit.entry(YAML_BREAKER, "yaml-breaker", 1, Description=_description(DESCRIPTION)),
        storekit.entry("Dot dot", "../escape", 2),
        storekit.entry("Absolute", "/etc/passwd", 3),
        storekit.entry("Reserved", "index", 4),
        storekit.entry("Long " * 80, "long-title", 5),
        storekit.entry("../../Etc/Passwd", "", 6),
        storekit.entry("Nested", "a/b", 7),  # folders inside the output folder, as Hugo serves a section's sub-folder
        storekit.entry("Reserved inside", "a/CON", 8),
    ]
    entries = [(page, [storekit.paragraph(page["id"], storekit.text(HOSTILE_BODY))]) for page in cases]
    site = tmp_path_factory.mktemp("site")
    demo_site(site)
    out = site / "content" / "posts"
    with NotionEmulator(storekit.store(entries), token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url))
    public = build(site, tmp_path_factory.mktemp("public"))
    return report, site, out, public


def test_bad_slugs_are_rejected_and_nothing_lands_outside_the_output(synced):
    report, site, out, _ = synced
    assert report.exit_code == 1
    assert sorted(report.rejected) == sorted(["Absolute", "Dot dot", "Long " * 80, "Reserved", "Reserved inside"])
    assert {(p.entry_title[:8], p.where) for p in report.errors} == {
        ("Absolute", "Slug"), ("Dot dot", "Slug"), ("Long Lon", "Title"), ("Reserved", "Slug"),
    }
    written = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and p.suffix == ".md")
    assert written == ["content/posts/a/b/index.md", "content/posts/etc-passwd/index.md",
                       "content/posts/yaml-breaker/index.md"]
    assert not (site.parent / "escape").exists() and not (out.parent / "escape").exists()


def test_front_matter_holds_the_title_and_nothing_injected(synced):
    _, _, out, _ = synced
    post = frontmatter.loads((out / "yaml-breaker" / "index.md").read_text())
    assert post.metadata["title"] == YAML_BREAKER
    assert post.metadata["description"].rstrip("\n") == DESCRIPTION
    assert list(post.metadata) == [spec.key for spec in CONFIG.front_matter]
    assert post.metadata["draft"] is False


def test_html_and_shortcodes_typed_in_notion_stay_text_in_the_built_page(synced):
    _, _, _, public = synced
    page = (public / "posts" / "yaml-breaker" / "index.html").read_text()
    article = page.split("<article>", 1)[-1]
    assert "<script>alert(1)</script>" not in article
    assert "<img src=x" not in article and "<img src=\"x\"" not in article
    assert "youtube.com" not in article and "<iframe" not in article
    assert HOSTILE_BODY in html.unescape(re.sub(r"<[^>]+>", "", article))


def test_the_title_is_text_in_the_page(synced):
    _, _, _, public = synced
    page = (public / "posts" / "yaml-breaker" / "index.html").read_text()
    heading = re.search(r"<h1 class=\"post-title\">(.*?)</h1>", page, re.S).group(1)
    assert html.unescape(heading) == YAML_BREAKER


def test_slugs_derived_from_titles_fold_accents_and_fall_back_to_the_page_id():
    from pipeline.frontmatter import slug_of

    cafe = storekit.entry("Café Crème: ÜBER alles!", "", 11)
    chinese = storekit.entry("学习笔记", "", 12)
    assert slug_of(cafe, CONFIG) == "cafe-creme-uber-alles"
    assert slug_of(chinese, CONFIG) == chinese["id"].replace("-", "")
    assert slug_of(storekit.entry("Ignored", "Typed Slug!", 13), CONFIG) == "Typed Slug!"  # validated, not rewritten
