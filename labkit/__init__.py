"""labkit — the helper package of the AWS Monitoring Lab Kit.

``import labkit`` is cheap: boto3 and moto load on first use (``labkit.connect``), so the
first notebook cell and ``labkit --help`` answer at once.

>>> import labkit
>>> lab = labkit.connect()            # moto in this kernel, Tokyo region, lab clock at 2026-06-01 00:00Z
>>> sns = lab.client("sns")           # a real boto3 client
>>> lab.advance(minutes=5)            # lab time passes; the emulator evaluates alarms meanwhile
>>> lab.teardown()                    # delete what the lab created, and prove nothing is left

What a notebook uses from here (``__all__``, tested as a list in tests/test_public_api.py):

* :func:`connect`, :class:`Lab`, :class:`LabClock` — a lab on a backend, its clients and its clock;
* :class:`Checks` — every notebook's "Check your work"; :func:`differences_box` — its "differences
  from AWS" box; :func:`mask_account` — account ids kept out of what a notebook prints;
* :class:`LabkitError` and the errors a learner meets, each deriving from it.

The rest of the package is in layers (``labkit.lesson`` for the notebooks' helpers, ``labkit.course``,
``labkit.tools``, ``labkit.runtime``, ``labkit.emulator``, ``labkit.aws``); tests/test_architecture.py
keeps their dependencies pointing one way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "connect": "labkit.runtime.lab",
    "Lab": "labkit.runtime.lab",
    "LabClock": "labkit.runtime.clock",
    "Checks": "labkit.lesson.checks",
    "differences_box": "labkit.course.curriculum",
    "mask_account": "labkit.runtime.redact",
    "LabkitError": "labkit.exceptions",
    "ConfigurationError": "labkit.exceptions",
    "GuardrailError": "labkit.exceptions",
    "UnsupportedOperation": "labkit.exceptions",
    "WaitTimeout": "labkit.exceptions",
    "TeardownError": "labkit.exceptions",
    "ServiceError": "labkit.exceptions",
    "ChecksFailed": "labkit.exceptions",
    "InvalidFilterPattern": "labkit.exceptions",
    "InvalidAlarmParameter": "labkit.exceptions",
    "InvalidAgentConfig": "labkit.exceptions",
    "InstanceRoleError": "labkit.exceptions",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from labkit.course.curriculum import differences_box
    from labkit.exceptions import (
        ChecksFailed,
        ConfigurationError,
        GuardrailError,
        InstanceRoleError,
        InvalidAgentConfig,
        InvalidAlarmParameter,
        InvalidFilterPattern,
        LabkitError,
        ServiceError,
        TeardownError,
        UnsupportedOperation,
        WaitTimeout,
    )
    from labkit.lesson.checks import Checks
    from labkit.runtime.clock import LabClock
    from labkit.runtime.lab import Lab, connect
    from labkit.runtime.redact import mask_account


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        if name == "connect":
            # The package is where the layers meet: the workshop's progress board (a tool) listens to
            # every lab labkit.connect() makes, through the runtime's hooks (labkit.runtime.hooks).
            importlib.import_module("labkit.tools.workshop").install()
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
