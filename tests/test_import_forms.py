"""Import reads back every form sync writes a post in (issue #16, 4; issue #17): the raw HTML,
the site kit's shortcodes, blockquote alerts and GitHub's math, by the one table of forms in
pipeline/render/goldmark.py. A post is rendered by the real renderer under each `[render]`
option set, imported back by markdown_in, and rendered again: the second rendering is the
first (a fixpoint), and the blocks are the ones the post was made of."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import RenderOptions
from pipeline.links import RenderContext
from pipeline.markdown_in import ImportContext, to_blocks
from pipeline.model import Block
from pipeline.render import render_page

# --- a post as Notion request blocks (what import sends), and as the API returns them ----------

_ANNOTATIONS = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
                "color": "default"}


def t(content: str, **annotations: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if annotations:
        item["annotations"] = annotations
    return item


def eq(expression: str) -> dict[str, Any]:
    return {"type": "equation", "equation": {"expression": expression}}


def block(kind: str, text: list[dict[str, Any]] | None = None, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {} if text is None else {"rich_text": text}
    payload.update(extra)
    if children:
        payload["children"] = list(children)
    return {"type": kind, kind: payload}


def _response_text(item: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/rich-text (the response adds annotations, plain_text, href).
    annotations = {**_ANNOTATIONS, **item.get("annotations", {})}
    if item["type"] == "equation":
        return {**item, "annotations": annotations, "plain_text": item["equation"]["expression"], "href": None}
    link = item["text"].get("link")
    return {"type": "text", "text": {"content": item["text"]["content"], "link": link}, "annotations": annotations,
            "plain_text": item["text"]["content"], "href": link["url"] if link else None}


def as_blocks(requests: list[dict[str, Any]], prefix: str = "b") -> tuple[Block, ...]:
    """Request blocks as the API returns them, with their children fetched."""
    out = []
    for i, request in enumerate(requests):
        kind = request["type"]
        value = {key: item for key, item in request[kind].items() if key != "children"}
        for key in ("rich_text", "caption"):
            if key in value:
                value[key] = [_response_text(item) for item in value[key]]
        if "cells" in value:
            value["cells"] = [[_response_text(item) for item in cell] for cell in value["cells"]]
        if kind in ("callout",):
            value.setdefault("icon", None)
        if "rich_text" in value:
            value.setdefault("color", "default")
        children = as_blocks(request[kind].get("children", []), f"{prefix}{i}-")
        data = {"object": "block", "id": f"{prefix}{i}", "type": kind, "has_children": bool(children), "in_trash": False,
                kind: value}
        out.append(Block(data=data, children=children))
    return tuple(out)


def render(requests: list[dict[str, Any]], options: RenderOptions) -> str:
    return render_page(list(as_blocks(requests)), RenderContext(options=options))


def imported(markdown: str) -> list[dict[str, Any]]:
    return to_blocks(markdown, ImportContext()).blocks


def emoji(char: str) -> dict[str, Any]:
    return {"type": "emoji", "emoji": char}


# A post with what the `[render]` options write in more than one form. Its callouts are each one
# an alert gives back whole: an icon that says the type (💡 TIP, ⚠️ WARNING), a colour that says
# it under an icon that does not (🔥 on red: CAUTION), and neither (NOTE).
POST = [
    block("paragraph", [t("Euler: "), eq("e^{i\\pi} + 1 = 0"), t(", with "), t("a < b & c", underline=True),
                        t(" and "), t("red *not* bold", color="red"), t(" and "), eq("x < $5"), t(".")]),
    block("callout", [t("Mind the "), t("gap", bold=True), t(" and "), t("this", underline=True)],
          block("paragraph", [t("Inside the callout, "), eq("\\sqrt{2}"), t(".")]),
          block("callout", [t("Nested")], block("paragraph", [t("Deeper.")]), icon=emoji("⚠️")),
          icon=emoji("💡")),
    block("callout", [t("Danger")], icon=emoji("🔥"), color="red_background"),
    block("callout", [t("A plain note with "), t("blue", color="blue"), t(".")]),
    block("toggle", [t("Open me")], block("paragraph", [t("Hidden until opened.")])),
    block("numbered_list_item", [t("first")], list_format="letters"),
    block("numbered_list_item", [t("second")], block("paragraph", [t("its own paragraph")]), list_format="letters"),
    block("paragraph", [t("Between the lists.")]),
    block("numbered_list_item", [t("third")], list_format="roman", list_start_index=3),
    block("numbered_list_item", [t("fourth "), t("underlined", underline=True)], list_format="roman"),
    block("equation", None, expression="\\frac{{a}}{b} < c \\quad \\{ x \\}"),
    # No header row: an HTML table, whose equations are the kit's math element.
    block("table", None, block("table_row", None, cells=[[t("a "), eq("x < y")], [t("b", color="red")]]),
          table_width=2, has_column_header=False, has_row_header=False),
]

OPTION_SETS = {
    "default": RenderOptions(),
    "shortcodes": RenderOptions(html="shortcodes"),
    "alerts": RenderOptions(callouts="alerts"),
    "github math": RenderOptions(math="github"),
    "all": RenderOptions(html="shortcodes", callouts="alerts", math="github"),
}


def expected(requests: list[dict[str, Any]], options: RenderOptions) -> list[dict[str, Any]]:
    """The blocks a post comes back as under `options`: without the colours the post does not
    show (`[render] colors` off), except a callout's that its alert type carries; a toggle as
    the list item it is written as (as Notion's export writes it)."""
    out = []
    for request in requests:
        kind = request["type"]
        value = dict(request[kind])
        kind = "bulleted_list_item" if kind == "toggle" else kind
        if "rich_text" in value and not options.colors:
            value["rich_text"] = _merged([_without_color(item) for item in value["rich_text"]])
        if "cells" in value and not options.colors:
            value["cells"] = [_merged([_without_color(item) for item in cell]) for cell in value["cells"]]
        if "color" in value and not options.colors and not (kind == "callout" and options.callouts == "alerts"):
            del value["color"]
        if "children" in value:
            value["children"] = expected(value["children"], options)
        out.append({"type": kind, kind: value})
    return out


def _merged(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Text that reads alike one piece, as Notion and the import hold it."""
    out: list[dict[str, Any]] = []
    for item in items:
        last = out[-1] if out else None
        if last and item["type"] == last["type"] == "text" and item.get("annotations") == last.get("annotations") \
                and item["text"].get("link") == last["text"].get("link"):
            out[-1] = {**last, "text": {**last["text"], "content": last["text"]["content"] + item["text"]["content"]}}
        else:
            out.append(item)
    return out


def _without_color(item: dict[str, Any]) -> dict[str, Any]:
    annotations = {key: value for key, value in item.get("annotations", {}).items() if key != "color"}
    return {key: value for key, value in item.items() if key != "annotations"} | (
        {"annotations": annotations} if annotations else {})


@pytest.mark.parametrize("colors", [False, True], ids=["no colours", "colours"])
@pytest.mark.parametrize("name", OPTION_SETS)
def test_every_form_comes_back_as_its_blocks_and_renders_the_same(name, colors):
    options = dataclasses.replace(OPTION_SETS[name], colors=colors)
    first = render(POST, options)
    back = imported(first)
    assert back == expected(POST, options)
    assert render(back, options) == first


def test_each_option_writes_its_own_form():
    """The forms the round trip above goes through are the ones each option names."""
    written = {name: render(POST, dataclasses.replace(options, colors=True)) for name, options in OPTION_SETS.items()}
    assert "<aside" in written["default"] and "\\(" in written["default"] and "$$" in written["default"]
    assert '<ol type="a" start="1">' in written["default"] and '<span style="color: #d44c47">' in written["default"]
    assert "{{< notion-hugo/callout >}}" in written["shortcodes"] and "{{< notion-hugo/text >}}" in written["shortcodes"]
    assert '{{< notion-hugo/list type="i" start="3" >}}' in written["shortcodes"] and "<aside" not in written["shortcodes"]
    assert "> [!TIP]\n> 💡 Mind" in written["alerts"] and "> [!CAUTION]\n> 🔥 Danger" in written["alerts"]
    assert "> [!NOTE]\n> A plain note" in written["alerts"] and "> > [!WARNING]" in written["alerts"]
    assert "$`e^{i\\pi} + 1 = 0`$" in written["github math"] and "```math\n" in written["github math"]
    assert "<aside" not in written["all"] and "<ol" not in written["all"] and "$$" not in written["all"]


# --- what a contributor typed survives every form -------------------------------------------

# Text as Notion holds it: any characters but the controls the API refuses and lone surrogates.
NOTION_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"),
                      min_size=1, max_size=40)


def _shown(callout: dict[str, Any]) -> str:
    """A callout's icon and text, as its post shows them."""
    value = callout["callout"]
    icon = value.get("icon", {}).get("emoji", "") if value.get("icon") else ""
    text = "".join(item["text"]["content"] if item["type"] == "text" else item["equation"]["expression"]
                   for item in value["rich_text"])
    return f"{icon} {text}".strip()


@settings(max_examples=150, deadline=None)
@given(words=NOTION_TEXT, name=st.sampled_from(["default", "shortcodes", "alerts", "all"]))
def test_any_callout_text_comes_back_through_the_alert_and_shortcode_forms(words, name):
    """Underlined, the text goes through `notion-hugo/text` as HTML with shortcodes on; in an
    alert, through a blockquote's lines."""
    options = OPTION_SETS[name]
    post = [block("callout", [t(words), t(" and "), t("underlined", underline=True)], icon=emoji("💡"))]
    first = render(post, options)
    [callout] = imported(first)
    # Whitespace runs show as one space, and none at the text's ends, in every form.
    assert _shown(callout).split() == f"💡 {words} and underlined".split()
    assert render([callout], options) == first


@settings(max_examples=150, deadline=None)
@given(expression=NOTION_TEXT, name=st.sampled_from(["default", "github math", "all"]))
def test_any_inline_equation_comes_back_in_either_delimiters(expression, name):
    options = OPTION_SETS[name]
    post = [block("paragraph", [t("See "), eq(expression), t(" and "), t("this", underline=True), t(".")])]
    first = render(post, options)
    back = imported(first)
    assert [item["equation"]["expression"] for item in back[0]["paragraph"]["rich_text"] if item["type"] == "equation"] \
        == [expression]
    assert render(back, options) == first


@settings(max_examples=100, deadline=None)
@given(expression=NOTION_TEXT.filter(lambda text: text.strip()), name=st.sampled_from(["default", "github math"]))
def test_any_block_equation_comes_back_from_its_fence_or_dollars(expression, name):
    options = OPTION_SETS[name]
    first = render([block("equation", None, expression=expression)], options)
    back = imported(first)
    assert back == [block("equation", None, expression=expression.strip())]
    assert render(back, options) == first


# --- tabs: Notion's API creates none, so a tab comes back as a toggle -------------------------


def test_a_tab_comes_back_as_the_same_toggle_from_raw_html_and_from_the_kits_shortcode():
    tabs = [block("tab", None, block("paragraph", [t("Go "), t("code", code=True)], block("paragraph", [t("Run it.")]),
                                     icon=emoji("🐹")),
                  block("paragraph", [t("Python")], block("paragraph", [t("Run this.")])))]
    raw = render(tabs, RenderOptions(tabs="details"))
    kit = render(tabs, RenderOptions(tabs="details", html="shortcodes"))
    assert '<details class="notion-tab" open>' in raw and '{{< notion-hugo/tab open="true" >}}' in kit
    toggles = [block("toggle", [t("🐹 Go "), t("code", code=True)],
                     block("paragraph", [t("Run it.")])),
               block("toggle", [t("Python")], block("paragraph", [t("Run this.")]))]
    assert imported(raw) == imported(kit) == toggles


# --- hand-written posts -------------------------------------------------------------------------


def test_a_hand_written_alert_is_a_callout_whose_type_gives_it_back():
    markdown = ("> [!WARNING]\n> Back up first.\n>\n> Then run it.\n\n> [!tip]\n> 💡 Said twice.\n\n"
                "> [!CAUTION]\n> 💡 The icon says TIP: it stays text.\n\n> [!NOTE]\n> Plain.")
    assert imported(markdown) == [
        block("callout", [t("Back up first.")], block("paragraph", [t("Then run it.")]), color="yellow_background"),
        block("callout", [], icon=emoji("💡")) | {"callout": {"rich_text": [t("Said twice.")], "icon": emoji("💡")}},
        block("callout", [t("💡 The icon says TIP: it stays text.")], color="red_background"),
        block("callout", [t("Plain.")]),
    ]
    options = RenderOptions(callouts="alerts")
    assert render(imported(markdown), options).split("\n\n") == [
        "> [!WARNING]\n> Back up first.\n>\n> Then run it.", "> [!TIP]\n> 💡 Said twice.",
        "> [!CAUTION]\n> 💡 The icon says TIP: it stays text.", "> [!NOTE]\n> Plain."]


def test_an_alerts_title_is_kept_as_text_and_other_quotes_stay_quotes():
    conversion = to_blocks("> [!TIP] Pro tip\n> Use a cache.\n\n> [!NOT AN ALERT]\n> a quote\n\n> Just a quote.",
                           ImportContext())
    assert conversion.blocks == [
        block("callout", [t("Pro tip Use a cache.")], color="green_background"),
        block("quote", [t("[!NOT AN ALERT] a quote")]),
        block("quote", [t("Just a quote.")]),
    ]
    assert [note.message for note in conversion.notes] == [
        "an alert's title: Notion callouts have none; it is kept as the start of the callout's text"]


def test_github_math_in_a_hand_written_post_is_equations():
    markdown = "Area $`\\pi r^2`$, cost $5 and `code`$.\n\n```math\n\\int_0^1 x\\,dx\n```"
    assert imported(markdown) == [
        block("paragraph", [t("Area "), eq("\\pi r^2"), t(", cost $5 and "), t("code", code=True), t("$.")]),
        block("equation", None, expression="\\int_0^1 x\\,dx"),
    ]


def test_a_shortcode_not_of_the_kit_is_read_as_before():
    """Only the kit's own `notion-hugo/` names are read as HTML: another shortcode stays text
    (reported), or a kept one's tag, as before; a `notion-hugo/` name the kit lacks too."""
    markdown = '{{< collapse summary="More" >}}\n\nInside.\n\n{{< /collapse >}}\n\n{{< notion-hugo/sparkles >}}'
    conversion = to_blocks(markdown, ImportContext())
    assert conversion.blocks == [block("paragraph", [t('{{< collapse summary="More" >}}')]),
                                 block("paragraph", [t("Inside.")]),
                                 block("paragraph", [t("{{< /collapse >}}")]),
                                 block("paragraph", [t("{{< notion-hugo/sparkles >}}")])]
    assert [note.message.split(" inside text:")[0] for note in conversion.notes] == [
        "Hugo shortcode 'collapse'", "Hugo shortcode '/collapse'", "Hugo shortcode 'notion-hugo/sparkles'"]
    kept = to_blocks(markdown, ImportContext(shortcodes=frozenset({"collapse"}))).blocks
    assert kept[0] == block("paragraph", [t('{{< collapse summary="More" >}}', code=True)])
