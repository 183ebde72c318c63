"""`notion-hugo webhook`: Notion's signed webhooks in, one GitHub `repository_dispatch` out.

    Notion ──POST event──► WebhookApp (ASGI, run by uvicorn): verify the signature, keep the pages
        of the configured data source, answer 200 at once
    ──► Relay (a thread): the pages coalesced until `debounce` seconds after the last event of a
        burst, or `max_wait` after its first (a steady stream still dispatches)
    ──► Dispatcher: POST /repos/OWNER/REPO/dispatches {"event_type": "notion-hugo",
        "client_payload": {"pages": [ids…]}}, 5xx and timeouts retried ──► the workflow's sync --entry

The receiver holds no Notion token and no content: page ids in, one dispatch out. It trusts only
an event signed with the verification token its owner configured (NOTION_WEBHOOK_TOKEN); the
hourly sync remains the safety net for an event lost on the way.

References (each shape below cites the one it follows):
- developers.notion.com/reference/webhooks (the verification request `{"verification_token":
  "secret_…"}`, sent once and unsigned; every event signed in `X-Notion-Signature` as `sha256=` +
  the hex HMAC-SHA256 of the body keyed by that token; answer 200)
- developers.notion.com/reference/webhooks-events-delivery (the event: id, timestamp,
  workspace_id, subscription_id, integration_id, type, authors, attempt_number 1-8, entity {id,
  type}, data; event types; aggregated events), and the per-event schemas it links
  (developers.notion.com/reference/webhooks/page-created and the other page.* pages)
- developers.notion.com/reference/webhooks/view-deleted and /page-permissions-updated (the event
  body's schema: `data.parent` {id, type, data_source_id})
- developers.notion.com/guides/get-started/upgrade-guide-2025-09-03 (webhook events of version
  2025-09-03 and later name the data source of a database parent)
- docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

import httpx

from pipeline import bundle
from pipeline.config import notion_id
from pipeline.errors import PipelineError
from pipeline.safe_text import redacted

Log = Callable[[str], None]
Clock = Callable[[], float]
Sleeper = Callable[[float], None]

EVENT_TYPE = "notion-hugo"  # the repository_dispatch type the workflow listens for
MAX_BODY = 1024 * 1024  # an event is a few hundred bytes; a body past this is not one
# Shape: docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event — client_payload
# holds at most 10 top-level properties (here one, `pages`); GitHub documents no byte limit, so a
# dispatch names at most this many pages (about 4 KB) and a larger burst goes out in several.
MAX_PAGES = 100
# Shape: docs.github.com/en/rest/about-the-rest-api/api-versions (the version header).
GITHUB_API_VERSION = "2022-11-28"

# Shape: developers.notion.com/reference/webhooks-events-delivery — the page events; each can
# change what a post shows or whether there is one. A deleted (trashed) page counts: its sync
# removes the bundle. page.locked/unlocked, page.permissions_updated and comment.* do not.
PAGE_EVENTS = frozenset((
    "page.created", "page.properties_updated", "page.content_updated", "page.deleted", "page.undeleted",
    "page.moved",
))
_REPO = re.compile(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}")


# --------------------------------------------------------------------------- signatures


def signature(token: str, body: bytes) -> str:
    # Shape: developers.notion.com/reference/webhooks ("X-Notion-Signature": "sha256=" + the
    # hex HMAC-SHA256 of the raw body, keyed by the verification token).
    return "sha256=" + hmac.new(token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signed_by(token: str, body: bytes, header: str) -> bool:
    """Whether `header` is the signature of `body` made with `token`, compared in constant time."""
    return hmac.compare_digest(signature(token, body).encode("ascii"), header.strip().encode("utf-8", "replace"))


# --------------------------------------------------------------------------- which events count


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one event means here: the page it names, when it counts; else why it is ignored."""

    page: str | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class WatchedTree:
    """A page tree of the site: its root page, and the manifest its sync keeps (the pages it
    wrote), read at each event, so that pages synced since the server started count too."""

    root: str
    out_dir: Path
    manifest: str = bundle.MANIFEST

    def pages(self) -> set[str]:
        try:
            return {self.root, *bundle.Manifest.load(self.out_dir, self.manifest).pages}
        except (PipelineError, OSError):  # no manifest here (the receiver runs elsewhere): the root's own sub-pages still count
            return {self.root}


@dataclass(frozen=True, slots=True)
class Watched:
    """The pages whose events count: entries of the configured data sources (or databases),
    single pages, and the pages of page trees ([[sources]] in pipeline.toml)."""

    data_sources: frozenset[str] = frozenset()
    pages: frozenset[str] = frozenset()
    trees: tuple[WatchedTree, ...] = ()

    def judge(self, event: Any) -> Verdict:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return Verdict(None, "not a Notion event (no type)")
        kind = event["type"]
        entity = event.get("entity")
        if not kind.startswith("page."):
            return Verdict(None, f"{kind} is not a page event")
        # Shape: developers.notion.com/reference/webhooks-events-delivery (entity: {id, type}).
        page = notion_id(entity["id"]) if isinstance(entity, dict) and isinstance(entity.get("id"), str) else None
        if page is None or not isinstance(entity, dict) or entity.get("type") != "page":
            return Verdict(None, f"{kind} names no page (entity {_short(entity)})")
        if kind not in PAGE_EVENTS:
            return Verdict(None, f"{kind} for page {page} does not change a post")
        in_trees = set().union(*(tree.pages() for tree in self.trees))
        if page in self.pages or page in in_trees:
            return Verdict(page)
        data = event.get("data")
        parent = data.get("parent") if isinstance(data, dict) else None
        if not isinstance(parent, dict):
            return Verdict(None, f"{kind} for page {page} names no parent")
        # Shape: developers.notion.com/reference/webhooks/view-deleted — data.parent is {id, type,
        # data_source_id}; for a page in a database, `type` "database", `id` the database's and,
        # from API version 2025-09-03 (upgrade-guide-2025-09-03), `data_source_id` its data source's;
        # for a sub-page, `type` "page" and `id` the parent page's (the parent-object's page_id).
        ids = {notion_id(value) for key in ("data_source_id", "id") if isinstance(value := parent.get(key), str)}
        if ids & self.data_sources or (parent.get("type") == "page" and ids & in_trees):
            return Verdict(page)
        where = f"{parent.get('type')} {parent.get('id')}"
        if parent.get("data_source_id"):
            where += f" (data source {parent['data_source_id']})"
        return Verdict(None, f"{kind} for page {page}: its parent is {_short(where)}, not the configured {self._what()}")

    def _what(self) -> str:
        said = [f"data source{'s' if len(self.data_sources) > 1 else ''} {', '.join(sorted(self.data_sources))}"] \
            if self.data_sources else []
        said += [f"page tree {tree.root}" for tree in self.trees]
        return " or ".join(said) or "pages"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


# --------------------------------------------------------------------------- coalescing


@dataclass(slots=True)
class Debouncer:
    """Pages waiting for their dispatch: due `debounce` seconds after the last one came, or
    `max_wait` after the first, whichever is sooner. Pure: every time is passed in."""

    debounce: float
    max_wait: float
    pending: dict[str, None] = field(default_factory=dict)  # insertion-ordered set of page ids
    first: float = 0.0
    last: float = 0.0

    def add(self, pages: list[str], now: float) -> None:
        if not self.pending:
            self.first = now
        self.last = now
        self.pending.update(dict.fromkeys(pages))

    def deadline(self) -> float | None:
        if not self.pending:
            return None
        return min(self.last + self.debounce, self.first + self.max_wait)

    def take(self, now: float, *, force: bool = False) -> list[str]:
        """The pages due at `now` (all of them when `force`), each once, in arrival order."""
        deadline = self.deadline()
        if deadline is None or (now < deadline and not force):
            return []
        pages, self.pending = list(self.pending), {}
        return pages


# --------------------------------------------------------------------------- dispatching


@dataclass(frozen=True, slots=True)
class GitHub:
    """Where dispatches go, and the token that may make them."""

    repo: str  # OWNER/REPO
    token: str
    api_url: str = "https://api.github.com"


@dataclass(frozen=True, slots=True)
class Retry:
    attempts: int = 5
    backoff: float = 1.0  # seconds before the second attempt, doubled for each next one
    max_backoff: float = 60.0
    timeout: float = 10.0  # seconds for one request


class Dispatcher:
    """One repository_dispatch a batch of pages, GitHub's 5xx, 429 and timeouts retried with
    backoff; a 4xx is reported with what to fix. Never raises: a batch that cannot be sent is
    reported, and the hourly sync publishes its pages."""

    def __init__(self, github: GitHub, log: Log, *, retry: Retry = Retry(), sleeper: Sleeper = time.sleep,
                 client: httpx.Client | None = None) -> None:
        self.github = github
        self.log = log
        self.retry = retry
        self.sleeper = sleeper
        self.client = client or httpx.Client(timeout=retry.timeout, follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self.client.close()

    def dispatch(self, pages: list[str]) -> bool:
        """Send `pages` (in chunks of MAX_PAGES); True when GitHub accepted every chunk."""
        chunks = [pages[i:i + MAX_PAGES] for i in range(0, len(pages), MAX_PAGES)]
        return all([self._send(chunk) for chunk in chunks])

    def _send(self, pages: list[str]) -> bool:
        url = f"{self.github.api_url.rstrip('/')}/repos/{self.github.repo}/dispatches"
        # Shape: docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event (event_type
        # of at most 100 characters; client_payload of at most 10 top-level properties; 204).
        body = {"event_type": EVENT_TYPE, "client_payload": {"pages": pages}}
        headers = {"Authorization": f"Bearer {self.github.token}", "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": GITHUB_API_VERSION, "User-Agent": "notion-hugo-webhook"}
        what = f"{len(pages)} page{'s' if len(pages) != 1 else ''} to {self.github.repo}"
        for attempt in range(1, self.retry.attempts + 1):
            wait = min(self.retry.backoff * 2 ** (attempt - 1), self.retry.max_backoff)
            try:
                answer = self.client.post(url, json=body, headers=headers)
            except httpx.TimeoutException:
                problem = f"no answer within {self.retry.timeout:g} s"
            except httpx.TransportError as error:
                problem = f"unreachable ({type(error).__name__})"
            except httpx.HTTPError as error:  # an answer that cannot be read (a broken gzip body, say)
                problem = f"an unreadable answer ({type(error).__name__})"
            else:
                if 200 <= answer.status_code < 300:
                    self.log(f"dispatched {what} ({answer.status_code}): {', '.join(pages)}")
                    return True
                # GitHub's message is quoted, so a server that echoes the request cannot show the token.
                problem = redacted(f"GitHub answered {answer.status_code}{_github_message(answer)}", [self.github.token],
                                   "[GITHUB_TOKEN]")
                retry_after = _retry_after(answer)
                if retry_after is None and answer.status_code < 500:
                    self.log(f"dispatch of {what} failed: {problem}. {_advice(answer.status_code, self.github.repo)} "
                             "The hourly sync will publish these pages.")
                    return False
                if retry_after is not None and retry_after > self.retry.max_backoff:
                    self.log(f"dispatch of {what} failed: {problem}, and GitHub asks to wait {retry_after:.0f} s. "
                             "The hourly sync will publish these pages.")
                    return False
                wait = max(wait, retry_after or 0.0)
            if attempt == self.retry.attempts:
                break
            self.log(f"dispatch of {what}: {problem}; retrying in {wait:g} s (attempt {attempt + 1} of {self.retry.attempts})")
            self.sleeper(wait)
        self.log(f"dispatch of {what} failed after {self.retry.attempts} attempts: {problem}. "
                 "The hourly sync will publish these pages.")
        return False


def _github_message(answer: httpx.Response) -> str:
    # Shape: docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api — an error
    # body is {"message": …, "documentation_url": …}.
    try:
        message = answer.json().get("message")
    except (ValueError, AttributeError):
        return ""
    return f" ({_short(message)})" if isinstance(message, str) and message else ""


def _retry_after(answer: httpx.Response) -> float | None:
    """Seconds GitHub asks to wait: a 429, or a 403 secondary rate limit with Retry-After.
    Shape: docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api."""
    if answer.status_code not in (403, 429):
        return None
    raw = answer.headers.get("retry-after", "")
    if _seconds(raw):  # str.isdigit alone takes "²", which float() does not
        return float(raw)
    if answer.status_code == 429 or answer.headers.get("x-ratelimit-remaining") == "0":
        reset = answer.headers.get("x-ratelimit-reset", "")
        return max(0.0, float(reset) - time.time()) if _seconds(reset) else 60.0
    return None


def _seconds(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _advice(status: int, repo: str) -> str:
    if 300 <= status < 400:
        return f"{repo} has moved (GitHub redirects it): pass its current OWNER/REPO."
    if status == 401:
        return "GITHUB_TOKEN is not a valid token: create one (a fine-grained token with Contents: read and write on " \
               f"{repo}) and set it."
    if status in (403, 404):
        return f"GITHUB_TOKEN cannot dispatch on {repo}: check the name, and give the token Contents: read and " \
               "write on that repository."
    return "The request was refused as it was made; report it."


# --------------------------------------------------------------------------- the relay thread


class Relay:
    """The pages between the receiver and GitHub: added from the server's thread, dispatched from
    this one. `step()` is the whole decision (tests call it with a fake clock); the thread only
    waits until the next deadline."""

    def __init__(self, debouncer: Debouncer, dispatcher: Dispatcher, log: Log, *, clock: Clock = time.monotonic,
                 stopping: threading.Event | None = None) -> None:
        self.debouncer = debouncer
        self.dispatcher = dispatcher
        self.log = log
        self.clock = clock
        self.changed = threading.Condition()
        self.stopping = stopping or threading.Event()
        self.thread: threading.Thread | None = None

    def add(self, pages: list[str]) -> int:
        """Queue pages; how many are now waiting."""
        with self.changed:
            self.debouncer.add(pages, self.clock())
            self.changed.notify()
            return len(self.debouncer.pending)

    def step(self, *, force: bool = False) -> list[str]:
        """Dispatch the pages due now (all waiting ones when `force`); the pages sent."""
        with self.changed:
            pages = self.debouncer.take(self.clock(), force=force)
        if pages:
            try:
                self.dispatcher.dispatch(pages)
            except Exception as error:  # the thread must outlive any one batch
                # Dying here would leave the receiver answering "queued" with nothing ever sent.
                self.log(f"dispatch of {len(pages)} page{'s' if len(pages) != 1 else ''} lost to an unexpected error "
                         f"({type(error).__name__}): {', '.join(pages)}. The hourly sync will publish these pages.")
        return pages

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="notion-hugo-dispatch", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop waiting and dispatch what is waiting now: an edit is not dropped on a restart."""
        with self.changed:
            self.stopping.set()
            self.changed.notify()
        if self.thread is not None:
            self.thread.join()
        self.step(force=True)
        self.dispatcher.close()

    def _run(self) -> None:
        while True:
            with self.changed:
                while not self.stopping.is_set():
                    deadline = self.debouncer.deadline()
                    wait = None if deadline is None else deadline - self.clock()
                    if wait is not None and wait <= 0:
                        break
                    self.changed.wait(wait)
                if self.stopping.is_set():
                    return
            self.step()


# --------------------------------------------------------------------------- the ASGI app


@dataclass
class Receiver:
    """What the server does with one request body; the ASGI layer around it only moves bytes."""

    watched: Watched
    relay: Relay
    log: Log
    token: str | None  # NOTION_WEBHOOK_TOKEN; None until the owner sets it
    shown: set[str] = field(default_factory=set)  # verification tokens already shown

    def handle(self, body: bytes, signature_header: str | None) -> tuple[int, str]:
        """(status, text) for one POST."""
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        if isinstance(event, dict) and set(event) == {"verification_token"}:
            return self._verification(event["verification_token"])
        if self.token is None:
            self.log("refused an event (401): NOTION_WEBHOOK_TOKEN is not set, so no event can be verified. "
                     "Verify the subscription in Notion, set the variable to its token and restart.")
            return 401, "NOTION_WEBHOOK_TOKEN is not set"
        if not signature_header:
            self.log("refused an event (401): it has no X-Notion-Signature header")
            return 401, "unsigned"
        if not signed_by(self.token, body, signature_header):
            self.log("refused an event (401): its X-Notion-Signature is not made with NOTION_WEBHOOK_TOKEN")
            return 401, "bad signature"
        verdict = self.watched.judge(event)
        if verdict.page is None:
            self.log(f"ignored: {verdict.reason}")
            return 200, "ignored"
        waiting = self.relay.add([verdict.page])
        self.log(f"queued {event['type']} for page {verdict.page} ({waiting} page{'s' if waiting != 1 else ''} waiting)")
        return 200, "queued"

    def _verification(self, token: Any) -> tuple[int, str]:
        # Shape: developers.notion.com/reference/webhooks (step 2: the verification request, a
        # POST whose JSON body is {"verification_token": "secret_…"}, unsigned).
        if not isinstance(token, str) or not re.fullmatch(r"[\x21-\x7e]{8,200}", token):
            self.log("refused a verification request (400): its verification_token is not a token")
            return 400, "not a verification token"
        if self.token is not None:
            self.log("ignored a verification request: NOTION_WEBHOOK_TOKEN is already set, so nothing changes "
                     "(to subscribe anew, unset it and restart)")
            return 200, "ignored"
        if token in self.shown:
            self.log("a verification request repeated the token shown above")
            return 200, "shown"
        self.shown.add(token)
        self.log(f"verification token: {token}")
        self.log("  paste it into Notion (your integration → Webhooks → Verify), then set NOTION_WEBHOOK_TOKEN to it "
                 "and restart: until then every event is refused")
        return 200, "shown"


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookApp:
    """A plain ASGI app: POST / takes Notion's requests, GET / answers a health check, and the
    lifespan starts and stops the relay thread."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            status, text = await self._http(scope, receive)
            # Shape: developers.notion.com/reference/webhooks — Notion reads only the status.
            body = (text + "\n").encode("utf-8")
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode("ascii"))]})
            await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.receiver.relay.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.receiver.relay.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: dict[str, Any], receive: Receive) -> tuple[int, str]:
        if scope["path"] != "/":
            return 404, "not found: Notion's events go to /"
        if scope["method"] in ("GET", "HEAD"):
            return 200, "notion-hugo webhook: POST Notion's events here"
        if scope["method"] != "POST":
            return 405, "method not allowed"
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, "disconnected"
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                self.receiver.log(f"refused a request (413): its body is over {MAX_BODY} bytes")
                return 413, "too large"
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        raw_signature = headers.get(b"x-notion-signature")
        return self.receiver.handle(bytes(body), raw_signature.decode("latin-1") if raw_signature is not None else None)


# --------------------------------------------------------------------------- serving


@dataclass(frozen=True, slots=True)
class Settings:
    host: str
    port: int
    watched: Watched
    github: GitHub
    notion_token: str | None
    debounce: float
    max_wait: float
    retry: Retry = Retry()


def cut_short_by(stopping: threading.Event) -> Sleeper:
    """A wait that ends early once `stopping` is set."""
    def wait(seconds: float) -> None:
        stopping.wait(seconds)

    return wait


def build_app(settings: Settings, log: Log, *, clock: Clock = time.monotonic, sleeper: Sleeper | None = None) -> WebhookApp:
    # By default a retry's backoff is a wait that stopping cuts short: on SIGTERM the remaining
    # attempts go out at once, within the few seconds a host gives before it kills the process.
    stopping = threading.Event()
    dispatcher = Dispatcher(settings.github, log, retry=settings.retry, sleeper=sleeper or cut_short_by(stopping))
    relay = Relay(Debouncer(settings.debounce, settings.max_wait), dispatcher, log, clock=clock, stopping=stopping)
    return WebhookApp(Receiver(settings.watched, relay, log, settings.notion_token))


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: a free port), IPv4 or IPv6 as the host says."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(128)
    return sock


def address_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(settings: Settings, log: Log, announce: Callable[[str], None]) -> None:
    """Listen, `announce` the address, and serve until SIGINT or SIGTERM; on the way out, dispatch
    what is waiting."""
    import uvicorn  # the real ASGI server; imported here so other commands do not load it

    sock = bind(settings.host, settings.port)
    app = build_app(settings, log)
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, server_header=False,
                            timeout_graceful_shutdown=10)
    announce(address_of(sock))
    log(f"dispatching to {settings.github.repo} after {settings.debounce:g} s without a new event "
        f"(at most {settings.max_wait:g} s after the first); "
        + ("events are verified with NOTION_WEBHOOK_TOKEN" if settings.notion_token else
           "NOTION_WEBHOOK_TOKEN is not set: waiting for Notion's verification request"))
    # uvicorn shuts down gracefully on SIGINT and SIGTERM, then raises the signal again for the
    # handler that was there before; this one makes that the end of a normal run (exit 0).
    main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)} if main else {}
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    log("stopped")


def _stopped(signum: int, frame: Any) -> None:
    """The signal that stopped the server, raised again once it has stopped: nothing left to do."""


def repo_name(text: str) -> str | None:
    """OWNER/REPO as GitHub spells a repository, or None."""
    text = text.strip()
    return text if _REPO.fullmatch(text) else None
