"""Deterministic generator of Notion store files for the benchmarks.

A store file is a frozen Notion workspace (format: /work/shared/notion-store/README.md). Every
object here copies the structure of data/kubernetes-learning-path.json (the seed): the same keys
in the same order, the same rich text, annotation, icon and file shapes; only the text, the ids,
the timestamps and the nesting vary. The data source and database objects are the seed's own.

Two kinds of store:

- ``page_store(n)``: the seed's "Posts" data source holding one Published entry whose body has
  exactly ``n`` blocks (nested ones included): paragraphs with bold / italic / code runs and
  links, headings, bulleted and numbered lists nested 2-3 deep, toggles and callouts with
  children (a toggle may hold a callout that holds a list, as in the seed), quotes, code
  blocks (one language a block, mermaid among them), dividers, external images, bookmarks.
- ``data_source_store(entries)``: the same data source holding ``entries`` Published entries of
  5-20 blocks each, some of which mention another entry (a link between posts).

The same arguments always give byte-identical files (a fixed seed per case, uuid5 ids).

    python bench/generate.py --out bench/stores            # page-200/2000/10000, ds-200
    python bench/generate.py --out bench/stores --quick    # page-200, ds-20

``container_requests(store)`` computes L, the number of requests an ideal sync makes: one query
page per 100 entries, plus one children page per 100 children of every container (the page and
each block with ``has_children``) of every exported entry.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "kubernetes-learning-path.json"
DATA_SOURCE_ID = "f49e1ed9-ebb1-4a68-97b6-0fcc507da055"
DATABASE_ID = "b135dbcf-a408-41ce-80b5-7e612d722a36"
USER = {"object": "user", "id": "1e3807e2-f8ce-495f-a43a-576e1a766ba4"}
NAMESPACE = uuid.UUID("6f1d3b9e-2c4a-4f58-9e0b-7a1c2d3e4f50")

PAGE_SIZES = (200, 2_000, 10_000)
ENTRIES = 200
QUICK_PAGE_SIZES = (200,)
QUICK_ENTRIES = 20

# --------------------------------------------------------------------------- text

_WORDS = (
    "kubernetes pod node cluster controller scheduler kubelet container runtime image registry "
    "namespace deployment service ingress volume claim operator reconcile loop informer cache "
    "etcd raft lease leader election webhook admission policy network plugin bridge overlay "
    "route mesh sidecar proxy envoy istio gateway tracing metrics prometheus alert dashboard "
    "grafana logging fluentd exporter probe liveness readiness rollout canary blue green "
    "replica autoscaler quota limit request memory cpu cgroup kernel linux socket syscall "
    "filesystem overlayfs snapshot garbage collection finalizer owner reference label selector "
    "annotation manifest yaml helm chart kustomize template value secret configmap token "
    "certificate rotation authentication authorization role binding account audit event "
    "source code reading debugging benchmark latency throughput backoff retry queue worker "
    "goroutine channel context interface struct method package module vendor build test "
    "the a an of to in for with on by from and or but then first next finally also often "
    "we you it this that these is are was were be can should must will may understand learn "
    "read write run deploy watch inspect compare measure explain configure upgrade migrate"
).split()
_SPECIAL = ("k8s.io/api", "kube-system", "v1.30", "50%", "CRI-O", "C++", "node_exporter",
            "x509", "127.0.0.1:6443", "--dry-run", "Go 1.22", "RFC 7231", "A/B", "etcd_v3")
_NAMES = ("Alice Chen", "Bob Martin", "Carol Diaz", "Dan Okafor", "Eve Müller", "Farid Haddad")
_EMOJI = ("💡", "🔥", "☎️", "📌", "⚠️", "🚀", "📚", "👀")
_LINKS = (
    "https://kubernetes.io/docs/concepts/overview/",
    "https://kubernetes.io/docs/reference/using-api/api-concepts/",
    "https://github.com/kubernetes/kubernetes",
    "https://github.com/cncf/landscape",
    "https://www.cncf.io/projects/",
    "https://etcd.io/docs/v3.5/learning/",
    "https://istio.io/latest/docs/concepts/traffic-management/",
    "https://prometheus.io/docs/introduction/overview/",
    "https://go.dev/doc/effective_go",
    "https://docs.docker.com/get-started/overview/",
)
_IMAGES = tuple(f"http://sm.nsddd.top/sm2023031722{n:04d}.png" for n in range(40))
_LANGUAGES = ("go", "shell", "yaml", "python", "json", "bash", "mermaid", "plain text", "dockerfile")


class Text:
    """Deterministic sentences and rich text runs in the seed's exact shapes."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def words(self, lo: int, hi: int) -> str:
        r = self.rng
        out = []
        for _ in range(r.randint(lo, hi)):
            out.append(r.choice(_SPECIAL) if r.random() < 0.04 else r.choice(_WORDS))
        return " ".join(out)

    def sentence(self, lo: int = 8, hi: int = 28) -> str:
        s = self.words(lo, hi)
        return s[:1].upper() + s[1:] + self.rng.choice((".", ".", ".", ":", "?", "!"))

    @staticmethod
    def run(content: str, *, bold: bool = False, italic: bool = False, code: bool = False,
            url: str | None = None) -> dict[str, Any]:
        # Shape: the seed's rich text item (type text, link null or {"url": ...}, href).
        return {
            "type": "text",
            "text": {"content": content, "link": {"url": url} if url else None},
            "annotations": {"bold": bold, "italic": italic, "strikethrough": False,
                            "underline": False, "code": code, "color": "default"},
            "plain_text": content,
            "href": url,
        }

    def mixed(self, lo: int = 1, hi: int = 5) -> list[dict[str, Any]]:
        """A paragraph's runs: plain text with bold, italic, inline code and links mixed in."""
        r = self.rng
        runs = []
        for i in range(r.randint(lo, hi)):
            content = self.sentence(3, 16) if i == 0 else " " + self.words(2, 12)
            x = r.random()
            if x < 0.15:
                runs.append(self.run(content, bold=True))
            elif x < 0.25:
                runs.append(self.run(content, italic=True))
            elif x < 0.30:
                runs.append(self.run(content, bold=True, italic=True))
            elif x < 0.35:
                runs.append(self.run(" " + r.choice(_SPECIAL) + " ", code=True))
            elif x < 0.47:
                runs.append(self.run(content.strip() or "link", url=r.choice(_LINKS)))
            else:
                runs.append(self.run(content))
        return runs


# --------------------------------------------------------------------------- blocks

class Node:
    """A block before it has an id: its type, its type-specific payload, its children."""

    __slots__ = ("type", "payload", "children")

    def __init__(self, type_: str, payload: dict[str, Any], children: list["Node"] | None = None):
        self.type = type_
        self.payload = payload
        self.children = children or []

    def size(self) -> int:
        return 1 + sum(c.size() for c in self.children)


class Body:
    """Builds block trees of a given total size from a deterministic mix of structures."""

    def __init__(self, rng: random.Random, mentions: list[tuple[str, str]] | None = None, small: bool = False):
        self.rng = rng
        self.small = small  # a short page: smaller lists, toggles and callouts, a few more of them
        self.text = Text(rng)
        self.mentions = mentions or []  # (page id, title) of pages a paragraph may mention

    # -- one block each (shapes: the seed's blocks of that type)
    def paragraph(self) -> Node:
        runs = self.text.mixed()
        if self.mentions and self.rng.random() < 0.15:
            page_id, title = self.rng.choice(self.mentions)
            runs.append(Text.run(" see "))
            runs.append({
                "type": "mention",
                "mention": {"type": "page", "page": {"id": page_id}},
                "annotations": {"bold": False, "italic": False, "strikethrough": False,
                                "underline": False, "code": False, "color": "default"},
                "plain_text": title,
                "href": "https://www.notion.so/" + page_id.replace("-", ""),
            })
        return Node("paragraph", {"rich_text": runs, "color": "default"})

    def heading(self, level: int) -> Node:
        bold = level != 1
        return Node(f"heading_{level}", {
            "rich_text": [Text.run(self.text.words(2, 6).title(), bold=bold)],
            "is_toggleable": False, "color": "default"})

    def item(self, kind: str, *, prefix: bool = False) -> Node:
        runs = self.text.mixed(1, 3)
        if prefix:  # like the seed's "Third stage" items: a bold lead-in, then the text
            runs = [Text.run(self.text.words(1, 3).title(), bold=True)] + [
                Text.run(" " + self.text.sentence(10, 40))]
        return Node(kind, {"rich_text": runs, "color": "default"})

    def quote(self) -> Node:
        return Node("quote", {"rich_text": [Text.run(self.text.sentence(15, 45))], "color": "default"})

    def callout(self, children: list[Node] | None = None) -> Node:
        bold = bool(children)
        return Node("callout", {
            "rich_text": [Text.run(self.text.sentence(6, 20), bold=bold)],
            "icon": {"type": "emoji", "emoji": self.rng.choice(_EMOJI)},
            "color": "gray_background"}, children)

    def toggle(self, children: list[Node]) -> Node:
        return Node("toggle", {"rich_text": [Text.run(self.text.words(1, 4).capitalize())],
                               "color": "default"}, children)

    def code(self) -> Node:
        r = self.rng
        language = r.choice(_LANGUAGES)
        if language == "mermaid":
            nodes = [w.capitalize() for w in r.sample(_WORDS[:60], 6)]
            lines = ["graph LR;"] + [f"    {a} --> {b};" for a, b in zip(nodes, nodes[1:])]
        else:
            lines = [self.text.words(2, 9) for _ in range(r.randint(2, 14))]
        content = "\n".join(lines) + "\n"
        return Node("code", {"caption": [], "rich_text": [Text.run(content)], "language": language})

    def divider(self) -> Node:
        return Node("divider", {})

    def image(self) -> Node:
        caption = [Text.run(self.text.words(2, 6))] if self.rng.random() < 0.3 else []
        return Node("image", {"caption": caption, "type": "external",
                              "external": {"url": self.rng.choice(_IMAGES)}})

    def bookmark(self) -> Node:
        return Node("bookmark", {"caption": [], "url": self.rng.choice(_LINKS)})

    # -- structures (lists of top-level nodes)
    def leaf(self) -> Node:
        r = self.rng.random()
        if r < 0.45:
            return self.paragraph()
        if r < 0.65:
            return self.item("bulleted_list_item")
        if r < 0.72:
            return self.item("numbered_list_item")
        if r < 0.78:
            return self.heading(3)
        if r < 0.84:
            return self.code()
        if r < 0.90:
            return self.image()
        if r < 0.95:
            return self.quote()
        return self.callout()

    def nested_list(self, kind: str, depth: int) -> list[Node]:
        """Items of which one or two carry a sub-list, which may carry a third level."""
        r = self.rng
        lo, hi = (2, 4) if self.small else (3, 8)
        items = [self.item(kind) for _ in range(r.randint(lo, hi))]
        if depth > 1:
            for item in r.sample(items, min(len(items), r.choice((1, 1, 2)))):
                child_kind = r.choice(("bulleted_list_item", "bulleted_list_item", "numbered_list_item"))
                item.children = self.nested_list(child_kind, depth - 1) if r.random() < 0.45 else [
                    self.item(child_kind) for _ in range(r.randint(lo - 1, hi - 2))]
        return items

    # -- the mix: (weight, structure); about 3 % of the blocks have children, as in the seed
    def _paragraphs(self) -> list[Node]:
        return [self.paragraph()]

    def _section(self) -> list[Node]:
        return [self.heading(2)] + [self.paragraph() for _ in range(self.rng.randint(1, 3))]

    def _heading(self) -> list[Node]:
        return [self.heading(self.rng.choice((1, 3)))]

    def _bullets(self) -> list[Node]:
        return [self.item("bulleted_list_item") for _ in range(self.rng.randint(3, 8))]

    def _numbers(self) -> list[Node]:
        return [self.item("numbered_list_item") for _ in range(self.rng.randint(3, 6))]

    def _nested(self) -> list[Node]:  # a list nested 2-3 deep
        r = self.rng
        return self.nested_list(r.choice(("bulleted_list_item", "numbered_list_item")), r.choice((2, 3)))

    def _stages(self) -> list[Node]:  # numbered "stages" with bulleted children, like the seed
        r = self.rng
        items = [self.item("numbered_list_item", prefix=True) for _ in range(r.randint(2, 4) if self.small else r.randint(3, 5))]
        for item in r.sample(items, r.randint(1, 2)):
            item.children = [self.item("bulleted_list_item") for _ in range(r.randint(2, 5))]
        return items

    def _toggle(self) -> list[Node]:  # sometimes toggle -> callout -> heading, list, image (the seed's deepest)
        r = self.rng
        children = [self.leaf() for _ in range(r.randint(2, 5) if self.small else r.randint(4, 18))]
        if r.random() < 0.35:
            inner = [self.heading(3), *[self.item("bulleted_list_item") for _ in range(r.randint(2, 6))],
                     self.image()]
            children.insert(r.randint(0, len(children)), self.callout(inner))
        return [self.toggle(children)]

    def _callout_children(self) -> list[Node]:
        r = self.rng
        return [self.callout([self.leaf() for _ in range(r.randint(2, 4) if self.small else r.randint(3, 10))])]

    MIX = (
        (33.5, _paragraphs), (10, _section), (3, _heading), (8, _bullets), (5, _numbers),
        (2.2, _nested), (0.6, _stages), (1.2, _toggle), (0.9, _callout_children),
        (5, lambda self: [self.callout()]), (5, lambda self: [self.quote()]), (6, lambda self: [self.code()]),
        (4, lambda self: [self.divider()]), (6, lambda self: [self.image()]), (2, lambda self: [self.bookmark()]),
        (6, lambda self: [self.paragraph()]),
    )
    NESTED = (_nested, _stages, _toggle, _callout_children)
    SMALL_MIX: tuple = ()  # set below the class: MIX with the nested structures three times as likely

    def structure(self) -> list[Node]:
        mix = self.SMALL_MIX if self.small else self.MIX
        x = self.rng.random() * sum(w for w, _ in mix)
        for weight, build in mix:
            x -= weight
            if x < 0:
                return build(self)
        return [self.paragraph()]

    def blocks(self, total: int) -> list[Node]:
        """Top-level nodes whose trees hold exactly `total` blocks."""
        out: list[Node] = []
        left = total
        while left > 0:
            unit = self.structure() if left > 3 else [self.leaf()]
            size = sum(n.size() for n in unit)
            if size > left:
                continue
            out += unit
            left -= size
        return out


Body.SMALL_MIX = tuple((w * 3 if fn in Body.NESTED else w, fn) for w, fn in Body.MIX)


# --------------------------------------------------------------------------- store

def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:00.000Z")


class StoreBuilder:
    def __init__(self, name: str):
        seed = json.loads(SEED.read_text(encoding="utf-8"))
        self.name = name
        self.store: dict[str, Any] = {
            "format": "notion-store/1",
            "notion_version": seed.get("notion_version", "2025-09-03"),
            "data_sources": seed["data_sources"],
            "databases": seed["databases"],
            "pages": {},
            "blocks": {},
            "children": {},
            "entries": {DATA_SOURCE_ID: []},
            "files": {},
        }
        self.options = {
            name: {o["name"]: o for o in prop[prop["type"]].get("options", [])}
            for name, prop in seed["data_sources"][DATA_SOURCE_ID]["properties"].items()
            if prop["type"] in ("select", "multi_select", "status")
        }
        self.counter = 0

    def new_id(self, kind: str) -> str:
        self.counter += 1
        return str(uuid.uuid5(NAMESPACE, f"{self.name}/{kind}/{self.counter}"))

    def page_id(self, index: int) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.name}/page/{index}"))

    def add_page(self, page_id: str, index: int, title: str, slug: str, text: Text, rng: random.Random,
                 body: list[Node]) -> None:
        created = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc) + timedelta(hours=7 * index)
        edited = created + timedelta(minutes=36)
        local = (created + timedelta(hours=8)).replace(tzinfo=timezone(timedelta(hours=8)))

        def multi(prop: str, k: int) -> list[dict[str, Any]]:
            names = rng.sample(sorted(self.options[prop]), min(k, len(self.options[prop])))
            return [{"id": self.options[prop][n]["id"], "name": n, "color": self.options[prop][n]["color"]}
                    for n in names]

        def rich(content: str) -> list[dict[str, Any]]:
            return [Text.run(content)] if content else []

        published = self.options["Status"]["Published"]
        type_option = self.options["Type"]["posts"]
        compact = page_id.replace("-", "")
        # Shape: the seed's entry page object (same keys, same property ids and types).
        self.store["pages"][page_id] = {
            "object": "page",
            "id": page_id,
            "created_time": _iso(created),
            "last_edited_time": _iso(edited),
            "created_by": USER,
            "last_edited_by": USER,
            "cover": None,
            "icon": {"type": "emoji", "emoji": rng.choice(_EMOJI)},
            "parent": {"type": "data_source_id", "data_source_id": DATA_SOURCE_ID, "database_id": DATABASE_ID},
            "archived": False,
            "in_trash": False,
            "is_locked": False,
            "properties": {
                "Title": {"id": "title", "type": "title", "title": rich(title)},
                "Slug": {"id": "K%7D%60d", "type": "rich_text", "rich_text": rich(slug)},
                "Date": {"id": "zixt", "type": "date", "date": {
                    "start": local.strftime("%Y-%m-%dT%H:%M:%S.000+08:00") if index % 3 else local.strftime("%Y-%m-%d"),
                    "end": None, "time_zone": None}},
                "Status": {"id": "%3FOzo", "type": "status", "status": {
                    "id": published["id"], "name": "Published", "color": published["color"]}},
                "Authors": {"id": "%4018N", "type": "rich_text", "rich_text": rich(", ".join(rng.sample(_NAMES, rng.randint(1, 2))))},
                "Tags": {"id": "tk%3B6", "type": "multi_select", "multi_select": multi("Tags", rng.randint(1, 4))},
                "Categories": {"id": "92%7Bl", "type": "multi_select", "multi_select": multi("Categories", 1)},
                "Keywords": {"id": "Q%5B%5D%3F", "type": "multi_select", "multi_select": multi("Keywords", rng.randint(2, 6))},
                "Description": {"id": "UY_%40", "type": "rich_text", "rich_text": rich(text.sentence(15, 40))},
                "Type": {"id": "NP%3CG", "type": "select", "select": {
                    "id": type_option["id"], "name": "posts", "color": type_option["color"]}},
                "ShowToc": {"id": "ZH_y", "type": "checkbox", "checkbox": index % 4 != 1},
                "TocOpen": {"id": "et%5Bj", "type": "checkbox", "checkbox": index % 2 == 0},
            },
            "url": f"https://www.notion.so/{'-'.join(title.split()[:8])}-{compact}",
            "public_url": None,
        }
        self.store["entries"][DATA_SOURCE_ID].append(page_id)
        self._emit(body, {"type": "page_id", "page_id": page_id}, page_id, created, edited)

    def _emit(self, nodes: list[Node], parent: dict[str, str], parent_id: str, created: datetime,
              edited: datetime) -> None:
        ids = []
        for node in nodes:
            block_id = self.new_id("block")
            ids.append(block_id)
            # Shape: the seed's block object (same keys in the same order).
            self.store["blocks"][block_id] = {
                "object": "block",
                "id": block_id,
                "parent": parent,
                "created_time": _iso(created),
                "last_edited_time": _iso(edited),
                "created_by": USER,
                "last_edited_by": USER,
                "has_children": bool(node.children),
                "archived": False,
                "in_trash": False,
                "type": node.type,
                node.type: node.payload,
            }
            if node.children:
                self._emit(node.children, {"type": "block_id", "block_id": block_id}, block_id, created, edited)
        if ids:
            self.store["children"][parent_id] = ids


def page_store(n_blocks: int) -> dict[str, Any]:
    """The Posts data source with one Published entry whose body holds exactly n_blocks blocks."""
    rng = random.Random(f"page-{n_blocks}")
    builder = StoreBuilder(f"page-{n_blocks}")
    body = Body(rng)
    title = f"Benchmark Page With {n_blocks} Blocks"
    builder.add_page(builder.page_id(0), 0, title, f"benchmark-page-{n_blocks}", body.text, rng,
                     body.blocks(n_blocks))
    return builder.store


def data_source_store(n_entries: int) -> dict[str, Any]:
    """The Posts data source with n_entries Published entries of 5-20 blocks each."""
    rng = random.Random(f"ds-{n_entries}")
    builder = StoreBuilder(f"ds-{n_entries}")
    text = Text(rng)
    titles = [(builder.page_id(i), f"{text.words(3, 7).title()} Part {i + 1}") for i in range(n_entries)]
    for i, (page_id, title) in enumerate(titles):
        body = Body(rng, mentions=[t for t in titles if t[0] != page_id], small=True)
        slug = f"post-{i + 1:03d}-" + "-".join(w for w in title.lower().split()[:4] if w.isalnum())
        builder.add_page(page_id, i, title, slug, body.text, rng, body.blocks(rng.randint(5, 20)))
    return builder.store


# --------------------------------------------------------------------------- L and counts

def exported_pages(store: dict[str, Any]) -> list[str]:
    return [p for p in store["entries"][DATA_SOURCE_ID]
            if store["pages"][p]["properties"]["Status"]["status"]["name"] == "Published"
            and not store["pages"][p].get("in_trash")]


def containers(store: dict[str, Any], page_id: str) -> list[str]:
    """The page and every block under it with has_children (each one children listing)."""
    out, todo = [], [page_id]
    while todo:
        container = todo.pop()
        out.append(container)
        todo += [b for b in store["children"].get(container, []) if store["blocks"][b]["has_children"]]
    return out


def container_requests(store: dict[str, Any]) -> int:
    """L: ceil(entries/100) query pages + ceil(children/100) for every container of every exported page."""
    pages = exported_pages(store)
    total = math.ceil(len(store["entries"][DATA_SOURCE_ID]) / 100) if store["entries"][DATA_SOURCE_ID] else 1
    for page_id in pages:
        for container in containers(store, page_id):
            total += max(1, math.ceil(len(store["children"].get(container, [])) / 100))
    return total


def block_count(store: dict[str, Any]) -> int:
    return sum(sum(1 for c in containers(store, p) for _ in store["children"].get(c, [])) for p in exported_pages(store))


def cases(quick: bool) -> list[tuple[str, Any]]:
    """(name, builder) for every benchmark case, in run order."""
    sizes = QUICK_PAGE_SIZES if quick else PAGE_SIZES
    entries = QUICK_ENTRIES if quick else ENTRIES
    out: list[tuple[str, Any]] = [(f"page-{n}", lambda n=n: page_store(n)) for n in sizes]
    out.append((f"ds-{entries}", lambda: data_source_store(entries)))
    return out


def write(store: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(store, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "stores", help="folder for the store files")
    parser.add_argument("--quick", action="store_true", help="only page-200 and ds-20")
    args = parser.parse_args(argv)
    for name, build in cases(args.quick):
        store = build()
        path = args.out / f"{name}.json"
        write(store, path)
        n_containers = sum(len(containers(store, p)) for p in exported_pages(store))
        print(f"{path}: {len(exported_pages(store))} entries, {block_count(store)} blocks, "
              f"{n_containers} containers, L = {container_requests(store)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
