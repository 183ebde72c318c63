"""`validate` and `init` through the CLI, against the emulator."""

from __future__ import annotations

import json
import tomllib

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config, load_default_config
from tests.conftest import DEFAULT_CONFIG_FILE, INVALID_DATA_SOURCE, INVALID_STORE, SEED_STORE


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_rejects_each_invalid_entry_for_its_own_reason_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--config", str(DEFAULT_CONFIG_FILE), "--store", str(INVALID_STORE),
                 "--data-source", INVALID_DATA_SOURCE, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] == 1
    by_entry = {p["entry"]: (p["where"], p["message"]) for p in report["problems"] if p["severity"] == "error"}
    assert by_entry["(untitled)"] == ("Title", "Title is empty: give the page a title (at most 300 characters).")
    assert by_entry["Entry Without a Date"][0] == "Date"
    assert "Slug has 'Kubernetes Resources!!'" in by_entry["Entry With a Bad Slug"][1]
    assert "already used by 'Kubernetes Learning Roadmap'" in by_entry["Entry With a Duplicate Slug"][1]
    assert "'htps://broken' is not an absolute http(s) URL" in by_entry["Entry With a Broken Link"][1]
    assert "Tags has 'Cloud Native, Go'" in by_entry["Entry With a Comma Tag"][1]
    assert len(report["problems"]) == 6
    assert list(tmp_path.iterdir()) == []


def test_validate_text_report_and_warnings_only_exit_0():
    result = run("validate", "--config", str(DEFAULT_CONFIG_FILE), "--store", str(SEED_STORE))
    assert result.exit_code == 0
    assert "warning: Kubernetes Resources and Learning Path Summary (https://www.notion.so/" in result.output
    assert "ends in '%22', which looks like a typo" in result.output
    assert result.output.rstrip().endswith("2 entries checked: 2 valid, 0 rejected, 5 warnings.")


def test_init_proposes_the_seed_mapping_from_the_data_source(tmp_path):
    target = tmp_path / "pipeline.toml"
    result = run("init", "https://www.notion.so/b135dbcfa40841ce80b57e612d722a36", "--store", str(SEED_STORE),
                 "--config", str(target))
    assert result.exit_code == 0, result.output
    proposed = load_config(target)
    shipped = load_default_config()
    assert proposed.front_matter == shipped.front_matter
    assert proposed.data_source == "f49e1ed9-ebb1-4a68-97b6-0fcc507da055"
    assert tomllib.loads(target.read_text())["publish"]["status_property"] == "Status"


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    target = tmp_path / "pipeline.toml"
    target.write_text("# mine\n")
    result = run("init", "f49e1ed9-ebb1-4a68-97b6-0fcc507da055", "--store", str(SEED_STORE), "--config", str(target))
    assert result.exit_code == 2
    assert "exists; pass --force" in result.output
    assert target.read_text() == "# mine\n"
    forced = run("init", "f49e1ed9-ebb1-4a68-97b6-0fcc507da055", "--store", str(SEED_STORE), "--config", str(target), "--force")
    assert forced.exit_code == 0
    assert "[[front_matter]]" in target.read_text()


def test_links_in_table_cells_are_checked_too():
    from pipeline.model import Block, Entry
    from pipeline.validate import check_links

    cell = [{"type": "text", "text": {"content": "x", "link": {"url": "javascript:alert(1)"}}, "plain_text": "x", "href": "javascript:alert(1)"}]
    row = Block({"id": "r", "type": "table_row", "table_row": {"cells": [cell]}})
    table = Block({"id": "t", "type": "table", "table": {"table_width": 1}}, (row,))
    [problem] = check_links(Entry(page={"id": "p"}, blocks=(table,)), "T")
    assert problem.severity == "error" and "'javascript:alert(1)' is not an absolute http(s) URL" in problem.message


def test_a_config_init_writes_for_a_data_source_without_a_date_syncs(tmp_path, monkeypatch):
    """Review finding: init named a Date property the data source lacks, and the mapping check
    then refused every sync. The key is now filled from the page's creation time, by itself."""
    import json as json_module

    from tests import storekit
    from tests.conftest import SEED_DATA_SOURCE

    monkeypatch.chdir(tmp_path)
    page = storekit.entry("Dateless", "dateless", 1)
    del page["properties"]["Date"]
    workspace = storekit.store([(page, [storekit.paragraph(page["id"], storekit.text("body"))])])
    del workspace["data_sources"][SEED_DATA_SOURCE]["properties"]["Date"]
    store_file = tmp_path / "store.json"
    store_file.write_text(json_module.dumps(workspace), encoding="utf-8")

    assert run("init", SEED_DATA_SOURCE, "--store", str(store_file)).exit_code == 0
    config = tomllib.loads((tmp_path / "pipeline.toml").read_text())
    [date] = [field for field in config["front_matter"] if field["key"] == "date"]
    assert date == {"key": "date", "style": "single-quoted", "fallback": "created_time"}
    synced = CliRunner().invoke(main, ["sync", "--store", str(store_file), "--out", str(tmp_path / "posts")])
    assert synced.exit_code == 0, synced.output
    post = (tmp_path / "posts" / "dateless" / "index.md").read_text(encoding="utf-8")
    assert f"date: '{page['created_time'][:10]}" in post
