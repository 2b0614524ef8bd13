"""The SAA-C03 exam guide as the quizzes use it: its domains and task statements, and the
exam-style question every notebook's manifest (:mod:`labkit.course.manifests`) lists.

The task statements are those of the SAA-C03 exam guide, "Content Domain 1–4" pages
(https://docs.aws.amazon.com/aws-certification/latest/solutions-architect-associate-03/solutions-architect-associate-03-domain1.html,
…-domain2.html, …-domain3.html, …-domain4.html), worded as the exam guide words them ("Task Statement 2.2:
Design highly available and/or fault-tolerant architectures"). The quizzes are taught in notebook
00-setup-and-monitoring-types (:mod:`labkit.course.quiz`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from labkit.i18n import N_, _

GUIDE = "https://docs.aws.amazon.com/aws-certification/latest/solutions-architect-associate-03/solutions-architect-associate-03-domain{}.html"

#: SAA-C03 content domains (exam guide).
DOMAINS = {
    "1": N_("Design Secure Architectures"),
    "2": N_("Design Resilient Architectures"),
    "3": N_("Design High-Performing Architectures"),
    "4": N_("Design Cost-Optimized Architectures"),
}

#: SAA-C03 task statements (exam guide, content domains 1–4).
TASKS = {
    "1.1": N_("Design secure access to AWS resources"),
    "1.2": N_("Design secure workloads and applications"),
    "1.3": N_("Determine appropriate data security controls"),
    "2.1": N_("Design scalable and loosely coupled architectures"),
    "2.2": N_("Design highly available and/or fault-tolerant architectures"),
    "3.1": N_("Determine high-performing and/or scalable storage solutions"),
    "3.2": N_("Design high-performing and elastic compute solutions"),
    "3.3": N_("Determine high-performing database solutions"),
    "3.4": N_("Determine high-performing and/or scalable network architectures"),
    "3.5": N_("Determine high-performing data ingestion and transformation solutions"),
    "4.1": N_("Design cost-optimized storage solutions"),
    "4.2": N_("Design cost-optimized compute solutions"),
    "4.3": N_("Design cost-optimized database solutions"),
    "4.4": N_("Design cost-optimized network architectures"),
}

LETTERS = "ABCD"


@dataclass(frozen=True)
class Question:
    """One exam-style question with four options and one best answer."""

    text: str
    choices: tuple[str, str, str, str]
    answer: str
    explanation: str
    task: str
    source: str

    @property
    def guide_url(self) -> str:
        """The exam guide page of the question's task statement."""
        return GUIDE.format(self.task.split(".")[0])

    @property
    def task_label(self) -> str:
        """``Task Statement 2.2: Design highly available …``, as the exam guide words it, in the lab's language."""
        return _("Task Statement {number}: {name}").format(number=self.task, name=_(TASKS[self.task]))

    @property
    def domain_label(self) -> str:
        """``Domain 2: Design Resilient Architectures`` for the question's task statement."""
        domain = self.task.split(".")[0]
        return _("Domain {number}: {name}").format(number=domain, name=_(DOMAINS[domain]))


def question(
    text: str, choices: tuple[str, str, str, str], answer: str, explanation: str, task: str, source: str
) -> Question:
    """A question whose options are rotated by a fixed amount drawn from its text, so that the right
    letter is spread over A–D for the learner while a manifest's data stays easy to review (the
    right answer written where the author put it)."""
    shift = zlib.crc32(text.encode()) % len(choices)
    rotated = choices[shift:] + choices[:shift]
    letter = LETTERS[(LETTERS.index(answer) - shift) % len(choices)]
    return Question(text, rotated, letter, explanation, task, source)  # type: ignore[arg-type]
