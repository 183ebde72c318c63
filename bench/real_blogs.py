"""Real blogs moved into Notion and back (issue #17), for the "## Real blogs" section of
bench/RESULTS.md.

Each corpus is a public Hugo blog that this project did not write, read at run time from its
repository as `fetch` mirrors it under /work/.mirror (a bare git directory): nothing of it is
copied into this repository. For each blog, its posts are

1. built by Hugo as they are ("before");
2. proposed a mapping from (`init --from-posts`: a property for each front matter key, created
   in the data source through the API), imported into the emulator's data source, imported
   again (which must change nothing), then synced back into a fresh content folder;
3. built by Hugo again ("after"), with the same config, and compared post by post:
   posts back, URLs kept (the permalink sets Hugo builds), text kept, front matter keys kept,
   images back, and the share of posts whose content HTML has the same structure.

Both builds use one neutral layout printing the post's `.Content`, the blog's permalinks and
Goldmark settings (raw HTML on, as each of these blogs has it), and Hugo's own shortcodes; a
shortcode of the blog's or its theme's is replaced by a stub that prints its name, arguments
and inner content, so what is compared is what the pipeline must carry. Shortcodes that need
the network (x, instagram, gist) are stubbed too.

    .venv/bin/python bench/real_blogs.py                  # every corpus whose mirror is there
    .venv/bin/python bench/real_blogs.py --corpus cosx -v # one, with each post's differences
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import html
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notion_emulator import NotionEmulator  # noqa: E402
from pipeline import site  # noqa: E402
from pipeline.import_posts import import_posts, read_post  # noqa: E402
from pipeline.source import SourceOptions  # noqa: E402
from pipeline.sync import Selection, sync  # noqa: E402
from tests.conftest import SEED_DATA_SOURCE, TOKEN  # noqa: E402
from tests.importkit import Content, adopt, content_of  # noqa: E402
from tests.storekit import store  # noqa: E402

MIRROR = Path("/work/.mirror")
# Hugo's own shortcodes that need nothing from the network; every other one is stubbed.
BUILT_IN = {"figure", "highlight", "ref", "relref", "youtube", "vimeo", "param", "details"}
IGNORE_FILES = ["\\.Rmd$", "\\.Rmarkdown$", "\\.knit\\.md$", "\\.utf8\\.md$", "_cache$"]


@dataclass(frozen=True)
class Corpus:
    name: str
    what: str
    repo: str  # owner+name under /work/.mirror
    ref: str
    section: str  # content/<section>
    select: Callable[[str], bool]  # a post's path inside the section folder
    base_url: str  # the blog's own: root-relative links to its other pages are made absolute with it
    permalinks: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None  # a site of this repository's, instead of a mirrored one

    @property
    def git_dir(self) -> Path:
        return MIRROR / self.repo / "repo"

    @property
    def here(self) -> bool:
        return self.folder.is_dir() if self.folder is not None else self.git_dir.is_dir()


# Posts of one language: a translation (`index.es.md`, `post.fr.md`) is a page of a multilingual
# site, which this import does not handle (one data source, one language).
_TRANSLATION = re.compile(r"\.[a-z]{2}(?:-[a-z]{2})?\.md$", re.I)
CORPORA = (
    Corpus("papermod", "PaperMod's example site (posts, English)", "adityatelange+hugo-PaperMod", "exampleSite", "posts",
           lambda path: not _TRANSLATION.search(path), "https://adityatelange.github.io/hugo-PaperMod/"),
    Corpus("ropensci", "rOpenSci's blog, 2021", "ropensci+roweb3", "HEAD", "blog",
           lambda path: path.startswith("2021-") and not _TRANSLATION.search(path), "https://ropensci.org/",
           {"blog": "/blog/:year/:month/:day/:slug/"}),
    Corpus("cosx", "COS 统计之都, 2012", "cosname+cosx.org", "HEAD", "post",
           lambda path: path.startswith("2012-") and not _TRANSLATION.search(path), "https://cosx.org/",
           {"post": "/:year/:month/:slug/"}),
    # Not a real blog: the minimal posts (the 105-row table among them), for the record.
    Corpus("issue-17", "the issue's minimal posts (tests/fixtures/import/issue-17)", "", "", "posts",
           lambda path: True, "https://blog.example.org/",
           folder=Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "import" / "issue-17"),
)


# --- the corpus on disk ----------------------------------------------------------------------------


def extract(corpus: Corpus, into: Path) -> list[str]:
    """The corpus's posts (and everything in their bundles, and the section's list pages, and
    the site's static/) as a Hugo content tree under `into`; the posts' paths in the section."""
    if corpus.folder is not None:
        for part in ("content", "static"):
            shutil.copytree(corpus.folder / part, into / part)
        section = into / "content" / corpus.section
        return sorted(str(path.relative_to(section)) for path in section.rglob("*.md") if path.name != "_index.md"
                      and (path.name == "index.md" or not (path.parent / "index.md").exists()))
    files = subprocess.run(["git", "--git-dir", str(corpus.git_dir), "ls-tree", "-r", "--name-only", corpus.ref],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    prefix = f"content/{corpus.section}/" if corpus.ref != "exampleSite" else f"content/{corpus.section}/"
    in_section = [path[len(prefix):] for path in files if path.startswith(prefix)]
    posts = [path for path in in_section if path.endswith(".md") and not path.endswith("_index.md")
             and (PurePosixPath(path).name == "index.md" or not any(
                 other == str(PurePosixPath(path).parent / "index.md") for other in in_section))
             and corpus.select(path)]
    bundles = {str(PurePosixPath(path).parent) for path in posts if PurePosixPath(path).name == "index.md"}
    wanted = [prefix + path for path in in_section
              if path in posts or path.endswith("_index.md")
              or any(path.startswith(folder + "/") for folder in bundles)]
    wanted += [path for path in files if path.startswith("static/")]
    archive = subprocess.run(["git", "--git-dir", str(corpus.git_dir), "archive", corpus.ref, "--", *wanted],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return sorted(posts)


_SHORTCODE_NAME = re.compile(r"\{\{[<%]\s*/?\s*([A-Za-z0-9_][A-Za-z0-9_/.-]*)")
_SHORTCODE_CLOSE = re.compile(r"\{\{[<%]\s*/\s*([A-Za-z0-9_][A-Za-z0-9_/.-]*)")
# A stub: the shortcode's name, its arguments and its inner content, as data.
# Hugo wants a shortcode that reads .Inner closed wherever it is used: only those that some post
# closes read it.
STUB = ('<div class="shortcode" data-name="{name}">{{{{- range $k, $v := .Params }}}}<span data-arg="{{{{ $k }}}}">'
        '{{{{ $v }}}}</span>{{{{ end -}}}}{inner}</div>\n')
INNER = '<div class="inner">{{ .Inner }}</div>'

LAYOUT = {
    "layouts/_default/baseof.html": "<!doctype html><html><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "layouts/_default/single.html": '{{ define "main" }}<main id="nh-content">{{ .Content }}</main>{{ end }}\n',
    "layouts/_default/list.html": '{{ define "main" }}{{ range .Pages }}{{ .RelPermalink }} {{ end }}{{ end }}\n',
}


def make_site(root: Path, corpus: Corpus, shortcodes: set[str], closed: set[str]) -> None:
    """The neutral Hugo site both builds use (content added by the caller)."""
    config = [f'baseURL = "{corpus.base_url}"', 'title = "bench"', 'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]',
              f"ignoreFiles = {IGNORE_FILES!r}".replace("'", '"'), "[markup.goldmark.renderer]", "unsafe = true",
              "[markup.highlight]", "noClasses = false", "[permalinks]"]
    config += [f'{key} = "{value}"' for key, value in corpus.permalinks.items()]
    (root / "hugo.toml").write_text("\n".join(config) + "\n", encoding="utf-8")
    for path, text in LAYOUT.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for name in shortcodes - BUILT_IN:
        path = root / "layouts" / "_shortcodes" / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STUB.format(name=html.escape(name), inner=INNER if name in closed else ""), encoding="utf-8")


def hugo_build(root: Path) -> Path:
    public = root / "public"
    subprocess.run([str(site.hugo_binary()), "build", "--source", str(root), "--destination", str(public),
                    "--buildDrafts", "--buildFuture", "--buildExpired", "--noBuildLock", "--logLevel", "error"],
                   check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": str(root)})
    return public


def hugo_pages(root: Path, base_url: str) -> dict[str, str]:
    """content path (relative to the content folder) → its path in the built site, for every
    regular page."""
    listed = site.list_all(root)
    return {row["path"].removeprefix("content/"): "/" + row["permalink"].removeprefix(base_url).lstrip("/")
            for row in listed if row["kind"] == "page"}


# --- reading what Hugo built -------------------------------------------------------------------------


def image_key(public: Path, permalink: str, src: str) -> str:
    """An image as what it shows: the bytes of a file the site serves, else its URL."""
    if re.match(r"^[a-z]+:", src) or src.startswith("//"):
        return src
    src, permalink = unquote(src), unquote(permalink)
    path = public / src.lstrip("/") if src.startswith("/") else public / permalink.strip("/") / src
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing:" + src


# --- comparing front matter ------------------------------------------------------------------------------


def _as_hugo(key: str, value: Any) -> Any:
    """A front matter value as Hugo compares it: dates as instants, the rest as is."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str) and key in ("date", "lastmod", "publishdate", "expirydate", "pubdate"):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat() if "T" in value \
                else date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return value
    if isinstance(value, dict):
        return {str(k).lower(): _as_hugo(str(k).lower(), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_hugo(key, item) for item in value]
    return value


def front_matter(path: Path) -> dict[str, Any]:
    post = read_post(path, path.parent if path.name == "index.md" else None)
    return {str(key).lower(): _as_hugo(str(key).lower(), value) for key, value in post.metadata.items()}


# --- one corpus ------------------------------------------------------------------------------------------


@dataclass
class Figures:
    posts: int = 0
    back: int = 0
    urls: int = 0
    words: int = 0
    words_kept: int = 0
    keys: int = 0
    keys_kept: int = 0
    keys_added: int = 0
    images: int = 0
    images_back: int = 0
    same_structure: int = 0
    second_import_writes: int = 0
    failed: list[str] = field(default_factory=list)


def run(corpus: Corpus, tmp: Path, verbose: bool) -> Figures:
    before, after = tmp / "before", tmp / "after"
    before.mkdir(parents=True)
    after.mkdir(parents=True)
    posts = extract(corpus, before)
    section = before / "content" / corpus.section
    texts = [(section / path).read_text(encoding="utf-8", errors="replace") for path in posts]
    names = {name for text in texts for name in _SHORTCODE_NAME.findall(text)}
    closed = {name for text in texts for name in _SHORTCODE_CLOSE.findall(text)}
    make_site(before, corpus, names, closed)
    make_site(after, corpus, names, closed)
    if (before / "static").is_dir():
        shutil.copytree(before / "static", after / "static")
    for index in section.rglob("_index.md"):  # the section's list pages stay the blog's own
        target = after / "content" / corpus.section / index.relative_to(section)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(index, target)
    figures = Figures(posts=len(posts))
    synced = after / "content" / corpus.section
    with NotionEmulator(store([]), token=TOKEN) as emulator:
        options = SourceOptions(base_url=emulator.base_url, rate=0)
        # The site's own shortcodes, which its owner keeps (`[render] shortcodes`).
        config = adopt(section, corpus.section, options, tmp, sorted(names - BUILT_IN - {"highlight", "ref", "relref"}))
        static = before / "static" if (before / "static").is_dir() else None
        report = import_posts([section], config, SEED_DATA_SOURCE, token=TOKEN, options=options,
                              section=corpus.section, static=static)
        figures.failed = [f"{plan.slug}: {plan.error}" for plan in report.plans if plan.error]
        again = import_posts([section], config, SEED_DATA_SOURCE, token=TOKEN, options=options,
                             section=corpus.section, static=static)
        figures.second_import_writes = sum(plan.action not in ("unchanged", "skipped") for plan in again.plans)
        sync(config, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=synced, options=options)
    if verbose:
        for plan in report.plans:
            for note in plan.notes:
                print(f"  {plan.slug}: note: {note.message}", file=sys.stderr)
    was, now = hugo_pages(before, corpus.base_url), hugo_pages(after, corpus.base_url)
    public_before, public_after = hugo_build(before), hugo_build(after)
    # Where each post came back: the bundle its entry's slug names.
    back_paths = {str(plan.source.relative_to(section)): f"{plan.slug}/index.md" for plan in report.plans
                  if (synced / plan.slug / "index.md").is_file()}
    posts = [path for path in posts if f"{corpus.section}/{path}" in was]  # a headless bundle is no page
    figures.posts = len(posts)
    for path in posts:
        key = f"{corpus.section}/{path}"
        permalink = was[key]
        now_path = back_paths.get(path)
        if now_path is None:
            if verbose:
                print(f"{path}: not back", file=sys.stderr)
            continue
        figures.back += 1
        new_permalink = now.get(f"{corpus.section}/{now_path}")
        figures.urls += new_permalink == permalink
        old_keys = front_matter(section / path)
        new_keys = front_matter(synced / now_path)
        kept = [k for k, v in old_keys.items() if k in new_keys and new_keys[k] == v]
        figures.keys += len(old_keys)
        figures.keys_kept += len(kept)
        figures.keys_added += len(set(new_keys) - set(old_keys) - {"draft"})
        a = content_of(public_before, permalink, "nh-content")
        b = content_of(public_after, new_permalink or permalink, "nh-content")
        if a is None:
            continue
        if b is None:  # no page where Hugo served the post: its text and images count as lost
            if verbose:
                print(f"{path}: no page at {new_permalink or permalink}", file=sys.stderr)
            b = Content()
        matcher = difflib.SequenceMatcher(a=a.words, b=b.words, autojunk=False)
        figures.words += len(a.words)
        figures.words_kept += sum(block.size for block in matcher.get_matching_blocks())
        if verbose:
            lost = [(" ".join(a.words[i1:i2]), " ".join(b.words[j1:j2]))
                    for op, i1, i2, j1, j2 in matcher.get_opcodes() if op in ("replace", "delete")]
            for before_words, after_words in lost[:6]:
                print(f"{path}: text {before_words[:80]!r} -> {after_words[:80]!r}", file=sys.stderr)
        old_images = Counter(image_key(public_before, permalink, src) for src in a.images)
        new_images = Counter(image_key(public_after, new_permalink or permalink, src) for src in b.images)
        cover = (old_keys.get("cover") or {}).get("image") if isinstance(old_keys.get("cover"), dict) else None
        if cover:
            old_images[image_key(public_before, permalink, cover)] += 1
            new_cover = (new_keys.get("cover") or {}).get("image") if isinstance(new_keys.get("cover"), dict) else None
            if new_cover:
                new_images[image_key(public_after, new_permalink or permalink, new_cover)] += 1
        figures.images += sum(old_images.values())
        figures.images_back += sum((old_images & new_images).values())
        same = a.structure == b.structure
        figures.same_structure += same
        if verbose:
            lost_keys = sorted(set(old_keys) - set(kept))
            print(f"{path}: url {'kept' if new_permalink == permalink else f'{permalink} -> {new_permalink}'}"
                  f"{'' if same else ', structure differs'}"
                  f"{', keys lost: ' + ', '.join(lost_keys) if lost_keys else ''}"
                  f"{', images lost: ' + str(sum((old_images - new_images).values())) if old_images - new_images else ''}",
                  file=sys.stderr)
            if not same:
                diff = difflib.unified_diff(a.structure, b.structure, lineterm="", n=1)
                print("    " + "\n    ".join(list(diff)[2:14]), file=sys.stderr)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", action="append", help="only this corpus (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="each post's differences, on stderr")
    parser.add_argument("--keep", type=Path, help="build in this (new) folder and leave it there")
    args = parser.parse_args()
    chosen = [c for c in CORPORA if (not args.corpus or c.name in args.corpus) and c.here]
    total = Figures()
    rows = []
    for corpus in chosen:
        if args.keep:  # the sites, posts and builds, to look at
            figures = run(corpus, args.keep / corpus.name, args.verbose)
        else:
            with tempfile.TemporaryDirectory() as name:
                figures = run(corpus, Path(name), args.verbose)
        for failure in figures.failed:
            print(f"{corpus.name}: failed: {failure}", file=sys.stderr)
        rows.append((corpus, figures))
        for attribute in ("posts", "back", "urls", "words", "words_kept", "keys", "keys_kept", "keys_added", "images",
                          "images_back", "same_structure", "second_import_writes"):
            setattr(total, attribute, getattr(total, attribute) + getattr(figures, attribute))
    print("| blog | posts back | URLs kept | text kept | front matter keys kept (added) | images back | "
          "same HTML structure | second import writes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, f in [(f"{c.what}" + (f" (`{c.repo.replace('+', '/')}`)" if c.repo else ""), f) for c, f in rows] \
            + [("all", total)]:
        print(f"| {label} | {f.back} / {f.posts} | {f.urls} / {f.back} | {_share(f.words_kept, f.words)} | "
              f"{f.keys_kept} / {f.keys} = {_share(f.keys_kept, f.keys)} ({f.keys_added}) | "
              f"{f.images_back} / {f.images} | {f.same_structure} / {f.back} = {_share(f.same_structure, f.back)} | "
              f"{f.second_import_writes} |")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2%}" if whole else "–"


if __name__ == "__main__":
    main()
