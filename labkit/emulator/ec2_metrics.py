"""Publishes the lab instance's default AWS/EC2 metrics as lab time passes (moto publishes none).

Basic monitoring: one datapoint per 5-minute period, published when the period is over, holding
its five one-minute samples as raw values (so percentiles work); detailed monitoring: one per minute
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html).
The status-check metrics are published every minute at either level ("Status check metrics are
available at a 1-minute frequency at no charge",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics).
Taught in notebook 01-metric-exploration; status checks in 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from labkit.ec2 import NAMESPACE, STATUS_METRICS, LabInstance, metric_period_start, sample_values

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

class Ec2Metrics:
    """The plugin's state: the watched instances and their samples for the current period."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.lab = emulator.lab
        self.instances: list[LabInstance] = []

    def watch(self, instance: LabInstance, backfill_from: dt.datetime | None = None) -> None:
        """Start publishing ``instance``'s metrics; backfill its history from ``backfill_from``."""
        self.instances.append(instance)
        now = self.lab.clock.now()
        if backfill_from is not None and backfill_from < now:
            data: list[dict[str, Any]] = []
            period = metric_period_start(backfill_from, instance.period_minutes)
            while period + dt.timedelta(minutes=instance.period_minutes) <= now:
                data.extend(self._period_data(instance, period))
                period += dt.timedelta(minutes=instance.period_minutes)
            if not instance.detailed:
                minute = metric_period_start(backfill_from, 1)
                while minute + dt.timedelta(minutes=1) <= now:
                    data.extend(self._status_data(instance, minute))
                    minute += dt.timedelta(minutes=1)
            self._put(data)

    def _status_data(self, instance: LabInstance, minute: dt.datetime) -> list[dict[str, Any]]:
        """A basic-monitoring instance's status checks for one minute (detailed ones get them with the rest)."""
        return [
            {
                "MetricName": name, "Dimensions": instance.dimensions, "Value": value, "Unit": "Count",
                "Timestamp": minute.replace(tzinfo=None) if self.lab.backend.in_process else minute,
            }
            for name, value in instance.status_sample(minute).items()
        ]

    def _period_data(self, instance: LabInstance, period_start: dt.datetime) -> list[dict[str, Any]]:
        minutes = [period_start + dt.timedelta(minutes=m) for m in range(instance.period_minutes)]
        samples = [instance.sample(minute) for minute in minutes]
        return [
            {
                "MetricName": name,
                "Dimensions": instance.dimensions,
                "Timestamp": period_start.replace(tzinfo=None) if self.lab.backend.in_process else period_start,
                **sample_values([sample[name] for sample in samples]),
                "Unit": instance.unit(name),
            }
            for name in instance.metric_names()
            if instance.detailed or name not in STATUS_METRICS
        ]

    def _put(self, data: list[dict[str, Any]]) -> None:
        if self.lab.backend.in_process:
            # Backfilling a week through the HTTP-shaped API costs seconds; moto's own store is here.
            from moto.cloudwatch.models import cloudwatch_backends

            cloudwatch_backends[self.lab.account_id][self.lab.region].put_metric_data(NAMESPACE, data)
            return
        self.emulator.plugins["cloudwatch_metrics"].publish(NAMESPACE, data)

    def tick(self, now: dt.datetime) -> None:
        """At the end of each instance's period, publish that period's datapoint."""
        data: list[dict[str, Any]] = []
        for instance in self.instances:
            if not instance.detailed:
                data.extend(self._status_data(instance, now - dt.timedelta(minutes=1)))
            if now.minute % instance.period_minutes == 0:
                data.extend(self._period_data(instance, now - dt.timedelta(minutes=instance.period_minutes)))
        if data:
            self._put(data)


def install(emulator: Emulator) -> Ec2Metrics:
    """Register the EC2 metric publisher on ``emulator``."""
    plugin = Ec2Metrics(emulator)
    emulator.every_minute(plugin.tick)
    return plugin
