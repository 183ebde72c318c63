"""Pages changed by adopting the site kit (issue #17, point 6), for the "## Adopting the kit"
section of bench/RESULTS.md.

Each corpus is a public Hugo blog this project did not write, read at run time from its
repository as `fetch` mirrors it under /work/.mirror (a bare git directory); nothing of it is
copied into this repository. Its posts are built by Hugo three times, with one neutral layout
printing each post's `.Content` and the blog's own Goldmark settings (its config's `markup`):

- without the kit;
- with the kit as it was (commit 03a258f): its markup.toml turned the typographer off, raw HTML
  on, and passthrough on with \\[…\\], $$…$$ and \\(…\\), for every page of the site;
- with the kit as `site-kit` now installs it, for the [render] options `init` proposes for the
  blog (`site.propose_render`): only what the posts need and the site lacks.

A post counts as changed when its `.Content` differs from the build without the kit, byte for
byte. The kit's own report of what it changes (its "change:" places) is printed beside the
measured count. A shortcode of the blog's or its theme's is a stub printing its name and inner
content (the same in every build); Hugo's own that fetch from the network are stubbed too.

    .venv/bin/python bench/kit_adoption.py            # every corpus whose mirror is there
    .venv/bin/python bench/kit_adoption.py -v         # and each changed post
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import site  # noqa: E402
from pipeline.config import RenderOptions  # noqa: E402

MIRROR = Path("/work/.mirror")
# The kit's config/_default/markup.toml before this change (commit 03a258f), its settings only.
OLD_MARKUP = """[goldmark.renderer]
  unsafe = true
[goldmark.extensions.typographer]
  disable = true
[goldmark.extensions.passthrough]
  enable = true
  [goldmark.extensions.passthrough.delimiters]
    block = [['\\[', '\\]'], ['$$', '$$']]
    inline = [['\\(', '\\)']]
"""
# Hugo's shortcodes that render without the network; any other is stubbed.
HUGO_OWN = {"figure", "highlight", "ref", "relref", "param", "details", "youtube", "vimeo", "qr"}
_SHORTCODE = re.compile(r"\{\{[<%]\s*(/?)\s*([A-Za-z0-9_][A-Za-z0-9_/.-]*)")
_TRANSLATION = re.compile(r"\.[a-z]{2}(?:-[a-z]{2})?\.md$", re.I)


@dataclass(frozen=True)
class Corpus:
    name: str
    what: str
    repo: str  # owner+name under /work/.mirror
    ref: str
    config: str  # the blog's config file, in its repository
    section: str  # content/<section>
    prefix: str  # the posts measured: their path in the section starts with it

    @property
    def git_dir(self) -> Path:
        return MIRROR / self.repo / "repo"


CORPORA = (
    Corpus("papermod", "PaperMod's example site, its posts in English", "adityatelange+hugo-PaperMod", "exampleSite",
           "config.yml", "posts", ""),
    Corpus("ropensci", "rOpenSci's blog, all posts", "ropensci+roweb3", "HEAD", "config.toml", "blog", ""),
    Corpus("cosx", "COS 统计之都, all posts", "cosname+cosx.org", "HEAD", "config.toml", "post", ""),
)


def git(corpus: Corpus, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(corpus.git_dir), *args], check=True, capture_output=True).stdout


def blog_markup(corpus: Corpus) -> dict:
    text = git(corpus, "show", f"{corpus.ref}:{corpus.config}").decode("utf-8")
    config = tomllib.loads(text) if corpus.config.endswith(".toml") else yaml.safe_load(text)
    return config.get("markup", {})


def extract(corpus: Corpus, into: Path) -> list[str]:
    """The corpus's posts (their Markdown files: images make no difference to `.Content`, and a
    mirror may lack the largest files) under into/content/<section>, but for translations and
    the posts outside its selection; their content files."""
    section = f"content/{corpus.section}/"
    listed = git(corpus, "ls-tree", "-r", "--name-only", corpus.ref, section).decode("utf-8").splitlines()
    wanted = [path for path in listed if path.endswith(".md") and path[len(section):].startswith(corpus.prefix)
              and not _TRANSLATION.search(path) and not path.endswith("_index.md")]
    batch = subprocess.run(["git", "--git-dir", str(corpus.git_dir), "cat-file", "--batch"], check=True,
                           capture_output=True, input="".join(f"{corpus.ref}:{path}\n" for path in wanted).encode()).stdout
    stream = io.BytesIO(batch)
    for path in wanted:
        size = int(stream.readline().split()[2])
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_bytes(stream.read(size))
        stream.read(1)  # the line feed after each object
    return wanted


def neutral_site(corpus: Corpus, folder: Path) -> list[str]:
    """A site of the corpus's posts, its Goldmark settings, a layout printing `.Content` alone,
    and stubs for the shortcodes Hugo does not have offline. The posts' content files."""
    posts = extract(corpus, folder)
    config = {"baseURL": "https://blog.example.org/", "disableKinds": ["taxonomy", "term", "RSS", "sitemap", "home"],
              "markup": blog_markup(corpus), "ignoreFiles": [r"\.Rmd$", r"\.Rmarkdown$", r"\.html$"],
              "security": {"enableInlineShortcodes": False}}
    (folder / "hugo.json").write_text(json.dumps(config), encoding="utf-8")
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    # The post's source file first (the same in every build), then its content.
    (layouts / "single.html").write_text('<meta name="source" content="{{ with .File }}{{ .Path }}{{ end }}">\n'
                                         "{{ .Content }}", encoding="utf-8")
    (layouts / "list.html").write_text("", encoding="utf-8")
    names: dict[str, bool] = {}
    for post in posts:
        for closing, name in _SHORTCODE.findall((folder / post).read_text(encoding="utf-8", errors="replace")):
            names[name] = names.get(name, False) or bool(closing)
    for name, closed in names.items():
        if name in HUGO_OWN or name.startswith("notion-hugo/"):
            continue
        stub = folder / "layouts" / "shortcodes" / f"{name}.html"
        stub.parent.mkdir(parents=True, exist_ok=True)
        inner = "{{ .Inner }}" if closed else ""
        stub.write_text(f'<div class="shortcode" data-name="{name}">{inner}</div>', encoding="utf-8")
    return posts


_SOURCE = re.compile(r'<meta name="source" content="([^"]*)">')


def build(folder: Path, into: Path) -> dict[str, str]:
    """Each post's page, by its content file (content/…)."""
    subprocess.run([str(site.hugo_binary()), "build", "--source", str(folder), "--destination", str(into),
                    "--noBuildLock", "--logLevel", "error"], check=True, capture_output=True)
    pages = {}
    for path in into.rglob("index.html"):
        page = path.read_text(encoding="utf-8")
        if source := _SOURCE.match(page):
            pages["content/" + source.group(1).lstrip("/")] = page
    return pages


def measure(corpus: Corpus, verbose: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"kit-adoption-{corpus.name}-") as tmp:
        root = Path(tmp)
        folders = {name: root / name for name in ("none", "old", "new", "latex")}
        posts = []
        for folder in folders.values():
            posts = neutral_site(corpus, folder)
        proposed = site.propose_render(folders["new"])
        old = site.install_kit(folders["old"], render=RenderOptions(html="raw", math="latex"))
        (folders["old"] / site.MATH_FENCE_HOOK).unlink(missing_ok=True)  # the old kit had none
        (folders["old"] / site.MARKUP_FILE).write_text(OLD_MARKUP, encoding="utf-8")
        new = site.install_kit(folders["new"], render=proposed)
        # The kit's report checked against Hugo where it has something to say: a pipeline.toml
        # asking for LaTeX delimiters, which these blogs' Goldmark lacks.
        latex = site.install_kit(folders["latex"], render=RenderOptions(html="raw", math="latex"))
        assert not old.blocking and not new.blocking and not latex.blocking
        pages = {name: build(folder, root / f"{name}-public") for name, folder in folders.items()}
        # Posts whose URL another post takes too (a shared slug) have a page in one build or another:
        # only posts with a page in every build are compared.
        compared = sorted(set.intersection(*(set(built) for built in pages.values())))
        changed = {name: [post for post in compared if pages[name][post] != pages["none"][post]]
                   for name in ("old", "new", "latex")}
        reported = sorted({str(found) for change in new.changes for found in change.found})
        latex_posts = sorted({found.path for change in latex.changes for found in change.found})
        result = {"corpus": corpus.name, "what": corpus.what, "posts": len(posts), "pages": len(compared),
                  "changed_old": len(changed["old"]), "changed_new": len(changed["new"]),
                  "proposed": f'html = "{proposed.html}", math = "{proposed.math}"',
                  "reported": reported, "latex_changed": changed["latex"], "latex_reported": latex_posts,
                  "new_markup": (folders["new"] / site.MARKUP_FILE).read_text(encoding="utf-8")
                  if (folders["new"] / site.MARKUP_FILE).exists() else ""}
        if verbose:
            print(f"  {corpus.name}, with math = latex: changed {changed['latex']}, reported {latex_posts}")
            for name in ("old", "new"):
                print(f"  {corpus.name}, {name} kit changes: {', '.join(changed[name]) or 'none'}")
            for change in new.changes:
                print(f"  {corpus.name}, the kit says: {change}")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", help="only these corpora (by name)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    rows = []
    for corpus in CORPORA:
        if args.corpus and corpus.name not in args.corpus:
            continue
        if not corpus.git_dir.is_dir():
            print(f"{corpus.name}: no mirror at {corpus.git_dir} (fetch github:{corpus.repo.replace('+', '/')})")
            continue
        rows.append(measure(corpus, args.verbose))
    print("| blog | posts | pages compared | changed by the kit before | changed by the kit now | [render] proposed | "
          "places the kit reports | with `math = \"latex\"`: pages changed / posts reported / both |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for row in rows:
        both = len(set(row["latex_changed"]) & set(row["latex_reported"]))
        print(f"| {row['what']} | {row['posts']} | {row['pages']} | {row['changed_old']} | {row['changed_new']} | "
              f"`{row['proposed']}` | {len(row['reported'])} | {len(row['latex_changed'])} / "
              f"{len(row['latex_reported'])} / {both} |")
    total = {key: sum(row[key] for row in rows) for key in ("posts", "pages", "changed_old", "changed_new")}
    print(f"| all | {total['posts']} | {total['pages']} | {total['changed_old']} | {total['changed_new']} | | "
          f"{sum(len(row['reported']) for row in rows)} | |")


if __name__ == "__main__":
    main()
