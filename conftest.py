"""The notebook tier's plumbing for nbval (``make test``, ``make nbval``): one kernel, one execution per notebook.

nbval runs a notebook's code cells one test each in one kernel and compares their outputs with the committed ones
(strict). Then, in that same kernel, :class:`RunAllAgain` runs the notebook again with every Step cell and exercise
answer twice in a row: "Run All" again after a full run, and every step cell run twice
(docs/notebook-standards.md). A second kernel and a second first run per notebook would test nothing more.

Under pytest-xdist each notebook must run whole on one worker, so that its cells and this second run share its
kernel (under xdist's own ``--dist load`` every cell ran in a fresh kernel). With ``-n`` and no ``--dist`` (xdist's
default, ``load``), :func:`pytest_xdist_make_scheduler` gives each notebook whole to one worker and every other test
on its own (a class's tests together): the notebooks first, then the tests that start kernels or servers, then the
rest. So ``make test`` runs tests/ and the notebooks in one session, and its two workers finish together.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from labkit.aws.jsonschema_import import import_jsonschema

# Before anything imports nbformat: the test modules that read notebooks import it as they are collected, in every
# test process. Under `make nbval` the nbval plugin, loaded before this file, has imported jsonschema already.
import_jsonschema()
import nbformat  # noqa: E402

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KERNELS = pytest.StashKey[ExitStack]()


class RunAllAgain(pytest.Item):
    """The notebook once more in nbval's kernel, after its checked run: Step cells and answers each twice."""

    def runtest(self) -> None:
        from labkit.lesson.checks import SUMMARY
        from labkit.tools.notebooks import each_step_cell_twice

        notebook: Any = self.parent.nb  # type: ignore[union-attr]
        kernel: Any = self.parent.kernel  # type: ignore[union-attr]
        if kernel is None or not kernel.is_alive():
            raise RuntimeError("the notebook's kernel is not running: its nbval run failed first")
        english = self.path.parent.parent / self.path.name  # an edition (notebooks/ja/): its English original
        original = nbformat.read(english, as_version=4) if self.path.parent.parent.name == "notebooks" else None
        twice = each_step_cell_twice(notebook, sections_from=original)
        assert len(twice.cells) > len(notebook.cells), "no Step cell was repeated"
        printed: list[str] = []
        for cell in twice.cells:
            if cell.cell_type != "code":
                continue
            messages: list[dict[str, Any]] = []
            reply = kernel.kc.execute_interactive(
                cell.source, output_hook=messages.append, allow_stdin=False, timeout=600
            )
            printed += [m["content"].get("text", "") for m in messages if m["msg_type"] == "stream"]
            if reply["content"]["status"] != "ok":
                content = reply["content"]
                trace = _ANSI.sub("", "\n".join(content.get("traceback", [])))
                raise AssertionError(
                    f"{cell.id} failed when run again: {content.get('ename')}: {content.get('evalue')}\n{trace}"
                )
        summaries = [m for text in printed if (m := SUMMARY.search(text))]
        assert len(summaries) == 1 and all(m.group(1) == m.group(2) for m in summaries), [m.group(0) for m in summaries]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.path.name}::{self.name}"


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """After each notebook's last nbval cell, its :class:`RunAllAgain` (before the other hooks, which see it); then,
    after them, the slow first: every worker collects the same order, and :func:`pytest_xdist_make_scheduler` hands
    tests out in that order after the notebooks. Tests that start kernels, servers or other processes (marked
    ``notebook``, or ``integration`` by tests/conftest.py) go before the rest, so that the last minutes of a run are
    many short tests both workers share rather than one long test on one of them."""
    _run_all_again(config, items)
    yield
    items.sort(
        key=lambda item: (
            not (
                item.path.suffix == ".ipynb"
                or item.get_closest_marker("notebook")
                or item.get_closest_marker("integration")
            )
        )
    )


def _run_all_again(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.has_plugin("nbval"):  # `-p no:nbval` (make unit): no notebook was collected
        return
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval is a test dependency; without it no notebook is collected as cells
        return
    arranged: list[pytest.Item] = []
    for index, item in enumerate(items):
        arranged.append(item)
        if not isinstance(item, IPyNbCell):
            continue
        following = items[index + 1] if index + 1 < len(items) else None
        if following is None or following.parent is not item.parent:
            again = RunAllAgain.from_parent(item.parent, name="Run All again, Step cells twice")
            again.add_marker(pytest.mark.notebook)
            arranged.append(again)
    items[:] = arranged


def scope(nodeid: str) -> str:
    """What one worker runs whole (:func:`pytest_xdist_make_scheduler`): a notebook (its file), the tests of a class
    (they share what it builds once a process), else the test alone."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return path
    name = nodeid.split("[", 1)[0]  # a parametrized test's id may hold "::"
    return name.rsplit("::", 1)[0] if name.count("::") > 1 else nodeid


def _notebooks_whole(config: pytest.Config, log: Any) -> Any:
    """xdist's scope scheduling with :func:`scope`'s scopes; scopes with the most tests go first (xdist's
    ``--loadscope-reorder``, on by default): the notebooks."""
    from xdist.scheduler import LoadScopeScheduling

    class NotebooksWhole(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return NotebooksWhole(config, log)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``-n`` and xdist's default distribution (``load``): each notebook whole on one worker, its cells in order in
    one kernel and then :class:`RunAllAgain` there, the tests of a class together, every other test handed out on its
    own (:func:`scope`). Another ``--dist`` is xdist's own."""
    if config.getoption("dist") != "load":
        return None
    return _notebooks_whole(config, log)


#: Objects allocated (less those freed) before a test process's garbage collector runs (Python's default: 700).
YOUNG_GENERATION = 50_000


def pytest_configure(config: pytest.Config) -> None:
    """No garbage collection while a process that runs tests imports and collects them (not xdist's controller,
    which collects nothing): Python's collections walked the growing heap of the modules being imported again and
    again, about 2 of a worker's 7 CPU seconds before its first test (issue 15). :func:`pytest_collection_finish`
    turns it back on."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        gc.disable()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A test process that will start notebook kernels (nbval's cells, tests marked ``notebook``) runs a zygote they
    are forked from (:mod:`labkit.tools.prewarmed`), started with this process's environment: every kernel would
    otherwise import ipykernel, matplotlib, boto3 and moto again. Then garbage collection again, with what the
    process has loaded by now (its modules, botocore's service models: tests/conftest.py loads those the labs use)
    frozen: the collections that run again and again as each test's lab makes and drops objects no longer walk
    those hundreds of thousands of objects each time (about a third of a worker's time went to them). A young
    generation of :data:`YOUNG_GENERATION` objects instead of Python's 700, too: a test process keeps what some
    tests share (the parsed sources of tests/python_sources.py: 300,000 objects), and each full collection walked it
    again, 16 to 18 of them a worker in the unit tier (its collections: 8.8 -> 4.3 CPU s a worker). Kernels are other
    processes, with Python's thresholds (tests/test_prewarmed.py compares them with a fresh kernel's)."""
    from labkit.tools.prewarmed import prewarmed_kernels

    try:
        if session.config.option.collectonly:
            return
        if any(item.get_closest_marker("notebook") or item.path.suffix == ".ipynb" for item in session.items):
            stack = session.config.stash[_KERNELS] = ExitStack()
            stack.enter_context(prewarmed_kernels())
    finally:
        if not gc.isenabled():
            gc.collect()
            gc.freeze()
            gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
            gc.enable()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _KERNELS in config.stash:
        config.stash[_KERNELS].close()
