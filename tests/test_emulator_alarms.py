"""The emulated metric -> alarm -> SNS chain.

Rules: PutMetricAlarm API reference (new alarms start in INSUFFICIENT_DATA; updates keep the
state; https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
"Using Amazon CloudWatch alarms" (actions fire on state change only;
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html) and
PutMetricData (namespaces beginning with AWS/ are reserved;
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

ALARM = {
    "AlarmName": "cpu-high", "MetricName": "CPUUtilization", "Namespace": "Lab/Test",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}], "Statistic": "Average",
    "Period": 300, "EvaluationPeriods": 1, "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
}


def _put_cpu(lab: Lab, value: float, when: dt.datetime) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/Test",
        MetricData=[{"MetricName": "CPUUtilization", "Dimensions": ALARM["Dimensions"], "Value": value,
                     "Timestamp": when, "Unit": "Percent"}],
    )


def _state(lab: Lab, name: str = "cpu-high") -> str:
    return lab.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


@pytest.fixture
def topic(lab: Lab) -> str:
    sns = lab.client("sns")
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="confirmed@example.com")
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="unconfirmed@example.com")
    lab.inbox.confirm("confirmed@example.com")
    return arn


def test_cpu_above_80_goes_insufficient_ok_alarm_and_emails_once(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM, AlarmActions=[topic])
    assert _state(lab) == "INSUFFICIENT_DATA"
    for minute in range(5):
        _put_cpu(lab, 20.0, DEFAULT_START + dt.timedelta(minutes=minute))
    for minute in range(5, 10):
        _put_cpu(lab, 95.0, DEFAULT_START + dt.timedelta(minutes=minute))
    lab.advance(minutes=4)
    assert _state(lab) == "INSUFFICIENT_DATA"  # the first period is not over yet
    lab.advance(minutes=1)
    assert _state(lab) == "OK" and lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=5)
    lab.advance(minutes=5)
    assert _state(lab) == "ALARM" and lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=10)
    lab.advance(minutes=30)  # still breaching or missing: no new transition, no new email
    [email] = lab.inbox.notifications()
    assert email.to == "confirmed@example.com"
    assert email.subject == 'ALARM: "cpu-high" in Asia Pacific (Tokyo)'
    assert "has entered the ALARM state" in email.body
    assert lab.inbox.notifications("unconfirmed@example.com") == []


def test_history_records_creation_and_each_transition(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM)
    _put_cpu(lab, 90.0, DEFAULT_START)
    lab.advance(minutes=5)
    items = cloudwatch.describe_alarm_history(AlarmName="cpu-high")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ["Alarm updated from INSUFFICIENT_DATA to ALARM", 'Alarm "cpu-high" created']
    data = json.loads(items[0]["HistoryData"])
    assert data["oldState"]["stateValue"] == "INSUFFICIENT_DATA" and data["newState"]["stateValue"] == "ALARM"
    only_updates = cloudwatch.describe_alarm_history(AlarmName="cpu-high", HistoryItemType="StateUpdate")
    assert len(only_updates["AlarmHistoryItems"]) == 1


def test_updating_an_alarm_keeps_its_state(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM)
    _put_cpu(lab, 90.0, DEFAULT_START)
    lab.advance(minutes=5)
    cloudwatch.put_metric_alarm(**{**ALARM, "Threshold": 85.0})
    assert _state(lab) == "ALARM"


def test_set_alarm_state_notifies_like_aws_and_respects_disabled_actions(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM, AlarmActions=[topic])
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="testing the email")
    assert len(lab.inbox.notifications()) == 1
    cloudwatch.put_metric_alarm(**{**ALARM, "AlarmName": "quiet"}, AlarmActions=[topic], ActionsEnabled=False)
    cloudwatch.set_alarm_state(AlarmName="quiet", StateValue="ALARM", StateReason="testing")
    assert len(lab.inbox.notifications()) == 1
    assert _state(lab, "quiet") == "ALARM"


def test_state_change_event_has_the_documented_shape(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM)
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="r")
    [event] = lab.emulator.plugin(CloudWatchAlarms).events
    assert event["source"] == "aws.cloudwatch" and event["detail-type"] == "CloudWatch Alarm State Change"
    assert event["detail"]["state"]["value"] == "ALARM" and event["detail"]["previousState"]["value"] == "INSUFFICIENT_DATA"


@pytest.mark.parametrize(
    ("change", "code"),
    [({"Period": 7}, "ValidationError"), ({"ComparisonOperator": "GreaterThanOrEqual"}, "ValidationError"),
     ({"DatapointsToAlarm": 3}, "ValidationError")],
)
def test_settings_aws_rejects_are_rejected(lab: Lab, change: dict[str, Any], code: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(cloudwatch.exceptions.ClientError) as raised:
        cloudwatch.put_metric_alarm(**{**ALARM, **change})
    assert raised.value.response["Error"]["Code"] == code
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []


def test_reserved_namespace_is_refused(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException, match="AWS/EC2"):
        cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "x", "Value": 1.0}])


def test_simulated_instance_spike_drives_the_articles_alarm(lab: Lab, topic: str) -> None:
    from labkit.lesson import ec2

    instance = ec2.launch(lab, pattern="idle")
    lab.client("cloudwatch").put_metric_alarm(
        **{**ALARM, "Namespace": "AWS/EC2", "Dimensions": instance.dimensions}, AlarmActions=[topic]
    )
    lab.advance(minutes=10)
    assert _state(lab) == "OK"
    instance.spike(lab.clock.now(), minutes=15)
    lab.wait_until(lambda: _state(lab) == "ALARM", timeout=15)
    assert lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=15)
    assert len(lab.inbox.notifications("confirmed@example.com")) == 1


def test_wait_for_alarm_returns_at_the_transition(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_alarm(**ALARM)
    for minute in range(10):
        _put_cpu(lab, 95.0, DEFAULT_START + dt.timedelta(minutes=minute))
    alarm = lab.wait_for_alarm("cpu-high", "ALARM", timeout=20)
    assert alarm["StateValue"] == "ALARM" and lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=5)


def test_wait_for_alarm_timeout_explains_the_current_state(lab: Lab) -> None:
    from labkit.exceptions import WaitTimeout

    lab.client("cloudwatch").put_metric_alarm(**ALARM)
    for minute in range(10):
        _put_cpu(lab, 20.0, DEFAULT_START + dt.timedelta(minutes=minute))
    with pytest.raises(WaitTimeout, match=r"alarm 'cpu-high' reaching ALARM did not happen .* the alarm is OK because: Threshold Crossed"):
        lab.wait_for_alarm("cpu-high", "ALARM", timeout=10)


def test_wait_for_a_missing_alarm_says_so(lab: Lab) -> None:
    from labkit.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="no alarm named 'nope'"):
        lab.wait_for_alarm("nope")


def test_each_sns_action_leaves_an_action_history_item(lab: Lab, topic: str) -> None:
    """HistoryItemType "Action" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html):
    where to look when an alarm email does not arrive. A deleted topic is a failed action, not a lab traceback."""
    cloudwatch, sns = lab.client("cloudwatch"), lab.client("sns")
    gone = sns.create_topic(Name="gone")["TopicArn"]
    cloudwatch.put_metric_alarm(**ALARM, AlarmActions=[topic, gone])
    sns.delete_topic(TopicArn=gone)
    _put_cpu(lab, 90.0, DEFAULT_START)
    lab.advance(minutes=5)
    items = cloudwatch.describe_alarm_history(AlarmName="cpu-high")["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in items] == ["Action", "Action", "StateUpdate", "ConfigurationUpdate"]
    failed, succeeded = items[0], items[1]
    assert succeeded["HistorySummary"] == f"Successfully executed action {topic}"
    assert json.loads(succeeded["HistoryData"]) == {"actionState": "Succeeded", "notificationResource": topic}
    assert failed["HistorySummary"].startswith(f"Failed to execute action {gone}")
    assert json.loads(failed["HistoryData"])["actionState"] == "Failed"
    assert len(lab.inbox.notifications("confirmed@example.com")) == 1
    actions = cloudwatch.describe_alarm_history(AlarmName="cpu-high", HistoryItemType="Action")["AlarmHistoryItems"]
    assert len(actions) == 2
    cloudwatch.put_metric_alarm(**{**ALARM, "AlarmName": "quiet"}, AlarmActions=[topic], ActionsEnabled=False)
    cloudwatch.set_alarm_state(AlarmName="quiet", StateValue="ALARM", StateReason="actions disabled")
    assert cloudwatch.describe_alarm_history(AlarmName="quiet", HistoryItemType="Action")["AlarmHistoryItems"] == []


def test_an_alarm_deleted_by_the_kits_own_client_is_no_longer_evaluated(lab: Lab) -> None:
    """Evaluation keeps the alarms it read; teardown deletes through an internal client, which must drop them."""
    lab.client("cloudwatch").put_metric_alarm(**ALARM)
    _put_cpu(lab, 90.0, DEFAULT_START)
    lab.advance(minutes=5)
    assert _state(lab) == "ALARM"
    lab.internal_client("cloudwatch").delete_alarms(AlarmNames=["cpu-high"])
    _put_cpu(lab, 10.0, DEFAULT_START + dt.timedelta(minutes=5))
    lab.advance(minutes=5)  # a kept copy would try to move the deleted alarm to OK
    assert lab.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert lab.emulator.plugin(CloudWatchAlarms).alarms == []


def test_an_alarm_updated_by_the_kits_own_client_is_evaluated_as_updated(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_alarm(**ALARM)
    _put_cpu(lab, 90.0, DEFAULT_START)
    lab.advance(minutes=5)
    assert _state(lab) == "ALARM"
    lab.internal_client("cloudwatch").put_metric_alarm(**{**ALARM, "Threshold": 95.0})
    lab.internal_client("cloudwatch").set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    _put_cpu(lab, 90.0, DEFAULT_START + dt.timedelta(minutes=5))
    lab.advance(minutes=5)
    assert _state(lab) == "OK"  # 90 is not above the new threshold
