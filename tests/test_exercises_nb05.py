"""Checkers of notebook 05's exercises: the 'Invalid user' metric filter and the 2-of-3 alarm.

Filter pattern rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
(terms are case sensitive; a quoted phrase is matched as one piece of text). M-of-N alarms:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation
(``DatapointsToAlarm`` of ``EvaluationPeriods``).
"""

from __future__ import annotations

from typing import Any

import pytest

from labkit.exercises.nb05 import invalid_user_filter, sustained_alarm
from labkit.lab import Lab
from labkit.prereqs import alerts_topic


def _filter(lab: Lab, pattern: str, **transformation: Any) -> None:
    logs = lab.client("logs")
    try:
        logs.create_log_group(logGroupName="ssh_logs")
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    metric = {"metricName": "SSHInvalidUser", "metricNamespace": "LabLogs", "metricValue": "1", **transformation}
    logs.put_metric_filter(
        logGroupName="ssh_logs", filterName="SSH Invalid user", filterPattern=pattern, metricTransformations=[metric]
    )


@pytest.mark.parametrize("pattern", ['"Invalid user"', "Invalid user", "%Invalid user%"])
def test_invalid_user_right_answers(lab: Lab, pattern: str) -> None:
    _filter(lab, pattern)
    assert invalid_user_filter.problems(lab) == []


def test_lower_case_terms_find_the_other_lines(lab: Lab) -> None:
    _filter(lab, "invalid user")
    problems = invalid_user_filter.problems(lab)
    assert len(problems) == 2
    assert "misses" in problems[0] and "case sensitive" in problems[0]
    assert "also matches" in problems[1] and "invalid user" in problems[1]


def test_quoted_lower_case_phrase_is_still_wrong(lab: Lab) -> None:
    _filter(lab, '"invalid user"')
    assert any("misses" in p for p in invalid_user_filter.problems(lab))


def test_unquoted_preauth_matches_everything(lab: Lab) -> None:
    _filter(lab, "[preauth]")
    assert any("also matches" in p for p in invalid_user_filter.problems(lab))


def test_wrong_namespace_and_value(lab: Lab) -> None:
    _filter(lab, '"Invalid user"', metricNamespace="SSH", metricValue="2")
    assert invalid_user_filter.problems(lab) == [
        "the metric's namespace is 'SSH', not 'LabLogs'",
        "metricValue is '2'; each matching line should add 1",
    ]


def test_no_filter_and_no_group(lab: Lab) -> None:
    assert "does not exist" in invalid_user_filter.problems(lab)[0]
    lab.client("logs").create_log_group(logGroupName="ssh_logs")
    assert "no metric filter on ssh_logs publishes the metric 'SSHInvalidUser'" in invalid_user_filter.problems(lab)[0]


def _alarm(lab: Lab, topic: str | None, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "SSH Failed sustained", "Namespace": "LabLogs", "MetricName": "SSHFailed", "Statistic": "Sum",
        "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 5,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [topic] if topic else [],
    }
    params.update(changes)
    lab.client("cloudwatch").put_metric_alarm(**{k: v for k, v in params.items() if v is not None})


def test_sustained_right_answer(lab: Lab) -> None:
    _alarm(lab, alerts_topic(lab))
    assert sustained_alarm.problems(lab) == []


def test_three_of_three_is_not_two_of_three(lab: Lab) -> None:
    _alarm(lab, alerts_topic(lab), DatapointsToAlarm=None)
    assert sustained_alarm.problems(lab) == ["DatapointsToAlarm is None, expected 2"]


def test_wrong_period_statistic_and_no_topic(lab: Lab) -> None:
    _alarm(lab, None, Period=300, Statistic="Average")
    assert sustained_alarm.problems(lab) == [
        "Statistic is 'Average', expected 'Sum'",
        "Period is 300, expected 60",
        "the alarm does not notify the lab-alerts topic (AlarmActions=[topic_arn])",
    ]


def test_missing_alarm(lab: Lab) -> None:
    assert sustained_alarm.problems(lab) == ["there is no alarm named 'SSH Failed sustained'"]
