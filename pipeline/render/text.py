"""Rules for the blocks of running text: paragraphs, headings, list items, to-dos, toggles,
quotes, callouts, dividers, code and equations."""

from __future__ import annotations

import html
import re
from typing import Callable

from pipeline.hugo_syntax import split_caption
from pipeline.code_languages import chroma_name
from pipeline.links import RenderContext
from pipeline.model import Block, as_text, plain_text
from pipeline.render import goldmark
from pipeline.richtext import HEADING, PARAGRAPH, SHORTCODE_OPEN, Where, entity_braces, escaped, passthrough_tex


def indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def then(*parts: str) -> str:
    """Blocks one after the other, empty ones left out."""
    return "\n\n".join(part for part in parts if part)


def attach(head: str, block: Block, r: RenderContext, width: int) -> str:
    """A list-like item with its children indented under it. A list directly under the item
    stays tight; anything else needs a blank line, or it would be read as a lazy continuation."""
    if not block.children:
        return head
    body = r.children(block)
    if not body:
        return head
    first = block.children[0]
    joiner = "\n" if r.list_like(first.type) or in_text_image(first) else "\n\n"
    return head + joiner + indent(body, width)


def in_text_image(block: Block) -> bool:
    """An image that stood inside its item's text (import keeps its alt text in an `alt:`
    line, and no caption shows): written on the line after the text, it is part of it again."""
    if block.type != "image":
        return False
    text = plain_text(block.value.get("caption"))
    end, meta = split_caption(text)
    return end == 0 and meta.alt is not None and meta.figure is None and not block.children


def block_text(block: Block, r: RenderContext, where: Where = PARAGRAPH) -> str:
    """A block's own rich text, in the block's color when colors are on. The span goes around
    Markdown escaped for the start and end of a line: its tags' `>` and `<` are punctuation,
    which every escaping and flanking rule here treats as it treats a line's ends."""
    return goldmark.colored(block, r.text(block.value.get("rich_text"), where), where, r)


_TASK_START = re.compile(r"\[([ \txX])\](\()?")


def item_text(block: Block, r: RenderContext) -> str:
    """A list item's text. Goldmark reads `[ ]`, `[x]` at the start of an item as a task
    checkbox, even when it is the text of a link (whose text becomes an entity then)."""
    text = block_text(block, r)
    match = _TASK_START.match(text)
    if not match:
        return text
    if match.group(2):
        return f"[&#{ord(match.group(1))};]" + text[3:]
    return "&#91;" + text[1:]  # not `\[`: with passthrough, `\[…\]` is display math


def render_paragraph(block: Block, r: RenderContext) -> str:
    # Nested blocks follow the text: indented, they would become a code block.
    return then(block_text(block, r), r.children(block))


def heading(level: int) -> Callable[[Block, RenderContext], str]:
    def render_heading(block: Block, r: RenderContext) -> str:
        text = block_text(block, r, HEADING)
        if not text:
            return r.children(block)  # an untitled toggle heading still holds content
        # A closing `#` run would be eaten as the ATX closing sequence.
        text = re.sub(r"(\s)(#+)$", lambda m: m.group(1) + "\\" + m.group(2), text)
        # A toggleable heading's content follows it, unindented.
        return then("#" * level + " " + text, r.children(block))

    return render_heading


def list_style(block: Block | None) -> str | None:
    if block is None or block.type != "numbered_list_item":
        return None
    return goldmark.LIST_STYLES.get(as_text(block.value.get("list_format")))


def render_bulleted_list_item(block: Block, r: RenderContext) -> str:
    return attach("- " + item_text(block, r), block, r, 4)


def render_numbered_list_item(block: Block, r: RenderContext) -> str:
    if list_style(block):
        # An item of an HTML list (the renderer writes the <ol>): blank lines inside the <li>
        # so its Markdown is rendered.
        return goldmark.element("item", {}, then(item_text(block, r), r.children(block)), r)
    marker = f"{r.number}. "
    return attach(marker + item_text(block, r), block, r, max(4, len(marker)))


def render_to_do(block: Block, r: RenderContext) -> str:
    box = "[x]" if block.value.get("checked") else "[ ]"
    return attach(f"- {box} " + item_text(block, r), block, r, 4)


def render_toggle(block: Block, r: RenderContext) -> str:
    # As Notion's own export writes a toggle: a list item with its content indented under it.
    return attach("- " + item_text(block, r), block, r, 4)


def quote(body: str) -> str:
    """Markdown inside a blockquote, line by line."""
    return "\n".join("> " + line if line else ">" for line in body.split("\n")) if body else ""


# Hugo (≥ 0.132) takes a blockquote whose rendered text starts with `[!TYPE]` for an alert, and
# escapes and entities render to that same text: a quote typed so in Notion keeps its `[` in an
# element of its own, which the rendered text then starts with instead.
_ALERT_OPENER = re.compile(r"(?:\\?\[|&#91;)(?=!)")


def render_quote(block: Block, r: RenderContext) -> str:
    text = block_text(block, r)
    if _ALERT_OPENER.match(text):
        text = goldmark.inline_html("<span>&#91;</span>", r) + _ALERT_OPENER.sub("", text, count=1)
    return quote(then(text, r.children(block)))


def icon(value: dict) -> str:
    """An emoji icon as text; other icons are decoration (and Notion-hosted ones expire)."""
    found = value.get("icon")
    emoji = found.get("emoji") if isinstance(found, dict) and found.get("type") == "emoji" else None
    return emoji if isinstance(emoji, str) else ""


def render_callout(block: Block, r: RenderContext) -> str:
    # `<aside>` as Notion's export writes it. Its color is the whole box's, as in Notion (gray
    # background by default), not its text's. With `[render] callouts = "alerts"`, a blockquote
    # alert whose type says what the icon or colour said (`goldmark.alert_type`).
    emoji = escaped(icon(block.value), PARAGRAPH)
    text = r.text(block.value.get("rich_text"))
    body = then(f"{emoji} {text}".strip(), r.children(block))
    if r.options.callouts == "alerts":
        return f"> [!{goldmark.alert_type(block)}]" + ("\n" + quote(body) if body else "")
    return goldmark.element("callout", goldmark.callout_style(block, r), body, r)


def render_divider(block: Block, r: RenderContext) -> str:
    return "---"


def render_code(block: Block, r: RenderContext) -> str:
    code = plain_text(block.value.get("rich_text"))
    fenced = fenced_code(code, chroma_name(as_text(block.value.get("language"))), r)
    return then(fenced, r.text(block.value.get("caption")))


def fenced_code(code: str, info: str, r: RenderContext) -> str:
    """Code fenced under an info string (a language, and options in braces)."""
    if SHORTCODE_OPEN.search(code):
        # Raw HTML on one line (newlines as entities), so indenting it in a list item cannot
        # change the code. Hugo does not read a shortcode there; the options cannot apply.
        language = re.sub(r"[^a-z0-9_+-]", "", info.split(" ", 1)[0].lower())
        body = entity_braces(html.escape(code, quote=False)).replace("\n", "&#10;")
        return goldmark.html(f'<pre><code class="language-{language}">{body}</code></pre>', r)
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{code}\n{fence}"


def render_equation(block: Block, r: RenderContext) -> str:
    expression = as_text(block.value.get("expression")).strip()
    return goldmark.block_equation(expression, passthrough_tex(expression), r) if expression else ""
