"""Exam-style questions per notebook, mapped to the SAA-C03 exam guide.

Every notebook can end with a short quiz in the style of the AWS Certified Solutions Architect -
Associate exam (SAA-C03): one scenario, four options, one best answer, an explanation, the exam
guide task statement it trains, and the AWS documentation page the answer rests on::

    quiz = labkit.course.quiz.for_notebook("02")
    quiz.show()            # every question with its task statement, without the answers
    quiz.ask(1)            # one question, without the answer
    quiz.answer(1, "B")    # right or wrong, with the explanation
    quiz.reveal(1)         # the answer, the explanation and the source

The task statements are those of the SAA-C03 exam guide (:mod:`labkit.course.exam`); each notebook's
questions are in its manifest (:mod:`labkit.course.manifests`). Taught in notebook 00-setup-and-monitoring-types;
every notebook ends its Exercises section with its own quiz ("Exam practice (SAA-C03)").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labkit.course.exam import LETTERS, Question
from labkit.course.manifests import MANIFESTS
from labkit.exceptions import QuizError
from labkit.i18n import _, ngettext

#: notebook number -> its questions, from the notebooks' manifests.
QUESTIONS: dict[str, tuple[Question, ...]] = {manifest.number: manifest.questions for manifest in MANIFESTS}


@dataclass
class Quiz:
    """The questions of one notebook; numbered from 1 as the learner sees them."""

    notebook: str
    questions: tuple[Question, ...]

    def question(self, number: int) -> Question:
        """Question ``number`` (1-based); raises :class:`QuizError` for a number the quiz lacks."""
        if not 1 <= number <= len(self.questions):
            raise QuizError(
                _("notebook {notebook}'s quiz has questions 1–{last}, not {number}").format(
                    notebook=self.notebook, last=len(self.questions), number=number
                )
            )
        return self.questions[number - 1]

    def ask(self, number: int) -> None:
        """Print question ``number`` with its options, without the answer."""
        q = self.question(number)
        print(_("Question {number} — SAA-C03 {task}").format(number=number, task=q.task_label))
        print(_(q.text))
        for letter, choice in zip(LETTERS, q.choices):
            print(f"  {letter}. {_(choice)}")
        print(_('Answer with quiz.answer({number}, "A"…"D").').format(number=number))

    def show(self) -> None:
        """Print every question of the quiz, each with the task statement it practises, without answers."""
        print(
            ngettext(
                "Exam practice (SAA-C03), notebook {notebook}: {count} question",
                "Exam practice (SAA-C03), notebook {notebook}: {count} questions",
                len(self.questions),
            ).format(notebook=self.notebook, count=len(self.questions))
        )
        for number in range(1, len(self.questions) + 1):
            print()
            self.ask(number)

    def check(self, number: int, letter: str) -> bool:
        """Whether ``letter`` is the answer to question ``number`` (case-insensitive)."""
        choice = letter.strip().upper()
        if choice not in LETTERS:
            raise QuizError(_("answer with one of A, B, C, D (not {letter})").format(letter=repr(letter)))
        return choice == self.question(number).answer

    def answer(self, number: int, letter: str) -> None:
        """Say whether ``letter`` is right, with the explanation (:meth:`check` gives it as a bool)."""
        right = self.check(number, letter)
        q = self.question(number)
        explanation = _(q.explanation)
        if right:
            print(_("✔ Right. {explanation}").format(explanation=explanation))
        else:
            print(
                _("✘ Not quite ({letter}). {explanation}").format(
                    letter=letter.strip().upper(), explanation=explanation
                )
            )
        print(_("AWS documentation: {url}").format(url=q.source))
        if not right:
            print(_("Try again, or quiz.reveal({number}).").format(number=number))

    def reveal(self, number: int) -> None:
        """Print the answer of question ``number``, the explanation and the sources."""
        q = self.question(number)
        print(_("Answer: {letter}. {choice}").format(letter=q.answer, choice=_(q.choices[LETTERS.index(q.answer)])))
        print(_(q.explanation))
        print(_("AWS documentation: {url}").format(url=q.source))
        print(f"SAA-C03 {q.task_label} — {q.guide_url}")

    def __len__(self) -> int:
        return len(self.questions)


def for_notebook(notebook: str) -> Quiz:
    """The quiz of ``notebook`` (its number as in the file name: ``"02"``, ``"06b"``)."""
    if notebook not in QUESTIONS:
        raise QuizError(
            _("no quiz for notebook {notebook!r}; quizzes exist for {notebooks}").format(
                notebook=notebook, notebooks=", ".join(QUESTIONS)
            )
        )
    return Quiz(notebook, QUESTIONS[notebook])


def mapping() -> Any:
    """Every question as a pandas DataFrame: notebook, number, SAA-C03 task, and the AWS page it rests on."""
    import pandas as pd

    return pd.DataFrame(
        [
            {"notebook": nb, "question": n, "SAA-C03 task": q.task_label, "AWS documentation": q.source}
            for nb, questions in QUESTIONS.items()
            for n, q in enumerate(questions, start=1)
        ]
    )
