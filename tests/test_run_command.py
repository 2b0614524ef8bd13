"""``labkit run``: the README's notebook names are accepted, an unknown one gets a sentence (no
traceback), and a notebook that fails is counted from what ran, never from its committed outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from labkit.tools import notebooks, prewarmed
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


def _one_cell(folder: Path, name: str, source: str) -> Path:
    """``folder/name.ipynb``: one code cell, never run."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


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


@pytest.mark.notebook
def test_notebooks_run_at_once_and_the_table_keeps_their_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two notebooks that each wait for the other's kernel to have started: they finish only if both kernels
    run at once (one at a time, the first would wait out its 60 seconds and fail); the table lists them as given."""

    def waiting_for(me: str, other: str, padding: int) -> Path:
        rendezvous = (
            "import pathlib, time\n"
            f"pathlib.Path({str(tmp_path / me)!r}).touch()\n"
            "deadline = time.monotonic() + 60\n"
            f"while not pathlib.Path({str(tmp_path / other)!r}).exists():\n"
            "    assert time.monotonic() < deadline, 'the other notebook never started'\n"
            "    time.sleep(0.05)\n"
            "print('x: 1/1 checks passed')"
        )
        return _one_cell(tmp_path, me, rendezvous + "#" * padding)

    small, large = waiting_for("01-small", "02-large", 0), waiting_for("02-large", "01-small", 10_000)
    monkeypatch.setattr(notebooks, "parallel_kernels", lambda backend: 2)
    results = notebooks.run([small, large])
    assert [(r.notebook, r.checks, r.error) for r in results] == [("01-small", "1/1", ""), ("02-large", "1/1", "")]


@pytest.mark.notebook
def test_the_largest_notebook_starts_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One kernel at a time: the larger file (a proxy for a longer run) goes first, the table keeps the given order."""

    def signing(name: str, padding: int) -> Path:
        sign = f"with open({str(tmp_path / 'order')!r}, 'a') as file:\n    file.write({name!r} + ' ')"
        return _one_cell(tmp_path, name, sign + "#" * padding)

    monkeypatch.setattr(notebooks, "parallel_kernels", lambda backend: 1)
    results = notebooks.run([signing("01-small", 0), signing("02-large", 10_000)])
    assert [r.notebook for r in results] == ["01-small", "02-large"]
    assert (tmp_path / "order").read_text().split() == ["02-large", "01-small"]


@pytest.mark.notebook
@pytest.mark.skipif(not prewarmed.supported(), reason="kernels are forked on Linux only: every kernel starts fresh")
def test_the_largest_notebook_starts_in_a_fresh_kernel_while_the_zygote_imports_and_the_others_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``labkit run`` with no zygote running yet (the test session's is set aside): the largest notebook's kernel
    starts at once, a fresh one (moto not imported before its cell), on the core the zygote's imports leave idle;
    the others are forked from the zygote once it serves (moto imported already)."""
    monkeypatch.delenv(prewarmed.SOCKET_VARIABLE)

    def telling(name: str, padding: int) -> Path:
        tell = f"import sys\nprint('x: 1/1 checks passed')\nopen({str(tmp_path / name)!r}, 'w').write(str('moto' in sys.modules))"
        return _one_cell(tmp_path, name, tell + "#" * padding)

    paths = [telling("01-small", 0), telling("02-large", 10_000), telling("03-small", 0)]
    monkeypatch.setattr(notebooks, "parallel_kernels", lambda backend: 2)
    results = notebooks.run(paths)
    assert [(r.notebook, r.checks, r.error) for r in results] == [
        ("01-small", "1/1", ""),
        ("02-large", "1/1", ""),
        ("03-small", "1/1", ""),
    ]
    forked = {name: (tmp_path / name).read_text() for name in ("01-small", "02-large", "03-small")}
    assert forked == {"01-small": "True", "02-large": "False", "03-small": "True"}


def test_notebooks_share_nothing_only_when_each_kernel_has_its_own_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABKIT_ENDPOINT_URL", raising=False)
    # One per core and one more: the core of a kernel that waits (a sleep, a kernel starting) is not left idle.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert notebooks.parallel_kernels("moto") == notebooks.parallel_kernels("moto-server") == cores + 1
    assert notebooks.parallel_kernels("aws") == 1
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", "http://127.0.0.1:5000")  # a workshop's server: one account for all
    assert notebooks.parallel_kernels("moto-server") == 1


def test_labkit_run_reads_notebooks_without_building_the_iri_grammars() -> None:
    """``rfc3987_syntax`` (jsonschema's optional "iri" formats) builds its grammars on import, seconds before the
    first kernel could start: ``labkit run`` imports jsonschema with a stand-in for it, nbformat still validates, and
    the package can still be imported afterwards by whoever needs it."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from labkit.aws.jsonschema_import import import_jsonschema\n"
        "import_jsonschema()\n"
        "import nbformat\n"
        "assert 'rfc3987_syntax' not in sys.modules\n"
        "nbformat.validate(nbformat.read('notebooks/00-setup-and-monitoring-types.ipynb', as_version=4))\n"
        "try:\n"
        "    nbformat.validate({'cells': 'not a list'})\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid notebook refused')\n"
        "import rfc3987_syntax\n"
        "print('importable afterwards')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["invalid notebook refused", "importable afterwards"]
