"""What is allowed: the post schema (schema/post.schema.json) plus the rules a schema cannot
say (unique slugs, link targets). Returns problems located by Notion URL and property or block,
each with the fix; never raises for bad content."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

import jsonschema

from pipeline.config import Config, load_schema
from pipeline.frontmatter import front_matter_yaml
from pipeline.model import Block, Entry, Problem, Severity, as_object, as_text
from pipeline.render import block_texts, file_url, spec_of, walk

_FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema("post.schema.json"), format_checker=_FORMATS)


def _hint(error: jsonschema.ValidationError, key: str, schema: dict[str, Any]) -> str:
    if isinstance(error.schema, dict) and "x-hint" in error.schema:
        return error.schema["x-hint"]
    prop = schema["properties"].get(key, {})
    if "$ref" in prop:
        prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[-1]]
    return prop.get("x-hint", "fix the value")


def _what_is_wrong(error: jsonschema.ValidationError) -> str:
    value = error.instance
    if error.validator == "required":
        return "is missing"
    if value is None or value == "" or value == []:
        return "is empty"
    if error.validator in ("pattern", "anyOf", "not", "format", "enum"):
        return f"has {value!r}, which is not allowed"
    if error.validator in ("maxLength", "minLength"):
        return f"has {len(str(value))} characters"
    return f"has {value!r}: {error.message}"


def _schema_type(prop: dict[str, Any], schema: dict[str, Any]) -> str | None:
    if "$ref" in prop:
        prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[-1]]
    return prop.get("type")


_JSON_TYPES = {"string": str, "array": list, "boolean": bool, "object": dict}


def _checked(metadata: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The front matter the schema checks: a value of another type than the schema names
    (an author list, where the seed's author is text) is the blog's own choice, made by its
    mapping or kept from its posts (`[front_matter_yaml]`), and is not the schema's to refuse."""
    checked = {}
    for key, value in metadata.items():
        prop = schema["properties"].get(key)
        wanted = _JSON_TYPES.get(_schema_type(prop, schema) or "") if prop else None
        if wanted is None or value is None or value == "" or value == [] or isinstance(value, wanted):
            checked[key] = value
    return checked


def check_front_matter(entry: Entry, title: str, metadata: dict[str, Any], slug: str, config: Config) -> list[Problem]:
    schema = load_schema("post.schema.json")
    properties = {spec.key: spec.property or spec.key for spec in config.front_matter}
    properties["slug"] = config.slug_property
    problems = []
    _, unreadable = front_matter_yaml(entry.page, config)
    if unreadable:
        problems.append(Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=config.front_matter_yaml,
                                message=f"{config.front_matter_yaml} {unreadable}: correct it (it is the post's front matter "
                                "as YAML), or empty it."))
    seen: set[str] = set()
    for error in sorted(_validator().iter_errors({**_checked(metadata, schema), "slug": slug}),
                        key=lambda e: list(map(str, e.absolute_path))):
        named = re.search(r"'([^']+)'", error.message) if error.validator == "required" else None
        if named:
            key = named.group(1)
        else:
            key = str(error.absolute_path[0]) if error.absolute_path else "(front matter)"
        if key in seen:  # one problem per property: the fix is the same
            continue
        seen.add(key)
        problems.append(Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=properties.get(key, key),
                                message=f"{properties.get(key, key)} {_what_is_wrong(error)}: {_hint(error, key, schema)}."))
    return problems


def slug_problem(slug: str) -> str | None:
    """Why sync would reject a slug (the schema's rule, which import checks too), or None."""
    schema = load_schema("post.schema.json")["properties"]["slug"]
    if jsonschema.Draft202012Validator(schema).is_valid(slug):
        return None
    return f"{slug!r} is not a slug sync accepts: {schema['x-hint']}"


def _served(slug: str) -> str:
    """The URL path Hugo serves a bundle folder at: in lower case (its default, disablePathToLower)."""
    return slug.lower()


def check_unique_slugs(slugs: Iterable[tuple[Entry, str, str]]) -> list[Problem]:
    """The first entry in query order keeps a slug; later ones are told to change theirs. Slugs
    that Hugo serves at one URL (`Post` and `post`) are one slug, and so is a folder holding
    another post's folder (`notes` and `notes/first`: a bundle cannot hold another)."""
    owner: dict[str, tuple[str, str, str]] = {}
    problems = []
    for entry, title, slug in slugs:
        served = _served(slug)
        clash = served if served in owner else next(
            (other for other in owner if served.startswith(other + "/") or other.startswith(served + "/")), None)
        if clash is not None:
            first_title, first_url, first_slug = owner[clash]
            why = "" if first_slug == slug else (
                f" ({first_slug!r}: Hugo serves both at one URL)" if clash == served
                else f" ({first_slug!r}: one post's folder would hold the other's)")
            problems.append(Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where="Slug",
                                    message=f"Slug {slug!r} is already used by {first_title!r} ({first_url}){why}, which comes first: "
                "give this entry a different slug."))
        else:
            owner[served] = (title, entry.url, slug)
    return problems


def check_slugs_taken(slugs: Iterable[tuple[Entry, str, str]], taken: dict[str, str]) -> list[Problem]:
    """Entries whose slug is the folder of another post (`taken`: slug → that post's title),
    as Hugo serves it (in lower case)."""
    served = {_served(slug): title for slug, title in taken.items()}
    return [
        Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where="Slug",
                message=f"Slug {slug!r} is already used by {served[_served(slug)]!r}, another post: give this entry a different slug.")
        for entry, title, slug in slugs if _served(slug) in served
    ]


# A link a contributor mistyped: an encoded or literal quote, or a stray bracket at the end.
_SUSPICIOUS = re.compile(r"(%22|%27|[\"'>)\]]|%E2%80%9D)$", re.I)


def _links(blocks: Iterable[Block]) -> Iterator[tuple[Block, str]]:
    """Every URL a block tree links to, where the block table (`render.BLOCKS`) says it is."""
    for block in walk(blocks):
        for rich_text in block_texts(block):
            for item in rich_text:
                link = as_text(as_object(as_object(item.get("text")).get("link")).get("url"))
                if item.get("type") == "text" and link:
                    yield block, link
        spec = spec_of(block.type)
        if spec.link and as_text(block.value.get(spec.link)):
            yield block, block.value[spec.link]
        found = file_url(block)
        if found and found[0] == "external":
            yield block, found[1]


def check_links(entry: Entry, title: str) -> list[Problem]:
    problems = []
    for block, url in _links(entry.blocks):
        where = f"block {block.id} ({block.type})"
        if not re.match(r"^(https?://[^\s/]+|mailto:\S+@)", url, re.I):
            problems.append(Problem(severity=Severity.ERROR, entry_title=title, entry_url=entry.url, where=where,
                                    message=f"link {url!r} is not an absolute http(s) URL: correct it (e.g. 'https://…') or remove the link."))
        elif typo := _SUSPICIOUS.search(url):
            problems.append(Problem(severity=Severity.WARNING, entry_title=title, entry_url=entry.url, where=where,
                                    message=f"link {url!r} ends in {typo.group(0)!r}, which looks like a typo: check the link."))
    return problems
