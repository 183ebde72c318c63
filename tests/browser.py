"""Test equipment for the browser tests: a loopback HTTP server for a built site (and the npm
packages the site kit loads, from tests/node_modules), and headless Chromium driven over the
DevTools protocol with a small client on `websockets`.

    with SiteServer(public_dir) as server, Chromium() as browser:
        page = browser.new_page()
        page.goto(server.url + "/posts/x/")
        page.evaluate("document.title")
        page.errors          # console errors, exceptions, failed loads since the page opened

Chromium is Debian's (`make chromium`); nothing here downloads a browser.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--hide-scrollbars", "--mute-audio",
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The built site at /, the npm packages at /node_modules/."""

    def translate_path(self, path: str) -> str:
        if not path.startswith("/node_modules/"):
            return super().translate_path(path)
        site, self.directory = self.directory, str(NODE_MODULES)
        try:
            return super().translate_path(path[len("/node_modules"):])
        finally:
            self.directory = site

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class SiteServer:
    def __init__(self, public: Path) -> None:
        handler = functools.partial(_Handler, directory=str(Path(public).resolve()))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "SiteServer":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Page:
    """One tab, attached with its own DevTools session."""

    def __init__(self, browser: "Chromium", session: str) -> None:
        self.browser, self.session = browser, session
        self.errors: list[str] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, session=self.session, **params)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")

    def goto(self, url: str, timeout: float = 20) -> None:
        self.browser.drain()
        self.call("Page.navigate", url=url)
        self.browser.wait_for("Page.loadEventFired", self.session, timeout)

    def evaluate(self, expression: str, timeout: float = 20) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        reply = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                          timeout=int(timeout * 1000))
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression!r} threw: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_until(self, condition: str, timeout: float = 20) -> Any:
        """Poll a JavaScript expression in the page until it is truthy; its value."""
        return self.evaluate(
            f"""new Promise((resolve, reject) => {{
                  const end = Date.now() + {int(timeout * 1000)};
                  (function poll() {{
                    const value = ({condition});
                    if (value) return resolve(value);
                    if (Date.now() > end) return reject(new Error("timed out waiting for: " + {json.dumps(condition)}));
                    setTimeout(poll, 25);
                  }})();
                }})""",
            timeout + 5,
        )

    def screenshot(self, path: Path, width: int, height: int, y: float = 0) -> None:
        import base64

        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        shot = self.call("Page.captureScreenshot", format="png",
                         clip={"x": 0, "y": y, "width": width, "height": height, "scale": 1}, captureBeyondViewport=True)
        Path(path).write_bytes(base64.b64decode(shot["data"]))


class Chromium:
    """Headless Debian Chromium with a fresh profile, driven over its DevTools websocket."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="notion-hugo-chromium-", ignore_cleanup_errors=True)
        self._process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) == 2):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"{CHROMIUM} did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().split()
        self._ws = contextlib.ExitStack().enter_context(connect(f"ws://127.0.0.1:{port}{path}", max_size=None,
                                                                open_timeout=10))
        self._id = 0
        self._pages: dict[str, Page] = {}
        self._pending: list[dict[str, Any]] = []

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_ws", None) is not None:
            self._ws.close()
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._profile.cleanup()

    def new_page(self) -> Page:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = self._pages[session] = Page(self, session)
        return page

    def _dispatch(self, message: dict[str, Any]) -> None:
        page = self._pages.get(message.get("sessionId", ""))
        if page is not None:
            page._event(message)
        self._pending.append(message)

    def _receive(self, timeout: float) -> dict[str, Any]:
        message = json.loads(self._ws.recv(timeout=timeout))
        if "method" in message:
            self._dispatch(message)
        return message

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._id += 1
        request: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            request["sessionId"] = session
        self._ws.send(json.dumps(request))
        while True:
            message = self._receive(60)
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def drain(self) -> None:
        self._pending.clear()

    def wait_for(self, event: str, session: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for message in self._pending:
                if message.get("method") == event and message.get("sessionId") == session:
                    self._pending.remove(message)
                    return message.get("params", {})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {event} within {timeout} s")
            self._receive(remaining)


# --------------------------------------------------------------------------- the test blog

def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid PNG (zlib and the PNG chunk layout from the standard library)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


EQUATIONS_SLUG = "with-equations"
PICTURE = "https://prod-files-secure.s3.us-west-2.amazonaws.com/space/block/picture.png?X-Amz-Signature=s"


def demo_store() -> dict[str, Any]:
    """The seed workspace plus one published entry holding equations (a block, and inline ones),
    a Notion-hosted image, a mention of a seed post, a table and two columns."""
    import base64
    import copy

    from notion_emulator import load_store
    from tests import storekit
    from tests.conftest import SEED_DATA_SOURCE, SEED_STORE

    workspace = load_store(SEED_STORE)
    page = storekit.entry("Equations and a picture", EQUATIONS_SLUG, 7)
    seed_mention = next(item for block in workspace["blocks"].values() for item in block.get(block["type"], {}).get(
        "rich_text", ()) if item["type"] == "mention" and item["plain_text"] == "Steps to Learn Kubernetes")

    def equation(expression: str) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/rich-text (type "equation": {expression}).
        item = storekit.text(expression)
        del item["text"]
        item.update(type="equation", equation={"expression": expression}, href=None)
        return item

    intro = storekit.paragraph(page["id"], storekit.text("Euler: "), equation(r"e^{i\pi} + 1 = 0"),
                               storekit.text(", and "), equation("a < b"), storekit.text(". More in "),
                               copy.deepcopy(seed_mention), storekit.text("."))
    block = copy.deepcopy(intro)
    del block["paragraph"]
    # Shape: developers.notion.com/reference/block#equation.
    block.update(id="7e000000-0000-4000-8000-000000000001", type="equation",
                 equation={"expression": r"\int_0^1 x^2\,dx = \frac{1}{3}"})
    picture = copy.deepcopy(intro)
    del picture["paragraph"]
    # Shape: developers.notion.com/reference/block#image, a file object of type "file".
    picture.update(id="7e000000-0000-4000-8000-000000000002", type="image",
                   image={"caption": [storekit.text("A picture")], "type": "file",
                          "file": {"url": PICTURE, "expiry_time": "2026-11-26T17:00:00.000Z"}})
    table = copy.deepcopy(intro)
    del table["paragraph"]
    # Shape: developers.notion.com/reference/block#table; its rows (table_row: cells, one rich
    # text array per column) are its children.
    table.update(id="7e000000-0000-4000-8000-000000000003", type="table", has_children=True,
                 table={"table_width": 2, "has_column_header": True, "has_row_header": False})
    rows = []
    for n, cells in enumerate((("Tool", "Use"), ("kubectl", "talk to the cluster"), ("kind", "a cluster in Docker"))):
        row = copy.deepcopy(intro)
        del row["paragraph"]
        row.update(id=f"7e000000-0000-4000-8000-00000000001{n}", type="table_row",
                   table_row={"cells": [[storekit.text(cell)] for cell in cells]})
        rows.append(row)
    workspace["children"][table["id"]] = [row["id"] for row in rows]
    workspace["blocks"].update({row["id"]: row for row in rows})
    columns = copy.deepcopy(intro)
    del columns["paragraph"]
    # Shape: developers.notion.com/reference/block#column-list-and-column; columns are the
    # list's children, and each column's blocks are its children.
    columns.update(id="7e000000-0000-4000-8000-000000000004", type="column_list", has_children=True, column_list={})
    workspace["children"][columns["id"]] = []
    for n, words in enumerate(("Left: the control plane.", "Right: the nodes.")):
        column = copy.deepcopy(columns)
        del column["column_list"]
        column.update(id=f"7e000000-0000-4000-8000-00000000002{n}", type="column", column={"width_ratio": 0.5})
        inside = storekit.paragraph(column["id"], storekit.text(words))
        workspace["children"][columns["id"]].append(column["id"])
        workspace["children"][column["id"]] = [inside["id"]]
        workspace["blocks"].update({column["id"]: column, inside["id"]: inside})
    blocks = [intro, block, picture, table, columns]
    workspace["pages"][page["id"]] = page
    workspace["entries"][SEED_DATA_SOURCE].append(page["id"])
    workspace["children"][page["id"]] = [b["id"] for b in blocks]
    workspace["blocks"].update({b["id"]: b for b in blocks})
    workspace.setdefault("files", {})[PICTURE] = {"content_type": "image/png",
                                                  "base64": base64.b64encode(_png(320, 120, (70, 130, 180))).decode()}
    return workspace


def demo_blog(site_dir: Path) -> Path:
    """A blog on the fixture theme set up as a user would: `init` (pipeline.toml with the site's
    posts folder, and the site kit; the site keeps raw HTML and passthrough off, so the posts use
    the kit's shortcodes and GitHub's math forms), Notion colours and column grids turned on in
    its [render] table, then `sync` of the demo workspace; the kit's scripts are served from
    this machine's npm packages."""
    from click.testing import CliRunner

    from pipeline.cli import main
    from tests.conftest import SEED_DATA_SOURCE
    from tests.hugosite import make_site

    make_site(site_dir, config='[params.notion_hugo]\n  vendor = "/node_modules"\n')
    store = site_dir.parent / "store.json"
    store.write_text(json.dumps(demo_store()), encoding="utf-8")
    runner = CliRunner()
    init = runner.invoke(main, ["init", SEED_DATA_SOURCE, "--store", str(store), "--site", str(site_dir), "--no-workflow"])
    assert init.exit_code == 0, init.output
    config = site_dir / "pipeline.toml"
    # Into the [render] table init proposed (html, math and callouts as the site reads them).
    config.write_text(config.read_text(encoding="utf-8").replace("\n[render]\n", '\n[render]\ncolors = true\ncolumns = "grid"\n'),
                      encoding="utf-8")
    synced = runner.invoke(main, ["sync", "--store", str(store), "--config", str(config)])
    assert synced.exit_code == 0, synced.output
    return site_dir


def screenshots(docs: Path) -> None:
    """docs/seed-{light,dark}.png and docs/seed-diagram-{light,dark}.png: the seed post on the
    fixture theme, its top and its diagram, in either scheme; docs/equations-{light,dark}.png:
    the post with equations, a picture and a table."""
    from tests.hugosite import build

    with tempfile.TemporaryDirectory() as tmp:
        public = build(demo_blog(Path(tmp) / "blog"), Path(tmp))
        with SiteServer(public) as server, Chromium() as browser:
            page = browser.new_page()
            for scheme in ("light", "dark"):
                page.goto(server.url + "/posts/kubernetes-resources-and-learning-path/")
                page.evaluate(f"localStorage.setItem('pref-theme', '{scheme}'), location.reload()")
                browser.wait_for("Page.loadEventFired", page.session, 20)
                page.wait_until(f"document.documentElement.dataset.notionHugoDiagrams === '{scheme}'")
                page.screenshot(docs / f"seed-{scheme}.png", 820, 620)
                y = page.evaluate("document.querySelector('pre.mermaid').getBoundingClientRect().top + scrollY - 110")
                page.screenshot(docs / f"seed-diagram-{scheme}.png", 820, 330, y)
                page.goto(f"{server.url}/posts/{EQUATIONS_SLUG}/")
                page.wait_until("document.querySelectorAll('.notion-math .katex').length === 3 && "
                                "document.fonts.check('16px KaTeX_Main')")
                page.screenshot(docs / f"equations-{scheme}.png", 820, 700)


if __name__ == "__main__":
    import sys

    screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
