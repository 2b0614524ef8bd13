"""Reading metrics as CloudWatch does: GetMetricStatistics and GetMetricData with percentiles.

moto (5.2) stores metric data but reads it differently from CloudWatch: it silently drops
``ExtendedStatistics`` (percentiles) from ``GetMetricStatistics``, crashes on a percentile
``Stat`` in ``GetMetricData``, starts its periods at the first datapoint instead of on period
boundaries, returns more than the 1,440 datapoints AWS allows per ``GetMetricStatistics`` call,
and matches dimensions as a subset. On the in-process moto backend this plugin answers both
calls from moto's stored datapoints with :func:`labkit.alarms.statistics.period_statistics`:

* ``GetMetricStatistics``: "you must specify either Statistics or ExtendedStatistics, but not
  both"; "The maximum number of data points returned from a single call is 1,440. If you
  request more than 1,440 data points, CloudWatch returns an error"; "You must specify the same
  dimensions that were used when the metrics were created"; percentiles need raw values
  (a statistic set only with SampleCount 1 or Minimum = Maximum) and are "not available for
  metrics when any of the metric values are negative"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html).
* ``GetMetricData`` (``MetricStat`` queries; a request with math expressions is left to moto):
  ``StartTime`` inclusive, ``EndTime`` exclusive, ``ScanBy`` defaults to
  ``TimestampDescending``, ``ReturnData`` false hides a query's result
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).

Guesses, stated: periods are aligned to multiples of the period since the epoch, as in
:mod:`labkit.alarms.statistics`; a query without ``Label`` is labelled with its metric name
(AWS generates a default label without documenting it); one page holds every datapoint
(``MaxDatapoints`` and ``NextToken`` are not emulated, the course never reaches 100,800).
The error message for more than 1,440 datapoints is *labkit wording* in AWS's style.

On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) moto's stored
datapoints are out of reach, so the lab keeps a mirror: every ``PutMetricData`` that a client of
this lab sends successfully is also stored in a moto CloudWatch store inside the kernel, and the
reads are answered from it. They see what this kernel sent, which on a participant's own account
is everything (a restarted kernel starts a new lab). Metric math is still moto's, on the server.
Taught in notebook 01-metric-exploration.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.utils import parse_timestamp

from labkit.alarms.statistics import STATISTICS, period_statistics
from labkit.exceptions import ServiceError, UnsupportedOperation

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

UTC = dt.timezone.utc
#: PutMetricData takes at most 1,000 metrics per call (API reference).
PUT_BATCH = 1000
#: GetMetricStatistics answers at most this many datapoints per call (API reference).
MAX_STATISTICS_DATAPOINTS = 1440


def _utc(value: Any) -> dt.datetime:
    """A boto3 timestamp parameter (datetime, ISO string or epoch number) as aware UTC."""
    when = value if isinstance(value, dt.datetime) else parse_timestamp(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _is_percentile(statistic: str) -> bool:
    return statistic.startswith("p") and statistic[1:].replace(".", "", 1).isdigit()


class CloudWatchMetrics:
    """Answers metric reads from moto's stored datapoints (or, on a remote server, the mirror)."""

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self.mirror: Any = None
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._sender: Any = None
        if not self.lab.backend.in_process:
            from moto.cloudwatch.models import CloudWatchBackend

            self.mirror = CloudWatchBackend(self.lab.region, self.lab.account_id)

    def _stored(self) -> list[Any]:
        if self.mirror is not None:
            return self.mirror.get_all_metrics()  # type: ignore[no-any-return]
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[self.lab.account_id][self.lab.region].get_all_metrics()

    def mirror_puts(self, client: Any) -> None:
        """Keep a copy of what ``client`` puts with ``PutMetricData`` (remote server only)."""
        if self.mirror is None:
            return

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["labkit_metric_data"] = copy.deepcopy(params)

        def store(http_response: Any, context: dict[str, Any], **_: Any) -> None:
            params = context.get("labkit_metric_data")
            if params is None or http_response.status_code >= 300:
                return
            self._remember(params["Namespace"], params["MetricData"])

        client.meta.events.register("before-parameter-build.cloudwatch.PutMetricData", remember)
        client.meta.events.register("after-call.cloudwatch.PutMetricData", store)
        # The reads moto answers on the server (metric math, ListMetrics) see the emulator's datapoints.
        for operation in ("ListMetrics", "GetMetricData", "GetMetricWidgetImage"):
            client.meta.events.register(f"before-call.cloudwatch.{operation}", lambda **_: self.settle())

    def _remember(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """Store ``data`` in the mirror; a datum without Timestamp is stamped with lab time now."""
        now = self.lab.clock.now()
        self.mirror.put_metric_data(
            namespace, [{**datum, "Timestamp": _utc(datum.get("Timestamp") or now).replace(tzinfo=None)} for datum in data]
        )

    def publish(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """The emulator's own datapoints on a remote server: mirrored now, sent in batches.

        One HTTP call per lab minute made a simulated month take minutes; the batch goes out when
        it is full, when lab time stops moving (:meth:`settle`) or before a read moto answers.
        """
        self._remember(namespace, data)
        pending = self._pending.setdefault(namespace, [])
        pending.extend(data)
        if len(pending) >= PUT_BATCH:
            self.settle()

    def settle(self) -> None:
        """Send the pending datapoints to the server (a client without the mirror's hooks)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        if self._sender is None:
            backend = self.lab.backend
            self._sender = backend.session.client(
                "cloudwatch", region_name=self.lab.region, endpoint_url=backend.endpoint_url, config=backend.client_config,
            )
        for namespace, data in pending.items():
            for start in range(0, len(data), PUT_BATCH):
                self._sender.put_metric_data(Namespace=namespace, MetricData=data[start : start + PUT_BATCH])

    def datums(
        self, namespace: str, name: str, dimensions: Iterable[dict[str, str]], start: dt.datetime, end: dt.datetime
    ) -> list[dict[str, Any]]:
        """The raw datapoints of one metric (exact dimensions) with ``start <= Timestamp < end``."""
        wanted = sorted((d["Name"], d["Value"]) for d in dimensions)
        found = []
        for datum in self._stored():
            if datum.name != name or datum.namespace != namespace:
                continue
            when = datum.timestamp if datum.timestamp.tzinfo else datum.timestamp.replace(tzinfo=UTC)
            if not start <= when < end or sorted((d.name, d.value) for d in datum.dimensions) != wanted:
                continue
            item: dict[str, Any] = {"Timestamp": when, "Unit": datum.unit or "None"}
            if hasattr(datum, "value"):
                item["Value"] = datum.value
            else:
                item["StatisticValues"] = {
                    "SampleCount": datum.sample_count, "Sum": datum.sum, "Minimum": datum.min, "Maximum": datum.max,
                }
            found.append(item)
        return found

    # -- GetMetricStatistics ----------------------------------------------------------------------
    def get_metric_statistics(self, call: Call) -> dict[str, Any] | None:
        params = call.params
        statistics = params.get("Statistics") or []
        extended = params.get("ExtendedStatistics") or []
        if bool(statistics) == bool(extended):
            raise ServiceError(
                "InvalidParameterCombination", "You must specify either Statistics or ExtendedStatistics, but not both."
            )
        start, end, period = _utc(params["StartTime"]), _utc(params["EndTime"]), int(params["Period"])
        if start >= end:
            raise ServiceError("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
        requested = math.ceil((end - start).total_seconds() / period)
        if requested > MAX_STATISTICS_DATAPOINTS:
            raise ServiceError(
                "InvalidParameterCombination",
                f"You have requested up to {requested:,} datapoints, which exceeds the limit of "
                f"{MAX_STATISTICS_DATAPOINTS:,}. You may reduce the datapoints requested by increasing Period, "
                "or decreasing the time range.",
            )
        datums = self.datums(params["Namespace"], params["MetricName"], params.get("Dimensions", []), start, end)
        rows = period_statistics(
            datums, period=period, statistics=statistics, extended_statistics=extended, unit=params.get("Unit"),
        )
        for row in rows:
            for name in statistics:
                if row[name] is None:
                    del row[name]
            if extended:
                row["ExtendedStatistics"] = {p: v for p, v in row["ExtendedStatistics"].items() if v is not None}
        return {"Label": params["MetricName"], "Datapoints": rows}

    # -- GetMetricData ------------------------------------------------------------------------------
    def get_metric_data(self, call: Call) -> dict[str, Any] | None:
        params = call.params
        queries = params["MetricDataQueries"]
        if any("MetricStat" not in q for q in queries):
            return None  # metric math: moto's evaluator answers
        start, end = _utc(params["StartTime"]), _utc(params["EndTime"])
        if start >= end:
            raise ServiceError("ValidationError", "The parameter EndTime must be greater than StartTime.")
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        results = []
        for query in queries:
            stat = query["MetricStat"]
            statistic = stat["Stat"]
            if statistic not in STATISTICS and not _is_percentile(statistic):
                raise UnsupportedOperation(
                    "cloudwatch", "GetMetricData", self.lab.backend.name,
                    f"the statistic {statistic!r} is valid on AWS but not emulated (simple statistics and pNN are)",
                )
            metric = stat["Metric"]
            datums = self.datums(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", []), start, end)
            rows = period_statistics(
                datums, period=int(stat["Period"]),
                statistics=[statistic] if statistic in STATISTICS else [],
                extended_statistics=[] if statistic in STATISTICS else [statistic],
                unit=stat.get("Unit"),
            )
            points = []
            for row in rows:
                value = row[statistic] if statistic in STATISTICS else row["ExtendedStatistics"][statistic]
                if value is not None:
                    points.append((row["Timestamp"], value))
            points.sort(reverse=descending)
            if query.get("ReturnData", True):
                results.append({
                    "Id": query["Id"], "Label": query.get("Label") or metric["MetricName"],
                    "Timestamps": [when for when, _ in points], "Values": [value for _, value in points],
                    "StatusCode": "Complete",
                })
        return {"MetricDataResults": results, "Messages": []}


def install(emulator: Emulator) -> CloudWatchMetrics:
    """Register the metric readers on ``emulator``."""
    plugin = CloudWatchMetrics(emulator)
    emulator.answers("cloudwatch", "GetMetricStatistics")(plugin.get_metric_statistics)
    emulator.answers("cloudwatch", "GetMetricData")(plugin.get_metric_data)
    return plugin
