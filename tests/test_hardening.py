"""Hostile or broken answers from Notion, hand-edited output folders: nothing unsafe is
published, nothing is lost, nothing hangs. Every case goes through the CLI, as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from notion_emulator import Faults, NotionEmulator, load_store
from pipeline.cli import main
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, SEED_STORE, TOKEN

SEED_PAGE = "47fe7c27-f8e6-4162-bc8e-ed96d898dcb4"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(monkeypatch, store, out: Path, *args: str, faults: Faults | None = None, token: str = TOKEN):
    """Run `notion-hugo sync` against an emulator of `store`, as the environment points it."""
    with NotionEmulator(store, token=TOKEN, faults=faults) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", token)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        return CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                         SEED_DATA_SOURCE, "--out", str(out), *args])


@pytest.fixture
def synced(monkeypatch, tmp_path) -> Path:
    """An output folder holding the seed's two posts, as a first sync wrote them."""
    out = tmp_path / "posts"
    result = cli(monkeypatch, load_store(SEED_STORE), out)
    assert result.exit_code == 0, result.output
    return out


LIST_OF_ONE = {"object": "list", "results": [], "next_cursor": "c1", "has_more": True}


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/query", {"object": "list"}, "list without 'results'"),
    ("/query", {"object": "error", "status": 400, "code": "x", "message": "y"}, "expected object 'list', got 'error'"),
    ("/query", {"object": "list", "results": None, "next_cursor": None, "has_more": False},
     "list 'results' is null, not an array"),
    ("/query", [], "expected list object, got an array"),
    ("/query", LIST_OF_ONE, "the cursor 'c1' came back a second time"),
    ("/children", {"object": "list", "results": [{"object": "block", "id": "b", "has_children": False}],
                   "next_cursor": None, "has_more": False}, "results[0]: block without 'type'"),
    ("/children", LIST_OF_ONE, "the cursor 'c1' came back a second time"),
], ids=["no-results", "error-with-200", "results-null", "array", "repeated-cursor-query",
        "block-without-type", "repeated-cursor-children"])
def test_an_answer_of_the_wrong_shape_exits_3_and_leaves_the_output(path, body, message, synced, monkeypatch):
    """Findings 5, 14 and 17: it is not an empty data source, and it is not a traceback."""
    before = snapshot(synced)
    result = cli(monkeypatch, load_store(SEED_STORE), synced, "--force",
                 faults=Faults(bodies={path: json.dumps(body).encode()}))
    assert result.exit_code == 3, result.output
    assert result.output.startswith("Error: Notion answered something that is not the API's shape while reading ")
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(synced) == before
