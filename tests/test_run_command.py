"""``labkit run``: the README's notebook names are accepted, an unknown one gets a sentence (no
traceback), and a notebook that fails is counted from what ran, never from its committed outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labkit.tools import notebooks
from labkit.tools.cli import main

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "notebooks" / "04-log-agent-config.ipynb"


@pytest.mark.parametrize(
    "name",
    [
        "04-log-agent-config",
        "04-log-agent-config.ipynb",
        "notebooks/04-log-agent-config",
        "notebooks/04-log-agent-config.ipynb",
        "04",
        str(TARGET),
    ],
)
def test_a_notebook_is_found_by_the_names_the_readme_uses(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert notebooks.resolve(name).resolve() == TARGET


def test_the_number_06_is_not_06b(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert notebooks.resolve("06").stem == "06-cloudtrail-eventbridge-health"
    assert notebooks.resolve("06b").stem == "06b-config-guardduty-budgets"


def test_an_unknown_name_is_one_sentence_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["run", "04-log-agent"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert "Traceback" not in message and len(message.splitlines()) == 1
    assert message.startswith("labkit run: no notebook '04-log-agent'") and "04-log-agent-config" in message


def _notebook(tmp_path: Path, cells: list[str]) -> Path:
    """A notebook whose committed outputs claim that all 7 checks passed."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for source in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x: 7/7 checks passed\n")]
        notebook.cells.append(cell)
    path = tmp_path / "99-failing.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.notebook
def test_a_notebook_that_fails_before_its_checks_shows_no_count(tmp_path: Path) -> None:
    path = _notebook(tmp_path, ["raise RuntimeError('step 3 broke')", "print('x: 7/7 checks passed')"])
    [result] = notebooks.run([path])
    assert result.checks == "-" and result.error.endswith("RuntimeError: step 3 broke")
    assert "\x1b" not in result.error, "no terminal colour codes in the table"
    assert nbformat.read(path, as_version=4).cells[0].outputs, "labkit run never writes the notebook"


@pytest.mark.notebook
def test_a_notebook_whose_checks_fail_shows_what_ran(tmp_path: Path) -> None:
    checks = (
        "from labkit.lesson.checks import Checks\n"
        "checks = Checks('x')\n"
        "checks.that(True, 'one'); checks.that(True, 'two'); checks.that(False, 'three')\n"
        "checks.report()"
    )
    path = _notebook(tmp_path, ["print('step')", checks])
    [result] = notebooks.run([path])
    assert result.checks == "2/3" and "three" in result.error
