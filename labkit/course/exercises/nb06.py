"""Exercises of notebook 06-cloudtrail-eventbridge-health.

The checkers judge by behaviour, not by spelling: the rule's pattern is tried on sample Health
events with EventBridge's matching rules (:mod:`labkit.aws.eventbridge`), the filter's pattern on sample
CloudTrail records with CloudWatch Logs' (:mod:`labkit.aws.filterpattern`) — and, for the CIS control,
compared with the exact text Security Hub requires.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from labkit.aws import eventbridge, filterpattern
from labkit.aws.cloudtrail import CIS_PATTERNS
from labkit.course.exercises import Exercise
from labkit.i18n import N_, _, ngettext
from labkit.exceptions import InvalidEventPattern, InvalidFilterPattern
from labkit.lesson.prereqs import ALERTS_TOPIC

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _health_event(service: str, category: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "0",
        "detail-type": "AWS Health Event",
        "source": "aws.health",
        "account": "123456789012",
        "time": "2026-06-01T00:00:00Z",
        "region": "ap-northeast-1",
        "resources": [],
        "detail": {
            "service": service,
            "eventTypeCode": f"AWS_{service}_OPERATIONAL_ISSUE",
            "eventTypeCategory": category,
            "eventRegion": "ap-northeast-1",
        },
    }


def _topic_arn(lab: Lab) -> str | None:
    topics = [t["TopicArn"] for t in lab.internal_client("sns").list_topics()["Topics"]]
    return next((t for t in topics if t.endswith(f":{ALERTS_TOPIC}")), None)


def _health_rule_problems(lab: Lab) -> list[str]:
    events = lab.internal_client("events")
    try:
        rule = events.describe_rule(Name="ec2-health-issues")
    except events.exceptions.ResourceNotFoundException:
        return [_("there is no EventBridge rule named 'ec2-health-issues' on the default bus")]
    problems: list[str] = []
    if rule.get("State") != "ENABLED":
        problems.append(_("the rule is not ENABLED"))
    pattern = rule.get("EventPattern")
    if not pattern:
        return [*problems, _("the rule has no event pattern (a schedule rule never sees Health events)")]
    try:
        wanted = eventbridge.matches(pattern, _health_event("EC2", "issue"))
        scheduled = eventbridge.matches(pattern, _health_event("EC2", "scheduledChange"))
        other = eventbridge.matches(pattern, _health_event("RDS", "issue"))
    except InvalidEventPattern as error:
        return [*problems, _("the pattern is not valid: {error}").format(error=error)]
    if not wanted:
        problems.append(_("the pattern does not match an AWS Health 'issue' event for EC2"))
    if scheduled:
        problems.append(_("the pattern also matches EC2 scheduled changes (eventTypeCategory scheduledChange)"))
    if other:
        problems.append(_("the pattern also matches issues of other services (try it on service RDS)"))
    topic = _topic_arn(lab)
    targets = [t["Arn"] for t in events.list_targets_by_rule(Rule="ec2-health-issues")["Targets"]]
    if topic not in targets:
        problems.append(_("the topic {topic} is not a target of the rule").format(topic=ALERTS_TOPIC))
    return problems


ec2_health_rule = Exercise(
    title=N_("a rule that routes EC2 Health issues to lab-alerts"),
    checker=_health_rule_problems,
    hints=[
        N_(
            "Health events have source aws.health and detail-type 'AWS Health Event'; their detail names the service "
            "and the eventTypeCategory."
        ),
        N_("Fields under detail go in a nested object: {'detail': {'service': [...], 'eventTypeCategory': [...]}}."),
        N_("Then events.put_targets(Rule='ec2-health-issues', Targets=[{'Id': 'email', 'Arn': topic_arn}])."),
    ],
    notebook="06",
    number=1,
)


def _record(name: str, **extra: Any) -> str:
    return json.dumps({"eventSource": "ec2.amazonaws.com", "eventName": name, "eventType": "AwsApiCall", **extra})


def _security_group_problems(lab: Lab) -> list[str]:
    logs = lab.internal_client("logs")
    groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    found = [
        (group, f)
        for group in groups
        for f in logs.describe_metric_filters(logGroupName=group).get("metricFilters", [])
        if any(t["metricName"] == "SecurityGroupChanges" for t in f["metricTransformations"])
    ]
    if not found:
        return [_("no metric filter publishes the metric SecurityGroupChanges")]
    if len(found) > 1:
        names = ", ".join(_("{name!r} on {group}").format(name=f["filterName"], group=g) for g, f in found)
        return [
            _(
                "{count} metric filters publish SecurityGroupChanges ({names}), so one change would count more "
                "than once: keep one. put_metric_filter with the same filterName replaces a filter; ex2.reset(lab) "
                "deletes every filter that publishes SecurityGroupChanges"
            ).format(count=len(found), names=names)
        ]
    group, metric_filter = found[0]
    problems: list[str] = []
    trails = lab.internal_client("cloudtrail").describe_trails()["trailList"]
    if not any(f":log-group:{group}:" in (t.get("CloudWatchLogsLogGroupArn") or "") for t in trails):
        problems.append(_("the filter is on log group {group}, which no trail delivers to").format(group=group))
    transformation = next(
        t for t in metric_filter["metricTransformations"] if t["metricName"] == "SecurityGroupChanges"
    )
    if transformation["metricNamespace"] != "LogMetrics" or transformation["metricValue"] != "1":
        problems.append(_("the metric should be in namespace LogMetrics with value 1"))
    try:
        compiled = filterpattern.compile(metric_filter.get("filterPattern", ""))
    except InvalidFilterPattern as error:
        return [*problems, _("the filter pattern is not valid: {error}").format(error=error)]
    for name in ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "DeleteSecurityGroup"):
        if not compiled.matches(_record(name)):
            problems.append(_("the filter does not count {event}").format(event=name))
    if compiled.matches(_record("DescribeSecurityGroups")):
        problems.append(_("the filter counts DescribeSecurityGroups, which changes nothing"))
    if " ".join(metric_filter.get("filterPattern", "").split()) != CIS_PATTERNS["CloudWatch.10 security group changes"]:
        problems.append(
            _(
                "the pattern is not exactly the CIS one (Security Hub accepts no other): use "
                "CIS_PATTERNS['CloudWatch.10 security group changes']"
            )
        )
    alarms = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=["CIS-SecurityGroupChanges"])["MetricAlarms"]
    if not alarms:
        return [*problems, _("there is no alarm named CIS-SecurityGroupChanges")]
    alarm = alarms[0]
    if (alarm.get("Namespace"), alarm.get("MetricName")) != ("LogMetrics", "SecurityGroupChanges"):
        problems.append(_("the alarm does not watch LogMetrics / SecurityGroupChanges"))
    if alarm.get("Statistic") != "Sum" or alarm.get("Period") != 300:
        problems.append(_("the alarm should use the Sum over 300 seconds"))
    fires_on_one = (alarm.get("ComparisonOperator"), alarm.get("Threshold")) in (
        ("GreaterThanOrEqualToThreshold", 1.0),
        ("GreaterThanThreshold", 0.0),
    )
    if not fires_on_one:
        problems.append(_("the alarm should go to ALARM on a single change (sum >= 1)"))
    if _topic_arn(lab) not in alarm.get("AlarmActions", []):
        problems.append(_("the alarm does not notify {topic} when it goes to ALARM").format(topic=ALERTS_TOPIC))
    return problems


def _delete_security_group_filters(lab: Lab) -> str:
    logs = lab.client("logs")
    deleted = []
    for group in [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]:
        for f in logs.describe_metric_filters(logGroupName=group).get("metricFilters", []):
            if any(t["metricName"] == "SecurityGroupChanges" for t in f["metricTransformations"]):
                logs.delete_metric_filter(logGroupName=group, filterName=f["filterName"])
                deleted.append(_("{name} on {group}").format(name=f["filterName"], group=group))
    return ngettext(
        "deleted {count} metric filter that published SecurityGroupChanges: {filters}",
        "deleted {count} metric filters that published SecurityGroupChanges: {filters}",
        len(deleted),
    ).format(count=len(deleted), filters=", ".join(deleted) or _("none"))


security_group_alarm = Exercise(
    title=N_("the CIS security-group-changes filter and alarm"),
    checker=_security_group_problems,
    resetter=_delete_security_group_filters,
    hints=[
        N_(
            "It is Step 3's loop for one more control: a put_metric_filter on the trail's log group, then a put_metric_alarm."
        ),
        N_(
            "filterPattern=CIS_PATTERNS['CloudWatch.10 security group changes']; metricTransformations with "
            "metricName SecurityGroupChanges, metricNamespace LogMetrics, metricValue '1'."
        ),
        N_(
            "The alarm: Statistic='Sum', Period=300, Threshold=1, ComparisonOperator='GreaterThanOrEqualToThreshold', "
            "AlarmActions=[topic_arn]."
        ),
    ],
    notebook="06",
    number=2,
)
