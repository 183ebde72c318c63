"""Hugo posts → entries of the Notion data source: the import direction, as a function.

Front matter goes through the pipeline.toml mapping reversed (`properties`), the body through
`markdown_in`; `plan_import` finds each post's entry by its slug, so a second import creates and
changes nothing; `run` writes through the one client `source.make_client` builds (the shared
rate limiter, notion-client's 429 retries), within Notion's request limits:
developers.notion.com/reference/request-limits and /reference/patch-block-children (100
children a request, two levels of nesting a request, 1,000 block elements a request).

Endpoints: POST /v1/pages (post-page), PATCH /v1/pages/{id} (patch-page),
PATCH /v1/blocks/{id}/children (patch-block-children), DELETE /v1/blocks/{id}
(delete-a-block), POST /v1/file_uploads and /v1/file_uploads/{id}/send (create-a-file-upload,
send-a-file-upload), all through notion-client's endpoints.
"""

from __future__ import annotations

import copy
import mimetypes
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import frontmatter
import yaml
from notion_client import APIErrorCode, APIResponseError

from pipeline.bundle import read_inside, regular_files
from pipeline.config import Config
from pipeline.errors import ConfigError, NotionError
from pipeline.frontmatter import slug_of
from pipeline.markdown_in import LOCAL_FILE, Conversion, ImportContext, Note, text_objects, to_blocks
from pipeline.source import NotionSource, SourceOptions, make_client

MAX_CHILDREN = 100  # block children a request
MAX_BLOCKS = 1000  # block elements a request
# A single-part file upload's limit (developers.notion.com/reference/file-upload: "Files up to
# 20 MB" in one part); a larger file is refused before a byte of it is read.
MAX_UPLOAD_BYTES = 20 * 2**20
MAX_POST_BYTES = 16 * 2**20  # a post's Markdown: far over any real post, under any memory worry


@dataclass(slots=True)
class HugoPost:
    """One post on disk: its front matter, body and the files beside it."""

    source: Path  # the index.md or the single .md file
    slug: str
    metadata: dict[str, Any]
    body: str
    bundle: Path | None  # the bundle folder, for a page bundle

    def bundle_files(self) -> frozenset[str]:
        """The bundle's regular files beside the post, never one behind a symbolic link."""
        if self.bundle is None:
            return frozenset()
        return regular_files(self.bundle) - {self.source.name}


@dataclass(slots=True)
class PostPlan:
    """What the import does with one post, and what it reports about it."""

    post: HugoPost | None
    source: Path
    slug: str
    action: str  # create, update, unchanged, failed
    properties: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    page: dict[str, Any] | None = None  # the existing entry, or the created one
    error: str = ""
    network: bool = False  # failed on Notion or the network, not on the post


@dataclass(slots=True)
class ImportReport:
    plans: list[PostPlan] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def exit_code(self) -> int:
        if any(plan.network for plan in self.plans):
            return 3
        return 1 if self.count("failed") else 0


# --- posts on disk -------------------------------------------------------------------------------


def find_posts(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """(Markdown file, bundle folder or None) for each post under these paths, in path order:
    page bundles (`<slug>/index.md` with their files) and single `.md` files; `_index.md`
    (a section's list page) is not a post. Folders are walked without following a symbolic
    link; a linked `.md` is listed, so that reading it reports the link instead of skipping it."""
    found: list[tuple[Path, Path | None]] = []
    for path in paths:
        if not path.is_dir() or path.is_symlink():
            if not path.is_file() and not path.is_symlink():
                raise ConfigError(f"{path}: no such file or folder to import.")
            found.append((path, path.parent if path.name == "index.md" else None))
            continue
        for markdown in sorted(_markdown_files(path)):
            if markdown.name == "_index.md":
                continue
            if markdown.name == "index.md":
                found.append((markdown, markdown.parent))
            elif not (markdown.parent / "index.md").exists():  # a .md inside a bundle is the bundle's
                found.append((markdown, None))
    return list(dict.fromkeys(found))


def _markdown_files(root: Path) -> list[Path]:
    """The `.md` names under a folder, links included, never inside a linked folder."""
    found = []
    for folder, folders, files in os.walk(root, followlinks=False):
        folders[:] = [name for name in folders if not os.path.islink(os.path.join(folder, name))]
        found += [Path(folder) / name for name in files if name.endswith(".md")]
    return found


def read_post(markdown: Path, bundle: Path | None) -> HugoPost:
    """A post's front matter (YAML between `---`, or TOML between `+++`, as Hugo reads them)
    and body."""
    # Read with O_NOFOLLOW: a post file that is a link (to a key, to a file outside the folder
    # given) is refused, not imported.
    text = read_inside(markdown.parent, markdown.name, MAX_POST_BYTES).decode("utf-8")
    toml = re.match(r"\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|$)", text, re.S)
    if toml:
        metadata, content = tomllib.loads(toml.group(1)), text[toml.end():]
    else:
        post = frontmatter.loads(text)
        metadata, content = dict(post.metadata), post.content
    slug = str(metadata.get("slug") or (bundle.name if bundle is not None else markdown.stem)).strip()
    return HugoPost(markdown, slug, metadata, content, bundle)


# --- front matter → properties --------------------------------------------------------------------


def _text(value: Any) -> list[dict[str, Any]]:
    text = ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    return text_objects(text)


def _date(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return {"start": value.isoformat()}
    if isinstance(value, date):
        return {"start": value.isoformat()}
    return {"start": str(value)}


# Front matter values → Notion property values by property type
# (developers.notion.com/reference/page-property-values, the request forms).
PROPERTY_WRITERS: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: {"title": _text(v)},
    "rich_text": lambda v: {"rich_text": _text(v)},
    "date": lambda v: {"date": _date(v)},
    "select": lambda v: {"select": {"name": str(v)} if v not in (None, "") else None},
    "status": lambda v: {"status": {"name": str(v)} if v not in (None, "") else None},
    "multi_select": lambda v: {"multi_select": [{"name": str(x)} for x in (v if isinstance(v, list) else [v]) if x != ""]},
    "checkbox": lambda v: {"checkbox": bool(v)},
    "number": lambda v: {"number": v},
    "url": lambda v: {"url": v or None},
    "email": lambda v: {"email": v or None},
    "phone_number": lambda v: {"phone_number": v or None},
}


def properties(post: HugoPost, config: Config, schema: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """The entry's property values, and notes on what the mapping does not hold."""
    values: dict[str, Any] = {}
    notes: list[Note] = []
    mapped = set()
    for spec in config.front_matter:
        mapped.add(spec.key)
        present = spec.key in post.metadata
        value = post.metadata.get(spec.key)
        if spec.derived == "draft":
            name = config.status_property
            status = (config.drafts or ("Draft",))[0] if value else config.published[0]
            kind = schema.get(name, {}).get("type")
            if kind in ("status", "select"):
                values[name] = PROPERTY_WRITERS[kind](status)
            else:
                notes.append(Note(f"`draft`: the data source has no status property {name!r}; it is left out"))
            continue
        if spec.property is None:
            if present and value != spec.value:
                notes.append(Note(f"`{spec.key}: {value!r}`: the mapping sets it to {spec.value!r} for every post; left out"))
            continue
        if not present:
            if spec.default is None:
                continue
            value = spec.default  # as the sync would write the key for an empty property
        prop = schema.get(spec.property)
        if prop is None:
            notes.append(Note(f"`{spec.key}`: the data source has no property {spec.property!r}; left out"))
            continue
        writer = PROPERTY_WRITERS.get(prop["type"])
        if writer is None:
            notes.append(Note(f"`{spec.key}`: property {spec.property!r} is a {prop['type']}, which the API cannot write; left out"))
            continue
        if prop["type"] in ("title", "rich_text") and isinstance(value, list):
            notes.append(Note(f"`{spec.key}` is a list; {spec.property!r} holds text: the items are joined by commas"))
        values[spec.property] = writer(value)
    slug_prop = schema.get(config.slug_property)
    if slug_prop is not None and slug_prop["type"] in ("rich_text", "title"):
        values[config.slug_property] = PROPERTY_WRITERS[slug_prop["type"]](post.slug)
    elif slug_prop is None:
        notes.append(Note(f"the slug: the data source has no property {config.slug_property!r}; Notion will derive it from the title"))
    for key in post.metadata:
        if key not in mapped and key != "slug":
            notes.append(Note(f"front matter key `{key}` has no property in the mapping (pipeline.toml): left out"))
    return values, notes


# --- the plan -------------------------------------------------------------------------------------


def plan_import(paths: list[Path], config: Config, source: NotionSource, data_source_id: str,
         update: bool) -> tuple[ImportReport, str, dict[str, dict[str, Any]]]:
    """Each post's plan: create it, update it (with `update`), or leave its entry as it is.
    Returns the report, the data source's id and its entries by slug."""
    found_id, data_source = source.data_source(data_source_id)
    schema = data_source.get("properties", {})
    # Every mapped property, as sync reads them: under 2026-12-01 a query naming none answers the
    # title only, and every slug would fall back to the title's.
    existing = {slug_of(page, config): page for page in source.query(found_id, None, tuple(config.mapped_properties))
                if not page.get("in_trash") and not page.get("archived")}
    report = ImportReport()
    seen: set[str] = set()
    for markdown, bundle in find_posts(paths):
        try:
            post = read_post(markdown, bundle)
        except (OSError, ValueError, yaml.YAMLError) as error:  # unreadable, not UTF-8, bad front matter
            name = bundle.name if bundle is not None else markdown.stem
            report.plans.append(PostPlan(None, markdown, name, "failed", error=f"cannot be read: {error}"))
            continue
        if post.slug in seen:
            report.plans.append(PostPlan(post, markdown, post.slug, "failed",
                                         error=f"slug {post.slug!r} is taken by another post of this import"))
            continue
        seen.add(post.slug)
        values, notes = properties(post, config, schema)
        page = existing.get(post.slug)
        action = "create" if page is None else ("update" if update else "unchanged")
        report.plans.append(PostPlan(post, markdown, post.slug, action, values, notes, page))
    return report, found_id, existing


# --- writing --------------------------------------------------------------------------------------


def _payload(block: dict[str, Any]) -> dict[str, Any]:
    return block[block["type"]]


def _count(block: dict[str, Any]) -> int:
    return 1 + sum(_count(child) for child in _payload(block).get("children", ()))


def _shallow(block: dict[str, Any], keep_children: bool) -> dict[str, Any]:
    """The block for one request: with its children (whose own children are written later)
    when `keep_children`, else without them."""
    out = {"type": block["type"], block["type"]: {k: v for k, v in _payload(block).items() if k != "children"}}
    children = _payload(block).get("children")
    if keep_children and children:
        out[block["type"]]["children"] = [_shallow(child, False) for child in children]
    return out


def _inline_children(block: dict[str, Any]) -> bool:
    """Whether a block's children go in the same request as the block: a table's rows must
    (Notion creates a table with its rows), and so do at most 100 children none of which is a
    table (whose rows would be a third level)."""
    children = _payload(block).get("children") or []
    if block["type"] == "table":
        return True
    return 0 < len(children) <= MAX_CHILDREN and not any(child["type"] == "table" for child in children)


def _batches(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    batches: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in blocks:
        weight = 1 + (len(_payload(block).get("children") or []) if _inline_children(block) else 0)
        if batches[-1] and (len(batches[-1]) >= MAX_CHILDREN or size + weight > MAX_BLOCKS):
            batches.append([])
            size = 0
        batches[-1].append(block)
        size += weight
    return [batch for batch in batches if batch]


class Writer:
    """Writes entries and their content through the one client of the run."""

    def __init__(self, source: NotionSource) -> None:
        self.source = source
        self.client = source.client

    def append(self, parent_id: str, blocks: list[dict[str, Any]]) -> None:
        """Blocks under a parent, as deep as they go, each request within Notion's limits."""
        for batch in _batches(blocks):
            request = [_shallow(block, _inline_children(block)) for block in batch]
            created = self.source.call(f"block {parent_id}", self.client.blocks.children.append, parent_id,
                                       children=request)["results"]
            for block, made in zip(batch, created):
                children = _payload(block).get("children") or []
                if not children or block["type"] == "table":
                    continue
                if not _inline_children(block):
                    self.append(made["id"], children)
                elif any(_payload(child).get("children") for child in children):
                    # The second level was written with its parent: find its ids, then go deeper.
                    listed = self.source.children(made["id"])
                    for child, made_child in zip(children, listed):
                        if _payload(child).get("children"):
                            self.append(made_child["id"], _payload(child)["children"])

    def upload(self, folder: Path, relative: str) -> str:
        """A bundle file through the File Upload API (single part); its file upload id. Only a
        regular file inside the bundle is read, never through a symbolic link."""
        data = read_inside(folder, relative, MAX_UPLOAD_BYTES)
        name = PurePosixPath(relative).name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        upload = self.source.call(f"a file upload for {name}", self.client.file_uploads.create,
                                  filename=name, content_type=content_type)
        self.source.call(f"file upload {upload['id']}", self.client.file_uploads.send, upload["id"],
                         file=(name, data, content_type))
        return upload["id"]

    def clear(self, page_id: str) -> None:
        for block in self.source.children(page_id):
            self.source.call(f"block {block['id']}", self.client.blocks.delete, block["id"])


def _with_uploads(blocks: list[dict[str, Any]], uploads: dict[str, str]) -> list[dict[str, Any]]:
    blocks = copy.deepcopy(blocks)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            upload = value.get("file_upload")
            if isinstance(upload, dict) and str(upload.get("id", "")).startswith(LOCAL_FILE):
                upload["id"] = uploads[upload["id"][len(LOCAL_FILE):]]
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(blocks)
    return blocks


def _failed(plan: PostPlan, error: NotionError) -> None:
    plan.action = "failed"
    plan.error = str(error)
    cause = error.__cause__
    plan.network = not (isinstance(cause, APIResponseError) and cause.code == APIErrorCode.ValidationError)


def import_posts(paths: list[Path], config: Config, data_source_id: str, *, token: str,
                 options: SourceOptions = SourceOptions(), update: bool = False, dry_run: bool = False,
                 section: str = "posts") -> ImportReport:
    """One import: plan every post, then (unless `dry_run`) create the new entries, and write
    the content of the new ones (and of the existing ones with `update`). A post that fails is
    reported and the others go on."""
    client = make_client(token, options)
    try:
        source = NotionSource(client, options)
        report, found_id, existing = plan_import(paths, config, source, data_source_id, update)
        # Links to posts point to their entries: those already there, and those of this import.
        links = {slug: page["url"] for slug, page in existing.items() if page.get("url")}
        if dry_run:
            planned = {p.slug: "https://www.notion.so/" for p in report.plans if p.action == "create"}
            for plan in report.plans:
                if plan.post is not None and plan.action in ("create", "update"):
                    plan.notes += _convert(plan, links | planned, section).notes
            return report
        writer = Writer(source)
        for plan in report.plans:  # the entries first, so posts can link to each other
            try:
                if plan.action == "create":
                    plan.page = source.call(f"a new entry for {plan.slug}", client.pages.create,
                                             parent={"data_source_id": found_id}, properties=plan.properties)
                elif plan.action == "update":
                    assert plan.page is not None
                    plan.page = source.call(f"entry {plan.page['id']}", client.pages.update, plan.page["id"],
                                             properties=plan.properties)
            except NotionError as error:
                _failed(plan, error)
        links |= {p.slug: p.page["url"] for p in report.plans if p.page is not None and p.action != "failed"}
        for plan in report.plans:
            if plan.action not in ("create", "update"):
                continue
            assert plan.post is not None and plan.page is not None
            conversion = _convert(plan, links, section)
            plan.notes += conversion.notes
            try:
                uploads = {name: writer.upload(plan.post.bundle, name) for name in conversion.files
                           if plan.post.bundle is not None}
                if plan.action == "update":
                    writer.clear(plan.page["id"])
                writer.append(plan.page["id"], _with_uploads(conversion.blocks, uploads))
            except NotionError as error:
                _failed(plan, error)
                plan.error += " The entry exists with part of its content: run the import again with --update."
            except (OSError, ValueError) as error:  # a bundle file swapped for a link, or too large
                plan.action, plan.error = "failed", f"a bundle file cannot be uploaded: {error}"
        return report
    finally:
        client.close()


def _convert(plan: PostPlan, links: dict[str, str], section: str) -> Conversion:
    assert plan.post is not None
    ctx = ImportContext(post_links=links, section=section, bundle_files=plan.post.bundle_files())
    return to_blocks(plan.post.body, ctx)
