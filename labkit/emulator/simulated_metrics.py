"""Publishes the metrics of the lab's simulated load balancers and databases once per lab minute.

Elastic Load Balancing "measures and sends its metrics in 60-second intervals" and RDS sends
its instance metrics every minute; see :mod:`labkit.emulator.simulated_resources` for the metrics and their pages.
Each tick publishes the minute that just ended, before the alarm plugin evaluates.
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.simulated_resources import Simulated

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator


class SimulatedMetrics:
    """The plugin's state: the simulated resources."""

    requires = (CloudWatchMetrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.lab = emulator.lab
        self.emulator = emulator
        self.resources: dict[str, Simulated] = {}

    def add(self, resource: Simulated) -> None:
        self.resources[resource.name] = resource

    def tick(self, now: dt.datetime) -> None:
        if not self.resources:
            return
        by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for resource in self.resources.values():
            for namespace, datum in resource.metric_data(now - dt.timedelta(minutes=1)):
                by_namespace[namespace].append(datum)
        for namespace, data in by_namespace.items():
            # Straight into the metric store: a lab client's PutMetricData refuses "AWS/" namespaces.
            self.metrics.publish(namespace, data)


def install(emulator: Emulator) -> SimulatedMetrics:
    """Register the simulated-resource metric publisher on ``emulator``."""
    plugin = SimulatedMetrics(emulator)
    emulator.every_minute(plugin.tick)
    return plugin
