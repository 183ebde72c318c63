"""The inner text of a kept shortcode, as the site's template shows it (issue #17).

Hugo hands a `{{< >}}` shortcode's inner content to its template as typed: a template that
prints `.Inner` raw shows it as HTML, one that markdownifies it as Markdown (typographer on).
A `{{% %}}` one's inner content is Markdown of the page."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline import site
from pipeline.config import RenderOptions
from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import Renderer
from tests import storekit
from tests.importkit import post, round_trip, write_bundles, config

TYPED = "It can't be \"quoted\" -- or... *starred* {{< raw >}} <script>alert(1)</script> & &amp; a\\*b"
CURLED = "It can’t be “quoted” – or… *starred* {{< raw >}} <script>alert(1)</script> & &amp; a\\*b"
KEPT = ("raw", "md", "note")
TEMPLATES = {"raw": "<div class=raw>{{ .Inner }}</div>", "md": "<div class=md>{{ .Inner | markdownify }}</div>",
             "note": "{{ .Inner }}"}


class _Shown(HTMLParser):
    """The text a reader sees in each `<div class=…>` and `<p>`, and the elements there are."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, str] = {}
        self.elements: list[str] = []
        self.current = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append(tag)
        if tag == "div":
            self.current = dict(attrs).get("class") or ""
        elif tag == "p" and not self.current:
            self.current = "p"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("div", "p"):
            self.current = "" if tag == "div" or self.current == "p" else self.current

    def handle_data(self, data: str) -> None:
        if self.current:
            self.texts[self.current] = (self.texts.get(self.current, "") + data)


def _paragraph(n: int, text: str, code: bool = False) -> Block:
    return Block(storekit.paragraph(f"00000000-0000-4000-8000-{n:012d}", storekit.text(text, code=code, bold=False,
                                                                                       italic=False)))


def _body(text: str) -> str:
    blocks = [_paragraph(1, "{{< raw >}}", True), _paragraph(2, text), _paragraph(3, "{{< /raw >}}", True),
              _paragraph(4, "{{< md >}}", True), _paragraph(5, text), _paragraph(6, "{{< /md >}}", True),
              _paragraph(7, "{{% note %}}", True), _paragraph(8, text), _paragraph(9, "{{% /note %}}", True)]
    return Renderer().render_page(blocks, RenderContext(options=RenderOptions(shortcodes=KEPT)))


def _build(tmp_path: Path, body: str) -> _Shown:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "hugo.toml").write_text('baseURL = "http://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", '
                                    '"sitemap", "home"]\n', encoding="utf-8")
    (root / "layouts" / "_shortcodes").mkdir(parents=True)
    (root / "layouts" / "single.html").write_text("{{ .Content }}", encoding="utf-8")
    for name, template in TEMPLATES.items():
        (root / "layouts" / "_shortcodes" / f"{name}.html").write_text(template, encoding="utf-8")
    (root / "content" / "p.md").write_text("---\ntitle: p\n---\n" + body + "\n", encoding="utf-8")
    public = tmp_path / "public"
    site.build_site(root, public)
    shown = _Shown()
    shown.feed((public / "p" / "index.html").read_text(encoding="utf-8"))
    return shown


def test_each_kind_of_template_shows_the_inner_text_as_the_original_post_did(tmp_path):
    shown = _build(tmp_path, _body(TYPED))
    assert shown.texts["raw"].strip() == TYPED  # printed raw: as typed, no backslash, no live markup
    assert shown.texts["md"].strip() == CURLED  # markdownified: curled by the typographer, as the original was
    assert shown.texts["p"].strip() == TYPED  # {{% %}}: Markdown of the page, typographer-proof
    assert "script" not in shown.elements and "em" not in shown.elements


def test_the_inner_text_round_trips_through_import_and_sync(tmp_path):
    body = "{{< raw >}}\n\nIt can't be \"quoted\" -- or... a\\*b\n\n{{< /raw >}}"
    section = write_bundles(tmp_path / "content", {"inner": post(body)})
    trip = round_trip(tmp_path, [section / "inner"], config(render=RenderOptions(shortcodes=KEPT)))
    synced = trip.posts["inner"]
    assert "{{< raw >}}\n\nIt can't be \"quoted\" -- or... a&#42;b\n\n{{< /raw >}}" in synced
    again = round_trip(tmp_path / "again", [write_bundles(tmp_path / "again" / "content", {"inner": synced}) / "inner"],
                       config(render=RenderOptions(shortcodes=KEPT)))
    assert again.posts["inner"] == synced


def _inner(text: str) -> str:
    body = Renderer().render_page([_paragraph(1, "{{< raw >}}", True), _paragraph(2, text), _paragraph(3, "{{< /raw >}}", True)],
                                  RenderContext(options=RenderOptions(shortcodes=KEPT)))
    return body.removeprefix("{{< raw >}}\n\n").removesuffix("\n\n{{< /raw >}}")


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1).map(str.strip).filter(bool))
def test_inner_text_printed_raw_reads_as_typed_and_holds_no_markup(text):
    written = _inner(text)
    assert html.unescape(written) == text
    assert "<" not in written and "{{" not in written
