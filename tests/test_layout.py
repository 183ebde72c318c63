"""Where things live: the product package depends on nothing of the emulator, and the tests run
from any working directory (issue #11)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_product_imports_no_test_equipment():
    probe = ("import sys, pipeline.cli, pipeline.sync; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('notion_emulator', 'tests', 'hypothesis')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_pytest_collects_from_any_directory(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             str(ROOT / "tests" / "test_sync.py")], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_make_demo_writes_the_golden_posts_outside_output" in result.stdout
