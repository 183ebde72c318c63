"""The job, as functions the CLI and tests call: read entries, check them, render, write.

Data flows one way: source → entries → front matter → validate → render → bundle.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from typing import Any, Callable

from pipeline import bundle
from pipeline.config import SCHEMA_DIR, Config, require_notion_id
from pipeline.errors import ConfigError
from pipeline.frontmatter import document, front_matter, page_title, slug_of, status_of
from pipeline.model import Block, Entry, Post, Problem
from pipeline.render import RenderContext, render_page, video_shortcode
from pipeline.source import NotionSource, SourceOptions, block_files, download_files, make_client
from pipeline.validate import check_front_matter, check_links, check_unique_slugs


@dataclass(slots=True)
class Report:
    """What a run did and found. `exit_code` is the CLI's: 0 all written, 1 entries rejected."""

    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    change: bundle.Change = field(default_factory=bundle.Change)
    rejected: list[str] = field(default_factory=list)  # titles

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.rejects]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


@dataclass(frozen=True, slots=True)
class Selection:
    """Which Notion objects to read: a data source (or database) and single pages."""

    data_source: str | None
    pages: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Config, data_source: str | None = None, pages: tuple[str, ...] = ()) -> "Selection":
        if data_source is None and not pages:
            data_source, pages = config.data_source or None, config.pages
        ds = require_notion_id(data_source, "Data source") if data_source else None
        return cls(ds, tuple(require_notion_id(p, "Page") for p in pages))


def status_filter(config: Config) -> dict[str, Any]:
    # Filter shape: developers.notion.com/reference/filter-data-source-entries#status
    return {"or": [{"property": config.status_property, "status": {"equals": name}} for name in config.exported_statuses]}


def exportable(page: dict[str, Any], config: Config, from_query: bool) -> bool:
    if page.get("in_trash") or page.get("archived"):
        return False
    if not from_query:
        return True
    return status_of(page, config) in config.exported_statuses


def read_pages(source: NotionSource, selection: Selection, config: Config) -> list[dict[str, Any]]:
    """The page objects to export, in query order, then the single pages."""
    pages: list[dict[str, Any]] = []
    if selection.data_source:
        entries = source.query(selection.data_source, status_filter(config))
        if entries and not any(config.status_property in p.get("properties", {}) for p in entries):
            # Without it no entry counts as published, and every post would be removed.
            names = sorted({name for p in entries for name in p.get("properties", {})})
            raise ConfigError(
                f"pipeline.toml: publish.status_property {config.status_property!r} is not a property of the "
                f"data source (it has: {', '.join(names)}). Rename it in pipeline.toml or in Notion."
            )
        pages += [p for p in entries if exportable(p, config, True)]
    for page_id in selection.pages:
        page = source.page(page_id)
        if exportable(page, config, False) and page["id"] not in {p["id"] for p in pages}:
            pages.append(page)
    return pages


def permalink(slug: str, section: str, style: str) -> str:
    if style == "relref":
        # Hugo resolves it at build time and fails the build if the post is missing.
        return '{{< relref "/' + section + "/" + slug + '" >}}'
    return f"/{section}/{slug}/"


@dataclass(slots=True)
class Candidate:
    """An entry as far as its page object tells: enough to check it and name its bundle."""

    entry: Entry
    title: str
    metadata: dict[str, Any]
    slug: str
    problems: list[Problem]

    @property
    def valid(self) -> bool:
        return not any(p.rejects for p in self.problems)


def protect_hand_written(candidates: list[Candidate], manifest: bundle.Manifest, out_dir: Path) -> None:
    """Reject an entry whose bundle folder holds a post the pipeline did not write (a blog's
    hand-written post with the same slug): that post is never overwritten."""
    owned = {rec["slug"] for rec in manifest.pages.values()}
    for candidate in candidates:
        folder = out_dir / candidate.slug
        if candidate.valid and candidate.slug not in owned and folder.is_dir() and any(folder.iterdir()):
            candidate.problems.append(Problem(
                "error", candidate.title, candidate.entry.url, "Slug",
                f"{folder} holds a post that notion-hugo did not write; it is left as it is. Give this entry "
                "another slug, or move that post away if it is an earlier copy of this one.",
            ))


def check_pages(pages: list[dict[str, Any]], config: Config) -> list[Candidate]:
    """Front matter, slug and schema for every page; slugs kept by the first in query order."""
    candidates = []
    for page in pages:
        entry = Entry(page=page, blocks=())
        title = page_title(page) or "(untitled)"
        metadata = front_matter(page, config)
        slug = slug_of(page, config)
        candidates.append(Candidate(entry, title, metadata, slug, check_front_matter(entry, title, metadata, slug, config)))
    for problem in check_unique_slugs((c.entry, c.title, c.slug) for c in candidates if c.valid):
        next(c for c in candidates if c.entry.url == problem.entry_url).problems.append(problem)
    return candidates


def link_target(page_id: str, links: dict[str, str], titles: dict[str, str]) -> list[str | None]:
    """What a post shows for a link to a workspace page: where it points, and its title."""
    return [links.get(page_id), titles.get(page_id)]


def unchanged(candidate: Candidate, manifest: bundle.Manifest, links: dict[str, str], titles: dict[str, str],
              out_dir: Path) -> bool:
    """Written before from the same, settled page edit, under the same slug, linking to the
    same posts under the same titles, and still on disk as written: nothing to fetch."""
    record = manifest.pages.get(candidate.entry.id)
    if not record or not record.get("settled", False):
        return False
    if record.get("last_edited_time") != candidate.entry.last_edited_time or record.get("slug") != candidate.slug:
        return False
    if any(link_target(page_id, links, titles) != shown for page_id, shown in (record.get("links") or {}).items()):
        return False
    index = out_dir / candidate.slug / "index.md"
    return index.is_file() and bundle.digest(index.read_bytes()) == record.get("sha256")


def bundle_file_name(url: str, data: bytes) -> str:
    """Named by content: Notion signs a new URL on every read, the bytes stay the same."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".bin"
    return hashlib.sha256(data).hexdigest()[:16] + suffix


def bundled_files(blocks: tuple[Block, ...], config: Config) -> dict[str, str]:
    """URL → file object type of the files a post's bundle holds: Notion-hosted ones (their
    URLs expire), and external http(s) ones with `download_external`, but never a YouTube or
    Vimeo video, which the post embeds."""
    types = ("file", "external") if config.render.download_external else ("file",)
    return {
        url: kind for url, kind in block_files(blocks, types).items()
        if urlsplit(url).scheme in ("http", "https") and video_shortcode(url) is None
    }


# A file that could not be downloaded, by file object type: where it is, and the fix.
_NOT_DOWNLOADED = {
    "file": ("a Notion-hosted file", "upload the file again in Notion."),
    "external": ("an external file", "check that its URL still serves the file, or upload the file to Notion."),
}


def render_post(
    candidate: Candidate,
    entry: Entry,
    config: Config,
    downloads: dict[str, bytes | Exception],
    links: dict[str, str],
    titles: dict[str, str],
    started: datetime,
) -> tuple[Post | None, list[Problem]]:
    title = candidate.title
    problems = check_links(entry, title)
    problems += [
        Problem("error", title, entry.url, f"block {block_id}",
                "the integration cannot read what this block shows (Notion answered 404): it is a synced "
                "block whose original lives on a page not shared with the integration. Share that page "
                "with the integration (••• → Connections), or remove the block.")
        for block_id in entry.unreadable
    ]
    files: dict[str, bytes] = {}
    local: dict[str, str] = {}
    for url, kind in bundled_files(entry.blocks, config).items():
        data = downloads.get(url)
        if isinstance(data, bytes):
            local[url] = bundle_file_name(url, data)
            files[local[url]] = data
        else:
            where, fix = _NOT_DOWNLOADED[kind]
            problems.append(Problem(
                "error", title, entry.url, where,
                f"could not download {urlsplit(url).path.rsplit('/', 1)[-1]!r} ({data}): {fix}",
            ))
    if any(p.rejects for p in problems):
        return None, problems
    ctx = RenderContext(post_links=links, titles=titles, local_files=local, options=config.render)
    body = render_page(entry.blocks, ctx)
    problems += [Problem(n.severity, title, entry.url, f"block {n.block_id} ({n.block_type})", n.message) for n in ctx.notices]
    post = Post(
        entry.id, candidate.slug, document(candidate.metadata, body, config), entry.last_edited_time, files=files,
        links={page_id: link_target(page_id, links, titles) for page_id in sorted(ctx.linked_pages)},
        settled=settled(entry.last_edited_time, started),
    )
    return post, problems


def settled(last_edited_time: str, started: datetime) -> bool:
    """Whether the minute Notion rounded this edit time down to had ended when the run began."""
    try:
        edited = datetime.fromisoformat(last_edited_time.replace("Z", "+00:00"))
    except ValueError:
        return False
    return started >= edited + timedelta(minutes=1)


def fingerprint(config: Config) -> str:
    """Changes when the config or the pipeline's code does: then every post is rebuilt."""
    digest = hashlib.sha256(repr(config).encode())
    for path in sorted(Path(__file__).parent.glob("*.py")) + sorted((p for p in SCHEMA_DIR.iterdir() if p.name.endswith(".json")), key=lambda p: p.name):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sync(
    config: Config,
    selection: Selection,
    *,
    token: str,
    out_dir: Path,
    options: SourceOptions = SourceOptions(),
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> Report:
    """One run: read what changed, check everything, write the valid posts atomically.

    Blocks are fetched only for pages that changed since the manifest was written (all of
    them with `force`). Invalid entries keep their earlier output; with a whole data source,
    bundles of entries no longer in it are removed.
    """
    report = Report()
    started = datetime.now(timezone.utc)
    manifest = bundle.Manifest.load(out_dir)
    stamp = fingerprint(config)
    reuse = not force and manifest.fingerprint == stamp
    client = make_client(token, options, progress=progress)
    try:
        source = NotionSource(client, options, progress)
        candidates = check_pages(read_pages(source, selection, config), config)
        protect_hand_written(candidates, manifest, out_dir)
        section = out_dir.name
        links = {c.entry.id: permalink(c.slug, section, config.link_style) for c in candidates if c.valid}
        titles = {c.entry.id: c.title for c in candidates if c.valid}
        kept = {c.entry.id for c in candidates if c.valid and reuse and unchanged(c, manifest, links, titles, out_dir)}
        to_fetch = [c for c in candidates if c.valid and c.entry.id not in kept]
        entries = {e.id: e for e in source.entries([c.entry.page for c in to_fetch])}
    finally:
        client.close()
    downloads = download_files((url for e in entries.values() for url in bundled_files(e.blocks, config)), options)
    for candidate in candidates:
        report.problems += candidate.problems
        if candidate.entry.id in kept:
            continue
        post = None
        if candidate.valid:
            post, problems = render_post(candidate, entries[candidate.entry.id], config, downloads, links, titles, started)
            report.problems += problems
        if post is None:
            report.rejected.append(candidate.title)
        else:
            report.posts.append(post)
    # A run over the data source covers every entry; one over named pages covers those.
    covered = set(manifest.pages) if selection.data_source else set(selection.pages)
    change, new_manifest = bundle.plan(
        out_dir, report.posts, manifest, drop=covered - {c.entry.id for c in candidates}, fingerprint=stamp,
    )
    change.unchanged += sorted(c.slug for c in candidates if c.entry.id in kept)
    report.change = change
    if not dry_run:
        bundle.apply(out_dir, report.posts, change, new_manifest)
    return report


def check(config: Config, selection: Selection, *, token: str, options: SourceOptions = SourceOptions()) -> Report:
    """Validate every entry as a sync would, fetching everything and writing nothing. The
    output folder only names the section links point into; no manifest is read from it."""
    return sync(config, selection, token=token, out_dir=Path("/nonexistent/posts"), options=options,
                dry_run=True, force=True)
