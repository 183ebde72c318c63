"""Plain data passed from one stage to the next.

Stages never share anything but these: `source` produces `Entry` objects,
`frontmatter`, `render` and `validate` read them, `bundle` writes `Post`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Iterable


def as_text(value: Any) -> str:
    """An API value documented as a string, or "" when the answer holds something else: a
    value of the wrong type shows nothing, rather than its repr or a crash."""
    return value if isinstance(value, str) else ""


def as_object(value: Any) -> dict[str, Any]:
    """An API value documented as an object, or {}."""
    return value if isinstance(value, dict) else {}


def as_objects(value: Any) -> list[dict[str, Any]]:
    """The objects of an API value documented as an array of objects (a rich text array)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def plain_text(rich_text: Iterable[dict[str, Any]] | None) -> str:
    """The text of a rich text array, as Notion's own `plain_text` fields spell it."""
    return "".join(as_text(item.get("plain_text")) for item in as_objects(rich_text))


# The text of the callout `notion-hugo import` puts in an entry while it writes the entry's
# content, and removes last (pipeline.import_posts): sync rejects an entry that holds it, and
# a re-run of the import completes that entry. No half-written post goes live.
IMPORT_MARKER = ("This entry is being imported by notion-hugo, and the blog does not publish it until the import is "
                 "complete. If this note stays, the import was interrupted: run `notion-hugo import` again on its post; "
                 "it completes the entry and removes this note.")


def is_import_marker(block: dict[str, Any]) -> bool:
    """Whether a block object (as the API returns it) is the import's marker."""
    return block.get("type") == "callout" and plain_text(as_object(block.get("callout")).get("rich_text")) == IMPORT_MARKER


@dataclass(frozen=True, slots=True)
class Block:
    """One Notion block object as the API returns it, with its children fetched."""

    data: dict[str, Any]
    children: tuple["Block", ...] = ()

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def type(self) -> str:
        return self.data["type"]

    @property
    def value(self) -> dict[str, Any]:
        """The type-specific payload, e.g. `block["paragraph"]`."""
        return as_object(self.data.get(self.type))


@dataclass(frozen=True, slots=True)
class Entry:
    """A Notion page (a data source entry or a page named with --page) and its body."""

    page: dict[str, Any]
    blocks: tuple[Block, ...]
    # What kept part of the body from being read, as (block id, message): a 404, a synced block
    # that shows itself, nesting deeper than the fetch goes. Each rejects the entry.
    faults: tuple["Problem", ...] = ()

    @property
    def id(self) -> str:
        return self.page["id"]

    @property
    def url(self) -> str:
        return self.page.get("url") or "https://www.notion.so/" + self.id.replace("-", "")

    @property
    def last_edited_time(self) -> str:
        return self.page.get("last_edited_time", "")


class Severity(str, Enum):
    """How much a problem weighs: an error rejects its entry (sync) or fails its post (import);
    a warning is reported and the entry still exports; a note says what import did instead of
    what Notion cannot hold."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Something a contributor or operator must fix (or know), located as precisely as we can:
    the one type every stage reports with, from the fetcher's faults and the renderer's notices
    to the validator's problems and import's notes. Built by keyword; the entry is named where
    it is known (`of`)."""

    severity: Severity
    message: str  # what is wrong and what to do
    where: str = ""  # the Notion property name, or "block <id> (<type>)"
    entry_title: str = ""
    entry_url: str = ""

    def __post_init__(self) -> None:
        # A plugin's rule may name its severity as a string: "error" must still reject.
        object.__setattr__(self, "severity", Severity(self.severity))

    @property
    def rejects(self) -> bool:
        return self.severity is Severity.ERROR

    def of(self, entry_title: str, entry_url: str) -> "Problem":
        """This problem, named as one of that entry's."""
        return replace(self, entry_title=entry_title, entry_url=entry_url)

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "entry": self.entry_title,
            "url": self.entry_url,
            "where": self.where,
            "message": self.message,
        }


@dataclass(slots=True)
class Post:
    """What one entry becomes on disk: `<slug>/index.md` plus files beside it."""

    entry_id: str
    slug: str  # the bundle's folder in the output folder: the slug, or a page tree's path ("" its root)
    text: str  # the whole index.md, front matter included
    last_edited_time: str
    files: dict[str, bytes] = field(default_factory=dict)  # bundle-relative name -> bytes
    # Workspace pages it links to, with the link and title written for each (link None: not
    # exported). An unchanged page is re-rendered when one of these changes.
    links: dict[str, list[str | None]] = field(default_factory=dict)  # page id -> [link, title]
    # False when read within the minute of its last edit: Notion rounds last_edited_time to the
    # minute, so a later edit in that minute would not show; such a page is read again next time.
    settled: bool = True
    title: str = ""  # what a link to this post from another shows; kept for runs that read one entry
    # Where it sits beyond its folder, when not a plain `index.md` bundle: "index" (`_index.md`
    # for a section, `index.<code>.md` for a language) and "weight" (a page tree's order). A
    # change rewrites the post even when its page was not edited.
    place: dict[str, Any] = field(default_factory=dict)
    sub_pages: list[str] | None = None  # a page tree's page: its sub-pages, in order, for the next run

    @property
    def index(self) -> str:
        """The page's file in its bundle."""
        return self.place.get("index", "index.md")
