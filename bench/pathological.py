"""Inputs that made a regex backtrack or a parser recurse: the time `rich_text()` takes on
each rich text (issue #9, sync), and `to_blocks()` on each post body (issue #14, import), for
the "Pathological rich text" and "Pathological Markdown" sections of bench/RESULTS.md.

    .venv/bin/python bench/pathological.py

One core, best of 3. Before the fixes (commits 2b13443 and 2f47213) the figures grew with the
square of the length (one of them exponentially), or ended in a RecursionError; linearly now.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.links import RenderContext  # noqa: E402
from pipeline.markdown_in import ImportContext, to_blocks  # noqa: E402
from pipeline.richtext import rich_text  # noqa: E402
from pipeline.typographer import Typographer  # noqa: E402


def text(content: str, **annotations: bool) -> dict:
    # Shape: developers.notion.com/reference/rich-text (a text object).
    return {"type": "text", "text": {"content": content, "link": None}, "annotations": annotations,
            "plain_text": content, "href": None}


INPUTS = {
    "'a' + 60,000 spaces + 'b' (inner whitespace: the old `_EDGES`)": [text("a" + " " * 60_000 + "b")],
    "'://' x 20,000, a space, then code (the old linkify check)": [text("://" * 20_000 + " x"), text("c", code=True)],
    "60,000 spaces only": [text(" " * 60_000)],
}


# Post bodies for the import (`to_blocks`), each named by what it made slow.
MARKDOWN = {
    "`{{< highlight` + 40,000 'a' (the language re-read at every length)": "{{< highlight " + "a" * 40_000 + " >}}",
    "`<table>` + 20,000 unclosed `<tr>` (a lazy scan to the end from each)": "<table>" + "<tr>" * 20_000 + "</table>",
    "a `<summary>` of 20,000 unclosed `\\(`": "<details><summary>" + "\\(" * 20_000 + "</summary>\n\nx\n\n</details>",
    "a callout of 24 skin tones, no space (exponential)": "<aside>\n" + "\U0001F3FB" * 24 + "</aside>",
    "`<div>` + 8,000 `<a x ` (the standard library's HTML parser)": "<div>" + "<a x " * 8_000,
    "500 unclosed `<div>` (markdownify's recursion)": "<div>" * 500 + "x",
    "20,000 unclosed `` $` `` (GitHub's inline math)": "$`a " * 20_000,
    "20,000 unclosed `notion-hugo/text` (the kit's shortcodes read back)": "{{< notion-hugo/text >}}a " * 20_000,
    # The typographer (on, as import runs it for a site that has it): each quote looks at the
    # page's count of open quotes and a few characters on, each address and shortcode is found once.
    "60,000 quotes `'\"` (the typographer)": "'\"" * 30_000,
    "10,000 `(http://a.bc` (linkified addresses inside each other)": "(http://a.bc" * 10_000,
    "20,000 unclosed `{{<` then one `>}}` (shortcode tags the typographer passes over)": "{{< " * 20_000 + ">}}",
}


def best_of_3(run, argument) -> str:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        try:
            run(argument)
        except RecursionError:
            return "RecursionError"
        best = min(best, time.perf_counter() - start)
    return f"{best * 1000:.1f} ms"


def main() -> None:
    for name, items in INPUTS.items():
        print(f"| {name} | {best_of_3(lambda given: rich_text(given, RenderContext()), items)} |")
    print()
    for name, markdown in MARKDOWN.items():
        # Hugo's default typographer, as import reads a post of a site that does not turn it off.
        print(f"| {name} | {best_of_3(lambda given: to_blocks(given, ImportContext(typographer=Typographer())), markdown)} |")


if __name__ == "__main__":
    main()
