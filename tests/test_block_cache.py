"""The cache of fetched block trees (issue #16, 2): a rendering change re-renders every post
with the query requests only, and gives what a fresh fetch gives; an edit within its minute, a
Notion-hosted file whose URL has expired, and a corrupt, foreign or linked cache never give a
wrong post, only more requests."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime, timezone
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
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.test_files import PNG, workspace as image_workspace, SIGNED
from tests.test_hardening import synced_block
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
    store, cache = load_store(SEED_STORE), tmp_path / "cache"
    store["pages"][STEPS_PAGE]["last_edited_time"] = "2026-11-30T10:15:00.000Z"
    run(store, tmp_path / "posts", cache, clock=lambda: datetime(2026, 11, 30, 10, 15, 59, tzinfo=timezone.utc))
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


def test_a_folder_of_the_users_own_files_is_not_used_and_nothing_in_it_is_touched(tmp_path):
    """Review: pruning removed every file of `files/` and `blocks/` no tree named, in whatever
    folder --cache-dir named, so `--cache-dir ~/project` deleted project/files/thesis.pdf."""
    mine = tmp_path / "project"
    (mine / "files").mkdir(parents=True)
    (mine / "blocks" / "notes").mkdir(parents=True)
    (mine / "files" / "thesis.pdf").write_bytes(b"%PDF years of work")
    (mine / "blocks" / "notes" / "todo.txt").write_text("call back")
    before = {p: p.read_bytes() for p in mine.rglob("*") if p.is_file()}
    store = load_store(SEED_STORE)
    report, _ = run(store, tmp_path / "posts", mine)
    assert report.exit_code == 0
    [warning] = [p for p in report.problems if p.where == str(mine)]
    assert (str(warning.severity), warning.entry_title, warning.where) == ("warning", "the block cache", str(mine))
    assert "it is not used as the cache of fetched blocks" in warning.message
    _, requests = run(store, tmp_path / "posts", mine, config=COLORED)
    assert not query_only(requests)  # not used as a cache
    assert {p: p.read_bytes() for p in mine.rglob("*") if p.is_file()} == before


def test_the_cache_tags_its_folder_and_prunes_only_the_names_it_makes(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "posts"
    run(image_workspace(SIGNED), out, cache)
    assert (cache / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    (cache / "files" / "README").write_text("mine")
    (cache / "blocks" / "keep.txt").write_text("mine too")
    BlockCache(cache, "k", 1000).prune(now=10**11)
    assert sorted(p.name for p in cache.rglob("*") if p.is_file()) == ["CACHEDIR.TAG", "README", "keep.txt"]


def _with_copy(original_shared: bool, original_text: str = "from the original") -> dict:
    """A post holding a synced copy of a block on another page, whose original the integration
    can read or not."""
    page, other = storekit.entry("Copies", "copies", 1), storekit.entry("Elsewhere", "elsewhere", 2)
    original = synced_block(other["id"], "00000000-0000-4000-8000-0000000000aa", None)
    inside = storekit.paragraph(other["id"], storekit.text(original_text))
    copy = synced_block(page["id"], "00000000-0000-4000-8000-0000000000cc", original["id"])
    store = storekit.store([(page, [copy]), (other, [original] if original_shared else [])])
    store["children"][copy["id"]] = []
    if original_shared:
        store["blocks"][inside["id"]] = inside
        store["children"][original["id"]] = [inside["id"]]
    return store


def test_a_rejected_tree_is_not_kept_so_sharing_the_original_fixes_it_on_the_next_run(tmp_path):
    """Review: the fault of a synced block whose original was not shared was kept with the
    tree; sharing the page does not edit the post, so the post stayed rejected."""
    cache, out = tmp_path / "cache", tmp_path / "posts"
    report, _ = run(_with_copy(original_shared=False), out, cache)
    assert report.exit_code == 1 and "Copies" in report.rejected
    report, _ = run(_with_copy(original_shared=True), out, cache)
    assert report.exit_code == 0
    assert "from the original" in (out / "copies" / "index.md").read_text()


def test_a_post_showing_a_synced_block_from_another_page_is_read_again(tmp_path):
    """The original's edits do not move the post's edit time: a kept tree would go stale."""
    cache, out = tmp_path / "cache", tmp_path / "posts"
    assert run(_with_copy(True), out, cache)[0].exit_code == 0
    report, _ = run(_with_copy(True, "edited on the original"), out, cache, config=COLORED)
    assert report.exit_code == 0
    assert "edited on the original" in (out / "copies" / "index.md").read_text()


def test_a_cache_kept_before_the_tag_existed_is_still_used_and_then_tagged(tmp_path):
    """The Action restores the cache of earlier runs: its folder holds only the cache's names."""
    cache, out = tmp_path / "cache", tmp_path / "posts"
    store = load_store(SEED_STORE)
    run(store, out, cache)
    (cache / "CACHEDIR.TAG").unlink()
    report, requests = run(store, out, cache, config=COLORED)
    assert query_only(requests) and not [p for p in report.problems if p.where == str(cache)]
    assert (cache / "CACHEDIR.TAG").is_file()
