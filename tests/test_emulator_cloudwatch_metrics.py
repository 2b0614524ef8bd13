"""Metric reads answered as CloudWatch answers them (labkit/emulator/cloudwatch_metrics.py).

Rules: GetMetricStatistics API reference (Statistics or ExtendedStatistics but not both; at most
1,440 datapoints; exact dimensions; percentiles need raw values,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html) and
GetMetricData API reference (StartTime inclusive, EndTime exclusive, ScanBy default
TimestampDescending, ReturnData, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
"""

from __future__ import annotations

import datetime as dt

import pytest

from labkit.exceptions import UnsupportedOperation
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

DIMS = [{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}]


def _put(lab: Lab, values: list[float], *, start: dt.datetime = DEFAULT_START, dims: list | None = None) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/Test",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": DIMS if dims is None else dims,
                "Value": value,
                "Timestamp": start + dt.timedelta(seconds=10 * i),
                "Unit": "Milliseconds",
            }
            for i, value in enumerate(values)
        ],
    )


def _stats(lab: Lab, **extra: object) -> list[dict]:
    params = {
        "Namespace": "Lab/Test",
        "MetricName": "Latency",
        "Dimensions": DIMS,
        "StartTime": DEFAULT_START,
        "EndTime": DEFAULT_START + dt.timedelta(hours=1),
        "Period": 3600,
        **extra,
    }
    return lab.client("cloudwatch").get_metric_statistics(**params)["Datapoints"]


def test_percentiles_come_back_as_extended_statistics(lab: Lab) -> None:
    _put(lab, [float(v) for v in range(1, 101)])
    [point] = _stats(lab, ExtendedStatistics=["p90", "p50"])
    assert point["ExtendedStatistics"] == {"p90": 90.0, "p50": 50.0}
    assert "Average" not in point


def test_statistics_and_extended_statistics_together_are_refused(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(cloudwatch.exceptions.InvalidParameterCombinationException, match="not both"):
        _stats(lab, Statistics=["Average"], ExtendedStatistics=["p90"])
    with pytest.raises(cloudwatch.exceptions.InvalidParameterCombinationException):
        _stats(lab)


def test_more_than_1440_datapoints_is_refused_and_1440_is_fine(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(cloudwatch.exceptions.InvalidParameterCombinationException, match="1,441 datapoints"):
        _stats(lab, EndTime=DEFAULT_START + dt.timedelta(minutes=1441), Period=60, Statistics=["Average"])
    assert _stats(lab, EndTime=DEFAULT_START + dt.timedelta(minutes=1440), Period=60, Statistics=["Average"]) == []


def test_dimensions_must_match_exactly(lab: Lab) -> None:
    _put(lab, [5.0], dims=[*DIMS, {"Name": "Stage", "Value": "prod"}])
    assert _stats(lab, Statistics=["Sum"]) == []  # a subset of the dimensions is another metric
    assert _stats(lab, Statistics=["Sum"], Dimensions=[{"Name": "Stage", "Value": "prod"}, *DIMS])[0]["Sum"] == 5.0


def test_periods_are_aligned_not_started_at_the_first_datapoint(lab: Lab) -> None:
    _put(lab, [1.0, 3.0], start=DEFAULT_START + dt.timedelta(minutes=4, seconds=50))  # 00:04:50 and 00:05:00
    points = _stats(lab, Period=300, Statistics=["Sum"])
    assert [(p["Timestamp"], p["Sum"]) for p in points] == [
        (DEFAULT_START, 1.0),
        (DEFAULT_START + dt.timedelta(minutes=5), 3.0),
    ]


def test_percentiles_of_a_statistic_set_are_unavailable(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/Test",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": DIMS,
                "Timestamp": DEFAULT_START,
                "Unit": "Milliseconds",
                "StatisticValues": {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4},
            }
        ],
    )
    [point] = _stats(lab, ExtendedStatistics=["p90"])
    assert point["ExtendedStatistics"] == {}


def test_get_metric_data_percentile_order_and_return_data(lab: Lab) -> None:
    for minute in range(3):
        _put(lab, [float(minute * 10 + v) for v in range(1, 6)], start=DEFAULT_START + dt.timedelta(minutes=minute))
    stat = {"Metric": {"Namespace": "Lab/Test", "MetricName": "Latency", "Dimensions": DIMS}, "Period": 60}
    reply = lab.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {"Id": "p90", "MetricStat": {**stat, "Stat": "p90"}},
            {"Id": "hidden", "MetricStat": {**stat, "Stat": "Average"}, "ReturnData": False},
        ],
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + dt.timedelta(minutes=2),  # EndTime is exclusive
    )
    [result] = reply["MetricDataResults"]
    assert result["Id"] == "p90" and result["Label"] == "Latency" and result["StatusCode"] == "Complete"
    assert result["Values"] == [15.0, 5.0]  # nearest rank; TimestampDescending by default
    assert result["Timestamps"] == [DEFAULT_START + dt.timedelta(minutes=1), DEFAULT_START]


def test_a_trimmed_mean_is_reported_as_not_emulated(lab: Lab) -> None:
    stat = {"Metric": {"Namespace": "Lab/Test", "MetricName": "Latency"}, "Period": 60, "Stat": "tm90"}
    with pytest.raises(UnsupportedOperation, match="tm90"):
        lab.client("cloudwatch").get_metric_data(
            MetricDataQueries=[{"Id": "t", "MetricStat": stat}],
            StartTime=DEFAULT_START,
            EndTime=DEFAULT_START + dt.timedelta(minutes=2),
        )
