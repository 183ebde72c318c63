"""A local emulator of the Notion REST API (Notion-Version 2025-09-03, 2026-03-11, 2026-12-01:
answers are shaped by the request's Notion-Version in ``versions.py``).

It serves a *store file* (see ``/work/shared/notion-store/README.md``) over real
HTTP on 127.0.0.1, so that the official ``notion-client`` SDK reads it exactly
as it reads ``https://api.notion.com``: same paths, same JSON shapes, same
pagination, same error bodies and status codes.  Stdlib only.

    from notion_emulator import NotionEmulator, load_store
    with NotionEmulator(load_store("data/kubernetes-learning-path.json")) as emu:
        client = notion_client.Client(auth="secret-token", base_url=emu.base_url)

Every shape below carries a ``# Shape:`` comment naming the reference it was
checked against.  The references used:

- developers.notion.com/reference/intro#pagination (list object, cursors,
  ``page_size`` default 100 / max 100)
- developers.notion.com/reference/status-codes (error object, codes, messages)
- developers.notion.com/reference/request-limits (429 ``rate_limited`` +
  ``Retry-After`` as an integer number of seconds)
- developers.notion.com/reference/get-block-children,
  /reference/query-a-data-source, /reference/filter-data-source-entries
- notion-sdk-js ``src/api-endpoints/*.ts`` (response types: ``type: "block"``
  with ``block: {}``; ``type: "page_or_data_source"`` with
  ``page_or_data_source: {}``; ``BotUserObjectResponse``; filter unions)
- notion-sdk-js commit 09703a1 and notion-sdk-py ``client.py``
  (``_extract_request_id``): ``request_id`` is a top-level key of every
  successful body as well as of every error body.

Writes (pages, block children, deletion, file uploads) are in ``writes.py``; other
writes answer ``invalid_request``.  Not emulated: sorts (accepted, the stored order is kept), relative date filters, formula /
rollup / people / relation / timestamp filters (answered with a 400
``validation_error`` that names them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import posixpath
import re
import socket
import sys
import threading
import time
import uuid
from base64 import b64decode
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote, urlsplit

from notion_emulator.versions import shape

__all__ = ["Faults", "NotionEmulator", "RequestRecord", "load_store", "main"]

MAX_PAGE_SIZE = 100  # Shape: developers.notion.com/reference/intro#pagination
DEFAULT_PAGE_SIZE = 100  # Shape: developers.notion.com/reference/intro#pagination

# Shape: developers.notion.com/reference/status-codes — the end of every
# object_not_found message the API sends (as seen in SDK issue reports, e.g.
# makenotion/notion-sdk-js#612: "Could not find database with ID: <id>. Make
# sure the relevant pages and databases are shared with your integration.").
_NOT_SHARED = "Make sure the relevant pages and databases are shared with your integration."


# --------------------------------------------------------------------------- store


def _drop_comments(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_comments(v) for k, v in value.items() if k != "_comment"}
    if isinstance(value, list):
        return [_drop_comments(v) for v in value]
    return value


def load_store(path: str | Path) -> dict[str, Any]:
    """Read a store file; every ``"_comment"`` key, at any depth, is dropped."""
    with open(path, encoding="utf-8") as fh:
        return _drop_comments(json.load(fh))


_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def _norm_id(raw: str) -> str | None:
    """A Notion id with or without dashes -> canonical dashed lower-case UUID, or None."""
    # Shape: developers.notion.com/reference/intro ("You may omit dashes from the ID").
    compact = raw.replace("-", "")
    if not _HEX32.match(compact):
        return None
    c = compact.lower()
    return f"{c[:8]}-{c[8:12]}-{c[12:16]}-{c[16:20]}-{c[20:]}"


def _trashed(obj: dict[str, Any]) -> bool:
    return bool(obj.get("in_trash") or obj.get("archived"))


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error answered with the API's error object."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _json_repr(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# Shape: developers.notion.com/reference/status-codes — validation messages read
# "<section> failed validation: <section>.<field> should be ..., instead was `...`."
def _invalid(section: str, name: str, should: str, was: Any) -> ApiError:
    return ApiError(
        400,
        "validation_error",
        f"{section} failed validation: {section}.{name} should be {should}, instead was `{_json_repr(was)}`.",
    )


def _not_found(kind: str, object_id: str) -> ApiError:
    # Shape: developers.notion.com/reference/status-codes (404 object_not_found);
    # wording "Could not find <page|block|database|data_source> with ID: <id>. Make
    # sure ..." as reported from the live API (notion-sdk-js#612, #99).
    return ApiError(404, "object_not_found", f"Could not find {kind} with ID: {object_id}. {_NOT_SHARED}")


# Shape: developers.notion.com/reference/status-codes — 5xx codes the API documents.
# 502 is not among them: a 502 comes from Notion's edge with a non-JSON (HTML)
# body, which the SDKs surface as UnknownHTTPResponseError ("Request to Notion
# API failed with status: 502", makenotion/notion-sdk-js#457).  529
# service_overload: developers.notion.com/reference/request-limits.
_SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: ("internal_server_error", "Unexpected error occurred."),
    503: ("service_unavailable", "Notion is unavailable. Try again later."),
    504: ("gateway_timeout", "Notion timed out while attempting to complete this request. Please try again later."),
    529: ("service_overload", "Notion is overloaded. Try again later."),
}
_GATEWAY_502_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)

# Shape: developers.notion.com/reference/status-codes (429 rate_limited); the
# message is the example of the API reference's 429 response.
_RATE_LIMITED_MESSAGE = "You have been rate limited. Please try again in a few minutes."


# --------------------------------------------------------------------------- faults, log


@dataclass
class Faults:
    """Deterministic fault injection.  Ordinals count every /v1 request from 1,
    from the emulator's start (``reset_log`` does not reset them).

    For one request the checks run in this order: ``slow_every`` (sleep, then
    go on), ``drop_every`` (close without a response), ``status_every`` (answer
    ``status_code``), ``rate_limit_burst`` (answer 429 with ``Retry-After: 1``),
    the normal answer, and last ``truncate_every`` (send half of that answer's
    body under the full Content-Length, then close).

    Hostile answers, for the pipeline's hardening tests: ``bodies`` maps a path
    substring to a raw body answered with 200 instead of the normal answer (a list
    without ``results``, ``[]``, a cursor that repeats), or to a function of the request's
    ordinal giving that body (a new cursor every time); ``drip_every`` sends that
    answer, status line and headers included, one byte every ``drip_seconds``; ``echo_auth_every`` answers 400
    ``validation_error`` with a message quoting the request's Authorization header; ``endless_every`` answers
    200 with no Content-Length and a body that does not end (until the client hangs up, or 64 MiB).
    """

    status_every: int = 0
    status_code: int = 503
    rate_limit_burst: list[int] = field(default_factory=list)
    truncate_every: int = 0
    drop_every: int = 0
    slow_every: int = 0
    slow_seconds: float = 0.0
    bodies: dict[str, bytes | Callable[[int], bytes]] = field(default_factory=dict)
    drip_every: int = 0
    drip_seconds: float = 0.0
    echo_auth_every: int = 0
    endless_every: int = 0

    def __post_init__(self) -> None:
        if self.status_code != 502 and self.status_code not in _SERVER_ERRORS:
            raise ValueError(f"status_code must be one of 500, 502, 503, 504, 529; got {self.status_code}")
        for name in ("status_every", "truncate_every", "drop_every", "slow_every", "drip_every", "endless_every"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")

    @staticmethod
    def _hits(every: int, ordinal: int) -> bool:
        return every > 0 and ordinal % every == 0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it; ``status`` 0 = no response (dropped or in flight)."""

    method: str
    path: str
    status: int


class _TokenBucket:
    def __init__(self, rate: float, burst: int):
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = float(rate)
        self.capacity = float(max(1, burst))
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> int | None:
        """Spend one token; None if allowed, else the Retry-After in whole seconds (>= 1)."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return None
            # Shape: developers.notion.com/reference/request-limits — Retry-After
            # is an integer number of seconds.
            return max(1, math.ceil((1.0 - self.tokens) / self.rate))


# --------------------------------------------------------------------------- files


def _file_token(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _file_basename(url: str) -> str:
    name = posixpath.basename(urlsplit(url).path)
    return name or "file"


def _rewrite_urls(value: Any, exact: dict[str, str]) -> Any:
    """Replace every stored file URL inside any string value by its local URL."""
    if isinstance(value, str):
        hit = exact.get(value)
        if hit is not None:
            return hit
        for old, new in exact.items():
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _rewrite_urls(v, exact) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_urls(v, exact) for v in value]
    return value


# --------------------------------------------------------------------------- filters

_TEXT_TYPES = ("title", "rich_text", "url", "email", "phone_number")
_SUPPORTED_FILTER_TYPES = _TEXT_TYPES + ("checkbox", "select", "status", "multi_select", "date", "number")
# Shape: notion-sdk-js src/api-endpoints/common.ts `PropertyFilter` — every
# type key a property filter may carry (the ones not in _SUPPORTED_FILTER_TYPES
# are recognised, then refused as unsupported by this emulator).
_ALL_FILTER_TYPES = _SUPPORTED_FILTER_TYPES + (
    "people", "files", "relation", "created_by", "created_time", "last_edited_by",
    "last_edited_time", "formula", "unique_id", "rollup", "verification",
)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(item.get("plain_text", "")) for item in value if isinstance(item, dict))
    if value is None:
        return ""
    return str(value)


def _parse_when(raw: str) -> datetime:
    if len(raw) == 10:
        d = date.fromisoformat(raw)
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
    dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class _FilterCompiler:
    """Turns a data source query ``filter`` into a predicate over page objects."""

    def __init__(self, schema: dict[str, dict[str, Any]]):
        self.schema = schema

    def _find_property(self, ref: str) -> tuple[str, dict[str, Any]] | None:
        # Shape: developers.notion.com/reference/filter-data-source-entries —
        # `property` is "the name of the property ... or the property ID".
        if ref in self.schema:
            return ref, self.schema[ref]
        for name, prop in self.schema.items():
            pid = str(prop.get("id", ""))
            if ref == pid or ref == unquote(pid) or unquote(ref) == unquote(pid):
                return name, prop
        return None

    def compile(self, node: Any, where: str) -> Callable[[dict[str, Any]], bool]:
        if not isinstance(node, dict) or not node:
            raise _invalid("body", where, "an object", node)
        # Shape: developers.notion.com/reference/filter-data-source-entries#compound-filter-object
        for op in ("and", "or"):
            if op in node:
                subs = node[op]
                if len(node) != 1 or not isinstance(subs, list):
                    raise _invalid("body", f"{where}.{op}", "an array", subs)
                preds = [self.compile(sub, f"{where}.{op}[{i}]") for i, sub in enumerate(subs)]
                if op == "and":
                    return lambda page: all(p(page) for p in preds)
                return lambda page: any(p(page) for p in preds)
        if "timestamp" in node:
            raise ApiError(400, "validation_error",
                           f"body failed validation: body.{where}.timestamp filters are not supported by this emulator.")
        ref = node.get("property")
        if not isinstance(ref, str):
            raise _invalid("body", f"{where}.property", "a string", ref)
        kinds = [k for k in node if k not in ("property", "type")]
        if len(kinds) != 1 or kinds[0] not in _ALL_FILTER_TYPES:
            raise ApiError(400, "validation_error",
                           f"body failed validation: body.{where} should have exactly one filter condition "
                           f"({', '.join(_ALL_FILTER_TYPES)}), instead had `{_json_repr(kinds)}`.")
        kind = kinds[0]
        found = self._find_property(ref)
        if found is None:
            # Wording as reported from the live API (find_string: "Could not find
            # property with name or id: <ref>").
            raise ApiError(400, "validation_error", f"Could not find property with name or id: {ref}")
        name, prop = found
        ptype = prop.get("type")
        if ptype != kind:
            # Wording as reported from the live API for a filter whose type key
            # does not match the property's type.
            raise ApiError(400, "validation_error",
                           "The property type in the database does not match the property type of the "
                           f"filter provided: database property {ptype} does not match filter {kind}")
        if kind not in _SUPPORTED_FILTER_TYPES:
            raise ApiError(400, "validation_error",
                           f"body failed validation: body.{where}.{kind} filters are not supported by this emulator.")
        cond = node[kind]
        if not isinstance(cond, dict) or len(cond) != 1:
            raise _invalid("body", f"{where}.{kind}", "an object with exactly one condition", cond)
        (op, arg), = cond.items()
        test = self._condition(kind, op, arg, f"{where}.{kind}")
        pid = prop.get("id")

        def value_of(page: dict[str, Any]) -> Any:
            props = page.get("properties", {})
            pv = props.get(name)
            if pv is None:
                pv = next((v for v in props.values() if isinstance(v, dict) and v.get("id") == pid), None)
            return None if pv is None else pv.get(kind)

        return lambda page: test(value_of(page))

    def _condition(self, kind: str, op: str, arg: Any, where: str) -> Callable[[Any], bool]:
        def unsupported() -> ApiError:
            return ApiError(400, "validation_error",
                            f"body failed validation: body.{where}.{op} is not a supported {kind} filter condition.")

        # Shape: notion-sdk-js common.ts `ExistencePropertyFilter` ({is_empty: true} | {is_not_empty: true}).
        if op in ("is_empty", "is_not_empty"):
            if arg is not True:
                raise _invalid("body", f"{where}.{op}", "`true`", arg)
            if kind in _TEXT_TYPES:
                empty = lambda v: _plain(v) == ""  # noqa: E731
            elif kind == "multi_select":
                empty = lambda v: not v  # noqa: E731
            elif kind == "checkbox":
                raise unsupported()
            else:
                empty = lambda v: v is None  # noqa: E731
            return empty if op == "is_empty" else (lambda v: not empty(v))

        if kind in _TEXT_TYPES:
            # Shape: notion-sdk-js common.ts `TextPropertyFilter`.
            if op not in ("equals", "does_not_equal", "contains", "does_not_contain", "starts_with", "ends_with"):
                raise unsupported()
            if not isinstance(arg, str):
                raise _invalid("body", f"{where}.{op}", "a string", arg)
            # equals is exact; the substring conditions ignore case as Notion's UI
            # filters do (the API reference does not say either way).
            needle = arg.lower()
            return {
                "equals": lambda v: _plain(v) == arg,
                "does_not_equal": lambda v: _plain(v) != arg,
                "contains": lambda v: needle in _plain(v).lower(),
                "does_not_contain": lambda v: needle not in _plain(v).lower(),
                "starts_with": lambda v: _plain(v).lower().startswith(needle),
                "ends_with": lambda v: _plain(v).lower().endswith(needle),
            }[op]

        if kind == "checkbox":
            # Shape: notion-sdk-js common.ts `CheckboxPropertyFilter`.
            if op not in ("equals", "does_not_equal"):
                raise unsupported()
            if not isinstance(arg, bool):
                raise _invalid("body", f"{where}.{op}", "a boolean", arg)
            return (lambda v: bool(v) == arg) if op == "equals" else (lambda v: bool(v) != arg)

        if kind in ("select", "status"):
            # Shape: notion-sdk-js common.ts `SelectPropertyFilter` / `StatusPropertyFilter`
            # (equals / does_not_equal take an option name or an array of names).
            if op not in ("equals", "does_not_equal"):
                raise unsupported()
            names = self._names(arg, f"{where}.{op}")

            def option(v: Any) -> str | None:
                return v.get("name") if isinstance(v, dict) else None

            if op == "equals":
                return lambda v: option(v) in names
            return lambda v: option(v) not in names

        if kind == "multi_select":
            # Shape: notion-sdk-js common.ts `MultiSelectPropertyFilter`.
            if op not in ("contains", "does_not_contain"):
                raise unsupported()
            names = self._names(arg, f"{where}.{op}")

            def chosen(v: Any) -> set[str]:
                return {o["name"] for o in (v or []) if isinstance(o, dict) and isinstance(o.get("name"), str)}

            if op == "contains":
                return lambda v: bool(chosen(v) & names)
            return lambda v: not (chosen(v) & names)

        if kind == "number":
            ops = {
                "equals": lambda a, b: a == b, "does_not_equal": lambda a, b: a != b,
                "greater_than": lambda a, b: a > b, "less_than": lambda a, b: a < b,
                "greater_than_or_equal_to": lambda a, b: a >= b, "less_than_or_equal_to": lambda a, b: a <= b,
            }
            if op not in ops or isinstance(arg, bool) or not isinstance(arg, (int, float)):
                raise unsupported()
            cmp = ops[op]
            return lambda v: v is not None and cmp(v, arg)

        if kind == "date":
            # Shape: notion-sdk-js common.ts `DatePropertyFilter` (absolute conditions only;
            # the relative past_week/next_month/... are refused).
            ops = {
                "equals": lambda a, b: a == b, "before": lambda a, b: a < b, "after": lambda a, b: a > b,
                "on_or_before": lambda a, b: a <= b, "on_or_after": lambda a, b: a >= b,
            }
            if op not in ops:
                raise unsupported()
            if not isinstance(arg, str):
                raise _invalid("body", f"{where}.{op}", "an ISO 8601 date string", arg)
            try:
                bound = _parse_when(arg)
            except ValueError:
                raise _invalid("body", f"{where}.{op}", "an ISO 8601 date string", arg) from None
            date_only = len(arg) == 10
            cmp = ops[op]

            def test(v: Any) -> bool:
                start = v.get("start") if isinstance(v, dict) else None
                if not start:
                    return False
                when = _parse_when(start[:10] if date_only else start)
                return cmp(when, bound)

            return test

        raise unsupported()

    @staticmethod
    def _names(arg: Any, where: str) -> set[str]:
        if isinstance(arg, str):
            return {arg}
        if isinstance(arg, list) and all(isinstance(a, str) for a in arg):
            return set(arg)
        raise _invalid("body", where, "a string or an array of strings", arg)


# --------------------------------------------------------------------------- the API


class _Api:
    """Answers one /v1 request from the store: (status, body dict)."""

    def __init__(self, store: dict[str, Any]):
        self.data_sources: dict[str, dict] = store.get("data_sources", {})
        self.databases: dict[str, dict] = store.get("databases", {})
        self.pages: dict[str, dict] = store.get("pages", {})
        self.blocks: dict[str, dict] = store.get("blocks", {})
        self.children: dict[str, list[str]] = store.get("children", {})
        self.entries: dict[str, list[str]] = store.get("entries", {})
        self.bot: dict[str, Any] = store.get("bot") or _default_bot()
        # Called after each successful write with (api, method, path, body, answer): the
        # webhook subscription's hook (webhooks.py), when there is one.
        self.on_write: Callable[..., None] | None = None
        # Set by NotionEmulator.start: where uploaded files are served, and the clock edits are stamped with.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.base_url = ""
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    # -- routing
    _ROUTES: list[tuple[str, re.Pattern[str], str, str]] = [
        ("GET", re.compile(r"^/v1/users/me$"), "users_me", ""),
        ("GET", re.compile(r"^/v1/databases/([^/]+)$"), "get_database", "database_id"),
        ("GET", re.compile(r"^/v1/data_sources/([^/]+)$"), "get_data_source", "data_source_id"),
        ("POST", re.compile(r"^/v1/data_sources/([^/]+)/query$"), "query_data_source", "data_source_id"),
        ("GET", re.compile(r"^/v1/pages/([^/]+)$"), "get_page", "page_id"),
        ("GET", re.compile(r"^/v1/blocks/([^/]+)$"), "get_block", "block_id"),
        ("GET", re.compile(r"^/v1/blocks/([^/]+)/children$"), "list_children", "block_id"),
    ]
    # Real endpoints this read-only emulator does not serve.
    _KNOWN = re.compile(
        r"^/v1/(pages|blocks|databases|data_sources|users|search|comments|file_uploads|views|custom_emojis)(/.*)?$"
    )

    def dispatch(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
        for route_method, pattern, handler, param in self._ROUTES:
            m = pattern.match(path)
            if not m:
                continue
            if route_method != method:
                continue
            args: list[Any] = []
            if param:
                raw = unquote(m.group(1))
                object_id = _norm_id(raw)
                if object_id is None:
                    # Shape: developers.notion.com/reference/status-codes (validation_error,
                    # "path failed validation: path.<param> should be a valid uuid ...").
                    raise _invalid("path", param, "a valid uuid", raw)
                args.append(object_id)
            return getattr(self, handler)(*args, query=query, body=body)
        from notion_emulator.writes import route  # the write endpoints, in their own module

        written = route(self, method, path, body)
        if written is not None:
            if self.on_write is not None:
                self.on_write(self, method, path, body, written)
            return written
        if self._KNOWN.match(path):
            # Shape: developers.notion.com/reference/status-codes (400 invalid_request,
            # "Unsupported request: <request name>.").
            raise ApiError(400, "invalid_request", f"Unsupported request: {method} {path}.")
        # Shape: developers.notion.com/reference/status-codes (400 invalid_request_url).
        raise ApiError(400, "invalid_request_url", "Invalid request URL.")

    # -- endpoints
    def users_me(self, *, query: Any, body: Any) -> dict[str, Any]:
        # Shape: notion-sdk-js api-endpoints/users.ts `GetSelfResponse` = UserObjectResponse (bot).
        return self.bot

    def get_database(self, database_id: str, *, query: Any, body: Any) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/database-retrieve (2025-09-03: carries `data_sources`).
        db = self.databases.get(database_id)
        if db is None:
            raise _not_found("database", database_id)
        return db

    def get_data_source(self, data_source_id: str, *, query: Any, body: Any) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/retrieve-a-data-source.
        ds = self.data_sources.get(data_source_id)
        if ds is None:
            raise _not_found("data_source", data_source_id)
        return ds

    def get_page(self, page_id: str, *, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/retrieve-a-page — a trashed page is
        # still returned (with in_trash: true).
        page = self.pages.get(page_id)
        if page is None:
            raise _not_found("page", page_id)
        return _only_properties(page, _filter_properties(query))

    def get_block(self, block_id: str, *, query: Any, body: Any) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/retrieve-a-block — a trashed block is
        # still returned (with in_trash: true).
        block = self.blocks.get(block_id)
        if block is not None:
            return block
        page = self.pages.get(block_id)
        if page is not None:
            # A page id is also a block id: the API answers a `child_page` block.
            # Shape: developers.notion.com/reference/block#child-page.
            return _page_as_block(page, block_id in self.children)
        raise _not_found("block", block_id)

    def list_children(self, block_id: str, *, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/get-block-children
        if block_id not in self.blocks and block_id not in self.pages and block_id not in self.children:
            raise _not_found("block", block_id)
        size = _page_size_from_query(query)
        cursor = _one(query, "start_cursor")
        # Trashed children are not listed (the API drops deleted blocks from a
        # parent's children; they stay retrievable by id).
        items = [self._child(c) for c in self.children.get(block_id, []) if c in self.blocks or c in self.pages]
        items = [b for b in items if not _trashed(b)]
        results, next_cursor, has_more = _paginate(items, cursor, size, "query")
        # Shape: notion-sdk-js api-endpoints/blocks.ts `ListBlockChildrenResponse`
        # and developers.notion.com/reference/intro#pagination.
        return {
            "object": "list",
            "results": results,
            "next_cursor": next_cursor,
            "has_more": has_more,
            "type": "block",
            "block": {},
        }

    def _child(self, child_id: str) -> dict[str, Any]:
        """A listed child: its block, or for a sub-page (a page id listed among its parent's
        children, as a page tree's store holds them) the `child_page` block the API lists in the
        parent's place. Shape: developers.notion.com/reference/block#child-page (the block's id
        is the page's, `child_page.title` its title); the sub-page's own `parent` is
        {"type": "page_id", "page_id": <the parent>} (developers.notion.com/reference/parent-object)
        and GET /v1/pages/{id} retrieves it (developers.notion.com/reference/retrieve-a-page).
        A `child_page` block stored under `blocks` whose page is not under `pages` is a sub-page
        the integration cannot read: listed, and 404 on retrieval."""
        if child_id in self.blocks:
            return self.blocks[child_id]
        return _page_as_block(self.pages[child_id], bool(self.children.get(child_id)))

    def query_data_source(self, data_source_id: str, *, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
        # Shape: developers.notion.com/reference/query-a-data-source
        ds = self.data_sources.get(data_source_id)
        if ds is None:
            raise _not_found("data_source", data_source_id)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ApiError(400, "validation_error",
                           f"body failed validation: body should be an object, instead was `{_json_repr(body)}`.")
        size = _page_size_from_body(body)
        cursor = body.get("start_cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise _invalid("body", "start_cursor", "a valid uuid or `undefined`", cursor)
        sorts = body.get("sorts")
        if sorts is not None and not isinstance(sorts, list):
            raise _invalid("body", "sorts", "an array", sorts)
        # Shape: developers.notion.com/reference/query-a-data-source — `in_trash`
        # (and the deprecated `archived`): true returns only trashed pages; by
        # default trashed pages are left out.
        want_trash = bool(body.get("in_trash") or body.get("archived"))
        pages = [self.pages[p] for p in self.entries.get(data_source_id, []) if p in self.pages]
        pages = [p for p in pages if _trashed(p) == want_trash]
        result_type = body.get("result_type")
        if result_type not in (None, "page", "data_source"):
            raise _invalid("body", "result_type", '`"page"`, `"data_source"` or `undefined`', result_type)
        if result_type == "data_source":
            pages = []
        flt = body.get("filter")
        if flt is not None:
            predicate = _FilterCompiler(ds.get("properties", {})).compile(flt, "filter")
            pages = [p for p in pages if predicate(p)]
        wanted = _filter_properties(query)
        results, next_cursor, has_more = _paginate(pages, cursor, size, "body")
        results = [_only_properties(p, wanted) for p in results]
        # Shape: notion-sdk-js api-endpoints/data-sources.ts `QueryDataSourceResponse`
        # and developers.notion.com/reference/intro#pagination.
        return {
            "object": "list",
            "results": results,
            "next_cursor": next_cursor,
            "has_more": has_more,
            "type": "page_or_data_source",
            "page_or_data_source": {},
        }


def _default_bot() -> dict[str, Any]:
    # Shape: notion-sdk-js api-endpoints/common.ts `UserObjectResponseCommon` &
    # `BotUserObjectResponse` / `BotInfoResponse` (internal integration: owner workspace).
    return {
        "object": "user",
        "id": "9b7c4a1e-2f3d-4e5a-8b6c-0d1e2f3a4b5c",
        "name": "Notion emulator",
        "avatar_url": None,
        "type": "bot",
        "bot": {
            "owner": {"type": "workspace", "workspace": True},
            "workspace_id": "4c3b2a10-9f8e-4d7c-b6a5-0f1e2d3c4b5a",
            "workspace_limits": {"max_file_upload_size_in_bytes": 5 * 1024 * 1024},
            "workspace_name": "Emulated workspace",
        },
    }


def _page_as_block(page: dict[str, Any], has_children: bool) -> dict[str, Any]:
    title = ""
    for prop in page.get("properties", {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            title = _plain(prop.get("title"))
    block = {
        "object": "block",
        "id": page["id"],
        "parent": page.get("parent"),
        "created_time": page.get("created_time"),
        "last_edited_time": page.get("last_edited_time"),
        "created_by": page.get("created_by"),
        "last_edited_by": page.get("last_edited_by"),
        "has_children": has_children,
        "archived": bool(page.get("archived")),
        "in_trash": bool(page.get("in_trash")),
        "type": "child_page",
        "child_page": {"title": title},
    }
    return block


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _filter_properties(query: dict[str, list[str]]) -> set[str] | None:
    # Shape: developers.notion.com/reference/retrieve-a-page and query-a-data-source
    # (`filter_properties` query parameter: property ids to keep).
    values = query.get("filter_properties", []) + query.get("filter_properties[]", [])
    if not values:
        return None
    return {unquote(v) for v in values}


def _only_properties(page: dict[str, Any], wanted: set[str] | None) -> dict[str, Any]:
    if wanted is None:
        return page
    props = {
        name: value
        for name, value in page.get("properties", {}).items()
        if name in wanted or unquote(str(value.get("id", ""))) in wanted
    }
    return {**page, "properties": props}


def _page_size_from_query(query: dict[str, list[str]]) -> int:
    raw = _one(query, "page_size")
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise _invalid("query", "page_size", "a number or `undefined`", raw) from None
    return _check_size(size, "query")


def _page_size_from_body(body: dict[str, Any]) -> int:
    raw = body.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if isinstance(raw, bool) or not isinstance(raw, int):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        else:
            raise _invalid("body", "page_size", "a number or `undefined`", raw)
    return _check_size(raw, "body")


def _check_size(size: int, section: str) -> int:
    # Shape: developers.notion.com/reference/intro#pagination — page_size "Maximum: 100".
    if size > MAX_PAGE_SIZE:
        raise _invalid(section, "page_size", f"≤ `{MAX_PAGE_SIZE}`", size)
    if size < 1:
        raise _invalid(section, "page_size", "≥ `1`", size)
    return size


def _paginate(items: list[dict[str, Any]], cursor: str | None, size: int, section: str):
    # Shape: developers.notion.com/reference/intro#pagination — the cursor is
    # opaque; the API hands out the id of the next item as `next_cursor`.
    start = 0
    if cursor is not None:
        wanted = _norm_id(cursor)
        if wanted is None:
            raise _invalid(section, "start_cursor", "a valid uuid or `undefined`", cursor)
        for i, item in enumerate(items):
            if item.get("id") == wanted:
                start = i
                break
        else:
            raise ApiError(400, "validation_error", f"The start_cursor provided is invalid: {cursor}")
    end = start + size
    results = items[start:end]
    has_more = end < len(items)
    next_cursor = items[end]["id"] if has_more else None
    return results, next_cursor, has_more


# --------------------------------------------------------------------------- HTTP


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: "NotionEmulator"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._live: set[socket.socket] = set()
        self._live_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._live_lock:
            self._live.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._live_lock:
            self._live.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test, a killed sync) is not the emulator's error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def close_live_connections(self) -> None:
        """End kept-alive connections, so a stopped emulator answers nothing more."""
        with self._live_lock:
            live, self._live = list(self._live), set()
        for sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "notion-emulator"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end after a minute
    # Headers and body go out in separate writes; without TCP_NODELAY the
    # client's delayed ACK adds ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server
    log_entry: tuple[tuple[int, int, int], str, str]  # this request's place in the log (NotionEmulator._handle)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.emulator._handle(self, "GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.emulator._handle(self, "HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self.server.emulator._handle(self, "POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self.server.emulator._handle(self, "PATCH")

    def do_PUT(self) -> None:  # noqa: N802
        self.server.emulator._handle(self, "PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self.server.emulator._handle(self, "DELETE")


class NotionEmulator:
    """Serves a Notion store over HTTP on 127.0.0.1; use as a context manager.

    token: the only bearer token accepted; None accepts any non-empty token.
    latency: seconds slept before answering each request.
    rate / burst: a token bucket of `rate` requests per second holding `burst`;
        a /v1 request over it answers 429 `rate_limited` with Retry-After.  Off when
        `rate` is None.
    faults: a `Faults` plan, for fault-injection tests.
    clock: what time a write happens (a UTC datetime); the system's clock when None.
    webhook_url: where a webhook subscription sends its events (webhooks.py); with it,
        webhook_token signs them (None: a new "secret_…" token, `emulator.webhooks.token`),
        webhook_verify sends the verification request first, webhook_window aggregates,
        and webhook_clock / webhook_sleeper make time the test's (nothing is sent until it
        calls `emulator.webhooks.deliver_due()`).
    """

    def __init__(
        self,
        store: dict[str, Any] | str | Path,
        token: str | None = "secret-token",
        latency: float = 0.0,
        rate: float | None = None,
        burst: int = 10,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        webhook_verify: bool = False,
        webhook_window: float = 1.0,
        webhook_clock: Callable[[], float] | None = None,
        webhook_sleeper: Callable[[float], None] | None = None,
    ):
        if isinstance(store, (str, Path)):
            store = load_store(store)
        self.store = _drop_comments(store)
        self.token = token
        self.latency = float(latency)
        self.faults = faults or Faults()
        self._bucket = _TokenBucket(rate, burst) if rate is not None else None
        self._host = host
        self._port = port
        self.clock = clock
        self.requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._log_generation = 0
        self._ordinal = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._api: _Api | None = None
        self._files: dict[str, tuple[str, bytes]] = {}
        self.base_url = ""
        self.webhooks = None
        if webhook_url is not None:
            from notion_emulator.webhooks import WebhookSubscription  # Notion's side of a webhook

            self.webhooks = WebhookSubscription(webhook_url, webhook_token, verify=webhook_verify, window=webhook_window,
                                                clock=webhook_clock, sleeper=webhook_sleeper)

    # -- lifecycle
    def start(self) -> "NotionEmulator":
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.emulator = self
        host, port = server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"  # an IPv4 address: a str
        files = self.store.get("files", {}) or {}
        local: dict[str, str] = {}
        self._files = {}
        for url, spec in files.items():
            token = _file_token(url)
            local[url] = f"{self.base_url}/files/{token}/{_file_basename(url)}"
            self._files[token] = (
                spec.get("content_type", "application/octet-stream"),
                b64decode(spec.get("base64", "")),
            )
        served = _rewrite_urls(self.store, local) if local else self.store
        self._api = _Api(served)
        self._api.files, self._api.base_url = self._files, self.base_url  # where uploaded files are served
        # writes.py stamps each edit with this; `clock` may be set again while serving.
        self._api.clock = lambda: self.clock() if self.clock else datetime.now(timezone.utc)
        if self.webhooks is not None:
            self.webhooks.start(self._api)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="notion-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        if self.webhooks is not None:
            self.webhooks.stop()
        server.shutdown()
        server.server_close()
        server.close_live_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    close = stop

    def __enter__(self) -> "NotionEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- request log
    def count(self, method: str | None = None, prefix: str | None = None) -> int:
        """How many logged requests have this method (any if None) and path prefix."""
        with self._log_lock:
            records = list(self.requests)
        return sum(
            1
            for r in records
            if (method is None or r.method == method.upper()) and (prefix is None or r.path.startswith(prefix))
        )

    def reset_log(self) -> None:
        with self._log_lock:
            self.requests.clear()
            self._log_generation += 1

    def _log_start(self, method: str, path: str) -> tuple[int, int, int]:
        """Log a request on arrival; returns (generation, index, /v1 ordinal or 0)."""
        with self._log_lock:
            self.requests.append(RequestRecord(method, path, 0))
            ordinal = 0
            if path.startswith("/v1/") or path == "/v1":
                self._ordinal += 1
                ordinal = self._ordinal
            return self._log_generation, len(self.requests) - 1, ordinal

    def _log_end(self, slot: tuple[int, int, int], method: str, path: str, status: int) -> None:
        generation, index, _ = slot
        with self._log_lock:
            if generation == self._log_generation and index < len(self.requests):
                self.requests[index] = RequestRecord(method, path, status)

    # -- one request
    def _handle(self, h: _Handler, method: str) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        slot = self._log_start(method, path)
        h.log_entry = (slot, method, path)  # the status is logged before the answer leaves (`_send`)
        ordinal = slot[2]
        status = 0
        try:
            body_bytes = self._read_body(h)
            if ordinal:
                status = self._handle_api(h, method, path, parts.query, body_bytes, ordinal)
            else:
                status = self._handle_other(h, method, path)
        finally:
            self._log_end(slot, method, path, status)

    @staticmethod
    def _read_body(h: _Handler) -> bytes:
        length = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(length) if length > 0 else b""

    def _handle_api(self, h: _Handler, method: str, path: str, raw_query: str, raw_body: bytes,
                    ordinal: int) -> int:
        f = self.faults
        if Faults._hits(f.slow_every, ordinal):
            time.sleep(f.slow_seconds)
        if Faults._hits(f.drop_every, ordinal):
            h.close_connection = True  # no status line, no headers, nothing
            return 0
        truncate = Faults._hits(f.truncate_every, ordinal)
        if Faults._hits(f.status_every, ordinal):
            if f.status_code == 502:
                return self._send(h, 502, _GATEWAY_502_HTML, "text/html", {}, truncate)
            code, message = _SERVER_ERRORS[f.status_code]
            return self._send_error(h, ApiError(f.status_code, code, message), truncate)
        if Faults._hits(f.echo_auth_every, ordinal):
            # Shape: developers.notion.com/reference/status-codes (400 validation_error); a
            # careless server or proxy quoting the request back.
            return self._send_error(h, ApiError(400, "validation_error", "Bad request with headers: Authorization: "
                                                + h.headers.get("Authorization", "")), truncate)
        if ordinal in f.rate_limit_burst:
            return self._send_error(h, ApiError(429, "rate_limited", _RATE_LIMITED_MESSAGE,
                                                {"Retry-After": "1"}), truncate)
        if self._bucket is not None:
            wait = self._bucket.take()
            if wait is not None:
                # Shape: developers.notion.com/reference/request-limits (429 rate_limited,
                # Retry-After: integer seconds).
                return self._send_error(h, ApiError(429, "rate_limited", _RATE_LIMITED_MESSAGE,
                                                    {"Retry-After": str(wait)}), truncate)
        if Faults._hits(f.endless_every, ordinal):
            return self._send_endless(h)
        drip = f.drip_seconds if Faults._hits(f.drip_every, ordinal) else 0.0
        hostile = next((body for part, body in f.bodies.items() if part in path), None)
        if callable(hostile):
            hostile = hostile(ordinal)
        if hostile is not None:
            return self._send(h, 200, hostile, "application/json; charset=utf-8", {}, truncate, drip=drip)
        try:
            self._check_headers(h)
            query = parse_qs(raw_query, keep_blank_values=True)
            body: Any = None
            if raw_body.strip() and h.headers.get("Content-Type", "").startswith("multipart/form-data"):
                from notion_emulator.writes import form_data  # send-a-file-upload is multipart

                body = form_data(h.headers["Content-Type"], raw_body)
            elif raw_body.strip():
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    # Shape: developers.notion.com/reference/status-codes (400 invalid_json).
                    raise ApiError(400, "invalid_json", "Error parsing JSON body.") from None
            assert self._api is not None
            payload = self._api.dispatch("GET" if method == "HEAD" else method, path, query, body)
            payload = shape(payload, h.headers.get("Notion-Version", ""), path, query)  # versions.py
        except ApiError as err:
            return self._send_error(h, err, truncate)
        # Shape: request_id is a top-level key of successful bodies (notion-sdk-js
        # commit 09703a1; notion-sdk-py BaseClient._extract_request_id).
        out = {**payload, "request_id": str(uuid.uuid4())}
        return self._send(h, 200, _encode(out), "application/json; charset=utf-8", {}, truncate, drip=drip)

    def _check_headers(self, h: _Handler) -> None:
        auth = h.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        ok = scheme.lower() == "bearer" and token != ""
        if ok and self.token is not None:
            ok = token == self.token
        if not ok:
            # Shape: developers.notion.com/reference/status-codes (401 unauthorized,
            # message "API token is invalid.").
            raise ApiError(401, "unauthorized", "API token is invalid.")
        if not h.headers.get("Notion-Version"):
            # Shape: developers.notion.com/reference/status-codes (400 missing_version).
            raise ApiError(400, "missing_version",
                           "Notion-Version header failed validation: Notion-Version header should be defined, "
                           "instead was `undefined`.")

    def _handle_other(self, h: _Handler, method: str, path: str) -> int:
        if not path.startswith("/files/"):
            # Shape: developers.notion.com/reference/status-codes (400 invalid_request_url).
            return self._send_error(h, ApiError(400, "invalid_request_url", "Invalid request URL."), False)
        m = re.match(r"^/files/([0-9a-f]{64})/[^/]+$", path)
        if m and method in ("GET", "HEAD") and m.group(1) in self._files:
            # Signed file URLs need no Authorization (as S3 pre-signed URLs).
            content_type, data = self._files[m.group(1)]
            return self._send(h, 200, data, content_type, {}, False, head=(method == "HEAD"))
        body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                b"<Message>The specified key does not exist.</Message></Error>")
        return self._send(h, 404, body, "application/xml", {}, False, head=(method == "HEAD"))

    def _send_error(self, h: _Handler, err: ApiError, truncate: bool) -> int:
        # Shape: developers.notion.com/reference/status-codes — the error object.
        body = {
            "object": "error",
            "status": err.status,
            "code": err.code,
            "message": err.message,
            "request_id": str(uuid.uuid4()),
        }
        return self._send(h, err.status, _encode(body), "application/json; charset=utf-8", err.headers, truncate)

    @staticmethod
    def _send_endless(h: _Handler) -> int:
        """200, no Content-Length (the body ends when the connection does), then bytes without end:
        what a broken proxy or a hostile server sends. Bounded so that it stops by itself."""
        h.send_response(200)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b" " * 65536
        try:
            h.wfile.write(b'{"object": "list", "results": [')
            for _ in range(1024):  # 64 MiB at the most
                h.wfile.write(chunk)
        except OSError:  # the client hung up: the point
            pass
        h.close_connection = True
        return 200

    def _send(self, h: _Handler, status: int, body: bytes, content_type: str, headers: dict[str, str],
              truncate: bool, head: bool = False, drip: float = 0.0) -> int:
        if self.latency > 0:
            time.sleep(self.latency)
        # Logged before a byte of the answer is sent: a client that has its answer finds it in
        # `requests` with its status, however loaded the machine.
        slot, method, path = h.log_entry
        self._log_end(slot, method, path, status)
        if drip:
            reason = h.responses.get(status, ("",))[0]
            status_line = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
            for byte in status_line.encode("latin-1") + body:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(drip)
            h.close_connection = True
            return status
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            h.send_header(name, value)
        if truncate:
            h.send_header("Connection", "close")
        h.end_headers()
        if head or h.command == "HEAD":
            return status
        if truncate:
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return status
        h.wfile.write(body)
        return status


def _encode(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- CLI


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notion_emulator",
        description="Serve a Notion store file as the Notion REST API (2025-09-03) on 127.0.0.1.",
    )
    parser.add_argument("store", help="path of the store file (JSON)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to sleep before each answer")
    parser.add_argument("--rate", type=float, default=None, help="requests per second allowed (default: no limit)")
    parser.add_argument("--burst", type=int, default=10, help="token bucket size for --rate")
    parser.add_argument("--token", default=None, help="the only bearer token accepted (default: any)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    emulator = NotionEmulator(load_store(args.store), token=args.token, latency=args.latency,
                              rate=args.rate, burst=args.burst, port=args.port)
    with emulator:
        print(emulator.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
