"""The site kit in a real browser: headless Chromium (Debian's, `make chromium`) reads a blog on
the fixture theme with PaperMod's traits, synced from the demo workspace plus a post with
equations and a picture, the kit applied by `site-kit`, mermaid and KaTeX served from
tests/node_modules at the versions and hashes the kit pins.

Two builds with one Hugo worker, so that pages render in path order: first the post with the
diagram, then a post without one (its bundle renamed to sort first). One browser session.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser import CHROMIUM, EQUATIONS_SLUG, NODE_MODULES, Chromium, SiteServer, demo_blog
from tests.hugosite import build_in_path_order

# Skipped only outside CI: in CI (CI=true) a missing browser is a broken install, not a pass.
pytestmark = pytest.mark.skipif(
    (not Path(CHROMIUM).exists() or not NODE_MODULES.is_dir()) and not os.environ.get("CI"),
    reason="needs Chromium and tests/node_modules: `make chromium npm-packages` (make test runs both)",
)

SEED = "kubernetes-resources-and-learning-path"  # the post with the diagram
PLAIN = "steps-to-learn-kubernetes"  # neither a diagram nor an equation
FIRST_PLAIN = "0-" + EQUATIONS_SLUG  # the equations' bundle renamed to render before the seed post

# The fill of the diagram's boxes and the colour of its labels, as the browser computes them.
DIAGRAM_COLOURS = """(() => {
  const svg = document.querySelector("pre.mermaid svg");
  const box = svg.querySelector(".node rect, .node polygon, .node path");
  const label = svg.querySelector(".nodeLabel, .label text, text");
  return [getComputedStyle(box).fill, getComputedStyle(label).color || getComputedStyle(label).fill];
})()"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """{order: server}: "diagram first" and "plain first" builds of the same blog."""
    tmp = tmp_path_factory.mktemp("browser")
    blog = demo_blog(tmp / "blog")
    publics = {"diagram first": build_in_path_order(blog, tmp / "diagram-first")}
    shutil.move(blog / "content" / "posts" / EQUATIONS_SLUG, blog / "content" / "posts" / FIRST_PLAIN)
    publics["plain first"] = build_in_path_order(blog, tmp / "plain-first")
    with SiteServer(publics["diagram first"]) as first, SiteServer(publics["plain first"]) as second:
        yield {"diagram first": (first, publics["diagram first"]), "plain first": (second, publics["plain first"])}


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    """The same blog with Hugo-native options on: callouts as blockquote alerts ([render]
    callouts = "alerts", the kit's alert hook) and equations typeset at build time
    (params.notion_hugo.math = "server")."""
    from click.testing import CliRunner

    from pipeline.cli import main

    tmp = tmp_path_factory.mktemp("native")
    blog = demo_blog(tmp / "blog")
    config = blog / "pipeline.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('callouts = "aside"', 'callouts = "alerts"'), encoding="utf-8")
    (blog / "hugo.toml").write_text((blog / "hugo.toml").read_text(encoding="utf-8") + '  math = "server"\n', encoding="utf-8")
    runner = CliRunner()
    for command in (["site-kit", str(blog)], ["sync", "--store", str(blog.parent / "store.json"), "--config", str(config)]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
    public = build_in_path_order(blog, tmp / "public")
    with SiteServer(public) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with Chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def page(browser):
    return browser.new_page()


def open_page(page, url: str) -> list[str]:
    """Load `url`; the errors it logged (see `errors`)."""
    page.errors.clear()
    page.goto(url)
    offsite = page.evaluate("Array.from(document.querySelectorAll('script[src], link[href]')).map(e => e.src || e.href)"
                            ".filter(u => !u.startsWith(location.origin) && !u.startsWith('data:'))")
    assert offsite == [], offsite
    return errors(page)


def errors(page) -> list[str]:
    """The page's console errors, exceptions and failed loads, but for its external images: there
    is no network here, and only the seed post's own external picture is off-site (nothing the
    kit loads is: `open_page` checks)."""
    external = page.evaluate("Array.from(document.querySelectorAll('img')).map(i => i.src).filter(s => "
                             "!s.startsWith(location.origin))")
    return [error for error in page.errors if not any(src in error for src in external)]


def scripts(page) -> list[str]:
    return page.evaluate("Array.from(document.scripts).filter(s => s.src).map(s => new URL(s.src).pathname)")


@pytest.mark.parametrize("order", ["diagram first", "plain first"])
def test_diagram_is_an_svg_and_math_is_typeset_whichever_page_renders_first(servers, page, order):
    server, _ = servers[order]
    assert open_page(page, f"{server.url}/posts/{SEED}/") == []
    assert page.wait_until("document.documentElement.dataset.notionHugoDiagrams")
    drawn = page.evaluate("Array.from(document.querySelectorAll('pre.mermaid')).map(p => p.firstElementChild?.tagName)")
    assert drawn == ["svg"]
    assert page.evaluate("document.querySelector('pre.mermaid svg').getBBox().width") > 100
    assert "/node_modules/mermaid/dist/mermaid.min.js" in scripts(page)
    assert not any("katex" in src for src in scripts(page))

    slug = EQUATIONS_SLUG if order == "diagram first" else FIRST_PLAIN
    assert open_page(page, f"{server.url}/posts/{slug}/") == []
    typeset = page.wait_until("document.querySelectorAll('.notion-math .katex').length === 3 && "
                              "Array.from(document.querySelectorAll('.notion-math')).map(e => [e.tagName, "
                              "!!e.querySelector('.katex-display'), e.querySelector('annotation').textContent])")
    assert typeset == [["SPAN", False, r"e^{i\pi} + 1 = 0"], ["SPAN", False, "a < b"],
                       ["DIV", True, r"\int_0^1 x^2\,dx = \frac{1}{3}"]]
    # KaTeX's stylesheet and fonts are in: the formula is set in KaTeX's own font.
    assert "KaTeX_Main" in page.evaluate("getComputedStyle(document.querySelector('.katex')).fontFamily")
    assert page.wait_until("document.fonts.check('16px KaTeX_Main') && 'loaded'") == "loaded"
    assert not any("mermaid" in src for src in scripts(page))
    assert page.evaluate("document.querySelectorAll('pre.mermaid').length") == 0

    # Images from the page bundle load.
    pictures = page.evaluate("Array.from(document.images).filter(i => i.src.startsWith(location.origin))"
                             ".map(i => [new URL(i.src).pathname, i.complete, i.naturalWidth])")
    assert pictures and all(complete and width > 0 for _, complete, width in pictures), pictures
    assert pictures[0][0].startswith(f"/posts/{slug}/") and pictures[0][2] == 320


@pytest.mark.parametrize("order", ["diagram first", "plain first"])
def test_pages_without_a_diagram_or_an_equation_get_no_loader(servers, page, order):
    server, _ = servers[order]
    for path in (f"/posts/{PLAIN}/", "/posts/", "/"):
        assert open_page(page, server.url + path) == [], path
        loaded = scripts(page)
        assert not [src for src in loaded if re.search(r"mermaid|katex|notion-hugo", src)], (path, loaded)
        assert page.evaluate("typeof window.mermaid + typeof window.katex") == "undefinedundefined"


def test_switching_dark_mode_recolours_the_diagram(servers, page):
    server, _ = servers["diagram first"]
    page.goto(f"{server.url}/")  # the site's origin, whose localStorage the theme reads
    page.evaluate("localStorage.removeItem('pref-theme')")
    open_page(page, f"{server.url}/posts/{SEED}/")
    assert page.wait_until("document.documentElement.dataset.notionHugoDiagrams") == "light"
    light = page.evaluate(DIAGRAM_COLOURS)

    page.evaluate("document.getElementById('theme-toggle').click()")  # PaperMod's toggle: data-theme="dark"
    assert page.wait_until("document.documentElement.dataset.notionHugoDiagrams === 'dark' && "
                           "localStorage.getItem('pref-theme')") == "dark"
    dark = page.evaluate(DIAGRAM_COLOURS)
    assert dark[0] != light[0] and dark[1] != light[1], (light, dark)
    assert page.evaluate("document.querySelectorAll('pre.mermaid svg').length") == 1  # redrawn, not added

    # The stored choice holds on the next visit: drawn dark from the start.
    assert open_page(page, f"{server.url}/posts/{SEED}/") == []
    assert page.wait_until("document.documentElement.dataset.notionHugoDiagrams") == "dark"
    assert page.evaluate(DIAGRAM_COLOURS) == dark

    page.evaluate("document.getElementById('theme-toggle').click()")
    assert page.wait_until("document.documentElement.dataset.notionHugoDiagrams === 'light' && 'light'") == "light"
    assert page.evaluate(DIAGRAM_COLOURS) == light

    # A theme that says nothing: the system's preference decides.
    page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
    try:
        page.evaluate("delete document.documentElement.dataset.theme")
        assert page.wait_until("document.documentElement.dataset.notionHugoDiagrams === 'dark' && 'dark'") == "dark"
        assert page.evaluate(DIAGRAM_COLOURS) == dark
    finally:
        page.call("Emulation.setEmulatedMedia", features=[])
        page.evaluate("localStorage.removeItem('pref-theme')")
    assert errors(page) == []


# The contrast between an element's text and what is behind it (WCAG's formula), the element's
# own background blended over the page's.
CONTRAST = """(selector => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const element = document.querySelector(selector);
  const page = rgb(getComputedStyle(document.body).backgroundColor);
  const fill = rgb(getComputedStyle(element).backgroundColor);
  const alpha = fill.length === 4 ? fill[3] : 1;
  const back = [0, 1, 2].map(i => fill[i] * alpha + page[i] * (1 - alpha));
  const [hi, lo] = [lum(rgb(getComputedStyle(element).color)), lum(back)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_callouts_and_tables_are_readable_in_light_and_dark(servers, page, scheme):
    """Text keeps WCAG AA's 4.5:1 against its background in callouts (with Notion's colours) and
    table cells, the cells' borders show, and a column grid lays its columns side by side."""
    server, _ = servers["diagram first"]
    page.goto(f"{server.url}/")  # the site's origin, whose localStorage the theme reads
    page.evaluate(f"localStorage.setItem('pref-theme', '{scheme}')")
    try:
        open_page(page, f"{server.url}/posts/{SEED}/")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        # The seed's callouts have Notion's gray background (colors = true), darkened in the dark scheme.
        assert page.evaluate("document.querySelector('.post-content aside').getAttribute('style')") == \
            "background-color: #f1f1ef"
        assert page.evaluate("getComputedStyle(document.querySelector('.post-content aside')).backgroundColor") == \
            {"light": "rgb(241, 241, 239)", "dark": "rgb(47, 47, 47)"}[scheme]
        assert page.evaluate(CONTRAST + "('.post-content aside')") >= 4.5
        open_page(page, f"{server.url}/posts/{EQUATIONS_SLUG}/")
        for selector in (".post-content th", ".post-content td"):
            assert page.evaluate(CONTRAST + f"({selector!r})") >= 4.5, selector
        border = page.evaluate("getComputedStyle(document.querySelector('.post-content td')).borderTopColor")
        assert border != page.evaluate("getComputedStyle(document.body).backgroundColor") and border != "rgba(0, 0, 0, 0)"
        # The column grid: two columns side by side.
        boxes = page.evaluate("Array.from(document.querySelectorAll('.notion-columns > .notion-column'))"
                              ".map(c => [c.getBoundingClientRect().top, c.getBoundingClientRect().left])")
        assert len(boxes) == 2 and boxes[0][0] == boxes[1][0] and boxes[1][1] > boxes[0][1] + 100, boxes
    finally:
        page.evaluate("localStorage.removeItem('pref-theme')")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (tag in ("img", "script") and name == "src")
                          or (tag == "link" and name == "href")):
                self.links.append(value)


@pytest.mark.parametrize("order", ["diagram first", "plain first"])
def test_link_walk_finds_no_404(servers, order):
    """Every page of the built site, and every same-site link, image, script and stylesheet on
    it, answers 200; the relref from the seed post to the other post is among them."""
    server, public = servers[order]
    checked: dict[str, int] = {}
    pages = ["/" + str(p.relative_to(public)).removesuffix("index.html") for p in public.rglob("index.html")]
    for path in pages:
        parser = _Links()
        parser.feed(urllib.request.urlopen(server.url + path).read().decode("utf-8"))
        for link in parser.links:
            target = urljoin(server.url + path, link)
            if urlsplit(target).netloc != urlsplit(server.url).netloc:
                continue
            target = target.split("#", 1)[0]
            if target not in checked:
                try:
                    checked[target] = urllib.request.urlopen(target).status
                except urllib.error.HTTPError as error:
                    checked[target] = error.code
    assert {url: status for url, status in checked.items() if status != 200} == {}
    assert f"{server.url}/posts/{PLAIN}/" in checked  # the relref Notion's mention became
    assert len(checked) > 10


def test_server_math_shows_every_equation_without_a_katex_script(native, page):
    assert open_page(page, f"{native.url}/posts/{EQUATIONS_SLUG}/") == []
    typeset = page.wait_until("document.fonts.check('16px KaTeX_Main') && Array.from(document.querySelectorAll("
                              "'.post-content .katex')).map(e => [!!e.closest('.katex-display'), "
                              "e.querySelector('annotation').textContent, Math.round(e.querySelector('.katex-html')"
                              ".getBoundingClientRect().width) > 10])")
    assert typeset == [[False, r"e^{i\pi} + 1 = 0", True], [False, "a < b", True],
                       [True, r"\int_0^1 x^2\,dx = \frac{1}{3}", True]]
    assert "KaTeX_Main" in page.evaluate("getComputedStyle(document.querySelector('.katex')).fontFamily")
    assert page.evaluate("typeof window.katex") == "undefined"
    assert not [src for src in scripts(page) if re.search(r"katex|notion-hugo", src)]
    assert page.evaluate("Array.from(document.querySelectorAll('link[rel=stylesheet]')).some(l => "
                         "l.href.endsWith('/node_modules/katex/dist/katex.min.css'))")
    # KaTeX's MathML is there for assistive technology, visually hidden by its stylesheet.
    assert page.evaluate("getComputedStyle(document.querySelector('.katex-mathml')).position") == "absolute"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_callouts_written_as_alerts_are_styled_and_readable(native, page, scheme):
    page.goto(f"{native.url}/")
    page.evaluate(f"localStorage.setItem('pref-theme', '{scheme}')")
    try:
        assert open_page(page, f"{native.url}/posts/{SEED}/") == []
        alerts = page.evaluate("Array.from(document.querySelectorAll('.post-content aside.notion-alert')).map(a => "
                               "[a.className, a.querySelector('.notion-alert-title').textContent, "
                               "getComputedStyle(a).borderLeftColor, getComputedStyle(a).borderLeftWidth])")
        # The seed's callouts: 🔥, 🚧 (its text starts with ⚠️, but the icon decides), 💡, ☎️, 💡; all gray.
        assert [kind for kind, *_ in alerts] == ["notion-alert notion-alert-note", "notion-alert notion-alert-note",
                                                 "notion-alert notion-alert-tip", "notion-alert notion-alert-note",
                                                 "notion-alert notion-alert-tip"]
        assert [title for _, title, *_ in alerts] == ["Note", "Note", "Tip", "Note", "Tip"]
        assert {(colour, width) for _, _, colour, width in alerts} >= {("rgb(68, 147, 248)", "4px"), ("rgb(63, 161, 75)", "4px")}
        assert page.evaluate(CONTRAST + "('.post-content aside.notion-alert')") >= 4.5
        assert page.evaluate(CONTRAST + "('.post-content .notion-alert-title')") >= 4.5
    finally:
        page.evaluate("localStorage.removeItem('pref-theme')")
