"""Metrics Insights through plain boto3 calls: GetMetricData with a SELECT expression, and alarms on a query.

Rules: "Metrics Insights query components and syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html),
"Metrics Insights quotas" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html),
GetMetricData API reference ("each GetMetricData operation can include only one query"; two weeks of data, three
hours for alarms, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html) and
"Create a CloudWatch alarm based on a Metrics Insights query"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.exceptions import UnsupportedOperation
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

MINUTE = dt.timedelta(minutes=1)
FLEET = {"i-aaa": [10, 20, 30], "i-bbb": [80, 90, 70], "i-ccc": [40, 40, 40]}


@pytest.fixture
def cloudwatch(lab: Lab) -> Any:
    """Three instances' CPU (one value a minute for three minutes from DEFAULT_START) and a noise metric."""
    client = lab.client("cloudwatch")
    data = [
        {
            "MetricName": "CPU",
            "Dimensions": [{"Name": "InstanceId", "Value": instance}],
            "Value": value,
            "Timestamp": DEFAULT_START + minute * MINUTE,
        }
        for instance, values in FLEET.items()
        for minute, value in enumerate(values)
    ]
    data.append({"MetricName": "CPU", "Value": 1000, "Timestamp": DEFAULT_START})  # no dimensions
    client.put_metric_data(Namespace="Lab/Fleet", MetricData=data)
    return client


def _get(cloudwatch: Any, expression: str, **query: Any) -> list[dict[str, Any]]:
    reply = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "q1", "Expression": expression, "Period": 60, **query}],
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + 3 * MINUTE,
        ScanBy="TimestampAscending",
    )
    return reply["MetricDataResults"]


def test_select_avg_over_a_schema_is_the_fleet_average(cloudwatch: Any) -> None:
    """moto answered with every datapoint of the namespace; AWS averages the matched observations."""
    [result] = _get(cloudwatch, 'SELECT AVG(CPU) FROM SCHEMA("Lab/Fleet", InstanceId)', Label="fleet")
    assert result["Label"] == "fleet"
    assert result["Values"] == pytest.approx([130 / 3, 50.0, 140 / 3])
    assert result["Timestamps"] == [DEFAULT_START + n * MINUTE for n in range(3)]


def test_from_a_namespace_matches_every_dimension_set(cloudwatch: Any) -> None:
    [result] = _get(cloudwatch, 'SELECT MAX(CPU) FROM "Lab/Fleet"')
    assert result["Values"] == [1000.0, 90.0, 70.0]


def test_group_by_order_by_limit_is_a_top_n(cloudwatch: Any) -> None:
    results = _get(
        cloudwatch,
        "SELECT MAX(CPU) FROM SCHEMA(\"Lab/Fleet\", InstanceId) WHERE InstanceId != 'i-ccc' "
        "GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 2",
    )
    assert [(r["Id"], r["Label"], r["Values"]) for r in results] == [
        ("q1", "i-bbb", [80.0, 90.0, 70.0]),
        ("q1", "i-aaa", [10.0, 20.0, 30.0]),
    ]


def test_a_math_expression_can_use_the_query(cloudwatch: Any) -> None:
    """A grouped query wrapped in a math expression that returns one series (as alarms need)."""
    reply = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q1",
                "Expression": 'SELECT MAX(CPU) FROM SCHEMA("Lab/Fleet", InstanceId) GROUP BY InstanceId',
                "Period": 60,
                "ReturnData": False,
            },
            {"Id": "e1", "Expression": "MAX(q1)", "Label": "hottest"},
        ],
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + 3 * MINUTE,
        ScanBy="TimestampAscending",
    )
    assert [(r["Label"], r["Values"]) for r in reply["MetricDataResults"]] == [("hottest", [80.0, 90.0, 70.0])]


def test_only_one_query_per_request(cloudwatch: Any) -> None:
    with pytest.raises(ClientError, match="only one Metrics Insights query") as caught:
        cloudwatch.get_metric_data(
            MetricDataQueries=[
                {"Id": "q1", "Expression": 'SELECT MAX(CPU) FROM "Lab/Fleet"', "Period": 60},
                {"Id": "q2", "Expression": 'SELECT MIN(CPU) FROM "Lab/Fleet"', "Period": 60},
            ],
            StartTime=DEFAULT_START,
            EndTime=DEFAULT_START + 3 * MINUTE,
        )
    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_a_malformed_query_is_a_validation_error(cloudwatch: Any) -> None:
    with pytest.raises(ClientError) as caught:
        _get(cloudwatch, "SELECT AVG(CPU) FROM Lab/Fleet")
    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_what_is_not_emulated_is_refused_by_name(cloudwatch: Any) -> None:
    with pytest.raises(UnsupportedOperation, match="operator OR"):
        _get(cloudwatch, "SELECT AVG(CPU) FROM \"Lab/Fleet\" WHERE InstanceId = 'a' OR InstanceId = 'b'")
    with pytest.raises(UnsupportedOperation, match="has no Period"):
        cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "q1", "Expression": 'SELECT MAX(CPU) FROM "Lab/Fleet"'}],
            StartTime=DEFAULT_START,
            EndTime=DEFAULT_START + 3 * MINUTE,
        )


def test_only_the_last_two_weeks_are_queried(lab: Lab, cloudwatch: Any) -> None:
    lab.advance(minutes=14 * 24 * 60 + 1)
    [result] = _get(cloudwatch, 'SELECT MAX(CPU) FROM SCHEMA("Lab/Fleet", InstanceId)')
    assert result["Values"] == [90.0, 70.0]  # the first minute is older than two weeks of lab time


# -- alarms on a query ------------------------------------------------------------------------------------
def _alarm(cloudwatch: Any, expression: str, **extra: Any) -> None:
    cloudwatch.put_metric_alarm(
        **{
            "AlarmName": "fleet-hot",
            "EvaluationPeriods": 1,
            "Threshold": 85.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "Metrics": [{"Id": "q1", "Expression": expression, "Period": 60, "ReturnData": True}],
            **extra,
        }
    )


def test_alarm_on_an_aggregating_query_fires(lab: Lab, cloudwatch: Any) -> None:
    _alarm(cloudwatch, 'SELECT MAX(CPU) FROM SCHEMA("Lab/Fleet", InstanceId)')
    states = []
    for _ in range(3):
        lab.advance(minutes=1)
        states.append(cloudwatch.describe_alarms(AlarmNames=["fleet-hot"])["MetricAlarms"][0]["StateValue"])
    assert states == ["OK", "ALARM", "OK"]  # 80, 90, 70 against > 85


def test_alarm_on_a_grouped_query_is_refused(cloudwatch: Any) -> None:
    with pytest.raises(UnsupportedOperation, match="GROUP BY"):
        _alarm(
            cloudwatch, 'SELECT MAX(CPU) FROM SCHEMA("Lab/Fleet", InstanceId) GROUP BY InstanceId ORDER BY MAX() DESC'
        )


def test_alarm_reaching_past_three_hours_is_refused(cloudwatch: Any) -> None:
    with pytest.raises(UnsupportedOperation, match="latest 3 hours"):
        _alarm(cloudwatch, 'SELECT MAX(CPU) FROM "Lab/Fleet"', EvaluationPeriods=181)


def test_alarm_on_a_grouped_query_wrapped_in_math_fires(lab: Lab, cloudwatch: Any) -> None:
    """A GROUP BY query wrapped "in a metric math expression that only returns one time series as the final
    result" ("Create a Metrics Insights alarm",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-alarm-create.html)."""
    cloudwatch.put_metric_alarm(
        AlarmName="fleet-min",
        EvaluationPeriods=1,
        Threshold=15.0,
        ComparisonOperator="LessThanThreshold",
        Metrics=[
            {
                "Id": "q1",
                "Expression": 'SELECT MAX(CPU) FROM SCHEMA("Lab/Fleet", InstanceId) GROUP BY InstanceId',
                "Period": 60,
                "ReturnData": False,
            },
            {"Id": "e1", "Expression": "MIN(q1)", "ReturnData": True},
        ],
    )
    states = []
    for _ in range(2):
        lab.advance(minutes=1)
        states.append(cloudwatch.describe_alarms(AlarmNames=["fleet-min"])["MetricAlarms"][0]["StateValue"])
    assert states == ["ALARM", "OK"]  # the coolest instance: 10, then 20, against < 15
