"""What the whole site costs (issue #18): requests and time of a page tree against a data source of
as many pages (the baseline, measured in the same run), and of the whole-site run against the
one-source `sync` on the same data source.

    .venv/bin/python bench/site_sync.py            # --children 5 5 4 --blocks 3

The tree: a root with `--children` sub-pages at each level (5, 5, 4: 131 pages, three levels
below the root), each page `--blocks` paragraphs. The data source: as many entries, as many
paragraphs each. Emulator with no latency and no rate limit, our rate limit off: the requests
are what Notion would be asked, and "at 3/s" the time they take at Notion's average rate.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notion_emulator import NotionEmulator  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.site_sync import sync_site  # noqa: E402
from pipeline.source import SourceOptions  # noqa: E402
from pipeline.sync import Selection, sync  # noqa: E402
from tests import sitestore, storekit  # noqa: E402
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, TOKEN  # noqa: E402


def tree_rows(shape: list[int]) -> list[tuple[str, str, str | None]]:
    rows: list[tuple[str, str, str | None]] = [("root", "Manual", None)]
    level = ["root"]
    for width in shape:
        below = []
        for parent in level:
            for n in range(width):
                name = f"{parent}-{n}"
                rows.append((name, f"Page {name}", parent))
                below.append(name)
        level = below
    return rows


def workspace(shape: list[int], blocks: int) -> tuple[dict, list[str]]:
    """A store holding the tree and a data source of as many entries; the tree's page names."""
    rows = tree_rows(shape)
    entries = []
    for n in range(len(rows)):
        page = storekit.entry(f"Post {n}", f"post-{n}", n)
        entries.append((page, [storekit.paragraph(page["id"], storekit.text(f"Paragraph {i} of post {n}."))
                               for i in range(blocks)]))
    store = storekit.store(entries)
    sitestore.add_tree(store, rows)
    for name, _, _ in rows:
        page = sitestore.page_id(name)
        own = [storekit.paragraph(page, storekit.text(f"Paragraph {i} of {name}.")) for i in range(blocks)]
        store["blocks"].update({b["id"]: b for b in own})
        store["children"][page] = [b["id"] for b in own] + store["children"][page]
    return store, [name for name, _, _ in rows]


CONFIG = DEFAULT_CONFIG_FILE.read_text(encoding="utf-8")
TREE = """
[[sources]]
page = "{root}"
section = "manual"
[[sources.front_matter]]
key = "title"
fallback = "title"
[[sources.front_matter]]
key = "date"
fallback = "created_time"
[[sources.front_matter]]
key = "draft"
derived = "draft"
"""
POSTS = '\n[[sources]]\ndata_source = "{ds}"\nsection = "posts"\n'


def timed(store: dict, action) -> tuple[int, float]:
    with NotionEmulator(store, token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        start = time.perf_counter()
        action(options)
        return len(emulator.requests), time.perf_counter() - start


def sequence(store: dict, edited: dict, folder: Path, text: str | None) -> list[tuple[int, float]]:
    """(requests, wall) of a first sync, one with nothing changed, and one after an edit, into a
    new folder: with `text`, the whole-site run of that pipeline.toml; without, `sync` of the data
    source into folder/posts."""
    folder.mkdir()
    (folder / "pipeline.toml").write_text(text or CONFIG, encoding="utf-8")
    config = load_config(folder / "pipeline.toml")

    def run(options: SourceOptions) -> None:
        if text is None:
            sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=folder / "posts", options=options)
        else:
            sync_site(config, token=TOKEN, options=options)

    return [timed(data, run) for data in (store, store, edited)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[5, 5, 4])
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each sequence; the best wall time is shown")
    args = parser.parse_args()
    store, names = workspace(args.children, args.blocks)
    edited_tree = copy.deepcopy(store)
    edited_tree["pages"][sitestore.page_id(names[-1])]["last_edited_time"] = sitestore.EDITED
    edited_posts = copy.deepcopy(store)
    edited_posts["pages"][store["entries"][SEED_DATA_SOURCE][-1]]["last_edited_time"] = sitestore.EDITED
    cases = [("data source (`sync`, the baseline)", None, edited_posts),
             ("data source (whole site)", CONFIG + POSTS.format(ds=SEED_DATA_SOURCE), edited_posts),
             ("page tree (whole site)", CONFIG + TREE.format(root=sitestore.page_id("root")), edited_tree)]
    print(f"{len(names)} tree pages ({' x '.join(map(str, args.children))} below the root), as many entries; "
          f"{args.blocks} paragraphs a page; best wall of {args.repeat}\n")
    print("| run | what | requests | at 3/s | wall (no latency, no limit) | wall / baseline |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for n, (what, text, edited) in enumerate(cases):
            runs = [sequence(store, edited, Path(tmp) / f"{n}-{r}", text) for r in range(args.repeat)]
            results[what] = [(runs[0][i][0], min(run[i][1] for run in runs)) for i in range(3)]
        baseline = results[cases[0][0]]
        for i, run in enumerate(("first", "nothing changed", "one page edited")):
            for what, _, _ in cases:
                requests, wall = results[what][i]
                print(f"| {run} | {what} | {requests} | {requests / 3:.1f} s | {wall:.2f} s | {wall / baseline[i][1]:.2f} |")


if __name__ == "__main__":
    main()
