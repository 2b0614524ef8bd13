"""Exercises of notebook 05-ssh-failure-metric-filter."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from labkit.aws import filterpattern
from labkit.course.exercises import Exercise
from labkit.exceptions import InvalidFilterPattern
from labkit.lesson.logs import SecureLogGenerator

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

LOG_GROUP = "ssh_logs"
NAMESPACE = "LabLogs"
INVALID_USER_METRIC = "SSHInvalidUser"
SUSTAINED_ALARM = "SSH Failed sustained"
FAILED_METRIC = "SSHFailed"


def _sample_lines() -> list[str]:
    """sshd lines of both Amazon Linux releases: logins and a brute-force burst (seeded)."""
    start = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    lines: list[str] = []
    for flavor in ("al2", "al2023"):
        generator = SecureLogGenerator(seed=11, flavor=flavor)
        lines += [line.text for line in generator.normal(start, 120, logins_per_hour=6)]
        lines += [line.text for line in generator.attack(start, 3, attempts_per_minute=15)]
    return lines


def _invalid_user_problems(lab: Lab) -> list[str]:
    logs = lab.internal_client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    if not any(group["logGroupName"] == LOG_GROUP for group in groups):
        return [f"the log group {LOG_GROUP!r} does not exist; run the notebook's steps first"]
    filters = logs.describe_metric_filters(logGroupName=LOG_GROUP)["metricFilters"]
    chosen = [
        (f, t) for f in filters for t in f["metricTransformations"] if t["metricName"] == INVALID_USER_METRIC
    ]
    if not chosen:
        names = [f"{f['filterName']} → {', '.join(t['metricName'] for t in f['metricTransformations'])}" for f in filters]
        return [f"no metric filter on {LOG_GROUP} publishes the metric {INVALID_USER_METRIC!r} (filters now: {'; '.join(names) or 'none'})"]
    if len(chosen) > 1:
        duplicates = ", ".join(repr(f["filterName"]) for f, _ in chosen)
        return [
            f"{len(chosen)} metric filters on {LOG_GROUP} publish {INVALID_USER_METRIC} ({duplicates}), so a line that "
            "matches both counts twice: keep one. put_metric_filter with the same filterName replaces a filter; "
            f"ex1.reset(lab) deletes every filter on {LOG_GROUP} that publishes {INVALID_USER_METRIC}"
        ]
    metric_filter, transformation = chosen[0]
    problems = []
    if transformation["metricNamespace"] != NAMESPACE:
        problems.append(f"the metric's namespace is {transformation['metricNamespace']!r}, not {NAMESPACE!r}")
    if str(transformation["metricValue"]) != "1":
        problems.append(f"metricValue is {transformation['metricValue']!r}; each matching line should add 1")
    pattern = metric_filter.get("filterPattern", "")
    try:
        compiled = filterpattern.compile(pattern)
    except InvalidFilterPattern as error:
        return [*problems, f"the filter pattern {pattern!r} is not valid: {error}"]
    lines = _sample_lines()
    wanted = [line for line in lines if "sshd[" in line and "]: Invalid user " in line]
    matched = [line for line in lines if compiled.matches(line)]
    missed = [line for line in wanted if line not in matched]
    extra = [line for line in matched if line not in wanted]
    if missed:
        problems.append(
            f"the pattern {pattern!r} misses {len(missed)} of {len(wanted)} 'Invalid user' lines, such as "
            f"{_message(missed[0])!r} (filter patterns are case sensitive)"
        )
    if extra:
        problems.append(
            f"the pattern {pattern!r} also matches {len(extra)} other lines, such as {_message(extra[0])!r}, "
            "so one attempt would count more than once"
        )
    return problems


def _delete_invalid_user_filters(lab: Lab) -> str:
    logs = lab.client("logs")
    try:
        filters = logs.describe_metric_filters(logGroupName=LOG_GROUP)["metricFilters"]
    except logs.exceptions.ResourceNotFoundException:
        return f"there is no log group {LOG_GROUP}; nothing deleted"
    mine = [f["filterName"] for f in filters if any(t["metricName"] == INVALID_USER_METRIC for t in f["metricTransformations"])]
    for name in mine:
        logs.delete_metric_filter(logGroupName=LOG_GROUP, filterName=name)
    return f"deleted {len(mine)} metric filter(s) on {LOG_GROUP} that published {INVALID_USER_METRIC}: {', '.join(mine) or 'none'}"


def _message(line: str) -> str:
    return line.split("]: ", 1)[-1]


invalid_user_filter = Exercise(
    title=f"a metric filter on {LOG_GROUP} that counts sshd's 'Invalid user' lines as {NAMESPACE}/{INVALID_USER_METRIC}",
    checker=_invalid_user_problems,
    hints=[
        "Try patterns on a few lines with logs.test_metric_filter before you create the filter.",
        "sshd writes 'Invalid user admin from …' once per attempt, but 'Failed password for invalid user …' too: "
        "case matters.",
        "Quote the phrase so it is matched as one piece of text: '\"Invalid user\"'.",
    ],
    resetter=lambda lab: _delete_invalid_user_filters(lab),
    notebook="05",
    number=1,
)


def _alarm(lab: Lab, name: str) -> dict[str, Any] | None:
    found = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0] if found else None


def _sustained_problems(lab: Lab) -> list[str]:
    alarm = _alarm(lab, SUSTAINED_ALARM)
    if alarm is None:
        return [f"there is no alarm named {SUSTAINED_ALARM!r}"]
    expected = {
        "Namespace": NAMESPACE, "MetricName": FAILED_METRIC, "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    problems = [
        f"{key} is {alarm.get(key)!r}, expected {value!r}" for key, value in expected.items() if alarm.get(key) != value
    ]
    if alarm.get("Dimensions"):
        problems.append("the metric filter publishes SSHFailed without dimensions, so the alarm must have none")
    topics = [arn for arn in alarm.get("AlarmActions", []) if arn.split(":")[-1] == "lab-alerts"]
    if not topics:
        problems.append("the alarm does not notify the lab-alerts topic (AlarmActions=[topic_arn])")
    return problems


sustained_alarm = Exercise(
    title=f"an alarm '{SUSTAINED_ALARM}': 5 or more failures a minute in 2 of the last 3 minutes",
    checker=_sustained_problems,
    hints=[
        "Start from the 'SSH Failed' alarm call of step 5 and change its name, period and threshold.",
        "'2 of 3' is EvaluationPeriods=3 with DatapointsToAlarm=2.",
    ],
    notebook="05",
    number=2,
)
