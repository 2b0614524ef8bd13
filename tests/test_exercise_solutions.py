"""Each exercise's solution exists once: the notebook's ``solution``-tagged answer cell.

``exN.solution()`` prints that cell and the checker tests run it (tests/test_exercises_nbNN.py), so the
answer shown to a learner is the one the notebook runs under nbval and the one the tests check.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import labkit.course.exercises
from labkit.course.exercises import Exercise
from labkit.course.exercises.solutions import MissingSolution, solution_code
from labkit.course.notebook_sources import read_source
from labkit.tools.notebooks import source_paths

REPO = Path(__file__).resolve().parents[1]
SOURCES = source_paths(REPO)
IMPORT = re.compile(r"^from labkit\.course\.exercises\.nb(\w+) import (\w+) as ex(\d+)$", re.MULTILINE)


def _exercises() -> dict[str, Exercise]:
    found = {}
    for module in pkgutil.iter_modules(labkit.course.exercises.__path__):
        if module.name.startswith("nb"):
            loaded = importlib.import_module(f"labkit.course.exercises.{module.name}")
            found.update({f"{module.name}.{n}": v for n, v in vars(loaded).items() if isinstance(v, Exercise)})
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_exercise_n_is_imported_as_exN_before_the_nth_answer_cell(path: Path) -> None:
    number = path.stem.split("-", 1)[0]
    cells = [c for c in read_source(path).cells if c.cell_type == "code"]
    answers = [n for n, c in enumerate(cells) if "solution" in c.metadata.get("tags", [])]
    imported = sorted(
        ((n, m) for n, c in enumerate(cells) for m in IMPORT.finditer(c.source)), key=lambda i: int(i[1].group(3))
    )
    assert len(imported) == len(answers), "one `from labkit.course.exercises.nbNN import x as exN` per answer cell"
    for k, (answer, (at, match)) in enumerate(zip(answers, imported), start=1):
        module, name, ex = match.groups()
        exercise = getattr(importlib.import_module(f"labkit.course.exercises.nb{module}"), name)
        assert (module, int(ex)) == (number, k), f"{match.group(0)}: notebook {number}'s exercise {k}"
        assert (exercise.notebook, exercise.number) == (number, k)
        assert at < answer, f"{match.group(0)} comes before the answer cell of ex{k}"


def test_every_exercise_of_the_package_is_in_its_notebook() -> None:
    taught = {f"nb{m}.{name}" for path in SOURCES for m, name, _ in IMPORT.findall(path.read_text(encoding="utf-8"))}
    assert set(_exercises()) == taught


def test_solution_prints_the_notebooks_answer_cell(capsys: pytest.CaptureFixture[str]) -> None:
    from labkit.course.exercises.nb02 import three_of_five

    three_of_five.solution()
    cell = next(
        c for c in read_source(REPO / "notebooks/src/02-cpu-alarm.py").cells if "solution" in c.metadata.get("tags", [])
    )
    assert capsys.readouterr().out == cell.source.strip() + "\n"
    assert 'AlarmName="cpu-high-3-of-5"' in cell.source


def test_an_exercise_without_an_answer_cell_is_one_sentence() -> None:
    with pytest.raises(
        MissingSolution, match="notebook 02 has 1 cell\\(s\\) tagged 'solution', so exercise 2 has no answer"
    ):
        solution_code("02", 2)
    with pytest.raises(MissingSolution, match="no single notebook source for '99'"):
        solution_code("99", 1)
