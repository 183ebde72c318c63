"""The share of generated rich texts that round-trip, for the "## Rich text round trip" section
of bench/RESULTS.md: the strategies and checks of tests/test_rich_text_roundtrip.py, many more
examples, failures counted instead of raised.

    .venv/bin/python bench/roundtrip.py                       # 10,000 through markdown-it
    .venv/bin/python bench/roundtrip.py --hugo-builds 100     # and 100 Hugo builds of 30

Generation only (no shrinking, no example database) from a fixed seed: a run is repeatable.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_rich_text_roundtrip import cases, check, hugo_check, hugo_contents, render  # noqa: E402

SEED = 20261126
PER_BUILD = 30


def failures(examples: int, strategy: st.SearchStrategy, check_one) -> tuple[int, list[str]]:
    """How many values Hypothesis generated (it may stop short of `examples`), and the Markdown
    of every case that failed; `check_one` returns those of one value."""
    failed: list[str] = []
    generated = 0

    @seed(SEED)
    @settings(max_examples=examples, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(value):
        nonlocal generated
        generated += 1
        failed.extend(check_one(value))

    one()
    return generated, failed


def through_markdown_it(case) -> list[str]:
    try:
        check(case)
    except AssertionError:
        return [render(case)]
    return []


def through_hugo(batch) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        contents = hugo_contents(batch, Path(tmp))
    failed = []
    for case, content in zip(batch, contents):
        try:
            hugo_check(case, content)
        except AssertionError:
            failed.append(render(case))
    return failed


def report(name: str, total: int, failed: list[str], started: float) -> None:
    passed = total - len(failed)
    print(f"{name}: {passed:,} / {total:,} round-trip ({100 * passed / total:.2f} %), {time.monotonic() - started:.0f} s")
    for markdown in failed[:5]:
        print("  failed:", repr(markdown))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="rich texts through markdown-it")
    parser.add_argument("--hugo-builds", type=int, default=0, help=f"Hugo builds of {PER_BUILD} rich texts each")
    args = parser.parse_args()
    started = time.monotonic()
    generated, failed = failures(args.examples, cases(), through_markdown_it)
    report("markdown-it", generated, failed, started)
    if args.hugo_builds:
        started = time.monotonic()
        batches = st.lists(cases(), min_size=PER_BUILD, max_size=PER_BUILD)
        builds, failed = failures(args.hugo_builds, batches, through_hugo)
        report(f"Hugo ({builds} builds)", builds * PER_BUILD, failed, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
