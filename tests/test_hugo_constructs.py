"""Hugo's constructs both directions agree on (pipeline/hugo_syntax.py, render/hugo.py), and
that text typed in Notion becomes one only as the site owner allows (issue #17)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notion_emulator import NotionEmulator
from pipeline.bundle import bundle_names, safe_file_name
from pipeline.config import RenderOptions, load_default_config
from pipeline.hugo_syntax import (ARGUMENT, CaptionMeta, ShortcodeTag, fence_info, parse_arguments, quoted,
                                  shortcode_tag, split_caption)
from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import Renderer
from pipeline.source import SourceOptions
from pipeline.sync import Selection, bundle_file_name, sync
from pipeline.validate import check_unique_slugs
from pipeline.model import Entry
from tests import storekit
from tests.conftest import SEED_DATA_SOURCE, TOKEN

VALUES = st.text(st.characters(exclude_characters="\n\r{}", exclude_categories=("Cs",)), max_size=30)


@given(VALUES)
def test_a_quoted_value_reads_back_as_itself(value):
    assert parse_arguments(quoted(value)) == ([value], [])


@given(st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), VALUES), max_size=4, unique_by=lambda kv: kv[0]),
       st.sampled_from(["collapse", "notice", "blog/note"]), st.booleans())
def test_a_tag_written_back_reads_back_as_the_same_tag(named, name, percent):
    tag = ShortcodeTag(name, percent=percent, named=tuple(named))
    assert shortcode_tag(tag.text()) == tag


@given(st.builds(CaptionMeta, alt=st.none() | VALUES, title=st.none() | VALUES, link=st.none() | VALUES,
                 file=st.none() | st.from_regex(r"[a-z][a-z0-9_-]{0,8}(/[a-z][a-z0-9_-]{0,8}){0,2}\.png", fullmatch=True)),
       st.text(st.characters(exclude_characters="\r", exclude_categories=("Cs",)), max_size=40))
def test_caption_lines_are_read_back_and_the_shown_caption_is_what_precedes_them(meta, shown):
    """What the lines say comes back whatever the caption shown above them (unless a line of
    that caption itself reads as one: then the caption is all shown, as typed)."""
    lines = meta.lines()
    text = "\n".join(([shown] if shown else []) + lines)
    end, found = split_caption(text)
    if lines and not any(line.split(":", 1)[0] in ("alt", "title", "link", "figure", "file")
                         for line in shown.split("\n")):
        assert found == meta and text[:end] == shown
    assert end <= len(text)


@pytest.mark.parametrize("text", [
    "A caption\nfile: ../../etc/passwd.png",  # a path out of the bundle
    "A caption\nfile: /etc/passwd.png",
    'figure: width="3" onload="x"',  # not one of figure's arguments
    "figure: src={{< evil >}}",
])
def test_a_line_that_could_reach_outside_its_place_leaves_the_caption_as_typed(text):
    assert split_caption(text) == (len(text), CaptionMeta())


def test_fence_info_takes_highlighting_options_only():
    assert fence_info("ini {linenos=true, hl_lines=[2]}").text == "ini {linenos=true, hl_lines=[2]}"
    assert fence_info("python {onclick=alert(1)}") is None
    assert fence_info("a language and words") is None


def test_bundle_files_keep_their_names_in_safe_characters_and_never_collide():
    assert bundle_names([("u1", b"1", "photo.png"), ("u2", b"2", "Photo.png"), ("u3", b"1", "photo.png"),
                         ("u4", b"3", "images/photo.png")]) == {
        "u1": "photo.png", "u2": "Photo-2.png", "u3": "photo.png", "u4": "images/photo.png"}
    assert safe_file_name("my photo (1).png") == "my-photo-1.png" and safe_file_name(".htaccess.png") == "htaccess.png"
    signed = "https://files.example.com/ws/1234/my%20chart.png?X-Amz-Signature=abc"
    assert bundle_file_name(signed, None) == "my-chart.png"
    assert bundle_file_name(signed, "figures/chart.png") == "figures/chart.png"
    assert bundle_file_name(signed, "../chart.png") == "my-chart.png"  # a kept path out of the bundle is not taken
    assert bundle_file_name(signed, "chart.jpg") == "my-chart.png"  # nor one of another type


def _code(text: str) -> dict:
    return storekit.text(text, code=True, bold=False, italic=False)


def _words(text: str) -> dict:
    return storekit.text(text, code=False, bold=False, italic=False)


def _paragraph(*items: dict) -> Block:
    return Block(storekit.paragraph("00000000-0000-4000-8000-000000000001", *items))


def _render(blocks: list[Block], shortcodes: tuple[str, ...] = ()) -> str:
    return Renderer().render_page(blocks, RenderContext(options=RenderOptions(shortcodes=shortcodes)))


def test_a_shortcode_typed_in_notion_is_text_unless_the_owner_keeps_its_name():
    typed = [_paragraph(_code('{{< collapse summary="x" >}}')), _paragraph(_words("inside")),
             _paragraph(_code("{{< /collapse >}}"))]
    assert _render(typed, ("collapse",)) == '{{< collapse summary="x" >}}\n\ninside\n\n{{< /collapse >}}'
    assert "{{<" not in _render(typed) and "&#123;&#123;" in _render(typed)
    inline = [_paragraph(_words("See "), _code('{{< kbd "Ctrl" >}}'), _words(" now"))]
    assert _render(inline, ("kbd",)) == "See {{< kbd Ctrl >}} now"
    assert "{{<" not in _render(inline, ("collapse",))


def test_a_closing_tag_without_its_opening_rejects_the_entry_instead_of_breaking_the_build(tmp_path):
    import dataclasses

    page = storekit.entry("Half a shortcode", "half", 1)
    blocks = [storekit.paragraph(page["id"], _words("Text.")), storekit.paragraph(page["id"], _code("{{< /collapse >}}"))]
    blocks[1]["id"] = "00000000-0000-4000-8000-0000000000b2"
    config = dataclasses.replace(load_default_config(), render=RenderOptions(shortcodes=("collapse",)))
    with NotionEmulator(storekit.store([(page, blocks)]), token=TOKEN) as emulator:
        report = sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=tmp_path / "posts",
                      options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.rejected == ["Half a shortcode"]
    [problem] = report.errors
    assert problem.where == "a shortcode" and "closes a 'collapse' shortcode that no paragraph before it opens" in \
        problem.message and "Hugo would stop building the site" in problem.message
    assert not (tmp_path / "posts" / "half").exists()


def test_slugs_hugo_serves_at_one_url_are_one_slug():
    entries = [(Entry({"id": str(n), "url": f"https://www.notion.so/{n}"}, ()), f"Post {n}", slug)
               for n, slug in enumerate(["Notes", "notes", "a", "a/b", "b/c", "b"])]
    problems = check_unique_slugs(entries)
    assert [(p.entry_title, "Hugo serves both at one URL" in p.message, "would hold the other's" in p.message)
            for p in problems] == [("Post 1", True, False), ("Post 3", False, True), ("Post 5", False, True)]
    assert ARGUMENT.fullmatch("a {{") is None
