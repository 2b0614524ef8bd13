"""Checkers of notebook 05's exercises: the 'Invalid user' metric filter and the 2-of-3 alarm.

Filter pattern rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
(terms are case sensitive; a quoted phrase is matched as one piece of text). M-of-N alarms:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation
(``DatapointsToAlarm`` of ``EvaluationPeriods``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from labkit.course.exercises.nb05 import invalid_user_filter, sustained_alarm
from labkit.lesson.prereqs import alerts_topic
from labkit.runtime.lab import Lab


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
        "AlarmName": "SSH Failed sustained",
        "Namespace": "LabLogs",
        "MetricName": "SSHFailed",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 5,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
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


def _solve_filter(lab: Lab) -> None:
    # The notebook's answer cell ends by testing the filter on the sample lines of its Step 2.
    sample = (
        (Path(__file__).resolve().parents[1] / "data" / "secure-sample.log").read_text(encoding="utf-8").splitlines()
    )
    exec(invalid_user_filter.solution_code, {"logs": lab.client("logs"), "sample": sample})


FILTER_WRONG: dict[str, dict[str, Any]] = {
    "lower case pattern": {"pattern": "invalid user"},  # "counts sshd's 'Invalid user' lines"
    "too broad": {"pattern": "[preauth]"},
    "namespace": {"pattern": '"Invalid user"', "metricNamespace": "SSH"},  # "as LabLogs/SSHInvalidUser"
    "value": {"pattern": '"Invalid user"', "metricValue": "2"},
}


@pytest.mark.parametrize("wrong", FILTER_WRONG, ids=list(FILTER_WRONG))
def test_each_wrong_filter_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    """PutMetricFilter with the same name replaces the filter (API_PutMetricFilter: "Creates or updates")."""
    changes = dict(FILTER_WRONG[wrong])
    _filter(lab, changes.pop("pattern"), **changes)
    assert invalid_user_filter.problems(lab) != []
    _solve_filter(lab)
    _solve_filter(lab)  # the solution cell run twice
    assert invalid_user_filter.problems(lab) == []


def test_a_wrong_filter_under_another_name_needs_the_reset(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    lab.client("logs").create_log_group(logGroupName="ssh_logs")
    lab.client("logs").put_metric_filter(
        logGroupName="ssh_logs",
        filterName="invalid",
        filterPattern="invalid user",
        metricTransformations=[{"metricName": "SSHInvalidUser", "metricNamespace": "LabLogs", "metricValue": "1"}],
    )
    _solve_filter(lab)
    [problem] = invalid_user_filter.problems(lab)
    assert "counts twice" in problem and "ex1.reset(lab)" in problem
    invalid_user_filter.reset(lab)
    assert "deleted 2 metric filters" in capsys.readouterr().out
    _solve_filter(lab)
    assert invalid_user_filter.problems(lab) == []


ALARM_WRONG: dict[str, dict[str, Any]] = {
    "one of three": {"DatapointsToAlarm": 1},  # "in 2 of the last 3 minutes"
    "five minutes": {"Period": 300},  # "a minute"
    "more than five": {"ComparisonOperator": "GreaterThanThreshold"},  # "5 or more"
    "average": {"Statistic": "Average"},  # "failures" (a count)
    "no email": {"AlarmActions": []},
}


@pytest.mark.parametrize("wrong", ALARM_WRONG, ids=list(ALARM_WRONG))
def test_each_wrong_alarm_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    topic = alerts_topic(lab)
    _alarm(lab, topic, **ALARM_WRONG[wrong])
    assert sustained_alarm.problems(lab) != []
    exec(sustained_alarm.solution_code, {"cloudwatch": lab.client("cloudwatch"), "topic_arn": topic})
    assert sustained_alarm.problems(lab) == []


def test_the_checker_speaks_japanese_in_a_japanese_lab(lab: Lab) -> None:
    """Issue 18: the shared log-alarm check (notebooks 05 and 08) in the lab's language, values kept."""
    from labkit import i18n

    _filter(lab, "invalid user")
    i18n.set_language("ja")
    try:
        missed, extra = invalid_user_filter.problems(lab)
    finally:
        i18n.set_language("en")
    assert missed.startswith("パターン 'invalid user' は、カウントすべき ") and "大文字と小文字が区別されます" in missed
    assert "ほかの行にも" in extra and "1 回の試行が複数回カウントされてしまいます" in extra
