"""Page bundles on disk: `<out>/<slug>/index.md` plus files beside it.

Every file is written to a temporary file in the same folder and renamed into place, so a
reader (or a crash) sees the old file or the new one, never half of one. The manifest
(`.notion-hugo.json` in the output folder) lists what the pipeline wrote; only those files are
ever deleted, and the manifest itself is written last.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.model import Post

MANIFEST = ".notion-hugo.json"
_TEMP_PREFIX = ".notion-hugo-"  # only temporaries with this prefix are ever cleaned up
_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f"{_TEMP_PREFIX}{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes it private; a post is not a secret
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def inside(root: Path, relative: str) -> Path:
    """`root/relative`, refusing anything that would land outside root."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()) or target == root.resolve():
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return target


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class Manifest:
    """page id → {slug, last_edited_time, sha256 of index.md, files (bundle-relative paths)}."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint: str = ""  # of the config and pipeline version that wrote these files

    @classmethod
    def load(cls, out_dir: Path) -> "Manifest":
        try:
            data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            # A manifest we cannot read protects nothing: treat every file as not ours.
            return cls()
        return cls(pages=dict(data.get("pages", {})), fingerprint=data.get("fingerprint", ""))

    def save(self, out_dir: Path) -> None:
        data = {"format": "notion-hugo-manifest/1", "fingerprint": self.fingerprint, "pages": dict(sorted(self.pages.items()))}
        text = json.dumps(data, indent=2, ensure_ascii=False)
        atomic_write(out_dir / MANIFEST, (text + "\n").encode("utf-8"))


@dataclass(slots=True)
class Change:
    written: list[str] = field(default_factory=list)  # slugs whose files changed
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # bundle-relative paths deleted


def _post_files(post: Post) -> dict[str, bytes]:
    return {"index.md": post.text.encode("utf-8"), **post.files}


def plan(
    out_dir: Path, posts: list[Post], manifest: Manifest, *, drop: set[str], fingerprint: str
) -> tuple[Change, Manifest]:
    """What writing `posts` would change, without touching the disk.

    `drop`: page ids no longer exported (gone from the data source, unpublished, trashed),
    whose bundles are removed. Every other earlier record stays unless a post replaces it.
    """
    change = Change()
    new = Manifest(pages={pid: rec for pid, rec in manifest.pages.items() if pid not in drop}, fingerprint=fingerprint)
    wanted: set[str] = set()
    for post in posts:
        files = _post_files(post)
        paths = [f"{post.slug}/{name}" for name in sorted(files)]
        wanted.update(paths)
        unchanged = all(
            (out_dir / path).is_file() and digest((out_dir / path).read_bytes()) == digest(data)
            for path, data in zip(paths, (files[n] for n in sorted(files)))
        )
        (change.unchanged if unchanged else change.written).append(post.slug)
        new.pages[post.entry_id] = {
            "slug": post.slug,
            "last_edited_time": post.last_edited_time,
            "sha256": digest(files["index.md"]),
            "files": paths,
            "links": dict(sorted(post.links.items())),
            "settled": post.settled,
        }
    still_listed = {path for rec in new.pages.values() for path in rec["files"]}
    for rec in manifest.pages.values():
        for path in rec["files"]:
            if path not in wanted and path not in still_listed and (out_dir / path).exists():
                change.removed.append(path)
    return change, new


def _remove_stale_temporaries(out_dir: Path, folders: set[str]) -> None:
    """Temporary files a killed run left in folders the pipeline owns (never a post: a
    temporary is renamed into place only once complete)."""
    for folder in folders:
        for temp in (out_dir / folder).glob(f"{_TEMP_PREFIX}*.tmp"):
            temp.unlink(missing_ok=True)


def apply(out_dir: Path, posts: list[Post], change: Change, new: Manifest) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    owned = {path.split("/", 1)[0] for rec in new.pages.values() for path in rec["files"]}
    _remove_stale_temporaries(out_dir, owned | {"."})
    for post in posts:
        if post.slug not in change.written:
            continue
        # index.md last: a new post never points at files that are not there yet.
        for name, data in sorted(_post_files(post).items(), key=lambda item: item[0] == "index.md"):
            atomic_write(inside(out_dir, f"{post.slug}/{name}"), data)
    for path in change.removed:
        target = inside(out_dir, path)
        target.unlink(missing_ok=True)
        folder = target.parent
        if folder != out_dir.resolve() and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    new.save(out_dir)
