"""pipeline.toml → a checked `Config`. The schema is data (schema/config.schema.json), not code."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import jsonschema

from pipeline.errors import ConfigError

# Package data, read through importlib.resources so that an installed wheel finds them: the
# repository's top-level schema/ is installed as the package `pipeline.schema` (pyproject.toml).
SCHEMA_DIR = resources.files("pipeline.schema")
DEFAULT_CONFIG = resources.files("pipeline") / "defaults" / "pipeline.toml"


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def load_default_config() -> "Config":
    """The default mapping: the blog's front matter from the Posts properties; no data source."""
    return parse_config(tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8")), "the default mapping")


@dataclass(frozen=True, slots=True)
class FrontMatterField:
    key: str
    property: str | None = None
    value: Any = None
    derived: str | None = None
    style: str = "plain"
    default: Any = None
    fallback: str | None = None
    omit_empty: bool = False  # an empty property writes no key (a key only some posts have)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """The `[render]` table: rendering choices a blog makes (issue #3). The defaults are the
    output of earlier versions, so turning nothing on changes no post."""

    colors: bool = False  # Notion text and block colors as styled <span>s
    columns: str = "flatten"  # "flatten" or "grid" (HTML <div>s the site styles)
    date_format: str = ""  # strftime pattern for date mentions; "" the ISO text Notion gives
    download_external: bool = False  # read by sync: external files into the bundle too
    tabs: str = "sections"  # "sections" (a heading per tab) or "details" (a <details> per tab)
    transcripts: bool = False  # meeting notes' transcripts in the post
    # How the posts ask Hugo for what Markdown lacks, so that the site needs no setting that
    # changes its other pages (README: The Hugo side): "raw" HTML (the site must allow it) or
    # the site kit's "shortcodes"; equations as "latex" ($$…$$, \(…\)) or "github" (```math,
    # $`…`$); callouts as an "aside" or as blockquote "alerts" (> [!TIP]).
    html: str = "raw"
    math: str = "latex"
    callouts: str = "aside"
    plugins: tuple[str, ...] = ()  # "module:function" rules from the blog's repository (render/plugins.py)
    # The site's own shortcodes (and Hugo's) that import keeps as shortcodes: sync writes them
    # back as shortcodes, which text typed in Notion never becomes otherwise.
    shortcodes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Limits:
    """The `[limits]` table: bounds on what one run reads, writes and removes (issue #9)."""

    # Half: unpublishing half a blog in one run is not an editorial act, while every failure
    # seen (a renamed status option, a typo in a property name, an empty answer) removes all.
    max_removed_share: float = 0.5
    lock_wait: float = 60.0  # seconds; the Action runs hourly, so a sync never waits long
    download_max_mb: float = 50.0
    # Notion's largest page of blocks (100 blocks of 100 rich text items of 2,000 characters)
    # is about 20 MB of JSON; anything larger is not an answer to read.
    response_max_mb: float = 32.0
    request_deadline: float = 120.0  # seconds for one request, however slowly its bytes come
    max_depth: int = 64  # levels of nested blocks fetched: render.MAX_DEPTH, the most a post shows
    # Pages of results (one request each) and results (entries and blocks) one run reads in all:
    # twice a 2,000-post blog's --force run, whose every post has a few nested containers. An
    # answer whose cursors never end stops here (20,000 requests are near two hours at Notion's
    # rate), and a million blocks is about the memory a runner has to hold them.
    max_pages: int = 20_000
    max_items: int = 1_000_000
    # Removals are counted over this many hours too, so that runs removing a few posts each
    # cannot drain the blog under max_removed_share; 0 counts each run alone.
    removal_window_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class Languages:
    """The `[languages]` table: the site's language codes, its default language, and the select
    property that gives an entry's language."""

    codes: tuple[str, ...]
    default: str  # [languages] default, else the first code
    property: str = ""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One `[[sources]]` table: a data source, or the root page of a page tree, filling one
    section of the site in one language (or by the Language property), with the site's config
    and this source's own publish rules, slug and front matter."""

    section: str
    config: "Config"
    data_source: str = ""
    page: str = ""  # the root of a page tree
    language: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    data_source: str = ""
    pages: tuple[str, ...] = ()
    status_property: str = "Status"
    published: tuple[str, ...] = ("Published",)
    drafts: tuple[str, ...] = ("Draft",)
    include_drafts: bool = False
    slug_property: str = "Slug"
    # A rich text property holding, as YAML, the front matter keys no row maps ("" when none):
    # import fills it, sync merges it back (frontmatter.front_matter).
    front_matter_yaml: str = ""
    link_style: str = "relref"
    rate: float | None = None  # None: the source's default
    burst: int | None = None
    notion_version: str | None = None  # None: the notion-client SDK's default
    front_matter: tuple[FrontMatterField, ...] = field(default_factory=tuple)
    render: RenderOptions = RenderOptions()
    limits: Limits = Limits()
    output_dir: str = ""  # [output] dir, resolved against the config file's folder; "" when unset
    root: str = ""  # the folder of pipeline.toml, where [render] plugins live; "" for the default mapping
    content_dir: str = ""  # [site] content, resolved like output_dir; "" when unset
    languages: Languages | None = None
    # The select property an entry's language is read from: [languages] property, for a data source
    # whose source names no language; "" otherwise.
    language_property: str = ""
    sources: tuple[SourceConfig, ...] = ()

    @property
    def mapped_properties(self) -> dict[str, str]:
        """The data source properties the posts are made from (the publish status, the slug and
        every property the front matter maps) → where pipeline.toml names each. The query asks
        for exactly these (and the title); the mapping check names the place of a missing one."""
        named = {self.status_property: "publish.status_property", self.slug_property: "slug.property"}
        if self.language_property:
            named[self.language_property] = "languages.property"
        if self.front_matter_yaml:
            named[self.front_matter_yaml] = "front_matter_yaml.property"
        for spec in self.front_matter:
            if spec.property:
                named.setdefault(spec.property, f"front_matter {spec.key!r}")
        return named

    @property
    def exported_statuses(self) -> tuple[str, ...]:
        return self.published + (self.drafts if self.include_drafts else ())


def _key_path(error: jsonschema.ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    # Our schemas are objects, so the failing subschema is a mapping (jsonschema types it wider).
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in schema.get("enum", ()))
        return f"{error.instance!r} is not allowed; use one of {allowed}"
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        unknown = sorted(set(error.instance) - set(schema.get("properties", {})))
        known = ", ".join(sorted(schema.get("properties", {})))
        return f"unknown key {', '.join(unknown)}; known keys are {known}"
    if error.validator == "oneOf":
        return str(schema.get("x-hint", "give exactly one of `property`, `value` or `derived`"))
    return error.message


def parse_config(data: dict[str, Any], source: str = "pipeline.toml") -> Config:
    validator = jsonschema.Draft202012Validator(load_schema("config.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"{source}: {_key_path(e)}: {_describe(e)}" for e in errors]
        raise ConfigError("\n".join(lines))
    notion = data.get("notion", {})
    languages = _languages(data.get("languages"), source)
    # The schema checked the table; its arrays become tuples, as the options are frozen.
    render: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                              for key, value in data.get("render", {}).items()}
    config = Config(
        data_source=notion.get("data_source", ""),
        pages=tuple(notion.get("pages", ())),
        **_mapping(data, source),
        link_style=data.get("links", {}).get("style", "relref"),
        rate=notion.get("rate"),
        burst=notion.get("burst"),
        notion_version=notion.get("notion_version"),
        render=RenderOptions(**render),
        limits=Limits(**data.get("limits", {})),
        output_dir=data.get("output", {}).get("dir", ""),
        content_dir=data.get("site", {}).get("content", ""),
        languages=languages,
        language_property=languages.property if languages and notion.get("data_source") else "",
    )
    sources = tuple(_source(config, data, table, f"sources[{i}]", source) for i, table in enumerate(data.get("sources", ())))
    return replace(config, sources=sources)


def _mapping(data: dict[str, Any], source: str, where: str = "") -> dict[str, Any]:
    """The Config fields of a mapping: publish rules, the slug property and the front matter
    (with the property holding, as YAML, what no row maps)."""
    publish = data.get("publish", {})
    fields = tuple(FrontMatterField(**row) for row in data.get("front_matter", ()))
    keys = [f.key for f in fields]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ConfigError(f"{source}: {where}front_matter: key {', '.join(duplicates)} is mapped twice")
    return {
        "status_property": publish.get("status_property", "Status"),
        "published": tuple(publish.get("published", ("Published",))),
        "drafts": tuple(publish.get("drafts", ("Draft",))),
        "include_drafts": publish.get("include_drafts", False),
        "slug_property": data.get("slug", {}).get("property", "Slug"),
        "front_matter_yaml": data.get("front_matter_yaml", {}).get("property", ""),
        "front_matter": fields,
    }


def _languages(table: dict[str, Any] | None, source: str) -> Languages | None:
    if table is None:
        return None
    codes = tuple(table["codes"])
    default = table.get("default", codes[0])
    if default not in codes:
        raise ConfigError(f"{source}: languages.default: {default!r} is not one of languages.codes ({', '.join(codes)})")
    return Languages(codes, default, table.get("property", ""))


def _source(site: Config, data: dict[str, Any], table: dict[str, Any], where: str, source: str) -> SourceConfig:
    """A [[sources]] table: the site's config (`data`, parsed), with the source's own publish,
    slug and front_matter tables in place of the site's, reading no language property where the
    source fixes its language."""
    language = table.get("language", "")
    if language and (site.languages is None or language not in site.languages.codes):
        known = f"one of languages.codes ({', '.join(site.languages.codes)})" if site.languages else \
            "a code of the [languages] table, which this file lacks"
        raise ConfigError(f"{source}: {where}.language: {language!r} is not {known}")
    tables = {key: table.get(key, data.get(key)) for key in ("publish", "slug", "front_matter", "front_matter_yaml")}
    mapping = _mapping({key: value for key, value in tables.items() if value is not None}, source, f"{where}.")
    read_from = site.languages.property if site.languages is not None and "data_source" in table and not language else ""
    config = replace(site, data_source=table.get("data_source", ""), pages=(), output_dir="", sources=(),
                     language_property=read_from, **mapping)
    return SourceConfig(table["section"], config, table.get("data_source", ""), table.get("page", ""), language)


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file. Create it with `notion-hugo init DATA_SOURCE`, or pass --config."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    config = replace(parse_config(data, str(path)), root=str(path.parent))
    if config.output_dir:
        config = replace(config, output_dir=str(path.parent / config.output_dir))
    if config.content_dir:
        config = replace(config, content_dir=str(path.parent / config.content_dir))
    # Each source's config is the site's with its own mapping: it finds its plugins where the site does.
    return replace(config, sources=tuple(replace(s, config=replace(s.config, root=config.root)) for s in config.sources))


_UUID = re.compile(r"([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})", re.I)
_NOTION_HOST = re.compile(r"^https?://([a-z0-9-]+\.)*(notion\.so|notion\.site|notion\.com)(/|$)", re.I)


def is_notion_url(url: str | None) -> bool:
    """A link into a Notion workspace (notion.so, *.notion.site, app.notion.com)."""
    return url is not None and _NOTION_HOST.match(url.strip()) is not None


def notion_id(text: str) -> str | None:
    """The dashed UUID named by an id or a Notion URL, or None.

    URLs are accepted from notion.so, *.notion.site and app.notion.com; the page id is the
    last 32-hex run of the path (a `?v=` view id or `?pvs=` flag in the query is ignored).
    """
    text = text.strip()
    if "://" in text:
        if not is_notion_url(text):
            return None
        matches = list(_UUID.finditer(re.split(r"[?#]", text, maxsplit=1)[0]))
        match = matches[-1] if matches else None
    else:
        match = _UUID.fullmatch(text)
    return "-".join(match.groups()).lower() if match else None


def require_notion_id(text: str, what: str) -> str:
    found = notion_id(text)
    if found is None:
        raise ConfigError(
            f"{what} {text!r} is not a Notion id or URL. Copy the link of the page or database "
            "in Notion (Share → Copy link), or its 32-character id."
        )
    return found
