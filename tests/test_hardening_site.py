"""Issue 14, site-kit and init: they take over none of the site's or its theme's templates
without saying so and stopping, write only inside the site and never through a link, stop on a
config error before writing anything, and write only files that load back."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from notion_emulator import load_store
from pipeline import site
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.scaffold import ACTION, WORKFLOW, apply_init, plan_init, propose_config, workflow_text
from tests.conftest import SEED_DATA_SOURCE, SEED_STORE
from tests.hugosite import _write, build, make_site
from tests.test_site_kit import POSTS

KIT_STOPPED = ("Error: the site kit would take the place of templates of the site's or its theme's, or they of its own; "
               "nothing was written:\n  ")
MATH_FLAG = '{{- .Page.Store.Set "notionHugoMath" true -}}'


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    return make_site(tmp_path / "blog", POSTS)


def head_of(public: Path, page: str) -> str:
    return (public / page).read_text(encoding="utf-8").split("</head>")[0]


# --- 9: templates the kit would shadow, or be shadowed by ---------------------------------------

def test_the_sites_own_render_hook_in_hugos_new_place_stops_the_kit_until_it_does_the_kits_part(blog, tmp_path):
    """Review: layouts/_markup/render-passthrough.html (Hugo ≥ 0.146's place) stopped rendering,
    because the kit's layouts/_default/_markup/ copy won; site-kit said "ready"."""
    own = blog / "layouts/_markup/render-passthrough.html"
    _write(own, '<span class="mine">{{ .Inner }}</span>')
    before = files_under(blog)
    result = run("site-kit", str(blog))
    assert result.exit_code == 2
    assert result.output == KIT_STOPPED + (
        "layouts/_markup/render-passthrough.html is the site's own passthrough render hook, which Hugo reads as the "
        "same template as the kit's layouts/_default/_markup/render-passthrough.html: add this line to it, so that it "
        f"does the kit's part: {MATH_FLAG}  (or delete it to use the kit's)\n")
    assert files_under(blog) == before
    _write(own, MATH_FLAG + '<span class="mine">{{ .Inner }}</span>')
    result = run("site-kit", str(blog))
    assert result.exit_code == 0, result.output
    assert not (blog / site.KIT_FILES[1]).exists()  # the site's own stands in for the kit's
    public = build(blog, tmp_path)
    math = (public / "posts/math/index.html").read_text(encoding="utf-8")
    assert '<span class="mine">a^2 &#43; b^2</span>' in math and "katex.min.js" in math.split("</head>")[0]


def test_a_more_specific_hook_of_the_site_anywhere_stops_the_kit_too(blog):
    """Hugo takes a hook for one kind of passthrough, or one section, over the kit's general one."""
    for rel in ("layouts/_default/_markup/render-passthrough-block.html", "layouts/posts/_markup/render-passthrough.html",
                "layouts/_markup/render-codeblock-mermaid.html"):
        _write(blog / rel, "<div>mine</div>")
    result = run("site-kit", str(blog))
    assert result.exit_code == 2
    named = [line.split(" is the site's own")[0].strip() for line in result.output.splitlines()[1:]]
    assert named == ["layouts/_markup/render-codeblock-mermaid.html",
                     "layouts/_default/_markup/render-passthrough-block.html",
                     "layouts/posts/_markup/render-passthrough.html"]
    assert "add this line to it, so that it does the kit's part: {{- .Page.Store.Set \"notionHugoMermaid\" true -}}" \
        in result.output


def test_a_themes_head_hook_with_markup_of_its_own_stops_the_kit_until_the_site_merges_it(blog, tmp_path):
    """Review: a theme's non-empty extend_head.html stopped rendering, hidden by the kit's."""
    _write(blog / "themes/papermod-like/layouts/_partials/extend_head.html", '<meta name="theme-own">\n')
    result = run("site-kit", str(blog))
    assert result.exit_code == 2
    assert result.output == KIT_STOPPED + (
        "themes/papermod-like/layouts/_partials/extend_head.html is the theme's head hook (extend_head.html) and has "
        "markup of its own, which the kit's layouts/partials/extend_head.html would hide: put that markup in "
        'layouts/partials/extend_head.html of the site together with this line: {{ partial "notion-hugo/head.html" . }}'
        "  (the kit then leaves its own out)\n")
    assert not (blog / "layouts").exists()
    _write(blog / site.HEAD_HOOK, '<meta name="theme-own">\n{{ partial "notion-hugo/head.html" . }}\n')
    assert run("site-kit", str(blog)).exit_code == 0
    head = head_of(build(blog, tmp_path), "posts/plain/index.html")
    assert '<meta name="theme-own">' in head and "notion-hugo.min." in head


def test_the_sites_own_head_hook_in_hugos_new_place_stops_the_kit_until_it_calls_the_kits_head(blog, tmp_path):
    """Review: the site's layouts/_partials/extend_head.html won over the kit's, so the kit's head
    (its stylesheet, mermaid and KaTeX) was never included."""
    own = blog / "layouts/_partials/extend_head.html"
    _write(own, '<meta name="site-own">\n')
    result = run("site-kit", str(blog))
    assert result.exit_code == 2
    assert ("layouts/_partials/extend_head.html is the site's own head hook (extend_head.html), which Hugo reads as the "
            "same template as the kit's layouts/partials/extend_head.html: add this line to it, so that it does the "
            "kit's part: {{ partial \"notion-hugo/head.html\" . }}") in result.output
    own.write_text('<meta name="site-own">\n{{ partial "notion-hugo/head.html" . }}\n')
    assert run("site-kit", str(blog)).exit_code == 0
    assert not (blog / site.HEAD_HOOK).exists()
    head = head_of(build(blog, tmp_path), "posts/diagram/index.html")
    assert '<meta name="site-own">' in head and "notion-hugo.min." in head and "mermaid.min.js" in head


def test_the_kits_earlier_copy_beside_the_sites_own_stops_the_kit(blog):
    assert run("site-kit", str(blog)).exit_code == 0
    _write(blog / "layouts/_partials/extend_head.html", '{{ partial "notion-hugo/head.html" . }}<meta name="mine">')
    result = run("site-kit", str(blog))
    assert result.exit_code == 2
    assert ("layouts/_partials/extend_head.html is the site's own head hook (extend_head.html) and does the kit's part, "
            "and the kit's copy layouts/partials/extend_head.html is there too: delete layouts/partials/extend_head.html"
            ", since Hugo would use only one of them") in result.output


def test_a_themes_render_hook_is_hidden_only_with_force_and_then_said_so(blog, tmp_path):
    theirs = blog / "themes/papermod-like/layouts/_markup/render-codeblock-mermaid.html"
    _write(theirs, '<div class="theirs">{{ .Inner }}</div>')
    result = run("site-kit", str(blog))
    assert result.exit_code == 2
    assert ("themes/papermod-like/layouts/_markup/render-codeblock-mermaid.html is the theme's mermaid render hook, "
            "which the kit's layouts/_default/_markup/render-codeblock-mermaid.html would hide: to keep it, copy it to "
            "layouts/_markup/render-codeblock-mermaid.html and add this line to it: "
            '{{- .Page.Store.Set "notionHugoMermaid" true -}}  (the kit then leaves its own out); to use the kit\'s, '
            "run site-kit with --force") in result.output
    note = ("note: the kit's layouts/_default/_markup/render-codeblock-mermaid.html hides the theme's "
            "themes/papermod-like/layouts/_markup/render-codeblock-mermaid.html; to keep the theme's, copy it to "
            "layouts/_markup/render-codeblock-mermaid.html")
    forced = run("site-kit", str(blog), "--force")
    assert forced.exit_code == 0 and note in forced.output
    again = run("site-kit", str(blog))  # said on every run while it is so
    assert again.exit_code == 0 and note in again.output
    assert '<pre class="mermaid">' in (build(blog, tmp_path) / "posts/diagram/index.html").read_text(encoding="utf-8")


def test_a_theme_whose_hook_does_the_kits_part_is_left_to_do_it(blog):
    _write(blog / "themes/papermod-like/layouts/_markup/render-passthrough.html", MATH_FLAG + "{{ .Inner }}")
    assert run("site-kit", str(blog)).exit_code == 0
    assert not (blog / site.KIT_FILES[1]).exists() and (blog / site.KIT_FILES[0]).exists()


# --- 10: only inside the site, never through a link ----------------------------------------------

@pytest.mark.parametrize(("link", "target", "args"), [
    ("layouts/partials/notion-hugo/head.html", "outside/head.html", ()),  # a dangling file link
    ("assets/notion-hugo", "outside", ()),  # a linked folder
    ("assets/notion-hugo/notion-hugo.css", "outside/victim.css", ("--force",)),  # a file outside, with --force
], ids=["dangling-file-link", "linked-folder", "force-through-link"])
def test_site_kit_never_writes_through_a_link(link, target, args, blog, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.css").write_text("keep\n")
    (blog / link).parent.mkdir(parents=True, exist_ok=True)
    (blog / link).symlink_to(tmp_path / target)
    before = files_under(blog)
    result = run("site-kit", str(blog), *args)
    assert result.exit_code == 2
    assert result.output.startswith("Error: not writing the site kit, since notion-hugo writes only inside the site and "
                                    f"never through a symbolic link: {blog / link} is a symbolic link")
    assert files_under(outside) == {"victim.css": b"keep\n"} and files_under(blog) == before


def test_init_never_writes_the_workflow_through_a_linked_folder(blog, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (blog / ".github").symlink_to(outside)
    monkeypatch.chdir(blog)
    before = files_under(blog)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE))
    assert result.exit_code == 2
    assert f"refusing to touch '{WORKFLOW}': .github is a symbolic link" in result.output
    assert files_under(outside) == {} and files_under(blog) == before  # no pipeline.toml, no kit


def test_init_never_replaces_a_link_at_the_config(tmp_path, monkeypatch):
    (tmp_path / "pipeline.toml").symlink_to(tmp_path / "nowhere.toml")
    monkeypatch.chdir(tmp_path)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--force")
    assert result.exit_code == 2 and "pipeline.toml is a symbolic link" in result.output
    assert (tmp_path / "pipeline.toml").is_symlink() and not (tmp_path / "nowhere.toml").exists()


# --- 11: init's config errors, quoting, and files that load back ----------------------------------

@pytest.mark.parametrize(("name", "text", "message"), [
    ("hugo.yaml", "- title\n- Blog\n", "hugo.yaml: it holds a list, not a mapping of settings"),
    ("hugo.json", "[1]", "hugo.json: it holds a list, not a mapping of settings"),
    ("hugo.toml", "contentDir = 5\n", "hugo.toml: contentDir is 5, which is not a folder inside the site"),
    ("hugo.toml", 'contentDir = "../site-next-door"\n', "contentDir is '../site-next-door', which is not a folder inside"),
    ("hugo.toml", "theme = {name = 5}\n", "hugo.toml: theme is {'name': 5}: give the theme's name in quotes"),
    ("hugo.yaml", "title: [unclosed\n", "hugo.yaml: not valid YAML"),
], ids=["yaml-list", "json-list", "content-dir-number", "content-dir-outside", "theme-table", "broken-yaml"])
def test_a_malformed_site_config_stops_init_and_site_kit_with_exit_2_before_anything_is_written(name, text, message,
                                                                                                 tmp_path, monkeypatch):
    """Review: exit 4 (a bug) instead of 2, after site-kit had written its files."""
    blog = tmp_path / "blog"
    _write(blog / name, text)
    monkeypatch.chdir(blog)
    for args in (("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE)), ("site-kit", ".")):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
        assert files_under(blog) == {name: text.encode()}


@pytest.mark.parametrize("content", ["content #1", "notes: 2024", "'quoted' & \"double\"", "émoji 🌙 [x]{y}"])
def test_the_workflows_values_are_quoted_and_come_back_as_given(content, tmp_path, monkeypatch):
    """Review: `content #1` synced into `content`, and `notes: 2024` made the file invalid."""
    blog = tmp_path / "blog"
    _write(blog / "hugo.toml", f"contentDir = {json.dumps(content, ensure_ascii=False)}\n")
    monkeypatch.chdir(blog)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--no-site-kit")
    assert result.exit_code == 0, result.output
    steps = yaml.safe_load((blog / WORKFLOW).read_text(encoding="utf-8"))["jobs"]["sync"]["steps"]
    assert steps[1]["with"]["output"] == f"{content}/posts" and steps[1]["with"]["config"] == "pipeline.toml"
    assert load_config(blog / "pipeline.toml").output_dir == str(blog / f"{content}/posts")


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1).filter(lambda text: text.isprintable() and "${{" not in text))
def test_any_printable_value_comes_back_from_the_workflow_as_given(value):
    workflow_text(ACTION, value, value)  # it loads the text back, and raises unless both come back as given


@pytest.mark.parametrize("value", ["a\nb", "a\u2028b", "x\x7fy", "${{ secrets.NOTION_TOKEN }}"])
def test_a_value_no_workflow_can_hold_is_refused(value):
    with pytest.raises(ConfigError, match="which a workflow cannot hold"):
        workflow_text(ACTION, "pipeline.toml", value)


SEED = load_store(SEED_STORE)


def data_source_with_title_named(name: str) -> dict:
    store = {**SEED, "data_sources": {SEED_DATA_SOURCE: dict(SEED["data_sources"][SEED_DATA_SOURCE])}}
    data_source = store["data_sources"][SEED_DATA_SOURCE]
    data_source["properties"] = {(name if key == "Title" else key): value for key, value in data_source["properties"].items()}
    return store


def test_a_property_name_with_control_characters_gives_a_config_that_loads(tmp_path, monkeypatch):
    """Review: a title property named with a control character gave a pipeline.toml that did not load."""
    name = "Na\x7fme\x1b\x00"
    store = tmp_path / "store.json"
    store.write_text(json.dumps(data_source_with_title_named(name)), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("init", SEED_DATA_SOURCE, "--store", str(store))
    assert result.exit_code == 0, result.output
    [title] = [spec for spec in load_config(tmp_path / "pipeline.toml").front_matter if spec.key == "title"]
    assert title.property == name


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_property_name_comes_back_from_pipeline_toml(name):
    data_source = data_source_with_title_named(name)["data_sources"][SEED_DATA_SOURCE]
    proposed = tomllib.loads(propose_config(SEED_DATA_SOURCE, data_source))
    assert [row["property"] for row in proposed["front_matter"] if row["key"] == "title"] == [name]


def test_a_name_toml_cannot_hold_stops_init_before_anything_is_written(tmp_path):
    """A lone surrogate (JSON can carry one) has no UTF-8 form: the load-back check names the file."""
    data_source = data_source_with_title_named("Na\ud800me")["data_sources"][SEED_DATA_SOURCE]
    plan = plan_init(tmp_path, tmp_path / "pipeline.toml", workflow=True, with_kit=True, force=False)
    with pytest.raises(ConfigError, match=r"pipeline.toml: what notion-hugo would write there does not load back"):
        apply_init(plan, SEED_DATA_SOURCE, data_source)
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_config_path_the_workflow_cannot_name(blog, monkeypatch):
    monkeypatch.chdir(blog)
    before = files_under(blog)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--config", "pipe\nline.toml")
    assert result.exit_code == 2 and "the workflow's config would be 'pipe\\nline.toml'" in result.output
    assert files_under(blog) == before
