"""The emulator's write endpoints, driven by the real notion-client over HTTP: what is written
reads back through the read endpoints, and every documented request limit answers Notion's
400 validation_error naming the path."""

from __future__ import annotations

import httpx
import pytest
from notion_client import APIResponseError, Client

from notion_emulator import NotionEmulator
from tests.conftest import SEED_DATA_SOURCE, TOKEN
from tests.storekit import store


@pytest.fixture
def api():
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def client(api):
    with Client(auth=TOKEN, base_url=api.base_url) as notion:
        yield notion


def text(content: str, **extra) -> dict:
    return {"type": "text", "text": {"content": content, **extra}}


def paragraph(content: str, children: list | None = None) -> dict:
    payload: dict = {"rich_text": [text(content)]}
    if children is not None:
        payload["children"] = children
    return {"type": "paragraph", "paragraph": payload}


def new_page(client: Client, **extra) -> dict:
    return client.pages.create(
        parent={"data_source_id": SEED_DATA_SOURCE},
        properties={"Title": {"title": [text("Hello")]}, "Status": {"status": {"name": "Published"}}, **extra},
    )


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(APIResponseError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 400, caught.value
    assert caught.value.code == "validation_error"
    return str(caught.value)


def test_a_created_page_and_its_blocks_read_back_as_the_api_returns_them(client):
    page = new_page(client, Tags={"multi_select": [{"name": "Kubernetes"}, {"name": "Brand new"}]},
                    Date={"date": {"start": "2024-08-06T20:29:30+08:00"}})
    assert page["object"] == "page"
    assert page["parent"]["data_source_id"] == SEED_DATA_SOURCE
    assert page["properties"]["Title"]["title"][0]["plain_text"] == "Hello"
    assert [o["name"] for o in page["properties"]["Tags"]["multi_select"]] == ["Kubernetes", "Brand new"]
    assert page["properties"]["Slug"]["rich_text"] == []  # empty properties are returned too
    appended = client.blocks.children.append(page["id"], children=[
        paragraph("one", children=[paragraph("nested")]),
        {"type": "code", "code": {"rich_text": [text("x = 1")], "language": "python"}},
    ])
    assert appended["object"] == "list" and [b["type"] for b in appended["results"]] == ["paragraph", "code"]
    listed = client.blocks.children.list(page["id"])["results"]
    assert [b["id"] for b in listed] == [b["id"] for b in appended["results"]]
    assert listed[0]["has_children"] is True
    assert listed[0]["paragraph"]["rich_text"][0]["annotations"]["bold"] is False
    nested = client.blocks.children.list(listed[0]["id"])["results"]
    assert nested[0]["paragraph"]["rich_text"][0]["plain_text"] == "nested"
    found = client.data_sources.query(SEED_DATA_SOURCE)["results"]
    assert [p["id"] for p in found] == [page["id"]]


def test_a_deleted_block_is_no_longer_listed_and_cannot_be_deleted_twice(client):
    page = new_page(client)
    first, second = client.blocks.children.append(page["id"], children=[paragraph("a"), paragraph("b")])["results"]
    assert client.blocks.delete(first["id"])["in_trash"] is True
    assert [b["id"] for b in client.blocks.children.list(page["id"])["results"]] == [second["id"]]
    refused(client.blocks.delete, first["id"])


def test_updating_a_page_changes_its_properties(client):
    page = new_page(client)
    updated = client.pages.update(page["id"], properties={"Slug": {"rich_text": [text("hello")]}})
    assert updated["properties"]["Slug"]["rich_text"][0]["plain_text"] == "hello"
    assert client.pages.retrieve(page["id"])["properties"]["Slug"]["rich_text"][0]["plain_text"] == "hello"


@pytest.mark.parametrize("children, message", [
    ([paragraph("x")] * 101, "body failed validation: body.children.length should be ≤ `100`, instead was `101`."),
    ([paragraph("x", [paragraph("y", [paragraph("z")])])],
     "body failed validation: body.children[0].paragraph.children[0].paragraph.children should be not present"),
    ([paragraph("x" * 2001)],
     "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, "
     "instead was `2001`."),
    ([{"type": "paragraph", "paragraph": {"rich_text": [text("x")] * 101}}],
     "body failed validation: body.children[0].paragraph.rich_text.length should be ≤ `100`, instead was `101`."),
    ([paragraph("x", [paragraph("y")] * 100)] * 10,
     "body failed validation: body.children should hold at most `1000` block elements, instead was `1010`."),
    ([{"type": "code", "code": {"rich_text": [], "language": "klingon"}}],
     "body.children[0].code.language should be one of Notion's code languages"),
    ([{"type": "paragraph", "paragraph": {"rich_text": [text("x", link={"url": "https://e.com/" + "a" * 2000})]}}],
     "body.children[0].paragraph.rich_text[0].text.link.url.length should be ≤ `2000`"),
    ([{"type": "paragraph", "paragraph": {"rich_text": [], "language": "python"}}],
     "body failed validation: body.children[0].paragraph.language should be not present, instead was `\"python\"`."),
])
def test_request_limits_answer_a_validation_error_naming_the_path(client, children, message):
    page = new_page(client)
    assert message in refused(client.blocks.children.append, page["id"], children=children)
    assert client.blocks.children.list(page["id"])["results"] == []  # nothing was written


def test_a_status_must_already_exist_and_a_property_must_exist(client):
    message = refused(client.pages.create, parent={"data_source_id": SEED_DATA_SOURCE},
                      properties={"Title": {"title": [text("x")]}, "Status": {"status": {"name": "Shipped"}}})
    assert message.startswith("body failed validation: body.properties.Status.status.name should be one of")
    assert "`Published`" in message and '`"Shipped"`' in message
    assert refused(client.pages.create, parent={"data_source_id": SEED_DATA_SOURCE},
                   properties={"Nope": {"rich_text": []}}) == "Nope is not a property that exists."
    assert client.data_sources.query(SEED_DATA_SOURCE)["results"] == []


def test_a_file_upload_becomes_a_notion_hosted_file_the_emulator_serves(api, client):
    upload = client.file_uploads.create(filename="diagram.png", content_type="image/png")
    assert upload["object"] == "file_upload" and upload["status"] == "pending"
    image = {"type": "image", "image": {"type": "file_upload", "file_upload": {"id": upload["id"]}}}
    page = new_page(client)
    assert "not in the uploaded status" in refused(client.blocks.children.append, page["id"], children=[image])
    sent = client.file_uploads.send(upload["id"], file=("diagram.png", b"\x89PNG-bytes", "image/png"))
    assert sent["status"] == "uploaded" and sent["content_length"] == 10
    block = client.blocks.children.append(page["id"], children=[image])["results"][0]
    assert block["image"]["type"] == "file"
    assert httpx.get(block["image"]["file"]["url"]).content == b"\x89PNG-bytes"
    assert api.count("POST", "/v1/file_uploads") == 2


def test_a_bad_id_or_a_missing_block_answers_as_notion_does(client):
    with pytest.raises(APIResponseError) as caught:
        client.blocks.children.append("not-an-id", children=[paragraph("x")])
    assert (caught.value.status, str(caught.value)) == (
        400, 'path failed validation: path.block_id should be a valid uuid, instead was `"not-an-id"`.')
    missing = "00000000-0000-4000-8000-00000000dead"
    with pytest.raises(APIResponseError) as caught:
        client.blocks.children.append(missing, children=[paragraph("x")])
    assert caught.value.status == 404 and str(caught.value).startswith(f"Could not find block with ID: {missing}.")


def test_children_appended_after_a_given_block_go_there(client):
    page = new_page(client)
    first, last = client.blocks.children.append(page["id"], children=[paragraph("first"), paragraph("last")])["results"]
    client.blocks.children.append(page["id"], children=[paragraph("middle")], after=first["id"])
    listed = client.blocks.children.list(page["id"])["results"]
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in listed] == ["first", "middle", "last"]


def test_a_page_moved_to_the_trash_leaves_the_query(client):
    page = new_page(client)
    assert client.pages.update(page["id"], in_trash=True)["in_trash"] is True
    assert client.data_sources.query(SEED_DATA_SOURCE)["results"] == []
