"""Every notebook against a moto server standing in for AWS, with the kernel killed before it cleans up.

This is the real-account promise rehearsed without an account: a kernel that dies (SIGKILL: no
teardown cell, no atexit) leaves its resources on a server that outlives it, and then

* ``labkit teardown`` in a new process removes what every lab recorded in the persisted
  registry, and ``labkit inventory`` proves nothing is left; no tagged resource escapes it;
* or a new kernel's ``labkit.connect()`` removes what the dead kernel left, and Run All again in a
  kernel whose first run failed half-way starts clean (as on in-process moto).

Notebooks 05 to 07 start from `labkit catchup NN` run in another process, as a late joiner's do.

The server is labkit's (``labkit_server``, what ``labkit serve`` runs: moto's threaded server with labkit's
endpoints) on 127.0.0.1 reached through ``LABKIT_ENDPOINT_URL``, as a workshop's is, so a new process adopts
the metric data a dead kernel sent and teardown frees it; each notebook runs as its own participant (its own
account on the server). A plain moto server's fallbacks are tested where ``server`` is used
(``tests/test_hardening.py``, ``tests/test_emulator_metric_mirror.py``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import run_sync

import labkit
from labkit.lesson.checks import SUMMARY
from labkit.tools.cli import main
from labkit.tools.notebooks import notebook_client, notebook_paths
from labkit.tools.prewarmed import module_command

pytestmark = pytest.mark.notebook  # kernels and subprocesses: `make test`, not `make unit`

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = notebook_paths(REPO)


@pytest.fixture
def on_server(labkit_server: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """Kernels and ``labkit`` commands of this test use the server, as participant ``<test id>``."""
    participant = "crash-" + "".join(c for c in request.node.name.lower() if c.isalnum())[-30:]
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", labkit_server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", participant)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return participant


def run_then_kill(path: Path, stop_before: str) -> nbformat.NotebookNode:
    """Execute the notebook's cells up to the markdown cell starting with ``stop_before``, then SIGKILL the kernel."""
    notebook = nbformat.read(path, as_version=4)
    cut = next(
        n for n, c in enumerate(notebook.cells) if c.cell_type == "markdown" and c.source.startswith(stop_before)
    )
    client = notebook_client(notebook, path.parent, shutdown_kernel="graceful")
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells[:cut]):
            client.execute_cell(cell, index)
        run_sync(client.km.shutdown_kernel)(now=True)
    return notebook


def labkit_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m labkit args…`` in a new process: forked from the test process's zygote, which has never run
    labkit (it has imported boto3 and moto), as the kernels are (:func:`labkit.tools.prewarmed.module_command`)."""
    return subprocess.run(
        module_command("labkit", *args), capture_output=True, text=True, timeout=300, env=os.environ.copy()
    )


def checks_line(notebook: nbformat.NotebookNode) -> str:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if match := SUMMARY.search(output.get("text", "")):
                return match.group(0)
    return ""


#: Notebooks whose run here starts as a late joiner's does (issue 19 §1): `labkit catchup NN` in another process
#: first, then the notebook in a kernel, whose emulator must know what the catch-up process made (the confirmed
#: email subscription: the notebook's alarm emails need it). One execution serves both promises.
CAUGHT_UP = ("05", "06", "07")


#: Known gaps, kept visible (strict: the mark fails once a gap is fixed): notebook stem -> why it fails on a server.
ON_SERVER_GAPS: dict[str, str] = {}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=ON_SERVER_GAPS[p.stem], strict=True))
        if p.stem in ON_SERVER_GAPS
        else p
        for p in NOTEBOOKS
    ],
    ids=lambda p: p.stem,
)
def test_killed_before_clean_up_then_teardown_in_a_new_process_leaves_nothing(
    path: Path, on_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if path.stem.split("-")[0] in CAUGHT_UP:
        caught_up = labkit_command("catchup", path.stem.split("-")[0])
        assert caught_up.returncode == 0 and "✔ notebook 02" in caught_up.stdout, caught_up.stdout + caught_up.stderr
    notebook = run_then_kill(path, "## Clean up")
    passed = SUMMARY.search(checks_line(notebook))
    assert passed and passed.group(1) == passed.group(2), (
        f"the notebook's checks on the server: {checks_line(notebook)!r}"
    )

    # The dry run lists what the dead kernel left and deletes nothing (the teardown then deletes it). It runs in
    # this process (not the dead kernel's: a new one as well), which spares an interpreter and labkit's imports.
    capsys.readouterr()
    assert main(["teardown", "--dry-run"]) == 0
    dry_run = capsys.readouterr().out
    assert "would be deleted" in dry_run, dry_run
    teardown = labkit_command("teardown")
    assert teardown.returncode == 0 and "teardown: nothing left" in teardown.stdout, teardown.stdout + teardown.stderr
    assert "deleted  " in teardown.stdout, teardown.stdout
    inventory = labkit_command("inventory")
    assert "0 resources recorded" in inventory.stdout, inventory.stdout
    # Not only what the registry knew: nothing tagged by any lab is left on the participant's account.
    with labkit.connect() as after:
        assert after.teardown(tagged=True, dry_run=True).planned == []


def test_a_new_kernel_clears_what_a_killed_one_left_mid_notebook(
    on_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in NOTEBOOKS if p.stem.startswith("05-"))
    run_then_kill(path, "## Step 6")  # log group, metric filter, topic and alarm exist; the attack has not come
    with labkit.connect() as lab:
        assert "removed" in capsys.readouterr().out
        assert lab.inventory(all_labs=True) == []
        assert lab.teardown(tagged=True, dry_run=True).planned == []
        assert lab.internal_client("logs").describe_log_groups()["logGroups"] == []


def test_run_all_again_in_the_same_kernel_after_a_failure_starts_clean(on_server: str) -> None:
    """A cell fails half-way (here: the run stops at Step 6), the learner fixes it and runs all again."""
    path = next(p for p in NOTEBOOKS if p.stem.startswith("05-"))
    notebook = nbformat.read(path, as_version=4)
    cut = next(
        n for n, c in enumerate(notebook.cells) if c.cell_type == "markdown" and c.source.startswith("## Step 6")
    )
    client = notebook_client(notebook, path.parent, shutdown_kernel="graceful")
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells[:cut]):
            client.execute_cell(cell, index)
        for index, cell in enumerate(notebook.cells):  # Run All again: create_log_group("ssh_logs") must not collide
            client.execute_cell(cell, index)
    passed = SUMMARY.search(checks_line(notebook))
    assert passed and passed.group(1) == passed.group(2)
    [connect_cell] = [c for c in notebook.cells if "labkit.connect()" in c.source]
    assert "removed" in "".join(output.get("text", "") for output in connect_cell.outputs)
