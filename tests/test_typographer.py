"""Import reads a hand-written post as its reader saw it: with the site's Goldmark typographer
(Hugo's default), `we'll` is `we’ll` in Notion, and sync, which writes Notion's text
typographer-proof, shows `we’ll` again (issue #17). Hugo is the reference: the fixtures are
checked against what Hugo builds, and a hand-written post is built before and after a round trip."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from pipeline import site
from pipeline.import_posts import typographer_of
from pipeline.markdown_in import ImportContext, to_blocks
from pipeline.typographer import Typographer, site_typographer
from tests.importkit import post, round_trip, write_bundles
from tests.test_rich_text_roundtrip import case_of, cases, render

ON = Typographer()

# (typed, what the reader sees): Goldmark's replacements, and its quotes decided where they stand.
REPLACED = [
    ("we'll see", "we’ll see"),
    ('"production" builds', "“production” builds"),
    ("wait... then", "wait… then"),
    ("pages 1--2", "pages 1–2"),
    ("yes --- no", "yes — no"),
    ("<<quoted>>", "«quoted»"),
    ("'single' quotes", "‘single’ quotes"),
    ("rock'n'roll in the '90s", "rock’n’roll in the ’90s"),
    ("'twas 'til then", "’twas ’til then"),
    ("the Smiths' car", "the Smiths’ car"),
    ("He's 5'6\" tall", "He’s 5'6\" tall"),  # between digits a quote stays; nothing open to close
    ("\"open\n\nclose\" here", "“openclose” here"),  # quotes opened are counted over the page
    ('"x"y', "“x\"y"),  # a quote between two letters can open and close: it stays
    ("x ---- ----- y", "x —- —– y"),
    ("....", "….",),
    ("'hello and \"open alone", "‘hello and “open alone"),  # no pairing: each quote where it stands
    ("a '' b", "a ’’ b"),
    ("**bold**'s", "bold’s"),
    ("*\"em\"*", "“em”"),
    ("[link \"t\"](https://example.com/a--b)", "link “t”"),
    ("He said \"it's\"!", "He said “it’s”!"),
    ("[Lionel Henry](https://github.com/lionel-)'s package", "Lionel Henry’s package"),  # rOpenSci's blog
    ("a client for the '[NASA POWER](https://power.larc.nasa.gov/)' API", "a client for the ‘NASA POWER’ API"),
]

# (typed, what the reader sees): places the typographer never reads.
KEPT = [
    ("`it's -- x...`", "it's -- x..."),  # code span
    ("\\'a\\' \\.\\.\\. a\\-\\-b \\<\\< \\\"q\\\"", "'a' ... a--b << \"q\""),  # escaped, as Goldmark leaves them
    ("see https://example.com/a--b...c and www.example.org/x--y", "see https://example.com/a--b...c and www.example.org/x--y"),
    # linkify starts after an emphasis or strikethrough delimiter too (review)
    ("**https://example.com/a--b**", "https://example.com/a--b"),
    ("~~https://example.com/it's~~", "https://example.com/it's"),
]


def _plain(blocks: list[dict]) -> str:
    """The text of the blocks as Notion holds it: text and equations, in order."""
    out = []
    for block in blocks:
        payload = block[block["type"]]
        for item in payload.get("rich_text", []):
            out.append(item["text"]["content"] if item["type"] == "text" else item["equation"]["expression"])
        if block["type"] == "equation":
            out.append(payload["expression"])
        for child in payload.get("children", []):
            out.append(_plain([child]))
    return "".join(out)


def _imported(markdown: str, typographer: Typographer | None = ON) -> list[dict]:
    return to_blocks(markdown, ImportContext(typographer=typographer)).blocks


@pytest.mark.parametrize("typed, shown", REPLACED + KEPT)
def test_import_puts_into_notion_the_characters_the_reader_saw(typed, shown):
    assert _plain(_imported(typed)) == shown


@pytest.mark.parametrize("typed, shown", REPLACED + KEPT)
def test_with_the_typographer_off_the_text_is_as_typed(typed, shown):
    off = _plain(_imported(typed, None))
    assert not re.search("[‘’“”–—…«»]", off), off


def test_code_blocks_math_blocks_link_destinations_and_html_attributes_are_left_as_typed():
    # Math as the passthrough extension reads it (without it, Hugo shows `\(` as `(`).
    assert _plain(_imported("\\(a -- b's\\)")) == "a -- b's"
    blocks = _imported("```\nit's -- x...\n```\n\n$$\na--b's\n$$\n\n"
                       "[it's](https://example.com/a--b...) <a href=\"https://example.com/c--d\" title=\"it's\">it's</a>")
    code, equation, paragraph = blocks
    assert code["code"]["rich_text"][0]["text"]["content"] == "it's -- x..."
    assert equation["equation"]["expression"] == "a--b's"
    assert [(i["text"]["content"], i["text"]["link"]["url"]) for i in paragraph["paragraph"]["rich_text"] if
            i["text"].get("link")] == [("it’s", "https://example.com/a--b..."), ("it’s", "https://example.com/c--d")]


def test_shortcode_arguments_are_left_as_typed_but_a_figure_s_caption_that_hugo_shows_as_markdown(tmp_path):
    # Hugo replaces a shortcode before Goldmark reads the page: its arguments are the template's.
    # Hugo's own figure shows its caption through markdownify: the typographer's characters.
    typed = "{{< figure src=\"https://example.com/it's--a.png\" alt=\"it's\" caption=\"it's -- \\\"ok\\\"...\" >}}"
    page = _hugo_page(tmp_path, typed)
    assert re.search(r"<figcaption>\s*<p>(.*?)</p>", page).group(1) == "it&rsquo;s &ndash; &ldquo;ok&rdquo;&hellip;"
    assert 'alt="it&#39;s"' in page
    image = _imported(typed)[0]["image"]
    assert (image["external"]["url"], _plain([{"type": "p", "p": {"rich_text": image["caption"]}}])) == (
        "https://example.com/it's--a.png", "it’s – “ok”…\nfigure: alt=\"it's\"")
    assert _plain(_imported("It's {{< kbd \"it's -- ok\" >}} and {{% note title=\"a...b\" %}}x{{% /note %}}")) == \
        "It’s {{< kbd \"it's -- ok\" >}} and {{% note title=\"a...b\" %}}x{{% /note %}}"


def test_the_inner_content_hugo_hands_to_a_shortcode_as_typed_is_left_as_typed(tmp_path):
    # `{{< >}}`'s inner content is the template's, as typed; `{{% %}}`'s is Markdown.
    typed = ["{{< box >}}\nI can't -- \"x\"...\n{{< /box >}}", "{{% box %}}\nI can't -- \"x\"...\n{{% /box %}}",
             "{{< box >}}\n\nit's one\n\nit's two\n\n{{< /box >}}\n\nit's after"]
    # Compared without whitespace: Hugo puts a `{{< >}}` shortcode's output in without its blank lines.
    shown = ["".join(_words(page).split()) for page in _hugo_pages(tmp_path, typed)]
    assert shown == ["Ican't--\"x\"...", "Ican’t–“x”…", "it'soneit'stwoit’safter"]
    imported = [re.sub(r"\{\{.*?\}\}|\s", "", _plain(_imported(markdown))) for markdown in typed]
    assert imported == shown
    # The same when the owner keeps the shortcode ([render] shortcodes), whose tags import holds
    # out of the Markdown reader's way.
    kept = ImportContext(typographer=ON, shortcodes=frozenset({"box"}))
    assert [re.sub(r"\{\{.*?\}\}|\s", "", _plain(to_blocks(markdown, kept).blocks)) for markdown in typed] == shown


def test_raw_html_blocks_are_left_as_typed():
    assert _plain(_imported("<div>\n<p>it's -- \"raw\"</p>\n</div>")) == "it's -- \"raw\""


def _hugo_pages(root: Path, bodies: list[str], config: str = "") -> list[str]:
    """What Hugo builds of a page for each body (the typographer as `config` sets it)."""
    (root / "content").mkdir(parents=True)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "hugo.toml").write_text('baseURL = "https://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", '
                                    '"sitemap", "home", "section"]\n' + config, encoding="utf-8")
    (root / "layouts" / "_default" / "single.html").write_text("{{ .Content }}", encoding="utf-8")
    (root / "layouts" / "_shortcodes").mkdir(parents=True)
    (root / "layouts" / "_shortcodes" / "box.html").write_text("{{ .Inner }}", encoding="utf-8")
    for i, body in enumerate(bodies):
        (root / "content" / f"p{i}.md").write_text("---\ntitle: p\n---\n" + body + "\n", encoding="utf-8")
    subprocess.run([str(site.hugo_binary()), "build", "--source", str(root), "--logLevel", "error", "--noBuildLock"],
                   check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": str(root)})
    return [(root / "public" / f"p{i}" / "index.html").read_text(encoding="utf-8") for i in range(len(bodies))]


def _hugo_page(root: Path, body: str, config: str = "") -> str:
    return _hugo_pages(root, [body], config)[0]


def _words(page_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())


def _shown(page_html: str) -> list[str]:
    """The text of each paragraph as a reader sees it."""
    return [html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in re.findall(r"<p>(.*?)</p>", page_html, re.S)]


def test_the_fixtures_are_what_hugo_shows(tmp_path):
    cases = REPLACED + KEPT
    pages = _hugo_pages(tmp_path, [typed for typed, _ in cases])
    assert ["".join(_shown(page)) for page in pages] == [want for _, want in cases]


def test_the_site_s_typographer_settings_are_honoured(tmp_path):
    config = ("[markup.goldmark.extensions.typographer]\nleftDoubleQuote = '&laquo;'\nrightDoubleQuote = '&raquo;'\n"
              "enDash = '&#8212;'\napostrophe = '&#39;'\n")
    typed = "\"quoted\" 1--2 it's"
    shown = _shown(_hugo_page(tmp_path, typed, config))
    typographer = typographer_of(tmp_path)
    assert typographer is not None
    assert [_plain(_imported(typed, typographer))] == shown == ["«quoted» 1—2 it's"]


def test_a_site_that_turns_the_typographer_off_gets_the_text_as_typed(tmp_path):
    config = "[markup.goldmark.extensions.typographer]\ndisable = true\n"
    assert _shown(_hugo_page(tmp_path, "it's -- \"x\"", config)) == ["it's -- \"x\""]
    assert typographer_of(tmp_path) is None
    assert site_typographer({}) == ON  # Hugo's default: on
    assert typographer_of(None) == ON  # posts outside a site: what Hugo would build them with


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
@example(case=case_of(("we'll \"see\" -- a... <<b>> '90s", "", None)))
@example(case=case_of(("'a' \"b\"", "bold", None), ("--- ...", "italic", None), ("x'", "", "https://example.com/a_(b)*c")))
def test_synced_notion_text_comes_back_the_same_with_the_typographer_on(case):
    """sync writes Notion's text typographer-proof: import with the typographer on reads back
    exactly what it reads with it off (the round trip the other tests check)."""
    markdown = render(case)
    assert _imported(markdown) == _imported(markdown, None), markdown


HAND_WRITTEN = """\
We'll ship it -- "production" first... then the rest --- maybe.

'Single quotes', the '90s, rock'n'roll, the Smiths' car, 5'6" and <<guillemets>>.

- a list item that's "quoted"
- `code's -- kept` and \\'escaped\\' \\.\\.\\. text

> A quote: "it's fine"...

| it's | a--b |
| --- | --- |
| "x" | y... |
"""


def test_a_hand_written_post_shows_the_same_text_after_the_round_trip(tmp_path):
    trip = round_trip(tmp_path, [write_bundles(tmp_path / "in", {"typed": post(HAND_WRITTEN)})])
    assert [p.error for p in trip.imported.plans if p.error] == []
    synced = trip.posts["typed"]
    assert "We’ll ship it – “production” first…" in synced  # Notion held what the reader saw
    before = _hugo_page(tmp_path / "before", HAND_WRITTEN)
    after = _hugo_page(tmp_path / "after", synced.split("---\n", 2)[2])

    def visible(page_html: str) -> list[str]:
        return html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split()

    assert visible(after) == visible(before)
    shutil.rmtree(tmp_path / "before")
