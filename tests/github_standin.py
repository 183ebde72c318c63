"""A local stand-in for GitHub's REST API over real HTTP on 127.0.0.1: it serves one endpoint,
"create a repository dispatch event", checks each request as GitHub documents it, records the
accepted ones, and can be told to fail (5xx) or to hang. Test and bench equipment.

    with GitHubStandIn(repo="owner/blog", token="ghp_…") as github:
        env["GITHUB_API_URL"] = github.base_url
        …
        dispatch = github.wait_for(1)[0]

Shapes: docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event (POST
/repos/{owner}/{repo}/dispatches; body `event_type`, a string of 1 to 100 characters, and
`client_payload`, an object of at most 10 top-level properties; answers 204 with no body; 404
for a repository the token cannot see; 422 for a body that fails validation),
docs.github.com/en/rest/about-the-rest-api/api-versions (X-GitHub-Api-Version: 2022-11-28; an
unsupported version answers 400), docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api
(Accept: application/vnd.github+json; Authorization: Bearer or token), and
docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api (error bodies
{"message", "documentation_url"}; 401 "Bad credentials").
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_DISPATCHES = re.compile(r"^/repos/([^/]+)/([^/]+)/dispatches$")
_DOCS = "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event"
SUPPORTED_VERSIONS = ("2022-11-28", "2026-03-10")


@dataclass(frozen=True)
class Dispatch:
    """One accepted dispatch, and when it arrived (time.monotonic, comparable across threads)."""

    repo: str
    event_type: str
    client_payload: dict[str, Any]
    headers: dict[str, str]
    arrived: float


@dataclass
class Faults:
    """What to do with the next requests, in this order: hang `hang` of them (no answer until
    the stand-in stops or `release()`), answer `fail` of them with `fail_status`, answer
    `echo_auth` of them 401 with a message quoting the Authorization header (a careless proxy).
    Shape of a rate limit: docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
    (403 or 429, with `retry-after` in seconds)."""

    hang: int = 0
    fail: int = 0
    fail_status: int = 502
    retry_after: str | None = None  # sent with each failure, as GitHub does with a rate limit
    echo_auth: int = 0


@dataclass
class GitHubStandIn:
    repo: str
    token: str
    host: str = "127.0.0.1"
    faults: Faults = field(default_factory=Faults)
    dispatches: list[Dispatch] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, message) of every other answer
    requests: int = 0
    base_url: str = ""

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle
    def __enter__(self) -> "GitHubStandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:  # noqa: N802
                standin._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                standin._answer(self, 404, "Not Found")

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://{self.host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._released.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def release(self) -> None:
        """Let every hanging request go (they are then dropped without an answer)."""
        self._released.set()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Dispatch]:
        """The dispatches once there are `count` of them; AssertionError after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.dispatches) >= count, timeout):
                raise AssertionError(f"{len(self.dispatches)} dispatches after {timeout} s, expected {count}; "
                                     f"refused: {self.refused}")
            return list(self.dispatches)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> None:
        """Return once `count` requests have come, answered or not."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.requests >= count, timeout):
                raise AssertionError(f"{self.requests} requests after {timeout} s, expected {count}")

    # -- one request
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length > 0 else b""
        with self._changed:
            self.requests += 1
            hang = self.faults.hang > 0
            fail = not hang and self.faults.fail > 0
            echo = not hang and not fail and self.faults.echo_auth > 0
            self.faults.hang -= hang
            self.faults.fail -= fail
            self.faults.echo_auth -= echo
            self._changed.notify_all()
        if hang:
            self._released.wait(30)
            h.close_connection = True
            return
        if fail:
            # Shape: troubleshooting-the-rest-api — a 5xx from GitHub's edge may have any body.
            headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
            return self._answer(h, self.faults.fail_status, "Server Error", headers)
        if echo:
            return self._answer(h, 401, "Bad credentials for " + h.headers.get("Authorization", ""))
        status, message, body = self._check(h, raw)
        if status != 204:
            return self._answer(h, status, message)
        with self._changed:
            self.dispatches.append(Dispatch(self.repo, body["event_type"], body.get("client_payload", {}),
                                            {k.lower(): v for k, v in h.headers.items()}, time.monotonic()))
            self._changed.notify_all()
        h.send_response(204)
        h.send_header("Content-Length", "0")
        h.end_headers()

    def _check(self, h: BaseHTTPRequestHandler, raw: bytes) -> tuple[int, str, dict[str, Any]]:
        """(204, "", body) for a request as GitHub documents it, else (status, message, {})."""
        scheme, _, token = h.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or token.strip() != self.token:
            return 401, "Bad credentials", {}
        version = h.headers.get("X-GitHub-Api-Version")
        if version is not None and version not in SUPPORTED_VERSIONS:
            return 400, f"API version {version} is not supported.", {}
        if h.headers.get("Accept") != "application/vnd.github+json":
            # GitHub answers without the header too; the stand-in holds the tool to what the docs
            # recommend, so a regression in the headers shows.
            return 415, "Expected Accept: application/vnd.github+json", {}
        match = _DISPATCHES.match(h.path)
        if match is None or f"{match.group(1)}/{match.group(2)}".lower() != self.repo.lower():
            return 404, "Not Found", {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, "Problems parsing JSON", {}
        if not isinstance(body, dict):
            return 400, "Problems parsing JSON", {}
        event_type, payload = body.get("event_type"), body.get("client_payload", {})
        if not isinstance(event_type, str) or not 1 <= len(event_type) <= 100:
            return 422, "Invalid request.\n\nFor 'properties/event_type', … is not a string of 1 to 100 characters.", {}
        if not isinstance(payload, dict) or len(payload) > 10:
            return 422, "Invalid request.\n\nFor 'properties/client_payload', … is not an object of at most 10 properties.", {}
        unknown = set(body) - {"event_type", "client_payload"}
        if unknown:
            return 422, f"Invalid request.\n\n{sorted(unknown)} are not permitted keys.", {}
        return 204, "", body

    def _answer(self, h: BaseHTTPRequestHandler, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        with self._changed:
            self.refused.append((status, message))
        data = json.dumps({"message": message, "documentation_url": _DOCS, "status": str(status)}).encode()
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
