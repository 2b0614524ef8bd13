"""Every notebook follows the course skeleton and matches its jupytext source."""

from __future__ import annotations

import functools
import gc
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import nbformat
import pytest

from labkit.course.notebook_sources import read_source
from labkit.tools.notebooks import notebook_paths, skeleton_problems, source_paths

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = notebook_paths(REPO)
SOURCES = source_paths(REPO)


def test_every_source_has_its_executed_notebook_and_back() -> None:
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in SOURCES]
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_skeleton(path: Path) -> None:
    assert skeleton_problems(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_and_in_sync_with_its_source(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    source = read_source(REPO / "notebooks" / "src" / f"{path.stem}.py")
    code = [c.source for c in notebook.cells]
    assert code == [c.source for c in source.cells], "run `make notebooks` after editing notebooks/src"
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), "commit notebooks executed (`make notebooks`)"
    assert not any(o.output_type == "error" for c in code_cells for o in c.outputs)
    assert [c.id for c in notebook.cells] == [f"cell-{n:03d}" for n in range(len(notebook.cells))], "stable cell ids"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_ends_with_checks_that_clean_up_when_they_fail_then_teardown(path: Path) -> None:
    """Run All stops at a failing check: ``checks.report(lab)`` tears the lab down before it raises."""
    notebook = nbformat.read(path, as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    reports = [
        line.strip() for source in code for line in source.splitlines() if line.strip().startswith("checks.report(")
    ]
    assert len(reports) == 1 and reports[0].startswith("checks.report(lab)"), reports
    assert code[-1].rstrip().endswith("assert lab.inventory() == [], lab.inventory()")


def test_skeleton_check_catches_a_missing_section() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title\n## Objectives\n## Prerequisites and time\n## Setup\n## Step 1: x"),
            nbformat.v4.new_markdown_cell("## Check your work\n## Exercises\n## Summary and what's next\n## Clean up"),
        ]
    )
    assert skeleton_problems(notebook) == ["missing or out of order: '## Check your work'"]


@pytest.mark.notebook
def test_nbval_runs_each_notebook_again_in_its_kernel_with_step_cells_twice(tmp_path: Path) -> None:
    """Run All twice, and every Step cell twice in a row: the root conftest.py adds that run after each notebook's
    nbval run (`make test`, `make nbval`), in the same kernel. A Step cell that cannot run twice fails it."""
    (tmp_path / "conftest.py").write_text((REPO / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## Step 1: make it"),
            nbformat.v4.new_code_cell("assert 'made' not in globals(), 'made twice'\nmade = True", execution_count=1),
            nbformat.v4.new_markdown_cell("## Check your work"),
            nbformat.v4.new_code_cell(
                "print('x: 1/1 checks passed')",
                execution_count=2,
                outputs=[nbformat.v4.new_output("stream", name="stdout", text="x: 1/1 checks passed\n")],
            ),
        ]
    )
    nbformat.write(notebook, tmp_path / "99-once-only.ipynb")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            "99-once-only.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "1 failed, 2 passed" in result.stdout, result.stdout + result.stderr
    assert "Run All again, Step cells twice" in result.stdout and "AssertionError: made twice" in result.stdout


@functools.cache
def _root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("root_conftest", REPO / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("nodeid", "scope"),
    [
        ("notebooks/02-cpu-alarm.ipynb::Cell 3", "notebooks/02-cpu-alarm.ipynb"),
        ("notebooks/ja/02-cpu-alarm.ipynb::Run All again, Step cells twice", "notebooks/ja/02-cpu-alarm.ipynb"),
        ("tests/test_a.py::test_b", "tests/test_a.py::test_b"),
        ("tests/test_a.py::test_b[x::y]", "tests/test_a.py::test_b[x::y]"),
        ("tests/test_a.py::TestShared::test_b[1]", "tests/test_a.py::TestShared"),
    ],
)
def test_a_worker_runs_a_notebook_whole_a_class_together_and_other_tests_alone(nodeid: str, scope: str) -> None:
    """``make test``'s scheduling (the root conftest.py): a notebook's cells and its second run in one kernel."""
    assert _root_conftest().scope(nodeid) == scope


def test_a_test_process_collects_garbage_with_a_larger_young_generation_after_collecting() -> None:
    """This process (a worker, or the only process) imported and collected with garbage collection off, then turned
    it on with the root conftest.py's young generation; the older generations keep Python's thresholds."""
    assert gc.isenabled()
    assert gc.get_threshold() == (_root_conftest().YOUNG_GENERATION, 10, 10)
    assert gc.get_freeze_count() > 100_000  # what was loaded before the first test


def test_the_notebook_scheduler_replaces_xdists_default_only() -> None:
    from xdist.scheduler import LoadFileScheduling, LoadScopeScheduling

    conftest = _root_conftest()

    def config(dist: str) -> Any:
        return SimpleNamespace(getoption=lambda name: dist, getvalue=lambda name: dist, option=SimpleNamespace())

    made = conftest.pytest_xdist_make_scheduler(config("load"), log=None)
    assert isinstance(made, LoadScopeScheduling) and not isinstance(made, LoadFileScheduling)
    assert made._split_scope("notebooks/00-x.ipynb::Cell 1") == "notebooks/00-x.ipynb"
    assert conftest.pytest_xdist_make_scheduler(config("loadfile"), log=None) is None
