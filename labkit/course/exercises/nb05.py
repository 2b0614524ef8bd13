"""Exercises of notebook 05-ssh-failure-metric-filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit.course.exercises import Exercise
from labkit.course.exercises.log_alarm import (
    LogMetric,
    alarm_problems,
    delete_metric_filters,
    metric_alarm,
    metric_filter_problems,
    missing_log_group,
    sshd_sample_lines,
)
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

LOG_GROUP = "ssh_logs"
NAMESPACE = "LabLogs"
INVALID_USER_METRIC = "SSHInvalidUser"
SUSTAINED_ALARM = "SSH Failed sustained"
FAILED_METRIC = "SSHFailed"
INVALID_USER = LogMetric(LOG_GROUP, NAMESPACE, INVALID_USER_METRIC, "ex1")


def _invalid_user_problems(lab: Lab) -> list[str]:
    return missing_log_group(lab, LOG_GROUP) or metric_filter_problems(
        lab,
        INVALID_USER,
        sshd_sample_lines(11),
        lambda line: "sshd[" in line and "]: Invalid user " in line,
        N_("so one attempt would count more than once"),
    )


invalid_user_filter = Exercise(
    title=N_("a metric filter on ssh_logs that counts sshd's 'Invalid user' lines as LabLogs/SSHInvalidUser"),
    checker=_invalid_user_problems,
    hints=[
        N_("Try patterns on a few lines with logs.test_metric_filter before you create the filter."),
        N_(
            "sshd writes 'Invalid user admin from …' once per attempt, but 'Failed password for invalid user …' too: "
            "case matters."
        ),
        N_("Quote the phrase so it is matched as one piece of text: '\"Invalid user\"'."),
    ],
    resetter=lambda lab: delete_metric_filters(lab, INVALID_USER),
    notebook="05",
    number=1,
)


def _sustained_problems(lab: Lab) -> list[str]:
    expected = {
        "Namespace": NAMESPACE,
        "MetricName": FAILED_METRIC,
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    problems = alarm_problems(lab, SUSTAINED_ALARM, expected)
    alarm = metric_alarm(lab, SUSTAINED_ALARM)
    if alarm is not None and alarm.get("Dimensions"):
        problems.append(_("the metric filter publishes SSHFailed without dimensions, so the alarm must have none"))
    return problems


sustained_alarm = Exercise(
    title=N_("an alarm 'SSH Failed sustained': 5 or more failures a minute in 2 of the last 3 minutes"),
    checker=_sustained_problems,
    hints=[
        N_("Start from the 'SSH Failed' alarm call of step 5 and change its name, period and threshold."),
        N_("'2 of 3' is EvaluationPeriods=3 with DatapointsToAlarm=2."),
    ],
    notebook="05",
    number=2,
)
