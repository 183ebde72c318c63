"""`notion-hugo preview` of a whole site (issues 15 and 18): two data sources, one a section
(posts, notes). From an edit made through the API to its new text served by the preview's
Hugo, for an entry of each source; and the requests a poll while nothing changes.

    .venv/bin/python bench/preview_sites.py [--edits 10] [--poll 1] [--latency 0.1]

The preview runs as a user runs it (`python -m pipeline preview`, a child process) over the
two-source site of tests/test_preview_sites.py, reading the emulator through NOTION_BASE_URL;
the emulator answers each request after `--latency` seconds and allows `--rate` a second (3,
burst 10), as Notion does. Each edit is in its own minute, already over (the next query shows
it). Baseline, in the same run: the one-source preview (`--data-source`, the posts alone) of
the same site, edits to the same post; there the note does not mention the post (the one-source
preview starts Hugo before its first sync, and Hugo refuses the site's own link to a post still
hidden). Results go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import notion_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.preview_latency import first_line, summary, until_served  # noqa: E402
from notion_emulator import NotionEmulator  # noqa: E402
from tests.conftest import SEED_DATA_SOURCE  # noqa: E402
from tests.test_preview_sites import ALPHA, GAMMA, TOKEN, site_with_two_sources, two_sources  # noqa: E402

SECTIONS = {"posts": (ALPHA["id"], "/posts/alpha/"), "notes": (GAMMA["id"], "/notes/gamma/")}


def measure(whole_site: bool, poll: float, edits: int, latency: float, rate: float) -> dict[str, object]:
    store = two_sources()
    if not whole_site:
        note = store["blocks"][store["children"][GAMMA["id"]][0]]
        note["paragraph"]["rich_text"] = note["paragraph"]["rich_text"][:1]
    with tempfile.TemporaryDirectory() as tmp, \
            NotionEmulator(store, token=TOKEN, latency=latency, rate=rate, burst=10) as emulator:
        emulator.clock = lambda: datetime.now(timezone.utc) - timedelta(days=1)
        site, _ = site_with_two_sources(Path(tmp) / "blog", emulator)
        client = notion_client.Client(auth=TOKEN, base_url=emulator.base_url)
        env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "pipeline", "preview", "--site", str(site), "--port", "0", "--poll", str(poll),
                   *([] if whole_site else ["--data-source", SEED_DATA_SOURCE])]
        preview = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            started = time.monotonic()
            address = first_line(preview.stdout, 120).strip()
            threading.Thread(target=preview.stdout.read, daemon=True).start()  # drain its lines
            until_served(address, "Alpha as first written.", "/posts/alpha/")
            results: dict[str, object] = {"start": time.monotonic() - started}
            time.sleep(3 * poll)  # the first sync's pages are settled: the preview is idle
            emulator.reset_log()
            time.sleep(10 * poll)
            results["idle_per_poll"] = len(emulator.requests) / 10
            base = datetime.now(timezone.utc) - timedelta(hours=1)
            for section in SECTIONS if whole_site else ["posts"]:
                page_id, path = SECTIONS[section]
                block = emulator.store["children"][page_id][0]
                served = []
                for n in range(edits):
                    emulator.clock = lambda stamp=base + timedelta(minutes=n): stamp  # its own minute, over
                    text = f"{section} edit {n}"
                    time.sleep(poll * (n % 5) / 5)  # edits land at different phases of the poll
                    start = time.monotonic()
                    client.blocks.update(block, paragraph={"rich_text": [{"text": {"content": text}}]})
                    served.append(until_served(address, text, path) - start)
                base += timedelta(minutes=edits)
                results[section] = served
            return results
        finally:
            preview.send_signal(signal.SIGINT)
            preview.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the emulator takes to answer")
    parser.add_argument("--rate", type=float, default=3.0, help="requests a second the emulator allows")
    args = parser.parse_args()
    one = measure(False, args.poll, args.edits, args.latency, args.rate)
    site = measure(True, args.poll, args.edits, args.latency, args.rate)
    for name, results in (("one data source (baseline)", one), ("whole site, two data sources", site)):
        print(f"{name}: launch to first page served {results['start']:.2f} s; idle {results['idle_per_poll']:.2f} requests a poll")
        for section in SECTIONS:
            if section in results:
                print(f"  edit in {section:5}  served: {summary(results[section])}")
    ratio = statistics.median(site["posts"]) / statistics.median(one["posts"])
    print(f"posts edit served p50, whole site / one data source = {ratio:.2f}")


if __name__ == "__main__":
    main()
