"""The job, as functions the CLI and tests call: read entries, check them, render, write.

Data flows one way: source → entries → front matter → validate → render → bundle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline import bundle
from pipeline.config import Config, require_notion_id
from pipeline.frontmatter import document, front_matter, page_title, slug_source, slugify, status_of
from pipeline.model import Entry, Post, Problem
from pipeline.render import RenderContext, render_page
from pipeline.source import NotionSource, SourceOptions, make_client
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
        return [p for p in self.problems if p.severity == "error"]

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


def read_entries(source: NotionSource, selection: Selection, config: Config) -> list[Entry]:
    pages: list[dict[str, Any]] = []
    if selection.data_source:
        pages += [p for p in source.query(selection.data_source, status_filter(config)) if exportable(p, config, True)]
    for page_id in selection.pages:
        page = source.page(page_id)
        if exportable(page, config, False) and page["id"] not in {p["id"] for p in pages}:
            pages.append(page)
    return source.entries(pages)


def permalink(slug: str, section: str, style: str) -> str:
    if style == "relref":
        # Hugo resolves it at build time and fails the build if the post is missing.
        return '{{< relref "/' + section + "/" + slug + '" >}}'
    return f"/{section}/{slug}/"


def build_posts(entries: list[Entry], config: Config, section: str) -> Report:
    """Entries → posts, rejecting each invalid entry for its own reasons."""
    report = Report()
    checked = []
    for entry in entries:
        title = page_title(entry.page) or "(untitled)"
        metadata = front_matter(entry.page, config)
        slug = slug_source(entry.page, config) or slugify(page_title(entry.page))
        problems = check_front_matter(entry, title, metadata, slug, config)
        problems += check_links(entry, title)
        checked.append((entry, title, metadata, slug, problems))
    duplicates = check_unique_slugs((e, t, s) for e, t, _, s, p in checked if not any(x.severity == "error" for x in p))
    by_url = {}
    for problem in duplicates:
        by_url.setdefault(problem.entry_url, []).append(problem)

    valid = [(e, t, m, s, p + by_url.get(e.url, [])) for e, t, m, s, p in checked]
    links = {e.id: permalink(s, section, config.link_style) for e, _, _, s, p in valid if not any(x.severity == "error" for x in p)}
    for entry, title, metadata, slug, problems in valid:
        report.problems += problems
        if any(p.severity == "error" for p in problems):
            report.rejected.append(title)
            continue
        ctx = RenderContext(post_links=links)
        body = render_page(entry.blocks, ctx)
        report.problems += [
            Problem(n.severity, title, entry.url, f"block {n.block_id} ({n.block_type})", n.message) for n in ctx.notices
        ]
        report.posts.append(Post(entry.id, slug, document(metadata, body, config), entry.last_edited_time))
    return report


def sync(
    config: Config,
    selection: Selection,
    *,
    token: str,
    out_dir: Path,
    options: SourceOptions = SourceOptions(),
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
    transport: Any = None,
) -> Report:
    client = make_client(token, options, transport)
    try:
        source = NotionSource(client, options, progress)
        entries = read_entries(source, selection, config)
    finally:
        client.close()
    report = build_posts(entries, config, section=out_dir.name)
    manifest = bundle.Manifest.load(out_dir)
    rejected_ids = {e.id for e in entries} - {p.entry_id for p in report.posts}
    change, new_manifest = bundle.plan(
        out_dir, report.posts, manifest, keep=rejected_ids, prune=selection.data_source is not None and not selection.pages
    )
    report.change = change
    if not dry_run:
        bundle.apply(out_dir, report.posts, change, new_manifest)
    return report
