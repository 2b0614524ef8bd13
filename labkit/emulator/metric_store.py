"""The emulator's metric storage: one time-sorted columnar series per metric.

A CloudWatch metric is identified by namespace, name and dimensions ("Metrics concepts",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric);
each of its datapoints is a timestamp, a unit and either one value or a statistic set
("MetricDatum", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html).
:class:`MetricStore` keeps every metric as numpy columns sorted by time (a single value is the
statistic set SampleCount 1, Sum = Minimum = Maximum = value), so that the statistics of a window
cost a binary search plus the datapoints inside it, however long the lab has run, and a
datapoint costs about 50 bytes instead of the ~755 of a moto object.

Aggregation is exactly :func:`labkit.aws.alarms.statistics.period_statistics` (same buckets, same
order of addition: within a period, datapoints are added in the order they were stored).
The store is the only place the emulator writes metric data (``PutMetricData`` from a lab
client, the emulator's own publishers); see docs/emulator-contract.md.
Taught through notebook 01-metric-exploration (every metric read there is answered from here).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from labkit.aws.alarms.statistics import EPOCH, PeriodBuckets

UTC = dt.timezone.utc
#: Dimensions as a metric's identity: (name, value) pairs, sorted (order does not matter to CloudWatch).
DimensionKey = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, str, DimensionKey]
_US = 1_000_000
#: :meth:`Series.quiet_span` when no datapoint follows the boundaries (a hundred years).
QUIET_FOREVER = 100 * 366 * 86_400 * _US
#: Up to this many rows of one metric are written one by one; more go in as arrays.
SMALL_WRITE = 16
#: A series keeps up to this many rows written in time order as tuples before moving them into its columns.
TAIL_ROWS = 64


def micros(when: dt.datetime) -> int:
    """``when`` (aware, or naive UTC) as integer microseconds since the epoch."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    delta = aware - EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def from_micros(value: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=value)


def dimension_key(dimensions: Iterable[dict[str, str]]) -> DimensionKey:
    return tuple(sorted((d["Name"], d["Value"]) for d in dimensions))


@dataclass(slots=True)
class Row:
    """One stored datapoint: a statistic set at ``when`` (microseconds) in ``unit``."""

    when: int
    count: float
    total: float
    minimum: float
    maximum: float
    unit: str


class Series:
    """One metric's datapoints as growable numpy columns, sorted by (timestamp, arrival)."""

    __slots__ = ("namespace", "name", "dimensions", "_stored", "_cols", "_tail", "last_put", "version", "_sets")

    _DTYPES: ClassVar[dict[str, type]] = {
        "when": np.int64,
        "count": np.float64,
        "total": np.float64,
        "minimum": np.float64,
        "maximum": np.float64,
        "unit": np.int16,
    }

    def __init__(self, namespace: str, name: str, dimensions: list[dict[str, str]]) -> None:
        self.namespace = namespace
        self.name = name
        #: As the first datapoint gave them (ListMetrics shows this order).
        self.dimensions = [{"Name": d["Name"], "Value": d["Value"]} for d in dimensions]
        #: Rows in the columns.
        self._stored = 0
        #: Rows written in time order after the columns' last, not in the columns yet: a write of a row or
        #: a few each lab minute (the emulator's publishers) costs a list append, and every read or array
        #: write moves them into the columns first (:meth:`_flush`), so readers see the same columns.
        self._tail: list[tuple[int, float, float, float, float, int]] = []
        #: ``seq`` (each row's arrival number) exists only once a datapoint arrived older than one
        #: already stored; until then arrival order is time order and costs nothing to keep.
        self._cols: dict[str, np.ndarray] = {name: np.empty(16, dtype) for name, dtype in self._DTYPES.items()}
        self.last_put: dt.datetime | None = None
        #: Bumped by every write: a reader that kept an answer knows it still holds while this is unchanged
        #: (alarm evaluation skipping, :mod:`labkit.emulator.cloudwatch_alarms`).
        self.version = 0
        #: The last :meth:`period_sets` read's buckets by (first row, end row, unit).
        self._sets: dict[tuple[int, int, str | None], list[float] | None] = {}

    @property
    def size(self) -> int:
        """How many rows are stored."""
        return self._stored + len(self._tail)

    def nbytes(self) -> int:
        self._flush()
        return sum(col.nbytes for col in self._cols.values())

    def append(self, columns: dict[str, np.ndarray]) -> None:
        """Add rows (columns of equal length, in arrival order); keeps the series sorted by time."""
        added = len(columns["when"])
        if not added:
            return
        self._flush()
        self.version += 1
        before, needed = self._stored, self._stored + added
        when = columns["when"]
        in_order = (before == 0 or when[0] >= self._cols["when"][before - 1]) and bool(np.all(when[1:] >= when[:-1]))
        if not in_order and "seq" not in self._cols:
            self._cols["seq"] = np.arange(len(self._cols["when"]), dtype=np.int64)
        self._reserve(needed)
        for name in self._DTYPES:
            self._cols[name][before:needed] = columns[name]
        if "seq" in self._cols:
            self._cols["seq"][before:needed] = np.arange(before, needed)
        self._stored = needed
        if not in_order:
            order = np.argsort(self._cols["when"][:needed], kind="stable")
            for col in self._cols.values():
                col[:needed] = col[:needed][order]

    def _reserve(self, needed: int) -> None:
        """Room in the columns for ``needed`` rows. A full series grows by half its size (amortised appends, little
        slack); a write bigger than that (a backfill) gets an eighth more than it needs, as a Python list
        over-allocates: with none, the first rows after a 30-day backfill copied every column of 43,200 rows
        (issue 20: the lab minutes after a backfill cost more than a fresh lab's)."""
        capacity = len(self._cols["when"])
        if needed <= capacity:
            return
        capacity = max(needed + needed // 8, capacity + capacity // 2)
        for name, col in self._cols.items():
            grown = np.empty(capacity, col.dtype)
            grown[: self._stored] = col[: self._stored]
            self._cols[name] = grown

    def extend_rows(self, rows: Sequence[tuple[int, float, float, float, float, int]]) -> None:
        """:meth:`append` of a few rows (when, count, total, minimum, maximum, unit), without building
        arrays (the emulator's per-minute publishing): the same columns and one version bump."""
        if not rows:
            return
        tail = self._tail
        if tail:
            last: int | None = tail[-1][0]
        else:
            last = int(self._cols["when"][self._stored - 1]) if self._stored else None
        for row in rows:
            if last is not None and row[0] < last:  # out of order: append() sorts
                self.append(
                    {name: np.asarray(col, dtype) for (name, dtype), col in zip(self._DTYPES.items(), zip(*rows))}
                )
                return
            last = row[0]
        tail.extend(rows)
        self.version += 1
        if len(tail) >= TAIL_ROWS:
            self._flush()

    def add_row(self, row: tuple[int, float, float, float, float, int]) -> None:
        """:meth:`extend_rows` of one row (a status check's minute)."""
        tail = self._tail
        if tail:
            last = tail[-1][0]
        elif self._stored:
            last = int(self._cols["when"][self._stored - 1])
        else:
            last = row[0]
        if row[0] < last:
            self.extend_rows([row])
            return
        tail.append(row)
        self.version += 1
        if len(tail) >= TAIL_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Move the rows kept as tuples (:attr:`_tail`) into the columns, as element-by-element writes would."""
        tail = self._tail
        if not tail:
            return
        cols = self._cols
        before = self._stored
        needed = before + len(tail)
        self._reserve(needed)
        for name, values in zip(self._DTYPES, zip(*tail)):
            cols[name][before:needed] = values
        if "seq" in cols:
            cols["seq"][before:needed] = np.arange(before, needed)
        self._stored = needed
        self._tail = []

    def quiet_span(self, boundaries: Sequence[int]) -> int:
        """How far (microseconds) every one of ``boundaries`` (epoch microseconds, ascending) can move later
        without passing a stored datapoint: the smallest gap from a boundary to the first datapoint at
        or after it (``QUIET_FOREVER`` when no datapoint follows any of them). Periods ``[b_i, b_i+1)``
        moved by less than or equal to that span hold exactly the same datapoints."""
        return self._search(boundaries)[1]

    def window(self, start: int, end: int) -> dict[str, np.ndarray]:
        """The rows with ``start <= when < end`` in arrival order (the order statistics add them in)."""
        self._flush()
        when = self._cols["when"][: self._stored]
        return self._rows(int(np.searchsorted(when, start, "left")), int(np.searchsorted(when, end, "left")))

    def periods(self, boundaries: Sequence[int]) -> tuple[list[tuple[int, float, float, float, float, int]], int]:
        """:meth:`window` from the first of ``boundaries`` (ascending) to the last, as :func:`column_rows`' tuples,
        and their :meth:`quiet_span`, from one search: what an alarm reads of its periods and how long they hold
        the same datapoints. A few rows at each of a month's minutes: Python lists cost less than numpy's calls."""
        following, span = self._search(boundaries)
        lo, hi = following[0], following[-1]
        rows = list(column_rows(self._rows(lo, hi))) if lo < hi else []
        return rows, span

    def period_sets(
        self, boundaries: Sequence[int], units: Sequence[str], unit: str | None
    ) -> tuple[list[list[float] | None], int] | None:
        """Each period's :func:`period_sets` bucket (None: no datapoint) between ``boundaries`` (ascending epoch
        microseconds, each a whole second) and their :meth:`quiet_span`, from one search, each period's rows
        found by that search instead of by bucketing (an alarm's evaluation at each of a month's minutes). A
        second's rows are in the period that holds the second, as :func:`period_sets`' whole-second floor
        puts them. None where the series holds a datapoint that arrived out of time order (arrival order
        within a period is then not time order) or a boundary is not a whole second: :meth:`periods` and
        :func:`period_sets` answer those.

        Rows of a series in time order are never moved or changed, so a period's bucket depends only on its
        rows' positions: the buckets of the last read are kept by (first row, end row, unit) and reused (a
        sliding window's next read holds most of the same rows per period, shifted by one). The buckets are
        shared: read them, do not change them."""
        if "seq" in self._cols or any(boundary % _US for boundary in boundaries):
            return None
        following, span = self._search(boundaries)
        before, kept = self._sets, {}
        sets: list[list[float] | None] = []
        for first, last in itertools.pairwise(following):
            if first == last:
                sets.append(None)
                continue
            key = (first, last, unit)
            found = before[key] if key in before else _bucket(column_rows(self._rows(first, last)), units, unit)
            kept[key] = found
            sets.append(found)
        self._sets = kept
        return sets, span

    def _search(self, boundaries: Sequence[int]) -> tuple[list[int], int]:
        """The position of the first stored row at or after each of ``boundaries`` (ascending; the tail moved into
        the columns first), and their :meth:`quiet_span`."""
        self._flush()
        stored = self._stored
        when = self._cols["when"][:stored]
        following: list[int] = when.searchsorted(boundaries, "left").tolist()
        inside = [index for index in following if index < stored]
        if not inside:
            return following, QUIET_FOREVER
        # The boundaries with a row at or after them are the first ones (both ascend).
        return following, min(map(operator.sub, when.take(inside).tolist(), map(int, boundaries)))

    def _rows(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        """The stored rows ``lo`` to ``hi`` (time order) in arrival order."""
        rows = {name: col[lo:hi] for name, col in self._cols.items()}
        if "seq" in rows and hi - lo > 1:
            order = np.argsort(rows["seq"], kind="stable")
            rows = {name: col[order] for name, col in rows.items()}
        return rows


@dataclass
class MetricStore:
    """Every metric of one lab, indexed by (namespace, name, dimensions)."""

    series: dict[SeriesKey, Series] = field(default_factory=dict)
    #: How many series were ever created: a reader that found a metric absent knows it still is while this is unchanged.
    created: int = 0
    units: list[str] = field(default_factory=lambda: ["None"])
    _unit_ids: dict[str, int] = field(default_factory=lambda: {"None": 0})

    @property
    def size(self) -> int:
        """How many datapoints are stored."""
        return sum(s.size for s in self.series.values())

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.series.values())

    def unit_id(self, unit: str | None) -> int:
        name = unit or "None"
        if name not in self._unit_ids:
            self._unit_ids[name] = len(self.units)
            self.units.append(name)
        return self._unit_ids[name]

    def find(self, namespace: str, name: str, dimensions: Iterable[dict[str, str]]) -> Series | None:
        """The metric with exactly these dimensions ("You must specify the same dimensions that were
        used when the metrics were created", GetMetricStatistics API reference)."""
        return self.series.get((namespace, name, dimension_key(dimensions)))

    def put(self, namespace: str, data: Sequence[dict[str, Any]], now: dt.datetime) -> None:
        """Store PutMetricData ``MetricData`` (already validated); a datum without Timestamp is at ``now``.

        ``Values``/``Counts`` store each value ``int(count)`` times, ``StatisticValues`` one set,
        ``Value`` (default 0) one value: as moto 5.2 stored them before this store existed.
        """
        default_when = micros(now)
        grouped: dict[Series, list[tuple[int, float, float, float, float, int]]] = {}
        for datum in data:
            series = self._series(namespace, datum["MetricName"], datum.get("Dimensions") or [], now)
            when = micros(_utc(datum["Timestamp"])) if datum.get("Timestamp") is not None else default_when
            grouped.setdefault(series, []).extend(datum_rows(datum, when, self.unit_id(datum.get("Unit"))))
        for series, rows in grouped.items():
            self._extend(series, rows)

    def put_rows(
        self,
        namespace: str,
        name: str,
        dimensions: list[dict[str, str]],
        rows: Sequence[tuple[int, float, float, float, float, int]],
        now: dt.datetime,
        key: SeriesKey | None = None,
    ) -> None:
        """:meth:`put` of one metric's rows, made already (:func:`datum_rows`), without a datum each (the
        emulator's per-minute publishing): the same series, rows and version bump. ``key``: the metric's
        :meth:`series` key, when the writer keeps it (the same metric every minute)."""
        self._extend(self._series(namespace, name, dimensions, now, key), rows)

    def _series(
        self,
        namespace: str,
        name: str,
        dimensions: list[dict[str, str]],
        now: dt.datetime,
        key: SeriesKey | None = None,
    ) -> Series:
        """The metric's series, made on its first datapoint, with ``now`` as its last put."""
        if key is None:
            key = (namespace, name, dimension_key(dimensions))
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series(namespace, name, dimensions)
            self.created += 1
        series.last_put = now
        return series

    def _extend(self, series: Series, rows: Sequence[tuple[int, float, float, float, float, int]]) -> None:
        if len(rows) <= SMALL_WRITE:
            series.extend_rows(rows)
        else:
            self._append(series, *zip(*rows))

    def put_columns(
        self,
        namespace: str,
        name: str,
        dimensions: list[dict[str, str]],
        when: np.ndarray,
        count: np.ndarray,
        total: np.ndarray,
        minimum: np.ndarray,
        maximum: np.ndarray,
        unit: str | Sequence[str] | None,
        now: dt.datetime,
    ) -> None:
        """Store many statistic sets of one metric at once (the emulator's vectorised backfill; the
        datapoints a workshop server holds, adopted at connect). ``unit`` is one unit for every row, or one per row."""
        series = self._series(namespace, name, dimensions, now)
        units = (
            np.full(len(when), self.unit_id(unit))
            if unit is None or isinstance(unit, str)
            else [self.unit_id(u) for u in unit]
        )
        self._append(series, when, count, total, minimum, maximum, units)

    def _append(self, series: Series, when: Any, count: Any, total: Any, minimum: Any, maximum: Any, unit: Any) -> None:
        series.append(
            {
                "when": np.asarray(when, np.int64),
                "count": np.asarray(count, np.float64),
                "total": np.asarray(total, np.float64),
                "minimum": np.asarray(minimum, np.float64),
                "maximum": np.asarray(maximum, np.float64),
                "unit": np.asarray(unit, np.int16),
            }
        )

    def rows(self, series: Series, start: dt.datetime, end: dt.datetime) -> Iterator[Row]:
        """``series``' datapoints with ``start <= Timestamp < end``, in the order they were stored."""
        cols = series.window(micros(start), micros(end))
        units = self.units
        for when, count, total, minimum, maximum, unit in column_rows(cols):
            yield Row(when, count, total, minimum, maximum, units[unit])


def column_rows(cols: dict[str, np.ndarray]) -> Iterator[tuple[int, float, float, float, float, int]]:
    """:meth:`Series.window`'s columns as one (when, count, total, minimum, maximum, unit id) tuple per
    datapoint, in stored order."""
    return zip(
        cols["when"].tolist(),
        cols["count"].tolist(),
        cols["total"].tolist(),
        cols["minimum"].tolist(),
        cols["maximum"].tolist(),
        cols["unit"].tolist(),
    )


def datum_rows(datum: dict[str, Any], when: int, unit: int) -> list[tuple[int, float, float, float, float, int]]:
    """The rows :meth:`MetricStore.put` stores for one ``MetricDatum`` at ``when`` (microseconds) in unit id
    ``unit``: ``Values``/``Counts`` each value ``int(count)`` times, ``StatisticValues`` one set, ``Value``
    (default 0) one value, as moto 5.2 stored them before this store existed."""
    if datum.get("Values"):
        rows = []
        counts = datum.get("Counts") or [1] * len(datum["Values"])
        for value, count in zip(datum["Values"], counts):
            v = float(value)
            rows.extend([(when, 1.0, v, v, v, unit)] * int(float(count)))
        return rows
    if datum.get("StatisticValues"):
        sv = datum["StatisticValues"]
        return [(when, float(sv["SampleCount"]), float(sv["Sum"]), float(sv["Minimum"]), float(sv["Maximum"]), unit)]
    v = float(datum.get("Value", 0))
    return [(when, 1.0, v, v, v, unit)]


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    from botocore.utils import parse_timestamp

    when = parse_timestamp(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def period_statistics(
    rows: Iterable[Row],
    *,
    period: int,
    statistics: Sequence[str],
    extended_statistics: Sequence[str] = (),
    unit: str | None = None,
    origin: int = 0,
) -> list[dict[str, Any]]:
    """:func:`labkit.aws.alarms.statistics.period_statistics` over stored rows (same buckets, same sums);
    ``origin`` shifts the periods' starts (see :class:`~labkit.aws.alarms.statistics.PeriodBuckets`)."""
    buckets = PeriodBuckets(period, origin)
    # Rows of one timestamp and unit (a period's raw samples) are next to each other: their bucket is looked up once.
    last: tuple[int, str] | None = None
    for row in rows:
        if unit is not None and row.unit != unit:
            continue
        if last is None or row.when != last[0] or row.unit != last[1]:
            last = (row.when, row.unit)
            # Floored to whole seconds, as period_start floors.
            bucket = buckets.bucket(row.when // _US, row.unit)
        bucket.add_set(row.count, row.total, row.minimum, row.maximum)
    return buckets.datapoints(statistics, extended_statistics)


#: The statistics :func:`period_sets` answers (percentiles need each period's samples: :func:`period_statistics`).
SET_STATISTICS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")


def period_sets(
    rows: Iterable[tuple[int, float, float, float, float, int]],
    units: Sequence[str],
    *,
    period: int,
    origin: int,
    unit: str | None,
) -> dict[int, list[float]]:
    """:func:`period_statistics`' buckets of ``rows`` (:func:`column_rows`' tuples, in arrival order) for the
    standard statistics, without building a row or a datapoint each (an alarm's evaluation): by period start in
    seconds, [SampleCount, Sum, Minimum, Maximum] added in the same order from the same start values. A
    period with datapoints in several units gives the unit that sorts last, as GetMetricStatistics' rows
    keyed by their Timestamp do."""
    by_start: dict[int, list[tuple[int, float, float, float, float, int]]] = {}
    for row in rows:
        shifted = row[0] // _US - origin  # floored to whole seconds, as period_start floors
        by_start.setdefault(origin + shifted - shifted % period, []).append(row)
    return {start: found for start in sorted(by_start) if (found := _bucket(by_start[start], units, unit)) is not None}


def _bucket(
    rows: Iterable[tuple[int, float, float, float, float, int]], units: Sequence[str], unit: str | None
) -> list[float] | None:
    """One period's [SampleCount, Sum, Minimum, Maximum] from its ``rows`` (arrival order), added in that order
    from 0, +inf and -inf as :class:`~labkit.aws.alarms.statistics.PeriodBuckets`' buckets are; with rows in
    several units, the unit that sorts last (GetMetricStatistics' rows keyed by their Timestamp keep it). None
    when no row is in ``unit``."""
    by_unit: dict[str, list[float]] = {}
    for _, count, total, minimum, maximum, unit_id in rows:
        name = units[unit_id]
        if unit is not None and name != unit:
            continue
        found = by_unit.get(name)
        if found is None:
            by_unit[name] = [0.0 + count, 0.0 + total, min(math.inf, minimum), max(-math.inf, maximum)]
            continue
        found[0] += count
        found[1] += total
        if minimum < found[2]:
            found[2] = minimum
        if maximum > found[3]:
            found[3] = maximum
    return by_unit[max(by_unit)] if by_unit else None


def set_statistic(found: list[float] | None, name: str) -> float | None:
    """One of :data:`SET_STATISTICS` of a :func:`period_sets` bucket (None without datapoints), as
    ``_Bucket.statistic`` gives it."""
    if found is None or found[0] <= 0:
        return None
    if name == "SampleCount":
        return found[0]
    if name == "Sum":
        return found[1]
    if name == "Average":
        return found[1] / found[0]
    return found[2] if name == "Minimum" else found[3]
