"""Metric filters that count: ingested log events become metric data (moto's never do).

"Metric filters define the terms and patterns to look for in log data as it is sent to
CloudWatch Logs. CloudWatch Logs uses these metric filters to turn log data into numerical
CloudWatch metrics" ("Creating metrics from log events using filters",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html). Each event
that a filter matches adds its ``metricValue`` at the event's own timestamp (rules in
:mod:`labkit.aws.filterpattern.metrics`). ``defaultValue`` is not per event: it is "the value reported
to the metric filter during a period when logs are ingested but no matching logs are found ... If
no logs are ingested during a one-minute period, then no value is reported" (same page, "Concepts").
So the lab reports it once per one-minute period (of the events' timestamps) in which the group
received events and none matched, never for a minute that already reported a match or a default.
Known gap: a minute whose first batch matched nothing keeps its default when a later batch (same minute
of event time) matches; AWS would report only the matches there. Sum is unaffected when the default is 0.
Filters apply to events ingested after the filter was created, not to earlier ones
("Filters do not retroactively filter data", same page).

A group's filters are read from moto once and kept, compiled, until a lab client — the learner's
or the kit's own — calls an operation that can change them (:data:`FILTER_WRITES`): a
``PutLogEvents`` then costs no ``DescribeMetricFilters`` round trip. The lab's clients are taken to
be the only writers of its metric filters.

Taught in notebook 05-ssh-failure-metric-filter.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from labkit.aws import filterpattern
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

#: CloudWatch Logs operations that can change which metric filters a log group has.
FILTER_WRITES = ("PutMetricFilter", "DeleteMetricFilter", "CreateLogGroup", "DeleteLogGroup")


class LogsMetrics:
    """Turns each ``PutLogEvents`` batch into metric data for the group's metric filters."""

    requires = (CloudWatchMetrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.lab = emulator.lab
        self.emulator = emulator
        # (log group, filter name, metric namespace, metric name, minute) that already reported a value:
        # a later batch in the same minute adds its matches but never a second defaultValue.
        self._reported_minutes: set[tuple[str, str, str, str, dt.datetime]] = set()
        #: (region, log group) -> the group's metric filters and their compiled patterns.
        self._kept: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = {}

    def watch(self, client: Any) -> None:
        """Drop the kept filters whenever ``client`` (any CloudWatch Logs client of the lab) may change them."""
        for operation in FILTER_WRITES:
            client.meta.events.register(f"after-call.cloudwatch-logs.{operation}", self._forget_kept)

    def _forget_kept(self, **_: Any) -> None:
        self._kept = {}

    def _filters(self, call: Call, group: str) -> list[tuple[dict[str, Any], Any]]:
        key = (call.region, group)
        if key not in self._kept:
            pages = call.internal("logs").get_paginator("describe_metric_filters").paginate(logGroupName=group)
            found = [f for page in pages for f in page.get("metricFilters", [])]
            self._kept[key] = [(f, filterpattern.compile(f.get("filterPattern", ""))) for f in found]
        return self._kept[key]

    def ingest(self, call: Call, reply: dict[str, Any]) -> None:
        group = call.params["logGroupName"]
        filters = self._filters(call, group)
        if not filters:
            return
        rejected = reply.get("rejectedLogEventsInfo", {})
        events = [
            event
            for index, event in enumerate(call.params["logEvents"])
            if index > rejected.get("tooOldLogEventEndIndex", -1)
            and index < rejected.get("tooNewLogEventStartIndex", len(call.params["logEvents"]))
        ]
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for metric_filter, compiled in filters:
            for transformation in metric_filter["metricTransformations"]:
                key = (
                    group,
                    metric_filter["filterName"],
                    transformation["metricNamespace"],
                    transformation["metricName"],
                )
                unmatched_minutes: set[dt.datetime] = set()
                for event in events:
                    timestamp = dt.datetime.fromtimestamp(event["timestamp"] / 1000, dt.timezone.utc)
                    minute = timestamp.replace(second=0, microsecond=0)
                    if not compiled.matches(event["message"]):
                        unmatched_minutes.add(minute)
                        continue
                    self._reported_minutes.add((*key, minute))
                    value = filterpattern.metric_value(compiled, transformation, event["message"])
                    if value is None:
                        continue
                    datum = self._datum(transformation, value, timestamp)
                    if transformation.get("dimensions"):
                        dimensions = filterpattern.metric_dimensions(compiled, transformation, event["message"])
                        if dimensions is None:
                            continue
                        datum["Dimensions"] = [{"Name": k, "Value": v} for k, v in dimensions.items()]
                    by_namespace.setdefault(transformation["metricNamespace"], []).append(datum)
                if transformation.get("defaultValue") is None:
                    continue
                for minute in sorted(unmatched_minutes):
                    if (*key, minute) in self._reported_minutes:
                        continue
                    self._reported_minutes.add((*key, minute))
                    datum = self._datum(transformation, float(transformation["defaultValue"]), minute)
                    by_namespace.setdefault(transformation["metricNamespace"], []).append(datum)
        for namespace, data in by_namespace.items():
            self.metrics.publish(namespace, data)

    @staticmethod
    def _datum(transformation: dict[str, Any], value: float, timestamp: dt.datetime) -> dict[str, Any]:
        datum: dict[str, Any] = {"MetricName": transformation["metricName"], "Value": value, "Timestamp": timestamp}
        if transformation.get("unit"):
            datum["Unit"] = transformation["unit"]
        return datum


def install(emulator: Emulator) -> LogsMetrics:
    """Register metric-filter metric production on ``emulator``."""
    plugin = LogsMetrics(emulator)
    emulator.observes("logs", "PutLogEvents")(plugin.ingest)
    return plugin
