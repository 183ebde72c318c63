"""The write endpoints of the emulator: pages, block children, block updates, deletion, file uploads.

Hooked into ``server._Api.dispatch`` (``route``) and ``server._handle_api`` (``form_data``
for the one multipart endpoint). Each endpoint checks its request as Notion documents it and
answers Notion's 400 ``validation_error`` naming the path; what was written is then read
back by the read endpoints exactly as a synced workspace is.

References (each shape below cites the one it follows):
- developers.notion.com/reference/post-page (create a page: parent, properties, children)
- developers.notion.com/reference/patch-page (update page properties, in_trash, cover)
- developers.notion.com/reference/page (`cover`: a file object, external or Notion-hosted)
- developers.notion.com/reference/update-a-data-source and /reference/update-data-source-properties
  (PATCH /v1/data_sources/{id}: `properties` keyed by name or id; a property schema object
  adds or changes a property, `{"name": …}` renames it, null removes it; the title's type
  cannot change; a status property's options cannot be set through the API; returns the data
  source)
- developers.notion.com/reference/patch-block-children ("up to two levels of nesting in a
  single request", "a limit of 100 block children", returns a list of the first-level blocks)
- developers.notion.com/reference/delete-a-block (sets in_trash, returns the block)
- developers.notion.com/reference/update-a-block (the block's type key with the fields to
  change, or in_trash; returns the block)
- developers.notion.com/reference/request-limits (size limits: text.content and
  text.link.url 2,000 characters, equation.expression 1,000, 100 elements a rich text array,
  100 options a multi-select, "the maximum size of the payload is 1000 block elements" and
  500 KB; answered 413 above it, as jheddings/notes2notion#7 saw the live API do)
- developers.notion.com/reference/create-a-file-upload, /reference/send-a-file-upload,
  /reference/complete-a-file-upload, /reference/file-upload (the File Upload object;
  single_part up to 20 MB; multipart/form-data with the contents under the `file` key),
  /guides/data-apis/sending-larger-files (multi_part: `number_of_parts` 1 to 10,000 and a
  `filename` at creation, each part sent with its `part_number`, 5 to 20 MB but the last, then
  completed), /reference/file-object (type `file_upload` in a request; type `file` with a
  signed `url` and `expiry_time` in a response)
- notion-sdk-js src/api-endpoints/common.ts (LanguageRequest: the code block languages)
- Messages: "body failed validation: body.<path> should be ..., instead was `...`." as the
  live API words them (developers.notion.com/reference/status-codes; live examples quoted in
  notion-dotnet/notion-sdk-net#104, zenn.dev/catnose99 "text.content.length should be ≤
  `2000`"); "<name> is not a property that exists." (seratch/notion-sdk-jvm#75).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import unquote

from notion_emulator.server import ApiError, _invalid, _json_repr, _norm_id, _not_found, _page_as_block, _plain

MAX_CHILDREN = 100  # a request's children array
MAX_NESTING = 2  # levels of children in one request
MAX_BLOCKS = 1000  # block elements in one request's payload
MAX_TEXT = 2000  # text.content, text.link.url
MAX_EXPRESSION = 1000  # equation.expression
MAX_RICH_TEXT = 100  # items of a rich text array
MAX_OPTIONS = 100  # options of a multi-select value
MAX_SINGLE_PART = 20 * 1024 * 1024  # single_part uploads: "files under 20MB"; a part of a multi_part one too
MIN_PART = 5 * 1024 * 1024  # a multi_part upload's parts but the last
MAX_PARTS = 10_000  # number_of_parts: 1 <= x <= 10000
MAX_PAYLOAD = 500 * 1000  # a request's body, as compact JSON

# Shape: notion-sdk-js src/api-endpoints/common.ts `LanguageRequest`. Kept apart from the
# product's own list (pipeline.markdown_in) on purpose: the emulator stands for Notion and
# checks what the product sends, so it must not take the product's word for it.
LANGUAGES = frozenset((
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c", "c#", "c++", "clojure",
    "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf", "elixir", "elm", "erlang", "f#", "flow",
    "fortran", "gherkin", "glsl", "go", "graphql", "groovy", "haskell", "hcl", "html", "idris", "java", "javascript",
    "json", "julia", "kotlin", "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile", "markdown",
    "markup", "matlab", "mathematica", "mermaid", "nix", "notion formula", "objective-c", "ocaml", "pascal", "perl",
    "php", "plain text", "powershell", "prolog", "protobuf", "purescript", "python", "r", "racket", "reason", "ruby",
    "rust", "sass", "scala", "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml", "typescript",
    "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml", "java/c/c++/c#",
))

# Block types a request may create, with whether they hold rich text and may hold children.
# Shape: developers.notion.com/reference/block (block type objects, "supports children").
_TEXT_BLOCKS = {
    "paragraph": True, "heading_1": True, "heading_2": True, "heading_3": True, "heading_4": True,
    "bulleted_list_item": True, "numbered_list_item": True, "to_do": True, "toggle": True, "quote": True,
    "callout": True, "code": False,
}
_FILE_BLOCKS = ("image", "video", "file", "pdf", "audio")
_OTHER_BLOCKS = {
    "divider": False, "equation": False, "bookmark": False, "embed": False, "table": True, "table_row": False,
    "column_list": True, "column": True, "link_to_page": False, "table_of_contents": False, "breadcrumb": False,
    **{kind: False for kind in _FILE_BLOCKS},
}
_HOLDS_CHILDREN = {**_TEXT_BLOCKS, **_OTHER_BLOCKS}
# The keys each block type's payload may carry in a request; any other key fails validation
# (developers.notion.com/changelog, 2021-08-16: "Unknown keys will fail validation").
# Shape: notion-sdk-js api-endpoints `BlockObjectRequest`.
_TEXT_KEYS = {"rich_text", "color", "children"}
_PAYLOAD_KEYS: dict[str, set[str]] = {
    **{kind: _TEXT_KEYS for kind in ("paragraph", "bulleted_list_item", "toggle", "quote")},
    **{f"heading_{n}": _TEXT_KEYS | {"is_toggleable"} for n in (1, 2, 3, 4)},
    "numbered_list_item": _TEXT_KEYS | {"list_start_index", "list_format"},
    "to_do": _TEXT_KEYS | {"checked"},
    "callout": _TEXT_KEYS | {"icon"},
    "code": {"rich_text", "language", "caption"},
    "equation": {"expression"},
    "divider": set(), "breadcrumb": set(), "table_of_contents": {"color"},
    **{kind: {"type", "external", "file_upload", "caption", "name"} for kind in _FILE_BLOCKS},
    "bookmark": {"url", "caption"}, "embed": {"url", "caption"},
    "table": {"table_width", "has_column_header", "has_row_header", "children"},
    "table_row": {"cells"},
    "column_list": {"children"}, "column": {"children", "width_ratio"},
    "link_to_page": {"type", "page_id", "database_id"},
}
_DEFAULT_ANNOTATIONS = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
                        "color": "default"}
_BOT_USER = {"object": "user", "id": "9b7c4a1e-2f3d-4e5a-8b6c-0d1e2f3a4b5c"}


def _now(api: Any) -> str:
    """The time of a write, from the emulator's clock (`NotionEmulator(clock=…)`, else the
    system's): tests place an edit inside a minute, or in one already over."""
    # Shape: developers.notion.com/reference/page — last_edited_time is rounded to the minute.
    clock = getattr(api, "clock", None)
    return (clock() if clock else datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:00.000Z")


def _too_long(path: str, limit: int, was: int) -> ApiError:
    return ApiError(400, "validation_error",
                    f"body failed validation: body.{path}.length should be ≤ `{limit}`, instead was `{was}`.")


def _state(api: Any) -> dict[str, Any]:
    """The emulator's write state, kept on the `_Api` instance beside the store it changes."""
    if not hasattr(api, "uploads"):
        api.uploads = {}
    return api.uploads


# --------------------------------------------------------------------------- routing

def route(api: Any, method: str, path: str, body: Any) -> dict[str, Any] | None:
    """The answer to a write request, or None when the request is not one of these."""
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if not match or route_method != method:
            continue
        args: list[Any] = []
        if match.groups():
            raw = unquote(match.group(1))
            object_id = _norm_id(raw)
            if object_id is None:
                name = "file_upload_id" if "file_uploads" in path else path.split("/")[2][:-1] + "_id"
                raise _invalid("path", name, "a valid uuid", raw)
            args.append(object_id)
        if handler is not _send_upload and body is not None and not isinstance(body, dict):
            raise ApiError(400, "validation_error",
                           f"body failed validation: body should be an object, instead was `{_json_repr(body)}`.")
        return handler(api, *args, body=body or {})
    return None


def form_data(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as {field: (filename, content type, bytes) or text}."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        fields[name] = (filename, part.get_content_type(), data) if filename is not None else data.decode("utf-8")
    return fields


# --------------------------------------------------------------------------- rich text


def _rich_text(api: Any, items: Any, path: str) -> list[dict[str, Any]]:
    """A request's rich text array, checked, as the API returns it (annotations, plain_text, href)."""
    # Shape: developers.notion.com/reference/rich-text (request: type + text/equation/mention,
    # optional annotations; response adds plain_text and href).
    if not isinstance(items, list):
        raise _invalid("body", path, "an array", items)
    if len(items) > MAX_RICH_TEXT:
        raise _too_long(path, MAX_RICH_TEXT, len(items))
    out = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise _invalid("body", where, "an object", item)
        annotations = {**_DEFAULT_ANNOTATIONS, **(item.get("annotations") or {})}
        if "equation" in item:
            expression = (item.get("equation") or {}).get("expression")
            if not isinstance(expression, str):
                raise _invalid("body", f"{where}.equation.expression", "a string", expression)
            if len(expression) > MAX_EXPRESSION:
                raise _too_long(f"{where}.equation.expression", MAX_EXPRESSION, len(expression))
            out.append({"type": "equation", "equation": {"expression": expression}, "annotations": annotations,
                        "plain_text": expression, "href": None})
        elif "mention" in item:
            out.append(_mention(api, item["mention"], annotations, f"{where}.mention"))
        elif "text" in item:
            text = item.get("text") or {}
            content = text.get("content")
            if not isinstance(content, str):
                raise _invalid("body", f"{where}.text.content", "a string", content)
            if len(content) > MAX_TEXT:
                raise _too_long(f"{where}.text.content", MAX_TEXT, len(content))
            link = text.get("link")
            url = link.get("url") if isinstance(link, dict) else None
            if link is not None and not isinstance(url, str):
                raise _invalid("body", f"{where}.text.link.url", "a string", url)
            if url is not None and len(url) > MAX_TEXT:
                raise _too_long(f"{where}.text.link.url", MAX_TEXT, len(url))
            out.append({"type": "text", "text": {"content": content, "link": {"url": url} if url else None},
                        "annotations": annotations, "plain_text": content, "href": url})
        else:
            raise _invalid("body", f"{where}.text", "defined", None)
    return out


def _mention(api: Any, mention: Any, annotations: dict[str, Any], where: str) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/rich-text#mention (page mention: {page: {id}}; the
    # response's plain_text is the page's title and href its URL).
    page_id = _norm_id(str(((mention or {}).get("page") or {}).get("id", "")))
    if page_id is None:
        raise _invalid("body", f"{where}.page.id", "a valid uuid", (mention or {}).get("page"))
    page = api.pages.get(page_id)
    if page is None:
        raise _not_found("page", page_id)
    title = _title(page)
    return {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}}, "annotations": annotations,
            "plain_text": title, "href": page.get("url")}


def _title(page: dict[str, Any]) -> str:
    return next((_plain(p.get("title")) for p in page.get("properties", {}).values() if p.get("type") == "title"), "")


# --------------------------------------------------------------------------- blocks


def _count(children: list[Any]) -> int:
    total = 0
    for block in children:
        total += 1
        if isinstance(block, dict):
            kind = block.get("type") or next((k for k in block if k in _HOLDS_CHILDREN), None)
            nested = (block.get(kind) or {}).get("children") if kind and isinstance(block.get(kind), dict) else None
            if isinstance(nested, list):
                total += _count(nested)
    return total


def _check_payload(body: dict[str, Any]) -> None:
    """A request body over 500 KB (request-limits), measured as notion-client's httpx sends it."""
    size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_PAYLOAD:
        # The live API answers 413 Payload Too Large (jheddings/notes2notion#7); its body was not quoted there.
        raise ApiError(413, "payload_too_large", f"Request body too large: {size} bytes, over the limit of {MAX_PAYLOAD}.")


def _check_children(children: Any, path: str) -> None:
    if not isinstance(children, list):
        raise _invalid("body", path, "an array", children)
    if len(children) > MAX_CHILDREN:
        raise _too_long(path, MAX_CHILDREN, len(children))
    blocks = _count(children)
    if blocks > MAX_BLOCKS:
        # Shape: developers.notion.com/reference/request-limits ("1000 block elements").
        raise ApiError(400, "validation_error",
                       f"body failed validation: body.{path} should hold at most `{MAX_BLOCKS}` block elements, "
                       f"instead was `{blocks}`.")


def _checked(api: Any, children: list[Any], path: str, level: int) -> list[tuple[dict[str, Any], list[Any]]]:
    """Every block of a request checked before any is stored: a request that fails validation
    writes nothing."""
    tree = []
    for i, raw in enumerate(children):
        block, nested, where = _block(api, raw, f"{path}[{i}]", level)
        tree.append((block, _checked(api, nested, f"{where}.children", level + 1) if nested else []))
    return tree


def _store(api: Any, tree: list[tuple[dict[str, Any], list[Any]]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    parent_id = parent[parent["type"]]
    for block, nested in tree:
        block["id"] = str(uuid.uuid4())
        block["parent"] = parent
        block["has_children"] = bool(nested)
        api.blocks[block["id"]] = block
        api.children.setdefault(parent_id, []).append(block["id"])
        _store(api, nested, {"type": "block_id", "block_id": block["id"]})
    return [block for block, _ in tree]


def _block(api: Any, raw: Any, where: str, level: int) -> tuple[dict[str, Any], list[Any] | None, str]:
    """(stored block, its children from the request, its payload's path) for one request block."""
    # Shape: notion-sdk-js api-endpoints `BlockObjectRequest`: `type` is optional, the payload
    # sits under the type's key, children inside the payload.
    if not isinstance(raw, dict):
        raise _invalid("body", where, "an object", raw)
    at = f"{where}." if where else ""  # "" for the body itself (update-a-block)
    kind = raw.get("type") or next((key for key in raw if key in _HOLDS_CHILDREN), None)
    if kind not in _HOLDS_CHILDREN:
        raise _invalid("body", f"{at}type", "a supported block type", kind)
    payload = raw.get(kind)
    if not isinstance(payload, dict):
        raise _invalid("body", f"{at}{kind}", "an object", payload)
    path = f"{at}{kind}"
    for key in raw:
        if key not in ("object", "type", kind):
            raise _invalid("body", f"{at}{key}", "not present", raw[key])
    for key in payload:
        if key not in _PAYLOAD_KEYS[kind]:
            raise _invalid("body", f"{path}.{key}", "not present", payload[key])
    nested = payload.get("children")
    if nested is not None:
        if level >= MAX_NESTING:
            # "up to two levels of nesting in a single request"
            raise _invalid("body", f"{path}.children", "not present", nested)
        if not _HOLDS_CHILDREN[kind]:
            raise _invalid("body", f"{path}.children", "not present", nested)
        _check_children(nested, f"{path}.children")
    value = {key: item for key, item in payload.items() if key != "children"}
    if kind in _TEXT_BLOCKS:
        value["rich_text"] = _rich_text(api, payload.get("rich_text"), f"{path}.rich_text")
        value.setdefault("color", "default")
    if kind == "code":
        language = payload.get("language")
        if language not in LANGUAGES:
            raise _invalid("body", f"{path}.language", "one of Notion's code languages", language)
    if kind in ("code", *_FILE_BLOCKS, "bookmark", "embed"):
        value["caption"] = _rich_text(api, payload.get("caption", []), f"{path}.caption")
    if kind == "equation" and not isinstance(payload.get("expression"), str):
        raise _invalid("body", f"{path}.expression", "a string", payload.get("expression"))
    if kind in ("bookmark", "embed"):
        url = payload.get("url")
        if not isinstance(url, str):
            raise _invalid("body", f"{path}.url", "a string", url)
        if len(url) > MAX_TEXT:  # request-limits: any URL, 2,000 characters
            raise _too_long(f"{path}.url", MAX_TEXT, len(url))
    if kind == "callout":
        value.setdefault("icon", None)
    if kind == "to_do":
        value["checked"] = bool(payload.get("checked"))
    if kind in _FILE_BLOCKS:
        value = _file_value(api, value, path)
    if kind == "table":
        width = payload.get("table_width")
        if not isinstance(width, int) or width < 1:
            raise _invalid("body", f"{path}.table_width", "a number", width)
        if not nested:
            raise _invalid("body", f"{path}.children", "defined", nested)
        value.setdefault("has_column_header", False)
        value.setdefault("has_row_header", False)
    if kind == "table_row":
        cells = payload.get("cells")
        if not isinstance(cells, list):
            raise _invalid("body", f"{path}.cells", "an array", cells)
        value["cells"] = [_rich_text(api, cell, f"{path}.cells[{i}]") for i, cell in enumerate(cells)]
    now = _now(api)
    # Shape: developers.notion.com/reference/block (the block object's common fields).
    block = {
        "object": "block", "id": "", "parent": None, "created_time": now, "last_edited_time": now,
        "created_by": _BOT_USER, "last_edited_by": _BOT_USER, "has_children": False, "archived": False,
        "in_trash": False, "type": kind, kind: value,
    }
    return block, nested, path


def _file_value(api: Any, value: dict[str, Any], path: str) -> dict[str, Any]:
    """A file block's payload as the API returns it: an uploaded file becomes type `file`
    with a URL the emulator serves; an external one stays as it is."""
    kind = value.get("type") or ("file_upload" if "file_upload" in value else "external")
    caption = value.get("caption", [])
    if kind == "external":
        url = (value.get("external") or {}).get("url")
        if not isinstance(url, str) or not url:
            raise _invalid("body", f"{path}.external.url", "a string", url)
        if len(url) > MAX_TEXT:
            raise _too_long(f"{path}.external.url", MAX_TEXT, len(url))
        out = {"caption": caption, "type": "external", "external": {"url": url}}
    elif kind == "file_upload":
        upload_id = _norm_id(str((value.get("file_upload") or {}).get("id", "")))
        upload = _state(api).get(upload_id or "")
        if upload is None:
            raise _invalid("body", f"{path}.file_upload.id", "the id of a file upload", value.get("file_upload"))
        if upload["status"] != "uploaded":
            # Shape: /reference/file-upload — only an "uploaded" file upload can be attached.
            raise ApiError(400, "validation_error",
                           f"File upload with ID {upload_id} is not in the uploaded status; its status is "
                           f"`{upload['status']}`.")
        expiry = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        out = {"caption": caption, "type": "file", "file": {"url": upload["url"], "expiry_time": expiry}}
    else:
        raise _invalid("body", f"{path}.type", '`"external"` or `"file_upload"`', kind)
    if "name" in value:
        out["name"] = value["name"]
    return out


def page_of(api: Any, block_id: str) -> str | None:
    """The page a block is in (a page is in itself), or None when the chain of parents breaks."""
    for _ in range(64):
        if block_id in api.pages:
            return block_id
        block = api.blocks.get(block_id)
        if block is None:
            return None
        parent = block.get("parent") or {}
        block_id = parent.get(parent.get("type", ""), "")
    return None


def _touch(api: Any, block_id: str) -> None:
    """A change inside a page is an edit of the page (its last_edited_time moves)."""
    page_id = page_of(api, block_id)
    if page_id is not None:
        api.pages[page_id]["last_edited_time"] = _now(api)


# --------------------------------------------------------------------------- endpoints


def _append_children(api: Any, block_id: str, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/patch-block-children
    parent_block = api.blocks.get(block_id)
    if block_id not in api.pages and (parent_block is None or parent_block.get("in_trash")):
        raise _not_found("block", block_id)
    if "children" not in body:
        raise _invalid("body", "children", "defined", None)
    after = body.get("after")
    existing = list(api.children.get(block_id, []))
    if after is not None and _norm_id(str(after)) not in existing:
        raise _invalid("body", "after", "the id of a child of the block", after)
    parent = {"type": "page_id", "page_id": block_id} if block_id in api.pages else {"type": "block_id", "block_id": block_id}
    _check_payload(body)
    _check_children(body["children"], "children")
    tree = _checked(api, body["children"], "children", 1)
    api.children[block_id] = []
    created = _store(api, tree, parent)
    new_ids = api.children[block_id]
    if after is None:
        api.children[block_id] = existing + new_ids
    else:
        at = existing.index(_norm_id(str(after))) + 1
        api.children[block_id] = existing[:at] + new_ids + existing[at:]
    if parent_block is not None:
        parent_block["has_children"] = True
    _touch(api, block_id)
    # Shape: notion-sdk-js api-endpoints/blocks.ts `AppendBlockChildrenResponse` (a list).
    return {"object": "list", "results": created, "next_cursor": None, "has_more": False, "type": "block", "block": {}}


def _delete_block(api: Any, block_id: str, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/delete-a-block — the block, now in_trash.
    block = api.blocks.get(block_id)
    if block is None:
        page = api.pages.get(block_id)
        if page is None or page.get("in_trash"):
            raise _not_found("block", block_id)
        page.update(in_trash=True, archived=True, last_edited_time=_now(api))
        return _page_as_block(page, block_id in api.children)
    if block.get("in_trash"):
        # Shape: status-codes — a trashed block can no longer be edited.
        raise ApiError(400, "validation_error", "Can't edit block that is archived. You must unarchive the block before editing.")
    block.update(in_trash=True, archived=True, last_edited_time=_now(api))
    parent = block.get("parent") or {}
    _touch(api, parent.get(parent.get("type", ""), ""))
    return block


def _update_block(api: Any, block_id: str, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/update-a-block — the body holds the block's own
    # type key with the fields to change ("the update replaces the entire value for a given
    # field"; an omitted field keeps its value), and/or `in_trash` (`archived`, deprecated);
    # children cannot be changed here; the answer is the updated block. The page's
    # last_edited_time moves with it.
    block = api.blocks.get(block_id)
    if block is None:
        raise _not_found("block", block_id)
    if block.get("in_trash") and not (body.get("in_trash") is False or body.get("archived") is False):
        raise ApiError(400, "validation_error", "Can't edit block that is archived. You must unarchive the block before editing.")
    kind = block["type"]
    for key in body:
        if key not in (kind, "type", "in_trash", "archived"):
            raise _invalid("body", key, "not present", body[key])
    if body.get("type", kind) != kind:
        raise _invalid("body", "type", f"`{_json_repr(kind)}`, the block's type", body["type"])
    payload = body.get(kind)
    if payload is not None:
        if not isinstance(payload, dict):
            raise _invalid("body", kind, "an object", payload)
        if "children" in payload:
            raise _invalid("body", f"{kind}.children", "not present", payload["children"])
        # Checked as the same payload in a new block would be, then only its given fields kept.
        checked, _, _ = _block(api, {"type": kind, kind: payload}, "", 1)
        block[kind].update({key: checked[kind][key] for key in payload})
    for flag in ("in_trash", "archived"):
        if flag in body:
            block["in_trash"] = block["archived"] = bool(body[flag])
    block["last_edited_time"] = _now(api)
    parent = block.get("parent") or {}
    _touch(api, parent.get(parent.get("type", ""), ""))
    return block


def _data_source_for(api: Any, parent: Any) -> str:
    # Shape: developers.notion.com/reference/post-page (2025-09-03: parent `data_source_id`,
    # or `database_id` for a database with a single data source).
    if not isinstance(parent, dict):
        raise _invalid("body", "parent", "an object", parent)
    if "data_source_id" in parent:
        found = _norm_id(str(parent["data_source_id"]))
        if found is None or found not in api.data_sources:
            raise _not_found("data_source", str(parent["data_source_id"]))
        return found
    if "database_id" in parent:
        found = _norm_id(str(parent["database_id"]))
        database = api.databases.get(found or "")
        if database is None:
            raise _not_found("database", str(parent["database_id"]))
        return database["data_sources"][0]["id"]
    raise _invalid("body", "parent.data_source_id", "defined", None)


def _property_values(api: Any, schema: dict[str, Any], given: Any) -> dict[str, Any]:
    """Request property values → the values the API returns, checked against the data source."""
    # Shape: developers.notion.com/reference/page-property-values
    if not isinstance(given, dict):
        raise _invalid("body", "properties", "an object", given)
    by_id = {unquote(str(spec.get("id"))): name for name, spec in schema.items()}
    values: dict[str, Any] = {}
    for key, value in given.items():
        name = key if key in schema else by_id.get(unquote(key))
        if name is None:
            raise ApiError(400, "validation_error", f"{key} is not a property that exists.")
        spec = schema[name]
        kind = spec["type"]
        path = f"properties.{key}.{kind}"
        if not isinstance(value, dict) or kind not in value:
            raise _invalid("body", path, "defined", None)
        raw = value[kind]
        if kind in ("title", "rich_text"):
            out: Any = _rich_text(api, raw, path)
        elif kind == "checkbox":
            if not isinstance(raw, bool):
                raise _invalid("body", path, "a boolean", raw)
            out = raw
        elif kind == "date":
            if raw is not None and not (isinstance(raw, dict) and isinstance(raw.get("start"), str)):
                raise _invalid("body", f"{path}.start", "a string", raw)
            out = None if raw is None else {"start": raw["start"], "end": raw.get("end"), "time_zone": raw.get("time_zone")}
        elif kind in ("select", "status"):
            out = None if raw is None else _option(spec, raw, path, create=kind == "select")
        elif kind == "multi_select":
            if not isinstance(raw, list):
                raise _invalid("body", path, "an array", raw)
            if len(raw) > MAX_OPTIONS:
                raise _too_long(path, MAX_OPTIONS, len(raw))
            out = [_option(spec, item, f"{path}[{i}]", create=True) for i, item in enumerate(raw)]
        elif kind in ("number", "url", "email", "phone_number"):
            out = raw
        else:
            raise _invalid("body", path, "a property type the API can write", kind)
        values[name] = {"id": spec.get("id"), "type": kind, kind: out}
    return values


def _option(spec: dict[str, Any], raw: Any, path: str, create: bool) -> dict[str, Any]:
    """A select, status or multi-select option by name. Select and multi-select options that do
    not exist yet are created (post-page: "if the option does not exist, it is created"); a
    status option must exist, the API cannot add one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _invalid("body", f"{path}.name", "a string", raw)
    options = spec[spec["type"]].setdefault("options", [])
    for option in options:
        if option["name"] == raw["name"]:
            return {"id": option["id"], "name": option["name"], "color": option.get("color", "default")}
    if not create:
        # The wording follows the API's validation messages (status-codes); no live example of
        # this one was found to copy.
        names = ", ".join(f"`{option['name']}`" for option in options)
        raise ApiError(400, "validation_error",
                       f"body failed validation: body.{path}.name should be one of the property's options "
                       f"({names}), instead was `{_json_repr(raw['name'])}`.")
    if "," in raw["name"]:
        # Shape: developers.notion.com/reference/property-object#select ("Commas (",") are not
        # valid for select values"); the wording follows the API's validation messages.
        raise ApiError(400, "validation_error", f"body failed validation: body.{path}.name should not contain "
                                                f"commas, instead was `{_json_repr(raw['name'])}`.")
    option = {"id": str(uuid.uuid4()), "name": raw["name"], "color": "default", "description": None}
    options.append(option)
    return {"id": option["id"], "name": option["name"], "color": "default"}


def _empty_value(kind: str) -> Any:
    # Shape: developers.notion.com/changelog (2021-08-16: empty properties are returned).
    return {"title": [], "rich_text": [], "multi_select": [], "checkbox": False, "people": [], "files": [],
            "relation": []}.get(kind)


def _create_page(api: Any, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/post-page
    if "markdown" in body:
        raise ApiError(400, "invalid_request", "Unsupported request: the emulator does not parse `markdown`.")
    _check_payload(body)
    data_source_id = _data_source_for(api, body.get("parent"))
    data_source = api.data_sources[data_source_id]
    schema = data_source.get("properties", {})
    values = _property_values(api, schema, body.get("properties", {}))
    children = body.get("children")
    tree = []
    if children is not None:
        _check_children(children, "children")
        tree = _checked(api, children, "children", 1)
    page_id = str(uuid.uuid4())
    now = _now(api)
    database_id = (data_source.get("parent") or {}).get("database_id")
    page = {
        "object": "page", "id": page_id, "created_time": now, "last_edited_time": now,
        "created_by": _BOT_USER, "last_edited_by": _BOT_USER, "cover": _cover(api, body.get("cover")),
        "icon": body.get("icon"),
        "parent": {"type": "data_source_id", "data_source_id": data_source_id, "database_id": database_id},
        "archived": False, "in_trash": False, "is_locked": False,
        "properties": {
            name: values.get(name) or {"id": spec.get("id"), "type": spec["type"], spec["type"]: _empty_value(spec["type"])}
            for name, spec in schema.items()
        },
        "url": "https://www.notion.so/" + page_id.replace("-", ""),
        "public_url": None,
    }
    api.pages[page_id] = page
    api.entries.setdefault(data_source_id, []).append(page_id)
    api.children.setdefault(page_id, [])
    _store(api, tree, {"type": "page_id", "page_id": page_id})
    return page


def _cover(api: Any, value: Any) -> dict[str, Any] | None:
    """A page cover as the API returns it: a file object without caption (an uploaded file
    becomes type `file`), or None."""
    # Shape: developers.notion.com/reference/page (cover: external or file), and post-page /
    # patch-page (a request's cover: external, or file_upload).
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid("body", "cover", "an object or `null`", value)
    found = _file_value(api, value, "cover")
    return {key: item for key, item in found.items() if key not in ("caption", "name")}


def _update_page(api: Any, page_id: str, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/patch-page
    page = api.pages.get(page_id)
    if page is None:
        raise _not_found("page", page_id)
    data_source_id = (page.get("parent") or {}).get("data_source_id")
    schema = api.data_sources.get(data_source_id, {}).get("properties", {})
    _check_payload(body)
    values = _property_values(api, schema, body.get("properties", {}))
    page["properties"].update(values)
    for flag in ("in_trash", "archived"):
        if flag in body:
            page["in_trash"] = page["archived"] = bool(body[flag])
    if "icon" in body:
        page["icon"] = body["icon"]
    if "cover" in body:
        page["cover"] = _cover(api, body["cover"])
    page["last_edited_time"] = _now(api)
    return page


# Property types a request may create or change a property to (update-data-source-properties:
# "Possible values of this key are …"); status is not among them.
_SCHEMA_TYPES = frozenset(("title", "rich_text", "number", "select", "multi_select", "date", "people", "files",
                           "checkbox", "url", "email", "phone_number", "formula", "relation", "rollup", "created_time",
                           "created_by", "last_edited_time", "last_edited_by"))


def _update_data_source(api: Any, data_source_id: str, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/update-a-data-source
    data_source = api.data_sources.get(data_source_id)
    if data_source is None:
        raise _not_found("data_source", data_source_id)
    _check_payload(body)
    given = body.get("properties", {})
    if not isinstance(given, dict):
        raise _invalid("body", "properties", "an object", given)
    schema: dict[str, Any] = data_source.setdefault("properties", {})
    by_id = {unquote(str(spec.get("id"))): name for name, spec in schema.items()}
    pages = [api.pages[page_id] for page_id in api.entries.get(data_source_id, []) if page_id in api.pages]
    for key, change in given.items():
        name = key if key in schema else by_id.get(unquote(key))
        path = f"properties.{key}"
        if change is None:
            if name is None:
                raise ApiError(400, "validation_error", f"{key} is not a property that exists.")
            if schema[name]["type"] == "title":
                raise ApiError(400, "validation_error", f"body failed validation: body.{path} cannot remove the title.")
            del schema[name]
            for page in pages:
                page["properties"].pop(name, None)
            continue
        if not isinstance(change, dict):
            raise _invalid("body", path, "an object or `null`", change)
        kinds = [kind for kind in change if kind not in ("name", "description")]
        if len(kinds) > 1 or any(kind not in _SCHEMA_TYPES for kind in kinds):
            raise _invalid("body", path, "a property schema object of one type", change)
        new_name = change.get("name", name or key)
        if not isinstance(new_name, str) or not new_name.strip():
            raise _invalid("body", f"{path}.name", "a non-empty string", new_name)
        if new_name != name and new_name in schema:
            raise ApiError(400, "validation_error", f"body failed validation: body.{path}.name `{new_name}` is the "
                                                    "name of another property.")
        if name is None:  # a new property
            if not kinds:
                raise _invalid("body", path, "a property schema object with a type", change)
            if kinds[0] == "title":
                raise ApiError(400, "validation_error", f"body failed validation: body.{path}: a data source has one "
                                                        "title property.")
            spec = {"id": _property_id(schema), "name": new_name, "description": None, "type": kinds[0],
                    kinds[0]: _schema_config(kinds[0], change[kinds[0]], path)}
            schema[new_name] = spec
            for page in pages:
                page["properties"][new_name] = {"id": spec["id"], "type": spec["type"],
                                                spec["type"]: _empty_value(spec["type"])}
            continue
        spec = schema.pop(name)
        if kinds and kinds[0] == spec["type"] and kinds[0] in ("select", "multi_select"):
            # "If an existing option is omitted, it will be removed … New options will be added"
            # (update-data-source-properties); an existing one keeps its id and color.
            known = {option["name"]: option for option in spec[kinds[0]].get("options", [])}
            given = _schema_config(kinds[0], change[kinds[0]], path)["options"]
            spec[kinds[0]] = {"options": [known.get(option["name"], option) for option in given]}
        elif kinds and kinds[0] != spec["type"]:
            if spec["type"] == "title":
                raise ApiError(400, "validation_error", f"body failed validation: body.{path}: the type of the "
                                                        "title property cannot change.")
            spec = {**{k: v for k, v in spec.items() if k != spec["type"]}, "type": kinds[0],
                    kinds[0]: _schema_config(kinds[0], change[kinds[0]], path)}
        spec["name"] = new_name
        schema[new_name] = spec
        for page in pages:
            if name in page["properties"]:
                page["properties"][new_name] = page["properties"].pop(name)
    if "title" in body:
        data_source["title"] = _rich_text(api, body["title"], "title")
    data_source["last_edited_time"] = _now(api)
    return data_source


def _property_id(schema: dict[str, Any]) -> str:
    """A new property's id: a few URL-encoded characters, as the API's are (`tk%3B6`)."""
    taken = {spec.get("id") for spec in schema.values()}
    while True:
        candidate = uuid.uuid4().hex[:4]
        if candidate not in taken:
            return candidate


def _schema_config(kind: str, config: Any, path: str) -> dict[str, Any]:
    """A property schema object's configuration as the API returns it: select and
    multi-select options get ids and colors; other types keep theirs (an empty object)."""
    if not isinstance(config, dict):
        raise _invalid("body", f"{path}.{kind}", "an object", config)
    if kind not in ("select", "multi_select"):
        return dict(config)
    options = config.get("options", [])
    if not isinstance(options, list):
        raise _invalid("body", f"{path}.{kind}.options", "an array", options)
    out = []
    for i, option in enumerate(options):
        if not isinstance(option, dict) or not isinstance(option.get("name"), str) or "," in option["name"]:
            raise _invalid("body", f"{path}.{kind}.options[{i}].name", "a string without commas", option)
        out.append({"id": str(uuid.uuid4()), "name": option["name"], "color": option.get("color", "default"),
                    "description": None})
    return {"options": out}


def _create_upload(api: Any, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/create-a-file-upload and /reference/file-upload.
    mode = body.get("mode", "single_part")
    if mode not in ("single_part", "multi_part"):
        raise ApiError(400, "invalid_request", f"Unsupported request: file upload mode {mode} in this emulator.")
    filename = body.get("filename")
    if filename is not None and (not isinstance(filename, str) or len(filename.encode()) > 900):
        raise _invalid("body", "filename", "a string of at most 900 bytes", filename)
    parts = body.get("number_of_parts")
    if mode == "multi_part":
        # Shape: /guides/data-apis/sending-larger-files — number_of_parts and a filename are required.
        if not isinstance(parts, int) or isinstance(parts, bool) or not 1 <= parts <= MAX_PARTS:
            raise _invalid("body", "number_of_parts", f"an integer from 1 to {MAX_PARTS}", parts)
        if filename is None:
            raise _invalid("body", "filename", "defined", None)
    elif parts is not None:
        raise _invalid("body", "number_of_parts", "not present", parts)
    upload_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    upload = {
        "object": "file_upload", "id": upload_id, "created_time": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "created_by": {"id": _BOT_USER["id"], "type": "bot"},
        "last_edited_time": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "archived": False,
        "expiry_time": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "status": "pending", "filename": filename, "content_type": body.get("content_type"),
        "content_length": None, "upload_url": f"{getattr(api, 'base_url', '')}/v1/file_uploads/{upload_id}/send",
        "complete_url": None, "file_import_result": None,
    }
    if mode == "multi_part":
        upload["number_of_parts"] = {"total": parts, "sent": 0}
        upload["complete_url"] = f"{getattr(api, 'base_url', '')}/v1/file_uploads/{upload_id}/complete"
    _state(api)[upload_id] = {"status": "pending", "object": upload, "url": "", "mode": mode, "parts": {}}
    return upload


def _send_upload(api: Any, upload_id: str, *, body: Any) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/send-a-file-upload (multipart, the `file` key; a
    # multi_part upload's parts with their `part_number`, in any order).
    record = _state(api).get(upload_id)
    if record is None:
        raise _not_found("file_upload", upload_id)
    if record["status"] != "pending":
        raise ApiError(400, "validation_error", f"File upload with ID {upload_id} is not in the pending status.")
    part = body.get("file") if isinstance(body, dict) else None
    if not isinstance(part, tuple):
        raise _invalid("body", "file", "defined", None)
    filename, content_type, data = part
    if len(data) > MAX_SINGLE_PART:
        raise ApiError(400, "validation_error",
                       f"body failed validation: body.file.size should be ≤ `{MAX_SINGLE_PART}`, instead was `{len(data)}`.")
    upload = record["object"]
    if record["mode"] == "single_part":
        return _uploaded(api, record, content_type, filename, data)
    total = upload["number_of_parts"]["total"]
    number = body.get("part_number")
    if not (isinstance(number, str) and number.isdigit() and 1 <= int(number) <= total):
        raise _invalid("body", "part_number", f"a number from 1 to {total}, as text", number)
    if int(number) < total and len(data) < MIN_PART:
        # Shape: sending-larger-files — "each file must be ≥ 5 and ≤ 20 (binary) megabytes in
        # size, with the exception of the final part".
        raise ApiError(400, "validation_error",
                       f"body failed validation: body.file.size should be ≥ `{MIN_PART}` for a part other than the last, "
                       f"instead was `{len(data)}`.")
    record["parts"][int(number)] = data
    upload["number_of_parts"]["sent"] = len(record["parts"])
    return upload


def _complete_upload(api: Any, upload_id: str, *, body: dict[str, Any]) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/complete-a-file-upload (a multi_part upload whose
    # parts 1 … number_of_parts were all sent becomes "uploaded").
    record = _state(api).get(upload_id)
    if record is None:
        raise _not_found("file_upload", upload_id)
    if record["mode"] != "multi_part" or record["status"] != "pending":
        raise ApiError(400, "validation_error", f"File upload with ID {upload_id} is not a pending multi_part upload.")
    total = record["object"]["number_of_parts"]["total"]
    missing = [number for number in range(1, total + 1) if number not in record["parts"]]
    if missing:
        raise ApiError(400, "validation_error",
                       f"File upload with ID {upload_id} is missing part {missing[0]} of {total}.")
    data = b"".join(record["parts"][number] for number in range(1, total + 1))
    record["parts"] = {}
    return _uploaded(api, record, record["object"]["content_type"], None, data)


def _uploaded(api: Any, record: dict[str, Any], content_type: str | None, filename: str | None,
              data: bytes) -> dict[str, Any]:
    """A file upload with all its bytes: served at a signed-style URL, ready to attach."""
    upload = record["object"]
    name = upload["filename"] or filename or "file"
    token = hashlib.sha256(f"upload:{upload['id']}".encode()).hexdigest()
    files = getattr(api, "files", None)
    if files is not None:
        files[token] = (upload["content_type"] or content_type, data)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "file"
    record.update(status="uploaded", url=f"{getattr(api, 'base_url', '')}/files/{token}/{safe_name}")
    upload.update(status="uploaded", filename=name, content_type=upload["content_type"] or content_type,
                  content_length=len(data), file_import_result=None)
    return upload


# One row an endpoint: method, path, the function answering it.
ROUTES: list[tuple[str, re.Pattern[str], Callable[..., dict[str, Any]]]] = [
    ("POST", re.compile(r"^/v1/pages$"), _create_page),
    ("PATCH", re.compile(r"^/v1/pages/([^/]+)$"), _update_page),
    ("PATCH", re.compile(r"^/v1/data_sources/([^/]+)$"), _update_data_source),
    ("PATCH", re.compile(r"^/v1/blocks/([^/]+)/children$"), _append_children),
    ("PATCH", re.compile(r"^/v1/blocks/([^/]+)$"), _update_block),
    ("DELETE", re.compile(r"^/v1/blocks/([^/]+)$"), _delete_block),
    ("POST", re.compile(r"^/v1/file_uploads$"), _create_upload),
    ("POST", re.compile(r"^/v1/file_uploads/([^/]+)/send$"), _send_upload),
    ("POST", re.compile(r"^/v1/file_uploads/([^/]+)/complete$"), _complete_upload),
]
