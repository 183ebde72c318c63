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


def sync_process(base_url: str, out: Path) -> subprocess.Popen:
    env = {**os.environ, "NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": base_url}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "sync", "--out", str(out), "--config", str(DEFAULT_CONFIG_FILE),
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


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.2, 1.6, 2.0, 2.5])
def test_killed_sync_leaves_no_partial_post(delay, versions, tmp_path):
    out = tmp_path / "posts"
    with NotionEmulator(workspace("old"), token=TOKEN) as emulator:
        assert sync_process(emulator.base_url, out).wait(timeout=120) == 0
    with NotionEmulator(workspace("new"), token=TOKEN, latency=0.01) as emulator:
        process = sync_process(emulator.base_url, out)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        for slug, text in posts(out).items():
            assert text in (versions["old"][slug], versions["new"][slug]), f"{slug} is partial"
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
