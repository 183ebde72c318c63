"""The only module that talks to Notion.

Builds the `notion-client` client (token, base URL, retry options, one shared rate limiter),
queries a data source, walks block trees with pagination, downloads files.
Returns plain data (`pipeline.model`): no Markdown here.

Endpoints (API version 2025-09-03, developers.notion.com/reference):
  POST /v1/data_sources/{id}/query      query-a-data-source   (paginated, `filter`)
  GET  /v1/databases/{id}               retrieve-a-database   (`data_sources: [{id, name}]`)
  GET  /v1/pages/{id}                   retrieve-a-page
  GET  /v1/blocks/{id}/children         get-block-children    (paginated, page_size ≤ 100)
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterable, Sequence

import httpcore
import httpx
from notion_client import APIErrorCode, APIResponseError, Client
from notion_client.client import ClientOptions, RetryOptions
from notion_client.errors import NotionClientErrorBase

from pipeline import shapes
from pipeline.config import Limits
from pipeline.errors import NotFound, NotionError, RateLimited, Refused, Unauthorized, Unreachable
from pipeline.model import Block, Entry, Problem, Severity, as_object, as_text
from pipeline.render import file_blocks, spec_of

DEFAULT_BASE_URL = "https://api.notion.com"
PAGE_SIZE = 100  # the API's maximum for every paginated endpoint


class Clock:
    """Time as the source reads it: `monotonic()` and `sleep()`. Tests hand in a fake one, so
    backoff, Retry-After and the rate limit are checked without waiting for real."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL_TIME = Clock()


class RateLimiter:
    """Token bucket shared by every request of a run: Notion allows an average of three
    requests a second per integration, with bursts (developers.notion.com/reference/request-limits).
    Waiting here, before sending, is what keeps a normal sync free of 429s."""

    def __init__(self, rate: float, burst: int, on_wait: Callable[[str, int], None] | None = None,
                 clock: Clock = REAL_TIME) -> None:
        self.on_wait = on_wait or (lambda event, n: None)
        self.rate = rate
        self.capacity = max(1, burst)
        self.clock = clock
        self.tokens = float(self.capacity)
        self.updated = clock.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        with self.lock:
            now = self.clock.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait:
            self.on_wait("waiting", 1)
            self.clock.sleep(wait)
            self.on_wait("waiting", -1)


RATE_LIMITED = 429
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is waited this long, then retried


def _retried_status(request: httpx.Request) -> frozenset[int]:
    """Statuses the transport retries: 429 on every request (Notion did not do it, and asks to
    wait); 5xx on reads only (a GET, or a data source query, which reads though it is a POST),
    since a write that failed with a 5xx may have been done."""
    if _idempotent(request):
        return frozenset({RATE_LIMITED, 500, 502, 503, 504})
    return frozenset({RATE_LIMITED})


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a 429's Retry-After asks for (developers.notion.com/reference/request-limits:
    an integer number of seconds), at most MAX_RETRY_AFTER; None when absent or not a number."""
    value = response.headers.get("Retry-After", "").strip()
    return min(float(value), MAX_RETRY_AFTER) if value.isdigit() else None


def _idempotent(request: httpx.Request) -> bool:
    return request.method == "GET" or request.url.path.endswith("/query")


class BoundExceeded(httpx.HTTPError):
    """An answer larger than its cap, or slower than its deadline: not retried, since the same
    request would meet the same bound."""


class NotionTransport(httpx.BaseTransport):
    """The one door to Notion: waits on the shared limiter before each request and retries
    idempotent reads on gateway errors, timeouts, dropped connections and cut-off bodies,
    with jittered exponential backoff and a bound. Each body is read in chunks up to
    `max_bytes` (decoded), and each attempt is given `deadline` seconds in all, so neither an
    endless answer nor one dripped a byte at a time can hold the run. Swappable like any
    httpx transport."""

    def __init__(
        self,
        limiter: RateLimiter,
        inner: httpx.BaseTransport | None = None,
        *,
        retries: int = 4,
        backoff: float = 0.5,
        max_bytes: int = 32 * 2**20,
        deadline: float = 120.0,
        clock: Clock = REAL_TIME,
    ) -> None:
        self.limiter = limiter
        self.inner = inner or httpx.HTTPTransport()
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.clock = clock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Every retry of the run happens here (notion-client's own are off): a 429 waits what
        its Retry-After says, anything else jittered exponential backoff."""
        attempt = 0
        while True:
            self.limiter.acquire()
            asked: float | None = None
            try:
                # A truncated body raises here, where it can still be retried.
                response = self._within_deadline(request)
            except httpx.TransportError:
                if attempt >= self.retries or not _idempotent(request):
                    raise
            else:
                if response.status_code not in _retried_status(request) or attempt >= self.retries:
                    return response
                asked = retry_after(response) if response.status_code == RATE_LIMITED else None
                response.close()
            self.clock.sleep(asked if asked is not None else self.backoff * (2**attempt) * (0.5 + random.random() / 2))
            attempt += 1

    def _within_deadline(self, request: httpx.Request) -> httpx.Response:
        """One attempt, given up after `deadline` seconds however slowly its bytes come, status
        line and headers included (a read timeout restarts with every byte). The attempt runs
        in a daemon thread, which the run neither waits for nor keeps alive."""
        outcome: queue.Queue[tuple[httpx.Response | None, BaseException | None]] = queue.Queue(maxsize=1)

        def attempt() -> None:
            try:
                outcome.put((self._bounded(request, self.inner.handle_request(request)), None))
            except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
                outcome.put((None, error))

        threading.Thread(target=attempt, name="notion-request", daemon=True).start()
        try:
            response, error = outcome.get(timeout=self.deadline)
        except queue.Empty:
            raise BoundExceeded(f"the answer took over the {self.deadline:g} s deadline for one request") from None
        if error is not None:
            raise error
        assert response is not None
        return response

    def _bounded(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """The response with its whole body read and decoded, within the size cap."""
        try:
            length = response.headers.get("Content-Length", "")
            announced = int(length) if length.isdigit() else 0  # a garbled one is checked as the bytes come
            if announced > self.max_bytes:
                raise BoundExceeded(f"the answer announces {announced:,} bytes, over the {self.max_bytes:,}-byte cap")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise BoundExceeded(f"the answer is over the {self.max_bytes:,}-byte cap")
        finally:
            response.close()
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in ("content-encoding", "content-length")]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body), request=request,
                              extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True, slots=True)
class SourceOptions:
    base_url: str = DEFAULT_BASE_URL
    # A little under Notion's average of 3 requests a second, and a burst under its own, so the
    # jitter between our clock and Notion's never tips a request into a 429.
    rate: float = 2.9
    burst: int = 8
    workers: int = 4
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.5
    notion_version: str | None = None  # None: the SDK's default Notion-Version
    limits: Limits = Limits()  # pipeline.toml's [limits]: body and download caps, deadline, depth
    # One limiter for every client made with these options, so that runs one after another (the
    # preview's polls and syncs) share Notion's budget; None: each client its own (rate, burst).
    limiter: RateLimiter | None = None
    clock: Clock = REAL_TIME  # what backoff, Retry-After and the rate limit wait with


def _quiet_logger() -> logging.Logger:
    # notion-client logs every failed attempt to the console; our errors are explained once,
    # by explain(), and a retried 404 or 429 is not news.
    logger = logging.getLogger("pipeline.notion_client")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def api_version(options: SourceOptions) -> str:
    """The Notion-Version a run's requests name: the configured one, else the SDK's default."""
    return options.notion_version or ClientOptions.notion_version


def make_client(token: str, options: SourceOptions, progress: Callable[[str, int], None] | None = None) -> Client:
    """The one notion-client of a run. Only the base URL tells Notion from the emulator."""
    transport = NotionTransport(
        options.limiter or RateLimiter(options.rate, options.burst, progress, options.clock),
        retries=options.retries,
        backoff=options.backoff,
        max_bytes=int(options.limits.response_max_mb * 2**20),
        deadline=options.limits.request_deadline,
        clock=options.clock,
    )
    return Client(
        auth=token,
        base_url=options.base_url.rstrip("/"),
        timeout_ms=int(options.timeout * 1000),
        logger=_quiet_logger(),
        retry=RetryOptions(max_retries=0),  # the transport retries, on the run's clock
        client=httpx.Client(transport=transport),
        notion_version=api_version(options),
    )


def explain(error: Exception, what: str, doing: str = "reading") -> NotionError:
    """One paragraph an operator can act on: what failed while `doing` what to `what`, as the
    `NotionError` of its kind. Never includes the token."""
    if isinstance(error, APIResponseError):
        # The code as Notion spells it ("validation_error"), not the SDK enum's name.
        status, code = error.status, str(getattr(error.code, "value", error.code))
        if error.code == APIErrorCode.Unauthorized:
            return Unauthorized(
                "Notion refused the token (401 unauthorized). Check NOTION_TOKEN: it must be the "
                "Internal Integration Secret of your integration (notion.so/profile/integrations).", status=status, code=code)
        if error.code in (APIErrorCode.ObjectNotFound, APIErrorCode.RestrictedResource):
            return NotFound(
                f"Notion cannot find {what}, or the integration cannot see it ({error.status} "
                f"{error.code}). Check the id, then share the page or data source with your "
                "integration: open it in Notion, ••• menu → Connections → add the integration.", status=status, code=code)
        if error.code == APIErrorCode.RateLimited:
            return RateLimited(f"Notion kept answering 429 rate_limited while {doing} {what}, after retries. "
                               "Try again later.", status=status, code=code)
        kind = Refused if 400 <= error.status < 500 else Unreachable
        return kind(f"Notion answered {error.status} {error.code} while {doing} {what}: {error}", status=status, code=code)
    if isinstance(error, (NotionClientErrorBase, httpx.HTTPError, ValueError)):
        answered = getattr(error, "status", None)  # an unexpected HTTP answer (a 502 page) has one
        return Unreachable(
            f"Notion could not be reached or answered garbage while {doing} {what}, after retries "
            f"({type(error).__name__}: {error}). Check your network or NOTION_BASE_URL and try again.",
            status=answered if isinstance(answered, int) else None)
    raise error


class NotionSource:
    """Reads entries from Notion through one client; every call goes through `call`."""

    def __init__(self, client: Client, options: SourceOptions, progress: Callable[[str, int], None] | None = None) -> None:
        self.client = client
        self.options = options
        self.progress = progress or (lambda event, n: None)
        self.pages_read = 0  # pages of results, every listing of the run together ([limits] max_pages)
        self.items_read = 0  # and their results ([limits] max_items)
        self._budget_lock = threading.Lock()  # entries() lists containers from several threads

    def call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - explain() re-raises what it does not know
            raise explain(error, what) from error

    def _paginate(self, what: str, kind: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        """Every result of a paginated list, each checked to be a `kind` object. A cursor that
        comes back a second time would loop for ever, and so would new cursors without end (the
        run's budget, `_spend`): both are Notion failures."""
        results: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            page = shapes.checked_list(self.call(what, method, *args, page_size=PAGE_SIZE, **kwargs), what, kind)
            self._spend(what, len(page["results"]))
            results.extend(page["results"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return results
            if cursor in seen:
                raise shapes.repeated_cursor(what, cursor)
            seen.add(cursor)
            kwargs["start_cursor"] = cursor

    def _spend(self, what: str, items: int) -> None:
        """Count a page of `items` results against the run's budget: cursors that never come back
        twice but never end either (or pages of endless results) stop the run, a Notion failure."""
        limits = self.options.limits
        with self._budget_lock:
            self.pages_read += 1
            self.items_read += items
            pages_read, items_read = self.pages_read, self.items_read
        if pages_read > limits.max_pages or items_read > limits.max_items:
            raise NotionError(
                f"Notion kept answering more results while reading {what}: this run has read {pages_read:,} "
                f"pages of results holding {items_read:,} entries and blocks, over the budget of one run "
                f"([limits] max_pages = {limits.max_pages:,}, max_items = {limits.max_items:,} in pipeline.toml). An "
                "answer whose cursors never end is not a workspace; try again later. If yours is really this large, "
                "raise those limits."
            )

    def _data_source_of(self, database_id: str) -> str:
        """The (first) data source of a database: what a database id or URL means here."""
        what = f"database or data source {database_id}"
        database = shapes.checked(self.call(what, self.client.databases.retrieve, database_id), what, "database")
        sources = database["data_sources"]
        if not sources:
            raise NotionError(f"Database {database_id} has no data source to export.")
        first = sources[0]
        if not isinstance(first, dict) or not isinstance(first.get("id"), str):
            raise NotionError(f"Notion answered a database {database_id} whose data_sources[0] has no id; try again later.")
        return first["id"]

    def _query_all(self, data_source_id: str, status_filter: dict[str, Any] | None,
                   properties: Sequence[str]) -> list[dict[str, Any]]:
        what = f"data source {data_source_id}"
        # Only the properties read: smaller answers, and from API version 2026-12-01 on, the
        # only way to get more than the title. notion-client sends the list as the query
        # string's repeated `filter_properties` (notion-sdk-js data-sources.ts: a query
        # parameter, property ids or names). "title" is the title property's id in every
        # data source, whatever its name.
        narrow = {"filter_properties": ["title", *properties]} if properties else {}
        if status_filter:
            try:
                return self._paginate(what, "page", self.client.data_sources.query, data_source_id, filter=status_filter,
                                      **narrow)
            except NotionError as error:
                # The status property may be a select, or an API may not filter: then every
                # entry is read and the caller keeps the published ones.
                if not (isinstance(error, Refused) and error.code == "validation_error"):
                    raise
        return self._paginate(what, "page", self.client.data_sources.query, data_source_id, **narrow)

    def query(self, data_source_id: str, status_filter: dict[str, Any] | None,
              properties: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Every entry of the data source (page objects), in query order, with these properties
        and the title (all of them when none are named). A database id is resolved to its data
        source when the query says it is not one."""
        try:
            pages = self._query_all(data_source_id, status_filter, properties)
        except NotionError as error:
            if not isinstance(error, NotFound):
                raise
            pages = self._query_all(self._data_source_of(data_source_id), status_filter, properties)
        self.progress("entries", len(pages))
        return pages

    def data_source(self, data_source_id: str) -> tuple[str, dict[str, Any]]:
        """(id, object) of a data source, given its id or its database's."""
        try:
            return data_source_id, self._retrieve_data_source(data_source_id)
        except NotionError as error:
            if not isinstance(error, NotFound):
                raise
        found = self._data_source_of(data_source_id)
        return found, self._retrieve_data_source(found)

    def data_source_or_page(self, source_id: str) -> tuple[str, str, dict[str, Any]]:
        """What an id names: ("data_source", id, object) for a data source or a database's, else
        ("page", id, object) for a page (the root of a page tree)."""
        try:
            return ("data_source", *self.data_source(source_id))
        except (NotFound, Refused) as error:
            # A page's id is not a database's: 404, or 400 validation_error ("is a page, not a database").
            if isinstance(error, Refused) and error.code != "validation_error":
                raise
            try:
                return "page", source_id, self.page(source_id)
            except NotFound as page_error:
                raise NotFound(
                    f"Notion finds no data source, database or page {source_id} that the integration can see. Check the "
                    "id, then share it with your integration: open it in Notion, ••• menu → Connections → add the "
                    "integration.", status=page_error.status, code=page_error.code) from page_error

    def _retrieve_data_source(self, data_source_id: str) -> dict[str, Any]:
        what = f"data source {data_source_id}"
        return shapes.checked(self.call(what, self.client.data_sources.retrieve, data_source_id), what, "data_source")

    def page(self, page_id: str) -> dict[str, Any]:
        what = f"page {page_id}"
        return shapes.checked(self.call(what, self.client.pages.retrieve, page_id), what, "page")

    def page_or_missing(self, page_id: str) -> dict[str, Any] | None:
        """A page, or None when Notion cannot find it (deleted for good, or no longer shared)."""
        try:
            return self.page(page_id)
        except NotionError as error:
            if isinstance(error, NotFound):
                return None
            raise

    def children(self, block_id: str) -> list[dict[str, Any]]:
        blocks = self._paginate(f"the blocks of {block_id}", "block", self.client.blocks.children.list, block_id)
        self.progress("blocks", len(blocks))
        return blocks

    def _children_or_missing(self, block_id: str) -> list[dict[str, Any]] | None:
        """A container's children, or None when Notion cannot find it: a synced block whose
        original lives on a page not shared with the integration. That is one entry's problem,
        not the run's."""
        try:
            return self.children(block_id)
        except NotionError as error:
            if isinstance(error, NotFound):
                return None
            raise

    def entries(self, pages: Iterable[dict[str, Any]]) -> list[Entry]:
        """Each page with its whole block tree. Containers are fetched level by level across
        all pages at once, in parallel within the rate limit; each container exactly once, and
        no deeper than `max_depth` levels (an entry nested deeper is rejected, not cut)."""
        pages = list(pages)
        listed: dict[str, list[dict[str, Any]]] = {}
        missing: set[str] = set()
        frontier = [page["id"] for page in pages]
        with ThreadPoolExecutor(max_workers=max(1, self.options.workers)) as pool:
            for _ in range(self.options.limits.max_depth):  # the page's own blocks (level 1), then each level
                if not frontier:
                    break
                for container, blocks in zip(frontier, pool.map(self._children_or_missing, frontier)):
                    listed[container] = blocks or []
                    if blocks is None:
                        missing.add(container)
                frontier = list(dict.fromkeys(
                    _container_of(block)
                    for container in frontier
                    for block in listed[container]
                    if _walked(block) and _container_of(block) not in listed
                ))
        walk = _Walk(listed, missing, self.options.limits.max_depth)
        return [Entry(page=page, blocks=walk.tree(page["id"]), faults=walk.faults_under(page["id"])) for page in pages]


class _Walk:
    """Block trees from the fetched lists, and what kept part of one from being read: a
    container Notion would not list (404), one nested deeper than `max_depth`, or a synced
    block that shows itself, or one inside another (Notion forbids both, but an answer can say
    so: unchecked, the first never ends and the second doubles the tree at every level)."""

    def __init__(self, listed: dict[str, list[dict[str, Any]]], missing: set[str], max_depth: int) -> None:
        self.listed, self.missing, self.max_depth = listed, missing, max_depth
        self.faults: dict[str, list[Problem]] = {}

    def tree(self, page_id: str) -> tuple[Block, ...]:
        self.faults[page_id] = []
        return self._tree(page_id, page_id, (page_id,), False)

    def faults_under(self, page_id: str) -> tuple[Problem, ...]:
        return tuple(dict.fromkeys(self.faults[page_id]))

    def _tree(self, page_id: str, container: str, path: tuple[str, ...], synced: bool) -> tuple[Block, ...]:
        faults = self.faults[page_id]
        if container in self.missing:
            faults.append(_fault(container, _UNREADABLE))
        blocks = []
        for block in self.listed.get(container, ()):
            children: tuple[Block, ...] = ()
            if _walked(block):
                inner = _container_of(block)
                if inner in path:
                    faults.append(_fault(block["id"], "this synced block shows a block that contains it, so it would never "
                                                "end. Remove the block, or sync it from another original."))
                elif synced and block.get("type") == "synced_block":
                    faults.append(_fault(block["id"], "a synced block inside another synced block, which Notion does not "
                                                "allow (each would repeat the other's blocks): remove the inner one."))
                elif len(path) >= self.max_depth or inner not in self.listed and inner not in self.missing:
                    faults.append(_fault(block["id"], f"the blocks here are nested deeper than {self.max_depth} levels "
                                                "([limits] max_depth): move the deepest ones up a level."))
                else:
                    children = self._tree(page_id, inner, path + (inner,), synced or block.get("type") == "synced_block")
            blocks.append(Block(data=block, children=children))
        return tuple(blocks)


def _fault(block_id: str, message: str) -> Problem:
    """What kept a block's content from being read: it rejects the entry."""
    return Problem(severity=Severity.ERROR, where=f"block {block_id}", message=message)


_UNREADABLE = ("the integration cannot read what this block shows (Notion answered 404): it is a synced block "
               "whose original lives on a page not shared with the integration. Share that page with the "
               "integration (••• → Connections), or remove the block.")


def _walked(block: dict[str, Any]) -> bool:
    """Whether a block's children are fetched: the block table says so per type (a child
    page's belong to another page)."""
    return bool(block.get("has_children")) and spec_of(str(block.get("type"))).walk


def _container_of(block: dict[str, Any]) -> str:
    """Whose children a block shows: a synced copy shows its original's."""
    if block.get("type") == "synced_block":
        original = as_text(as_object(as_object(block.get("synced_block")).get("synced_from")).get("block_id"))
        if original:
            return original
    return block["id"]


def block_files(blocks: Iterable[Block], file_types: Collection[str]) -> dict[str, str]:
    """URL → file object type of the files of these types in a block tree, in reading order.
    Which blocks hold a file, and where its URL sits, is the block table's (`render.BLOCKS`)."""
    return {url: kind for _, kind, url in file_blocks(blocks) if kind in file_types}


# IPv6 addresses that stand for an IPv4 one (NAT64's well-known prefix, RFC 6052): checked as it.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(address: str) -> bool:
    """Whether an address is on the public internet, and so is any IPv4 address inside it (an
    IPv4-mapped, 6to4, Teredo or NAT64 address reaches that one)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    inside: list[ipaddress.IPv4Address | None] = []
    if isinstance(ip, ipaddress.IPv6Address):
        inside = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ()),
                  ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None]
    return ip.is_global and all(v4.is_global for v4 in inside if v4 is not None)


class NotPublic(httpx.HTTPError):
    """A download refused for where it would connect: not retried, since the same name would
    be refused again."""


class PublicOnlyNetwork(httpcore.NetworkBackend):
    """Connects only to a public address, resolved once and checked: the address checked is the
    address connected to, so a name that answers a public address to the check and an internal
    one to the connection (DNS rebinding) never reaches the inside. Only the socket goes to the
    address: httpcore still sends the URL's host as TLS SNI and checks the certificate for it,
    and the request keeps its Host header. A file URL comes from an API answer or an editor's
    block: without this, the runner would fetch, and the blog publish, what an internal address
    serves."""

    def __init__(self, resolve: Callable[..., list[tuple[Any, ...]]] | None = None,
                 inner: httpcore.NetworkBackend | None = None) -> None:
        self.resolve = resolve or socket.getaddrinfo
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            addresses = list(dict.fromkeys(str(info[4][0]) for info in self.resolve(host, port, type=socket.SOCK_STREAM)))
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"{host} cannot be resolved ({error})") from None
        internal = sorted(a for a in addresses if not _public(a))
        if internal:
            raise NotPublic(f"{host} is an internal address ({internal[0]}): files are fetched from public hosts only")
        failure: Exception = httpcore.ConnectError(f"{host} cannot be resolved (no address)")
        for address in addresses:
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise NotPublic("files are fetched over TCP from public hosts only")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


class DownloadTransport(httpx.BaseTransport):
    """Where a download connects: to the API's own origin (the same scheme, host and port: the
    emulator's, or a proxy's, which may be internal) as any client does; to every other only
    through `PublicOnlyNetwork`. Each redirect is a request of its own, checked the same way.
    Its client reads no proxy from the environment (`trust_env=False` in `download_files`):
    through a proxy, the proxy would resolve the name, and the address checked would not be the
    one reached."""

    def __init__(self, api_base_url: str, network: httpcore.NetworkBackend | None = None) -> None:
        self.api_origin = _origin(httpx.URL(api_base_url))
        self.api = httpx.HTTPTransport()
        self.public = httpx.HTTPTransport()
        # httpx takes no network backend, so the public transport's pool is rebuilt with one.
        self.public._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                                    network_backend=network or PublicOnlyNetwork())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        chosen = self.api if _origin(request.url) == self.api_origin else self.public
        return chosen.handle_request(request)

    def close(self) -> None:
        self.api.close()
        self.public.close()


def download_files(urls: Iterable[str], options: SourceOptions,
                   network: httpcore.NetworkBackend | None = None) -> dict[str, bytes | Exception]:
    """Each URL's bytes, or the error that kept it (a URL that does not parse included). A
    separate client with no Authorization header: the token is for api.notion.com, never for
    the file host. `network` connects to the public hosts (a stand-in in tests)."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return {}
    transport = NotionTransport(RateLimiter(0, 1), DownloadTransport(options.base_url, network), retries=options.retries,
                                backoff=options.backoff, max_bytes=int(options.limits.download_max_mb * 2**20),
                                deadline=options.limits.request_deadline)
    with httpx.Client(transport=transport, timeout=options.timeout, follow_redirects=True, trust_env=False) as client:

        def fetch(url: str) -> bytes | Exception:
            try:
                response = client.get(url)
                response.raise_for_status()
                return response.content
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:  # ValueError: a host IDNA refuses
                return error

        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            return dict(zip(urls, pool.map(fetch, urls)))
