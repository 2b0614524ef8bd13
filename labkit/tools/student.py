"""Student editions: the exercise version of every notebook, generated from the solution notebooks.

``labkit student OUTDIR`` writes, for each executed notebook in ``notebooks/``, a copy in which
every cell tagged ``solution`` is removed (nbconvert's ``TagRemovePreprocessor``) and replaced by a
"your answer here" note and an empty code cell, with every output cleared. The exercise text, the
``ex.check(lab)`` cells and the final checks stay, so a learner sees what to do and can check it.

Student editions are never edited by hand: generate them again after ``make notebooks``.
Used by workshop instructors (see the README, "Workshops and hosting"); the exercises they
blank out are introduced in notebook 00-setup-and-monitoring-types.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from labkit.exceptions import SolutionLeak
from labkit.i18n import N_, _, translation
from labkit.tools.notebooks import notebook_paths

SOLUTION_TAG = "solution"
ANSWER_NOTE = N_(
    "✏️ **Your answer here.** Write your code in the empty cell below, then run the check after it. "
    "Stuck? The exercise's `.hint()` gives a hint (call it again for a more specific one); "
    "`.solution()` shows one answer."
)
ANSWER_CELL = N_("# your answer here\n")
#: Lines with no letter or digit (``)``, ``],``) say nothing about an answer.
_TRIVIAL = re.compile(r"^[\W_]*$")


def _is_solution(cell: Any) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def _code_lines(source: str) -> set[str]:
    lines = (line.strip() for line in source.splitlines())
    return {line for line in lines if line and not line.startswith("#") and not _TRIVIAL.match(line)}


def solution_lines(notebook: Any) -> set[str]:
    """The lines that only the notebook's solution cells have (stripped; blanks, comments and
    punctuation-only lines left out). A line the notebook also has outside its solution cells
    (``sns = lab.client("sns")``) is part of the lesson, not of the answer."""
    answer: set[str] = set()
    lesson: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        (answer if _is_solution(cell) else lesson).update(_code_lines(cell.source))
    return answer - lesson


def leaked_lines(solution_notebook: Any, student_notebook: Any) -> list[str]:
    """Solution lines of ``solution_notebook`` that appear in ``student_notebook``'s code cells."""
    shown: set[str] = set()
    for cell in student_notebook.cells:
        if cell.cell_type == "code":
            shown.update(_code_lines(cell.source))
    return sorted(solution_lines(solution_notebook) & shown)


def student_edition(notebook: Any, lang: str = "en") -> Any:
    """The exercise version of ``notebook`` (an nbformat v4 notebook; the argument is not changed), with
    the "your answer here" note and cell in ``lang``."""
    import copy

    import nbformat
    from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

    edition = copy.deepcopy(notebook)
    cells = []
    for cell in edition.cells:
        cells.append(cell)
        if _is_solution(cell):
            # The placeholder goes where the answer was; the answer itself is removed below.
            words = translation(lang)
            cells.append(nbformat.v4.new_markdown_cell(words.gettext(ANSWER_NOTE)))
            cells.append(nbformat.v4.new_code_cell(words.gettext(ANSWER_CELL)))
    edition.cells = cells
    remove = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    edition, _resources = remove.preprocess(edition, {})
    edition, _resources = ClearOutputPreprocessor().preprocess(edition, {})
    # A student copy is not paired with a jupytext source: saving it must not create one.
    edition.metadata.pop("jupytext", None)
    edition.metadata["labkit"] = {"edition": "student"}
    leaks = leaked_lines(notebook, edition)
    if leaks:
        raise SolutionLeak(_("the student edition would still show solution code: {leaks}").format(leaks=leaks))
    return edition


def write_student_editions(outdir: Path, notebooks: list[Path] | None = None, lang: str = "en") -> list[Path]:
    """Write the student edition of each notebook into ``outdir``: by default every lab notebook of the
    edition ``lang`` (``"ja"``: the Japanese edition, ``notebooks/ja/``, with the answer notes in Japanese)."""
    import nbformat

    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks if notebooks is not None else notebook_paths(edition=lang):
        edition = student_edition(nbformat.read(path, as_version=4), lang)
        target = outdir / path.name
        nbformat.write(edition, target)
        written.append(target)
    return written
