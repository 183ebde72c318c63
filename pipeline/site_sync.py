"""The whole site: several sources, each filling one section of the Hugo site's content
folder, with links across all of them and translations by language.

    [notion] data_source + [output] dir        the posts, as before: one source
    [[sources]] data_source = "…" section = …  a data source's published entries
    [[sources]] page = "…" section = …         a page tree: the page is the section's _index.md,
                                               each sub-page a page of it, to any depth

Every source is read before any is written: its entries (one query), or its page tree (each
page retrieved, the edited ones read whole). From all of them comes one map of where every
exported page lives (page id → section, folder, language), so that a link resolves whichever
source holds its page. Then each source is written as `sync` writes one (`sync._sync`, handed
its `Share`), with its own manifest, lock and removal guard. A source that cannot be read, or
whose write stops, is reported and changes nothing; the others go on, and links to its pages
are those its manifest recorded.

With named entries (`sync --entry`, what a webhook's dispatch runs), each id is synced in the
source that holds it, and no other source is read, locked or written: a data source's entry (by
its parent, as Notion answers it) is read alone, as `sync --entry` reads one; a page of a page
tree that its manifest lists, and whose place is as the manifest recorded it (its parent, its
title and folder, its sub-pages), is read alone too: its page and its blocks. Any other page of a
tree (a new sub-page, a moved, renamed or trashed one) has that tree read incrementally, since its
pages' folders, weights and sub-pages hang together. Links to everything not read come from the
manifests, as last written. An id no source holds is a warning.

On a multilingual site (`[languages]`), each page is `index.<code>.md` (`_index.<code>.md`),
so entries of one slug in different languages are translations in one bundle, sharing its
files; its language comes from the source's `language`, else the `[languages] property` select,
else `[languages] default`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from pipeline import bundle
from pipeline.config import Config, load_schema, require_notion_id
from pipeline.errors import ConfigError, PipelineError
from pipeline.frontmatter import page_title, property_value
from pipeline.links import table_key
from pipeline.model import Entry, Problem, Severity, as_object, as_text
from pipeline.render import Renderer
from pipeline.source import NotionSource, SourceOptions, make_client
from pipeline.sync import (
    Candidate, Job, Report, Selection, Share, _sync, check_page, fingerprint, linking_to, permalink, read_entries,
    read_pages, refuse_mass_removal, renderer_for,
)
from pipeline.tree import read_tree, sub_pages, trashed


@dataclass(frozen=True, slots=True)
class SiteSource:
    """One source of the site, resolved: what it reads, with which config, into which folder."""

    name: str  # how messages name it: its section, and its language when it has one
    config: Config  # the site's, with the source's own mapping and publish rules
    out_dir: Path
    section: str  # its folder under the content folder, as links name it
    data_source: str = ""  # a data source (or database) id
    pages: tuple[str, ...] = ()  # single pages ([notion] pages)
    root: str = ""  # a page tree's root page id
    language: str = ""  # the language of all its pages; "" by the Language property, or the default

    @property
    def manifest(self) -> str:
        return bundle.manifest_name(self.language)


def content_folder(config: Config) -> Path:
    """[site] content; else the folder holding [output] dir; else content/ beside pipeline.toml."""
    if config.content_dir:
        return Path(config.content_dir)
    if config.output_dir:
        return Path(config.output_dir).parent
    return Path(config.root or ".") / "content"


def is_site(config: Config) -> bool:
    """Whether pipeline.toml describes more than one posts folder in one language."""
    return bool(config.sources) or config.languages is not None


def site_sources(config: Config) -> list[SiteSource]:
    """The sources of pipeline.toml, [notion]'s first, each checked: one folder a source and a
    language, no section inside another's (a page tree's folders would mix with it)."""
    content = content_folder(config)
    found: list[SiteSource] = []
    if config.data_source or config.pages:
        out = Path(config.output_dir) if config.output_dir else content / "posts"
        try:
            section = out.resolve().relative_to(content.resolve()).as_posix()
        except ValueError:
            raise ConfigError(f"pipeline.toml: [output] dir {out} is not inside the site's content folder {content} "
                              "([site] content): links between sources name their pages by their place in it.") from None
        if section == ".":
            raise ConfigError(f"pipeline.toml: [output] dir {out} is the content folder itself: give the posts a "
                              "section, e.g. content/posts.")
        found.append(SiteSource(section, config, out, section,
                                require_notion_id(config.data_source, "Data source") if config.data_source else "",
                                tuple(require_notion_id(p, "Page") for p in config.pages)))
    for n, spec in enumerate(config.sources):
        name = f"{spec.section} ({spec.language})" if spec.language else spec.section
        found.append(SiteSource(
            name, spec.config, content / spec.section, spec.section,
            require_notion_id(spec.data_source, f"sources[{n}].data_source") if spec.data_source else "",
            root=require_notion_id(spec.page, f"sources[{n}].page") if spec.page else "", language=spec.language))
    for i, one in enumerate(found):
        for other in found[:i]:
            if one.section == other.section and one.language == other.language:
                raise ConfigError(f"pipeline.toml: two sources write section {one.section!r}"
                                  + (f" in language {one.language!r}" if one.language else "")
                                  + ": give one another section, or each a `language` of its own.")
            inner, outer = sorted((one.section, other.section), key=len)[::-1]
            if inner != outer and inner.startswith(outer + "/"):
                raise ConfigError(f"pipeline.toml: section {inner!r} is inside section {outer!r}, whose pages would "
                                  "mix with it: give it a section of its own.")
    return found


@dataclass(slots=True)
class Loaded:
    """A source as read: its checked entries, or what kept it from being read."""

    source: SiteSource
    manifest: bundle.Manifest
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fetched: dict[str, Entry] = field(default_factory=dict)
    covered: frozenset[str] = frozenset()  # the manifest's posts this run may remove
    named: tuple[str, ...] = ()  # a run over named entries: this data source's (its other posts are not read)
    read: bool = True  # False: a run over named entries that this source does not hold (its manifest alone)
    databases: frozenset[str] = frozenset()  # a data source's ids (its own, its database's), for inline tables
    languages: dict[str, str] = field(default_factory=dict)  # page id → language code
    error: PipelineError | None = None


@dataclass(slots=True)
class SourceRun:
    source: SiteSource
    report: Report = field(default_factory=Report)
    error: PipelineError | None = None  # the source was not read or not written


@dataclass(slots=True)
class SiteReport:
    """What a run over the whole site did, source by source."""

    content_dir: Path
    runs: list[SourceRun] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of no source: an --entry no source holds

    @property
    def failed(self) -> list[SourceRun]:
        return [run for run in self.runs if run.error is not None]

    @property
    def exit_code(self) -> int:
        """A source's failure's code (2 config or folder, 3 Notion); else 1 when entries were rejected."""
        codes = [run.error.exit_code for run in self.runs if run.error is not None]
        if codes:
            return max(codes)
        return max((run.report.exit_code for run in self.runs), default=0)

    def combined(self) -> Report:
        """One report over every source, posts named by their path in the content folder."""
        total = Report(problems=list(self.problems))
        for run in self.runs:
            section, report = run.source.section, run.report
            total.posts += report.posts
            total.problems += report.problems
            total.rejected += report.rejected
            for mine, theirs in ((total.change.written, report.change.written),
                                 (total.change.unchanged, report.change.unchanged),
                                 (total.change.removed, report.change.removed), (total.relinked, report.relinked)):
                mine += [bundle.bundle_path(section, label) for label in theirs]
            total.change.left += report.change.left
        return total


def sync_site(config: Config, *, token: str, options: SourceOptions = SourceOptions(), dry_run: bool = False,
              force: bool = False, allow_removal: bool = False, progress: Callable[[str, int], None] | None = None,
              renderer: Renderer | None = None, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
              cache_dir: Path | None = None, entries: tuple[str, ...] = (), sources: list[SiteSource] | None = None,
              queried: dict[int, list[dict[str, Any]]] | None = None) -> SiteReport:
    """One run over every source of pipeline.toml: read them all, then write each, holding each
    section's lock (`[limits] lock_wait`) from before its manifest is read, unless it is a dry run.
    `cache_dir`: the block trees kept between runs, as `sync` keeps them (pipeline/cache.py).
    `entries`: page ids (or URLs); only the sources holding them are read and written, and then
    the posts, in any source, whose links to them changed (a new slug or title, or a removal:
    Hugo's relref to the old address would fail the build until the next full run).
    `sources`: these instead of `site_sources(config)` (the preview's: its own folders).
    `queried`: a data source's place in `sources` → its entries as a query with its config just
    answered them (the preview's poll); only those sources are read (not queried again) and
    written, the others' manifests give the links to their pages."""
    sources = site_sources(config) if sources is None else sources
    renderer = renderer or renderer_for(config)
    named = tuple(dict.fromkeys(require_notion_id(e, "Entry") for e in entries))
    settings = _Settings(token, options, dry_run, force, allow_removal, progress, renderer, clock, cache_dir)
    site, done = _run_site(config, sources, settings, named, queried)
    while done.referrers:
        # Their pages are retrieved (still published, under which slug?), their trees come from the
        # cache, and they link as the passes before wrote (a dry run wrote nothing); one that moves
        # makes the posts linking to it stale in turn.
        linking, done = _run_site(config, sources, dataclasses.replace(settings, reread_named=False), done.referrers,
                                  None, done)
        site.runs += linking.runs
        site.problems += linking.problems
    return site


@dataclass(slots=True)
class _Pass:
    """What a pass of a run over named entries leaves to the next: where the pages it read link
    to, every page it (or an earlier pass) read, and the posts to read again for their links."""

    link_map: LinkMap
    read: set[str]
    referrers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Settings:
    """How a run was asked for, the same for each of its passes."""

    token: str
    options: SourceOptions
    dry_run: bool
    force: bool
    allow_removal: bool
    progress: Callable[[str, int], None] | None
    renderer: Renderer
    clock: Callable[[], datetime]
    cache_dir: Path | None
    reread_named: bool = True  # named entries read from Notion, not the block cache: they were just edited


def _run_site(config: Config, sources: list[SiteSource], settings: _Settings, named: tuple[str, ...],
              queried: dict[int, list[dict[str, Any]]] | None, earlier: _Pass | None = None) -> tuple[SiteReport, _Pass]:
    """One pass of `sync_site`: its report, and what the next pass needs (for named entries:
    the posts not read by it or an `earlier` pass whose links are no longer written as they are)."""
    token, options, dry_run, progress = settings.token, settings.options, settings.dry_run, settings.progress
    site = SiteReport(content_folder(config))
    referrers: set[str] = set()
    # Every page asked for counts as read, even one no source could answer for (a tree page the
    # integration cannot read): asking again in the next pass would never end.
    read = (set(earlier.read) if earlier else set()) | set(named)
    with contextlib.ExitStack() as locks:
        owners: dict[int, tuple[str, ...]] | None = None  # source (its place in `sources`) → the ids it holds
        retrieved: dict[str, dict[str, Any] | None] = {}
        if named:
            owners, site.problems, retrieved = _owners(sources, named, token=token, options=options, progress=progress)
        reading = {n for n, s in enumerate(sources)
                   if (owners is None or n in owners) and (queried is None or n in queried)}
        taking = [s for n, s in enumerate(sources) if n in reading]
        refused: dict[Path, PipelineError] = {}
        for out_dir in sorted({s.out_dir for s in taking}) if not dry_run else ():
            try:
                locks.enter_context(bundle.locked(out_dir, config.limits.lock_wait))
            except PipelineError as error:  # another sync holds this section: the others go on
                refused[out_dir] = error
        loaded = _load_all(sources, refused, token=token, options=options, force=settings.force, progress=progress,
                           allow_removal=settings.allow_removal, now=settings.clock(), reading=reading, owners=owners,
                           retrieved=retrieved, queried=queried or {})
        link_map = _link_map(loaded, config, earlier.link_map if earlier else None)
        links, titles, tables = link_map.links, link_map.titles, link_map.tables
        read |= {page_id for item in loaded if item.read for page_id in (*item.covered, *(c.entry.id for c in item.candidates))}
        for item in loaded:
            if named and item.error is None \
                    and item.manifest.fingerprint == fingerprint(item.source.config, settings.renderer):
                referrers |= linking_to(item.manifest, read, links, titles)  # (after a config change: the next full run)
            if not item.read:
                continue  # holds none of the named entries: only its manifest was read, for links
            run = SourceRun(item.source, error=item.error)
            site.runs.append(run)
            if item.error is not None:
                continue
            share = Share(item.source.manifest, item.candidates, item.problems, links, titles, item.covered,
                          item.fetched, tables)
            selection = Selection(item.source.data_source, (), item.named) if item.named else Selection(None, ())
            job = Job(item.source.config, selection, token, item.source.out_dir, options, settings.renderer, dry_run,
                      settings.force, settings.allow_removal, progress, settings.clock, settings.cache_dir, site=share,
                      reread_named=settings.reread_named)
            try:
                run.report = _sync(job)
            except PipelineError as error:  # its removal guard, or its folder: this source writes nothing
                run.error = error
    return site, _Pass(link_map, read, tuple(sorted(referrers)))


def check_site(config: Config, *, token: str, options: SourceOptions = SourceOptions()) -> SiteReport:
    """Validate every source as a sync would, fetching everything and writing nothing; what a
    sync would remove is not a validation's business."""
    return sync_site(config, token=token, options=options, dry_run=True, force=True, allow_removal=True)


class _Retrieved(NotionSource):
    """Notion, answering the pages this run has retrieved already, and the ones it has read
    whole, from memory."""

    def __init__(self, notion: NotionSource, pages: dict[str, dict[str, Any] | None]) -> None:
        super().__init__(notion.client, notion.options, notion.progress)
        self.pages = pages
        self.read: dict[str, Entry] = {}

    def page_or_missing(self, page_id: str) -> dict[str, Any] | None:
        return self.pages[page_id] if page_id in self.pages else super().page_or_missing(page_id)

    def entries(self, pages: Iterable[dict[str, Any]]) -> list[Entry]:
        pages = list(pages)
        return [self.read[p["id"]] for p in pages if p["id"] in self.read] \
            + super().entries([p for p in pages if p["id"] not in self.read])


def _owners(sources: list[SiteSource], named: tuple[str, ...], *, token: str, options: SourceOptions,
            progress: Callable[[str, int], None] | None
            ) -> tuple[dict[int, tuple[str, ...]], list[Problem], dict[str, dict[str, Any] | None]]:
    """Which sources hold the named pages (by their place in `sources`), the warnings for those
    no source holds, and the pages retrieved to find out. A page tree's root, and a page its
    manifest lists, are the tree's without a request; any other page is retrieved once (a data
    source's entry is read so anyway) and held by the data source its parent names, or by the
    page tree its parent page is in (a new sub-page). A page no longer there, or moved away, is
    held by the data source whose manifest lists it: its post goes, as a full run would remove it."""
    manifests: dict[int, dict[str, Any]] = {}
    for n, source in enumerate(sources):
        try:
            manifests[n] = bundle.Manifest.load(source.out_dir, source.manifest).pages
        except PipelineError:  # the source's own run reports it
            manifests[n] = {}
    trees = {n: {source.root, *manifests[n]} for n, source in enumerate(sources) if source.root}
    owners: dict[int, list[str]] = {}
    problems: list[Problem] = []
    retrieved: dict[str, dict[str, Any] | None] = {}
    client = make_client(token, options, progress=progress)
    try:
        notion = NotionSource(client, options, progress)
        for page_id in named:
            holders = [n for n, ids in trees.items() if page_id in ids]
            if not holders:
                page = retrieved[page_id] = notion.page_or_missing(page_id)
                parent = as_object(page.get("parent")) if page is not None else {}
                # Shape: developers.notion.com/reference/parent-object ({"type": "data_source_id",
                # "data_source_id": …, "database_id": …} for an entry, {"type": "page_id", …} for a sub-page).
                ids = {as_text(parent.get(key)) for key in ("data_source_id", "database_id", "page_id")} - {""}
                holders = [n for n, source in enumerate(sources) if source.data_source in ids or page_id in source.pages]
                holders += [n for n, tree in trees.items() if ids & tree]
                holders = holders or [n for n, source in enumerate(sources) if source.data_source and page_id in manifests[n]]
                if not holders:
                    problems.append(_held_by_none(page_id, page))
            for n in holders:
                owners.setdefault(n, []).append(page_id)
    finally:
        client.close()
    return {n: tuple(ids) for n, ids in owners.items()}, problems, retrieved


def _held_by_none(page_id: str, page: dict[str, Any] | None) -> Problem:
    url = "https://www.notion.so/" + page_id.replace("-", "")
    if page is None:
        return Problem(severity=Severity.WARNING, entry_title=f"page {page_id}", entry_url=url, where="--entry",
                       message=f"--entry {page_id}: Notion cannot find this page (deleted, or not shared with the "
                       "integration) and no source's manifest lists it: nothing was synced for it.")
    return Problem(severity=Severity.WARNING, entry_title=page_title(page) or f"page {page_id}", entry_url=as_text(page.get("url")) or url,
                   where="--entry", message=f"--entry {page_id}: no source of pipeline.toml holds this page (it is no "
                   "entry of a [[sources]] data source, and no page of a page tree as last synced): nothing was synced for it.")


def _load_all(sources: list[SiteSource], refused: dict[Path, PipelineError], *, token: str, options: SourceOptions,
              force: bool, progress: Callable[[str, int], None] | None, allow_removal: bool,
              now: datetime, reading: set[int], owners: dict[int, tuple[str, ...]] | None = None,
              retrieved: dict[str, dict[str, Any] | None] | None = None,
              queried: dict[int, list[dict[str, Any]]] | None = None) -> list[Loaded]:
    """Every source in `reading` (by its place in `sources`) read and checked, through one
    client; then the checks across them. A source not read gives the links to its pages from its
    manifest. A source whose removals its guard refuses is not written (`_sync` would refuse them
    too), so the links to its posts are those it has. With `owners` (a run over named entries), a
    data source reads its named entries alone, and a page tree holding one is read as in a full
    run. `queried`: data sources' entries (by place) as a query just answered them."""
    loaded = [Loaded(source, bundle.Manifest(), read=n in reading) for n, source in enumerate(sources)]
    client = make_client(token, options, progress=progress)
    try:
        notion = NotionSource(client, options, progress)

        def load(n: int, item: Loaded, named: tuple[str, ...] | None) -> None:
            source = item.source
            try:
                if source.out_dir in refused:
                    raise refused[source.out_dir]
                item.manifest = bundle.Manifest.load(source.out_dir, source.manifest)
                if not item.read:
                    return
                if source.root:
                    _load_tree(item, _Retrieved(notion, dict(retrieved or {})), force, named or ())
                elif named is not None:
                    _load_named(item, _Retrieved(notion, retrieved or {}), named)
                else:
                    _load_entries(item, notion, (queried or {}).get(n))
                _place_languages(item)
                if not allow_removal and not item.named:
                    gone = set(item.covered) - {c.entry.id for c in item.candidates}
                    refuse_mass_removal(gone, item.manifest, source.config, now)
            except PipelineError as error:  # this source is not written; the others go on
                item.error = error

        for n, item in enumerate(loaded):
            load(n, item, owners[n] if owners is not None and n in owners else None)
        if owners is not None:
            # A named tree page not in its place had its tree walked: a translation of a page that
            # moved may change its form (a branch in one language is one in every language), so the
            # trees of other languages in that section are walked too (its lock is held already).
            walked = {item.source.out_dir for item in loaded
                      if item.read and item.error is None and item.source.root and not item.named}
            for n, item in enumerate(loaded):
                if not item.read and item.source.root and item.source.out_dir in walked:
                    item.read = True
                    load(n, item, ())
    finally:
        client.close()
    _check_folders(loaded)
    return loaded


def _load_entries(item: Loaded, notion: NotionSource, queried: list[dict[str, Any]] | None = None) -> None:
    source = item.source
    selection = Selection(source.data_source or None, source.pages)
    pages, item.problems = read_pages(notion, selection, source.config, queried)
    item.candidates = [check_page(page, source.config) for page in pages]
    # A data source covers every post it wrote; single pages cover themselves.
    item.covered = frozenset(item.manifest.pages if source.data_source else source.pages)
    item.databases = _databases(source, pages)


def _databases(source: SiteSource, pages: list[dict[str, Any]]) -> frozenset[str]:
    """A data source's ids (its own, its database's, as its entries name them), for inline tables."""
    if not source.data_source:
        return frozenset()
    parents = [as_object(page.get("parent")) for page in pages]
    ids = {source.data_source} | {as_text(p.get(key)) for p in parents for key in ("data_source_id", "database_id")}
    return frozenset(ids - {""})


def _load_named(item: Loaded, notion: NotionSource, named: tuple[str, ...]) -> None:
    """A data source's named entries, each read alone, as `sync --entry` reads them: the
    published ones are its candidates, and the others lose their posts."""
    source = item.source
    item.named = named
    pages, item.problems = read_entries(notion, Selection(source.data_source or None, source.pages, named), source.config)
    item.candidates = [check_page(page, source.config) for page in pages]
    item.covered = frozenset(named)
    item.databases = _databases(source, pages)


def _load_tree(item: Loaded, notion: _Retrieved, force: bool, named: tuple[str, ...] = ()) -> None:
    """A page tree as Hugo sections: the root the section's `_index.md`; each sub-page a bundle
    in its parent's folder, named by its slug: a branch (`_index.md`) when it has sub-pages of its
    own, else a leaf (`index.md`); `weight` its place among its siblings. `named`: the pages of a
    run over named entries, read alone when each is in place (`_load_tree_pages`), else the
    tree is walked (what they read is not asked again)."""
    source, records = item.source, item.manifest.pages
    if named and _load_tree_pages(item, notion, named):
        return

    def remembered(page: dict[str, Any]) -> list[str] | None:
        record = records.get(page["id"]) or {}
        if force or not record.get("settled") or record.get("last_edited_time") != page.get("last_edited_time") \
                or not isinstance(record.get("sub_pages"), list):
            return None
        return [str(page_id) for page_id in record["sub_pages"]]

    tree = read_tree(notion, source.root, remembered, source.config.limits.max_depth)
    item.fetched, item.problems = tree.fetched, tree.problems
    exported = {tp.id for tp in tree.pages}
    folders: dict[str, str] = {}
    slug = re.compile(load_schema("post.schema.json")["properties"]["slug"]["pattern"])
    for tp in tree.pages:
        candidate = check_page(tp.page, source.config)
        branch = tp.parent is None or any(page_id in exported for page_id in tp.sub_pages)
        folders[tp.id] = _tree_folder(candidate, None if tp.parent is None else folders[tp.parent], slug)
        _place(candidate, folders[tp.id], tp.sub_pages, branch, tp.position if tp.parent is not None else None)
        item.candidates.append(candidate)
    # A sub-page that cannot be read keeps its earlier output, and so do the pages under it.
    unread = [records[page_id]["slug"] for page_id in tree.unreadable if page_id in records]
    kept = {pid for pid, rec in records.items() for folder in unread
            if rec["slug"] == folder or rec["slug"].startswith(folder + "/")}
    item.covered = frozenset(set(records) - kept)


def _tree_folder(candidate: Candidate, parent_folder: str | None, slug: re.Pattern[str]) -> str:
    """A tree page's folder: its parent's (None for the root, whose folder is the section's),
    and in it the page's slug. A page's folder is in its sub-pages' paths, and so in links to
    them: a slug that is not one (the page is rejected for it) gives way to the page's id there."""
    if parent_folder is None:
        return ""
    name = candidate.slug if slug.fullmatch(candidate.slug) else candidate.entry.id.replace("-", "")
    return bundle.bundle_path(parent_folder, name)


def _place(candidate: Candidate, folder: str, pages: list[str], branch: bool, position: int | None) -> None:
    """A tree page's place, as its bundle and manifest record keep it: its folder and sub-pages,
    a branch or a leaf, and (but for the root) its weight among its siblings."""
    candidate.path = folder
    candidate.sub_pages = pages
    candidate.place = {"index": "_index.md" if branch else bundle.INDEX}
    if position is not None:
        candidate.place["weight"] = position
        candidate.metadata.setdefault("weight", position)


def _load_tree_pages(item: Loaded, notion: _Retrieved, named: tuple[str, ...]) -> bool:
    """The named pages of a tree alone, each retrieved and read whole, when every one is in the
    place the manifest recorded: listed in it, with the same parent page (the one whose recorded
    sub-pages list it, at the recorded weight), the same title and so the same folder, and the
    same sub-pages. Then the rest of the tree, and its records, stay as they are; else False,
    and what was read is kept in `notion` for the walk of the tree."""
    source, records = item.source, item.manifest.pages
    parents = {str(sub): (pid, n) for pid, rec in records.items()
               for n, sub in enumerate(rec.get("sub_pages") or (), 1)}
    slug = re.compile(load_schema("post.schema.json")["properties"]["slug"]["pattern"])
    candidates = []
    for page_id in named:
        record = records.get(page_id)
        root = page_id == source.root
        parent_id, position = (None, None) if root else parents.get(page_id, ("", None))
        if not isinstance(record, dict) or parent_id == "":
            return False
        page = notion.pages[page_id] = notion.page_or_missing(page_id)
        if page is None or trashed(page):
            return False
        # Shape: developers.notion.com/reference/parent-object ({"type": "page_id", "page_id": …} for a sub-page).
        parent = as_object(page.get("parent"))
        if not root and (parent.get("type") != "page_id" or as_text(parent.get("page_id")) != parent_id):
            return False
        place = as_object(record.get("place"))
        candidate = check_page(page, source.config)
        folder = _tree_folder(candidate, None if parent_id is None else str(records[parent_id]["slug"]), slug)
        if candidate.title != record.get("title") or folder != record.get("slug") or place.get("weight") != position:
            return False
        entry = notion.read[page_id] = notion.entries([page])[0]
        pages = list(dict.fromkeys(sub for sub, _ in sub_pages(entry.blocks)))
        if pages != record.get("sub_pages"):
            return False
        _place(candidate, folder, pages, str(place.get("index", "")).startswith("_"), position)
        candidates.append(candidate)
    item.named, item.candidates, item.covered = named, candidates, frozenset(named)
    item.fetched = dict(notion.read)
    return True


def _place_languages(item: Loaded) -> None:
    """On a multilingual site, each page's language, and its file: `index.<code>.md`. A code the
    site does not configure rejects its entry, naming the property and the codes to choose from."""
    source = item.source
    languages = source.config.languages
    for candidate in item.candidates:
        index = candidate.place.get("index", bundle.INDEX)
        if languages is None:
            if index == bundle.INDEX:
                candidate.place.pop("index", None)  # a plain bundle: its manifest record as before
            continue
        code = source.language
        prop = source.config.language_property
        if not code and prop:
            code = str(property_value(candidate.entry.page, prop) or "")
            if code and code not in languages.codes:
                candidate.problems.append(Problem(severity=Severity.ERROR, entry_title=candidate.title, entry_url=candidate.entry.url, where=prop,
                                                  message=f"{prop} {code!r} is not a language of the site ({', '.join(languages.codes)}): choose one of them, "
                    f"or add {code!r} to [languages] codes in pipeline.toml and to the site's languages in hugo.toml."))
        code = code or languages.default
        item.languages[candidate.entry.id] = code
        candidate.place["index"] = index.removesuffix(".md") + f".{code}.md"


def _rows(recorded: object) -> list[str]:
    """The page ids an inline table showed, as a manifest recorded them; none if it is garbled."""
    try:
        rows = json.loads(str(recorded))
    except ValueError:
        return []
    return [str(row) for row in rows] if isinstance(rows, list) else []


def _check_folders(loaded: list[Loaded]) -> None:
    """One kind of bundle a folder, and one page a file. A folder holding a branch (`_index.md`)
    in one language is one in every language: Hugo reads a folder with an `index.md` as a leaf,
    and would lose the branch's pages under it. Then, in every folder, across its sources, the
    first entry of a slug and a language keeps it; a later one is rejected, and so are the pages
    of a page tree under it, which would mix with the first one's."""
    read = [item for item in loaded if item.error is None and item.read]
    branches = {(item.source.out_dir, c.folder) for item in read for c in item.candidates if c.index.startswith("_")}
    branches |= {(item.source.out_dir, record["slug"]) for item in loaded  # as written last
                 if item.error is not None or not item.read or item.named
                 for record in item.manifest.pages.values()
                 if str((record.get("place") or {}).get("index", "")).startswith("_")}
    for item in read:
        for candidate in item.candidates:
            if (item.source.out_dir, candidate.folder) in branches and not candidate.index.startswith("_"):
                candidate.place["index"] = "_" + candidate.index
    taken: dict[tuple[Path, str], Candidate] = {}
    _held_as_written(loaded, read)
    for item in read:
        lost: set[str] = set()  # folders of a page tree that were not taken
        for candidate in item.candidates:
            if not candidate.valid:
                continue
            key = (item.source.out_dir, bundle.bundle_path(candidate.folder, candidate.index))
            under = next((folder for folder in lost if candidate.folder.startswith(folder + "/")), None)
            if under is not None:
                candidate.problems.append(Problem(severity=Severity.ERROR, entry_title=candidate.title, entry_url=candidate.entry.url, where="page tree",
                                                  message=f"a page above it could not take its folder {under!r}: rename that page, and this one follows."))
            elif key in taken:
                first = taken[key]
                language = item.languages.get(candidate.entry.id)
                candidate.problems.append(Problem(severity=Severity.ERROR, entry_title=candidate.title, entry_url=candidate.entry.url, where=item.source.config.slug_property,
                                                  message=f"Slug {candidate.slug!r}" + (f" in language {language!r}" if language else "")
                    + f" is already used by {first.title!r} ({first.entry.url}), which comes first: give this entry "
                    "a different slug" + (", or another language." if language else ".")))
                lost.add(candidate.folder)
            else:
                taken[key] = candidate


def _held_as_written(loaded: list[Loaded], read: list[Loaded]) -> None:
    """In a run over named entries, a named entry may not take the file of a page that this run
    does not read (another entry's, another source's of the folder): that page keeps it, as its
    manifest says, and the entry is rejected."""
    named = {page_id for item in read for page_id in item.named}
    if not named:
        return
    held = {(item.source.out_dir, bundle.bundle_path(record["slug"], str((record.get("place") or {}).get("index", bundle.INDEX)))):
            str(record.get("title") or page_id)
            for item in loaded if not item.read or item.named
            for page_id, record in item.manifest.pages.items() if page_id not in named}
    for item in read:
        for candidate in item.candidates:
            holder = held.get((item.source.out_dir, bundle.bundle_path(candidate.folder, candidate.index)))
            if candidate.valid and item.named and holder is not None:
                candidate.problems.append(Problem(severity=Severity.ERROR, entry_title=candidate.title, entry_url=candidate.entry.url,
                                                  where=item.source.config.slug_property, message=f"Slug {candidate.slug!r} is already used by {holder!r}, another "
                    "post: give this entry a different slug."))


@dataclass(slots=True)
class LinkMap:
    """Where every exported page of a site is linked to, and its title; each inline database
    that is a source of the site, with its exported entries (its rows); and the pages a run removed."""

    links: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)


def _link_map(loaded: list[Loaded], config: Config, earlier: LinkMap | None = None) -> LinkMap:
    """The site's link map, from every source read (a source that was not read: from its
    manifest, as last written, or as an `earlier` pass of the run linked it)."""
    languages = config.languages
    earlier = earlier or LinkMap()
    found = LinkMap(dict(earlier.links), dict(earlier.titles), dict(earlier.tables), set(earlier.gone))
    links, titles, tables = found.links, found.titles, found.tables

    def link(source: SiteSource, folder: str, code: str) -> str:
        prefix = f"/{code}" if languages is not None and code != languages.default else ""
        return permalink(folder, source.section, config.link_style, code if languages else "", prefix)

    def as_written(source: SiteSource, page_id: str, record: dict[str, Any]) -> None:
        index = str((record.get("place") or {}).get("index", bundle.INDEX))
        code = index.split(".")[1] if index.count(".") == 2 else ""
        links[page_id] = link(source, record["slug"], code or (languages.default if languages else ""))
        if isinstance(record.get("title"), str):
            titles[page_id] = record["title"]

    partly = [item.error is not None or not item.read or bool(item.named) for item in loaded]
    joining: dict[str, list[str]] = {}  # a database → its named entries published now
    for item, recorded in zip(loaded, partly):
        source = item.source
        shown: dict[str, tuple[str, ...]] = {}
        read = item.error is None and item.read
        # As its manifest says it was last written (a rejected entry's post stays as it was), and
        # then what was read; a page the run covers and no longer finds is removed, not linked to.
        found.gone |= set(item.covered) - {c.entry.id for c in item.candidates} if read else set()
        rejected = {c.entry.id for c in item.candidates if not c.valid} if read else set()
        for page_id, record in item.manifest.pages.items():
            if (recorded or page_id in rejected) and page_id not in found.gone and page_id not in earlier.links:
                as_written(source, page_id, record)
        if read:
            valid = [c for c in item.candidates if c.valid]
            for candidate in valid:
                links[candidate.entry.id] = link(source, candidate.folder, item.languages.get(candidate.entry.id, ""))
                titles[candidate.entry.id] = candidate.title
            if not item.named:  # the published entries, a rejected one's post too (it stays)
                listed = tuple(c.entry.id for c in item.candidates if c.valid or c.entry.id in item.manifest.pages)
                shown = {database: listed for database in item.databases}
            for database in item.databases if item.named else ():
                joining.setdefault(database, []).extend(c.entry.id for c in valid)
        for database, rows in shown.items():
            tables[database] = rows
            # What a page showing the table depends on beyond each row: which rows there are. The
            # page's manifest record keeps it, for a run in which that database cannot be read.
            links[table_key(database)] = json.dumps(rows, separators=(",", ":"))
    # (a page gone from one source may have moved to another, which links it now)
    linked_now = {c.entry.id for item in loaded if item.error is None and item.read for c in item.candidates if c.valid}
    for page_id in found.gone - linked_now:
        links.pop(page_id, None)
        titles.pop(page_id, None)
    if any(partly):
        # The tables of a database that was not read (or not whole), as the pages showing them
        # last did, but for the entries no longer published (removed by this run or an earlier
        # one); a named entry published now joins at the end (a full run puts it in query order).
        for item in loaded:
            for record in item.manifest.pages.values():
                for key, shown_as in (record.get("links") or {}).items():
                    if key.startswith(table_key("")) and key not in links and isinstance(shown_as, list) and shown_as:
                        database = key.removeprefix(table_key(""))
                        still = [row for row in _rows(shown_as[0]) if row in links]
                        listed = tuple(still + [row for row in joining.get(database, ()) if row not in still])
                        links[key] = json.dumps(listed, separators=(",", ":"))
                        tables[database] = listed
    return found
