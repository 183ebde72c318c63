"""`sync --entry ID` (issue #15, 4): only the named entries of the data source are read; a
published one is written, an unpublished, trashed or deleted one loses its bundle, every other
post is left as it is, and the requests are those of the named entries only."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

from notion_emulator import NotionEmulator, load_store
from pipeline.cli import main
from pipeline.config import load_default_config
from pipeline.errors import ConfigError
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.test_incremental import SEED_PAGE, STEPS_PAGE, expected_requests
from tests.test_links import link_to_page

CONFIG = load_default_config()
SEED_SLUG, STEPS_SLUG = "kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes"


def run(store: dict, out: Path, entries: tuple[str, ...] = (), **kwargs):
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, (), entries), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url, rate=0), **kwargs)
        return report, [(r.method, r.path) for r in emulator.requests]


@pytest.fixture
def store() -> dict:
    return load_store(SEED_STORE)


@pytest.fixture
def synced(store, tmp_path) -> Path:
    out = tmp_path / "posts"
    assert run(store, out)[0].exit_code == 0
    return out


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file() and p.name != ".notion-hugo.json"}


def edit_heading(store: dict, text: str) -> dict:
    """The steps post's first heading retyped, within the minute of the last sync: its
    last_edited_time does not move, as Notion keeps it to the minute."""
    edited = copy.deepcopy(store)
    heading = edited["blocks"][edited["children"][STEPS_PAGE][0]]["heading_2"]["rich_text"][0]
    heading["plain_text"] = heading["text"]["content"] = text
    return edited


def test_a_named_entry_is_read_and_written_and_nothing_else_is_requested(store, synced, tmp_path):
    before = snapshot(synced)
    edited = edit_heading(store, "A staged approach")
    report, requests = run(edited, synced, (STEPS_PAGE,))
    assert report.exit_code == 0 and report.change.written == [STEPS_SLUG]
    assert "## A staged approach" in (synced / STEPS_SLUG / "index.md").read_text()
    assert requests[0] == ("GET", f"/v1/pages/{STEPS_PAGE}")
    assert len(requests) == 1 + expected_requests(edited, [STEPS_PAGE])
    assert not any(path.endswith("/query") for _, path in requests)
    after = snapshot(synced)
    assert {k: v for k, v in after.items() if not k.startswith(STEPS_SLUG)} == \
        {k: v for k, v in before.items() if not k.startswith(STEPS_SLUG)}
    # What one entry's run writes is what a full rebuild writes.
    rebuilt = tmp_path / "rebuilt" / "posts"
    run(edited, rebuilt, force=True)
    assert {k: v[0] for k, v in snapshot(rebuilt).items()} == {k: v[0] for k, v in after.items()}


@pytest.mark.parametrize("change", ["unpublished", "trashed", "deleted"])
def test_a_named_entry_no_longer_published_loses_its_bundle_and_the_link_to_it_goes(store, synced, change, tmp_path):
    gone = copy.deepcopy(store)
    if change == "unpublished":
        gone["pages"][STEPS_PAGE]["properties"]["Status"]["status"]["name"] = "Draft"
    elif change == "trashed":
        gone["pages"][STEPS_PAGE]["in_trash"] = True
    else:
        del gone["pages"][STEPS_PAGE]
        gone["entries"][SEED_DATA_SOURCE].remove(STEPS_PAGE)
    linking = f'[Steps to Learn Kubernetes]({{{{< relref "/posts/{STEPS_SLUG}" >}}}})'
    assert linking in (synced / SEED_SLUG / "index.md").read_text()
    report, requests = run(gone, synced, (STEPS_PAGE,))
    assert report.exit_code == 0
    assert report.change.removed == [f"{STEPS_SLUG}/index.md"] and not (synced / STEPS_SLUG).exists()
    assert not any(path.startswith(f"/v1/blocks/{STEPS_PAGE}") for _, path in requests)
    # The seed post links to it: a relref to a removed post would fail Hugo's build, so the seed
    # post is written again, as a full run of the same workspace writes it.
    assert report.change.written == [SEED_SLUG]
    assert linking not in (synced / SEED_SLUG / "index.md").read_text()
    rebuilt = tmp_path / "rebuilt" / "posts"
    run(gone, rebuilt)
    assert {k: v[0] for k, v in snapshot(rebuilt).items()} == {k: v[0] for k, v in snapshot(synced).items()}


def test_removing_every_named_entry_is_not_a_mass_removal(store, synced):
    for page in store["pages"].values():
        page["in_trash"] = True
    report, _ = run(store, synced, (STEPS_PAGE, SEED_PAGE))  # all the posts, named: meant
    assert sorted(report.change.removed) == [f"{SEED_SLUG}/index.md", f"{STEPS_SLUG}/index.md"]


def test_a_page_moved_out_of_the_data_source_is_reported_and_unpublished(store, synced):
    moved = copy.deepcopy(store)
    moved["pages"][STEPS_PAGE]["parent"] = {"type": "page_id", "page_id": SEED_PAGE}
    report, _ = run(moved, synced, (STEPS_PAGE,))
    assert report.exit_code == 0 and report.change.written == [SEED_SLUG]  # its link to the moved page goes
    assert report.change.removed == [f"{STEPS_SLUG}/index.md"]  # as a full run would
    moved_out = [p for p in report.problems if p.where == "--entry"]
    assert [(p.severity, p.entry_title) for p in moved_out] == [("warning", "Steps to Learn Kubernetes")]
    assert "is not an entry of data source f49e1ed9" in moved_out[0].message
    # A page that never was a post: reported, nothing written or removed.
    before = snapshot(synced)
    report, _ = run(moved, synced, (STEPS_PAGE,))
    assert report.change.written == report.change.removed == [] and snapshot(synced) == before


def test_a_named_entry_cannot_take_the_folder_of_another_post(store, synced):
    taken = copy.deepcopy(store)
    slug = taken["pages"][STEPS_PAGE]["properties"]["Slug"]["rich_text"][0]
    slug["plain_text"] = slug["text"]["content"] = SEED_SLUG
    before = snapshot(synced)
    report, _ = run(taken, synced, (STEPS_PAGE,))
    assert report.exit_code == 1
    assert [(p.where, p.entry_title) for p in report.errors] == [("Slug", "Steps to Learn Kubernetes")]
    assert "already used by 'Kubernetes Resources and Learning Path Summary', another post" in report.errors[0].message
    assert snapshot(synced) == before


def test_links_to_posts_not_read_come_from_the_manifest(tmp_path):
    first = storekit.entry("First Post", "first-post", 1)
    second = storekit.entry("Second Post", "second-post", 2)
    workspace = storekit.store([(first, [link_to_page(first["id"], second["id"])]), (second, [])])
    out = tmp_path / "posts"
    run(workspace, out)
    written = (out / "first-post" / "index.md").read_bytes()
    report, requests = run(workspace, out, (first["id"],))
    assert report.exit_code == 0 and ("GET", f"/v1/pages/{second['id']}") not in requests
    assert (out / "first-post" / "index.md").read_bytes() == written  # "[Second Post](relref …)" as before
    assert b"[Second Post]" in written


def test_a_config_change_is_left_to_the_next_full_run(store, synced):
    import dataclasses

    from pipeline import bundle

    changed = dataclasses.replace(CONFIG, link_style="path")
    with NotionEmulator(store, token=TOKEN) as emulator:
        sync(changed, Selection(SEED_DATA_SOURCE, (), (STEPS_PAGE,)), token=TOKEN, out_dir=synced,
             options=SourceOptions(base_url=emulator.base_url, rate=0))
        stamp_after_entry = bundle.Manifest.load(synced).fingerprint
        full = sync(changed, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=synced,
                    options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert stamp_after_entry != bundle.Manifest.load(synced).fingerprint
    assert SEED_SLUG in full.change.written  # rebuilt under the new config, not kept


def test_the_cli_takes_entry_ids_and_urls(store, synced, notion_env):
    with NotionEmulator(edit_heading(store, "Via the CLI"), token=TOKEN) as emulator:
        notion_env(emulator)
        result = CliRunner().invoke(main, [
            "sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE, "--out", str(synced),
            "--entry", "https://www.notion.so/Steps-" + STEPS_PAGE.replace("-", "")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"wrote {synced / STEPS_SLUG / 'index.md'}"
    assert "## Via the CLI" in (synced / STEPS_SLUG / "index.md").read_text()


def test_entry_needs_a_data_source_and_no_page():
    with pytest.raises(ConfigError, match="--entry names entries of the data source"):
        Selection.from_config(CONFIG, None, (), (STEPS_PAGE,))
    result = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--store", str(SEED_STORE),
                                       "--page", SEED_PAGE, "--entry", STEPS_PAGE])
    assert result.exit_code == 2 and "--entry names entries of the data source" in result.output


def test_a_single_page_of_the_config_is_synced_by_entry_beside_the_data_source(store, tmp_path):
    """Review: with notion.pages in pipeline.toml, every --entry run stopped (exit 2), so every
    webhook-triggered run failed; the webhook counts those pages' events too."""
    about = storekit.entry("About", "about", 9)
    about["parent"] = {"type": "workspace", "workspace": True}
    about["properties"]["Title"]["title"][0]["plain_text"] = "About"
    store["pages"][about["id"]] = about
    store["children"][about["id"]] = [storekit.paragraph(about["id"], storekit.text("Who we are"))["id"]]
    store["blocks"][store["children"][about["id"]][0]] = storekit.paragraph(about["id"], storekit.text("Who we are"))
    out = tmp_path / "posts"
    with_pages = Selection(SEED_DATA_SOURCE, (about["id"],))
    with NotionEmulator(store, token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        assert sync(CONFIG, with_pages, token=TOKEN, out_dir=out, options=options).exit_code == 0
        assert "Who we are" in (out / "about" / "index.md").read_text()
        steps = (out / STEPS_SLUG / "index.md").read_bytes()
    store["blocks"][store["children"][about["id"]][0]]["paragraph"]["rich_text"] = [storekit.text("Who we are now")]
    store["pages"][about["id"]]["last_edited_time"] = "2030-01-01T00:00:00.000Z"
    with NotionEmulator(store, token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, (about["id"],), (about["id"],)), token=TOKEN, out_dir=out,
                      options=options)
        assert report.exit_code == 0 and report.change.written == ["about"] and report.problems == []
        assert "Who we are now" in (out / "about" / "index.md").read_text()
        assert [(r.method, r.path) for r in emulator.requests if "query" in r.path] == []
        store["pages"][about["id"]]["in_trash"] = True
    with NotionEmulator(store, token=TOKEN) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, (about["id"],), (about["id"],)), token=TOKEN, out_dir=out,
                      options=SourceOptions(base_url=emulator.base_url, rate=0))
    assert report.change.removed == ["about/index.md"] and not (out / "about").exists()
    assert (out / STEPS_SLUG / "index.md").read_bytes() == steps  # the data source's posts left as they were


def linked_pair() -> tuple[dict, dict, dict]:
    """First Post links to Second Post (link_to_page): (the workspace, first, second)."""
    first = storekit.entry("First Post", "first-post", 1)
    second = storekit.entry("Second Post", "second-post", 2)
    return storekit.store([(first, [link_to_page(first["id"], second["id"])]), (second, [])]), first, second


def retitled(workspace: dict, page_id: str, slug: str | None = None, title: str | None = None) -> dict:
    changed = copy.deepcopy(workspace)
    properties = changed["pages"][page_id]["properties"]
    for name, kind, value in (("Slug", "rich_text", slug), ("Title", "title", title)):
        if value is not None:
            properties[name][kind][0]["plain_text"] = properties[name][kind][0]["text"]["content"] = value
    changed["pages"][page_id]["last_edited_time"] = "2030-01-01T00:00:00.000Z"
    return changed


@pytest.mark.parametrize("change", ["slug", "title", "unpublished"])
def test_a_post_linking_to_a_named_entry_follows_its_new_address_title_or_removal(tmp_path, change):
    """A webhook's run names the edited entry alone. A post linking to it kept the old relref,
    which fails Hugo's build (refLinksErrorLevel) until the next full run: it is read again too,
    and the folder is what a full run of the same workspace writes."""
    workspace, first, second = linked_pair()
    out, cache = tmp_path / "posts", tmp_path / "cache"
    run(workspace, out, cache_dir=cache)
    if change == "unpublished":
        edited = copy.deepcopy(workspace)
        edited["pages"][second["id"]]["properties"]["Status"]["status"]["name"] = "Draft"
    else:
        edited = retitled(workspace, second["id"], **({"slug": "second-renamed"} if change == "slug" else {"title": "Second, Retitled"}))
    report, requests = run(edited, out, (second["id"],), cache_dir=cache)
    assert report.exit_code == 0
    assert "first-post" in report.change.written
    # The linking post's page is retrieved (is it still published, under which slug?); its blocks come from the cache.
    assert ("GET", f"/v1/pages/{first['id']}") in requests
    assert ("GET", f"/v1/blocks/{first['id']}/children") not in requests
    rebuilt = tmp_path / "rebuilt" / "posts"
    full, _ = run(edited, rebuilt)
    assert {k: v[0] for k, v in snapshot(rebuilt).items()} == {k: v[0] for k, v in snapshot(out).items()}
    assert [(p.entry_title, p.where) for p in report.problems] == [(p.entry_title, p.where) for p in full.problems]
    text = (out / "first-post" / "index.md").read_text()
    if change == "slug":
        assert '{{< relref "/posts/second-renamed" >}}' in text and "second-post" not in text
    elif change == "title":
        assert "[Second, Retitled]" in text
    else:
        assert "relref" not in text and [p.entry_title for p in report.problems] == ["First Post"]
    # The next run of the same entry finds nothing stale: the linking post is not read again.
    _, requests = run(edited, out, (second["id"],), cache_dir=cache)
    assert ("GET", f"/v1/pages/{first['id']}") not in requests


def test_the_cli_says_which_posts_it_wrote_again_for_their_links(tmp_path, notion_env):
    """The user named one page and sees two written: the summary says why, and --format json
    lists them."""
    workspace, first, second = linked_pair()
    out = tmp_path / "posts"
    run(workspace, out)
    edited = retitled(workspace, second["id"], slug="second-renamed")
    with NotionEmulator(edited, token=TOKEN) as emulator:
        notion_env(emulator)
        args = ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE, "--out", str(out),
                "--entry", second["id"]]
        dry = CliRunner().invoke(main, [*args, "--dry-run"])
        result = CliRunner().invoke(main, args)
        again = CliRunner().invoke(main, [*args, "--format", "json"])
    assert dry.exit_code == 0 and "would write 1 of these for their links to a named page" in dry.output
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'first-post' / 'index.md'}" in result.output
    assert "wrote 1 of these for their links to a named page that moved, was renamed or went (a link to its old " \
           "address would fail Hugo's build)." in result.output
    import json

    assert json.loads(again.stdout)["relinked"] == []  # nothing stale any more
