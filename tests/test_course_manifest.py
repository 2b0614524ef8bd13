"""Adding a notebook: every place that lists the notebooks agrees with ``notebooks/src/``.

The notebook sources are the list of record (number and slug from ``NN-slug.py``). Each test below is
one place a new notebook must also go, with the fix in its message; docs/contributing.md walks
through them in order. (START-HERE.md and the Makefile's list are checked in test_jupyterlab_setup.py.)
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from labkit.course.curriculum import DIFFERENCES, MONITORING_TYPES, NOTEBOOKS
from labkit.course.quiz import QUESTIONS, TASKS
from labkit.tools.notebooks import source_paths
from labkit.tools.workshop import CATCHUP

REPO = Path(__file__).resolve().parents[1]
SOURCES = {path.stem.split("-", 1)[0]: path.stem for path in source_paths(REPO)}


def test_the_curriculum_lists_every_notebook_source_in_order() -> None:
    assert NOTEBOOKS == SOURCES, "labkit/curriculum.py NOTEBOOKS: number -> notebooks/src/NN-slug.py's stem, in order"


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_says_where_offline_differs_from_aws(number: str) -> None:
    mine = [d for d in DIFFERENCES if number in d.notebooks]
    assert mine, f"labkit/curriculum.py DIFFERENCES: add notebook {number}'s entries (differences_box({number!r}))"
    text = (REPO / "notebooks" / "src" / f"{SOURCES[number]}.py").read_text(encoding="utf-8")
    assert f'differences_box("{number}")' in text, "the Setup section shows the box"


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_has_its_exam_practice_on_known_saa_tasks(number: str) -> None:
    assert number in QUESTIONS, f"labkit/quiz.py QUESTIONS[{number!r}]: 3 to 5 questions"
    unknown = {q.task for q in QUESTIONS[number]} - set(TASKS)
    assert not unknown, f"labkit/quiz.py: tasks {unknown} are not SAA-C03 task statements in TASKS"


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_with_exercises_has_their_module_and_tests(number: str) -> None:
    text = (REPO / "notebooks" / "src" / f"{SOURCES[number]}.py").read_text(encoding="utf-8")
    if f"labkit.course.exercises.nb{number} import" not in text:
        pytest.fail(f"notebook {number} imports no exercise: every notebook has one (labkit/course/exercises/nb{number}.py)")
    importlib.import_module(f"labkit.course.exercises.nb{number}")
    assert (REPO / "tests" / f"test_exercises_nb{number}.py").is_file(), f"tests/test_exercises_nb{number}.py"


def test_what_names_notebooks_names_existing_ones() -> None:
    named = {step.notebook for step in CATCHUP} | {n for t in MONITORING_TYPES for n in t.notebooks}
    named |= {n for d in DIFFERENCES for n in d.notebooks if n != "*"}
    assert named <= set(SOURCES), f"unknown notebook numbers: {sorted(named - set(SOURCES))}"
