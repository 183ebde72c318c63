"""`notion-hugo webhook` (issue #15, part 2): Notion's signed events in, one repository_dispatch
out. Everything goes over real HTTP: the emulator sends events as Notion does (notion_emulator/
webhooks.py), the receiver runs on the real uvicorn, and its dispatches reach a stand-in for
GitHub's API (tests/github_standin.py). Time is a fake clock, except in the end-to-end tests,
which run the command as a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import tomllib
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from notion_client import Client

from notion_emulator import NotionEmulator
from pipeline.cli import main
from pipeline.webhook import (
    MAX_BODY, Debouncer, Dispatcher, GitHub, Relay, Retry, Settings, Watched, WebhookApp, address_of, bind, build_app,
    signature,
)
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN
from tests.github_standin import Faults, GitHubStandIn
from tests.webhookkit import FOREIGN_DATA_SOURCE, PAGES, FakeClock, paragraph, workspace

REPO = "owner/blog"
GITHUB_TOKEN = "ghp_standin0123456789abcdefTOKEN"
HOOK_TOKEN = "secret_webhook0123456789abcdefTOKEN"


@contextlib.contextmanager
def running(app: WebhookApp, lifespan: str = "off") -> Iterator[str]:
    """The app on the real uvicorn, in a thread; its address. The socket listens before the
    thread starts, so a request made at once waits in the backlog rather than failing."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield address_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def github():
    with GitHubStandIn(repo=REPO, token=GITHUB_TOKEN) as standin:
        yield standin


class Receiver:
    """The webhook app on uvicorn with a fake clock, its log, and a way to post to it."""

    def __init__(self, app: WebhookApp, url: str, clock: FakeClock, log: list[str]) -> None:
        self.app, self.url, self.clock, self.log = app, url, clock, log
        self.relay = app.receiver.relay

    def post(self, body: bytes, signed_with: str | None = HOOK_TOKEN, header: str | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["X-Notion-Signature"] = header
        elif signed_with is not None:
            headers["X-Notion-Signature"] = signature(signed_with, body)
        return httpx.post(self.url, content=body, headers=headers, timeout=10)

    def text(self) -> str:
        return "\n".join(self.log)


@pytest.fixture
def receiver(github):
    """A receiver for the Posts data source, with NOTION_WEBHOOK_TOKEN set; `receiver(token=None)`
    makes one without it."""
    made = []

    def make(token: str | None = HOOK_TOKEN, debounce: float = 5.0, max_wait: float = 60.0) -> Receiver:
        clock, log = FakeClock(), []
        settings = Settings(host="127.0.0.1", port=0, watched=Watched(frozenset({SEED_DATA_SOURCE})), github=GitHub(REPO, GITHUB_TOKEN,
                            github.base_url), notion_token=token, debounce=debounce, max_wait=max_wait,
                            retry=Retry(timeout=2.0))
        app = build_app(settings, log.append, clock=clock, sleeper=clock.sleep)
        context = running(app)
        made.append(context)
        return Receiver(app, context.__enter__(), clock, log)

    yield make
    for context in made:
        context.__exit__(None, None, None)


@contextlib.contextmanager
def notion(url: str, clock: FakeClock | None = None, **options) -> Iterator[tuple[NotionEmulator, Client]]:
    """The emulator with a webhook subscription to `url` (its own fake clock: nothing is sent
    until the test calls deliver_due), and a client writing through its API."""
    clock = clock or FakeClock()
    options = {"webhook_token": HOOK_TOKEN, "webhook_window": 1.0, **options}
    with NotionEmulator(workspace(), token=TOKEN, webhook_url=url, webhook_clock=clock, webhook_sleeper=clock.sleep,
                        **options) as emulator:
        with Client(auth=TOKEN, base_url=emulator.base_url) as client:
            yield emulator, client


def delivered(emulator: NotionEmulator) -> list:
    """Deliver every event due after the aggregation window; the attempts made."""
    emulator.webhooks.clock.now += emulator.webhooks.window
    return emulator.webhooks.deliver_due()


# --------------------------------------------------------------------------- verification


def test_without_a_token_the_verification_token_is_shown_once_and_events_are_refused(receiver, github):
    hook = receiver(token=None)
    with notion(hook.url, webhook_token=None, webhook_verify=True) as (emulator, client):
        (verification,) = emulator.webhooks.deliver_due()
        assert verification.status == 200 and "X-Notion-Signature" not in verification.headers
        token = emulator.webhooks.token
        assert token.startswith("secret_") and hook.text().count(token) == 1
        assert "set NOTION_WEBHOOK_TOKEN" in hook.text()
        # Notion sends it again (say, "resend"): the same token is not shown a second time.
        again = hook.post(json.dumps({"verification_token": token}).encode(), signed_with=None)
        assert again.status_code == 200 and hook.text().count(token) == 1
        # Until the token is set, no event can be verified: each is refused, none dispatched.
        client.blocks.children.append(block_id=PAGES[0], children=[paragraph("edited")])
        (event,) = delivered(emulator)[:1]
        assert event.status == 401
    assert "NOTION_WEBHOOK_TOKEN is not set" in hook.text()
    hook.relay.step(force=True)
    assert github.requests == 0


def test_with_a_token_set_a_second_verification_token_changes_nothing(receiver, github):
    hook = receiver()
    other = "secret_" + "x" * 40
    answer = hook.post(json.dumps({"verification_token": other}).encode(), signed_with=None)
    assert answer.status_code == 200
    assert other not in hook.text() and "ignored a verification request" in hook.text()
    # The configured token still verifies events; the new one signs nothing that counts.
    with notion(hook.url) as (emulator, client):
        client.blocks.children.append(block_id=PAGES[0], children=[paragraph("edited")])
        assert [d.status for d in delivered(emulator)] == [200]
    event = emulator.webhooks.deliveries[-1].body
    assert hook.post(json.dumps(event).encode(), signed_with=other).status_code == 401
    hook.clock.now += 5
    assert hook.relay.step() == [PAGES[0]]


def test_a_verification_request_that_holds_no_token_is_refused(receiver):
    hook = receiver(token=None)
    for body in ({"verification_token": "short"}, {"verification_token": "secret_with a space"},
                 {"verification_token": 12345678}, {"verification_token": "secret_\x1b[2J\x1b[31mred"}):
        assert hook.post(json.dumps(body).encode(), signed_with=None).status_code == 400
    assert "\x1b" not in hook.text() and "red" not in hook.text()


# --------------------------------------------------------------------------- signatures


def signed_event(emulator: NotionEmulator, client: Client) -> dict:
    client.blocks.children.append(block_id=PAGES[1], children=[paragraph("edited")])
    emulator.webhooks.clock.now += emulator.webhooks.window
    (change,) = emulator.webhooks.pending
    return emulator.webhooks.event(change)


@pytest.mark.parametrize("how", ["another token", "a changed body", "not hex", "sha1", "empty", "unsigned"])
def test_an_event_not_signed_with_the_token_is_refused_with_401(receiver, github, how):
    hook = receiver()
    with notion(hook.url) as (emulator, client):
        event = signed_event(emulator, client)
    body = json.dumps(event).encode()
    header = {
        "another token": signature("secret_" + "y" * 40, body),
        "a changed body": signature(HOOK_TOKEN, body.replace(b"page.content_updated", b"page.properties_updated")),
        "not hex": "sha256=" + "z" * 64,
        "sha1": "sha1=" + signature(HOOK_TOKEN, body)[7:47],
        "empty": "",
        "unsigned": None,
    }[how]
    answer = hook.post(body, signed_with=None, header=header)
    assert answer.status_code == 401
    assert "refused an event (401)" in hook.text()
    hook.relay.step(force=True)
    assert github.requests == 0
    # The same body, signed with the token, counts.
    assert hook.post(body).status_code == 200
    assert hook.relay.step(force=True) == [PAGES[1]]


def test_the_signature_is_compared_in_constant_time():
    source = (ROOT / "pipeline" / "webhook.py").read_text(encoding="utf-8")
    assert "hmac.compare_digest(" in source and "== signature(" not in source


# --------------------------------------------------------------------------- which events count


def test_events_of_another_data_source_or_not_about_a_post_are_ignored(receiver, github):
    hook = receiver()
    with notion(hook.url) as (emulator, client):
        created = client.pages.create(parent={"data_source_id": FOREIGN_DATA_SOURCE},
                                      properties={"Title": {"title": [{"text": {"content": "Elsewhere"}}]}})
        assert [d.status for d in delivered(emulator)] == [200]
    assert f"page.created for page {created['id']}: its parent is database" in hook.text()
    assert f"not the configured data source {SEED_DATA_SOURCE}" in hook.text()
    # Events of other kinds, in Notion's documented shapes, are answered and ignored with a reason.
    base = emulator.webhooks.deliveries[-1].body
    for kind, entity, reason in [
        ("comment.created", {"id": str(uuid.uuid4()), "type": "comment"}, "comment.created is not a page event"),
        ("data_source.schema_updated", {"id": SEED_DATA_SOURCE, "type": "data_source"}, "is not a page event"),
        ("page.locked", {"id": PAGES[0], "type": "page"}, "does not change a post"),
    ]:
        body = json.dumps({**base, "type": kind, "entity": entity}).encode()
        assert hook.post(body).status_code == 200
        assert reason in hook.text()
    page_parent = {**base, "type": "page.created", "entity": {"id": PAGES[2], "type": "page"},
                   "data": {"parent": {"id": PAGES[0], "type": "page"}}}
    assert hook.post(json.dumps(page_parent).encode()).status_code == 200
    assert f"its parent is page {PAGES[0]}" in hook.text()
    hook.relay.step(force=True)
    assert github.requests == 0


def test_a_database_parent_counts_by_its_data_source_or_its_configured_database_id():
    event = {"type": "page.deleted", "entity": {"id": PAGES[0], "type": "page"},
             "data": {"parent": {"id": "b135dbcf-a408-41ce-80b5-7e612d722a36", "type": "database",
                                 "data_source_id": SEED_DATA_SOURCE}}}
    assert Watched(frozenset({SEED_DATA_SOURCE})).judge(event).page == PAGES[0]
    # A subscription on an API version before 2025-09-03 names the database only.
    old = {**event, "data": {"parent": {"id": "b135dbcf-a408-41ce-80b5-7e612d722a36", "type": "database"}}}
    assert Watched(frozenset({SEED_DATA_SOURCE})).judge(old).page is None
    assert Watched(frozenset({"b135dbcf-a408-41ce-80b5-7e612d722a36"})).judge(old).page == PAGES[0]
    # A single configured page counts wherever it lives; ids are given in Notion's dashed form.
    undashed = {**event, "entity": {"id": PAGES[2].replace("-", ""), "type": "page"}, "data": {}}
    assert Watched(pages=frozenset([PAGES[2]])).judge(undashed).page == PAGES[2]
    for broken in (None, [], {"type": 3}, {"type": "page.created"}, {"type": "page.created", "entity": {"id": "x"}}):
        assert Watched(frozenset({SEED_DATA_SOURCE})).judge(broken).page is None


# --------------------------------------------------------------------------- coalescing


def test_a_burst_of_events_for_several_pages_gives_one_dispatch_naming_each_page_once(receiver, github):
    hook = receiver(debounce=5.0)
    with notion(hook.url) as (emulator, client):
        for round_ in range(3):
            for page in PAGES:
                client.blocks.children.append(block_id=page, children=[paragraph(f"edit {round_}")])
            client.pages.update(page_id=PAGES[0], properties={"Title": {"title": [{"text": {"content": f"T{round_}"}}]}})
            answers = delivered(emulator)  # Notion's window passes: its aggregated events go out
            assert answers and all(d.status == 200 for d in answers)
            hook.clock.now += 2  # within the receiver's debounce: the burst goes on
            assert hook.relay.step() == []
        client.pages.update(page_id=PAGES[2], in_trash=True)  # a trashed entry counts: its bundle goes
        assert [d.body["type"] for d in delivered(emulator)] == ["page.deleted"]
    events = [d.body for d in emulator.webhooks.deliveries]
    assert len(events) == 3 * 4 + 1
    assert github.requests == 0
    hook.clock.now += 4.75
    assert hook.relay.step() == []
    hook.clock.now += 0.25  # 5 s after the last event
    assert sorted(hook.relay.step()) == sorted(PAGES)
    (dispatch,) = github.wait_for(1)
    assert dispatch.event_type == "notion-hugo"
    assert sorted(dispatch.client_payload["pages"]) == sorted(PAGES) and len(dispatch.client_payload) == 1
    assert hook.relay.step(force=True) == [] and github.requests == 1


def test_a_steady_stream_still_dispatches_after_max_wait():
    debouncer = Debouncer(debounce=5.0, max_wait=12.0)
    for t in range(0, 12, 3):  # an event every 3 s: never 5 s of quiet
        debouncer.add([PAGES[t % 2]], float(t))
        assert debouncer.take(float(t) + 2.9) == []
    assert debouncer.deadline() == 12.0
    assert debouncer.take(12.0) == [PAGES[0], PAGES[1]]
    assert debouncer.deadline() is None and debouncer.take(99.0) == []


def test_stopping_dispatches_what_is_waiting(receiver, github):
    hook = receiver()
    with notion(hook.url) as (emulator, client):
        client.pages.update(page_id=PAGES[1], properties={"Title": {"title": [{"text": {"content": "New"}}]}})
        delivered(emulator)
    assert hook.relay.step() == []  # not due yet
    hook.relay.stop()  # a restart or a redeploy: the edit is not dropped
    assert github.wait_for(1)[0].client_payload == {"pages": [PAGES[1]]}


def test_more_pages_than_a_dispatch_holds_go_out_in_several(github):
    log: list[str] = []
    app = build_app(Settings("127.0.0.1", 0, Watched(frozenset({SEED_DATA_SOURCE})), GitHub(REPO, GITHUB_TOKEN, github.base_url),
                             HOOK_TOKEN, 0.0, 0.0), log.append)
    pages = [str(uuid.UUID(int=n)) for n in range(250)]
    app.receiver.relay.add(pages)
    assert app.receiver.relay.step() == pages
    sent = [d.client_payload["pages"] for d in github.wait_for(3)]
    assert [len(chunk) for chunk in sent] == [100, 100, 50] and sum(sent, []) == pages


# --------------------------------------------------------------------------- GitHub's answers


def dispatch_with(github: GitHubStandIn, faults: Faults, *, token: str = GITHUB_TOKEN, repo: str = REPO,
                  timeout: float = 2.0) -> tuple[bool, FakeClock, str]:
    github.faults = faults
    clock, log = FakeClock(), []
    dispatcher = Dispatcher(GitHub(repo, token, github.base_url), log.append, retry=Retry(timeout=timeout),
                            sleeper=clock.sleep)
    ok = dispatcher.dispatch([PAGES[0]])
    dispatcher.close()
    return ok, clock, "\n".join(log)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_github_5xx_is_retried_with_backoff_then_succeeds(github, status):
    ok, clock, log = dispatch_with(github, Faults(fail=3, fail_status=status))
    assert ok and clock.sleeps == [1.0, 2.0, 4.0]
    assert github.requests == 4 and len(github.dispatches) == 1
    assert f"GitHub answered {status} (Server Error); retrying in 1 s (attempt 2 of 5)" in log
    assert "dispatched 1 page to owner/blog (204)" in log


def test_an_answer_that_cannot_be_read_is_retried_like_a_5xx():
    """Review: a reply with a broken gzip body raised httpx.DecodingError out of the dispatcher."""
    answers = iter([httpx.Response(502, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip at all")),
                    httpx.Response(204)])
    clock, log = FakeClock(), []
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    dispatcher = Dispatcher(GitHub(REPO, GITHUB_TOKEN, "https://api.github.test"), log.append, sleeper=clock.sleep,
                            client=client)
    assert dispatcher.dispatch([PAGES[0]]) and clock.sleeps == [1.0]
    assert "an unreadable answer (DecodingError); retrying in 1 s (attempt 2 of 5)" in "\n".join(log)


def test_a_retry_after_that_is_no_ascii_number_is_waited_as_a_plain_rate_limit(github):
    ok, clock, log = dispatch_with(github, Faults(fail=1, fail_status=429, retry_after="\u00b2"))
    assert ok and clock.sleeps == [60.0]


def test_the_relay_outlives_a_batch_that_fails_unexpectedly():
    """Review: an exception out of a dispatch killed the relay thread; the receiver went on
    answering "queued" and nothing was ever sent again."""
    sent, log, clock = [], [], FakeClock()

    def answer(request: httpx.Request) -> httpx.Response:
        if not sent:
            sent.append("boom")
            raise RuntimeError("a bug of ours")
        sent.append(json.loads(request.content)["client_payload"]["pages"])
        return httpx.Response(204)

    dispatcher = Dispatcher(GitHub(REPO, GITHUB_TOKEN, "https://api.github.test"), log.append, sleeper=clock.sleep,
                            client=httpx.Client(transport=httpx.MockTransport(answer)))
    relay = Relay(Debouncer(debounce=1.0, max_wait=5.0), dispatcher, log.append, clock=clock.monotonic)
    relay.add([PAGES[0]])
    assert relay.step(force=True) == [PAGES[0]]
    assert f"dispatch of 1 page lost to an unexpected error (RuntimeError): {PAGES[0]}. The hourly sync" in log[-1]
    relay.add([PAGES[1]])
    assert relay.step(force=True) == [PAGES[1]] and sent[-1] == [PAGES[1]]


def test_github_failing_every_attempt_is_reported_and_left_to_the_hourly_sync(github):
    ok, clock, log = dispatch_with(github, Faults(fail=99, fail_status=503))
    assert not ok and github.requests == 5 and clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert "failed after 5 attempts: GitHub answered 503" in log and "hourly sync" in log


def test_a_rate_limit_is_waited_out_as_github_asks_unless_it_is_long(github):
    ok, clock, log = dispatch_with(github, Faults(fail=1, fail_status=429, retry_after="3"))
    assert ok and clock.sleeps == [3.0] and "GitHub answered 429 (Server Error); retrying in 3 s" in log
    ok, clock, log = dispatch_with(github, Faults(fail=1, fail_status=403, retry_after="3600"))
    assert not ok and clock.sleeps == [] and "GitHub asks to wait 3600 s. The hourly sync will publish" in log


def test_a_github_timeout_is_retried(github):
    ok, clock, log = dispatch_with(github, Faults(hang=1), timeout=0.2)
    assert ok and github.requests == 2 and clock.sleeps == [1.0]
    assert "no answer within 0.2 s; retrying" in log


@pytest.mark.parametrize("token, repo, status, advice", [
    ("ghp_notthetoken", REPO, 401, "GITHUB_TOKEN is not a valid token"),
    (GITHUB_TOKEN, "owner/other", 404, "GITHUB_TOKEN cannot dispatch on owner/other"),
])
def test_a_4xx_is_reported_with_what_to_fix_and_not_retried(github, token, repo, status, advice):
    ok, clock, log = dispatch_with(github, Faults(), token=token, repo=repo)
    assert not ok and github.requests == 1 and clock.sleeps == []
    assert f"GitHub answered {status}" in log and advice in log and "Contents: read and write" in log


def test_the_request_has_the_shape_github_documents(github):
    ok, _, _ = dispatch_with(github, Faults())
    (dispatch,) = github.dispatches
    assert ok and github.refused == []
    assert dispatch.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert dispatch.headers["accept"] == "application/vnd.github+json"
    assert dispatch.headers["x-github-api-version"] == "2022-11-28"
    assert dispatch.event_type == "notion-hugo" and dispatch.client_payload == {"pages": [PAGES[0]]}


# --------------------------------------------------------------------------- the HTTP surface


def test_the_server_answers_a_health_check_and_refuses_what_is_not_an_event(receiver):
    hook = receiver()
    assert httpx.get(hook.url).status_code == 200
    assert httpx.post(hook.url + "elsewhere", content=b"{}").status_code == 404
    assert httpx.put(hook.url, content=b"{}").status_code == 405
    assert hook.post(b"{" + b" " * MAX_BODY + b"}").status_code == 413
    assert hook.post(b"not json").status_code == 200  # signed with the token: Notion's, and ignored
    assert "ignored: not a Notion event" in hook.text()


# --------------------------------------------------------------------------- tokens never shown


def test_neither_token_is_logged_even_when_github_echoes_the_request(receiver, github, capsys):
    hook = receiver()
    github.faults = Faults(echo_auth=1)
    with notion(hook.url) as (emulator, client):
        client.blocks.children.append(block_id=PAGES[0], children=[paragraph("edited")])
        delivered(emulator)
    hook.post(json.dumps({"verification_token": HOOK_TOKEN}).encode(), signed_with=None)
    hook.clock.now += 5
    hook.relay.step()
    assert github.refused[0][1].endswith(GITHUB_TOKEN)  # the stand-in did echo it
    shown = hook.text() + "".join(capsys.readouterr())
    assert "GitHub answered 401 (Bad credentials for Bearer [GITHUB_TOKEN])" in shown
    assert GITHUB_TOKEN not in shown and HOOK_TOKEN not in shown


# --------------------------------------------------------------------------- the command


def run_cli(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["webhook", *args], env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("args, env, message", [
    (["--repo", REPO], {"GITHUB_TOKEN": None}, "no data source to watch"),
    (["--data-source", SEED_DATA_SOURCE], {"GITHUB_REPOSITORY": None}, "no repository to dispatch to"),
    (["--data-source", SEED_DATA_SOURCE, "--repo", "not a repo"], {}, "is not OWNER/REPO"),
    (["--data-source", SEED_DATA_SOURCE, "--repo", REPO], {"GITHUB_TOKEN": None}, "GITHUB_TOKEN is not set"),
    (["--data-source", SEED_DATA_SOURCE, "--repo", REPO], {"GITHUB_TOKEN": GITHUB_TOKEN + " x"},
     "GITHUB_TOKEN holds a space at position"),
    (["--data-source", SEED_DATA_SOURCE, "--repo", REPO, "--debounce", "30", "--max-wait", "10"], {},
     "--max-wait (10 s) is shorter than --debounce (30 s)"),
    (["--data-source", SEED_DATA_SOURCE, "--repo", REPO], {"GITHUB_API_URL": "ftp://example.com"},
     "GITHUB_API_URL 'ftp://example.com' is not an http(s) URL"),
])
def test_the_command_refuses_a_setup_it_cannot_run_with_exit_2(tmp_path, monkeypatch, args, env, message):
    monkeypatch.chdir(tmp_path)
    code, output = run_cli(args, {"GITHUB_TOKEN": GITHUB_TOKEN, "NOTION_WEBHOOK_TOKEN": HOOK_TOKEN,
                                  "GITHUB_API_URL": None, "NOTION_DATA_SOURCE": None, **env})
    assert code == 2 and message in output, output
    assert GITHUB_TOKEN not in output and HOOK_TOKEN not in output


@contextlib.contextmanager
def webhook_process(tmp_path: Path, github: GitHubStandIn, env: dict[str, str | None],
                    *args: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """`python -m pipeline webhook --port 0 …` as a user runs it, from a folder holding the blog's
    pipeline.toml; (the process, the address it printed first). Stopped with SIGTERM."""
    (tmp_path / "pipeline.toml").write_text(
        (ROOT / "pipeline" / "defaults" / "pipeline.toml").read_text(encoding="utf-8")
        .replace('data_source = ""', f'data_source = "{SEED_DATA_SOURCE}"'), encoding="utf-8")
    full_env = {**os.environ, "GITHUB_API_URL": github.base_url, "GITHUB_TOKEN": GITHUB_TOKEN, **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "webhook", "--port", "0", "--repo", REPO, *args], cwd=tmp_path,
        env={k: v for k, v in full_env.items() if v is not None}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), (first, process.stderr.read())
        yield process, first.split()[-1]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


def test_end_to_end_an_edit_through_the_api_becomes_one_dispatch(tmp_path, github):
    with webhook_process(tmp_path, github, {"NOTION_WEBHOOK_TOKEN": HOOK_TOKEN}, "--debounce", "1") as (process, url):
        assert url.endswith("/") and httpx.get(url).status_code == 200
        # The emulator on the real clock: its thread delivers each event as Notion would.
        with NotionEmulator(workspace(), token=TOKEN, webhook_url=url, webhook_token=HOOK_TOKEN,
                            webhook_window=0.05) as emulator, Client(auth=TOKEN, base_url=emulator.base_url) as client:
            client.blocks.children.append(block_id=PAGES[0], children=[paragraph("one")])
            client.blocks.children.append(block_id=PAGES[0], children=[paragraph("two")])
            client.pages.update(page_id=PAGES[1], in_trash=True)
            (dispatch,) = github.wait_for(1)
        assert sorted(dispatch.client_payload["pages"]) == sorted(PAGES[:2])
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "dispatched 2 pages to owner/blog (204)" in err and err.rstrip().endswith("stopped")
    assert GITHUB_TOKEN not in out + err and HOOK_TOKEN not in out + err
    assert out == ""  # the address was the only line on stdout


def test_end_to_end_verification_then_no_token_printed_even_when_github_echoes_it(tmp_path, github):
    with webhook_process(tmp_path, github, {"NOTION_WEBHOOK_TOKEN": None}) as (process, url):
        with NotionEmulator(workspace(), token=TOKEN, webhook_url=url, webhook_verify=True,
                            webhook_window=0.05) as emulator:
            token = emulator.webhooks.token
            verification = emulator.webhooks.wait_for(1)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    assert [d.status for d in verification] == [200] and process.returncode == 0
    assert err.count(f"verification token: {token}") == 1
    # Restarted with the token: GitHub's answer quoting the Authorization header is redacted.
    github.faults = Faults(echo_auth=1)
    with webhook_process(tmp_path, github, {"NOTION_WEBHOOK_TOKEN": token}, "--debounce", "0") as (process, url):
        with NotionEmulator(workspace(), token=TOKEN, webhook_url=url, webhook_token=token,
                            webhook_window=0.05) as emulator, Client(auth=TOKEN, base_url=emulator.base_url) as client:
            client.pages.update(page_id=PAGES[2], properties={"Title": {"title": [{"text": {"content": "A"}}]}})
            github.wait_for_requests(1)  # answered 401, quoting the Authorization header
            client.pages.update(page_id=PAGES[1], in_trash=True)
            assert github.wait_for(1)[0].client_payload == {"pages": [PAGES[1]]}
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert "GitHub answered 401 (Bad credentials for Bearer [GITHUB_TOKEN])" in err
    assert github.refused and GITHUB_TOKEN in github.refused[0][1]
    assert GITHUB_TOKEN not in out + err and token not in out + err



# --------------------------------------------------------------------------- ready to deploy


def test_the_container_file_copies_what_the_package_needs_and_runs_the_command():
    """docker cannot run here: the Containerfile is checked against pyproject.toml and the CLI."""
    containerfile = (ROOT / "deploy" / "Containerfile").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = {source for line in re.findall(r"^COPY (.+)$", containerfile, re.M) for source in line.split()[:-1]}
    assert copied and all((ROOT / source).exists() for source in copied), copied
    package_dirs = project["tool"]["setuptools"]["package-dir"]
    needed = {"pyproject.toml", project["project"]["readme"]}
    needed |= {package_dirs.get(package, package.replace(".", "/")).split("/")[0]
               for package in project["tool"]["setuptools"]["packages"]}
    assert needed <= copied, needed - copied
    assert re.search(r"^RUN pip install [^\n]* \.( |$)", containerfile, re.M)
    (command,) = re.findall(r'^CMD \["sh", "-c", "exec (.+)"\]$', containerfile, re.M)
    words = command.split()
    assert words[:2] == ["notion-hugo", "webhook"] and "notion-hugo" in project["project"]["scripts"]
    options = {opt for param in main.commands["webhook"].params for opt in param.opts}
    assert {"--host", "--port"} <= options and words[2:4] == ["--host", "0.0.0.0"] and words[4] == "--port"
    # Everything else the server needs comes from the host's environment, as --help says.
    for variable in ("GITHUB_TOKEN", "NOTION_WEBHOOK_TOKEN", "GITHUB_REPOSITORY", "NOTION_DATA_SOURCE"):
        assert variable in containerfile and variable in main.commands["webhook"].epilog + str(
            [param.envvar for param in main.commands["webhook"].params])
