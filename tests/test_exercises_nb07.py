"""The checkers of notebook 07's exercises: the right answer passes, wrong ones are named."""

from __future__ import annotations

from typing import Any

from labkit import ec2
from labkit.exercises.nb07 import reboot_alarm, slow_alarm
from labkit.lab import Lab
from labkit.prereqs import alerts_topic


def _reboot(lab: Lab, instance: ec2.LabInstance, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "lab-web-instance-check", "Namespace": "AWS/EC2", "MetricName": "StatusCheckFailed_Instance",
        "Dimensions": instance.dimensions, "Statistic": "Minimum", "Period": 60, "EvaluationPeriods": 3,
        "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [f"arn:aws:automate:{lab.region}:ec2:reboot", alerts_topic(lab)],
    }
    lab.client("cloudwatch").put_metric_alarm(**{**params, **changes})


def _slow(lab: Lab, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "lab-web-slow", "Namespace": "CloudWatchSynthetics", "MetricName": "Duration",
        "Dimensions": [{"Name": "CanaryName", "Value": "lab-web-canary"}], "Statistic": "Average", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": 1000, "ComparisonOperator": "GreaterThanThreshold",
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
    ec2.launch(lab)
    _reboot(lab, ec2.launch(lab), MetricName="StatusCheckFailed_System",
            Dimensions=[{"Name": "InstanceId", "Value": "i-0000000000000000"}])
    problems = reboot_alarm.problems(lab)
    assert any("StatusCheckFailed_Instance" in p for p in problems) and any("InstanceId" in p for p in problems)


def test_slow_alarm_right_answer(lab: Lab) -> None:
    _slow(lab)
    assert slow_alarm.problems(lab) == []


def test_slow_alarm_in_seconds_instead_of_milliseconds(lab: Lab) -> None:
    _slow(lab, Threshold=1)
    assert slow_alarm.problems(lab) == ["Duration is in milliseconds: fire when it is GreaterThanThreshold 1000 (one second)"]


def test_slow_alarm_on_success_percent_without_a_topic(lab: Lab) -> None:
    _slow(lab, MetricName="SuccessPercent", AlarmActions=[])
    problems = slow_alarm.problems(lab)
    assert any("not CloudWatchSynthetics Duration" in p for p in problems) and any("SNS topic" in p for p in problems)


def test_slow_alarm_with_the_wrong_canary(lab: Lab) -> None:
    _slow(lab, Dimensions=[{"Name": "CanaryName", "Value": "other"}])
    assert slow_alarm.problems(lab) == ["the alarm needs exactly the dimension CanaryName=lab-web-canary (yours: {'CanaryName': 'other'})"]
