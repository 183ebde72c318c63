"""The whole chain of issue #15, as a blog runs it: an edit through Notion's API, the webhook
the emulator sends, `notion-hugo webhook` (a real process on uvicorn), one dispatch to the
stand-in for GitHub's API, then the Action's sync step with that payload (`sync --entry`): the
edited post is rewritten, the trashed one removed, the third left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from notion_client import Client

from notion_emulator import NotionEmulator
from pipeline.config import load_default_config
from pipeline.source import SourceOptions
from pipeline.sync import Selection, sync
from tests.conftest import ROOT, SEED_DATA_SOURCE, TOKEN
from tests.test_webhook import HOOK_TOKEN, github, webhook_process  # noqa: F401 - github is a fixture
from tests.webhookkit import PAGES, paragraph, workspace


def action_sync_step(tmp: Path, entries: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The Action's "Sync from Notion" step, its notion-hugo being this checkout's."""
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    script = next(step for step in steps if step.get("name") == "Sync from Notion")["run"]
    tool = tmp / "runner" / "notion-hugo" / "bin" / "notion-hugo"
    tool.parent.mkdir(parents=True)
    tool.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pipeline "$@"\n')
    tool.chmod(0o755)
    config = tmp / "pipeline.toml"
    config.write_text((ROOT / "pipeline" / "defaults" / "pipeline.toml").read_text()
                      .replace('data_source = ""', f'data_source = "{SEED_DATA_SOURCE}"'))
    variables = {"RUNNER_TEMP": str(tmp / "runner"), "GITHUB_OUTPUT": str(tmp / "output"),
                 "GITHUB_STEP_SUMMARY": str(tmp / "summary"), "CONFIG": str(config), "OUTPUT": str(tmp / "posts"),
                 "ALLOW_REMOVAL": "false", "ENTRIES": entries, "PATH": os.environ["PATH"],
                 "PYTHONPATH": str(ROOT), "NOTION_HUGO_CACHE": str(tmp / "cache"), **env}
    return subprocess.run(["bash", "-e", "-c", script], env=variables, capture_output=True, text=True, cwd=ROOT)


def test_an_edit_reaches_the_blog_through_webhook_dispatch_and_sync_entry(tmp_path, github):  # noqa: F811
    posts = tmp_path / "posts"
    with NotionEmulator(workspace(), token=TOKEN) as emulator:  # the blog as the hourly run left it
        sync(load_default_config(), Selection(SEED_DATA_SOURCE, ()), token=TOKEN, out_dir=posts,
             options=SourceOptions(base_url=emulator.base_url, rate=0))
    untouched = (posts / "post-2" / "index.md").read_bytes()
    with webhook_process(tmp_path, github, {"NOTION_WEBHOOK_TOKEN": HOOK_TOKEN}, "--debounce", "0.2") as (_, url), \
            NotionEmulator(workspace(), token=TOKEN, webhook_url=url, webhook_token=HOOK_TOKEN,
                           webhook_window=0.05) as emulator, Client(auth=TOKEN, base_url=emulator.base_url) as client:
        client.blocks.children.append(block_id=PAGES[0], children=[paragraph("Written in Notion a moment ago.")])
        client.pages.update(page_id=PAGES[1], in_trash=True)
        (dispatch,) = github.wait_for(1)
        emulator.reset_log()
        done = action_sync_step(tmp_path, " ".join(dispatch.client_payload["pages"]),
                                {"NOTION_TOKEN": TOKEN, "NOTION_BASE_URL": emulator.base_url})
        requested = sorted({r.path for r in emulator.requests})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Written in Notion a moment ago." in (posts / "post-0" / "index.md").read_text()
    assert not (posts / "post-1").exists()
    assert (posts / "post-2" / "index.md").read_bytes() == untouched
    # Only the named pages were read: each page, and the blocks of the one still published.
    assert requested == sorted({f"/v1/pages/{PAGES[0]}", f"/v1/pages/{PAGES[1]}", f"/v1/blocks/{PAGES[0]}/children"})
    assert "status=0" in (tmp_path / "output").read_text()
