"""`notion-hugo preview`: Hugo's own server over a blog, following edits made through the
emulator's API. What is asserted is what a writer sees: the HTML Hugo serves (fetched over
HTTP, after its LiveReload says it rebuilt), the terminal's lines, the files left on disk.

The poll loop's clock is a fake: no test sleeps. Waiting for Hugo is waiting on its LiveReload
websocket (a real process's message), bounded by a deadline."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
import notion_client
import pytest
from hypothesis import given, settings, strategies as st
from websockets.sync.client import connect

from notion_emulator import NotionEmulator
from pipeline import preview
from pipeline.config import load_default_config
from pipeline.errors import PipelineError
from pipeline.model import Problem, Severity
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit, webhookkit
from tests.browser import _png
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN
from tests.hugosite import make_site

CONFIG = load_default_config()
DEADLINE = 15.0  # seconds for Hugo to rebuild after a poll; it takes well under one


class FakeClock(webhookkit.FakeClock):
    """The poll loop's time: monotonic seconds move only when the test says so; the date is
    the real one (sync's `settled` compares it with the emulator's edit times)."""

    def utc(self) -> datetime:
        return datetime.now(timezone.utc)


def workspace_store() -> dict[str, Any]:
    alpha = storekit.entry("Alpha", "alpha", 1)
    beta = storekit.entry("Beta", "beta", 2)
    return storekit.store([(alpha, [storekit.paragraph(alpha["id"], storekit.text("Alpha as first written."))]),
                           (beta, [storekit.paragraph(beta["id"], storekit.text("Beta as first written."))])])


def blog(site: Path, emulator: NotionEmulator) -> Path:
    """A blog with a hand-written post and the posts a real sync wrote (with its manifest); its
    home page resizes an image, which Hugo caches in the site's resources/ unless told otherwise."""
    make_site(site, posts={"hand-written": "---\ntitle: Hand written\ndate: 2024-01-01\n---\nWritten by hand.\n"})
    (site / "assets").mkdir(exist_ok=True)
    (site / "assets" / "cover.png").write_bytes(_png(40, 20, (200, 80, 40)))
    (site / "layouts").mkdir(exist_ok=True)
    (site / "layouts" / "home.html").write_text('{{ with resources.Get "cover.png" }}<img src="{{ (.Resize "20x").RelPermalink }}">'
                                                '{{ end }}', encoding="utf-8")
    report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=site / "content" / "posts",
                  options=SourceOptions(base_url=emulator.base_url))
    assert sorted(report.change.written) == ["alpha", "beta"]
    return site


def tree(folder: Path) -> dict[str, str]:
    """Every file under a folder (links too) with its content's hash: what "untouched" compares."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            for path in sorted(folder.rglob("*"))}


def api(emulator: NotionEmulator) -> notion_client.Client:
    return notion_client.Client(auth=TOKEN, base_url=emulator.base_url)


def new_entry(client: notion_client.Client, title: str, slug: str, text: str, status: str = "Published") -> tuple[str, str]:
    """An entry made through the API as a writer makes it: (page id, its paragraph's block id)."""
    # Shape: developers.notion.com/reference/post-page (parent data_source_id, properties, children).
    page = client.pages.create(
        parent={"data_source_id": SEED_DATA_SOURCE},
        properties={"Title": {"title": [{"text": {"content": title}}]}, "Slug": {"rich_text": [{"text": {"content": slug}}]},
                    "Status": {"status": {"name": status}}, "Date": {"date": {"start": "2026-11-30"}},
                    "Type": {"select": {"name": "posts"}}},
        children=[{"paragraph": {"rich_text": [{"text": {"content": text}}]}}],
    )
    return page["id"], client.blocks.children.list(page["id"])["results"][0]["id"]


def edit(client: notion_client.Client, block_id: str, text: str) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/update-a-block
    return client.blocks.update(block_id, paragraph={"rich_text": [{"text": {"content": text}}]})


def fetch(address: str, path: str) -> httpx.Response:
    return httpx.get(address.rstrip("/") + path, timeout=10)


def served(address: str, path: str, holds: Callable[[httpx.Response], bool], change: Callable[[], Any] = lambda: None,
           deadline: float = DEADLINE) -> httpx.Response:
    """Make `change` (a poll), then the answer Hugo serves at `path` once `holds` is true of it:
    fetched again after each LiveReload message (Hugo rebuilt), within a deadline."""
    with connect(address.replace("http://", "ws://") + "livereload", open_timeout=10) as live:
        change()
        end = time.monotonic() + deadline
        while True:
            answer = fetch(address, path)
            if holds(answer):
                return answer
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{path} never showed what was expected; it answered {answer.status_code}:\n"
                                     + answer.text[-2000:])
            try:
                live.recv(timeout=remaining)
            except TimeoutError:
                pass  # one last look, then the deadline fails it


def says(text: str) -> Callable[[httpx.Response], bool]:
    return lambda answer: answer.status_code == 200 and text in answer.text


# --------------------------------------------------------------------------- one running preview


class Running:
    def __init__(self, emulator: NotionEmulator, site: Path, running: preview.Preview, clock: FakeClock) -> None:
        self.emulator, self.site, self.preview, self.clock = emulator, site, running, clock
        self.client = api(emulator)
        self.hugo_lines: list[str] = []

    @property
    def address(self) -> str:
        return self.preview.address

    def poll(self) -> preview.Step:
        self.last = self.preview.follower.poll_once()
        return self.last

    def shows(self, path: str, holds: Callable[[httpx.Response], bool]) -> httpx.Response:
        return served(self.address, path, holds, self.poll)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """One preview (Hugo serving, the follower polled by hand) of a blog, shared by the tests
    of this module; each test makes its own entries."""
    tmp = tmp_path_factory.mktemp("preview")
    with NotionEmulator(workspace_store(), token=TOKEN) as emulator:
        site = blog(tmp / "blog", emulator)
        clock = FakeClock()
        lines: list[str] = []
        with preview.serving(preview.Settings(site, port=0, poll=1.0), CONFIG, Selection(SEED_DATA_SOURCE, ()),
                             token=TOKEN, options=SourceOptions(base_url=emulator.base_url, rate=0),
                             on_hugo=lines.append, clock=clock) as serving:  # the limiter keeps real time: off
            state = Running(emulator, site, serving, clock)
            state.hugo_lines = lines
            state.shows("/posts/alpha/", says("Alpha as first written."))
            yield state


def test_a_site_whose_own_page_refers_to_a_synced_post_starts_with_refs_fatal(tmp_path):
    """The preview hides the site's synced bundles; before it synced first, Hugo refused to
    start over the empty section when a hand-written page refers to one of them."""
    with NotionEmulator(workspace_store(), token=TOKEN) as emulator:
        site = blog(tmp_path / "blog", emulator)
        (site / "hugo.toml").write_text((site / "hugo.toml").read_text() + 'refLinksErrorLevel = "ERROR"\n')
        (site / "content" / "about.md").write_text('---\ntitle: About\n---\nSee [alpha]({{< ref "posts/alpha" >}}).\n')
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        with preview.serving(preview.Settings(site, port=0, poll=1.0), CONFIG, Selection(SEED_DATA_SOURCE, ()),
                             token=TOKEN, options=options, on_hugo=lambda line: None, clock=FakeClock()) as serving:
            assert sorted(serving.first.written) == ["alpha", "beta"]  # before Hugo started
            page = fetch(serving.address, "/about/").text
            assert "/posts/alpha/\">alpha</a>" in page, page[page.find("See"):][:300]


def test_the_synced_posts_show_beside_the_sites_own(running):
    assert "Written by hand." in fetch(running.address, "/posts/hand-written/").text
    listing = fetch(running.address, "/posts/").text
    assert "Alpha" in listing and "Beta" in listing and "Hand written" in listing
    assert "livereload" in fetch(running.address, "/posts/alpha/").text  # the browser refreshes itself


def test_an_edit_made_through_the_api_shows_in_the_page_hugo_serves(running):
    page_id, block = new_entry(running.client, "Gamma", "gamma", "Gamma, the first draft.")
    running.shows("/posts/gamma/", says("Gamma, the first draft."))
    assert running.last.written == ["gamma"]
    running.emulator.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=5)  # a later minute
    try:
        edit(running.client, block, "Gamma, edited in Notion.")
    finally:
        running.emulator.clock = None
    answer = running.shows("/posts/gamma/", says("Gamma, edited in Notion."))
    assert "the first draft" not in answer.text and running.last.written == ["gamma"]


def test_a_post_the_site_holds_shows_notions_current_version(running):
    """alpha/ in the site's own content/posts is what the last real sync wrote: the preview
    shows Notion's edit instead, and leaves that file as it is."""
    before = (running.site / "content/posts/alpha/index.md").read_bytes()
    block = running.client.blocks.children.list(storekit.entry("Alpha", "alpha", 1)["id"])["results"][0]["id"]
    edit(running.client, block, "Alpha, as Notion has it now.")  # its edit time moves from 2024 to now
    answer = running.shows("/posts/alpha/", says("Alpha, as Notion has it now."))
    assert "first written" not in answer.text
    assert (running.site / "content/posts/alpha/index.md").read_bytes() == before


def test_two_edits_inside_one_minute_both_show(running):
    """Notion keeps last_edited_time to the minute: the second edit does not change what the
    query shows, and is found by reading the page again while its minute lasts."""
    minute = (datetime.now(timezone.utc) + timedelta(minutes=30)).replace(second=10)  # a minute that has not ended
    running.emulator.clock = lambda: minute
    try:
        page_id, block = new_entry(running.client, "Delta", "delta", "Delta at 10 seconds.")
        running.shows("/posts/delta/", says("Delta at 10 seconds."))
        first = running.client.pages.retrieve(page_id)["last_edited_time"]
        minute = minute.replace(second=40)
        edit(running.client, block, "Delta at 40 seconds.")
        assert running.client.pages.retrieve(page_id)["last_edited_time"] == first  # the query cannot tell
        assert running.poll().synced is False  # the re-check waits its turn within the rate budget
        running.clock.now += running.preview.follower.recheck_interval(10)
        answer = running.shows("/posts/delta/", says("Delta at 40 seconds."))
        assert "10 seconds" not in answer.text and running.last.written == ["delta"]
    finally:
        running.emulator.clock = None


def test_a_new_draft_appears(running):
    new_entry(running.client, "Epsilon, a draft", "epsilon", "Not published yet.", status="Draft")
    running.shows("/posts/epsilon/", says("Not published yet."))
    assert "Epsilon, a draft" in fetch(running.address, "/posts/").text


def test_a_trashed_and_an_unpublished_entry_disappear(running):
    trashed, _ = new_entry(running.client, "Zeta to trash", "zeta", "Zeta in words.")
    archived, _ = new_entry(running.client, "Eta to archive", "eta", "Eta in words.")
    running.shows("/posts/eta/", says("Eta in words."))
    running.client.pages.update(trashed, in_trash=True)
    running.client.pages.update(archived, properties={"Status": {"status": {"name": "Archived"}}})
    # The notices are written after the sync removed the posts, in one folder write each: once
    # Hugo serves both, it has the removals too (until then it serves the old pages).
    running.shows("/posts/zeta/", says("No longer published"))
    assert sorted(running.last.removed) == ["eta", "zeta"]
    for slug, words in (("zeta", "Zeta in words."), ("eta", "Eta in words.")):
        page = served(running.address, f"/posts/{slug}/", says("No longer published")).text
        assert words not in page
    listing = fetch(running.address, "/posts/").text
    assert "Alpha" in listing and "Zeta" not in listing and "Eta to" not in listing


def test_an_invalid_entry_shows_its_problems_where_its_post_would_be(running):
    hostile = '<script>alert("x")</script> {{< youtube x >}}'
    new_entry(running.client, hostile, "Theta Post!", "Theta in words.")
    page = running.shows("/posts/theta-post/", says("Not published")).text
    problems = running.last.problems
    assert [p.where for p in problems if p.rejects] == ["Slug"]
    assert "use letters, digits" in page and "use letters, digits" in problems[0].message
    assert "<script>alert" not in page and "&lt;script&gt;" in page  # Notion text is data
    assert "youtube" in page and "youtube.com/embed" not in page  # not a shortcode
    assert "https://www.notion.so/" in page and '<a href="https://www.notion.so' not in page  # nor a link
    assert "Theta in words." not in page
    # Fixed in Notion, the post takes the notice's place.
    theta = next(p for p in running.client.data_sources.query(SEED_DATA_SOURCE)["results"]
                 if p["properties"]["Slug"]["rich_text"][0]["plain_text"] == "Theta Post!")
    running.client.pages.update(theta["id"], properties={"Slug": {"rich_text": [{"text": {"content": "theta-post"}}]}})
    running.shows("/posts/theta-post/", lambda answer: "Theta in words." in answer.text and "Not published" not in answer.text)


def test_an_entry_refused_a_taken_slug_does_not_hide_the_post_that_keeps_it(running):
    page_id, _ = new_entry(running.client, "Kappa", "alpha", "Kappa in words.")
    page = running.shows(f"/posts/alpha-{page_id[:8]}/", says("Not published")).text
    assert "already used by" in page and "Kappa" in page
    assert "Alpha" in fetch(running.address, "/posts/alpha/").text
    assert "Not published" not in fetch(running.address, "/posts/alpha/").text
    running.client.pages.update(page_id, in_trash=True)
    running.shows(f"/posts/alpha-{page_id[:8]}/", says("No longer published"))


# --------------------------------------------------------------------------- requests while idle


def test_idle_polls_make_one_request_each_and_rechecks_keep_to_the_budget(tmp_path):
    clock = FakeClock()
    with NotionEmulator(workspace_store(), token=TOKEN) as emulator, preview.workspace("posts") as space:
        # The client's own limiter keeps real time: off here, where the polls come as fast as they can.
        follower = preview.Follower(preview.preview_config(CONFIG, True), SEED_DATA_SOURCE, TOKEN,
                                    SourceOptions(base_url=emulator.base_url, rate=0), space, clock, poll=1.0)
        try:
            assert follower.poll_once().written == ["alpha", "beta"]
            emulator.reset_log()
            for _ in range(20):
                assert follower.poll_once().synced is False
                clock.now += 1
            assert [(r.method, r.path) for r in emulator.requests] == \
                [("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query")] * 20

            # An edit in a minute still running: read again, spaced within Notion's three a second.
            emulator.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=30)
            block = emulator.store["children"][storekit.entry("Alpha", "alpha", 1)["id"]][0]
            edit(api(emulator), block, "Alpha, edited.")
            emulator.reset_log()
            synced = 0
            for _ in range(20):
                synced += follower.poll_once().synced
                clock.now += 1
            assert synced >= 5  # it keeps looking while the minute lasts
            assert len(emulator.requests) / 20 <= preview.NOTION_RATE * preview.BUDGET_SHARE

            # An edit in a minute already over: written once, settled, then idle again.
            emulator.clock = lambda: datetime.now(timezone.utc) - timedelta(minutes=30)
            edit(api(emulator), block, "Alpha, edited and settled.")
            emulator.reset_log()
            assert follower.poll_once().written == ["alpha"] and follower.pending == set()
            assert emulator.count("POST") == 1  # the poll's query serves its sync too
            emulator.reset_log()
            for _ in range(5):
                assert follower.poll_once().synced is False
                clock.now += 10
            assert len(emulator.requests) == 5
        finally:
            follower.close()


# --------------------------------------------------------------------------- the command


def first_line(stream, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def test_the_command_prints_the_address_first_follows_notion_and_leaves_nothing_behind(tmp_path):
    store = workspace_store()
    bad = storekit.entry("Iota", "Not A Slug", 9)
    store["pages"][bad["id"]] = bad
    store["entries"][SEED_DATA_SOURCE].append(bad["id"])
    store["children"][bad["id"]] = []
    temp, runtime = tmp_path / "tmp", tmp_path / "run"
    temp.mkdir()
    runtime.mkdir()
    with NotionEmulator(store, token=TOKEN) as emulator:
        site = blog(tmp_path / "blog", emulator)
        before = tree(site)
        env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url, "TMPDIR": str(temp),
               "XDG_RUNTIME_DIR": str(runtime), "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "pipeline", "preview", "--site", str(site), "--port", "0", "--poll", "0.5",
                   "--data-source", SEED_DATA_SOURCE]
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            address = first_line(first.stdout, 60).strip()
            assert address.startswith("http://127.0.0.1:") and address.endswith("/")
            served(address, "/posts/alpha/", says("Alpha as first written."))
            block = emulator.store["children"][storekit.entry("Alpha", "alpha", 1)["id"]][0]
            served(address, "/posts/alpha/", says("Alpha, edited while previewing."),
                   lambda: edit(api(emulator), block, "Alpha, edited while previewing."))
            assert "Not published" in fetch(address, "/posts/not-a-slug/").text
            assert '<img src="/cover_' in fetch(address, "/").text  # resized, into the preview's own folder

            second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
            assert second.returncode == 2
            assert f"another notion-hugo preview of {site} is running at {address}" in second.stderr
            assert second.stdout == ""
        finally:
            first.send_signal(signal.SIGINT)  # Ctrl+C
            out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert "updated alpha" in out
    assert "error: Iota (https://www.notion.so/" in err and "Slug: " in err  # the problem, in the terminal
    assert "preview stopped" in err
    assert tree(site) == before  # content/, the manifest, the rest of the site: as they were
    assert list(temp.iterdir()) == [] and list(runtime.iterdir()) == []  # no folder, cache or lock left
    with pytest.raises(httpx.ConnectError):
        fetch(address, "/")  # Hugo stopped


# --------------------------------------------------------------------------- the parts


def test_a_port_in_use_is_named_with_the_fix(tmp_path, seed_api):
    site = make_site(tmp_path / "blog")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings_ = preview.Settings(site, port=taken.getsockname()[1])
        with pytest.raises(PipelineError, match=r"address already in use") as error:
            with preview.serving(settings_, CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN,
                                 options=SourceOptions(base_url=seed_api.base_url), on_hugo=print):
                pass
    assert "--port" in str(error.value) and "Usage:" not in str(error.value)
    assert list(site.glob(".hugo_build.lock")) == []


def test_a_second_lock_on_a_site_names_the_first_ones_address(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    site = tmp_path / "blog"
    site.mkdir()
    with preview.SiteLock(site) as first:
        first.note("http://127.0.0.1:4321/")
        with pytest.raises(preview.PreviewRunning, match=r"running at http://127\.0\.0\.1:4321/"):
            preview.SiteLock(site).acquire()
    assert list(tmp_path.iterdir()) == [site]  # the lock file went with it
    with preview.SiteLock(site):
        pass


def test_mounts_hide_the_sites_synced_bundles_and_put_the_preview_first(tmp_path):
    space = preview.Workspace(tmp_path / "ws", "posts")
    site = tmp_path / "blog"
    mounts = preview.mounts_for([{"source": str(site / "content"), "target": "content"},
                                 {"source": str(site / "layouts"), "target": "layouts"}],
                                space, site / "content" / "posts", ["alpha", "beta"])
    assert mounts == [
        {"source": str(space.notices), "target": "content/posts"},
        {"source": str(space.synced), "target": "content/posts"},
        {"source": str(site / "content"), "target": "content",
         "files": ["! posts/alpha/**", "! posts/beta/**", "! posts/.notion-hugo.json"]},
        {"source": str(site / "layouts"), "target": "layouts"},
    ]


def test_the_sites_config_is_copied_without_reading_through_its_links(tmp_path):
    """Review: copytree(symlinks=False) read the files behind the config's links. They are now
    copied as links to where the site's point (a relative one still resolves from the copy)."""
    site, space = tmp_path / "blog", preview.Workspace(tmp_path / "ws", "posts")
    (site / "shared").mkdir(parents=True)
    (site / "shared" / "params.toml").write_text("[params]\nshared = true\n")
    (site / "config" / "_default").mkdir(parents=True)
    (site / "config" / "_default" / "hugo.toml").write_text("title = 'Blog'\n")
    os.symlink("../../shared/params.toml", site / "config" / "_default" / "params.toml")
    preview.write_config_dir(site, space, [])
    copied = space.config_dir / "_default" / "params.toml"
    assert copied.is_symlink() and copied.resolve() == (site / "shared" / "params.toml").resolve()
    assert (space.config_dir / "_default" / "hugo.toml").read_text() == "title = 'Blog'\n"
    assert json.loads((space.config_dir / "development" / "module.json").read_text()) == {"mounts": []}


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_a_notice_keeps_any_title_as_data(title):
    text = preview.problems_notice(title, [Problem(severity=Severity.ERROR, entry_title=title, entry_url="https://www.notion.so/x", where="Slug", message=title)],
                                   datetime(2026, 12, 1, tzinfo=timezone.utc))
    matter, end = json.JSONDecoder().raw_decode(text)
    assert matter["title"] == f"Not published: {title}" and matter["draft"] is False
    body = text[end:]
    assert "{{<" not in body and "{{%" not in body and "<script" not in body.lower()


# --------------------------------------------------------------------------- the emulator's update-a-block


def test_the_emulator_updates_a_blocks_text_and_its_pages_edit_time():
    minute = datetime(2026, 12, 1, 9, 30, 45, tzinfo=timezone.utc)
    with NotionEmulator(workspace_store(), token=TOKEN, clock=lambda: minute) as emulator:
        client = api(emulator)
        page = storekit.entry("Alpha", "alpha", 1)["id"]
        block = client.blocks.children.list(page)["results"][0]
        answer = edit(client, block["id"], "New words.")
        assert answer["object"] == "block" and answer["id"] == block["id"]
        assert answer["paragraph"]["rich_text"][0]["plain_text"] == "New words."
        assert answer["paragraph"]["color"] == block["paragraph"]["color"]  # an omitted field keeps its value
        assert client.pages.retrieve(page)["last_edited_time"] == "2026-12-01T09:30:00.000Z"  # to the minute
        assert client.blocks.children.list(page)["results"][0]["paragraph"]["rich_text"][0]["plain_text"] == "New words."
        for body, message in (({"heading_1": {"rich_text": []}}, "body.heading_1 should be not present"),
                              ({"paragraph": {"children": []}}, "body.paragraph.children should be not present"),
                              ({"paragraph": {"rich_text": [{"text": {"content": "x" * 2001}}]}}, "≤ `2000`")):
            with pytest.raises(notion_client.APIResponseError) as error:
                client.blocks.update(block["id"], **body)
            assert error.value.status == 400 and message in str(error.value)
        assert client.blocks.update(block["id"], in_trash=True)["in_trash"] is True
        with pytest.raises(notion_client.APIResponseError, match="archived"):
            edit(client, block["id"], "After the trash.")
