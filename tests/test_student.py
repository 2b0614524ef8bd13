"""Student editions: every notebook without its solutions, with its checks, generated not kept."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from labkit.tools.cli import main
from labkit.tools.notebooks import notebook_paths
from labkit.tools.student import ANSWER_CELL, ANSWER_NOTE, SolutionLeak, leaked_lines, solution_lines, student_edition

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = notebook_paths(REPO)
CHECK = re.compile(r"\bex\w*\.check\(lab\)")


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def synthetic() -> nbformat.NotebookNode:
    """A notebook of the course's shape with two exercises, one answer spanning several lines."""
    cells = [
        nbformat.v4.new_markdown_cell("# Title\n## Exercises"),
        nbformat.v4.new_code_cell("sns = lab.client('sns')"),
        nbformat.v4.new_code_cell("from labkit.course.exercises.nb99 import a as ex1"),
        nbformat.v4.new_code_cell(
            "sns = lab.client('sns')\nsns.create_topic(\n    Name='ops-alerts',\n)", metadata={"tags": ["solution"]}
        ),
        nbformat.v4.new_code_cell("ex1.check(lab)"),
        nbformat.v4.new_code_cell("from labkit.course.exercises.nb99 import b as ex2"),
        nbformat.v4.new_code_cell(
            "logs.put_metric_filter(filterPattern='\"[preauth]\"')", metadata={"tags": ["solution", "keep-me"]}
        ),
        nbformat.v4.new_code_cell("ex2.check(lab)"),
    ]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="✔ Correct\n")]
            cell.execution_count = 1
    return nbformat.v4.new_notebook(cells=cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solution_code_leaks_into_the_student_edition(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    edition = student_edition(notebook)
    answers = [c for c in notebook.cells if "solution" in tags(c)]
    assert not any("solution" in tags(c) for c in edition.cells)
    assert leaked_lines(notebook, edition) == []

    # Stated independently of labkit.tools.student: no line of an answer is a line of the edition's code,
    # unless the lesson itself has that line outside the answers (`sns = lab.client("sns")`).
    def lines(cells: list[nbformat.NotebookNode]) -> set[str]:
        return {line.strip() for c in cells if c.cell_type == "code" for line in c.source.splitlines()}

    lesson = lines([c for c in notebook.cells if "solution" not in tags(c)])
    shown = lines(edition.cells)
    for answer in answers:
        for line in answer.source.splitlines():
            if re.search(r"[A-Za-z0-9]", line) and not line.strip().startswith("#") and line.strip() not in lesson:
                assert line.strip() not in shown, f"{path.stem}: {line.strip()!r} leaks"
    assert [c.source for c in edition.cells].count(ANSWER_NOTE) == len(answers)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_edition_keeps_every_check_and_no_output(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    edition = student_edition(notebook)
    checks = [c.source for c in notebook.cells if c.cell_type == "code" and CHECK.search(c.source)]
    assert checks, "every notebook has at least one exercise check"
    assert [c.source for c in edition.cells if c.cell_type == "code" and CHECK.search(c.source)] == checks
    assert any("checks.report(lab)" in c.source for c in edition.cells)
    code = [c for c in edition.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "jupytext" not in edition.metadata and edition.metadata["labkit"] == {"edition": "student"}
    nbformat.validate(edition)


def test_answers_are_replaced_where_they_were() -> None:
    notebook = synthetic()
    edition = student_edition(notebook)
    sources = [c.source for c in edition.cells]
    assert sources == [
        "# Title\n## Exercises",
        "sns = lab.client('sns')",
        "from labkit.course.exercises.nb99 import a as ex1",
        ANSWER_NOTE,
        ANSWER_CELL,
        "ex1.check(lab)",
        "from labkit.course.exercises.nb99 import b as ex2",
        ANSWER_NOTE,
        ANSWER_CELL,
        "ex2.check(lab)",
    ]
    assert len(notebook.cells) == 8, "the solution notebook itself is not changed"
    # The shared line `sns = lab.client('sns')` belongs to the lesson, not to the answer.
    assert solution_lines(notebook) == {
        "sns.create_topic(",
        "Name='ops-alerts',",
        "logs.put_metric_filter(filterPattern='\"[preauth]\"')",
    }


def test_the_leak_check_finds_an_edition_that_only_cleared_outputs() -> None:
    from nbconvert.preprocessors import ClearOutputPreprocessor

    notebook = synthetic()
    careless, _ = ClearOutputPreprocessor().preprocess(nbformat.from_dict(notebook), {})
    assert leaked_lines(notebook, careless) == sorted(solution_lines(notebook))


def test_an_edition_that_would_leak_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbconvert.preprocessors import TagRemovePreprocessor

    # As if nbconvert stopped removing tagged cells: the edition must not be written.
    monkeypatch.setattr(TagRemovePreprocessor, "preprocess", lambda self, nb, resources: (nb, resources))
    with pytest.raises(SolutionLeak, match="ops-alerts"):
        student_edition(synthetic())


def test_labkit_student_writes_every_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["student", str(tmp_path / "student")]) == 0
    written = sorted(p.name for p in (tmp_path / "student").glob("*.ipynb"))
    assert written == [p.name for p in NOTEBOOKS]
    assert capsys.readouterr().out.count("wrote ") == len(NOTEBOOKS)


@pytest.mark.notebook
def test_the_student_edition_of_notebook_00_runs_and_passes_once_answered(tmp_path: Path) -> None:
    from nbclient.exceptions import CellExecutionError

    from labkit.course.exercises.nb00 import ops_topic
    from labkit.tools.notebooks import backend_environment, execute

    path = REPO / "notebooks" / "00-setup-and-monitoring-types.ipynb"
    edition = student_edition(nbformat.read(path, as_version=4))
    with backend_environment("moto"):
        unanswered = nbformat.from_dict(edition)
        with pytest.raises(CellExecutionError, match="ChecksFailed"):
            execute(unanswered, tmp_path)
        printed = "".join(o.get("text", "") for c in unanswered.cells for o in c.get("outputs", []))
        assert "✘ Not yet" in printed
        answered = nbformat.from_dict(edition)
        [blank] = [c for c in answered.cells if c.source == ANSWER_CELL]
        blank.source = ops_topic.solution_code
        execute(answered, tmp_path)
    printed = "".join(o.get("text", "") for c in answered.cells for o in c.get("outputs", []))
    assert "✔ Correct" in printed and "checks passed" in printed


def test_labkit_student_lang_ja_writes_the_japanese_edition_with_japanese_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`labkit student --lang ja` (issue 18): every notebook of notebooks/ja/, its answer notes in Japanese."""
    japanese = notebook_paths(REPO, edition="ja")
    assert [p.name for p in japanese] == [p.name for p in NOTEBOOKS]
    assert main(["student", "--lang", "ja", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(p.name for p in japanese)
    for path in japanese:
        source = nbformat.read(path, as_version=4)
        edition = nbformat.read(tmp_path / path.name, as_version=4)
        answers = [c for c in source.cells if "solution" in c.metadata.get("tags", [])]
        notes = [c.source for c in edition.cells if c.cell_type == "markdown" and c.source.startswith("✏️")]
        assert len(notes) == len(answers), path.name
        assert all("ここに" in note and "Your answer" not in note for note in notes), notes
        assert leaked_lines(source, edition) == []
        assert next(c.source for c in edition.cells if c.cell_type == "markdown") == source.cells[0].source
