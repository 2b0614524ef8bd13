"""The emulator's fast paths for long ``lab.advance`` runs (issue 20) are exact: a lab run with each fast
path and the same run through the general path it replaces store the same datapoints and produce the same
alarms, history, notifications and events.

EC2's default metrics and status checks ("Status check metrics are available at a 1-minute frequency",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics)
are written straight into the metric store in-process instead of as PutMetricData ``MetricData``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import labkit
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.lesson import ec2


def _stored(lab: labkit.Lab) -> list[tuple[Any, ...]]:
    """Every series in creation order, with its rows, its last write's time and how many writes it had."""
    store = lab.emulator.plugin(CloudWatchMetrics).store
    found = []
    for key, series in store.series.items():
        cols = series.window(-(2**62), 2**62)
        found.append(
            (
                key,
                series.dimensions,
                series.last_put,
                series.version,
                {name: col.tolist() for name, col in cols.items() if name != "seq"},
                [store.units[unit] for unit in cols["unit"].tolist()],
            )
        )
    return found


def _ec2_run(monkeypatch: pytest.MonkeyPatch, fast: bool) -> list[tuple[Any, ...]]:
    if not fast:
        monkeypatch.setattr(Ec2Metrics, "_store_minute", Ec2Metrics._publish_minute)
    lab = labkit.connect("moto")
    try:
        basic = ec2.launch(lab, history_days=0.1, seed=3)
        lab.advance(minutes=7)
        detailed = ec2.launch(lab, detailed=True, instance_type="m5.large", seed=4)
        lab.advance(minutes=13)
        basic.impair("system", lab.clock.now() + dt.timedelta(minutes=4))
        detailed.impair("instance", lab.clock.now())
        lab.advance(minutes=31)
        basic.repair()
        lab.advance(minutes=9)
        return _stored(lab)
    finally:
        lab.close()
        monkeypatch.undo()


def test_ec2_metrics_stored_straight_are_what_publish_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _ec2_run(monkeypatch, fast=True)
    general = _ec2_run(monkeypatch, fast=False)
    names = {key[1] for key, *_ in fast}
    assert {"StatusCheckFailed_System", "StatusCheckFailed_Instance", "CPUUtilization"} <= names
    failed = [rows["total"] for key, _, _, _, rows, _ in fast if key[1] == "StatusCheckFailed_System"]
    assert any(1.0 in totals for totals in failed) and any(0.0 in totals for totals in failed)
    assert fast == general


def test_a_state_changed_in_moto_directly_reads_back_as_describe_alarms_gives_it(lab: labkit.Lab) -> None:
    """The alarm the plugin keeps after a direct state change (evaluated, or SetAlarmState with and without
    StateReasonData, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html)
    is the alarm DescribeAlarms returns: every member, in the same order, the same timestamps' time zones."""
    plugin = lab.emulator.plugin(CloudWatchAlarms)
    instance = ec2.launch(lab, history_days=0.05, seed=5)
    cloudwatch = lab.client("cloudwatch")
    for number, threshold in enumerate((-1.0, 1e9)):
        cloudwatch.put_metric_alarm(
            AlarmName=f"cpu-{number}",
            Namespace="AWS/EC2",
            MetricName="CPUUtilization",
            Dimensions=instance.dimensions,
            Statistic="Average",
            Period=300,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold",
        )
    made: list[dict[str, Any]] = []
    set_in_moto = plugin._set_in_moto

    def recorded(alarm: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        made.append(set_in_moto(alarm, params))
        return made[-1]

    plugin._set_in_moto = recorded  # type: ignore[method-assign]

    def same_as_described() -> None:
        for alarm in made:
            described = plugin._alarm(alarm["AlarmName"])
            assert described is not None
            assert list(alarm.items()) == list(described.items())
            assert repr(alarm) == repr(described)
        made.clear()

    lab.advance(minutes=6)  # both leave INSUFFICIENT_DATA, by evaluation (with StateReasonData)
    assert len(made) == 2
    same_as_described()
    cloudwatch.set_alarm_state(AlarmName="cpu-0", StateValue="OK", StateReason="by hand")  # without
    lab.advance(seconds=20)
    cloudwatch.set_alarm_state(
        AlarmName="cpu-1", StateValue="ALARM", StateReason="by hand", StateReasonData='{"why": "a test"}'
    )
    assert len(made) == 2
    same_as_described()
    lab.advance(minutes=1)  # the evaluation takes them back
    assert [alarm["StateValue"] for alarm in made] == ["ALARM", "OK"]
    same_as_described()
