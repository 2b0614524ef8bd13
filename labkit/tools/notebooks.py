"""Building, running and checking the lab notebooks (``labkit run``, ``make notebooks``).

Notebook sources are jupytext percent scripts in ``notebooks/src/`` (readable diffs, reviewed like
code); ``make notebooks`` turns each into ``notebooks/NN-name.ipynb`` and executes it on the moto
backend with the fixed lab clock, so the committed outputs are exactly what a learner's run shows.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.aws.jsonschema_import import import_jsonschema
from labkit.exceptions import UnknownNotebook
from labkit.i18n import _, pad, width
from labkit.lesson.checks import SUMMARY
from labkit.runtime.environment import put_environment, restored_environment
from labkit.tools.prewarmed import INLINE_BACKEND, kernel_name, prewarmed_kernels

#: The fixed skeleton every notebook follows, as level-2 headings in this order (after the title).
SKELETON = (
    "Objectives",
    "Prerequisites and time",
    "Setup",
    "Step",  # one or more "Step N: ..." headings
    "Exercises",
    "Check your work",
    "Summary and what's next",
    "Clean up",
)

NOTEBOOK_NAME = re.compile(r"^\d\d[a-z]?-[a-z0-9-]+$")
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def repo_root() -> Path:
    """The project folder: the current directory if it holds ``notebooks/``, else the package's parent."""
    here = Path.cwd()
    if (here / "notebooks").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


def notebook_paths(root: Path | None = None, edition: str = "en") -> list[Path]:
    """The executed lab notebooks of ``edition`` (``"en"``: ``notebooks/``; ``"ja"``: ``notebooks/ja/``), in order."""
    folder = (root or repo_root()) / "notebooks"
    if edition != "en":
        folder = folder / edition
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.stem))


def resolve(name: str, root: Path | None = None) -> Path:
    """The notebook ``name`` stands for: a path to an ``.ipynb`` file, or a course notebook's name with or
    without ``notebooks/`` and ``.ipynb`` (``04-log-agent-config``, ``notebooks/04-log-agent-config.ipynb``),
    or its number (``04``, ``06b``). Raises :class:`UnknownNotebook` with one sentence otherwise."""
    given = Path(name)
    if given.suffix == ".ipynb" and given.is_file():
        return given
    known = notebook_paths(root)
    stem = given.name.removesuffix(".ipynb")
    matches = [p for p in known if p.stem == stem] or [p for p in known if p.stem.split("-", 1)[0] == stem]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(p.stem for p in known) or _("none")
    raise UnknownNotebook(_("no notebook {name!r}: the course's notebooks are {names}").format(name=name, names=names))


def source_paths(root: Path | None = None) -> list[Path]:
    """The jupytext sources of the notebooks, in order."""
    folder = (root or repo_root()) / "notebooks" / "src"
    return sorted(p for p in folder.glob("*.py") if NOTEBOOK_NAME.match(p.stem))


def headings(notebook: Any) -> list[tuple[int, str]]:
    """Markdown headings ``(level, text)`` of a notebook, in order."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
            if match:
                found.append((len(match.group(1)), match.group(2)))
    return found


def skeleton_problems(notebook: Any) -> list[str]:
    """What is missing or out of order against :data:`SKELETON` (empty when the notebook conforms)."""
    found = headings(notebook)
    problems = []
    if not found or found[0][0] != 1:
        problems.append("the first heading must be the title (a level-1 heading)")
    sections = [text for level, text in found if level == 2]
    position = 0
    for expected in SKELETON:
        matches = [n for n, text in enumerate(sections) if text.startswith(expected)]
        later = [n for n in matches if n >= position]
        if not later:
            problems.append(f"missing or out of order: '## {expected}'")
            continue
        position = later[-1] if expected == "Step" else later[0]
    return problems


def each_step_cell_twice(notebook: Any, sections_from: Any = None) -> Any:
    """A copy of ``notebook`` in which every code cell of a "Step …" section, and every exercise
    answer (tagged ``solution``), is immediately followed by a copy of itself: a learner who runs a
    cell again (the standards: every step cell can be run twice). The root ``conftest.py`` runs it after nbval.
    ``sections_from``: the notebook whose (English) headings say which cells are Step cells, for an edition whose
    headings are translated (notebooks/ja/: the same cell ids)."""
    import copy

    twice = copy.deepcopy(notebook)
    cells: list[Any] = []
    section = ""
    for cell in (sections_from or notebook).cells:
        if cell.cell_type == "markdown":
            levels = [m.group(1) for m in re.finditer(r"^##\s+(.*?)\s*$", cell.source, re.MULTILINE)]
            section = levels[-1] if levels else section
        if cell.cell_type == "code" and (section.startswith("Step") or "solution" in cell.metadata.get("tags", [])):
            cells.append(cell.get("id"))
    repeated = set(cells)
    twice.cells = []
    for cell in notebook.cells:
        twice.cells.append(copy.deepcopy(cell))
        if cell.cell_type == "code" and cell.get("id") in repeated:
            again = copy.deepcopy(cell)
            again["id"] = f"{cell.get('id', 'cell')}-again"
            twice.cells.append(again)
    return twice


@contextmanager
def backend_environment(backend: str, *, wait: bool = True) -> Iterator[Callable[[], None]]:
    """Run kernels on ``backend`` with the fixed lab clock (they inherit this process's environment), forked
    from a zygote that has imported what they import (:mod:`labkit.tools.prewarmed`; ``wait`` and the function
    given to the block: :func:`~labkit.tools.prewarmed.prewarmed_kernels`)."""
    settings = {"LABKIT_BACKEND": backend, "LABKIT_CLOCK_START": None, "MPLBACKEND": INLINE_BACKEND}
    with restored_environment(*settings):
        put_environment(settings)
        with prewarmed_kernels(wait=wait) as serving:
            yield serving


def notebook_client(notebook: Any, workdir: Path, timeout: int = 600, **options: Any) -> Any:
    """An nbclient client for ``notebook`` in a new kernel in ``workdir`` (forked from the zygote while one runs:
    :func:`labkit.tools.prewarmed.kernel_name`). The kernel is killed, not asked to shut down, once the last cell
    has run: nothing of a run is kept in it, and a kernel that exits by itself first frees every object of its lab
    (a second or more per notebook). ``options`` are other ``NotebookClient`` settings, or replace these."""
    from nbclient import NotebookClient

    settings = {
        "timeout": timeout,
        "kernel_name": kernel_name(),
        # What nbclient passes to the kernels it knows to be ipykernel's (``python3``), so this one too: IPython's
        # history in memory, not in a file that kernels running at once share.
        "extra_arguments": ["--HistoryManager.hist_file=:memory:"],
        "record_timing": False,
        "shutdown_kernel": "immediate",
        "resources": {"metadata": {"path": str(workdir)}},
    }
    return NotebookClient(notebook, **{**settings, **options})


def _coalesced(executed: Any) -> Any:
    """Consecutive prints of a cell as one output (nbconvert's ``CoalesceStreamsPreprocessor``): how
    the kernel split them depends on timing, so a rebuild's diff shows only what the cells printed."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    CoalesceStreamsPreprocessor().preprocess(executed, {})
    return executed


def execute(notebook: Any, workdir: Path, timeout: int = 600) -> Any:
    """Execute ``notebook`` in a new kernel in ``workdir`` (:func:`notebook_client`); raises on the first failing cell."""
    return _coalesced(notebook_client(notebook, workdir, timeout).execute())


async def execute_async(notebook: Any, workdir: Path, timeout: int = 600, **options: Any) -> Any:
    """:func:`execute` for an event loop, so that several notebooks run at once (:func:`run`); ``options`` as
    :func:`notebook_client`'s."""
    return _coalesced(await notebook_client(notebook, workdir, timeout, **options).async_execute())


@dataclass
class RunResult:
    """One row of ``labkit run``'s summary table."""

    notebook: str
    seconds: float
    checks: str
    error: str = ""


def checks_line(notebook: Any) -> str:
    """The ``N/M`` of the notebook's 'checks passed' line, or ``-`` if it printed none."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            match = SUMMARY.search(output.get("text", ""))
            if match:
                return f"{match.group(1)}/{match.group(2)}"
    return "-"


def parallel_kernels(backend: str) -> int:
    """How many notebooks :func:`run` executes at once on ``backend``: one per core the process may use, and one
    more, when each kernel has a moto of its own (``moto``, or a ``moto-server`` it starts itself), since then
    nothing a notebook creates can meet another's (no registry file, ports the system picks); one at a time
    on a shared server or a real account, where every notebook's resources share one account. The one more
    takes the core of a kernel that waits (notebook 07's slow web server really sleeps; a kernel starting or
    a cell's output on its way): measured with ``benchmarks/bench_run.py``."""
    in_kernel = backend == "moto" or (backend == "moto-server" and not os.environ.get("LABKIT_ENDPOINT_URL"))
    if not in_kernel:
        return 1
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(cores)) + 1


def run(paths: list[Path], backend: str = "moto") -> list[RunResult]:
    """Execute each notebook headless on ``backend`` (:func:`parallel_kernels` at once); never writes the
    notebooks. The results come in the order of ``paths``, whatever order the notebooks finish in."""
    from jupyter_core.utils import run_sync  # nbclient's own way: works inside a running event loop too

    import_jsonschema()  # before nbformat imports it
    with backend_environment(backend, wait=False) as serving:
        return run_sync(_run_all)(paths, parallel_kernels(backend), serving)


async def _run_all(paths: list[Path], kernels: int, serving: Callable[[], None]) -> list[RunResult]:
    """``paths`` executed ``kernels`` at a time, the largest notebook file first: its committed outputs
    (figures, steps) say roughly how long it runs, and the short ones then fill the gaps at the end. The largest
    starts at once, in a fresh kernel while the zygote imports (``serving`` waits for it); the others fork from it."""
    import asyncio

    free = asyncio.Semaphore(kernels)
    results: list[RunResult | None] = [None] * len(paths)

    async def run_one(index: int, kernel: str) -> None:
        async with free:
            results[index] = await _run_one(paths[index], kernel)

    largest_first = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
    if not largest_first:
        return []
    first = asyncio.ensure_future(run_one(largest_first[0], kernel_name()))
    await asyncio.get_running_loop().run_in_executor(None, serving)
    await asyncio.gather(first, *(run_one(i, kernel_name()) for i in largest_first[1:]))
    return [result for result in results if result is not None]


async def _run_one(path: Path, kernel: str) -> RunResult:
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    # The committed outputs must not count: a run that stops early shows only what it ran.
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    started = time.perf_counter()
    try:
        await execute_async(notebook, path.parent, kernel_name=kernel)
        error = ""
    except Exception as failure:  # noqa: BLE001 — the table reports any failure and goes on
        text = ANSI_COLOUR.sub("", str(failure)).strip()  # the kernel's traceback is coloured
        error = text.splitlines()[-1][:200] if text else type(failure).__name__
    return RunResult(path.stem, time.perf_counter() - started, checks_line(notebook), error)


def format_table(results: list[RunResult], elapsed: float) -> str:
    """The summary table ``labkit run`` prints, in the lab's language (``LABKIT_LANG``): each notebook's
    seconds, their total, and the ``elapsed`` seconds of the whole run (less than the total when
    notebooks ran at once)."""
    notebook, seconds, checks, result, total = _("notebook"), _("seconds"), _("checks"), _("result"), _("total")
    wall = _("elapsed")
    first = max([width(notebook), width(total), width(wall), *(len(r.notebook) for r in results)])
    second, third = max(width(seconds), 7), max(width(checks), 6)
    header = "  ".join([pad(notebook, first), pad(seconds, second, ">"), pad(checks, third, ">"), result])
    lines = [header, "-" * width(header)]
    for r in results:
        verdict = _("ok") if not r.error else _("FAILED: {error}").format(error=r.error)
        lines.append(
            "  ".join([pad(r.notebook, first), f"{r.seconds:{second}.1f}", pad(r.checks, third, ">"), verdict])
        )
    lines.append("  ".join([pad(total, first), f"{sum(r.seconds for r in results):{second}.1f}"]))
    lines.append("  ".join([pad(wall, first), f"{elapsed:{second}.1f}"]))
    return "\n".join(lines)


def kernelspec() -> dict[str, str]:
    """The notebooks' ``kernelspec`` metadata: what JupyterLab writes for ipykernel's spec.

    JupyterLab replaces the metadata with the running kernel's spec when it opens a notebook; if
    they differ, opening marks the notebook changed and saving rewrites it (``make lab``, start page).
    """
    from ipykernel.kernelspec import KERNEL_NAME, get_kernel_dict

    spec = get_kernel_dict()
    return {"display_name": spec["display_name"], "language": spec["language"], "name": KERNEL_NAME}


def build(sources: list[Path], root: Path) -> list[Path]:
    """Turn each jupytext source into an executed ``notebooks/NN-name.ipynb`` (moto, fixed clock)."""
    import jupytext
    import nbformat

    written = []
    with backend_environment("moto"):
        for source in sources:
            notebook = jupytext.read(source)
            notebook.metadata["kernelspec"] = kernelspec()
            # Unpaired on purpose: jupytext pairing refuses to open a notebook whose file times
            # look out of order, which a fresh clone can produce; the sources are for contributors.
            notebook.metadata.pop("jupytext", None)
            # Stable cell ids (nbformat 4.5 draws random ones) keep a rebuild's diff to what changed.
            for index, cell in enumerate(notebook.cells):
                cell["id"] = f"cell-{index:03d}"
            execute(notebook, root / "notebooks")
            target = root / "notebooks" / f"{source.stem}.ipynb"
            nbformat.write(notebook, target)
            written.append(target)
    return written
