"""Composite alarms through plain boto3 calls (labkit/emulator/cloudwatch_composite.py).

Rules: PutCompositeAlarm API reference (initial INSUFFICIENT_DATA then evaluated; ALARM only if
the rule is met; SNS actions; https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html),
DescribeAlarms / DescribeAlarmHistory API references ("If you omit this parameter, only metric
alarms are returned"), "Alarm events and EventBridge" for the reason's shape
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

CHILD = {
    "Namespace": "Lab/App", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


@pytest.fixture
def cloudwatch(lab: Lab) -> Any:
    client = lab.client("cloudwatch")
    client.put_metric_alarm(AlarmName="cpu-high", MetricName="CPU", **CHILD)
    client.put_metric_alarm(AlarmName="deploying", MetricName="Deploy", **CHILD)
    return client


def _composite(cloudwatch: Any, name: str = "page-me") -> dict[str, Any]:
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    return alarm


def test_rule_drives_the_state_and_notifies_by_sns(lab: Lab, cloudwatch: Any) -> None:
    sns = lab.client("sns")
    topic = sns.create_topic(Name="pager")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    lab.inbox.confirm("oncall@example.com")
    cloudwatch.put_composite_alarm(
        AlarmName="page-me", AlarmRule="ALARM(cpu-high) AND NOT ALARM(deploying)", AlarmActions=[topic], OKActions=[topic],
    )
    # Children in INSUFFICIENT_DATA: the rule is FALSE, so the composite alarm is evaluated to OK at once.
    alarm = _composite(cloudwatch)
    assert alarm["StateValue"] == "OK" and alarm["AlarmRule"] == "ALARM(cpu-high) AND NOT ALARM(deploying)"
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    alarm = _composite(cloudwatch)
    assert alarm["StateValue"] == "ALARM"
    assert alarm["StateReason"].startswith(
        f"arn:aws:cloudwatch:{lab.region}:{lab.account_id}:alarm:cpu-high transitioned to ALARM at "
    )
    assert json.loads(alarm["StateReasonData"])["triggeringAlarms"][0]["state"]["value"] == "ALARM"
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="ALARM", StateReason="deploy started")
    assert _composite(cloudwatch)["StateValue"] == "OK"
    emails = lab.inbox.notifications("oncall@example.com")
    assert [json.loads(e.body.split("\n\n--")[0])["NewStateValue"] for e in emails] == ["OK", "ALARM", "OK"]
    assert emails[1].subject.startswith('ALARM: "page-me" in ')


def test_describe_alarms_returns_composites_only_when_asked(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)")
    default = cloudwatch.describe_alarms()
    assert [a["AlarmName"] for a in default["MetricAlarms"]] == ["cpu-high", "deploying"]
    assert default["CompositeAlarms"] == []
    both = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    assert [a["AlarmName"] for a in both["CompositeAlarms"]] == ["page-me"] and len(both["MetricAlarms"]) == 2
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"], StateValue="ALARM")["CompositeAlarms"] == []
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"], AlarmNamePrefix="page")["CompositeAlarms"][0]["AlarmName"] == "page-me"


def test_history_of_a_composite_alarm(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="TRUE")
    assert cloudwatch.describe_alarm_history(AlarmName="page-me")["AlarmHistoryItems"] == []  # metric alarms only
    items = cloudwatch.describe_alarm_history(AlarmName="page-me", AlarmTypes=["CompositeAlarm"])["AlarmHistoryItems"]
    assert [(i["AlarmType"], i["HistorySummary"]) for i in items] == [
        ("CompositeAlarm", "Alarm updated from INSUFFICIENT_DATA to ALARM"), ("CompositeAlarm", 'Alarm "page-me" created'),
    ]


def test_a_composite_of_composites_follows_its_child(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="inner", AlarmRule="ALARM(cpu-high)")
    cloudwatch.put_composite_alarm(AlarmName="outer", AlarmRule="ALARM(inner) OR FALSE")
    assert _composite(cloudwatch, "outer")["StateValue"] == "OK"
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    assert _composite(cloudwatch, "outer")["StateValue"] == "ALARM"


def test_set_alarm_state_on_a_composite_and_update_keeps_the_state(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)")
    cloudwatch.set_alarm_state(AlarmName="page-me", StateValue="ALARM", StateReason="testing the pager")
    assert _composite(cloudwatch)["StateReason"] == "testing the pager"
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)", AlarmDescription="v2")
    assert _composite(cloudwatch)["StateValue"] == "ALARM"


def test_invalid_rules_and_missing_children_are_refused(cloudwatch: Any) -> None:
    with pytest.raises(ClientError, match="do not exist") as raised:
        cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high) OR ALARM(nope)")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError, match="Invalid AlarmRule"):
        cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high) AND")
    with pytest.raises(ClientError, match="at most 100"):
        cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule=" OR ".join(f"ALARM(a{i})" for i in range(101)))
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []


def test_deleting_alarms(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)")
    with pytest.raises(ClientError, match="depends on them"):
        cloudwatch.delete_alarms(AlarmNames=["cpu-high"])
    cloudwatch.delete_alarms(AlarmNames=["page-me", "cpu-high"])
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"])["CompositeAlarms"] == []


def test_what_is_not_emulated_is_refused_by_name(cloudwatch: Any) -> None:
    with pytest.raises(UnsupportedOperation, match="ActionsSuppressor"):
        cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)", ActionsSuppressor="deploying")
    with pytest.raises(UnsupportedOperation, match="paging"):
        cloudwatch.describe_alarms(MaxRecords=1)
    assert len(cloudwatch.describe_alarms(MaxRecords=2)["MetricAlarms"]) == 2
    with pytest.raises(UnsupportedOperation, match="only SNS topic actions"):
        cloudwatch.put_composite_alarm(
            AlarmName="page-me", AlarmRule="ALARM(cpu-high)",
            AlarmActions=["arn:aws:ssm:ap-northeast-1:123456789012:opsitem:1"],
        )


def test_a_cycle_of_composite_alarms_settles(cloudwatch: Any) -> None:
    """"It is possible to create a loop or cycle of composite alarms" (PutCompositeAlarm reference)."""
    cloudwatch.put_composite_alarm(AlarmName="a", AlarmRule="ALARM(cpu-high)")
    cloudwatch.put_composite_alarm(AlarmName="b", AlarmRule="NOT ALARM(a)")
    cloudwatch.put_composite_alarm(AlarmName="a", AlarmRule="ALARM(cpu-high) OR ALARM(b)")
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    states = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]}
    assert states["a"] == "ALARM"
    with pytest.raises(ClientError, match="depends on them"):
        cloudwatch.delete_alarms(AlarmNames=["a"])


def test_teardown_deletes_composite_alarms(lab: Lab, cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)")
    report = lab.teardown()
    assert report.ok, report
    reply = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    assert reply["MetricAlarms"] == [] and reply["CompositeAlarms"] == []


def test_children_and_parents_of_an_alarm(cloudwatch: Any) -> None:
    """DescribeAlarms ChildrenOfAlarmName / ParentsOfAlarmName (DescribeAlarms API reference)."""
    cloudwatch.put_composite_alarm(AlarmName="inner", AlarmRule="ALARM(cpu-high)")
    cloudwatch.put_composite_alarm(AlarmName="outer", AlarmRule='ALARM(inner) AND NOT ALARM("deploying")')
    children = cloudwatch.describe_alarms(ChildrenOfAlarmName="outer")
    assert [a["AlarmName"] for a in children["MetricAlarms"]] == ["deploying"]
    assert [sorted(a) for a in children["CompositeAlarms"]] == [["AlarmArn", "AlarmName", "StateUpdatedTimestamp", "StateValue"]]
    parents = cloudwatch.describe_alarms(ParentsOfAlarmName="cpu-high")
    assert parents["CompositeAlarms"] == [{"AlarmName": "inner", "AlarmArn": _composite(cloudwatch, "inner")["AlarmArn"]}]
    with pytest.raises(ClientError, match="cannot be used with any other parameter"):
        cloudwatch.describe_alarms(ParentsOfAlarmName="cpu-high", StateValue="OK")


def test_tags_of_a_composite_alarm(lab: Lab, cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="TRUE", Tags=[{"Key": "team", "Value": "web"}])
    tags = cloudwatch.list_tags_for_resource(ResourceARN=_composite(cloudwatch)["AlarmArn"])["Tags"]
    assert {"Key": "team", "Value": "web"} in tags
    assert any(t["Key"] == "labkit:lab" for t in tags)  # the kit tags what it creates
    arn = _composite(cloudwatch)["AlarmArn"]
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "tier", "Value": "1"}])
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["team"])
    keys = {t["Key"] for t in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}
    assert keys == {"tier", "labkit:lab"}
