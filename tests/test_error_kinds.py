"""Every Notion failure is a `NotionError` of its kind (issue #16, 5): callers tell a missing page
from a refused request, a wrong token, a lost answer or a garbled one by class, never by digging
into `__cause__`. Against the emulator, with the real notion-client."""

from __future__ import annotations

import pytest

from notion_emulator import Faults, NotionEmulator, load_store
from pipeline.errors import BadAnswer, NotFound, NotionError, Refused, Unauthorized, Unreachable
from pipeline.source import NotionSource, SourceOptions, make_client
from tests.conftest import SEED_DATA_SOURCE, SEED_STORE, TOKEN

MISSING = "00000000-0000-4000-8000-0000000000ff"


def attempt(action, *, token: str = TOKEN, faults: Faults | None = None) -> NotionError:
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN, faults=faults) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0, retries=1, backoff=0.001)
        client = make_client(token, options)
        try:
            with pytest.raises(NotionError) as raised:
                action(NotionSource(client, options), client)
        finally:
            client.close()
    return raised.value


@pytest.mark.parametrize(("kind", "status", "code", "action", "setup"), [
    (Unauthorized, 401, "unauthorized", lambda s, c: s.page(MISSING), {"token": "secret_not_the_one"}),
    (NotFound, 404, "object_not_found", lambda s, c: s.page(MISSING), {}),
    (Refused, 400, "validation_error",
     lambda s, c: s.call("a new entry", c.pages.create, parent={"data_source_id": SEED_DATA_SOURCE},
                         properties={"Nope": {"title": []}}), {}),
    (Unreachable, 503, "service_unavailable", lambda s, c: s.page(MISSING), {"faults": Faults(status_every=1)}),
    (BadAnswer, None, None, lambda s, c: s.children(MISSING), {"faults": Faults(bodies={"/children": b'{"object": "list"}'})}),
])
def test_each_failure_is_its_kind_with_notions_status_and_code(kind, status, code, action, setup):
    error = attempt(action, **setup)
    assert type(error) is kind and (error.status, error.code) == (status, code)
    assert error.exit_code == 3


def test_a_lost_connection_is_unreachable_with_no_status():
    error = attempt(lambda s, c: s.page(MISSING), faults=Faults(drop_every=1))
    assert type(error) is Unreachable and error.status is None
