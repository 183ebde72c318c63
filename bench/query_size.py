"""What `filter_properties` saves (issue #8): the bytes of the data source query's answers, with
the mapped properties named and without, under each API version, for a Posts database that
holds properties the blog does not map (notes, an outline, review fields: what teams add).

    .venv/bin/python bench/query_size.py

Counted on the wire: the Content-Length of every query answer the emulator sends, read through
the real notion-client. Also checks that every front-matter value survives each version.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notion_emulator import NotionEmulator  # noqa: E402
from pipeline.config import load_default_config  # noqa: E402
from pipeline.frontmatter import property_value  # noqa: E402
from pipeline.source import NotionSource, SourceOptions, make_client  # noqa: E402
from pipeline.sync import status_filter  # noqa: E402
from tests import storekit  # noqa: E402
from tests.conftest import SEED_DATA_SOURCE, TOKEN  # noqa: E402

VERSIONS = ("2025-09-03", "2026-03-11", "2026-12-01")
ENTRIES = 100


def _rich(text: str) -> dict:
    # Shape: developers.notion.com/reference/page-property-values#rich-text
    return {"type": "rich_text", "rich_text": [storekit.text(text)]}


def workspace() -> dict:
    """The seed's Posts data source with ENTRIES published posts, each with five unmapped
    properties beside the mapped ones."""
    unmapped = {
        "Notes": lambda n: {**_rich(f"Reviewer notes for post {n}. " * 12), "id": "n1"},
        "Outline": lambda n: {**_rich("Intro, the problem, three steps, what we measured, what next. " * 20), "id": "o1"},
        "Reviewer": lambda n: {**_rich("A. Reviewer"), "id": "r1"},
        # Shape: developers.notion.com/reference/page-property-values#number, #checkbox
        "Word count": lambda n: {"type": "number", "number": 1200 + n, "id": "w1"},
        "Featured": lambda n: {"type": "checkbox", "checkbox": n % 2 == 0, "id": "f1"},
    }
    entries = [(storekit.entry(f"Post {n}", f"post-{n}", n, **{k: make(n) for k, make in unmapped.items()}), [])
                for n in range(ENTRIES)]
    store = storekit.store(entries)
    schema = store["data_sources"][SEED_DATA_SOURCE]["properties"]
    for name, make in unmapped.items():
        kind = make(0)["type"]
        schema[name] = {"id": make(0)["id"], "name": name, "type": kind, kind: {}}
    return store


def measure(version: str, narrow: bool) -> tuple[int, int, int]:
    """(answer bytes, answers, front-matter keys filled over all entries)."""
    config = load_default_config()
    sizes: list[int] = []
    with NotionEmulator(workspace(), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0, notion_version=version)
        client = make_client(TOKEN, options)
        # Count what comes over the wire: an httpx response hook on the client's own transport.
        client.client.event_hooks["response"].append(
            lambda response: sizes.append(int(response.headers.get("content-length", 0)))
            if response.request.url.path.endswith("/query") else None)
        try:
            properties = tuple(config.mapped_properties) if narrow else ()
            pages = NotionSource(client, options).query(SEED_DATA_SOURCE, status_filter(config), properties)
        finally:
            client.close()
    mapped = [spec.property for spec in config.front_matter if spec.property]
    filled = sum(1 for page in pages for name in mapped if property_value(page, name) is not None)
    return sum(sizes), len(sizes), filled


def main() -> None:
    print(f"{ENTRIES} entries, 5 unmapped properties each; answer bytes of the query (Content-Length)\n")
    print("| Notion-Version | all properties | mapped only (filter_properties) | share | mapped values read, all / mapped only |")
    print("| --- | --- | --- | --- | --- |")
    for version in VERSIONS:
        whole, answers, filled_whole = measure(version, narrow=False)
        narrow, _, filled_narrow = measure(version, narrow=True)
        print(f"| {version} | {whole:,} B ({answers} answers) | {narrow:,} B | {narrow / whole:.0%} | "
              f"{filled_whole} / {filled_narrow} |")


if __name__ == "__main__":
    main()
