"""Notion's side of one webhook subscription: the emulator's writes become signed events POSTed to
a URL, the way Notion sends them, so a receiver is tested against what Notion does.

    with NotionEmulator(store, webhook_url=receiver_url, webhook_verify=True) as emulator:
        ...  # writes through the API; emulator.webhooks.deliveries lists what was sent

- On start (when asked), the verification request: `{"verification_token": "secret_…"}`, unsigned.
- After each successful write (the `_Api.on_write` hook), its events: `page.created` (POST
  /v1/pages), `page.properties_updated` and `page.deleted` / `page.undeleted` (PATCH
  /v1/pages/{id}), `page.content_updated` for any write under /v1/blocks/{id} (appending
  children, deleting or updating a block), `page.deleted` for DELETE /v1/blocks/{page id}.
- Events of one type for one page within `window` seconds of the first are aggregated into one,
  listing every updated block (or property) once; each is due `window` seconds after its first
  change, and delivered in that order.
- Each delivery is signed (`X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body keyed by the
  verification token>`); a delivery answered other than 2xx, or not answered, is tried again
  after `backoff`, 2×, 4×… seconds, `attempts` times in all, its `attempt_number` counting.

Time is injectable: with a `clock` (and a `sleeper` for the backoff) no thread runs, and nothing is
sent until the test calls `deliver_due()` (or `flush()`); without one, a thread delivers each event
when it is due.

Shapes: developers.notion.com/reference/webhooks (verification request; X-Notion-Signature),
developers.notion.com/reference/webhooks-events-delivery (the event's fields; aggregated events such
as page.content_updated; delivery retried, attempt_number 1 to 8),
developers.notion.com/reference/webhooks/view-deleted (the body's schema: api_version, workspace_name,
entity {id, type}, data.parent {id, type, data_source_id}), developers.notion.com/guides/get-started/
upgrade-guide-2025-09-03 (events of 2025-09-03 name a database parent's data source).
Written from those documents, not from the product's receiver: the emulator stands for Notion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from notion_emulator.server import _norm_id
from notion_emulator.writes import page_of

# Shape: developers.notion.com/reference/webhooks-events-delivery — "aggregated events": changes
# of these types to one page within a short window arrive as one event.
AGGREGATED = frozenset(("page.content_updated", "page.properties_updated"))
API_VERSION = "2025-09-03"  # the version a subscription renders events in (api_version)

_PAGES = re.compile(r"^/v1/pages/([^/]+)$")
_BLOCKS = re.compile(r"^/v1/blocks/([^/]+)(/children)?$")


@dataclass
class Change:
    """One event on its way: aggregated until it is due."""

    kind: str
    page: str
    parent: dict[str, Any]
    due: float
    blocks: dict[str, None] = field(default_factory=dict)  # ordered sets
    properties: dict[str, None] = field(default_factory=dict)
    timestamp: str = ""


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver: what was sent and how it was answered (status None: no answer)."""

    body: dict[str, Any]
    headers: dict[str, str]
    attempt: int
    status: int | None
    error: str
    at: float  # the subscription's clock when the answer (or the failure) came

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


# (event type, page id, updated block ids, updated property ids)
Event = tuple[str, str, list[str], list[str]]


def events_of(api: Any, method: str, path: str, body: Any, answer: dict[str, Any]) -> list[Event]:
    """(event type, page id, updated block ids, updated property ids) for one successful write."""
    body = body if isinstance(body, dict) else {}
    if method == "POST" and path == "/v1/pages":
        return [("page.created", answer["id"], [], [])]
    if method == "PATCH" and _PAGES.match(path):
        page_id = answer["id"]
        events: list[Event] = []
        changed = list(body.get("properties") or {})
        if changed:
            values = answer.get("properties", {})
            ids = [str(values[key]["id"]) if key in values else key for key in changed]
            events.append(("page.properties_updated", page_id, [], ids))
        for flag in ("in_trash", "archived"):
            if flag in body:
                events.append(("page.deleted" if body[flag] else "page.undeleted", page_id, [], []))
                break
        return events
    blocks = _BLOCKS.match(path)
    if blocks is None:
        return []  # file uploads change no page
    target = _norm_id(blocks.group(1)) or ""
    if blocks.group(2):  # appended children: the new blocks are the updated ones
        updated = [block["id"] for block in answer.get("results", [])]
    elif method == "DELETE" and target in api.pages:
        return [("page.deleted", target, [], [])]
    else:
        updated = [target]
    page_id = page_of(api, target)
    return [("page.content_updated", page_id, updated, [])] if page_id else []


def parent_of(api: Any, page_id: str) -> dict[str, Any]:
    # Shape: developers.notion.com/reference/webhooks/view-deleted (data.parent: {id, type,
    # data_source_id}); a page of a data source has its database as parent, and names the data
    # source (upgrade-guide-2025-09-03); a workspace parent is a "space".
    parent = api.pages[page_id].get("parent") or {}
    kind = parent.get("type")
    if kind == "data_source_id":
        return {"id": parent.get("database_id"), "type": "database", "data_source_id": parent["data_source_id"]}
    if kind == "database_id":
        return {"id": parent["database_id"], "type": "database"}
    if kind in ("page_id", "block_id"):
        return {"id": parent[kind], "type": kind[:-3]}
    return {"id": api.bot.get("bot", {}).get("workspace_id"), "type": "space"}


class WebhookSubscription:
    def __init__(self, url: str, token: str | None = None, *, verify: bool = False, window: float = 1.0,
                 attempts: int = 8, backoff: float = 1.0, timeout: float = 5.0,
                 clock: Callable[[], float] | None = None, sleeper: Callable[[float], None] | None = None) -> None:
        self.url = url
        # Shape: developers.notion.com/reference/webhooks — the token reads "secret_…".
        self.token = token or "secret_" + secrets.token_urlsafe(32)
        self.verify = verify
        self.window = window
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.threaded = clock is None
        self.clock = clock or time.monotonic
        self._stopping = threading.Event()
        self.sleeper = sleeper or self._stopping.wait  # a stop cuts a real backoff short
        self.subscription_id = str(uuid.uuid4())
        self.integration_id = str(uuid.uuid4())
        self.pending: list[Change] = []
        self.deliveries: list[Delivery] = []
        self._verification_due = False
        self._sending = 0  # deliveries under way
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._api: Any = None

    # -- lifecycle
    def start(self, api: Any) -> None:
        """Attach to the emulator's API (its writes are recorded from now on)."""
        self._api = api
        api.on_write = self.record_write
        self._verification_due = self.verify
        if self.threaded:
            self._thread = threading.Thread(target=self._run, name="notion-emulator-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop delivering; events still waiting are dropped (the receiver may be gone)."""
        with self._changed:
            self._stopping.set()
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """The delivery attempts once there are `count` of them (the thread makes them)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise AssertionError(f"{len(self.deliveries)} deliveries after {timeout} s, expected {count}")
            return list(self.deliveries)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Return once nothing is waiting or being sent (the thread delivers)."""
        with self._changed:
            if not self._changed.wait_for(lambda: not self.pending and not self._sending, timeout):
                raise AssertionError(f"{len(self.pending)} events still waiting after {timeout} s")

    # -- recording
    def record_write(self, api: Any, method: str, path: str, body: Any, answer: dict[str, Any]) -> None:
        for kind, page_id, blocks, properties in events_of(api, method, path, body, answer):
            self.record(kind, page_id, parent_of(api, page_id), blocks, properties)

    def record(self, kind: str, page_id: str, parent: dict[str, Any], blocks: Iterable[str] = (),
               properties: Iterable[str] = ()) -> None:
        now = self.clock()
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        with self._changed:
            change = next((c for c in self.pending if c.kind == kind and c.page == page_id and kind in AGGREGATED), None)
            if change is None:
                change = Change(kind, page_id, parent, now + self.window)
                self.pending.append(change)
            change.blocks.update(dict.fromkeys(blocks))
            change.properties.update(dict.fromkeys(properties))
            change.timestamp = timestamp  # when the (last) change happened
            self._changed.notify_all()

    # -- delivering
    def deliver_due(self) -> list[Delivery]:
        """Deliver the verification request (if due) and every event due now; the attempts made."""
        return self._deliver_where(lambda change: change.due <= self.clock())

    def flush(self) -> list[Delivery]:
        """Deliver everything waiting, due or not."""
        return self._deliver_where(lambda change: True)

    def _deliver_where(self, due: Callable[[Change], bool]) -> list[Delivery]:
        with self._changed:
            verification, self._verification_due = self._verification_due, False
            ready = [change for change in self.pending if due(change)]
            self.pending = [change for change in self.pending if change not in ready]
            self._sending += 1
        made: list[Delivery] = []
        try:
            if verification:
                made += self._send({"verification_token": self.token}, signed=False)
            for change in ready:
                made += self._send(self.event(change), signed=True)
        finally:
            with self._changed:
                self._sending -= 1
                self._changed.notify_all()
        return made

    def event(self, change: Change) -> dict[str, Any]:
        """The body Notion would send for `change` (attempt 1)."""
        # Shape: developers.notion.com/reference/webhooks-events-delivery (event properties) and
        # /reference/webhooks/view-deleted (the body's schema).
        bot = self._api.bot if self._api is not None else {}
        data: dict[str, Any] = {"parent": change.parent}
        if change.kind == "page.content_updated":
            data["updated_blocks"] = [{"id": block, "type": "block"} for block in change.blocks]
        if change.kind == "page.properties_updated":
            data["updated_properties"] = list(change.properties)
        return {
            "id": str(uuid.uuid4()), "timestamp": change.timestamp,
            "workspace_id": bot.get("bot", {}).get("workspace_id"), "workspace_name": bot.get("bot", {}).get("workspace_name"),
            "subscription_id": self.subscription_id, "integration_id": self.integration_id,
            "authors": [{"id": bot.get("id"), "type": "bot"}], "attempt_number": 1, "api_version": API_VERSION,
            "type": change.kind, "entity": {"id": change.page, "type": "page"}, "data": data,
        }

    def _send(self, body: dict[str, Any], *, signed: bool) -> list[Delivery]:
        made = []
        for attempt in range(1, self.attempts + 1):
            if signed:
                body = {**body, "attempt_number": attempt}
            raw = json.dumps(body).encode("utf-8")
            headers = {"Content-Type": "application/json", "User-Agent": "notion-api-webhooks (emulator)"}
            if signed:
                digest = hmac.new(self.token.encode("utf-8"), raw, hashlib.sha256).hexdigest()
                headers["X-Notion-Signature"] = f"sha256={digest}"
            status, error = None, ""
            try:
                with urllib.request.urlopen(urllib.request.Request(self.url, raw, headers, method="POST"),
                                            timeout=self.timeout) as answer:
                    status = answer.status
            except urllib.error.HTTPError as refused:
                status = refused.code
            except OSError as failure:  # refused, reset, timed out
                error = f"{type(failure).__name__}: {failure}"
            made.append(Delivery(body, headers, attempt, status, error, self.clock()))
            with self._changed:
                self.deliveries.append(made[-1])
                self._changed.notify_all()
            if made[-1].ok or self._stopping.is_set():
                break
            if attempt < self.attempts:
                self.sleeper(self.backoff * 2 ** (attempt - 1))
        return made

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stopping.is_set():
                    due = min((change.due for change in self.pending), default=None)
                    if self._verification_due or (due is not None and due <= self.clock()):
                        break
                    self._changed.wait(None if due is None else due - self.clock())
                if self._stopping.is_set():
                    return
            self.deliver_due()
