"""Notion properties → the post's front matter, by the declarative mapping in pipeline.toml.

Pure: a page object in, an ordered dict out; and the YAML text for it, styled per key so the
output reads exactly like the blog's existing posts (the seed post is the contract).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from pipeline.config import Config, FrontMatterField
from pipeline.model import plain_text

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
    return {spec.key: field_value(page, spec, config) for spec in config.front_matter}


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
