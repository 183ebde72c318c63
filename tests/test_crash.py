"""A sync killed at any moment leaves every post wholly old or wholly new, and the next run
repairs the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notion_emulator import NotionEmulator
from tests import storekit
from tests.conftest import DEFAULT_CONFIG_FILE, ROOT, TOKEN

ENTRIES = 12


def workspace(version: str) -> dict:
    entries = []
    for n in range(ENTRIES):
        page = storekit.entry(f"Post {n}", f"post-{n}", n)
        page["last_edited_time"] = f"2025-0{1 if version == 'old' else 2}-01T00:00:00.000Z"
        blocks = [storekit.paragraph(page["id"], storekit.text(f"{version} body {n} " + "text " * 400 + f"{i}")) for i in range(3)]
        entries.append((page, blocks))
    return storekit.store(entries)


# The CLI as an operator runs it, with each fsync made 200 ms slower: the writes then span a
# window wide enough to kill the process inside it, at a moment the test observes.
SLOW_FSYNC = (
    "import os, sys, time; fsync = os.fsync; os.fsync = lambda fd: (time.sleep(0.2), fsync(fd))[1]; "
    "from pipeline.cli import main; sys.argv[0] = 'notion-hugo'; main()"
)


def sync_process(base_url: str, out: Path, slow_writes: bool = False) -> subprocess.Popen:
    env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": base_url}
    command = ["-c", SLOW_FSYNC] if slow_writes else ["-m", "pipeline"]
    return subprocess.Popen(
        [sys.executable, *command, "sync", "--out", str(out), "--config", str(DEFAULT_CONFIG_FILE),
         "--data-source", "f49e1ed9-ebb1-4a68-97b6-0fcc507da055"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def posts(out: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text(encoding="utf-8") for p in out.glob("*/index.md")}


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    result = {}
    for version in ("old", "new"):
        out = tmp_path_factory.mktemp(version) / "posts"
        with NotionEmulator(workspace(version), token=TOKEN) as emulator:
            assert sync_process(emulator.base_url, out).wait(timeout=120) == 0
        result[version] = posts(out)
    assert len(result["old"]) == ENTRIES and result["old"] != result["new"]
    return result


@pytest.mark.parametrize("new_posts", [0, 6])
def test_killed_sync_leaves_no_partial_post(new_posts, versions, tmp_path):
    """SIGKILL while a temporary file is being written, after `new_posts` posts were replaced:
    a moment known to fall between two renames, observed rather than guessed by a delay."""
    from pipeline import bundle

    out = tmp_path / "posts"
    with NotionEmulator(workspace("old"), token=TOKEN) as emulator:
        assert sync_process(emulator.base_url, out).wait(timeout=120) == 0
    manifest_before = (out / bundle.MANIFEST).read_bytes()
    with NotionEmulator(workspace("new"), token=TOKEN) as emulator:
        process = sync_process(emulator.base_url, out, slow_writes=True)
        deadline = time.monotonic() + 60

        def replaced() -> int:
            return sum(text == versions["new"][slug] for slug, text in posts(out).items())

        while time.monotonic() < deadline and process.poll() is None:
            # A temporary seen while the count of new posts held still belongs to the next write,
            # which is sleeping in its fsync: killed now, the process dies inside that write.
            if replaced() == new_posts and list(out.glob("*/.notion-hugo-*.tmp")) and replaced() == new_posts:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        assert process.wait(timeout=30) == -signal.SIGKILL, "the sync ended before the moment to kill it"
        current = posts(out)
        assert sum(text == versions["new"][slug] for slug, text in current.items()) == new_posts
        for slug, text in current.items():
            assert text in (versions["old"][slug], versions["new"][slug]), f"{slug} is partial"
        assert list(out.glob("*/.notion-hugo-*.tmp"))  # killed mid-write: its temporary is left
        assert (out / bundle.MANIFEST).read_bytes() == manifest_before  # written last
        assert sync_process(emulator.base_url, out).wait(timeout=120) == 0
    assert posts(out) == versions["new"]
    assert not list(out.rglob("*.tmp"))


class Crash(BaseException):
    """Stands for the process dying between two writes (not an Exception: nothing catches it)."""


@pytest.mark.parametrize("writes_before_crash", [0, 1, 6, 11, 12])
def test_crash_between_any_two_writes_leaves_old_or_new_posts(writes_before_crash, versions, tmp_path, monkeypatch):
    from pipeline import bundle
    from pipeline.config import load_default_config
    from pipeline.source import SourceOptions
    from pipeline.sync import Selection, sync

    config = load_default_config()
    selection = Selection("f49e1ed9-ebb1-4a68-97b6-0fcc507da055", ())
    out = tmp_path / "posts"
    with NotionEmulator(workspace("old"), token=TOKEN) as emulator:
        sync(config, selection, token=TOKEN, out_dir=out, options=SourceOptions(base_url=emulator.base_url, rate=0))
    manifest_before = (out / bundle.MANIFEST).read_bytes()
    real_replace = os.replace
    done = []

    def dying_replace(src, dst):
        if len(done) == writes_before_crash:
            raise Crash()
        done.append(dst)
        real_replace(src, dst)

    with NotionEmulator(workspace("new"), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        monkeypatch.setattr(bundle.os, "replace", dying_replace)
        with pytest.raises(Crash):
            sync(config, selection, token=TOKEN, out_dir=out, options=options)
        monkeypatch.setattr(bundle.os, "replace", real_replace)
        current = posts(out)
        assert sum(text == versions["new"][slug] for slug, text in current.items()) == min(writes_before_crash, ENTRIES)
        assert all(text in (versions["old"][slug], versions["new"][slug]) for slug, text in current.items())
        assert (out / bundle.MANIFEST).read_bytes() == manifest_before  # written last
        sync(config, selection, token=TOKEN, out_dir=out, options=options)
    assert posts(out) == versions["new"]
    assert not list(out.rglob("*.tmp"))
