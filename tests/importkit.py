"""Import, then sync, through the emulator over HTTP with the real notion-client: the round
trip that is the import's test (issue #10). Posts go in as page bundles; what comes back is
each post's index.md as the sync writes it."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from notion_emulator import NotionEmulator
from pipeline.config import Config, load_config, load_default_config
from pipeline.import_posts import ImportReport, import_posts
from pipeline.scaffold import create_properties_in, plan_from_posts, propose_config
from pipeline.source import NotionSource, SourceOptions, make_client
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


def plan_lines(output: str) -> list[str]:
    """The lines of an import's plan that name a post (its action and slug), without the
    errors and notes under them nor the counts after them."""
    return [line.split(" from ")[0] for line in output.splitlines() if " from " in line and not line.startswith(" ")]


def first_error(output: str) -> str:
    """The first error line of an import's plan."""
    return next(line for line in output.splitlines() if line.startswith("  error: "))


# --- a real blog, moved in as a new user would (tests/test_import_real_blogs.py, bench/real_blogs.py) -


def adopt(posts: Path, section: str, options: SourceOptions, folder: Path, shortcodes: list[str]) -> Config:
    """What a new user does: `init --from-posts` proposes a property for each front matter key
    the posts use and creates them in the emulator's data source; the site's own shortcodes are
    kept (`[render] shortcodes`); drafts come back as drafts. The pipeline.toml, loaded."""
    client = make_client(TOKEN, options)
    try:
        source = NotionSource(client, options)
        found_id, data_source = source.data_source(SEED_DATA_SOURCE)
        proposal = plan_from_posts([posts], data_source, section)
        if proposal.create:
            create_properties_in(client, found_id, proposal)
            found_id, data_source = source.data_source(SEED_DATA_SOURCE)
            proposal = plan_from_posts([posts], data_source, section)
    finally:
        client.close()
    text = propose_config(found_id, data_source, proposal=proposal).replace("include_drafts = false",
                                                                            "include_drafts = true")
    path = folder / "pipeline.toml"
    path.write_text(text + "\n[render]\nshortcodes = " + json.dumps(sorted(shortcodes)) + "\n", encoding="utf-8")
    return load_config(path)


class Content(HTMLParser):
    """A page's content HTML (what its layout puts in `<main id="…">`) as its structure (tags
    with their attribute names and class), its words (each CJK character one) and its images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.structure: list[str] = []
        self.words: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = " ".join(sorted(name for name, _ in attrs if name != "id"))
        classes = " ".join(value or "" for name, value in attrs if name == "class")
        self.structure.append(f"<{tag} {names} {classes}>".replace("  ", " "))
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        self.structure.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.words += re.findall(r"[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+", data)


def content_of(public: Path, permalink: str, main: str = "content") -> Content | None:
    """The content of the page Hugo built at `permalink` (a path), or None without one."""
    page = public / unquote(permalink).strip("/") / "index.html"  # a URL's path, as a folder of the site
    if not page.is_file():
        return None
    found = re.search(rf'<main id="{main}">(.*)</main>', page.read_text(encoding="utf-8"), re.S)
    parsed = Content()
    parsed.feed(found.group(1) if found else "")
    return parsed
