"""CloudWatch metrics as CloudWatch stores and reads them: PutMetricData, GetMetricStatistics,
GetMetricData and ListMetrics, all from the emulator's own store (:mod:`labkit.emulator.metric_store`).

moto (5.2) keeps each datapoint as a ~755-byte object in one list that every read scans, silently
drops ``ExtendedStatistics`` (percentiles) from ``GetMetricStatistics``, crashes on a percentile
``Stat`` in ``GetMetricData``, starts its periods at the first datapoint instead of on period
boundaries, returns more than the 1,440 datapoints AWS allows per ``GetMetricStatistics`` call,
matches dimensions as a subset, lists a metric without dimensions once per datapoint, and its
"metric math" only copies another query's result. So this plugin is the one writer and the one
reader of metric data: every ``PutMetricData`` of a lab client and every datapoint the emulator
publishes (EC2, simulated ELB/RDS, synthetic checks, metric filters) goes into the store, and
the four calls are answered from it, so each datapoint is seen exactly once by every read:

* ``PutMetricData``: namespaces starting with ``AWS/`` are refused ("reserved for use by Amazon
  Web Services products"), moto's input checks still apply, and a datum without ``Timestamp``
  is stamped with lab time now
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
* ``GetMetricStatistics``: "you must specify either Statistics or ExtendedStatistics, but not
  both"; "The maximum number of data points returned from a single call is 1,440. If you
  request more than 1,440 data points, CloudWatch returns an error"; "You must specify the same
  dimensions that were used when the metrics were created"; percentiles need raw values
  (a statistic set only with SampleCount 1 or Minimum = Maximum) and are "not available for
  metrics when any of the metric values are negative"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html).
* ``GetMetricData`` (``MetricStat`` queries): ``StartTime`` inclusive, ``EndTime`` exclusive,
  ``ScanBy`` defaults to ``TimestampDescending``, ``ReturnData`` false hides a query's result
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
  ``Expression`` queries are metric math, evaluated by :mod:`labkit.aws.metricmath`, or one Metrics
  Insights query (``SELECT ...``, with its ``Period``) run by :mod:`labkit.aws.metricsinsights` over the
  last two weeks of lab time; an invalid expression or query is a ``ValidationError``, a documented
  function or clause the engines do not evaluate (``SEARCH``, tags in a query ...), ``LabelOptions``,
  another ``AccountId`` and answers larger than one page (``MaxDatapoints``, default and most
  100,800) raise :class:`UnsupportedOperation`. ``ANOMALY_DETECTION_BAND`` is the band of labkit's
  model (:mod:`labkit.emulator.cloudwatch_anomaly`).
* ``ListMetrics``: filters on ``Namespace``, ``MetricName`` and ``Dimensions`` (a filter without
  ``Value`` matches any value), at most 500 metrics per page with ``NextToken``, ``RecentlyActive``
  ``PT3H`` keeps metrics that received data in the past three hours of lab time
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html);
  ``IncludeLinkedAccounts`` and ``OwningAccount`` (cross-account observability) raise
  :class:`UnsupportedOperation`. moto's S3 request metrics (``AWS/S3``, computed from its
  buckets) are listed and read as before.

Guesses, stated: periods are aligned to multiples of the period since the epoch, as in
:mod:`labkit.aws.alarms.statistics`; a query without ``Label`` is labelled with its metric name
(AWS generates a default label without documenting it); metrics are listed in the order they
first received data. The error message for more than 1,440 datapoints is *labkit wording* in AWS's style.

On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) the server's moto
receives ``PutMetricData`` too (the learner's own calls, stamped with lab time when they carry no
``Timestamp``, and the emulator's datapoints in batches, all sent when lab time stops moving or the
lab closes) so that clients outside the lab and later processes see them; the store copies what the
server accepted from this kernel's lab clients, and the four calls are answered from the store.
The learner's calls go as ``PutMetricData`` (AWS's rules above apply); the emulator's own batches go to
a labkit server's endpoint in a compact form, stored there by moto's ``put_metric_data`` as the
request would have been (:func:`labkit.emulator.server.put_metric_data`), and to a plain moto server
as ``PutMetricData`` without botocore's parameter validation (issue 20).
When a lab connects to a labkit workshop server, the store starts with every datapoint the server
holds for the account and region (:func:`labkit.emulator.server.metric_data`): what ``labkit catchup``
or a kernel before a restart sent, until a teardown frees it (issue 19 §1). A plain moto server has
no such endpoint: the store then starts empty.
Taught in notebook 01-metric-exploration.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from botocore.utils import parse_timestamp

from labkit.emulator.server import FREE_METRIC_DATA, METRIC_DATA, PUT_METRIC_DATA, compact_metric_data
from labkit.emulator.server_state import ServerState, item_key
from labkit.aws.alarms.statistics import STATISTICS
from labkit.aws import metricmath, metricsinsights
from labkit.emulator.metric_store import MetricStore, Row, micros, period_statistics
from labkit.exceptions import PluginWiringError, ServiceError, UnsupportedOperation
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

UTC = dt.timezone.utc
#: PutMetricData takes at most 1,000 metrics per call (API reference).
PUT_BATCH = 1000
#: GetMetricStatistics answers at most this many datapoints per call (API reference).
MAX_STATISTICS_DATAPOINTS = 1440
#: GetMetricData's default and largest MaxDatapoints (API reference).
MAX_DATA_DATAPOINTS = 100_800
#: "A single GetMetricData call can include up to 500 MetricDataQuery structures" (MetricDataQuery reference).
MAX_DATA_QUERIES = 500
#: "Metrics Insights queries can query the most recent two weeks of metric data" (GetMetricData API reference).
INSIGHTS_REACH = dt.timedelta(weeks=2)
#: "For alarm condition evaluations, Metrics Insights queries can query only the most recent three hours".
INSIGHTS_ALARM_REACH = dt.timedelta(hours=3)
#: ListMetrics returns "up to 500 results" per call (API reference).
LIST_PAGE = 500
#: The namespace of the metrics moto computes from its S3 buckets.
PROVIDED_NAMESPACE = "AWS/S3"


def _utc(value: Any) -> dt.datetime:
    """A boto3 timestamp parameter (datetime, ISO string or epoch number) as aware UTC."""
    when = value if isinstance(value, dt.datetime) else parse_timestamp(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _is_percentile(statistic: str) -> bool:
    return statistic.startswith("p") and statistic[1:].replace(".", "", 1).isdigit()


class CloudWatchMetrics:
    """Owns the lab's metric data (:attr:`store`) and answers the metric calls from it."""

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self._emulator = emulator
        self._store = MetricStore()
        #: Whether the workshop server's datapoints are still to be adopted, on first use of :attr:`store`.
        self._adoption_due = False
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._sender: Any = None
        #: Whether the server stores the emulator's datapoints through labkit's endpoint (None: not asked yet).
        self._compact: bool | None = None
        #: ListMetrics pages still to be read: token -> the remaining metrics.
        self._pages: dict[str, list[dict[str, Any]]] = {}
        #: Builds ANOMALY_DETECTION_BAND's band provider for a request's queries (set by the
        #: anomaly detectors plugin, :mod:`labkit.emulator.cloudwatch_anomaly`, when installed).
        self.band_provider: Callable[[list[dict[str, Any]], str, str], metricmath.engine.BandProvider] | None = None
        #: How many datapoints each metric had when adopted from the server (:meth:`adopt_server_data`).
        self._adopted: dict[Any, int] = {}
        #: On a workshop server, the metrics each lab wrote to (kind ``metric-writers``, one item per lab),
        #: so that what a dead kernel sent can be freed by the next one; and how many this lab has recorded.
        self.writers: ServerState | None = (
            ServerState(self.lab, "metric-writers") if ServerState.available(self.lab) else None
        )
        self._recorded = 0

    @property
    def store(self) -> MetricStore:
        """The lab's metric data. On a workshop server, what earlier processes sent is adopted first
        (:meth:`adopt_when_used`): before the store's first read or write, so it precedes this lab's own data."""
        if self._adoption_due:
            self._adopt_due()
        return self._store

    def _adopt_due(self) -> None:
        self._adoption_due = False
        self.adopt_server_data()

    def skip_adoption(self) -> None:
        """Do not adopt the server's datapoints: for a process that reads no metric before it ends (``labkit
        teardown``, whose whole-account teardown would otherwise download them first so that reads still see them)."""
        self._adoption_due = False

    def adopt_when_used(self) -> None:
        """:meth:`adopt_server_data` on the first use of :attr:`store`, not now: a process that never reads or
        writes a metric (``labkit inventory``, ``labkit teardown --dry-run``, a notebook without metrics) does
        not download the account's datapoints (issue 20: most of a command's time after a notebook with a
        week of history)."""
        self._adoption_due = True

    @property
    def remote(self) -> bool:
        return not self.lab.backend.in_process

    def serve(self, client: Any, *, learner: bool) -> None:
        """Connect a lab's CloudWatch ``client`` to the store.

        An internal client (the kit's own, without the emulator's hooks) is answered from the store
        too, so checkers and plugins read what learners read. On a remote server every client's
        ``PutMetricData`` goes to the server, and what it accepted is copied into the store.
        """
        if not learner:
            answers = {
                # The kit's own reads (exercise checkers) were never held to the learner's 1,440 datapoints.
                "GetMetricStatistics": lambda call: self.get_metric_statistics(call, limited=False),
                "GetMetricData": self.get_metric_data,
                "ListMetrics": self.list_metrics,
            }
            if not self.remote:
                answers["PutMetricData"] = self._put_internal
            self._emulator.answer_internal(client, "cloudwatch", answers)
        if not self.remote:
            return

        def remember(params: dict[str, Any], context: dict[str, Any], **_event: Any) -> None:
            if self._adoption_due:  # before the server holds this call's datapoints: they are not adopted twice
                self._adopt_due()
            # CloudWatch stamps a datum without Timestamp when it receives it: lab time now, not the server's
            # clock, so that the server holds what the store holds (a later process adopts it).
            now = self.lab.clock.now()
            for datum in params.get("MetricData") or []:
                if isinstance(datum, dict) and datum.get("Timestamp") is None:
                    datum["Timestamp"] = now
            context["labkit_metric_data"] = copy.deepcopy(params)

        def store(http_response: Any, context: dict[str, Any], **_event: Any) -> None:
            params = context.get("labkit_metric_data")
            if params is None or http_response.status_code >= 300:
                return
            self.store.put(params["Namespace"], params["MetricData"], self.lab.clock.now())

        client.meta.events.register("before-parameter-build.cloudwatch.PutMetricData", remember)
        client.meta.events.register("after-call.cloudwatch.PutMetricData", store)
        # A widget image is drawn by moto on the server: it must have the emulator's datapoints.
        client.meta.events.register("before-call.cloudwatch.GetMetricWidgetImage", lambda **_event: self.settle())

    def _put_internal(self, call: Call) -> dict[str, Any]:
        """The kit's own PutMetricData (any namespace, as the emulator's publishers write ``AWS/``)."""
        self._validate(call.params.get("MetricData", []))
        self.store.put(call.params["Namespace"], call.params.get("MetricData", []), self.lab.clock.now())
        return {}

    @staticmethod
    def _validate(data: list[dict[str, Any]]) -> None:
        """moto's own checks (NaN, Value with Values or StatisticValues, Counts' length, a set's fields)."""
        from moto.cloudwatch.models import CloudWatchBackend
        from moto.core.exceptions import ServiceException

        try:
            for number, datum in enumerate(data, start=1):
                CloudWatchBackend._validate_parameters_put_metric_data(None, datum, number)  # type: ignore[arg-type]
        except ServiceException as error:
            raise ServiceError(error.code, error.message) from error

    def put_metric_data(self, call: Call) -> dict[str, Any] | None:
        """A lab client's ``PutMetricData``: checked, then stored (in-process) or sent on (server)."""
        namespace = call.params.get("Namespace", "")
        if namespace.startswith("AWS/"):
            # PutMetricData API reference: namespaces beginning with "AWS/" are reserved for AWS services.
            raise ServiceError("InvalidParameterValue", f"The value {namespace} for parameter Namespace is invalid.")
        data = call.params.get("MetricData", [])
        self._validate(data)
        if self.remote:
            return None  # the server stores it too; serve() copies it into the store once accepted
        self.store.put(namespace, data, self.lab.clock.now())
        return {}

    def publish(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """The emulator's own datapoints: stored now; on a remote server also sent in batches.

        One HTTP call per lab minute made a simulated month take minutes; the batch goes out when
        it is full or when lab time stops moving (:meth:`settle`).
        """
        self.store.put(namespace, data, self.lab.clock.now())
        if self.remote:
            self.send(namespace, data)

    def send(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """On a moto server, send the emulator's datapoints that are in the store already (a history stored
        through :meth:`publish_columns`) in :meth:`publish`'s batches."""
        if not self.remote:
            raise PluginWiringError("send() is for a moto server: in-process, the store is all there is")
        pending = self._pending.setdefault(namespace, [])
        pending.extend(data)
        if len(pending) >= PUT_BATCH:
            self.settle()

    def publish_columns(
        self,
        namespace: str,
        name: str,
        dimensions: list[dict[str, str]],
        when: np.ndarray,
        count: np.ndarray,
        total: np.ndarray,
        minimum: np.ndarray,
        maximum: np.ndarray,
        unit: str | None,
    ) -> None:
        """The emulator's own statistic sets of one metric, as columns (``when`` in epoch microseconds):
        a week of an instance's history is 120,000 datapoints, too many to build a dictionary each
        (:mod:`labkit.emulator.ec2_metrics`). Stored only: on a moto server the same datapoints are sent as
        PutMetricData datums with :meth:`send`, which keep the raw values the server's percentiles need."""
        self.store.put_columns(
            namespace, name, dimensions, when, count, total, minimum, maximum, unit, self.lab.clock.now()
        )

    def settle(self) -> None:
        """Send the pending datapoints to the server: through labkit's endpoint in a compact form
        (:func:`labkit.emulator.server.put_metric_data`), or, on a plain moto server, as ``PutMetricData``
        with a client the store does not copy from."""
        self._record_written()
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        for namespace, data in pending.items():
            if self._compact is not False and self.lab.backend.endpoint_url:
                sent = self._put_compact(namespace, data)
                if self._compact is None:  # the first answer tells a labkit server from a plain moto one
                    self._compact = sent
                if sent:
                    continue
            for start in range(0, len(data), PUT_BATCH):
                self._sender_client().put_metric_data(Namespace=namespace, MetricData=data[start : start + PUT_BATCH])

    def _sender_client(self) -> Any:
        if self._sender is None:
            from botocore.config import Config

            backend = self.lab.backend
            self._sender = backend.session.client(
                "cloudwatch",
                region_name=self.lab.region,
                endpoint_url=backend.endpoint_url,
                # The emulator's own datapoints are valid by construction: botocore's parameter validation
                # was ~40 % of the kernel's time sending a week of history (moto still checks them).
                config=backend.client_config.merge(Config(parameter_validation=False)),
            )
        return self._sender

    def _put_compact(self, namespace: str, data: list[dict[str, Any]]) -> bool:
        """POST ``data`` to labkit's :data:`PUT_METRIC_DATA`; False when the server answers with an error
        (a plain moto server has no such endpoint) and nothing was stored. A server that cannot be
        reached raises botocore's ``EndpointConnectionError``, as the ``PutMetricData`` path does."""
        import urllib.error

        from botocore.exceptions import EndpointConnectionError

        metrics, rows = compact_metric_data(data)
        request = {
            "account_id": self.lab.account_id,
            "region": self.lab.region,
            "namespace": namespace,
            "metrics": metrics,
            "data": rows,
        }
        try:
            answer = self._post(PUT_METRIC_DATA, request)
        except urllib.error.HTTPError:
            return False
        except (urllib.error.URLError, OSError) as error:
            url = str(self.lab.backend.endpoint_url) + PUT_METRIC_DATA
            raise EndpointConnectionError(endpoint_url=url, error=error) from error
        return isinstance(answer.get("stored"), int)

    def _post(self, path: str, request: dict[str, Any]) -> Any:
        """POST ``request`` as JSON to labkit's endpoint ``path`` on the server: its JSON answer (urllib's
        errors, and a ValueError for an answer that is not JSON, go through)."""
        import urllib.request

        http = urllib.request.Request(
            str(self.lab.backend.endpoint_url) + path,
            method="POST",
            data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(http, timeout=60) as reply:
            return json.loads(reply.read())

    def _admin(self, path: str, request: dict[str, Any]) -> Any:
        """POST ``request`` to labkit's endpoint ``path`` on the workshop server; None when it is not a
        labkit server (a plain moto server answers 404) or does not answer."""
        import urllib.error

        try:
            return self._post(path, request)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def adopt_server_data(self) -> int:
        """Start the store from the datapoints the workshop server holds for this account and region
        (sent by earlier processes); returns how many were adopted. See :func:`labkit.emulator.server.metric_data`."""
        reply = self._admin(METRIC_DATA, {"account_id": self.lab.account_id, "region": self.lab.region})
        adopted = 0
        now = self.lab.clock.now()
        for entry in (reply or {}).get("series", []):
            dimensions = [{"Name": name, "Value": value} for name, value in entry["dimensions"]]
            self._store.put_columns(
                entry["namespace"],
                entry["name"],
                dimensions,
                np.asarray(entry["when"], np.int64),
                np.asarray(entry["count"], np.float64),
                np.asarray(entry["sum"], np.float64),
                np.asarray(entry["min"], np.float64),
                np.asarray(entry["max"], np.float64),
                entry["unit"],
                now,
            )
            adopted += len(entry["when"])
        self._adopted = {key: series.size for key, series in self._store.series.items()}
        return adopted

    def written(self) -> list[list[Any]]:
        """The metrics this lab wrote datapoints to, as [namespace, name, [[dimension, value], ...]] (none adopted
        yet: every series holds only what this lab wrote)."""
        return [
            [series.namespace, series.name, [list(pair) for pair in key[2]]]
            for key, series in self._store.series.items()
            if series.size > self._adopted.get(key, 0)
        ]

    def _record_written(self) -> None:
        """Keep on the server which metrics this lab wrote to (when that list grew)."""
        if self.writers is None:
            return
        written = self.written()
        if len(written) != self._recorded:
            self.writers.save(item_key(self.lab.lab_id), written)
            self._recorded = len(written)

    def free_abandoned(self, lab_ids: set[str]) -> int:
        """Free on the server the metric data of labs a dead kernel left (see :meth:`free_on_server`);
        returns how many datapoints the server removed."""
        if self.writers is None:
            return 0
        removed = 0
        recorded = self.writers.load()
        for lab_id in lab_ids:
            metrics = recorded.get(item_key(lab_id))
            if metrics:
                reply = self._admin(FREE_METRIC_DATA, {"account_id": self.lab.account_id, "metrics": metrics})
                removed += int((reply or {}).get("removed", 0))
            self.writers.drop(item_key(lab_id))
        return removed

    def free_on_server(self, *, whole_account: bool = False) -> int | None:
        """After teardown on a labkit workshop server: remove from the server's moto the datapoints this
        lab sent (every metric it wrote to: adopted metrics it added nothing to stay, for the process that
        sent them), or every datapoint of the account (``labkit teardown``).

        Answers stay the same: reads are answered from this lab's store, which keeps its data as
        CloudWatch keeps a deleted instance's metrics. Datapoints not yet sent are dropped. Returns how
        many datapoints the server removed, or None when there is nothing to ask (in-process moto) or
        the server is not a labkit one (a plain moto server keeps them until it stops).
        See :func:`labkit.emulator.server.free_metric_data`.
        """
        if not self.remote or not self.lab.backend.endpoint_url:
            return None
        if whole_account and self._adoption_due:  # adopted before the server forgets it: the lab's reads still see it
            self._adopt_due()
        self._pending = {}
        metrics = None if whole_account else self.written()
        if self.writers is not None:
            for key in self.writers.load() if whole_account else [item_key(self.lab.lab_id)]:
                self.writers.drop(key)
            self._recorded = 0
        if metrics == []:
            return 0
        reply = self._admin(FREE_METRIC_DATA, {"account_id": self.lab.account_id, "metrics": metrics})
        try:
            return int(reply["removed"]) if reply is not None else None
        except (KeyError, TypeError, ValueError):
            return None

    def _provided(self, namespace: str | None) -> MetricStore | None:
        """moto's computed ``AWS/S3`` metrics (one datapoint per bucket and metric, in-process only)."""
        if self.remote or namespace not in (None, PROVIDED_NAMESPACE):
            return None
        from moto.s3.models import s3_backends

        if not s3_backends[self.lab.account_id]["aws"].buckets:
            return None
        from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum, cloudwatch_backends

        provided = MetricStore()
        for datum in cloudwatch_backends[self.lab.account_id][self.lab.region].aws_metric_data:
            if isinstance(datum, MetricDatum):
                value: dict[str, Any] = {"Value": datum.value}
            elif isinstance(datum, MetricAggregatedDatum):  # a statistic set
                value = {
                    "StatisticValues": {
                        "SampleCount": datum.sample_count,
                        "Sum": datum.sum,
                        "Minimum": datum.min,
                        "Maximum": datum.max,
                    }
                }
            else:
                raise self._unsupported(
                    "GetMetricStatistics",
                    _("moto's computed {kind} datapoints are not emulated").format(kind=type(datum).__name__),
                )
            provided.put(
                datum.namespace,
                [
                    {
                        "MetricName": datum.name,
                        **value,
                        "Unit": datum.unit,
                        "Timestamp": datum.timestamp,
                        "Dimensions": [{"Name": d.name, "Value": d.value} for d in datum.dimensions],
                    }
                ],
                self.lab.clock.now(),
            )
        return provided

    def rows(
        self, namespace: str, name: str, dimensions: Iterable[dict[str, str]], start: dt.datetime, end: dt.datetime
    ) -> list[Row]:
        """The stored datapoints of one metric (exact dimensions) with ``start <= Timestamp < end``."""
        dimensions = list(dimensions)
        found: list[Row] = []
        for store in (self.store, self._provided(namespace)):
            series = store.find(namespace, name, dimensions) if store is not None else None
            if series is not None:
                found.extend(store.rows(series, start, end))  # type: ignore[union-attr]
        return found

    # -- GetMetricStatistics ----------------------------------------------------------------------
    def get_metric_statistics(self, call: Call, *, limited: bool = True) -> dict[str, Any] | None:
        """Answer ``GetMetricStatistics``; ``limited=False`` (internal clients only) lifts the 1,440 datapoints."""
        params = call.params
        statistics = params.get("Statistics") or []
        extended = params.get("ExtendedStatistics") or []
        if bool(statistics) == bool(extended):
            raise ServiceError(
                "InvalidParameterCombination", "You must specify either Statistics or ExtendedStatistics, but not both."
            )
        start, end, period = _utc(params["StartTime"]), _utc(params["EndTime"]), int(params["Period"])
        if start >= end:
            raise ServiceError(
                "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime."
            )
        requested = math.ceil((end - start).total_seconds() / period)
        if limited and requested > MAX_STATISTICS_DATAPOINTS:
            raise ServiceError(
                "InvalidParameterCombination",
                f"You have requested up to {requested:,} datapoints, which exceeds the limit of "
                f"{MAX_STATISTICS_DATAPOINTS:,}. You may reduce the datapoints requested by increasing Period, "
                "or decreasing the time range.",
            )
        rows = self.rows(params["Namespace"], params["MetricName"], params.get("Dimensions", []), start, end)
        points = period_statistics(
            rows,
            period=period,
            statistics=statistics,
            extended_statistics=extended,
            unit=params.get("Unit"),
        )
        for point in points:
            for name in statistics:
                if point[name] is None:
                    del point[name]
            if extended:
                point["ExtendedStatistics"] = {p: v for p, v in point["ExtendedStatistics"].items() if v is not None}
        return {"Label": params["MetricName"], "Datapoints": points}

    # -- GetMetricData ------------------------------------------------------------------------------
    def _unsupported(self, operation: str, detail: str) -> UnsupportedOperation:
        return UnsupportedOperation("cloudwatch", operation, self.lab.backend.name, detail)

    def get_metric_data(self, call: Call) -> dict[str, Any] | None:
        params = call.params
        queries = params["MetricDataQueries"]
        for name in ("LabelOptions", "NextToken"):
            if params.get(name):
                raise self._unsupported(
                    "GetMetricData",
                    _("the parameter {name} is not emulated (one page holds every datapoint)").format(name=name),
                )
        start, end = _utc(params["StartTime"]), _utc(params["EndTime"])
        if start >= end:
            raise ServiceError("ValidationError", "The parameter EndTime must be greater than StartTime.")
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        answers = self.query_series(queries, start, end, operation="GetMetricData")
        results = []
        returned = 0
        for query in queries:
            if not query.get("ReturnData", True):
                continue
            for label, times, values in answers[query["Id"]]:
                points = sorted(zip(times, values), reverse=descending)
                returned += len(points)
                results.append(
                    {
                        "Id": query["Id"],
                        "Label": label,
                        "Timestamps": [when for when, _value in points],
                        "Values": [value for _when, value in points],
                        "StatusCode": "Complete",
                    }
                )
        most = int(params.get("MaxDatapoints") or MAX_DATA_DATAPOINTS)
        if returned > most:
            raise self._unsupported(
                "GetMetricData",
                _("{returned} datapoints exceed MaxDatapoints ({most}); paging with NextToken is not emulated").format(
                    returned=f"{returned:,}", most=f"{most:,}"
                ),
            )
        return {"MetricDataResults": results, "Messages": []}

    def query_series(
        self,
        queries: list[dict[str, Any]],
        start: dt.datetime,
        end: dt.datetime,
        *,
        operation: str,
        anomaly: str = "require",
        origin: int = 0,
    ) -> dict[str, list[tuple[str, list[dt.datetime], list[float]]]]:
        """Every query's time series (label, timestamps, values) over ``start <= t < end``.

        Periods start at multiples of the period since the epoch, or since ``origin`` (epoch seconds)
        for an alarm's sliding window (:mod:`labkit.aws.alarms.schedule`).

        ``MetricStat`` queries are read from the store; ``Expression`` queries are evaluated with
        :mod:`labkit.aws.metricmath` ("Using metric math",
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html). Checks
        from the MetricDataQuery reference: at most 500 queries, unique Ids that start with a lowercase
        letter, "you must specify either Expression or MetricStat but not both"
        (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html).
        An expression that returns an array gives one entry per series, labelled "Expression-Label
        Metric-Label" as the user guide labels them on graphs (or the metric's label when the expression
        has none); an expression without ``Label`` is labelled with its Id (AWS does not document its
        default). The messages of these checks are *labkit wording*. ``anomaly`` says what an
        ``ANOMALY_DETECTION_BAND`` of a metric without an anomaly detector does: ``"require"`` refuses
        it (GetMetricData), ``"create"`` creates the detector (alarms: "If the model does not already
        exist, the model is generated when you are done creating the alarm"), ``"check"`` gives no band.
        """

        if len(queries) > MAX_DATA_QUERIES:
            raise ServiceError(
                "ValidationError",
                f"The collection MetricDataQueries must not have a size greater than {MAX_DATA_QUERIES}.",
            )
        seen: set[str] = set()
        metrics: dict[str, metricmath.Series] = {}
        expressions: dict[str, str] = {}
        periods: dict[str, int] = {}
        for query in queries:
            qid = query.get("Id", "")
            if query.get("AccountId") not in (None, self.lab.account_id):
                raise self._unsupported(operation, _("AccountId of another account (cross-account observability)"))
            if not metricmath.engine.ID_PATTERN.match(qid):
                raise ServiceError(
                    "ValidationError",
                    f"Invalid metric Id '{qid}': an Id must start with a lowercase letter and "
                    "contain only letters, numbers and underscores.",
                )
            if qid in seen:
                raise ServiceError(
                    "ValidationError", f"The metric Id '{qid}' is used more than once in MetricDataQueries."
                )
            seen.add(qid)
            if ("MetricStat" in query) == ("Expression" in query):
                raise ServiceError(
                    "ValidationError",
                    f"The query '{qid}' must specify either Expression or MetricStat but not both.",
                )
            if "Expression" in query:
                expressions[qid] = query["Expression"]
                if query.get("Period"):
                    periods[qid] = int(query["Period"])
                continue
            stat = query["MetricStat"]
            metric = stat["Metric"]
            times, values = self._stat_points(metric, stat, start, end, operation, origin)
            metrics[qid] = metricmath.Series(
                qid,
                query.get("Label") or metric["MetricName"],
                int(stat["Period"]),
                np.array([int(t.timestamp()) for t in times], np.int64),
                np.array(values, np.float64),
            )
        answers: dict[str, list[tuple[str, list[dt.datetime], list[float]]]] = {
            qid: [(s.label, [dt.datetime.fromtimestamp(int(t), UTC) for t in s.times], s.values.tolist())]
            for qid, s in metrics.items()
        }
        labels = {query["Id"]: query.get("Label") for query in queries}
        insights = self._insights(expressions, periods, labels, start, end, operation)
        for qid, returned in insights.items():
            del expressions[qid]
            answers[qid] = [
                (label, [dt.datetime.fromtimestamp(int(t), UTC) for t in s.times], s.values.tolist())
                for label, s in returned
            ]
        if not expressions:
            return answers
        try:
            bands = self.band_provider(queries, operation, anomaly) if self.band_provider is not None else None
            evaluated = metricmath.evaluate(
                expressions,
                metrics,
                int(start.timestamp()),
                int(end.timestamp()),
                periods=periods,
                bands=bands,
                given={qid: [s for _label, s in returned] for qid, returned in insights.items()},
                origin=origin,
            )
        except metricmath.MetricMathError as error:
            raise ServiceError("ValidationError", str(error)) from error
        except metricmath.MetricMathUnsupported as error:
            raise self._unsupported(operation, _("{error} (valid on AWS)").format(error=error)) from error
        for qid, found in evaluated.items():
            entries = []
            for s in found:
                if len(found) == 1 and not s.metric:
                    label = labels[qid] or qid
                else:
                    label = f"{labels[qid]} {s.label}" if labels[qid] else s.label
                entries.append((label, [dt.datetime.fromtimestamp(int(t), UTC) for t in s.times], s.values.tolist()))
            answers[qid] = entries
        return answers

    def _insights(
        self,
        expressions: dict[str, str],
        periods: dict[str, int],
        labels: dict[str, str | None],
        start: dt.datetime,
        end: dt.datetime,
        operation: str,
    ) -> dict[str, list[tuple[str, metricmath.Series]]]:
        """Run the request's Metrics Insights query (an ``Expression`` starting with SELECT) with
        :mod:`labkit.aws.metricsinsights`: (label, series) for each time series it returns.

        "If you include a Metrics Insights query, each GetMetricData operation can include only one
        query"; "Metrics Insights queries can query the most recent two weeks of metric data. For alarm
        condition evaluations, Metrics Insights queries can query only the most recent three hours"
        (GetMetricData API reference,
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html): older
        datapoints are left out, as AWS leaves them out. A grouped series is labelled "Label group-values"
        (the group's values alone without ``Label``); an ungrouped one ``Label`` or its Id, as expressions are.
        """
        found = {qid: text for qid, text in expressions.items() if metricsinsights.is_query(text)}
        if not found:
            return {}
        if len(found) > 1:
            raise ServiceError(
                "ValidationError",
                f"A GetMetricData request can include only one Metrics Insights query; found {len(found)} "
                f"({', '.join(found)}).",
            )
        ((qid, text),) = found.items()
        try:
            query = metricsinsights.compile(text)
        except metricsinsights.MetricsInsightsError as error:
            raise ServiceError("ValidationError", f"Error in the Metrics Insights query '{qid}': {error}") from error
        except metricsinsights.MetricsInsightsUnsupported as error:
            raise self._unsupported(operation, _("{error} (valid on AWS)").format(error=error)) from error
        if qid not in periods:
            raise self._unsupported(
                operation,
                _(
                    "the Metrics Insights query '{id}' has no Period (what AWS does without one is not documented)"
                ).format(id=qid),
            )
        reach = INSIGHTS_ALARM_REACH if operation == "PutMetricAlarm" else INSIGHTS_REACH
        first = max(start, self.lab.clock.now() - reach)
        lo, hi = micros(first), micros(end)
        candidates = [
            metricsinsights.Metric(
                series.namespace, series.name, {d["Name"]: d["Value"] for d in series.dimensions}, series.window(lo, hi)
            )
            for store in (self.store, self._provided(query.namespace))
            if store is not None
            for series in store.series.values()
            if series.namespace == query.namespace and series.name == query.metric
        ]
        try:
            results = metricsinsights.run(query, candidates, int(start.timestamp()), int(end.timestamp()), periods[qid])
        except metricsinsights.MetricsInsightsUnsupported as error:
            raise self._unsupported(operation, _("{error} (valid on AWS)").format(error=error)) from error
        period = metricsinsights.effective_period(periods[qid])
        label = labels.get(qid)
        return {
            qid: [
                (
                    f"{label} {r.label}" if label and r.group else (r.label if r.group else label or qid),
                    metricmath.Series(qid, r.label or label or qid, period, r.times, r.values, metric=False),
                )
                for r in results
            ]
        }

    def _stat_points(
        self,
        metric: dict[str, Any],
        stat: dict[str, Any],
        start: dt.datetime,
        end: dt.datetime,
        operation: str,
        origin: int = 0,
    ) -> tuple[list[dt.datetime], list[float]]:
        """One MetricStat's values per period (periods without data left out), in time order."""
        statistic = stat["Stat"]
        if statistic not in STATISTICS and not _is_percentile(statistic):
            raise self._unsupported(
                operation,
                _(
                    "the statistic {statistic!r} is valid on AWS but not emulated (simple statistics and pNN are)"
                ).format(statistic=statistic),
            )
        rows = self.rows(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", []), start, end)
        periods = period_statistics(
            rows,
            period=int(stat["Period"]),
            statistics=[statistic] if statistic in STATISTICS else [],
            extended_statistics=[] if statistic in STATISTICS else [statistic],
            unit=stat.get("Unit"),
            origin=origin,
        )
        times, values = [], []
        for row in periods:
            value = row[statistic] if statistic in STATISTICS else row["ExtendedStatistics"][statistic]
            if value is not None:
                times.append(row["Timestamp"])
                values.append(value)
        return times, values

    # -- ListMetrics --------------------------------------------------------------------------------
    def list_metrics(self, call: Call) -> dict[str, Any]:
        params = call.params
        for name in ("IncludeLinkedAccounts", "OwningAccount"):
            if params.get(name):
                raise self._unsupported(
                    "ListMetrics",
                    _("the parameter {name} (cross-account observability) is not emulated").format(name=name),
                )
        token = params.get("NextToken")
        if token:
            if token not in self._pages:
                raise ServiceError("InvalidParameterValue", "Request parameter NextToken is invalid")
            found = self._pages.pop(token)
        else:
            found = self._matching(params)
        reply: dict[str, Any] = {"Metrics": found[:LIST_PAGE]}
        if len(found) > LIST_PAGE:
            token = uuid.uuid4().hex
            self._pages[token] = found[LIST_PAGE:]
            reply["NextToken"] = token
        return reply

    def _matching(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        namespace, name = params.get("Namespace"), params.get("MetricName")
        filters = [(d["Name"], d.get("Value")) for d in params.get("Dimensions") or []]
        recent = params.get("RecentlyActive")
        if recent not in (None, "PT3H"):
            raise ServiceError("InvalidParameterValue", f"The value {recent} for parameter RecentlyActive is invalid.")
        since = self.lab.clock.now() - dt.timedelta(hours=3) if recent else None
        found = []
        for store in (self.store, self._provided(namespace)):
            for series in store.series.values() if store is not None else ():
                if namespace not in (None, series.namespace) or name not in (None, series.name):
                    continue
                if since is not None and (series.last_put is None or series.last_put < since):
                    continue
                have = [(d["Name"], d["Value"]) for d in series.dimensions]
                if any(not any(n == f and (v is None or v == value) for n, value in have) for f, v in filters):
                    continue
                found.append(
                    {
                        "Namespace": series.namespace,
                        "MetricName": series.name,
                        "Dimensions": copy.deepcopy(series.dimensions),
                    }
                )
        return found


def install(emulator: Emulator) -> CloudWatchMetrics:
    """Register the metric store and its calls on ``emulator``."""
    plugin = CloudWatchMetrics(emulator)
    emulator.answers("cloudwatch", "PutMetricData")(plugin.put_metric_data)
    emulator.answers("cloudwatch", "GetMetricStatistics")(plugin.get_metric_statistics)
    emulator.answers("cloudwatch", "GetMetricData")(plugin.get_metric_data)
    emulator.answers("cloudwatch", "ListMetrics")(plugin.list_metrics)
    return plugin
