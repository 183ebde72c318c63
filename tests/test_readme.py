"""The README's command table against the CLI itself: every command has a row, and every option
a row names exists (a renamed or removed option cannot linger in the docs)."""

from __future__ import annotations

import re

from pipeline.cli import main
from tests.conftest import ROOT


def _rows() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[2]
    rows = {}
    for line in table.splitlines()[2:]:  # past the header and its rule
        if not line.startswith("| `"):
            break
        name = re.match(r"\| `([\w-]+)", line).group(1)
        rows[name] = line
    return rows


def test_every_command_has_a_row_and_every_row_a_command():
    assert sorted(_rows()) == sorted(main.commands)


def test_every_option_a_row_names_exists():
    for name, row in _rows().items():
        known = {opt for param in main.commands[name].params for opt in param.opts + param.secondary_opts}
        named = set(re.findall(r"`(--[\w-]+)", row)) | set(re.findall(r"[ (](--[\w-]+)", row))
        assert named <= known, (name, sorted(named - known))
