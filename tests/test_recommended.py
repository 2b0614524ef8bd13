"""The recommended-alarm table of notebook 07 and the simulated ALB/RDS metrics it watches.

Source of the table: "Recommended alarms",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html
"""

from __future__ import annotations

import pytest

from labkit.aws.alarms import validate_put_metric_alarm
from labkit.exceptions import ConfigurationError
from labkit.lesson import recommended, simulated
from labkit.runtime.lab import Lab

DIMENSIONS = {
    "LoadBalancer": "app/lab-alb/50dc6c495c0c9188",
    "TargetGroup": "targetgroup/lab-web/943f017f100becff",
    "DBInstanceIdentifier": "lab-db",
}
TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:lab-alerts"


def _row(name: str) -> recommended.RecommendedAlarm:
    return next(row for row in recommended.ALARMS if row.name == name)


def test_the_table_covers_the_alb_and_rds_metrics_the_page_recommends() -> None:
    assert {row.metric for row in recommended.ALARMS} == {
        "HTTPCode_ELB_5XX_Count",
        "HTTPCode_Target_5XX_Count",
        "UnHealthyHostCount",
        "HealthyHostCount",
        "TargetResponseTime",
        "CPUUtilization",
        "DatabaseConnections",
        "FreeableMemory",
        "FreeStorageSpace",
    }


def test_documented_values_are_copied() -> None:
    cpu = _row("rds-CPUUtilization")
    assert (cpu.statistic, cpu.period, cpu.datapoints_to_alarm, cpu.evaluation_periods, cpu.threshold) == (
        "Average",
        60,
        5,
        5,
        90,
    )
    memory = _row("rds-FreeableMemory")
    assert (memory.evaluation_periods, memory.comparison, memory.threshold) == (
        15,
        "LessThanThreshold",
        0.25 * recommended.GIB,
    )
    assert _row("alb-TargetResponseTime").statistic == "p90"
    assert all(
        row.threshold_source == "AWS" or row.threshold_source.startswith(("AWS:", "lab choice:"))
        for row in recommended.ALARMS
    )


@pytest.mark.parametrize("row", recommended.ALARMS, ids=lambda row: row.name)
def test_every_row_makes_a_valid_put_metric_alarm(row: recommended.RecommendedAlarm) -> None:
    params = recommended.alarm_params(row, DIMENSIONS, [TOPIC])
    validate_put_metric_alarm(params)
    assert ("ExtendedStatistic" in params) == row.statistic.startswith("p")
    assert [d["Name"] for d in params["Dimensions"]] == list(row.dimensions)


def test_a_missing_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="TargetGroup"):
        recommended.alarm_params(_row("alb-HealthyHostCount"), {"LoadBalancer": "app/x/1"}, [])


def test_alarms_on_the_simulated_resources_stay_ok_then_fire_on_incidents(lab: Lab) -> None:
    alb = simulated.load_balancer(lab)
    db = simulated.database(lab)
    cloudwatch = lab.client("cloudwatch")
    for row in recommended.ALARMS:
        cloudwatch.put_metric_alarm(**recommended.alarm_params(row, DIMENSIONS, []))
    lab.advance(minutes=16)
    states = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert set(states.values()) == {"OK"}  # the p90 TargetResponseTime alarm too: percentiles are evaluated
    alb.incident("unhealthy-target", lab.clock.now(), minutes=6)
    db.incident("cpu", lab.clock.now(), minutes=6)
    lab.advance(minutes=5)
    firing = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"] if a["StateValue"] == "ALARM"}
    assert firing == {"alb-UnHealthyHostCount", "alb-HealthyHostCount", "rds-CPUUtilization"}


def test_zero_5xx_counts_are_not_reported(lab: Lab) -> None:
    alb = simulated.load_balancer(lab)
    lab.advance(minutes=2)
    names = {m["MetricName"] for m in lab.client("cloudwatch").list_metrics(Namespace="AWS/ApplicationELB")["Metrics"]}
    assert "HTTPCode_Target_5XX_Count" not in names and "RequestCount" in names
    alb.incident("elb-5xx", lab.clock.now(), minutes=1)
    lab.advance(minutes=1)
    names = {m["MetricName"] for m in lab.client("cloudwatch").list_metrics(Namespace="AWS/ApplicationELB")["Metrics"]}
    assert "HTTPCode_ELB_5XX_Count" in names


def test_unknown_incidents_are_refused(lab: Lab) -> None:
    with pytest.raises(ConfigurationError):
        simulated.database(lab).incident("fire", lab.clock.now(), minutes=1)
