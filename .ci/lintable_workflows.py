"""Write, into the folder named by argv[1], what actionlint cannot find as workflows by itself:

- the workflow `notion-hugo init` writes for a blog;
- action.yml (a composite action, which actionlint reads only as the target of a local `uses`,
  and not at all in its WebAssembly build) as the equivalent reusable workflow: its inputs as
  `workflow_call` inputs, its steps as one job's, its outputs as the workflow's. Expressions,
  contexts, step ids and scripts are then checked as in any workflow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from pipeline.scaffold import ACTION, propose_workflow

ROOT = Path(__file__).resolve().parent.parent


def action_as_workflow(action: dict) -> dict:
    inputs = {
        name: {"description": spec["description"], "type": "string", "required": bool(spec.get("required")),
               **({"default": spec["default"]} if "default" in spec else {})}
        for name, spec in action["inputs"].items()
    }
    outputs = {name: {"description": spec["description"], "value": f"${{{{ jobs.action.outputs.{name} }}}}"}
               for name, spec in action["outputs"].items()}
    job_outputs = {name: spec["value"] for name, spec in action["outputs"].items()}
    return {
        "name": action["name"],
        "on": {"workflow_call": {"inputs": inputs, "outputs": outputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "outputs": job_outputs, "steps": action["runs"]["steps"]}},
    }


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "blog-notion-sync.yml").write_text(propose_workflow(ACTION, "pipeline.toml", "content/posts"))
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    (folder / "action-as-workflow.yml").write_text(yaml.safe_dump(action_as_workflow(action), sort_keys=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
