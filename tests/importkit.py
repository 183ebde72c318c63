"""Import, then sync, through the emulator over HTTP with the real notion-client: the round
trip that is the import's test (issue #10). Posts go in as page bundles; what comes back is
each post's index.md as the sync writes it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from notion_emulator import NotionEmulator
from pipeline.config import Config, load_default_config
from pipeline.import_posts import ImportReport, import_posts
from pipeline.source import SourceOptions
from pipeline.sync import Report, Selection, sync
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.storekit import store

# The front matter of a synced post with every mapped key (the demo's second post's).
FRONT_MATTER = """---
title: 'A post'
ShowRssButtonInSectionTermList: true
date: '2024-08-05T09:30:00+02:00'
draft: false
showtoc: true
tocopen: false
type: posts
author: 'Me'
keywords: ["Kubernetes"]
tags:
  - 'Kubernetes'
categories:
  - 'Development'
description: >
  A post.
---
"""


def post(body: str, title: str = "A post") -> str:
    """A post as the sync writes it: the front matter, the body, one trailing newline."""
    return FRONT_MATTER.replace("'A post'", "'" + title.replace("'", "''") + "'") + "\n" + body + "\n"


def config(**changes) -> Config:
    return dataclasses.replace(load_default_config(), **changes)


@dataclasses.dataclass
class RoundTrip:
    imported: ImportReport
    synced: Report
    posts: dict[str, str]  # slug → index.md as synced
    emulator: NotionEmulator


def write_bundles(root: Path, posts: dict[str, str], files: dict[str, dict[str, bytes]] | None = None) -> Path:
    section = root / "posts"
    for slug, text in posts.items():
        (section / slug).mkdir(parents=True, exist_ok=True)
        (section / slug / "index.md").write_text(text, encoding="utf-8")
        for name, data in (files or {}).get(slug, {}).items():
            (section / slug / name).write_bytes(data)
    return section


def round_trip(tmp_path: Path, paths: list[Path], cfg: Config | None = None) -> RoundTrip:
    cfg = cfg or config()
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        imported = import_posts(paths, cfg, SEED_DATA_SOURCE, token=TOKEN, options=options)
        out = tmp_path / "synced" / "posts"
        synced = sync(cfg, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, options=options)
    posts = {p.name: (p / "index.md").read_text(encoding="utf-8") for p in sorted(out.iterdir()) if p.is_dir()}
    return RoundTrip(imported, synced, posts, emulator)
