"""No half post goes live (issue #14, Medium 3). An entry is created unpublished and marked,
gets its whole content, then its status, and only then loses its marker; sync never publishes
a marked entry, and a re-run completes it. Each way an import can stop half-way: a post the
converter cannot handle, a crash between any two writes, ^C, kill -9, an answer lost after
Notion did the request, a file too large, an update cut short."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notion_emulator import NotionEmulator
from notion_emulator.server import ApiError
from pipeline import import_posts as importer
from pipeline import markdown_in
from pipeline.import_posts import import_posts
from pipeline.model import IMPORT_MARKER, is_import_marker
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, ROOT, SEED_DATA_SOURCE, TOKEN
from tests.importkit import config, first_error, plan_lines, post, round_trip, write_bundles
from tests.storekit import store

# Three posts of two content requests each (120 paragraphs: 100 children a request).
BODIES = {f"post-{n}": "\n\n".join(f"Paragraph {i} of post {n}." for i in range(120)) for n in range(3)}


def options(emulator: NotionEmulator) -> SourceOptions:
    return SourceOptions(base_url=emulator.base_url, rate=0)




def synced(emulator: NotionEmulator, out: Path) -> tuple[dict[str, str], list[str]]:
    """(slug → index.md, messages of the problems) of a sync of the emulator's data source."""
    report = sync(config(), Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, options=options(emulator))
    posts = {p.parent.name: p.read_text(encoding="utf-8") for p in out.glob("*/index.md")}
    return posts, [p.message for p in report.problems]


def entries(emulator: NotionEmulator) -> dict[str, tuple[str, bool]]:
    """slug → (status, whether the entry holds the import marker) of every entry."""
    api = emulator._api
    found = {}
    for page_id, page in api.pages.items():
        slug = "".join(t["plain_text"] for t in page["properties"]["Slug"]["rich_text"])
        marked = any(is_import_marker(api.blocks[child]) for child in api.children.get(page_id, [])
                     if not api.blocks[child].get("in_trash"))
        found[slug] = ((page["properties"]["Status"]["status"] or {}).get("name"), marked)
    return found


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> dict[str, str]:
    """The three posts as a sync writes them after an import nothing interrupted."""
    tmp = tmp_path_factory.mktemp("whole")
    trip = round_trip(tmp, [write_bundles(tmp / "in", {slug: post(body) for slug, body in BODIES.items()})])
    assert [plan.action for plan in trip.imported.plans] == ["create"] * 3
    assert len(trip.posts) == 3
    return trip.posts


UNFINISHED = ("notion-hugo import has not finished writing this entry (or was interrupted): run `notion-hugo import` "
              "again on its post to complete it. Its earlier post, if any, stays as it was.")


def assert_whole_or_unpublished(emulator: NotionEmulator, out: Path, whole: dict[str, str]) -> None:
    """What a sync publishes now is whole; every entry is complete and published, or marked
    (and then unpublished, or, in the one request between its status and its marker's
    deletion, rejected by sync)."""
    posts, problems = synced(emulator, out)
    assert all(text == whole[slug] for slug, text in posts.items())
    state = entries(emulator)
    for slug, (status, marked) in state.items():
        assert marked or status == "Published", (slug, status)
        assert (slug in posts) == (not marked), slug
    assert problems == [UNFINISHED] * sum(marked and status == "Published" for status, marked in state.values())


class Crash(BaseException):
    """Stands for the process dying between two writes (not an Exception: nothing catches it)."""


# Writes: the three entries (0-2); for each post two appends, its properties, its marker's
# deletion (3-6, 7-10, 11-14). At 6, 10 and 14 a post is published and still marked.
@pytest.mark.parametrize("writes_before_crash", [0, 3, 4, 6, 7, 12, 14])
def test_a_crash_between_any_two_writes_leaves_whole_or_marked_entries(writes_before_crash, whole, tmp_path,
                                                                        monkeypatch):
    posts = write_bundles(tmp_path / "in", {slug: post(body) for slug, body in BODIES.items()})
    real_call = importer.Writer.call
    done = []

    def dying_call(self, *args, **kwargs):
        if len(done) == writes_before_crash:
            raise Crash()
        done.append(args[:2])
        return real_call(self, *args, **kwargs)

    with NotionEmulator(store([]), token=TOKEN) as emulator:
        monkeypatch.setattr(importer.Writer, "call", dying_call)
        with pytest.raises(Crash):
            import_posts([posts], config(), SEED_DATA_SOURCE, token=TOKEN, options=options(emulator))
        monkeypatch.setattr(importer.Writer, "call", real_call)
        assert_whole_or_unpublished(emulator, tmp_path / "out", whole)
        state = entries(emulator)
        again = import_posts([posts], config(), SEED_DATA_SOURCE, token=TOKEN, options=options(emulator))
        assert {plan.slug: plan.action for plan in again.plans} == {
            slug: "create" if slug not in state else "complete" if state[slug][1] else "unchanged" for slug in BODIES}
        assert len(emulator._api.pages) == 3  # nothing created twice
        assert synced(emulator, tmp_path / "out") == (whole, [])


# The CLI as an operator runs it, without the wait for Notion's rate limit (the emulator has none).
UNPACED = ("import dataclasses, sys; from pipeline import cli; paced = cli.source_options_for; "
           "cli.source_options_for = lambda *args: dataclasses.replace(paced(*args), rate=0); "
           "sys.argv[0] = 'notion-hugo'; cli.main()")


def import_process(base_url: str, posts: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": base_url}
    return subprocess.Popen(
        [sys.executable, "-c", UNPACED, "import", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
         SEED_DATA_SOURCE, *args, str(posts)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop_during_second_post(emulator: NotionEmulator, process: subprocess.Popen, sig: signal.Signals) -> None:
    """Send `sig` once the first post is whole (its marker deleted) and the second one's
    content is being written: a moment observed in the emulator's log, not guessed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        log = list(emulator.requests)
        first_done = any(r.method == "DELETE" for r in log)
        appends = [i for i, r in enumerate(log) if r.method == "PATCH" and r.path.endswith("/children")]
        deletes = [i for i, r in enumerate(log) if r.method == "DELETE"]
        if first_done and any(i > deletes[0] for i in appends):
            process.send_signal(sig)
            return
        time.sleep(0.002)
    pytest.fail("the import ended before the moment to stop it")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_an_import_stopped_mid_post_leaves_no_half_post_and_a_rerun_completes_it(sig, whole, tmp_path):
    posts = write_bundles(tmp_path / "in", {slug: post(body) for slug, body in BODIES.items()})
    # Each answer 20 ms late: the writes of one post span a window the test can stop it in.
    with NotionEmulator(store([]), token=TOKEN, latency=0.02) as emulator:
        process = import_process(emulator.base_url, posts)
        stop_during_second_post(emulator, process, sig)
        stdout, stderr = process.communicate(timeout=60)
        emulator.latency = 0
        if sig == signal.SIGKILL:
            assert process.returncode == -signal.SIGKILL
        else:
            assert process.returncode == 130, stderr
            assert stdout.splitlines()[0].startswith("created post-0 from ")  # settled, and said so
            assert stderr.splitlines()[-1] == (
                "Error: interrupted. The posts reported above are settled; an entry whose content was being written "
                "stays unpublished and marked as incomplete (sync does not publish it): run the import again to "
                "complete it.")
        state = entries(emulator)
        assert state["post-0"] == ("Published", False)
        assert state["post-1"] == ("Draft", True)  # half written: unpublished and marked
        assert state["post-2"] == ("Draft", True)  # created, not written yet
        assert_whole_or_unpublished(emulator, tmp_path / "out", whole)
        rerun = import_process(emulator.base_url, posts)
        stdout, stderr = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, stderr
        assert plan_lines(stdout) == [
            "unchanged post-0", "completed post-1", "completed post-2"]
        assert stdout.splitlines()[-1] == "3 posts: 0 created, 0 updated, 2 completed, 1 unchanged, 0 failed."
        assert synced(emulator, tmp_path / "out") == (whole, [])


def lose_answers(emulator: NotionEmulator, method: str, path: str, times: int = 1) -> list[str]:
    """Notion does the request, and the answer is lost on the way back: a gateway's 502."""
    api = emulator._api
    real = api.dispatch
    lost: list[str] = []

    def dispatch(verb, where, query, body):
        answer = real(verb, where, query, body)
        if verb == method and re.fullmatch(path, where) and len(lost) < times:
            lost.append(where)
            raise ApiError(502, "bad_gateway", "The answer was lost on its way back.")
        return answer

    api.dispatch = dispatch
    return lost


def test_a_lost_create_answer_says_the_entry_may_exist_and_a_rerun_completes_it(import_cli, whole, tmp_path):
    posts = write_bundles(tmp_path / "in", {slug: post(body) for slug, body in BODIES.items()})
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        lost = lose_answers(emulator, "POST", "/v1/pages")
        result = import_cli(emulator, str(posts))
        assert lost == ["/v1/pages"]
        assert result.exit_code == 3, result.output
        assert result.stdout.splitlines()[0] == f"failed post-0 from {posts}/post-0/index.md"
        error = first_error(result.stdout)
        assert error.startswith("  error: Notion could not be reached or answered garbage while creating an entry for "
                                "post-0, after retries (UnknownHTTPResponseError: ")
        assert error.endswith("Notion may have created the entry before the answer was lost; if it did, the entry is "
                              "unpublished and marked as incomplete (sync does not publish it), and running the "
                              "import again finds it by its slug and completes it.")
        assert entries(emulator)["post-0"] == ("Draft", True)  # Notion did create it
        assert_whole_or_unpublished(emulator, tmp_path / "out", whole)
        again = import_cli(emulator, str(posts))
        assert again.exit_code == 0, again.output
        assert plan_lines(again.stdout) == [
            "unchanged post-1", "unchanged post-2", "completed post-0"]  # each as soon as it is settled
        assert len(emulator._api.pages) == 3
        assert synced(emulator, tmp_path / "out") == (whole, [])


def test_a_lost_answer_while_writing_content_leaves_the_entry_marked(import_cli, whole, tmp_path):
    posts = write_bundles(tmp_path / "in", {slug: post(body) for slug, body in BODIES.items()})
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        lose_answers(emulator, "PATCH", "/v1/blocks/[^/]+/children")
        result = import_cli(emulator, str(posts))
        assert result.exit_code == 3
        page_id = next(p for p in emulator._api.pages.values()
                       if p["properties"]["Slug"]["rich_text"][0]["plain_text"] == "post-0")["id"]
        assert first_error(result.stdout).endswith(
            f"The entry https://www.notion.so/{page_id.replace('-', '')} is marked as incomplete, so sync does not "
            "publish it: run the import again to complete it.")
        assert plan_lines(result.stdout) == [
            "failed post-0", "created post-1", "created post-2"]
        assert_whole_or_unpublished(emulator, tmp_path / "out", whole)
        assert import_cli(emulator, str(posts)).exit_code == 0
        assert synced(emulator, tmp_path / "out") == (whole, [])


def test_an_update_cut_short_keeps_the_old_post_until_a_rerun_completes_it(whole, tmp_path, monkeypatch):
    posts = write_bundles(tmp_path / "in", {"post-0": post("The old text.")})
    out = tmp_path / "out"
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        import_posts([posts], config(), SEED_DATA_SOURCE, token=TOKEN, options=options(emulator))
        old, _ = synced(emulator, out)
        (posts / "post-0" / "index.md").write_text(post(BODIES["post-0"]), encoding="utf-8")
        real_append = importer.Writer.append
        monkeypatch.setattr(importer.Writer, "append", lambda *args: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):  # the old blocks are gone, the new ones not written yet
            import_posts([posts], config(), SEED_DATA_SOURCE, token=TOKEN, options=options(emulator), update=True)
        monkeypatch.setattr(importer.Writer, "append", real_append)
        assert entries(emulator) == {"post-0": ("Published", True)}
        report = sync(config(), Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, options=options(emulator))
        assert report.exit_code == 1
        assert [p.message for p in report.problems] == [
            "notion-hugo import has not finished writing this entry (or was interrupted): run `notion-hugo import` "
            "again on its post to complete it. Its earlier post, if any, stays as it was."]
        assert (out / "post-0" / "index.md").read_text(encoding="utf-8") == old["post-0"]  # kept as it was
        again = import_posts([posts], config(), SEED_DATA_SOURCE, token=TOKEN, options=options(emulator))
        assert [plan.action for plan in again.plans] == ["complete"]
        assert synced(emulator, out) == ({"post-0": whole["post-0"]}, [])


def test_sync_never_publishes_an_entry_holding_the_marker_even_named_with_page(tmp_path):
    page = storekit.entry("Half", "half", 1)
    marker = {"object": "block", "id": "0b0e5b10-0000-4000-8000-000000000001", "type": "callout",
              "parent": {"type": "page_id", "page_id": page["id"]}, "has_children": False, "archived": False,
              "in_trash": False, "callout": {"rich_text": [storekit.text(IMPORT_MARKER)], "color": "default",
                                             "icon": {"type": "emoji", "emoji": "⏳"}}}
    blocks = [marker, storekit.paragraph(page["id"], storekit.text("The first half."))]
    with NotionEmulator(store([(page, blocks)]), token=TOKEN) as emulator:
        for selection in (Selection(SEED_DATA_SOURCE, ()), Selection(None, (page["id"],))):
            out = tmp_path / "out"
            report = sync(config(), selection, token=TOKEN, out_dir=out, options=options(emulator))
            assert report.exit_code == 1 and report.rejected == ["Half"]
            assert report.problems[0].where == f"block {marker['id']} (callout)"
            assert not (out / "half").exists()


def test_a_post_the_converter_fails_on_fails_alone(import_cli, tmp_path, monkeypatch):
    """A bug converting one post (simulated here) fails that post before anything of it is
    written; the others are imported, and the run exits 1, not 4."""
    posts = write_bundles(tmp_path / "in", {"a-broken": post("> Quoted."), "b-fine": post("Fine.")})
    monkeypatch.setitem(markdown_in.BLOCK_CONVERTERS, "blockquote",
                        lambda node, ctx: (_ for _ in ()).throw(KeyError("boom")))
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        result = import_cli(emulator, str(posts))
        assert result.exit_code == 1, result.output
        assert result.stdout.splitlines()[0] == f"failed a-broken from {posts}/a-broken/index.md"
        assert first_error(result.stdout) == (
            "  error: could not be converted (KeyError: 'boom'). This is a bug in notion-hugo: please report it with "
            "the post; the other posts go on.")
        assert plan_lines(result.stdout)[1] == "created b-fine"
        assert list(entries(emulator)) == ["b-fine"]  # nothing of the broken post was written


def test_an_unreadable_link_is_kept_as_text_with_a_note(tmp_path):
    """`<a href="http://[oops">` made urllib raise, and the whole import exit 4."""
    trip = round_trip(tmp_path, [write_bundles(tmp_path / "in", {"oops": post('Go <a href="http://[oops">there</a>.')})])
    assert [(plan.action, plan.error) for plan in trip.imported.plans] == [("create", "")]
    assert [note.message for note in trip.imported.plans[0].notes] == [
        "link to 'http://[oops': not a URL that can be read; its text is kept, unlinked"]
    assert trip.posts == {"oops": post("Go there.")}


def test_a_file_over_what_sync_downloads_fails_its_post_before_any_write(import_cli, tmp_path):
    """A 3 GB file (sparse: no byte of it is read) ended the run with a MemoryError."""
    posts = write_bundles(tmp_path / "in", {"a-video": post("[The talk](talk.mp4)"), "b-text": post("Text.")})
    with (posts / "a-video" / "talk.mp4").open("wb") as handle:
        handle.truncate(3 * 2**30)
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        for extra in (["--dry-run"], []):
            result = import_cli(emulator, *extra, str(posts))
            assert result.exit_code == 1, result.output
            assert first_error(result.stdout) == (
                "  error: cannot be imported as it is: talk.mp4 has 3,221,225,472 bytes, more than the 52,428,800 a "
                "sync downloads into a bundle ([limits] download_max_mb): the post would be rejected at every sync. "
                "Make the file smaller or link it from elsewhere, or raise download_max_mb.")
        assert list(entries(emulator)) == ["b-text"]
        assert emulator.count("POST", "/v1/file_uploads") == 0


def test_a_file_over_20_mb_is_uploaded_in_parts_and_comes_back_whole(tmp_path):
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (21 * 2**20 // 256)  # 21 MB: parts of 10, 10 and 1 MB
    posts = write_bundles(tmp_path / "in", {"big": post("![A big picture](big.png)")}, {"big": {"big.png": data}})
    trip = round_trip(tmp_path, [posts])
    assert [plan.error for plan in trip.imported.plans] == [""]
    sends = [r for r in trip.emulator.requests if r.path.startswith("/v1/file_uploads/")]
    assert [(r.path.rsplit("/", 1)[-1], r.status) for r in sends] == [("send", 200)] * 3 + [("complete", 200)]
    bundled = [p for p in (tmp_path / "synced" / "posts" / "big").iterdir() if p.suffix == ".png"]
    assert [p.read_bytes() == data for p in bundled] == [True]
