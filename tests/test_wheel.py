"""The installed tool is the product: the wheel, installed into a fresh virtual environment
outside the repository, run from a blog's folder against the emulator (issue #11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from notion_emulator import NotionEmulator, load_store
from tests.conftest import ROOT, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.hugosite import build, make_site

DATABASE_URL = "https://www.notion.so/b135dbcfa40841ce80b57e612d722a36"
SEED_SLUG = "kubernetes-resources-and-learning-path"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**_clean_env(), **(env or {})})


def _clean_env() -> dict[str, str]:
    # Nothing of the repository may leak in: no PYTHONPATH, no token, no base URL.
    drop = {"PYTHONPATH", "NOTION_TOKEN", "NOTION_BASE_URL", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv holding only the wheel built from this checkout and its dependencies."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(ROOT)], work)
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("notion_hugo_pipeline-*.whl")
    venv = work / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], work).returncode == 0
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work)
    assert pip.returncode == 0, pip.stderr
    return venv / "bin"


@pytest.fixture
def blog(tmp_path) -> Path:
    """An existing Hugo blog on the PaperMod-like fixture theme with a hand-written post, outside
    the repository. It allows raw HTML, so init proposes the raw HTML the golden posts hold (on a
    blog in safe mode it proposes the kit's shortcodes)."""
    blog = make_site(tmp_path / "blog", config="[markup.goldmark.renderer]\n  unsafe = true\n")
    (blog / "content" / "posts").mkdir(parents=True)
    (blog / "content" / "posts" / "hello.md").write_text("---\ntitle: Hello\n---\nHand-written.\n", encoding="utf-8")
    return blog


def test_the_package_comes_from_the_venv_not_the_checkout(installed, blog):
    where = _run([str(installed / "python"), "-c", "import pipeline, notion_emulator; print(pipeline.__file__)"], blog)
    assert where.returncode == 0, where.stderr
    assert str(installed.parent) in where.stdout and str(ROOT) not in where.stdout


def test_help_teaches_every_command(installed, blog):
    result = _run([str(installed / "notion-hugo"), "--help"], blog)
    assert result.returncode == 0
    for command in ("sync", "validate", "init", "site-kit", "build-site"):
        assert f"  {command} " in result.stdout


def test_installed_tool_inits_validates_syncs_and_installs_the_kit(installed, blog):
    tool = str(installed / "notion-hugo")
    init = _run([tool, "init", DATABASE_URL, "--store", str(SEED_STORE)], blog)
    assert init.returncode == 0, init.stderr
    assert f'data_source = "{SEED_DATA_SOURCE}"' in (blog / "pipeline.toml").read_text(encoding="utf-8")

    validate = _run([tool, "validate", "--store", str(SEED_STORE)], blog)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "2 entries checked: 2 valid, 0 rejected" in validate.stdout

    sync = _run([tool, "sync", "--store", str(SEED_STORE), "--out", "content/posts"], blog)
    assert sync.returncode == 0, sync.stderr
    assert "2 posts (2 changed, 0 unchanged)" in sync.stderr
    post = (blog / "content" / "posts" / SEED_SLUG / "index.md").read_text(encoding="utf-8")
    assert post == (ROOT / "tests" / "golden" / f"{SEED_SLUG}.md").read_text(encoding="utf-8")
    assert (blog / "content" / "posts" / "hello.md").read_text(encoding="utf-8").endswith("Hand-written.\n")

    kit = _run([tool, "site-kit", "."], blog)
    assert kit.returncode == 0, kit.stderr
    assert "is ready for the posts" in kit.stdout

    # The site kit makes the theme build the posts with no hand edit: the callouts' raw HTML
    # kept, the diagram's page (and only it) loading mermaid.
    public = build(blog, blog.parent / "public")
    seed = (public / "posts" / SEED_SLUG / "index.html").read_text(encoding="utf-8")
    steps = (public / "posts" / "steps-to-learn-kubernetes" / "index.html").read_text(encoding="utf-8")
    assert "<aside" in seed and "raw HTML omitted" not in seed
    assert "mermaid" in seed and "mermaid" not in steps


def test_installed_tool_reads_notion_over_http_with_a_token(installed, blog):
    """The real path: NOTION_TOKEN and NOTION_BASE_URL, no --store, the default mapping."""
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN) as emulator:
        sync = _run([str(installed / "notion-hugo"), "sync", "--data-source", SEED_DATA_SOURCE, "--out", "content/posts"],
                    blog, env={"NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url})
    assert sync.returncode == 0, sync.stderr
    assert "using the default mapping" in sync.stderr
    assert TOKEN not in sync.stdout + sync.stderr
    assert (blog / "content" / "posts" / SEED_SLUG / "index.md").is_file()


def test_installed_tool_serves_webhooks_as_the_container_runs_it(installed, blog):
    """`notion-hugo webhook --host 0.0.0.0 --port …` (deploy/Containerfile's command) from the
    wheel alone: uvicorn is a dependency, the address comes first, SIGTERM stops it (exit 0)."""
    env = {**_clean_env(), "GITHUB_TOKEN": "ghp_wheel_test_token", "GITHUB_REPOSITORY": "owner/blog",
           "NOTION_DATA_SOURCE": SEED_DATA_SOURCE}
    server = subprocess.Popen([str(installed / "notion-hugo"), "webhook", "--host", "0.0.0.0", "--port", "0"], cwd=blog,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith("listening on http://0.0.0.0:"), (first, server.stderr.read())
        port = first.rstrip("/\n").rsplit(":", 1)[1]
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=15)
    assert server.returncode == 0 and err.rstrip().endswith("stopped"), err
