"""Page bundles on disk: `<out>/<slug>/index.md` plus files beside it (in a page tree, a
bundle's folder is a path, and a section's page is `_index.md`; on a multilingual site, each
language's page is `index.<code>.md`, its files shared with its translations).

Every file is written to a temporary file in the same folder and renamed into place, so a
reader (or a crash) sees the old file or the new one, never half of one. The manifest
(`.notion-hugo.json` in the output folder, `.notion-hugo.<code>.json` for a source of one
language) lists what the pipeline wrote; only those files are ever deleted, and the manifest
itself is written last.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Iterator
from urllib.parse import urlsplit

from pipeline.errors import OutputError
from pipeline.model import Post

MANIFEST = ".notion-hugo.json"
INDEX = "index.md"
MANIFEST_FORMAT = "notion-hugo-manifest/1"
TEMP_PREFIX = ".notion-hugo-"  # only temporaries with this prefix are ever cleaned up
_UMASK = os.umask(0)
os.umask(_UMASK)


# The only files a bundle holds, by suffix: the blog serves them from its own domain, so a
# file that a browser would run (HTML, XHTML, JavaScript, SVG, …) must never be one of them.
# SVG is left out rather than sanitized: a safe SVG needs a full sanitizer (scripts, event
# attributes, foreignObject, external references, CSS), and one miss runs on the blog's origin.
# Markdown is left out too: Hugo would read a .md in a bundle as a page.
PUBLISHED_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff",  # images
    ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac",  # audio
    ".mp4", ".m4v", ".webm", ".mov", ".ogv",  # video
    ".pdf",
    ".txt", ".csv", ".rtf", ".epub", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp",
})


def file_suffix(url: str) -> str:
    """The suffix of the file a URL (or a relative path) names, lower case; its query ignored."""
    return PurePosixPath(urlsplit(url).path).suffix.lower()


def publishable(url: str) -> bool:
    """Whether a bundle may hold the file a URL names (sync's downloads, import's uploads)."""
    return file_suffix(url) in PUBLISHED_SUFFIXES



def safe_file_name(name: str) -> str:
    """A file name as a bundle holds it: letters, digits, `.`, `_` and `-` (any other run of
    characters one `-`), never starting with a dot; "file" for a name with none of them."""
    stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "file"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix)
    return stem + ("." + suffix if dot and suffix else "")


def bundle_names(files: list[tuple[str, bytes, str]]) -> dict[str, str]:
    """URL → bundle-relative path for the files of one post, in reading order, each given as
    (URL, bytes, the path wanted): the path kept, unless another file of other bytes took it
    first (Hugo serves the bundle's files by name, and a case-insensitive disk would hold `A.png`
    and `a.png` as one file), then `name-2.ext`, `name-3.ext`…. The same files give the same
    names at every run."""
    names: dict[str, str] = {}
    taken: dict[str, bytes] = {"index.md": b""}
    for url, data, wanted in files:
        stem, dot, suffix = wanted.rpartition(".") if "." in PurePosixPath(wanted).name else (wanted, "", "")
        name, n = wanted, 1
        while name.lower() in taken and taken[name.lower()] != data:
            n += 1
            name = f"{stem}-{n}{dot}{suffix}"
        taken[name.lower()] = data
        names[url] = name
    return names



@contextlib.contextmanager
def locked(out_dir: Path, wait: float) -> Iterator[None]:
    """An exclusive lock on the output folder for a whole run: two syncs into one folder would
    each write what the other's manifest does not list, and clean up each other's temporaries.
    The folder itself is locked (flock on its descriptor), so no lock file lands in the site;
    made for the lock, it is removed again if the run leaves it empty."""
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"another notion-hugo sync is writing {out_dir}; waited {wait:g} s for it. Run again "
                        "when it has finished ([limits] lock_wait in pipeline.toml sets how long to wait)."
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        if created:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only if empty; before the lock goes, so no other run is inside
        os.close(fd)  # releases the lock


def bundle_path(folder: str, name: str) -> str:
    """The output-relative path of a file in a bundle folder ("" is the output folder itself)."""
    return f"{folder}/{name}" if folder else name


_MANIFEST_NAME = re.compile(r"\.notion-hugo(\.[a-z]{2,3}(-[a-z0-9]{2,8})*)?\.json")


def manifest_name(language: str = "") -> str:
    """The manifest of a source: `.notion-hugo.json`, or for a source of one language (two page
    trees translating each other in one section) `.notion-hugo.<code>.json`."""
    return f".notion-hugo.{language}.json" if language else MANIFEST


def regular_files(root: Path) -> frozenset[str]:
    """The root-relative paths of the regular files under a folder, reached without following a
    symbolic link: a link (to a file or a folder) and a special file (a FIFO, a device) are
    not the folder's files. Import uploads what this lists, and `/proc/self/environ` or
    `~/.ssh/id_rsa` behind a link in a post's bundle must never leave the machine."""
    found = []
    for folder, folders, files in os.walk(root, followlinks=False):
        folders[:] = [name for name in folders if not os.path.islink(os.path.join(folder, name))]
        for name in files:
            path = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                found.append(os.path.relpath(path, root).replace(os.sep, "/"))
    return frozenset(found)


@contextlib.contextmanager
def open_inside(root: Path, relative: str) -> Iterator[BinaryIO]:
    """The regular file `root/relative`, opened component by component with O_NOFOLLOW: a
    symbolic link anywhere on the way, or swapped in after `regular_files` listed the file,
    raises OSError instead of being followed."""
    problem = _relative_problem(relative)
    if problem:
        raise OSError(f"refusing to read {relative!r}: {problem}")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(root, flags | os.O_DIRECTORY)
    try:
        *folders, name = PurePosixPath(relative).parts
        for folder in folders:
            inner = os.open(folder, flags | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        file_fd = os.open(name, flags | os.O_NONBLOCK, dir_fd=fd)  # O_NONBLOCK: a FIFO must not hang the open
    finally:
        os.close(fd)
    with os.fdopen(file_fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{root / relative} is not a regular file")
        yield handle


def read_inside(root: Path, relative: str, max_bytes: int) -> bytes:
    """The bytes of the regular file `root/relative` (`open_inside`). Over `max_bytes`,
    ValueError before a byte is read."""
    with open_inside(root, relative) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise ValueError(f"{root / relative} has {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # grown since the fstat
        raise ValueError(f"{root / relative} is over the {max_bytes:,}-byte limit")
    return data


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp")
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


def _relative_problem(relative: Any) -> str | None:
    """Why `relative` is not a plain path inside a folder (a/b, never /a, ../a, a\\b), or None."""
    if not isinstance(relative, str) or not relative:
        return f"{relative!r} is not a path"
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or "\\" in relative or "\0" in relative or any(p in (".", "..") for p in parts) \
            or "/".join(parts) != relative:
        return f"{relative!r} is not a plain relative path inside the output folder"
    return None


def refusal(root: Path, relative: str, owned: set[str] | frozenset[str]) -> str | None:
    """Why the pipeline must not write or remove `root/relative`, or None: a symbolic link on
    the way (never followed), or a file there that the manifest does not list (not ours)."""
    problem = _relative_problem(relative)
    if problem:
        return problem
    path = root
    for part in PurePosixPath(relative).parts:
        path = path / part
        if path.is_symlink():
            return f"{path} is a symbolic link, and notion-hugo never writes or removes through one"
    if relative not in owned and path.exists():
        return f"{path} exists and notion-hugo did not write it (its manifest does not list it)"
    return None


def inside(root: Path, relative: str, owned: set[str] | frozenset[str]) -> Path:
    """`root/relative`, refusing a path outside root, through a symbolic link, or onto a file
    that is not ours. Checked again just before each write and removal."""
    problem = refusal(root, relative, owned)
    if problem:
        raise OutputError(f"refusing to touch {relative!r}: {problem}.")
    return root / relative


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class Manifest:
    """page id → {slug, last_edited_time, sha256 of index.md, files (bundle-relative paths)}, and
    the removals of recent runs, which the removal guard adds up."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint: str = ""  # of the config and pipeline version that wrote these files
    # One record a run that removed posts: {"at": ISO time with offset, "removed": posts removed,
    # "posts": posts before the run}. Manifests written before the window have none.
    removals: list[dict[str, Any]] = field(default_factory=list)
    name: str = MANIFEST  # its file in the output folder
    # The files the other manifests of the folder list (another language's source), but their
    # pages: a bundle's files named by their content, which translations share. Written again,
    # never removed; another source's page is never this one's to write.
    shared: frozenset[str] = frozenset()

    @property
    def files(self) -> frozenset[str]:
        """Every output-relative path the pipeline wrote and still owns."""
        return frozenset(path for record in self.pages.values() for path in record["files"])

    @property
    def owned(self) -> frozenset[str]:
        """The paths a run may write: its own files, and those another source of the folder shares."""
        return self.files | self.shared

    def removals_since(self, since: datetime) -> list[dict[str, Any]]:
        """The removal records of the runs at or after `since`, oldest first."""
        return [record for record in self.removals if datetime.fromisoformat(record["at"]) >= since]

    @classmethod
    def load(cls, out_dir: Path, name: str = MANIFEST) -> "Manifest":
        """The manifest of an output folder (empty when there is none), with the files its
        siblings (the folder's other manifests) list. One that cannot be trusted stops the run:
        without it nothing says which files are ours."""
        own = cls._read(out_dir / name)
        siblings = sorted(p for p in out_dir.glob(".notion-hugo*.json") if p.name != name and _MANIFEST_NAME.fullmatch(p.name)) \
            if out_dir.is_dir() else []
        own.name = name
        own.shared = frozenset(path for sibling in siblings for path in cls._read(sibling).resources)
        return own

    @property
    def resources(self) -> frozenset[str]:
        """The files listed beside the posts' pages: images and other files of their bundles."""
        pages = {bundle_path(record["slug"], str((record.get("place") or {}).get("index", INDEX)))
                 for record in self.pages.values()}
        return self.files - pages

    @classmethod
    def _read(cls, path: Path) -> "Manifest":
        if path.is_symlink():
            raise _untrusted(path, "it is a symbolic link")
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as error:
            raise _untrusted(path, f"it cannot be read ({error})") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise _untrusted(path, "it is not JSON (cut short?)") from None
        problem = _manifest_problem(data)
        if problem:
            raise _untrusted(path, problem)
        return cls(pages=data["pages"], fingerprint=data["fingerprint"], removals=data.get("removals", []))

    def save(self, out_dir: Path) -> None:
        data: dict[str, Any] = {"format": MANIFEST_FORMAT, "fingerprint": self.fingerprint,
                                "pages": dict(sorted(self.pages.items()))}
        if self.removals:
            data["removals"] = self.removals
        text = json.dumps(data, indent=2, ensure_ascii=False)
        atomic_write(out_dir / self.name, (text + "\n").encode("utf-8"))


def _untrusted(path: Path, why: str) -> OutputError:
    return OutputError(
        f"{path} is not a manifest notion-hugo can trust: {why}. It lists the files notion-hugo wrote, "
        f"so nothing is written or removed without it. Restore it (e.g. `git checkout -- {path}`), or "
        "delete it together with the post folders it listed and run again to rebuild them."
    )


_PAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _manifest_problem(data: Any) -> str | None:
    """What makes `data` not a manifest this version wrote, or None."""
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return f"its format is not {MANIFEST_FORMAT!r}"
    if not isinstance(data.get("fingerprint"), str) or not isinstance(data.get("pages"), dict):
        return "it lacks a fingerprint or pages"
    for page_id, record in data["pages"].items():
        if not _PAGE_ID.fullmatch(page_id):  # ids go into API paths (a run re-reads the posts linking to a page)
            return f"it lists {page_id!r}, which is not a Notion page id"
        if not isinstance(record, dict) or not isinstance(record.get("slug"), str) \
                or not isinstance(record.get("files"), list) or not isinstance(record.get("links", {}), dict):
            return f"the record of page {page_id!r} lacks a slug or its files"
        # The slug names the bundle's folder: one folder name, a path in a page tree, or "" (a
        # section's own page, in the output folder itself).
        slug = record["slug"]
        if slug and _relative_problem(slug):
            return f"page {page_id!r} has the slug {slug!r}, which is not a folder inside the output folder"
        for file in record["files"]:
            problem = _relative_problem(file)
            if problem or not file.startswith(bundle_path(slug, "")) or (not slug and "/" in file):
                return f"page {page_id!r} lists {file!r}, which is not a path inside its folder {slug}/"
    removals = data.get("removals", [])  # absent from manifests written before the removal window
    if not isinstance(removals, list) or not all(_removal_record(record) for record in removals):
        return "its removals are not a list of {at, removed, posts} records"
    return None


def _removal_record(record: Any) -> bool:
    """Whether `record` is one run's removals as `Manifest.removals` keeps them."""
    if not isinstance(record, dict) or set(record) != {"at", "removed", "posts"}:
        return False
    counts = [record["removed"], record["posts"]]
    if not all(type(n) is int and n >= 0 for n in counts) or not isinstance(record["at"], str):
        return False
    try:
        return datetime.fromisoformat(record["at"]).utcoffset() is not None
    except ValueError:
        return False


@dataclass(slots=True)
class Change:
    # Posts by their bundle's folder (`post_label`): written when their files changed.
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # bundle-relative paths deleted
    left: list[str] = field(default_factory=list)  # stale paths not removed, with the reason


def post_files(post: Post) -> dict[str, bytes]:
    return {post.index: post.text.encode("utf-8"), **post.files}


def post_label(folder: str, index: str) -> str:
    """How a run names a post: its folder when its page is `index.md` (the slug), else the path
    of its page (`_index.md`, `guide/_index.md`, `hello/index.zh.md`)."""
    return folder if index == INDEX else bundle_path(folder, index)


def plan(
    out_dir: Path, posts: list[Post], manifest: Manifest, *, drop: set[str], fingerprint: str
) -> tuple[Change, Manifest]:
    """What writing `posts` would change, without touching the disk.

    `drop`: page ids no longer exported (gone from the data source, unpublished, trashed),
    whose bundles are removed. Every other earlier record stays unless a post replaces it.
    """
    change = Change()
    new = Manifest(pages={pid: rec for pid, rec in manifest.pages.items() if pid not in drop}, fingerprint=fingerprint,
                   name=manifest.name, shared=manifest.shared)
    wanted: set[str] = set()
    for post in posts:
        files = post_files(post)
        paths = [bundle_path(post.slug, name) for name in sorted(files)]
        wanted.update(paths)
        unchanged = all(
            (out_dir / path).is_file() and digest((out_dir / path).read_bytes()) == digest(data)
            for path, data in zip(paths, (files[n] for n in sorted(files)))
        )
        (change.unchanged if unchanged else change.written).append(post_label(post.slug, post.index))
        new.pages[post.entry_id] = {
            "slug": post.slug,
            "last_edited_time": post.last_edited_time,
            "sha256": digest(files[post.index]),
            "files": paths,
            "links": dict(sorted(post.links.items())),
            "settled": post.settled,
            "title": post.title,
            # Only a page tree's or a language's page has these: other manifests stay as they were.
            **({"place": post.place} if post.place else {}),
            **({"sub_pages": post.sub_pages} if post.sub_pages is not None else {}),
        }
    still_listed = new.files
    for rec in manifest.pages.values():
        for path in rec["files"]:
            if path in wanted or path in still_listed or path in manifest.shared or not os.path.lexists(out_dir / path):
                continue
            problem = refusal(out_dir, path, manifest.files)
            if problem:
                change.left.append(f"{out_dir / path}: {problem}")
            else:
                change.removed.append(path)
    return change, new


def _remove_stale_temporaries(out_dir: Path, folders: set[str]) -> None:
    """Temporary files a killed run left in folders the pipeline owns (never a post: a
    temporary is renamed into place only once complete)."""
    for folder in folders:
        if (out_dir / folder).is_symlink():
            continue
        for temp in (out_dir / folder).glob(f"{TEMP_PREFIX}*.tmp"):
            temp.unlink(missing_ok=True)


def apply(out_dir: Path, posts: list[Post], change: Change, old: Manifest, new: Manifest) -> None:
    """Write the changed posts, remove what `plan` said, save the manifest. Each path is
    checked again right before it is touched (`inside`): the folder may have changed since."""
    out_dir.mkdir(parents=True, exist_ok=True)
    owned = old.owned | new.files  # translations in one bundle write the same file, named by its content
    _remove_stale_temporaries(out_dir, {path.rsplit("/", 1)[0] if "/" in path else "." for path in new.files} | {"."})
    for post in posts:
        if post_label(post.slug, post.index) not in change.written:
            continue
        # The page last: a new post never points at files that are not there yet.
        for name, data in sorted(post_files(post).items(), key=lambda item: item[0] == post.index):
            atomic_write(inside(out_dir, bundle_path(post.slug, name), owned), data)
    for path in change.removed:
        target = inside(out_dir, path, owned)
        target.unlink(missing_ok=True)
        folder = target.parent
        # Up to the output folder, every folder the removal left empty (a page tree's branch, a
        # nested slug's, a bundle's sub-folder), never one holding anything else.
        while folder != out_dir and not folder.is_symlink() and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    new.save(out_dir)
