"""A page tree: a root page and its sub-pages, to any depth, found through their `child_page`
blocks. Pure reading, through `NotionSource`; the site (site_sync.py) makes Hugo sections of it.

A sub-page is a `child_page` block of its parent, whose id is the sub-page's own
(developers.notion.com/reference/block#child-page); the sub-page's `parent` is
{"type": "page_id", "page_id": <parent>} (developers.notion.com/reference/parent-object).
Each page of the tree is retrieved on every run (GET /v1/pages/{id}: its title and
`last_edited_time`), one request a page. Only a page edited since the last run is read whole:
its blocks are what it shows, and the `child_page` blocks among them are its sub-pages, in
Notion's order. An unedited page's sub-pages are those the manifest recorded (`remembered`),
since adding, removing or moving a sub-page edits its parent.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from pipeline.errors import NotionError
from pipeline.frontmatter import page_title
from pipeline.model import Block, Entry, Problem, Severity
from pipeline.render import walk
from pipeline.source import NotionSource


@dataclass(slots=True)
class TreePage:
    """One page of a tree, where it sits."""

    page: dict[str, Any]  # the page object
    parent: str | None  # its parent page's id; None for the root
    position: int  # 1-based, among the sub-pages its parent lists (Notion's order)
    sub_pages: list[str] = field(default_factory=list)  # ids, in order, readable or not

    @property
    def id(self) -> str:
        return self.page["id"]


@dataclass(slots=True)
class Tree:
    pages: list[TreePage]  # the root first, every parent before its sub-pages
    fetched: dict[str, Entry]  # the pages read whole (edited since the last run)
    problems: list[Problem]
    unreadable: list[str]  # sub-pages the integration cannot read (404): their earlier output is kept


def sub_pages(blocks: tuple[Block, ...]) -> Iterator[tuple[str, str]]:
    """(id, title) of the `child_page` blocks of a page's block tree, in reading order: those
    at its top level and those inside its columns, toggles and other containers."""
    for block in walk(blocks):
        if block.type == "child_page":  # its own blocks are not walked: they are the sub-page's
            yield block.id, str(block.value.get("title") or "")


def trashed(page: dict[str, Any]) -> bool:
    return bool(page.get("in_trash") or page.get("archived"))


def read_tree(source: NotionSource, root_id: str, remembered: Callable[[dict[str, Any]], list[str] | None],
              max_depth: int) -> Tree:
    """Every readable page of the tree under `root_id`, level by level. `remembered(page)` gives
    an unedited page's sub-pages as the last run found them (None: read the page whole). A root
    that cannot be read or is in the trash is the source's failure (NotionError); a sub-page the
    integration cannot read is reported, with its parent."""
    root = source.page(root_id)
    if trashed(root):
        raise NotionError(f"the root page of the page tree, {page_title(root) or root_id!r} ({root.get('url', root_id)}), "
                          "is in Notion's trash: restore it, or remove its [[sources]] table from pipeline.toml. Nothing "
                          "of its section was written or removed.")
    tree = Tree([], {}, [], [])
    level = [TreePage(root, None, 1)]
    seen = {root["id"]}
    depth = 0
    with ThreadPoolExecutor(max_workers=max(1, source.options.workers)) as pool:
        while level:
            tree.pages += level
            source.progress("entries", len(level))
            known = {tp.id: remembered(tp.page) for tp in level}
            read = source.entries([tp.page for tp in level if known[tp.id] is None])
            tree.fetched |= {entry.id: entry for entry in read}
            titles: dict[str, str] = {}
            for tp in level:
                if known[tp.id] is not None:
                    tp.sub_pages = list(known[tp.id] or ())
                else:
                    found = list(sub_pages(tree.fetched[tp.id].blocks))
                    titles |= dict(found)
                    tp.sub_pages = list(dict.fromkeys(page_id for page_id, _ in found))
            depth += 1
            wanted = [(tp, n, page_id) for tp in level for n, page_id in enumerate(tp.sub_pages, 1) if page_id not in seen]
            seen.update(page_id for _, _, page_id in wanted)
            if wanted and depth > max_depth:
                tp = wanted[0][0]
                tree.problems.append(Problem(severity=Severity.ERROR, entry_title=page_title(tp.page) or "(untitled)", entry_url=tp.page.get("url", ""), where="sub-pages",
                                             message=f"the page tree is nested deeper than {max_depth} levels ([limits] max_depth): its pages below this "
                    "level are not exported. Move them up a level."))
                break
            level = []
            for (parent, n, page_id), page in zip(wanted, pool.map(lambda w: source.page_or_missing(w[2]), wanted)):
                if page is None:
                    tree.unreadable.append(page_id)
                    title = titles.get(page_id) or page_id
                    tree.problems.append(Problem(severity=Severity.ERROR, entry_title=title, entry_url="https://www.notion.so/" + page_id.replace("-", ""), where="page tree",
                                                 message=f"the integration cannot read this sub-page of {page_title(parent.page) or parent.id!r} (Notion "
                        "answered 404): share it with the integration (••• → Connections), or move it out of the tree. "
                        "Its earlier output, and its sub-pages', is kept as it was."))
                elif not trashed(page):
                    level.append(TreePage(page, parent.id, n))
    return tree
