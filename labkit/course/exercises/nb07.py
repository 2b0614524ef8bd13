"""Exercises of notebook 07-liveness-url-dashboards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exercises import Exercise
from labkit.lesson.prereqs import ALERTS_TOPIC

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

REBOOT_ALARM = "lab-web-instance-check"
SLOW_ALARM = "lab-web-slow"
CANARY = "lab-web-canary"


def _alarm(lab: Lab, name: str) -> dict[str, Any] | None:
    found = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0] if found else None


def _running_instances(lab: Lab) -> set[str]:
    reservations = lab.internal_client("ec2").describe_instances()["Reservations"]
    return {i["InstanceId"] for r in reservations for i in r["Instances"] if i["State"]["Name"] == "running"}


def _reboot_alarm_problems(lab: Lab) -> list[str]:
    alarm = _alarm(lab, REBOOT_ALARM)
    if alarm is None:
        return [f"there is no alarm named {REBOOT_ALARM!r}"]
    problems = []
    if (alarm.get("Namespace"), alarm.get("MetricName")) != ("AWS/EC2", "StatusCheckFailed_Instance"):
        problems.append(f"the alarm watches {alarm.get('Namespace')}/{alarm.get('MetricName')}, not AWS/EC2 StatusCheckFailed_Instance")
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    if dimensions.get("InstanceId") not in _running_instances(lab):
        problems.append("the alarm needs the dimension InstanceId of the running lab instance (EC2 actions work on per-instance metrics)")
    region = lab.region
    if f"arn:aws:automate:{region}:ec2:reboot" not in alarm.get("AlarmActions", []):
        problems.append(f"AlarmActions should include the reboot action arn:aws:automate:{region}:ec2:reboot")
    if not any(arn.split(":")[2:3] == ["sns"] and arn.endswith(f":{ALERTS_TOPIC}") for arn in alarm.get("AlarmActions", [])):
        problems.append(f"AlarmActions should also include topic_arn (the {ALERTS_TOPIC} topic), so that the reboot emails you")
    if alarm.get("Period") != 60 or alarm.get("EvaluationPeriods") != 3:
        problems.append(
            f"use 3 evaluation periods of 60 seconds (yours: {alarm.get('EvaluationPeriods')} of {alarm.get('Period')} s), "
            "so the reboot never races the recover alarm's 2 periods"
        )
    if alarm.get("ComparisonOperator") != "GreaterThanThreshold" or alarm.get("Threshold") != 0:
        problems.append("the alarm should fire when the check fails: GreaterThanThreshold 0")
    return problems


reboot_alarm = Exercise(
    title=f"an alarm {REBOOT_ALARM!r} that reboots the instance when its instance status check fails",
    checker=_reboot_alarm_problems,
    hints=[
        "It is the recover alarm's twin: the metric is StatusCheckFailed_Instance and the action is ec2:reboot.",
        "AWS recommends reboot alarms of three 1-minute evaluation periods and recover alarms of two, "
        "so the two actions never start at the same time.",
        "AlarmActions=[f'arn:aws:automate:{lab.region}:ec2:reboot', topic_arn], Period=60, EvaluationPeriods=3.",
    ],
    notebook="07",
    number=1,
)


def _slow_alarm_problems(lab: Lab) -> list[str]:
    alarm = _alarm(lab, SLOW_ALARM)
    if alarm is None:
        return [f"there is no alarm named {SLOW_ALARM!r}"]
    problems = []
    if (alarm.get("Namespace"), alarm.get("MetricName")) != ("CloudWatchSynthetics", "Duration"):
        problems.append(f"the alarm watches {alarm.get('Namespace')}/{alarm.get('MetricName')}, not CloudWatchSynthetics Duration")
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    if dimensions != {"CanaryName": CANARY}:
        problems.append(f"the alarm needs exactly the dimension CanaryName={CANARY} (yours: {dimensions or 'none'})")
    if alarm.get("ComparisonOperator") != "GreaterThanThreshold" or alarm.get("Threshold") != 1000:
        problems.append("Duration is in milliseconds: fire when it is GreaterThanThreshold 1000 (one second)")
    if alarm.get("Statistic") != "Average" or alarm.get("Period") != 60:
        problems.append("use the Average over 60-second periods (the check runs once a minute)")
    if not any(arn.split(":")[2:3] == ["sns"] and arn.endswith(f":{ALERTS_TOPIC}") for arn in alarm.get("AlarmActions", [])):
        problems.append(f"AlarmActions should include the lab's SNS topic ({ALERTS_TOPIC}), so that you get the email")
    return problems


slow_alarm = Exercise(
    title=f"an alarm {SLOW_ALARM!r} that fires when the page takes more than a second",
    checker=_slow_alarm_problems,
    hints=[
        "Copy the availability alarm and change the metric: the canary also publishes Duration.",
        "Duration is in milliseconds, so one second is 1000.",
        "MetricName='Duration', Statistic='Average', Period=60, Threshold=1000, ComparisonOperator='GreaterThanThreshold'.",
    ],
    notebook="07",
    number=2,
)
