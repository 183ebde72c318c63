"""[[sources]], [site] and [languages] in pipeline.toml: what is checked before anything is read,
how an existing config keeps its posts byte for byte when a source is added (by hand or by
`init --section`), permalinks on a multilingual site, and the emulator's sub-pages."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from html.parser import HTMLParser

import notion_client
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from notion_emulator import NotionEmulator, load_store
from pipeline import bundle
from pipeline import cli as cli_module
from pipeline.cli import main
from pipeline.config import load_config, parse_config
from pipeline.errors import ConfigError
from pipeline.links import RenderContext, table_key
from pipeline.model import Block
from pipeline.render import Renderer
from pipeline.site_sync import site_sources, sync_site
from pipeline.source import SourceOptions
from pipeline.sync import permalink
from tests import sitestore
from tests.conftest import ROOT, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.hugosite import build, demo_site
from tests.sitestore import page_id

MAPPING = {"front_matter": [{"key": "title", "property": "Title"}]}
MAPPING_TOML = ["[[front_matter]]", 'key = "title"', 'property = "Title"']


def parsed(**tables) -> object:
    return parse_config({**MAPPING, **tables})


@pytest.mark.parametrize(("tables", "message"), [
    ({"sources": [{"section": "docs"}]},
     "sources[0]: give each source one of `data_source` (a data source or database) or `page` (the root of a page tree)"),
    ({"sources": [{"section": "docs", "page": "a", "data_source": "b"}]}, "sources[0]: give each source one of"),
    ({"sources": [{"section": "../docs", "page": "a"}]}, "sources[0].section: '../docs' does not match"),
    ({"sources": [{"section": "docs", "page": "a", "language": "zh"}]},
     "sources[0].language: 'zh' is not a code of the [languages] table, which this file lacks"),
    ({"languages": {"codes": ["en"]}, "sources": [{"section": "docs", "page": "a", "language": "zh"}]},
     "sources[0].language: 'zh' is not one of languages.codes (en)"),
    ({"languages": {"codes": ["en", "zh"], "default": "fr"}}, "languages.default: 'fr' is not one of languages.codes (en, zh)"),
    ({"languages": {"codes": ["EN"]}}, "languages.codes[0]: 'EN' does not match"),
])
def test_a_malformed_source_or_language_table_is_a_config_error(tables, message):
    with pytest.raises(ConfigError) as error:
        parsed(**tables)
    assert message in str(error.value)


PAGE = "5b549ca3-31a4-5bfc-afa6-0a6274cafdd4"


@pytest.mark.parametrize(("tables", "message"), [
    ({"sources": [{"section": "docs", "page": PAGE}, {"section": "docs", "data_source": SEED_DATA_SOURCE}]},
     "two sources write section 'docs': give one another section, or each a `language` of its own."),
    ({"sources": [{"section": "docs", "page": PAGE}, {"section": "docs/api", "page": PAGE}]},
     "section 'docs/api' is inside section 'docs', whose pages would mix with it"),
    ({"notion": {"data_source": SEED_DATA_SOURCE}, "output": {"dir": "blog/posts"}, "site": {"content": "content"},
      "sources": [{"section": "docs", "page": PAGE}]}, "is not inside the site's content folder"),
])
def test_sources_that_would_mix_are_refused_before_anything_is_read(tables, message):
    with pytest.raises(ConfigError) as error:
        site_sources(parsed(**tables))
    assert message in str(error.value)


def test_each_source_takes_its_own_mapping_and_the_sites_otherwise():
    config = parsed(languages={"codes": ["en", "zh"], "property": "Language"}, publish={"published": ["Live"]}, sources=[
        {"section": "posts", "data_source": SEED_DATA_SOURCE},
        {"section": "notes", "data_source": SEED_DATA_SOURCE, "language": "zh",
         "publish": {"status_property": "State"}, "front_matter": [{"key": "title", "fallback": "title"}]},
        {"section": "docs", "page": PAGE}])
    posts, notes, docs = (source.config for source in config.sources)
    assert posts.published == ("Live",) and posts.language_property == "Language"
    assert "Language" in posts.mapped_properties  # asked of the data source, and checked to exist
    assert notes.status_property == "State" and notes.published == ("Published",) and notes.language_property == ""
    assert [spec.fallback for spec in notes.front_matter] == ["title"]
    assert docs.language_property == "" and docs.front_matter == posts.front_matter


def test_permalinks_of_a_multilingual_site():
    assert permalink("hello", "posts", "relref") == '{{< relref "/posts/hello" >}}'  # as before
    assert permalink("", "docs", "relref", "zh") == '{{< relref path="/docs" lang="zh" >}}'
    assert permalink("a/b", "docs", "permalink", "zh", "/zh") == "/zh/docs/a/b/"
    assert permalink("hello", "posts", "permalink", "en") == "/posts/hello/"


def unpaced(options: SourceOptions) -> SourceOptions:
    return replace(options, rate=0)


def test_adding_a_source_leaves_the_posts_and_their_manifest_byte_for_byte(tmp_path, monkeypatch):
    """An existing blog (the seed's posts, [notion] and [output] as `init` writes them) adds its
    docs: the posts folder does not change by a byte, the docs go beside it."""
    site = demo_site(tmp_path / "site")
    (site / "pipeline.toml").write_text(
        sitestore.DEFAULT_CONFIG.read_text(encoding="utf-8").replace('data_source = ""', f'data_source = "{SEED_DATA_SOURCE}"')
        + '\n[output]\ndir = "content/posts"\n', encoding="utf-8")
    store = sitestore.add_tree(load_store(SEED_STORE), sitestore.DOCS_EN)
    path = tmp_path / "store.json"
    path.write_text(json.dumps(store), encoding="utf-8")
    monkeypatch.chdir(site)
    monkeypatch.setattr(cli_module, "source_options_for", lambda c, url, paced=cli_module.source_options_for:
                        unpaced(paced(c, url)))
    first = CliRunner().invoke(main, ["sync", "--store", str(path)])
    assert first.exit_code == 0, first.output
    posts = site / "content" / "posts"
    before = {p.relative_to(posts): p.read_bytes() for p in posts.rglob("*") if p.is_file()}
    added = CliRunner().invoke(main, ["init", page_id("docs"), "--section", "docs", "--store", str(path)])
    assert added.exit_code == 0, added.output
    assert added.output == f"added the page tree {page_id('docs')} to pipeline.toml as section 'docs': check it, then " \
                           "run `notion-hugo sync --dry-run`.\n"
    second = CliRunner().invoke(main, ["sync", "--store", str(path)])
    assert second.exit_code == 1, second.output  # Secret, which the integration cannot read
    assert {p.relative_to(posts): p.read_bytes() for p in posts.rglob("*") if p.is_file()} == before
    docs = site / "content" / "docs"
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()) == [
        ".notion-hugo.json", "_index.md", "getting-started/_index.md", "getting-started/install/_index.md",
        "getting-started/install/on-linux/index.md", "reference/index.md"]
    # Without languages, a plain page tree: no language in a file name, Hugo's own structure.
    assert "| [Kubernetes Resources and Learning Path Summary]({{< relref \"/posts/kubernetes-resources-and-learning-path\" >}}) |" \
        in (docs / "reference" / "index.md").read_text()
    build(site, tmp_path)


def test_init_adds_a_data_source_with_its_own_mapping_only_when_the_sites_does_not_fit(tmp_path, monkeypatch):
    store = load_store(SEED_STORE)
    other = json.loads(json.dumps(store["data_sources"][SEED_DATA_SOURCE]))
    other["id"] = "0f0f0f0f-0000-4000-8000-000000000001"
    other["properties"]["Name"] = other["properties"].pop("Title")
    store["data_sources"][other["id"]] = other
    path = tmp_path / "store.json"
    path.write_text(json.dumps(store), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init", SEED_DATA_SOURCE, "--store", str(path)]).exit_code == 0
    original = (tmp_path / "pipeline.toml").read_text()
    same = CliRunner().invoke(main, ["init", SEED_DATA_SOURCE, "--section", "archive", "--store", str(path)])
    assert same.exit_code == 0, same.output
    added = (tmp_path / "pipeline.toml").read_text()
    assert added.startswith(original)
    assert added[len(original):] == (f"\n# The data source 'Posts', added by `notion-hugo init`.\n[[sources]]\n"
                                     f'data_source = "{SEED_DATA_SOURCE}"\nsection = "archive"\n')
    renamed = CliRunner().invoke(main, ["init", other["id"], "--section", "notes", "--store", str(path)])
    assert renamed.exit_code == 0, renamed.output
    table = tomllib.loads((tmp_path / "pipeline.toml").read_text())["sources"][1]
    assert table["section"] == "notes" and table["publish"]["status_property"] == "Status"
    assert {"key": "title", "property": "Name", "style": "single-quoted", "fallback": "title"} in table["front_matter"]
    assert "# Its own mapping: the site's names 'Title', which it lacks." in (tmp_path / "pipeline.toml").read_text()


def test_init_section_refuses_what_a_sync_would_refuse_and_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "store.json"
    path.write_text(json.dumps(sitestore.add_tree(load_store(SEED_STORE), sitestore.DOCS_EN)), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    missing = CliRunner().invoke(main, ["init", page_id("docs"), "--section", "docs", "--store", str(path)])
    assert missing.exit_code == 2 and "pipeline.toml: no such file to add a source to" in missing.output
    assert CliRunner().invoke(main, ["init", SEED_DATA_SOURCE, "--store", str(path)]).exit_code == 0
    before = (tmp_path / "pipeline.toml").read_bytes()
    for args, message in (
        (["--section", "docs", "--language", "zh"], "'zh' is not a code of the [languages] table, which this file lacks"),
        (["--language", "zh"], "--language is the language of a source that --section adds: give --section too."),
        (["--section", "../up"], "does not match"),
    ):
        result = CliRunner().invoke(main, ["init", page_id("docs"), *args, "--store", str(path)])
        assert result.exit_code == 2 and message in result.output, result.output
        assert (tmp_path / "pipeline.toml").read_bytes() == before
    unknown = CliRunner().invoke(main, ["init", "12345678123456781234567812345678", "--section", "x", "--store", str(path)])
    assert unknown.exit_code == 3
    assert "Notion finds no data source, database or page 12345678-1234-5678-1234-567812345678" in unknown.output


def test_another_sync_holding_one_section_stops_that_section_only(tmp_path):
    site = demo_site(tmp_path / "site")
    (site / "pipeline.toml").write_text(sitestore.config_text().replace("lock_wait = 60", "lock_wait = 0"), encoding="utf-8")
    store = sitestore.workspace()
    with NotionEmulator(store, token=TOKEN) as emulator, bundle.locked(site / "content" / "docs", 0):
        report = sync_site(load_config(site / "pipeline.toml"), token=TOKEN,
                           options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.exit_code == 2
    assert sorted(run.source.name for run in report.failed) == ["docs (en)", "docs (zh)"]
    assert "another notion-hugo sync is writing" in str(report.failed[0].error)
    assert (site / "content" / "posts" / "hello" / "index.zh.md").is_file()
    assert not any(p.is_file() for p in (site / "content" / "docs").rglob("*"))


def test_the_emulator_lists_sub_pages_as_child_page_blocks(tmp_path):
    with NotionEmulator(sitestore.workspace(), token=TOKEN) as emulator:
        client = notion_client.Client(auth=TOKEN, base_url=emulator.base_url)
        listed = client.blocks.children.list(page_id("reference"))["results"]
        sub = client.blocks.children.list(page_id("docs"))["results"]
        with pytest.raises(notion_client.APIResponseError) as missing:
            client.pages.retrieve(sitestore.SECRET)
        install = client.pages.retrieve(page_id("install"))
    assert [(b["type"], b["id"]) for b in sub][1:] == [("child_page", page_id("getting-started")),
                                                       ("child_page", page_id("reference"))]
    assert sub[1]["child_page"] == {"title": "Getting Started"} and sub[1]["has_children"] is True
    assert sub[1]["parent"] == {"type": "page_id", "page_id": page_id("docs")}
    assert [b["type"] for b in listed] == ["paragraph", "child_database", "child_page"]
    assert missing.value.code == "object_not_found"
    assert install["parent"] == {"type": "page_id", "page_id": page_id("getting-started")}


def test_the_readmes_example_is_a_config_of_four_sources():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("## The whole site", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    ids = iter(["f49e1ed9ebb14a6897b60fcc507da055", "5b549ca331a45bfcafa60a6274cafdd4", "6b549ca331a45bfcafa60a6274cafdd4",
                "7b549ca331a45bfcafa60a6274cafdd4"])
    text = re.sub(r"https://www\.notion\.so/[^\"]*…", lambda _: next(ids), example)
    config = parse_config(tomllib.loads(text + "\n".join(MAPPING_TOML)))
    sources = site_sources(replace(config, root="/site", output_dir="/site/content/posts", content_dir="/site/content"))
    assert [(s.name, s.language, s.manifest) for s in sources] == [
        ("posts", "", ".notion-hugo.json"), ("docs (en)", "en", ".notion-hugo.en.json"),
        ("docs (zh)", "zh", ".notion-hugo.zh.json"), ("notes", "", ".notion-hugo.json")]
    assert sources[0].config.language_property == "Language" and sources[2].config.language_property == ""
    assert sources[3].config.published == ("Live",) and sources[3].config.language_property == "Language"


TITLE_CHARACTERS = list("abcXYZ0129 ") + list("*_[]()<>|\\`~#!&{}%$:-+=.^\"'@/;,?") + ["é", "中", "👀", "\u00a0"]


class _Cells(HTMLParser):
    """The text and the links of each body cell of the first table of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[list[str]] = []  # [text, href or ""]
        self.inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self.inside, self.cells = True, self.cells + [["", ""]]
        elif tag == "a" and self.inside:
            self.cells[-1][1] = dict(attrs).get("href", "")

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "td"

    def handle_data(self, data):
        if self.inside:
            self.cells[-1][0] += data


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from(TITLE_CHARACTERS), min_size=1, max_size=20).filter(str.strip),
                          st.booleans()), min_size=1, max_size=6))
def test_an_inline_table_shows_each_title_as_typed_and_links_only_the_exported(rows):
    """Whatever a title holds (not blank: an exported entry's title is not, post.schema.json), the
    table has one row an entry, its cell the title's text, a link only where the entry is
    exported; nothing of a title becomes markup or a shortcode."""
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(len(rows))]
    ctx = RenderContext(post_links={pid: f"/posts/p{n}/" for n, (pid, (_, out)) in enumerate(zip(ids, rows)) if out},
                        titles={pid: title for pid, (title, _) in zip(ids, rows)}, tables={"db": tuple(ids)})
    block = Block({"id": "db", "type": "child_database", "child_database": {"title": "Posts | {{< x >}}"}})
    markdown = Renderer().render_page([block], ctx)
    assert "{{<" not in markdown and "{{%" not in markdown
    parser = _Cells()
    parser.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    assert len(parser.cells) == len(rows), markdown
    for (text, href), (n, (title, exported)) in zip(parser.cells, enumerate(rows)):
        assert " ".join(text.split()) == " ".join(title.split())  # the parser has unescaped it
        assert href == (f"/posts/p{n}/" if exported else "")
    assert {pid for pid, (_, out) in zip(ids, rows) if not out} <= ctx.linked_pages
    assert table_key("db") in ctx.linked_pages


def test_a_sibling_manifest_shares_its_bundles_files_never_its_pages(tmp_path):
    """Two sources in one section (one language each): an image of a bundle both translate is
    written by either and removed by neither while the other lists it; a page is its own source's."""
    folder = tmp_path / "docs"
    english_page, chinese_page = "00000000-0000-4000-8000-00000000000e", "00000000-0000-4000-8000-00000000000c"
    (folder / "intro").mkdir(parents=True)
    for name in ("_index.en.md", "a.png"):
        (folder / "intro" / name).write_bytes(b"x")
    english = bundle.Manifest(pages={english_page: {"slug": "intro", "files": ["intro/_index.en.md", "intro/a.png"],
                                           "place": {"index": "_index.en.md"}}}, name=bundle.manifest_name("en"))
    english.save(folder)
    chinese = bundle.Manifest.load(folder, bundle.manifest_name("zh"))
    assert chinese.shared == {"intro/a.png"} and chinese.files == frozenset()
    assert bundle.refusal(folder, "intro/a.png", chinese.owned) is None
    assert "notion-hugo did not write it" in bundle.refusal(folder, "intro/_index.en.md", chinese.owned)
    change, _ = bundle.plan(folder, [], bundle.Manifest(pages={chinese_page: {"slug": "intro", "files": ["intro/a.png"]}},
                                                        name=bundle.manifest_name("zh"), shared=chinese.shared),
                            drop={chinese_page}, fingerprint="")
    assert change.removed == []  # the English bundle still shows it
