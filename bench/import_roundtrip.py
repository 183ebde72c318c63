"""The share of posts that come back identical from import then sync (issue #10), for the
"## Import round trip" section of bench/RESULTS.md: the checks of tests/test_import_roundtrip.py
over the demo posts, every block fixture, many generated posts, and the hand-written posts.

    .venv/bin/python bench/import_roundtrip.py              # 100 generated examples (~250 posts)
    .venv/bin/python bench/import_roundtrip.py --examples 400

Generation only (no shrinking, no example database) from a fixed seed: a run is repeatable.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import lay_out_demo_posts  # noqa: E402
from tests.importkit import config, post, round_trip, write_bundles  # noqa: E402
from tests.test_import_roundtrip import (  # noqa: E402
    OUTSIDE_NOTION,
    POSTS,
    generated_round_trip,
    hand_written,
)
from tests.test_render_blocks import load  # noqa: E402

SEED = 20261201


def demo(tmp: Path) -> tuple[int, int]:
    demo_posts = lay_out_demo_posts(tmp / "demo")
    trip = round_trip(tmp, [demo_posts])
    same = sum(trip.posts.get(slug.name) == (slug / "index.md").read_text(encoding="utf-8")
               for slug in demo_posts.iterdir() if slug.is_dir())
    return same, len(trip.imported.plans)


def fixtures(tmp: Path) -> tuple[int, int, int, int]:
    """(identical within what Notion holds, within, identical of all, all)."""
    cases = load()
    posts = {f"case-{i:03d}": post(case.markdown) for i, case in enumerate(cases)}
    posts["exported"] = post("The post the fixtures link to.", title="Exported post")
    trip = round_trip(tmp, [write_bundles(tmp / "in", posts)], config(link_style="permalink"))
    same = {case.name for i, case in enumerate(cases) if trip.posts.get(f"case-{i:03d}") == posts[f"case-{i:03d}"]}
    within = {case.name for case in cases if case.name not in OUTSIDE_NOTION}
    return len(same & within), len(within), len(same), len(cases)


def generated(tmp: Path, examples: int) -> tuple[int, int]:
    totals = [0, 0]

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, phases=[Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    @given(posts=POSTS)
    def one(posts):
        written, back = generated_round_trip(Path(tempfile.mkdtemp(dir=tmp)), posts)
        totals[0] += sum(back.get(slug) == text for slug, text in written.items())
        totals[1] += len(written)
        for slug, text in written.items():
            if back.get(slug) != text:
                print(f"differs:\n{text!r}\n{back.get(slug)!r}", file=sys.stderr)

    one()
    return totals[0], totals[1]


def hand(tmp: Path) -> tuple[int, int, int, int]:
    class Factory:
        def mktemp(self, name: str) -> Path:
            return Path(tempfile.mkdtemp(prefix=name, dir=tmp))

    pages = hand_written.__wrapped__(Factory())
    same_posts = same_elements = elements = 0
    for before, after, _ in pages.values():
        same_posts += before == after
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        same_elements += sum(size for *_, size in matcher.get_matching_blocks())
        elements += len(before)
    return same_posts, len(pages), same_elements, elements


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=100, help="generated examples (1 to 4 posts each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        d = demo(tmp / "demo")
        f = fixtures(tmp / "fixtures")
        g = generated(tmp, args.examples)
        h = hand(tmp)
    print("| posts | identical | share |\n| --- | --- | --- |")
    print(f"| demo posts (tests/golden, as `make demo` writes them) | {d[0]} of {d[1]} | {d[0] / d[1]:.0%} |")
    print(f"| block fixtures Notion can hold | {f[0]} of {f[1]} | {f[0] / f[1]:.0%} |")
    print(f"| block fixtures, all ({f[3] - f[1]} hold nothing Notion can) | {f[2]} of {f[3]} | {f[2] / f[3]:.0%} |")
    print(f"| generated posts ({args.examples} examples, seed {SEED}) | {g[0]} of {g[1]} | {g[0] / g[1]:.0%} |")
    print(f"| hand-written posts, Hugo HTML identical | {h[0]} of {h[1]} | {h[0] / h[1]:.0%} |")
    print(f"| hand-written posts' HTML elements identical | {h[2]} of {h[3]} | {h[2] / h[3]:.0%} |")


if __name__ == "__main__":
    main()
