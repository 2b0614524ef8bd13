"""'Check your work': the checks every notebook ends with, which fail loudly.

Taught from notebook 00-setup-and-monitoring-types on; ``labkit run`` counts the
``N/M checks passed`` line each notebook prints.

The descriptions and hints are English, written in the notebooks' code cells; :meth:`Checks.report`
shows them in the lab's language through labkit's catalogue, which :func:`extract_check_descriptions`
fills from the notebooks' sources (``make messages``, ``babel.cfg``). A description that is not in the
catalogue (a learner's own check) shows as written.

Jupyter's Run All stops at the first exception, so a failing check would stop the notebook
before its "Clean up" and leave the lab's resources running (billable on a real account). Given
the lab, :meth:`Checks.report` therefore tears it down *before* it raises.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from labkit.exceptions import ChecksFailed
from labkit.i18n import _, ngettext
from labkit.runtime import hooks

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

#: The summary line in either language ("00: 4/4 checks passed", "00: 4/4 件のチェックに合格").
SUMMARY = re.compile(r"(\d+)/(\d+) (?:checks passed|件のチェックに合格)")


@dataclass
class Checks:
    """Collects named checks, prints them, and raises :class:`ChecksFailed` if any failed."""

    notebook: str
    results: list[tuple[bool, str, str]] = field(default_factory=list)

    def that(self, condition: object, description: str, hint: str = "") -> bool:
        """Record one check; ``hint`` is shown only when it fails."""
        passed = bool(condition)
        self.results.append((passed, description, hint))
        return passed

    def report(self, lab: Lab | None = None) -> None:
        """Print every check and the summary; raise if any failed.

        With ``lab`` (every notebook passes it), a failure first tears the lab down and shows
        that nothing is left, then raises: the learner fixes the exercise and runs all again.
        On success nothing is deleted; the notebook's "Clean up" does that.
        """
        for passed, description, hint in self.results:
            mark = "✔" if passed else "✘"
            line = f"{mark} {_(description)}"
            if not passed and hint:
                line += "\n    " + _("hint: {hint}").format(hint=_(hint))
            print(line)
        passed_count = sum(passed for passed, _description, _hint in self.results)
        print(
            _("{notebook}: {passed}/{total} checks passed").format(
                notebook=self.notebook, passed=passed_count, total=len(self.results)
            )
        )
        # In a workshop (LABKIT_PARTICIPANT on a moto server) the result goes on the instructor's board.
        for reported in hooks.checks_reported:
            reported(self.notebook, passed_count, len(self.results))
        failed = [_(description) for passed, description, _hint in self.results if not passed]
        if not failed and self.results:
            return
        message = _("{notebook}: failed checks: {failed}").format(
            notebook=self.notebook, failed=", ".join(failed) or _("no checks were run")
        )
        if lab is None:
            raise ChecksFailed(message)
        print("\n" + _("Cleaning up now, so that nothing is left running while you fix it:"))
        try:
            print(lab.teardown())
            left = lab.inventory()
        except Exception as error:  # the learner must still hear about the checks, and the clean-up's trouble
            raise ChecksFailed(
                _("{message}. Clean-up did not finish ({error}): run `lab.teardown()` or `labkit teardown`.").format(
                    message=message, error=error
                )
            ) from error
        if left:
            raise ChecksFailed(
                ngettext(
                    "{message}. Clean-up left {count} resource: {left}; see the report above.",
                    "{message}. Clean-up left {count} resources: {left}; see the report above.",
                    len(left),
                ).format(message=message, count=len(left), left=left)
            )
        raise ChecksFailed(
            _("{message}. The lab was cleaned up (nothing is left): fix the exercise, then Run All again.").format(
                message=message
            )
        )


def extract_check_descriptions(
    fileobj: IO[bytes], keywords: Mapping[str, object], comment_tags: Collection[str], options: Mapping[str, object]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for the notebooks' sources: the description and the hint of every
    ``checks.that(condition, description, hint=...)`` call written as a string literal, so that
    ``make messages`` puts them in labkit's catalogue (``babel.cfg`` maps ``notebooks/src/*.py`` to it).

    Babel's extractor interface (``fileobj, keywords, comment_tags, options`` in, ``(lineno, funcname,
    message, comments)`` out): https://babel.pocoo.org/en/latest/messages.html#writing-extraction-methods.
    """
    tree = ast.parse(fileobj.read().decode("utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "that"):
            continue
        texts = node.args[1:3] + [keyword.value for keyword in node.keywords if keyword.arg in ("description", "hint")]
        for text in texts:
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                yield text.lineno, "_", text.value, ["a check of the notebook (labkit.lesson.checks)"]
