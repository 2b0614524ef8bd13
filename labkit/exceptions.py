"""Every error labkit raises, in one place.

All derive from :class:`LabkitError`, so a notebook can catch the kit's errors apart from
botocore's. Errors that stand for an AWS validation failure also derive from ``ValueError``
and carry AWS's wording, so a learner sees the message AWS would have sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: How labkit's errors put their words in the lab's language: :mod:`labkit.i18n` gives its ``gettext`` with
#: :func:`translate_with` when it is imported (it imports this module, so this one cannot import it back).
#: Until then the words are English, which is also the lab's language until labkit.i18n sets another.
_gettext: Callable[[str], str] = str


def translate_with(gettext: Callable[[str], str]) -> None:
    """Translate labkit's errors with ``gettext`` from now on (:mod:`labkit.i18n` calls it)."""
    global _gettext
    _gettext = gettext


def _(message: str) -> str:
    """``message`` in the lab's language (the catalogue's keyword: ``make messages`` extracts it)."""
    return _gettext(message)


class LabkitError(Exception):
    """Base class of every labkit error."""


class ConfigurationError(LabkitError):
    """The lab was asked for something its settings do not allow (bad backend name, bad env)."""


class GuardrailError(LabkitError):
    """A real-account safety check refused to go on (account not allowed, root credentials, region)."""


class UnsupportedOperation(LabkitError, NotImplementedError):
    """An AWS call that the current backend cannot answer.

    moto reports a missing call in three ways (``NotImplementedError`` in-process, a 404
    ``ClientError`` for some services, HTTP 500 over a server); labkit turns all three into this.
    """

    def __init__(self, service: str, operation: str, backend: str, detail: str = "") -> None:
        self.service = service
        self.operation = operation
        self.backend = backend
        message = _(
            "{service}.{operation} is not supported by the {backend!r} backend "
            "(neither moto nor the labkit emulator implements it)"
        ).format(service=service, operation=operation, backend=backend)
        if detail:
            message += f": {detail}"
        super().__init__(message)


class JsonTooDeep(LabkitError, NotImplementedError):
    """JSON nested deeper than labkit reads (:data:`labkit.aws.jsontext.MAX_DEPTH` levels): Python's json module
    and labkit's walks recurse once a level. The emulator reports it as :class:`UnsupportedOperation` of the call."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        super().__init__(_("JSON nested more than {depth} levels deep, deeper than labkit reads").format(depth=depth))


class PluginWiringError(LabkitError, LookupError):
    """The emulator's plugins are wired wrong: a plugin asked for one that is not installed or that
    it does not declare, or the declared dependencies form a cycle (labkit developers' error)."""


class WaitTimeout(LabkitError, TimeoutError):
    """``Lab.wait_until`` (or a waiter built on it) ran out of lab time before its condition held."""


class TeardownError(LabkitError):
    """Teardown finished but could not delete everything; ``.report`` lists what is left and why."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class InvalidFilterPattern(LabkitError, ValueError):
    """A CloudWatch Logs filter pattern that AWS would reject with ``InvalidParameterException``.

    ``position`` is the 0-based offset in the pattern where the problem was found, or ``None``.
    """

    def __init__(self, message: str, pattern: str = "", position: int | None = None) -> None:
        self.pattern = pattern
        self.position = position
        super().__init__(message)


class InvalidAlarmParameter(LabkitError, ValueError):
    """An alarm setting CloudWatch rejects (``InvalidParameterValue`` / ``ValidationError``).

    ``code`` is the AWS error code the emulator should answer with (``ValidationError``,
    ``InvalidParameterValue``, ``InvalidParameterCombination`` or ``MissingParameter``);
    ``parameter`` names the offending PutMetricAlarm parameter, or is ``None``.
    """

    def __init__(self, message: str, code: str = "ValidationError", parameter: str | None = None) -> None:
        self.code = code
        self.message = message
        self.parameter = parameter
        super().__init__(message)


class InvalidAgentConfig(LabkitError, ValueError):
    """A CloudWatch Logs agent (awslogs) or unified CloudWatch agent configuration AWS would refuse.

    ``summary`` and ``problems`` are what the message says, kept apart (each a
    ``labkit.aws.agent.problems.Problem`` when labkit's rules found it) so that ``labkit.lesson.agent``
    can say them in the lab's language."""

    def __init__(self, message: str = "", *, summary: str | None = None, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.summary = summary
        self.problems = tuple(problems)


class UncheckedAgentConfig(LabkitError, NotImplementedError):
    """A unified CloudWatch agent configuration with parts labkit's rules do not describe (traces,
    Windows events…): neither accepted nor refused, the message names them (``summary``, as for
    :class:`InvalidAgentConfig`)."""

    def __init__(self, message: str = "", *, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary


class ServiceError(LabkitError):
    """An AWS error answer that the emulator sends in place of moto.

    Raised inside an emulator handler; the learner receives it as the boto3 client's modelled
    exception (for example ``logs.exceptions.InvalidParameterException``), as from AWS.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


class UnsupportedPolicyElement(LabkitError, NotImplementedError):
    """An IAM policy uses an element the offline evaluator cannot evaluate (``Condition``, ...)."""


class InstanceRoleError(LabkitError):
    """An instance cannot get credentials from its role (what ``iam/info`` in the instance metadata reports)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class InvalidParameter(LabkitError, ValueError):
    """A labkit function was given a value it cannot use (an unknown operator, a negative count…)."""


class NotFound(LabkitError, KeyError):
    """A name labkit looked up and does not have (a glossary entry, an offline copy of a managed policy)."""


class InvalidEventPattern(LabkitError, ValueError):
    """An event pattern EventBridge would refuse (``InvalidEventPatternException``)."""


class CostExplorerError(LabkitError, ValueError):
    """A request Cost Explorer refuses (answered as ``ValidationException``)."""


class LookupEventsError(LabkitError, ValueError):
    """A CloudTrail ``LookupEvents`` request AWS refuses; ``code`` is the AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class MalformedQuery(LabkitError, ValueError):
    """A Logs Insights query AWS refuses with ``MalformedQueryException``; ``position`` is 1-based in the query."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class ChecksFailed(LabkitError, AssertionError):
    """At least one 'check your work' item failed."""


class QuizError(LabkitError):
    """A question number or an answer letter that the quiz does not have."""


class UnknownNotebook(LabkitError):
    """A name given to ``labkit run`` that is no notebook of the course."""


class SolutionLeak(LabkitError):
    """A student edition would still show solution code."""


class AlarmRuleError(LabkitError, ValueError):
    """An ``AlarmRule`` AWS refuses (PutCompositeAlarm answers ``ValidationError``)."""


class MetricMathError(LabkitError, ValueError):
    """An expression AWS refuses (GetMetricData and PutMetricAlarm answer ``ValidationError``)."""


class MetricMathUnsupported(LabkitError, NotImplementedError):
    """A documented construct the offline engine does not evaluate.

    As :class:`MuteRuleUnsupported`: ``template`` filled with ``fields`` names it, ``construct`` in English and
    ``described`` in the lab's language."""

    def __init__(self, template: str, **fields: object) -> None:
        self.construct = template.format(**fields) if fields else template
        self.described = _(template).format(**fields) if fields else _(template)
        super().__init__(_("metric math {construct} is not emulated").format(construct=self.described))


class MetricsInsightsError(LabkitError, ValueError):
    """A Metrics Insights query AWS refuses (GetMetricData and PutMetricAlarm answer ``ValidationError``)."""


class MetricsInsightsUnsupported(LabkitError, NotImplementedError):
    """A valid Metrics Insights construct the offline engine does not run.

    As :class:`MuteRuleUnsupported`: ``template`` filled with ``fields`` names it, ``construct`` in English and
    ``described`` in the lab's language."""

    def __init__(self, template: str, **fields: object) -> None:
        self.construct = template.format(**fields) if fields else template
        self.described = _(template).format(**fields) if fields else _(template)
        super().__init__(_("Metrics Insights {construct} is not emulated").format(construct=self.described))


class LogsInsightsUnsupported(UnsupportedOperation):
    """A valid Logs Insights construct the offline engine does not run (``logs.StartQuery`` on the lab's backend).

    As :class:`MuteRuleUnsupported`: ``template`` filled with ``fields`` names it, ``construct`` in English and
    ``described`` in the lab's language."""

    def __init__(self, template: str, **fields: object) -> None:
        self.construct = template.format(**fields) if fields else template
        self.described = _(template).format(**fields) if fields else _(template)
        detail = _("Logs Insights {construct} is not emulated").format(construct=self.described)
        super().__init__("logs", "StartQuery", "moto", detail)


class TranslationProblem(LabkitError):
    """A catalogue that cannot build its edition: cells untranslated, or translated from an older English."""


class MissingSolution(LabkitError):
    """An exercise whose notebook source has no answer cell for it (a contributor's mistake)."""


class ManifestError(LabkitError):
    """A module of ``labkit/course/manifests/`` that does not define its notebook's ``MANIFEST``."""


class InvalidInsightRule(LabkitError, ValueError):
    """A Contributor Insights rule body AWS refuses (``InvalidParameterValue``), or a report request it refuses."""


class InvalidMuteRule(LabkitError, ValueError):
    """An alarm mute rule CloudWatch refuses; ``code`` is the error code the emulator answers with."""

    def __init__(self, message: str, code: str = "InvalidParameterValue") -> None:
        self.code = code
        self.message = message
        super().__init__(message)


class LogAlarmUnsupported(LabkitError, NotImplementedError):
    """A log alarm setting whose meaning AWS's documentation leaves open (labkit would have to guess), or that the
    lab does not emulate (alarm contributors).

    As :class:`MuteRuleUnsupported`: ``template`` filled with ``fields`` names it, ``construct`` in English and
    ``described`` in the lab's language."""

    def __init__(self, template: str, **fields: object) -> None:
        self.construct = template.format(**fields) if fields else template
        self.described = _(template).format(**fields) if fields else _(template)
        super().__init__(_("{construct} is not emulated").format(construct=self.described))


class MuteRuleUnsupported(LabkitError, NotImplementedError):
    """A mute rule whose meaning AWS's pages leave open (labkit would have to guess).

    ``template`` (English, marked for labkit's catalogue where it is written) filled with ``fields`` names it:
    ``construct`` in English, ``described`` in the lab's language (the pure rules that raise it do not import
    :mod:`labkit.i18n`)."""

    def __init__(self, template: str, **fields: object) -> None:
        self.construct = template.format(**fields) if fields else template
        self.described = _(template).format(**fields) if fields else _(template)
        super().__init__(_("{construct} is not emulated").format(construct=self.described))
