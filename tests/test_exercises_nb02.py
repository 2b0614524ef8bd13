"""Exercise checker of notebook 02-cpu-alarm: an alarm on 3 of 5 breaching periods.

M of N: EvaluationPeriods is N, DatapointsToAlarm is M
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation).
"""

from __future__ import annotations

from typing import Any

import pytest

from labkit.course.exercises.nb02 import three_of_five
from labkit.lesson import ec2, prereqs
from labkit.runtime.lab import Lab


@pytest.fixture
def right(lab: Lab) -> dict[str, Any]:
    instance = ec2.launch(lab, pattern="idle")
    topic = prereqs.alerts_topic(lab)
    return {
        "AlarmName": "cpu-high-3-of-5",
        "Namespace": "AWS/EC2",
        "MetricName": "CPUUtilization",
        "Dimensions": instance.dimensions,
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "Threshold": 80,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [topic],
    }


def _problems(lab: Lab, params: dict[str, Any]) -> list[str]:
    lab.client("cloudwatch").put_metric_alarm(**params)
    return three_of_five.problems(lab)


def test_right_answer(lab: Lab, right: dict[str, Any]) -> None:
    assert _problems(lab, right) == []


def test_no_alarm(lab: Lab, right: dict[str, Any]) -> None:
    assert three_of_five.problems(lab) == ["there is no alarm named 'cpu-high-3-of-5' (alarms now: none)"]


def test_maximum_instead_of_average(lab: Lab, right: dict[str, Any]) -> None:
    assert _problems(lab, {**right, "Statistic": "Maximum"}) == ["the alarm exists but uses Maximum, not Average"]


def test_five_of_five_by_leaving_out_datapoints_to_alarm(lab: Lab, right: dict[str, Any]) -> None:
    params = {key: value for key, value in right.items() if key != "DatapointsToAlarm"}
    assert _problems(lab, params) == [
        "it alarms when 5 of 5 periods breach, not 3 of 5 (EvaluationPeriods=5, DatapointsToAlarm=3)"
    ]


def test_m_and_n_swapped_is_refused_by_cloudwatch(lab: Lab, right: dict[str, Any]) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(cloudwatch.exceptions.ClientError, match="DatapointsToAlarm must be less than or equal"):
        cloudwatch.put_metric_alarm(**{**right, "EvaluationPeriods": 3, "DatapointsToAlarm": 5})
    assert three_of_five.problems(lab) == ["there is no alarm named 'cpu-high-3-of-5' (alarms now: none)"]


def test_without_the_topic_and_on_another_metric(lab: Lab, right: dict[str, Any]) -> None:
    params = {**right, "MetricName": "NetworkIn", "AlarmActions": []}
    assert _problems(lab, params) == [
        "the alarm watches AWS/EC2 NetworkIn, not AWS/EC2 CPUUtilization",
        "its AlarmActions do not notify the SNS topic lab-alerts",
    ]


WRONG: dict[str, dict[str, Any]] = {
    "another metric": {"MetricName": "NetworkIn"},  # "CPU"
    "no instance": {"Dimensions": []},  # of the lab instance
    "maximum": {"Statistic": "Maximum"},  # "five-minute averages"
    "one-minute periods": {"Period": 60},
    "80 or more": {"ComparisonOperator": "GreaterThanOrEqualToThreshold"},  # "exceed 80 %"
    "90 %": {"Threshold": 90},
    "2 of 5": {"DatapointsToAlarm": 2},  # "3 of the last 5"
    "3 of 3": {"EvaluationPeriods": 3},
    "no email": {"AlarmActions": []},  # notifies lab-alerts
}


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
def test_each_wrong_answer_is_caught_then_the_solution_passes(lab: Lab, right: dict[str, Any], wrong: str) -> None:
    """PutMetricAlarm creates or updates (API_PutMetricAlarm), so the solution replaces any wrong attempt."""
    assert _problems(lab, {**right, **WRONG[wrong]}) != []

    class Instance:
        dimensions = right["Dimensions"]

    exec(
        three_of_five.solution_code,
        {"cloudwatch": lab.client("cloudwatch"), "instance": Instance, "topic_arn": right["AlarmActions"][0]},
    )
    assert three_of_five.problems(lab) == []
