"""A rendering change over a data source of 600 posts (issue #16, 2): requests and wall time
with the block cache (pipeline/cache.py) against without it, measured in the same run.

Against the emulator with Notion's documented pace (bench/run.py's: latency 0.1 s an answer, a
token bucket of 3 requests a second holding 10). The store is bench/generate.py's
data_source_store(600): 600 Published entries of 5-20 blocks. Each case: a first sync, then the
same sync with `[render] colors = true` (every post re-rendered); the second is measured.

    .venv/bin/python bench/render_change.py              # 600 posts (about 10 minutes)
    .venv/bin/python bench/render_change.py --posts 100  # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import generate  # noqa: E402
from notion_emulator import NotionEmulator  # noqa: E402
from pipeline.config import RenderOptions, load_default_config  # noqa: E402
from pipeline.source import SourceOptions  # noqa: E402
from pipeline.sync import Selection, sync  # noqa: E402

TOKEN = "secret_bench_token_0123456789abcdef"
LATENCY, RATE, BURST = 0.1, 3.0, 10


def measure(store: dict, cached: bool, work: Path) -> dict[str, float]:
    config = load_default_config()
    colored = dataclasses.replace(config, render=RenderOptions(colors=True))
    out, cache = work / "posts", (work / "cache" if cached else None)
    with NotionEmulator(store, token=TOKEN, latency=LATENCY, rate=RATE, burst=BURST) as emulator:
        options = SourceOptions(base_url=emulator.base_url)
        selection = Selection(generate.DATA_SOURCE_ID, ())
        sync(config, selection, token=TOKEN, out_dir=out, options=options, cache_dir=cache)
        time.sleep(BURST / RATE + 0.5)  # the change's run starts with a full bucket, as a later run would
        emulator.reset_log()
        started = time.monotonic()
        report = sync(colored, selection, token=TOKEN, out_dir=out, options=options, cache_dir=cache)
        wall = time.monotonic() - started
        requests = len(emulator.requests)
        limited = sum(1 for r in emulator.requests if r.status == 429)
    assert report.exit_code == 0, report.problems
    return {"requests": requests, "wall": wall, "written": len(report.change.written), "429": limited}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=600)
    args = parser.parse_args()
    store = generate.data_source_store(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        before = measure(store, False, Path(tmp) / "without")
        after = measure(store, True, Path(tmp) / "with")
    print(f"A rendering change ([render] colors = true) over {args.posts} posts, emulator at {RATE:g} req/s "
          f"(burst {BURST}), latency {LATENCY:g} s:")
    print("| | requests | wall | posts re-rendered | 429s |")
    print("| --- | --- | --- | --- | --- |")
    for name, row in (("without the cache (before)", before), ("with the cache (after)", after)):
        print(f"| {name} | {row['requests']:,} | {row['wall']:.1f} s | {row['written']} | {row['429']} |")
    print(f"ratio after/before: requests {after['requests'] / before['requests']:.3f}, wall {after['wall'] / before['wall']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
