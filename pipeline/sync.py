"""The job, as functions the CLI and tests call: read entries, check them, render, write.

Data flows one way: source → entries → front matter → validate → render → bundle.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit
from typing import Any, Callable

from pipeline import bundle, shapes
from pipeline.cache import BlockCache, Cached
from pipeline.config import Config, require_notion_id
from pipeline.errors import ConfigError, RemovalRefused
from pipeline.frontmatter import (cover_image, cover_of, document, front_matter, page_title, slug_of, status_of,
                                  with_cover)
from pipeline.hugo_syntax import file_line_path
from pipeline.model import Block, Entry, Post, Problem, Severity, as_object, is_import_marker
from pipeline.render import BLOCKS, RenderContext, Renderer, file_blocks, video_shortcode
from pipeline.render.hugo import caption_parts, unbalanced_shortcodes
from pipeline.render.plugins import load_plugins
from pipeline.source import NotionSource, SourceOptions, api_version, block_files, download_files, make_client
from pipeline.validate import check_front_matter, check_links, check_slugs_taken, check_unique_slugs


@dataclass(slots=True)
class Report:
    """What a run did and found. `exit_code` is the CLI's: 0 all written, 1 entries rejected."""

    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    change: bundle.Change = field(default_factory=bundle.Change)
    rejected: list[str] = field(default_factory=list)  # titles
    # Posts of a run over named entries written again because they link to a named page that
    # moved, was renamed or went (as `change.written` names them)
    relinked: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.rejects]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


@dataclass(frozen=True, slots=True)
class Selection:
    """Which Notion objects to read: a data source (or database) and single pages; or, with
    `entries`, only these of the data source's entries and single pages (what a webhook says
    changed)."""

    data_source: str | None
    pages: tuple[str, ...]
    entries: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config, data_source: str | None = None, pages: tuple[str, ...] = (),
                    entries: tuple[str, ...] = ()) -> "Selection":
        if data_source is None and not pages:
            data_source, pages = config.data_source or None, config.pages
        ds = require_notion_id(data_source, "Data source") if data_source else None
        if entries and ds is None and not pages:
            raise ConfigError("--entry names entries of the data source (or pages of notion.pages): it needs "
                              "notion.data_source in pipeline.toml (or --data-source).")
        return cls(ds, tuple(require_notion_id(p, "Page") for p in pages),
                   tuple(dict.fromkeys(require_notion_id(e, "Entry") for e in entries)))


def status_filter(config: Config) -> dict[str, Any]:
    # Filter shape: developers.notion.com/reference/filter-data-source-entries#status
    return {"or": [{"property": config.status_property, "status": {"equals": name}} for name in config.exported_statuses]}


def exportable(page: dict[str, Any], config: Config, from_query: bool) -> bool:
    if page.get("in_trash") or page.get("archived"):
        return False
    if not from_query:
        return True
    return status_of(page, config) in config.exported_statuses


def read_pages(source: NotionSource, selection: Selection, config: Config,
               queried: list[dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The page objects to export, in query order, then the single pages; and what keeps a
    named entry from being read as one. `queried`: the data source's entries as a query with
    this config just answered them (not asked again)."""
    if selection.entries:
        return read_entries(source, selection, config)
    pages: list[dict[str, Any]] = []
    if selection.data_source:
        entries = queried if queried is not None else \
            source.query(selection.data_source, status_filter(config), tuple(config.mapped_properties))
        for page in entries:
            shapes.checked_option(page, config.status_property, f"data source {selection.data_source}")
        check_mapping(source, selection.data_source, entries, config)
        pages += [p for p in entries if exportable(p, config, True)]
    for page_id in selection.pages:
        page = source.page(page_id)
        if exportable(page, config, False) and page["id"] not in {p["id"] for p in pages}:
            pages.append(page)
    return pages, []


def read_entries(source: NotionSource, selection: Selection, config: Config) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The named entries that are published, each read on its own (one request an entry, no
    query of the data source). One that is gone (404), trashed or unpublished is simply not
    among them, so its bundle goes; so does one moved to another data source, as a full run
    would remove it, and that one is reported."""
    pages, singles, problems = [], [], []
    for entry_id in selection.entries:
        page = source.page_or_missing(entry_id)
        if page is None:
            continue
        if page["id"] in selection.pages:  # one of notion.pages: published as a full run publishes it
            singles += [page] if exportable(page, config, False) else []
            continue
        parent = as_object(page.get("parent"))
        if selection.data_source is None or \
                selection.data_source not in (parent.get("data_source_id"), parent.get("database_id")):
            problems.append(Problem(
                severity=Severity.WARNING, entry_title=page_title(page) or "(untitled)", entry_url=Entry(page, ()).url,
                where="--entry", message=f"this page is not an entry of data source {selection.data_source or '(none)'} nor one "
                                         "of notion.pages: it is not published from here (a post it was is removed)."))
            continue
        pages.append(page)
    if pages and selection.data_source is not None:
        for page in pages:
            shapes.checked_option(page, config.status_property, f"entry {page['id']}")
        check_mapping(source, selection.data_source, pages, config)
    return [p for p in pages if exportable(p, config, True)] + singles, problems


def check_mapping(source: NotionSource, data_source: str, entries: list[dict[str, Any]], config: Config) -> None:
    """Every property pipeline.toml names, and every exported status, exists in the data
    source: a renamed option or a typo in a property name would otherwise unpublish every post.
    The entries show the properties; the data source's own schema is read (one request) only
    when some exported status shows on no entry, to tell an unused option from a missing one."""
    statuses = {status_of(page, config) for page in entries}
    if entries and set(config.exported_statuses) <= statuses:
        properties = {name for page in entries for name in page["properties"]}
        options: set[str] | None = None
    else:
        _, found = source.data_source(data_source)
        properties = set(found["properties"])
        # Shape: developers.notion.com/reference/property-object#status (and #select):
        # {"type": "status", "status": {"options": [{"name": …}, …]}}
        prop = found["properties"].get(config.status_property)
        payload = prop.get(prop.get("type"), {}) if isinstance(prop, dict) else {}
        options = {o["name"] for o in payload.get("options", ()) if isinstance(o, dict) and isinstance(o.get("name"), str)} \
            if isinstance(payload, dict) and isinstance(payload.get("options"), list) else set()
    lines = [f"{where} {name!r} is not a property of the data source"
             for name, where in config.mapped_properties.items() if name not in properties]
    if options is not None and config.status_property in properties:
        lines += [f"publish: {name!r} is not an option of {config.status_property!r}"
                  for name in config.exported_statuses if name not in options]
    if lines:
        known = f"its options: {', '.join(sorted(map(str, options)))}; " if options else ""
        raise ConfigError(
            "pipeline.toml does not match the data source, and a sync would unpublish the posts:\n  "
            + "\n  ".join(lines)
            + f"\n({known}its properties: {', '.join(sorted(properties))}). Rename them in pipeline.toml or in Notion."
        )


def permalink(slug: str, section: str, style: str, lang: str = "", prefix: str = "") -> str:
    """Where a post is, for a link: `slug` is its bundle's folder (a path in a page tree, "" for
    a section's own page). On a multilingual site, `lang` is its language (relref looks the page
    up in that language) and `prefix` what a permalink starts with (/zh; "" for the default)."""
    path = "/" + "/".join(part for part in (section, slug) if part)
    if style == "relref":
        # Hugo resolves it at build time and fails the build if the post is missing.
        if lang:
            return '{{< relref path="' + path + '" lang="' + lang + '" >}}'
        return '{{< relref "' + path + '" >}}'
    return f"{prefix}{path}/"


@dataclass(slots=True)
class Candidate:
    """An entry as far as its page object tells: enough to check it and name its bundle."""

    entry: Entry
    title: str
    metadata: dict[str, Any]
    slug: str
    problems: list[Problem]
    path: str | None = None  # its bundle's folder, when not the slug (a page tree's page)
    place: dict[str, Any] = field(default_factory=dict)  # Post.place
    sub_pages: list[str] | None = None  # Post.sub_pages

    @property
    def valid(self) -> bool:
        return not any(p.rejects for p in self.problems)

    @property
    def folder(self) -> str:
        return self.slug if self.path is None else self.path

    @property
    def index(self) -> str:
        return self.place.get("index", bundle.INDEX)


def check_page(page: dict[str, Any], config: Config) -> Candidate:
    """Front matter, slug and schema of one page."""
    entry = Entry(page=page, blocks=())
    title = "(untitled)"
    try:
        title = page_title(page) or title
        metadata = front_matter(page, config)
        slug = slug_of(page, config)
        problems = check_front_matter(entry, title, metadata, slug, config)
    except Exception as error:  # noqa: BLE001 - one entry's garbled property must not stop the others
        metadata, slug = {}, ""
        problems = [Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where="properties",
                            message=f"notion-hugo could not read this entry's properties ({type(error).__name__}: {error}): "
                            "Notion answered a value of an unexpected shape, or this is a bug in notion-hugo. "
                            "The other entries are written.")]
    return Candidate(entry, title, metadata, slug, problems)


def check_pages(pages: list[dict[str, Any]], config: Config) -> list[Candidate]:
    """Front matter, slug and schema for every page; slugs kept by the first in query order."""
    candidates = [check_page(page, config) for page in pages]
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
    if record.get("last_edited_time") != candidate.entry.last_edited_time or record.get("slug") != candidate.folder \
            or record.get("place", {}) != candidate.place:
        return False
    if any(link_target(page_id, links, titles) != shown for page_id, shown in (record.get("links") or {}).items()):
        return False
    index = out_dir / bundle.bundle_path(candidate.folder, candidate.index)
    return index.is_file() and bundle.digest(index.read_bytes()) == record.get("sha256")


def bundle_file_name(url: str, kept: str | None) -> str:
    """The path a file wants in its bundle: `kept` (a caption's `file:` line, the front
    matter's cover image: the path import kept) when a bundle may hold it with this suffix,
    else the name Notion keeps for the file, the last part of its URL's path (a signed URL
    changes at every read, its path does not), in safe characters."""
    suffix = bundle.file_suffix(url)  # a publishable one
    name = bundle.safe_file_name(unquote(urlsplit(url).path.rsplit("/", 1)[-1]))
    return file_line_path(kept, suffix) or (name if name.lower().endswith(suffix) else name + suffix)


def content_name(url: str, data: bytes) -> str:
    """A file named by its content (the bytes stay the same when Notion signs a new URL)."""
    return hashlib.sha256(data).hexdigest()[:16] + bundle.file_suffix(url)


def kept_path(block: Block | None) -> str | None:
    """The bundle path a file block's caption keeps (its `file:` line), or None."""
    return caption_parts(block.value.get("caption"))[1].file if block is not None else None


def cover_url(page: dict[str, Any], config: Config) -> str | None:
    """The page cover's URL when the bundle holds it (Notion-hosted, or external with
    `download_external`), as a file block's; else None."""
    found = cover_of(page)
    if found is None or found[0] not in (("file", "external") if config.render.download_external else ("file",)):
        return None
    url = found[1]
    return url if _url_problem(url) is None and urlsplit(url).scheme in ("http", "https") and bundle.publishable(url) \
        else None


def _url_problem(url: str) -> str | None:
    """Why a URL does not parse (a bracket left open, a port that is not a number), or None."""
    try:
        urlsplit(url).port  # noqa: B018 - read for its check: a port that is not a number raises
    except ValueError as error:
        return str(error)
    return None


def _downloadable(blocks: tuple[Block, ...], config: Config) -> dict[str, str]:
    """URL → file object type of the files a post would bundle: Notion-hosted ones (their
    URLs expire), and external http(s) ones with `download_external`, but never a YouTube or
    Vimeo video, which the post embeds. A URL that does not parse is not one: its entry is
    rejected by `render_post`, alone."""
    types = ("file", "external") if config.render.download_external else ("file",)
    return {
        url: kind for url, kind in block_files(blocks, types).items()
        if _url_problem(url) is None and urlsplit(url).scheme in ("http", "https") and video_shortcode(url) is None
    }


def bundled_files(blocks: tuple[Block, ...], config: Config) -> dict[str, str]:
    """The files a post's bundle holds (and the only ones downloaded): of a published type."""
    return {url: kind for url, kind in _downloadable(blocks, config).items() if bundle.publishable(url)}


def withheld_files(blocks: tuple[Block, ...], config: Config) -> dict[str, Block]:
    """URL → block of the Notion-hosted files whose type the blog does not publish (an external
    one is not bundled either: the post keeps its own URL, on another domain)."""
    withheld = {url for url, kind in _downloadable(blocks, config).items()
                if kind == "file" and not bundle.publishable(url)}
    return {url: block for block, _, url in file_blocks(blocks) if url in withheld}


# A file that could not be downloaded, by file object type: where it is, and the fix.
_NOT_DOWNLOADED = {
    "file": ("a Notion-hosted file", "upload the file again in Notion."),
    "external": ("an external file", "check that its URL still serves the file, or upload the file to Notion."),
}


@dataclass(frozen=True, slots=True)
class Rendering:
    """What rendering any entry of a run needs beyond the entry: the config and renderer, the
    downloaded files, where every exported page lives and its title, and when the run began."""

    config: Config
    renderer: Renderer
    downloads: dict[str, bytes | Exception]
    links: dict[str, str]
    titles: dict[str, str]
    started: datetime
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)  # RenderContext.tables


def render_post(candidate: Candidate, entry: Entry, run: Rendering) -> tuple[Post | None, list[Problem]]:
    config, downloads, links, titles = run.config, run.downloads, run.links, run.titles
    title = candidate.title
    problems = check_links(entry, title)
    # An entry `notion-hugo import` is still writing, or whose import was cut short: never half a post.
    problems += [Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=f"block {block.id} (callout)",
                         message="notion-hugo import has not finished writing this entry (or was interrupted): run "
                         "`notion-hugo import` again on its post to complete it. Its earlier post, if any, stays as it was.")
                 for block in entry.blocks if is_import_marker(block.data)]
    problems += [fault.of(title, entry.url) for fault in entry.faults]
    problems += [
        Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=f"block {block.id} ({block.type})",
                message=f"its file URL {url!r} does not parse ({why}): "
                + ("upload the file again in Notion." if kind == "file" else "correct the URL, or upload the file to Notion."))
        for block, kind, url in file_blocks(entry.blocks) if (why := _url_problem(url))
    ]
    named: list[tuple[str, bytes, str]] = []
    holders = {url: block for block, _, url in reversed(list(file_blocks(entry.blocks)))}
    targets = bundled_files(entry.blocks, config)
    cover = cover_url(entry.page, config)
    if cover is not None:
        targets.setdefault(cover, "file")
    for url, kind in targets.items():
        data = downloads.get(url)
        if isinstance(data, bytes):
            kept = kept_path(holders[url]) if url in holders else cover_image(candidate.metadata)
            # A multilingual site's translations share one bundle: there a file is named by its
            # content, so that one name is always one file, whichever translation writes it.
            named.append((url, data, content_name(url, data) if config.languages else bundle_file_name(url, kept)))
        else:
            where, fix = _NOT_DOWNLOADED[kind]
            problems.append(Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=where,
                                    message=f"could not download {urlsplit(url).path.rsplit('/', 1)[-1]!r} ({data}): {fix}"))
    # A file of another type rejects its entry: linked at Notion, the renderer would turn the
    # link into one to the post itself, and the signed URL expires within the hour.
    problems += [
        Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=f"block {block.id} ({block.type})",
                message=f"{urlsplit(url).path.rsplit('/', 1)[-1]!r} is not a type the blog publishes (images, audio, video, "
                "PDF, plain documents; not SVG, HTML or scripts): served from the blog's own domain, a file like it "
                "could run scripts for its readers. Upload it as PNG or PDF, link it from elsewhere, or remove it.")
        for url, block in withheld_files(entry.blocks, config).items()
    ]
    if any(p.rejects for p in problems):
        return None, problems
    local = bundle.bundle_names(named)
    files = {local[url]: data for url, data, _ in named}
    ctx = RenderContext(post_links=links, titles=titles, local_files=local, options=config.render, page_url=entry.url,
                        tables=run.tables)
    body = run.renderer.render_page(entry.blocks, ctx)
    problems += [notice.of(title, entry.url) for notice in ctx.notices]
    problems += [Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where="a shortcode",
                         message=message)
                 for message in unbalanced_shortcodes(body, config.render.shortcodes)]
    if any(p.rejects for p in problems):  # e.g. content nested deeper than the post can show
        return None, problems
    # The page cover into the front matter's cover image: its copy in the bundle, or its
    # external URL (a Notion-hosted one that is not bundled would expire within the hour).
    found = cover_of(entry.page)
    metadata = with_cover(candidate.metadata, local.get(cover) if cover else
                          found[1] if found and found[0] == "external" else None)
    post = Post(
        entry.id, candidate.folder, document(metadata, body, config), entry.last_edited_time, files=files,
        links={page_id: link_target(page_id, links, titles) for page_id in sorted(ctx.linked_pages)},
        settled=settled(entry.last_edited_time, run.started), title=candidate.title, place=candidate.place,
        sub_pages=candidate.sub_pages,
    )
    return post, problems


def render_guarded(candidate: Candidate, entry: Entry, run: Rendering) -> tuple[Post | None, list[Problem]]:
    """`render_post`, where whatever goes wrong with one entry rejects that entry alone, named:
    text that cannot be written as UTF-8 (a lone surrogate from the API), or a renderer bug."""
    try:
        post, problems = render_post(candidate, entry, run)
        if post is not None:
            post.text.encode("utf-8")
        return post, problems
    except UnicodeEncodeError as error:
        where = error.object[max(0, error.start - 20):error.end + 20] if isinstance(error.object, str) else ""
        message = (f"its text holds a character that cannot be written as UTF-8 (a lone surrogate, "
                   f"near {where!r}): retype that passage in Notion.")
    except Exception as error:  # noqa: BLE001 - one entry's failure must not stop the others
        message = (f"notion-hugo could not render this entry ({type(error).__name__}: {error}). This is a bug "
                   "in notion-hugo: please report it with the page; the other entries are written.")
    return None, [Problem(severity=Severity.ERROR, entry_title=candidate.title, entry_url=candidate.entry.url, where="the page",
                          message=message)]


def settled(last_edited_time: str, started: datetime) -> bool:
    """Whether the minute Notion rounded this edit time down to had ended when the run began."""
    try:
        edited = datetime.fromisoformat(last_edited_time.replace("Z", "+00:00"))
    except ValueError:
        return False
    return started >= edited + timedelta(minutes=1)


# Bump when a change to the rendering code (render, frontmatter, the bundle naming) changes
# what the same Notion page becomes: every post is then rebuilt once. Nothing else in the code
# (the CLI, the fetching, the limits) changes an output, so nothing else forces a refetch.
# 2: bundle files named as Notion names them (issue #17), no longer by content.
# 3: text escapes what Goldmark's typographer would change (\' \" -\- ..\. >\>).
OUTPUT_VERSION = 3


def fingerprint(config: Config, renderer: Renderer) -> str:
    """Changes exactly when what a page becomes changes: the front matter mapping, the publish
    statuses (they decide `draft`), the render options, the link style, the block types the
    renderer knows (a new one re-renders the pages that showed it through the fallback), the
    rules added to it (their source: `Renderer.fingerprint`), and OUTPUT_VERSION."""
    render = dataclasses.asdict(config.render)
    del render["plugins"]  # what they add is the renderer's fingerprint, source included
    shaping = {
        "version": OUTPUT_VERSION,
        "block_types": sorted(BLOCKS),
        "front_matter": [dataclasses.asdict(spec) for spec in config.front_matter],
        "published": config.published,
        "status_property": config.status_property,
        "slug_property": config.slug_property,
        "front_matter_yaml": config.front_matter_yaml,
        "render": render,
        "link_style": config.link_style,
    }
    if renderer.fingerprint():  # none added: the same fingerprint as before rules existed
        shaping["rules"] = renderer.fingerprint()
    return hashlib.sha256(json.dumps(shaping, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Share:
    """One source's share of a run over the whole site (pipeline/site_sync.py), which reads
    every source before it writes any: this source's entries, read and checked; where every
    exported page of the site lives and its title; which of its manifest's posts the run covers
    (a source removes only those); the block trees read already (a page tree's changed pages);
    and the inline databases it can show as tables."""

    manifest: str  # its manifest's file name (bundle.manifest_name)
    candidates: list[Candidate]
    problems: list[Problem]
    links: dict[str, str]
    titles: dict[str, str]
    covered: frozenset[str]
    fetched: dict[str, Entry] = field(default_factory=dict)
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    """One run of `sync`, as asked."""

    config: Config
    selection: Selection
    token: str
    out_dir: Path
    options: SourceOptions
    renderer: Renderer
    dry_run: bool = False
    force: bool = False
    allow_removal: bool = False
    progress: Callable[[str, int], None] | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    cache_dir: Path | None = None  # where fetched trees are kept between runs (pipeline/cache.py)
    queried: list[dict[str, Any]] | None = None  # the data source's entries, as a query just answered them
    site: Share | None = None  # a source of a whole-site run: read already, with the others
    # Named entries are read from Notion, not the block cache: they were just edited. Those named
    # because they link to an edited page were not: their trees may come from the cache.
    reread_named: bool = True


def renderer_for(config: Config) -> Renderer:
    """The built-in rules with pipeline.toml's `[render] plugins` applied."""
    return load_plugins(Renderer(), config.render.plugins, Path(config.root or "."))


def sync(
    config: Config,
    selection: Selection,
    *,
    token: str,
    out_dir: Path,
    options: SourceOptions = SourceOptions(),
    dry_run: bool = False,
    force: bool = False,
    allow_removal: bool = False,
    progress: Callable[[str, int], None] | None = None,
    renderer: Renderer | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    cache_dir: Path | None = None,
    queried: list[dict[str, Any]] | None = None,
) -> Report:
    """One run: read what changed, check everything, write the valid posts atomically, holding
    the output folder's lock (`[limits] lock_wait`) unless it is a dry run.

    Blocks are fetched only for pages that changed since the manifest was written (all of
    them with `force`, or when the config or the renderer's rules changed). Invalid entries
    keep their earlier output; with a whole data source, bundles of entries no longer in it are
    removed. `renderer`: the rules to render with (default: the built-in ones and
    pipeline.toml's `[render] plugins`). `clock` tells the time (a fake in tests). `cache_dir`:
    keep fetched trees there, and render unedited pages from them (pipeline/cache.py).
    `queried`: the data source's entries as a query just answered them (the preview's poll),
    not queried again.
    """
    job = Job(config, selection, token, out_dir, options, renderer or renderer_for(config), dry_run, force,
              allow_removal, progress, clock, cache_dir, queried)
    if dry_run:
        return _sync(job)
    with bundle.locked(out_dir, config.limits.lock_wait):
        return _sync(job)


def _sync(job: Job) -> Report:
    config, selection, out_dir, options = job.config, job.selection, job.out_dir, job.options
    report = Report()
    started = job.clock()
    site = job.site
    manifest = bundle.Manifest.load(out_dir, site.manifest if site else bundle.MANIFEST)
    stamp = fingerprint(config, job.renderer)
    reuse = not job.force and manifest.fingerprint == stamp
    client = make_client(job.token, options, progress=job.progress)
    try:
        source = NotionSource(client, options, job.progress)
        if site is None:
            pages, report.problems = read_pages(source, selection, config, job.queried)
            candidates = check_pages(pages, config)
        else:  # read and checked with the rest of the site, which links across every source
            candidates, report.problems = site.candidates, list(site.problems)
        section = out_dir.name
        links: dict[str, str] = dict(site.links) if site else {}
        titles: dict[str, str] = dict(site.titles) if site else {}
        referrers: set[str] = set()
        if site is None:  # (a whole site has checked the folders, and mapped the links, for every source)
            if selection.entries:
                check_slugs_against(candidates, manifest, selection.entries)
            links, titles = post_targets(candidates, manifest, covering(selection, manifest), section, config)
            # A named entry's new slug or title, or its removal, changes the posts linking to it:
            # they are read again too (their trees from the cache), and so on while one of those
            # moved, or Hugo's relref to an old address would fail the blog's build until the next
            # full run. (After a config change, the next full run writes every post again anyway.)
            while selection.entries and manifest.fingerprint == stamp and \
                    (more := linking_to(manifest, set(selection.entries) | referrers, links, titles)):
                referrers |= more
                pages, problems = read_entries(source, Selection(selection.data_source, selection.pages, tuple(sorted(more))),
                                               config)
                report.problems += problems
                again = check_pages(pages, config)
                check_slugs_against(again, manifest, (*selection.entries, *referrers))
                candidates += again
                links, titles = post_targets(candidates, manifest, covering(selection, manifest) | referrers, section, config)
        # A named entry is read again whatever the manifest says: an edit in the minute of the
        # last sync leaves last_edited_time as it was.
        kept = {c.entry.id for c in candidates if c.valid and reuse and not selection.entries
                and unchanged(c, manifest, links, titles, out_dir)}
        to_fetch = [c for c in candidates if c.valid and c.entry.id not in kept]
        cache = block_cache(job)
        if cache is None and job.cache_dir is not None and not job.dry_run:
            report.problems.append(Problem(
                severity=Severity.WARNING, entry_title="the block cache", where=str(job.cache_dir),
                message="this folder holds files notion-hugo did not write (and no CACHEDIR.TAG), or is a symbolic "
                        "link: it is not used as the cache of fetched blocks, so that none of those files is removed. "
                        "Name a new or empty folder (--cache-dir, NOTION_HUGO_CACHE), or --no-cache."))
        read_before = site.fetched if site else {}  # a page tree's edited pages, read whole to find their sub-pages
        # --force and named entries read Notion itself; otherwise an unedited page's tree is the
        # one fetched before (a rendering change then costs the query alone).
        hits = {} if cache is None or job.force else \
            {c.entry.id: hit for c in to_fetch
             if c.entry.id not in read_before and not (job.reread_named and c.entry.id in selection.entries)
             and (hit := cache.load(c.entry.page)) and whole(hit, config)}
        fetched = source.entries([c.entry.page for c in to_fetch if c.entry.id not in hits and c.entry.id not in read_before])
        fetched += [read_before[c.entry.id] for c in to_fetch if c.entry.id in read_before]
        entries = {e.id: e for e in fetched} | {page_id: hit.entry for page_id, hit in hits.items()}
    finally:
        client.close()
    kept_files = {url: data for hit in hits.values() for url, data in hit.files.items()}
    wanted = (url for e in entries.values() for url in [*bundled_files(e.blocks, config), cover_url(e.page, config)]
              if url and url not in kept_files)
    downloads = download_files(wanted, options) | kept_files
    run = Rendering(config, job.renderer, downloads, links, titles, started, site.tables if site else {})
    for candidate in candidates:
        report.problems += candidate.problems
        if candidate.entry.id in kept:
            continue
        post = None
        if candidate.valid:
            post, problems = render_guarded(candidate, entries[candidate.entry.id], run)
            report.problems += problems
        if post is not None:
            refused = not_ours(post, candidate, manifest, out_dir)
            report.problems += refused
            post = None if refused else post
        if post is None:
            report.rejected.append(candidate.title)
        else:
            report.posts.append(post)
    covered = set(site.covered) if site else covering(selection, manifest) | referrers
    drop = covered - {c.entry.id for c in candidates}
    # A dry run stops as the real run would: it shows what that run does. A page or entry named is meant (the
    # removal window is kept as it was), and an allowed removal starts that window afresh.
    covers_all = not selection.entries and (site is not None or bool(selection.data_source))
    removals = manifest.removals if not covers_all else []
    if covers_all and not job.allow_removal:
        removals = refuse_mass_removal(drop, manifest, config, started)
    # Posts read again for their links and found gone: no one named them, so the guard counts them.
    unasked = drop - set(selection.entries) if job.reread_named else drop
    if selection.entries and unasked and not job.allow_removal:
        removals = refuse_mass_removal(unasked, manifest, config, started)
    # A run over named entries leaves the other posts as they were written, so it keeps the
    # fingerprint they were written under: after a config change, the next full run rebuilds them.
    stamp = manifest.fingerprint if selection.entries else stamp
    change, new_manifest = bundle.plan(out_dir, report.posts, manifest, drop=drop, fingerprint=stamp)
    new_manifest.removals = removals
    change.unchanged += sorted(bundle.post_label(c.folder, c.index) for c in candidates if c.entry.id in kept)
    report.change = change
    linking = referrers if job.reread_named else set(selection.entries)
    relinked = {bundle.post_label(post.slug, post.index) for post in report.posts if post.entry_id in linking}
    report.relinked = [label for label in change.written if label in relinked]
    if not job.dry_run:
        bundle.apply(out_dir, report.posts, change, manifest, new_manifest)
        if cache is not None:
            cache.claim()
            keep_fetched(cache, fetched, downloads, config, started)
            if not selection.entries:
                cache.prune()
    return report


def block_cache(job: Job) -> BlockCache | None:
    """The run's cache of fetched trees, keyed by what shapes a fetched tree: the API version
    its answers have and how deep it was fetched. None without a folder, or behind a link."""
    if job.cache_dir is None:
        return None
    cache = BlockCache(job.cache_dir, f"{api_version(job.options)}|depth={job.config.limits.max_depth}",
                       int(job.config.limits.download_max_mb * 2**20))
    return cache if cache.usable() else None


def whole(hit: Cached, config: Config) -> bool:
    """Whether a cached tree has the bytes of every Notion-hosted file its post bundles: their
    signed URLs have expired since, so a tree without them is fetched again."""
    return all(url in hit.files for url, kind in bundled_files(hit.entry.blocks, config).items() if kind == "file")


def keep_fetched(cache: BlockCache, fetched: list[Entry], downloads: dict[str, bytes | Exception], config: Config,
                 started: datetime) -> None:
    """Keep the trees fetched this run that later runs may trust: read after their edit's minute
    had ended (`settled`), with every file they bundle downloaded."""
    for entry in fetched:
        files = {url: downloads.get(url) for url in bundled_files(entry.blocks, config)}
        if settled(entry.last_edited_time, started) and all(isinstance(data, bytes) for data in files.values()):
            try:
                cache.store(entry, {url: data for url, data in files.items() if isinstance(data, bytes)})
            except OSError:  # a full disk or a read-only cache costs the next run requests, not this run's posts
                return


def covering(selection: Selection, manifest: bundle.Manifest) -> set[str]:
    """The posts a run answers for: every post of a data source, or the pages or entries named."""
    return set(selection.entries or (manifest.pages if selection.data_source else selection.pages))


def post_targets(candidates: list[Candidate], manifest: bundle.Manifest, covered: set[str], section: str,
                 config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """Where each post of the folder is linked to, and its title: a valid entry's as read now;
    a rejected one's, and those of the posts not read, as last written (the post stays); a
    post covered by the run and no longer among the entries is removed, and not linked to."""
    valid = [c for c in candidates if c.valid]
    gone = covered - {c.entry.id for c in candidates}
    staying = {pid: record for pid, record in manifest.pages.items() if pid not in gone}
    links = {pid: permalink(record["slug"], section, config.link_style) for pid, record in staying.items()}
    titles = {pid: record["title"] for pid, record in staying.items() if isinstance(record.get("title"), str)}
    links |= {c.entry.id: permalink(c.slug, section, config.link_style) for c in valid}
    titles |= {c.entry.id: c.title for c in valid}
    return links, titles


def linking_to(manifest: bundle.Manifest, read: set[str], links: dict[str, str], titles: dict[str, str]) -> set[str]:
    """The posts not `read` by a run whose links would no longer be written as they are: to a
    page it moved, renamed or removed."""
    return {pid for pid, record in manifest.pages.items() if pid not in read
            and any(link_target(target, links, titles) != shown for target, shown in (record.get("links") or {}).items())}


def check_slugs_against(candidates: list[Candidate], manifest: bundle.Manifest, named: tuple[str, ...]) -> None:
    """A named entry may not take the folder of a post it was not read with: that post's files
    are the manifest's, so nothing else would stop one entry from overwriting another's."""
    holders = {rec["slug"]: str(rec.get("title") or pid) for pid, rec in manifest.pages.items() if pid not in named}
    for problem in check_slugs_taken(((c.entry, c.title, c.slug) for c in candidates if c.valid), holders):
        next(c for c in candidates if c.entry.url == problem.entry_url).problems.append(problem)


def not_ours(post: Post, candidate: Candidate, manifest: bundle.Manifest, out_dir: Path) -> list[Problem]:
    """A post would replace a file the pipeline did not write, or write through a symbolic
    link: its entry is rejected, naming the file, and the file is left as it is."""
    return [
        Problem(severity=Severity.ERROR, entry_title=candidate.title, entry_url=candidate.entry.url, where="Slug",
                message=f"{problem}. Move that file away, or give the entry another slug.")
        for name in sorted(bundle.post_files(post))
        if (problem := bundle.refusal(out_dir, bundle.bundle_path(post.slug, name), manifest.owned))
    ]


def refuse_mass_removal(drop: set[str], manifest: bundle.Manifest, config: Config, now: datetime) -> list[dict[str, Any]]:
    """Stop before removing more than `limits.max_removed_share` of the posts, in one run or in
    the runs of the last `limits.removal_window_hours` together (compared with the most posts
    the folder held in that time): runs removing a few posts each must not drain the blog.
    Returns the removals of the window, this run's included, for the manifest to keep."""
    removed = len(drop & set(manifest.pages))
    total = len(manifest.pages)
    limits = config.limits
    window = manifest.removals_since(now - timedelta(hours=limits.removal_window_hours)) \
        if limits.removal_window_hours > 0 else []
    earlier = sum(record["removed"] for record in window)
    most = max([total, *(record["posts"] for record in window)])
    share = limits.max_removed_share
    if removed and earlier + removed > share * most:
        said = f"this run would remove {removed} of the {total} posts"
        if earlier:
            said += (f", and the runs of the last {limits.removal_window_hours:g} hours removed {earlier}: "
                     f"{earlier + removed} of the {most} posts the folder held, more than the {share:.0%} those runs may "
                     "remove ([limits] max_removed_share and removal_window_hours")
        else:
            said += f", more than the {share:.0%} one run may remove ([limits] max_removed_share"
        raise RemovalRefused(
            f"{said} in pipeline.toml). Nothing was written. If those entries were really unpublished or deleted in "
            "Notion, run again with --allow-removal; otherwise check the data source and [publish] in pipeline.toml."
        )
    return window + ([{"at": now.isoformat(), "removed": removed, "posts": total}] if removed else [])


def check(config: Config, selection: Selection, *, token: str, options: SourceOptions = SourceOptions()) -> Report:
    """Validate every entry as a sync would, fetching everything and writing nothing. The
    output folder only names the section links point into; no manifest is read from it."""
    return sync(config, selection, token=token, out_dir=Path("/nonexistent/posts"), options=options,
                dry_run=True, force=True)
