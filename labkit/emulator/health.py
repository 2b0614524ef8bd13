"""AWS Health offline: issues reach EventBridge; the Health API answers as for a Basic support plan.

moto has no Health backend (calls raised :class:`labkit.UnsupportedOperation`). This plugin:

* sends the events :func:`labkit.lesson.simulate.simulate_issue` makes to the EventBridge bus of the
  affected Region ("Monitoring AWS Health events with Amazon EventBridge",
  https://docs.aws.amazon.com/health/latest/ug/cloudwatch-events-health.html), where the learner's
  rules route them;
* answers every Health API call with ``SubscriptionRequiredException``: the API needs a Business,
  Enterprise On-Ramp or Enterprise Support plan and the lab account has Basic (AWS Health API
  reference, https://docs.aws.amazon.com/health/latest/APIReference/Welcome.html).

Taught in notebook 06-cloudtrail-eventbridge-health.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from botocore.model import ServiceModel

from labkit.aws import health
from labkit.emulator.events import Events
from labkit.emulator.moto_accounts import shared_loader
from labkit.exceptions import ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator


class Health:
    """The plugin's state: the Health events AWS "sent"."""

    requires = (Events,)

    def __init__(self, emulator: Emulator) -> None:
        self.events_plugin = emulator.plugin(Events)
        self.emulator = emulator
        self.events: list[dict[str, Any]] = []

    def report(self, detail: dict[str, Any], region: str) -> dict[str, Any]:
        """Send one Health event (its ``detail``) to EventBridge in ``region``; returns the event."""
        resources = [
            e["entityValue"] for e in detail.get("affectedEntities", []) if e["entityValue"].startswith("arn:")
        ]
        event = self.events_plugin.emit(health.SOURCE, health.DETAIL_TYPE, detail, resources, region)
        self.events.append(event)
        return event

    def refuse(self, call: Call) -> dict[str, Any]:
        raise ServiceError(
            "SubscriptionRequiredException",
            "The AWS Health API requires a Business, Enterprise On-Ramp, or Enterprise Support plan.",
        )


@functools.cache
def health_operations() -> tuple[str, ...]:
    """Every operation of the Health API, as botocore models it (read once per process)."""
    return tuple(ServiceModel(shared_loader().load_service_model("health", "service-2")).operation_names)


def install(emulator: Emulator) -> Health:
    """Register Health event delivery and the Basic-plan API answers on ``emulator``."""
    plugin = Health(emulator)
    # Every operation of the Health API, as botocore models it.
    for operation in health_operations():
        emulator.answers("health", operation)(plugin.refuse)
    return plugin
