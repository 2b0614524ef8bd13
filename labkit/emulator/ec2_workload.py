"""The lab instance's model: a seeded workload and the metrics AWS publishes for the instance.

The emulator publishes these as the lab clock runs (:mod:`labkit.emulator.ec2_metrics`,
:mod:`labkit.emulator.ec2_status`); the instance itself is launched by :func:`labkit.lesson.ec2.launch`.
AWS publishes the default metrics at basic monitoring as one datapoint per 5 minutes, at detailed
monitoring every minute ("Manage detailed monitoring for your EC2 instances",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html; metric list:
"CloudWatch metrics that are available for your instances",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html).

Taught in notebooks 01-metric-exploration and 02-cpu-alarm.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from labkit.exceptions import InvalidParameter


class RemoteCpu(Protocol):
    """A real instance's CPU, driven from outside (:class:`labkit.lesson.ec2.RemoteLoad` on ``aws``)."""

    def burn(self, seconds: int | None) -> object: ...

    def stop(self) -> object: ...


NAMESPACE = "AWS/EC2"
#: Workload patterns :class:`Workload` knows.
PATTERNS = ("idle", "daily", "batch")
BURSTABLE_FAMILIES = ("t2", "t3", "t3a", "t4g")

#: Default metrics per instance with their units (the metrics the console lists for an instance).
METRICS: dict[str, str] = {
    "CPUUtilization": "Percent",
    "NetworkIn": "Bytes",
    "NetworkOut": "Bytes",
    "NetworkPacketsIn": "Count",
    "NetworkPacketsOut": "Count",
    "DiskReadBytes": "Bytes",
    "DiskWriteBytes": "Bytes",
    "DiskReadOps": "Count",
    "DiskWriteOps": "Count",
    "StatusCheckFailed": "Count",
    "StatusCheckFailed_Instance": "Count",
    "StatusCheckFailed_System": "Count",
    "StatusCheckFailed_AttachedEBS": "Count",
    "MetadataNoToken": "Count",
}
#: The status-check metrics: published every minute even at basic monitoring ("Status check
#: metrics are available at a 1-minute frequency at no charge", "Instance metrics",
#: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics).
STATUS_METRICS = (
    "StatusCheckFailed",
    "StatusCheckFailed_Instance",
    "StatusCheckFailed_System",
    "StatusCheckFailed_AttachedEBS",
)
#: Which impairment fails which check (notebook 07): the host (system), the guest OS (instance), attached EBS.
IMPAIRMENT_METRIC = {
    "system": "StatusCheckFailed_System",
    "instance": "StatusCheckFailed_Instance",
    "ebs": "StatusCheckFailed_AttachedEBS",
}
#: The metrics :meth:`LabInstance.status_sample` gives, in its order.
STATUS_SAMPLE_ORDER = (*IMPAIRMENT_METRIC.values(), "StatusCheckFailed")
#: Added for burstable performance instances (T family).
CREDIT_METRICS: dict[str, str] = {
    "CPUCreditUsage": "Count",
    "CPUCreditBalance": "Count",
    "CPUSurplusCreditBalance": "Count",
    "CPUSurplusCreditsCharged": "Count",
}
#: Credits earned per hour and vCPUs, for the instance types the lab uses (Burstable performance
#: instances, "Key concepts and definitions": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html).
CREDITS = {"t3.micro": (12, 2), "t3.small": (24, 2), "t4g.micro": (12, 2), "t4g.small": (24, 2), "t2.micro": (6, 1)}


def _noise(seed: int, minute: int, channel: int) -> float:
    """Deterministic noise in [0, 1) for one minute: the same lab minute always gives the same value."""
    return (zlib.crc32(f"{seed}:{minute}:{channel}".encode()) & 0xFFFFFF) / 0x1000000


@dataclass
class Workload:
    """What the instance is doing: a base pattern plus timed episodes.

    ``pattern``: ``idle`` (2–6 %), ``daily`` (a working-day curve peaking in the Tokyo afternoon),
    ``batch`` (``daily`` plus a nightly batch job at 02:00 Tokyo time that pins the CPU for 6–11
    minutes: the short spikes a CPU alarm should not page anyone for, notebook 02).
    Episodes: ``spike`` (CPU near 95 % for a while), ``runaway`` (a process pinning a vCPU until stopped).
    """

    pattern: str = "daily"
    seed: int = 7
    episodes: list[tuple[str, dt.datetime, dt.datetime | None]] = field(default_factory=list)

    def cpu(self, when: dt.datetime) -> float:
        """CPU utilisation (percent) in the minute starting at ``when``."""
        minute = int(when.timestamp() // 60)
        jitter = _noise(self.seed, minute, 0)
        if self.pattern == "idle":
            value = 2 + 4 * jitter
        else:
            tokyo_hour = (when.hour + 9) % 24 + when.minute / 60
            weekday = (when + dt.timedelta(hours=9)).weekday() < 5
            busy = max(0.0, math.sin((tokyo_hour - 7) / 14 * math.pi)) if 7 <= tokyo_hour <= 21 else 0.0
            value = 8 + (42 if weekday else 15) * busy + 10 * jitter
            if self.pattern == "batch":
                tokyo = when + dt.timedelta(hours=9)
                day = int(tokyo.timestamp() // 86_400)
                length = 6 + int(6 * _noise(self.seed, day, 7))
                if tokyo.hour == 2 and tokyo.minute < length:
                    value = max(value, 90 + 8 * _noise(self.seed, minute, 1))
        for kind, start, end in self.episodes:
            if start <= when and (end is None or when < end):
                if kind == "spike":
                    value = max(value, 90 + 8 * _noise(self.seed, minute, 1))
                elif kind == "runaway":
                    value = max(value, 97 + 3 * _noise(self.seed, minute, 2))
        return round(min(value, 100.0), 2)

    def cpu_minutes(self, base: int, noise_base: list[int]) -> list[float]:
        """:meth:`cpu` for the UTC minutes ``base``, ``base + 1``, … (minutes since the epoch), to the last bit;
        ``noise_base`` holds each minute's ``zlib.crc32(f"{seed}:{minute}")`` (:meth:`LabInstance.sample_minutes`)."""

        def noise(crc: int, channel: int) -> float:
            return (zlib.crc32(f":{channel}".encode(), crc) & 0xFFFFFF) / 0x1000000

        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        episodes = [(kind, start, end) for kind, start, end in self.episodes]
        values: list[float] = []
        for offset, crc in enumerate(noise_base):
            minute = base + offset
            jitter = noise(crc, 0)
            if self.pattern == "idle":
                value = 2 + 4 * jitter
            else:
                hour, minute_of_hour = (minute // 60) % 24, minute % 60
                tokyo_day = (minute + 540) // 1440
                tokyo_hour = (hour + 9) % 24 + minute_of_hour / 60
                weekday = (tokyo_day + 3) % 7 < 5  # 1970-01-01 was a Thursday (weekday 3)
                busy = max(0.0, math.sin((tokyo_hour - 7) / 14 * math.pi)) if 7 <= tokyo_hour <= 21 else 0.0
                value = 8 + (42 if weekday else 15) * busy + 10 * jitter
                if self.pattern == "batch":
                    length = 6 + int(6 * _noise(self.seed, tokyo_day, 7))
                    if (hour + 9) % 24 == 2 and minute_of_hour < length:
                        value = max(value, 90 + 8 * noise(crc, 1))
            if episodes:
                when = epoch + dt.timedelta(minutes=minute)
                for kind, start, end in episodes:
                    if start <= when and (end is None or when < end):
                        if kind == "spike":
                            value = max(value, 90 + 8 * noise(crc, 1))
                        elif kind == "runaway":
                            value = max(value, 97 + 3 * noise(crc, 2))
            values.append(round(min(value, 100.0), 2))
        return values


@dataclass
class GroupLoad:
    """An Auto Scaling group's load, spread evenly over its running instances (notebook 09).

    ``workload`` is what one instance would run if the group had ``baseline`` instances; the group's
    demand is that CPU times ``baseline`` (in percent of one instance), plus any ``surge`` in force,
    and each of ``count`` instances carries an equal share (at most 100 %). So adding instances lowers
    every instance's CPU, as an even load balancer would. How real load spreads is the application's
    own; this even split is labkit's model.
    """

    workload: Workload = field(default_factory=lambda: Workload(pattern="idle"))
    baseline: int = 1
    count: int = 0
    surges: list[tuple[dt.datetime, dt.datetime, float]] = field(default_factory=list)

    def demand(self, when: dt.datetime) -> float:
        """The group's total CPU demand (percent of one instance) in the minute starting at ``when``."""
        total = self.workload.cpu(when) * self.baseline
        for start, end, extra in self.surges:
            if start <= when < end:
                total += extra
        return total

    def surge(self, start: dt.datetime, minutes: int, extra: float) -> None:
        """Add ``extra`` percent-of-one-instance of demand for ``minutes`` from ``start``."""
        if extra < 0 or minutes <= 0:
            raise InvalidParameter("a surge needs positive minutes and a non-negative extra demand")
        self.surges.append((start, start + dt.timedelta(minutes=minutes), float(extra)))

    def share(self, when: dt.datetime, seed: int) -> float:
        """One instance's CPU: its share of the demand, with a little per-instance jitter."""
        per_instance = self.demand(when) / max(1, self.count)
        jitter = 2 * _noise(seed, int(when.timestamp() // 60), 9) - 1
        return round(max(0.0, min(100.0, per_instance + jitter)), 2)


@dataclass
class SharedWorkload(Workload):
    """A group member's workload: its share of its :class:`GroupLoad` (see there)."""

    group: GroupLoad = field(default_factory=GroupLoad)

    def cpu(self, when: dt.datetime) -> float:
        return self.group.share(when, self.seed)

    def cpu_minutes(self, base: int, noise_base: list[int]) -> list[float]:
        """:meth:`cpu` minute by minute (a share of the group's load has no columns of its own)."""
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        return [self.cpu(epoch + dt.timedelta(minutes=base + offset)) for offset in range(len(noise_base))]


@dataclass
class LabInstance:
    """The lab's instance: its id, type, monitoring level and workload."""

    instance_id: str
    instance_type: str
    detailed: bool
    workload: Workload
    launched_at: dt.datetime
    impaired: dict[str, bool] = field(default_factory=dict)
    credit_balance: float = 0.0
    impaired_since: dict[str, dt.datetime] = field(default_factory=dict)
    #: On ``aws``, the real instance's CPU is driven through Systems Manager (None offline).
    remote: RemoteCpu | None = None

    @property
    def dimensions(self) -> list[dict[str, str]]:
        return [{"Name": "InstanceId", "Value": self.instance_id}]

    @property
    def burstable(self) -> bool:
        return self.instance_type.split(".")[0] in BURSTABLE_FAMILIES

    @property
    def period_minutes(self) -> int:
        """How often AWS publishes this instance's metrics: 1 (detailed) or 5 (basic) minutes."""
        return 1 if self.detailed else 5

    def spike(self, start: dt.datetime, minutes: int) -> None:
        """Drive CPU near 95 % for ``minutes`` from ``start`` (a busy batch job).

        On ``aws`` the real instance burns every vCPU for ``minutes`` from now (``start`` is
        lab time, which on AWS is now), through Systems Manager Run Command.
        """
        self.workload.episodes.append(("spike", start, start + dt.timedelta(minutes=minutes)))
        if self.remote is not None:
            self.remote.burn(seconds=minutes * 60)

    def runaway(self, start: dt.datetime) -> None:
        """A runaway process pins the CPU from ``start`` until :meth:`calm`."""
        self.workload.episodes.append(("runaway", start, None))
        if self.remote is not None:
            self.remote.burn(seconds=None)

    def calm(self, when: dt.datetime) -> None:
        """End every open episode at ``when`` (the runaway process is killed)."""
        self.workload.episodes = [(k, s, e if e is not None else when) for k, s, e in self.workload.episodes]
        if self.remote is not None:
            self.remote.stop()

    def impair(self, kind: str, at: dt.datetime) -> None:
        """Make the ``kind`` status check fail from ``at`` on: ``system`` (the AWS host: power,
        network, hardware), ``instance`` (the guest: kernel, memory, network configuration) or
        ``ebs`` (an attached volume) — notebook 07-liveness-url-dashboards."""
        if kind not in IMPAIRMENT_METRIC:
            raise InvalidParameter(f"impairment kind must be one of {sorted(IMPAIRMENT_METRIC)}, not {kind!r}")
        self.impaired[kind] = True
        self.impaired_since.setdefault(kind, at)

    def repair(self, kind: str | None = None) -> None:
        """End the ``kind`` impairment (every impairment when None)."""
        for name in [kind] if kind else list(IMPAIRMENT_METRIC):
            self.impaired[name] = False
            self.impaired_since.pop(name, None)

    def failing(self, kind: str, when: dt.datetime) -> bool:
        """Whether the ``kind`` status check fails in the minute starting at ``when``."""
        return bool(self.impaired.get(kind)) and self.impaired_since.get(kind, self.launched_at) <= when

    def passes_every_check(self) -> bool:
        """Whether no status check is impaired: then :meth:`failing` is False at any time, and every metric of
        :meth:`status_sample` 0."""
        return not any(self.impaired.values())

    def status_sample(self, when: dt.datetime) -> dict[str, float]:
        """The status-check metrics for the minute starting at ``when`` (1 = the check failed)."""
        values = {metric: float(self.failing(kind, when)) for kind, metric in IMPAIRMENT_METRIC.items()}
        values["StatusCheckFailed"] = float(any(values.values()))
        return values

    def sample(self, when: dt.datetime) -> dict[str, float]:
        """Every default metric's value for the minute starting at ``when``."""
        cpu = self.workload.cpu(when)
        minute = int(when.timestamp() // 60)
        seed = self.workload.seed
        traffic = 1 + cpu / 10
        values = {
            "CPUUtilization": cpu,
            "NetworkIn": round(traffic * (180_000 + 60_000 * _noise(seed, minute, 3))),
            "NetworkOut": round(traffic * (420_000 + 90_000 * _noise(seed, minute, 4))),
            "NetworkPacketsIn": round(traffic * (600 + 200 * _noise(seed, minute, 5))),
            "NetworkPacketsOut": round(traffic * (900 + 300 * _noise(seed, minute, 6))),
            # Instance-store disk metrics: EBS-only instances such as t3 report 0 (AWS documents
            # these for instance store volumes only).
            "DiskReadBytes": 0.0,
            "DiskWriteBytes": 0.0,
            "DiskReadOps": 0.0,
            "DiskWriteOps": 0.0,
            **self.status_sample(when),
            "MetadataNoToken": 0.0,
        }
        if self.burstable:
            earned_per_hour, vcpus = CREDITS.get(self.instance_type, (12, 2))
            # One credit is one vCPU at 100 % for one minute.
            used = vcpus * cpu / 100
            self.credit_balance = max(0.0, min(self.credit_balance + earned_per_hour / 60 - used, earned_per_hour * 24))
            values.update(
                CPUCreditUsage=round(used, 4),
                CPUCreditBalance=round(self.credit_balance, 4),
                CPUSurplusCreditBalance=0.0,
                CPUSurplusCreditsCharged=0.0,
            )
        return values

    def sample_minutes(
        self, first: dt.datetime, count: int, balances: list[float] | None = None
    ) -> dict[str, list[float]]:
        """:meth:`sample` for the ``count`` minutes from ``first``, called in time order, as one list per metric:
        the same values to the last bit (the same float operations in the same order; the CPU credit balance
        carries over), computed from integer lab minutes instead of a datetime and a dictionary per minute (a
        7-day history is 10,080 minutes: notebooks 01 and 02). A burstable instance's :attr:`credit_balance`
        after each minute is appended to ``balances`` when given (what :meth:`sample` leaves it at)."""
        if first.utcoffset() != dt.timedelta(0) or first.second or first.microsecond:
            rows = []
            for m in range(count):
                rows.append(self.sample(first + dt.timedelta(minutes=m)))
                if balances is not None and self.burstable:
                    balances.append(self.credit_balance)
            return {name: [float(row[name]) for row in rows] for name in self.metric_names()}
        base = int(first.timestamp() // 60)
        minutes = range(base, base + count)
        seed = self.workload.seed
        noise_base = [zlib.crc32(f"{seed}:{minute}".encode()) for minute in minutes]
        cpu = self.workload.cpu_minutes(base, noise_base)

        def noise(channel: int) -> list[float]:
            # _noise(seed, minute, channel): the CRC-32 of "seed:minute" continued over ":channel".
            tail = f":{channel}".encode()
            return [(zlib.crc32(tail, crc) & 0xFFFFFF) / 0x1000000 for crc in noise_base]

        traffic = [1 + value / 10 for value in cpu]
        zeros = [0.0] * count
        columns: dict[str, list[float]] = {
            "CPUUtilization": cpu,
            "NetworkIn": [float(round(t * (180_000 + 60_000 * n))) for t, n in zip(traffic, noise(3))],
            "NetworkOut": [float(round(t * (420_000 + 90_000 * n))) for t, n in zip(traffic, noise(4))],
            "NetworkPacketsIn": [float(round(t * (600 + 200 * n))) for t, n in zip(traffic, noise(5))],
            "NetworkPacketsOut": [float(round(t * (900 + 300 * n))) for t, n in zip(traffic, noise(6))],
            "DiskReadBytes": zeros,
            "DiskWriteBytes": zeros,
            "DiskReadOps": zeros,
            "DiskWriteOps": zeros,
            "MetadataNoToken": zeros,
        }
        failed: list[list[float]] = []
        for kind, metric in IMPAIRMENT_METRIC.items():
            since = self.impaired_since.get(kind, self.launched_at) if self.impaired.get(kind) else None
            # failing(): the minute starting at `when` fails once `since <= when`.
            column = zeros if since is None else [float(since <= first + dt.timedelta(minutes=m)) for m in range(count)]
            columns[metric] = column
            failed.append(column)
        columns["StatusCheckFailed"] = [float(any(values)) for values in zip(*failed)]
        if self.burstable:
            earned_per_hour, vcpus = CREDITS.get(self.instance_type, (12, 2))
            usage, rounded = [], []
            balance = self.credit_balance
            for value in cpu:
                used = vcpus * value / 100
                balance = max(0.0, min(balance + earned_per_hour / 60 - used, earned_per_hour * 24))
                usage.append(float(round(used, 4)))
                rounded.append(float(round(balance, 4)))
                if balances is not None:
                    balances.append(balance)
            self.credit_balance = balance
            columns.update(
                CPUCreditUsage=usage,
                CPUCreditBalance=rounded,
                CPUSurplusCreditBalance=zeros,
                CPUSurplusCreditsCharged=zeros,
            )
        return columns

    def metric_names(self) -> list[str]:
        return [*METRICS, *(CREDIT_METRICS if self.burstable else {})]

    def unit(self, name: str) -> str:
        return METRICS.get(name) or CREDIT_METRICS[name]


def metric_period_start(when: dt.datetime, minutes: int) -> dt.datetime:
    """The start of the ``minutes``-long period containing ``when`` (periods align to the hour)."""
    floored = when.replace(second=0, microsecond=0)
    return floored - dt.timedelta(minutes=floored.minute % minutes)


def sample_rows(samples: list[float], when: int, unit: int) -> list[tuple[int, float, float, float, float, int]]:
    """The metric store's rows of :func:`sample_values` (:func:`labkit.emulator.metric_store.datum_rows` of it)
    at ``when`` in unit id ``unit``, without the datum: the same values, counts and order."""
    if min(samples) == max(samples):
        value = float(samples[0])
        return [(when, float(len(samples)), value * len(samples), value, value, unit)]
    counts: dict[float, int] = {}
    for value in samples:
        counts[float(value)] = counts.get(float(value), 0) + 1
    return [(when, 1.0, v, v, v, unit) for v, count in counts.items() for _ in range(count)]


def sample_values(samples: list[float]) -> dict[str, Any]:
    """A period's one-minute samples as MetricDatum ``Values``/``Counts`` (equal values counted once).

    Published raw rather than as a StatisticSet so that percentiles stay available: CloudWatch
    computes percentiles only from raw values ("CloudWatch needs raw data points to calculate
    percentile statistics", GetMetricStatistics API reference,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html),
    and EC2 is among the services whose metrics support them ("Percentiles",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles).
    A period whose samples are all equal is sent as a StatisticSet with Minimum = Maximum, which
    keeps percentiles available by the same page's rule and stores one datapoint instead of five.
    How AWS samples inside a basic-monitoring period is not published; one sample a minute is labkit's guess.
    """
    if min(samples) == max(samples):
        value = float(samples[0])
        return {
            "StatisticValues": {
                "SampleCount": float(len(samples)),
                "Sum": value * len(samples),
                "Minimum": value,
                "Maximum": value,
            }
        }
    counts: dict[float, int] = {}
    for value in samples:
        counts[float(value)] = counts.get(float(value), 0) + 1
    return {"Values": list(counts), "Counts": [float(c) for c in counts.values()]}
