"""Properties of what the hardening parses or escapes: printed text and manifest paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import bundle
from pipeline.safe_text import escaped, json_text, redacted

DANGEROUS = {chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, *range(0x202A, 0x202F),
                              *range(0x2066, 0x206A)]}


@given(st.text())
def test_escaped_text_holds_no_control_character_and_loses_nothing_else(text):
    shown = escaped(text)
    assert not DANGEROUS & set(shown) and not any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
    safe = "".join(c for c in text if c not in DANGEROUS and not 0xD800 <= ord(c) <= 0xDFFF)
    if safe == text:
        assert shown == text  # ordinary text, accents and emoji included, is shown as it is
    assert escaped(text, keep_newlines=True).count("\n") == text.count("\n")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_json_text_round_trips_and_shows_no_control_character(text):
    shown = json_text({"title": text})
    assert json.loads(shown) == {"title": text}
    assert not DANGEROUS - {"\n"} & set(shown)


@given(st.text(min_size=4), st.text())
def test_redaction_leaves_no_copy_of_the_secret(secret, text):
    assert secret not in redacted(text + secret + text, [secret]).replace("[NOTION_TOKEN]", "\0")


@given(st.lists(st.sampled_from(["a", "b", "..", ".", "", "/", "\\", "c.md", "\0"]), max_size=6).map("/".join))
def test_a_manifest_path_that_is_accepted_stays_inside_the_folder(relative):
    root = Path("/srv/site/posts")
    if bundle._relative_problem(relative) is None:
        target = Path(os.path.normpath(root / relative))
        assert target.is_relative_to(root) and target != root


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=12)
LISTISH = st.fixed_dictionaries({"object": st.sampled_from(["list", "error", "page"])}, optional={
    "results": st.lists(st.fixed_dictionaries({"object": st.sampled_from(["block", "page"])}, optional={
        "id": JSON | st.text(max_size=3), "type": JSON | st.text(max_size=3), "has_children": JSON}), max_size=3) | JSON,
    "has_more": JSON, "next_cursor": JSON})


@given(JSON | LISTISH)
def test_any_answer_is_either_a_checked_list_or_a_notion_error(answer):
    """The source reads only what `checked_list` let through: never a KeyError or TypeError (exit 4)."""
    from pipeline.errors import NotionError
    from pipeline.shapes import checked_list

    try:
        page = checked_list(answer, "the blocks of x", "block")
    except NotionError as error:
        assert str(error).startswith("Notion answered something that is not the API's shape while reading the blocks")
        return
    assert isinstance(page["has_more"], bool) and isinstance(page["results"], list)
    assert page["next_cursor"] is None or isinstance(page["next_cursor"], str)
    assert not page["has_more"] or page["next_cursor"]
    for block in page["results"]:
        assert isinstance(block["id"], str) and isinstance(block["type"], str) and isinstance(block["has_children"], bool)


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_a_job_summary_cell_shows_notion_text_as_text(text):
    """The report goes to $GITHUB_STEP_SUMMARY, which GitHub renders as Markdown with HTML:
    whatever an entry's title or a message holds is shown as its (escaped) text, never markup."""
    import html as html_module

    from markdown_it import MarkdownIt

    from pipeline.cli import summary_text
    from pipeline.safe_text import escaped

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(f"| a |\n|---|\n| {summary_text(text)} |\n")
    cell = rendered.split("<td>", 1)[1].rsplit("</td>", 1)[0]
    assert "<" not in cell  # no tag: no link, no image, no emphasis, no raw HTML
    assert html_module.unescape(cell).strip() == escaped(text).strip()  # a cell drops its edge spaces
