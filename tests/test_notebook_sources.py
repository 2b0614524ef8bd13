"""The notebook sources are jupytext percent scripts, deliberately NOT paired with the executed notebooks.

One model: a contributor edits ``notebooks/src/NN-name.py`` (in an editor, or opened as a notebook in
JupyterLab) and ``make notebooks`` builds ``notebooks/NN-name.ipynb`` from it (stable cell ids, executed
outputs). Pairing would let ``jupytext --sync`` or a JupyterLab save rewrite the executed notebook's
metadata behind the builder's back; without it both actions are safe, which these tests check.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from labkit.course.notebook_sources import read_source
from labkit.tools.notebooks import kernelspec, source_paths

REPO = Path(__file__).resolve().parents[1]
SOURCES = source_paths(REPO)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_a_source_is_unpaired_and_names_the_kernel_jupyterlab_writes(path: Path) -> None:
    metadata = jupytext.read(path).metadata
    assert "formats" not in metadata.get("jupytext", {}), "unpaired: `make notebooks` builds the .ipynb"
    assert metadata["kernelspec"] == kernelspec()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_saving_a_source_from_jupyterlab_writes_it_back_unchanged(path: Path) -> None:
    """JupyterLab's jupytext contents manager reads the script and writes it back the same way."""
    assert jupytext.writes(jupytext.read(path), fmt="py:percent") == path.read_text(encoding="utf-8")


def test_jupytext_sync_changes_neither_the_source_nor_the_executed_notebook(tmp_path: Path) -> None:
    name = "02-cpu-alarm"
    notebooks = tmp_path / "notebooks"
    (notebooks / "src").mkdir(parents=True)
    shutil.copy(REPO / "notebooks" / f"{name}.ipynb", notebooks)
    shutil.copy(REPO / "notebooks" / "src" / f"{name}.py", notebooks / "src")
    for target in (f"src/{name}.py", f"{name}.ipynb"):
        subprocess.run(
            [sys.executable, "-m", "jupytext", "--sync", target], cwd=notebooks, capture_output=True, check=True
        )
    assert (notebooks / "src" / f"{name}.py").read_bytes() == (REPO / "notebooks" / "src" / f"{name}.py").read_bytes()
    assert (notebooks / f"{name}.ipynb").read_bytes() == (REPO / "notebooks" / f"{name}.ipynb").read_bytes()
    synced = nbformat.read(notebooks / f"{name}.ipynb", as_version=4)
    assert [c.id for c in synced.cells] == [f"cell-{n:03d}" for n in range(len(synced.cells))], "stable cell ids"


def _without_cell_ids(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its cells' ids, which jupytext draws at random at every reading."""
    for cell in notebook.cells:
        del cell["id"]
    return notebook


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_a_source_read_once_per_process_is_what_jupytext_reads(path: Path) -> None:
    read = _without_cell_ids(jupytext.read(path))
    first = read_source(path)
    assert _without_cell_ids(first) == read
    first.cells.clear()
    first.metadata.clear()
    again = read_source(path)
    assert again.cells and _without_cell_ids(again) == read


def test_a_changed_source_is_read_again(tmp_path: Path) -> None:
    source = tmp_path / SOURCES[0].name
    text = SOURCES[0].read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    before = read_source(source)
    source.write_text(text + "\n# %%\nprint('one more cell')\n", encoding="utf-8")
    after = read_source(source)
    assert len(after.cells) == len(before.cells) + 1 and after.cells[-1].source == "print('one more cell')"
    assert _without_cell_ids(after) == _without_cell_ids(jupytext.read(source))
