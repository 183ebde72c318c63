"""The scheduled GitHub Action: what it must be, read from the file (actionlint checks the rest
in `make lint`)."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "sync.yml").read_text())
TRIGGERS = WORKFLOW.get("on", WORKFLOW.get(True))  # PyYAML reads the key `on` as True
STEPS = WORKFLOW["jobs"]["sync"]["steps"]


def test_runs_on_a_schedule_and_by_hand_one_at_a_time():
    assert TRIGGERS["schedule"][0]["cron"]
    assert "workflow_dispatch" in TRIGGERS
    assert WORKFLOW["concurrency"]["group"]
    assert WORKFLOW["permissions"]["contents"] == "write"


def test_current_action_majors():
    uses = {step["uses"].split("@")[0]: int(re.match(r"v(\d+)", step["uses"].split("@")[1]).group(1)) for step in STEPS if "uses" in step}
    assert uses["actions/checkout"] >= 5
    assert uses["actions/setup-python"] >= 6


def test_token_only_in_the_sync_steps_env():
    mentions = [step.get("name") for step in STEPS if "NOTION_TOKEN" in yaml.safe_dump(step)]
    assert mentions == ["Sync from Notion"]
    sync_step = next(step for step in STEPS if step.get("name") == "Sync from Notion")
    assert sync_step["env"]["NOTION_TOKEN"] == "${{ secrets.NOTION_TOKEN }}"
    assert "NOTION_TOKEN" not in yaml.safe_dump(WORKFLOW.get("env", {}))
    assert '--report-file "$GITHUB_STEP_SUMMARY"' in sync_step["run"]


def test_commits_only_when_something_changed_and_fails_after_committing_rejections():
    commit = next(step for step in STEPS if step.get("name") == "Commit and push")
    assert commit["run"].index("git diff --cached --quiet") < commit["run"].index("git commit")
    names = [step.get("name") for step in STEPS]
    assert names.index("Commit and push") < names.index("Fail on rejected entries")
    assert next(s for s in STEPS if s.get("name") == "Fail on rejected entries")["if"] == "steps.sync.outputs.status == '1'"
