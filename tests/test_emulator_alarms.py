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
    "AlarmName": "cpu-high",
    "MetricName": "CPUUtilization",
    "Namespace": "Lab/Test",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}],
    "Statistic": "Average",
    "Period": 300,
    "EvaluationPeriods": 1,
    "Threshold": 80.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


def _put_cpu(lab: Lab, value: float, when: dt.datetime) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/Test",
        MetricData=[
            {
                "MetricName": "CPUUtilization",
                "Dimensions": ALARM["Dimensions"],
                "Value": value,
                "Timestamp": when,
                "Unit": "Percent",
            }
        ],
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
    # Evaluated every minute over a sliding window (alarm-evaluation-window.html#sliding-window):
    # at 00:01 the window 23:56-00:01 holds the 00:00 datapoint (20 %).
    lab.advance(minutes=1)
    assert _state(lab) == "OK" and lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=1)
    # The 5-minute average exceeds 80 only when the window holds 95s only (00:05-00:10); at 00:09 it is 80.
    lab.advance(minutes=8)
    assert _state(lab) == "OK"
    lab.advance(minutes=1)
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
    assert [i["HistorySummary"] for i in items] == [
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
        'Alarm "cpu-high" created',
    ]
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


def test_set_alarm_state_with_reason_data_that_is_not_json_is_invalid_format_and_changes_nothing(
    lab: Lab, topic: str
) -> None:
    """SetAlarmState API reference, Errors: InvalidFormat, "Data was not syntactically valid JSON."
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html)."""
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM, AlarmActions=[topic])
    with pytest.raises(cloudwatch.exceptions.InvalidFormatFault, match="Data was not syntactically valid JSON"):
        cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="r", StateReasonData="{oops")
    assert _state(lab) == "INSUFFICIENT_DATA" and lab.inbox.notifications() == []
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="r", StateReasonData='{"ok": 1}')
    assert _state(lab) == "ALARM" and len(lab.inbox.notifications()) == 1


def test_state_change_event_has_the_documented_shape(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM)
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="r")
    [event] = lab.emulator.plugin(CloudWatchAlarms).events
    assert event["source"] == "aws.cloudwatch" and event["detail-type"] == "CloudWatch Alarm State Change"
    assert (
        event["detail"]["state"]["value"] == "ALARM"
        and event["detail"]["previousState"]["value"] == "INSUFFICIENT_DATA"
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Period": 7}, "ValidationError"),
        ({"ComparisonOperator": "GreaterThanOrEqual"}, "ValidationError"),
        ({"DatapointsToAlarm": 3}, "ValidationError"),
    ],
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
    # Evaluated every minute, but the 5-minute average exceeds 80 only once the whole window is the spike.
    assert lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=15)
    assert len(lab.inbox.notifications("confirmed@example.com")) == 1


def test_wait_for_alarm_returns_at_the_transition(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_alarm(**ALARM)
    for minute in range(10):
        _put_cpu(lab, 95.0, DEFAULT_START + dt.timedelta(minutes=minute))
    alarm = lab.wait_for_alarm("cpu-high", "ALARM", timeout=20)
    # The first evaluation, at 00:01, sees the 00:00 datapoint (alarm-evaluation-window.html#sliding-window).
    assert alarm["StateValue"] == "ALARM" and lab.clock.now() == DEFAULT_START + dt.timedelta(minutes=1)


def test_wait_for_alarm_timeout_explains_the_current_state(lab: Lab) -> None:
    from labkit.exceptions import WaitTimeout

    lab.client("cloudwatch").put_metric_alarm(**ALARM)
    for minute in range(10):
        _put_cpu(lab, 20.0, DEFAULT_START + dt.timedelta(minutes=minute))
    with pytest.raises(
        WaitTimeout,
        match=r"alarm 'cpu-high' reaching ALARM did not happen .* the alarm is OK because: Threshold Crossed",
    ):
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


# -- evaluation timing: every minute over a sliding window, or aligned to the clock ---------------------
# "Alarm evaluation window": a one-hour alarm evaluates 13:07-14:07, then 13:08-14:08 (one evaluation a
# minute; the window "advances each time the alarm is evaluated"); a wall clock window "only reflects a
# data point after the period that contains it ends".
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html
# "If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds."
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
MAX_ALARM = {**ALARM, "Statistic": "Maximum"}


def _breach_at_00_11(lab: Lab) -> None:
    for minute in range(11):
        _put_cpu(lab, 20.0, DEFAULT_START + dt.timedelta(minutes=minute))
    _put_cpu(lab, 95.0, DEFAULT_START + dt.timedelta(minutes=11))


def _first_alarm_time(lab: Lab, name: str = "cpu-high") -> dt.datetime:
    for _ in range(20):
        lab.advance(minutes=1)
        if _state(lab, name) == "ALARM":
            return lab.clock.now()
    raise AssertionError("the alarm never went to ALARM")


def test_a_breach_at_00_11_fires_a_5_minute_alarm_at_the_next_minute(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_alarm(**MAX_ALARM)
    _breach_at_00_11(lab)
    # 00:11's evaluation covers 00:06-00:11 (periods are [start, end)); 00:12's covers 00:07-00:12.
    assert _first_alarm_time(lab) == DEFAULT_START + dt.timedelta(minutes=12)


def test_a_wall_clock_window_fires_when_the_period_holding_the_breach_ends(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**MAX_ALARM, EvaluationWindow={"WallClockWindow": {}})
    _breach_at_00_11(lab)
    assert _first_alarm_time(lab) == DEFAULT_START + dt.timedelta(minutes=15)
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"]
    assert alarm["EvaluationWindow"] == {"WallClockWindow": {}}


def test_a_wall_clock_window_in_a_half_hour_time_zone_ends_hours_at_half_past(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        **{**MAX_ALARM, "Period": 3600},
        EvaluationWindow={"WallClockWindow": {"Timezone": "+05:30"}},
    )
    _put_cpu(lab, 95.0, DEFAULT_START + dt.timedelta(minutes=1))
    # 00:01 UTC is 05:31 in +05:30: its local hour 05:00-06:00 ends at 00:30 UTC, not at 01:00 UTC.
    lab.advance(minutes=29)
    assert _state(lab) == "INSUFFICIENT_DATA"
    lab.advance(minutes=1)
    assert _state(lab) == "ALARM"


def test_an_update_without_evaluation_window_goes_back_to_a_sliding_window(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**MAX_ALARM, EvaluationWindow={"WallClockWindow": {"Timezone": "Asia/Tokyo"}})
    assert cloudwatch.describe_alarms()["MetricAlarms"][0]["EvaluationWindow"] == {
        "WallClockWindow": {"Timezone": "Asia/Tokyo"}
    }
    cloudwatch.put_metric_alarm(**MAX_ALARM)
    assert "EvaluationWindow" not in cloudwatch.describe_alarms()["MetricAlarms"][0]
    _breach_at_00_11(lab)
    assert _first_alarm_time(lab) == DEFAULT_START + dt.timedelta(minutes=12)
    cloudwatch.put_metric_alarm(**{**MAX_ALARM, "AlarmName": "explicit"}, EvaluationWindow={"SlidingWindow": {}})
    assert cloudwatch.describe_alarms(AlarmNames=["explicit"])["MetricAlarms"][0]["EvaluationWindow"] == {
        "SlidingWindow": {}
    }
    cloudwatch.delete_alarms(AlarmNames=["explicit"])
    cloudwatch.put_metric_alarm(**{**MAX_ALARM, "AlarmName": "explicit"})
    assert "EvaluationWindow" not in cloudwatch.describe_alarms(AlarmNames=["explicit"])["MetricAlarms"][0]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"Period": 600, "EvaluationWindow": {"WallClockWindow": {}}}, "60, 300, 3600, 86400 or 604800"),
        ({"Period": 10, "EvaluationWindow": {"WallClockWindow": {}}}, "high-resolution"),
        ({"EvaluationWindow": {"WallClockWindow": {"Timezone": "+05:31"}}}, "multiple of 5 minutes"),
        ({"EvaluationWindow": {"WallClockWindow": {"Timezone": "Mars/Olympus"}}}, "not a valid time zone"),
    ],
)
def test_wall_clock_windows_aws_refuses_are_refused(lab: Lab, change: dict[str, Any], match: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(cloudwatch.exceptions.ClientError, match=match):
        cloudwatch.put_metric_alarm(**{**MAX_ALARM, **change})
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []


def test_set_alarm_state_lasts_until_the_next_evaluation(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ALARM)
    for minute in range(15):
        _put_cpu(lab, 20.0, DEFAULT_START + dt.timedelta(minutes=minute))
    lab.advance(minutes=10, seconds=20)
    assert _state(lab) == "OK"
    cloudwatch.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="testing the actions")
    lab.advance(seconds=30)  # 00:10:50: no evaluation yet
    assert _state(lab) == "ALARM"
    lab.advance(seconds=10)  # 00:11:00: the next evaluation (not the next 5-minute boundary)
    assert _state(lab) == "OK"
    items = cloudwatch.describe_alarm_history(AlarmName="cpu-high", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert items[0]["Timestamp"] == DEFAULT_START + dt.timedelta(minutes=11)


def test_a_10_second_alarm_is_evaluated_every_10_seconds(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**{**MAX_ALARM, "Period": 10})
    for second, value in ((0, 20.0), (10, 20.0), (20, 95.0)):
        cloudwatch.put_metric_data(
            Namespace="Lab/Test",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": ALARM["Dimensions"],
                    "Value": value,
                    "Timestamp": DEFAULT_START + dt.timedelta(seconds=second),
                    "StorageResolution": 1,
                }
            ],
        )
    lab.advance(minutes=1)
    items = cloudwatch.describe_alarm_history(
        AlarmName="cpu-high", HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )
    # 00:00:10 sees 00:00:00-00:00:10 (20): OK; 00:00:30 sees 00:00:20-00:00:30 (95): ALARM; at 00:01:00
    # the evaluation range (3 periods, 00:00:30-00:01:00) holds no data any more.
    assert [(i["Timestamp"], i["HistorySummary"]) for i in items["AlarmHistoryItems"]] == [
        (DEFAULT_START + dt.timedelta(seconds=10), "Alarm updated from INSUFFICIENT_DATA to OK"),
        (DEFAULT_START + dt.timedelta(seconds=30), "Alarm updated from OK to ALARM"),
        (DEFAULT_START + dt.timedelta(minutes=1), "Alarm updated from ALARM to INSUFFICIENT_DATA"),
    ]


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("EvaluationInterval", 60),
        ("WarmUpConfiguration", {"WarmUpPeriodDurationInMinutes": 10}),
        ("ActionConfiguration", {"AlarmTagsPropagation": {"Enabled": True}}),
        ("EvaluationCriteria", {"PromQLCriteria": {"Query": "up == 0"}}),
    ],
)
def test_new_put_metric_alarm_members_not_emulated_are_refused_by_name(lab: Lab, member: str, value: Any) -> None:
    from labkit.exceptions import UnsupportedOperation

    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(UnsupportedOperation, match=member):
        cloudwatch.put_metric_alarm(**MAX_ALARM, **{member: value})
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []


def test_a_percentile_alarm_reads_each_periods_percentile_and_sample_count_as_two_requests_would(lab: Lab) -> None:
    """A percentile alarm's values and sample counts (its low-sample-count rule reads them) are what GetMetricStatistics
    answers for ExtendedStatistics and, in another request, for SampleCount: the two are read from one pass over the
    periods' datapoints, values and statistic sets mixed, periods ending where the evaluation ends."""
    from labkit.emulator.metric_store import period_statistics

    cloudwatch = lab.client("cloudwatch")
    start = lab.clock.now()
    data = [
        {"MetricName": "Latency", "Timestamp": start + dt.timedelta(seconds=7 * n), "Value": float((n * 37) % 101)}
        for n in range(300)
    ]
    data += [
        {
            "MetricName": "Latency",
            "Timestamp": start + dt.timedelta(minutes=m),
            "StatisticValues": {"SampleCount": 4.0, "Sum": 200.0, "Minimum": 20.0, "Maximum": 80.0},
        }
        for m in range(0, 10, 4)  # percentiles of a period holding a statistic set are not available
    ]
    for first in range(0, len(data), 20):
        cloudwatch.put_metric_data(Namespace="Lab/Web", MetricData=data[first : first + 20])
    alarms = lab.emulator.plugin(CloudWatchAlarms)
    end = start + dt.timedelta(minutes=35, seconds=30)
    starts = [end - dt.timedelta(minutes=5 * (7 - n)) for n in range(7)]
    query = {
        "Namespace": "Lab/Web",
        "MetricName": "Latency",
        "Dimensions": [],
        "StartTime": starts[0],
        "EndTime": end,
        "Period": 300,
    }
    rows = list(alarms.metrics.rows("Lab/Web", "Latency", [], starts[0], end))
    origin = int(end.timestamp()) % 300
    for percentile in ("p10", "p50", "p99.9"):
        values, counts = alarms._row_values(query, None, percentile, starts)
        alarms._answers = {}
        asked = {
            p["Timestamp"]: p["ExtendedStatistics"][percentile]
            for p in period_statistics(rows, period=300, statistics=[], extended_statistics=[percentile], origin=origin)
        }
        counted = {
            p["Timestamp"]: p["SampleCount"]
            for p in period_statistics(rows, period=300, statistics=["SampleCount"], origin=origin)
        }
        assert values == [asked.get(s) for s in starts]
        assert counts == [counted.get(s) for s in starts]
        assert sum(value is None for value in values) == 2 and len(set(values)) > 3
