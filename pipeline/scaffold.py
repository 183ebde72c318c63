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
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline import shapes
from pipeline.bundle import atomic_write, inside, refusal
from pipeline.config import Config, RenderOptions, load_config, parse_config
from pipeline.errors import ConfigError, OutputError
from pipeline.site import KitPlan, KitResult, check_loads, is_hugo_site, plan_kit, posts_folder, propose_render, write_kit
from pipeline.source import explain

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


# --- init --from-posts: a property for each key the blog's posts use ---------------------------------

# The property that holds, as YAML, what no other property maps (config `[front_matter_yaml]`).
YAML_PROPERTY = "Front matter"
_DATE_KEYS = re.compile(r"date|lastmod|publish|expir|modified|updated", re.I)


@dataclass(slots=True)
class KeyProposal:
    """One front matter key of the posts, and where it goes in Notion."""

    key: str  # as most posts spell it
    posts: int  # how many posts have it
    kind: str | None = None  # the property's type; None: the front matter YAML property holds it
    property: str | None = None  # its name, existing or to create
    exists: bool = False
    style: str = "plain"
    derived: str | None = None
    why: str = ""  # why the YAML property holds it


@dataclass(slots=True)
class Proposal:
    """What `init --from-posts` proposes: a property for each key, the ones to create."""

    posts: int
    keys: list[KeyProposal]
    yaml_exists: bool
    unreadable: list[str]  # posts whose front matter could not be read

    @property
    def create(self) -> dict[str, str]:
        """Property name → type, for the properties the data source lacks."""
        wanted = {row.property: row.kind for row in self.keys if row.property and row.kind and not row.exists}
        if not self.yaml_exists:
            wanted[YAML_PROPERTY] = "rich_text"
        return wanted


def properties_request(proposal: Proposal) -> dict[str, Any]:
    """The `properties` of the request that creates them (PATCH /v1/data_sources/{id};
    developers.notion.com/reference/update-data-source-properties: a property schema object,
    its type's key holding its configuration)."""
    return {name: {kind: {}} for name, kind in proposal.create.items()}


def create_properties_in(client: Any, data_source_id: str, proposal: Proposal) -> dict[str, Any]:
    """Create the properties the data source lacks (PATCH /v1/data_sources/{id}); the data
    source as Notion answers it."""
    what = f"data source {data_source_id}"
    try:
        answer = client.data_sources.update(data_source_id, properties=properties_request(proposal))
    except Exception as error:  # noqa: BLE001 - explain() re-raises what it does not know
        raise explain(error, f"the properties of {what}", "writing") from error
    return shapes.checked(answer, what, "data_source")


def _kind(key: str, values: list[Any]) -> tuple[str | None, str]:
    """The property type for a key's values across the posts, or (None, why) for the YAML
    property: a map, a list of anything but texts, values of mixed kinds, an option Notion
    cannot hold."""
    if all(isinstance(value, bool) for value in values):
        return "checkbox", ""
    if all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
        return "number", ""
    if all(isinstance(value, (date, datetime)) or (isinstance(value, str) and _DATE_KEYS.search(key) and _iso(value))
           for value in values):
        return "date", ""
    if any(isinstance(value, dict) for value in values):
        return None, "a map of keys"
    if all(isinstance(value, str) for value in values):
        return ("select" if key.lower() == "type" else "rich_text"), ""
    if all(isinstance(value, (str, list)) for value in values):
        items = [item for value in values for item in (value if isinstance(value, list) else [value])]
        if not all(isinstance(item, str) for item in items):
            return None, "a list of other things than texts"
        if any("," in item or len(item) > 100 for item in items):
            return None, "an item with a comma or of more than 100 characters, which a Notion option cannot hold"
        return "multi_select", ""
    return None, "values of different kinds"


def _iso(text: str) -> bool:
    try:
        (datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else date.fromisoformat(text.strip()))
    except ValueError:
        return False
    return True


def _styles(text: str) -> dict[str, str]:
    """How a post's YAML front matter writes each key's value (the mapping's `style`)."""
    found = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---", text, re.S)
    if not found:
        return {}
    try:
        node = yaml.compose(found.group(1), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    styles = {}
    for key, value in (node.value if isinstance(node, yaml.MappingNode) else []):
        if isinstance(value, yaml.ScalarNode):
            styles[str(key.value).lower()] = {'"': "double-quoted", "'": "single-quoted", ">": "folded"}.get(
                value.style or "", "plain")
        elif isinstance(value, yaml.SequenceNode):
            styles[str(key.value).lower()] = "flow" if value.flow_style else "block"
    return styles


def _property_for(key: str, kind: str, properties: dict[str, Any], taken: set[str]) -> tuple[str, bool] | None:
    """The property a key goes to: an existing one of its name (or of the name the seed's
    mapping gives it) and type, else a new one named after the key; None when that name is
    a property of another type."""
    wanted = next((w for w in WANTED if w.key.lower() == key.lower()), None)
    names = [key.lower().replace("_", " ")] + ([n for n in wanted.names] if wanted else [])
    by_name = {name.lower().replace("_", " ").strip(): name for name in properties if name not in taken}
    for name in names:
        found = by_name.get(name)
        if found and properties[found].get("type") == kind:
            return found, True
    name = key[:1].upper() + key[1:]
    if name in properties or name in taken:
        return None
    return name, False


def plan_from_posts(paths: list[Path], data_source: dict[str, Any], section: str = "posts") -> Proposal:
    """A property for each front matter key the posts under `paths` use, its type inferred
    from their values; the keys Notion has no property type for go to the front matter YAML
    property. Reads the posts as import does, writes nothing."""
    from pipeline.import_posts import find_posts, read_post

    properties = data_source.get("properties") or {}
    values: dict[str, list[Any]] = {}
    spelling: dict[str, Counter[str]] = {}
    styles: dict[str, Counter[str]] = {}
    order: dict[str, list[int]] = {}
    unreadable = []
    found = find_posts(paths, section)
    for markdown, bundle, where in found:
        try:
            post = read_post(markdown, bundle, where)
            text = markdown.read_text(encoding="utf-8")
        except Exception as error:  # noqa: BLE001 - a post that import would report too
            unreadable.append(f"{markdown}: {error}")
            continue
        for key, style in _styles(text).items():
            styles.setdefault(key, Counter())[style] += 1
        for index, (key, value) in enumerate(post.metadata.items()):
            low = str(key).lower()
            spelling.setdefault(low, Counter())[str(key)] += 1
            order.setdefault(low, []).append(index)
            if value is not None:
                values.setdefault(low, []).append(value)
    taken = {name for name, spec in properties.items() if spec.get("type") == "title"}
    keys = []
    for low in sorted(spelling, key=lambda k: (sum(order[k]) / len(order[k]), k)):
        row = KeyProposal(spelling[low].most_common(1)[0][0], sum(spelling[low].values()))
        row.style = styles[low].most_common(1)[0][0] if low in styles else "plain"
        if low == "draft":
            row.derived = "draft"
        elif low == "title":
            row.kind, row.exists = "title", True
            row.property = next((n for n, p in properties.items() if p.get("type") == "title"), "Title")
        elif low == "slug":
            row.why = "the slug key (the bundle's folder is the Slug property)"
        elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", row.key):
            row.why = "a key pipeline.toml cannot name"
        else:
            kind, row.why = _kind(low, values.get(low, []))
            placed = _property_for(row.key, kind, properties, taken) if kind else None
            if kind and placed is None:
                row.why = f"a {kind}, and a property named {row.key[:1].upper() + row.key[1:]!r} has another type"
            elif kind and placed:
                row.kind, (row.property, row.exists) = kind, placed
                taken.add(row.property)
        keys.append(row)
    # The keys every post gets (post.schema.json requires them), even where no post had one.
    have = {row.key.lower() for row in keys}
    if "title" not in have:
        keys.insert(0, KeyProposal("title", 0, "title", next((n for n, p in properties.items()
                                                               if p.get("type") == "title"), "Title"), True))
    if "date" not in have:
        placed = _property_for("date", "date", properties, taken)
        keys.insert(1, KeyProposal("date", 0, "date", *(placed or ("Date", False))))
    if "draft" not in have:
        keys.insert(2, KeyProposal("draft", 0, derived="draft"))
    yaml_exists = (properties.get(YAML_PROPERTY) or {}).get("type") == "rich_text"
    return Proposal(len(found), keys, yaml_exists, unreadable)


def propose_config(data_source_id: str, data_source: dict[str, Any], output_dir: str = "",
                   proposal: Proposal | None = None, render: RenderOptions | None = None) -> str:
    """pipeline.toml's text; `output_dir` (relative to the file's folder) becomes `[output] dir`,
    where sync writes when --out is not given. With a `proposal` (init --from-posts), the front
    matter is the posts' keys, each mapped to the property proposed for it where the data
    source has it, and the rest kept by the front matter YAML property. `render` (a Hugo site's
    `propose_render`): the [render] options that need no Goldmark setting the site lacks."""
    properties = data_source.get("properties") or {}
    taken: set[str] = set()
    lines = [
        f"# pipeline.toml, proposed by `notion-hugo init` from the data source {_title(data_source, data_source_id)!r}.",
        "# Check each mapping, then run `notion-hugo validate` and `notion-hugo sync --dry-run`.",
        "",
        "[notion]",
        f"data_source = {_toml(data_source_id)}",
        "pages = []",
        "",
        *_publish_lines(properties, taken),
        "",
        "[links]",
        'style = "relref"',
    ]
    if output_dir:
        lines += ["", "[output]", f"dir = {_toml(output_dir)}  # the site's posts folder: sync writes <dir>/<slug>/index.md"]
    if render:
        lines += _render_lines(render)
    lines += _proposed_rows(proposal, properties) if proposal is not None else _front_matter_lines(properties, taken)
    return "\n".join(lines) + "\n"


def _render_lines(render: RenderOptions) -> list[str]:
    """The [render] table of what the site's Goldmark reads already (`site.propose_render`)."""
    return ["", "[render]", "# What the site's Goldmark reads already, so its other pages stay as they are (README: The Hugo side).",
            f"html = {_toml(render.html)}  # " + ("the site allows raw HTML" if render.html == "raw" else
                                                  "the site kit's shortcodes: the site keeps raw HTML off"),
            f"math = {_toml(render.math)}  # " + ("the site's passthrough is on: $$…$$ and \\(…\\)" if render.math == "latex"
                                                  else "```math fences and $`…`$, which no hand-written post holds"),
            'callouts = "aside"  # or "alerts": > [!TIP] blockquotes (Hugo 0.134 or later)']


def _title(found: dict[str, Any], found_id: str) -> str:
    """A data source's or a page's title, as Notion shows it."""
    title = found.get("title")
    if not isinstance(title, list):  # a page: its title property
        title = next((p.get("title") for p in (found.get("properties") or {}).values() if p.get("type") == "title"), [])
    return "".join(t.get("plain_text", "") for t in title or ()) or found_id


def _publish_lines(properties: dict[str, dict[str, Any]], taken: set[str], prefix: str = "") -> list[str]:
    """The [publish] and [slug] tables proposed for a data source's properties (`prefix`: of a
    [[sources]] table's own); the properties they use join `taken`."""
    status = _find(properties, ("status", "select"), ("status", "state", "publish status"), taken)
    slug = _find(properties, ("rich_text",), ("slug", "url", "permalink"), taken)
    taken.update(n for n in (status, slug) if n)
    published = ["Published"]
    if status:
        options = [o["name"] for o in (properties[status].get(properties[status]["type"]) or {}).get("options", ())]
        published = [o for o in options if o.lower() in ("published", "done", "live", "public")] or published
    return [
        f"[{prefix}publish]",
        f"status_property = {_toml(status or 'Status')}" + ("" if status else "  # no status property found: add one in Notion"),
        f"published = {_toml(published)}",
        'drafts = ["Draft"]',
        "include_drafts = false",
        "",
        f"[{prefix}slug]",
        f"property = {_toml(slug or 'Slug')}" + ("" if slug else "  # no slug property found: slugs come from titles"),
    ]


def _front_matter_lines(properties: dict[str, dict[str, Any]], taken: set[str], prefix: str = "") -> list[str]:
    """The [[front_matter]] tables proposed for a data source's properties, in the blog's order."""
    lines: list[str] = []
    for wanted in WANTED:
        lines += ["", f"[[{prefix}front_matter]]", f"key = {_toml(wanted.key)}"]
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
    return lines


# What a page of a page tree has: its title and its timestamps (developers.notion.com/reference/page:
# a page outside a data source has the title property only).
PAGE_FRONT_MATTER = [
    "", "[[sources.front_matter]]", 'key = "title"', 'fallback = "title"', 'style = "single-quoted"',
    "", "[[sources.front_matter]]", 'key = "date"', 'fallback = "created_time"', 'style = "single-quoted"',
    "", "[[sources.front_matter]]", 'key = "draft"', 'derived = "draft"',
]


def propose_source(kind: str, found_id: str, found: dict[str, Any], section: str, language: str, site: Config) -> str:
    """A [[sources]] table to add to pipeline.toml: a data source (`kind` "data_source") with its
    own publish rules and front matter when the site's mapping names properties it lacks, or a
    page tree ("page") with the front matter a page has."""
    what = "page tree" if kind == "page" else "data source"
    lines = ["", f"# The {what} {_title(found, found_id)!r}, added by `notion-hugo init`.", "[[sources]]",
             f"{'page' if kind == 'page' else 'data_source'} = {_toml(found_id)}", f"section = {_toml(section)}"]
    if language:
        lines.append(f"language = {_toml(language)}")
    if kind == "page":
        return "\n".join(lines + PAGE_FRONT_MATTER) + "\n"
    properties = found.get("properties") or {}
    reads = site.languages.property if site.languages and not language else ""
    missing = [name for name in replace(site, language_property=reads).mapped_properties if name not in properties]
    if missing:
        taken: set[str] = set()
        lines += [f"# Its own mapping: the site's names {', '.join(map(repr, missing))}, which it lacks.",
                  *_publish_lines(properties, taken, "sources."), *_front_matter_lines(properties, taken, "sources.")]
    return "\n".join(lines) + "\n"


def add_source(config_path: Path, kind: str, found_id: str, found: dict[str, Any], section: str, language: str) -> str:
    """Append a [[sources]] table to an existing pipeline.toml, leaving its text as it is; the
    whole file is loaded back and checked (sections, languages) before it is written."""
    from pipeline.site_sync import site_sources  # the checks a sync makes of the sources

    site = load_config(config_path)
    old = config_path.read_text(encoding="utf-8")
    table = propose_source(kind, found_id, found, section, language, site)
    text = check_loads(config_path, old + ("" if old.endswith("\n") or not old else "\n") + table).decode("utf-8")
    try:
        config = parse_config(tomllib.loads(text), str(config_path))
        site_sources(replace(config, root=str(config_path.parent)))
    except ConfigError as error:
        raise ConfigError(f"{config_path} would not be a valid config with that source, so nothing was written: "
                          f"{error}") from None
    atomic_write(inside(config_path.parent, config_path.name, {config_path.name}), text.encode("utf-8"))
    return table


def _proposed_rows(proposal: Proposal, properties: dict[str, Any]) -> list[str]:
    """The `[front_matter_yaml]` table and a `[[front_matter]]` row for each key the posts use
    that a property of the data source holds (a missing one is commented out: sync would stop
    on it); empty properties write no key, as posts without the key had none."""
    lines = []
    if (properties.get(YAML_PROPERTY) or {}).get("type") == "rich_text":
        lines += ["", "[front_matter_yaml]", "# Every other key of the posts, as YAML: import fills it, sync merges it back.",
                  f"property = {_toml(YAML_PROPERTY)}"]
    for row in proposal.keys:
        if row.derived:
            lines += ["", "[[front_matter]]", f"key = {_toml(row.key)}",
                      'derived = "draft"  # from the status: anything but published is a draft']
            continue
        if row.kind is None or row.property is None:
            continue  # in the front matter YAML property
        there = (properties.get(row.property) or {}).get("type") == row.kind
        prefix = "" if there else "# "
        if not there:
            lines += ["", f"# {_toml(row.property)} ({row.kind}) is not in the data source: `init --from-posts "
                          "--create-properties` creates it"]
        lines += ["", prefix + "[[front_matter]]", prefix + f"key = {_toml(row.key)}",
                  prefix + f"property = {_toml(row.property)}  # {row.kind}, in {row.posts} of {proposal.posts} posts"]
        if row.style != "plain" and not (row.kind in ("checkbox", "number") or row.style in ("flow", "block")
                                         and row.kind != "multi_select"):
            lines.append(prefix + f"style = {_toml(row.style)}")
        if row.key.lower() == "title":
            lines.append(prefix + 'fallback = "title"')
        elif row.key.lower() == "date":
            lines.append(prefix + 'fallback = "created_time"')
        else:
            lines.append(prefix + "omit_empty = true")
    return lines


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


def apply_init(plan: InitPlan, data_source_id: str, data_source: dict[str, Any],
               proposal: Proposal | None = None) -> KitResult | None:
    """Write pipeline.toml (loaded back and checked as a config first), the workflow and the
    kit that `plan_init` planned; the kit's result, or None without one."""
    relative_output = os.path.relpath(plan.site_dir / plan.output, plan.config.parent) if plan.output else ""
    text = check_loads(plan.config, propose_config(data_source_id, data_source, relative_output, proposal, plan.render))
    try:
        parse_config(tomllib.loads(text.decode("utf-8")), str(plan.config))
    except ConfigError as error:
        raise ConfigError(f"the proposed pipeline.toml is not a valid config, so nothing was written: {error}") from None
    atomic_write(inside(plan.config.parent, plan.config.name, {plan.config.name}), text)
    if plan.workflow:
        atomic_write(inside(plan.site_dir, WORKFLOW, {WORKFLOW}), plan.workflow)
    return write_kit(plan.kit) if plan.kit else None
