"""Cost of the per-request deadline (issue #9): each attempt runs in a daemon thread the
transport waits on. 300 GETs of one block list from the local emulator, with and without it.

    .venv/bin/python bench/deadline_overhead.py
"""

import time
from pathlib import Path

import httpx

from notion_emulator import NotionEmulator, load_store
from pipeline.source import NotionTransport, RateLimiter
with NotionEmulator(load_store(str(Path(__file__).resolve().parent.parent / "data" / "kubernetes-learning-path.json")), token="t") as e:
    t = NotionTransport(RateLimiter(0, 1))
    with httpx.Client(transport=t) as c:
        url = e.base_url + "/v1/blocks/47fe7c27-f8e6-4162-bc8e-ed96d898dcb4/children"
        h = {"Authorization": "Bearer t", "Notion-Version": "2025-09-03"}
        for mode in ("thread", "direct", "thread", "direct"):
            if mode == "direct":
                t._within_deadline = lambda r: t._bounded(r, t.inner.handle_request(r))
            else:
                t.__dict__.pop("_within_deadline", None)
            start = time.perf_counter()
            for _ in range(300):
                c.get(url, headers=h).raise_for_status()
            print(mode, f"{(time.perf_counter() - start) / 300 * 1000:.2f} ms/request")
