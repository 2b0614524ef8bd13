"""A simulated Application Load Balancer and RDS instance for the offline lab, whose metrics the
emulator publishes once a lab minute (the models and the documentation they follow:
:mod:`labkit.emulator.simulated_resources`). Nothing is created in AWS.

Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.emulator.simulated_metrics import SimulatedMetrics
from labkit.emulator.simulated_resources import Database, LoadBalancer, Simulated
from labkit.exceptions import ConfigurationError
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _publish(lab: Lab, resource: Simulated) -> None:
    if lab.emulator is None:
        raise ConfigurationError(
            _("on AWS, a real load balancer or database publishes its own metrics; the simulated ones are offline only")
        )
    lab.emulator.plugin(SimulatedMetrics).add(resource)


def load_balancer(lab: Lab, name: str = "lab-alb", **options: Any) -> LoadBalancer:
    """Start publishing the metrics of a simulated Application Load Balancer (offline labs)."""
    resource = LoadBalancer(name, **options)
    _publish(lab, resource)
    return resource


def database(lab: Lab, name: str = "lab-db", **options: Any) -> Database:
    """Start publishing the metrics of a simulated RDS DB instance (offline labs)."""
    resource = Database(name, **options)
    _publish(lab, resource)
    return resource
