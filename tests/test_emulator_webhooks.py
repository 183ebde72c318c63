"""The emulator sends webhooks as Notion does (issue #15, part 5): writes through its API become
signed events POSTed to a subscription's URL, aggregated per page within a window, retried with
backoff when the receiver fails. The receiver here only records what arrives, over real HTTP."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from notion_client import APIResponseError, Client

from notion_emulator import NotionEmulator
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.storekit import entry, store
from tests.webhookkit import PAGES, FakeClock, paragraph, workspace

HOOK_TOKEN = "secret_emulator0123456789abcdef"
SEED_DATABASE = "b135dbcf-a408-41ce-80b5-7e612d722a36"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Recorder:
    """A webhook endpoint that answers each POST with the next of `statuses` (then 200), and
    keeps (headers, raw body) of each."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(recorder.statuses.pop(0) if recorder.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for _, raw in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    made: list[Recorder] = []

    def make(statuses: list[int] | None = None) -> Recorder:
        made.append(Recorder(statuses))
        return made[-1]

    yield make
    for each in made:
        each.close()


@contextlib.contextmanager
def notion(url: str, **options) -> Iterator[tuple[NotionEmulator, Client, FakeClock]]:
    clock = FakeClock()
    with NotionEmulator(workspace(), token=TOKEN, webhook_url=url, webhook_token=HOOK_TOKEN, webhook_window=5.0,
                        webhook_clock=clock, webhook_sleeper=clock.sleep, **options) as emulator:
        with Client(auth=TOKEN, base_url=emulator.base_url) as client:
            yield emulator, client, clock


def title(text: str) -> dict:
    return {"Title": {"title": [{"text": {"content": text}}]}}


def test_on_start_the_verification_request_is_sent_once_unsigned(recorder):
    endpoint = recorder()
    with notion(endpoint.url, webhook_verify=True) as (emulator, _, _):
        assert [d.status for d in emulator.webhooks.deliver_due()] == [200]
        assert emulator.webhooks.deliver_due() == []
    ((headers, raw),) = endpoint.received
    # Shape: developers.notion.com/reference/webhooks (step 2).
    assert json.loads(raw) == {"verification_token": HOOK_TOKEN}
    assert "x-notion-signature" not in headers and headers["content-type"] == "application/json"


def test_without_a_token_the_subscription_makes_one_as_notion_does(recorder):
    endpoint = recorder()
    with NotionEmulator(store([]), token=TOKEN, webhook_url=endpoint.url, webhook_verify=True,
                        webhook_clock=FakeClock()) as emulator:
        emulator.webhooks.deliver_due()
    token = json.loads(endpoint.received[0][1])["verification_token"]
    assert token == emulator.webhooks.token and re.fullmatch(r"secret_[A-Za-z0-9_-]{40,}", token)


def test_each_event_is_signed_and_in_notions_shape(recorder):
    endpoint = recorder()
    with notion(endpoint.url) as (emulator, client, clock):
        created = client.pages.create(parent={"data_source_id": SEED_DATA_SOURCE}, properties=title("New"))
        assert emulator.webhooks.deliver_due() == []  # within the window: nothing yet
        clock.now += 5
        assert [d.status for d in emulator.webhooks.deliver_due()] == [200]
    ((headers, raw),) = endpoint.received
    expected = "sha256=" + hmac.new(HOOK_TOKEN.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["x-notion-signature"] == expected
    event = json.loads(raw)
    # Shape: developers.notion.com/reference/webhooks-events-delivery and /webhooks/view-deleted.
    assert set(event) == {"id", "timestamp", "workspace_id", "workspace_name", "subscription_id", "integration_id",
                          "authors", "attempt_number", "api_version", "type", "entity", "data"}
    assert UUID.match(event["id"]) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["timestamp"])
    assert event["type"] == "page.created" and event["attempt_number"] == 1
    assert event["entity"] == {"id": created["id"], "type": "page"}
    assert event["data"] == {"parent": {"id": SEED_DATABASE, "type": "database", "data_source_id": SEED_DATA_SOURCE}}
    assert event["authors"] == [{"id": emulator._api.bot["id"], "type": "bot"}]


def test_edits_to_a_page_within_the_window_are_one_event_listing_each_block(recorder):
    endpoint = recorder()
    with notion(endpoint.url) as (emulator, client, clock):
        added = []
        for n in range(3):
            added += [b["id"] for b in client.blocks.children.append(block_id=PAGES[0], children=[paragraph(f"{n}")])["results"]]
            clock.now += 1
        client.blocks.delete(block_id=added[0])
        nested = client.blocks.children.append(block_id=added[1], children=[paragraph("inside")])["results"][0]["id"]
        client.pages.update(page_id=PAGES[0], properties=title("One"))
        client.pages.update(page_id=PAGES[0], properties=title("Two"))
        client.blocks.children.append(block_id=PAGES[1], children=[paragraph("other page")])
        clock.now += 2  # 5 s after the first edit of page 0: its content event alone is due
        first = [d.body for d in emulator.webhooks.deliver_due()]
        clock.now += 3
        first += [d.body for d in emulator.webhooks.deliver_due()]
        client.blocks.children.append(block_id=PAGES[0], children=[paragraph("later")])
        clock.now += 5
        later = [d.body for d in emulator.webhooks.deliver_due()]
    assert [(e["type"], e["entity"]["id"]) for e in first] == [
        ("page.content_updated", PAGES[0]), ("page.properties_updated", PAGES[0]), ("page.content_updated", PAGES[1])]
    assert [b["id"] for b in first[0]["data"]["updated_blocks"]] == [*added, nested]
    assert {b["type"] for b in first[0]["data"]["updated_blocks"]} == {"block"}
    title_id = emulator._api.data_sources[SEED_DATA_SOURCE]["properties"]["Title"]["id"]
    assert first[1]["data"]["updated_properties"] == [title_id]
    assert [(e["type"], len(e["data"]["updated_blocks"])) for e in later] == [("page.content_updated", 1)]
    assert len(endpoint.received) == 4


def test_trashing_and_restoring_a_page_send_deleted_and_undeleted(recorder):
    endpoint = recorder()
    with notion(endpoint.url) as (emulator, client, clock):
        client.pages.update(page_id=PAGES[0], in_trash=True)
        client.pages.update(page_id=PAGES[0], in_trash=False)
        client.blocks.delete(block_id=PAGES[1])  # a page is a block: deleting it trashes the page
        clock.now += 5
        emulator.webhooks.deliver_due()
    assert [(e["type"], e["entity"]["id"]) for e in endpoint.events()] == [
        ("page.deleted", PAGES[0]), ("page.undeleted", PAGES[0]), ("page.deleted", PAGES[1])]


def test_a_failed_delivery_is_retried_with_backoff_each_attempt_signed(recorder):
    endpoint = recorder([500, 503])
    with notion(endpoint.url) as (emulator, client, clock):
        client.pages.update(page_id=PAGES[2], properties=title("Again"))
        clock.now += 5
        attempts = emulator.webhooks.deliver_due()
    assert [(d.attempt, d.status) for d in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert clock.sleeps == [1.0, 2.0]
    bodies = [json.loads(raw) for _, raw in endpoint.received]
    assert [b["attempt_number"] for b in bodies] == [1, 2, 3] and len({b["id"] for b in bodies}) == 1
    for headers, raw in endpoint.received:
        assert headers["x-notion-signature"] == "sha256=" + hmac.new(HOOK_TOKEN.encode(), raw, hashlib.sha256).hexdigest()


def test_an_unreachable_endpoint_is_tried_a_bounded_number_of_times():
    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    with notion(url) as (emulator, client, clock):
        client.pages.update(page_id=PAGES[0], in_trash=True)
        clock.now += 5
        attempts = emulator.webhooks.deliver_due()
        assert emulator.webhooks.deliver_due() == []  # given up: not tried again
    # Shape: webhooks-events-delivery ("attempt_number": 1 to 8).
    assert len(attempts) == 8 and all(d.status is None and "Connection" in d.error for d in attempts)
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]


def test_on_the_real_clock_a_thread_delivers_each_event_when_it_is_due(recorder):
    endpoint = recorder()
    with NotionEmulator(store([(entry("Post", "post", 0), [])]), token=TOKEN, webhook_url=endpoint.url,
                        webhook_token=HOOK_TOKEN, webhook_window=0.0, webhook_verify=True) as emulator:
        with Client(auth=TOKEN, base_url=emulator.base_url) as client:
            client.pages.update(page_id=PAGES[0], properties=title("Live"))
            deliveries = emulator.webhooks.wait_for(2)
    assert [d.status for d in deliveries] == [200, 200]
    assert [e.get("type", "verification") for e in endpoint.events()] == ["verification", "page.properties_updated"]


def test_a_write_the_api_refuses_sends_nothing(recorder):
    endpoint = recorder()
    with notion(endpoint.url) as (emulator, client, clock):
        with pytest.raises(APIResponseError, match="Nope is not a property that exists"):
            client.pages.update(page_id=PAGES[0], properties={"Nope": {"checkbox": True}})
        with pytest.raises(APIResponseError):
            client.blocks.children.append(block_id=PAGES[0], children=[{"type": "paragraph", "paragraph": {}}] * 101)
        clock.now += 5
        assert emulator.webhooks.pending == [] and emulator.webhooks.deliver_due() == []
    assert endpoint.received == []
