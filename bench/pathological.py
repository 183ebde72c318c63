"""Rich text that made the serializer's regexes backtrack (issue #9): the time `rich_text()`
takes on each input, for the "## Pathological rich text" section of bench/RESULTS.md.

    .venv/bin/python bench/pathological.py

One core, best of 3. Before the fix (commit 2b13443) the first input took 41.7 s and the second
20.4 s; the figures grow with the square of the length there, linearly now.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.links import RenderContext  # noqa: E402
from pipeline.richtext import rich_text  # noqa: E402


def text(content: str, **annotations: bool) -> dict:
    # Shape: developers.notion.com/reference/rich-text (a text object).
    return {"type": "text", "text": {"content": content, "link": None}, "annotations": annotations,
            "plain_text": content, "href": None}


INPUTS = {
    "'a' + 60,000 spaces + 'b' (inner whitespace: the old `_EDGES`)": [text("a" + " " * 60_000 + "b")],
    "'://' x 20,000, a space, then code (the old linkify check)": [text("://" * 20_000 + " x"), text("c", code=True)],
    "60,000 spaces only": [text(" " * 60_000)],
}


def main() -> None:
    for name, items in INPUTS.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            rich_text(items, RenderContext())
            best = min(best, time.perf_counter() - start)
        print(f"| {name} | {best * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
