"""Rules that write back the Hugo constructs `import` keeps in a Notion form (issue #17), by
the grammar both read (`pipeline.hugo_syntax`):

- a code block whose caption is its fence's opening line, in code style (```` ```ini
  {linenos=true} ````): the fence is written with that info string, and no caption;
- an image (or file) whose caption ends with `alt:`, `title:`, `link:`, `figure:` or `file:`
  lines: those lines are not shown; the image is Hugo's figure shortcode with its arguments
  (`figure:`), else a Markdown image with that alt text, title and link;
- a paragraph that is one code-styled `<!--more-->`: Hugo's summary divider;
- a paragraph that is one code-styled shortcode tag whose name the site owner keeps
  (`[render] shortcodes`): that tag, arguments quoted. A name not on the list stays text;
- the text inside a kept `{{< >}}` shortcode (between its tags' paragraphs, or its tags in one
  text): Hugo hands it to the template as typed, so it is written for a template that prints
  it raw as well as one that markdownifies it (`Where.raw_inner`);
- a piece of code `[^label]` in text: a footnote's reference; a paragraph starting with code
  `[^label]:`, its note.

Anything else renders as the built-in rules do. Every value goes back quoted and checked:
text typed in Notion never becomes another shortcode, markup or a path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from pipeline.hugo_syntax import (FENCE_CAPTION, FOOTNOTE_NOTE, FOOTNOTE_REF, MORE, CaptionMeta, ShortcodeTag,
                                  fence_info, highlight_tag, quoted, shortcode_tag,
                                  shortcode_tags, split_caption)
from pipeline.links import RenderContext, post_link
from pipeline.model import Block, as_object, as_objects, as_text, plain_text
from pipeline.render import media, text
from pipeline.richtext import Where, escaped, to_markdown


def caption_parts(caption: Any) -> tuple[list[dict[str, Any]], CaptionMeta]:
    """A caption's shown rich text (before its meta lines) and what the lines say."""
    items = [dict(item) for item in as_objects(caption)]
    end, meta = split_caption(plain_text(items))
    if meta == CaptionMeta():
        return items, meta
    shown: list[dict[str, Any]] = []
    position = 0
    for item in items:
        piece = as_text(item.get("plain_text"))
        if position + len(piece) <= end:
            shown.append(item)
        elif position < end and item.get("type") == "text":  # the item the meta lines begin in
            cut = piece[:end - position]
            shown.append({**item, "plain_text": cut, "text": {**as_object(item.get("text")), "content": cut}})
        position += len(piece)
    return shown, meta


def _with_caption(block: Block, caption: list[dict[str, Any]]) -> Block:
    return replace(block, data={**block.data, block.type: {**block.value, "caption": caption}})


def _single_code(rich_text: Any) -> str | None:
    """The text of rich text that is one code-styled piece, unlinked; else None."""
    items = as_objects(rich_text)
    if len(items) != 1 or items[0].get("type") != "text" or items[0].get("href"):
        return None
    if not as_object(items[0].get("annotations")).get("code"):
        return None
    return as_text(items[0].get("plain_text"))


def render_code(block: Block, r: RenderContext) -> str:
    """Fenced code; with the fence's own info string when the caption holds it, or inside
    Hugo's highlight shortcode when the caption holds its tag (and the code no shortcode's
    delimiters, which Hugo would read inside it)."""
    line = _single_code(block.value.get("caption"))
    code = plain_text(block.value.get("rich_text"))
    tag = shortcode_tag(line) if line and line.startswith("{{") else None
    if highlight_tag(tag) and tag is not None and "{{" not in code and "}}" not in code:
        return f"{tag.text()}\n{code}\n{{{{< /highlight >}}}}"
    info = fence_info(line[len(FENCE_CAPTION):]) if line and line.startswith(FENCE_CAPTION) else None
    if info is None:
        return text.render_code(block, r) if not highlight_tag(tag) else text.render_code(_with_caption(block, []), r)
    return text.fenced_code(code, info.text, r)


def render_paragraph(block: Block, r: RenderContext) -> str:
    """The summary divider, a kept shortcode's tag, or a footnote's note; any other paragraph
    as built in."""
    items = as_objects(block.value.get("rich_text"))
    note = FOOTNOTE_NOTE.fullmatch(_single_code(items[:1]) or "")
    if note:  # `[^label]: its text`, its other blocks indented under it
        body = r.text(items[1:])
        children = r.children(block)
        return f"[^{note.group(1)}]: {body}" + ("\n\n" + text.indent(children, 4) if children else "")
    line = _single_code(items)
    if line == MORE:
        return text.then(MORE, r.children(block))
    tag = shortcode_tag(line) if line else None
    if tag is not None and tag.name in r.options.shortcodes:
        return text.then(tag.text(), r.children(block))
    return text.render_paragraph(block, r)


def render_image(block: Block, r: RenderContext) -> str:
    shown, meta = caption_parts(block.value.get("caption"))
    if meta == CaptionMeta():
        return media.render_image(block, r)
    target = media.media_url(block, r)
    if target is None:
        return ""
    caption = r.text(shown)
    if meta.figure is not None:
        args = [("src", target)] + ([("caption", caption.replace("\\\n", " ").replace("\n", " "))] if caption else [])
        for key, value in meta.figure:
            if key in ("link", "attrlink"):
                link = _link(value, r)
                if link is None:
                    r.notice(f"the figure's {key} {value!r} is not an http(s) URL or a site path: left out")
                    continue
                value = link
            args.append((key, value))
        return "{{< figure " + " ".join(f"{key}={quoted(value)}" for key, value in args) + " >}}"
    alt = meta.alt if meta.alt is not None else plain_text(shown).replace("\n", " ")
    title = ' "' + meta.title.replace("\\", "\\\\").replace('"', '\\"') + '"' if meta.title else ""
    image = f"![{escaped(alt)}]({target}{title})"
    if meta.link:
        link = _link(meta.link, r)
        if link is None:
            r.notice(f"the image's link {meta.link!r} is not an http(s) URL or a site path: left out")
        else:
            image = f"[{image}]({link})"
    return text.then(image, caption)


def _link(url: str, r: RenderContext) -> str | None:
    return post_link(url, r) if url else None


def render_media_file(block: Block, r: RenderContext) -> str:
    """A video, file, PDF or audio block, its caption without the lines it may end with."""
    shown, meta = caption_parts(block.value.get("caption"))
    if meta != CaptionMeta():
        block = _with_caption(block, shown)
    return (media.render_video if block.type == "video" else media.render_file)(block, r)


def unbalanced_shortcodes(markdown: str, kept: tuple[str, ...]) -> list[str]:
    """The kept shortcodes a page closes without opening, or opens twice without closing
    between: Hugo would stop the site's build on such a page (a tag deleted in Notion)."""
    problems = []
    open_names: list[str] = []
    for _, _, tag in shortcode_tags(markdown):
        if tag is None or tag.name not in kept:
            continue
        if not tag.closing:
            open_names.append(tag.name)
        elif tag.name in open_names:
            del open_names[len(open_names) - 1 - open_names[::-1].index(tag.name)]
        else:
            problems.append(f"the paragraph {tag.text()} closes a {tag.name!r} shortcode that no paragraph before it "
                            "opens: Hugo would stop building the site. Restore the paragraph that opened it, or remove "
                            "this one.")
    return problems


def text_with_shortcodes(rich_text: Any, r: RenderContext, where: Where) -> str:
    """Rich text as escaped Markdown, where a piece of code that is the tag of a shortcode the
    site owner keeps (`[render] shortcodes`) is that tag: what import made of a tag inside text."""
    items = as_objects(rich_text)
    kept = r.options.shortcodes
    if r.block is not None and r.block.id in r.raw_inner:
        where = replace(where, raw_inner=True)
    tags = {i: tag for i, item in enumerate(items) for tag in [_kept_tag(item, kept, r.footnotes)] if tag is not None}
    if not tags:
        return to_markdown(items, r, where)
    out, start = [], 0
    raw_open: list[str] = []  # the kept {{< >}} shortcodes open here, innermost last
    for i in sorted(tags):
        found = tags[i]
        inside = replace(where, raw_inner=True) if raw_open else where
        out += [_segment(items[start:i], r, inside), found if isinstance(found, str) else found.text()]
        if isinstance(found, ShortcodeTag):
            _follow(raw_open, found)
        start = i + 1
    out.append(_segment(items[start:], r, replace(where, raw_inner=True) if raw_open else where))
    return "".join(out)


def _follow(raw_open: list[str], tag: ShortcodeTag) -> None:
    """Keep `raw_open`, the names of the `{{< >}}` shortcodes open, up to date past `tag`."""
    if tag.percent:
        return
    if not tag.closing:
        raw_open.append(tag.name)
    elif tag.name in raw_open:
        del raw_open[len(raw_open) - 1 - raw_open[::-1].index(tag.name)]


def raw_inner_blocks(blocks: Sequence[Block], kept: tuple[str, ...]) -> frozenset[str]:
    """The ids of the blocks, at any depth, between the paragraphs that open and close a kept
    `{{< >}}` shortcode (and of everything they hold): its inner content, which Hugo hands to
    the template as typed (`Where.raw_inner`). A tag left unclosed opens nothing."""
    found: set[str] = set()
    if not kept:
        return frozenset()
    stack = [list(blocks)]
    while stack:
        siblings = stack.pop()
        raw_open: list[str] = []
        pending: list[Block] = []  # blocks after an open tag, inner content once it closes
        for block in siblings:
            line = _single_code(block.value.get("rich_text")) if block.type == "paragraph" else None
            tag = shortcode_tag(line) if line else None
            if tag is not None and tag.name in kept and not tag.percent:
                _follow(raw_open, tag)
                if not raw_open:
                    found.update(_ids(pending))
                    pending = []
                continue
            if raw_open:
                pending.append(block)
            else:
                stack.append(list(block.children))
    return frozenset(found)


def _ids(blocks: Sequence[Block]) -> set[str]:
    """The ids of blocks and of every block they hold."""
    found, stack = set(), list(blocks)
    while stack:
        block = stack.pop()
        found.add(block.id)
        stack += block.children
    return found


def _kept_tag(item: dict[str, Any], kept: tuple[str, ...], footnotes: frozenset[str]) -> ShortcodeTag | str | None:
    """What a piece of code stands for: a kept shortcode's tag, a reference to a footnote whose
    note is on the page, or None (a piece of code, as typed)."""
    line = _single_code([item])
    found = FOOTNOTE_REF.fullmatch(line) if line else None
    if found and found.group(1) in footnotes:
        return line
    tag = shortcode_tag(line) if line and kept else None
    return tag if tag is not None and tag.name in kept else None


def _segment(items: list[dict[str, Any]], r: RenderContext, where: Where) -> str:
    """Rich text between two tags, with the spaces at its ends that Markdown would trim."""
    plain = plain_text(items)
    body = to_markdown(items, r, where) if plain.strip() else ""
    lead = " " if plain[:1].isspace() and body else ""
    trail = " " if plain[-1:].isspace() else ""
    return (lead + body + trail) if body else (" " if plain and plain.isspace() else "")


def footnote_labels(blocks: Sequence[Block]) -> frozenset[str]:
    """The labels of the footnote notes among blocks (paragraphs starting with code
    `[^label]:`), at any depth: only a reference to one of them is written as a reference."""
    found = set()
    stack = list(blocks)
    while stack:
        block = stack.pop()
        stack += block.children
        if block.type == "paragraph":
            note = FOOTNOTE_NOTE.fullmatch(_single_code(as_objects(block.value.get("rich_text"))[:1]) or "")
            if note:
                found.add(note.group(1))
    return frozenset(found)
