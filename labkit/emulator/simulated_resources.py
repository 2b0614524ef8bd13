"""The models of named fake resources beyond EC2 — an Application Load Balancer and an RDS
instance — whose metrics the offline lab publishes, so that alarms on them can be built and seen
to fire (:mod:`labkit.emulator.simulated_metrics` publishes them; :mod:`labkit.lesson.simulated`
starts them).

Nothing is created in AWS (moto's ELB and RDS publish no metrics either); the emulator publishes
one datapoint a minute in each service's namespace and dimensions:

* ``AWS/ApplicationELB`` ("CloudWatch metrics for your Application Load Balancer",
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
  ``RequestCount``, ``HTTPCode_ELB_5XX_Count`` (dimension ``LoadBalancer``), and
  ``HTTPCode_Target_5XX_Count``, ``TargetResponseTime`` (seconds, raw values so percentiles
  work), ``HealthyHostCount``, ``UnHealthyHostCount`` (dimensions ``TargetGroup``,
  ``LoadBalancer``). Counts are reported only when non-zero: "If there are no requests flowing
  through the load balancer or no data for a metric, the metric is not reported."
* ``AWS/RDS`` with dimension ``DBInstanceIdentifier`` ("Amazon CloudWatch metrics for Amazon
  RDS", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html):
  ``CPUUtilization`` (Percent), ``DatabaseConnections`` (Count), ``FreeableMemory`` and
  ``FreeStorageSpace`` (Bytes).

The workloads (traffic, latencies, a 20 GiB db.t3.micro with 1 GiB of memory) are labkit's
invention; incidents are injected with :meth:`Simulated.incident`.
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import Any

from labkit.exceptions import ConfigurationError

GIB = 1024**3
Episode = tuple[str, dt.datetime, dt.datetime]


def _noise(seed: int, when: dt.datetime, channel: int) -> float:
    return (zlib.crc32(f"{seed}:{int(when.timestamp() // 60)}:{channel}".encode()) & 0xFFFFFF) / 0x1000000


@dataclass
class Simulated:
    """A fake resource: a name, a seed and timed incidents."""

    name: str
    seed: int = 7
    episodes: list[Episode] = field(default_factory=list)
    incident_kinds: tuple[str, ...] = ()

    def incident(self, kind: str, start: dt.datetime, minutes: int) -> None:
        """Inject an incident of ``kind`` for ``minutes`` from ``start``."""
        if kind not in self.incident_kinds:
            raise ConfigurationError(f"{self.name}: incident kind must be one of {self.incident_kinds}, not {kind!r}")
        self.episodes.append((kind, start, start + dt.timedelta(minutes=minutes)))

    def active(self, kind: str, when: dt.datetime) -> bool:
        return any(k == kind and s <= when < e for k, s, e in self.episodes)

    def metric_data(self, when: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
        """(namespace, MetricDatum) pairs for the minute starting at ``when``."""
        raise NotImplementedError


@dataclass
class LoadBalancer(Simulated):
    """An Application Load Balancer with one target group of ``targets`` web servers."""

    load_balancer: str = "app/lab-alb/50dc6c495c0c9188"
    target_group: str = "targetgroup/lab-web/943f017f100becff"
    targets: int = 2
    incident_kinds: tuple[str, ...] = ("target-5xx", "elb-5xx", "unhealthy-target", "slow")

    @property
    def lb_dimensions(self) -> list[dict[str, str]]:
        return [{"Name": "LoadBalancer", "Value": self.load_balancer}]

    @property
    def tg_dimensions(self) -> list[dict[str, str]]:
        return [
            {"Name": "TargetGroup", "Value": self.target_group},
            {"Name": "LoadBalancer", "Value": self.load_balancer},
        ]

    def metric_data(self, when: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
        requests = round(300 + 200 * _noise(self.seed, when, 0))
        unhealthy = 1 if self.active("unhealthy-target", when) else 0
        target_5xx = round(requests * 0.2) if self.active("target-5xx", when) else 0
        elb_5xx = round(requests * 0.1) if self.active("elb-5xx", when) else 0
        base = 1.8 if self.active("slow", when) else 0.08
        times = [round(base * (0.6 + 0.8 * _noise(self.seed, when, 10 + i)), 4) for i in range(20)]
        data: list[tuple[dict[str, Any], list[dict[str, str]]]] = [
            ({"MetricName": "RequestCount", "Value": float(requests), "Unit": "Count"}, self.lb_dimensions),
            (
                {"MetricName": "HealthyHostCount", "Value": float(self.targets - unhealthy), "Unit": "Count"},
                self.tg_dimensions,
            ),
            ({"MetricName": "UnHealthyHostCount", "Value": float(unhealthy), "Unit": "Count"}, self.tg_dimensions),
            ({"MetricName": "TargetResponseTime", "Values": times, "Unit": "Seconds"}, self.tg_dimensions),
        ]
        if elb_5xx:
            data.append(
                ({"MetricName": "HTTPCode_ELB_5XX_Count", "Value": float(elb_5xx), "Unit": "Count"}, self.lb_dimensions)
            )
        if target_5xx:
            data.append(
                (
                    {"MetricName": "HTTPCode_Target_5XX_Count", "Value": float(target_5xx), "Unit": "Count"},
                    self.tg_dimensions,
                )
            )
        return [("AWS/ApplicationELB", {**datum, "Dimensions": dims, "Timestamp": when}) for datum, dims in data]


@dataclass
class Database(Simulated):
    """An RDS DB instance (``DBInstanceIdentifier`` = name): a db.t3.micro with 20 GiB of storage."""

    allocated_gib: float = 20.0
    memory_gib: float = 1.0
    incident_kinds: tuple[str, ...] = ("cpu", "connections", "memory", "storage")

    @property
    def dimensions(self) -> list[dict[str, str]]:
        return [{"Name": "DBInstanceIdentifier", "Value": self.name}]

    def metric_data(self, when: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
        cpu = 96 + 3 * _noise(self.seed, when, 1) if self.active("cpu", when) else 12 + 10 * _noise(self.seed, when, 1)
        connections = 120 if self.active("connections", when) else round(8 + 6 * _noise(self.seed, when, 2))
        memory = (
            (0.1 if self.active("memory", when) else 0.45 + 0.05 * _noise(self.seed, when, 3)) * self.memory_gib * GIB
        )
        storage = (0.05 if self.active("storage", when) else 0.62) * self.allocated_gib * GIB
        values = [
            ("CPUUtilization", round(cpu, 2), "Percent"),
            ("DatabaseConnections", float(connections), "Count"),
            ("FreeableMemory", float(round(memory)), "Bytes"),
            ("FreeStorageSpace", float(round(storage)), "Bytes"),
        ]
        return [
            (
                "AWS/RDS",
                {"MetricName": name, "Dimensions": self.dimensions, "Timestamp": when, "Value": value, "Unit": unit},
            )
            for name, value, unit in values
        ]
