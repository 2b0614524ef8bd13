"""Composite alarms through plain boto3 calls (labkit/emulator/cloudwatch_composite.py).

Rules: PutCompositeAlarm API reference (initial INSUFFICIENT_DATA then evaluated; ALARM only if
the rule is met; SNS actions; https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html),
DescribeAlarms / DescribeAlarmHistory API references ("If you omit this parameter, only metric
alarms are returned"), "Alarm events and EventBridge" for the reason's shape
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
"""

from __future__ import annotations

import uuid

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aws_shapes import shape_problems
from labkit.emulator.events import Events
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

CHILD = {
    "Namespace": "Lab/App",
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 1.0,
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
        AlarmName="page-me",
        AlarmRule="ALARM(cpu-high) AND NOT ALARM(deploying)",
        AlarmActions=[topic],
        OKActions=[topic],
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
    assert (
        cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"], AlarmNamePrefix="page")["CompositeAlarms"][0][
            "AlarmName"
        ]
        == "page-me"
    )


@pytest.mark.parametrize(
    "filters",
    [{}, {"StateValue": "ALARM"}, {"AlarmNamePrefix": "cpu"}, {"AlarmNames": ["deploying", "page-me"]}],
    ids=["all", "state", "prefix", "names"],
)
def test_a_describe_without_alarm_types_is_the_metric_alarms_answer(cloudwatch: Any, filters: dict[str, Any]) -> None:
    """Without AlarmTypes a call gets the metric alarms only ("If you omit this parameter, only metric alarms are
    returned"): the same alarms, in the same form, as with AlarmTypes=["MetricAlarm"] or with a MaxRecords they fit
    in, whatever the filter, and never a composite alarm."""
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)")
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    cloudwatch.put_metric_alarm(AlarmName="cpu-low", MetricName="CPU", AlarmActions=[], **CHILD)
    plain = cloudwatch.describe_alarms(**filters)
    named = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm"], **filters)
    capped = cloudwatch.describe_alarms(MaxRecords=100, **filters)
    assert plain["MetricAlarms"] == named["MetricAlarms"] == capped["MetricAlarms"]
    assert plain["MetricAlarms"] and plain["CompositeAlarms"] == named["CompositeAlarms"] == []
    assert "NextToken" not in plain


def test_history_of_a_composite_alarm(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="TRUE")
    assert cloudwatch.describe_alarm_history(AlarmName="page-me")["AlarmHistoryItems"] == []  # metric alarms only
    items = cloudwatch.describe_alarm_history(AlarmName="page-me", AlarmTypes=["CompositeAlarm"])["AlarmHistoryItems"]
    assert [(i["AlarmType"], i["HistorySummary"]) for i in items] == [
        ("CompositeAlarm", "Alarm updated from INSUFFICIENT_DATA to ALARM"),
        ("CompositeAlarm", 'Alarm "page-me" created'),
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
    with pytest.raises(UnsupportedOperation, match="ActionConfiguration"):
        cloudwatch.put_composite_alarm(
            AlarmName="page-me",
            AlarmRule="ALARM(cpu-high)",
            ActionConfiguration={"AlarmTagsPropagation": {"Enabled": True}},
        )
    with pytest.raises(UnsupportedOperation, match="paging"):
        cloudwatch.describe_alarms(MaxRecords=1)
    assert len(cloudwatch.describe_alarms(MaxRecords=2)["MetricAlarms"]) == 2
    with pytest.raises(UnsupportedOperation, match="only SNS topic actions"):
        cloudwatch.put_composite_alarm(
            AlarmName="page-me",
            AlarmRule="ALARM(cpu-high)",
            AlarmActions=["arn:aws:ssm:ap-northeast-1:123456789012:opsitem:1"],
        )


def test_a_cycle_of_composite_alarms_settles(cloudwatch: Any) -> None:
    """ "It is possible to create a loop or cycle of composite alarms" (PutCompositeAlarm reference)."""
    cloudwatch.put_composite_alarm(AlarmName="a", AlarmRule="ALARM(cpu-high)")
    cloudwatch.put_composite_alarm(AlarmName="b", AlarmRule="NOT ALARM(a)")
    cloudwatch.put_composite_alarm(AlarmName="a", AlarmRule="ALARM(cpu-high) OR ALARM(b)")
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    states = {
        a["AlarmName"]: a["StateValue"]
        for a in cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    }
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
    assert [sorted(a) for a in children["CompositeAlarms"]] == [
        ["AlarmArn", "AlarmName", "StateUpdatedTimestamp", "StateValue"]
    ]
    parents = cloudwatch.describe_alarms(ParentsOfAlarmName="cpu-high")
    assert parents["CompositeAlarms"] == [
        {"AlarmName": "inner", "AlarmArn": _composite(cloudwatch, "inner")["AlarmArn"]}
    ]
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


# -- actions suppression ("Suppressing composite alarm actions",
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm_Suppression.html;
# CompositeAlarm API reference, ActionsSuppressedBy / ActionsSuppressedReason) -------------------------------
SUPPRESSED = {
    "ActionsSuppressor": "deploying",
    "ActionsSuppressorWaitPeriod": 120,
    "ActionsSuppressorExtensionPeriod": 180,
}


@pytest.fixture
def pager(lab: Lab, cloudwatch: Any) -> str:
    for name, metric in (("cpu-high", "CPU"), ("deploying", "Deploy")):  # states set by hand stay: no data is ignored
        cloudwatch.put_metric_alarm(AlarmName=name, MetricName=metric, **CHILD, TreatMissingData="ignore")
    sns = lab.client("sns")
    topic = sns.create_topic(Name="pager")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    lab.inbox.confirm("oncall@example.com")
    cloudwatch.put_composite_alarm(
        AlarmName="page-me", AlarmRule="ALARM(cpu-high)", AlarmActions=[topic], OKActions=[topic], **SUPPRESSED
    )
    return topic


def _paged(lab: Lab) -> list[str]:
    return [
        json.loads(e.body.split("\n\n--")[0])["NewStateValue"] for e in lab.inbox.notifications("oncall@example.com")
    ]


def test_suppressor_settings_are_validated_and_described(cloudwatch: Any) -> None:
    with pytest.raises(ClientError, match="ActionsSuppressor alarm nope does not exist"):
        cloudwatch.put_composite_alarm(
            AlarmName="page-me", AlarmRule="ALARM(cpu-high)", **{**SUPPRESSED, "ActionsSuppressor": "nope"}
        )
    with pytest.raises(ClientError) as raised:  # "WaitPeriod is required only when ActionsSuppressor is specified"
        cloudwatch.put_composite_alarm(
            AlarmName="page-me",
            AlarmRule="ALARM(cpu-high)",
            ActionsSuppressor="deploying",
            ActionsSuppressorExtensionPeriod=60,
        )
    assert raised.value.response["Error"]["Code"] == "MissingParameter"
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(cpu-high)", **SUPPRESSED)
    alarm = _composite(cloudwatch)
    assert {k: alarm[k] for k in SUPPRESSED} == SUPPRESSED and "ActionsSuppressedBy" not in alarm
    assert (
        shape_problems("cloudwatch", "DescribeAlarms", cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])) == []
    )


def test_wait_period_then_actions_when_the_suppressor_stays_ok(lab: Lab, cloudwatch: Any, pager: str) -> None:
    assert _paged(lab) == ["OK"]  # created: INSUFFICIENT_DATA -> OK (FALSE rule) runs the OK actions at once
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    alarm = _composite(cloudwatch)
    assert alarm["StateValue"] == "ALARM"
    assert (alarm["ActionsSuppressedBy"], alarm["ActionsSuppressedReason"]) == (
        "WaitPeriod",
        "Actions suppressed by WaitPeriod",
    )
    lab.advance(minutes=1)
    assert _paged(lab) == ["OK"]  # still waiting for the suppressor (120 s)
    lab.advance(minutes=1)
    # "After this time, the composite alarm performs its actions."
    assert _paged(lab) == ["OK", "ALARM"] and "ActionsSuppressedBy" not in _composite(cloudwatch)
    items = cloudwatch.describe_alarm_history(
        AlarmName="page-me", AlarmTypes=["CompositeAlarm"], HistoryItemType="StateUpdate"
    )["AlarmHistoryItems"]
    assert items[0]["HistorySummary"] == "Alarm updated from ALARM to ALARM"


def test_suppressor_in_alarm_silences_then_extension_period(lab: Lab, cloudwatch: Any, pager: str) -> None:
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="ALARM", StateReason="deploy started")
    assert _composite(cloudwatch)["ActionsSuppressedBy"] == "Alarm"
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    lab.advance(minutes=5)
    assert _composite(cloudwatch)["StateValue"] == "ALARM" and _paged(lab) == ["OK"]  # no page during the deploy
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="OK", StateReason="deploy done")
    assert _composite(cloudwatch)["ActionsSuppressedBy"] == "ExtensionPeriod"
    lab.advance(minutes=2)
    assert _paged(lab) == ["OK"]  # 180 s of extension
    lab.advance(minutes=1)
    assert _paged(lab) == ["OK", "ALARM"]  # still in ALARM when the extension ends: the actions run


def test_recovery_during_the_extension_period_sends_nothing(lab: Lab, cloudwatch: Any, pager: str) -> None:
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="ALARM", StateReason="deploy started")
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="OK", StateReason="deploy done")
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="OK", StateReason="recovered")
    lab.advance(minutes=4)
    assert _composite(cloudwatch)["StateValue"] == "OK" and _paged(lab) == ["OK"]


def test_suppressed_state_reaches_eventbridge(lab: Lab, cloudwatch: Any, pager: str) -> None:
    events = lab.emulator.plugin(Events)
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    event = [e for e in events.events if e["detail"].get("alarmName") == "page-me"][-1]
    assert event["detail"]["state"]["actionsSuppressedBy"] == "WaitPeriod"
    assert event["detail"]["configuration"]["actionsSuppressorWaitPeriod"] == 120
    assert str(uuid.UUID(event["id"])) == event["id"]  # a UUID, as for metric alarms (every example of the page)


def test_suppressor_named_by_arn_with_no_extension(lab: Lab, cloudwatch: Any) -> None:
    """ "ActionsSuppressor can be an AlarmName or an Amazon Resource Name (ARN) from an existing alarm."""
    for name, metric in (("cpu-high", "CPU"), ("deploying", "Deploy")):
        cloudwatch.put_metric_alarm(AlarmName=name, MetricName=metric, **CHILD, TreatMissingData="ignore")
    arn = f"arn:aws:cloudwatch:{lab.region}:{lab.account_id}:alarm:deploying"
    cloudwatch.put_composite_alarm(
        AlarmName="page-me",
        AlarmRule="ALARM(cpu-high)",
        ActionsSuppressor=arn,
        ActionsSuppressorWaitPeriod=0,
        ActionsSuppressorExtensionPeriod=0,
    )
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="ALARM", StateReason="deploy started")
    assert _composite(cloudwatch)["ActionsSuppressedBy"] == "Alarm"
    cloudwatch.set_alarm_state(AlarmName="deploying", StateValue="OK", StateReason="deploy done")
    assert "ActionsSuppressedBy" not in _composite(cloudwatch)  # no extension period: released at once


def test_on_a_moto_server_another_process_sees_evaluates_and_tears_down_the_composite_alarm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a workshop's moto server (moto has no PutCompositeAlarm) the composite alarms live on the server
    (labkit/emulator/server_state.py): the next process describes the one another process put, re-evaluates it
    when a child changes state ("It is evaluated again whenever one of its children changes state", module
    docstring; PutCompositeAlarm API reference) and notifies its topic, shows its history, and teardown in a new
    process deletes it (DeleteAlarms)."""
    import labkit
    from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
    from labkit.emulator.cloudwatch_composite import CompositeAlarms

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        start = first.clock.now()  # the top of the real hour; later labs start there too
        sns = first.client("sns")
        topic = sns.create_topic(Name="pager")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
        first.inbox.confirm("oncall@example.com")
        cloudwatch = first.client("cloudwatch")
        cloudwatch.put_metric_alarm(AlarmName="cpu-high", MetricName="CPU", **CHILD)
        cloudwatch.put_metric_alarm(AlarmName="deploying", MetricName="Deploy", **CHILD)
        cloudwatch.put_composite_alarm(
            AlarmName="page-me",
            AlarmRule="ALARM(cpu-high) AND NOT ALARM(deploying)",
            AlarmActions=[topic],
            Tags=[{"Key": "team", "Value": "ops"}],
        )
        arn = _composite(cloudwatch)["AlarmArn"]
        first.close()

        second = labkit.connect("moto-server", clear_abandoned=False, start=start)
        cloudwatch = second.client("cloudwatch")
        alarm = _composite(cloudwatch)
        assert (alarm["StateValue"], alarm["AlarmActions"]) == ("OK", [topic])
        assert {"Key": "team", "Value": "ops"} in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
        assert cloudwatch.describe_alarms(ParentsOfAlarmName="cpu-high")["CompositeAlarms"] == [
            {"AlarmName": "page-me", "AlarmArn": arn}
        ]
        with pytest.raises(ClientError, match="depends on them"):  # the rule another process put still names it
            cloudwatch.delete_alarms(AlarmNames=["cpu-high"])
        cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
        assert _composite(cloudwatch)["StateValue"] == "ALARM"
        assert [e.subject for e in second.inbox.notifications("oncall@example.com")] == [
            'ALARM: "page-me" in Asia Pacific (Tokyo)'
        ]
        second.close()

        third = labkit.connect("moto-server", clear_abandoned=False, start=start)
        cloudwatch = third.client("cloudwatch")
        assert _composite(cloudwatch)["StateValue"] == "ALARM"
        history = cloudwatch.describe_alarm_history(AlarmName="page-me", AlarmTypes=["CompositeAlarm"])
        assert [i["HistoryItemType"] for i in history["AlarmHistoryItems"]] == [
            "Action",
            "StateUpdate",
            "StateUpdate",
            "ConfigurationUpdate",
        ]
        third.close()

        cleaner = labkit.connect("moto-server", clear_abandoned=False)  # `labkit teardown` after a crash
        report = cleaner.teardown(all_labs=True)
        assert report.ok and "cloudwatch:alarm page-me" in " ".join(report.deleted), report.deleted
        cleaner.close()
        after = labkit.connect("moto-server", clear_abandoned=False)
        cloudwatch = after.client("cloudwatch")
        assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []
        assert after.emulator is not None
        kept = after.emulator.plugin(CompositeAlarms).state
        assert kept is not None and kept.load() == {}
        assert [i for i in after.emulator.plugin(CloudWatchAlarms).history if i.alarm_name == "page-me"] == []
        after.close()
