"""Metric math through plain boto3 calls: GetMetricData expressions answered by labkit.aws.metricmath.

Rules: GetMetricData API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html),
MetricDataQuery reference (up to 500 queries; Ids start with a lowercase letter; Expression or
MetricStat but not both, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html)
and "Using metric math" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from labkit.exceptions import UnsupportedOperation
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

MINUTE = dt.timedelta(minutes=1)


def _metric(name: str) -> dict[str, Any]:
    return {"Namespace": "Lab/App", "MetricName": name, "Dimensions": [{"Name": "Service", "Value": "web"}]}


def _stat(qid: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"Id": qid, "MetricStat": {"Metric": _metric(name), "Period": 60, "Stat": "Sum"}, **extra}


@pytest.fixture
def cloudwatch(lab: Lab) -> Any:
    """Requests per minute [100, 200, -, 50] and errors [1, 0, 3, -] from DEFAULT_START."""
    client = lab.client("cloudwatch")
    data = []
    for minute, (requests, errors) in enumerate([(100, 1), (200, 0), (None, 3), (50, None)]):
        when = DEFAULT_START + minute * MINUTE + dt.timedelta(seconds=5)
        if requests is not None:
            data.append({**_metric("Requests"), "Value": requests, "Timestamp": when})
        if errors is not None:
            data.append({**_metric("Errors"), "Value": errors, "Timestamp": when})
    for datum in data:
        del datum["Namespace"]
    client.put_metric_data(Namespace="Lab/App", MetricData=data)
    return client


def _get(cloudwatch: Any, queries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return cloudwatch.get_metric_data(
        MetricDataQueries=queries,
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + 4 * MINUTE,
        **{"ScanBy": "TimestampAscending", **extra},
    )


def test_error_rate_expression(cloudwatch: Any) -> None:
    """100*errors/requests: missing values count as 0, a division by zero drops the point."""
    reply = _get(
        cloudwatch,
        [
            _stat("errors", "Errors", ReturnData=False),
            _stat("requests", "Requests", ReturnData=False),
            {"Id": "rate", "Expression": "100 * errors / requests", "Label": "Error rate (%)"},
        ],
    )
    [result] = reply["MetricDataResults"]
    assert result["Id"] == "rate" and result["Label"] == "Error rate (%)" and result["StatusCode"] == "Complete"
    assert result["Values"] == [1.0, 0.0, 0.0]
    assert result["Timestamps"] == [DEFAULT_START, DEFAULT_START + MINUTE, DEFAULT_START + 3 * MINUTE]
    assert reply["Messages"] == []


def test_expressions_chain_and_metrics_and_return_data(cloudwatch: Any) -> None:
    reply = _get(
        cloudwatch,
        [
            _stat("m1", "Requests"),
            _stat("m2", "Errors", ReturnData=False),
            {"Id": "e1", "Expression": "SUM(METRICS())", "ReturnData": False},
            {"Id": "e2", "Expression": "FILL(e1, 0) * 2", "Label": "Twice"},
        ],
    )
    assert [r["Id"] for r in reply["MetricDataResults"]] == ["m1", "e2"]
    assert reply["MetricDataResults"][0]["Values"] == [100.0, 200.0, 50.0]
    assert reply["MetricDataResults"][1]["Values"] == [202.0, 400.0, 6.0, 100.0]


def test_array_results_are_one_result_per_series(cloudwatch: Any) -> None:
    """ "the legend captions ... are in the format Expression-Label Metric-Label"."""
    reply = _get(
        cloudwatch,
        [
            _stat("requests", "Requests", ReturnData=False),
            _stat("errors", "Errors", ReturnData=False),
            {"Id": "filled", "Expression": "FILL(METRICS(), 0)", "Label": "Filled With 0:"},
        ],
        ScanBy="TimestampDescending",
    )
    results = reply["MetricDataResults"]
    assert [(r["Id"], r["Label"]) for r in results] == [
        ("filled", "Filled With 0: Requests"),
        ("filled", "Filled With 0: Errors"),
    ]
    assert results[0]["Values"] == [50.0, 0.0, 200.0, 100.0]


def test_expression_without_label_is_labelled_with_its_id(cloudwatch: Any) -> None:
    reply = _get(cloudwatch, [_stat("m1", "Requests", ReturnData=False), {"Id": "e1", "Expression": "RATE(m1)"}])
    [result] = reply["MetricDataResults"]
    assert result["Label"] == "e1"
    assert result["Values"] == [100 / 60, -150 / 120]


@pytest.mark.parametrize(
    "queries, message",
    [
        ([{"Id": "e1", "Expression": "m9 * 2"}], "Unknown Id 'm9'"),
        ([{"Id": "e1", "Expression": "median(m1)"}], "Unrecognized function 'median'"),
        ([{"Id": "e1", "Expression": "e2"}, {"Id": "e2", "Expression": "e1 + 1"}], "Circular reference"),
        ([{"Id": "E1", "Expression": "m1 * 2"}], "must start with a lowercase letter"),
        ([{"Id": "e1", "Expression": "m1 * 2"}, {"Id": "e1", "Expression": "m1"}], "more than once"),
        ([{"Id": "e1", "Expression": "AVG(m1)"}], "final result"),
        ([{"Id": "e1", "Expression": "m1 +"}], "Syntax error"),
        (
            [
                {
                    "Id": "e1",
                    "Expression": "m1",
                    "MetricStat": {"Metric": _metric("Requests"), "Period": 60, "Stat": "Sum"},
                }
            ],
            "not both",
        ),
    ],
)
def test_invalid_expressions_are_validation_errors(
    cloudwatch: Any, queries: list[dict[str, Any]], message: str
) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match=message) as raised:
        _get(cloudwatch, [_stat("m1", "Requests", ReturnData=False), *queries])
    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_more_than_500_queries_are_refused(cloudwatch: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="500"):
        _get(cloudwatch, [_stat(f"m{i}", "Requests") for i in range(501)])


@pytest.mark.parametrize(
    "expression, construct",
    [
        ("ANOMALY_DETECTION_BAND(m1, 2)", "ANOMALY_DETECTION_BAND"),
        ("SEARCH('{Lab/App,Service} Requests', 'Sum', 60)", "SEARCH"),
        ("SELECT SUM(Requests) FROM \"Lab/App\" WHERE tag.env = 'prod'", "Metrics Insights resource tags"),
        ("MIN([m1, m2])", "MIN of an array"),
    ],
)
def test_what_is_not_emulated_is_refused_by_name(cloudwatch: Any, expression: str, construct: str) -> None:
    with pytest.raises(UnsupportedOperation, match=construct):
        _get(
            cloudwatch,
            [
                _stat("m1", "Requests", ReturnData=False),
                _stat("m2", "Errors", ReturnData=False),
                {"Id": "e1", "Expression": expression},
            ],
        )


def test_internal_clients_read_the_same_math(lab: Lab, cloudwatch: Any) -> None:
    queries = [_stat("m1", "Requests", ReturnData=False), {"Id": "e1", "Expression": "RUNNING_SUM(m1)"}]
    internal = lab.internal_client("cloudwatch")
    reply = internal.get_metric_data(
        MetricDataQueries=queries,
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + 4 * MINUTE,
        ScanBy="TimestampAscending",
    )
    assert reply["MetricDataResults"][0]["Values"] == [100.0, 300.0, 350.0]
