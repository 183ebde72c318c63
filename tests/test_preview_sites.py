"""`notion-hugo preview` of a whole site (#15 with #18's [[sources]]): every data source is
followed, each into its own section, and links across them resolve. What is asserted is what
a writer sees: the HTML Hugo's own server serves (over HTTP, after its LiveReload says it
rebuilt), the terminal's lines, the requests Notion gets, the files left on disk.

The poll loop's clock is a fake (no test sleeps), except where the command itself runs."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from notion_emulator import NotionEmulator
from pipeline import preview
from pipeline.cli import main
from pipeline.config import DEFAULT_CONFIG, Config, load_config
from pipeline.site_sync import sync_site
from pipeline.source import SourceOptions
from tests import sitestore, storekit, test_site as site_test
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN
from tests.hugosite import make_site
from tests.sitestore import page_id
from tests import test_preview
from tests.test_preview import FakeClock, api, edit, fetch, first_line, says, served, tree

NOTES = "0f0f0f0f-0000-4000-8000-0000000000d5"  # the second data source: notes
NOTES_DATABASE = "0f0f0f0f-0000-4000-8000-0000000000db"
ALPHA, BETA = storekit.entry("Alpha", "alpha", 1), storekit.entry("Beta", "beta", 2)
GAMMA = storekit.entry("Gamma", "gamma", 3)  # a note


def two_sources() -> dict[str, Any]:
    """The seed's Posts (alpha, beta) and a Notes data source of its own database (gamma, which
    mentions alpha: a link across sources)."""
    store = storekit.store([(ALPHA, [storekit.paragraph(ALPHA["id"], storekit.text("Alpha as first written."))]),
                            (BETA, [storekit.paragraph(BETA["id"], storekit.text("Beta as first written."))])])
    posts = store["data_sources"][SEED_DATA_SOURCE]
    notes = copy.deepcopy(posts) | {"id": NOTES, "parent": {"type": "database_id", "database_id": NOTES_DATABASE}}
    notes["title"] = [storekit.text("Notes")]
    store["data_sources"][NOTES] = notes
    database = copy.deepcopy(store["databases"][posts["parent"]["database_id"]])
    store["databases"][NOTES_DATABASE] = database | {"id": NOTES_DATABASE, "data_sources": [{"id": NOTES, "name": "Notes"}]}
    gamma = copy.deepcopy(GAMMA) | {"parent": {"type": "data_source_id", "data_source_id": NOTES, "database_id": NOTES_DATABASE}}
    block = storekit.paragraph(gamma["id"], storekit.text("Gamma reads "), sitestore.mention(ALPHA["id"], "Alpha"),
                               storekit.text("."))
    store["pages"][gamma["id"]] = gamma
    store["blocks"][block["id"]] = block
    store["children"][gamma["id"]] = [block["id"]]
    store["entries"][NOTES] = [gamma["id"]]
    return store


def site_with_two_sources(site: Path, emulator: NotionEmulator) -> tuple[Path, Config]:
    """A blog whose pipeline.toml has a data source a section (posts, notes), synced once for
    real (bundles and manifests in content/), with a note written by hand beside them."""
    make_site(site, posts={"hand-written": "---\ntitle: Hand written\ndate: 2024-01-01\n---\nWritten by hand.\n"})
    (site / "content" / "notes" / "by-hand").mkdir(parents=True)
    (site / "content" / "notes" / "by-hand" / "index.md").write_text(
        "---\ntitle: A note by hand\ndate: 2024-01-01\n---\nNoted by hand.\n", encoding="utf-8")
    (site / "pipeline.toml").write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + f"""
[[sources]]
data_source = "{SEED_DATA_SOURCE}"
section = "posts"

[[sources]]
data_source = "{NOTES}"
section = "notes"
""", encoding="utf-8")
    config = load_config(site / "pipeline.toml")
    report = sync_site(config, token=TOKEN, options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.combined().change.written == ["posts/alpha", "posts/beta", "notes/gamma"]
    return site, config


def new_entry(client: Any, data_source: str, title: str, slug: str, text: str) -> tuple[str, str]:
    """An entry made through the API in one data source: (page id, its paragraph's block id)."""
    # Shape: developers.notion.com/reference/post-page (parent data_source_id, properties, children).
    page = client.pages.create(
        parent={"data_source_id": data_source},
        properties={"Title": {"title": [{"text": {"content": title}}]}, "Slug": {"rich_text": [{"text": {"content": slug}}]},
                    "Status": {"status": {"name": "Published"}}, "Date": {"date": {"start": "2026-11-30"}},
                    "Type": {"select": {"name": "posts"}}},
        children=[{"paragraph": {"rich_text": [{"text": {"content": text}}]}}],
    )
    return page["id"], client.blocks.children.list(page["id"])["results"][0]["id"]


class Running(test_preview.Running):
    """A whole site's preview, with the site's files as they were before it started."""

    def __init__(self, emulator: NotionEmulator, site: Path, serving: preview.Preview, clock: FakeClock) -> None:
        super().__init__(emulator, site, serving, clock)
        self.before = tree(site)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preview-sites")
    with NotionEmulator(two_sources(), token=TOKEN) as emulator:
        site, config = site_with_two_sources(tmp / "blog", emulator)
        with preview.serving(preview.Settings(site, port=0, poll=1.0), config, None, token=TOKEN,
                             options=SourceOptions(base_url=emulator.base_url, rate=0), on_hugo=print,
                             clock=(clock := FakeClock())) as serving:
            state = Running(emulator, site, serving, clock)
            assert sorted(serving.first.written) == ["notes/gamma", "posts/alpha", "posts/beta"]  # before Hugo started
            assert "Gamma reads" in fetch(serving.address, "/notes/gamma/").text
            yield state


def test_each_data_source_shows_in_its_section_beside_the_sites_own_pages(running):
    assert "Alpha as first written." in fetch(running.address, "/posts/alpha/").text
    assert "Written by hand." in fetch(running.address, "/posts/hand-written/").text
    assert "Noted by hand." in fetch(running.address, "/notes/by-hand/").text
    listing = fetch(running.address, "/notes/").text
    assert "Gamma" in listing and "A note by hand" in listing and "Alpha" not in listing


def test_a_link_to_another_sources_post_resolves(running):
    gamma = fetch(running.address, "/notes/gamma/").text
    assert 'href="/posts/alpha/"' in gamma and ">Alpha</a>" in gamma


def test_an_edit_in_each_source_shows_in_its_section_and_the_site_is_untouched(running):
    for entry, path, words in ((ALPHA, "/posts/alpha/", "Alpha, edited in the posts."),
                               (GAMMA, "/notes/gamma/", "Gamma, edited in the notes.")):
        block = running.client.blocks.children.list(entry["id"])["results"][0]["id"]
        edit(running.client, block, words)
        running.shows(path, says(words))
        assert running.last.written == [path.strip("/")]
    assert "Beta as first written." in fetch(running.address, "/posts/beta/").text
    assert tree(running.site) == running.before  # content/ and its manifests: as the real sync left them


def test_a_new_entry_appears_and_a_trashed_one_disappears_in_its_own_section(running):
    page_id, _ = new_entry(running.client, NOTES, "Delta", "delta", "Delta, a new note.")
    running.shows("/notes/delta/", says("Delta, a new note."))
    assert running.last.written == ["notes/delta"]
    assert "Delta" in fetch(running.address, "/notes/").text and "Delta" not in fetch(running.address, "/posts/").text
    running.client.pages.update(BETA["id"], in_trash=True)
    # The notice is written after the sync removed the post: once Hugo serves it, it has the removal too.
    page = running.shows("/posts/beta/", says("No longer published")).text  # else Hugo serves the old page
    assert "Beta as first written." not in page
    assert running.last.removed == ["posts/beta"]
    assert "Beta" not in fetch(running.address, "/posts/").text
    assert "Delta, a new note." in fetch(running.address, "/notes/delta/").text
    assert tree(running.site) == running.before


def test_idle_polls_make_one_query_a_data_source(tmp_path):
    """While nothing changes, a poll is one request a data source; an edit in one source syncs
    from the poll's own answers (no query again) reading its page alone, and idles again."""
    clock = FakeClock()
    with NotionEmulator(two_sources(), token=TOKEN) as emulator, preview.workspace("") as space:
        emulator.clock = lambda: datetime.now(timezone.utc) - timedelta(minutes=30)  # every edit settled
        site, config = site_with_two_sources(tmp_path / "blog", emulator)
        before = tree(site)
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        sources, _ = preview.site_preview(preview.preview_config(config, True), space, True, TOKEN, options)
        follower = preview.SiteFollower(preview.preview_config(config, True), sources, TOKEN, options, space, clock, 1.0)
        try:
            assert sorted(follower.poll_once().written) == ["notes/gamma", "posts/alpha", "posts/beta"]
            emulator.reset_log()
            for _ in range(10):
                assert follower.poll_once().synced is False
                clock.now += 1
            queries = [("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query"), ("POST", f"/v1/data_sources/{NOTES}/query")]
            assert [(r.method, r.path) for r in emulator.requests] == queries * 10

            edit(api(emulator), emulator.store["children"][GAMMA["id"]][0], "Gamma, edited and settled.")
            emulator.reset_log()
            assert follower.poll_once().written == ["notes/gamma"] and follower.pending == set()
            requests = [(r.method, r.path) for r in emulator.requests]
            assert requests[:2] == queries and requests.count(queries[0]) == requests.count(queries[1]) == 1
            # The unchanged posts are not read again (the schema is: Draft, exported here, shows on no entry).
            assert [r for r in requests if r[1].startswith(("/v1/blocks/", "/v1/pages/"))] == \
                [("GET", f"/v1/blocks/{GAMMA['id']}/children")]
            emulator.reset_log()
            for _ in range(5):
                assert follower.poll_once().synced is False
                clock.now += 10
            assert len(emulator.requests) == 2 * 5
        finally:
            follower.close()
        assert tree(site) == before


def test_the_command_follows_every_source_and_leaves_nothing_behind(tmp_path):
    temp, runtime = tmp_path / "tmp", tmp_path / "run"
    temp.mkdir()
    runtime.mkdir()
    with NotionEmulator(two_sources(), token=TOKEN) as emulator:
        site, _ = site_with_two_sources(tmp_path / "blog", emulator)
        before = tree(site)
        env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url, "TMPDIR": str(temp),
               "XDG_RUNTIME_DIR": str(runtime), "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "pipeline", "preview", "--site", str(site), "--port", "0", "--poll", "0.5"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            address = first_line(process.stdout, 60).strip()
            served(address, "/notes/gamma/", says("Gamma reads"))
            block = emulator.store["children"][GAMMA["id"]][0]
            served(address, "/notes/gamma/", says("Gamma, edited while previewing."),
                   lambda: edit(api(emulator), block, "Gamma, edited while previewing."))
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl+C
            out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "updated notes/gamma" in out
    assert "note:" not in err and "preview stopped" in err  # no page tree, no single page: nothing left out
    assert tree(site) == before
    assert list(temp.iterdir()) == [] and list(runtime.iterdir()) == []


def test_on_a_multilingual_site_page_trees_show_as_last_synced_and_links_resolve_both_ways(tmp_path):
    """#18's workspace (posts in two languages, docs as page trees): the posts follow Notion in
    both languages; the docs are the site's own, as the last sync wrote them; links go both ways."""
    site = site_test.make_site(tmp_path / "site")
    store = sitestore.workspace()
    site_test.run(store, site)
    before = tree(site)
    with NotionEmulator(store, token=TOKEN) as emulator:
        with preview.serving(preview.Settings(site, port=0, poll=1.0), load_config(site / "pipeline.toml"), None,
                             token=TOKEN, options=SourceOptions(base_url=emulator.base_url, rate=0), on_hugo=print,
                             clock=FakeClock()) as serving:
            follower = serving.follower
            assert "Read" in fetch(serving.address, "/posts/hello/").text
            assert [one.section for one in follower.followed] == ["posts"]
            hello = page_id("hello")
            block = api(emulator).blocks.children.list(hello)["results"][0]["id"]
            # Shape: developers.notion.com/reference/update-a-block (a page mention in rich text)
            api(emulator).blocks.update(block, paragraph={"rich_text": [
                {"text": {"content": "Now read "}},
                {"type": "mention", "mention": {"type": "page", "page": {"id": page_id("install")}}}]})
            page = served(serving.address, "/posts/hello/", says("Now read"), follower.poll_once).text
            assert site_test.anchors(page)["Install"] == "/docs/getting-started/install/"
            assert "你好" in fetch(serving.address, "/zh/posts/hello/").text
            docs = fetch(serving.address, "/docs/getting-started/install/").text  # the site's own, as synced
            assert site_test.anchors(docs)["Hello, world"] == "/posts/hello/"
    assert tree(site) == before


def test_the_command_says_that_page_trees_show_as_last_synced(tmp_path, monkeypatch):
    site = site_test.make_site(tmp_path / "site")
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    result = CliRunner().invoke(main, ["preview", "--site", str(tmp_path / "missing"), "--config", str(site / "pipeline.toml")])
    assert result.exit_code == 2
    assert "note: preview follows the data sources of pipeline.toml; its page trees and single pages show as last " \
           "synced." in result.output
    assert "is not a folder" in result.output


def test_a_data_source_out_of_reach_leaves_the_others_followed(tmp_path):
    """Its query fails (no longer shared: 404): the poll says so, the other source's edit shows,
    its own posts stay as they were; once shared again it is followed again."""
    clock = FakeClock()
    with NotionEmulator(two_sources(), token=TOKEN) as emulator, preview.workspace("") as space:
        emulator.clock = lambda: datetime.now(timezone.utc) - timedelta(minutes=30)
        site, config = site_with_two_sources(tmp_path / "blog", emulator)
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        sources, _ = preview.site_preview(preview.preview_config(config, True), space, True, TOKEN, options)
        follower = preview.SiteFollower(preview.preview_config(config, True), sources, TOKEN, options, space, clock, 1.0)
        try:
            follower.poll_once()
            gamma = (space.synced_for("notes") / "gamma" / "index.md").read_bytes()
            notes = emulator.store["data_sources"].pop(NOTES), emulator.store["databases"].pop(NOTES_DATABASE)
            edit(api(emulator), emulator.store["children"][ALPHA["id"]][0], "Alpha while the notes are away.")
            step = follower.poll_once()
            assert step.written == ["posts/alpha"] and step.removed == []
            assert step.error.startswith("notes: ") and NOTES in step.error
            assert "Alpha while the notes are away." in (space.synced_for("posts") / "alpha" / "index.md").read_text()
            assert (space.synced_for("notes") / "gamma" / "index.md").read_bytes() == gamma
            assert follower.poll_once().error.startswith("notes: ")  # said at every poll while it lasts
            emulator.store["data_sources"][NOTES], emulator.store["databases"][NOTES_DATABASE] = notes
            step = follower.poll_once()
            assert step.error == "" and step.written == [] and step.removed == []
        finally:
            follower.close()
