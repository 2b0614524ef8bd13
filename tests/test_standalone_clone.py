"""A clone stands alone: cloned into an empty folder with nothing beside it (no ../shared), the tests
collect and notebook 04 runs. Checks the committed state (HEAD), as a learner would clone it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebook  # kernels and subprocesses: `make test`, not `make unit`

REPO = Path(__file__).resolve().parents[1]

#: Runs in the clone, with the clone's labkit: notebook 04 executed as `labkit run` does.
RUN_NOTEBOOK_04 = """
import sys
from pathlib import Path

import nbformat

import labkit
from labkit.tools import notebooks

clone = Path.cwd()
assert Path(labkit.__file__).resolve().is_relative_to(clone), labkit.__file__
notebook = nbformat.read(clone / "notebooks" / "04-log-agent-config.ipynb", as_version=4)
with notebooks.backend_environment("moto"):
    notebooks.execute(notebook, clone / "notebooks")
print("checks", notebooks.checks_line(notebook))
"""


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HEAD of this repository cloned into an empty folder; the clone is alone in it."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the project")
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    workspace = tmp_path_factory.mktemp("workspace")
    target = workspace / "aws-monitoring-labkit"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(REPO), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "checkout", "--quiet", "--detach", head], check=True)
    assert list(workspace.iterdir()) == [target]
    return target


def _environment(clone: Path) -> dict[str, str]:
    """This environment without labkit settings, importing the clone's labkit first."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LABKIT_")}
    env["PYTHONPATH"] = str(clone)
    return env


def test_tests_collect_in_a_lone_clone(clone: Path) -> None:
    result = subprocess.run(
        # --assert=plain: collecting runs no assert, so pytest need not rewrite every test module's asserts first.
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--assert=plain", "tests"],
        cwd=clone,
        env=_environment(clone),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    # "1576 tests collected in 9s", or "1576/1579 tests collected (3 deselected) in 9s" (browser tests)
    collected = re.match(r"(\d+)(?:/\d+)? tests? collected", summary)
    assert "error" not in summary and collected and int(collected.group(1)) > 100, summary


def test_notebook_04_runs_in_a_lone_clone(clone: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RUN_NOTEBOOK_04],
        cwd=clone,
        env=_environment(clone),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    checks = result.stdout.strip().splitlines()[-1].split()[-1]
    done, total = checks.split("/")
    assert done == total and int(total) > 0, result.stdout
