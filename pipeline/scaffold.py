"""`init`: propose a pipeline.toml from a data source's properties, and the workflow that syncs a
blog through the reusable Action. Pure: a data source object
(developers.notion.com/reference/data-source: `properties` by name, each with a `type`) in,
TOML text out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# The blog's front matter (the seed post's keys, in its order): which Notion property types
# can feed each key, which names suggest it, and what to use when none fits.
@dataclass(frozen=True, slots=True)
class Wanted:
    key: str
    types: tuple[str, ...]
    names: tuple[str, ...]
    style: str = "plain"
    default: Any = None  # TOML-ready value when no property fits (None: leave the key out)
    extra: str = ""


WANTED = (
    Wanted("title", ("title",), ("title", "name"), "single-quoted", extra='fallback = "title"'),
    Wanted("ShowRssButtonInSectionTermList", ("checkbox",), ("showrssbuttoninsectiontermlist",), default=True),
    Wanted("date", ("date", "created_time"), ("date", "published", "publish date", "published at", "created"), "single-quoted",
           extra='fallback = "created_time"'),
    Wanted("draft", (), ()),
    Wanted("showtoc", ("checkbox",), ("showtoc", "toc", "show toc"), default=True),
    Wanted("tocopen", ("checkbox",), ("tocopen", "toc open"), default=True),
    Wanted("type", ("select",), ("type",), default="posts"),
    Wanted("author", ("rich_text",), ("authors", "author", "by"), "single-quoted", default=""),
    Wanted("keywords", ("multi_select",), ("keywords", "keyword"), "flow", default=[]),
    Wanted("tags", ("multi_select",), ("tags", "tag"), "block", default=[]),
    Wanted("categories", ("multi_select",), ("categories", "category"), "block", default=[]),
    Wanted("description", ("rich_text",), ("description", "summary", "excerpt"), "folded", default=""),
)


def _find(properties: dict[str, dict[str, Any]], types: tuple[str, ...], names: tuple[str, ...], taken: set[str]) -> str | None:
    by_name = {name.lower().replace("_", " ").strip(): name for name in properties if name not in taken}
    for wanted in names:
        name = by_name.get(wanted)
        if name and properties[name].get("type") in types:
            return name
    if "title" in types:
        return next((n for n, p in properties.items() if p.get("type") == "title"), None)
    return None


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings, numbers, booleans and arrays are TOML too


def propose_config(data_source_id: str, data_source: dict[str, Any], output_dir: str = "") -> str:
    """pipeline.toml's text; `output_dir` (relative to the file's folder) becomes `[output] dir`,
    where sync writes when --out is not given."""
    properties = data_source.get("properties") or {}
    taken: set[str] = set()
    status = _find(properties, ("status", "select"), ("status", "state", "publish status"), taken)
    slug = _find(properties, ("rich_text",), ("slug", "url", "permalink"), taken)
    taken.update(n for n in (status, slug) if n)
    published = ["Published"]
    if status:
        options = [o["name"] for o in (properties[status].get(properties[status]["type"]) or {}).get("options", ())]
        published = [o for o in options if o.lower() in ("published", "done", "live", "public")] or published
    title = "".join(t.get("plain_text", "") for t in data_source.get("title") or ()) or data_source_id
    lines = [
        f"# pipeline.toml, proposed by `notion-hugo init` from the data source {title!r}.",
        "# Check each mapping, then run `notion-hugo validate` and `notion-hugo sync --dry-run`.",
        "",
        "[notion]",
        f"data_source = {_toml(data_source_id)}",
        "pages = []",
        "",
        "[publish]",
        f"status_property = {_toml(status or 'Status')}" + ("" if status else "  # no status property found: add one in Notion"),
        f"published = {_toml(published)}",
        'drafts = ["Draft"]',
        "include_drafts = false",
        "",
        "[slug]",
        f"property = {_toml(slug or 'Slug')}" + ("" if slug else "  # no slug property found: slugs come from titles"),
        "",
        "[links]",
        'style = "relref"',
    ]
    if output_dir:
        lines += ["", "[output]", f"dir = {_toml(output_dir)}  # the site's posts folder: sync writes <dir>/<slug>/index.md"]
    for wanted in WANTED:
        lines += ["", "[[front_matter]]", f"key = {_toml(wanted.key)}"]
        if wanted.key == "draft":
            lines.append('derived = "draft"  # from the status: anything but published is a draft')
            continue
        name = _find(properties, wanted.types, wanted.names, taken)
        if name:
            taken.add(name)
            lines.append(f"property = {_toml(name)}  # {properties[name]['type']}")
            if wanted.default is not None and wanted.key != "ShowRssButtonInSectionTermList":
                lines.append(f"default = {_toml(wanted.default)}")
        elif wanted.extra:
            # No such property: the fallback alone fills the key (a date from the creation
            # time) rather than a constant no entry could pass validation with. Naming a
            # property the data source lacks would fail the mapping check of every sync.
            lines.append(f"# no {wanted.names[0]} property in the data source: filled from the page itself")
        else:
            lines.append(f"value = {_toml(wanted.default if wanted.default is not None else '')}  # no matching property found")
        if wanted.style != "plain":
            lines.append(f"style = {_toml(wanted.style)}")
        if wanted.extra:
            lines.append(wanted.extra)
    return "\n".join(lines) + "\n"


# The reusable Action (action.yml at this repository's root), as a blog's workflow names it.
ACTION = "notion-hugo/pipeline@main"


def propose_workflow(action: str, config: str, output: str) -> str:
    """The scheduled workflow that syncs a blog through the reusable Action. `init` writes it
    for a blog (action `ACTION`); this repository's own .github/workflows/sync.yml is the same
    text with the Action from its own checkout (`./`)."""
    return f"""\
# Sync the Notion data source named in {config} into {output}, hourly and on demand, and
# commit what changed. Add the integration's secret as the repository secret NOTION_TOKEN; set the
# repository variable NOTION_SYNC_MODE to "pull-request" to review each change as a pull request.
# A run that would remove more than half of the posts stops; after a real mass unpublish, run
# this workflow by hand with "allow removal" ticked.
# `notion-hugo webhook` turns Notion's webhooks into repository_dispatch events naming the pages
# that changed: such a run syncs those entries only. The hourly run stays as the safety net.
name: Notion sync

on:
  schedule:
    - cron: "17 * * * *"
  repository_dispatch:
    types: [notion-hugo]
  workflow_dispatch:
    inputs:
      allow-removal:
        description: Let this run remove more than [limits] max_removed_share of the posts
        type: boolean
        default: false

concurrency:
  group: notion-sync
  cancel-in-progress: false

permissions:
  contents: write
  pull-requests: write  # only used when NOTION_SYNC_MODE is "pull-request"

jobs:
  sync:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v5
      - uses: {action}
        with:
          token: ${{{{ secrets.NOTION_TOKEN }}}}
          config: {config}
          output: {output}
          mode: ${{{{ vars.NOTION_SYNC_MODE || 'commit' }}}}
          allow-removal: ${{{{ inputs.allow-removal == true }}}}
          entries: ${{{{ join(github.event.client_payload.pages, ' ') }}}}
"""
