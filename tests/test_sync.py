"""The main job end to end: the real notion-client over HTTP to the emulator, the CLI through
CliRunner, and the files it wrote."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import json
from pathlib import Path

import frontmatter
import yaml
from click.testing import CliRunner

from notion_emulator import load_store
from pipeline.bundle import Manifest
from pipeline.cli import main
from tests.conftest import DEFAULT_CONFIG_FILE, INVALID_DATA_SOURCE, INVALID_STORE, ROOT, SEED_DATA_SOURCE, SEED_STORE, TOKEN

SEED = Path("/work/shared/seed/000_0b7f64a52f543a3b.repaired.md")
SEED_FALLBACK = ROOT / "tests" / "golden" / "seed.repaired.md"
GOLDEN = ROOT / "tests" / "golden"
SEED_SLUG = "kubernetes-resources-and-learning-path"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def sync_seed(tmp_path: Path, *extra: str):
    out = tmp_path / "content" / "posts"
    result = run("sync", "--store", str(SEED_STORE), "--out", str(out), *extra)
    return result, out


def test_store_sync_writes_the_two_published_posts_exactly(tmp_path):
    result, out = sync_seed(tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [SEED_SLUG, "steps-to-learn-kubernetes"]
    for slug in (SEED_SLUG, "steps-to-learn-kubernetes"):
        assert (out / slug / "index.md").read_text(encoding="utf-8") == (GOLDEN / f"{slug}.md").read_text(encoding="utf-8")


def _seed_text() -> str:
    return (SEED if SEED.exists() else SEED_FALLBACK).read_text(encoding="utf-8")


def test_front_matter_is_the_seeds_keys_order_types_and_values(tmp_path):
    _, out = sync_seed(tmp_path)
    ours = (out / SEED_SLUG / "index.md").read_text(encoding="utf-8")
    seed = _seed_text()
    seed_fm = seed.split("---\n")[1]
    our_fm = ours.split("---\n")[1]
    assert our_fm == seed_fm  # byte for byte: the same YAML styles, not only the same values
    seed_meta = yaml.safe_load(seed_fm)
    our_meta = frontmatter.loads(ours).metadata
    assert list(our_meta) == list(seed_meta)
    assert {k: type(v) for k, v in our_meta.items()} == {k: type(v) for k, v in seed_meta.items()}
    assert our_meta == seed_meta


def test_golden_differs_from_the_seed_only_by_the_listed_repairs(tmp_path):
    """The seed's README lists what the hand export damaged; everything else must be as it was."""
    # Trailing whitespace is compared away: the export left indentation on blank lines.
    seed = [line.rstrip() for line in _seed_text().split("\n")]
    golden = (GOLDEN / f"{SEED_SLUG}.md").read_text(encoding="utf-8").rstrip("\n").split("\n")
    # The golden escapes what Goldmark's typographer would change (\' \" -\- ..\. >\>), so the post
    # shows what Notion holds on any site; the seed has no escape of these characters.
    golden = [re.sub(r"\\([-'\".>])", r"\1", line.rstrip()) for line in golden]
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=seed, b=golden, autojunk=False).get_opcodes():
        if tag != "equal":
            changes.append((tuple(seed[i1:i2]), tuple(golden[j1:j2])))
    allowed = {
        # <aside> needs a blank line after it (and before </aside>) for Markdown inside to render
        ((), ("",)),
        (("    </aside>",), ()),
        (("",), ()),
        ((), ("    </aside>",)),
        # an empty paragraph inside a quote was exported as a lone `>`
        ((">",), ()),
        # the image lost its Markdown syntax
        (("    !http://sm.nsddd.top/sm202303172221221.png",), ("    ![](http://sm.nsddd.top/sm202303172221221.png)",)),
        # a bookmark: the API gives its URL, not the title Notion displays
        (("[GitHub - cubxxw/awesome-cs-cloudnative-blockchain: 📚 Beginner's Growth Manual🚀  CS series, Cloud Native series, Blockchain series, web3 series🔥, Golang series💡......](https://github.com/cubxxw/awesome-cs-cloudnative-blockchain)",),
         ("[https://github.com/cubxxw/awesome-cs-cloudnative-blockchain](https://github.com/cubxxw/awesome-cs-cloudnative-blockchain)",)),
        # a link into the workspace to an exported page now links to its post
        (("[Steps to Learn Kubernetes](https://www.notion.so/Kubernetes-47fe7c27f8e64162bc8eed96d898dcb4?pvs=21)",),
         ('[Steps to Learn Kubernetes]({{< relref "/posts/steps-to-learn-kubernetes" >}})',)),
        # the Draft page is not exported: its link stays as the API gives it (and is reported)
        (("[One Person's Explanation in GSoC](https://www.notion.so/GSoC-4b67cf1622fd4ea78e518d3df14907e2?pvs=21)",),
         ("[One Person's Explanation in GSoC](https://www.notion.so/4b67cf1622fd4ea78e518d3df14907e2)",)),
    }
    unexpected = [c for c in changes if c not in allowed]
    assert unexpected == []
    assert len(changes) >= 8


def test_same_store_gives_the_same_bytes(tmp_path):
    _, first = sync_seed(tmp_path / "a")
    _, second = sync_seed(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes()


def test_make_demo_writes_the_golden_posts_outside_output(tmp_path):
    """The demo's posts are golden copies under tests/golden; output/content is the blog's own, so a
    real sync into it cannot break this test, and the demo never writes there."""
    site = tmp_path / "site"
    shutil.copytree(ROOT, site, ignore=shutil.ignore_patterns(".venv", ".git", "build", "__pycache__", ".hypothesis",
                                                               "node_modules", "docs", "bench"))
    before = sorted(p.relative_to(site) for p in (site / "output").rglob("*"))
    make = subprocess.run(["make", "-o", "install", "demo", f"PY={sys.executable}"], cwd=site, capture_output=True,
                          text=True, env={**os.environ, "MAKEFLAGS": ""})
    assert make.returncode == 0, make.stderr
    assert sorted(p.relative_to(site) for p in (site / "output").rglob("*")) == before
    posts = site / "build" / "demo" / "content" / "posts"
    for slug in ("kubernetes-resources-and-learning-path", "steps-to-learn-kubernetes"):
        assert (posts / slug / "index.md").read_text(encoding="utf-8") == (GOLDEN / f"{slug}.md").read_text(encoding="utf-8")
        assert (site / "build" / "public" / "posts" / slug / "index.html").is_file()


def test_second_run_rewrites_nothing(tmp_path):
    _, out = sync_seed(tmp_path)
    stamp = {p: p.stat().st_mtime_ns for p in out.rglob("index.md")}
    result, _ = sync_seed(tmp_path)
    assert "0 changed, 2 unchanged" in result.output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("index.md")} == stamp


def test_dry_run_writes_nothing(tmp_path):
    result, out = sync_seed(tmp_path, "--dry-run")
    assert result.exit_code == 0
    assert f"would write {out / SEED_SLUG / 'index.md'}" in result.output
    assert not out.exists()


def test_sync_against_the_api_by_data_source_url(tmp_path, seed_api, notion_env):
    notion_env(seed_api)
    out = tmp_path / "posts"
    url = "https://www.notion.so/b135dbcfa40841ce80b57e612d722a36?v=0123456789abcdef0123456789abcdef"
    result = run("sync", "--data-source", url, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [SEED_SLUG, "steps-to-learn-kubernetes"]
    assert TOKEN not in result.output


def test_single_page_exports_with_its_own_front_matter(tmp_path, seed_api, notion_env):
    notion_env(seed_api)
    out = tmp_path / "posts"
    result = run("sync", "--page", "https://www.notion.so/Kubernetes-47fe7c27f8e64162bc8eed96d898dcb4", "--out", str(out))
    assert result.exit_code == 0, result.output
    meta = frontmatter.loads((out / "steps-to-learn-kubernetes" / "index.md").read_text()).metadata
    assert meta["title"] == "Steps to Learn Kubernetes"
    assert meta["date"] == "2024-08-05"


def test_invalid_entries_are_rejected_each_for_its_reason_and_the_valid_one_written(tmp_path, invalid_api, notion_env):
    notion_env(invalid_api)
    out = tmp_path / "posts"
    (out / "entry-with-a-broken-link").mkdir(parents=True)
    earlier = out / "entry-with-a-broken-link" / "index.md"
    earlier.write_text("earlier output\n")
    # ...written by an earlier sync: the manifest says so (a post it does not list is the blog's own).
    broken = next(p["id"] for p in load_store(INVALID_STORE)["pages"].values()
                  if "".join(t["plain_text"] for t in p["properties"]["Title"]["title"]) == "Entry With a Broken Link")
    Manifest(pages={broken: {"slug": "entry-with-a-broken-link", "files": ["entry-with-a-broken-link/index.md"]}}).save(out)
    result = run("sync", "--data-source", INVALID_DATA_SOURCE, "--out", str(out), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["written"] == ["kubernetes-learning-roadmap"]
    errors = {(p["entry"], p["where"]) for p in report["problems"] if p["severity"] == "error"}
    assert errors == {
        ("(untitled)", "Title"),
        ("Entry Without a Date", "Date"),
        ("Entry With a Bad Slug", "Slug"),
        ("Entry With a Duplicate Slug", "Slug"),
        ("Entry With a Broken Link", "block " + _broken_link_block() + " (paragraph)"),
        ("Entry With a Comma Tag", "Tags"),
    }
    for problem in report["problems"]:
        assert problem["url"].startswith("https://www.notion.so/")
    assert earlier.read_text() == "earlier output\n"
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["entry-with-a-broken-link", "kubernetes-learning-roadmap"]


def _broken_link_block() -> str:
    store = json.loads((ROOT / "data" / "invalid-entries.json").read_text())
    return store["children"]["c49546bb-8826-4223-9232-64c95d247af1"][0]


def test_missing_token_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTION_TOKEN", raising=False)
    result = run("sync", "--data-source", SEED_DATA_SOURCE, "--config", str(DEFAULT_CONFIG_FILE), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.startswith("Error: NOTION_TOKEN is not set.")
    assert "Traceback" not in result.output


def test_bad_config_names_the_key_and_allowed_values(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    config = tmp_path / "pipeline.toml"
    config.write_text((DEFAULT_CONFIG_FILE).read_text().replace('style = "relref"', 'style = "fancy"'))
    result = run("sync", "--config", str(config), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "links.style: 'fancy' is not allowed; use one of \"relref\", \"permalink\"" in result.output


def test_not_a_notion_id_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    result = run("sync", "--page", "https://example.com/nope", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a Notion id or URL" in result.output


def test_unshared_data_source_says_how_to_share_it(tmp_path, seed_api, notion_env):
    notion_env(seed_api)
    result = run("sync", "--data-source", "0" * 32, "--out", str(tmp_path / "out"))
    assert result.exit_code == 3
    assert "share the page or data source with your integration" in result.output
    assert "Traceback" not in result.output


def test_wrong_token_is_a_401_explained_and_never_echoed(tmp_path, seed_api, notion_env):
    notion_env(seed_api, token="secret_wrong_token_123")
    result = run("sync", "--data-source", SEED_DATA_SOURCE, "--out", str(tmp_path / "out"), "--verbose")
    assert result.exit_code == 3
    assert "401 unauthorized" in result.output
    assert "secret_wrong_token_123" not in result.output
    assert not (tmp_path / "out").exists()


def test_the_token_appears_nowhere_in_any_mode(tmp_path, seed_api, notion_env):
    notion_env(seed_api)
    out = tmp_path / "posts"
    summary = tmp_path / "summary.md"
    for args in (["--verbose"], ["--format", "json", "--progress"], ["--report-file", str(summary), "--force"]):
        result = CliRunner().invoke(main, ["sync", "--data-source", SEED_DATA_SOURCE, "--out", str(out), *args])
        assert result.exit_code == 0
        assert TOKEN not in result.output
    assert "## Notion sync" in summary.read_text()
    for path in [summary, *out.rglob("*")]:
        if path.is_file():
            assert TOKEN not in path.read_text(encoding="utf-8")


def test_progress_counts_entries_and_blocks_when_asked(tmp_path):
    result, _ = sync_seed(tmp_path, "--progress")
    assert result.exit_code == 0
    assert "\rread 2 entries, 160 blocks; 0 requests waiting on Notion's rate limit" in result.output
    quiet, _ = sync_seed(tmp_path / "again")
    assert "read 2 entries" not in quiet.output  # not a terminal: quiet


def test_runs_from_any_folder_with_the_default_mapping(tmp_path, seed_api, notion_env, monkeypatch):
    notion_env(seed_api)
    monkeypatch.chdir(tmp_path)
    result = run("sync", "--data-source", SEED_DATA_SOURCE, "--out", "posts")
    assert result.exit_code == 0, result.output
    assert "no ./pipeline.toml: using the default mapping" in result.output
    assert (tmp_path / "posts" / SEED_SLUG / "index.md").read_text() == (GOLDEN / f"{SEED_SLUG}.md").read_text()


def test_help_teaches_the_commands_environment_and_exit_codes():
    top = run("--help")
    for command in ("sync", "validate", "init", "site-kit", "build-site"):
        assert f"  {command} " in top.output
    sync_help = run("sync", "--help").output
    for needle in ("NOTION_TOKEN", "NOTION_BASE_URL", "--store", "--dry-run", "--force", "1 some entries invalid", "3 Notion or network failure"):
        assert needle in sync_help


def test_an_unwritable_output_folder_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("sync", "--store", str(SEED_STORE), "--out", str(blocker / "posts"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.output


def test_a_no_change_resync_counts_its_posts(tmp_path):
    sync_seed(tmp_path)
    result, _ = sync_seed(tmp_path)
    assert "2 posts (0 changed, 2 unchanged), 0 files removed, 0 entries rejected." in result.output
