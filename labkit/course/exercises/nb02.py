"""Exercises of notebook 02-cpu-alarm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exercises import Exercise
from labkit.i18n import N_, _
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
            _("the alarm watches {namespace} {metric}, not AWS/EC2 CPUUtilization").format(
                namespace=alarm.get("Namespace"), metric=alarm.get("MetricName")
            )
        )
    dimensions = alarm.get("Dimensions", [])
    if instance_id is not None and dimensions != [{"Name": "InstanceId", "Value": instance_id}]:
        problems.append(
            _("the alarm's Dimensions are {dimensions}, not the lab instance's InstanceId").format(
                dimensions=dimensions
            )
        )
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    if statistic != "Average":
        problems.append(_("the alarm exists but uses {statistic}, not Average").format(statistic=statistic))
    if alarm.get("Period") != 300:
        problems.append(
            _("the Period is {period} seconds, not 300 (the 5-minute average)").format(period=alarm.get("Period"))
        )
    if alarm.get("ComparisonOperator") != "GreaterThanThreshold" or alarm.get("Threshold") != 80:
        problems.append(
            _("the condition is {operator} {threshold}, not GreaterThanThreshold 80").format(
                operator=alarm.get("ComparisonOperator"), threshold=alarm.get("Threshold")
            )
        )
    n, m = alarm.get("EvaluationPeriods"), alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods"))
    if (m, n) != (3, 5):
        problems.append(
            _("it alarms when {m} of {n} periods breach, not 3 of 5 (EvaluationPeriods=5, DatapointsToAlarm=3)").format(
                m=m, n=n
            )
        )
    if not any(arn.endswith(f":{ALERTS_TOPIC}") for arn in alarm.get("AlarmActions", [])):
        problems.append(_("its AlarmActions do not notify the SNS topic {topic}").format(topic=ALERTS_TOPIC))
    return problems


def _three_of_five_problems(lab: Lab) -> list[str]:
    cloudwatch = lab.internal_client("cloudwatch")
    found = cloudwatch.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
    if not found:
        names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
        return [
            _("there is no alarm named {name!r} (alarms now: {alarms})").format(
                name=ALARM_NAME, alarms=", ".join(names) or _("none")
            )
        ]
    return _alarm_problems(found[0], lab_instance_id(lab))


three_of_five = Exercise(
    title=N_("an alarm 'cpu-high-3-of-5' that fires when 3 of the last 5 five-minute averages exceed 80 %"),
    checker=_three_of_five_problems,
    hints=[
        N_("Start from the put_metric_alarm call of Step 2 and change only the name and the M-of-N settings."),
        N_(
            "EvaluationPeriods is N (how many recent periods are looked at), DatapointsToAlarm is M (how many must breach)."
        ),
    ],
    notebook="02",
    number=1,
)
