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
