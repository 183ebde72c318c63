"""The Renderer: a table of rules, one per block type, that an instance can override.

As markdown-it-py's renderer does, a `Renderer` holds `{block type: rule}`; a rule is a
function `rule(block, r) -> str` that returns the block's Markdown. `r` is the block's
`RenderContext`: `r.text(rich_text)` is the rich text as escaped Markdown, `r.children(block)`
the nested blocks rendered, `r.default(block)` the built-in output (to wrap or adjust),
`r.depth` and `r.number` where the block sits, and `r.notice(message, "error")` reports a
problem (an error rejects the entry). A type without a rule gets the fallback: its text and
children, with a warning.

    renderer = Renderer()
    renderer.add_rule("callout", lambda block, r: "{{< notice >}}\\n" + r.children(block) + "\\n{{< /notice >}}")
    sync(config, selection, token=…, out_dir=…, renderer=renderer)

A rule's source is part of the run's fingerprint (`fingerprint`), so editing a rule
re-renders every post; a rule that raises rejects its entry alone, naming the rule and block.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import goldmark
from pipeline.render.depth import too_deep
from pipeline.render.hugo import footnote_labels, raw_inner_blocks, text_with_shortcodes
from pipeline.render.specs import BLOCKS, FALLBACK, spec_of
from pipeline.render.text import list_style
from pipeline.richtext import PARAGRAPH, Where

Rule = Callable[[Block, RenderContext], str]
# A mention rule: the mention's rich text object → (text shown, link or None), or None for the
# built-in. Its text is escaped and its link checked like any other: a rule cannot add markup.
MentionRule = Callable[[dict[str, Any], RenderContext], "tuple[str, str | None] | None"]


class Renderer:
    """Notion blocks → Markdown through a table of rules (`BLOCKS` by default)."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}  # the rules added; the others are the block table's
        self.mention_rules: dict[str, MentionRule] = {}
        self.fallback: Rule = FALLBACK.render

    # --- extending ---------------------------------------------------------------------

    def add_rule(self, block_type: str, rule: Rule) -> "Renderer":
        """Render `block_type` blocks with `rule(block, r)`; `r.default(block)` is the built-in."""
        self.rules[block_type] = rule
        return self

    def add_mention_rule(self, mention_type: str, rule: MentionRule) -> "Renderer":
        """Show `mention_type` mentions (page, user, date, link_preview, …) as `rule` says."""
        self.mention_rules[mention_type] = rule
        return self

    def use(self, plugin: Callable[..., Any], *args: Any, **kwargs: Any) -> "Renderer":
        """Apply a plugin: a function that takes the renderer (and options) and adds rules."""
        plugin(self, *args, **kwargs)
        return self

    def fingerprint(self) -> str:
        """Changes whenever an added rule could render differently: the source files of the
        modules its rules live in (helpers beside a rule included), and which rule serves
        which type. Empty when no rule was added, so adding none changes no earlier output."""
        added: list[tuple[str, Callable[..., Any]]] = [(f"block:{name}", rule) for name, rule in self.rules.items()]
        added += [(f"mention:{name}", rule) for name, rule in self.mention_rules.items()]
        if not added:
            return ""
        digest = hashlib.sha256()
        for key, rule in sorted(added, key=lambda pair: pair[0]):
            digest.update(f"{key}={_rule_name(rule)}\n".encode())
        for source in sorted({_source_of(rule) for _, rule in added}):
            digest.update(source)
        return digest.hexdigest()

    # --- rendering -----------------------------------------------------------------------

    def render_page(self, blocks: Sequence[Block], ctx: RenderContext) -> str:
        """The Markdown body of a page: its blocks, with one trailing newline."""
        ctx = replace(ctx, renderer=self, footnotes=footnote_labels(blocks),
                      raw_inner=raw_inner_blocks(blocks, ctx.options.shortcodes))
        return goldmark.keep_paragraphs(self.render_blocks(blocks, ctx).strip("\n"), ctx)

    def render_blocks(self, blocks: Sequence[Block], ctx: RenderContext) -> str:
        """Blocks listed one after the other, in the context of the block that holds them."""
        if too_deep(blocks, ctx):
            return ""
        parts: list[str] = []
        # The last block shown. One that shows nothing changes nothing around it: list items
        # on either side of it are one list, as Markdown reads them (and as the import of this
        # Markdown gives them back), not a loose list that looks unlike Notion's.
        previous: Block | None = None
        number = 0
        lettered = False  # inside the <ol> of a lettered or roman list
        for block in blocks:
            starts_list = previous is None or previous.type != "numbered_list_item"
            if block.type == "numbered_list_item":
                number = _number(block.value.get("list_start_index")) if starts_list else number + 1
            text = self.render_block(block, ctx.at(block, number))
            if text == "":
                continue
            # A lettered or roman list is HTML around its items; its first item sets the style.
            style = list_style(block)
            if lettered and style is None:
                parts[-1] += goldmark.list_close(ctx)
            elif style and not lettered:
                text = goldmark.list_open(style, number, ctx) + text
            lettered = style is not None
            if parts:
                same_list = previous is not None and previous.type == block.type and spec_of(block.type).list_like
                parts.append((goldmark.item_separator(ctx) if style else "\n") if same_list else "\n\n")
            parts.append(text)
            previous = block
        if lettered:
            parts[-1] += goldmark.list_close(ctx)
        return "".join(parts)

    def render_block(self, block: Block, ctx: RenderContext) -> str:
        """One block by its rule; `ctx` is the block's own (`RenderContext.at`)."""
        rule = self.rules.get(block.type)
        if rule is None:
            return self.default(block, ctx)
        try:
            text = rule(block, ctx)
            if not isinstance(text, str):
                raise TypeError(f"it returned {type(text).__name__}, not the block's Markdown (str)")
            return text
        except Exception as error:  # noqa: BLE001 - the site owner's rule: its entry is rejected, named
            ctx.notice(f"the rule {_rule_name(rule)} for {block.type!r} blocks failed ({type(error).__name__}: "
                       f"{error}): fix the rule, or the block in Notion.", "error")
            return ""

    def default(self, block: Block, ctx: RenderContext) -> str:
        """The built-in output of a block, whatever rule was added for its type."""
        spec = BLOCKS.get(block.type)
        return (spec.render if spec is not None else self.fallback)(block, ctx)

    def text(self, rich_text: Any, ctx: RenderContext, where: Where = PARAGRAPH) -> str:
        # to_markdown, with the owner's shortcodes kept; as the kit's text shortcode where a site
        # without raw HTML needs it
        return goldmark.rich_text(rich_text, ctx, where, text_with_shortcodes)

    def children(self, block: Block, ctx: RenderContext) -> str:
        return self.render_blocks(block.children, ctx.inside())

    def list_like(self, block_type: str) -> bool:
        return spec_of(block_type).list_like


def _rule_name(rule: Callable[..., Any]) -> str:
    return f"{getattr(rule, '__module__', '?')}:{getattr(rule, '__qualname__', repr(rule))}"


def _source_of(rule: Callable[..., Any]) -> bytes:
    """The whole source file of the module a rule lives in, else the rule's own source, else
    its name (a rule made at run time has no file)."""
    try:
        path = inspect.getsourcefile(rule)
        if path and Path(path).is_file():
            return Path(path).read_bytes()
        return inspect.getsource(rule).encode()
    except (OSError, TypeError):
        return _rule_name(rule).encode()


# --- block sequences ----------------------------------------------------------------------


def _number(value: Any) -> int:
    """A numbered list's first number: the API's `list_start_index` when it is a plain
    positive integer (it goes into the Markdown and an `<ol start>`), else 1."""
    return value if type(value) is int and 1 <= value <= 999_999_999 else 1
