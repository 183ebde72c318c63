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

STEPS_PAGE = "47fe7c27-f8e6-4162-bc8e-ed96d898dcb4"  # steps-to-learn-kubernetes
RESOURCES_PAGE = "49518a26-c981-43f7-818f-b6c9e0d9c417"  # kubernetes-resources-and-learning-path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(monkeypatch, store, out: Path, *args: str, faults: Faults | None = None, token: str = TOKEN):
    """Run `notion-hugo sync` against an emulator of `store`, as the environment points it."""
    with NotionEmulator(store, token=TOKEN, faults=faults) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", token)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        # --no-cache: these tests give one page id and edit time other content from run to run,
        # which Notion never does and the block cache (tests/test_block_cache.py) relies on.
        return CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                         SEED_DATA_SOURCE, "--out", str(out), "--no-cache", *args])


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


def seed_without(*page_ids: str) -> dict:
    store = load_store(SEED_STORE)
    for page_id in page_ids:
        store["pages"][page_id]["in_trash"] = True
    return store


def test_a_symlink_at_a_post_is_never_written_through_nor_removed_through(synced, monkeypatch):
    """Finding 7: hello/index.md → ../about/index.md must not overwrite, then delete, about/."""
    about = synced / "about"
    about.mkdir()
    (about / "index.md").write_text("hand-written\n")
    slug = "kubernetes-resources-and-learning-path"
    (synced / slug / "index.md").unlink()
    (synced / slug / "index.md").symlink_to("../about/index.md")
    result = cli(monkeypatch, load_store(SEED_STORE), synced, "--force")
    assert result.exit_code == 1
    assert f"Slug: {synced / slug / 'index.md'} is a symbolic link, and notion-hugo never writes or removes " \
           "through one. Move that file away, or give the entry another slug." in result.output
    assert (about / "index.md").read_text() == "hand-written\n"
    result = cli(monkeypatch, seed_without(RESOURCES_PAGE), synced, "--allow-removal")
    assert result.exit_code == 0, result.output
    assert f"left {synced / slug / 'index.md'}: {synced / slug / 'index.md'} is a symbolic link" in result.output
    assert (about / "index.md").read_text() == "hand-written\n"


def test_a_symlinked_post_folder_is_not_followed(synced, monkeypatch, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    slug = "kubernetes-resources-and-learning-path"
    for file in (synced / slug).iterdir():
        file.rename(elsewhere / file.name)
    (synced / slug).rmdir()
    (synced / slug).symlink_to(elsewhere)
    before = snapshot(elsewhere)
    result = cli(monkeypatch, load_store(SEED_STORE), synced, "--force")
    assert result.exit_code == 1
    assert f"{synced / slug} is a symbolic link" in result.output
    assert snapshot(elsewhere) == before


def test_a_hand_written_file_at_a_synced_path_is_never_overwritten_nor_removed(monkeypatch, tmp_path):
    """Finding 8: a file the manifest does not list rejects its entry, named; --dry-run says so."""
    out = tmp_path / "posts"
    mine = out / "kubernetes-resources-and-learning-path" / "index.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine\n")
    for args in (["--dry-run"], []):
        result = cli(monkeypatch, load_store(SEED_STORE), out, *args)
        assert result.exit_code == 1
        assert f"Slug: {mine} exists and notion-hugo did not write it (its manifest does not list it). " \
               "Move that file away, or give the entry another slug." in result.output
        assert f"write {mine}" not in result.output
    assert mine.read_text() == "mine\n"
    assert (out / "steps-to-learn-kubernetes" / "index.md").exists()
    result = cli(monkeypatch, seed_without(RESOURCES_PAGE), out, "--allow-removal")
    assert result.exit_code == 0 and mine.read_text() == "mine\n"


@pytest.mark.parametrize(("manifest", "why"), [
    (lambda text: text[: len(text) // 2], "it is not JSON (cut short?)"),
    (lambda text: "[]", "its format is not 'notion-hugo-manifest/1'"),
    (lambda text: '{"pages": null}', "its format is not 'notion-hugo-manifest/1'"),
    (lambda text: text.replace('"format": "notion-hugo-manifest/1"', '"format": "other/2"'), "its format is not"),
    (lambda text: json.dumps({**json.loads(text), "pages": None}), "it lacks a fingerprint or pages"),
    (lambda text: text.replace('"steps-to-learn-kubernetes/index.md"', '"../x"'),
     "lists '../x', which is not a path inside its folder steps-to-learn-kubernetes/"),
    (lambda text: text.replace('"steps-to-learn-kubernetes/index.md"', '"steps-to-learn-kubernetes/../../x"'),
     "is not a path inside its folder"),
    (lambda text: text.replace('"slug": "steps-to-learn-kubernetes"', '"slug": ".."'), "which is not a folder inside the output folder"),
    # A page id goes into API paths when a run reads again the posts linking to a named page.
    (lambda text: json.dumps({**json.loads(text), "pages": {"../../v1/users": next(iter(json.loads(text)["pages"].values()))}}),
     "it lists '../../v1/users', which is not a Notion page id"),
], ids=["truncated", "array", "pages-null", "foreign", "pages-not-object", "dotdot", "dotdot-inside", "slug-dotdot",
        "page-id"])
def test_a_corrupt_or_foreign_manifest_stops_the_run_with_the_fix(manifest, why, synced, monkeypatch, tmp_path):
    """Findings 10, 11, 14: never silently replaced, never trusted to name a path outside."""
    outside = tmp_path / "x"
    outside.write_text("keep\n")
    path = synced / ".notion-hugo.json"
    path.write_text(manifest(path.read_text()))
    before = snapshot(synced)
    result = cli(monkeypatch, seed_without(STEPS_PAGE), synced, "--allow-removal")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {path} is not a manifest notion-hugo can trust: ")
    assert why in result.output
    assert f"Restore it (e.g. `git checkout -- {path}`), or delete it together with the post folders" in result.output
    assert snapshot(synced) == before and outside.read_text() == "keep\n"


def test_removing_more_than_half_of_the_posts_needs_allow_removal(synced, monkeypatch):
    """The removal guard: 2 of 2 posts gone stops the run (exit 3), naming the count."""
    before = snapshot(synced)
    dry = cli(monkeypatch, seed_without(RESOURCES_PAGE, STEPS_PAGE), synced, "--dry-run")
    result = cli(monkeypatch, seed_without(RESOURCES_PAGE, STEPS_PAGE), synced)
    assert dry.exit_code == result.exit_code == 3 and dry.output == result.output  # the dry run tells the truth
    assert result.output == (
        "Error: this run would remove 2 of the 2 posts, more than the 50% one run may remove ([limits] "
        "max_removed_share in pipeline.toml). Nothing was written. If those entries were really unpublished "
        "or deleted in Notion, run again with --allow-removal; otherwise check the data source and [publish] "
        "in pipeline.toml.\n")
    assert snapshot(synced) == before
    result = cli(monkeypatch, seed_without(STEPS_PAGE), synced)  # one of two: half is allowed
    assert result.exit_code == 0 and "removed" in result.output
    result = cli(monkeypatch, seed_without(RESOURCES_PAGE, STEPS_PAGE), synced, "--allow-removal")
    assert result.exit_code == 0 and not list(synced.glob("*/index.md"))


def renamed_option() -> dict:
    """The seed with its status option "Published" renamed "Live" in Notion."""
    store = load_store(SEED_STORE)
    text = json.dumps(store).replace('"name": "Published"', '"name": "Live"')
    return json.loads(text)


def test_a_renamed_status_option_is_a_config_error_not_a_removal(synced, monkeypatch):
    """Finding 6: "Published" renamed "Live" in Notion removed every post."""
    assert '"Live"' in json.dumps(renamed_option()) and '"name": "Published"' not in json.dumps(renamed_option())
    before = snapshot(synced)
    result = cli(monkeypatch, renamed_option(), synced, "--allow-removal")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        "Error: pipeline.toml does not match the data source, and a sync would unpublish the posts:\n"
        "  publish: 'Published' is not an option of 'Status'\n(its options: Archived, Draft, Live; its properties: ")
    assert snapshot(synced) == before


@pytest.mark.parametrize(("key", "typo", "line"), [
    ('property = "Slug"', 'property = "Slgu"', "slug.property 'Slgu' is not a property"),
    ('property = "Tags"', 'property = "Tagz"', "front_matter 'tags' 'Tagz' is not a property"),
    ('status_property = "Status"', 'status_property = "State"', "publish.status_property 'State' is not a property"),
])
def test_a_property_missing_from_the_data_source_is_a_config_error_naming_it(key, typo, line, synced, monkeypatch,
                                                                            tmp_path):
    """Finding 6: a typo in [slug] property moved every post to a title slug, deleting the old."""
    config = tmp_path / "pipeline.toml"
    text = DEFAULT_CONFIG_FILE.read_text()
    assert key in text
    config.write_text(text.replace(key, typo))
    before = snapshot(synced)
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", TOKEN)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        result = CliRunner().invoke(main, ["sync", "--config", str(config), "--data-source", SEED_DATA_SOURCE,
                                           "--out", str(synced), "--allow-removal"])
    assert result.exit_code == 2, result.output
    assert f"\n  {line} of the data source\n" in result.output
    assert result.output.rstrip().endswith("TocOpen, Type). Rename them in pipeline.toml or in Notion.")
    assert snapshot(synced) == before


def config_with(tmp_path: Path, **limits: object) -> Path:
    """The default mapping with some [limits] changed."""
    text = DEFAULT_CONFIG_FILE.read_text()
    for key, value in limits.items():
        line = next(line for line in text.splitlines() if line.startswith(f"{key} = "))
        text = text.replace(line, f"{key} = {json.dumps(value)}")
    path = tmp_path / "pipeline.toml"
    path.write_text(text)
    return path


def sync_with(monkeypatch, store, out: Path, config: Path, *args: str, faults: Faults | None = None, **kwargs):
    with NotionEmulator(store, token=TOKEN, faults=faults, **kwargs) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", TOKEN)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        return CliRunner().invoke(main, ["sync", "--config", str(config), "--data-source", SEED_DATA_SOURCE,
                                         "--out", str(out), "--no-cache", *args])


def test_a_second_sync_waits_for_the_first_then_gives_up_with_exit_2(synced, monkeypatch, tmp_path):
    """Finding 9: a sync holding the output folder (here: still running in another process)."""
    import subprocess
    import sys

    import threading

    # The holder keeps the lock until its stdin closes: the test, not the clock, says when.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); "
        "print('held', flush=True); sys.stdin.read()"), str(synced)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    before = snapshot(synced)
    result = sync_with(monkeypatch, load_store(SEED_STORE), synced, config_with(tmp_path, lock_wait=0.2), "--force")
    assert result.exit_code == 2, result.output
    assert result.output.endswith(
        f"Error: another notion-hugo sync is writing {synced}; waited 0.2 s for it. Run again when it has "
        "finished ([limits] lock_wait in pipeline.toml sets how long to wait).\n")
    assert snapshot(synced) == before
    release = threading.Timer(0.5, holder.stdin.close)  # while the next sync waits for the lock
    release.start()
    result = sync_with(monkeypatch, load_store(SEED_STORE), synced, config_with(tmp_path, lock_wait=30), "--force")
    assert result.exit_code == 0, result.output  # waited until the holder ended
    release.join()
    holder.wait(timeout=30)


def test_a_lone_surrogate_rejects_its_entry_only_and_names_it(monkeypatch, tmp_path):
    """Finding 15: one entry with a lone surrogate stopped the run (exit 2, no post, unnamed)."""
    from tests import storekit

    good = storekit.entry("Good", "good", 1)
    bad = storekit.entry("Bad", "bad", 2)
    store = storekit.store([(good, [storekit.paragraph(good["id"], storekit.text("fine"))]),
                            (bad, [storekit.paragraph(bad["id"], storekit.text("x"))])])
    # JSON may spell a lone surrogate ("\\ud800"); the emulator cannot encode one, so it is served raw.
    answer = {"object": "list", "results": [storekit.paragraph(bad["id"], storekit.text("x \ud800 y"))],
              "next_cursor": None, "has_more": False}
    out = tmp_path / "posts"
    result = cli(monkeypatch, store, out, faults=Faults(bodies={f"/blocks/{bad['id']}/children": json.dumps(answer).encode()}))
    assert result.exit_code == 1, result.output
    assert ("error: Bad (https://www.notion.so/00000000000000000000000000001002)\n  the page: its text holds a "
            "character that cannot be written as UTF-8 (a lone surrogate, near '") in result.output
    assert "x \\ud800 y" in result.output and "'): retype that passage in Notion.\n" in result.output
    assert sorted(p.parent.name for p in out.glob("*/index.md")) == ["good"]


def test_control_characters_from_notion_are_shown_escaped(monkeypatch, tmp_path):
    """Finding 3: ESC, OSC 52 and \\r in a title and a link reach the terminal as escapes."""
    from tests import storekit

    title = "T\x1b[2K\r\x1b]52;c;ZXZpbA==\x07itle"
    hostile = storekit.entry(title, "a b", 1)  # a slug with a space: rejected, its title reported
    link = storekit.text("see")
    link["href"] = "https://www.notion.so/x\x1b[31mred\r-" + "a" * 32
    link["text"]["link"] = {"url": link["href"]}
    linking = storekit.entry("Links", "links", 2)  # a link to a page not exported: a warning
    store = storekit.store([(hostile, []), (linking, [storekit.paragraph(linking["id"], link)])])
    with NotionEmulator(store, token=TOKEN) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", TOKEN)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        result = CliRunner().invoke(main, ["validate", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                           SEED_DATA_SOURCE])
        as_json = CliRunner().invoke(main, ["validate", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                            SEED_DATA_SOURCE, "--format", "json"])
        synced = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                           SEED_DATA_SOURCE, "--out", str(tmp_path / "posts")])
    for shown in (result.output, synced.output):
        assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown
        assert "error: T\\x1b[2K\\x0d\\x1b]52;c;ZXZpbA==\\x07itle (https://www.notion.so/" in shown
    assert synced.exit_code == 1
    assert result.exit_code == 1
    assert "error: T\\x1b[2K\\x0d\\x1b]52;c;ZXZpbA==\\x07itle (https://www.notion.so/" in result.output
    assert "links to Notion page https://www.notion.so/x\\x1b[31mred\\x0d-aaaa" in result.output
    assert "\x1b" not in as_json.output and json.loads(as_json.output)["problems"][0]["entry"] == title


def test_a_server_message_quoting_the_token_is_shown_redacted(monkeypatch, tmp_path):
    """Finding 12: an error echoing the Authorization header printed the token."""
    result = cli(monkeypatch, load_store(SEED_STORE), tmp_path / "posts", "--verbose",
                 faults=Faults(echo_auth_every=1))
    assert result.exit_code == 3
    assert "Bad request with headers: Authorization: Bearer [NOTION_TOKEN]" in result.output
    assert TOKEN not in result.output and "Traceback" in result.output


@pytest.mark.parametrize(("token", "why"), [
    (TOKEN + "\nX-Injected: 1", "a line break at 35"),
    ("secret with space", "a space at 7"),
    ("secret\x1bX", "a character no token has at 7"),
    ("sécret", "a character no token has at 2"),
])
def test_a_token_no_notion_token_can_be_is_refused_without_echoing_it(token, why, monkeypatch, tmp_path):
    """Finding 13: httpx's error about a bad header quoted the whole token."""
    result = cli(monkeypatch, load_store(SEED_STORE), tmp_path / "posts", token=token)
    assert result.exit_code == 2
    assert result.output == (f"Error: NOTION_TOKEN holds {why.replace(' at ', ' at position ')}: copy the Internal "
                             "Integration Secret again (notion.so/profile/integrations).\n")


def test_an_unexpected_error_is_one_line_and_exit_4(monkeypatch, tmp_path):
    """Item 7: never a traceback with exit 1 (which the Action takes for "entries rejected")."""
    def broken(config, renderer):
        raise KeyError("boom")

    monkeypatch.setattr("pipeline.sync.fingerprint", broken)
    result = cli(monkeypatch, load_store(SEED_STORE), tmp_path / "posts")
    assert result.exit_code == 4
    assert result.output == ("Error: unexpected KeyError: 'boom'. Nothing more was written; run with --verbose for "
                             "the traceback, and report it.\n")
    verbose = cli(monkeypatch, load_store(SEED_STORE), tmp_path / "posts", "--verbose")
    assert verbose.exit_code == 4 and verbose.output.startswith("Traceback (most recent call last):")


def test_a_renderer_exception_rejects_that_entry_only(monkeypatch, tmp_path):
    """Item 7: a bug met by one entry names it, and the others are written."""
    from pipeline.render import Renderer

    real = Renderer.render_page

    def fragile(self, blocks, ctx):
        if blocks and blocks[0].data["parent"].get("page_id") == RESOURCES_PAGE:
            raise ZeroDivisionError("division by zero")
        return real(self, blocks, ctx)

    monkeypatch.setattr(Renderer, "render_page", fragile)
    out = tmp_path / "posts"
    result = cli(monkeypatch, load_store(SEED_STORE), out)
    assert result.exit_code == 1, result.output
    assert ("  the page: notion-hugo could not render this entry (ZeroDivisionError: division by zero). This is a "
            "bug in notion-hugo: please report it with the page; the other entries are written.") in result.output
    assert [p.parent.name for p in out.glob("*/index.md")] == ["steps-to-learn-kubernetes"]


@pytest.mark.parametrize("base_url", ["http://[::1", "ftp://example.com", "localhost:3000"])
def test_a_malformed_base_url_is_a_config_error(base_url, monkeypatch, tmp_path):
    """Finding 14: NOTION_BASE_URL=http://[::1 gave a traceback and exit 1."""
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    monkeypatch.setenv("NOTION_BASE_URL", base_url)
    result = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                                       SEED_DATA_SOURCE, "--out", str(tmp_path / "posts")])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: NOTION_BASE_URL {base_url!r} is not ")
    assert result.output.endswith("; unset it to reach Notion.\n")


def test_site_kit_into_a_site_whose_layouts_is_a_file_is_one_line_exit_2(tmp_path):
    """Findings 14 and item 7: site-kit and build-site go through the same boundary."""
    (tmp_path / "layouts").write_text("not a folder")
    result = CliRunner().invoke(main, ["site-kit", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("status", "fails"), [(0, False), (1, False), (2, True), (3, True), (4, True)])
def test_the_action_stops_before_committing_on_exit_2_3_and_4(status, fails, tmp_path):
    """Item 7: exit 4 is a failure the Action never commits; 1 commits the valid posts first."""
    import subprocess

    import yaml

    from tests.conftest import ROOT

    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    script = next(step for step in steps if step.get("name") == "Sync from Notion")["run"]
    command = next(line for line in script.splitlines() if "notion-hugo\" sync" in line)
    script = script.replace(command, f"(exit {status})")
    output, summary = tmp_path / "github_output", tmp_path / "summary"
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True)
    assert (done.returncode != 0) == fails
    assert output.read_text().startswith(f"status={status}\n")
    if status == 4:
        assert done.returncode == 4 and "unexpected error (a bug, exit 4); nothing committed" in done.stdout


def nested_store(depth: int) -> tuple[dict, list[str]]:
    """One entry whose body nests `depth` levels of paragraphs, each the child of the one above."""
    from tests import storekit

    page = storekit.entry("Deep", "deep", 1)
    chain = []
    for level in range(depth):
        block = storekit.paragraph(page["id"], storekit.text(f"level {level + 1}"))
        block["id"] = f"00000000-0000-4000-8000-{level + 1:012d}"
        block["has_children"] = level + 1 < depth
        chain.append(block)
    store = storekit.store([(page, chain[:1])])
    for parent, child in zip(chain, chain[1:]):
        store["blocks"][child["id"]] = child
        store["children"][parent["id"]] = [child["id"]]
    return store, [b["id"] for b in chain]


def test_nesting_deeper_than_max_depth_rejects_the_entry_and_stops_fetching(monkeypatch, tmp_path):
    """Finding 17: a 2,000-deep page fetched for 11 minutes, then dropped the content silently."""
    store, chain = nested_store(12)
    with NotionEmulator(store, token=TOKEN) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", TOKEN)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        result = CliRunner().invoke(main, ["sync", "--config", str(config_with(tmp_path, max_depth=4)),
                                           "--data-source", SEED_DATA_SOURCE, "--out", str(tmp_path / "posts")])
        fetched = emulator.count(prefix="/v1/blocks/")
    assert result.exit_code == 1, result.output
    assert (f"  block {chain[3]}: the blocks here are nested deeper than 4 levels ([limits] max_depth): move the "
            "deepest ones up a level.") in result.output
    assert fetched == 4  # the page, then levels 2, 3 and 4: nothing below
    assert not (tmp_path / "posts" / "deep").exists()
    store, _ = nested_store(4)
    result = sync_with(monkeypatch, store, tmp_path / "posts", config_with(tmp_path, max_depth=4))
    assert result.exit_code == 0, result.output  # exactly as deep as allowed


def synced_block(page_id: str, block_id: str, original: str | None) -> dict:
    from tests import storekit

    block = storekit.paragraph(page_id, storekit.text(block_id))
    # Shape: developers.notion.com/reference/block#synced-block — an original has synced_from
    # null; a copy names its original: {"synced_from": {"type": "block_id", "block_id": …}}.
    del block["paragraph"]
    block.update(id=block_id, type="synced_block", has_children=True,
                 synced_block={"synced_from": original and {"type": "block_id", "block_id": original}})
    return block


def test_a_synced_block_that_shows_itself_rejects_its_entry(monkeypatch, tmp_path):
    """Finding 17: a synced block whose original contains it reached ~1 GB in 60 s."""
    from tests import storekit

    page = storekit.entry("Loop", "loop", 1)
    original = synced_block(page["id"], "00000000-0000-4000-8000-00000000000a", None)
    copy = synced_block(page["id"], "00000000-0000-4000-8000-00000000c0c0", original["id"])
    store = storekit.store([(page, [original])])
    store["blocks"][copy["id"]] = copy
    store["children"][original["id"]] = [copy["id"]]
    store["children"][copy["id"]] = []
    result = cli(monkeypatch, store, tmp_path / "posts")
    assert result.exit_code == 1, result.output
    assert (f"  block {copy['id']}: this synced block shows a block that contains it, so it would never end. "
            "Remove the block, or sync it from another original.") in result.output


def test_synced_blocks_nested_in_synced_blocks_reject_their_entry(monkeypatch, tmp_path):
    """Finding 17: originals each showing two copies of the next double the tree at every level."""
    from tests import storekit

    page = storekit.entry("Doubling", "doubling", 1)
    originals = [f"00000000-0000-4000-8000-0000000000a{n}" for n in range(4)]
    store = storekit.store([(page, [synced_block(page["id"], originals[0], None)])])
    for n, (outer, inner) in enumerate(zip(originals, originals[1:])):
        store["blocks"][inner] = synced_block(page["id"], inner, None)
        copies = [synced_block(page["id"], f"00000000-0000-4000-8000-0000000000c{n}{k}", inner) for k in range(2)]
        for copy in copies:
            store["blocks"][copy["id"]] = copy
        store["children"][outer] = [copy["id"] for copy in copies]
    store["children"][originals[-1]] = []
    result = cli(monkeypatch, store, tmp_path / "posts")
    assert result.exit_code == 1, result.output
    assert ("  block 00000000-0000-4000-8000-0000000000c00: a synced block inside another synced block, which "
            "Notion does not allow (each would repeat the other's blocks): remove the inner one.") in result.output


def file_store(size: int) -> dict:
    """One entry showing a Notion-hosted PNG of `size` bytes."""
    import base64

    from tests import storekit
    from tests.test_files import SIGNED, image_block

    page = storekit.entry("With an image", "with-an-image", 1)
    store = storekit.store([(page, [image_block(page["id"], SIGNED)])])
    store["files"] = {SIGNED: {"content_type": "image/png", "base64": base64.b64encode(b"\x89PNG" + b"\0" * (size - 4)).decode()}}
    return store


def test_a_download_over_the_cap_rejects_its_entry(monkeypatch, tmp_path):
    """Finding 16: a file announcing 2 GB was read whole into memory and written to the bundle."""
    config = config_with(tmp_path, download_max_mb=0.01)  # 10,485 bytes
    result = sync_with(monkeypatch, file_store(20_000), tmp_path / "posts", config)
    assert result.exit_code == 1, result.output
    assert ("a Notion-hosted file: could not download 'diagram.png' (the answer announces 20,000 bytes, over the "
            "10,485-byte cap)") in result.output
    assert not (tmp_path / "posts" / "with-an-image").exists()
    result = sync_with(monkeypatch, file_store(10_000), tmp_path / "posts", config)
    assert result.exit_code == 0, result.output


def test_an_api_answer_over_the_cap_is_a_notion_failure(synced, monkeypatch, tmp_path):
    """Finding 16: an endless API body ended in MemoryError."""
    before = snapshot(synced)
    result = sync_with(monkeypatch, load_store(SEED_STORE), synced, config_with(tmp_path, response_max_mb=0.001),
                       "--force")
    assert result.exit_code == 3, result.output
    assert "over the 1,048-byte cap" in result.output and snapshot(synced) == before


def test_an_endless_answer_without_a_length_stops_at_the_cap(synced, monkeypatch, tmp_path):
    """Finding 16: a body with no Content-Length that never ends is counted as it comes, and
    the count stops it at the cap (the announced-length check cannot)."""
    before = snapshot(synced)
    result = sync_with(monkeypatch, load_store(SEED_STORE), synced, config_with(tmp_path, response_max_mb=1),
                       "--force", faults=Faults(endless_every=1))
    assert result.exit_code == 3, result.output
    assert "over the 1,048,576-byte cap" in result.output and snapshot(synced) == before


def test_an_answer_dripped_a_byte_at_a_time_meets_the_deadline(synced, monkeypatch, tmp_path):
    """Finding 17: a server dripping 1 byte every 5 s held the run for ever."""
    before = snapshot(synced)
    result = sync_with(monkeypatch, load_store(SEED_STORE), synced, config_with(tmp_path, request_deadline=0.5),
                       "--force", faults=Faults(drip_every=1, drip_seconds=0.05))
    assert result.exit_code == 3, result.output
    assert "(BoundExceeded: the answer took over the 0.5 s deadline for one request)" in result.output
    assert snapshot(synced) == before


@pytest.mark.parametrize(("limits", "requests"), [
    ({"rate": 1.5, "burst": 3, "lock_wait": 5, "request_deadline": 60}, 1),  # only the query
    ({"colors": True}, 8),  # a render option: every page again (L = 8 for the seed)
    ({"style": "permalink"}, 8),  # the link style
], ids=["rate-burst-limits", "render-option", "link-style"])
@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_only_what_changes_the_output_refetches(limits, requests, cache, monkeypatch, tmp_path):
    """Review finding: tuning rate made every user's next sync refetch everything (1 → 8). With
    the block cache, what changes the output re-renders from the trees kept: the query only."""
    out = tmp_path / "posts"
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    for changed in ({}, limits):  # the first sync, then one with the config changed
        with NotionEmulator(load_store(SEED_STORE), token=TOKEN) as emulator:
            monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
            config = config_with(tmp_path, **changed)
            result = CliRunner().invoke(main, ["sync", "--config", str(config), "--data-source", SEED_DATA_SOURCE,
                                               "--out", str(out), *(() if cache else ("--no-cache",))])
            assert result.exit_code == 0, result.output
    assert emulator.count(prefix="/v1/") == (1 if cache else requests)


def test_active_uploads_are_never_bundled_and_the_site_still_builds(monkeypatch, tmp_path):
    """Finding 2: .svg/.xhtml/.js uploads ran scripts on the blog's domain; one .html broke the build."""
    import base64

    from tests import storekit
    from tests.hugosite import build, demo_site
    from tests.test_files import PNG, image_block

    def hosted(name: str) -> str:
        return f"https://prod-files-secure.s3.us-west-2.amazonaws.com/space/block/{name}?X-Amz-Signature=abc"

    page = storekit.entry("Attachments", "attachments", 1)
    blocks = []
    for n, name in enumerate(["page.html", "app.js", "doc.xhtml", "photo.png", "paper.pdf"]):
        block = image_block(page["id"], hosted(name))
        block["id"] = f"00000000-0000-4000-8000-{n + 1:012d}"
        block["type"], block["file"] = "file", {**block.pop("image"), "name": name}
        blocks.append(block)
    svg_page = storekit.entry("Vector", "vector", 2)
    store = storekit.store([(page, blocks), (svg_page, [image_block(svg_page["id"], hosted("logo.svg"))])])
    script = b"<html><script>alert(document.domain)</script></html>"
    store["files"] = {hosted(name): {"content_type": "text/html", "base64": base64.b64encode(body).decode()}
                      for name, body in [("page.html", script), ("app.js", b"alert(1)"), ("doc.xhtml", script),
                                         ("photo.png", PNG), ("paper.pdf", b"%PDF-1.4\n"),
                                         ("logo.svg", b"<svg onload='alert(1)'/>")]}
    site = demo_site(tmp_path / "site")
    out = site / "content" / "posts"
    result = cli(monkeypatch, store, out)
    assert result.exit_code == 1, result.output
    for n, name in enumerate(["page.html", "app.js", "doc.xhtml"]):
        assert (f"  block 00000000-0000-4000-8000-{n + 1:012d} (file): '{name}' is not a type the blog publishes "
                "(images, audio, video, PDF, plain documents; not SVG, HTML or scripts): served from the blog's own "
                "domain, a file like it could run scripts for its readers. Upload it as PNG or PDF, link it from "
                "elsewhere, or remove it.") in result.output
    assert "(image): 'logo.svg' is not a type the blog publishes" in result.output
    assert not (out / "attachments").exists() and not (out / "vector").exists()
    # Without them, the PNG and the PDF are bundled, and Hugo builds the site.
    for page_id in list(store["children"]):
        store["children"][page_id] = [b for b in store["children"][page_id] if int(b[-1]) in (4, 5)]
    result = cli(monkeypatch, store, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in (out / "attachments").iterdir()) == [".md", ".pdf", ".png"]
    public = build(site, tmp_path)  # no "text/html is not whitelisted"
    assert (public / "posts" / "attachments" / "index.html").exists()


def test_build_site_failing_is_exit_2_without_a_traceback(tmp_path):
    """Item 7: build-site goes through the same boundary as every command."""
    site = tmp_path / "site"
    (site / "layouts").mkdir(parents=True)
    (site / "hugo.toml").write_text('title = "x"\n')
    (site / "layouts" / "index.html").write_text("{{ .Broken ")
    result = CliRunner().invoke(main, ["build-site", str(site), "--destination", str(tmp_path / "public")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_two_syncs_at_once_into_one_folder_take_turns(tmp_path):
    """Finding 9: two concurrent syncs left bundles no manifest listed, and one deleted the
    other's in-flight temporary. With the lock the second waits, and both end as one run would."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "posts"
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN, latency=0.05) as emulator:
        env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url}
        command = [sys.executable, "-m", "pipeline", "sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source",
                   SEED_DATA_SOURCE, "--out", str(out), "--force"]
        runs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                for _ in range(2)]
        assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == [
        ".notion-hugo.json", "kubernetes-resources-and-learning-path/index.md", "steps-to-learn-kubernetes/index.md"]
    manifest = json.loads((out / ".notion-hugo.json").read_text())
    assert sorted(rec["slug"] for rec in manifest["pages"].values()) == [
        "kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes"]


def test_an_interrupted_sync_never_exits_1(monkeypatch, tmp_path):
    """Click turns ^C into exit 1, which the Action would read as "commit the valid posts"."""
    def interrupted(config, renderer):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.sync.fingerprint", interrupted)
    result = cli(monkeypatch, load_store(SEED_STORE), tmp_path / "posts")
    assert result.exit_code == 130
    assert result.output == "Error: interrupted; files already replaced are whole, the rest as before.\n"


@pytest.mark.parametrize(("prop", "value", "code", "message"), [
    ("Date", {"date": {"start": 5}}, 1, "  properties: notion-hugo could not read this entry's properties (TypeError: "),
    ("Date", {"date": "x"}, 1, "  properties: notion-hugo could not read this entry's properties (AttributeError: "),
    ("Status", {"status": "Published"}, 3, "page 00000000-0000-0000-0000-000000001002: property 'Status' is not a "
                                           "select or status value"),
], ids=["date-number", "date-string", "status-string"])
def test_a_garbled_property_value_rejects_its_entry_or_fails_the_run(prop, value, code, message, monkeypatch,
                                                                      tmp_path):
    """A value of the wrong shape rejects its entry only; in the status, which decides what is
    published, it is a Notion failure (exit 3) rather than an unpublished post. Never exit 4."""
    from tests import storekit

    good, bad = storekit.entry("Good", "good", 1), storekit.entry("Bad", "bad", 2)
    bad["properties"][prop].update({"type": next(iter(value)), **value})
    store = storekit.store([(good, []), (storekit.entry("Bad", "bad", 2), [])])
    answer = {"object": "list", "results": [good, bad], "next_cursor": None, "has_more": False}
    out = tmp_path / "posts"
    result = cli(monkeypatch, store, out, faults=Faults(bodies={"/query": json.dumps(answer).encode()}))
    assert result.exit_code == code, result.output
    assert message in result.output
    assert [p.parent.name for p in out.glob("*/index.md")] == (["good"] if code == 1 else [])


@pytest.mark.parametrize("payload", ["a string", {"type": "file", "file": "not an object"}, {"type": "file", "file": {"url": 5}}])
def test_a_garbled_file_block_rejects_its_entry_only(payload, monkeypatch, tmp_path):
    """Read before any entry is rendered (to download files), it must not fail the whole run."""
    from tests import storekit
    from tests.test_files import image_block

    good, bad = storekit.entry("Good", "good", 1), storekit.entry("Bad", "bad", 2)
    block = image_block(bad["id"], "https://example.com/x.png")
    block["image"] = payload
    store = storekit.store([(good, []), (bad, [block])])
    out = tmp_path / "posts"
    result = cli(monkeypatch, store, out)
    assert result.exit_code == 1, result.output
    assert "error: Bad (https://www.notion.so/00000000000000000000000000001002)" in result.output
    assert [p.parent.name for p in out.glob("*/index.md")] == ["good"]
