"""`notion-hugo import`: found by slug (twice changes nothing), --update, --dry-run, a failed
post does not stop the others, exit codes as sync's; front matter through the mapping
reversed; Notion's request limits kept. Against the emulator, with the real notion-client."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from notion_emulator import Faults, NotionEmulator
from pipeline.cli import main
from pipeline.config import load_default_config
from pipeline.import_posts import HugoPost, properties
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, TOKEN
from tests.importkit import post, round_trip, write_bundles
from tests.storekit import store

@pytest.fixture
def api(notion_env):
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        notion_env(emulator)
        yield emulator


def run(*args: str):
    return CliRunner().invoke(main, ["import", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE,
                                     *args], catch_exceptions=False)


def writes(api: NotionEmulator) -> int:
    return sum(1 for r in api.requests if r.method in ("PATCH", "DELETE") or (r.method == "POST" and not r.path.endswith("/query")))


def test_a_second_import_creates_and_changes_nothing(api, demo_posts):
    first = run(str(demo_posts))
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith(f"created kubernetes-resources-and-learning-path from {demo_posts}/kubernetes-resources-and-learning-path/index.md (https://www.notion.so/")
    assert lines[1].startswith("created steps-to-learn-kubernetes from ")
    assert lines[-1] == "2 posts: 2 created, 0 updated, 0 unchanged, 0 failed."
    assert api.count("POST", "/v1/pages") == 2
    api.reset_log()
    second = run(str(demo_posts))
    assert second.exit_code == 0, second.output
    assert second.output.splitlines() == [
        f"unchanged kubernetes-resources-and-learning-path from {demo_posts}/kubernetes-resources-and-learning-path/index.md (https://www.notion.so/"
        + _page_id(api, "kubernetes-resources-and-learning-path") + ")",
        f"unchanged steps-to-learn-kubernetes from {demo_posts}/steps-to-learn-kubernetes/index.md (https://www.notion.so/"
        + _page_id(api, "steps-to-learn-kubernetes") + ")",
        "2 posts: 0 created, 0 updated, 2 unchanged, 0 failed.",
    ]
    assert writes(api) == 0
    # Reads only: the data source, its entries, and each entry's own blocks, where an import
    # cut short would have left its marker.
    entries = {f"/v1/blocks/{page_id}/children" for page_id in api._api.pages}
    assert [(r.method, r.path) for r in api.requests][:2] == [
        ("GET", f"/v1/data_sources/{SEED_DATA_SOURCE}"), ("POST", f"/v1/data_sources/{SEED_DATA_SOURCE}/query")]
    assert {(r.method, r.path) for r in api.requests[2:]} == {("GET", path) for path in entries}


def _page_id(api: NotionEmulator, slug: str) -> str:
    page = next(p for p in api._api.pages.values() if p["properties"]["Slug"]["rich_text"][0]["plain_text"] == slug)
    return page["id"].replace("-", "")


def test_dry_run_shows_the_plan_and_writes_nothing(api, tmp_path):
    posts = write_bundles(tmp_path, {"hello": post("Hello, *world*.\n\n##### Small")})
    result = run("--dry-run", str(posts))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"would create hello from {posts}/hello/index.md",
        "  note: h5 heading: Notion has four heading levels; it became a heading 4",
        "1 posts: 1 would create, 0 would update, 0 unchanged, 0 failed.",
    ]
    assert writes(api) == 0


def test_update_replaces_the_content_of_an_existing_entry(api, tmp_path):
    posts = write_bundles(tmp_path, {"hello": post("Old text.\n\n- one\n- two")})
    assert run(str(posts)).exit_code == 0
    (posts / "hello" / "index.md").write_text(post("New text."), encoding="utf-8")
    assert run(str(posts)).output.startswith("unchanged hello")  # without --update, nothing changes
    result = run("--update", str(posts))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("updated hello")
    # The first import's marker; then the three old blocks, and the marker of the update.
    assert api.count("DELETE", "/v1/blocks/") == 5
    out = tmp_path / "synced"
    synced = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE,
                                       "--out", str(out)])
    assert synced.exit_code == 0, synced.output
    assert (out / "hello" / "index.md").read_text(encoding="utf-8") == post("New text.")


def test_a_failed_post_does_not_stop_the_others_and_exits_1(api, tmp_path):
    too_many_tags = "tags:\n" + "".join(f"  - 'tag {i}'\n" for i in range(101))
    bad = post("Body.").replace("tags:\n  - 'Kubernetes'\n", too_many_tags)
    posts = write_bundles(tmp_path, {"a-bad-one": bad, "b-good-one": post("Fine.")})
    result = CliRunner().invoke(main, ["import", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                                       SEED_DATA_SOURCE, str(posts)])
    assert result.exit_code == 1
    # The plan is one stream: each post's line, its error under it, then the counts.
    failed, error, created, summary = result.stdout.splitlines()
    assert failed == f"failed a-bad-one from {posts}/a-bad-one/index.md"
    assert created.startswith("created b-good-one") and result.stderr == ""
    assert error.startswith("  error: Notion answered 400 ")
    assert error.endswith("while creating an entry for a-bad-one: body failed validation: "
                          "body.properties.Tags.multi_select.length should be ≤ `100`, instead was `101`.")
    assert summary == "2 posts: 1 created, 0 updated, 0 unchanged, 1 failed."


def test_notion_refusing_the_token_exits_3(api, notion_env, tmp_path):
    notion_env(api, token="not-the-token")
    result = run(str(write_bundles(tmp_path, {"hello": post("Hi.")})))
    assert result.exit_code == 3
    assert result.output.startswith("Error: Notion refused the token (401 unauthorized).")
    assert writes(api) == 0


def test_without_a_data_source_it_is_a_usage_error(api, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import", "--config", str(DEFAULT_CONFIG_FILE), str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: no data source to read: set notion.data_source in pipeline.toml")


def test_front_matter_becomes_properties_by_the_mapping_reversed():
    meta = {"title": "Notes", "date": "2023-11-05T21:00:00-05:00", "draft": True, "tags": ["Raft", "Go"],
            "showtoc": False, "type": "posts", "author": ["Li", "Sam"], "series": ["Consensus"], "slug": "raft-notes"}
    schema = store([])["data_sources"][SEED_DATA_SOURCE]["properties"]
    values, notes = properties(HugoPost(Path("notes.md"), "raft-notes", meta, "", None), load_default_config(), schema)
    assert values["Title"] == {"title": [{"type": "text", "text": {"content": "Notes"}}]}
    assert values["Date"] == {"date": {"start": "2023-11-05T21:00:00-05:00"}}  # the offset kept
    assert values["Status"] == {"status": {"name": "Draft"}}
    assert values["Tags"] == {"multi_select": [{"name": "Raft"}, {"name": "Go"}]}
    assert values["ShowToc"] == {"checkbox": False}
    assert values["TocOpen"] == {"checkbox": True}  # absent: the mapping's default, as sync would write it
    assert values["Type"] == {"select": {"name": "posts"}}
    assert values["Slug"] == {"rich_text": [{"type": "text", "text": {"content": "raft-notes"}}]}
    assert [n.message for n in notes] == [
        "`author` is a list; 'Authors' holds text: the items are joined by commas",
        "front matter key `series` has no property in the mapping (pipeline.toml): left out",
    ]


def test_a_long_deep_post_is_written_within_notions_request_limits(tmp_path):
    """250 paragraphs (three requests of at most 100 children), a list nested five deep and a
    table inside a list item (third-level rows): the emulator answers 400 to any request over
    a limit, and the post comes back byte for byte."""
    deep = "- one\n    - two\n        - three\n            - four\n                - five"
    table = "- holder\n\n    | a | b |\n    | --- | --- |\n    | 1 | 2 |"
    long_text = "x" * 4500
    body = "\n\n".join([f"Paragraph {i}." for i in range(250)] + [deep, "Between.", table, long_text])
    trip = round_trip(tmp_path, [write_bundles(tmp_path / "in", {"long": post(body)})])
    assert [p.error for p in trip.imported.plans] == [""]
    assert trip.posts == {"long": post(body)}
    appends = [r for r in trip.emulator.requests if r.method == "PATCH" and r.path.endswith("/children")]
    # 254 top-level blocks in three requests; "three" and "five" under the list's second and
    # fourth levels, found by listing their parents; the table's rows with the table, under
    # its list item.
    assert [r.status for r in appends] == [200] * 6


def test_a_link_to_a_post_imported_earlier_points_to_its_entry(api, tmp_path):
    assert run(str(write_bundles(tmp_path / "a", {"first": post("First.")}))).exit_code == 0
    result = run(str(write_bundles(tmp_path / "b", {"second": post("See [the first](/posts/first/).")})))
    assert result.exit_code == 0 and "note:" not in result.output, result.output
    out = tmp_path / "posts"  # the section links point into
    synced = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE,
                                       "--out", str(out)])
    assert synced.exit_code == 0, synced.output
    assert (out / "second" / "index.md").read_text(encoding="utf-8") == post('See [the first]({{< relref "/posts/first" >}}).')


def test_dry_run_knows_the_posts_it_would_create_link_to_each_other(api, tmp_path):
    posts = write_bundles(tmp_path, {"first": post("First."), "second": post('[a]({{< relref "/posts/first" >}}) [b](/posts/third/)')})
    result = run("--dry-run", str(posts))
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if "note:" in line] == [
        "  note: link to '/posts/third/': no post of this import or entry of the data source has that slug; its text is kept, unlinked"]


def test_toml_front_matter_is_read_and_a_post_that_does_not_parse_fails_alone(api, tmp_path):
    toml = '+++\ntitle = "Plus"\ndate = 2024-05-01T10:00:00+02:00\ntags = ["Go"]\n+++\n\nBody.\n'
    posts = write_bundles(tmp_path, {"broken": "---\ntitle: [unclosed\n---\nBody.\n", "plus": toml})
    result = run(str(posts))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"failed broken from {posts}/broken/index.md"
    assert result.output.splitlines()[1].startswith("  error: cannot be read: while parsing a flow sequence")
    assert "created plus" in result.output
    page = next(iter(api._api.pages.values()))
    assert page["properties"]["Title"]["title"][0]["plain_text"] == "Plus"
    assert page["properties"]["Date"]["date"]["start"] == "2024-05-01T10:00:00+02:00"
    assert [o["name"] for o in page["properties"]["Tags"]["multi_select"]] == ["Go"]


def test_bundle_files_are_uploaded_and_come_back_into_the_bundle(api, tmp_path):
    png, pdf = b"\x89PNG\r\n\x1a\n-a-tiny-picture", b"%PDF-1.4 slides"
    body = "![](diagram.png)\n\n[The slides](slides.pdf)\n\n![Remote](https://example.com/r.png)\n\nRemote"
    posts = write_bundles(tmp_path / "in", {"talk": post(body)}, {"talk": {"diagram.png": png, "slides.pdf": pdf}})
    result = run(str(posts))
    assert result.exit_code == 0, result.output
    assert api.count("POST", "/v1/file_uploads") == 4  # create and send, for each file
    out = tmp_path / "posts"
    synced = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE,
                                       "--out", str(out)])
    assert synced.exit_code == 0, synced.output
    files = {p.suffix: p.read_bytes() for p in (out / "talk").iterdir() if p.name != "index.md"}
    assert files == {".png": png, ".pdf": pdf}
    names = {p.suffix: p.name for p in (out / "talk").iterdir()}
    assert (out / "talk" / "index.md").read_text(encoding="utf-8") == post(
        f"![]({names['.png']})\n\n[The slides]({names['.pdf']})\n\n![Remote](https://example.com/r.png)\n\nRemote")


def test_a_rate_limited_write_is_retried_after_retry_after(notion_env, demo_posts, monkeypatch):
    from pipeline.source import REAL_TIME
    from tests.fakeclock import FakeClock

    clock = FakeClock()
    monkeypatch.setattr(REAL_TIME, "sleep", clock.sleep)  # the CLI's runs wait on REAL_TIME
    # Request 3 is the first entry's creation (after the data source and its query): Notion
    # answers 429 to its first try.
    with NotionEmulator(store([]), token=TOKEN, faults=Faults(rate_limit_burst=[3])) as emulator:
        notion_env(emulator)
        result = run(str(demo_posts))
        assert result.exit_code == 0, result.output
        assert [r.status for r in emulator.requests if r.method == "POST" and r.path == "/v1/pages"] == [429, 200, 200]
        assert len(emulator._api.pages) == 2  # each created once
    assert 1.0 in clock.sleeps  # the Retry-After the emulator answered, waited on the fake clock
