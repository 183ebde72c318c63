"""Hugo is the consumer: the real Hugo builds the demo site over the synced posts, and the HTML
holds what Notion held."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import SEED_STORE
from tests.hugosite import build, demo_site, list_all

SEED_SLUG = "kubernetes-resources-and-learning-path"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The demo site (output/'s config and layouts) with a fresh sync of the seed store."""
    site = tmp_path_factory.mktemp("site")
    demo_site(site)
    result = CliRunner().invoke(main, ["sync", "--store", str(SEED_STORE), "--out", str(site / "content" / "posts")])
    assert result.exit_code == 0, result.output
    return site


@pytest.fixture(scope="module")
def page(site, tmp_path_factory) -> str:
    public = build(site, tmp_path_factory.mktemp("public"))
    return (public / "posts" / SEED_SLUG / "index.html").read_text(encoding="utf-8")


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_headings_keep_their_text_and_level(page):
    headings = [(int(level), text_of(inner)) for level, inner in re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", page, re.S)]
    assert (2, "Requirements") in headings
    assert (2, "What's Best to Have") in headings
    assert (3, "Staged approach") in headings
    assert (1, "Passerby Suggestions") in headings
    assert (3, "CNCF Data") in headings  # inside toggle → callout


def test_callouts_are_asides_with_markdown_rendered_inside(page):
    asides = re.findall(r"<aside>(.*?)</aside>", page, re.S)
    assert len(asides) == 5
    assert "<strong>Note: This article will be permanently stored in notion" in asides[1]
    assert "**" not in "".join(asides)
    assert "🔥 We need to further study" in text_of(asides[0])


def test_mermaid_block_reaches_the_render_hook(page):
    diagram = re.search(r'<pre class="mermaid">(.*?)</pre>', page, re.S)
    assert diagram, "the mermaid fence did not go through the code-block render hook"
    assert "Microservices --&gt; Docker;" in diagram.group(1)
    assert "mermaid.min.js" in page.split("</head>")[0]  # the kit loads mermaid on this page


def test_links_images_and_post_links(page, site, tmp_path):
    assert '<a href="https://kubernetes.io/">Official Website</a>' in page
    assert '<img src="http://sm.nsddd.top/sm202303172221221.png"' in page
    # the mention of an exported page became a link to its post, resolved by Hugo
    assert re.search(r'<a href="[^"]*/posts/steps-to-learn-kubernetes/">Steps to Learn Kubernetes</a>', page)
    # text typed by a contributor stays text: brackets, ampersands, tildes
    assert "[See mountain as mountain]" in page
    assert "foundation &amp;&amp; Go language foundation" in page


def test_nested_lists_keep_their_numbers(page):
    assert re.search(r"<ol>\s*<li><strong>First stage</strong>", page)
    assert re.search(r"<li>Practice: Add logs at \[key code\]", page)


def test_hugo_lists_the_posts_with_title_date_and_draft(site):
    pages = {row["title"]: row for row in list_all(site) if row.get("kind", "page") == "page"}
    seed = pages["Kubernetes Resources and Learning Path Summary"]
    assert seed["date"].startswith("2024-08-06T20:29:30+08:00")
    assert seed["draft"] == "false"
    steps = pages["Steps to Learn Kubernetes"]
    assert steps["date"].startswith("2024-08-05")
    assert steps["draft"] == "false"
    assert "One Person's Explanation in GSoC" not in pages
