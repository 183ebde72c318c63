"""Hugo-native forms, off by default (issue 16, point 3), with real Hugo:

- `[render] callouts = "alerts"`: a callout is a blockquote alert whose type comes from its icon
  or colour, rendered by the kit's render-blockquote-alert.html; every other blockquote renders
  byte for byte as Goldmark renders it without the kit.
- `params.notion_hugo.math = "server"`: equations are typeset at build time by
  transform.ToMath, and no page loads KaTeX's script (its stylesheet still loads).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import site
from pipeline.config import RenderOptions
from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import render_page
from tests.hugosite import _write, build, make_site
from tests.test_kit_adoption import FRONT, run

# --- callouts as alerts ------------------------------------------------------------------------


def text(content: str) -> dict:
    return {"type": "text", "text": {"content": content, "link": None}, "plain_text": content, "href": None,
            "annotations": {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
                            "color": "default"}}


def callout(n: int, words: str, emoji: str | None = None, color: str = "gray_background",
            children: tuple[Block, ...] = ()) -> Block:
    # Shape: developers.notion.com/reference/block#callout ({rich_text, icon, color}).
    icon = {"type": "emoji", "emoji": emoji} if emoji else None
    return Block(data={"object": "block", "id": f"c0000000-0000-4000-8000-{n:012d}", "type": "callout",
                       "has_children": bool(children), "in_trash": False,
                       "callout": {"rich_text": [text(words)], "icon": icon, "color": color}}, children=children)


def paragraph(n: int, words: str) -> Block:
    return Block(data={"object": "block", "id": f"p0000000-0000-4000-8000-{n:012d}", "type": "paragraph",
                       "has_children": False, "in_trash": False, "paragraph": {"rich_text": [text(words)], "color": "default"}})


def alerts(*blocks: Block, **options) -> str:
    return render_page(list(blocks), RenderContext(options=RenderOptions(callouts="alerts", **options)))


@pytest.mark.parametrize("emoji, color, kind", [
    ("💡", "gray_background", "TIP"), ("⚠️", "gray_background", "WARNING"), ("❗", "default", "IMPORTANT"),
    ("🚨", "red_background", "CAUTION"), ("⛔", "default", "CAUTION"),
    ("🔥", "blue_background", "NOTE"), ("🔥", "green", "TIP"), ("🔥", "purple_background", "IMPORTANT"),
    ("🔥", "yellow_background", "WARNING"), ("🔥", "red", "CAUTION"), (None, "gray_background", "NOTE"),
    ("💡", "red_background", "TIP"),  # the icon says it first
])
def test_a_callouts_alert_type_comes_from_its_icon_else_its_colour(emoji, color, kind):
    shown = f"{emoji} Mind the gap" if emoji else "Mind the gap"
    assert alerts(callout(1, "Mind the gap", emoji, color)) == f"> [!{kind}]\n> {shown}"


def test_an_alert_quotes_the_callouts_nested_blocks_and_is_off_by_default():
    nested = callout(1, "Before you start", "💡", children=(paragraph(2, "Install Hugo."), callout(3, "Inner", "⚠️")))
    assert alerts(nested) == "> [!TIP]\n> 💡 Before you start\n>\n> Install Hugo.\n>\n> > [!WARNING]\n> > ⚠️ Inner"
    assert render_page([callout(1, "Plain", "💡")], RenderContext()) == "<aside>\n\n💡 Plain\n\n</aside>"
    # With colours on, the colour chooses the type and the alert's own colours show it.
    assert alerts(callout(1, "x", "🔥", "red_background"), colors=True) == "> [!CAUTION]\n> 🔥 x"


# Hand-written blockquotes of every kind the kit's alert hook must leave as Goldmark renders
# them: plain, several paragraphs, nested, with a list, code, a heading, a table, block
# attributes (the site turns them on), and old-style notes.
BLOCKQUOTES = ("> One line.\n\n> Two\n> lines\n>\n> and a paragraph.\n\n> Outer\n> > inner\n> > > innermost\n\n"
               "> - a list\n> - in a quote\n\n> ```go\n> fmt.Println(\"it's\")\n> ```\n\n> ## A heading -- in a quote\n\n"
               "> | a | b |\n> | --- | --- |\n> | 1 | 2 |\n\n> With attributes\n{.pull-quote #q1}\n\n> **Note**\n> an old-style "
               "note, and [a link](https://example.com/ \"title\").\n\n> [!NOT AN ALERT]\n> has a space\n")


def test_the_alert_hook_renders_every_other_blockquote_byte_for_byte_as_goldmark(tmp_path: Path) -> None:
    synced = alerts(callout(1, "Read the docs first.", "💡", children=(paragraph(2, "They are short."),)))
    posts = {"quotes": FRONT.format(title="Quotes", day=1) + BLOCKQUOTES,
             "synced": FRONT.format(title="Synced", day=2) + synced + "\n",
             "hand-alert": FRONT.format(title="Hand alert", day=3) + "Intro.\n\n> [!WARNING] Careful\n> A hand-written "
                                                                      "alert.\n"}
    blog = make_site(tmp_path / "blog", posts, config="[markup.goldmark.parser.attribute]\n  block = true\n")
    _write(blog / "pipeline.toml", '[[front_matter]]\nkey = "title"\nproperty = "Title"\n\n[render]\n'
                                   'html = "shortcodes"\nmath = "github"\ncallouts = "alerts"\n')
    before = build(blog, tmp_path / "before")
    result = run("site-kit", str(blog))
    assert result.exit_code == 0, result.output
    assert (blog / site.ALERT_HOOK).is_file()
    assert (f"change: {site.ALERT_HOOK} renders blockquote alerts (> [!NOTE]) as callouts: it changes 2 places in "
            "existing posts: content/posts/hand-alert/index.md:8, content/posts/synced/index.md:6") in result.output
    after = build(blog, tmp_path / "after")

    def content(public: Path, slug: str) -> str:
        page = (public / "posts" / slug / "index.html").read_text(encoding="utf-8")
        return re.search(r'<div class="post-content md-content">(.*)</div>\s*</article>', page, re.S).group(1)

    quotes = content(after, "quotes")
    assert quotes == content(before, "quotes")  # byte for byte
    assert quotes.count("<blockquote") == 12 and '<blockquote class="pull-quote" id="q1">' in quotes
    assert "[!NOT AN ALERT]" in quotes
    tip = content(after, "synced").strip()
    assert tip == ('<aside class="notion-alert notion-alert-tip">\n<p class="notion-alert-title">Tip</p>\n'
                   "<p>💡 Read the docs first.</p>\n<p>They are short.</p>\n</aside>")
    assert '<p class="notion-alert-title">Careful</p>' in content(after, "hand-alert")  # its own title (Hugo 0.134)
    css = (after / "posts/synced/index.html").read_text(encoding="utf-8")
    assert re.search(r'<link rel="stylesheet" href="/notion-hugo/notion-hugo\.min\.[0-9a-f]+\.css"', css)


def quote(n: int, words: str) -> Block:
    return Block(data={"object": "block", "id": f"q0000000-0000-4000-8000-{n:012d}", "type": "quote",
                       "has_children": False, "in_trash": False, "quote": {"rich_text": [text(words)], "color": "default"}})


@pytest.mark.parametrize("html", ["raw", "shortcodes"])
def test_a_quote_typed_like_an_alert_in_notion_stays_a_quote(tmp_path: Path, html: str) -> None:
    """Review: a Notion quote starting `[!WARNING]` became an alert, whatever escaped its `[`
    (Hugo reads the rendered text). Its `[` is now an element of its own."""
    typed = quote(1, "[!WARNING] typed in Notion")
    posts = {"typed": FRONT.format(title="Typed", day=1) + alerts(typed, html=html) + "\n"}
    blog = make_site(tmp_path / "blog", posts, config='[markup.goldmark.renderer]\n  unsafe = true\n' if html == "raw" else "")
    _write(blog / "pipeline.toml", f'[[front_matter]]\nkey = "title"\nproperty = "Title"\n\n[render]\nhtml = "{html}"\n'
                                   'callouts = "alerts"\n')
    assert run("site-kit", str(blog)).exit_code == 0 and (blog / site.ALERT_HOOK).is_file()
    page = (build(blog, tmp_path / "public") / "posts" / "typed" / "index.html").read_text(encoding="utf-8")
    assert "notion-alert" not in page
    shown = re.sub(r"<[^>]+>", "", re.search(r"<blockquote>(.*?)</blockquote>", page, re.S).group(1))
    assert shown.strip().replace("&#91;", "[") == "[!WARNING] typed in Notion"


def test_a_themes_own_alert_hook_renders_the_callouts_and_the_kit_adds_none(tmp_path: Path) -> None:
    blog = make_site(tmp_path / "blog", {"plain": FRONT.format(title="Plain", day=1) + "Text.\n"})
    _write(blog / "themes/papermod-like/layouts/_markup/render-blockquote-alert.html", "<div class=theirs>{{ .Text }}</div>")
    result = site.install_kit(blog, render=RenderOptions(html="shortcodes", math="github", callouts="alerts"))
    assert not (blog / site.ALERT_HOOK).exists()
    assert ("themes/papermod-like/layouts/_markup/render-blockquote-alert.html renders blockquote alerts: the posts' "
            'callouts ([render] callouts = "alerts") are shown as it shows them') in result.notes


# --- equations typeset at build time -----------------------------------------------------------

MATH_POST = (FRONT.format(title="Math", day=1) + "Euler: $`e^{i\\pi} + 1 = 0`$, and $`a &lt; b`$.\n\n```math\n"
             "\\int_0^1 x^2\\,dx = \\frac{1}{3}\n```\n\n{{< notion-hugo/html >}}<table>\n<tr><th scope=\"row\">Mass</th>"
             "<td><span class=\"notion-math\">E = mc^2</span></td></tr>\n</table>{{< /notion-hugo/html >}}\n")


def head(public: Path, slug: str) -> str:
    return (public / "posts" / slug / "index.html").read_text(encoding="utf-8").split("</head>")[0]


def test_server_math_typesets_every_equation_at_build_time_and_loads_no_katex_script(tmp_path: Path) -> None:
    blog = make_site(tmp_path / "blog", {"math": MATH_POST, "plain": FRONT.format(title="Plain", day=2) + "Text.\n"},
                     config='[params.notion_hugo]\n  math = "server"\n')
    assert not site.install_kit(blog, render=RenderOptions(html="shortcodes", math="github")).blocking
    public = build(blog, tmp_path)
    page = (public / "posts/math/index.html").read_text(encoding="utf-8")
    content = page.split('class="post-content md-content">')[1]
    assert "notion-math\"" not in content  # no element left for a script to typeset
    annotations = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', content)
    assert annotations == [r"e^{i\pi} + 1 = 0", "a &lt; b", r"\int_0^1 x^2\,dx = \frac{1}{3}", "E = mc^2"]
    assert content.count('class="katex-html"') == 4  # KaTeX's HTML beside its MathML: the stylesheet lays it out
    assert content.count('<span class="katex-display">') == 1
    assert re.search(r'<div class="notion-math-block"><span class="katex-display">', content)
    assert "katex.min.css" in head(public, "math") and "katex.min.js" not in head(public, "math")
    assert "notion-hugo.min." in head(public, "math") and not re.search(r"notion-hugo\.min\.[0-9a-f]+\.js", head(public, "math"))
    assert "katex" not in head(public, "plain")


def test_server_math_leaves_the_script_to_equations_inside_raw_html_only(tmp_path: Path) -> None:
    """Raw HTML (a table written with [render] html = "raw") reaches no render hook: its equation
    is an element for KaTeX in the browser, and that page alone loads the script."""
    raw = MATH_POST.replace("{{< notion-hugo/html >}}", "").replace("{{< /notion-hugo/html >}}", "")
    blog = make_site(tmp_path / "blog", {"math": raw}, config='[markup.goldmark.renderer]\n  unsafe = true\n'
                                                             '[params.notion_hugo]\n  math = "server"\n')
    assert not site.install_kit(blog, render=RenderOptions(html="raw", math="github")).blocking
    public = build(blog, tmp_path)
    assert '<span class="notion-math">E = mc^2</span>' in (public / "posts/math/index.html").read_text(encoding="utf-8")
    assert "katex.min.js" in head(public, "math") and "katex.min.css" in head(public, "math")
