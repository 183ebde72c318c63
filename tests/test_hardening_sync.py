"""Issue 14, sync: one entry's file URL fails that entry alone; a download reaches only the
address that was checked; the API's own origin is exempt and nothing beside it; a listing
without end and removals spread over runs both stop."""

from __future__ import annotations

import functools
import json
import re
import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import pytest

from notion_emulator import Faults, NotionEmulator, load_store
from pipeline import bundle
from pipeline.config import load_default_config
from pipeline.errors import OutputError, RemovalRefused
from pipeline.source import PublicOnlyNetwork, SourceOptions, download_files
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.test_files import PNG, image_block
from tests.test_hardening import cli, config_with, sync_with

CONFIG = load_default_config()


# --- a file URL that does not parse ----------------------------------------------------------

@pytest.mark.parametrize(("kind", "download_external", "fix"), [
    ("file", False, "upload the file again in Notion."),
    ("external", True, "correct the URL, or upload the file to Notion."),
    ("external", False, "correct the URL, or upload the file to Notion."),
], ids=["notion-hosted", "external-downloaded", "external-linked"])
def test_a_file_url_that_does_not_parse_rejects_its_entry_only(kind, download_external, fix, monkeypatch, tmp_path):
    """It ended the whole sync with exit 4 (`urlsplit` raising before any entry was rendered)."""
    good, bad = storekit.entry("Good", "good", 1), storekit.entry("Bad", "bad", 2)
    block = image_block(bad["id"], "https://[oops/x.png")
    block["image"] = {"caption": [], "type": kind, kind: {"url": "https://[oops/x.png"}}
    config = config_with(tmp_path)
    if download_external:
        config.write_text(config.read_text().replace("download_external = false", "download_external = true"))
    out = tmp_path / "posts"
    result = sync_with(monkeypatch, storekit.store([(good, []), (bad, [block])]), out, config)
    assert result.exit_code == 1, result.output
    assert (f"error: Bad (https://www.notion.so/00000000000000000000000000001002)\n  block {block['id']} (image): its "
            f"file URL 'https://[oops/x.png' does not parse (Invalid IPv6 URL): {fix}") in result.output
    assert [p.parent.name for p in out.glob("*/index.md")] == ["good"]


def test_a_url_httpx_cannot_send_is_that_files_error_not_a_crash(monkeypatch, tmp_path):
    """urlsplit takes both; httpx refuses the port, and IDNA the host (a UnicodeError)."""
    urls = ["http://x:abc/a.png", "http://xn--/a.png"]
    got = download_files(urls, SourceOptions())
    assert [type(got[url]).__name__ for url in urls] == ["InvalidURL", "IDNAError"]
    page = storekit.entry("Bad host", "bad-host", 1)
    result = sync_with(monkeypatch, storekit.store([(page, [image_block(page["id"], urls[1])])]), tmp_path / "posts",
                       config_with(tmp_path))
    assert result.exit_code == 1, result.output
    assert "a Notion-hosted file: could not download 'a.png' (Malformed A-label" in result.output


# --- the address checked is the address connected to -----------------------------------------

class Recorder(SimpleHTTPRequestHandler):
    """Serves its folder and keeps the Host header of every request it answers."""

    hosts: list[str]

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.hosts.append(self.headers["Host"])
        super().do_GET()


@pytest.fixture
def serve(tmp_path):
    """serve(address, bytes) → (port, hosts seen): a file server for secret.png on an address."""
    servers = []

    def start(address: str, data: bytes) -> tuple[int, list[str]]:
        folder = tmp_path / f"served-{address}"
        folder.mkdir()
        (folder / "secret.png").write_bytes(data)
        hosts: list[str] = []
        handler = functools.partial(type("Handler", (Recorder,), {"hosts": hosts}), directory=str(folder))
        server = ThreadingHTTPServer((address, 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.server_address[1], hosts

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


PUBLIC = "93.184.216.34"  # a public address; the test's "internet" answers it from 127.0.0.3


def test_a_name_that_rebinds_to_loopback_is_connected_at_the_address_checked(serve):
    """DNS rebinding: the guard resolved the name (public), then the connection resolved it
    again (127.0.0.1) and fetched what the internal service serves. Now the name is resolved
    once, and the socket goes to the checked address, with the name kept as the Host header."""
    internal_port, internal_hosts = serve("127.0.0.1", b"internal secret")
    public_port, public_hosts = serve("127.0.0.3", PNG)
    answers = [PUBLIC]

    def rebinding(host, port, *args, **kwargs):
        address = answers.pop(0) if answers else "127.0.0.1"  # public to the first question only
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    reached: list[tuple[str, int]] = []

    class Internet(httpcore.SyncBackend):
        """Where a socket goes: the public address is the stand-in server; nothing else answers."""

        def connect_tcp(self, host, port, *args, **kwargs):
            reached.append((host, port))
            if host != PUBLIC:
                raise httpcore.ConnectError(f"{host} is not on the test's internet")
            return super().connect_tcp("127.0.0.3", public_port, *args, **kwargs)

    url = f"http://rebind.example:{internal_port}/secret.png"
    network = PublicOnlyNetwork(resolve=rebinding, inner=Internet())
    assert download_files([url], SourceOptions(), network) == {url: PNG}
    assert reached == [(PUBLIC, internal_port)] and internal_hosts == []
    assert public_hosts == [f"rebind.example:{internal_port}"] and answers == []


def test_a_name_with_any_internal_address_is_refused_before_connecting():
    reached = []

    class Internet(httpcore.SyncBackend):
        def connect_tcp(self, host, *args, **kwargs):
            reached.append(host)
            raise AssertionError("no connection may be made")

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) for a in ("2606:4700::1", "::ffff:10.0.0.1")]

    url = "https://mixed.example/x.png"
    [error] = download_files([url], SourceOptions(), PublicOnlyNetwork(resolve=resolve, inner=Internet())).values()
    assert str(error) == "mixed.example is an internal address (::ffff:10.0.0.1): files are fetched from public hosts only"
    assert reached == []


@pytest.mark.parametrize(("base_url", "allowed"), [
    ("http://localhost:{port}", True),  # the API's own origin (the emulator's, a proxy's)
    ("http://localhost:8080", False),  # the same host on another port
    ("https://localhost:{port}", False),  # the same host and port under another scheme
    ("http://127.0.0.1:{port}", False),  # the same service under another name
], ids=["same-origin", "other-port", "other-scheme", "other-name"])
def test_only_the_apis_own_origin_is_exempt(base_url, allowed, serve):
    """With NOTION_BASE_URL=http://localhost:8080, every localhost service was reachable."""
    port, hosts = serve("127.0.0.1", PNG)
    url = f"http://localhost:{port}/secret.png"
    [got] = download_files([url], SourceOptions(base_url=base_url.format(port=port), retries=0)).values()
    if allowed:
        assert got == PNG and hosts == [f"localhost:{port}"]
    else:
        assert isinstance(got, Exception) and "localhost is an internal address" in str(got) and hosts == []


# --- pagination without end --------------------------------------------------------------------

def endless(ordinal: int) -> bytes:
    """A list page that always has more, under a cursor never seen before."""
    return json.dumps({"object": "list", "results": [], "next_cursor": f"c{ordinal}", "has_more": True}).encode()


@pytest.mark.parametrize("path", ["/query", "/children"])
def test_new_cursors_without_end_stop_at_the_runs_page_budget(path, monkeypatch, tmp_path):
    """A repeated cursor was caught; a new one every time looped for ever. The seed's two pages
    are listed in parallel, so either may read the page past the budget (the 6th or the 7th)."""
    out = tmp_path / "posts"
    result = sync_with(monkeypatch, load_store(SEED_STORE), out, config_with(tmp_path, max_pages=5),
                       faults=Faults(bodies={path: endless}))
    assert result.exit_code == 3, result.output
    assert re.search(r"this run has read [67] pages of results holding [02] entries and blocks, over the budget of one "
                     r"run \(\[limits\] max_pages = 5, max_items = 1,000,000 in pipeline.toml\)", result.output)
    assert not out.exists()


def test_results_past_the_item_budget_stop_the_run(synced_seed, monkeypatch, tmp_path):
    before = sorted(p.read_bytes() for p in synced_seed.rglob("*") if p.is_file())
    result = sync_with(monkeypatch, load_store(SEED_STORE), synced_seed, config_with(tmp_path, max_items=10), "--force")
    assert result.exit_code == 3, result.output
    assert "over the budget of one run ([limits] max_pages = 20,000, max_items = 10 in pipeline.toml)" in result.output
    assert sorted(p.read_bytes() for p in synced_seed.rglob("*") if p.is_file()) == before


@pytest.fixture
def synced_seed(monkeypatch, tmp_path) -> Path:
    out = tmp_path / "seed-posts"
    assert cli(monkeypatch, load_store(SEED_STORE), out).exit_code == 0
    return out


# --- removals spread over runs ----------------------------------------------------------------

class Clock:
    """A fake clock: now, until moved on."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += timedelta(hours=hours)


POSTS = [storekit.entry(f"Post {n}", f"post-{n}", n) for n in range(10)]


def run_without(removed: int, out: Path, clock: Clock, **kwargs):
    """Sync the ten posts, the first `removed` of them unpublished (trashed)."""
    pages = json.loads(json.dumps(POSTS))
    for page in pages[:removed]:
        page["in_trash"] = True
    with NotionEmulator(storekit.store([(page, []) for page in pages]), token=TOKEN) as emulator:
        return sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                    options=SourceOptions(base_url=emulator.base_url, rate=0), clock=clock, **kwargs)


def test_runs_removing_a_few_posts_each_cannot_drain_the_blog(tmp_path):
    """Removing 5, then 2, then 1, then 1 drained 9 of 10 posts, each run under half."""
    out, clock = tmp_path / "posts", Clock()
    assert run_without(0, out, clock).exit_code == 0
    clock.advance(1)
    assert len(run_without(5, out, clock).change.removed) == 5  # half: allowed
    clock.advance(1)
    with pytest.raises(RemovalRefused) as refused:
        run_without(7, out, clock)
    assert str(refused.value).startswith(
        "this run would remove 2 of the 5 posts, and the runs of the last 24 hours removed 5: 7 of the 10 posts the "
        "folder held, more than the 50% those runs may remove ([limits] max_removed_share and removal_window_hours "
        "in pipeline.toml). Nothing was written.")
    assert len(list(out.glob("*/index.md"))) == 5
    clock.advance(24)  # the first removal (23 hours before the refused run) leaves the window
    assert len(run_without(7, out, clock).change.removed) == 2
    record = json.loads((out / bundle.MANIFEST).read_text())["removals"]
    assert record == [{"at": "2026-12-02T11:00:00+00:00", "removed": 2, "posts": 5}]


def test_an_allowed_removal_starts_the_window_afresh(tmp_path):
    out, clock = tmp_path / "posts", Clock()
    run_without(0, out, clock)
    run_without(5, out, clock)
    assert len(run_without(7, out, clock, allow_removal=True).change.removed) == 2
    assert "removals" not in json.loads((out / bundle.MANIFEST).read_text())
    assert len(run_without(8, out, clock).change.removed) == 1  # 1 of 3: counted alone again


def test_a_window_of_zero_hours_counts_each_run_alone(tmp_path):
    from dataclasses import replace

    out, clock = tmp_path / "posts", Clock()
    config = replace(CONFIG, limits=replace(CONFIG.limits, removal_window_hours=0))
    for removed in (0, 5, 7, 8, 9):
        with NotionEmulator(storekit.store([({**page, "in_trash": n < removed}, []) for n, page in enumerate(POSTS)]),
                            token=TOKEN) as emulator:
            report = sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                          options=SourceOptions(base_url=emulator.base_url, rate=0), clock=clock)
        assert report.exit_code == 0
    assert [p.parent.name for p in out.glob("*/index.md")] == ["post-9"]


def test_a_manifest_from_before_the_window_loads_and_a_garbled_window_stops_the_run(tmp_path):
    out, clock = tmp_path / "posts", Clock()
    run_without(0, out, clock)
    manifest = json.loads((out / bundle.MANIFEST).read_text())
    assert "removals" not in manifest  # as older versions wrote it: nothing removed yet
    assert bundle.Manifest.load(out).removals == []
    for garbled in ([{"at": "yesterday", "removed": 1, "posts": 2}], [{"at": "2026-12-01T09:00:00", "removed": 1,
                                                                       "posts": 2}],
                    [{"at": "2026-12-01T09:00:00+00:00", "removed": -1, "posts": 2}], {"at": 1}):
        (out / bundle.MANIFEST).write_text(json.dumps({**manifest, "removals": garbled}))
        with pytest.raises(OutputError, match="its removals are not a list of {at, removed, posts} records"):
            bundle.Manifest.load(out)
