"""The round trip is the import's test (issue #10): import into the emulator, then sync, gives
back the pipeline's own posts byte for byte, and hand-written posts with the same Hugo HTML
wherever their Markdown is within what Notion can hold."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notion_emulator import NotionEmulator
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN
from tests.hugosite import build, demo_site
from tests.importkit import config, post, round_trip, write_bundles
from tests.storekit import entry, store, text
from tests.test_render_blocks import load

GOLDEN = ROOT / "tests" / "golden"
HAND_WRITTEN = ROOT / "tests" / "fixtures" / "import" / "hand-written"


def test_the_demo_posts_come_back_byte_for_byte(tmp_path, demo_posts):
    trip = round_trip(tmp_path, [demo_posts])
    assert [plan.action for plan in trip.imported.plans] == ["create", "create"]
    assert sorted(trip.posts) == ["kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes"]
    for slug, synced in trip.posts.items():
        assert synced == (GOLDEN / f"{slug}.md").read_text(encoding="utf-8")
    # The relref link between the two posts went through Notion as a link to the other entry.
    assert '{{< relref "/posts/steps-to-learn-kubernetes" >}}' in trip.posts["kubernetes-resources-and-learning-path"]


# The fixture cases whose Markdown Notion cannot hold: no block at all, or the renderer's
# placeholder comment for a block the API does not show. (A block type the renderer does not
# know shows its text as paragraphs, which Notion holds: that case comes back too.)
OUTSIDE_NOTION = {"image with a URL that is not http(s) is left out, with an error",
                  "table_of_contents, breadcrumb and template render nothing",
                  "unsupported: an HTML comment and a warning with the block's URL, never silence"}


def test_every_block_fixture_within_what_notion_holds_comes_back_byte_for_byte(tmp_path):
    cases = [case for case in load() if case.name not in OUTSIDE_NOTION]
    assert len(cases) == len(load()) - len(OUTSIDE_NOTION)  # every exclusion names a real case
    posts = {f"case-{i:03d}": post(case.markdown) for i, case in enumerate(cases)}
    posts["exported"] = post("The post the fixtures link to.", title="Exported post")  # their /posts/exported/
    trip = round_trip(tmp_path, [write_bundles(tmp_path / "in", posts)], config(link_style="permalink"))
    assert [p.error for p in trip.imported.plans if p.error] == []
    differing = [case.name for i, case in enumerate(cases) if trip.posts.get(f"case-{i:03d}") != posts[f"case-{i:03d}"]]
    assert differing == []


# What Goldmark's typographer makes of a hand-written post's characters (Hugo's default) is
# written as entities, the same characters in a synced post as themselves: import reads a post as
# its reader saw it, and sync writes Notion's text as it is.
TYPOGRAPHER = {"&rsquo;": "\u2019", "&lsquo;": "\u2018", "&ldquo;": "\u201c", "&rdquo;": "\u201d", "&ndash;": "\u2013",
               "&mdash;": "\u2014", "&hellip;": "\u2026", "&laquo;": "\u00ab", "&raquo;": "\u00bb"}


def _content(page: Path) -> list[str]:
    """The post's HTML as top-level elements, whitespace between words collapsed (a line break
    in a paragraph's source and a space show the same), the typographer's entities as characters."""
    body = re.search(r'<div class="post-content">(.*?)</div>\s*</article>', page.read_text(encoding="utf-8"), re.S)
    assert body, page
    text = re.sub(r"\s+", " ", body.group(1)).strip()
    text = re.sub("|".join(TYPOGRAPHER), lambda match: TYPOGRAPHER[match.group(0)], text)
    return [part.strip() for part in re.split(r"(?=<(?:p|h[1-6]|ul|ol|div|table|blockquote|hr|aside|details|pre)[ >])", text) if part.strip()]


def _text(elements: list[str]) -> list[str]:
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(elements))).split()


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory):
    """The hand-written posts (and the seed as Notion's export left it) built by Hugo as they
    are, and after import then sync: slug → (original elements, round-tripped elements)."""
    tmp = tmp_path_factory.mktemp("hand-written")
    posts = tmp / "in" / "posts"
    shutil.copytree(HAND_WRITTEN, posts)
    (posts / "seed-repaired").mkdir()
    shutil.copy(GOLDEN / "seed.repaired.md", posts / "seed-repaired" / "index.md")
    trip = round_trip(tmp, [posts])
    original, back = demo_site(tmp / "original"), demo_site(tmp / "back")
    shutil.copytree(posts, original / "content" / "posts")
    shutil.copytree(tmp / "synced" / "posts", back / "content" / "posts")
    before, after = build(original, tmp / "before"), build(back, tmp / "after")
    pages = {}
    for plan in trip.imported.plans:
        # Hugo names both by the slug: the `slug` key, else the bundle folder or file name.
        page = Path("posts") / plan.slug / "index.html"
        pages[plan.slug] = (_content(before / page), _content(after / page), plan)
    return pages


# What differs in Hugo's HTML, post by post, and why: each is outside what Notion holds. (The
# bundle image comes back under its own name, and an image's alt text is no longer a caption
# shown under it: issue #17.)
EXPECTED_DIFFERENCES = {
    "a-year-with-go": 1,  # column alignment of the table
    "getting-started-with-helm": 0,
    "kubernetes-networking": 0,
    # <details> (a toggle is a list item), h5 and <kbd>/<sub> in one paragraph; the footnote comes back (#17)
    "notes-on-raft": 1,
    # Notion's export put callouts' Markdown inside raw HTML: now rendered as paragraphs (5); and a
    # heading's anchor: Hugo cuts the hand-written one at the typographer's apostrophe ("what"),
    # while the synced heading's ’ (a character Notion holds, not the typographer's) gives
    # "whats-best-to-have" (1)
    "seed-repaired": 6,
}


def test_hand_written_posts_come_back_with_the_same_html_where_notion_holds_it(hand_written):
    import difflib

    counts = {}
    for slug, (before, after, _) in hand_written.items():
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        counts[slug] = sum(1 for tag, *_ in matcher.get_opcodes() if tag != "equal")
    assert counts == EXPECTED_DIFFERENCES


def test_hand_written_posts_keep_all_their_text(hand_written):
    import difflib

    lost = {}
    for slug, (before, after, _) in hand_written.items():
        a, b = "".join(_text(before)), "".join(_text(after))
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        lost[slug] = [a[i1:i2] for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("delete", "replace")]
    assert lost == {slug: [] for slug in hand_written}


def test_what_notion_cannot_hold_is_reported_for_each_post(hand_written):
    notes = {slug: [note.message for note in plan.notes] for slug, (_, _, plan) in hand_written.items()}
    assert notes["notes-on-raft"] == [
        "front matter key `series` has no property in the mapping (pipeline.toml): left out",
        "footnotes: Notion has none; each reference is kept as a piece of code `[^label]`, and its note as a "
        "paragraph that starts with code `[^label]:`, which sync writes back as the footnote",
        "h5 heading: Notion has four heading levels; it became a heading 4",
        "<kbd> has no Notion form: its text is kept without the tag",
        "<sub> has no Notion form: its text is kept without the tag",
    ]
    assert notes["a-year-with-go"] == ["table column alignment: Notion tables have none; the columns are left-aligned"]
    assert notes["getting-started-with-helm"] == [
        "front matter key `aliases` has no property in the mapping (pipeline.toml): left out"]


# --- generated posts in the renderer's output language ----------------------------------------

_ALPHABET = st.sampled_from(list("abcXYZ 019 .,:;!?'\"*_~`[]()<>&\\#|${}-+=/%^@") + ["\n", "é", "中"])
_RUN = st.tuples(
    st.text(_ALPHABET, min_size=1, max_size=12),
    st.fixed_dictionaries({name: st.booleans() for name in ("bold", "italic", "strikethrough", "code", "underline")},
                          optional={"equation": st.booleans()}),
    st.sampled_from([None, None, None, "https://example.com/a?b=1&c=2", "mailto:me@example.com"]),
)
_KINDS = ["paragraph", "heading_1", "heading_2", "heading_3", "quote", "bulleted_list_item", "numbered_list_item",
          "to_do", "callout", "code", "equation", "divider"]


def _rich(runs):
    items = []
    for content, marks, url in runs:
        if marks.pop("equation", False):
            # Shape: developers.notion.com/reference/rich-text#equation. Backslashes, `\)` and
            # `$$` included (the renderer encodes what would close the math); no line break: the
            # renderer keeps it, and in a heading it ends the heading.
            content = content.replace("\n", " ")
            items.append({"type": "equation", "equation": {"expression": content}, "annotations": text("")["annotations"],
                          "plain_text": content, "href": None})
            continue
        item = text(content, **marks)
        if url:
            item["text"]["link"] = {"url": url}
            item["href"] = url
        items.append(item)
    return items


def _payload(kind: str, n: int, runs) -> dict:
    # Shapes: developers.notion.com/reference/block (paragraph and the text blocks share one;
    # callout adds icon, code language and caption, equation an expression, divider none).
    if kind == "divider":
        return {}
    if kind == "equation":
        return {"expression": "".join(content for content, _, _ in runs)}
    if kind == "code":
        return {"rich_text": [text("".join(content for content, _, _ in runs))], "caption": [],
                "language": ["python", "plain text", "c++", "mermaid", "shell"][n % 5]}
    payload = {"rich_text": _rich(runs), "color": "default"}
    if kind == "to_do":
        payload["checked"] = n % 2 == 0
    if kind == "callout":
        payload["icon"] = {"type": "emoji", "emoji": "💡"} if n % 2 else None
    return payload


def _block(page_id: str, n: int, kind: str, runs) -> dict:
    return {"object": "block", "id": f"00000000-0000-4000-8000-{n:012d}", "type": kind, "has_children": False,
            "in_trash": False, "archived": False, "parent": {"type": "page_id", "page_id": page_id},
            kind: _payload(kind, n, [(c, dict(m), u) for c, m, u in runs])}


POSTS = st.lists(st.lists(st.tuples(st.sampled_from(_KINDS), st.lists(_RUN, min_size=1, max_size=4)),
                          min_size=1, max_size=4), min_size=1, max_size=4)


def generated_round_trip(tmp: Path, posts) -> tuple[dict[str, str], dict[str, str]]:
    """Notion entries → sync → Markdown A; A imported into an empty data source → sync →
    Markdown B. Returns (A, B), each slug → index.md."""
    entries, n = [], 0
    for i, blocks in enumerate(posts):
        page = entry(f"Post {i}", f"post-{i}", i)
        rows = []
        for kind, runs in blocks:
            n += 1
            rows.append(_block(page["id"], n, kind, runs))
        entries.append((page, rows))
    cfg = config()
    with NotionEmulator(store(entries), token=TOKEN) as emulator:
        first = tmp / "first" / "posts"
        sync(cfg, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=first,
             options=SourceOptions(base_url=emulator.base_url, rate=0))
    written = {p.name: (p / "index.md").read_text(encoding="utf-8") for p in first.iterdir() if p.is_dir()}
    trip = round_trip(tmp, [first], cfg)
    assert [p.error for p in trip.imported.plans if p.error] == []
    return written, trip.posts


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posts=POSTS)
def test_generated_posts_come_back_byte_for_byte(tmp_path_factory, posts):
    written, back = generated_round_trip(tmp_path_factory.mktemp("generated"), posts)
    assert back == written
