"""AWS's documented limits on PutLogEvents, PutMetricData and PutMetricAlarm, enforced offline
before anything is stored (labkit/emulator/api_limits.py).

https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.runtime.lab import Lab

GROUP, STREAM = "limits", "s1"


@pytest.fixture
def logs(lab: Lab) -> Any:
    client = lab.client("logs")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    return client


def _now_ms(lab: Lab) -> int:
    return int(lab.clock.now().timestamp() * 1000)


def _stored(lab: Lab) -> int:
    return len(lab.internal_client("logs").get_log_events(logGroupName=GROUP, logStreamName=STREAM)["events"])


def _refused(call: Any, code: str, words: str) -> None:
    with pytest.raises(ClientError) as raised:
        call()
    assert raised.value.response["Error"]["Code"] == code
    assert words in raised.value.response["Error"]["Message"]


# -- PutLogEvents: refused whole, nothing stored -----------------------------------------------
def test_more_than_10000_log_events_are_refused(lab: Lab, logs: Any) -> None:
    now = _now_ms(lab)
    events = [{"timestamp": now, "message": "x"}] * 10_001
    _refused(
        lambda: logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events),
        "InvalidParameterException",
        "less than or equal to 10000",
    )
    assert _stored(lab) == 0
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events[:10_000])  # the limit itself is fine


def test_a_log_event_over_1_mb_is_refused(lab: Lab, logs: Any) -> None:
    events = [{"timestamp": _now_ms(lab), "message": "x" * 1_100_000}]
    _refused(
        lambda: logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events),
        "InvalidParameterException",
        "Log event too large: 1100026 bytes exceeds limit of 1048576",
    )
    assert _stored(lab) == 0


def test_a_batch_over_1048576_bytes_counting_26_per_event_is_refused(lab: Lab, logs: Any) -> None:
    now = _now_ms(lab)
    # 2 x (524,262 + 26) = 1,048,576: exactly the limit is accepted; one byte more is not.
    exact = [{"timestamp": now, "message": "x" * 524_262}] * 2
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=exact)
    over = [{"timestamp": now, "message": "x" * 524_262}, {"timestamp": now, "message": "x" * 524_263}]
    _refused(
        lambda: logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=over),
        "InvalidParameterException",
        "Upload too large: 1048577 bytes exceeds limit of 1048576",
    )
    assert _stored(lab) == 2


def test_multibyte_messages_count_in_utf8_bytes(lab: Lab, logs: Any) -> None:
    now = _now_ms(lab)
    events = [{"timestamp": now, "message": "é" * 600_000}]  # 1,200,000 bytes in UTF-8
    _refused(
        lambda: logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events),
        "InvalidParameterException",
        "1200026 bytes",
    )


def test_a_batch_spanning_more_than_24_hours_is_refused(lab: Lab, logs: Any) -> None:
    lab.advance(hours=30)
    now = _now_ms(lab)
    events = [{"timestamp": now - 25 * 3_600_000, "message": "a"}, {"timestamp": now, "message": "b"}]
    _refused(
        lambda: logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events),
        "InvalidParameterException",
        "cannot span more than 24 hours",
    )
    assert _stored(lab) == 0


def test_too_old_and_too_new_events_are_rejected_while_the_rest_is_stored(lab: Lab, logs: Any) -> None:
    # "Events older than 14 days ... are rejected while processing remaining valid events": not a
    # refused call, and the span rule counts only the valid events.
    now = _now_ms(lab)
    events = [
        {"timestamp": now - 15 * 86_400_000, "message": "too old"},
        {"timestamp": now, "message": "kept"},
        {"timestamp": now + 3 * 3_600_000, "message": "too new"},
    ]
    reply = logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events)
    assert set(reply["rejectedLogEventsInfo"]) == {"tooOldLogEventEndIndex", "tooNewLogEventStartIndex"}
    assert reply["rejectedLogEventsInfo"]["tooNewLogEventStartIndex"] == 2
    assert _stored(lab) == 1


def test_a_lone_surrogate_is_refused_before_it_is_stored(lab: Lab, logs: Any) -> None:
    events = [{"timestamp": _now_ms(lab), "message": "ok"}, {"timestamp": _now_ms(lab), "message": "bad \ud800"}]
    _refused(
        lambda: logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events),
        "InvalidParameterException",
        "index 1 is not valid UTF-8",
    )
    assert _stored(lab) == 0
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events[:1])  # the emulator still works
    assert _stored(lab) == 1


# -- PutMetricData ------------------------------------------------------------------------------
def _datapoints(lab: Lab) -> list[Any]:
    pages = lab.internal_client("cloudwatch").get_paginator("list_metrics").paginate(Namespace="Lab/Limits")
    return [metric for page in pages for metric in page["Metrics"]]


def test_more_than_1000_metric_data_are_refused(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    data = [{"MetricName": f"m{i}", "Value": 1.0} for i in range(1001)]
    _refused(
        lambda: cloudwatch.put_metric_data(Namespace="Lab/Limits", MetricData=data),
        "InvalidParameterValue",
        "must not have a size greater than 1000",
    )
    assert _datapoints(lab) == []
    cloudwatch.put_metric_data(Namespace="Lab/Limits", MetricData=data[:1000])
    assert len(_datapoints(lab)) == 1000


def test_a_payload_over_1_mb_is_refused(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    dimensions = [{"Name": f"d{i:02d}" + "n" * 200, "Value": "v" * 1000} for i in range(30)]
    data = [{"MetricName": f"m{i}", "Dimensions": dimensions, "Value": 1.0} for i in range(40)]
    with pytest.raises(ClientError) as raised:
        cloudwatch.put_metric_data(Namespace="Lab/Limits", MetricData=data)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert _datapoints(lab) == []


@pytest.mark.parametrize(
    ("datum", "parameter", "shown"),
    [
        ({"Value": math.inf}, "MetricData.member.1.Value", "Infinity"),
        ({"Value": -math.inf}, "MetricData.member.1.Value", "-Infinity"),
        ({"Value": 2.0**361}, "MetricData.member.1.Value", repr(2.0**361)),
        ({"Values": [1.0, math.inf]}, "MetricData.member.1.Values.member.2", "Infinity"),
        (
            {"StatisticValues": {"SampleCount": 1, "Sum": math.inf, "Minimum": 1, "Maximum": 1}},
            "MetricData.member.1.StatisticValues.Sum",
            "Infinity",
        ),
    ],
)
def test_values_outside_cloudwatchs_range_are_refused(
    lab: Lab, datum: dict[str, Any], parameter: str, shown: str
) -> None:
    cloudwatch = lab.client("cloudwatch")
    _refused(
        lambda: cloudwatch.put_metric_data(Namespace="Lab/Limits", MetricData=[{"MetricName": "m", **datum}]),
        "InvalidParameterValue",
        f"The value {shown} for parameter {parameter} is invalid.",
    )
    assert _datapoints(lab) == []


def test_values_at_the_edge_of_the_range_are_accepted(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/Limits",
        MetricData=[{"MetricName": "m", "Value": 2.0**360}, {"MetricName": "n", "Value": -(2.0**360)}],
    )
    assert len(_datapoints(lab)) == 2


@pytest.mark.parametrize(
    ("offset", "words"),
    [
        (-dt.timedelta(days=14, minutes=1), "two weeks in the past"),
        (dt.timedelta(hours=2, minutes=1), "two hours in the future"),
    ],
)
def test_metric_timestamps_outside_two_weeks_back_and_two_hours_ahead_are_refused(
    lab: Lab, offset: dt.timedelta, words: str
) -> None:
    cloudwatch = lab.client("cloudwatch")
    datum = {"MetricName": "m", "Value": 1.0, "Timestamp": lab.clock.now() + offset}
    _refused(
        lambda: cloudwatch.put_metric_data(Namespace="Lab/Limits", MetricData=[datum]),
        "InvalidParameterValue",
        f"MetricData.member.1.Timestamp must specify a time no more than {words}",
    )
    assert _datapoints(lab) == []
    inside = {**datum, "Timestamp": lab.clock.now() + (offset / abs(offset.total_seconds())) * 3600}
    cloudwatch.put_metric_data(Namespace="Lab/Limits", MetricData=[inside])


# -- PutMetricAlarm -----------------------------------------------------------------------------
@pytest.mark.parametrize(("threshold", "shown"), [(math.nan, "NaN"), (math.inf, "Infinity")])
def test_an_alarm_threshold_must_be_a_number(lab: Lab, threshold: float, shown: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    _refused(
        lambda: cloudwatch.put_metric_alarm(
            AlarmName="a",
            MetricName="m",
            Namespace="Lab/Limits",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold",
        ),
        "InvalidParameterValue",
        f"The value {shown} for parameter Threshold is invalid.",
    )
    assert lab.internal_client("cloudwatch").describe_alarms()["MetricAlarms"] == []
