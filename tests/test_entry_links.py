"""`sync --entry` and the pages linking to a named page (a webhook's run names the edited page
alone): single pages of [notion] pages, chains of moves, dry runs, the removal guard, and docs
tables. Each is compared with what a full run of the same workspace writes, or with its guard."""

from __future__ import annotations

import copy

import pytest

from pipeline import bundle
from pipeline.errors import RemovalRefused
from tests import sitestore
from tests.sitestore import page_id
from tests.test_site import make_site, run, snapshot
from tests.test_site_live import INSTALL, renamed

ABOUT = page_id("about")


def with_about(store: dict) -> dict:
    """A single page of [notion] pages (About) that mentions Install."""
    store = copy.deepcopy(store)
    page = sitestore.plain_page("about", "About", None)
    store["pages"][ABOUT] = page
    block = sitestore.storekit.paragraph(ABOUT, sitestore.text("See "), sitestore.mention(INSTALL, "Install"))
    store["children"][ABOUT] = [block["id"]]
    store["blocks"][block["id"]] = block
    return store


def about_site(root):
    site = make_site(root)
    text = (site / "pipeline.toml").read_text(encoding="utf-8")
    text = text.replace("pages = []", f'pages = ["{ABOUT}"]', 1)
    text += '\n[output]\ndir = "content/about"\n' if "[output]" not in text else ""
    (site / "pipeline.toml").write_text(text, encoding="utf-8")
    return site


def renamed_install_as_a_full_run(make_about_site, tmp_path):
    """`--entry Install` after Install is renamed, on a site with About: no warning about About,
    which nobody named, and every page as a full run writes it (manifests aside). The site."""
    site = make_about_site(tmp_path / "site")
    store = with_about(sitestore.workspace())
    run(store, site)
    changed = renamed(store)
    report, _ = run(changed, site, entries=(INSTALL,))
    assert not [p.message for p in report.combined().problems if p.where == "--entry"]
    full = make_about_site(tmp_path / "full")
    run(changed, full)
    a, b = snapshot(site / "content"), snapshot(full / "content")
    assert not {n for n in a.keys() | b.keys() if a.get(n) != b.get(n) and not n.endswith(".json")}
    return site


def test_a_single_page_linking_to_a_renamed_docs_page_follows_it(tmp_path):
    """[notion] pages only (no data source): About, a single page mentioning Install, follows
    Install's new folder (its relref to the old one would fail Hugo's build), with no warning
    about a page nobody named."""
    renamed_install_as_a_full_run(about_site, tmp_path)


def notion_source_site(root):
    """The posts as [notion]'s data source, with About one of its single pages, in content/posts."""
    site = make_site(root)
    text = (site / "pipeline.toml").read_text(encoding="utf-8")
    posts = f'[[sources]]\ndata_source = "{sitestore.SEED_DATA_SOURCE}"\nsection = "posts"\n'
    assert posts in text
    text = text.replace(posts, "").replace('data_source = ""', f'data_source = "{sitestore.SEED_DATA_SOURCE}"', 1)
    text = text.replace("pages = []", f'pages = ["{ABOUT}"]', 1)
    (site / "pipeline.toml").write_text(text, encoding="utf-8")
    return site


def test_a_single_page_beside_the_data_source_linking_to_a_renamed_docs_page_stays(tmp_path):
    """[notion] data source and pages: About, a single page beside the data source's posts, is
    read as a single page (not as an entry that left the data source, which removed its post)."""
    site = renamed_install_as_a_full_run(notion_source_site, tmp_path)
    assert (site / "content" / "posts" / "about" / "index.en.md").is_file()


def test_a_post_linking_to_a_referrer_that_moves_follows_it_too(tmp_path):
    """Third links to First, First to Second. Second's slug changes (the webhook names it), and
    so did First's (its own run not yet made: cancelled by a newer one, or its event lost).
    --entry Second reads First again, which moves it to its new folder, and so Third too, which
    is written as a full run writes it."""
    from tests import storekit
    from tests.test_links import link_to_page
    from tests.test_sync_entry import retitled
    from tests.test_sync_entry import run as run_one

    first = storekit.entry("First Post", "first-post", 1)
    second = storekit.entry("Second Post", "second-post", 2)
    third = storekit.entry("Third Post", "third-post", 3)
    workspace = storekit.store([(first, [link_to_page(first["id"], second["id"])]), (second, []),
                                (third, [link_to_page(third["id"], first["id"])])])
    out, cache = tmp_path / "posts", tmp_path / "cache"
    assert run_one(workspace, out, cache_dir=cache)[0].exit_code == 0
    edited = retitled(retitled(workspace, second["id"], slug="second-renamed"), first["id"], slug="first-renamed")
    report, _ = run_one(edited, out, (second["id"],), cache_dir=cache)
    assert "first-renamed" in report.change.written and not (out / "first-post").exists()
    rebuilt = tmp_path / "rebuilt" / "posts"
    run_one(edited, rebuilt)
    assert (out / "third-post" / "index.md").read_text() == (rebuilt / "third-post" / "index.md").read_text()


def test_a_dry_run_of_a_site_shows_the_linking_pages_the_run_writes(tmp_path):
    """`sync --dry-run --entry` shows what that run does, the linking pages of other sources
    included: a pass links as the passes before it would have written."""
    from tests.test_site_live import synced_site

    site, store = synced_site(tmp_path)
    changed = renamed(store)
    dry, _ = run(changed, site, entries=(INSTALL,), dry_run=True)
    real, _ = run(changed, site, entries=(INSTALL,))
    assert "posts/hello/index.en.md" in real.combined().change.written
    assert sorted(dry.combined().change.written) == sorted(real.combined().change.written)


def test_posts_read_again_for_their_links_are_not_removed_past_the_mass_removal_guard(tmp_path):
    """Three of four posts link to Second. Second is unpublished (the webhook names it) and the
    three answer 404 (deleted, or no longer shared with the integration). A full run of that
    workspace would remove 4 of 4 posts: refused (exit 3, max_removed_share 0.5). No one named
    the three, so `--entry Second` is refused by the same guard, and a removal within it is
    counted in the removal window."""
    from tests import storekit
    from tests.test_links import link_to_page
    from tests.test_sync_entry import run as run_one

    second = storekit.entry("Second Post", "second-post", 2)
    linking = [storekit.entry(f"Post {n}", f"post-{n}", n + 10) for n in (1, 3, 4)]
    workspace = storekit.store([(second, [])] + [(p, [link_to_page(p["id"], second["id"])]) for p in linking])
    out = tmp_path / "posts"
    assert run_one(workspace, out)[0].exit_code == 0
    gone = copy.deepcopy(workspace)
    gone["pages"][second["id"]]["properties"]["Status"]["status"]["name"] = "Draft"
    for page in linking:
        del gone["pages"][page["id"]]
        gone["entries"][sitestore.SEED_DATA_SOURCE].remove(page["id"])
    full = tmp_path / "full"
    run_one(workspace, full)
    with pytest.raises(RemovalRefused, match="would remove 4 of the 4 posts"):  # the full run's guard
        run_one(gone, full)
    with pytest.raises(RemovalRefused, match="would remove 3 of the 4 posts"):  # the same guard: nothing written
        run_one(gone, out, (second["id"],))
    assert all((out / f"post-{n}" / "index.md").is_file() for n in (1, 3, 4))
    assert (out / "second-post" / "index.md").is_file()
    # One of them gone is within the guard: removed, and counted in the removal window.
    back = copy.deepcopy(workspace)
    back["pages"][second["id"]]["properties"]["Status"]["status"]["name"] = "Draft"
    del back["pages"][linking[0]["id"]]
    back["entries"][sitestore.SEED_DATA_SOURCE].remove(linking[0]["id"])
    report, _ = run_one(back, out, (second["id"],))
    assert sorted(report.change.removed) == ["post-1/index.md", "second-post/index.md"]
    assert sorted(report.change.written) == ["post-3", "post-4"]
    assert [r["removed"] for r in bundle.Manifest.load(out).removals] == [1]


def test_a_newly_published_entry_named_joins_the_docs_table_as_in_a_full_run(tmp_path):
    """--entry of an entry just published: as a full run does, Reference's table of the Posts
    database lists it (test_site.test_a_new_published_entry_renders_the_inline_table_again)."""
    from tests.test_site_live import synced_site

    site, store = synced_site(tmp_path)
    published = copy.deepcopy(store)
    published["pages"][page_id("draft-zh")]["properties"]["Status"]["status"]["name"] = "Published"
    report, _ = run(published, site, entries=(page_id("draft-zh"),))
    assert "posts/draft/index.zh.md" in report.combined().change.written
    assert '| [草稿]({{< relref path="/posts/draft" lang="zh" >}}) |' in \
        (site / "content" / "docs" / "reference" / "index.en.md").read_text()
