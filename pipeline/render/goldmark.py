"""The forms a post takes for the site's Goldmark, by the `[render]` options: what the site's
Goldmark already reads, so that adopting notion-hugo changes none of its other pages.

`html = "raw"` writes the pipeline's HTML as it is (the site must allow raw HTML);
`html = "shortcodes"` writes the same elements through the site kit's shortcodes
(pipeline/site/layouts/shortcodes/notion-hugo/), which a site in Goldmark's safe mode renders:

- an element around Markdown (a callout's `<aside>`, a column grid's `<div>`s, a tab's
  `<details>`, a lettered list's `<ol>` and `<li>`) is a pair, `{{< notion-hugo/callout >}}` …
  `{{< notion-hugo/end callout >}}`, each alone in its paragraph (Hugo then drops the `<p>`
  around it). The Markdown between them is the page's own: nested blocks, render hooks and
  other shortcodes work as anywhere, which a shortcode rendering its inner Markdown would not
  give (safe mode would omit the HTML of the shortcodes inside it);
- HTML the pipeline writes whole (a table, code Hugo would read shortcodes in) goes inside
  `{{< notion-hugo/html >}}`, and rich text that needs inline HTML (underline, a colour, an
  emphasis Markdown cannot delimit) is written as HTML inside `{{< notion-hugo/text >}}`.
  A shortcode's output is not Markdown, so safe mode leaves it alone.

No Notion text goes into a shortcode's parameters: they are fixed values (a palette colour, a
list style, a number). What goes inside is Markdown or HTML with every Notion character escaped,
and `{`, `}` as entities, so no shortcode can start inside.

`math = "github"` writes a block equation as a ```` ```math ```` fence (the kit's code block
render hook) and an inline one as `` $`…`$ `` (`pipeline.richtext.INLINE_MATH`), where `"latex"`
writes `$$…$$` and `\\(…\\)`. `callouts = "alerts"` writes a callout as a blockquote alert.

Import (pipeline.markdown_in) reads every one of these forms back by the names given here: the
elements' tags (`ELEMENTS`), the list styles, the alert types (`alert_callout`, the inverse of
`alert_type`), the math fence, and the kit's shortcodes, which `raw_html` turns back into the
raw HTML they stand for.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from typing import Any, Callable
from urllib.parse import quote

from markdown_it import MarkdownIt

from pipeline.links import RenderContext
from pipeline.model import Block, as_text
from pipeline.richtext import (COLORS, HEADING, INLINE_MATH, MATH_ELEMENT, Where, color_of, linkified_end,
                               passthrough_tex, span_open, to_html, to_markdown)

SHORTCODES = "shortcodes"

# The elements written around Markdown: the kit's shortcode → the HTML tag it stands for. Import
# reads the same tags back (pipeline.markdown_in), and `raw_html` turns the shortcodes into them.
ELEMENTS = {
    "callout": "aside",
    "columns": "div",
    "column": "div",
    "tab": "details",
    "list": "ol",
    "item": "li",
}


def _shortcode(name: str, params: dict[str, str]) -> str:
    shown = "".join(f' {key}="{value}"' for key, value in params.items())
    return f"{{{{< notion-hugo/{name}{shown} >}}}}"


def _end(name: str) -> str:
    return f'{{{{< notion-hugo/end "{name}" >}}}}'


def element(name: str, params: dict[str, str], body: str, r: RenderContext) -> str:
    """Markdown `body` inside one of the pipeline's elements: raw HTML, with blank lines inside so
    the Markdown between the tags is rendered (CommonMark ends an HTML block at a blank line),
    or the kit's pair of shortcodes. `params` are the element's attributes, fixed values only."""
    if r.options.html == SHORTCODES:
        return f"{_shortcode(name, params)}\n\n{body}\n\n{_end(name)}"
    attributes = "".join(f' {key}="{value}"' for key, value in params.items())
    return f"<{ELEMENTS[name]}{attributes}>\n\n{body}\n\n</{ELEMENTS[name]}>"


def html(markup: str, r: RenderContext) -> str:
    """HTML the pipeline wrote whole (a table, a code block), as it is or inside the kit's
    `notion-hugo/html` shortcode."""
    if r.options.html == SHORTCODES:
        return "{{< notion-hugo/html >}}" + markup + "{{< /notion-hugo/html >}}"
    return markup


# Notion's `list_format` (notion-sdk-js NumberedListItemBlockObjectResponse: "numbers",
# "letters", "roman") → the HTML <ol type>; Markdown can only number with digits.
LIST_STYLES = {"letters": "a", "roman": "i"}


def list_open(style: str, number: int, r: RenderContext) -> str:
    """What goes before a lettered or roman list's first item."""
    if r.options.html == SHORTCODES:
        return _shortcode("list", {"type": style, "start": str(number)}) + "\n\n"
    return f'<ol type="{style}" start="{number}">\n'


def list_close(r: RenderContext) -> str:
    """What goes after its last item."""
    return "\n\n" + _end("list") if r.options.html == SHORTCODES else "\n</ol>"


def item_separator(r: RenderContext) -> str:
    """Between two items of a lettered or roman list: each shortcode alone in its paragraph."""
    return "\n\n" if r.options.html == SHORTCODES else "\n"


def tab(label_html: str, is_open: bool, content: str, r: RenderContext) -> str:
    """One tab as a `<details>` whose `<summary>` is its label (`[render] tabs = "details"`);
    the kit's `notion-hugo/tab` takes the label's HTML as its inner content."""
    if r.options.html == SHORTCODES:
        opening = _shortcode("tab", {"open": "true"} if is_open else {}) + label_html + "{{< /notion-hugo/tab >}}"
        return f"{opening}\n\n{content}\n\n{_end('tab')}" if content else f"{opening}\n\n{_end('tab')}"
    opening = _tab_open(label_html, is_open)
    return f"{opening}\n\n{content}\n\n</details>" if content else f"{opening}\n</details>"


def _tab_open(label_html: str, is_open: bool) -> str:
    return f'<{ELEMENTS["tab"]} class="notion-tab"{" open" if is_open else ""}>\n<summary>{label_html}</summary>'


# --- rich text ----------------------------------------------------------------------------

# An HTML tag richtext writes into Markdown (it escapes every `<` typed): one not preceded by an
# odd run of backslashes. A code span holding such text is taken for one too, which only writes
# that text as HTML, as correct as the Markdown.
_INLINE_TAG = re.compile(r"(?<!\\)(?:\\\\)*<(?:/?(?:u|span|strong|em|del|code|a)\b|br>)")
_HEADING_WARNING = ("underline and colours in a heading need raw HTML, which this site does not allow ([render] html = "
                    '"shortcodes"): the heading shows its text without them.')


def rich_text(items: Any, r: RenderContext, where: Where,
              markdown_of: Callable[[Any, RenderContext, Where], str] = to_markdown) -> str:
    """Rich text as Markdown (by `markdown_of`, the renderer's); with `html = "shortcodes"`, a
    text that needs inline HTML is written as HTML inside `{{< notion-hugo/text >}}` instead.
    In a heading, underline and colours are left out (a shortcode in a heading would become its
    anchor), with a warning."""
    markdown = markdown_of(items, r, where)
    if r.options.html != SHORTCODES or not _INLINE_TAG.search(markdown):
        return markdown
    items = list(items or ())
    if where == HEADING:
        r.notice(_HEADING_WARNING)
        items = [_without(item, underline=True) for item in items]
        markdown = markdown_of(items, r, where)
        if not _INLINE_TAG.search(markdown):
            return markdown
    if where.label:  # a link's text: links inside it are left out, as the Markdown does
        items = [_without(item, link=True) for item in items]
    text = _linkify(to_html(items, r))
    return _text_shortcode(text.replace("<br>", " ") if where.newline == " " else text)


_TAG = re.compile(r"<(/?)(a|code)\b[^>]*>|<[^>]*>")


def _linkify(markup: str) -> str:
    """Bare addresses in the text of `to_html`'s HTML made links, as Goldmark's linkify makes
    them in the same text written as Markdown: where a text starts (after a tag), after
    whitespace or `(`, never inside a link or code, nor after an open `[`."""
    out: list[str] = []
    inside = 0  # open <a> and <code>
    depth = 0  # open `[`
    position = 0
    for tag in [*_TAG.finditer(markup), None]:
        text = markup[position:tag.start() if tag else len(markup)]
        i, trigger = 0, True
        while i < len(text):
            end = linkified_end(text, i) if trigger and not inside and not depth else i
            if end > i:
                address = html_lib.unescape(text[i:end])
                href = ("https://" + address if address.startswith("www.") else address)
                href = quote(href, safe="-_.!~*'();/?:@&=+$,#%")
                out.append(f'<a href="{html_lib.escape(href)}">{text[i:end]}</a>')
                i, trigger = end, False
                continue
            depth = max(0, depth + (text[i] == "[") - (text[i] == "]"))
            trigger = text[i] in " \t("
            out.append(text[i])
            i += 1
        if tag is None:
            break
        if tag.group(2):
            inside += -1 if tag.group(1) else 1
        out.append(tag.group(0))
        position = tag.end()
    return "".join(out)


def inline_html(markup: str, r: RenderContext) -> str:
    """Inline HTML the pipeline writes whole: as it is, or inside the kit's `notion-hugo/text`."""
    return _text_shortcode(markup) if r.options.html == SHORTCODES else markup


def _text_shortcode(inner_html: str) -> str:
    return "{{< notion-hugo/text >}}" + inner_html + "{{< /notion-hugo/text >}}"


def _without(item: dict[str, Any], *, underline: bool = False, link: bool = False) -> dict[str, Any]:
    """A rich text object without its underline and colour, or without its link."""
    item = copy.deepcopy(item)
    if underline and isinstance(item.get("annotations"), dict):
        item["annotations"].update(underline=False, color="default")
    if link:
        item.pop("href", None)
        if isinstance(item.get("text"), dict):
            item["text"]["link"] = None
        if item.get("type") == "mention":
            item = {"type": "text", "plain_text": item.get("plain_text", ""), "annotations": item.get("annotations", {})}
    return item


def colored(block: Block, text: str, where: Where, r: RenderContext) -> str:
    """A block's text (`text`, its Markdown) in the block's colour, with `[render] colors`."""
    color = color_of(block.value)
    if not (text and r.options.colors and color):
        return text
    if r.options.html != SHORTCODES:
        return span_open(color) + text + "</span>"
    if where == HEADING:
        r.notice(_HEADING_WARNING)
        return text
    return _text_shortcode(span_open(color) + to_html(block.value.get("rich_text") or (), r) + "</span>")


_LONE_TEXT = re.compile(r"\{\{< notion-hugo/text >\}\}(?:(?!\{\{<).)*\{\{< /notion-hugo/text >\}\}")


def keep_paragraphs(markdown: str, r: RenderContext) -> str:
    """Hugo drops the `<p>` around a shortcode alone in a paragraph: a paragraph whose whole text
    is one `notion-hugo/text` gets its `<p>` inside the shortcode instead. Paragraphs are found
    as CommonMark reads the page (a tight list item's text is no paragraph of its own)."""
    if r.options.html != SHORTCODES or "{{< notion-hugo/text >}}" not in markdown:
        return markdown
    lines = markdown.split("\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "paragraph_open" and not opening.hidden and opening.map and _LONE_TEXT.fullmatch(inline.content):
            line = lines[opening.map[0]]
            start = line.index("{{< notion-hugo/text >}}") + len("{{< notion-hugo/text >}}")
            end = line.rindex("{{< /notion-hugo/text >}}")
            lines[opening.map[0]] = line[:start] + "<p>" + line[start:end] + "</p>" + line[end:]
    return "\n".join(lines)


# --- equations ----------------------------------------------------------------------------


def block_equation(expression: str, tex: str, r: RenderContext) -> str:
    """A block equation: `$$` lines around the TeX as passthrough copies it (`tex`), or a
    ```` ```math ```` fence around the expression as typed, which the kit's code block hook
    reads. Hugo reads shortcodes even inside a fence: `{{` is written `{ {`, which TeX reads alike."""
    if r.options.math != "github":
        return f"$$\n{tex}\n$$"
    code = re.sub(r"\{(?=\{)", "{ ", expression)
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
    return f"{fence}{MATH_FENCE}\n{code}\n{fence}"


MATH_FENCE = "math"  # the info string of a block equation's fence with `math = "github"`


def typed_expression(tex: str) -> str:
    """An equation's expression as typed, from the TeX a post holds (a fence's, or
    passthrough's with its entities read): every `{{`, which Hugo would take for a shortcode,
    is written `{ {`, which TeX reads alike."""
    return re.sub(r"\{ (?=\{)", "{", tex)


# --- callouts as alerts -------------------------------------------------------------------

# A callout's alert type, from its icon, else its colour (GitHub's alert colours: note blue,
# tip green, important purple, warning yellow, caution red), else NOTE.
ALERT_ICONS = {"💡": "TIP", "⚠️": "WARNING", "⚠": "WARNING", "❗": "IMPORTANT", "❗️": "IMPORTANT", "🚨": "CAUTION",
               "⛔": "CAUTION", "⛔️": "CAUTION"}
ALERT_COLORS = {"blue": "NOTE", "green": "TIP", "purple": "IMPORTANT", "yellow": "WARNING", "red": "CAUTION"}


def alert_type(block: Block) -> str:
    found = block.value.get("icon")
    emoji = as_text(found.get("emoji")) if isinstance(found, dict) and found.get("type") == "emoji" else ""
    color = (color_of(block.value) or "").removesuffix("_background")
    return ALERT_ICONS.get(emoji) or ALERT_COLORS.get(color) or "NOTE"


def alert_callout(kind: str, emoji: str) -> tuple[bool, str | None]:
    """What a callout read from an alert of `kind` (its text led by `emoji`, maybe "") needs
    for `alert_type` to give `kind` back: whether the emoji is its icon (not when the icon
    would say another type: it stays text), and its colour (none when the icon says it, or for
    NOTE, the type of a callout nothing else speaks for)."""
    icon = ALERT_ICONS.get(emoji) in (None, kind)
    if (icon and ALERT_ICONS.get(emoji) == kind) or kind == "NOTE":
        return icon, None
    return icon, next(f"{color}_background" for color, named in ALERT_COLORS.items() if named == kind)


def callout_style(block: Block, r: RenderContext) -> dict[str, str]:
    """A callout's colour as its element's style attribute (`[render] colors`), else nothing."""
    color = color_of(block.value)
    return {"style": COLORS[color]} if r.options.colors and color else {}


# --- the kit's shortcodes read back ---------------------------------------------------------

# A tag of the kit's (`{{< notion-hugo/callout style="…" >}}`, `{{< notion-hugo/end "callout" >}}`),
# or one of its pairs around HTML (`html`, `text`, a tab's label): its content stops at the next
# tag, which it never holds (its braces are entities), so every match is found in linear time.
_KIT_TAG = re.compile(r'\{\{<\s*notion-hugo/(?:end\s+"?(\w+)"?|(html|text|tab)((?:\s+\w+="[^"]*")*)\s*>\}\}'
                      r'((?:(?!\{\{<).)*)\{\{<\s*/notion-hugo/\2|(\w+)((?:\s+\w+="[^"]*")*))\s*>\}\}', re.S)
# HTML as `to_html` writes it, split into text and (captured) tags and inline equations.
HTML_PARTS = re.compile("(" + re.escape(MATH_ELEMENT) + r"[^<]*</span>|<[^<>]*>)")
_HTML_ENTITY = re.compile(r"(&#?\w+;)|([!-/:-@\[-`{-~])")


def raw_html(markdown: str) -> str:
    """The Markdown with the kit's shortcodes (`html = "shortcodes"`) turned into the raw HTML
    they stand for (`html = "raw"`), which import reads: the inverse of `element`, `html`,
    `list_open`, `tab` and `rich_text`. Hugo reads shortcodes before Markdown, wherever they
    are, and so does this. A `notion-hugo/text`'s HTML is written as Markdown that reads as
    that HTML: its text with every punctuation character an entity, so none is markup, and
    its equations in passthrough's delimiters. Other tags are left as they are."""
    return _KIT_TAG.sub(_raw, markdown) if "notion-hugo/" in markdown else markdown


def _raw(tag: re.Match[str]) -> str:
    closed, paired, pair_params, inner, name, params = tag.groups()
    if closed in ELEMENTS:
        return f"</{ELEMENTS[closed]}>"
    if paired == "html":
        return inner
    if paired == "text":
        return _html_as_markdown(inner)
    if paired == "tab":
        return _tab_open(inner, 'open="true"' in pair_params)
    if name in ELEMENTS and name != "tab":
        return f"<{ELEMENTS[name]}{params}>"
    return tag.group(0)


def _html_as_markdown(inner: str) -> str:
    if inner.startswith("<p>") and inner.endswith("</p>"):  # `keep_paragraphs`: the paragraph is Markdown's own
        inner = inner[3:-4]
    out = []
    for i, part in enumerate(HTML_PARTS.split(inner)):
        expression = html_equation(part)
        if i % 2 == 0:
            out.append(_HTML_ENTITY.sub(lambda m: m.group(1) or f"&#{ord(m.group(2))};", part))
        elif expression is not None:
            out.append(INLINE_MATH["latex"][0] + passthrough_tex(expression) + INLINE_MATH["latex"][1])
        else:
            out.append(part)
    return "".join(out)


def html_equation(part: str) -> str | None:
    """The expression of an inline equation as `to_html` writes it (a part of `HTML_PARTS`)."""
    if part.startswith(MATH_ELEMENT) and part.endswith("</span>"):
        return html_lib.unescape(part[len(MATH_ELEMENT):-len("</span>")])
    return None
