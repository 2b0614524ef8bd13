"""What a notebook's manifest says about it: the one place (``labkit/course/manifests/nbNN.py``) that
the curriculum, the quiz, the differences box and the workshop's catch-up read a notebook from.

``tests/test_course_manifest.py`` checks every manifest against its source in ``notebooks/src/`` and
against the start page (``notebooks/START-HERE.md``) and the README; docs/contributing.md, "A new
notebook", walks through writing one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.course.exam import Question

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


@dataclass(frozen=True)
class RunningInstance:
    """A lab-web instance that was already running when catch-up ran (it is not launched twice)."""

    instance_id: str


@dataclass(frozen=True)
class Catchup:
    """What a notebook leaves behind for later ones, and the :mod:`labkit.lesson.prereqs` call that
    builds it for a workshop participant who joins late (``labkit catchup NN``)."""

    #: Shown to the participant: ``✔ notebook 02: the SNS topic lab-alerts …`` (English marked with ``N_()``,
    #: shown in the lab's language).
    what: str
    #: The name later steps find it under in ``made`` (``made["instance"].instance_id``).
    key: str
    #: ``make(lab, made, confirm_cost)``: builds it (or reuses it) in the lab's account.
    make: Callable[[Lab, dict[str, Any], bool], Any]


@dataclass(frozen=True)
class Manifest:
    """One notebook of the course, as every place that lists notebooks needs it."""

    #: The number in the file name: ``"02"``, ``"06b"``.
    number: str
    #: The rest of the file name: ``notebooks/src/02-cpu-alarm.py`` has the slug ``cpu-alarm``.
    slug: str
    #: The start page's link text after ``NN · `` (``The CPU alarm``).
    title: str
    #: The Japanese edition's link text after ``NN · `` on the start page.
    title_ja: str
    #: The start page's "what it teaches" column.
    teaches: str
    #: The "About N minutes" of the notebook's "Prerequisites and time" section.
    minutes: int
    #: Where the offline lab differs from AWS in this notebook, in the box's order (after the
    #: differences every notebook shares, :data:`labkit.course.curriculum.COMMON_DIFFERENCES`).
    differences: tuple[str, ...]
    #: The notebook's exam practice: 3 to 5 questions on SAA-C03 task statements.
    questions: tuple[Question, ...]
    #: The article's kinds of monitoring it teaches (``MonitoringType.english``), if any.
    monitoring: tuple[str, ...] = ()
    #: What it leaves behind for later notebooks, if they need it.
    catchup: Catchup | None = None

    @property
    def stem(self) -> str:
        """The notebook's file name without extension: ``02-cpu-alarm``."""
        return f"{self.number}-{self.slug}"
