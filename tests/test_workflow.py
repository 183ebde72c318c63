"""The scheduled workflow and the reusable Action it uses: what they must be, read from the files
(actionlint checks the rest in `make lint`, action.yml included: see .ci/actionlint)."""

from __future__ import annotations

import re

import yaml

from pipeline.scaffold import ACTION, propose_workflow
from tests.conftest import ROOT

WORKFLOW_TEXT = (ROOT / ".github" / "workflows" / "sync.yml").read_text()
WORKFLOW = yaml.safe_load(WORKFLOW_TEXT)
TRIGGERS = WORKFLOW.get("on", WORKFLOW.get(True))  # PyYAML reads the key `on` as True
STEPS = WORKFLOW["jobs"]["sync"]["steps"]
ACTION_FILE = yaml.safe_load((ROOT / "action.yml").read_text())
ACTION_STEPS = ACTION_FILE["runs"]["steps"]


def step(name: str) -> dict:
    return next(s for s in ACTION_STEPS if s.get("name") == name)


def test_runs_on_a_schedule_and_by_hand_one_at_a_time():
    assert TRIGGERS["schedule"][0]["cron"]
    assert "workflow_dispatch" in TRIGGERS
    assert WORKFLOW["concurrency"]["group"]
    assert WORKFLOW["permissions"]["contents"] == "write"


def test_this_repository_uses_the_action_from_its_own_checkout_as_a_blog_would():
    """sync.yml is the workflow `init` writes for a blog, with the Action at `./`."""
    assert WORKFLOW_TEXT == propose_workflow("./", "pipeline.toml", "output/content/posts")
    assert [s.get("uses") for s in STEPS] == ["actions/checkout@v5", "./"]
    blog = yaml.safe_load(propose_workflow(ACTION, "pipeline.toml", "content/posts"))
    assert blog["jobs"]["sync"]["steps"][1]["uses"] == ACTION
    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[\w.-]+", ACTION)


def test_the_workflow_passes_only_inputs_the_action_has_and_every_required_one():
    given = STEPS[1]["with"]
    assert set(given) <= set(ACTION_FILE["inputs"])
    assert {name for name, spec in ACTION_FILE["inputs"].items() if spec.get("required")} <= set(given)
    assert given["token"] == "${{ secrets.NOTION_TOKEN }}"
    assert given["mode"] == "${{ vars.NOTION_SYNC_MODE || 'commit' }}"


def test_action_is_composite_with_the_promised_inputs_and_outputs():
    assert ACTION_FILE["runs"]["using"] == "composite"
    assert {"token", "config", "output", "mode"} <= set(ACTION_FILE["inputs"])
    assert set(ACTION_FILE["outputs"]) == {"changed", "status", "report"}
    assert ACTION_FILE["outputs"]["status"]["value"] == "${{ steps.sync.outputs.status }}"
    assert ACTION_FILE["outputs"]["changed"]["value"] == "${{ steps.publish.outputs.changed }}"
    assert "report<<" in step("Sync from Notion")["run"]


def test_action_installs_from_its_own_checkout_never_through_make():
    install = step("Install notion-hugo")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert 'pip install --quiet "$ACTION_PATH"' in install["run"]
    assert "make" not in yaml.safe_dump(ACTION_STEPS).split()
    uses = {s["uses"].split("@")[0]: int(re.match(r"v(\d+)", s["uses"].split("@")[1]).group(1)) for s in ACTION_STEPS if "uses" in s}
    assert uses["actions/setup-python"] >= 6


def test_token_only_in_the_sync_steps_env():
    mentions = [s.get("name") for s in ACTION_STEPS if "inputs.token" in yaml.safe_dump(s)]
    assert mentions == ["Sync from Notion"]
    assert step("Sync from Notion")["env"]["NOTION_TOKEN"] == "${{ inputs.token }}"
    assert '--report-file "$report"' in step("Sync from Notion")["run"]
    assert [s for s in STEPS if "NOTION_TOKEN" in yaml.safe_dump(s)] == [STEPS[1]]


def test_commits_only_the_output_when_something_changed_and_fails_after_committing_rejections():
    publish = step("Commit or open a pull request")["run"]
    assert publish.index('git add --all -- "$OUTPUT"') < publish.index("git diff --cached --quiet") < publish.index("git commit")
    names = [s.get("name") for s in ACTION_STEPS]
    assert names.index("Commit or open a pull request") < names.index("Fail on rejected entries")
    assert step("Fail on rejected entries")["if"] == "steps.sync.outputs.status == '1'"
    assert "commit|pull-request) ;;" in step("Install notion-hugo")["run"]  # a wrong mode fails before the sync


def _sync_step_arguments(tmp_path, allow_removal: str, entries: str = "") -> str:
    """What the Action's sync step passes to notion-hugo, run with a stand-in that prints them."""
    import subprocess

    tool = tmp_path / "notion-hugo" / "bin" / "notion-hugo"
    tool.parent.mkdir(parents=True)
    tool.write_text('#!/bin/sh\nprintf "%s|" "$@" > "$RUNNER_TEMP/args"\n')  # one argument a field
    tool.chmod(0o755)
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum"),
           "CONFIG": "pipeline.toml", "OUTPUT": "content/posts", "ALLOW_REMOVAL": allow_removal, "ENTRIES": entries,
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["bash", "-e", "-c", step("Sync from Notion")["run"]], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return " ".join((tmp_path / "args").read_text().rstrip("|").split("|"))


def test_allow_removal_is_asked_for_by_hand_and_reaches_the_sync(tmp_path):
    dispatch = TRIGGERS["workflow_dispatch"]["inputs"]["allow-removal"]
    assert dispatch["type"] == "boolean" and dispatch["default"] is False
    assert STEPS[1]["with"]["allow-removal"] == "${{ inputs.allow-removal == true }}"  # false on a schedule
    assert step("Sync from Notion")["env"]["ALLOW_REMOVAL"] == "${{ inputs.allow-removal }}"
    base = "sync --config pipeline.toml --out content/posts --report-file"
    assert _sync_step_arguments(tmp_path / "no", "false") == f"{base} {tmp_path / 'no'}/notion-hugo-report.md"
    assert _sync_step_arguments(tmp_path / "yes", "true") == f"{base} {tmp_path / 'yes'}/notion-hugo-report.md --allow-removal"


def test_a_webhook_dispatch_syncs_the_pages_it_names_each_as_one_argument(tmp_path):
    assert TRIGGERS["repository_dispatch"] == {"types": ["notion-hugo"]}
    assert STEPS[1]["with"]["entries"] == "${{ join(github.event.client_payload.pages, ' ') }}"
    assert step("Sync from Notion")["env"]["ENTRIES"] == "${{ inputs.entries }}"
    base = f"sync --config pipeline.toml --out content/posts --report-file {tmp_path / 'a'}/notion-hugo-report.md"
    first, second = "49518a26-c981-43f7-818f-b6c9e0d9c417", "47fe7c27f8e64162bc8eed96d898dcb4"
    assert _sync_step_arguments(tmp_path / "a", "false", f"{first} {second}") == f"{base} --entry {first} --entry {second}"
    # A payload is text, split on spaces and never expanded: notion-hugo refuses each word as no id.
    hostile = _sync_step_arguments(tmp_path / "b", "false", "$(touch pwned) ;id")
    assert hostile.endswith("--entry $(touch --entry pwned) --entry ;id") and not (tmp_path / "pwned").exists()
    many = " ".join(f"{n:032x}" for n in range(51))  # more than 50: one incremental run over all
    assert "--entry" not in _sync_step_arguments(tmp_path / "c", "false", many)


def test_the_action_keeps_the_block_cache_between_runs():
    names = [s.get("name") for s in ACTION_STEPS]
    restore, save = step("Restore the fetched block trees"), step("Keep the fetched block trees")
    assert names.index("Restore the fetched block trees") < names.index("Sync from Notion") < names.index("Keep the fetched block trees")
    assert restore["uses"].startswith("actions/cache/restore@") and save["uses"].startswith("actions/cache/save@")
    assert restore["with"]["path"] == save["with"]["path"] == step("Sync from Notion")["env"]["NOTION_HUGO_CACHE"]
    assert restore["with"]["restore-keys"] == "notion-hugo-blocks-" and save["with"]["key"].startswith("notion-hugo-blocks-")
    assert save["if"] == "always()"  # a failed sync's trees are whole ones, worth keeping
