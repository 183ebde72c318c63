"""The Notion API emulator, read through the real notion-client SDK over HTTP (no mocks)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from notion_client import APIResponseError, Client
from notion_client.errors import APIErrorCode, UnknownHTTPResponseError
from notion_client.helpers import collect_paginated_api

from notion_emulator import Faults, NotionEmulator, RequestRecord, load_store

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "data" / "kubernetes-learning-path.json"
INVALID = ROOT / "data" / "invalid-entries.json"

TOKEN = "secret-token"
DATABASE = "b135dbcf-a408-41ce-80b5-7e612d722a36"
DATA_SOURCE = "f49e1ed9-ebb1-4a68-97b6-0fcc507da055"
SEED = "49518a26-c981-43f7-818f-b6c9e0d9c417"
STEPS = "47fe7c27-f8e6-4162-bc8e-ed96d898dcb4"
DRAFT = "4b67cf16-22fd-4ea7-8e51-8d3df14907e2"
MISSING = "00000000-1111-4222-8333-444444444444"


@pytest.fixture(scope="module")
def store() -> dict:
    return load_store(K8S)


@pytest.fixture(scope="module")
def emu(store):
    with NotionEmulator(store, token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def notion(emu):
    emu.reset_log()
    client = Client(auth=TOKEN, base_url=emu.base_url, retry=False)
    yield client
    client.close()


def _client(emu: NotionEmulator, auth: str = TOKEN) -> Client:
    return Client(auth=auth, base_url=emu.base_url, retry=False)


# --------------------------------------------------------------------------- reads


def test_retrieve_database_lists_its_data_sources(notion):
    db = notion.databases.retrieve(database_id=DATABASE)
    assert db["object"] == "database"
    assert db["id"] == DATABASE
    assert [ds["id"] for ds in db["data_sources"]] == [DATA_SOURCE]
    assert isinstance(db["request_id"], str) and len(db["request_id"]) == 36

    ds = notion.data_sources.retrieve(data_source_id=DATA_SOURCE)
    assert ds["object"] == "data_source"
    assert ds["properties"]["Status"]["type"] == "status"


def test_ids_without_dashes_are_accepted(notion):
    page = notion.pages.retrieve(page_id=SEED.replace("-", ""))
    assert page["id"] == SEED
    assert notion.databases.retrieve(database_id=DATABASE.replace("-", "").upper())["id"] == DATABASE


def test_query_pagination_with_page_size_one_walks_all_entries_in_order(notion, store):
    seen, cursor, calls = [], None, 0
    while True:
        kwargs = {"page_size": 1}
        if cursor:
            kwargs["start_cursor"] = cursor
        resp = notion.data_sources.query(data_source_id=DATA_SOURCE, **kwargs)
        calls += 1
        assert resp["object"] == "list"
        assert resp["type"] == "page_or_data_source" and resp["page_or_data_source"] == {}
        assert "request_id" in resp
        assert len(resp["results"]) == 1
        seen.append(resp["results"][0]["id"])
        if not resp["has_more"]:
            assert resp["next_cursor"] is None
            break
        cursor = resp["next_cursor"]
        assert cursor == store["entries"][DATA_SOURCE][len(seen)]  # next item's id
    assert seen == [SEED, STEPS, DRAFT]
    assert calls == 3
    # Results are the full page objects.
    assert notion.data_sources.query(data_source_id=DATA_SOURCE)["results"][1] == {
        k: v for k, v in notion.pages.retrieve(page_id=STEPS).items() if k != "request_id"
    }
    # The SDK's own helper walks it too.
    assert [p["id"] for p in collect_paginated_api(notion.data_sources.query, data_source_id=DATA_SOURCE,
                                                   page_size=2)] == [SEED, STEPS, DRAFT]


def test_block_children_of_the_seed_page_come_in_two_pages(notion, store):
    first = notion.blocks.children.list(block_id=SEED)
    assert first["object"] == "list"
    assert first["type"] == "block" and first["block"] == {}
    assert len(first["results"]) == 100
    assert first["has_more"] is True
    assert first["next_cursor"] == store["children"][SEED][100]

    second = notion.blocks.children.list(block_id=SEED, start_cursor=first["next_cursor"])
    assert len(second["results"]) == 21
    assert second["has_more"] is False and second["next_cursor"] is None
    ids = [b["id"] for b in first["results"] + second["results"]]
    assert ids == store["children"][SEED]
    assert len(ids) == 121

    # A leaf block has an empty list of children.
    leaf = next(b for b in first["results"] if not b["has_children"])
    empty = notion.blocks.children.list(block_id=leaf["id"])
    assert empty["results"] == [] and empty["has_more"] is False


def test_retrieve_block_and_page_as_block(notion, store):
    block_id = store["children"][SEED][0]
    block = notion.blocks.retrieve(block_id=block_id)
    assert block["object"] == "block" and block["id"] == block_id
    as_block = notion.blocks.retrieve(block_id=SEED)
    assert as_block["type"] == "child_page" and as_block["has_children"] is True


def test_users_me_is_a_bot(notion):
    me = notion.users.me()
    assert me["object"] == "user" and me["type"] == "bot"
    assert me["bot"]["owner"] == {"type": "workspace", "workspace": True}


# --------------------------------------------------------------------------- filters


def test_status_filter_published_returns_two_of_three(notion):
    resp = notion.data_sources.query(
        data_source_id=DATA_SOURCE, filter={"property": "Status", "status": {"equals": "Published"}}
    )
    assert [p["id"] for p in resp["results"]] == [SEED, STEPS]
    assert resp["has_more"] is False


def test_filters_by_id_compound_and_types(notion):
    def ids(flt):
        return [p["id"] for p in notion.data_sources.query(data_source_id=DATA_SOURCE, filter=flt)["results"]]

    # By property id (the Status property's id is "%3FOzo").
    assert ids({"property": "%3FOzo", "status": {"does_not_equal": "Published"}}) == [DRAFT]
    assert ids({"property": "Type", "select": {"equals": "posts"}}) == [SEED, STEPS, DRAFT]
    assert ids({"property": "Type", "select": {"is_empty": True}}) == []
    assert ids({"property": "Title", "title": {"contains": "kubernetes"}}) == [SEED, STEPS]
    assert ids({"property": "Title", "title": {"starts_with": "Steps"}}) == [STEPS]
    assert ids({"property": "Slug", "rich_text": {"equals": "steps-to-learn-kubernetes"}}) == [STEPS]
    assert ids({"property": "Date", "date": {"is_not_empty": True}}) == [SEED, STEPS, DRAFT]
    assert ids({"property": "ShowToc", "checkbox": {"equals": True}}) == [SEED, STEPS]
    assert ids({"property": "ShowToc", "checkbox": {"does_not_equal": True}}) == [DRAFT]
    assert ids({
        "or": [
            {"property": "Status", "status": {"equals": "Draft"}},
            {"and": [
                {"property": "Status", "status": {"equals": "Published"}},
                {"property": "Slug", "rich_text": {"equals": "steps-to-learn-kubernetes"}},
            ]},
        ]
    }) == [STEPS, DRAFT]


@pytest.mark.parametrize(
    ("flt", "needle"),
    [
        ({"property": "Nope", "status": {"equals": "x"}}, "Nope"),
        ({"property": "Status", "select": {"equals": "x"}}, "select"),
        ({"property": "Status", "status": {"contains": "x"}}, "contains"),
        ({"property": "Date", "date": {"past_week": {}}}, "past_week"),
    ],
)
def test_bad_filters_are_validation_errors(notion, flt, needle):
    with pytest.raises(APIResponseError) as info:
        notion.data_sources.query(data_source_id=DATA_SOURCE, filter=flt)
    assert info.value.status == 400
    assert info.value.code == APIErrorCode.ValidationError
    assert needle in str(info.value)


def test_trashed_entries_are_not_queried_but_still_retrievable():
    store = load_store(K8S)
    store["pages"][DRAFT]["in_trash"] = True
    with NotionEmulator(store, token=TOKEN) as emu, _client(emu) as notion:
        results = notion.data_sources.query(data_source_id=DATA_SOURCE)["results"]
        assert [p["id"] for p in results] == [SEED, STEPS]
        trashed = notion.data_sources.query(data_source_id=DATA_SOURCE, in_trash=True)["results"]
        assert [p["id"] for p in trashed] == [DRAFT]
        assert notion.pages.retrieve(page_id=DRAFT)["in_trash"] is True


# --------------------------------------------------------------------------- errors


def test_unknown_id_is_object_not_found(notion):
    with pytest.raises(APIResponseError) as info:
        notion.pages.retrieve(page_id=MISSING)
    err = info.value
    assert err.status == 404 and err.code == APIErrorCode.ObjectNotFound
    assert str(err) == (
        f"Could not find page with ID: {MISSING}. "
        "Make sure the relevant pages and databases are shared with your integration."
    )
    assert err.request_id
    body = json.loads(err.body)
    assert set(body) == {"object", "status", "code", "message", "request_id"}
    assert body["object"] == "error" and body["status"] == 404

    for call, kind in [
        (lambda: notion.blocks.children.list(block_id=MISSING), "block"),
        (lambda: notion.blocks.retrieve(block_id=MISSING), "block"),
        (lambda: notion.databases.retrieve(database_id=MISSING), "database"),
        (lambda: notion.data_sources.query(data_source_id=DATABASE), "data_source"),
    ]:
        with pytest.raises(APIResponseError) as info:
            call()
        assert info.value.code == APIErrorCode.ObjectNotFound
        assert str(info.value).startswith(f"Could not find {kind} with ID: ")


def test_malformed_id_is_validation_error(notion):
    with pytest.raises(APIResponseError) as info:
        notion.pages.retrieve(page_id="not-an-id")
    assert info.value.status == 400 and info.value.code == APIErrorCode.ValidationError
    assert "path.page_id should be a valid uuid" in str(info.value)


def test_wrong_or_missing_token_is_unauthorized(emu):
    with _client(emu, auth="wrong-token") as notion, pytest.raises(APIResponseError) as info:
        notion.users.me()
    assert info.value.status == 401 and info.value.code == APIErrorCode.Unauthorized
    assert str(info.value) == "API token is invalid."

    raw = httpx.get(f"{emu.base_url}/v1/users/me", headers={"Notion-Version": "2025-09-03"})
    assert raw.status_code == 401 and raw.headers["content-type"].startswith("application/json")

    with NotionEmulator(load_store(K8S), token=None) as anyone, _client(anyone, auth="whatever") as notion:
        assert notion.users.me()["type"] == "bot"


def test_missing_notion_version_is_400(emu):
    raw = httpx.get(f"{emu.base_url}/v1/users/me", headers={"Authorization": f"Bearer {TOKEN}"})
    assert raw.status_code == 400
    body = raw.json()
    assert body["code"] == "missing_version" and body["object"] == "error" and "request_id" in body


def test_page_size_and_cursor_validation(notion):
    for bad in (101, 0):
        with pytest.raises(APIResponseError) as info:
            notion.blocks.children.list(block_id=SEED, page_size=bad)
        assert info.value.status == 400 and info.value.code == APIErrorCode.ValidationError
        assert "page_size" in str(info.value)
    with pytest.raises(APIResponseError) as info:
        notion.data_sources.query(data_source_id=DATA_SOURCE, page_size=101)
    assert info.value.code == APIErrorCode.ValidationError and "body.page_size" in str(info.value)
    for cursor in ("bogus", MISSING):
        with pytest.raises(APIResponseError) as info:
            notion.blocks.children.list(block_id=SEED, start_cursor=cursor)
        assert info.value.status == 400 and info.value.code == APIErrorCode.ValidationError


def test_rate_limit_answers_429_with_retry_after(store):
    # A bucket that refills in minutes: a slow machine cannot earn a token back between the calls.
    with NotionEmulator(store, token=TOKEN, rate=0.01, burst=2) as emu, _client(emu) as notion:
        notion.users.me()
        notion.users.me()
        with pytest.raises(APIResponseError) as info:
            notion.users.me()
        err = info.value
        assert err.status == 429 and err.code == APIErrorCode.RateLimited
        retry_after = err.headers["retry-after"]
        assert retry_after.isdigit() and int(retry_after) >= 1
        assert [r.status for r in emu.requests] == [200, 200, 429]


# --------------------------------------------------------------------------- log, files


def test_request_log_counts(notion, emu):
    notion.databases.retrieve(database_id=DATABASE)
    notion.data_sources.query(data_source_id=DATA_SOURCE)
    notion.blocks.children.list(block_id=SEED)
    notion.blocks.children.list(block_id=SEED, start_cursor=notion.blocks.children.list(block_id=SEED)["next_cursor"])
    with pytest.raises(APIResponseError):
        notion.pages.retrieve(page_id=MISSING)
    assert emu.requests[0] == RequestRecord("GET", f"/v1/databases/{DATABASE}", 200)
    assert emu.requests[1] == RequestRecord("POST", f"/v1/data_sources/{DATA_SOURCE}/query", 200)
    assert emu.count() == 6
    assert emu.count(method="GET") == 5
    assert emu.count(method="POST", prefix="/v1/data_sources/") == 1
    assert emu.count(prefix=f"/v1/blocks/{SEED}/children") == 3
    assert emu.requests[-1].status == 404
    emu.reset_log()
    assert emu.requests == [] and emu.count() == 0


def _file_store() -> tuple[dict, str, bytes]:
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    url = ("https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/abc/diagram.png"
           "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=deadbeef")
    page_id = "11111111-2222-4333-8444-555555555555"
    block_id = "66666666-7777-4888-9999-aaaaaaaaaaaa"
    store = {
        "format": "notion-store/1",
        "notion_version": "2025-09-03",
        "_comment": "a tiny store",
        "data_sources": {},
        "databases": {},
        "pages": {page_id: {"object": "page", "id": page_id, "in_trash": False, "properties": {}}},
        "blocks": {
            block_id: {
                "object": "block",
                "id": block_id,
                "parent": {"type": "page_id", "page_id": page_id},
                "has_children": False,
                "archived": False,
                "in_trash": False,
                "type": "image",
                "image": {
                    "caption": [],
                    "type": "file",
                    "file": {"url": url, "expiry_time": "2025-10-01T12:00:00.000Z"},
                    "_comment": "dropped",
                },
            }
        },
        "children": {page_id: [block_id]},
        "entries": {},
        "files": {url: {"content_type": "image/png", "base64": base64.b64encode(png).decode()}},
    }
    return store, url, png


def test_file_urls_are_rewritten_and_served(tmp_path):
    store, url, png = _file_store()
    path = tmp_path / "store.json"
    path.write_text(json.dumps(store))
    loaded = load_store(path)
    assert "_comment" not in loaded and "_comment" not in json.dumps(loaded)

    with NotionEmulator(loaded, token=TOKEN) as emu, _client(emu) as notion:
        block = notion.blocks.children.list(block_id="11111111222243338444555555555555")["results"][0]
        local = block["image"]["file"]["url"]
        assert local == f"{emu.base_url}/files/{hashlib.sha256(url.encode()).hexdigest()}/diagram.png"
        assert notion.blocks.retrieve(block_id=block["id"])["image"]["file"]["url"] == local
        got = httpx.get(local)  # no Authorization, as a signed S3 URL
        assert got.status_code == 200
        assert got.headers["content-type"] == "image/png"
        assert got.content == png
        assert httpx.get(f"{emu.base_url}/files/{'0' * 64}/x.png").status_code == 404
        assert emu.count(prefix="/files/") == 2
    assert loaded["blocks"][block["id"]]["image"]["file"]["url"] == url  # the store is untouched


# --------------------------------------------------------------------------- faults, latency, CLI


def test_faults_are_deterministic(store):
    faults = Faults(status_every=3, status_code=503, rate_limit_burst=[2], drop_every=5, truncate_every=7)
    with NotionEmulator(store, token=TOKEN, faults=faults) as emu, _client(emu) as notion:
        outcomes = []
        for _ in range(7):
            try:
                notion.users.me()
                outcomes.append("ok")
            except APIResponseError as err:
                outcomes.append(err.code.value)
            except httpx.HTTPError as err:
                outcomes.append(type(err).__name__)
        assert outcomes == ["ok", "rate_limited", "service_unavailable", "ok",
                            "RemoteProtocolError", "service_unavailable", "RemoteProtocolError"]
        assert [r.status for r in emu.requests] == [200, 429, 503, 200, 0, 503, 200]


@pytest.mark.parametrize(("code", "api_code"), [(500, "internal_server_error"), (504, "gateway_timeout")])
def test_status_fault_bodies(store, code, api_code):
    with NotionEmulator(store, token=TOKEN, faults=Faults(status_every=1, status_code=code)) as emu, \
            _client(emu) as notion, pytest.raises(APIResponseError) as info:
        notion.users.me()
    assert info.value.status == code and info.value.code.value == api_code
    assert json.loads(info.value.body)["object"] == "error"


def test_502_comes_from_the_gateway_without_a_json_body(store):
    with NotionEmulator(store, token=TOKEN, faults=Faults(status_every=1, status_code=502)) as emu, \
            _client(emu) as notion, pytest.raises(UnknownHTTPResponseError) as info:
        notion.users.me()
    assert info.value.status == 502


def test_slow_fault_and_latency(store):
    with NotionEmulator(store, token=TOKEN, latency=0.05, faults=Faults(slow_every=2, slow_seconds=0.2)) as emu, \
            _client(emu) as notion:
        t0 = time.monotonic()
        notion.users.me()
        t1 = time.monotonic()
        notion.users.me()
        t2 = time.monotonic()
    assert 0.05 <= t1 - t0 < 0.2
    assert t2 - t1 >= 0.25


def test_invalid_entries_store_serves_without_comments():
    with NotionEmulator(load_store(INVALID), token=TOKEN) as emu, _client(emu) as notion:
        results = notion.data_sources.query(data_source_id="07a63a90-3740-402f-b5b6-dbce483a4d6f")["results"]
        assert len(results) == 7
        assert all("_comment" not in page for page in results)


def test_command_line_entry_serves_a_store():
    proc = subprocess.Popen(
        [sys.executable, "-m", "notion_emulator", str(K8S), "--latency", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        with Client(auth="any-token", base_url=base_url, retry=False) as notion:
            assert notion.databases.retrieve(database_id=DATABASE)["id"] == DATABASE
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_a_stopped_emulator_answers_nothing(store):
    emu = NotionEmulator(store, token=TOKEN).start()
    notion = _client(emu)
    assert notion.users.me()["type"] == "bot"
    emu.stop()
    with pytest.raises(httpx.TransportError):
        notion.users.me()  # even on the kept-alive connection
    notion.close()
