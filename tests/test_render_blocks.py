"""Every block type, rendered from real API shapes: the fixture files in fixtures/blocks/.

A fixture file is Markdown that reads as documentation: free text first (where its shapes
come from), then cases, each

    ## name of the case
    .
    block JSON: one block object, or a list of them
    .
    the Markdown expected, exactly
    .
    ! severity block_type: part of the message     (optional, one line per notice, in order)

A block's `children` key holds its child blocks, which the API serves from another endpoint.
Only a `.` line ends a section (the Markdown may hold `## ` headings). The loader raises on
anything else, so a malformed case fails the run instead of vanishing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.model import Block
from pipeline.render import BLOCKS, RenderContext, render_page

FIXTURES = Path(__file__).parent / "fixtures" / "blocks"
EXPORTED = "e0000000-0000-4000-8000-000000000001"
POST_LINKS = {EXPORTED: "/posts/exported/"}
TITLES = {EXPORTED: "Exported post"}
NOTICE = re.compile(r"! (?P<severity>error|warning) (?P<type>[a-z0-9_]+): (?P<text>.+)")


class FixtureError(ValueError):
    """A fixture file that does not follow the format."""


@dataclass(frozen=True)
class Case:
    where: str  # file:line of the case's name
    name: str
    blocks: tuple[Block, ...]
    markdown: str
    notices: tuple[tuple[str, str, str], ...]  # (severity, block type, part of the message)


def parse(text: str, source: str) -> list[Case]:
    lines = text.split("\n")
    i = next((n for n, line in enumerate(lines) if line.startswith("## ")), None)
    if i is None:
        raise FixtureError(f"{source}: no case (a case starts with '## name')")
    cases: list[Case] = []
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        if not lines[i].startswith("## ") or not lines[i][3:].strip():
            raise FixtureError(f"{source}:{i + 1}: expected '## <case name>', found {lines[i]!r}")
        where, name = f"{source}:{i + 1}", lines[i][3:].strip()
        i += 1
        sections = []
        for what in ("block JSON", "expected Markdown"):
            if i >= len(lines) or lines[i] != ".":
                raise FixtureError(f"{where}: {name!r}: expected a '.' line before the {what}")
            i += 1
            start = i
            while i < len(lines) and lines[i] != ".":
                i += 1
            if i >= len(lines):
                raise FixtureError(f"{where}: {name!r}: the {what} is not closed by a '.' line")
            sections.append("\n".join(lines[start:i]))
        i += 1
        notices = []
        while i < len(lines) and lines[i].startswith("!"):
            match = NOTICE.fullmatch(lines[i])
            if not match:
                raise FixtureError(f"{source}:{i + 1}: a notice line reads '! error|warning block_type: text'")
            notices.append((match["severity"], match["type"], match["text"]))
            i += 1
        if any(case.name == name for case in cases):
            raise FixtureError(f"{where}: two cases are named {name!r}")
        cases.append(Case(where, name, _blocks(sections[0], f"{where}: {name!r}"), sections[1], tuple(notices)))
    return cases


def _blocks(text: str, where: str) -> tuple[Block, ...]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FixtureError(f"{where}: the block JSON does not parse: {error}") from None
    data = [data] if isinstance(data, dict) else data
    if not isinstance(data, list) or not data:
        raise FixtureError(f"{where}: the block JSON must be a block object or a non-empty list of them")
    return tuple(_block(item, where) for item in data)


def _block(data: object, where: str) -> Block:
    """A block as the source stage builds it, after checking the API's block object shape."""
    if not isinstance(data, dict):
        raise FixtureError(f"{where}: a block must be a JSON object, found {data!r}")
    missing = [key for key in ("object", "id", "type", "has_children") if key not in data]
    if missing or data["object"] != "block":
        raise FixtureError(f"{where}: not a block object (missing {missing}, object={data.get('object')!r})")
    if not isinstance(data.get(data["type"]), dict):
        raise FixtureError(f"{where}: block {data['id']} has no {data['type']!r} payload object")
    fields = dict(data)
    children = fields.pop("children", [])
    if not isinstance(children, list) or bool(children) != data["has_children"]:
        raise FixtureError(f"{where}: block {data['id']}: has_children is {data['has_children']} but children are {children!r}")
    return Block(data=fields, children=tuple(_block(child, where) for child in children))


def load() -> list[Case]:
    files = sorted(FIXTURES.glob("*.md"))
    if not files:
        raise FixtureError(f"no fixture files in {FIXTURES}")
    return [case for path in files for case in parse(path.read_text(encoding="utf-8"), path.name)]


CASES = load()


def render(case: Case) -> tuple[str, RenderContext]:
    ctx = RenderContext(post_links=dict(POST_LINKS), titles=dict(TITLES))
    return render_page(case.blocks, ctx), ctx


@pytest.mark.parametrize("case", CASES, ids=[f"{case.where} {case.name}" for case in CASES])
def test_blocks_render_as_the_fixture_says(case):
    markdown, ctx = render(case)
    assert markdown == case.markdown
    got = [(n.severity, block_type(n), n.message) for n in ctx.notices]
    assert len(got) == len(case.notices), got
    for (severity, kind, message), (want_severity, want_kind, part) in zip(got, case.notices):
        assert (severity, kind) == (want_severity, want_kind) and part in message, (severity, kind, message)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_every_case_builds_in_hugo_into_no_markup_from_notion_text(tmp_path):
    """One build of all cases (the demo site, whose kit config turns passthrough on): Hugo accepts every page, and no post body holds a script, an event handler attribute
    or a frame but the video shortcodes' own."""
    from tests.hugosite import build, demo_site

    site = demo_site(tmp_path / "site")
    for i, case in enumerate(CASES):
        post = site / "content" / "posts" / f"case{i}"
        post.mkdir(parents=True)
        (post / "index.md").write_text(f"---\ntitle: case {i}\ndate: 2024-01-01\n---\n\n{render(case)[0]}\n", encoding="utf-8")
    public = build(site, tmp_path)
    for i, case in enumerate(CASES):
        page = (public / "posts" / f"case{i}" / "index.html").read_text(encoding="utf-8")
        parser = _Elements()
        parser.feed(re.search(r'<div class="post-content">(.*?)</div>\s*</article>', page, re.S).group(1))
        for tag, attrs in parser.found:
            assert tag != "script" and not any(name.startswith("on") for name in attrs), (case.where, tag, attrs)
            if tag == "iframe":
                assert attrs["src"].startswith(("https://www.youtube.com/embed/", "https://player.vimeo.com/video/")), case.where


def _types(blocks):
    for block in blocks:
        yield block.type
        yield from _types(block.children)


def block_type(notice) -> str:
    """The type of the block a renderer's notice names: its `where` is "block <id> (<type>)"."""
    return re.fullmatch(r"block \S+ \(([a-z0-9_]+)\)", notice.where).group(1)


def test_every_block_type_has_a_case_and_unsupported_ones_too():
    seen = {kind for case in CASES for kind in _types(case.blocks)}
    assert set(BLOCKS) <= seen, set(BLOCKS) - seen
    assert {"table_row", "unsupported"} <= seen


def test_every_fixture_file_says_where_its_shapes_come_from():
    for path in FIXTURES.glob("*.md"):
        header = path.read_text(encoding="utf-8").split("\n## ", 1)[0]
        assert "Shapes:" in header, path.name


GOOD = """Shapes: here.

## one
.
{"object": "block", "id": "x", "type": "divider", "has_children": false, "divider": {}}
.
---
.
"""


@pytest.mark.parametrize(
    "text, problem",
    [
        ("no cases at all", "no case"),
        (GOOD.replace("## one\n.", "## one\n"), "expected a '.' line"),
        (GOOD.rsplit(".\n", 1)[0], "not closed"),
        (GOOD + "\n## two\n.\n{}\n", "not closed"),
        (GOOD + "stray text\n", "expected '## <case name>'"),
        (GOOD + GOOD.split("\n\n", 1)[1], "two cases are named"),
        (GOOD.replace('"divider": {}}', '"divider": {}'), "does not parse"),
        (GOOD.replace('"object": "block", ', ""), "not a block object"),
        (GOOD.replace('"divider": {}', '"divider": null'), "no 'divider' payload"),
        (GOOD.replace('"has_children": false', '"has_children": true'), "has_children is True"),
        (GOOD.replace("---\n.\n", "---\n.\n! notice without a severity\n"), "a notice line reads"),
        (GOOD.replace("{", "[]\n", 1).replace("}\n.", "\n.", 1), "does not parse"),
    ],
)
def test_the_loader_raises_on_a_malformed_case(text, problem):
    with pytest.raises(FixtureError, match=re.escape(problem)):
        parse(text, "example.md")


def test_the_loader_reads_a_good_case():
    [case] = parse(GOOD, "example.md")
    assert (case.name, case.markdown, case.notices, case.where) == ("one", "---", (), "example.md:3")
    assert case.blocks[0].type == "divider"


def test_lettered_lists_are_lettered_in_hugo_with_their_markdown_rendered(tmp_path):
    from tests.hugosite import build, demo_site

    case = next(c for c in CASES if c.name.startswith("lettered list"))
    site = demo_site(tmp_path / "site")
    post = site / "content" / "posts" / "letters"
    post.mkdir(parents=True)
    (post / "index.md").write_text(f"---\ntitle: letters\ndate: 2024-01-01\n---\n\n{render(case)[0]}\n", encoding="utf-8")
    page = (build(site, tmp_path) / "posts" / "letters" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<ol type="a" start="2">\s*<li>\s*<p>first \*typed\*</p>\s*<ol>\s*<li>nested digit</li>', page)


def _api_block(kind: str, payload: dict, children: tuple = ()) -> Block:
    return Block({"object": "block", "id": "c0000000-0000-4000-8000-000000000001", "type": kind,
                  "has_children": bool(children), kind: payload}, children)


def test_an_untitled_toggleable_heading_keeps_its_content():
    child = _api_block("paragraph", {"rich_text": [{"type": "text", "text": {"content": "inside", "link": None},
                                                "annotations": {}, "plain_text": "inside", "href": None}]})
    heading = _api_block("heading_2", {"rich_text": [], "is_toggleable": True}, (child,))
    assert render_page((heading,), RenderContext()) == "inside"


@pytest.mark.parametrize("kind", ["bookmark", "embed", "link_preview", "equation"])
def test_explicit_nulls_from_the_api_render_nothing_and_links_are_reported(kind):
    payload = {"url": None, "caption": []} if kind != "equation" else {"expression": None}
    ctx = RenderContext()
    assert render_page((_api_block(kind, payload),), ctx) == ""
    assert [n.severity for n in ctx.notices] == ([] if kind == "equation" else ["error"])
