"""What the agent configuration checks find, kept as message templates so it can be said in any language.

The checks of :mod:`labkit.aws.agent.awslogs` and :mod:`labkit.aws.agent.unified` are pure and speak
English (their text is what ``labkit agent-config`` and the aws-level API show). Each finding is a
:class:`Problem`: that English text, and the *where* (a ``[section] option`` of ``awslogs.conf`` or a
JSON path of the unified agent's file), the message template and the values it was made from, so
that the lesson layer can render it in the lab's language (:mod:`labkit.lesson.agent`) without this
layer importing :mod:`labkit.i18n`. Templates are marked with :func:`N_` for labkit's catalogue
(``make messages``, babel.cfg).

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from labkit.exceptions import InvalidAgentConfig, UncheckedAgentConfig


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks a problem's template for labkit's catalogue (``make messages``)."""
    return message


class Problem(str):
    """One finding: its English text, ``where: message`` (or the message alone when ``where`` is empty).

    ``template`` is an English message with named fields, ``fields`` their values. A field that is itself a
    :class:`Problem` (a unit such as "bytes", a directive problem inside an option's) is rendered with
    it. ``see`` is a documentation URL shown after the message, in every language.
    """

    where: str
    template: str
    fields: dict[str, str]
    see: str

    def __new__(cls, where: str, template: str, *, see: str = "", **fields: object) -> Problem:
        values = {name: value if isinstance(value, Problem) else str(value) for name, value in fields.items()}
        problem = super().__new__(cls, _compose(where, template.format(**values), see))
        problem.where = where
        problem.template = template
        problem.fields = values
        problem.see = see
        return problem

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and deepcopy: rebuilt from its parts, not from its text
        return (_rebuild, (self.where, self.template, self.see, self.fields))

    def at(self, prefix: str, separator: str = " ") -> Problem:
        """The same problem, located under ``prefix`` (``[section]`` before an option, a JSON path before a field)."""
        where = f"{prefix}{separator}{self.where}" if self.where else prefix
        return Problem(where, self.template, see=self.see, **self.fields)

    def citing(self, url: str) -> Problem:
        """The same problem, followed by the documentation page ``url``."""
        return Problem(self.where, self.template, see=url, **self.fields)

    def render(self, translate: Callable[[str], str]) -> str:
        """The problem with its template (and those of its fields) passed through ``translate``
        (``labkit.i18n.gettext`` in the lesson layer); ``render(str)`` is the English text itself."""
        values = {
            name: value.render(translate) if isinstance(value, Problem) else value
            for name, value in self.fields.items()
        }
        return _compose(self.where, translate(self.template).format(**values), self.see)


def _rebuild(where: str, template: str, see: str, fields: dict[str, str]) -> Problem:
    return Problem(where, template, see=see, **fields)


def word(template: str) -> Problem:
    """A word shown inside another problem's message (a unit, a kind of thing), translated with it."""
    return Problem("", template)


def _compose(where: str, message: str, see: str) -> str:
    text = f"{where}: {message}" if where else message
    return f"{text} ({see})" if see else text


def report(summary: Problem | None, problems: Sequence[Problem], translate: Callable[[str], str] = str) -> str:
    """The text of an error listing ``problems``: ``summary:`` then one problem an indented line, or,
    without a summary, one problem a line."""
    lines = [problem.render(translate) for problem in problems]
    if summary is None:
        return "\n".join(lines)
    return f"{summary.render(translate)}:\n  " + "\n  ".join(lines)


def invalid(summary: Problem | None, problems: Sequence[Problem]) -> InvalidAgentConfig:
    """The :class:`~labkit.exceptions.InvalidAgentConfig` that lists ``problems`` (in English), keeping
    ``summary`` and ``problems`` on it for :mod:`labkit.lesson.agent` to say in the lab's language."""
    return InvalidAgentConfig(report(summary, problems), summary=summary, problems=problems)


def unchecked(summary: Problem) -> UncheckedAgentConfig:
    """The :class:`~labkit.exceptions.UncheckedAgentConfig` saying ``summary`` (in English), which it keeps."""
    return UncheckedAgentConfig(str(summary), summary=summary)
