"""A blog's own rules (issue #16, 1 and 6): the README's "Make it yours" plugin file, run as a
user runs it (`[render] plugins` beside pipeline.toml, `notion-hugo sync`); a rule edited
re-renders the next plain sync; a rule that raises rejects its entry alone, named."""

from __future__ import annotations

import copy
import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from notion_emulator import NotionEmulator
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.links import RenderContext
from pipeline.model import Block
from pipeline.render import Renderer, render_page
from pipeline.render.plugins import load_plugins
from pipeline.sync import Selection, sync
from pipeline.source import SourceOptions
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, ROOT, SEED_DATA_SOURCE, TOKEN

PAGE = storekit.entry("Rules", "rules", 1)


def plain(content: str, **annotations) -> dict:
    return storekit.text(content, **{"bold": False, **annotations})


def block(kind: str, payload: dict, children: list[dict] = ()) -> dict:
    made = {"object": "block", "id": str(uuid.uuid4()), "type": kind, "has_children": bool(children),
            "in_trash": False, kind: payload, "parent": {"type": "page_id", "page_id": PAGE["id"]}}
    made["_children"] = list(children)
    return made


def user_mention(name: str) -> dict:
    return {"type": "mention", "mention": {"type": "user", "user": {"object": "user", "id": str(uuid.uuid4())}},
            "annotations": plain("x")["annotations"], "plain_text": "@" + name, "href": None}


BLOCKS = [
    block("callout", {"rich_text": [plain("Use "), plain("this", bold=True)], "color": "gray_background",
                      "icon": {"type": "emoji", "emoji": "💡"}},
          [block("paragraph", {"rich_text": [plain("{{< evil >}} stays text")], "color": "default"})]),
    block("embed", {"url": "https://codepen.io/someone/pen/AbC123", "caption": []}),
    block("embed", {"url": "https://example.com/widget", "caption": []}),
    block("table", {"table_width": 2, "has_column_header": True, "has_row_header": False},
          [block("table_row", {"cells": [[plain("Name")], [plain("Role")]]}),
           block("table_row", {"cells": [[plain("Ada")], [plain("Writer")]]})]),
    block("paragraph", {"rich_text": [plain("Asked "), user_mention("Grace Hopper <script>")], "color": "default"}),
]


def workspace() -> dict:
    result = storekit.store([(PAGE, [])])

    def put(parent_id: str, blocks: list[dict]) -> None:
        result["children"][parent_id] = [b["id"] for b in blocks]
        for b in blocks:
            inner = b["_children"]
            result["blocks"][b["id"]] = {k: v for k, v in b.items() if k != "_children"}
            if inner:
                put(b["id"], inner)

    put(PAGE["id"], copy.deepcopy(BLOCKS))
    return result


def readme_plugin() -> str:
    """The Python block of the README's "Make it yours" section, as a user would copy it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Make it yours"):readme.index("## The Hugo side")]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def blog(tmp_path) -> Path:
    root = tmp_path / "blog"
    root.mkdir()
    (root / "blog_rules.py").write_text(readme_plugin(), encoding="utf-8")
    config = DEFAULT_CONFIG_FILE.read_text(encoding="utf-8")
    config = config.replace('data_source = ""', f'data_source = "{SEED_DATA_SOURCE}"')
    config = config.replace("plugins = []", 'plugins = ["blog_rules:setup"]')
    (root / "pipeline.toml").write_text(config, encoding="utf-8")
    return root


def run_sync(blog: Path, emulator: NotionEmulator, notion_env) -> tuple[int, str, str]:
    notion_env(emulator)
    result = CliRunner().invoke(main, ["sync", "--config", str(blog / "pipeline.toml"), "--out", str(blog / "content" / "posts")])
    index = blog / "content" / "posts" / "rules" / "index.md"
    return result.exit_code, result.output, index.read_text(encoding="utf-8") if index.exists() else ""


def test_the_readme_plugin_renders_callouts_embeds_tables_and_mentions(blog, notion_env):
    with NotionEmulator(workspace(), token=TOKEN) as emulator:
        code, output, post = run_sync(blog, emulator, notion_env)
    assert code == 0, output
    body = post.split("---\n", 2)[2].strip()
    assert body == (
        "{{< notice tip >}}\nUse **this**\n\n{\\{\\< evil >}} stays text\n{{< /notice >}}\n\n"
        '{{< codepen user="someone" id="AbC123" >}}\n\n'
        "[https://example.com/widget](https://example.com/widget)\n\n"
        '<div class="table-scroll">\n\n| Name | Role |\n| --- | --- |\n| Ada | Writer |\n\n</div>\n\n'
        "Asked [@Grace Hopper \\<script>](/authors/grace-hopper-script/)"
    )


def test_editing_a_rule_re_renders_on_the_next_plain_sync(blog, notion_env):
    with NotionEmulator(workspace(), token=TOKEN) as emulator:
        run_sync(blog, emulator, notion_env)
        rules = blog / "blog_rules.py"
        rules.write_text(rules.read_text().replace('"info")', '"note")').replace("{{< notice ", "{{< admonition "), "utf-8")
        emulator.reset_log()
        code, output, post = run_sync(blog, emulator, notion_env)
        fetched = emulator.count("GET", "/v1/blocks/")
    assert code == 0 and "1 changed" in output
    assert post.split("---\n", 2)[2].lstrip().startswith("{{< admonition tip >}}")
    assert fetched == 0  # re-rendered from the trees the first sync kept (pipeline/cache.py)


def test_a_rule_that_raises_rejects_its_entry_alone_naming_the_rule_and_block(blog, notion_env):
    other = storekit.entry("Plain", "plain", 2)
    store = workspace()
    store["pages"][other["id"]] = other
    store["entries"][SEED_DATA_SOURCE].append(other["id"])
    store["children"][other["id"]] = []
    (blog / "blog_rules.py").write_text(
        "def broken(block, r):\n    raise KeyError('icon')\n\n\ndef setup(renderer):\n    renderer.add_rule('callout', broken)\n")
    with NotionEmulator(store, token=TOKEN) as emulator:
        code, output, post = run_sync(blog, emulator, notion_env)
    assert code == 1 and post == ""
    assert (blog / "content" / "posts" / "plain" / "index.md").is_file()
    callout = BLOCKS[0]["id"]
    assert f"block {callout} (callout): the rule notion_hugo_plugin.blog_rules:broken for 'callout' blocks failed " \
           "(KeyError: 'icon'): fix the rule, or the block in Notion." in output


@pytest.mark.parametrize(("plugin", "source", "message"), [
    ("blog_rules", None, "is not module:function"),
    ("missing:setup", None, "there is no"),
    ("blog_rules:setup", "import nowhere_to_be_found\n", "fails to load (ModuleNotFoundError"),
    ("blog_rules:nothing", "def setup(renderer):\n    pass\n", "has no function 'nothing'"),
])
def test_a_plugin_that_cannot_be_loaded_is_a_config_error(blog, plugin, source, message):
    config = blog / "pipeline.toml"
    config.write_text(config.read_text().replace('"blog_rules:setup"', f'"{plugin}"'))
    if source is not None:
        (blog / "blog_rules.py").write_text(source)
    if ":" not in plugin:
        result = CliRunner().invoke(main, ["validate", "--config", str(config)])
        assert result.exit_code == 2 and "does not match" in result.output
        return
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_plugins(Renderer(), load_config(config).render.plugins, blog)


def test_a_rule_applies_at_every_depth_and_the_default_is_there_to_wrap():
    quote = Block(block("quote", {"rich_text": [plain("said")], "color": "default"}))
    nested = Block(block("bulleted_list_item", {"rich_text": [plain("item")], "color": "default"}), (quote,))
    renderer = Renderer().add_rule("quote", lambda b, r: "<blockquote class=\"pull\">\n\n" + r.default(b) + "\n\n</blockquote>")
    assert renderer.render_page((nested,), RenderContext()) == \
        '- item\n\n    <blockquote class="pull">\n\n    > said\n\n    </blockquote>'
    assert render_page((nested,), RenderContext()) == "- item\n\n    > said"  # the built-in, untouched


def test_the_fingerprint_follows_the_rules_and_is_empty_without_any():
    assert Renderer().fingerprint() == ""

    def one(block, r):
        return "one"

    def two(block, r):
        return "two"

    first = Renderer().add_rule("quote", one).fingerprint()
    assert first and first == Renderer().add_rule("quote", one).fingerprint()
    assert first != Renderer().add_rule("quote", two).fingerprint()
    assert first != Renderer().add_rule("callout", one).fingerprint()


def test_sync_takes_a_renderer_from_python(tmp_path):
    out = tmp_path / "posts"
    renderer = Renderer().add_rule("divider", lambda b, r: "* * *")
    page = storekit.entry("Divided", "divided", 3)
    divider = block("divider", {})
    with NotionEmulator(storekit.store([(page, [{k: v for k, v in divider.items() if k != "_children"}])]), token=TOKEN) as emulator:
        report = sync(load_config(DEFAULT_CONFIG_FILE), Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url, rate=0), renderer=renderer)
    assert report.exit_code == 0
    assert (out / "divided" / "index.md").read_text().endswith("\n* * *\n")


@pytest.mark.parametrize("severity, rejects", [("error", True), ("warning", False)])
def test_a_rule_reports_a_problem_by_the_same_severity_names_as_the_docs(severity, rejects):
    def strict(block, r):
        r.notice("dividers are not allowed here", severity)
        return "---"

    context = RenderContext()
    Renderer().add_rule("divider", strict).render_page((Block(block("divider", {})),), context)
    [problem] = context.notices
    assert (problem.rejects, str(problem.severity)) == (rejects, severity)
    assert problem.where.startswith("block ") and problem.where.endswith("(divider)")
