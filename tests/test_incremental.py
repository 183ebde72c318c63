"""The sync engine: exactly L requests, nothing fetched for unchanged pages, the manifest as
the only licence to delete. Counts are read from the emulator's request log."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest

from pipeline.config import load_default_config
from notion_emulator import NotionEmulator, load_store
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests.conftest import SEED_DATA_SOURCE, SEED_STORE, TOKEN

CONFIG = load_default_config()
SEED_PAGE = "49518a26-c981-43f7-818f-b6c9e0d9c417"
STEPS_PAGE = "47fe7c27-f8e6-4162-bc8e-ed96d898dcb4"
WALKED_OUT = {"child_page", "child_database"}


def expected_requests(store: dict, page_ids: list[str]) -> int:
    """L: ⌈children/100⌉ for the page and every block with children, per exported page."""

    def containers(block_id: str) -> int:
        children = store["children"].get(block_id, [])
        total = max(1, math.ceil(len(children) / 100))
        for child in children:
            block = store["blocks"][child]
            if block["has_children"] and block["type"] not in WALKED_OUT:
                total += containers(child)
        return total

    return sum(containers(page_id) for page_id in page_ids)


def run(store: dict, out: Path, **kwargs):
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(
            CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out,
            options=SourceOptions(base_url=emulator.base_url), **kwargs,
        )
        return report, [(r.method, r.path) for r in emulator.requests]


@pytest.fixture
def store() -> dict:
    return load_store(SEED_STORE)


def test_a_full_sync_makes_exactly_l_requests(store, tmp_path):
    report, requests = run(store, tmp_path / "posts")
    assert report.exit_code == 0
    block_lists = [path for method, path in requests if path.endswith("/children")]
    assert len(block_lists) == expected_requests(store, [SEED_PAGE, STEPS_PAGE]) == 7
    assert [r for r in requests if r[1].endswith("/query")] == [("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query")]
    assert len(requests) == 1 + 7
    assert len(set(block_lists)) == len(block_lists) - 1  # only the 121-block page takes two pages


def test_nothing_changed_means_the_query_only_and_no_file_rewritten(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name == "index.md"}
    report, requests = run(store, out)
    assert requests == [("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query")]
    assert report.change.written == [] and sorted(report.change.unchanged) == ["kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes"]
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_one_changed_entry_is_the_only_one_fetched_and_written(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    seed_before = (out / "kubernetes-resources-and-learning-path" / "index.md").read_bytes()
    edited = copy.deepcopy(store)
    edited["pages"][STEPS_PAGE]["last_edited_time"] = "2025-01-01T00:00:00.000Z"
    first = edited["children"][STEPS_PAGE][0]
    edited["blocks"][first]["heading_2"]["rich_text"][0]["plain_text"] = "A staged approach"
    edited["blocks"][first]["heading_2"]["rich_text"][0]["text"]["content"] = "A staged approach"
    report, requests = run(edited, out)
    fetched = {path.split("/")[3] for _, path in requests if path.endswith("/children")}
    assert STEPS_PAGE in fetched and SEED_PAGE not in fetched
    assert len(requests) == 1 + expected_requests(edited, [STEPS_PAGE])
    assert report.change.written == ["steps-to-learn-kubernetes"]
    assert "## A staged approach" in (out / "steps-to-learn-kubernetes" / "index.md").read_text()
    assert (out / "kubernetes-resources-and-learning-path" / "index.md").read_bytes() == seed_before


def test_unpublished_entry_loses_its_bundle_and_handwritten_files_survive(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    handwritten = out / "steps-to-learn-kubernetes" / "notes.txt"
    handwritten.write_text("mine")
    (out / "about.md").write_text("hand-written page")
    archived = copy.deepcopy(store)
    archived["pages"][STEPS_PAGE]["properties"]["Status"]["status"]["name"] = "Archived"
    report, _ = run(archived, out)
    assert report.change.removed == ["steps-to-learn-kubernetes/index.md"]
    assert not (out / "steps-to-learn-kubernetes" / "index.md").exists()
    assert handwritten.read_text() == "mine"
    assert (out / "about.md").read_text() == "hand-written page"


def test_renamed_slug_moves_the_bundle_and_the_links_to_it(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    renamed = copy.deepcopy(store)
    slug = renamed["pages"][STEPS_PAGE]["properties"]["Slug"]["rich_text"][0]
    slug["plain_text"] = slug["text"]["content"] = "learning-kubernetes-in-stages"
    renamed["pages"][STEPS_PAGE]["last_edited_time"] = "2025-01-01T00:00:00.000Z"
    report, requests = run(renamed, out)
    assert not (out / "steps-to-learn-kubernetes").exists()
    assert (out / "learning-kubernetes-in-stages" / "index.md").is_file()
    # The seed post did not change in Notion, but it links to the renamed post: re-rendered.
    assert sorted(report.change.written) == ["kubernetes-resources-and-learning-path", "learning-kubernetes-in-stages"]
    assert '{{< relref "/posts/learning-kubernetes-in-stages" >}}' in (out / "kubernetes-resources-and-learning-path" / "index.md").read_text()


def test_force_fetches_and_checks_everything_again(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    report, requests = run(store, out, force=True)
    assert len(requests) == 1 + expected_requests(store, [SEED_PAGE, STEPS_PAGE])
    assert report.change.written == []  # same bytes: nothing rewritten


def test_dry_run_reports_removals_and_touches_nothing(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    archived = copy.deepcopy(store)
    archived["pages"][STEPS_PAGE]["in_trash"] = True
    report, _ = run(archived, out, dry_run=True)
    assert report.change.removed == ["steps-to-learn-kubernetes/index.md"]
    assert (out / "steps-to-learn-kubernetes" / "index.md").is_file()


def test_a_select_status_property_falls_back_to_reading_every_entry(store, tmp_path):
    # Shapes: a select property value is {"select": {id, name, color}}
    # (developers.notion.com/reference/page-property-values#select).
    selected = copy.deepcopy(store)
    schema = selected["data_sources"][SEED_DATA_SOURCE]["properties"]["Status"]
    schema["type"], schema["select"] = "select", {"options": schema.pop("status")["options"]}
    for page in selected["pages"].values():
        prop = page["properties"]["Status"]
        prop["type"], prop["select"] = "select", prop.pop("status")
    report, requests = run(selected, tmp_path / "posts")
    assert report.exit_code == 0
    assert sorted(p.slug for p in report.posts) == ["kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes"]
    assert [r for r in requests if r[1].endswith("/query")] == [("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query")] * 2


def test_a_status_property_missing_from_the_data_source_stops_before_removing_anything(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    renamed = copy.deepcopy(store)
    for page in renamed["pages"].values():
        page["properties"]["State"] = page["properties"].pop("Status")
    schema = renamed["data_sources"][SEED_DATA_SOURCE]["properties"]
    schema["State"] = schema.pop("Status")
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="publish.status_property 'Status' is not a property of the data source"):
        run(renamed, out)
    assert (out / "steps-to-learn-kubernetes" / "index.md").is_file()


def test_an_entry_deleted_from_the_data_source_loses_its_bundle(store, tmp_path):
    out = tmp_path / "posts"
    run(store, out)
    deleted = copy.deepcopy(store)
    deleted["entries"][SEED_DATA_SOURCE].remove(STEPS_PAGE)
    report, _ = run(deleted, out)
    assert report.change.removed == ["steps-to-learn-kubernetes/index.md"]


def test_data_source_and_pages_together_still_prune(store, tmp_path):
    out = tmp_path / "posts"
    with NotionEmulator(store, token=TOKEN) as emulator:
        sync(CONFIG, Selection(SEED_DATA_SOURCE, (SEED_PAGE,)), token=TOKEN, out_dir=out,
             options=SourceOptions(base_url=emulator.base_url))
    archived = copy.deepcopy(store)
    archived["pages"][STEPS_PAGE]["properties"]["Status"]["status"]["name"] = "Archived"
    with NotionEmulator(archived, token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, (SEED_PAGE,)), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url))
    assert report.change.removed == ["steps-to-learn-kubernetes/index.md"]


def test_a_trashed_page_named_with_page_loses_its_bundle(store, tmp_path):
    out = tmp_path / "posts"

    def page_run(workspace):
        with NotionEmulator(workspace, token=TOKEN) as emulator:
            return sync(CONFIG, Selection(None, (STEPS_PAGE,)), token=TOKEN, out_dir=out,
                        options=SourceOptions(base_url=emulator.base_url))

    page_run(store)
    trashed = copy.deepcopy(store)
    trashed["pages"][STEPS_PAGE]["in_trash"] = True
    assert page_run(trashed).change.removed == ["steps-to-learn-kubernetes/index.md"]


def test_a_page_read_within_the_minute_of_its_edit_is_read_again(store, tmp_path):
    from datetime import datetime, timezone

    out = tmp_path / "posts"
    fresh = copy.deepcopy(store)
    fresh["pages"][STEPS_PAGE]["last_edited_time"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:00.000Z")
    run(fresh, out)
    _, requests = run(fresh, out)  # same last_edited_time, but its minute may have held a later edit
    fetched = {path.split("/")[3] for _, path in requests if path.endswith("/children")}
    assert STEPS_PAGE in fetched and SEED_PAGE not in fetched
    assert len(requests) == 1 + expected_requests(fresh, [STEPS_PAGE])


def test_renaming_a_linked_post_rerenders_the_link_to_page_that_points_at_it(tmp_path):
    from tests import storekit
    from tests.test_links import link_to_page

    first = storekit.entry("First Post", "first-post", 1)
    second = storekit.entry("Second Post", "second-post", 2)
    out = tmp_path / "posts"
    run(storekit.store([(first, [link_to_page(first["id"], second["id"])]), (second, [])]), out)
    renamed = copy.deepcopy(second)
    renamed["properties"]["Title"]["title"] = [storekit.text("Second, Renamed")]
    renamed["last_edited_time"] = "2025-01-01T00:00:00.000Z"
    report, _ = run(storekit.store([(first, [link_to_page(first["id"], second["id"])]), (renamed, [])]), out)
    assert "first-post" in report.change.written
    assert "[Second, Renamed]" in (out / "first-post" / "index.md").read_text()
    archived = copy.deepcopy(renamed)
    archived["properties"]["Status"]["status"]["name"] = "Archived"
    run(storekit.store([(first, [link_to_page(first["id"], second["id"])]), (archived, [])]), out)
    # The post that linked to it no longer carries a relref Hugo could not resolve.
    assert "relref" not in (out / "first-post" / "index.md").read_text()
