"""The `[render]` options of pipeline.toml (issue #3): colors, columns, date_format and
download_external. Each is off by default (test_sync's golden tests hold the seed post to
that); here each is turned on and the Markdown, the Hugo page or the bundle checked."""

from __future__ import annotations

import base64
import copy
import dataclasses
import re
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings

import tests.test_rich_text_roundtrip as roundtrip
from pipeline.config import RenderOptions, load_default_config, parse_config
from notion_emulator import NotionEmulator
from pipeline.errors import ConfigError
from pipeline.model import Block
from pipeline.render import COLORS, RenderContext, render_page
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, TOKEN
from tests.hugosite import build, demo_site

CONFIG = load_default_config()


def text(content: str, color: str = "default", **marks: bool) -> dict:
    # Shape: developers.notion.com/reference/rich-text (a text object and its annotations).
    notes = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False, "color": color}
    return {"type": "text", "text": {"content": content, "link": None}, "annotations": notes | marks,
            "plain_text": content, "href": None}


def date_mention(start: str, end: str | None = None) -> dict:
    notes = text("")["annotations"]
    return {"type": "mention", "mention": {"type": "date", "date": {"start": start, "end": end, "time_zone": None}},
            "annotations": notes, "plain_text": start, "href": None}


def block(kind: str, n: int, children: tuple[Block, ...] = (), **payload) -> Block:
    # Shape: developers.notion.com/reference/block, children as the source stage attaches them.
    data = {"object": "block", "id": f"b0000000-0000-4000-8000-{n:012d}", "type": kind,
            "has_children": bool(children), "in_trash": False, kind: payload}
    return Block(data=data, children=children)


def render(blocks: list[Block], **options) -> str:
    return render_page(blocks, RenderContext(options=RenderOptions(**options)))


# --- config ------------------------------------------------------------------------------------


def test_the_shipped_config_names_every_option_at_its_default():
    shipped = tomllib.loads((DEFAULT_CONFIG_FILE).read_text(encoding="utf-8"))["render"]
    assert shipped == {key: list(value) if isinstance(value, tuple) else value
                       for key, value in dataclasses.asdict(RenderOptions()).items()}
    assert CONFIG.render == RenderOptions()


@pytest.mark.parametrize("table, message", [
    ({"columns": "table"}, "pipeline.toml: render.columns: 'table' is not allowed; use one of \"flatten\", \"grid\""),
    ({"colors": "yes"}, "pipeline.toml: render.colors: 'yes' is not of type 'boolean'"),
    ({"date_format": 5}, "pipeline.toml: render.date_format: 5 is not of type 'string'"),
    ({"colours": True}, "pipeline.toml: render: unknown key colours; known keys are callouts, colors, columns, date_format, "
                        "download_external, html, math, plugins, shortcodes, tabs, transcripts"),
])
def test_a_bad_render_value_names_the_key_and_what_is_allowed(table, message):
    with pytest.raises(ConfigError) as error:
        parse_config({"front_matter": [{"key": "title", "property": "Title"}], "render": table})
    assert str(error.value) == message


def test_render_options_are_parsed_into_the_config():
    table = {"colors": True, "columns": "grid", "date_format": "%d %b %Y", "download_external": True}
    config = parse_config({"front_matter": [{"key": "title", "property": "Title"}], "render": table})
    assert config.render == RenderOptions(**table)


# --- colors ------------------------------------------------------------------------------------

COLORED = [
    block("heading_2", 1, rich_text=[text("Plan")], color="orange", is_toggleable=False),
    block("paragraph", 2, color="blue", rich_text=[
        text("plain, "), text("red and bold", "red", bold=True), text(" and "), text("marked", "yellow_background"),
        text(" "), text("<b>", 'red" onclick="alert(1)'),
    ]),
    block("callout", 3, rich_text=[text("Note")], color="gray_background",
          icon={"type": "emoji", "emoji": "💡"}),
]


def test_colors_off_by_default_render_as_plain_text():
    assert render(COLORED) == "## Plan\n\nplain, **red and bold** and marked \\<b>\n\n<aside>\n\n💡 Note\n\n</aside>"


def test_colors_are_spans_with_fixed_styles_and_notion_text_never_in_an_attribute():
    assert render(COLORED, colors=True) == (
        '## <span style="color: #d9730d">Plan</span>\n\n'
        '<span style="color: #337ea9">plain, **<span style="color: #d44c47">red and bold</span>** and '
        '<span style="background-color: #fbf3db">marked</span> \\<b></span>\n\n'
        '<aside style="background-color: #f1f1ef">\n\n💡 Note\n\n</aside>'
    )


def test_colors_in_a_table_cell_are_spans_too():
    table = block("table", 4, table_width=1, has_column_header=False, has_row_header=False,
                  children=(block("table_row", 5, cells=[[text("a<b", "green")]]),))
    assert render([table], colors=True) == '<table>\n<tr><td><span style="color: #448361">a&lt;b</span></td></tr>\n</table>'


def _drop_color_spans(state) -> None:
    """A markdown-it core rule: check the pipeline's color spans (fixed styles, balanced) and
    take them out, so the round trip's parser sees every other element as before."""
    span = re.compile('<span style="(?:' + "|".join(map(re.escape, COLORS.values())) + ')">|</span>')
    for token in state.tokens:
        if token.type != "inline":
            continue
        depth, kept = 0, []
        for child in token.children:
            if child.type == "html_inline" and span.fullmatch(child.content):
                depth += -1 if child.content == "</span>" else 1
                assert depth >= 0, f"unbalanced </span> in {token.content!r}"
            else:
                kept.append(child)
        assert depth == 0, f"unclosed <span> in {token.content!r}"
        token.children = kept


COLOR_MD = roundtrip.markdown_it()
COLOR_MD.core.ruler.after("inline", "color_spans", _drop_color_spans)


@pytest.mark.parametrize("block_color", ["default", "gray_background"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=roundtrip.cases())
def test_colored_rich_text_still_round_trips_through_markdown_it(block_color, case):
    """The round trip's guarantee with colors on, in a colored block: the same characters with
    the same marks, and no raw HTML but the pipeline's own tags and color spans."""

    def colored(case: roundtrip.Case) -> str:
        paragraph = block("paragraph", 6, rich_text=list(case.items), color=block_color)
        return render_page([paragraph], RenderContext(post_links=dict(roundtrip.POST_LINKS), options=RenderOptions(colors=True)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(roundtrip, "MD", COLOR_MD)
        patch.setattr(roundtrip, "render", colored)
        roundtrip.check(case)


# --- columns -----------------------------------------------------------------------------------

COLUMNS = [block("column_list", 10, children=(
    block("column", 11, width_ratio=0.5, children=(
        block("paragraph", 12, rich_text=[text("Left "), text("side", bold=True)], color="default"),
        block("bulleted_list_item", 13, rich_text=[text("one")], color="default"),
        block("bulleted_list_item", 14, rich_text=[text("two")], color="default"),
    )),
    block("column", 15, width_ratio=0.5, children=(
        block("paragraph", 16, rich_text=[text("Right")], color="default"),
    )),
))]


def test_columns_are_flattened_by_default():
    assert render(COLUMNS) == "Left **side**\n\n- one\n- two\n\nRight"


def test_grid_columns_are_divs_with_markdown_inside():
    assert render(COLUMNS, columns="grid") == (
        '<div class="notion-columns">\n\n'
        '<div class="notion-column">\n\nLeft **side**\n\n- one\n- two\n\n</div>\n\n'
        '<div class="notion-column">\n\nRight\n\n</div>\n\n'
        "</div>"
    )


def test_hugo_builds_grid_columns_and_colors(tmp_path):
    site = demo_site(tmp_path / "site")
    pages = {"grid": render(COLUMNS, columns="grid"), "colors": render(COLORED, colors=True)}
    for slug, body in pages.items():
        (site / "content" / "posts" / slug).mkdir(parents=True)
        (site / "content" / "posts" / slug / "index.md").write_text(
            f"---\ntitle: {slug}\ndate: 2024-01-01\n---\n\n{body}\n", encoding="utf-8")
    public = build(site, tmp_path)
    grid = (public / "posts" / "grid" / "index.html").read_text(encoding="utf-8")
    assert re.search(
        r'<div class="notion-columns">\s*<div class="notion-column">\s*<p>Left <strong>side</strong></p>\s*'
        r"<ul>\s*<li>one</li>\s*<li>two</li>\s*</ul>\s*</div>\s*"
        r'<div class="notion-column">\s*<p>Right</p>\s*</div>\s*</div>', grid), grid
    colors = (public / "posts" / "colors" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="plan"><span style="color: #d9730d">Plan</span></h2>' in colors, colors
    assert ('<p><span style="color: #337ea9">plain, <strong><span style="color: #d44c47">red and bold</span></strong> and '
            '<span style="background-color: #fbf3db">marked</span> &lt;b&gt;</span></p>') in colors, colors
    assert re.search(r'<aside style="background-color: #f1f1ef">\s*<p>💡 Note</p>\s*</aside>', colors), colors


# --- date_format -------------------------------------------------------------------------------

DATES = [block("paragraph", 20, color="default", rich_text=[
    date_mention("2024-05-01"), text("; "),
    date_mention("2024-06-01T09:30:00.000+08:00"), text("; "),
    date_mention("2024-06-01", "2024-06-03"), text("; "),
    date_mention("2024-06-01T09:30:00.000Z", "2024-06-01T17:00:00.000Z"),
])]


def test_date_mentions_keep_notions_iso_text_by_default():
    assert render(DATES) == (
        "2024-05-01; 2024-06-01T09:30:00.000+08:00; 2024-06-01 → 2024-06-03; "
        "2024-06-01T09:30:00.000Z → 2024-06-01T17:00:00.000Z"
    )


def test_date_format_formats_dates_and_date_times_keeping_the_offset():
    assert render(DATES, date_format="%B %-d, %Y at %H:%M %z") == (
        "May 1, 2024; June 1, 2024 at 09:30 +0800; June 1, 2024 → June 3, 2024; "
        "June 1, 2024 at 09:30 +0000 → June 1, 2024 at 17:00 +0000"
    )


@pytest.mark.parametrize("pattern, shown", [
    ("%H:%M, %d.%m.%Y", "01.05.2024"),  # the time part goes with the text that joins it
    ("%d %b %H:%M %Y", "01 May 2024"),
    ("%H:%M", "2024-05-01"),  # nothing of a date: Notion's text
    ("*%Y*", "\\*2024\\*"),  # the pattern's output is text, escaped like any other
])
def test_a_date_without_a_time_leaves_the_time_part_out(pattern, shown):
    assert render([block("paragraph", 21, color="default", rich_text=[date_mention("2024-05-01")])],
                  date_format=pattern) == shown


def test_a_date_notion_text_that_does_not_parse_is_shown_as_given():
    assert render([block("paragraph", 22, color="default", rich_text=[date_mention("soon")])], date_format="%Y") == "soon"


# --- download_external -------------------------------------------------------------------------

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
EXTERNAL = "https://images.example.com/photos/diagram.png"  # listed in the store: the emulator serves it
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"  # not listed: fetching it would fail


def media_block(page_id: str, kind: str, url: str, n: int) -> dict:
    # Shape: developers.notion.com/reference/block#image (and #video) with an external file
    # object (developers.notion.com/reference/file-object): {type: "external", external: {url}}.
    data = copy.deepcopy(storekit.paragraph(page_id, storekit.text("x")))
    del data["paragraph"]
    data["id"] = f"6e1d2c3b-4a59-4687-9786-a5b4c3d2e1f{n}"
    data["type"] = kind
    data[kind] = {"caption": [storekit.text("A diagram")], "type": "external", "external": {"url": url}}
    return data


def workspace(image_url: str) -> dict:
    page = storekit.entry("With external files", "with-external-files", 1)
    blocks = [media_block(page["id"], "image", image_url, 0), media_block(page["id"], "video", YOUTUBE, 1)]
    store = storekit.store([(page, blocks)])
    store["files"] = {EXTERNAL: {"content_type": "image/png", "base64": base64.b64encode(PNG).decode()}}
    return store


def run(store: dict, out, download_external: bool):
    config = dataclasses.replace(CONFIG, render=RenderOptions(download_external=download_external))
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url, backoff=0.01), force=True)
        return report, emulator.count(prefix="/files/"), emulator.base_url


def test_external_files_are_linked_by_default(tmp_path):
    out = tmp_path / "posts"
    report, downloads, base_url = run(workspace(EXTERNAL), out, download_external=False)
    assert report.exit_code == 0, report.problems
    assert downloads == 0
    assert sorted(p.name for p in (out / "with-external-files").iterdir()) == ["index.md"]
    body = (out / "with-external-files" / "index.md").read_text()
    assert f"![A diagram]({base_url}/files/" in body and "{{< youtube dQw4w9WgXcQ >}}" in body


def test_download_external_puts_external_files_into_the_bundle_but_not_youtube(tmp_path):
    out = tmp_path / "posts"
    report, downloads, _ = run(workspace(EXTERNAL), out, download_external=True)
    assert report.exit_code == 0, report.problems
    name = "diagram.png"  # as its URL names it
    assert (out / "with-external-files" / name).read_bytes() == PNG
    body = (out / "with-external-files" / "index.md").read_text()
    assert body.endswith(f"\n\n![A diagram]({name})\n\n**A diagram**\n\n{{{{< youtube dQw4w9WgXcQ >}}}}\n\n**A diagram**\n")
    assert downloads == 1


def test_an_external_file_that_cannot_be_downloaded_rejects_the_entry(tmp_path):
    out = tmp_path / "posts"
    report, _, _ = run(workspace("http://127.0.0.1:9/gone/diagram.png"), out, download_external=True)
    assert report.exit_code == 1
    [problem] = report.errors
    assert problem.where == "an external file"
    assert "could not download 'diagram.png'" in problem.message and "check that its URL still serves" in problem.message
    assert not (out / "with-external-files").exists()
