"""The exercises' solutions, read from the notebooks' sources: each exists once.

An exercise's solution is the notebook's answer cell, tagged ``solution`` in
``notebooks/src/NN-name.py`` (docs/notebook-standards.md, "Exercises"): the N-th such cell answers
exercise N (``exN`` in the notebook). ``Exercise.solution()`` prints it and the tests run it, so the
answer a learner is shown is the one the notebook runs and the tests check. Student editions drop
those cells from the notebooks, not from the sources, so ``exN.solution()`` works there too.
"""

from __future__ import annotations

import functools
from pathlib import Path

from labkit.course.notebook_sources import read_source
from labkit.exceptions import MissingSolution

SOLUTION_TAG = "solution"


def sources_folder() -> Path:
    """``notebooks/src`` of the project this package belongs to (the kit is installed editable)."""
    for parent in Path(__file__).resolve().parents:
        folder = parent / "notebooks" / "src"
        if folder.is_dir():
            return folder
    raise MissingSolution(f"no notebooks/src folder above {Path(__file__).parent}: the solutions live there")


@functools.cache
def solution_cells(notebook: str) -> tuple[str, ...]:
    """The ``solution``-tagged code cells of notebook ``notebook`` (``"02"``, ``"06b"``), in order."""
    found = sorted(sources_folder().glob(f"{notebook}-*.py"))
    if len(found) != 1:
        raise MissingSolution(f"no single notebook source for {notebook!r} in notebooks/src (found {len(found)})")
    cells = read_source(found[0]).cells
    return tuple(
        cell.source for cell in cells if cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])
    )


def solution_code(notebook: str, number: int) -> str:
    """The answer cell of exercise ``number`` (1 for ``ex1``) of notebook ``notebook``."""
    cells = solution_cells(notebook)
    if not 1 <= number <= len(cells):
        raise MissingSolution(
            f"notebook {notebook} has {len(cells)} cell(s) tagged {SOLUTION_TAG!r}, so exercise {number} has no answer"
        )
    return cells[number - 1]
