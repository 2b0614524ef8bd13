"""Runs the lab's synthetic checks once per lab minute and publishes their canary metrics.

A canary on ``rate(1 minute)`` runs once a minute and publishes to ``CloudWatchSynthetics``
(see :mod:`labkit.emulator.canaries` for the metric names and the documentation they follow). Each
minute tick probes every registered check and publishes the run, stamped at the start of the
minute that just ended, so an alarm evaluated at this tick sees it.
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from labkit.emulator.canaries import NAMESPACE, SyntheticCheck
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator


class SyntheticChecks:
    """The plugin's state: the checks to run."""

    requires = (CloudWatchMetrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.lab = emulator.lab
        self.emulator = emulator
        self.checks: dict[str, SyntheticCheck] = {}

    def add(self, check: SyntheticCheck) -> None:
        """Run ``check`` from the next lab minute on (a check of the same name is replaced)."""
        self.checks[check.name] = check

    def remove(self, name: str) -> None:
        """Stop running the check ``name``."""
        self.checks.pop(name, None)

    def tick(self, now: dt.datetime) -> None:
        data = []
        for check in self.checks.values():
            data.extend(check.metric_data(check.run(now - dt.timedelta(minutes=1))))
        if data:
            self.metrics.publish(NAMESPACE, data)


def install(emulator: Emulator) -> SyntheticChecks:
    """Register the synthetic-check runner on ``emulator``."""
    plugin = SyntheticChecks(emulator)
    emulator.every_minute(plugin.tick)
    return plugin
