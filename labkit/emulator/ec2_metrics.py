"""Publishes the lab instance's default AWS/EC2 metrics as lab time passes (moto publishes none).

Basic monitoring: one datapoint per 5-minute period, published when the period is over, holding
its five one-minute samples as raw values (so percentiles work); detailed monitoring: one per minute
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html).
The status-check metrics are published every minute at either level ("Status check metrics are
available at a 1-minute frequency at no charge",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics).
Taught in notebook 01-metric-exploration; status checks in 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.ec2_workload import (
    IMPAIRMENT_METRIC,
    NAMESPACE,
    STATUS_METRICS,
    STATUS_SAMPLE_ORDER,
    LabInstance,
    Workload,
    metric_period_start,
    sample_rows,
    sample_values,
)
from labkit.emulator.metric_store import Series, SeriesKey, dimension_key, from_micros, micros

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

Rows = list[tuple[int, float, float, float, float, int]]
#: Periods sampled ahead at first, and at most (a day of basic monitoring): the span doubles while the instance is unchanged.
AHEAD_FIRST, AHEAD_MOST = 12, 288


@dataclass
class Ahead:
    """An instance's periods sampled ahead in one :meth:`LabInstance.sample_minutes` call, as the store's rows
    (:meth:`Ec2Metrics._sample_ahead`): valid while the instance is as it was (``state``) and its credit balance
    is the one period ``index`` starts from."""

    state: tuple[Any, ...]
    first: int
    periods: int
    #: Each metric's rows of every period, and where period k's rows start (``offsets[k]``) and end (``offsets[k + 1]``).
    rows: dict[str, Rows]
    offsets: dict[str, list[int]]
    #: A burstable instance's credit balance before each period and after the last (empty otherwise).
    balances: list[float]


class Ec2Metrics:
    """The plugin's state: the watched instances and their samples for the current period."""

    requires = (CloudWatchMetrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.emulator = emulator
        self.lab = emulator.lab
        self.instances: list[LabInstance] = []
        #: Each watched instance's metrics' store keys, by instance id (:meth:`_keys`).
        self._series_keys: dict[str, dict[str, SeriesKey]] = {}
        #: Each watched instance's series, by instance id, once written (the store never drops a series).
        self._series: dict[str, dict[str, Series]] = {}
        #: Each watched instance's periods sampled ahead, by instance id (:meth:`_sample_ahead`).
        self._ahead: dict[str, Ahead] = {}

    def watch(self, instance: LabInstance, backfill_from: dt.datetime | None = None) -> None:
        """Start publishing ``instance``'s metrics; backfill its history from ``backfill_from``."""
        self.instances.append(instance)
        now = self.lab.clock.now()
        if backfill_from is None or backfill_from >= now:
            return
        self._backfill_columns(instance, backfill_from, now)

    def forget(self, instance_id: str) -> None:
        """Stop publishing ``instance_id``'s metrics (an Auto Scaling group terminated it, notebook 09)."""
        self.instances = [instance for instance in self.instances if instance.instance_id != instance_id]
        self._series_keys.pop(instance_id, None)
        self._series.pop(instance_id, None)
        self._ahead.pop(instance_id, None)

    def _backfill_columns(self, instance: LabInstance, backfill_from: dt.datetime, now: dt.datetime) -> None:
        """The same datapoints as :meth:`_period_data` and :meth:`_status_data` over the history, stored
        as columns through :meth:`CloudWatchMetrics.publish_columns`; on a moto server also sent, as those
        methods' datums in their order (:meth:`CloudWatchMetrics.send`), made from the same samples."""
        width = instance.period_minutes
        first = metric_period_start(backfill_from, width)
        periods = max(0, (now - first) // dt.timedelta(minutes=width))
        # sample() minute by minute in time order (the CPU credit balance carries over), as columns.
        samples = instance.sample_minutes(first, periods * width)
        names = [name for name in instance.metric_names() if instance.detailed or name not in STATUS_METRICS]
        starts = micros(first) + np.arange(periods, dtype=np.int64) * width * 60_000_000
        for name in names:
            values = np.array(samples[name], dtype=np.float64).reshape(periods, width)
            when, count, total, low, high = _period_rows(starts, values)
            self.metrics.publish_columns(
                NAMESPACE, name, instance.dimensions, when, count, total, low, high, instance.unit(name)
            )
        if not instance.detailed:
            start = metric_period_start(backfill_from, 1)
            minutes = max(0, (now - start) // dt.timedelta(minutes=1))
            when = micros(start) + np.arange(minutes, dtype=np.int64) * 60_000_000
            ones = np.ones(minutes)
            # LabInstance.status_sample, minute by minute: a check fails from its impairment's start on.
            failed = {
                metric: (when >= micros(instance.impaired_since.get(kind, instance.launched_at))).astype(np.float64)
                if instance.impaired.get(kind)
                else np.zeros(minutes)
                for kind, metric in IMPAIRMENT_METRIC.items()
            }
            failed["StatusCheckFailed"] = np.maximum.reduce(list(failed.values()))
            for name in STATUS_METRICS:
                values = failed[name]
                self.metrics.publish_columns(
                    NAMESPACE, name, instance.dimensions, when, ones, values, values, values, "Count"
                )
        if not self.metrics.remote:
            return
        data: list[dict[str, Any]] = []
        for period in range(periods):
            lo, hi = period * width, (period + 1) * width
            period_samples = {name: samples[name][lo:hi] for name in names}
            data.extend(self._period_data(instance, first + dt.timedelta(minutes=lo), period_samples))
        if not instance.detailed:
            columns = {name: failed[name].tolist() for name in STATUS_SAMPLE_ORDER}
            for minute in range(minutes):
                sample = {name: column[minute] for name, column in columns.items()}
                data.extend(self._status_data(instance, start + dt.timedelta(minutes=minute), sample))
        self.metrics.send(NAMESPACE, data)

    def _status_data(
        self, instance: LabInstance, minute: dt.datetime, sample: dict[str, float] | None = None
    ) -> list[dict[str, Any]]:
        """A basic-monitoring instance's status checks for one minute (detailed ones get them with the rest);
        ``sample``: the minute's :meth:`LabInstance.status_sample`, when already made."""
        return [
            {
                "MetricName": name,
                "Dimensions": instance.dimensions,
                "Value": value,
                "Unit": "Count",
                "Timestamp": minute.replace(tzinfo=None) if self.lab.backend.in_process else minute,
            }
            for name, value in (instance.status_sample(minute) if sample is None else sample).items()
        ]

    def _period_data(
        self, instance: LabInstance, period_start: dt.datetime, samples: dict[str, list[float]] | None = None
    ) -> list[dict[str, Any]]:
        """One period's datapoint of each metric; ``samples``: each metric's samples of the period, when already
        made (:meth:`LabInstance.sample_minutes`), else :meth:`LabInstance.sample` of each minute."""
        if samples is None:
            minutes = [period_start + dt.timedelta(minutes=m) for m in range(instance.period_minutes)]
            per_minute = [instance.sample(minute) for minute in minutes]
            samples = {name: [sample[name] for sample in per_minute] for name in instance.metric_names()}
        return [
            {
                "MetricName": name,
                "Dimensions": instance.dimensions,
                "Timestamp": period_start.replace(tzinfo=None) if self.lab.backend.in_process else period_start,
                **sample_values(samples[name]),
                "Unit": instance.unit(name),
            }
            for name in instance.metric_names()
            if instance.detailed or name not in STATUS_METRICS
        ]

    def _put(self, data: list[dict[str, Any]]) -> None:
        self.metrics.publish(NAMESPACE, data)

    def tick(self, now: dt.datetime) -> None:
        """At the end of each instance's period, publish that period's datapoint."""
        if self.metrics.remote:
            self._publish_minute(now)
        else:
            self._store_minute(now)

    def _publish_minute(self, now: dt.datetime) -> None:
        """The minute's datapoints as PutMetricData ``MetricData`` (a moto server is sent them)."""
        data: list[dict[str, Any]] = []
        for instance in self.instances:
            if not instance.detailed:
                data.extend(self._status_data(instance, now - dt.timedelta(minutes=1)))
            if now.minute % instance.period_minutes == 0:
                data.extend(self._period_data(instance, now - dt.timedelta(minutes=instance.period_minutes)))
        if data:
            self._put(data)

    def _store_minute(self, now: dt.datetime) -> None:
        """:meth:`tick` in-process: the same rows, series (created in the same order) and version bumps,
        written straight into the store (a dict per datum each minute was most of it)."""
        count = self.metrics.store.unit_id("Count")
        for instance in self.instances:
            if not instance.detailed:
                minute = now - dt.timedelta(minutes=1)
                when = micros(minute)
                passing = self._passing_series(instance)
                if passing is not None:  # every check passes: 0 in each, as status_sample gives
                    row = (when, 1.0, 0.0, 0.0, 0.0, count)
                    for series in passing:
                        series.last_put = now
                        series.add_row(row)
                else:
                    for name, value in instance.status_sample(minute).items():
                        self._write(instance, name, [(when, 1.0, value, value, value, count)], now)
            if now.minute % instance.period_minutes == 0:
                self._store_period(instance, now - dt.timedelta(minutes=instance.period_minutes), now)

    def _passing_series(self, instance: LabInstance) -> list[Series] | None:
        """``instance``'s status-check series in :meth:`LabInstance.status_sample`'s order when no check is
        impaired and each series exists (its first write went through :meth:`_write`), else None."""
        if not instance.passes_every_check():
            return None
        written = self._series.get(instance.instance_id)
        if written is None:
            return None
        found: list[Series] = []
        for name in STATUS_SAMPLE_ORDER:
            series = written.get(name)
            if series is None:
                return None
            found.append(series)
        return found

    def _keys(self, instance: LabInstance) -> dict[str, SeriesKey]:
        """The store's key of each of ``instance``'s metrics (its dimensions never change)."""
        keys = self._series_keys.get(instance.instance_id)
        if keys is None:
            dimensions = dimension_key(instance.dimensions)
            keys = self._series_keys[instance.instance_id] = {
                name: (NAMESPACE, name, dimensions) for name in instance.metric_names()
            }
        return keys

    def _write(self, instance: LabInstance, name: str, rows: Rows, now: dt.datetime) -> None:
        """:meth:`MetricStore.put_rows` of one of ``instance``'s metrics; once its series exists, straight into it."""
        written = self._series.setdefault(instance.instance_id, {})
        series = written.get(name)
        if series is None:
            store = self.metrics.store
            key = self._keys(instance)[name]
            store.put_rows(NAMESPACE, name, instance.dimensions, rows, now, key)
            written[name] = store.series[key]
            return
        series.last_put = now  # what MetricStore._series notes
        series.extend_rows(rows)

    def _store_period(self, instance: LabInstance, period_start: dt.datetime, now: dt.datetime) -> None:
        """:meth:`_period_data` stored as :meth:`MetricStore.put` would store it, a metric at a time, from
        the period's samples as columns (:meth:`LabInstance.sample_minutes`, bit for bit :meth:`LabInstance.sample`):
        sampled ahead when the instance's workload is its own (:meth:`_sample_ahead`), else period by period."""
        start = micros(period_start)
        ahead = self._sample_ahead(instance, start)
        if ahead is not None:
            index = (start - ahead.first) // (instance.period_minutes * 60_000_000)
            # The metrics sampled, in metric_names() order (_sample); rows and offsets were filled in one loop.
            for (name, sampled), offsets in zip(ahead.rows.items(), ahead.offsets.values()):
                self._write(instance, name, sampled[offsets[index] : offsets[index + 1]], now)
            if ahead.balances:
                instance.credit_balance = ahead.balances[index + 1]
            return
        store = self.metrics.store
        samples = instance.sample_minutes(period_start, instance.period_minutes)
        # Metrics that are 0 every minute share one list of samples (sample_minutes): their rows are made once per unit.
        made: dict[tuple[int, int], Rows] = {}
        for name in instance.metric_names():
            if instance.detailed or name not in STATUS_METRICS:
                values, unit = samples[name], store.unit_id(instance.unit(name))
                rows = made.get((id(values), unit))
                if rows is None:
                    rows = made[(id(values), unit)] = sample_rows(values, start, unit)
                self._write(instance, name, rows, now)

    def _sample_ahead(self, instance: LabInstance, start: int) -> Ahead | None:
        """``instance``'s periods from the one starting at ``start`` (epoch microseconds) on, sampled in one call
        and made into rows as columns (:func:`_period_rows`, as the backfill makes them): the same values as
        sampling each period when it ends, as long as nothing the samples depend on changes in between. That
        is checked at each period (``state``: the workload, type, monitoring and impairments; the credit balance
        the period starts from), and a change samples again from there. A group member's CPU is its share of the
        group's load, which Auto Scaling changes between periods: sampled period by period (None)."""
        workload = instance.workload
        if type(workload) is not Workload:
            return None
        state = (
            workload.pattern,
            workload.seed,
            list(workload.episodes),
            instance.instance_type,
            instance.detailed,
            instance.launched_at,
            dict(instance.impaired),
            dict(instance.impaired_since),
        )
        width = instance.period_minutes * 60_000_000
        ahead = self._ahead.get(instance.instance_id)
        if ahead is not None and ahead.state == state:
            index, rest = divmod(start - ahead.first, width)
            balanced = not ahead.balances or (
                0 <= index < ahead.periods and ahead.balances[index] == instance.credit_balance
            )
            if not rest and 0 <= index < ahead.periods and balanced:
                return ahead
        # Unchanged, the span doubles (a long advance samples a day at once); a change starts short again.
        periods = AHEAD_FIRST if ahead is None or ahead.state != state else min(AHEAD_MOST, 2 * ahead.periods)
        ahead = self._ahead[instance.instance_id] = self._sample(instance, state, start, periods)
        return ahead

    def _sample(self, instance: LabInstance, state: tuple[Any, ...], start: int, periods: int) -> Ahead:
        """:meth:`_sample_ahead`'s sampling: ``periods`` periods from ``start`` (the credit balance it leaves is
        overwritten by :meth:`_store_period`, with the one after the period it stores)."""
        store = self.metrics.store
        width = instance.period_minutes
        before = instance.credit_balance
        balances: list[float] = []
        samples = instance.sample_minutes(from_micros(start), periods * width, balances)
        starts = start + np.arange(periods, dtype=np.int64) * width * 60_000_000
        rows: dict[str, Rows] = {}
        offsets: dict[str, list[int]] = {}
        made: dict[tuple[int, int], tuple[Rows, list[int]]] = {}
        for name in instance.metric_names():
            if not instance.detailed and name in STATUS_METRICS:
                continue
            values, unit = samples[name], store.unit_id(instance.unit(name))
            found = made.get((id(values), unit))
            if found is None:
                columns = np.array(values, dtype=np.float64).reshape(periods, width)
                when, count, total, low, high = _period_rows(starts, columns)
                per_period = (columns.min(axis=1) == columns.max(axis=1)).choose(width, 1)
                found = made[(id(values), unit)] = (
                    list(
                        zip(
                            when.tolist(),
                            count.tolist(),
                            total.tolist(),
                            low.tolist(),
                            high.tolist(),
                            [unit] * len(when),
                        )
                    ),
                    [0, *np.cumsum(per_period).tolist()],
                )
            rows[name], offsets[name] = found
        return Ahead(state, start, periods, rows, offsets, [before, *balances[width - 1 :: width]] if balances else [])


def _period_rows(starts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Stored rows of :func:`labkit.emulator.ec2_workload.sample_values` for each period (one row of ``values`` each).

    A period whose samples are equal is one statistic set; otherwise each distinct value is stored
    once per occurrence, grouped in order of first occurrence (as PutMetricData stores
    ``Values``/``Counts``), so that sums add up in exactly the same order.
    """
    periods, width = values.shape
    constant = values.min(axis=1) == values.max(axis=1)
    # For each sample, the position of the first equal sample in its period; a stable sort on it groups values.
    first_equal = np.argmax(values[:, :, None] == values[:, None, :], axis=2)
    grouped = np.take_along_axis(values, np.argsort(first_equal, axis=1, kind="stable"), axis=1)
    keep = np.ones((periods, width), dtype=bool)
    keep[constant, 1:] = False
    count = np.ones((periods, width))
    count[constant, 0] = float(width)
    total = grouped.copy()
    total[constant, 0] = values[constant, 0] * width
    when = np.broadcast_to(starts[:, None], (periods, width))
    return when[keep], count[keep], total[keep], grouped[keep], grouped[keep]


def install(emulator: Emulator) -> Ec2Metrics:
    """Register the EC2 metric publisher on ``emulator``."""
    plugin = Ec2Metrics(emulator)
    emulator.every_minute(plugin.tick)
    return plugin
