"""Rich text round trip: random Notion rich text → `rich_text()` → a Markdown parser → the
same characters, with the same bold / italic / strikethrough / code / link / equation around
each of them, and no element that Notion text did not ask for.

The parser is markdown-it-py set up like Hugo's Goldmark: CommonMark with raw HTML, GFM
(tables, strikethrough with one or two `~`, task lists, footnotes), definition lists and
`\\(…\\)` math standing in for the passthrough extension (whose `\\\\` before an opener
escapes the opener). A sample, with the hand-written HAZARDS, also goes through the real
Hugo (with passthrough on, as sites with math have it), whose HTML must show the same text;
that is where Goldmark's linkify is checked.

Whitespace is compared as a browser shows it: leading and trailing whitespace of the
paragraph and spaces around a line break are not compared, and whether a space is bold (or
italic, struck, linked) is invisible, so only code spans' spaces keep their marks.
Autolinks (Goldmark's linkify) are the one element allowed that Notion did not ask for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.texmath import texmath_plugin

from pipeline.model import Block
from pipeline.render import BLOCKS, RenderContext, render_page, rich_text
from pipeline.richtext import LABEL, to_markdown
from tests.test_render_blocks import block_type

EXPORTED_ID = "01234567-89ab-cdef-0123-456789abcdef"
POST_LINKS = {EXPORTED_ID: "/posts/other/"}

# (URL typed in Notion, where the link must point). None: not a link at all.
LINKS = [
    ("https://example.com/a_(b)*c", "https://example.com/a_%28b%29*c"),
    ("https://example.com/?q=<x>&y={{<z>}}", "https://example.com/?q=%3Cx%3E&y=%7B%7B%3Cz%3E%7D%7D"),
    ("https://example.com/a b|c`d]", "https://example.com/a%20b%7Cc%60d%5D"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("/posts/local/", "/posts/local/"),
    ("javascript:alert(1)", None),
    ("https://www.notion.so/Other-0123456789abcdef0123456789abcdef", "/posts/other/"),
    ("https://www.notion.so/abcdefabcdefabcdefabcdefabcdefab", "https://www.notion.so/abcdefabcdefabcdefabcdefabcdefab"),
]

# Printable characters only: Notion text has no control characters but tab and newline.
ALPHABET = list("abcXYZ0129 ") + list("*_[]()<>|\\`~#!&{}%$:") + list("-+=.^\"'@/;,?") + [
    "\n", "\t", "\u00a0", "é", "中", "€", "👀", "（", "》", "\u3000",
]
FRAGMENTS = [
    "{{<", "{{%", ">}}", "<script>", "<img src=x onerror=alert(1)>", "</p>", "&amp;", "&#42;", "[x]", "[ ]",
    "](", "![", "**", "__", "~~", "```", "1. ", "- ", "* ", "+ ", "# ", "> ", "| --- |", "[^1]", "[^1]: ",
    "\\(", "\\)", "$$", "$", ": ", "===", "---", "http://a.example", "www.example.org", "    ", "\\", "\n\n",
]
texts = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.sampled_from(ALPHABET), min_size=1, max_size=6),
        st.text(st.sampled_from("abcé中"), min_size=1, max_size=3),  # words that touch emphasis
    ),
    min_size=1, max_size=5,
).map("".join)
# TeX as typed in an inline equation, one line; `\)`, `\]`, `$$` and a final `\` included:
# passthrough_tex must keep them from ending the math early.
expressions = st.lists(st.sampled_from(list("ab12 +-=^_{}()<>&|*$\\~`[]") + ["\\frac", "{{<", "\\alpha", "\\)", "\\]", "$$"]), min_size=1, max_size=12).map("".join).filter(
    lambda e: e.strip()
)
annotations = st.fixed_dictionaries({
    "bold": st.booleans(), "italic": st.booleans(), "strikethrough": st.booleans(),
    "underline": st.booleans(), "code": st.booleans(), "color": st.sampled_from(["default", "red", "blue_background"]),
})


@dataclass(frozen=True)
class Case:
    """A generated rich text array and what the reader must see: one unit per character
    (a whole expression for an equation), each with its marks."""

    items: tuple[dict, ...]
    units: tuple[tuple[str, frozenset[str]], ...]


def _marks(notes: dict, href: str | None) -> frozenset[str]:
    names = {"bold": "strong", "italic": "em", "strikethrough": "s", "underline": "u", "code": "code"}
    marks = {mark for name, mark in names.items() if notes[name]}
    return frozenset(marks | ({"href:" + href} if href else set()))


def _item(kind: str, plain: str, notes: dict, href: str | None = None, **payload) -> dict:
    return {"type": kind, kind: payload[kind], "annotations": notes, "plain_text": plain, "href": href}


@st.composite
def runs(draw) -> tuple[dict, list[tuple[str, frozenset[str]]]]:
    """One rich text object (shapes: developers.notion.com/reference/rich-text) and its units."""
    notes = draw(annotations)
    kind = draw(st.sampled_from(["text"] * 6 + ["link"] * 3 + ["equation"] * 2 + [
        "page", "database", "user", "date", "link_preview", "link_mention", "template_mention", "custom_emoji"]))
    if kind in ("text", "link"):
        text = draw(texts)
        url, href = draw(st.sampled_from(LINKS)) if kind == "link" else (None, None)
        item = _item("text", text, notes, url, text={"content": text, "link": {"url": url} if url else None})
        return item, _text_units(text, notes, href)
    if kind == "equation":
        expression = draw(expressions)
        item = _item("equation", expression, notes, equation={"expression": expression})
        tex = re.sub(r"\{(?=\{)", "{ ", expression)
        return item, [(tex, _marks(notes, None) - {"code"} | {"math"})]  # code style means nothing to TeX
    if kind in ("page", "database"):
        exported = draw(st.booleans())
        page_id = EXPORTED_ID if exported else "abcdefab-cdef-abcd-efab-cdefabcdefab"
        title = draw(texts)
        href = "/posts/other/" if exported else "https://www.notion.so/" + page_id.replace("-", "")
        item = _item("mention", title, notes, "https://www.notion.so/" + page_id.replace("-", ""),
                     mention={"type": kind, kind: {"id": page_id}})
        return item, _text_units(title, notes, href)
    if kind == "user":
        name = draw(texts)
        item = _item("mention", "@" + name, notes, mention={"type": "user", "user": {"object": "user", "id": EXPORTED_ID}})
        return item, _text_units("@" + name, notes, None)
    if kind == "date":
        start, end = draw(st.sampled_from([("2024-01-02", None), ("2024-01-02", "2024-01-05"), ("2024-01-02T10:00:00.000+00:00", None)]))
        item = _item("mention", start, notes, mention={"type": "date", "date": {"start": start, "end": end, "time_zone": None}})
        return item, _text_units(f"{start} → {end}" if end else start, notes, None)
    if kind in ("link_preview", "link_mention"):
        url, href = draw(st.sampled_from(LINKS))
        plain = draw(texts) if kind == "link_mention" else url
        payload = {"url": url} if kind == "link_preview" else {"href": url, "title": plain}
        item = _item("mention", plain, notes, url, mention={"type": kind, kind: payload})
        return item, _text_units(plain, notes, href)
    plain = draw(st.sampled_from(["@Today", "@Now", "@Me"])) if kind == "template_mention" else ":" + draw(texts) + ":"
    payload = {"type": "template_mention_date", "template_mention_date": "today"} if kind == "template_mention" else {
        "id": EXPORTED_ID, "name": plain.strip(":"), "url": "https://example.com/emoji.png"}
    item = _item("mention", plain, notes, mention={"type": kind, kind: payload})
    return item, _text_units(plain, notes, None)


def _text_units(text: str, notes: dict, href: str | None) -> list[tuple[str, frozenset[str]]]:
    marks = _marks(notes, href)
    # A line break is never code: the code span ends before it and starts again after it.
    return [(ch, marks - {"code"} if ch == "\n" else marks) for ch in text]


@st.composite
def cases(draw) -> Case:
    pairs = draw(st.lists(runs(), min_size=1, max_size=6))
    return Case(tuple(item for item, _ in pairs), tuple(unit for _, units in pairs for unit in units))


# --- what the reader sees -------------------------------------------------------------------


def _is_blank(unit: tuple[str, frozenset[str]]) -> bool:
    return unit[0].isspace() and not unit[1] & {"code", "math"}


def visible(units) -> list[tuple[str, frozenset[str]]]:
    """Units as a browser shows them: paragraph edges trimmed, spaces around breaks dropped,
    marks of (non-code) whitespace not compared."""
    units = list(units)
    while units and _is_blank(units[0]):
        units.pop(0)
    while units and _is_blank(units[-1]):
        units.pop()
    kept = []
    for i, unit in enumerate(units):
        if unit[0] in " \t" and _is_blank(unit):
            nxt = next((u for u in units[i + 1:] if not (u[0] in " \t" and _is_blank(u))), None)
            if (kept and kept[-1][0] == "\n" and _is_blank(kept[-1])) or (nxt and nxt[0] == "\n" and _is_blank(nxt)):
                continue
        kept.append(unit)
    return [(text, frozenset() if text.isspace() and not marks & {"code", "math"} else marks) for text, marks in kept]


def markdown_it() -> MarkdownIt:
    """GFM without its autolinks: Goldmark's linkify ends a bare URL at a backslash escape,
    mdit-py-plugins' gfm_autolink does not, so it would report text Hugo shows right. What
    linkify does is left to the Hugo sample."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.options.update(tasklists=True, strikethrough_single_tilde=True)
    md.use(footnote_plugin, inline=False).use(deflist_plugin)
    deflist = next(rule for rule in md.block.ruler.__rules__ if rule.name == "deflist")
    md.block.ruler.at("deflist", _colon_definitions_only(deflist.fn), {"alt": deflist.alt})
    md.inline.ruler.before("escape", "escaped_passthrough_opener", _escaped_passthrough_opener)
    return md.use(texmath_plugin, delimiters="brackets")


def _colon_definitions_only(deflist):
    """Goldmark's definition lists start a definition with `:` only; the plugin's also take
    pandoc's `~`, which Hugo shows as text."""

    def rule(state, start: int, end: int, silent: bool) -> bool:
        line = start if silent else start + 1  # the definition's line (a term is on the line before)
        if not silent and line < end and state.isEmpty(line):
            line += 1
        if line < end and state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].startswith("~"):
            return False
        return deflist(state, start, end, silent)

    return rule


# Passthrough's openers (the site kit's delimiters) and what Goldmark shows for `\\` + opener.
_ESCAPED_OPENERS = {"\\(": "\\(", "\\[": "\\[", "$$": "\\$$"}


def _escaped_passthrough_opener(state, silent: bool) -> bool:
    """Goldmark's passthrough reads `\\` right before an opener as escaping the opener, not as
    an escaped backslash: `\\\\\\(x\\)` shows `\\(x)`, no math."""
    if not state.src.startswith("\\\\", state.pos):
        return False
    opener = next((o for o in _ESCAPED_OPENERS if state.src.startswith(o, state.pos + 2)), None)
    if opener is None:
        return False
    if not silent:
        state.push("text", "", 0).content = _ESCAPED_OPENERS[opener]
    state.pos += 2 + len(opener)
    return True


MD = markdown_it()
TAGS = re.compile(r'<(/?)(strong|em|del|code|u)>|<a href="([^"]*)">|</a>')
NAMES = {"strong": "strong", "em": "em", "del": "s", "s": "s", "code": "code", "u": "u"}


def parsed(markdown: str) -> list[tuple[str, frozenset[str]]]:
    """What markdown-it shows for `markdown`, which must be exactly one paragraph."""
    tokens = MD.parse(markdown)
    kinds = [t.type for t in tokens]
    assert kinds == ["paragraph_open", "inline", "paragraph_close"], f"not one paragraph: {kinds}"
    units: list[tuple[str, frozenset[str]]] = []
    active: list[str] = []
    for tok in tokens[1].children:
        kind = tok.type
        if kind.endswith("_open") and kind[:-5] in NAMES:
            active.append(NAMES[kind[:-5]])
        elif kind.endswith("_close") and kind[:-6] in NAMES:
            assert NAMES[kind[:-6]] in active, f"unbalanced {kind} in {markdown!r}"
            active.remove(NAMES[kind[:-6]])
        elif kind == "link_open":
            active.append("href:" + tok.attrs["href"])
        elif kind == "link_close":
            active.pop(next(i for i in range(len(active) - 1, -1, -1) if active[i].startswith("href:")))
        elif kind == "html_inline":
            tag = TAGS.fullmatch(tok.content)
            assert tag, f"raw HTML from Notion text: {tok.content!r}"
            if tag.group(2):
                assert tag.group(1) == "" or NAMES[tag.group(2)] in active, f"unbalanced {tok.content} in {markdown!r}"
                (active.remove if tag.group(1) else active.append)(NAMES[tag.group(2)])
            elif tag.group(3) is not None:
                active.append("href:" + MD.normalizeLink(html.unescape(tag.group(3))))
            else:
                assert any(a.startswith("href:") for a in active), f"unbalanced </a> in {markdown!r}"
                active.pop(next(i for i in range(len(active) - 1, -1, -1) if active[i].startswith("href:")))
        elif kind in ("text", "code_inline"):
            marks = frozenset(active) | ({"code"} if kind == "code_inline" else set())
            units += [(ch, marks) for ch in tok.content]
        elif kind == "math_inline":
            units.append((html.unescape(tok.content), frozenset(active) | {"math"}))
        elif kind == "hardbreak":
            units.append(("\n", frozenset(active)))
        else:
            raise AssertionError(f"unexpected {kind} in {markdown!r}")
    return units


def expected(case: Case) -> list[tuple[str, frozenset[str]]]:
    def link(mark: str) -> str:
        return "href:" + MD.normalizeLink(mark[5:]) if mark.startswith("href:") else mark

    return visible((text, frozenset(map(link, marks))) for text, marks in case.units)


def render(case: Case) -> str:
    return rich_text(list(case.items), RenderContext(post_links=dict(POST_LINKS)))


def check(case: Case) -> None:
    """The property: what markdown-it shows is what Notion shows (nothing, for blank text)."""
    markdown = render(case)
    want = expected(case)
    assert (visible(parsed(markdown)) if markdown else []) == want, markdown


def roundtrips(case: Case) -> bool:
    """The check as a yes or no, for bench/roundtrip.py to count."""
    try:
        check(case)
    except AssertionError:
        return False
    return True


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_rich_text_round_trips_through_markdown_it(case):
    check(case)


invented_types = st.from_regex(r"[a-z][a-z0-9_]{2,15}", fullmatch=True).filter(lambda kind: kind not in BLOCKS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), invented_types, st.sampled_from(["rich_text", "title", "caption"]), st.integers(0, 2))
def test_a_block_type_nobody_knows_shows_its_rich_text(case, kind, field, depth):
    """The fallback rule: a block of a type the table lacks shows the rich text found under a
    field named rich_text, title or caption, at any depth of its payload, as a paragraph."""
    payload: dict = {field: list(case.items), "color": "default"}
    for level in range(depth):
        payload = {f"part{level}": payload, "count": level}
    block = Block({"object": "block", "id": "c0000000-0000-4000-8000-000000000009", "type": kind,
                   "has_children": False, kind: payload})
    ctx = RenderContext(post_links=dict(POST_LINKS))
    markdown = render_page((block,), ctx)
    assert (visible(parsed(markdown)) if markdown else []) == expected(case), markdown
    assert [block_type(n) for n in ctx.notices if "has no renderer" in n.message] == [kind]


# --- the real Hugo ----------------------------------------------------------------------------

INLINE_TAGS = {"p", "strong", "em", "del", "code", "a", "br", "u"}


class _Units(HTMLParser):
    """A paragraph's characters as a browser shows them, code marked (its spaces count), and
    every element met. An equation is the site kit's <span class="notion-math"> holding its TeX
    (for KaTeX): one unit, marked math, and no element of the text's own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.units: list[tuple[str, frozenset[str]]] = []
        self.tags: list[str] = []
        self.code = 0
        self.math: str | None = None  # the TeX of the equation being read

    def handle_starttag(self, tag, attrs):
        if tag == "span" and ("class", "notion-math") in attrs:
            self.math = ""
            return
        self.tags.append(tag)
        self.code += tag == "code"
        if tag == "br":
            self.units.append(("\n", frozenset()))

    def handle_endtag(self, tag):
        if tag == "span" and self.math is not None:
            self.units.append((self.math, frozenset({"math"})))
            self.math = None
            return
        self.code -= tag == "code"

    def handle_data(self, data):
        if self.math is not None:
            self.math += data
            return
        marks = frozenset({"code"} if self.code else ())
        self.units += [(ch, marks) for ch in data if ch != "\n"]  # source newlines follow <br>


def hugo_text(units) -> str:
    """The text, with an equation inside passthrough's delimiters (from a case; from Hugo, the
    TeX of the kit's element)."""
    return "".join("\\(" + t + "\\)" if "math" in m else t for t, m in visible(units))


def hugo_contents(batch: Sequence[Case], workdir: Path) -> list[str]:
    """Each case as a post of one build of the demo site; each post's content HTML."""
    from tests.hugosite import build, demo_site

    site = demo_site(workdir / "site")
    for i, case in enumerate(batch):
        post = site / "content" / "posts" / f"p{i}"
        post.mkdir(parents=True)
        (post / "index.md").write_text(f"---\ntitle: p{i}\ndate: 2024-01-01\n---\n\n{render(case)}\n", encoding="utf-8")
    public = build(site, workdir / "public")
    pages = [(public / "posts" / f"p{i}" / "index.html").read_text(encoding="utf-8") for i in range(len(batch))]
    return [re.search(r'<div class="post-content">(.*?)</div>\s*</article>', page, re.S).group(1) for page in pages]


def hugo_check(case: Case, content: str) -> None:
    """Hugo shows the case's text, in one paragraph of our inline elements only."""
    parser = _Units()
    parser.feed(content)
    if not expected(case):
        assert parser.tags == [], (render(case), content)
        return
    assert parser.tags.count("p") == 1 and set(parser.tags) <= INLINE_TAGS, (render(case), content)
    assert hugo_text(parser.units) == hugo_text(case.units), (render(case), content)


def case_of(*runs: tuple[str, str, str | None]) -> Case:
    """A hand-written case from (text, annotations separated by spaces, link URL) runs; the
    annotation "equation" makes the text an inline equation's expression."""
    items, units = [], []
    for text, names, url in runs:
        notes = {name: name in names.split() for name in ("bold", "italic", "strikethrough", "underline", "code")}
        notes["color"] = "default"
        if "equation" in names.split():
            items.append(_item("equation", text, notes, equation={"expression": text}))
            units.append((text, _marks(notes, None) - {"code"} | {"math"}))
            continue
        items.append(_item("text", text, notes, url, text={"content": text, "link": {"url": url} if url else None}))
        units += _text_units(text, notes, dict(LINKS)[url] if url else None)
    return Case(tuple(items), tuple(units))


# What the property tests found, and what Goldmark does unlike markdown-it: kept as cases.
HAZARDS = [
    case_of(("see https://example.com/", "", None), ("x", "code", None)),  # linkify runs over `
    case_of(("see www.example.org/", "", None), ("x", "", "/posts/local/")),  # ... over [
    case_of(("see https://example.com/", "", None), ("x", "strikethrough", None)),  # ... over ~
    case_of(("a [b] c", "", "/posts/local/")),  # \[ b \] would be passthrough display math
    case_of(("x", "", None), ("(a)", "bold", None), ("b", "", None)),  # not flanking: a tag
    case_of(("@Today", "bold italic", None), ("{{<", "bold", None), ("z", "bold italic", None)),  # ***a*b*c***
    case_of(("x", "italic", None), ("y", "bold", None)),  # *x***y** would merge the runs
    case_of(("approx~", "strikethrough", None)),  # Goldmark joins \~ to the closing ~~
    case_of(("C:\\\nD:", "", None)),  # Goldmark reads \\\ at a line end as no break
    case_of(("a\\", "", None), ("x", "equation", None)),  # passthrough reads \\\( as an escaped \(
    case_of(("at ", "", None), ("john", "bold", None), ("@example.com", "", None)),  # linkify: john**@example.com
    case_of(("a", "", None), ("b@c.org", "code", None)),  # ... a`b@c.org is an email address too
    case_of(("x\n-:", "", None)),  # the delimiter row of a one-column table
    case_of(("-- -", "", None)),  # a thematic break
    case_of(("Wow!", "", None), ("x", "", "/posts/local/")),  # ![ is an image
    case_of(("a", "", "/posts/local/"), ("]: b", "code", "/posts/local/")),  # [a`]: b` is a definition
    case_of(("[^1]: not a footnote\n[x]: /not-a-definition", "", None)),
    case_of(("snake", "", None), ("case", "bold", None), ("d", "", None)),
    case_of(("{{< x >}} ", "", None), ("{{% y %}}", "code", None)),
    case_of(("<script>alert(1)</script> <img src=x onerror=alert(1)>", "", None)),
    case_of(("{{<0", "", None), ("0", "italic strikethrough", None), ("{{<", "strikethrough", None)),  # 0~~*: no opener
    case_of(("a ", "italic", None), ("b", "italic", "/posts/local/"), (" c", "italic", None)),  # *a [b](u) c*
    case_of(("x", "", "/posts/local/"), ("y", "bold", "/posts/local/"), (" ", "bold", None), ("z", "bold", None)),
]


@pytest.mark.parametrize("case", HAZARDS, ids=[render(case) for case in HAZARDS])
def test_known_hazards_round_trip_through_markdown_it(case):
    check(case)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
@example(case_of(("a", "code", "/posts/local/"), ("b", "code", None)))  # `a``b`
@example(case_of(("a", "bold", "/posts/local/"), ("b", "bold", None)))  # **a****b**
def test_rich_text_as_a_link_s_text_shows_its_text_inside_that_link(case):
    """A file's or bookmark's caption is the text of the link to it (LABEL): the links inside
    are dropped, the rest is shown as in a paragraph. (Code spans or bold that links inside
    kept apart were written touching once they were dropped: `` `a``b` ``, `**a****b**`.)"""
    markdown = to_markdown(list(case.items), RenderContext(post_links=dict(POST_LINKS)), LABEL)
    want = visible((text, frozenset({m for m in marks if not m.startswith("href:")} | {"href:/target"})) for text, marks in case.units)
    assert (visible(parsed(f"[{markdown}](/target)")) if markdown else []) == want, markdown


# Each example is one Hugo build: no shrinking (it would rebuild hundreds of times); the
# assertion message holds the Markdown and the HTML of the case that failed.
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(cases(), min_size=30, max_size=30))
def test_a_sample_shows_the_same_text_in_hugo(tmp_path_factory, batch):
    batch = HAZARDS + batch
    for case, content in zip(batch, hugo_contents(batch, tmp_path_factory.mktemp("hugo"))):
        hugo_check(case, content)
