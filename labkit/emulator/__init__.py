"""The emulation layer that completes moto (see :mod:`labkit.emulator.core`).

``PLUGINS`` is the ordered list of plugin modules a moto lab installs; order matters for the
minute ticks (metrics are published before alarms read them).
"""

from __future__ import annotations

from labkit.emulator.core import Call, Emulator

PLUGINS: list[str] = [
    "labkit.emulator.sns_email",
    "labkit.emulator.logs_filters",
    "labkit.emulator.logs_metrics",
    "labkit.emulator.ec2_metrics",
    "labkit.emulator.cloudwatch_alarms",
]

__all__ = ["PLUGINS", "Call", "Emulator"]
