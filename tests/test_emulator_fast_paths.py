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
from labkit.emulator import ec2_workload
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


def _ahead_run(monkeypatch: pytest.MonkeyPatch, path: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Two lab days of three instances whose workloads change between advances, through ``path``: "ahead" (periods
    sampled ahead, the fast path), "period" (each period sampled when it ends) or "publish" (PutMetricData datums)."""
    if path == "period":
        monkeypatch.setattr(Ec2Metrics, "_sample_ahead", lambda self, instance, start: None)
    elif path == "publish":
        monkeypatch.setattr(Ec2Metrics, "_store_minute", Ec2Metrics._publish_minute)
    lab = labkit.connect("moto")
    try:
        burstable = ec2.launch(lab, history_days=0.2, seed=3, pattern="batch")
        detailed = ec2.launch(lab, detailed=True, instance_type="m5.large", seed=4)
        member = ec2.launch(lab, instance_type="t3.small", seed=5)
        group = ec2_workload.GroupLoad(ec2_workload.Workload("daily", seed=5), baseline=2, count=1)
        member.workload = ec2_workload.SharedWorkload(seed=5, group=group)
        lab.advance(minutes=97)
        now = lab.clock.now()
        burstable.spike(now + dt.timedelta(minutes=23), 17)  # inside the span already sampled
        detailed.impair("ebs", now + dt.timedelta(minutes=41))
        group.count = 3
        lab.advance(hours=5)
        detailed.impaired_since["ebs"] = lab.clock.now() + dt.timedelta(minutes=33)  # the failing check starts later
        lab.advance(hours=14)
        now = lab.clock.now()
        burstable.runaway(now - dt.timedelta(minutes=2))
        burstable.credit_balance = 5.0
        lab.advance(hours=2, minutes=11)
        burstable.calm(lab.clock.now())
        detailed.repair()
        burstable.workload.pattern = "idle"
        lab.advance(hours=27)
        balances = [repr(instance.credit_balance) for instance in (burstable, detailed, member)]
        return _stored(lab), balances
    finally:
        lab.close()
        monkeypatch.undo()


def test_ec2_periods_sampled_ahead_are_what_each_period_and_publish_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Periods sampled ahead (a day at once in a long advance) store the same rows, series, versions and last
    writes, and leave the same credit balances, as sampling each period when it ends and as PutMetricData,
    through spikes, a runaway, impairments, a credit balance set and a group's load changed between advances."""
    ahead = _ahead_run(monkeypatch, "ahead")
    by_period = _ahead_run(monkeypatch, "period")
    published = _ahead_run(monkeypatch, "publish")
    cpu = [rows["minimum"] for key, _, _, _, rows, _ in ahead[0] if key[1] == "CPUUtilization"]
    assert any(low >= 97 for lows in cpu for low in lows)  # the runaway was sampled
    assert ahead == by_period
    assert ahead == published


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
