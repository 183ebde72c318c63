"""Answers shaped by the request's Notion-Version: the store holds one shape, the emulator
answers in the shape of the version each request names.

- 2025-09-03: every page, block, database and data source carries `in_trash` and its
  deprecated alias `archived`; AI meeting notes are the `transcription` block type.
- 2026-03-11: `archived` is gone (renamed `in_trash` in every response), and `transcription`
  is renamed `meeting_notes`. Shape: developers.notion.com/guides/get-started/upgrade-guide-2026-03-11
  ("What's changing": archived → in_trash, transcription → meeting_notes), and notion-sdk-js
  src/api-endpoints/blocks.ts (TranscriptionBlockObjectResponse "Renamed in API version
  2026-03-11"; both take TranscriptionBlockResponse).
- 2026-12-01: as 2026-03-11, and a data source query without `filter_properties` returns each
  page with its title property only. Shape: developers.notion.com/guides/get-started/upgrade-guide-2026-12-01
  ("Page properties in lists": without filter_properties, pages return only the title property).
  The other changes of that version (status filter groups, the page-markdown endpoint) concern
  requests this emulator does not serve or filters it does not emulate.
"""

from __future__ import annotations

from typing import Any

__all__ = ["VERSIONS", "shape"]

VERSIONS = ("2025-09-03", "2026-03-11", "2026-12-01")
_TRASHABLE = frozenset({"page", "block", "database", "data_source"})
# The meeting notes block type, by the first version that names it so.
_MEETING_NOTES = {"2025-09-03": "transcription", "2026-03-11": "meeting_notes"}


def _meeting_notes_name(version: str) -> str:
    return _MEETING_NOTES["2026-03-11" if version >= "2026-03-11" else "2025-09-03"]


def _object(value: dict[str, Any], version: str) -> dict[str, Any]:
    out = {key: _walk(item, version) for key, item in value.items()}
    if out.get("object") in _TRASHABLE:
        trashed = bool(out.get("in_trash") or out.get("archived"))
        out["in_trash"] = trashed
        if version >= "2026-03-11":
            out.pop("archived", None)
        else:
            out["archived"] = trashed
    if out.get("object") == "block" and out.get("type") in _MEETING_NOTES.values():
        name = _meeting_notes_name(version)
        payload = out.pop(out["type"], {})
        out["type"] = name
        out[name] = payload
    return out


def _walk(value: Any, version: str) -> Any:
    if isinstance(value, dict):
        return _object(value, version)
    if isinstance(value, list):
        return [_walk(item, version) for item in value]
    return value


def _title_only(page: dict[str, Any]) -> dict[str, Any]:
    properties = page.get("properties") or {}
    return {**page, "properties": {name: value for name, value in properties.items()
                                   if isinstance(value, dict) and value.get("type") == "title"}}


def shape(payload: dict[str, Any], version: str, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """`payload`, an answer in the store's shape, as the API answers it in `version`."""
    out = _walk(payload, version)
    asked = query.get("filter_properties") or query.get("filter_properties[]")
    if version >= "2026-12-01" and path.endswith("/query") and not asked:
        out["results"] = [_title_only(page) if page.get("object") == "page" else page for page in out.get("results", [])]
    return out
