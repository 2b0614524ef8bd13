"""Metric-math and percentile alarms evaluated by the lab, through plain boto3 calls.

Rules: PutMetricAlarm API reference (``Metrics``; exactly one ``ReturnData``; ``ExtendedStatistic``;
``EvaluateLowSampleCountPercentile``,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
"Create a CloudWatch alarm based on a metric math expression"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html),
"Percentile-based alarms and low data samples"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html),
MetricDataQuery reference ("Any expression used in a PutMetricAlarm operation must return a single
time series", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lab_setups import email_topic

from labkit.exceptions import UnsupportedOperation
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

DIMS = [{"Name": "Service", "Value": "web"}]


def _stat(qid: str, name: str, stat: str = "Sum", **extra: Any) -> dict[str, Any]:
    metric = {"Namespace": "Lab/App", "MetricName": name, "Dimensions": DIMS}
    return {"Id": qid, "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}, "ReturnData": False, **extra}


ERROR_RATE = {
    "AlarmName": "error-rate",
    "EvaluationPeriods": 2,
    "DatapointsToAlarm": 2,
    "Threshold": 5.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
    "Metrics": [
        _stat("errors", "Errors"),
        _stat("requests", "Requests"),
        {"Id": "rate", "Expression": "100 * errors / requests", "Label": "Error rate (%)", "ReturnData": True},
    ],
}


def _put(lab: Lab, minute: int, **values: float) -> None:
    when = DEFAULT_START + dt.timedelta(minutes=minute, seconds=30)
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/App",
        MetricData=[
            {"MetricName": name, "Dimensions": DIMS, "Value": value, "Timestamp": when}
            for name, value in values.items()
        ],
    )


def _alarm(lab: Lab, name: str) -> dict[str, Any]:
    return lab.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def _latency_alarm(lab: Lab, name: str, percentile: str, **extra: Any) -> None:
    """Put the metric alarm ``name``: Lab/App Latency's one-minute ``percentile`` above 500 ms."""
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace="Lab/App",
        MetricName="Latency",
        Dimensions=DIMS,
        ExtendedStatistic=percentile,
        Period=60,
        EvaluationPeriods=1,
        Threshold=500.0,
        ComparisonOperator="GreaterThanThreshold",
        **extra,
    )


def test_error_rate_alarm_fires_on_the_expression_and_notifies(lab: Lab) -> None:
    topic = email_topic(lab, "alerts", "ops@example.com")
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**ERROR_RATE, AlarmActions=[topic])
    assert _alarm(lab, "error-rate")["StateValue"] == "INSUFFICIENT_DATA"
    for minute in range(3):  # 1 % errors: OK
        _put(lab, minute, Requests=100, Errors=1)
    lab.advance(minutes=3)
    assert _alarm(lab, "error-rate")["StateValue"] == "OK"
    for minute in (3, 4):  # 10 % errors twice: 2 of 2 breaching
        _put(lab, minute, Requests=100, Errors=10)
    lab.advance(minutes=1)
    assert _alarm(lab, "error-rate")["StateValue"] == "OK"  # 1 of 2 so far
    lab.advance(minutes=1)
    alarm = _alarm(lab, "error-rate")
    assert alarm["StateValue"] == "ALARM"
    assert "2 out of the last 2 datapoints [10.0" in alarm["StateReason"]
    [email] = lab.inbox.notifications()
    assert email.subject.startswith('ALARM: "error-rate"')
    assert "100 * errors / requests" in email.body


def test_a_percentile_alarm_is_evaluated(lab: Lab) -> None:
    _latency_alarm(lab, "p90-latency", "p90")
    cloudwatch = lab.client("cloudwatch")
    when = DEFAULT_START + dt.timedelta(seconds=10)
    # 100 requests: 85 fast and 15 slow. The average (~235 ms) is under 500; p90 is 900.
    values = [100.0] * 85 + [900.0] * 15
    cloudwatch.put_metric_data(
        Namespace="Lab/App",
        MetricData=[{"MetricName": "Latency", "Dimensions": DIMS, "Values": values, "Timestamp": when}],
    )
    lab.advance(minutes=1)
    alarm = _alarm(lab, "p90-latency")
    assert alarm["StateValue"] == "ALARM"
    assert json.loads(alarm["StateReasonData"])["statistic"] == "p90"


def _p99_alarm(lab: Lab, low_samples: str) -> None:
    _latency_alarm(lab, f"p99-{low_samples}", "p99", EvaluateLowSampleCountPercentile=low_samples)


def test_evaluate_low_sample_count_percentile(lab: Lab) -> None:
    """p99 needs 10/(1-0.99) = 1000 samples before "ignore" lets the alarm change state."""
    _p99_alarm(lab, "ignore")
    _p99_alarm(lab, "evaluate")
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace="Lab/App",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": DIMS,
                "Values": [900.0],
                "Counts": [999.0],
                "Timestamp": DEFAULT_START + dt.timedelta(seconds=10),
            }
        ],
    )
    lab.advance(minutes=1)
    assert _alarm(lab, "p99-ignore")["StateValue"] == "INSUFFICIENT_DATA"  # 999 samples: kept its state
    assert _alarm(lab, "p99-evaluate")["StateValue"] == "ALARM"
    cloudwatch.put_metric_data(
        Namespace="Lab/App",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": DIMS,
                "Values": [900.0],
                "Counts": [1000.0],
                "Timestamp": DEFAULT_START + dt.timedelta(minutes=1, seconds=10),
            }
        ],
    )
    lab.advance(minutes=1)
    assert _alarm(lab, "p99-ignore")["StateValue"] == "ALARM"  # 1,000 samples: evaluated


def test_math_alarm_validation_as_aws(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    both = [dict(q, ReturnData=True) if q["Id"] != "requests" else q for q in ERROR_RATE["Metrics"]]
    with pytest.raises(ClientError, match="Exactly one element of the Metrics list must have ReturnData"):
        cloudwatch.put_metric_alarm(**{**ERROR_RATE, "Metrics": both})
    unknown = [*ERROR_RATE["Metrics"][:2], {"Id": "rate", "Expression": "100 * errors / calls", "ReturnData": True}]
    with pytest.raises(ClientError, match="Unknown Id 'calls'"):
        cloudwatch.put_metric_alarm(**{**ERROR_RATE, "Metrics": unknown})
    array = [*ERROR_RATE["Metrics"][:2], {"Id": "all", "Expression": "METRICS() * 2", "ReturnData": True}]
    with pytest.raises(ClientError, match="single time series") as raised:
        cloudwatch.put_metric_alarm(**{**ERROR_RATE, "Metrics": array})
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert cloudwatch.describe_alarms(AlarmNames=["error-rate"])["MetricAlarms"] == []


@pytest.mark.parametrize(
    "change, construct",
    [
        (
            {
                "Metrics": [
                    _stat("m1", "Errors"),
                    {"Id": "e1", "Expression": "SEARCH('Errors', 'Sum', 60)", "ReturnData": True},
                ]
            },
            "SEARCH",
        ),
        (
            {
                "Metrics": [
                    _stat("m1", "Errors"),
                    {**_stat("m2", "Requests"), "MetricStat": {**_stat("m2", "Requests")["MetricStat"], "Period": 300}},
                    {"Id": "e1", "Expression": "m1 / m2", "ReturnData": True},
                ]
            },
            "different periods",
        ),
        (
            {
                "Metrics": [
                    _stat("m1", "Errors", AccountId="111122223333"),
                    {"Id": "e1", "Expression": "m1 * 2", "ReturnData": True},
                ]
            },
            "cross-account",
        ),
    ],
)
def test_math_alarms_the_lab_cannot_evaluate_are_refused_by_name(
    lab: Lab, change: dict[str, Any], construct: str
) -> None:
    with pytest.raises(UnsupportedOperation, match=construct):
        lab.client("cloudwatch").put_metric_alarm(**{**ERROR_RATE, **change})


def test_trimmed_mean_alarms_are_refused_by_name(lab: Lab) -> None:
    with pytest.raises(UnsupportedOperation, match="tm90"):
        lab.client("cloudwatch").put_metric_alarm(
            AlarmName="tm",
            Namespace="Lab/App",
            MetricName="Latency",
            ExtendedStatistic="tm90",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )


def test_a_5_minute_math_alarm_slides_every_minute(lab: Lab) -> None:
    """A math alarm is a metric alarm: evaluated every minute over a sliding window ("Both
    configurations are supported on all types of metric alarms except alarms that are based on a
    PromQL query", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html)."""
    five_minutes = [
        {**query, "MetricStat": {**query["MetricStat"], "Period": 300}} if "MetricStat" in query else query
        for query in ERROR_RATE["Metrics"]
    ]
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        **{**ERROR_RATE, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Metrics": five_minutes}
    )
    for minute in range(11):
        _put(lab, minute, Requests=100, Errors=1)
    _put(lab, 11, Requests=100, Errors=80)  # 00:11:30: the 5-minute rate jumps to (4 + 80) / 500 = 16.8 %
    lab.advance(minutes=11)
    assert _alarm(lab, "error-rate")["StateValue"] == "OK"
    lab.advance(minutes=1)  # 00:12: the window 00:07-00:12 holds 00:11:30, not the 00:15 period end
    assert _alarm(lab, "error-rate")["StateValue"] == "ALARM"
    history = cloudwatch.describe_alarm_history(AlarmName="error-rate", HistoryItemType="StateUpdate")[
        "AlarmHistoryItems"
    ]
    assert history[0]["Timestamp"] == DEFAULT_START + dt.timedelta(minutes=12)
