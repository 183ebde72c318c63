"""Notion properties → the post's front matter, by the declarative mapping in pipeline.toml.

Pure: a page object in, an ordered dict out; and the YAML text for it, styled per key so the
output reads exactly like the blog's existing posts (the seed post is the contract).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from pipeline.config import Config, FrontMatterField
from pipeline.model import plain_text

# Values a YAML front matter may expand to through aliases. Hugo bounds aliases too
# (parser/metadecoders: at most 10,000 references to one collection); a 365-byte alias bomb
# expands to billions.
MAX_FRONT_MATTER_VALUES = 10_000


class HugoYAML(yaml.SafeLoader):
    """YAML front matter as Hugo reads it. Its booleans are YAML 1.2's: `yes`, `no`, `on` and
    `off` are text (Hugo 0.168 publishes a post with `draft: yes`, tests/test_import_hardening.py).
    Its aliases may expand it to MAX_FRONT_MATTER_VALUES values at most, counted on the
    document's graph before anything is built from it."""

    def construct_document(self, node: yaml.Node) -> Any:
        values: dict[int, int] = {}  # node → how many values it expands to
        entered: set[int] = set()
        stack: list[tuple[yaml.Node, bool]] = [(node, False)]
        while stack:
            current, counted = stack.pop()
            inner = _inner_nodes(current)
            if counted:
                values[id(current)] = 1 + sum(values[id(child)] for child in inner)
                if values[id(current)] > MAX_FRONT_MATTER_VALUES:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"its YAML aliases expand the front matter to more than {MAX_FRONT_MATTER_VALUES:,} "
                        "values (an alias bomb?); write the values out instead", current.start_mark)
            elif id(current) in entered:
                if id(current) not in values:  # entered and not yet counted: it contains itself
                    raise yaml.constructor.ConstructorError(None, None, "a YAML alias refers to a value that holds it",
                                                            current.start_mark)
            else:
                entered.add(id(current))
                stack.append((current, True))
                stack += [(child, False) for child in inner]
        return super().construct_document(node)


def _inner_nodes(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


HugoYAML.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
HugoYAML.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                               list("tTfF"))


class HugoYAMLHandler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=HugoYAML)  # noqa: S506 - a SafeLoader, bounded


# Property value shapes: developers.notion.com/reference/page-property-values


def format_date(value: str | None, time_zone: str | None = None) -> str | None:
    """Notion's ISO 8601 date → the seed's format: seconds and the date's own offset, no
    milliseconds (`2024-08-06T20:29:30+08:00`); a date-only value stays a date."""
    if not value:
        return None
    if "T" not in value:
        return value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None and time_zone:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone))
    return moment.replace(microsecond=0).isoformat()


def _date(prop: dict[str, Any]) -> str | None:
    date = prop.get("date") or {}
    return format_date(date.get("start"), date.get("time_zone"))


def _formula(prop: dict[str, Any]) -> Any:
    result = prop.get("formula") or {}
    kind = result.get("type")
    if kind == "date":
        return _date({"date": result.get("date")})
    return result.get(kind)


PROPERTY_VALUE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "title": lambda p: plain_text(p.get("title")),
    "rich_text": lambda p: plain_text(p.get("rich_text")),
    "select": lambda p: (p.get("select") or {}).get("name"),
    "status": lambda p: (p.get("status") or {}).get("name"),
    "multi_select": lambda p: [option["name"] for option in p.get("multi_select") or ()],
    "checkbox": lambda p: bool(p.get("checkbox")),
    "date": _date,
    "number": lambda p: p.get("number"),
    "url": lambda p: p.get("url"),
    "email": lambda p: p.get("email"),
    "phone_number": lambda p: p.get("phone_number"),
    "people": lambda p: [person.get("name") or person.get("id") for person in p.get("people") or ()],
    "created_time": lambda p: format_date(p.get("created_time")),
    "last_edited_time": lambda p: format_date(p.get("last_edited_time")),
    "formula": _formula,
}


def property_value(page: dict[str, Any], name: str) -> Any:
    prop = page.get("properties", {}).get(name)
    if prop is None:
        return None
    read = PROPERTY_VALUE.get(prop.get("type"))
    return read(prop) if read else None


def page_title(page: dict[str, Any]) -> str:
    for prop in page.get("properties", {}).values():
        if prop.get("type") == "title":
            return plain_text(prop.get("title"))
    return ""


def status_of(page: dict[str, Any], config: Config) -> str | None:
    return property_value(page, config.status_property)


def _fallback(page: dict[str, Any], name: str | None) -> Any:
    if name == "title":
        return page_title(page)
    if name == "created_time":
        return format_date(page.get("created_time"))
    return None


def field_value(page: dict[str, Any], spec: FrontMatterField, config: Config) -> Any:
    if spec.derived == "draft":
        status = status_of(page, config)
        return status is not None and status not in config.published
    if spec.property is None:
        # A key filled from the page itself (no property maps it), else a constant.
        return _fallback(page, spec.fallback) if spec.fallback else spec.value
    if spec.property in page.get("properties", {}):
        return property_value(page, spec.property)
    if spec.fallback:
        return _fallback(page, spec.fallback)
    return spec.default


def front_matter(page: dict[str, Any], config: Config) -> dict[str, Any]:
    """The post's front matter: the mapped keys in the mapping's order, then the keys of the
    front matter YAML property (`[front_matter_yaml]`, which `import` fills with what no row
    maps). That property also holds, for a mapped key, the post's own value where the property
    cannot show it as it was (a list in a text property, a text in a multi-select), used while
    the property still shows what import made of it; and `key: null` for a key the post did
    not have, left out while its property is empty (or for a constant). An edit in Notion wins."""
    rest, problem = front_matter_yaml(page, config)
    if problem:
        rest = {}  # the entry is rejected (validate.check_front_matter says why)
    held = {str(key).lower(): key for key in rest}
    metadata: dict[str, Any] = {}
    for spec in config.front_matter:
        value = field_value(page, spec, config)
        original = held.get(spec.key.lower())
        kept = False
        if original is not None:
            kind = _property_type(page, spec)
            if _empty(value) or spec.property is None or value == synced_value(rest[original], kind):
                if rest[original] is None:
                    continue
                value, kept = rest[original], True
        if spec.omit_empty and not kept and (value is None or value == "" or value == []):  # an unticked box is a value
            continue
        metadata[spec.key] = value
    mapped = {spec.key.lower() for spec in config.front_matter}
    metadata |= {key: value for key, value in rest.items() if str(key).lower() not in mapped}
    return metadata


def _property_type(page: dict[str, Any], spec: FrontMatterField) -> str | None:
    prop = page.get("properties", {}).get(spec.property) if spec.property else None
    return prop.get("type") if isinstance(prop, dict) else None


def _empty(value: Any) -> bool:
    """An empty property's value: no text, no option, no date, an unticked box."""
    return value is None or value is False or value == "" or value == []


# --- the page cover: the front matter's cover image -------------------------------------------------


def cover_of(page: dict[str, Any]) -> tuple[str, str] | None:
    """(file object type, URL) of the page cover (developers.notion.com/reference/page:
    `cover`, a file object: "file" Notion-hosted or "external"), or None."""
    cover = page.get("cover")
    if not isinstance(cover, dict) or cover.get("type") not in ("file", "external"):
        return None
    url = (cover.get(cover["type"]) or {}).get("url") if isinstance(cover.get(cover["type"]), dict) else None
    return (cover["type"], url) if isinstance(url, str) and url else None


def cover_image(metadata: dict[str, Any]) -> str | None:
    """The front matter's cover image (PaperMod's `cover.image`), or None."""
    cover = next((value for key, value in metadata.items() if str(key).lower() == "cover"), None)
    image = next((value for key, value in cover.items() if str(key).lower() == "image"), None) \
        if isinstance(cover, dict) else None
    return image if isinstance(image, str) else None


def with_cover(metadata: dict[str, Any], image: str | None) -> dict[str, Any]:
    """The front matter with its cover image set to the page cover's file (or URL): the
    other keys of `cover` (alt, caption, …) as the front matter YAML property kept them."""
    if not image:
        return metadata
    key = next((key for key in metadata if str(key).lower() == "cover"), "cover")
    found = metadata.get(key)
    cover: dict[str, Any] = found if isinstance(found, dict) else {}
    image_key = next((name for name in cover if str(name).lower() == "image"), "image")
    return {**metadata, key: {**cover, image_key: image}}


# --- the front matter no row maps: one rich text property, as YAML ----------------------------------


def front_matter_yaml(page: dict[str, Any], config: Config) -> tuple[dict[str, Any], str | None]:
    """The keys of the front matter YAML property, and why they cannot be read (or None). Its
    text is data typed in Notion: read as Hugo reads YAML, aliases bounded."""
    if not config.front_matter_yaml:
        return {}, None
    text = str(property_value(page, config.front_matter_yaml) or "")
    if not text.strip():
        return {}, None
    try:
        found = yaml.load(text, Loader=HugoYAML)  # noqa: S506 - a SafeLoader, bounded
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        return {}, f"its YAML cannot be read{where}: {problem}"
    if not isinstance(found, dict) or not all(isinstance(key, str) and key for key in found):
        return {}, "it must hold front matter keys, one `key: value` a line"
    return found, None


def yaml_text(values: dict[str, Any]) -> str:
    """Front matter keys as the YAML the front matter YAML property holds."""
    if not values:
        return ""
    return yaml.dump(values, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1_000_000).rstrip("\n")


def text_of(value: Any) -> str:
    """A front matter value as a text property holds it: a list's items joined by commas."""
    return ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))


def options_of(value: Any) -> list[str]:
    """A front matter value as a multi-select holds it: each item (a text: one) an option."""
    return [str(item) for item in (value if isinstance(value, list) else [value]) if item not in ("", None)]


def _date_start(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return value.isoformat() if isinstance(value, (datetime, date)) else str(value)


def synced_value(value: Any, kind: str | None) -> Any:
    """What a sync writes for a key whose property (of type `kind`) import filled from `value`."""
    if kind in ("title", "rich_text"):
        return text_of(value)
    if kind == "multi_select":
        return options_of(value)
    if kind in ("select", "status"):
        return None if value in (None, "") else str(value)
    if kind == "checkbox":
        return bool(value)
    if kind == "date":
        try:
            return format_date(_date_start(value))
        except ValueError:
            return _date_start(value)
    if kind in ("url", "email", "phone_number"):
        return value or None
    return value


def slug_of(page: dict[str, Any], config: Config) -> str:
    """The slug as the contributor typed it (validated later, never rewritten); when empty,
    one derived from the title; when the title has no Latin letters or digits, the page id."""
    if config.slug_property in page.get("properties", {}):
        typed = str(property_value(page, config.slug_property) or "").strip()
        if typed:
            return typed
    return slugify(page_title(page)) or page["id"].replace("-", "")


def slugify(title: str) -> str:
    # Accents fold to their letters (Café → cafe); anything else that is not a-z or 0-9 splits words.
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)[:80].strip("-")


# YAML styles. PyYAML picks a style per scalar; these marker types pin it per key.


class _Styled(str):
    style: str | None = None


class _Single(_Styled):
    style = "'"


class _Double(_Styled):
    style = '"'


class _Folded(_Styled):
    style = ">"


class _Flow(list):
    pass


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Block lists indented under their key (`tags:\n  - 'x'`), as the blog's posts are.
        super().increase_indent(flow, False)


def _represent_styled(dumper: yaml.SafeDumper, data: _Styled) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style=data.style)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    items = [_Double(item) if isinstance(item, str) else item for item in data]
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True)


for _cls in (_Single, _Double, _Folded):
    _Dumper.add_representer(_cls, _represent_styled)
_Dumper.add_representer(_Flow, _represent_flow)

_SCALAR_STYLE = {"single-quoted": _Single, "double-quoted": _Double}


def _styled(value: Any, style: str) -> Any:
    if isinstance(value, str):
        if style == "folded":
            # The seed's `description: >` clips to one trailing newline: keep that form.
            return _Folded(value.rstrip("\n") + "\n") if value.strip() else value
        cls = _SCALAR_STYLE.get(style)
        return cls(value) if cls else value
    if isinstance(value, list):
        item_style = "double-quoted" if style == "flow" else "single-quoted"
        items = [_styled(item, item_style) for item in value]
        return _Flow(items) if style == "flow" else items
    return value


class StyledYAMLHandler(frontmatter.YAMLHandler):
    """python-frontmatter's YAML handler with per-key styles and the key order kept."""

    def __init__(self, styles: dict[str, str]) -> None:
        self.styles = styles

    def export(self, metadata: dict[str, Any], **kwargs: Any) -> str:
        styled = {key: _styled(value, self.styles.get(key, "plain")) for key, value in metadata.items()}
        text = yaml.dump(
            styled,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=1_000_000,
        )
        return text.strip()


def document(metadata: dict[str, Any], body: str, config: Config) -> str:
    """The whole index.md: front matter between `---` lines, then the Markdown body."""
    handler = StyledYAMLHandler({spec.key: spec.style for spec in config.front_matter})
    post = frontmatter.Post(body, handler=handler, **metadata)
    return frontmatter.dumps(post, handler=handler, sort_keys=False) + "\n"
