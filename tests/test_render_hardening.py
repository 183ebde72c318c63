"""Render-side findings of issue #9, each through the renderer, the CLI or Hugo: TeX that would
close its delimiters, API values that are not what the API documents, nesting deeper than the
renderer shows, and whitespace that made a regex quadratic (its timing is in bench/RESULTS.md)."""

from __future__ import annotations

import copy
import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from notion_emulator import NotionEmulator
from pipeline.config import load_default_config
from pipeline.model import Block, Entry
from pipeline.render import MAX_DEPTH, RenderContext, render_page
from pipeline.richtext import rich_text
from pipeline.source import NotionSource, SourceOptions, block_files, make_client
from pipeline.sync import Selection, sync
from pipeline.validate import check_links
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.hugosite import build, demo_site
from tests.test_render_blocks import CASES, block_type

HOSTILE_INLINE = "x\\) [click me](javascript:alert(document.domain)) \\(y"
HOSTILE_BLOCK = "a\n$$\n[click me](javascript:alert(document.domain))\n$$\n\\]\n[again](javascript:alert(1))\n\\[\nb"


def equation_item(expression: str) -> dict:
    # Shape: developers.notion.com/reference/rich-text#equation
    notes = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False, "color": "default"}
    return {"type": "equation", "equation": {"expression": expression}, "annotations": notes,
            "plain_text": expression, "href": None}


def text(content: str) -> dict:
    item = equation_item("")
    return {**item, "type": "text", "text": {"content": content, "link": None}, "plain_text": content}


def block(kind: str, n: int, payload: dict, children: tuple[Block, ...] = ()) -> Block:
    # Shape: developers.notion.com/reference/block
    return Block({"object": "block", "id": f"d0000000-0000-4000-8000-{n:012d}", "type": kind,
                  "has_children": bool(children), "in_trash": False, kind: payload}, children)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value or "" for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data):
        self.text += data


def test_tex_never_closes_its_delimiters_in_the_page_hugo_builds(tmp_path):
    paragraph = block("paragraph", 1, {"rich_text": [equation_item(HOSTILE_INLINE)], "color": "default"})
    equation = block("equation", 2, {"expression": HOSTILE_BLOCK})
    site = demo_site(tmp_path / "site")
    post = site / "content" / "posts" / "tex"
    post.mkdir(parents=True)
    markdown = render_page((paragraph, equation), RenderContext())
    (post / "index.md").write_text(f"---\ntitle: tex\ndate: 2024-01-01\n---\n\n{markdown}\n", encoding="utf-8")
    page = (build(site, tmp_path) / "posts" / "tex" / "index.html").read_text(encoding="utf-8")
    body = re.search(r'<div class="post-content">(.*?)</div>\s*</article>', page, re.S).group(1)
    parser = _Links()
    parser.feed(body)
    assert not [href for href in parser.hrefs if "javascript" in href.lower()], body
    # What was typed is what the kit's passthrough hook hands KaTeX, whole, as one element's text.
    assert f'<span class="notion-math">{html.escape(HOSTILE_INLINE)}</span>' in body
    assert f'<div class="notion-math notion-math-block">{html.escape(HOSTILE_BLOCK.strip())}</div>' in body


@pytest.mark.parametrize("expression", ["a\\", "\\)", "$$", "\\]", "\\["])
def test_inline_tex_keeps_its_closing_delimiter_last(expression):
    markdown = rich_text([equation_item(expression)], RenderContext())
    assert markdown.startswith("\\(") and markdown.endswith("\\)")
    inner = markdown[2:-2]
    assert not re.search(r"\\[()\[\]]|\$\$|\\$", inner), markdown


@pytest.mark.parametrize("start", ['1"><script>alert(1)</script>', "7", 2.5, True, None, -3, [4]])
def test_a_list_start_that_is_not_a_positive_integer_starts_at_1(start):
    item = block("numbered_list_item", 3, {"rich_text": [text("one")], "color": "default",
                                           "list_start_index": start, "list_format": "letters"})
    plain = block("numbered_list_item", 4, {"rich_text": [text("two")], "color": "default",
                                            "list_start_index": start})
    assert render_page((item,), RenderContext()).startswith('<ol type="a" start="1">\n<li>')
    assert render_page((plain,), RenderContext()) == "1. two"


def test_a_table_width_that_is_not_an_integer_is_ignored():
    row = block("table_row", 5, {"cells": [[text("a")]]})
    table = block("table", 6, {"table_width": "2><script>", "has_column_header": True, "has_row_header": False}, (row,))
    assert render_page((table,), RenderContext()) == "| a |\n| --- |"


def _nested(depth: int) -> dict:
    """A store whose one entry nests `depth` toggles, the innermost holding a paragraph."""
    page = storekit.entry("Deep", "deep", 1)
    innermost = storekit.paragraph(page["id"], storekit.text("bottom"))
    blocks, children, parent = {innermost["id"]: innermost}, {}, innermost
    for level in range(depth):
        toggle = copy.deepcopy(innermost)
        toggle["id"] = f"e0000000-0000-4000-8000-{level:012d}"
        toggle["type"], toggle["has_children"] = "toggle", True
        toggle["toggle"] = toggle.pop("paragraph")
        toggle["toggle"]["rich_text"] = [storekit.text(f"level {level}")]
        blocks[toggle["id"]], children[toggle["id"]] = toggle, [parent["id"]]
        parent = toggle
    store = storekit.store([(page, [parent])])
    store["blocks"].update(blocks)
    store["children"].update(children)
    return store


@pytest.mark.parametrize("depth, rejected", [(MAX_DEPTH - 1, False), (MAX_DEPTH, True), (MAX_DEPTH + 30, True)])
def test_nesting_deeper_than_the_renderer_shows_rejects_the_entry(tmp_path, depth, rejected):
    out = tmp_path / "posts"
    with NotionEmulator(_nested(depth), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        report = sync(load_default_config(), Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, options=options)
        fetched = emulator.count("GET", "/v1/blocks/")
    # Fetched one level deeper than shown, never the whole depth.
    # `depth` toggles hold the paragraph: depth + 1 levels. The walk fetches MAX_DEPTH levels at most.
    assert fetched == min(depth + 1, MAX_DEPTH)
    if rejected:
        assert report.exit_code == 1 and report.rejected == ["Deep"]
        [problem] = report.errors
        assert problem.message.startswith(f"the blocks here are nested deeper than {MAX_DEPTH} levels ([limits] max_depth)")
        assert problem.where == f"block e0000000-0000-4000-8000-{depth - MAX_DEPTH:012d}"
        assert not (out / "deep" / "index.md").exists()
    else:
        assert report.exit_code == 0, report.problems
        assert "bottom" in (out / "deep" / "index.md").read_text(encoding="utf-8")


def test_long_runs_of_inner_whitespace_and_bare_url_markers_render():
    # Regexes that backtracked quadratically on these (tens of seconds) are gone; timings: bench/RESULTS.md.
    assert rich_text([text(" " * 60_000 + "x" + " " * 60_000)], RenderContext()) == "x"
    assert rich_text([text("a" + " " * 60_000 + "b")], RenderContext()) == "a" + " " * 60_000 + "b"
    assert rich_text([text("://" * 20_000 + " x"), {**text("c"), "annotations": {"code": True}}], RenderContext()).endswith(" x`c`")


def test_the_serializer_is_linear_on_inputs_that_backtracked():
    """A hang guard, not a speed figure (those are bench/RESULTS.md's): at 200,000 characters the
    old regexes would run for minutes (41.7 s at 60,000, growing with the square), the linear
    code in milliseconds. The subprocess is killed at 60 s, which only a quadratic pass reaches."""
    import subprocess
    import sys

    probe = ("from pipeline.links import RenderContext; from pipeline.richtext import rich_text\n"
             "t = lambda c, **a: {'type': 'text', 'text': {'content': c, 'link': None}, 'plain_text': c, 'annotations': a}\n"
             "rich_text([t('a' + ' ' * 200_000 + 'b')], RenderContext())\n"
             "rich_text([t('://' * 70_000 + ' x'), t('c', code=True)], RenderContext())\n")
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


@pytest.mark.parametrize("kind", ["tab", "toggle", "meeting_notes"])
def test_every_container_rejects_content_below_the_deepest_level_shown(kind):
    inner = block("paragraph", 7, {"rich_text": [text("deep")], "color": "default"})
    container = block(kind, 8, {"rich_text": [text("holder")]} if kind == "toggle" else {}, (inner,))
    ctx = RenderContext(depth=MAX_DEPTH - 1)  # the container on the last level shown: its content below
    assert "deep" not in render_page((container,), ctx)
    assert [(n.severity, block_type(n)) for n in ctx.notices] == [("error", kind)]
    shallower = RenderContext(depth=MAX_DEPTH - 2)
    assert "deep" in render_page((container,), shallower) and not shallower.notices


def _paths(value, path=()):
    """Every key and index path inside a JSON value."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield path + (key,)
        yield from _paths(inner, path + (key,))


def _blocks_of(blocks, where=()):
    """(path of indexes, block) for every block of a tree."""
    for i, one in enumerate(blocks):
        yield where + (i,), one
        yield from _blocks_of(one.children, where + (i,))


def _replace(blocks, where, data):
    """The tree with the block at `where` holding `data` instead."""
    i, rest = where[0], where[1:]
    one = blocks[i]
    changed = Block(data, one.children) if not rest else Block(one.data, _replace(one.children, rest, data))
    return (*blocks[:i], changed, *blocks[i + 1:])


# What a hostile or buggy API answer may hold where the reference documents something else.
WRONG_VALUES = [None, 7, -1, 2.5, True, [], {}, [1, "x"], {"x": {}}, "", '"><script>alert(1)</script>']


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_payload_value_of_the_wrong_type_neither_crashes_nor_leaks_into_the_post(data):
    case = data.draw(st.sampled_from(CASES))
    where, target = data.draw(st.sampled_from(list(_blocks_of(case.blocks))))
    paths = list(_paths(target.value))
    assume(paths)
    path = data.draw(st.sampled_from(paths))
    value = data.draw(st.sampled_from(WRONG_VALUES))
    changed = copy.deepcopy(target.data)
    inner = changed[target.type]
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    blocks = _replace(case.blocks, where, changed)
    markdown = render_page(blocks, RenderContext(post_links={"e0000000-0000-4000-8000-000000000001": "/posts/exported/"}))
    check_links(Entry(page={"id": "f0000000-0000-4000-8000-000000000001"}, blocks=blocks), "title")
    block_files(blocks, ("file", "external"))
    if "\\(" not in markdown and "```" not in markdown and "<code" not in markdown:
        # Text is escaped (`\<`, `&lt;`): a raw tag could only be inside code, where it is text.
        outside_code = re.sub(r"(`+)(?:(?!\1).)+?\1", "", markdown, flags=re.S)
        assert not re.search(r"(?<!\\)<script", outside_code), markdown


@pytest.mark.parametrize("synced_from", [["x"], "x", 7, {"block_id": {"id": "x"}}])
def test_a_synced_block_whose_original_is_not_an_id_shows_its_own_children(synced_from):
    page = storekit.entry("Synced", "synced", 1)
    inner = storekit.paragraph(page["id"], text("inside"))
    synced = {**copy.deepcopy(inner), "id": "e1000000-0000-4000-8000-000000000001", "type": "synced_block",
              "has_children": True, "synced_block": {"synced_from": synced_from}}
    del synced["paragraph"]
    store = storekit.store([(page, [synced])])
    store["blocks"][inner["id"]] = inner
    store["children"][synced["id"]] = [inner["id"]]
    with NotionEmulator(store, token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        client = make_client(TOKEN, options)
        try:
            [entry] = NotionSource(client, options).entries([page])
        finally:
            client.close()
    assert render_page(entry.blocks, RenderContext()) == "inside"


def test_the_fetch_limit_and_the_renderer_count_the_same_levels():
    from pipeline.config import Limits, load_schema

    limit = load_schema("config.schema.json")["properties"]["limits"]["properties"]["max_depth"]
    assert Limits().max_depth == limit["maximum"] == MAX_DEPTH


def test_an_equation_inside_raw_html_is_the_kits_math_element_and_loads_katex(tmp_path):
    """Review finding: in a table cell written as HTML (a row header), Goldmark's passthrough
    never ran, so readers saw `\\(x^2\\)`. It is now the element KaTeX typesets, and the kit's
    head partial loads KaTeX for it; hostile TeX stays text."""
    cell = [equation_item("x^2 < y"), text(" and "), equation_item(HOSTILE_INLINE)]
    row = block("table_row", 11, {"cells": [[text("head")], cell]})
    table = block("table", 12, {"table_width": 2, "has_column_header": False, "has_row_header": True}, (row,))
    markdown = render_page((table,), RenderContext())
    assert '<span class="notion-math">x^2 &lt; y</span>' in markdown
    site = demo_site(tmp_path / "site")
    post = site / "content" / "posts" / "cell"
    post.mkdir(parents=True)
    (post / "index.md").write_text(f"---\ntitle: cell\ndate: 2024-01-01\n---\n\n{markdown}\n", encoding="utf-8")
    page = (build(site, tmp_path) / "posts" / "cell" / "index.html").read_text(encoding="utf-8")
    assert '<span class="notion-math">x^2 &lt; y</span>' in page and "katex" in page
    parser = _Links()
    parser.feed(page)
    assert not [href for href in parser.hrefs if "javascript" in href.lower()]
