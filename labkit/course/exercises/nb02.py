"""Exercises of notebook 02-cpu-alarm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exercises import Exercise
from labkit.lesson.ec2 import lab_instance_id
from labkit.lesson.prereqs import ALERTS_TOPIC

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

ALARM_NAME = "cpu-high-3-of-5"


def _alarm_problems(alarm: dict[str, Any], instance_id: str | None) -> list[str]:
    """What differs from: AWS/EC2 CPUUtilization of the lab instance, Average over 300 s, > 80, 3 of 5, to lab-alerts."""
    problems = []
    if (alarm.get("Namespace"), alarm.get("MetricName")) != ("AWS/EC2", "CPUUtilization"):
        problems.append(
            f"the alarm watches {alarm.get('Namespace')} {alarm.get('MetricName')}, not AWS/EC2 CPUUtilization"
        )
    dimensions = alarm.get("Dimensions", [])
    if instance_id is not None and dimensions != [{"Name": "InstanceId", "Value": instance_id}]:
        problems.append(f"the alarm's Dimensions are {dimensions}, not the lab instance's InstanceId")
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    if statistic != "Average":
        problems.append(f"the alarm exists but uses {statistic}, not Average")
    if alarm.get("Period") != 300:
        problems.append(f"the Period is {alarm.get('Period')} seconds, not 300 (the 5-minute average)")
    if alarm.get("ComparisonOperator") != "GreaterThanThreshold" or alarm.get("Threshold") != 80:
        problems.append(
            f"the condition is {alarm.get('ComparisonOperator')} {alarm.get('Threshold')}, not GreaterThanThreshold 80"
        )
    n, m = alarm.get("EvaluationPeriods"), alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods"))
    if (m, n) != (3, 5):
        problems.append(
            f"it alarms when {m} of {n} periods breach, not 3 of 5 (EvaluationPeriods=5, DatapointsToAlarm=3)"
        )
    if not any(arn.endswith(f":{ALERTS_TOPIC}") for arn in alarm.get("AlarmActions", [])):
        problems.append(f"its AlarmActions do not notify the SNS topic {ALERTS_TOPIC}")
    return problems


def _three_of_five_problems(lab: Lab) -> list[str]:
    cloudwatch = lab.internal_client("cloudwatch")
    found = cloudwatch.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
    if not found:
        names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
        return [f"there is no alarm named {ALARM_NAME!r} (alarms now: {', '.join(names) or 'none'})"]
    return _alarm_problems(found[0], lab_instance_id(lab))


three_of_five = Exercise(
    title=f"an alarm {ALARM_NAME!r} that fires when 3 of the last 5 five-minute averages exceed 80 %",
    checker=_three_of_five_problems,
    hints=[
        "Start from the put_metric_alarm call of Step 2 and change only the name and the M-of-N settings.",
        "EvaluationPeriods is N (how many recent periods are looked at), DatapointsToAlarm is M (how many must breach).",
    ],
    notebook="02",
    number=1,
)
