"""Webhook latency (issue #15): from the last event of a burst to the dispatch at GitHub's
stand-in, and whether a burst of N events for several pages gives one dispatch.

The receiver is the real command (`python -m pipeline webhook --port 0 …`, uvicorn) in a child
process; the events come from the emulator's webhook subscription (notion_emulator/webhooks.py,
real clock, aggregation window 0: each write's event goes out at once, as fast as the receiver
answers), made by writes through the API with the real notion-client; the dispatch lands at
tests/github_standin.py. Both ends are timed in this process (time.monotonic).

    .venv/bin/python bench/webhook_latency.py [--bursts 10] [--pages 6] [--edits 4]

Baseline, measured in the same run: the debounce itself, the least the latency can be (the
receiver waits that long after the last event by design); the overhead is the rest. Also: how
long the receiver takes to answer Notion (a signed event posted directly, 200 answers).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from notion_client import Client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notion_emulator import NotionEmulator  # noqa: E402
from pipeline.webhook import signature  # noqa: E402
from tests.conftest import SEED_DATA_SOURCE, TOKEN  # noqa: E402
from tests.github_standin import GitHubStandIn  # noqa: E402
from tests.storekit import entry, store  # noqa: E402

REPO = "owner/blog"
GITHUB_TOKEN = "ghp_bench_token_0123456789"
HOOK_TOKEN = "secret_bench_0123456789abcdef"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_receiver(github: GitHubStandIn, debounce: float) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GITHUB_API_URL": github.base_url, "GITHUB_TOKEN": GITHUB_TOKEN,
           "NOTION_WEBHOOK_TOKEN": HOOK_TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "webhook", "--port", "0", "--repo", REPO, "--data-source", SEED_DATA_SOURCE,
         "--debounce", str(debounce)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return process, process.stdout.readline().split()[-1]


def run(debounce: float, bursts: int, pages: int, edits: int) -> dict:
    ids = [str(entry("", "", n)["id"]) for n in range(pages)]
    data = store([(entry(f"Post {n}", f"post-{n}", n), []) for n in range(pages)])
    latencies, events_per_burst, one_dispatch, answers = [], [], 0, []
    with GitHubStandIn(repo=REPO, token=GITHUB_TOKEN) as github:
        process, url = start_receiver(github, debounce)
        try:
            with NotionEmulator(data, token=TOKEN, webhook_url=url, webhook_token=HOOK_TOKEN,
                                webhook_window=0.0) as emulator, Client(auth=TOKEN, base_url=emulator.base_url) as client:
                hooks = emulator.webhooks
                for burst in range(bursts):
                    before = len(hooks.deliveries)
                    for edit in range(edits):
                        for page in ids:
                            client.blocks.children.append(block_id=page, children=[
                                {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {
                                    "content": f"burst {burst} edit {edit}"}}]}}])
                    # Every event of the burst delivered (the subscription aggregates what is
                    # still waiting, so there are at most pages × edits of them).
                    hooks.wait_idle()
                    delivered = hooks.deliveries[before:]
                    dispatch = github.wait_for(burst + 1, timeout=debounce + 30)[burst]
                    assert all(d.ok for d in delivered), delivered
                    latencies.append(dispatch.arrived - delivered[-1].at)
                    events_per_burst.append(len(delivered))
                    sent = dispatch.client_payload["pages"]
                    one_dispatch += sorted(sent) == sorted(ids) and len(github.dispatches) == burst + 1
                    time.sleep(0.2)  # quiet: the next burst is a burst of its own
                    assert len(github.dispatches) == burst + 1, "a burst gave more than one dispatch"
                # How fast Notion is answered: one signed event, posted directly.
                raw = json.dumps(hooks.deliveries[-1].body).encode()
                with httpx.Client() as http:
                    for _ in range(200):
                        start = time.perf_counter()
                        http.post(url, content=raw, headers={"X-Notion-Signature": signature(HOOK_TOKEN, raw)})
                        answers.append(time.perf_counter() - start)
        finally:
            process.terminate()
            process.wait(timeout=15)
    return {"debounce": debounce, "latencies": latencies, "events": events_per_burst, "one_dispatch": one_dispatch,
            "bursts": bursts, "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--edits", type=int, default=4, help="edits of each page in a burst")
    parser.add_argument("--debounce", type=float, nargs="+", default=[0.5, 2.0])
    args = parser.parse_args()
    print(f"{args.bursts} bursts a row, each {args.edits} edits of each of {args.pages} pages "
          f"({args.edits * args.pages} writes through the API); machine: {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}\n")
    print("| --debounce | events a burst (min–max) | bursts → exactly one dispatch naming each page once "
          "| last event → dispatch p50 | p95 | p50 / debounce | overhead p50 (p95) | answer to Notion p50 (p95) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for debounce in args.debounce:
        r = run(debounce, args.bursts, args.pages, args.edits)
        p50, p95 = percentile(r["latencies"], 0.5), percentile(r["latencies"], 0.95)
        a50, a95 = percentile(r["answers"], 0.5), percentile(r["answers"], 0.95)
        print(f"| {debounce:g} s | {min(r['events'])}–{max(r['events'])} | {r['one_dispatch']} of {r['bursts']} "
              f"| {p50:.3f} s | {p95:.3f} s | {p50 / debounce:.3f} | {(p50 - debounce) * 1000:.0f} ms "
              f"({(p95 - debounce) * 1000:.0f} ms) | {a50 * 1000:.2f} ms ({a95 * 1000:.2f} ms) |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
