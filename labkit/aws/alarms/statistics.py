"""Per-period statistics from raw datapoints, as CloudWatch computes them for an alarm.

Taught in notebook 02-cpu-alarm.

Sources:

* Statistics definitions (SampleCount, Average, Sum, Minimum, Maximum, pNN):
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
* GetMetricStatistics: "CloudWatch aggregates all data points with time stamps that fall
  within each ... period"; percentiles need raw values, so a StatisticSet is usable for a
  percentile only when its SampleCount is 1 or its Minimum equals its Maximum; "percentile
  statistics are not available for metrics when any of the metric values are negative":
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
* PutMetricData MetricDatum (``Value``, ``StatisticValues``, ``Values``/``Counts``, ``Unit``;
  "data points that specify a unit of measure ... are aggregated separately"):
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html

Periods are aligned to multiples of the period since the Unix epoch (00:00, 00:05, ... for
300 s), the way GetMetricStatistics and the console label them. The exact percentile
algorithm CloudWatch uses is not published; labkit uses the nearest-rank definition (the
smallest sample with at least p% of the samples at or below it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labkit.exceptions import InvalidParameter

__all__ = [
    "STATISTICS",
    "aggregate",
    "period_start",
    "period_statistics",
    "period_values",
]

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)

#: The simple statistics (PutMetricAlarm ``Statistic``).
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100(?:\.0+)?)$")

#: A datapoint: a bare number or a MetricDatum-like mapping.
Datum = float | int | Mapping[str, Any]


def period_start(timestamp: dt.datetime, period: int) -> dt.datetime:
    """The start of the period holding ``timestamp``: a multiple of ``period`` s since the epoch.

    Naive datetimes are taken as UTC.
    """
    if period <= 0:
        raise InvalidParameter("period must be positive")
    ts = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
    seconds = math.floor((ts - EPOCH).total_seconds())
    return EPOCH + dt.timedelta(seconds=period_start_seconds(seconds, period))


def period_start_seconds(seconds: int, period: int) -> int:
    """:func:`period_start` in whole seconds since the epoch (``seconds`` floored already)."""
    return seconds - seconds % period


@dataclass
class _Bucket:
    """Everything one period's statistics need, merged from several datums."""

    count: float = 0.0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    # (value, weight) pairs for percentiles; None once a StatisticSet makes them unknowable.
    samples: list[tuple[float, float]] | None = field(default_factory=list)
    negative: bool = False

    def add(self, datum: Datum) -> None:
        if isinstance(datum, (int, float)):
            self._add_values([float(datum)], [1.0])
            return
        if "StatisticValues" in datum:
            sv = datum["StatisticValues"]
            self.add_set(float(sv["SampleCount"]), float(sv["Sum"]), float(sv["Minimum"]), float(sv["Maximum"]))
            return
        if "Values" in datum:
            values = [float(v) for v in datum["Values"]]
            counts = [float(c) for c in datum.get("Counts") or [1.0] * len(values)]
            if len(counts) != len(values):
                raise InvalidParameter("Values and Counts must have the same length")
            self._add_values(values, counts)
            return
        self._add_values([float(datum["Value"])], [1.0])

    def add_set(self, n: float, s: float, lo: float, hi: float) -> None:
        """Merge a statistic set (a single value is the set n=1, s=lo=hi=value)."""
        self.count += n
        self.total += s
        self.minimum = min(self.minimum, lo)
        self.maximum = max(self.maximum, hi)
        self.negative = self.negative or lo < 0
        if self.samples is not None:
            # Only a set that is really one value repeated keeps percentiles available.
            if n == 1 or lo == hi:
                self.samples.append((lo, n))
            else:
                self.samples = None

    def _add_values(self, values: Sequence[float], counts: Sequence[float]) -> None:
        for v, c in zip(values, counts):
            self.count += c
            self.total += v * c
            self.minimum = min(self.minimum, v)
            self.maximum = max(self.maximum, v)
            self.negative = self.negative or v < 0
            if self.samples is not None:
                self.samples.append((v, c))

    def statistic(self, name: str) -> float | None:
        if self.count <= 0:
            return None
        if name == "SampleCount":
            return self.count
        if name == "Sum":
            return self.total
        if name == "Average":
            return self.total / self.count
        if name == "Minimum":
            return self.minimum
        if name == "Maximum":
            return self.maximum
        match = _PERCENTILE.match(name)
        if not match:
            raise InvalidParameter(f"unsupported statistic {name!r}")
        if self.samples is None or self.negative:
            return None
        return _nearest_rank(self.samples, float(match.group(1)))


class PeriodBuckets:
    """Datapoints grouped by (period start, unit), then shaped like GetMetricStatistics' answer.

    The one bucketing both :func:`period_statistics` and the emulator's metric store
    (:func:`labkit.emulator.metric_store.period_statistics`) use, so they cannot drift apart.
    """

    def __init__(self, period: int, origin: int = 0) -> None:
        if period <= 0:
            raise InvalidParameter("period must be positive")
        self.period = period
        #: Periods start at ``origin`` plus a multiple of the period (seconds since the epoch): 0 for
        #: GetMetricStatistics; an alarm's sliding window starts its periods at its evaluation time.
        self.origin = origin
        self._buckets: dict[tuple[int, str], _Bucket] = {}

    def bucket(self, seconds: int, unit: str) -> _Bucket:
        """The bucket of the period holding second ``seconds`` (floored, since the epoch) in ``unit``."""
        key = (self.origin + period_start_seconds(seconds - self.origin, self.period), unit)
        found = self._buckets.get(key)
        if found is None:
            found = self._buckets[key] = _Bucket()
        return found

    def datapoints(self, statistics: Sequence[str], extended_statistics: Sequence[str] = ()) -> list[dict[str, Any]]:
        """One datapoint per (period, unit) in time order, as GetMetricStatistics returns them."""
        out: list[dict[str, Any]] = []
        for (start, unit), bucket in sorted(self._buckets.items()):
            row: dict[str, Any] = {"Timestamp": EPOCH + dt.timedelta(seconds=start)}
            for name in statistics:
                row[name] = bucket.statistic(name)
            if extended_statistics:
                row["ExtendedStatistics"] = {p: bucket.statistic(p) for p in extended_statistics}
            row["Unit"] = unit
            out.append(row)
        return out


def _nearest_rank(samples: list[tuple[float, float]], p: float) -> float:
    ordered = sorted(samples)
    total = sum(w for _, w in ordered)
    rank = max(p / 100.0 * total, min(w for _, w in ordered if w > 0))
    seen = 0.0
    for value, weight in ordered:
        seen += weight
        if seen >= rank - 1e-9 * total:
            return value
    return ordered[-1][0]


def _parse(item: Datum | tuple[dt.datetime, Datum]) -> tuple[dt.datetime, Datum, str]:
    if isinstance(item, tuple):
        ts, datum = item
    else:
        if not isinstance(item, Mapping) or "Timestamp" not in item:
            raise InvalidParameter("a datapoint needs a Timestamp (or pass (timestamp, value) pairs)")
        ts, datum = item["Timestamp"], item
    unit = datum.get("Unit", "None") if isinstance(datum, Mapping) else "None"
    return ts, datum, unit or "None"


def aggregate(datums: Iterable[Datum], statistic: str) -> float | None:
    """One statistic over datums in one period; ``None`` when there is no data (or no percentile).

    ``statistic`` is a simple statistic or a percentile ``pNN`` / ``pNN.NN``.
    """
    bucket = _Bucket()
    for datum in datums:
        bucket.add(datum)
    return bucket.statistic(statistic)


def period_statistics(
    datapoints: Iterable[Datum | tuple[dt.datetime, Datum]],
    *,
    period: int,
    statistics: Sequence[str] = STATISTICS,
    extended_statistics: Sequence[str] = (),
    unit: str | None = None,
) -> list[dict[str, Any]]:
    """Datapoints shaped like GetMetricStatistics' answer, one per (period, unit), in time order.

    ``datapoints`` are MetricDatum-like mappings with ``Timestamp`` and one of ``Value``,
    ``StatisticValues`` or ``Values``/``Counts`` (and optionally ``Unit``), or
    ``(timestamp, value-or-datum)`` pairs. With ``unit`` only that unit is aggregated.
    """
    buckets = PeriodBuckets(period)
    for item in datapoints:
        ts, datum, datum_unit = _parse(item)
        if unit is not None and datum_unit != unit:
            continue
        ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
        buckets.bucket(math.floor((ts - EPOCH).total_seconds()), datum_unit).add(datum)
    return buckets.datapoints(statistics, extended_statistics)


def period_values(
    datapoints: Iterable[Datum | tuple[dt.datetime, Datum]],
    *,
    period: int,
    statistic: str,
    start: dt.datetime,
    periods: int,
    unit: str | None = None,
) -> list[float | None]:
    """One statistic per period for ``periods`` periods from ``start``, ``None`` where empty.

    This is the ``values`` argument of :func:`labkit.aws.alarms.evaluate_periods`: pass the start
    of the oldest period of the evaluation range.
    """
    first = period_start(start, period)
    wanted = [first + dt.timedelta(seconds=period * i) for i in range(periods)]
    buckets: dict[dt.datetime, _Bucket] = {}
    for item in datapoints:
        ts, datum, datum_unit = _parse(item)
        if unit is not None and datum_unit != unit:
            continue
        buckets.setdefault(period_start(ts, period), _Bucket()).add(datum)
    return [buckets[w].statistic(statistic) if w in buckets else None for w in wanted]
