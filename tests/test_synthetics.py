"""The synthetic check of notebook 07 publishes canary metrics, and an alarm on them catches a 503.

Metric names, units and the CanaryName dimension: "CloudWatch metrics published by canaries",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Canaries_metrics.html
"""

from __future__ import annotations

import datetime as dt

import pytest

from labkit.exceptions import ConfigurationError
from labkit.lesson import ec2, synthetics, web
from labkit.lesson.prereqs import alerts_topic
from labkit.runtime.lab import Lab


def _values(lab: Lab, metric: str, statistic: str = "Average") -> list[float]:
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="CloudWatchSynthetics",
        MetricName=metric,
        Dimensions=[{"Name": "CanaryName", "Value": "web"}],
        StartTime=lab.clock.now() - dt.timedelta(hours=1),
        EndTime=lab.clock.now(),
        Period=60,
        Statistics=[statistic],
    )["Datapoints"]
    return [p[statistic] for p in sorted(points, key=lambda p: p["Timestamp"])]


def test_each_lab_minute_runs_the_check_and_publishes_success_and_duration(lab: Lab) -> None:
    server = web.serve(lab)
    check = synthetics.watch(lab, "web", server.url)
    lab.advance(minutes=2)
    server.fail(503)
    lab.advance(minutes=2)
    assert [run.status for run in check.runs] == [200, 200, 503, 503]
    assert _values(lab, "SuccessPercent") == [100.0, 100.0, 0.0, 0.0]
    assert _values(lab, "5xx", "Sum") == [0.0, 0.0, 1.0, 1.0]
    assert _values(lab, "Failed", "Sum") == [0.0, 0.0, 1.0, 1.0]
    assert all(0 <= value < 1000 for value in _values(lab, "Duration"))
    assert server.requests == 4


def test_a_slow_page_times_out_and_counts_as_failed(lab: Lab) -> None:
    server = web.serve(lab)
    check = synthetics.watch(lab, "web", server.url, timeout=0.2)
    server.slow(0.6)
    lab.advance(minutes=1)
    run = check.runs[-1]
    assert not run.success and run.status is None and "timed out" in run.error
    assert _values(lab, "Duration") == [200.0]


def test_a_stopped_server_is_a_failed_run(lab: Lab) -> None:
    server = web.serve(lab)
    check = synthetics.watch(lab, "web", server.url)
    server.stop()
    lab.advance(minutes=1)
    assert not check.runs[-1].success and check.runs[-1].error.startswith("no answer")


def test_watch_checks_the_name_and_the_url(lab: Lab) -> None:
    with pytest.raises(ConfigurationError):
        synthetics.watch(lab, "Web Check", "http://127.0.0.1:1/")
    with pytest.raises(ConfigurationError):
        synthetics.watch(lab, "web", "http://example.com/")


def test_the_503_reaches_the_inbox_while_status_checks_pass(lab: Lab) -> None:
    topic = alerts_topic(lab)
    instance = ec2.launch(lab)
    server = web.serve(lab)
    synthetics.watch(lab, "web", server.url)
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="availability",
        Namespace="CloudWatchSynthetics",
        MetricName="SuccessPercent",
        Dimensions=[{"Name": "CanaryName", "Value": "web"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        Threshold=100,
        ComparisonOperator="LessThanThreshold",
        AlarmActions=[topic],
    )
    lab.advance(minutes=3)
    server.fail(503)
    lab.advance(minutes=3)
    assert cloudwatch.describe_alarms(AlarmNames=["availability"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    assert [e.subject for e in lab.inbox.notifications()] == ['ALARM: "availability" in Asia Pacific (Tokyo)']
    status = lab.client("ec2").describe_instance_status(InstanceIds=[instance.instance_id])["InstanceStatuses"][0]
    assert status["SystemStatus"]["Status"] == status["InstanceStatus"]["Status"] == "ok"
