"""Live on a whole site (#15 with #18's [[sources]]): `sync --entry` syncs each named page in the
source that holds it and touches no other source; `webhook` counts the events of every source.
Workspace and config: tests/sitestore.py; every request goes to the emulator over real HTTP."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest
from notion_client import Client

from notion_emulator import NotionEmulator
from pipeline.cli import watched_pages
from pipeline.config import load_config
from pipeline.webhook import GitHub, Retry, Settings, Watched, WatchedTree, build_app, signature
from tests import sitestore
from tests.github_standin import GitHubStandIn
from tests.test_webhook import GITHUB_TOKEN, HOOK_TOKEN, REPO, delivered, running
from tests.webhookkit import FakeClock, paragraph
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.sitestore import page_id
from tests.hugosite import build
from tests.test_site import cli, edited, make_site, run, snapshot

HELLO, INSTALL = page_id("hello"), page_id("install")


def stamps(content: Path) -> dict[str, int]:
    return {p.relative_to(content).as_posix(): p.stat().st_mtime_ns for p in content.rglob("*") if p.is_file()}


def synced_site(tmp_path: Path) -> tuple[Path, dict]:
    site = make_site(tmp_path / "site")
    store = sitestore.workspace()
    run(store, site)
    return site, store


def test_a_named_entry_is_synced_in_its_data_source_alone(tmp_path):
    """An edit within the minute (last_edited_time unchanged): the entry is read and written,
    with its links to the docs from their manifest; no query, no page of a tree, no other file."""
    site, store = synced_site(tmp_path)
    content = site / "content"
    before, times = snapshot(content), stamps(content)
    changed = copy.deepcopy(store)
    first = changed["blocks"][changed["children"][HELLO][0]]
    first["paragraph"]["rich_text"] = [sitestore.text("Read "), sitestore.mention(INSTALL, "Install"),
                                       sitestore.text(" now.")]
    report, requests = run(changed, site, entries=(HELLO,))
    combined = report.combined()
    assert combined.change.written == ["posts/hello/index.en.md"] and combined.change.removed == []
    assert [r.source.section for r in report.runs] == ["posts"] and report.exit_code == 0
    assert [r for r in requests if r[1].startswith("/v1/")] == [("GET", f"/v1/pages/{HELLO}"),
                                                                ("GET", f"/v1/blocks/{HELLO}/children")]
    after = snapshot(content)
    assert {name for name in after if after[name] != before[name]} == {"posts/hello/index.en.md", "posts/.notion-hugo.json"}
    assert {name: t for name, t in stamps(content).items() if not name.startswith("posts/")} == \
        {name: t for name, t in times.items() if not name.startswith("posts/")}  # the docs not even rewritten
    hello = after["posts/hello/index.en.md"].decode()
    assert 'Read [Install]({{< relref path="/docs/getting-started/install" lang="en" >}}) now.' in hello
    # What one entry's run writes is what a full run writes.
    full = make_site(tmp_path / "full")
    run(changed, full)
    assert snapshot(full / "content")["posts/hello/index.en.md"] == after["posts/hello/index.en.md"]


def as_a_full_run_writes(tmp_path: Path, store: dict, site: Path) -> None:
    """The site's files are byte for byte those a full run over `store` writes from scratch."""
    full = make_site(tmp_path / "full")
    run(store, full)
    assert snapshot(site / "content") == snapshot(full / "content")


@pytest.mark.parametrize(("name", "written"), [
    ("install", "docs/getting-started/install/_index.en.md"),  # a branch, between the root and a leaf
    ("on-linux", "docs/getting-started/install/on-linux/index.en.md"),  # a leaf
    ("docs", "docs/_index.en.md"),  # the root
])
def test_a_named_tree_page_in_its_place_is_read_alone(tmp_path, name, written):
    """Its parent, title and sub-pages as its manifest recorded them: the page and its blocks
    are read, no other page of its tree, and the files are those a full run writes."""
    site, store = synced_site(tmp_path)
    content = site / "content"
    before, times = snapshot(content), stamps(content)
    changed = copy.deepcopy(store)
    changed["pages"][page_id(name)]["last_edited_time"] = sitestore.EDITED
    changed["blocks"][changed["children"][page_id(name)][0]] = copy.deepcopy(
        edited(store, "install", sitestore.text("Edited alone."))["blocks"][store["children"][INSTALL][0]])
    changed["blocks"][changed["children"][page_id(name)][0]]["id"] = changed["children"][page_id(name)][0]
    report, requests = run(changed, site, entries=(page_id(name),))
    assert report.combined().change.written == [written] and report.exit_code == 0
    assert [r.source.name for r in report.runs] == ["docs (en)"]
    assert requests == [("GET", f"/v1/pages/{page_id(name)}"), ("GET", f"/v1/blocks/{page_id(name)}/children")]
    after = snapshot(content)
    assert {n for n in after if after[n] != before[n]} == {written, "docs/.notion-hugo.en.json"}
    assert "Edited alone." in after[written].decode()
    assert {n: t for n, t in stamps(content).items() if n not in (written, "docs/.notion-hugo.en.json")} == \
        {n: t for n, t in times.items() if n not in (written, "docs/.notion-hugo.en.json")}
    as_a_full_run_writes(tmp_path, changed, site)


def walked(requests: list[tuple[str, str]]) -> list[str]:
    """The pages of the English docs tree a run retrieved, each once."""
    english = {page_id(n) for n, _, _ in sitestore.DOCS_EN}
    return sorted(path.removeprefix("/v1/pages/") for _, path in requests
                  if path.startswith("/v1/pages/") and path.removeprefix("/v1/pages/") in english)


def renamed(store: dict) -> dict:
    """Install retitled: its folder, and its sub-page's, move."""
    store = edited(store, "install", sitestore.text("Install it."))
    title = store["pages"][INSTALL]["properties"]["title"]["title"][0]
    title["plain_text"] = title["text"]["content"] = "Setup"
    return store


def moved(store: dict) -> dict:
    """On Linux moved from Install to Reference: both parents are edited, and so is the page."""
    store = copy.deepcopy(store)
    linux = page_id("on-linux")
    store["children"][INSTALL].remove(linux)
    store["children"][page_id("reference")].append(linux)
    store["pages"][linux]["parent"] = {"type": "page_id", "page_id": page_id("reference")}
    for name in ("on-linux", "install", "reference"):
        store["pages"][page_id(name)]["last_edited_time"] = sitestore.EDITED
    return store


def grown(store: dict) -> dict:
    """Install gains a sub-page: it is edited, and lists one more."""
    store = sitestore.add_tree(copy.deepcopy(store), [("faq", "FAQ", "install")])
    store["pages"][INSTALL]["last_edited_time"] = sitestore.EDITED
    return store


def trashed_linux(store: dict) -> dict:
    store = copy.deepcopy(store)
    store["pages"][page_id("on-linux")]["in_trash"] = True
    return store


@pytest.mark.parametrize(("change", "name", "written", "removed"), [
    (renamed, "install", ["docs/getting-started/_index.en.md", "docs/getting-started/install/index.zh.md",
                          "docs/getting-started/setup/_index.en.md", "docs/getting-started/setup/on-linux/index.en.md",
                          "posts/hello/index.en.md", "posts/hello/index.zh.md"],  # they mention Install
     ["docs/getting-started/install/_index.en.md", "docs/getting-started/install/_index.zh.md",
      "docs/getting-started/install/on-linux/index.en.md"]),
    (moved, "on-linux", ["docs/getting-started/install/index.en.md", "docs/getting-started/install/index.zh.md",
                         "docs/reference/_index.en.md", "docs/reference/on-linux/index.en.md"],
     ["docs/getting-started/install/_index.en.md", "docs/getting-started/install/_index.zh.md",
      "docs/getting-started/install/on-linux/index.en.md", "docs/reference/index.en.md"]),
    (grown, "install", ["docs/getting-started/install/_index.en.md", "docs/getting-started/install/faq/index.en.md"], []),
    (trashed_linux, "on-linux", ["docs/getting-started/install/index.en.md", "docs/getting-started/install/index.zh.md"],
     ["docs/getting-started/install/_index.en.md", "docs/getting-started/install/_index.zh.md",
      "docs/getting-started/install/on-linux/index.en.md"]),
], ids=["renamed", "moved", "new sub-page", "trashed"])
def test_a_named_tree_page_out_of_its_place_has_its_tree_walked(tmp_path, change, name, written, removed):
    """Whatever moves a folder, a weight or a sub-page is the tree's incremental walk, as before:
    every page of the tree retrieved once (the named one too), its moves written and removed.
    The Chinese tree of the section is walked too: Install there is a branch while the English
    Install is one, and a leaf once it is not. The pages are those a full run writes."""
    site, store = synced_site(tmp_path)
    changed = change(store)
    report, requests = run(changed, site, entries=(page_id(name),))
    assert [r.source.name for r in report.runs] == ["docs (en)", "docs (zh)"] + (["posts"] if change is renamed else [])
    combined = report.combined()
    assert sorted(combined.change.written) == written and sorted(combined.change.removed) == removed
    assert walked(requests) == sorted(page_id(n) for n, _, _ in sitestore.DOCS_EN)
    rebuilt = make_site(tmp_path / "rebuilt")
    run(changed, rebuilt)
    assert pages(site / "content") == pages(rebuilt / "content")


def pages(content: Path) -> dict[str, bytes]:
    """The site's pages and files, without the manifests (which keep, for instance, the removal window)."""
    return {name: data for name, data in snapshot(content).items() if not name.endswith(".json")}


def test_a_new_sub_page_is_held_by_its_tree(tmp_path):
    site, store = synced_site(tmp_path)
    grown = sitestore.add_tree(copy.deepcopy(store), [("faq", "FAQ", "install")])
    grown["pages"][INSTALL]["last_edited_time"] = sitestore.EDITED  # a new sub-page edits its parent
    report, requests = run(grown, site, entries=(page_id("faq"),))
    assert sorted(report.combined().change.written) == ["docs/getting-started/install/_index.en.md",
                                                        "docs/getting-started/install/faq/index.en.md"]
    assert requests[0] == ("GET", f"/v1/pages/{page_id('faq')}")  # unknown to every manifest: asked once
    assert not any(path.endswith("/query") for _, path in requests)


def trashed_post(store: dict) -> dict:
    store = copy.deepcopy(store)
    store["pages"][page_id("english-only")]["in_trash"] = True
    return store


def test_a_trashed_entry_loses_its_post_and_the_links_to_it(tmp_path):
    site, store = synced_site(tmp_path)
    content = site / "content"
    before = snapshot(content)
    report, requests = run(trashed_post(store), site, entries=(page_id("english-only"),))
    assert report.combined().change.removed == ["posts/english-only/index.en.md"]
    assert requests[0] == ("GET", f"/v1/pages/{page_id('english-only')}")
    assert not any(path.startswith(f"/v1/blocks/{page_id('english-only')}") for _, path in requests)
    after = snapshot(content)
    assert set(before) - set(after) == {"posts/english-only/index.en.md"}
    # On Linux links to it and Reference's table lists it: they are written again, alone.
    assert {name for name in after if after[name] != before[name]} == {
        "posts/.notion-hugo.json", "docs/.notion-hugo.en.json", "docs/getting-started/install/on-linux/index.en.md",
        "docs/reference/index.en.md"}
    assert "Only in English" not in after["docs/reference/index.en.md"].decode()
    manifest = json.loads(after["posts/.notion-hugo.json"])
    assert page_id("english-only") not in manifest["pages"] and HELLO in manifest["pages"]


def test_an_id_no_source_holds_is_a_warning_naming_it(tmp_path, monkeypatch):
    site, store = synced_site(tmp_path)
    content = site / "content"
    before, times = snapshot(content), stamps(content)
    stray = sitestore.plain_page("stray", "Stray", None)
    store = copy.deepcopy(store)
    store["pages"][stray["id"]] = stray
    store["children"][stray["id"]] = []
    gone = page_id("never-there")
    result = cli(site, store, tmp_path, "--entry", stray["id"], "--entry", gone, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"--entry {stray['id']}: no source of pipeline.toml holds this page" in result.output
    assert f"--entry {gone}: Notion cannot find this page" in result.output
    assert result.output.splitlines()[-1] == "0 posts (0 changed, 0 unchanged), 0 files removed, 0 entries rejected."
    assert snapshot(content) == before and stamps(content) == times


def test_the_cli_syncs_the_entry_in_its_source_as_the_action_runs_it(tmp_path, monkeypatch):
    """The Action passes `--out` (its `output`, the content folder on a site) and the page ids."""
    site, store = synced_site(tmp_path)
    changed = edited(store, "english-only", sitestore.text("Now longer."))
    result = cli(site, changed, tmp_path, "--out", "content", "--entry", sitestore.notion_url(page_id("english-only")),
                 monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "wrote content/posts/english-only/index.en.md"
    assert "note:" not in result.output and SEED_DATA_SOURCE not in result.output
    assert "Now longer." in (site / "content" / "posts" / "english-only" / "index.en.md").read_text()


def test_a_named_entry_cannot_take_the_file_of_a_post_not_read(tmp_path):
    """english-only renamed to `hello` in English: the English hello keeps its file; a
    translation in the same folder (hello, zh) is no obstacle, as the first test shows."""
    site, store = synced_site(tmp_path)
    before = snapshot(site / "content")
    taken = copy.deepcopy(store)
    slug = taken["pages"][page_id("english-only")]["properties"]["Slug"]["rich_text"][0]
    slug["plain_text"] = slug["text"]["content"] = "hello"
    report, _ = run(taken, site, entries=(page_id("english-only"),))
    errors = report.combined().errors
    assert report.exit_code == 1 and [(p.where, p.entry_title) for p in errors] == [("Slug", "Only in English")]
    assert "Slug 'hello' is already used by 'Hello, world', another post" in errors[0].message
    assert snapshot(site / "content") == before


# --------------------------------------------------------------------------- webhook


@pytest.fixture
def github():
    with GitHubStandIn(repo=REPO, token=GITHUB_TOKEN) as standin:
        yield standin


def test_the_webhook_counts_the_events_of_every_source(tmp_path, github):
    """Events delivered by the emulator for a post and a docs page both count, and so does a new
    sub-page of a docs page (an event in Notion's shape); a page under a page of no tree does not.
    The page tree's pages are those its manifest lists (the site was synced once)."""
    site, _ = synced_site(tmp_path)
    watched = watched_pages(load_config(site / "pipeline.toml"), None)
    assert watched.data_sources == {SEED_DATA_SOURCE} and [t.root for t in watched.trees] == [page_id("docs"),
                                                                                              page_id("docs-zh")]
    clock, log = FakeClock(), []
    app = build_app(Settings("127.0.0.1", 0, watched, GitHub(REPO, GITHUB_TOKEN, github.base_url), HOOK_TOKEN, 5.0, 60.0,
                             Retry(timeout=2.0)), log.append, clock=clock, sleeper=clock.sleep)
    notion_clock = FakeClock()
    with running(app) as url, NotionEmulator(sitestore.workspace(), token=TOKEN, webhook_url=url, webhook_token=HOOK_TOKEN,
                                             webhook_window=1.0, webhook_clock=notion_clock,
                                             webhook_sleeper=notion_clock.sleep) as emulator, \
            Client(auth=TOKEN, base_url=emulator.base_url) as client:
        client.blocks.children.append(block_id=HELLO, children=[paragraph("more")])
        client.blocks.children.append(block_id=INSTALL, children=[paragraph("more")])
        answers = delivered(emulator)
        assert [d.status for d in answers] == [200, 200]
        base = answers[0].body
        new, stray = page_id("new-sub-page"), page_id("stray-sub-page")
        for page, parent in ((new, INSTALL), (stray, page_id("elsewhere"))):
            # Shape: developers.notion.com/reference/webhooks/page-created (data.parent of a sub-page:
            # {"id": the parent page's id, "type": "page"}).
            body = json.dumps({**base, "type": "page.created", "entity": {"id": page, "type": "page"},
                               "data": {"parent": {"id": parent, "type": "page"}}}).encode()
            assert httpx.post(url, content=body, headers={"X-Notion-Signature": signature(HOOK_TOKEN, body)}).status_code == 200
        text = "\n".join(log)
        assert f"page.created for page {stray}: its parent is page {page_id('elsewhere')}, not the configured data " \
               f"source {SEED_DATA_SOURCE} or page tree {page_id('docs')} or page tree {page_id('docs-zh')}" in text
        assert app.receiver.relay.step(force=True) == [HELLO, INSTALL, new]
    (dispatch,) = github.wait_for(1)
    assert dispatch.client_payload == {"pages": [HELLO, INSTALL, new]}


def test_without_its_manifest_a_tree_counts_its_root_and_the_roots_sub_pages(tmp_path):
    tree = WatchedTree(page_id("docs"), tmp_path / "nowhere")
    watched = Watched(trees=(tree,))

    def event(page: str, parent: str) -> dict:
        return {"type": "page.content_updated", "entity": {"id": page, "type": "page"},
                "data": {"parent": {"id": parent, "type": "page"}}}

    assert watched.judge(event(page_id("docs"), page_id("anything"))).page == page_id("docs")
    assert watched.judge(event(page_id("getting-started"), page_id("docs"))).page == page_id("getting-started")
    assert watched.judge(event(INSTALL, page_id("getting-started"))).page is None  # two levels down: needs the manifest


@pytest.mark.parametrize(("change", "name", "linking"), [
    (trashed_post, "english-only", {"docs/getting-started/install/on-linux/index.en.md", "docs/reference/index.en.md"}),
    (renamed, "install", {"posts/hello/index.en.md", "posts/hello/index.zh.md"}),
], ids=["a trashed post (a docs page links to it, the docs' table lists it)", "a renamed docs page (posts mention it)"])
def test_the_pages_linking_to_a_named_page_follow_it_in_every_source(tmp_path, change, name, linking):
    """What a webhook's run over one page writes, across sources, is what a full run writes:
    a page of any source whose link to it changed (a relref to the old address would fail
    Hugo's build) is written again, read alone in a second pass."""
    site, store = synced_site(tmp_path)
    cache = tmp_path / "cache"
    run(store, site, force=True, cache_dir=cache)  # the trees kept
    changed = change(store)
    report, requests = run(changed, site, entries=(page_id(name),), cache_dir=cache)
    written = set(report.combined().change.written)
    assert linking <= written and set(report.combined().relinked) == linking  # the CLI says why they were written
    rebuilt = make_site(tmp_path / "rebuilt")
    run(changed, rebuilt)
    assert snapshot(site / "content") == snapshot(rebuilt / "content")
    public = build(site, tmp_path)  # refLinksErrorLevel = "ERROR": a relref left to an old address fails it
    if change is renamed:
        assert '<a href="/docs/getting-started/setup/">Install</a>' in (public / "posts" / "hello" / "index.html").read_text()
    # The linking posts of a data source are retrieved, and their trees come from the cache (a
    # tree page named, or read again, is read whole: its sub-pages are among its blocks).
    posts = {page_id(n) for n in ("hello", "hello-zh")} & {r[1].removeprefix("/v1/pages/") for r in requests}
    assert posts == ({page_id("hello"), page_id("hello-zh")} if change is renamed else set())
    assert not any(path.startswith(f"/v1/blocks/{pid}/children") for pid in posts for _, path in requests)
    # Nothing is stale now: the same run again reads its page alone.
    _, again = run(changed, site, entries=(page_id(name),), cache_dir=cache)
    assert not {r[1] for r in again} & {f"/v1/pages/{page_id('hello')}", f"/v1/pages/{page_id('reference')}"}
