"""Every answer from Notion is checked here before anything reads it.

An answer that does not have the keys, types and `object` kind the API reference gives is not
"an empty data source" or "a page without blocks": it is a failure of Notion (or of whatever
answers in its place), reported as a `BadAnswer` (a `NotionError`, exit 3) before a single file is touched.
Only what the pipeline reads is checked; extra keys are fine.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import BadAnswer

# The keys each object kind must carry, and their JSON types, as far as the pipeline reads them.
# Shape: developers.notion.com/reference/intro#pagination (object "list": results, next_cursor,
# has_more); /reference/page (id, properties, last_edited_time); /reference/block (id, type,
# has_children); /reference/data-source (id, properties); /reference/database (data_sources).
_STRING = (str,)
_OPTIONAL_STRING = (str, type(None))
REQUIRED: dict[str, dict[str, tuple[type, ...]]] = {
    "list": {"results": (list,), "has_more": (bool,), "next_cursor": _OPTIONAL_STRING},
    "page": {"id": _STRING, "properties": (dict,), "last_edited_time": _STRING},
    "block": {"id": _STRING, "type": _STRING, "has_children": (bool,)},
    "data_source": {"id": _STRING, "properties": (dict,)},
    "database": {"id": _STRING, "data_sources": (list,)},
    "file_upload": {"id": _STRING, "status": _STRING},  # /reference/file-upload
}
_JSON_NAME = {str: "a string", bool: "true or false", list: "an array", dict: "an object", type(None): "null"}


def _fault(what: str, detail: str) -> BadAnswer:
    return BadAnswer(
        f"Notion answered something that is not the API's shape while reading {what}: {detail}. "
        "Nothing was written; try again later, and check NOTION_BASE_URL if it keeps happening."
    )


def problem_of(answer: Any, kinds: tuple[str, ...]) -> str | None:
    """What is wrong with one object, or None."""
    if not isinstance(answer, dict):
        return f"expected {' or '.join(kinds)} object, got {_JSON_NAME.get(type(answer), type(answer).__name__)}"
    kind = answer.get("object")
    if kind not in kinds:
        return f"expected object {' or '.join(repr(k) for k in kinds)}, got {kind!r}"
    for key, types in REQUIRED[kind].items():
        if key not in answer:
            return f"{kind} without {key!r}"
        if not isinstance(answer[key], types):
            wanted = " or ".join(_JSON_NAME[t] for t in types)
            return f"{kind} {key!r} is {_JSON_NAME.get(type(answer[key]), type(answer[key]).__name__)}, not {wanted}"
    return None


def checked(answer: Any, what: str, *kinds: str) -> dict[str, Any]:
    """The answer, if it is an object of one of these kinds with the keys the pipeline reads."""
    problem = problem_of(answer, kinds)
    if problem:
        raise _fault(what, problem)
    return answer


def checked_list(answer: Any, what: str, *kinds: str) -> dict[str, Any]:
    """A page of a paginated list whose every result is an object of one of these kinds."""
    checked(answer, what, "list")
    for index, item in enumerate(answer["results"]):
        problem = problem_of(item, kinds)
        if problem:
            raise _fault(what, f"results[{index}]: {problem}")
    if answer["has_more"] and not answer["next_cursor"]:
        raise _fault(what, "has_more is true but next_cursor is empty")
    return answer


def checked_option(page: dict[str, Any], name: str, what: str) -> None:
    """The page's `name` property, if it has one, is a select or status value: it decides
    whether the post is published, so a garbled one fails the run rather than unpublish it.
    Shape: developers.notion.com/reference/page-property-values#status (and #select):
    {"type": "status", "status": {"name": …} or null}."""
    prop = page["properties"].get(name)
    if prop is None:
        return
    kind = prop.get("type") if isinstance(prop, dict) else None
    value = prop.get(kind) if isinstance(kind, str) else None
    if not isinstance(kind, str) or kind not in prop or not (value is None or isinstance(value, dict)
                                                             and isinstance(value.get("name"), str)):
        raise _fault(what, f"page {page['id']}: property {name!r} is not a select or status value")


def repeated_cursor(what: str, cursor: str) -> BadAnswer:
    return _fault(what, f"the cursor {cursor[:40]!r} came back a second time (the list would never end)")
