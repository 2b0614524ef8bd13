"""The emulation layer that completes moto (see :mod:`labkit.emulator.core`).

``PLUGINS`` is the ordered list of plugin modules a moto lab installs; order matters for the
minute ticks (metrics are published before alarms read them).
"""

from __future__ import annotations

from labkit.emulator.core import Call, Emulator

PLUGINS: list[str] = [
    "labkit.emulator.api_limits",
    "labkit.emulator.sns_email",
    "labkit.emulator.iam_policy",
    "labkit.emulator.logs_filters",
    "labkit.emulator.logs_insights",
    "labkit.emulator.logs_metrics",
    "labkit.emulator.ec2_idempotency",
    "labkit.emulator.ec2_metrics",
    "labkit.emulator.ec2_status",
    "labkit.emulator.synthetic_checks",
    "labkit.emulator.simulated_metrics",
    "labkit.emulator.cloudwatch_metrics",
    "labkit.emulator.events",
    "labkit.emulator.cloudtrail",
    "labkit.emulator.health",
    "labkit.emulator.cloudwatch_alarms",
    "labkit.emulator.cloudwatch_refused",
    "labkit.emulator.config",
    "labkit.emulator.guardduty",
    "labkit.emulator.budgets",
]

__all__ = ["PLUGINS", "Call", "Emulator"]
