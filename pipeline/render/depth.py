"""How deep a post goes: the renderer and the fetcher count the same levels."""

from __future__ import annotations

from typing import Sequence

from pipeline.links import RenderContext
from pipeline.model import Block

# How many levels of blocks a post shows: Notion allows more, but a post this deep is
# unreadable, and every level costs the renderer a few stack frames. Deeper content rejects its
# entry (never cut). The fetcher's [limits] max_depth counts the same levels and may not exceed it.
MAX_DEPTH = 64


def too_deep(blocks: Sequence[Block], ctx: RenderContext) -> bool:
    """Whether these blocks lie deeper than a post shows; then the entry is rejected (an error
    notice), since leaving them out would drop what a contributor typed."""
    if blocks and ctx.depth >= MAX_DEPTH:  # depth counts from 0: levels 0 … MAX_DEPTH - 1
        ctx.notice(
            f"blocks nested deeper than {MAX_DEPTH} levels: the post cannot show them. "
            "Move the innermost blocks up a few levels in Notion.",
            "error",
        )
        return True
    return False
