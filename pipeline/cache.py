"""Fetched block trees, kept between runs: a rendering change re-renders with no block requests.

A change of `[render]`, of a rule (`Renderer.fingerprint`) or of `OUTPUT_VERSION` makes every
post be rendered again. Without this cache each would be fetched again too: for 600 posts of
about 5 requests each, 17 minutes at Notion's 3 requests a second. With it, a page whose
`last_edited_time` has not moved is rendered from the tree fetched last time, and its files
from the bytes downloaded then.

On disk, outside the posts folder (`NOTION_HUGO_CACHE`, else `$XDG_CACHE_HOME/notion-hugo`,
else `~/.cache/notion-hugo`; the Action keeps it between runs with the cache action):

    blocks/<page id>.json   {"format", "key", "page_id", "last_edited_time", "blocks", "files"}
    files/<sha256>          the bytes of a file a tree names (`files`: URL → sha256)

Invalidation:
- only a page read after the minute of its last edit had ended is kept (Notion rounds
  `last_edited_time` down to the minute, so a tree read within that minute may miss a later
  edit of the same minute): the same rule as the manifest's `settled`;
- a tree is used only for the same page, the same `last_edited_time` and the same `key` (the
  Notion-Version and the fetch depth, which shape what was fetched);
- a Notion-hosted file's signed URL expires within the hour, so its bytes are kept; a tree
  whose bytes are missing or do not match their hash is not used (the page is fetched again);
- anything unreadable, of another format, naming another page, or reached through a
  symbolic link is not used: a corrupt or foreign cache costs requests, never a wrong post;
- a tree with faults (a synced block's original not shared, say) is not kept: the fix, sharing
  a page, does not edit the post's page, and a kept fault would outlive it. Nor is a tree with
  a synced block copied from another page, whose edits do not move this page's edit time.

Ownership: the folder may be any the user names, so it is marked as the cache's with a
`CACHEDIR.TAG` (bford.org/cachedir) when notion-hugo makes it (or finds it empty, or holding
only names the cache makes: a cache kept before the tag), and a folder holding other files
without that tag is not used at all. Inside, only names the cache
makes are written or removed: `blocks/<page id>.json` and `files/<sha256>`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.bundle import TEMP_PREFIX, atomic_write, read_inside, refusal, regular_files
from pipeline.model import Block, Entry
from pipeline.render.specs import walk

FORMAT = "notion-hugo-blocks/3"  # 3: trees with faults are not kept
TAG = "CACHEDIR.TAG"
TAG_TEXT = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
            b"# This folder holds notion-hugo's fetched Notion block trees; it can be deleted.\n")
# The only names the cache writes or removes, by folder.
_OWN_NAMES = {"blocks": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json"),
              "files": re.compile(r"[0-9a-f]{64}")}
ENVIRONMENT = "NOTION_HUGO_CACHE"
MAX_TREE_BYTES = 64 * 2**20  # a cached tree larger than any page's answers together: not read
MAX_AGE_DAYS = 30  # trees not used for this long are removed (pages unpublished or gone)


def default_folder() -> Path:
    """Where the cache lives unless the caller says: never inside the blog."""
    named = os.environ.get(ENVIRONMENT, "").strip()
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "notion-hugo"


@dataclass(frozen=True, slots=True)
class Cached:
    """A page as fetched before: its entry and its files' bytes by URL."""

    entry: Entry
    files: dict[str, bytes]


class BlockCache:
    """The trees and files of pages fetched before, in one folder."""

    def __init__(self, folder: Path, key: str, max_file_bytes: int) -> None:
        self.folder = folder
        self.key = key
        self.max_file_bytes = max_file_bytes

    def usable(self) -> bool:
        """Whether the folder may be used: not a symbolic link nor behind one, and the cache's
        own (tagged, or new or empty: `store` tags it). A folder of the user's other files is
        left alone: pruning it would remove them."""
        if any(part.is_symlink() for part in (self.folder, *self.folder.parents)):
            return False
        tag = self.folder / TAG
        try:
            return (tag.is_file() and not tag.is_symlink()) or not self.folder.exists() or self._holds_only_its_own()
        except OSError:  # not a folder, or unreadable: no cache, the run goes on
            return False

    def _holds_only_its_own(self) -> bool:
        """Whether every file in the folder is named as the cache names its own: an empty folder,
        or a cache kept before the tag existed (the Action's restored one), which is then tagged."""
        for entry in self.folder.iterdir():
            if entry.name not in _OWN_NAMES or entry.is_symlink() or not entry.is_dir():
                return False
            for inside in entry.iterdir():
                if inside.is_symlink() or not inside.is_file() or not (
                        _OWN_NAMES[entry.name].fullmatch(inside.name) or inside.name.startswith(TEMP_PREFIX)):
                    return False
        return True

    # --- reading -----------------------------------------------------------------------------

    def load(self, page: dict[str, Any]) -> Cached | None:
        """The page's tree and files, when kept for exactly this edit of it; else None."""
        try:
            record = json.loads(read_inside(self.folder / "blocks", f"{page['id']}.json", MAX_TREE_BYTES))
            if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("key") != self.key \
                    or record.get("page_id") != page["id"] or record.get("last_edited_time") != page.get("last_edited_time"):
                return None
            blocks = tuple(_block(item) for item in record["blocks"])
            files = {str(url): self._file(str(sha)) for url, sha in record["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable, cut short, foreign or tampered: fetched again
        os.utime(self.folder / "blocks" / f"{page['id']}.json")  # used: kept from pruning
        return Cached(Entry(page=page, blocks=blocks), files)

    def _file(self, sha: str) -> bytes:
        data = read_inside(self.folder / "files", sha, self.max_file_bytes)
        if hashlib.sha256(data).hexdigest() != sha:
            raise ValueError(f"cached file {sha} does not match its hash")
        return data

    # --- writing -----------------------------------------------------------------------------

    def store(self, entry: Entry, files: dict[str, bytes]) -> None:
        """Keep a page's tree and its files' bytes (URL → bytes) for later runs, unless its
        edit time cannot tell when it changes (faults, a synced block from another page)."""
        if entry.faults or any(_copied_from_elsewhere(block) for block in walk(entry.blocks)):
            return
        hashes = {url: hashlib.sha256(data).hexdigest() for url, data in files.items()}
        for url, sha in hashes.items():
            if refusal(self.folder, f"files/{sha}", set()) is None:  # not there yet, and no link on the way
                atomic_write(self.folder / "files" / sha, files[url])
        record = {"format": FORMAT, "key": self.key, "page_id": entry.id, "last_edited_time": entry.last_edited_time,
                  "blocks": [_plain(block) for block in entry.blocks], "files": hashes}
        name = f"blocks/{entry.id}.json"
        if refusal(self.folder, name, {name}) is None:
            # ASCII: a lone surrogate from the API (which rejects its entry) is kept as an escape.
            atomic_write(self.folder / name, json.dumps(record, separators=(",", ":")).encode())

    def claim(self) -> None:
        """Tag the folder as the cache's (a run that writes): from now on it is used as such."""
        try:
            if refusal(self.folder, TAG, {TAG}) is None and not (self.folder / TAG).is_file():
                atomic_write(self.folder / TAG, TAG_TEXT)
        except OSError:  # a read-only cache: the next run decides again
            pass

    def prune(self, now: float | None = None) -> None:
        """Remove trees unused for MAX_AGE_DAYS, then every file no tree names."""
        now = time.time() if now is None else now
        named: set[str] = set()
        for name in sorted(_named(self.folder, "blocks")):
            path = self.folder / "blocks" / name
            if now - path.stat().st_mtime > MAX_AGE_DAYS * 86400:
                path.unlink(missing_ok=True)
                continue
            try:
                named.update(json.loads(path.read_bytes()).get("files", {}).values())
            except (OSError, ValueError, AttributeError):
                path.unlink(missing_ok=True)
        for name in _named(self.folder, "files"):
            if name not in named:
                (self.folder / "files" / name).unlink(missing_ok=True)


def _named(cache: Path, kind: str) -> list[str]:
    """The regular files directly in the cache's `kind` folder named as the cache names its own."""
    folder = cache / kind
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [found for found in regular_files(folder) if _OWN_NAMES[kind].fullmatch(found)]


def _copied_from_elsewhere(block: Block) -> bool:
    return block.type == "synced_block" and bool(block.value.get("synced_from"))


def _plain(block: Block) -> dict[str, Any]:
    return {"data": block.data, "children": [_plain(child) for child in block.children]}


def _block(item: dict[str, Any]) -> Block:
    data = item["data"]
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise ValueError("a cached block without an id or a type")
    return Block(data=data, children=tuple(_block(child) for child in item["children"]))
