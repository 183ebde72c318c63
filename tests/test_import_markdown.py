"""Markdown → Notion blocks for what a round trip cannot tell apart (a toggle and a bulleted
item render alike): the block types and payloads the import sends, construct by construct."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.markdown_in import MAX_RICH_TEXT, MAX_TEXT, ImportContext, to_blocks


def blocks(markdown: str, **ctx) -> list[dict]:
    return to_blocks(markdown, ImportContext(**ctx)).blocks


def plain(items: list[dict]) -> str:
    return "".join(item["text"]["content"] if item["type"] == "text" else item["equation"]["expression"] for item in items)


def t(content: str, **annotations) -> dict:
    item: dict = {"type": "text", "text": {"content": content}}
    if annotations:
        item["annotations"] = annotations
    return item


CASES = [
    ("<details>\n<summary>Why <em>this</em>?</summary>\n\nBecause.\n\n</details>",
     [{"type": "toggle", "toggle": {"rich_text": [t("Why "), t("this", italic=True), t("?")],
                                    "children": [{"type": "paragraph", "paragraph": {"rich_text": [t("Because.")]}}]}}]),
    ("<aside>\n\n⚠️ Mind the **gap**.\n\n</aside>",
     [{"type": "callout", "callout": {"rich_text": [t("Mind the "), t("gap", bold=True), t(".")],
                                      "icon": {"type": "emoji", "emoji": "⚠️"}}}]),
    ("<aside>\nNo emoji, no blank lines.\n</aside>",
     [{"type": "callout", "callout": {"rich_text": [t("No emoji, no blank lines.")]}}]),
    ("###### Six", [{"type": "heading_4", "heading_4": {"rich_text": [t("Six")]}}]),
    ("3. three\n4. four", [
        {"type": "numbered_list_item", "numbered_list_item": {"rich_text": [t("three")], "list_start_index": 3}},
        {"type": "numbered_list_item", "numbered_list_item": {"rich_text": [t("four")]}}]),
    ("- [x] done\n- [ ] open", [
        {"type": "to_do", "to_do": {"rich_text": [t("done")], "checked": True}},
        {"type": "to_do", "to_do": {"rich_text": [t("open")], "checked": False}}]),
    ("Area \\(\\pi r^2\\) and $5.", [{"type": "paragraph", "paragraph": {"rich_text": [
        t("Area "), {"type": "equation", "equation": {"expression": "\\pi r^2"}}, t(" and $5.")]}}]),
    ("\\[\na &lt; b\n\\]", [{"type": "equation", "equation": {"expression": "a < b"}}]),
    # Notion's shell, whose fence the renderer names `shell`: the fence's own line is the caption.
    ("```sh\nls\n```", [{"type": "code", "code": {"rich_text": [t("ls")], "language": "shell", "caption": [
        {"type": "text", "text": {"content": "```sh"}, "annotations": {"code": True}}]}}]),
    ("```shell\nls\n```", [{"type": "code", "code": {"rich_text": [t("ls")], "language": "shell"}}]),
    ("```mermaid\ngraph LR\n```", [{"type": "code", "code": {"rich_text": [t("graph LR")], "language": "mermaid"}}]),
    ("{{< youtube dQw4w9WgXcQ >}}", [{"type": "video", "video": {
        "type": "external", "external": {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}, "caption": []}}]),
    ("![A cat](https://example.com/cat.png)\n\nA cat", [{"type": "image", "image": {
        "type": "external", "external": {"url": "https://example.com/cat.png"}, "caption": [t("A cat")]}}]),
    ("<table>\n<tr><th scope=\"row\">Mon</th><td>9<br>10</td></tr>\n</table>", [{"type": "table", "table": {
        "table_width": 2, "has_column_header": False, "has_row_header": True, "children": [
            {"type": "table_row", "table_row": {"cells": [[t("Mon")], [t("9\n10")]]}}]}}]),
    ("Text with <kbd>Ctrl</kbd> and <u>under</u>.", [{"type": "paragraph", "paragraph": {
        "rich_text": [t("Text with Ctrl and "), t("under", underline=True), t(".")]}}]),
]


@pytest.mark.parametrize("markdown, expected", CASES, ids=[c[0][:30] for c in CASES])
def test_markdown_becomes_these_blocks(markdown, expected):
    assert blocks(markdown) == expected


def test_links_to_imported_posts_point_to_their_entries_and_relative_links_are_reported():
    conversion = to_blocks('[a]({{< relref "/posts/first" >}}), [b](/posts/first/), [c](/about/)',
                           ImportContext(post_links={"first": "https://www.notion.so/abc"}))
    links = [item["text"].get("link") for item in conversion.blocks[0]["paragraph"]["rich_text"]]
    assert links == [{"url": "https://www.notion.so/abc"}, None, {"url": "https://www.notion.so/abc"}, None]
    assert [note.message for note in conversion.notes] == [
        "relative link '/about/': Notion holds absolute URLs only; its text is kept, unlinked"]


def test_a_bundle_image_is_a_file_upload_named_by_its_path():
    """Its sub-folder goes in a `file:` line of the caption, which sync reads to put it back."""
    conversion = to_blocks("![](img/diagram.png)", ImportContext(bundle_files=frozenset({"img/diagram.png"})))
    assert conversion.blocks == [{"type": "image", "image": {
        "type": "file_upload", "file_upload": {"id": "local:img/diagram.png"}, "caption": [t("file: img/diagram.png")]}}]
    assert conversion.files == ["img/diagram.png"]


@settings(max_examples=30)
@given(st.text(st.characters(exclude_characters="\x00\r\n"), min_size=1, max_size=9000))
def test_long_text_is_cut_within_notions_limits_and_keeps_every_character(text):
    # NUL is U+FFFD in CommonMark (and Goldmark); a line break would end the line of code.
    paragraph = "x" + text + "x"
    conversion = to_blocks("```\n" + paragraph + "\n```", ImportContext())
    for block in conversion.blocks:
        items = block["code"]["rich_text"]
        assert len(items) <= MAX_RICH_TEXT
        assert all(len(item["text"]["content"]) <= MAX_TEXT for item in items)
    assert "".join(plain(b["code"]["rich_text"]) for b in conversion.blocks) == paragraph


def test_a_paragraph_of_more_than_100_styled_pieces_is_split_into_paragraphs():
    markdown = " ".join(f"**{i}** {i}" for i in range(80))
    paragraphs = blocks(markdown)
    assert [len(p["paragraph"]["rich_text"]) for p in paragraphs] == [100, 60]
    assert "".join(plain(p["paragraph"]["rich_text"]) for p in paragraphs) == " ".join(f"{i} {i}" for i in range(80))


def test_bundle_files_the_blog_would_not_publish_are_not_uploaded():
    """Review finding: an .svg or .html in a bundle was uploaded, then every sync rejected the
    entry (sync bundles only bundle.PUBLISHED_SUFFIXES). Import keeps their text and says why."""
    files = frozenset({"diagram.svg", "page.html", "photo.png"})
    conversion = to_blocks("![A diagram](diagram.svg)\n\n[Notes](page.html)\n\n![](photo.png)", ImportContext(bundle_files=files))
    assert conversion.files == ["photo.png"]
    assert [b["type"] for b in conversion.blocks] == ["paragraph", "paragraph", "image"]
    assert plain(conversion.blocks[0]["paragraph"]["rich_text"]) == "A diagram"
    assert sum("is not of a type the blog publishes" in note.message for note in conversion.notes) == 2


def test_text_kept_in_place_of_a_construct_is_never_cut_at_2000_characters():
    """A shortcode Notion cannot hold is kept as text: split into text objects within Notion's
    limit, never cut (it was cut at 2,000 characters)."""
    shortcode = '{{< notice "' + "word " * 900 + '" >}}'
    [paragraph] = blocks(shortcode)
    items = paragraph["paragraph"]["rich_text"]
    assert plain(items) == shortcode and all(len(item["text"]["content"]) <= MAX_TEXT for item in items)
