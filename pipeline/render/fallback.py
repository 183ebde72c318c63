"""The rule for every block without one, known or not: it still gives the reader its text and
children, and a warning links the block."""

from __future__ import annotations

import re
from typing import Any, Iterator, TypeGuard

from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render.text import then
from pipeline.richtext import PARAGRAPH


def block_url(block: Block, r: RenderContext) -> str:
    """Where a contributor finds the block: Notion's "Copy link to block" form."""
    anchor = re.sub(r"[^0-9a-f]", "", block.id.lower())
    return f"{r.page_url}#{anchor}" if r.page_url else f"https://www.notion.so/{anchor}"


def render_fallback(block: Block, r: RenderContext) -> str:
    """Its rich text under any field named `rich_text`, `title` or `caption`, then its
    children, and a warning that names the type and links the block. The API's own
    `unsupported` type names the block it stands for (notion-sdk-js
    UnsupportedBlockObjectResponse: `unsupported.block_type`, e.g. form, button)."""
    named = block.value.get("block_type") if block.type == "unsupported" else block.type
    kind = re.sub(r"[^a-z0-9_]", "", str(named))
    texts = [r.text(items, PARAGRAPH) for items in named_texts(block.value)]
    body = then(*texts, r.children(block))
    if block.type == "unsupported":
        # Its content is not in the API's answer: a comment marks the place in the post.
        r.notice(f"Notion's API does not give the content of a {kind!r} block: the post leaves it out. "
                 f"Check what the reader misses: {block_url(block, r)}")
        marker = f"<!-- notion block not rendered: {kind} {re.sub(r'[^0-9a-f-]', '', block.id)} -->"
        body = then(marker, body)
    else:
        r.notice(f"block type {kind!r} has no renderer: its text and nested blocks are shown as plain "
                 f"paragraphs. Check the post against the block: {block_url(block, r)}")
    return body


_TEXT_FIELDS = ("rich_text", "title", "caption")


def is_rich_text(value: Any) -> TypeGuard[list[dict[str, Any]]]:
    return isinstance(value, list) and all(isinstance(item, dict) and "type" in item for item in value)


def named_texts(value: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The rich text arrays of a payload the table does not describe: every field named
    rich_text, title or caption, at any depth of its objects, in the payload's order."""
    for key, field_value in value.items():
        if key in _TEXT_FIELDS and is_rich_text(field_value):
            yield field_value
        elif isinstance(field_value, dict):
            yield from named_texts(field_value)
