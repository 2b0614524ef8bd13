"""Exercises with ``check()``, ``hint()`` and ``solution()``, in the manner of Kaggle's learntools.

A checker inspects the learner's AWS state through boto3 and says what is wrong in plain words
("the topic exists but has no tag team=ops"), in the lab's language: titles and hints are written in
English and marked with ``N_()``, and shown through the catalogue (:mod:`labkit.i18n`); a checker's
feedback is built with ``_()`` when it runs. Each notebook's exercises live in a module of
this package named after the notebook (``labkit.course.exercises.nb00`` for notebook 00); their solutions
are the notebooks' own answer cells (:mod:`labkit.course.exercises.solutions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labkit.course.exercises.solutions import solution_code
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

Checker = Callable[["Lab"], "list[str]"]
#: Undoes what attempts left behind that AWS cannot overwrite; returns what it did, in plain words.
Resetter = Callable[["Lab"], str]


@dataclass
class Exercise:
    """Exercise ``number`` of notebook ``notebook`` (``ex1`` of ``"02"``). ``checker(lab)`` returns the
    problems it finds (empty when solved); the solution is the notebook's ``number``-th answer cell.
    ``title`` and ``hints`` are English, marked with ``N_()``; they are shown in the lab's language."""

    title: str
    checker: Checker
    hints: list[str]
    notebook: str
    number: int
    #: Only for exercises where AWS keeps an earlier attempt that a new one cannot replace; the checker's
    #: feedback says when to call ``reset`` and what it deletes.
    resetter: Resetter | None = None
    _hints_shown: int = field(default=0, repr=False)

    def problems(self, lab: Lab) -> list[str]:
        """What is still wrong with the learner's answer (empty when it is right)."""
        return self.checker(lab)

    def check(self, lab: Lab) -> bool:
        """Print whether the exercise is solved, and what is wrong if not."""
        found = self.problems(lab)
        if not found:
            print(_("✔ Correct: {title}").format(title=_(self.title)))
            return True
        print(_("✘ Not yet: {title}").format(title=_(self.title)))
        for problem in found:
            print(f"  - {problem}")
        return False

    def hint(self) -> None:
        """Print the next hint (they get more specific each time)."""
        text = self.hints[min(self._hints_shown, len(self.hints) - 1)]
        self._hints_shown += 1
        print(_("Hint: {hint}").format(hint=_(text)))

    def reset(self, lab: Lab) -> None:
        """Delete what earlier attempts left that a new attempt cannot replace (only where the feedback offers it)."""
        if self.resetter is None:
            print(
                _(
                    "Nothing to reset for: {title} (running your corrected answer again replaces the earlier one)"
                ).format(title=_(self.title))
            )
            return
        print(_("Reset: {done}").format(done=self.resetter(lab)))

    @property
    def solution_code(self) -> str:
        """The notebook's answer cell for this exercise, as the notebook runs it."""
        return solution_code(self.notebook, self.number)

    def solution(self) -> None:
        """Print one correct solution."""
        print(self.solution_code.strip())
