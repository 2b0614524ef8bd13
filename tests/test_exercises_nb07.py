"""The checkers of notebook 07's exercises: the right answer passes, wrong ones are named."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.course.exercises.nb07 import reboot_alarm, slow_alarm
from labkit.emulator import ec2_workload
from labkit.lesson import ec2
from labkit.lesson.prereqs import alerts_topic
from labkit.runtime.lab import Lab


def _reboot(lab: Lab, instance: ec2_workload.LabInstance, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "lab-web-instance-check",
        "Namespace": "AWS/EC2",
        "MetricName": "StatusCheckFailed_Instance",
        "Dimensions": instance.dimensions,
        "Statistic": "Minimum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [f"arn:aws:automate:{lab.region}:ec2:reboot", alerts_topic(lab)],
    }
    lab.client("cloudwatch").put_metric_alarm(**{**params, **changes})


def _slow(lab: Lab, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "lab-web-slow",
        "Namespace": "CloudWatchSynthetics",
        "MetricName": "Duration",
        "Dimensions": [{"Name": "CanaryName", "Value": "lab-web-canary"}],
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1000,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [alerts_topic(lab)],
    }
    lab.client("cloudwatch").put_metric_alarm(**{**params, **changes})


def test_reboot_alarm_right_answer(lab: Lab) -> None:
    _reboot(lab, ec2.launch(lab))
    assert reboot_alarm.problems(lab) == []


def test_reboot_alarm_missing(lab: Lab) -> None:
    assert reboot_alarm.problems(lab) == ["there is no alarm named 'lab-web-instance-check'"]


def test_reboot_alarm_with_the_recover_action_and_two_periods(lab: Lab) -> None:
    _reboot(lab, ec2.launch(lab), EvaluationPeriods=2, AlarmActions=[f"arn:aws:automate:{lab.region}:ec2:recover"])
    problems = reboot_alarm.problems(lab)
    assert any("ec2:reboot" in p for p in problems) and any("3 evaluation periods" in p for p in problems)


def test_reboot_alarm_on_the_system_check_of_another_instance(lab: Lab) -> None:
    ec2.launch(lab, seed=8)  # another instance (the same launch twice is one instance)
    _reboot(
        lab,
        ec2.launch(lab),
        MetricName="StatusCheckFailed_System",
        Dimensions=[{"Name": "InstanceId", "Value": "i-0000000000000000"}],
    )
    problems = reboot_alarm.problems(lab)
    assert any("StatusCheckFailed_Instance" in p for p in problems) and any("InstanceId" in p for p in problems)


def test_slow_alarm_right_answer(lab: Lab) -> None:
    _slow(lab)
    assert slow_alarm.problems(lab) == []


def test_slow_alarm_in_seconds_instead_of_milliseconds(lab: Lab) -> None:
    _slow(lab, Threshold=1)
    assert slow_alarm.problems(lab) == [
        "Duration is in milliseconds: fire when it is GreaterThanThreshold 1000 (one second)"
    ]


def test_slow_alarm_on_success_percent_without_a_topic(lab: Lab) -> None:
    _slow(lab, MetricName="SuccessPercent", AlarmActions=[])
    problems = slow_alarm.problems(lab)
    assert any("not CloudWatchSynthetics Duration" in p for p in problems) and any("SNS topic" in p for p in problems)


def test_slow_alarm_with_the_wrong_canary(lab: Lab) -> None:
    _slow(lab, Dimensions=[{"Name": "CanaryName", "Value": "other"}])
    assert slow_alarm.problems(lab) == [
        "the alarm needs exactly the dimension CanaryName=lab-web-canary (yours: {'CanaryName': 'other'})"
    ]


def _solve(lab: Lab, exercise: Any, instance: ec2_workload.LabInstance) -> None:
    exec(
        exercise.solution_code,
        {"cloudwatch": lab.client("cloudwatch"), "lab": lab, "instance": instance, "topic_arn": alerts_topic(lab)},
    )


REBOOT_WRONG: dict[str, Any] = {
    # "when its instance status check fails"
    "system check": {"MetricName": "StatusCheckFailed_System"},
    "fires when the check passes": {"ComparisonOperator": "LessThanOrEqualToThreshold"},
    # "reboots it"
    "recover action": {"AlarmActions": ["arn:aws:automate:ap-northeast-1:ec2:recover", "TOPIC"]},
    "another instance": {"Dimensions": [{"Name": "InstanceId", "Value": "i-0000000000000000"}]},
    # "and emails topic_arn"
    "no email": {"AlarmActions": ["arn:aws:automate:ap-northeast-1:ec2:reboot"]},
    "another topic": {"AlarmActions": ["arn:aws:automate:ap-northeast-1:ec2:reboot", "OTHER"]},
    # "three 1-minute periods"
    "two periods": {"EvaluationPeriods": 2},
}


def _fill(lab: Lab, changes: dict[str, Any]) -> dict[str, Any]:
    sns = lab.client("sns")
    topics = {"TOPIC": alerts_topic(lab), "OTHER": sns.create_topic(Name="other-alerts")["TopicArn"]}
    if "AlarmActions" in changes:
        return {**changes, "AlarmActions": [topics.get(a, a) for a in changes["AlarmActions"]]}
    return changes


@pytest.mark.parametrize("wrong", REBOOT_WRONG, ids=list(REBOOT_WRONG))
def test_each_wrong_reboot_alarm_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    instance = ec2.launch(lab)
    _reboot(lab, instance, **_fill(lab, REBOOT_WRONG[wrong]))
    assert reboot_alarm.problems(lab) != []
    _solve(lab, reboot_alarm, instance)
    assert reboot_alarm.problems(lab) == []


SLOW_WRONG: dict[str, Any] = {
    "availability metric": {"MetricName": "SuccessPercent"},  # "the page"'s load time
    "other canary": {"Dimensions": [{"Name": "CanaryName", "Value": "other"}]},
    "seconds": {"Threshold": 1},  # "more than a second"
    "maximum over 5 minutes": {"Statistic": "Maximum", "Period": 300},
    "no email": {"AlarmActions": []},
    "another topic": {"AlarmActions": ["OTHER"]},
}


@pytest.mark.parametrize("wrong", SLOW_WRONG, ids=list(SLOW_WRONG))
def test_each_wrong_slow_alarm_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    _slow(lab, **_fill(lab, SLOW_WRONG[wrong]))
    assert slow_alarm.problems(lab) != []
    _solve(lab, slow_alarm, None)  # type: ignore[arg-type]
    assert slow_alarm.problems(lab) == []
