"""Faults between us and Notion: the output is byte-identical to a clean run, or the run exits 3
and every earlier file is as it was. Counts and bytes, never timings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_default_config
from notion_emulator import Faults, NotionEmulator, load_store
from pipeline.errors import NotionError
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests.conftest import DEFAULT_CONFIG_FILE, SEED_DATA_SOURCE, SEED_STORE, TOKEN
from tests.fakeclock import FakeClock

CONFIG = load_default_config()
FAST = dict(backoff=0.01, timeout=1.0, retries=4)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.md"))}


def run(out: Path, faults: Faults | None = None, clock: FakeClock | None = None, **options):
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN, faults=faults) as emulator:
        report = sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, force=True,
                      options=SourceOptions(base_url=emulator.base_url, clock=clock or FakeClock(), **{**FAST, **options}))
        return report, [r.status for r in emulator.requests]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("clean") / "posts"
    run(out)
    return snapshot(out)


@pytest.mark.parametrize(
    "faults",
    [
        Faults(status_every=3, status_code=503),
        Faults(status_every=4, status_code=500),
        Faults(status_every=3, status_code=502),
        Faults(status_every=5, status_code=504),
        Faults(rate_limit_burst=[1, 2, 5]),
        Faults(truncate_every=3),
        Faults(drop_every=4),
        Faults(slow_every=4, slow_seconds=1.5),
    ],
    ids=["503", "500", "502", "504", "429-burst", "truncated-json", "dropped-connection", "timeout"],
)
def test_transient_faults_give_the_clean_output(faults, clean, tmp_path):
    report, statuses = run(tmp_path / "posts", faults)
    assert report.exit_code == 0
    assert snapshot(tmp_path / "posts") == clean
    # The faults happened: an error status was answered, or a request got no whole answer
    # (dropped, cut, or given up on: logged as 0 or as 200 but retried, so more than L=8).
    injected = faults.status_code if faults.status_every else 429 if faults.rate_limit_burst else None
    if injected:
        assert injected in statuses
    assert len(statuses) > 8


def test_a_429_waits_what_its_retry_after_says_on_the_runs_clock(clean, tmp_path):
    clock = FakeClock()
    report, statuses = run(tmp_path / "posts", Faults(rate_limit_burst=[1, 2, 5]), clock=clock)
    assert report.exit_code == 0 and snapshot(tmp_path / "posts") == clean
    assert statuses.count(429) == 3
    assert clock.sleeps.count(1.0) >= 3  # the emulator's Retry-After: 1, each waited, none for real


def test_backoff_grows_and_gives_up_after_the_retries(tmp_path):
    clock = FakeClock()
    with pytest.raises(NotionError):
        run(tmp_path / "posts", Faults(status_every=1, status_code=503), clock=clock, backoff=0.5, retries=3)
    # The query's waits, 0.5 s × 2^n each jittered down by up to half; then the run stops.
    assert [low <= wait <= low * 2 for low, wait in zip((0.25, 0.5, 1.0), clock.sleeps)] == [True] * 3
    assert len(clock.sleeps) == 3


def test_notion_down_exits_3_and_leaves_the_old_output(clean, tmp_path, monkeypatch):
    out = tmp_path / "posts"
    run(out)
    before = snapshot(out)
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN, faults=Faults(status_every=1, status_code=503)) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", TOKEN)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        with pytest.raises(NotionError):
            sync(CONFIG, Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=out, force=True,
                 options=SourceOptions(base_url=emulator.base_url, **FAST))
    assert snapshot(out) == before


def test_cli_says_notion_is_unavailable_in_one_paragraph(tmp_path, monkeypatch):
    from pipeline.source import REAL_TIME

    monkeypatch.setattr(REAL_TIME, "sleep", FakeClock().sleep)  # the CLI's runs wait on REAL_TIME
    with NotionEmulator(load_store(SEED_STORE), token=TOKEN, faults=Faults(drop_every=1)) as emulator:
        monkeypatch.setenv("NOTION_TOKEN", TOKEN)
        monkeypatch.setenv("NOTION_BASE_URL", emulator.base_url)
        result = CliRunner().invoke(main, ["sync", "--config", str(DEFAULT_CONFIG_FILE), "--data-source", SEED_DATA_SOURCE,
                                           "--out", str(tmp_path / "posts")])
    assert result.exit_code == 3
    assert result.output.startswith("Error: Notion could not be reached")
    assert "Traceback" not in result.output and TOKEN not in result.output
