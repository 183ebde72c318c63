"""An existing Hugo blog adopts notion-hugo from its root: `init` recognises the site, makes its
posts folder the default output, writes the workflow and applies the site kit; `sync` then
writes beside the hand-written posts and never over them; Hugo builds the result."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import site
from pipeline.cli import main
from pipeline.scaffold import ACTION, propose_workflow
from tests.conftest import SEED_DATA_SOURCE, SEED_STORE
from tests.hugosite import _write, build, make_site

OWN = "---\ntitle: \"My own post\"\ndate: 2023-01-01\n---\n\nWritten by hand -- it's \"mine\"... Add the \\[Authorize\\] attribute.\n"
SAME_SLUG = "---\ntitle: \"Steps, my way\"\ndate: 2023-01-02\n---\n\nAlso by hand, with a slug Notion uses too.\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def blog(tmp_path: Path, monkeypatch) -> Path:
    blog = make_site(tmp_path / "blog", {"my-own-post": OWN, "steps-to-learn-kubernetes": SAME_SLUG})
    monkeypatch.chdir(blog)
    return blog


def body(public: Path, page: str) -> str:
    return (public / page).read_text(encoding="utf-8").split("<body", 1)[1]


def test_from_an_existing_blog_to_the_first_synced_build(blog: Path, tmp_path: Path) -> None:
    """The commands a new user runs after installing notion-hugo: init, sync, hugo. The
    hand-written posts read as they did before."""
    before = build(blog, tmp_path / "before")
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [
        "wrote pipeline.toml: check the mapping, then run `notion-hugo validate`.",
        "the posts go to content/posts (pipeline.toml's [output] dir); the posts there now are left as they are.",
        "wrote .github/workflows/notion-sync.yml: add the repository secret NOTION_TOKEN for it.",
        f"wrote {Path(site.KIT_FILES[0])}",
    ]
    assert lines[-1] == "next: NOTION_TOKEN=ntn_… notion-hugo sync, then build the site with Hugo."
    assert tomllib.loads(Path("pipeline.toml").read_text())["output"] == {"dir": "content/posts"}
    assert Path(".github/workflows/notion-sync.yml").read_text() == propose_workflow(ACTION, "pipeline.toml", "content/posts")
    assert all(Path(rel).is_file() for rel in (*site.KIT_FILES, site.MARKUP_FILE, site.HEAD_HOOK) if rel != site.ALERT_HOOK)
    # What the site's Goldmark reads already: raw HTML and passthrough are off here.
    assert tomllib.loads(Path("pipeline.toml").read_text())["render"] == {"html": "shortcodes", "math": "github",
                                                                        "callouts": "aside"}
    assert sorted(p.name for p in Path("content/posts").iterdir()) == ["my-own-post", "steps-to-learn-kubernetes"]

    synced = run("sync", "--store", str(SEED_STORE))  # no --out: pipeline.toml's [output] dir
    assert synced.exit_code == 1, synced.output  # the entry whose slug a hand-written post has is rejected
    assert ("Slug: content/posts/steps-to-learn-kubernetes/index.md exists and notion-hugo did not write it (its manifest "
            "does not list it). Move that file away, or give the entry another slug.") in synced.output
    assert (blog / "content/posts/steps-to-learn-kubernetes/index.md").read_text() == SAME_SLUG
    assert (blog / "content/posts/my-own-post/index.md").read_text() == OWN
    assert (blog / "content/posts/kubernetes-resources-and-learning-path/index.md").is_file()

    public = build(blog, tmp_path)
    seed = (public / "posts/kubernetes-resources-and-learning-path/index.html").read_text(encoding="utf-8")
    assert "mermaid.min.js" in seed.split("</head>")[0] and "<aside>" in seed
    assert "Written by hand &ndash; it&rsquo;s &ldquo;mine&rdquo;&hellip; Add the [Authorize] attribute." in \
        body(public, "posts/my-own-post/index.html")  # the site's typographer, as before
    for page in ("posts/my-own-post/index.html", "posts/steps-to-learn-kubernetes/index.html"):
        assert body(public, page) == body(before, page)


def test_init_replaces_nothing_without_force(blog: Path) -> None:
    assert run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE)).exit_code == 0
    Path(".github/workflows/notion-sync.yml").write_text("# mine\n")
    Path(site.HEAD_HOOK).write_text("<meta name=mine>\n")
    again = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE))
    assert again.exit_code == 2
    assert again.output == "Error: pipeline.toml exists; pass --force to overwrite it, or --config to write elsewhere.\n"
    Path("pipeline.toml").write_text("# mine\n")
    stopped = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--force", "--no-workflow")
    assert stopped.exit_code == 2  # the site's own hook, which does not call the kit's head, stops the kit...
    assert ("layouts/partials/extend_head.html is the site's own head hook (extend_head.html), which Hugo reads as the "
            "same template as the kit's layouts/partials/extend_head.html: add this line to it") in stopped.output
    assert stopped.output.endswith("(--no-site-kit sets up the rest without the kit.)\n")
    assert Path("pipeline.toml").read_text() == "# mine\n"  # ...before anything is written
    Path(site.HEAD_HOOK).write_text('<meta name=mine>\n{{ partial "notion-hugo/head.html" . }}\n')
    forced = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--force", "--no-workflow")
    assert forced.exit_code == 0, forced.output
    assert Path(".github/workflows/notion-sync.yml").read_text() == "# mine\n"
    assert Path(site.HEAD_HOOK).read_text().startswith("<meta name=mine>\n")  # the site's own hook, even with --force
    assert "[[front_matter]]" in Path("pipeline.toml").read_text()
    other = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--config", "other.toml")
    assert "note: .github/workflows/notion-sync.yml exists and was left as it is (--force replaces it)." in other.output


def test_init_finds_the_posts_folder_of_a_config_directory_site(tmp_path: Path, monkeypatch) -> None:
    blog = tmp_path / "blog"
    _write(blog / "config/_default/hugo.toml", 'title = "Blog"\ncontentDir = "src"\n')
    (blog / "src/post").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--site", "blog", "--no-site-kit")
    assert result.exit_code == 0, result.output
    assert tomllib.loads((blog / "pipeline.toml").read_text())["output"] == {"dir": "src/post"}
    assert not (blog / "layouts").exists()


def test_init_outside_a_hugo_site_writes_only_the_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith(". is not a Hugo site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.toml"]
    assert "output" not in tomllib.loads((tmp_path / "pipeline.toml").read_text())


@pytest.mark.parametrize(("name", "text"), [
    ("config.toml", 'title = "Blog"\ncontentDir = "words"\n'),
    ("hugo.yaml", "title: Blog\ncontentDir: words\n"),
])
def test_init_recognises_a_site_by_its_older_or_yaml_config(tmp_path: Path, monkeypatch, name: str, text: str) -> None:
    blog = tmp_path / "blog"
    _write(blog / name, text)
    monkeypatch.chdir(blog)
    result = run("init", SEED_DATA_SOURCE, "--store", str(SEED_STORE), "--no-site-kit", "--no-workflow")
    assert result.exit_code == 0, result.output
    assert tomllib.loads(Path("pipeline.toml").read_text())["output"] == {"dir": "words/posts"}
