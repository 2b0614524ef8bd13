"""Adding a notebook: its manifest agrees with ``notebooks/src/`` and with every page that lists notebooks.

The notebook sources are the list of record (number and slug from ``NN-slug.py``); each one has a
manifest, ``labkit/course/manifests/nbNN.py``, that the curriculum, the quiz, the differences box and
the workshop's catch-up read. Each test below checks one thing a new notebook needs, with the fix in
its message; docs/contributing.md walks through them in order. (The Makefile's list is checked in
test_jupyterlab_setup.py.)
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from labkit.course.curriculum import COMMON_DIFFERENCES, MONITORING_TYPES, NOTEBOOKS, differences
from labkit.course.exam import TASKS
from labkit.course.manifest import Manifest
from labkit.course.manifests import MANIFESTS
from labkit.course.quiz import QUESTIONS
from labkit.tools.notebooks import source_paths
from labkit.tools.workshop import CATCHUP

REPO = Path(__file__).resolve().parents[1]
SOURCES = {path.stem.split("-", 1)[0]: path.stem for path in source_paths(REPO)}
BY_NUMBER = {manifest.number: manifest for manifest in MANIFESTS}
START_HERE = (REPO / "notebooks" / "START-HERE.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def manifest_of(number: str) -> Manifest:
    if number not in BY_NUMBER:
        pytest.fail(
            f"notebook {number} has no manifest: write labkit/course/manifests/nb{number}.py "
            f"(MANIFEST = Manifest(number={number!r}, slug=..., ...); copy an existing one)"
        )
    return BY_NUMBER[number]


def source_text(number: str) -> str:
    return (REPO / "notebooks" / "src" / f"{SOURCES[number]}.py").read_text(encoding="utf-8")


def test_every_manifest_is_a_notebook_source_in_order() -> None:
    stems = [manifest.stem for manifest in MANIFESTS]
    assert stems == list(SOURCES.values()), (
        "labkit/course/manifests/: one nbNN.py per notebooks/src/NN-slug.py, its number and slug as in the file name"
    )
    assert NOTEBOOKS == SOURCES


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_says_where_offline_differs_from_aws(number: str) -> None:
    manifest = manifest_of(number)
    assert manifest.differences, f"nb{number}.py: differences=(...) where the offline lab differs from AWS"
    assert differences(number) == [*COMMON_DIFFERENCES, *manifest.differences]
    assert f'differences_box("{number}")' in source_text(number), "the Setup section shows the box"


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_has_its_exam_practice_on_known_saa_tasks(number: str) -> None:
    questions = manifest_of(number).questions
    assert 3 <= len(questions) <= 5, f"nb{number}.py questions=(...): 3 to 5 questions"
    unknown = {q.task for q in questions} - set(TASKS)
    assert not unknown, f"nb{number}.py: tasks {unknown} are not SAA-C03 task statements (labkit/course/exam.py TASKS)"
    assert QUESTIONS[number] == questions


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_s_minutes_are_those_of_its_prerequisites_section(number: str) -> None:
    manifest = manifest_of(number)
    said = re.search(r"About (\d+) minutes", source_text(number))
    assert said, f"notebooks/src/{SOURCES[number]}.py: 'Prerequisites and time' says 'About N minutes'"
    assert manifest.minutes == int(said.group(1)), (
        f"nb{number}.py minutes= the notebook's 'About {said.group(1)} minutes'"
    )
    assert re.search(rf"^# # {re.escape(number)} · ", source_text(number), re.M), "the title is '# NN · …'"


@pytest.mark.parametrize("number", SOURCES)
def test_the_start_page_lists_a_notebook_as_its_manifest_says(number: str) -> None:
    manifest = manifest_of(number)
    order = list(SOURCES).index(number) + 1
    row = (
        f"| {order} | [{number} · {manifest.title}]({manifest.stem}.ipynb) | {manifest.teaches} | {manifest.minutes} |"
    )
    assert row in START_HERE.splitlines(), f"notebooks/START-HERE.md: the table's row {order} is\n{row}"
    japanese = f"- [{number} · {manifest.title_ja}](ja/{manifest.stem}.ipynb)"
    assert japanese in START_HERE.splitlines(), f"notebooks/START-HERE.md, 日本語版: the line\n{japanese}"


@pytest.mark.parametrize("number", SOURCES)
def test_the_readme_describes_every_notebook(number: str) -> None:
    stem = manifest_of(number).stem
    assert re.search(rf"^\| `{re.escape(stem)}` \| .+ \|$", README, re.M), (
        f"README.md, the notebooks' table: add the row | `{stem}` | what it teaches, step by step |"
    )


@pytest.mark.parametrize("number", SOURCES)
def test_a_notebook_with_exercises_has_their_module_and_tests(number: str) -> None:
    if f"labkit.course.exercises.nb{number} import" not in source_text(number):
        pytest.fail(
            f"notebook {number} imports no exercise: every notebook has one (labkit/course/exercises/nb{number}.py)"
        )
    importlib.import_module(f"labkit.course.exercises.nb{number}")
    assert (REPO / "tests" / f"test_exercises_nb{number}.py").is_file(), f"tests/test_exercises_nb{number}.py"


def test_manifests_name_known_kinds_of_monitoring_and_every_kind_is_taught() -> None:
    kinds = {kind.english for kind in MONITORING_TYPES}
    unknown = {(m.number, name) for m in MANIFESTS for name in m.monitoring if name not in kinds}
    assert not unknown, f"monitoring=(...) names kinds that labkit/course/curriculum.py does not list: {unknown}"
    untaught = [kind.english for kind in MONITORING_TYPES if not kind.notebooks]
    assert not untaught, f"no manifest says it teaches {untaught}"


def test_catch_up_follows_the_manifests_in_course_order() -> None:
    assert [step.notebook for step in CATCHUP] == [m.number for m in MANIFESTS if m.catchup is not None]
    keys = [step.key for step in CATCHUP]
    assert len(keys) == len(set(keys)), f"two catch-up steps keep what they make under one key: {keys}"


def test_the_differences_box_speaks_japanese_in_a_japanese_lab() -> None:
    """Issue 18: the box's title and every difference, common or the notebook's own, in the lab's language."""
    from labkit import i18n
    from labkit.course.curriculum import differences_box

    i18n.set_language("ja")
    try:
        box = differences_box("02").data
    finally:
        i18n.set_language("en")
    assert box.startswith("> **")
    assert "Where the offline lab differs from AWS" not in box
    assert "ラボの時間は仮想です" in box and "1 分ごとにスライディングウィンドウで評価" in box
    assert "Where the offline lab differs from AWS" in differences_box("02").data
