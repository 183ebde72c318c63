"""Import reads only regular files inside the post's bundle and the folders given (issue #14,
High 1 and 2): a bundle file that is a symbolic link (to /proc/self/environ, to a key) or a
post file linked from outside is never read, uploaded, nor published by the next sync."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notion_emulator import NotionEmulator
from pipeline import bundle
from pipeline.import_posts import import_posts
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.importkit import config, post, write_bundles
from tests.storekit import store

SECRET = "ntn_secret_never_uploaded_7f3a"


@pytest.fixture
def secret_files(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """A private key outside the blog, and the token in this process's environment."""
    monkeypatch.setenv("NOTION_TOKEN", SECRET)
    home = tmp_path / "home"
    home.mkdir()
    key = home / "id_rsa"
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n", encoding="utf-8")
    outside = home / "leak.md"
    outside.write_text(post(f"The key: {SECRET}"), encoding="utf-8")
    return {"key": key, "outside_post": outside}


def _uploaded(emulator: NotionEmulator) -> list[bytes]:
    return [data for _, data in emulator._files.values()]


def test_linked_bundle_files_and_posts_are_never_uploaded_nor_published(tmp_path, secret_files):
    posts = write_bundles(tmp_path / "blog", {
        "notes": post("See [the notes](env.txt) and the photo:\n\n![A photo](photo.png)\n\n![Real](real.png)"),
    }, {"notes": {"real.png": b"\x89PNG real image"}})
    os.symlink("/proc/self/environ", posts / "notes" / "env.txt")
    os.symlink(secret_files["key"], posts / "notes" / "photo.png")
    os.symlink(secret_files["outside_post"], posts / "leak.md")  # a post file linked from outside
    os.symlink(secret_files["key"].parent, posts / "linked-folder")  # a folder linked from outside
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        report = import_posts([posts], config(), SEED_DATA_SOURCE, token=TOKEN, options=options)
        uploaded = _uploaded(emulator)
        out = tmp_path / "site" / "posts"
        sync(config(), Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, options=options)
    by_slug = {plan.slug: plan for plan in report.plans}
    assert by_slug["notes"].action == "create"
    assert by_slug["leak"].action == "failed" and "leak.md" in by_slug["leak"].error
    assert sorted(by_slug) == ["leak", "notes"]  # nothing read from the linked folder
    assert uploaded == [b"\x89PNG real image"]  # the real image only
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    published = {p.name: p.read_bytes() for p in (out / "notes").iterdir()}
    assert sorted(published) == ["index.md", "real.png"]  # the file keeps its name
    assert [data for name, data in published.items() if name != "index.md"] == [b"\x89PNG real image"]
    notes = [note.message for note in by_slug["notes"].notes]
    assert any("photo.png" in message for message in notes), notes


def test_only_regular_files_of_the_bundle_are_listed(tmp_path):
    root = tmp_path / "bundle"
    (root / "sub").mkdir(parents=True)
    (root / "a.png").write_bytes(b"a")
    (root / "sub" / "b.pdf").write_bytes(b"b")
    os.symlink(root / "a.png", root / "link.png")
    os.symlink(tmp_path, root / "loop")
    os.mkfifo(root / "pipe.png")
    assert bundle.regular_files(root) == {"a.png", "sub/b.pdf"}


def test_reading_refuses_a_link_anywhere_on_the_way_and_a_file_over_the_limit(tmp_path):
    root = tmp_path / "bundle"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.png").write_bytes(b"outside")
    os.symlink(tmp_path / "elsewhere", root / "sub")
    os.symlink(tmp_path / "elsewhere" / "x.png", root / "x.png")
    os.mkfifo(root / "pipe.png")
    (root / "big.png").write_bytes(b"0" * 11)
    for relative in ("sub/x.png", "x.png", "../elsewhere/x.png", "pipe.png"):
        with pytest.raises(OSError):
            bundle.read_inside(root, relative, 100)
    with pytest.raises(ValueError, match="over the 10-byte limit"):
        bundle.read_inside(root, "big.png", 10)
    assert bundle.read_inside(root, "big.png", 11) == b"0" * 11
