"""labkit — the helper package of the AWS Monitoring Lab Kit.

``import labkit`` is cheap: boto3 and moto load on first use (``labkit.connect``), so the
first notebook cell and ``labkit --help`` answer at once.

>>> import labkit
>>> lab = labkit.connect()            # moto in this kernel, Tokyo region, lab clock at 2026-06-01 00:00Z
>>> sns = lab.client("sns")           # a real boto3 client
>>> lab.advance(minutes=5)            # lab time passes; the emulator evaluates alarms meanwhile
>>> lab.teardown()                    # delete what the lab created, and prove nothing is left
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "connect": "labkit.runtime.lab",
    "Lab": "labkit.runtime.lab",
    "LabClock": "labkit.runtime.clock",
    "LabkitError": "labkit.exceptions",
    "ConfigurationError": "labkit.exceptions",
    "GuardrailError": "labkit.exceptions",
    "UnsupportedOperation": "labkit.exceptions",
    "WaitTimeout": "labkit.exceptions",
    "TeardownError": "labkit.exceptions",
    "ServiceError": "labkit.exceptions",
    "InvalidFilterPattern": "labkit.exceptions",
    "InvalidAlarmParameter": "labkit.exceptions",
    "InvalidAgentConfig": "labkit.exceptions",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from labkit.runtime.clock import LabClock
    from labkit.exceptions import (
        ConfigurationError,
        GuardrailError,
        InvalidAgentConfig,
        InvalidAlarmParameter,
        InvalidFilterPattern,
        LabkitError,
        ServiceError,
        TeardownError,
        UnsupportedOperation,
        WaitTimeout,
    )
    from labkit.runtime.lab import Lab, connect


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
