"""Notion-hosted files (signed URLs that expire) are downloaded into the page bundle, named by
content; one that cannot be downloaded is an error for its entry, never a broken image."""

from __future__ import annotations

import base64
import copy

from pipeline.config import load_default_config
from notion_emulator import NotionEmulator
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.hugosite import build, demo_site

CONFIG = load_default_config()
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SIGNED = "https://prod-files-secure.s3.us-west-2.amazonaws.com/space/block/diagram.png?X-Amz-Signature=abc&X-Amz-Expires=3600"


def image_block(page_id: str, url: str) -> dict:
    # Shape: developers.notion.com/reference/block#image with a file object of type "file"
    # (developers.notion.com/reference/file-object): {url, expiry_time}.
    block = copy.deepcopy(storekit.paragraph(page_id, storekit.text("x")))
    del block["paragraph"]
    block["id"] = "5e1d2c3b-4a59-4687-9786-a5b4c3d2e1f0" if "amazonaws" in url else "5e1d2c3b-4a59-4687-9786-a5b4c3d2e1f1"
    block["type"] = "image"
    block["image"] = {"caption": [storekit.text("A diagram")], "type": "file",
                      "file": {"url": url, "expiry_time": "2026-11-26T17:00:00.000Z"}}
    return block


def workspace(url: str) -> dict:
    page = storekit.entry("With an image", "with-an-image", 1)
    store = storekit.store([(page, [image_block(page["id"], url)])])
    store["files"] = {SIGNED: {"content_type": "image/png", "base64": base64.b64encode(PNG).decode()}}
    return store


def run(store: dict, out):
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url, backoff=0.01),
                      force=True)
        return report, emulator.count(prefix="/files/")


def test_hosted_image_is_downloaded_into_the_bundle_and_hugo_serves_it(tmp_path):
    site = tmp_path / "site"
    demo_site(site)
    out = site / "content" / "posts"
    report, downloads = run(workspace(SIGNED), out)
    assert report.exit_code == 0, report.problems
    name = "diagram.png"  # the name Notion keeps for the file (its signed URL's path), not its URL's query
    assert (out / "with-an-image" / name).read_bytes() == PNG
    assert f"![A diagram]({name})" in (out / "with-an-image" / "index.md").read_text()
    assert downloads == 1
    public = build(site, tmp_path)
    assert (public / "posts" / "with-an-image" / name).read_bytes() == PNG
    assert f'<img src="{name}" alt="A diagram"' in (public / "posts" / "with-an-image" / "index.html").read_text()


def test_resync_with_a_new_signed_url_does_not_churn(tmp_path):
    out = tmp_path / "posts"
    run(workspace(SIGNED), out)
    again = workspace(SIGNED)
    resigned = SIGNED.replace("abc", "def")
    again["files"] = {resigned: again["files"][SIGNED]}
    again["blocks"]["5e1d2c3b-4a59-4687-9786-a5b4c3d2e1f0"]["image"]["file"]["url"] = resigned
    report, _ = run(again, out)
    assert report.change.written == [] and report.change.removed == []


def test_a_file_that_cannot_be_downloaded_rejects_the_entry_and_keeps_its_old_output(tmp_path):
    out = tmp_path / "posts"
    run(workspace(SIGNED), out)
    before = (out / "with-an-image" / "index.md").read_bytes()
    report, _ = run(workspace("http://127.0.0.1:9/gone/diagram.png"), out)
    assert report.exit_code == 1
    [problem] = report.errors
    assert problem.where == "a Notion-hosted file"
    assert "could not download 'diagram.png'" in problem.message and "upload the file again" in problem.message
    assert (out / "with-an-image" / "index.md").read_bytes() == before


def test_a_file_on_an_internal_address_is_never_fetched(tmp_path):
    """A file URL comes from an API answer (or an editor's block): one naming an internal
    address (here a server on 127.0.0.2, which does answer) is refused before any connection,
    and its entry is rejected; only the API's own host may be internal (the emulator here)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    served = tmp_path / "internal"
    served.mkdir()
    (served / "secret.png").write_bytes(PNG)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    with ThreadingHTTPServer(("127.0.0.2", 0), handler) as internal:
        threading.Thread(target=internal.serve_forever, daemon=True).start()
        url = f"http://127.0.0.2:{internal.server_address[1]}/secret.png"
        try:
            report, _ = run(workspace(url), tmp_path / "posts")
        finally:
            internal.shutdown()
    assert report.exit_code == 1 and report.rejected == ["With an image"]
    [problem] = report.errors
    assert "127.0.0.2 is an internal address (127.0.0.2): files are fetched from public hosts only" in problem.message
    assert not (tmp_path / "posts" / "with-an-image").exists()
