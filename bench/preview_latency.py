"""`notion-hugo preview` (issue 15): from an edit made through the API to the new text served
by the preview's Hugo, and to the DOM of a browser showing the post (headless Chromium, the
page refreshed by Hugo's LiveReload), at --poll 1 and --poll 2; and the requests a second the
preview makes while nothing changes.

    .venv/bin/python bench/preview_latency.py [--edits 10] [--polls 1 2] [--latency 0.1]

The preview runs as a user runs it (`python -m pipeline preview`, a child process) over the
demo blog of the browser tests, reading the emulator through NOTION_BASE_URL; the emulator
answers each request after `--latency` seconds and allows `--rate` requests a second (3, burst
10), as Notion does; the bench's own edits count against that budget too (a writer's edits in
Notion's editor do not count against the integration's). Two kinds of edit, `--edits` of each:

- a later minute: the edit's last_edited_time differs from the one before, so the next query
  shows it (the emulator's clock puts each edit in its own minute, already over);
- the same minute: the edit keeps the last_edited_time (the clock stays in one minute), so only
  the re-check of a page edited within the minute finds it, spaced within the rate budget.

Baseline, in the same run: Hugo alone, from writing a post's file in the site to the new text
served (the floor under any preview latency). Results go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import notion_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notion_emulator import NotionEmulator  # noqa: E402
from tests.browser import EQUATIONS_SLUG, Chromium, demo_blog, demo_store  # noqa: E402
from tests.conftest import SEED_DATA_SOURCE  # noqa: E402

TOKEN = "bench-token-preview"
PATH = f"/posts/{EQUATIONS_SLUG}/"
# Hugo's livereload.js (livereload-js) keeps its socket at window.LiveReload.connector.socket.
LIVE = "window.LiveReload && LiveReload.connector && LiveReload.connector.socket && LiveReload.connector.socket.readyState === 1"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def until_served(address: str, text: str, path: str = PATH, deadline: float = 60) -> float:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if text in httpx.get(address.rstrip("/") + path, timeout=10).text:
            return time.monotonic()
        time.sleep(0.01)
    raise TimeoutError(f"{text!r} not served within {deadline} s")


def until_in_dom(page, text: str, deadline: float = 60) -> float:
    """The moment the browser's DOM holds the text; each LiveReload reload replaces the
    document, so the check is asked again from here rather than awaited in the page."""
    end = time.monotonic() + deadline
    probe = f"!!(document.body && document.body.innerText.includes({json.dumps(text)}))"
    while time.monotonic() < end:
        try:
            if page.evaluate(probe, timeout=5):
                return time.monotonic()
        except (AssertionError, RuntimeError):
            pass  # the document was being replaced
        time.sleep(0.01)
    raise TimeoutError(f"{text!r} not in the DOM within {deadline} s")


def first_line(stream, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def summary(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.2f} s, p95 {percentile(values, 0.95):.2f} s, max {max(values):.2f} s"


def timed(address: str, path: str, page, text: str, make_edit) -> tuple[float, float]:
    """Seconds from `make_edit()` to `text` served over HTTP, and to it in the browser's DOM
    (both watched at once)."""
    page.wait_until(LIVE)  # a reload sent before the page's socket connects is missed, as in any browser
    start = time.monotonic()
    make_edit()
    dom: list[float] = []
    in_dom = threading.Thread(target=lambda: dom.append(until_in_dom(page, text) - start))
    in_dom.start()
    served = until_served(address, text, path) - start
    in_dom.join()
    return served, dom[0]


def hugo_floor(address: str, site: Path, page, edits: int) -> tuple[list[float], list[float]]:
    """Hugo alone: a hand-made change to the post's file in the preview's synced folder is not
    ours to make, so the site's own hand-written post is changed instead."""
    post = site / "content" / "posts" / "by-hand" / "index.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text("---\ntitle: By hand\ndate: 2026-01-01\n---\nfirst\n", encoding="utf-8")
    until_served(address, "first", "/posts/by-hand/")
    page.goto(address.rstrip("/") + "/posts/by-hand/")
    served, dom = [], []
    for n in range(edits):
        text = f"hand edit {n}"
        times = timed(address, "/posts/by-hand/", page, text, lambda text=text: post.write_text(
            f"---\ntitle: By hand\ndate: 2026-01-01\n---\n{text}\n", encoding="utf-8"))
        served.append(times[0])
        dom.append(times[1])
    return served, dom


def measure(poll: float, edits: int, latency: float, rate: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        site = demo_blog(Path(tmp) / "blog")
        with NotionEmulator(demo_store(), token=TOKEN, latency=latency, rate=rate, burst=10) as emulator:
            client = notion_client.Client(auth=TOKEN, base_url=emulator.base_url)
            page_id = next(p for p, page in emulator.store["pages"].items()
                           if page["properties"]["Slug"]["rich_text"][0]["plain_text"] == EQUATIONS_SLUG)
            block = emulator.store["children"][page_id][0]
            env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url, "PYTHONPATH": str(ROOT)}
            preview = subprocess.Popen([sys.executable, "-m", "pipeline", "preview", "--site", str(site), "--port", "0",
                                        "--poll", str(poll), "--data-source", SEED_DATA_SOURCE],
                                       env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                address = first_line(preview.stdout, 120).strip()
                threading.Thread(target=preview.stdout.read, daemon=True).start()  # drain its lines
                until_served(address, "Euler")
                time.sleep(3 * poll)  # the first sync's pages are settled: the preview is idle
                emulator.reset_log()
                window = 10 * poll
                time.sleep(window)
                idle = len(emulator.requests) / window
                results: dict[str, object] = {"poll": poll, "idle_requests_per_s": idle}
                with Chromium() as browser:
                    page = browser.new_page()
                    page.goto(address.rstrip("/") + PATH)
                    for kind in ("later minute", "same minute"):
                        served, dom = [], []
                        base = datetime.now(timezone.utc)
                        for n in range(edits):
                            if kind == "later minute":  # each edit in its own minute, already over
                                stamp = base - timedelta(minutes=2 * edits) + timedelta(minutes=n)
                            else:  # one minute, not over while the run lasts
                                stamp = base + timedelta(hours=1)
                            emulator.clock = lambda stamp=stamp: stamp
                            text = f"{kind} edit {n} at poll {poll}"
                            time.sleep(poll * (n % 5) / 5)  # edits land at different phases of the poll
                            times = timed(address, PATH, page, text, lambda text=text: client.blocks.update(
                                block, paragraph={"rich_text": [{"text": {"content": text}}]}))
                            served.append(times[0])
                            dom.append(times[1])
                        results[kind] = {"served": served, "dom": dom}
                    results["hugo alone"] = dict(zip(("served", "dom"), hugo_floor(address, site, page, edits)))
                results["requests"] = len(emulator.requests)
                results["429s"] = sum(r.status == 429 for r in emulator.requests)
                return results
            finally:
                preview.send_signal(signal.SIGINT)
                preview.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--polls", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the emulator takes to answer")
    parser.add_argument("--rate", type=float, default=3.0,
                        help="requests a second the emulator allows, the bench's own edits included")
    args = parser.parse_args()
    for poll in args.polls:
        results = measure(poll, args.edits, args.latency, args.rate)
        print(f"--poll {poll:g}: idle {results['idle_requests_per_s']:.2f} requests/s "
              f"({results['idle_requests_per_s'] * poll:.2f} per poll)")
        print(f"  during the edits: {results['requests']} requests, {results['429s']} answered 429")
        floor = results["hugo alone"]
        for kind in ("later minute", "same minute", "hugo alone"):
            measured = results[kind]
            print(f"  {kind:12}  served: {summary(measured['served'])}   DOM: {summary(measured['dom'])}")
        for kind in ("later minute", "same minute"):
            ratio = statistics.median(results[kind]["dom"]) / statistics.median(floor["dom"])
            print(f"  {kind}: DOM p50 / Hugo alone's DOM p50 = {ratio:.1f}")


if __name__ == "__main__":
    main()
