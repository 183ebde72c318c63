"""Notion blocks → Hugo-ready Markdown. Pure: no I/O, no API.

- `Renderer` (renderer.py): the table of rules an instance can override, with `add_rule`,
  `add_mention_rule` and `use(plugin)`; `render_page` here is the built-in renderer's.
- `BLOCKS` (specs.py): one `BlockSpec` per block type, which the fetcher and validator read too.
- The built-in rules, in small files by kind: text.py (paragraphs, headings, lists, quotes,
  callouts, code, equations), media.py, pages.py, table.py, layout.py (columns, tabs, meeting
  notes), fallback.py (a type without a rule).
- `plugins.py`: `[render] plugins = ["module:function"]`, rules from the blog's repository.

Rich text is serialized in `pipeline.richtext`, links and URLs in `pipeline.links`.
Callout icons: an emoji is kept; other icons (external or Notion-hosted images, custom emoji,
Notion's native icons) are left out: they are decoration, and Notion-hosted URLs expire an
hour after the sync.

The `[render]` options of pipeline.toml (`RenderOptions`) turn on what a plain Markdown post
does without: colors as styled `<span>`s, columns as `<div>`s, a date format, tabs as
`<details>`, meeting transcripts.
"""

from __future__ import annotations

from typing import Sequence

from pipeline.links import RenderContext, video_shortcode
from pipeline.model import Block
from pipeline.render.depth import MAX_DEPTH
from pipeline.render.renderer import MentionRule, Renderer, Rule
from pipeline.render.specs import BLOCKS, FALLBACK, BlockSpec, block_texts, file_blocks, file_url, spec_of, walk
from pipeline.richtext import COLORS, rich_text

__all__ = ["BLOCKS", "COLORS", "FALLBACK", "MAX_DEPTH", "BlockSpec", "MentionRule", "RenderContext",
           "Renderer", "Rule", "block_texts", "file_blocks", "file_url", "render_page", "rich_text", "spec_of", "video_shortcode",
           "walk"]


def render_page(blocks: Sequence[Block], ctx: RenderContext) -> str:
    """The Markdown body of a page by the built-in rules (or by `ctx.renderer`'s)."""
    return (ctx.renderer or Renderer()).render_page(blocks, ctx)
