"""`sync --entry` against a full incremental sync after one edit (issue #15, 4): requests and
wall time, in the same run, over bench/generate.py's data source of 600 posts.

The blog is first synced whole (no latency, no limit: setting up). Then one entry is edited
(its last_edited_time moves, one paragraph changes), and two copies of the synced folder take
the edit, against the emulator at Notion's documented pace (latency 0.1 s, 3 requests a second,
bursts of 10): one by a plain incremental `sync`, one by `sync --entry <that page>`, which is
what a webhook's dispatch runs.

    .venv/bin/python bench/entry_sync.py               # 600 posts
    .venv/bin/python bench/entry_sync.py --posts 100

Then an entry that other posts mention gets a new slug: the posts linking to it must be written
again (a relref to the old address fails Hugo's build). A full incremental run and `--entry`,
both with the block cache of the first sync, against the same emulator.

Then the same on a two-source site ([[sources]]: a data source and a page tree, bench/site_sync.py's
workspace): requests of a full incremental whole-site run after one edit, against `sync --entry`
of the edited entry (its data source alone) and of an edited tree page (that page alone, in its place).
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import generate  # noqa: E402
from notion_emulator import NotionEmulator  # noqa: E402
from pipeline.config import load_default_config  # noqa: E402
from pipeline.source import SourceOptions  # noqa: E402
from pipeline.sync import Selection, sync  # noqa: E402

TOKEN = "secret_bench_token_0123456789abcdef"
LATENCY, RATE, BURST = 0.1, 3.0, 10


def edited(store: dict) -> tuple[dict, str]:
    """The store with its first entry edited: (store, that page's id)."""
    store = copy.deepcopy(store)
    page_id = store["entries"][generate.DATA_SOURCE_ID][0]
    store["pages"][page_id]["last_edited_time"] = "2026-12-01T09:00:00.000Z"
    for block_id in store["children"][page_id]:
        block = store["blocks"][block_id]
        if block["type"] == "paragraph" and block["paragraph"]["rich_text"]:
            item = block["paragraph"]["rich_text"][0]
            item["plain_text"] = item["text"]["content"] = "Edited in Notion."
            break
    return store, page_id


def renamed(store: dict) -> tuple[dict, str, int]:
    """The store with its most mentioned entry given a new slug: (store, that page's id, how
    many posts mention it)."""
    store = copy.deepcopy(store)
    mentioning: dict[str, set[str]] = {}
    for page_id in store["entries"][generate.DATA_SOURCE_ID]:
        for block_id in store["children"].get(page_id, []):
            block = store["blocks"][block_id]
            for item in block.get(block["type"], {}).get("rich_text", []):
                if item.get("type") == "mention" and item["mention"].get("type") == "page":
                    mentioning.setdefault(item["mention"]["page"]["id"], set()).add(page_id)
    page_id = max(mentioning, key=lambda target: len(mentioning[target]))
    slug = store["pages"][page_id]["properties"]["Slug"]["rich_text"][0]
    slug["plain_text"] = slug["text"]["content"] = slug["plain_text"] + "-renamed"
    store["pages"][page_id]["last_edited_time"] = "2026-12-01T09:00:00.000Z"
    return store, page_id, len(mentioning[page_id] - {page_id})


def timed(store: dict, out: Path, selection: Selection, written: int = 1, cache: Path | None = None) -> dict[str, float]:
    config = load_default_config()
    with NotionEmulator(store, token=TOKEN, latency=LATENCY, rate=RATE, burst=BURST) as emulator:
        started = time.monotonic()
        report = sync(config, selection, token=TOKEN, out_dir=out, options=SourceOptions(base_url=emulator.base_url),
                      cache_dir=cache)
        wall = time.monotonic() - started
        assert report.exit_code == 0 and len(report.change.written) == written, report.change
        return {"requests": len(emulator.requests), "wall": wall}


def same_posts(one: Path, other: Path) -> bool:
    return {p.relative_to(one): p.read_bytes() for p in one.rglob("*.md")} == \
        {p.relative_to(other): p.read_bytes() for p in other.rglob("*.md")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=600)
    args = parser.parse_args()
    store = generate.data_source_store(args.posts)
    changed, page_id = edited(store)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base" / "posts"
        with NotionEmulator(store, token=TOKEN) as emulator:
            sync(load_default_config(), Selection(generate.DATA_SOURCE_ID, ()), token=TOKEN, out_dir=base,
                 options=SourceOptions(base_url=emulator.base_url, rate=0))
        full_out, entry_out = Path(tmp) / "full" / "posts", Path(tmp) / "entry" / "posts"
        shutil.copytree(base, full_out)
        shutil.copytree(base, entry_out)
        full = timed(changed, full_out, Selection(generate.DATA_SOURCE_ID, ()))
        entry = timed(changed, entry_out, Selection(generate.DATA_SOURCE_ID, (), (page_id,)))
        same = same_posts(full_out, entry_out)
    print(f"One entry edited in a data source of {args.posts} posts; emulator latency {LATENCY:g} s, {RATE:g} req/s:")
    print_runs(full, entry, same)
    linked_case(store, args.posts)
    site_case()
    return 0


def print_runs(full: dict[str, float], entry: dict[str, float], same: bool) -> None:
    """A full incremental run against `--entry`: a Markdown table and the ratios."""
    print("| run | requests | wall |")
    print("| --- | --- | --- |")
    print(f"| full incremental `sync` | {full['requests']} | {full['wall']:.2f} s |")
    print(f"| `sync --entry` | {entry['requests']} | {entry['wall']:.2f} s |")
    print(f"ratio --entry/full: requests {entry['requests'] / full['requests']:.3f}, wall {entry['wall'] / full['wall']:.3f}; "
          f"the same posts written: {same}")


def linked_case(store: dict, posts: int) -> None:
    """A new slug for an entry other posts mention: full incremental run against --entry, both
    with the cache of the first sync; each writes the renamed post and every post linking to it."""
    changed, page_id, linking = renamed(store)
    with tempfile.TemporaryDirectory() as tmp:
        base, cache = Path(tmp) / "base" / "posts", Path(tmp) / "cache"
        with NotionEmulator(store, token=TOKEN) as emulator:
            sync(load_default_config(), Selection(generate.DATA_SOURCE_ID, ()), token=TOKEN, out_dir=base,
                 options=SourceOptions(base_url=emulator.base_url, rate=0), cache_dir=cache)
        runs = {}
        for name, selection in (("full", Selection(generate.DATA_SOURCE_ID, ())),
                                ("entry", Selection(generate.DATA_SOURCE_ID, (), (page_id,)))):
            shutil.copytree(base, Path(tmp) / name / "posts")
            shutil.copytree(cache, Path(tmp) / name / "cache")
            runs[name] = timed(changed, Path(tmp) / name / "posts", selection, written=1 + linking,
                               cache=Path(tmp) / name / "cache")
        same = same_posts(Path(tmp) / "full" / "posts", Path(tmp) / "entry" / "posts")
    full, entry = runs["full"], runs["entry"]
    print(f"\nAn entry mentioned by {linking} other posts gets a new slug (block cache kept from the first sync):")
    print_runs(full, entry, same)


def site_case() -> None:
    """Requests on a two-source site after one edit: the full incremental run against --entry."""
    import site_sync as site_bench

    from pipeline.site_sync import sync_site
    from tests import sitestore

    store, names = site_bench.workspace([5, 5, 4], 3)
    text = site_bench.CONFIG + site_bench.POSTS.format(ds=site_bench.SEED_DATA_SOURCE) \
        + site_bench.TREE.format(root=sitestore.page_id("root"))
    post, page = store["entries"][site_bench.SEED_DATA_SOURCE][-1], sitestore.page_id(names[-1])
    rows = []
    for what, edited_id in (("an entry of the data source", post), ("a page of the tree", page)):
        changed = copy.deepcopy(store)
        changed["pages"][edited_id]["last_edited_time"] = sitestore.EDITED
        counts = {}
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "pipeline.toml").write_text(text, encoding="utf-8")
            config = site_bench.load_config(Path(tmp) / "pipeline.toml")
            with NotionEmulator(store, token=TOKEN) as emulator:
                sync_site(config, token=TOKEN, options=SourceOptions(base_url=emulator.base_url, rate=0))
            shutil.copytree(Path(tmp) / "content", Path(tmp) / "base")
            for run, entries in (("full", ()), ("entry", (edited_id,))):
                shutil.rmtree(Path(tmp) / "content")
                shutil.copytree(Path(tmp) / "base", Path(tmp) / "content")
                with NotionEmulator(changed, token=TOKEN) as emulator:
                    report = sync_site(config, token=TOKEN, options=SourceOptions(base_url=emulator.base_url, rate=0),
                                       entries=entries)
                    assert not report.failed and report.exit_code == 0
                    counts[run] = len(emulator.requests)
        rows.append((what, counts["full"], counts["entry"]))
    print(f"\nA site of two sources: a data source of {len(names)} entries and a page tree of {len(names)} pages; "
          "one page edited:")
    print("| edited | full incremental whole-site run | `sync --entry` | ratio |")
    print("| --- | --- | --- | --- |")
    for what, full, entry in rows:
        print(f"| {what} | {full} | {entry} | {entry / full:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
