"""The check notebooks 05-ssh-failure-metric-filter and 08-investigate share: a metric filter on a
log group that counts one kind of line as a metric, and an alarm on that metric that emails lab-alerts.

A metric filter publishes ``metricValue`` for each log event its pattern matches
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html); patterns are
matched by :mod:`labkit.aws.filterpattern` against seeded sample lines, so a pattern that misses a
wanted line, or matches another, is named with an example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.aws import filterpattern
from labkit.exceptions import InvalidFilterPattern
from labkit.i18n import _, ngettext
from labkit.lesson.logs import SecureLogGenerator

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


@dataclass(frozen=True)
class LogMetric:
    """A metric that a metric filter on ``log_group`` should publish, one per wanted line."""

    log_group: str
    namespace: str
    metric: str
    #: The exercise's name in the notebook (``ex1``), for the reset hint.
    exercise: str


def sshd_sample_lines(seed: int, *, password_login: bool = False) -> list[str]:
    """sshd lines of both Amazon Linux releases (seeded): two hours of logins and a brute-force burst,
    and with ``password_login`` a password login of ``deploy`` from 203.0.113.50 five minutes in."""
    start = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    lines: list[str] = []
    for flavor in ("al2", "al2023"):
        sshd = SecureLogGenerator(seed=seed, flavor=flavor)
        lines += [line.text for line in sshd.normal(start, 120, logins_per_hour=6)]
        lines += [line.text for line in sshd.attack(start, 3, attempts_per_minute=15)]
        if password_login:
            lines += [
                line.text for line in sshd.password_login(start + dt.timedelta(minutes=5), "deploy", "203.0.113.50")
            ]
    return lines


def _message(line: str) -> str:
    """An sshd line without its syslog prefix."""
    return line.split("]: ", 1)[-1]


def missing_log_group(lab: Lab, log_group: str) -> list[str]:
    """The problem when ``log_group`` does not exist (the notebook's earlier cells make it), else none."""
    groups = lab.internal_client("logs").describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    if any(group["logGroupName"] == log_group for group in groups):
        return []
    return [
        _("the log group {log_group!r} does not exist; run the notebook from the top first").format(log_group=log_group)
    ]


def metric_filter_problems(
    lab: Lab,
    target: LogMetric,
    lines: list[str],
    wanted: Callable[[str], bool],
    extra_reason: str,
) -> list[str]:
    """What is wrong with the metric filter that should publish ``target`` for each of ``lines`` that is
    ``wanted``: none or several filters, another namespace, a value other than 1, an invalid pattern,
    wanted lines missed or others matched (``extra_reason``, marked with ``N_()``, says why those must not count)."""
    filters = lab.internal_client("logs").describe_metric_filters(logGroupName=target.log_group)["metricFilters"]
    chosen = [(f, t) for f in filters for t in f["metricTransformations"] if t["metricName"] == target.metric]
    if not chosen:
        names = [
            f"{f['filterName']} → {', '.join(t['metricName'] for t in f['metricTransformations'])}" for f in filters
        ]
        return [
            _("no metric filter on {log_group} publishes the metric {metric!r} (filters now: {filters})").format(
                log_group=target.log_group, metric=target.metric, filters="; ".join(names) or _("none")
            )
        ]
    if len(chosen) > 1:
        duplicates = ", ".join(repr(f["filterName"]) for f, _transformation in chosen)
        return [
            _(
                "{count} metric filters on {log_group} publish {metric} ({duplicates}), so a line that matches both "
                "counts twice: keep one. put_metric_filter with the same filterName replaces a filter; "
                "{exercise}.reset(lab) deletes every filter on {log_group} that publishes {metric}"
            ).format(
                count=len(chosen),
                log_group=target.log_group,
                metric=target.metric,
                duplicates=duplicates,
                exercise=target.exercise,
            )
        ]
    metric_filter, transformation = chosen[0]
    problems = []
    if transformation["metricNamespace"] != target.namespace:
        problems.append(
            _("the metric's namespace is {namespace!r}, not {expected!r}").format(
                namespace=transformation["metricNamespace"], expected=target.namespace
            )
        )
    if str(transformation["metricValue"]) != "1":
        problems.append(
            _("metricValue is {value!r}; each matching line should add 1").format(value=transformation["metricValue"])
        )
    pattern = metric_filter.get("filterPattern", "")
    try:
        compiled = filterpattern.compile(pattern)
    except InvalidFilterPattern as error:
        return [
            *problems,
            _("the filter pattern {pattern!r} is not valid: {error}").format(pattern=pattern, error=error),
        ]
    chosen_lines = [line for line in lines if wanted(line)]
    matched = [line for line in lines if compiled.matches(line)]
    missed = [line for line in chosen_lines if line not in matched]
    extra = [line for line in matched if line not in chosen_lines]
    if missed:
        problems.append(
            ngettext(
                "the pattern {pattern!r} misses {missed} of {total} line it should count, such as {example!r} "
                "(filter patterns are case sensitive)",
                "the pattern {pattern!r} misses {missed} of {total} lines it should count, such as {example!r} "
                "(filter patterns are case sensitive)",
                len(chosen_lines),
            ).format(pattern=pattern, missed=len(missed), total=len(chosen_lines), example=_message(missed[0]))
        )
    if extra:
        problems.append(
            ngettext(
                "the pattern {pattern!r} also matches {count} other line, {example!r}, {reason}",
                "the pattern {pattern!r} also matches {count} other lines, such as {example!r}, {reason}",
                len(extra),
            ).format(pattern=pattern, count=len(extra), example=_message(extra[0]), reason=_(extra_reason))
        )
    return problems


def delete_metric_filters(lab: Lab, target: LogMetric) -> str:
    """Delete every metric filter on the log group that publishes ``target``'s metric (an exercise's reset)."""
    logs = lab.client("logs")
    try:
        filters = logs.describe_metric_filters(logGroupName=target.log_group)["metricFilters"]
    except logs.exceptions.ResourceNotFoundException:
        return _("there is no log group {log_group}; nothing deleted").format(log_group=target.log_group)
    mine = [
        f["filterName"] for f in filters if any(t["metricName"] == target.metric for t in f["metricTransformations"])
    ]
    for name in mine:
        logs.delete_metric_filter(logGroupName=target.log_group, filterName=name)
    return ngettext(
        "deleted {count} metric filter on {log_group} that published {metric}: {names}",
        "deleted {count} metric filters on {log_group} that published {metric}: {names}",
        len(mine),
    ).format(count=len(mine), log_group=target.log_group, metric=target.metric, names=", ".join(mine) or _("none"))


def metric_alarm(lab: Lab, name: str) -> dict[str, Any] | None:
    """The metric alarm ``name`` as DescribeAlarms returns it, or None."""
    found = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0] if found else None


def alarm_problems(lab: Lab, name: str, expected: dict[str, Any]) -> list[str]:
    """What is wrong with the alarm ``name``: missing, a field other than ``expected``, or no lab-alerts action."""
    alarm = metric_alarm(lab, name)
    if alarm is None:
        return [_("there is no alarm named {name!r}").format(name=name)]
    problems = [
        _("{key} is {value!r}, expected {expected!r}").format(key=key, value=alarm.get(key), expected=value)
        for key, value in expected.items()
        if alarm.get(key) != value
    ]
    if not any(arn.split(":")[-1] == "lab-alerts" for arn in alarm.get("AlarmActions", [])):
        problems.append(_("the alarm does not notify the lab-alerts topic (AlarmActions=[topic_arn])"))
    return problems
