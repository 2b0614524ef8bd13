"""Notebook 04's agent configuration checks, in the lab's language.

:mod:`labkit.aws.agent` holds the rules (pure, English: what ``labkit agent-config`` and the aws-level API
say). Its findings are :class:`~labkit.aws.agent.problems.Problem` s, each a message template with its
values; the functions here call those rules and say what they find through :func:`labkit.i18n.gettext`,
so a Japanese lab (``labkit.connect(lang="ja")``) reads 「必須のキー 'file_path' がありません」 where an
English one reads ``'file_path' is a required property``, with the same ``[section] option`` or JSON path.
Everything else of :mod:`labkit.aws.agent` is re-exported unchanged, so a notebook imports from here.

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from labkit.aws.agent import (
    Conversion,
    LogSource,
    awscli_conf,
    awslogs_conf,
    source_from_collect_list,
    unchecked_parts,
)
from labkit.aws import agent as _agent
from labkit.aws.agent import awslogs as _awslogs
from labkit.aws.agent import reference as _reference
from labkit.aws.agent import scripts as _scripts
from labkit.aws.agent import unified as _unified
from labkit.aws.agent.problems import Problem, report
from labkit.exceptions import InvalidAgentConfig, UncheckedAgentConfig
from labkit.i18n import _

__all__ = [
    "Conversion",
    "LogSource",
    "al2023_script",
    "al2_awslogs_script",
    "awscli_conf",
    "awslogs_conf",
    "convert_awslogs_conf",
    "explain",
    "options_table",
    "parse_awslogs_conf",
    "render",
    "say",
    "source_from_collect_list",
    "unchecked_parts",
    "unified_config",
    "unified_problems",
    "validate_awslogs_conf",
    "validate_source",
    "validate_unified",
]


def say(problem: str) -> str:
    """One finding of the rules in the lab's language (a text that is not a :class:`Problem` as it is)."""
    return problem.render(_) if isinstance(problem, Problem) else problem


def explain(error: InvalidAgentConfig | UncheckedAgentConfig) -> str:
    """The message of ``error`` (raised by :mod:`labkit.aws.agent`) in the lab's language."""
    if isinstance(error, UncheckedAgentConfig):
        return say(error.summary) if error.summary is not None else str(error)
    problems = [p for p in error.problems if isinstance(p, Problem)]
    if not problems or len(problems) != len(error.problems):
        return str(error)
    summary = error.summary if isinstance(error.summary, Problem) else None
    return report(summary, problems, _)


def _translated(error: InvalidAgentConfig | UncheckedAgentConfig) -> InvalidAgentConfig | UncheckedAgentConfig:
    if isinstance(error, UncheckedAgentConfig):
        return UncheckedAgentConfig(explain(error), summary=error.summary)
    return InvalidAgentConfig(explain(error), summary=error.summary, problems=error.problems)


def parse_awslogs_conf(text: str) -> dict[str, dict[str, str]]:
    """:func:`labkit.aws.agent.parse_awslogs_conf`, its :class:`InvalidAgentConfig` in the lab's language."""
    try:
        return _awslogs.parse_awslogs_conf(text)
    except InvalidAgentConfig as error:
        raise _translated(error) from None


def validate_awslogs_conf(text: str) -> list[LogSource]:
    """:func:`labkit.aws.agent.validate_awslogs_conf`, its :class:`InvalidAgentConfig` in the lab's language."""
    try:
        return _awslogs.validate_awslogs_conf(text)
    except InvalidAgentConfig as error:
        raise _translated(error) from None


def validate_source(source: LogSource) -> None:
    """:func:`labkit.aws.agent.validate_source`, its :class:`InvalidAgentConfig` in the lab's language."""
    try:
        _awslogs.validate_source(source)
    except InvalidAgentConfig as error:
        raise _translated(error) from None


def validate_unified(config: Mapping[str, Any]) -> None:
    """:func:`labkit.aws.agent.validate_unified`: its :class:`InvalidAgentConfig` and
    :class:`UncheckedAgentConfig` in the lab's language."""
    try:
        _unified.validate_unified(config)
    except (InvalidAgentConfig, UncheckedAgentConfig) as error:
        raise _translated(error) from None


def unified_problems(config: Any) -> list[str]:
    """:func:`labkit.aws.agent.unified_problems` in the lab's language, each as ``$.json.path: problem``."""
    return [say(problem) for problem in _unified.unified_problems(config)]


def unified_config(sources: list[LogSource], region: str | None = None, *, metrics: bool = True) -> dict[str, Any]:
    """:func:`labkit.aws.agent.unified_config`, its :class:`InvalidAgentConfig` in the lab's language."""
    try:
        return _unified.unified_config(sources, region, metrics=metrics)
    except InvalidAgentConfig as error:
        raise _translated(error) from None


def convert_awslogs_conf(text: str, awscli_conf: str | None = None) -> Conversion:
    """:func:`labkit.aws.agent.convert_awslogs_conf` with its notes (and errors) in the lab's language.

    Each note is a ``[section] option: what was not carried over`` text, as the rules' notes are."""
    try:
        conversion = _unified.convert_awslogs_conf(text, awscli_conf)
    except InvalidAgentConfig as error:
        raise _translated(error) from None
    return Conversion(conversion.config, [say(note) for note in conversion.notes])


def render(file: str, log_group: str, fmt: str = "awslogs", region: str = "ap-northeast-1") -> str:
    """:func:`labkit.aws.agent.render` (what ``labkit agent-config`` prints), its :class:`InvalidAgentConfig`
    in the lab's language (``LABKIT_LANG`` for the command)."""
    try:
        return _agent.render(file, log_group, fmt, region)
    except InvalidAgentConfig as error:
        raise _translated(error) from None


def options_table() -> Any:
    """:func:`labkit.aws.agent.reference.options_table` (every ``awslogs.conf`` option) in the lab's language:
    headers, meanings, word defaults and notes; option and field names and values as they are."""
    return _reference.options_table(_)


def al2023_script(sources: list[LogSource], region: str | None = None) -> str:
    """:func:`labkit.aws.agent.al2023_script`, its comments and :class:`InvalidAgentConfig` in the lab's language
    (commands and files unchanged)."""
    try:
        return _scripts.al2023_script(sources, region, translate=_)
    except InvalidAgentConfig as error:
        raise _translated(error) from None


def al2_awslogs_script(sources: list[LogSource], region: str) -> str:
    """:func:`labkit.aws.agent.al2_awslogs_script`, its comments and DeprecationWarning in the lab's language."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # said again below, from the caller's line
        script = _scripts.al2_awslogs_script(sources, region, translate=_)
    warnings.warn(say(_scripts.AL2_DEPRECATION), DeprecationWarning, stacklevel=2)
    return script
