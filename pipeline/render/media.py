"""Rules for blocks that show or link something outside the text: images, videos, files,
PDFs, audio, bookmarks, embeds and link previews."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pipeline.links import RenderContext, post_link, safe_url, video_shortcode
from pipeline.model import Block, as_object, as_text, plain_text
from pipeline.render.text import then
from pipeline.richtext import LABEL, PARAGRAPH, escaped


def file_url(block: Block) -> tuple[str, str] | None:
    """(file object type, URL) of a block whose payload is a file object
    (developers.notion.com/reference/file-object): "file" (Notion-hosted, signed for an hour)
    or "external", the URL at payload[type]["url"]; None when it has none."""
    kind = as_text(block.value.get("type"))
    url = as_text(as_object(block.value.get(kind)).get("url"))
    return (kind, url) if url else None


def media_url(block: Block, r: RenderContext) -> str | None:
    """Where an image, video, file, pdf or audio block points: its copy in the page bundle
    when Notion hosts it (the signed URL expires within an hour), else its external URL."""
    url = (file_url(block) or ("", ""))[1]
    local = r.local_files.get(url)  # a name the sync gave it in the bundle: safe characters only
    target = quote(local, safe="/") if local else safe_url(url)
    if target is None:
        r.notice(f"{block.type} URL {url!r} is not an http(s) URL; the {block.type} is left out", "error")
    return target


def render_image(block: Block, r: RenderContext) -> str:
    target = media_url(block, r)
    if target is None:
        return ""
    caption = block.value.get("caption")
    alt = escaped(plain_text(caption).replace("\n", " "))
    return then(f"![{alt}]({target})", r.text(caption))


def render_video(block: Block, r: RenderContext) -> str:
    target = media_url(block, r)
    if target is None:
        return ""
    caption = block.value.get("caption")
    shortcode = video_shortcode(target)
    if shortcode is None:
        return link_block(target, caption, r)
    return then(shortcode, r.text(caption))


def render_file(block: Block, r: RenderContext) -> str:
    # file, pdf and audio: a link, labelled by the caption, else the file name.
    target = media_url(block, r)
    if target is None:
        return ""
    return link_block(target, block.value.get("caption"), r, name=as_text(block.value.get("name")))


def link_block(url: str, caption: list[dict[str, Any]] | None, r: RenderContext, *, name: str = "") -> str:
    """A link labelled by the caption (a file the sync wrote beside the post, as it named it)."""
    bundled = url in {quote(local, safe="/") for local in r.local_files.values()}
    target = url if bundled else post_link(url, r)
    if target is None:
        r.notice(f"link {url!r} is not an http(s) URL; shown as text", "error")
        return r.text(caption) or escaped(name or url, PARAGRAPH)
    return f"[{r.text(caption, LABEL) or escaped(name or url)}]({target})"


def render_bookmark(block: Block, r: RenderContext) -> str:
    # The API gives a bookmark's URL and caption only, not the page title Notion displays.
    return link_block(as_text(block.value.get("url")), block.value.get("caption"), r)


def render_embed(block: Block, r: RenderContext) -> str:
    url = as_text(block.value.get("url"))
    shortcode = video_shortcode(url)
    if shortcode is None:
        return link_block(url, block.value.get("caption"), r)
    return then(shortcode, r.text(block.value.get("caption")))


def render_link_preview(block: Block, r: RenderContext) -> str:
    return link_block(as_text(block.value.get("url")), [], r)
