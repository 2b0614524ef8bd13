"""Exercises of notebook 07-liveness-url-dashboards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exercises import Exercise
from labkit.i18n import N_, _
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
        return [_("there is no alarm named {name!r}").format(name=REBOOT_ALARM)]
    problems = []
    if (alarm.get("Namespace"), alarm.get("MetricName")) != ("AWS/EC2", "StatusCheckFailed_Instance"):
        problems.append(
            _("the alarm watches {namespace}/{metric}, not AWS/EC2 StatusCheckFailed_Instance").format(
                namespace=alarm.get("Namespace"), metric=alarm.get("MetricName")
            )
        )
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    if dimensions.get("InstanceId") not in _running_instances(lab):
        problems.append(
            _(
                "the alarm needs the dimension InstanceId of the running lab instance "
                "(EC2 actions work on per-instance metrics)"
            )
        )
    region = lab.region
    if f"arn:aws:automate:{region}:ec2:reboot" not in alarm.get("AlarmActions", []):
        problems.append(
            _("AlarmActions should include the reboot action arn:aws:automate:{region}:ec2:reboot").format(
                region=region
            )
        )
    if not any(
        arn.split(":")[2:3] == ["sns"] and arn.endswith(f":{ALERTS_TOPIC}") for arn in alarm.get("AlarmActions", [])
    ):
        problems.append(
            _("AlarmActions should also include topic_arn (the {topic} topic), so that the reboot emails you").format(
                topic=ALERTS_TOPIC
            )
        )
    if alarm.get("Period") != 60 or alarm.get("EvaluationPeriods") != 3:
        problems.append(
            _(
                "use 3 evaluation periods of 60 seconds (yours: {count} of {period} s), "
                "so the reboot never races the recover alarm's 2 periods"
            ).format(count=alarm.get("EvaluationPeriods"), period=alarm.get("Period"))
        )
    if alarm.get("ComparisonOperator") != "GreaterThanThreshold" or alarm.get("Threshold") != 0:
        problems.append(_("the alarm should fire when the check fails: GreaterThanThreshold 0"))
    return problems


reboot_alarm = Exercise(
    title=N_("an alarm 'lab-web-instance-check' that reboots the instance when its instance status check fails"),
    checker=_reboot_alarm_problems,
    hints=[
        N_("It is the recover alarm's twin: the metric is StatusCheckFailed_Instance and the action is ec2:reboot."),
        N_(
            "AWS recommends reboot alarms of three 1-minute evaluation periods and recover alarms of two, "
            "so the two actions never start at the same time."
        ),
        N_("AlarmActions=[f'arn:aws:automate:{lab.region}:ec2:reboot', topic_arn], Period=60, EvaluationPeriods=3."),
    ],
    notebook="07",
    number=1,
)


def _slow_alarm_problems(lab: Lab) -> list[str]:
    alarm = _alarm(lab, SLOW_ALARM)
    if alarm is None:
        return [_("there is no alarm named {name!r}").format(name=SLOW_ALARM)]
    problems = []
    if (alarm.get("Namespace"), alarm.get("MetricName")) != ("CloudWatchSynthetics", "Duration"):
        problems.append(
            _("the alarm watches {namespace}/{metric}, not CloudWatchSynthetics Duration").format(
                namespace=alarm.get("Namespace"), metric=alarm.get("MetricName")
            )
        )
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    if dimensions != {"CanaryName": CANARY}:
        problems.append(
            _("the alarm needs exactly the dimension CanaryName={canary} (yours: {dimensions})").format(
                canary=CANARY, dimensions=dimensions or _("none")
            )
        )
    if alarm.get("ComparisonOperator") != "GreaterThanThreshold" or alarm.get("Threshold") != 1000:
        problems.append(_("Duration is in milliseconds: fire when it is GreaterThanThreshold 1000 (one second)"))
    if alarm.get("Statistic") != "Average" or alarm.get("Period") != 60:
        problems.append(_("use the Average over 60-second periods (the check runs once a minute)"))
    if not any(
        arn.split(":")[2:3] == ["sns"] and arn.endswith(f":{ALERTS_TOPIC}") for arn in alarm.get("AlarmActions", [])
    ):
        problems.append(
            _("AlarmActions should include the lab's SNS topic ({topic}), so that you get the email").format(
                topic=ALERTS_TOPIC
            )
        )
    return problems


slow_alarm = Exercise(
    title=N_("an alarm 'lab-web-slow' that fires when the page takes more than a second"),
    checker=_slow_alarm_problems,
    hints=[
        N_("Copy the availability alarm and change the metric: the canary also publishes Duration."),
        N_("Duration is in milliseconds, so one second is 1000."),
        N_(
            "MetricName='Duration', Statistic='Average', Period=60, Threshold=1000, ComparisonOperator='GreaterThanThreshold'."
        ),
    ],
    notebook="07",
    number=2,
)
