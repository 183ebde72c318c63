"""`init`: propose a pipeline.toml from a data source's properties, and the workflow that syncs a
blog through the reusable Action, then write them with the site kit.

The proposals are pure: a data source object (developers.notion.com/reference/data-source:
`properties` by name, each with a `type`) in, TOML or YAML text out. `plan_init` checks all
that can be checked before Notion is asked (the site's config, where each file goes, the
workflow, the kit); `apply_init` checks pipeline.toml by loading it back, and only then writes.
Nothing is written through a symbolic link or outside the site.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.bundle import atomic_write, inside, refusal
from pipeline.config import parse_config
from pipeline.errors import ConfigError, OutputError
from pipeline.config import RenderOptions
from pipeline.site import KitPlan, KitResult, check_loads, is_hugo_site, plan_kit, posts_folder, propose_render, write_kit

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
    """JSON's strings, numbers, booleans and arrays are TOML's too, once DEL is escaped: JSON
    leaves it as it is, and TOML forbids it raw (a property name from Notion may hold one)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def propose_config(data_source_id: str, data_source: dict[str, Any], output_dir: str = "",
                   render: RenderOptions | None = None) -> str:
    """pipeline.toml's text; `output_dir` (relative to the file's folder) becomes `[output] dir`,
    where sync writes when --out is not given; `render` (a Hugo site's `propose_render`) the
    [render] options that need no Goldmark setting the site lacks."""
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
    if render:
        lines += ["", "[render]", "# What the site's Goldmark reads already, so its other pages stay as they are (README: The Hugo side).",
                  f"html = {_toml(render.html)}  # " + ("the site allows raw HTML" if render.html == "raw" else
                                                        "the site kit's shortcodes: the site keeps raw HTML off"),
                  f"math = {_toml(render.math)}  # " + ("the site's passthrough is on: $$…$$ and \\(…\\)" if render.math == "latex"
                                                        else "```math fences and $`…`$, which no hand-written post holds"),
                  'callouts = "aside"  # or "alerts": > [!TIP] blockquotes (Hugo 0.134 or later)']
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
          config: {json.dumps(config, ensure_ascii=False)}
          output: {json.dumps(output, ensure_ascii=False)}
          mode: ${{{{ vars.NOTION_SYNC_MODE || 'commit' }}}}
          allow-removal: ${{{{ inputs.allow-removal == true }}}}
          entries: ${{{{ join(github.event.client_payload.pages, ' ') }}}}
"""


WORKFLOW = ".github/workflows/notion-sync.yml"  # relative to the site


def workflow_text(action: str, config: str, output: str) -> str:
    """`propose_workflow`, once its values are known to come back from the YAML as they went
    in: quoted (a `#` would start a comment, `: ` a mapping), printable (a line break would end
    the comment that names them), and free of `${{`, which GitHub would evaluate."""
    for name, value in (("config", config), ("output", output)):
        if not value.isprintable() or "${{" in value:
            raise ConfigError(f"the workflow's {name} would be {value!r}, which a workflow cannot hold: rename that "
                              "folder or file, or pass --no-workflow.")
    text = propose_workflow(action, config, output)
    check_loads(WORKFLOW, text)
    given = yaml.safe_load(text)["jobs"]["sync"]["steps"][1]["with"]
    if (given["config"], given["output"]) != (config, output):
        raise ConfigError(f"{WORKFLOW}: its config and output would read {given['config']!r} and {given['output']!r}, "
                          f"not {config!r} and {output!r}: rename that folder or file, or pass --no-workflow.")
    return text


@dataclass(slots=True)
class InitPlan:
    """What `init` writes, everything checked that can be before Notion is asked."""

    site_dir: Path
    config: Path  # pipeline.toml
    output: str = ""  # the site's posts folder, relative to the site; "" outside a Hugo site
    workflow: bytes | None = None  # to write at WORKFLOW in the site; None when it is not, or is already so
    workflow_kept: Path | None = None  # the site's own workflow, left as it is (no --force)
    kit: KitPlan | None = None
    render: RenderOptions | None = None  # proposed for the site's [render] table


def _writable(root: Path, relative: str, force: bool) -> Path:
    """`root/relative`, refused when a symbolic link is on the way (even a dangling one at the
    file itself), or when the file exists and `force` was not given."""
    problem = refusal(root, relative, {relative})
    if problem:
        raise OutputError(f"not writing {root / relative}: {problem}. Nothing was written.")
    path = root / relative
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it, or --config to write elsewhere.")
    return path


def plan_init(site_dir: Path, config: Path, *, workflow: bool, with_kit: bool, force: bool) -> InitPlan:
    """Check what `init` will write, writing nothing: a config error of the site's, a symbolic
    link on the way, a file in the way, a template of the site's the kit would take over (each
    exits 2 with its fix before anything is written)."""
    site_dir = Path(site_dir)
    plan = InitPlan(site_dir, _writable(config.parent, config.name, force))
    if not is_hugo_site(site_dir):
        return plan
    plan.output = posts_folder(site_dir)
    plan.render = propose_render(site_dir)
    if workflow:
        path = inside(site_dir, WORKFLOW, {WORKFLOW})
        text = workflow_text(ACTION, os.path.relpath(config, site_dir), plan.output).encode("utf-8")
        if path.exists() and path.read_bytes() != text and not force:
            plan.workflow_kept = path
        elif not path.exists() or path.read_bytes() != text:
            plan.workflow = text
    if with_kit:
        try:
            plan.kit = plan_kit(site_dir, force=force, render=plan.render)
        except (FileExistsError, ConfigError) as error:
            raise ConfigError(f"{error}\n(--no-site-kit sets up the rest without the kit.)") from None
    return plan


def apply_init(plan: InitPlan, data_source_id: str, data_source: dict[str, Any]) -> KitResult | None:
    """Write pipeline.toml (loaded back and checked as a config first), the workflow and the
    kit that `plan_init` planned; the kit's result, or None without one."""
    relative_output = os.path.relpath(plan.site_dir / plan.output, plan.config.parent) if plan.output else ""
    text = check_loads(plan.config, propose_config(data_source_id, data_source, relative_output, plan.render))
    try:
        parse_config(tomllib.loads(text.decode("utf-8")), str(plan.config))
    except ConfigError as error:
        raise ConfigError(f"the proposed pipeline.toml is not a valid config, so nothing was written: {error}") from None
    atomic_write(inside(plan.config.parent, plan.config.name, {plan.config.name}), text)
    if plan.workflow:
        atomic_write(inside(plan.site_dir, WORKFLOW, {WORKFLOW}), plan.workflow)
    return write_kit(plan.kit) if plan.kit else None
