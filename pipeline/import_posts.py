"""Hugo posts → entries of the Notion data source: the import direction, as a function.

Front matter goes through the pipeline.toml mapping reversed (`properties`), the body through
`markdown_in`; `plan_import` finds each post's entry by its slug, so a second import creates and
changes nothing; `import_posts` writes through the one client `source.make_client` builds (the
shared rate limiter, notion-client's 429 retries), within Notion's request limits:
developers.notion.com/reference/request-limits and /reference/patch-block-children (100
children a request, two levels of nesting a request, 1,000 block elements and 500 KB a
request).

No half post goes live. Every post is converted before anything is written, so a post that
cannot be converted fails alone. A new entry is created holding one block, the import marker
(`model.IMPORT_MARKER`), under a status the blog does not publish (the first of `[publish]
drafts`): its content is written after the marker, then its properties and real status, and
the marker is deleted last. An entry being replaced (`--update`) gets the marker first, and
keeps its status. Sync rejects an entry that holds the marker (its earlier post stays as it
was), and a re-run finds every entry of the import that holds it and completes it: at every
moment, an entry is whole or marked.

Endpoints: POST /v1/pages (post-page), PATCH /v1/pages/{id} (patch-page),
PATCH /v1/blocks/{id}/children (patch-block-children), GET /v1/blocks/{id}/children,
DELETE /v1/blocks/{id} (delete-a-block), POST /v1/file_uploads, /v1/file_uploads/{id}/send and
/v1/file_uploads/{id}/complete (create-a-file-upload, send-a-file-upload,
complete-a-file-upload; guides/data-apis/sending-larger-files), all through notion-client's
endpoints.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from typing import IO, Any, Callable, TypeVar

import frontmatter
import yaml

from pipeline import shapes
from pipeline.bundle import open_inside, read_inside, regular_files
from pipeline.config import Config
from pipeline.errors import BadAnswer, ConfigError, NotFound, NotionError, RateLimited, Refused, Unauthorized
from pipeline.frontmatter import (HugoYAMLHandler, format_date, options_of, slug_of, synced_value, text_of,
                                  yaml_text)
from pipeline.markdown_in import (LOCAL_FILE, Conversion, ImportContext, Unholdable, file_source, payload,
                                  text_objects, to_blocks)
from pipeline.model import IMPORT_MARKER, Entry, Problem, Severity, is_import_marker
from pipeline.render import MAX_DEPTH
from pipeline.validate import slug_problem
from pipeline.site import is_hugo_site, list_all, own_markup, site_settings
from pipeline.source import NotionSource, SourceOptions, explain, make_client
from pipeline.typographer import Typographer, site_typographer

MAX_CHILDREN = 100  # block children a request (patch-block-children)
MAX_BLOCKS = 1000  # block elements a request (request-limits)
# A request's body may hold 500 KB (request-limits); the blocks of one are kept to this, which
# leaves room for the rest of the body whatever "KB" means there.
MAX_REQUEST_BYTES = 400_000
# File uploads (developers.notion.com/reference/file-upload, guides/data-apis/sending-larger-files):
# up to 20 MB in one part; above, parts of 5 to 20 MB (10 recommended), at most 10,000 of them,
# up to 5 GB. A file is also refused above what a sync downloads ([limits] download_max_mb): it
# would be imported, then reject its post at every sync.
SINGLE_PART_BYTES = 20 * 2**20
PART_BYTES = 10 * 2**20
MAX_FILE_BYTES = 5 * 2**30
MAX_POST_BYTES = 16 * 2**20  # a post's Markdown: far over any real post, under any memory worry
POST_LINK = "notion-hugo-post:"  # a link URL standing for a post of this import until its entry exists
# The marker a new or replaced entry holds until its content is whole (`model.IMPORT_MARKER`).
# Shape: developers.notion.com/reference/block#callout
MARKER = {"type": "callout", "callout": {"rich_text": text_objects(IMPORT_MARKER),
                                         "icon": {"type": "emoji", "emoji": "⏳"}, "color": "yellow_background"}}


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
    # create; update (--update); complete (an entry an earlier import left marked); unchanged;
    # skipped (not a post: a headless bundle); failed
    action: str
    properties: dict[str, Any] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)
    page: dict[str, Any] | None = None  # the existing entry, or the created one
    error: str = ""
    network: bool = False  # failed on Notion or the network, not on the post
    conversion: Conversion | None = None  # the body as Notion blocks, once converted
    # The page cover (a file object of the request, `local:` for a file to upload), from the
    # front matter's `cover.image`; sync writes it back there (frontmatter.with_cover).
    cover: dict[str, Any] | None = None

    def fail(self, error: str, network: bool = False) -> None:
        self.action, self.error, self.network = "failed", error, network


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


def find_posts(paths: list[Path], section: str = "posts") -> list[tuple[Path, Path | None, str]]:
    """(Markdown file, bundle folder or None, its path in the section) for each post under
    these paths, in path order: page bundles (`<slug>/index.md` with their files) and single
    `.md` files; `_index.md` (a section's list page) is not a post, nor a `.md` inside a bundle
    (Hugo reads it as the bundle's resource). A post's path is where it sits under the section
    folder (the nearest folder named `section` around it, else the folder given): nested folders
    are kept, so `papermod/features/index.md` comes back at `papermod/features/`. Folders are
    walked without following a symbolic link; a linked `.md` is listed, so that reading it
    reports the link instead of skipping it."""
    found: list[tuple[Path, Path | None, str]] = []
    for path in paths:
        root = _section_root(path, section)
        if not path.is_dir() or path.is_symlink():
            if not path.is_file() and not path.is_symlink():
                raise ConfigError(f"{path}: no such file or folder to import.")
            bundle = path.parent if path.name == "index.md" else None
            found.append((path, bundle, _post_path(path, bundle, root)))
            continue
        bundles: set[Path] = set()
        for markdown in sorted(_markdown_files(path)):
            if markdown.name == "_index.md" or any(folder in bundles for folder in markdown.parents):
                continue
            if markdown.name == "index.md":
                bundles.add(markdown.parent)
                found.append((markdown, markdown.parent, _post_path(markdown, markdown.parent, root)))
            elif not (markdown.parent / "index.md").exists():  # a .md inside a bundle is the bundle's
                found.append((markdown, None, _post_path(markdown, None, root)))
    return list(dict.fromkeys(found))


def _section_root(path: Path, section: str) -> Path:
    """The folder posts' paths are taken from: the nearest folder named `section` holding the
    path (or the path itself), else the folder given (a bundle's or a file's: its parent)."""
    absolute = path.absolute()
    for folder in ([absolute] if path.is_dir() else []) + list(absolute.parents):
        if folder.name == section:
            return folder
    if path.is_dir() and not (path / "index.md").exists():
        return absolute
    return absolute.parent.parent if path.name == "index.md" else absolute.parent


def _post_path(markdown: Path, bundle: Path | None, root: Path) -> str:
    where = (bundle if bundle is not None else markdown.with_suffix("")).absolute()
    return PurePosixPath(os.path.relpath(where, root).replace(os.sep, "/")).as_posix()


def _markdown_files(root: Path) -> list[Path]:
    """The `.md` names under a folder, links included, never inside a linked folder."""
    found = []
    for folder, folders, files in os.walk(root, followlinks=False):
        folders[:] = [name for name in folders if not os.path.islink(os.path.join(folder, name))]
        found += [Path(folder) / name for name in files if name.endswith(".md")]
    return found


_YAML = HugoYAMLHandler()


def read_post(markdown: Path, bundle: Path | None, slug: str | None = None) -> HugoPost:
    """A post's front matter (YAML between `---`, or TOML between `+++`, as Hugo reads them)
    and body; `slug`, its path in the section (default: its folder's or file's name)."""
    # Read with O_NOFOLLOW: a post file that is a link (to a key, to a file outside the folder
    # given) is refused, not imported.
    text = read_inside(markdown.parent, markdown.name, MAX_POST_BYTES).decode("utf-8")
    toml = re.match(r"\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|$)", text, re.S)
    if toml:
        metadata, content = tomllib.loads(toml.group(1)), text[toml.end():]
    else:
        post = frontmatter.loads(text, handler=_YAML if _YAML.detect(text) else None)
        metadata, content = dict(post.metadata), post.content
    slug = slug or (bundle.name if bundle is not None else markdown.stem)
    return HugoPost(markdown, slug, metadata, content, bundle)


# --- front matter → properties --------------------------------------------------------------------


def _date(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    return {"start": value.isoformat() if isinstance(value, (datetime, date)) else str(value)}


# Front matter values → Notion property values by property type
# (developers.notion.com/reference/page-property-values, the request forms).
PROPERTY_WRITERS: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: {"title": text_objects(text_of(v))},
    "rich_text": lambda v: {"rich_text": text_objects(text_of(v))},
    "date": lambda v: {"date": _date(v)},
    "select": lambda v: {"select": {"name": str(v)} if v not in (None, "") else None},
    "status": lambda v: {"status": {"name": str(v)} if v not in (None, "") else None},
    "multi_select": lambda v: {"multi_select": [{"name": name} for name in options_of(v)]},
    "checkbox": lambda v: {"checkbox": bool(v)},
    "number": lambda v: {"number": v},
    "url": lambda v: {"url": v or None},
    "email": lambda v: {"email": v or None},
    "phone_number": lambda v: {"phone_number": v or None},
}


def _unfit(value: Any, kind: str) -> str | None:
    """Why a property of this type cannot hold the value (Notion would refuse it), or None."""
    if kind in ("select", "multi_select", "status"):
        names = options_of(value) if kind == "multi_select" else [text_of(value)]
        bad = next((name for name in names if "," in name or len(name) > 100), None)
        if bad is not None:  # developers.notion.com/reference/property-object#multi-select
            return f"option {bad!r} has a comma or more than 100 characters, which a Notion option cannot"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{value!r} is not a number"
    if kind == "date" and value not in (None, ""):
        try:
            format_date(str(value.isoformat() if isinstance(value, (datetime, date)) else value))
        except ValueError:
            return f"{value!r} is not a date Notion can hold"
    return None


def _instant(value: Any) -> Any:
    """A value as Hugo compares front matter: a date or time as its instant, else itself."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return (datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value
                    else date.fromisoformat(value)).isoformat()
        except ValueError:
            return value
    return value


def properties(post: HugoPost, config: Config, schema: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The entry's property values, and notes on what they do not hold. With a front matter
    YAML property (`[front_matter_yaml]`), nothing is left out: it holds the keys no row maps,
    a mapped key's value where its property cannot show it as it is (a list in a text, a text
    in a multi-select, a value Notion refuses), and `key: null` for a mapped key the post does
    not have, so that sync writes the front matter back as it was (frontmatter.front_matter)."""
    values: dict[str, Any] = {}
    notes: list[Problem] = []
    given = _by_key(post.metadata)
    spelled = {str(key).lower(): key for key in post.metadata}
    kept = _yaml_property(config, schema, notes)
    rest: dict[str, Any] = {}
    mapped = set()
    for spec in config.front_matter:
        low = spec.key.lower()
        mapped.add(low)
        present = low in given
        value = given.get(low)
        key = spelled.get(low, spec.key)
        if spec.derived == "draft":
            name = config.status_property
            status = (config.drafts or ("Draft",))[0] if hugo_bool(value) else config.published[0]
            kind = schema.get(name, {}).get("type")
            if kind in ("status", "select"):
                values[name] = PROPERTY_WRITERS[kind](status)
            else:
                notes.append(Problem(severity=Severity.NOTE, message=f"`draft`: the data source has no status property {name!r}; it is left out"))
            continue
        if spec.property is None:  # a constant the mapping writes for every post
            if kept and (not present or value != spec.value):
                rest[key] = value if present else None
            elif present and value != spec.value:
                notes.append(Problem(severity=Severity.NOTE, message=f"`{spec.key}: {value!r}`: the mapping sets it to {spec.value!r} for every post; left out"))
            continue
        prop = schema.get(spec.property)
        writer = PROPERTY_WRITERS.get(prop["type"]) if prop else None
        if prop is None or writer is None:
            why = (f"the data source has no property {spec.property!r}" if prop is None
                   else f"property {spec.property!r} is a {prop['type']}, which the API cannot write")
            if kept and present:
                rest[key] = value
                notes.append(Problem(severity=Severity.NOTE, message=f"`{spec.key}`: {why}; kept in {kept!r}"))
            elif present:
                notes.append(Problem(severity=Severity.NOTE, message=f"`{spec.key}`: {why}; left out"))
            continue
        kind = prop["type"]
        if not present:
            if kept and not spec.fallback:
                if not spec.omit_empty or kind == "checkbox":  # an unticked box is written `false`
                    rest[spec.key] = None  # the post has no such key: sync leaves it out while the property is empty
                continue
            if spec.default is None:
                continue
            value = spec.default  # as the sync would write the key for an empty property
        unfit = _unfit(value, kind)
        if unfit:
            if kept:
                rest[key] = value
                notes.append(Problem(severity=Severity.NOTE, message=f"`{spec.key}`: {unfit}; kept in {kept!r}, {spec.property!r} left empty"))
            else:
                notes.append(Problem(severity=Severity.NOTE, message=f"`{spec.key}`: {unfit}; left out"))
            continue
        values[spec.property] = writer(value)
        if kept and spec.omit_empty and value in (None, "", []):
            rest[key] = value  # written empty (`categories: []`), where an empty property writes no key
        elif _instant(synced_value(value, kind)) != _instant(value):
            if kept:  # its own form, which sync writes back while the property shows what import made of it
                rest[key] = value
            elif kind in ("title", "rich_text") and isinstance(value, list):
                notes.append(Problem(severity=Severity.NOTE, message=f"`{spec.key}` is a list; {spec.property!r} holds text: the items are joined by commas"))
    slug_prop = schema.get(config.slug_property)
    if slug_prop is not None and slug_prop["type"] in ("rich_text", "title"):
        values[config.slug_property] = PROPERTY_WRITERS[slug_prop["type"]](post.slug)
    elif slug_prop is None:
        notes.append(Problem(severity=Severity.NOTE, message=f"the slug: the data source has no property {config.slug_property!r}; Notion will derive it from the title"))
    for key, value in post.metadata.items():
        if str(key).lower() in mapped:
            continue
        if kept:
            rest[str(key)] = value
        elif str(key).lower() != "slug":  # without the YAML property, the slug names the bundle (plan_import)
            notes.append(Problem(severity=Severity.NOTE, message=f"front matter key `{key}` has no property in the mapping (pipeline.toml): left out"))
    if kept and rest:
        values[kept] = {"rich_text": text_objects(yaml_text(rest))}
    return values, notes


def _yaml_property(config: Config, schema: dict[str, Any], notes: list[Problem]) -> str:
    """The front matter YAML property, when the data source has it as rich text; else ""."""
    name = config.front_matter_yaml
    if name and (schema.get(name) or {}).get("type") != "rich_text":
        notes.append(Problem(severity=Severity.NOTE, message=f"[front_matter_yaml] names {name!r}, which is not a rich text property of the data source: "
                          "the keys it would hold are left out (`notion-hugo init --from-posts` can create it)"))
        return ""
    return name


def _by_key(metadata: dict[Any, Any]) -> dict[str, Any]:
    """Front matter by its keys in lower case: Hugo reads `Draft` as `draft`."""
    return {str(key).lower(): value for key, value in metadata.items()}


def hugo_bool(value: Any) -> bool:
    """A front matter value as Hugo reads `draft` (spf13/cast's ToBool; Hugo 0.168, checked in
    tests/test_import_hardening.py): true, a number other than 0, or the text `1`, `t`, `T`,
    `true`, `True`, `TRUE`. Anything else is false, and the post published: `"false"`, `"no"`,
    and also `"yes"`, an empty text, a date, a list."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return value in ("1", "t", "T", "true", "True", "TRUE")


# --- the plan -------------------------------------------------------------------------------------


def plan_import(paths: list[Path], config: Config, source: NotionSource, data_source_id: str,
                update: bool, section: str = "posts") -> tuple[ImportReport, str, dict[str, dict[str, Any]], dict[str, Any]]:
    """Each post's plan: create it, update it (with `update`), complete the entry an earlier
    import left marked, or leave its entry as it is. Returns the report, the data source's id,
    its entries by slug and its properties."""
    found_id, data_source = source.data_source(data_source_id)
    schema = data_source.get("properties", {})
    # Every mapped property, as sync reads them: under 2026-12-01 a query naming none answers the
    # title only, and every slug would fall back to the title's.
    existing = {slug_of(page, config): page for page in source.query(found_id, None, tuple(config.mapped_properties))
                if not page.get("in_trash") and not page.get("archived")}
    report = ImportReport()
    seen: set[str] = set()
    for markdown, bundle, where in find_posts(paths, section):
        try:
            post = read_post(markdown, bundle, where)
        except (OSError, ValueError, yaml.YAMLError) as error:  # unreadable, not UTF-8, bad front matter
            report.plans.append(PostPlan(None, markdown, where, "failed", error=f"cannot be read: {_problem(error)}"))
            continue
        except Exception as error:  # noqa: BLE001 - one post's file must not end the run (YAML nested past recursion)
            report.plans.append(PostPlan(None, markdown, where, "failed",
                                         error=f"cannot be read ({type(error).__name__}: {error})"))
            continue
        build = _by_key(post.metadata).get("build")
        if _by_key(post.metadata).get("headless") is True or (
                isinstance(build, dict) and _by_key(build).get("render") in ("never", False)):
            report.plans.append(PostPlan(post, markdown, post.slug, "skipped", notes=[Problem(severity=Severity.NOTE, message=
                "a headless bundle (headless: true, or build.render never): Hugo renders no page for it; not a post")]))
            continue
        named = _by_key(post.metadata).get("slug")
        if named not in (None, "") and not _yaml_property(config, schema, []):
            # No place keeps the `slug` key: the bundle takes its name, which keeps the URL
            # under Hugo's default permalinks (`slug` names the last folder of the URL).
            parent = PurePosixPath(post.slug).parent
            post.slug = str(parent / str(named).strip()) if str(parent) != "." else str(named).strip()
        problem = slug_problem(post.slug)
        if problem:
            report.plans.append(PostPlan(post, markdown, post.slug, "failed", error=(
                f"cannot be imported as it is: its slug {problem}. Sync would reject its entry: rename its "
                + ("`slug` key." if named and not _yaml_property(config, schema, []) else "folder or file."))))
            continue
        if post.slug.lower() in seen:  # Hugo serves `Post/` and `post/` at one URL
            report.plans.append(PostPlan(post, markdown, post.slug, "failed",
                                         error=f"slug {post.slug!r} is taken by another post of this import"))
            continue
        seen.add(post.slug.lower())
        try:
            values, notes = properties(post, config, schema)
        except Exception as error:  # noqa: BLE001 - a value of a shape no mapping expects
            report.plans.append(PostPlan(post, markdown, post.slug, "failed", error=(
                f"its front matter cannot be mapped to properties ({type(error).__name__}: {error})")))
            continue
        page = existing.get(post.slug)
        if page is None:
            action = "create"
        elif update:
            action = "update"
        else:
            # One request an entry: an import cut short leaves its marker on the entry, whatever
            # its status (an interrupted --update keeps the entry's).
            marked = any(is_import_marker(block) for block in source.children(page["id"]))
            action = "complete" if marked else "unchanged"
        report.plans.append(PostPlan(post, markdown, post.slug, action, values, notes, page))
    return report, found_id, existing, schema


def _problem(error: Exception) -> str:
    """An error reading a post, on one line: YAML's with the line of the front matter it is on."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return str(error)
    mark = error.problem_mark or error.context_mark
    where = f" (line {mark.line + 1} of the front matter, column {mark.column + 1})" if mark else ""
    return ": ".join(part for part in (error.context, error.problem) if part) + where


# --- writing --------------------------------------------------------------------------------------------


def _size(value: Any) -> int:
    """Bytes of a value in a request body, as notion-client's httpx encodes it (compact JSON, UTF-8)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class _Sent:
    """A block as one request carries it: with its first `inline` children (the second level;
    theirs are written later), the rest of them appended to it afterwards."""

    block: dict[str, Any]
    request: dict[str, Any]
    inline: int
    elements: int
    size: int


def _shallow(block: dict[str, Any]) -> dict[str, Any]:
    """The block without its children."""
    kind = block["type"]
    return {"type": kind, kind: {key: value for key, value in payload(block).items() if key != "children"}}


def _sent(block: dict[str, Any]) -> _Sent:
    request = _shallow(block)
    kind = block["type"]
    children = payload(block).get("children") or []
    # A table is created with its rows (a third level would be their cells' children: none);
    # any other block takes its children up to the first table among them, whose rows would be
    # a third level; and all of them only as far as a request's bytes go.
    inline = 0
    size = _size(request)
    while inline < min(len(children), MAX_CHILDREN) and (kind == "table" or children[inline]["type"] != "table"):
        weight = _size(_shallow(children[inline])) + 1
        if size + weight > MAX_REQUEST_BYTES:
            break
        size += weight
        inline += 1
    if kind == "table" and not inline:
        raise Unholdable("a table row larger than one request to Notion carries (500 KB): shorten its cells")
    if size > MAX_REQUEST_BYTES:
        raise Unholdable(f"a {kind} block of {size:,} bytes, more than one request to Notion carries (500 KB): "
                         "shorten its caption or cells")
    if inline:
        request[kind]["children"] = [_shallow(child) for child in children[:inline]]
    return _Sent(block, request, inline, 1 + inline, size)


def _batches(blocks: list[dict[str, Any]]) -> list[list[_Sent]]:
    """The blocks as requests, each within 100 children, 1,000 elements and MAX_REQUEST_BYTES."""
    batches: list[list[_Sent]] = [[]]
    elements = size = 0
    for sent in map(_sent, blocks):
        if batches[-1] and (len(batches[-1]) >= MAX_CHILDREN or elements + sent.elements > MAX_BLOCKS
                            or size + sent.size + 1 > MAX_REQUEST_BYTES):
            batches.append([])
            elements = size = 0
        batches[-1].append(sent)
        elements += sent.elements
        size += sent.size + 1
    return [batch for batch in batches if batch]


class Writer:
    """Writes entries and their content through the one client of the run. Every answer it
    reads is checked: an answer of another shape fails the post (exit 3), never silently
    drops what was to be written under it."""

    def __init__(self, source: NotionSource, max_file_bytes: int, static: Path | None = None) -> None:
        self.source = source
        self.client = source.client
        self.max_file_bytes = max_file_bytes
        self.static = static  # the site's static folder, for root-relative files

    def call(self, doing: str, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - explain() re-raises what it does not know
            raise explain(error, what, doing) from error

    def answer(self, answer: Any, what: str, kind: str) -> dict[str, Any]:
        problem = shapes.problem_of(answer, (kind,))
        if problem:
            raise BadAnswer(f"Notion answered something that is not the API's shape when {what}: {problem}.")
        return answer

    def create(self, data_source_id: str, plan: PostPlan, properties: dict[str, Any]) -> dict[str, Any]:
        """A new entry holding the marker alone."""
        page = self.call("creating", f"an entry for {plan.slug}", self.client.pages.create,
                         parent={"data_source_id": data_source_id}, properties=properties, children=[MARKER])
        return self.answer(page, f"creating an entry for {plan.slug}", "page")

    def fill(self, plan: PostPlan, blocks: list[dict[str, Any]], files: list[str]) -> None:
        """An entry's whole content, then its properties (its status among them), then the
        marker goes: until that last request, sync does not publish it."""
        assert plan.post is not None and plan.page is not None
        page_id = plan.page["id"]
        uploads = {name: self.upload(*self.place(plan.post, name)) for name in files}
        listed = self.source.children(page_id)
        marker = next((block for block in listed if is_import_marker(block)), None)
        if marker is None:  # an entry replaced (--update): marked before anything of it changes
            marker = self.append_checked(page_id, [MARKER])[0]
        for block in listed:
            if block["id"] != marker["id"]:
                self.call("deleting", f"block {block['id']}", self.client.blocks.delete, block["id"])
        self.append(page_id, _with_uploads(blocks, uploads))
        cover = {"cover": _with_uploads(plan.cover, uploads)} if plan.cover else {}
        self.answer(self.call("writing", f"the properties of entry {page_id}", self.client.pages.update, page_id,
                              properties=plan.properties, **cover), f"writing the properties of entry {page_id}", "page")
        self.call("deleting", f"the import marker of entry {page_id}", self.client.blocks.delete, marker["id"])

    def append_checked(self, parent_id: str, request: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The blocks one request created, one for each block sent, in order."""
        what = f"appending {len(request)} blocks under {parent_id}"
        answer = self.call("writing", f"blocks under {parent_id}", self.client.blocks.children.append, parent_id,
                           children=request)
        results = self.answer(answer, what, "list")["results"]
        problems = [problem for item in results if (problem := shapes.problem_of(item, ("block",)))]
        if problems or len(results) != len(request):
            why = problems[0] if problems else "a list of another length"
            raise BadAnswer(f"Notion answered {len(results)} blocks when {what} ({why}): what goes under them "
                              "cannot be placed.")
        return results

    def append(self, parent_id: str, blocks: list[dict[str, Any]]) -> None:
        """Blocks under a parent, as deep as they go, level by level, each request within
        Notion's limits (`_batches`)."""
        for batch in _batches(blocks):
            made = self.append_checked(parent_id, [sent.request for sent in batch])
            for sent, block in zip(batch, made):
                children = payload(sent.block).get("children") or []
                inline = children[:sent.inline]
                if any(payload(child).get("children") for child in inline):
                    # The second level was written with its parent: find its ids, then go deeper.
                    listed = self.source.children(block["id"])
                    if len(listed) != len(inline):
                        raise BadAnswer(f"Notion lists {len(listed)} blocks under block {block['id']}, which was "
                                          f"written with {len(inline)}: what goes under them cannot be placed.")
                    for child, made_child in zip(inline, listed):
                        if payload(child).get("children"):
                            self.append(made_child["id"], payload(child)["children"])
                if children[sent.inline:]:
                    self.append(block["id"], children[sent.inline:])

    def place(self, post: HugoPost, name: str) -> tuple[Path, str]:
        """The folder a file of the post is read from, and its path there: the site's static
        folder for a `/`-rooted one, else the post's bundle."""
        if name.startswith("/"):
            assert self.static is not None
            return self.static, name.lstrip("/")
        assert post.bundle is not None
        return post.bundle, name

    def upload(self, folder: Path, relative: str) -> str:
        """A bundle file through the File Upload API, its file upload id: in one part up to
        20 MB, else in parts of 10 MB, never more than one part in memory. Only a regular
        file inside the bundle is read, never through a symbolic link."""
        name = PurePosixPath(relative).name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        what = f"the file upload of {name}"
        with open_inside(folder, relative) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > self.max_file_bytes:
                raise ValueError(f"{relative} has {size:,} bytes, over the {self.max_file_bytes:,} this import uploads")
            if size <= SINGLE_PART_BYTES:
                upload = self.answer(self.call("creating", what, self.client.file_uploads.create, filename=name,
                                               content_type=content_type), f"creating {what}", "file_upload")
                done = self.call("sending", what, self.client.file_uploads.send, upload["id"],
                                 file=(name, _read(handle, size, relative), content_type))
            else:
                parts = -(-size // PART_BYTES)
                upload = self.answer(self.call("creating", what, self.client.file_uploads.create, mode="multi_part",
                                               number_of_parts=parts, filename=name, content_type=content_type),
                                     f"creating {what}", "file_upload")
                for number in range(1, parts + 1):
                    part = _read(handle, min(PART_BYTES, size - (number - 1) * PART_BYTES), relative)
                    self.call("sending", f"part {number} of {parts} of {what}", self.client.file_uploads.send,
                              upload["id"], file=(name, part, content_type), part_number=str(number))
                done = self.call("completing", what, self.client.file_uploads.complete, upload["id"])
            if handle.read(1):
                raise ValueError(f"{relative} grew while it was being uploaded")
        if self.answer(done, f"sending {what}", "file_upload")["status"] != "uploaded":
            raise BadAnswer(f"Notion did not take {what}: its status is {done['status']!r}, not 'uploaded'.")
        return upload["id"]


def _read(handle: IO[bytes], size: int, relative: str) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ValueError(f"{relative} shrank while it was being uploaded")
    return data


_Payload = TypeVar("_Payload", list[dict[str, Any]], dict[str, Any])


def _with_uploads(blocks: _Payload, uploads: dict[str, str]) -> _Payload:
    """The blocks (or the cover) with each `local:` file upload id replaced by the id of its upload."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            upload = value.get("file_upload")
            if isinstance(upload, dict) and str(upload.get("id", "")).startswith(LOCAL_FILE):
                return {**value, "file_upload": {**upload, "id": uploads[upload["id"][len(LOCAL_FILE):]]}}
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(blocks)


def _with_post_links(plan: PostPlan, urls: dict[str, str]) -> list[dict[str, Any]]:
    """The blocks with each link to a post of this import pointing to its entry; a link to a
    post whose entry could not be created keeps its text, unlinked (reported)."""
    assert plan.conversion is not None

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {key: walk(item) for key, item in value.items()}
            link = out.get("link")
            if isinstance(link, dict) and str(link.get("url", "")).startswith(POST_LINK):
                slug, anchor, heading = link["url"][len(POST_LINK):].partition("#")
                if urls.get(slug):
                    out["link"] = {"url": urls[slug] + anchor + heading}
                else:
                    del out["link"]
                    plan.notes.append(Problem(severity=Severity.NOTE, message=f"link to the post {slug!r}: its import failed; its text is kept, unlinked"))
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(plan.conversion.blocks)


def site_of(paths: list[Path]) -> Path | None:
    """The Hugo site the posts are in: the nearest folder around them holding a Hugo config."""
    for path in paths:
        for folder in path.absolute().parents:
            if is_hugo_site(folder):
                return folder
    return None


def served_at(site: Path | None, plans: list[PostPlan]) -> dict[str, str]:
    """Where Hugo serves each post of the import (its URL's path, lower case) → its slug, so that
    a link to a post by its URL points to its entry, whatever the site's permalinks. Hugo lists
    the pages (`hugo list all`); without a site, or when Hugo cannot, none."""
    if site is None:
        return {}
    try:
        pages = list_all(site)
    except (RuntimeError, OSError):
        return {}
    slugs = {plan.source.absolute(): plan.slug for plan in plans}
    base = urlsplit(site_base_url(site)).path.rstrip("/")
    served = {}
    for page in pages:
        source = (site / page["path"]).absolute()
        if source in slugs:
            path = (urlsplit(page["permalink"]).path.rstrip("/") + "/").lower()
            served[path] = slugs[source]
            if base and path.startswith(base.lower() + "/"):  # as a link may name it, without the base's path
                served[path[len(base):]] = slugs[source]
    return served


def site_base_url(site: Path | None) -> str:
    """The site's baseURL when it is an absolute http(s) URL (root-relative links to its pages
    are made absolute with it), else ""."""
    try:
        base = site_settings(site).get("baseurl") if site is not None else None
    except ConfigError:
        return ""
    return base if isinstance(base, str) and re.match(r"https?://[^/\s]+", base) else ""


def typographer_of(site: Path | None) -> Typographer | None:
    """The typographer the site's Goldmark settings give its pages (None: turned off); Hugo's
    default, on, for posts outside a site or whose site's config cannot be read (Hugo could not
    build it either)."""
    try:
        return site_typographer(own_markup(site)) if site is not None else Typographer()
    except ConfigError:
        return Typographer()


def _unpublished(values: dict[str, Any], config: Config, schema: dict[str, Any]) -> dict[str, Any]:
    """The properties a new entry is created with: a status the blog does not publish (the
    first of `[publish] drafts`; without one, the data source's default), the real one
    written with the content."""
    name = config.status_property
    kind = schema.get(name, {}).get("type")
    if kind not in ("status", "select"):
        return values
    held = {key: value for key, value in values.items() if key != name}
    if config.drafts:
        held[name] = PROPERTY_WRITERS[kind](config.drafts[0])
    return held


def _failed(plan: PostPlan, error: NotionError, state: str) -> None:
    """A post failed on Notion: exit 3, unless Notion refused what the post holds (400)."""
    invalid = isinstance(error, Refused) and error.code == "validation_error"
    plan.fail(f"{error} {state}".strip(), network=not invalid)


def _refused(error: NotionError) -> bool:
    """Whether Notion answered that it did not do the request (a 4xx): after anything else (a
    5xx, a lost connection, a timeout, an answer of another shape) it may have done it."""
    return isinstance(error, (Refused, NotFound, Unauthorized, RateLimited))


# What became of an entry when its post failed, at each step.
LOST_CREATE = ("Notion may have created the entry before the answer was lost; if it did, the entry is unpublished "
               "and marked as incomplete (sync does not publish it), and running the import again finds it by its "
               "slug and completes it.")
MARKED = ("The entry {url} is marked as incomplete, so sync does not publish it{kept}: run the import again to "
          "complete it.")


def _state(plan: PostPlan) -> str:
    assert plan.page is not None
    kept = "" if plan.action == "create" else " (its earlier post stays as it was)"
    return MARKED.format(url=Entry(plan.page, ()).url, kept=kept)


def import_posts(paths: list[Path], config: Config, data_source_id: str, *, token: str,
                 options: SourceOptions = SourceOptions(), update: bool = False, dry_run: bool = False,
                 section: str = "posts", progress: Callable[[str, PostPlan], None] | None = None,
                 static: Path | None = None) -> ImportReport:
    """One import: plan and convert every post, then (unless `dry_run`) create the new
    entries, unpublished and marked, and write the content of each (and of the existing ones
    with `update`, or left marked by an earlier import). A post that fails is reported and the
    others go on. `progress(event, plan)` hears "entry" when a post's new entry is created
    (or could not be), and "done" when a post is settled. `static`: the site's static folder,
    whose files root-relative images name (default: the `static/` of the Hugo site the posts
    are in)."""
    tell = progress or (lambda event, plan: None)
    client = make_client(token, options)
    try:
        source = NotionSource(client, options)
        report, found_id, existing, schema = plan_import(paths, config, source, data_source_id, update, section)
        writing = ("create", "update", "complete")
        # Links to posts point to their entries: those already there, and those this import creates.
        links = {slug: Entry(page, ()).url for slug, page in existing.items()}
        links |= {plan.slug: POST_LINK + plan.slug for plan in report.plans if plan.action == "create"}
        max_bytes = min(int(config.limits.download_max_mb * 2**20), MAX_FILE_BYTES)
        site = site_of(paths)
        if static is None and site is not None and (site / "static").is_dir():
            static = site / "static"
        run = Converting(links, section, min(config.limits.max_depth, MAX_DEPTH), max_bytes, static,
                         regular_files(static) if static is not None and static.is_dir() else frozenset(),
                         frozenset(config.render.shortcodes), site_base_url(site), served_at(site, report.plans),
                         typographer_of(site))
        for plan in report.plans:
            if plan.action in writing:
                _convert(plan, run)
            if dry_run or plan.action not in writing:
                tell("done", plan)
        if dry_run:
            return report
        writer = Writer(source, max_bytes, static)
        for plan in report.plans:  # the entries first, so posts can link to each other
            if plan.action == "create":
                try:
                    plan.page = writer.create(found_id, plan, _unpublished(plan.properties, config, schema))
                except NotionError as error:
                    _failed(plan, error, "" if _refused(error) else LOST_CREATE)
                tell("entry" if plan.page else "done", plan)
        created = {plan.slug: Entry(plan.page, ()).url for plan in report.plans if plan.action == "create" and plan.page}
        for plan in report.plans:
            if plan.action in writing:
                _write(writer, plan, created)
                tell("done", plan)
        return report
    finally:
        client.close()


@dataclass(frozen=True, slots=True)
class Converting:
    """What converting the posts of a run needs beyond each post."""

    links: dict[str, str]  # slug → its entry's URL, or POST_LINK and the slug for one this run creates
    section: str
    max_depth: int
    max_bytes: int  # a file's, as a sync downloads it
    static: Path | None = None  # the site's static folder: root-relative files come from there
    static_files: frozenset[str] = frozenset()
    shortcodes: frozenset[str] = frozenset()
    base_url: str = ""  # the site's, for root-relative links to its other pages
    permalinks: dict[str, str] = field(default_factory=dict)  # a post's URL path → its slug
    typographer: Typographer | None = None  # the site's: its posts' text as their readers saw it


def _convert(plan: PostPlan, run: Converting) -> None:
    """The post as Notion blocks, before anything is written: what cannot be converted fails
    that post alone."""
    assert plan.post is not None
    ctx = ImportContext(post_links=run.links, section=run.section, bundle_files=plan.post.bundle_files(),
                        static_files=run.static_files, shortcodes=run.shortcodes, slug=plan.slug,
                        base_url=run.base_url, permalinks=run.permalinks, max_depth=run.max_depth,
                        typographer=run.typographer)
    try:
        conversion = to_blocks(plan.post.body, ctx)
        plan.cover = _cover(plan.post, ctx)
        _within_requests(conversion.blocks)
        for name in conversion.files:
            folder, relative = (run.static, name.lstrip("/")) if name.startswith("/") else (plan.post.bundle, name)
            assert folder is not None
            size = os.lstat(folder / relative).st_size
            if size > run.max_bytes:
                raise Unholdable(f"{name} has {size:,} bytes, more than the {run.max_bytes:,} a sync downloads into a "
                                 "bundle ([limits] download_max_mb): the post would be rejected at every sync. Make the "
                                 "file smaller or link it from elsewhere, or raise download_max_mb")
    except Unholdable as error:
        plan.fail(f"cannot be imported as it is: {error}.")
    except Exception as error:  # noqa: BLE001 - one post's conversion must not end the run
        plan.fail(f"could not be converted ({type(error).__name__}: {error}). This is a bug in notion-hugo: please "
                  "report it with the post; the other posts go on.")
    else:
        plan.conversion = conversion
        plan.notes += conversion.notes


def _cover(post: HugoPost, ctx: ImportContext) -> dict[str, Any] | None:
    """The page cover for the front matter's cover image (PaperMod's `cover.image`): a bundle
    or static file to upload, or an external image; None without one."""
    cover = _by_key(post.metadata).get("cover")
    image = _by_key(cover).get("image") if isinstance(cover, dict) else None
    if not isinstance(image, str) or not image.strip():
        return None
    source, _ = file_source(image.strip(), "cover image", ctx)
    return source


def _within_requests(blocks: list[dict[str, Any]]) -> None:
    """Each block fits in a request (`_sent` says which does not), checked before any is written."""
    stack = list(blocks)
    while stack:
        block = stack.pop()
        _sent(block)
        stack += payload(block).get("children") or []


def _write(writer: Writer, plan: PostPlan, urls: dict[str, str]) -> None:
    """One post's content, properties and status; a failure fails that post alone."""
    assert plan.conversion is not None
    try:
        writer.fill(plan, _with_post_links(plan, urls), plan.conversion.files)
    except NotionError as error:
        _failed(plan, error, _state(plan))
    except (OSError, ValueError) as error:  # a bundle file swapped for a link, or changed, or too large
        plan.fail(f"cannot be written: {error}. {_state(plan)}")
    except Exception as error:  # noqa: BLE001 - one post's failure must not end the run
        plan.fail(f"could not be written ({type(error).__name__}: {error}). This is a bug in notion-hugo: please "
                  f"report it. {_state(plan)}")
