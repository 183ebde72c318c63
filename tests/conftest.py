from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from notion_emulator import NotionEmulator, load_store
from pipeline.config import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED_STORE = DATA / "kubernetes-learning-path.json"
INVALID_STORE = DATA / "invalid-entries.json"
SEED_DATA_SOURCE = "f49e1ed9-ebb1-4a68-97b6-0fcc507da055"
INVALID_DATA_SOURCE = "07a63a90-3740-402f-b5b6-dbce483a4d6f"
TOKEN = "secret_test_token_d41d8cd98f00b204"
# The default mapping the package ships (a real file in an editable install and in a wheel).
DEFAULT_CONFIG_FILE = Path(str(DEFAULT_CONFIG))


_SESSION_CACHE = tempfile.mkdtemp(prefix="notion-hugo-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture, module-scoped ones and the installed wheel's processes included: the
    # suite never writes to the user's ~/.cache/notion-hugo (shared by every checkout here).
    os.environ["NOTION_HUGO_CACHE"] = _SESSION_CACHE
    os.environ["XDG_CACHE_HOME"] = _SESSION_CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_block_cache(tmp_path_factory, monkeypatch):
    """Each test's syncs keep fetched trees in a folder of its own (and none in ~/.cache): the
    tests' workspaces reuse page ids and edit times with other content, which Notion never does."""
    monkeypatch.setenv("NOTION_HUGO_CACHE", str(tmp_path_factory.mktemp("block-cache")))


@pytest.fixture
def seed_api():
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def invalid_api():
    with NotionEmulator(load_store(INVALID_STORE), token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def notion_env(monkeypatch):
    """Point the CLI at an emulator the way a user points it at Notion: the environment."""

    def point(emulator, token: str = TOKEN) -> None:
        monkeypatch.setenv("NOTION_TOKEN", token)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)

    return point


DEMO_SLUGS = ("kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes")


def lay_out_demo_posts(into: Path) -> Path:
    """The demo's posts as `make demo` writes them (tests/golden), laid out as page bundles in
    `into`/posts."""
    posts = into / "posts"
    for slug in DEMO_SLUGS:
        (posts / slug).mkdir(parents=True)
        (posts / slug / "index.md").write_bytes((ROOT / "tests" / "golden" / f"{slug}.md").read_bytes())
    return posts


@pytest.fixture
def demo_posts(tmp_path) -> Path:
    return lay_out_demo_posts(tmp_path / "demo")


@pytest.fixture
def import_cli(notion_env, monkeypatch):
    """`notion-hugo import` against an emulator, without the wait for Notion's rate limit (the
    emulator has none): `import_cli(emulator, *args)`."""
    import dataclasses

    from click.testing import CliRunner

    from pipeline import cli as cli_module

    paced = cli_module.source_options_for
    monkeypatch.setattr(cli_module, "source_options_for", lambda *args: dataclasses.replace(paced(*args), rate=0))

    def run(emulator: NotionEmulator, *args: str):
        notion_env(emulator)
        return CliRunner().invoke(cli_module.main, ["import", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                                    SEED_DATA_SOURCE, *args])

    return run
