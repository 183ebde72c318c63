"""The cache of fetched block trees (issue #16, 2): a rendering change re-renders every post
with the query requests only, and gives what a fresh fetch gives; an edit within its minute, a
Notion-hosted file whose URL has expired, and a corrupt, foreign or linked cache never give a
wrong post, only more requests."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from notion_emulator import NotionEmulator, load_store
from pipeline.cache import BlockCache
from pipeline.cli import main
from pipeline.config import RenderOptions, load_default_config
from pipeline.render import Renderer
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.test_files import PNG, workspace as image_workspace, SIGNED
from tests.test_incremental import STEPS_PAGE

CONFIG = load_default_config()
COLORED = dataclasses.replace(CONFIG, render=RenderOptions(colors=True))


def run(store: dict, out: Path, cache: Path | None, config=CONFIG, **kwargs):
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, cache_dir=cache,
                      options=SourceOptions(base_url=emulator.base_url, rate=0, backoff=0.01), **kwargs)
        return report, [(r.method, r.path) for r in emulator.requests]


def posts(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".notion-hugo.json"}


def query_only(requests) -> bool:
    return requests == [("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query")]


def test_a_rendering_change_costs_the_query_only_and_gives_what_a_fresh_fetch_gives(tmp_path):
    store, cache, out = load_store(SEED_STORE), tmp_path / "cache", tmp_path / "posts"
    run(store, out, cache)
    report, requests = run(store, out, cache, config=COLORED)  # [render] changed: every post re-rendered
    assert query_only(requests) and report.exit_code == 0
    fresh = tmp_path / "fresh" / "posts"
    run(store, fresh, None, config=COLORED)
    assert posts(out) == posts(fresh)
    # A rule added from Python is a rendering change too.
    report, requests = run(store, out, cache, config=COLORED, renderer=Renderer().add_rule("divider", lambda b, r: "***"))
    assert query_only(requests) and report.change.written == ["kubernetes-resources-and-learning-path"]
    assert "\n***\n" in (out / "kubernetes-resources-and-learning-path" / "index.md").read_text()


def test_a_page_read_within_the_minute_of_its_edit_is_not_kept(tmp_path):
    from datetime import datetime, timezone

    store, cache = load_store(SEED_STORE), tmp_path / "cache"
    store["pages"][STEPS_PAGE]["last_edited_time"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:00.000Z")
    run(store, tmp_path / "posts", cache)
    assert not (cache / "blocks" / f"{STEPS_PAGE}.json").exists()
    _, requests = run(store, tmp_path / "posts", cache, config=COLORED)
    assert any(STEPS_PAGE in path for _, path in requests)  # read again: a later edit of its minute may be there


def test_an_expired_file_url_is_rendered_from_the_bytes_kept(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "posts"
    assert run(image_workspace(SIGNED), out, cache)[0].exit_code == 0
    gone = image_workspace(SIGNED)
    gone["files"] = {}  # the signed URL no longer serves the file
    report, requests = run(gone, out, cache, config=COLORED)
    assert report.exit_code == 0 and query_only(requests)
    assert PNG in posts(out).values()


@pytest.mark.parametrize("damage", ["garbage", "cut short", "another page", "another version", "file altered", "file gone"])
def test_a_damaged_or_foreign_cache_costs_requests_never_a_wrong_post(tmp_path, damage):
    cache, out = tmp_path / "cache", tmp_path / "posts"
    run(image_workspace(SIGNED), out, cache)
    tree = next((cache / "blocks").iterdir())
    record = json.loads(tree.read_text())
    blob = cache / "files" / next(iter(record["files"].values()))
    if damage == "garbage":
        tree.write_bytes(b"\x00not json")
    elif damage == "cut short":
        tree.write_text(tree.read_text()[:40])
    elif damage == "another page":
        tree.write_text(json.dumps({**record, "page_id": "00000000-0000-0000-0000-000000000000"}))
    elif damage == "another version":
        tree.write_text(json.dumps({**record, "key": "2020-01-01|depth=64"}))
    elif damage == "file altered":
        blob.write_bytes(b"not the image")
    else:
        blob.unlink()
    expected = posts(out)
    report, requests = run(image_workspace(SIGNED), out, cache, force=False, config=COLORED)
    assert report.exit_code == 0 and not query_only(requests)  # fetched again
    fresh = tmp_path / "fresh" / "posts"
    run(image_workspace(SIGNED), fresh, None, config=COLORED)
    assert posts(out) == posts(fresh) and set(expected) == set(posts(out))


def test_a_cache_behind_a_link_is_neither_read_nor_written(tmp_path):
    real, link = tmp_path / "elsewhere", tmp_path / "cache"
    real.mkdir()
    os.symlink(real, link)
    store = load_store(SEED_STORE)
    run(store, tmp_path / "posts", link)
    assert list(real.iterdir()) == []
    _, requests = run(store, tmp_path / "posts", link, config=COLORED)
    assert not query_only(requests)


def test_force_and_a_dry_run_read_notion_and_a_dry_run_keeps_nothing(tmp_path):
    store, cache, out = load_store(SEED_STORE), tmp_path / "cache", tmp_path / "posts"
    run(store, out, cache, dry_run=True)
    assert not cache.exists() or not any(cache.rglob("*.json"))
    run(store, out, cache)
    _, requests = run(store, out, cache, force=True)
    assert not query_only(requests)


def test_trees_unused_for_a_month_and_files_no_tree_names_are_pruned(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "posts"
    run(image_workspace(SIGNED), out, cache)
    (cache / "files" / ("0" * 64)).write_bytes(b"orphan")
    store = BlockCache(cache, "k", 1000)
    store.prune()
    assert not (cache / "files" / ("0" * 64)).exists() and len(list((cache / "files").iterdir())) == 1
    store.prune(now=10**11)
    assert list((cache / "blocks").iterdir()) == [] and list((cache / "files").iterdir()) == []


def test_the_cli_keeps_trees_where_told_and_not_with_no_cache(tmp_path, notion_env):
    cache = tmp_path / "mine"
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN) as emulator:
        notion_env(emulator)
        args = ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE]
        assert CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a"), "--no-cache"]).exit_code == 0
        assert not cache.exists()
        assert CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b"), "--cache-dir", str(cache)]).exit_code == 0
    assert len(list((cache / "blocks").iterdir())) == 2
