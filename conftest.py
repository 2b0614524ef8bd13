"""The notebook tier's plumbing for nbval (``make test``, ``make nbval``): one kernel, one execution per notebook.

nbval runs a notebook's code cells one test each in one kernel and compares their outputs with the committed ones
(strict). Then, in that same kernel, :class:`RunAllAgain` runs the notebook again with every Step cell and exercise
answer twice in a row: "Run All" again after a full run, and every step cell run twice
(docs/notebook-standards.md). A second kernel and a second first run per notebook would test nothing more.

The Makefile runs nbval under pytest-xdist with ``--dist loadfile``: each notebook whole on one worker, so its cells
and this second run share its kernel (under xdist's default distribution every cell ran in a fresh kernel).
"""

from __future__ import annotations

import re
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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After each notebook's last nbval cell, its :class:`RunAllAgain`."""
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


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A test process that will start notebook kernels (nbval's cells, tests marked ``notebook``) runs a zygote they
    are forked from (:mod:`labkit.tools.prewarmed`), started with this process's environment: every kernel would
    otherwise import ipykernel, matplotlib, boto3 and moto again."""
    from labkit.tools.prewarmed import prewarmed_kernels

    if session.config.option.collectonly:
        return
    if any(item.get_closest_marker("notebook") or item.path.suffix == ".ipynb" for item in session.items):
        stack = session.config.stash[_KERNELS] = ExitStack()
        stack.enter_context(prewarmed_kernels())


def pytest_unconfigure(config: pytest.Config) -> None:
    if _KERNELS in config.stash:
        config.stash[_KERNELS].close()
