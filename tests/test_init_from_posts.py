"""`init --from-posts`: a property for each front matter key a blog's posts use, its type
inferred, created in the data source only with --create-properties (issue #17); and the
emulator's data source update it goes through (PATCH /v1/data_sources/{id})."""

from __future__ import annotations

import shutil
import tomllib

import httpx
import pytest
from click.testing import CliRunner

from notion_emulator import NotionEmulator
from pipeline.cli import main
from pipeline.config import load_config
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN
from tests.storekit import store

SITE = ROOT / "tests" / "fixtures" / "import" / "issue-17"


@pytest.fixture
def api(notion_env):
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        notion_env(emulator)
        yield emulator


def _init(site, *extra: str):
    return CliRunner().invoke(main, ["init", SEED_DATA_SOURCE, "--site", str(site), "--no-workflow", "--no-site-kit",
                                     "--from-posts", str(site / "content" / "posts"), *extra], catch_exceptions=False)


def test_init_from_posts_lists_what_it_would_create_and_changes_nothing_without_consent(api, tmp_path):
    site = shutil.copytree(SITE, tmp_path / "site")
    before = dict(api._api.data_sources[SEED_DATA_SOURCE]["properties"])
    result = _init(site)
    assert result.exit_code == 0, result.output
    assert api._api.data_sources[SEED_DATA_SOURCE]["properties"] == before
    assert not any(r.method == "PATCH" for r in api.requests)
    assert "  summary (1 posts) → 'Summary' (rich text, missing)" in result.output
    assert "  cover (1 posts) → 'Front matter' (YAML: a map of keys)" in result.output
    assert "Run init again with --create-properties --force to create them." in result.output
    text = (site / "pipeline.toml").read_text(encoding="utf-8")
    assert '# [[front_matter]]\n# key = "summary"' in text  # a property it lacks: no sync would pass with it
    load_config(site / "pipeline.toml")


def test_init_from_posts_creates_the_properties_and_maps_every_key(api, tmp_path):
    site = shutil.copytree(SITE, tmp_path / "site")
    result = _init(site, "--create-properties")
    assert result.exit_code == 0, result.output
    assert "created the property 'Summary' (rich text) in the data source" in result.output
    patches = [r for r in api.requests if r.method == "PATCH" and r.path == f"/v1/data_sources/{SEED_DATA_SOURCE}"]
    assert len(patches) == 1
    properties = api._api.data_sources[SEED_DATA_SOURCE]["properties"]
    assert {name: properties[name]["type"] for name in ("Summary", "Weight", "Lastmod", "Series", "Front matter")} == {
        "Summary": "rich_text", "Weight": "number", "Lastmod": "date", "Series": "multi_select",
        "Front matter": "rich_text"}
    config = load_config(site / "pipeline.toml")
    assert config.front_matter_yaml == "Front matter"
    rows = {spec.key: spec for spec in config.front_matter}
    assert rows["weight"].property == "Weight" and rows["weight"].omit_empty
    assert rows["title"].fallback == "title" and rows["draft"].derived == "draft"
    assert tomllib.loads((site / "pipeline.toml").read_text())["front_matter_yaml"] == {"property": "Front matter"}


# --- the emulator's update of a data source ------------------------------------------------------


def _patch(emulator: NotionEmulator, body: dict) -> httpx.Response:
    return httpx.patch(f"{emulator.base_url}/v1/data_sources/{SEED_DATA_SOURCE}", json=body,
                       headers={"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"})


def test_a_data_source_gains_renames_and_loses_properties_and_its_entries_follow():
    from tests.storekit import entry

    post = entry("A post", "a-post", 1)
    with NotionEmulator(store([(post, [])]), token=TOKEN) as emulator:
        answer = _patch(emulator, {"properties": {"Summary": {"rich_text": {}}, "Series": {"multi_select": {
            "options": [{"name": "Engines"}]}}}})
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert found["object"] == "data_source"
        assert found["properties"]["Summary"]["type"] == "rich_text" and found["properties"]["Summary"]["id"]
        assert [o["name"] for o in found["properties"]["Series"]["multi_select"]["options"]] == ["Engines"]
        renamed = _patch(emulator, {"properties": {"Summary": {"name": "Abstract"}, "Series": None}}).json()
        assert "Abstract" in renamed["properties"] and "Summary" not in renamed["properties"]
        assert "Series" not in renamed["properties"]
        properties = emulator._api.pages[post["id"]]["properties"]
        assert properties["Abstract"] == {"id": found["properties"]["Summary"]["id"], "type": "rich_text", "rich_text": []}
        assert "Series" not in properties and "Summary" not in properties


@pytest.mark.parametrize("body, status, message", [
    ({"properties": {"Title": None}}, 400, "cannot remove the title"),
    ({"properties": {"Title": {"rich_text": {}}}}, 400, "the type of the title property cannot change"),
    ({"properties": {"Other": {"title": {}}}}, 400, "a data source has one title property"),
    ({"properties": {"State": {"status": {}}}}, 400, "a property schema object of one type"),
    ({"properties": {"Nope": None}}, 400, "Nope is not a property that exists."),
    ({"properties": {"Tags": {"multi_select": {"options": [{"name": "a, b"}]}}}}, 400, "a string without commas"),
])
def test_an_update_notion_refuses_is_refused(body, status, message):
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        answer = _patch(emulator, body)
    assert answer.status_code == status and message in answer.json()["message"], answer.text
