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

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterable, Sequence

import httpx
from notion_client import APIErrorCode, APIResponseError, Client
from notion_client.client import RetryOptions
from notion_client.errors import NotionClientErrorBase

from pipeline.errors import NotionError
from pipeline.model import Block, Entry, as_object, as_text
from pipeline.render import MAX_DEPTH, file_url, spec_of

DEFAULT_BASE_URL = "https://api.notion.com"
PAGE_SIZE = 100  # the API's maximum for every paginated endpoint


class RateLimiter:
    """Token bucket shared by every request of a run: Notion allows an average of three
    requests a second per integration, with bursts (developers.notion.com/reference/request-limits).
    Waiting here, before sending, is what keeps a normal sync free of 429s."""

    def __init__(self, rate: float, burst: int, on_wait: Callable[[str, int], None] | None = None) -> None:
        self.on_wait = on_wait or (lambda event, n: None)
        self.rate = rate
        self.capacity = max(1, burst)
        self.tokens = float(self.capacity)
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait:
            self.on_wait("waiting", 1)
            time.sleep(wait)
            self.on_wait("waiting", -1)


def _retried_status(request: httpx.Request) -> frozenset[int]:
    """Statuses the transport retries. notion-client retries 429 on every request and 500/503
    on GETs itself (its RetryOptions); a data source query only reads, though it is a POST,
    so its 500/503 are retried here."""
    if request.method == "GET":
        return frozenset({502, 504})
    if request.url.path.endswith("/query"):
        return frozenset({500, 502, 503, 504})
    return frozenset()


def _idempotent(request: httpx.Request) -> bool:
    return request.method == "GET" or request.url.path.endswith("/query")


class NotionTransport(httpx.BaseTransport):
    """The one door to Notion: waits on the shared limiter before each request and retries
    idempotent reads on gateway errors, timeouts, dropped connections and cut-off bodies,
    with jittered exponential backoff and a bound. Swappable like any httpx transport."""

    def __init__(
        self,
        limiter: RateLimiter,
        inner: httpx.BaseTransport | None = None,
        *,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        self.limiter = limiter
        self.inner = inner or httpx.HTTPTransport()
        self.retries = retries
        self.backoff = backoff

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            self.limiter.acquire()
            try:
                response = self.inner.handle_request(request)
                response.read()  # a truncated body raises here, where it can still be retried
            except httpx.TransportError:
                if attempt >= self.retries or not _idempotent(request):
                    raise
            else:
                if response.status_code not in _retried_status(request) or attempt >= self.retries:
                    return response
                response.close()
            time.sleep(self.backoff * (2**attempt) * (0.5 + random.random() / 2))
            attempt += 1

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


def _quiet_logger() -> logging.Logger:
    # notion-client logs every failed attempt to the console; our errors are explained once,
    # by explain(), and a retried 404 or 429 is not news.
    logger = logging.getLogger("pipeline.notion_client")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def make_client(token: str, options: SourceOptions, progress: Callable[[str, int], None] | None = None) -> Client:
    """The one notion-client of a run. Only the base URL tells Notion from the emulator."""
    transport = NotionTransport(
        RateLimiter(options.rate, options.burst, progress),
        retries=options.retries,
        backoff=options.backoff,
    )
    return Client(
        auth=token,
        base_url=options.base_url.rstrip("/"),
        timeout_ms=int(options.timeout * 1000),
        logger=_quiet_logger(),
        retry=RetryOptions(max_retries=options.retries, initial_retry_delay_ms=int(options.backoff * 1000)),
        client=httpx.Client(transport=transport),
        **({"notion_version": options.notion_version} if options.notion_version else {}),
    )


def explain(error: Exception, what: str) -> NotionError:
    """One paragraph an operator can act on. Never includes the token."""
    if isinstance(error, APIResponseError):
        if error.code == APIErrorCode.Unauthorized:
            return NotionError(
                "Notion refused the token (401 unauthorized). Check NOTION_TOKEN: it must be the "
                "Internal Integration Secret of your integration (notion.so/profile/integrations)."
            )
        if error.code in (APIErrorCode.ObjectNotFound, APIErrorCode.RestrictedResource):
            return NotionError(
                f"Notion cannot find {what}, or the integration cannot see it ({error.status} "
                f"{error.code}). Check the id, then share the page or data source with your "
                "integration: open it in Notion, ••• menu → Connections → add the integration."
            )
        if error.code == APIErrorCode.RateLimited:
            return NotionError(f"Notion kept answering 429 rate_limited while reading {what}, after retries. Try again later.")
        return NotionError(f"Notion answered {error.status} {error.code} while reading {what}: {error}")
    if isinstance(error, (NotionClientErrorBase, httpx.HTTPError, ValueError)):
        return NotionError(
            f"Notion could not be reached or answered garbage while reading {what}, after retries "
            f"({type(error).__name__}: {error}). Check your network or NOTION_BASE_URL and try again."
        )
    raise error


class NotionSource:
    """Reads entries from Notion through one client; every call goes through `call`."""

    def __init__(self, client: Client, options: SourceOptions, progress: Callable[[str, int], None] | None = None) -> None:
        self.client = client
        self.options = options
        self.progress = progress or (lambda event, n: None)

    def call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - explain() re-raises what it does not know
            raise explain(error, what) from error

    def _paginate(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        cursor = None
        while True:
            if cursor:
                kwargs["start_cursor"] = cursor
            page = self.call(what, method, *args, page_size=PAGE_SIZE, **kwargs)
            results.extend(page.get("results", ()))
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return results

    def _data_source_of(self, database_id: str) -> str:
        """The (first) data source of a database: what a database id or URL means here."""
        database = self.call(f"database or data source {database_id}", self.client.databases.retrieve, database_id)
        sources = database.get("data_sources") or []
        if not sources:
            raise NotionError(f"Database {database_id} has no data source to export.")
        return sources[0]["id"]

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
                return self._paginate(what, self.client.data_sources.query, data_source_id, filter=status_filter, **narrow)
            except NotionError as error:
                # The status property may be a select, or an API may not filter: then every
                # entry is read and the caller keeps the published ones.
                if not _failed_with(error, APIErrorCode.ValidationError):
                    raise
        return self._paginate(what, self.client.data_sources.query, data_source_id, **narrow)

    def query(self, data_source_id: str, status_filter: dict[str, Any] | None,
              properties: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Every entry of the data source (page objects), in query order, with these properties
        and the title (all of them when none are named). A database id is resolved to its data
        source when the query says it is not one."""
        try:
            pages = self._query_all(data_source_id, status_filter, properties)
        except NotionError as error:
            if not _failed_with(error, APIErrorCode.ObjectNotFound):
                raise
            pages = self._query_all(self._data_source_of(data_source_id), status_filter, properties)
        self.progress("entries", len(pages))
        return [page for page in pages if page.get("object") == "page"]

    def data_source(self, data_source_id: str) -> tuple[str, dict[str, Any]]:
        """(id, object) of a data source, given its id or its database's."""
        try:
            return data_source_id, self.call(f"data source {data_source_id}", self.client.data_sources.retrieve, data_source_id)
        except NotionError as error:
            if not _failed_with(error, APIErrorCode.ObjectNotFound):
                raise
        found = self._data_source_of(data_source_id)
        return found, self.call(f"data source {found}", self.client.data_sources.retrieve, found)

    def page(self, page_id: str) -> dict[str, Any]:
        return self.call(f"page {page_id}", self.client.pages.retrieve, page_id)

    def children(self, block_id: str) -> list[dict[str, Any]]:
        blocks = self._paginate(f"the blocks of {block_id}", self.client.blocks.children.list, block_id)
        self.progress("blocks", len(blocks))
        return blocks

    def _children_or_missing(self, block_id: str) -> list[dict[str, Any]] | None:
        """A container's children, or None when Notion cannot find it: a synced block whose
        original lives on a page not shared with the integration. That is one entry's problem,
        not the run's."""
        try:
            return self.children(block_id)
        except NotionError as error:
            if _failed_with(error, APIErrorCode.ObjectNotFound):
                return None
            raise

    def entries(self, pages: Iterable[dict[str, Any]]) -> list[Entry]:
        """Each page with its whole block tree. Containers are fetched level by level across
        all pages at once, in parallel within the rate limit; each container exactly once."""
        pages = list(pages)
        listed: dict[str, list[dict[str, Any]]] = {}
        missing: set[str] = set()
        frontier = [page["id"] for page in pages]
        with ThreadPoolExecutor(max_workers=max(1, self.options.workers)) as pool:
            for _depth in range(MAX_DEPTH + 2):  # the levels _tree builds
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
        return [
            Entry(page=page, blocks=_tree(page["id"], listed), unreadable=_unreadable(page["id"], listed, missing))
            for page in pages
        ]


def _unreadable(container: str, listed: dict[str, list[dict[str, Any]]], missing: set[str], depth: int = 0) -> tuple[str, ...]:
    """The containers under `container` (itself included) whose children Notion would not list."""
    found = [container] if container in missing else []
    if depth <= MAX_DEPTH + 1:  # as in _tree
        for block in listed.get(container, ()):
            if _walked(block):
                found += _unreadable(_container_of(block), listed, missing, depth + 1)
    return tuple(found)


def _walked(block: dict[str, Any]) -> bool:
    """Whether a block's children are fetched: the block table says so per type (a child
    page's belong to another page)."""
    return bool(block.get("has_children")) and spec_of(str(block.get("type"))).walk


def _failed_with(error: NotionError, code: APIErrorCode) -> bool:
    cause = error.__cause__
    return isinstance(cause, APIResponseError) and cause.code == code


def _container_of(block: dict[str, Any]) -> str:
    """Whose children a block shows: a synced copy shows its original's."""
    if block.get("type") == "synced_block":
        original = as_text(as_object(as_object(block.get("synced_block")).get("synced_from")).get("block_id"))
        if original:
            return original
    return block["id"]


def _tree(container: str, listed: dict[str, list[dict[str, Any]]], depth: int = 0) -> tuple[Block, ...]:
    if depth > MAX_DEPTH + 1:
        # Fetched one level deeper than the renderer shows, so that it sees content it cannot
        # show and rejects the entry, rather than the tree being cut silently here. This also
        # ends a synced block that contains itself.
        return ()
    return tuple(
        Block(
            data=block,
            children=_tree(_container_of(block), listed, depth + 1)
            if _walked(block)
            else (),
        )
        for block in listed.get(container, ())
    )


def block_files(blocks: Iterable[Block], file_types: Collection[str]) -> dict[str, str]:
    """URL → file object type of the files of these types in a block tree, in reading order.
    Which blocks hold a file, and where its URL sits, is the block table's (`render.BLOCKS`)."""
    urls: dict[str, str] = {}
    for block in blocks:
        found = file_url(block)
        if found and found[0] in file_types:
            urls[found[1]] = found[0]
        urls.update(block_files(block.children, file_types))
    return urls


def download_files(urls: Iterable[str], options: SourceOptions) -> dict[str, bytes | Exception]:
    """Each URL's bytes, or the error that kept it. A separate client with no Authorization
    header: the token is for api.notion.com, never for the file host."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return {}
    transport = NotionTransport(RateLimiter(0, 1), retries=options.retries, backoff=options.backoff)
    with httpx.Client(transport=transport, timeout=options.timeout, follow_redirects=True) as client:

        def fetch(url: str) -> bytes | Exception:
            try:
                response = client.get(url)
                response.raise_for_status()
                return response.content
            except httpx.HTTPError as error:
                return error

        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            return dict(zip(urls, pool.map(fetch, urls)))
