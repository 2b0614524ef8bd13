"""labkit's moto server: moto's threaded server with one endpoint of labkit's own in front.

Started by ``labkit serve`` (:mod:`labkit.tools.workshop`) and by the ``moto-server`` backend when it
starts a server of its own (:mod:`labkit.runtime.backends`). Three endpoints: one frees the metric data a
finished lab sent, so a workshop server's memory stays flat (issue "Workshops of 100"); one
hands a connecting lab the metric data earlier processes sent (``labkit catchup``, a restarted
kernel), so its store starts from what the server holds (issue 19 §1); one takes the emulator's own
datapoints in a compact form and stores them as ``PutMetricData`` would (issue 20: a week of an
instance's history as ``PutMetricData`` query strings cost seconds of CPU in the kernel and in the server).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
from collections.abc import Iterator
from typing import Any

from labkit.emulator.metric_store import from_micros, micros

#: Where a labkit workshop server answers the kit itself (never a path of an AWS API: moto's own
#: administration lives under /moto-api/).
ADMIN_PATH = "/_labkit/"
FREE_METRIC_DATA = ADMIN_PATH + "free-metric-data"
METRIC_DATA = ADMIN_PATH + "metric-data"
PUT_METRIC_DATA = ADMIN_PATH + "put-metric-data"
#: How many hosts the server's dispatcher remembers the backend of (a lab uses a few dozen).
MAX_HOSTS = 1024


def free_metric_data(account_id: str, metrics: list[tuple[str, str, list[tuple[str, str]]]] | None) -> int:
    """Remove from moto's CloudWatch, in every region of ``account_id``, the datapoints of ``metrics``
    (namespace, name, dimensions as (name, value) pairs: exact match), or all of them when ``metrics``
    is None. Returns how many datapoints were removed.

    CloudWatch itself cannot delete metric data (it expires: "Metrics cannot be deleted, but they
    automatically expire after 15 months", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric);
    moto keeps every datapoint as an object until the server stops, so a day of workshop runs would
    grow the server without bound. The labs read metric data from their own store (the kernel's), so
    what a finished lab sent the server is of no further use there. Runs in the server's process.
    """
    from moto.cloudwatch.models import cloudwatch_backends

    wanted = None if metrics is None else {(ns, name, tuple(sorted(map(tuple, dims)))) for ns, name, dims in metrics}
    removed: set[int] = set()
    kinds: set[type] = set()
    for backend in cloudwatch_backends[account_id].values():
        data = backend.metric_data
        size = len(data)  # datapoints another request appends meanwhile are past ``size``, and stay
        kept = []
        for datum in data[:size]:
            if (
                wanted is None
                or (datum.namespace, datum.name, tuple(sorted((d.name, d.value) for d in datum.dimensions))) in wanted
            ):
                removed.add(id(datum))
                kinds.add(type(datum))
            else:
                kept.append(datum)
        data[:size] = kept
    # moto also lists every model object it ever made on the model's class (``instances_tracked``, for
    # its /moto-api/ views): without this the datapoints would never be garbage.
    for kind in kinds:
        tracked = kind.instances_tracked  # type: ignore[attr-defined]  # moto adds it to its model classes
        size = len(tracked)
        tracked[:size] = [item for item in tracked[:size] if id(item) not in removed]
    return len(removed)


def metric_data(account_id: str, region: str) -> list[dict[str, Any]]:
    """The datapoints moto holds for ``account_id`` in ``region``, one entry per metric (namespace, name,
    dimensions as (name, value) pairs in the order first given) with its datapoints as columns in arrival
    order: ``when`` (microseconds since the epoch), ``count``, ``sum``, ``min``, ``max``, ``unit``. A single
    value is the statistic set SampleCount 1, Sum = Minimum = Maximum = value, as
    :mod:`labkit.emulator.metric_store` keeps it. Runs in the server's process."""
    from botocore.utils import parse_timestamp
    from moto.cloudwatch.models import MetricAggregatedDatum, cloudwatch_backends

    if account_id not in cloudwatch_backends or region not in cloudwatch_backends[account_id]:
        return []
    series: dict[tuple[Any, ...], dict[str, Any]] = {}
    for datum in list(cloudwatch_backends[account_id][region].metric_data):
        dimensions = tuple((d.name, d.value) for d in datum.dimensions)
        key = (datum.namespace, datum.name, tuple(sorted(dimensions)))
        entry = series.get(key)
        if entry is None:
            entry = series[key] = {
                "namespace": datum.namespace,
                "name": datum.name,
                "dimensions": list(dimensions),
                "when": [],
                "count": [],
                "sum": [],
                "min": [],
                "max": [],
                "unit": [],
            }
        stamp = datum.timestamp if not isinstance(datum.timestamp, str) else parse_timestamp(datum.timestamp)
        entry["when"].append(micros(stamp))
        if isinstance(datum, MetricAggregatedDatum):
            values = (datum.sample_count, datum.sum, datum.min, datum.max)
        else:
            values = (1.0, datum.value, datum.value, datum.value)  # type: ignore[attr-defined]
        for column, value in zip(("count", "sum", "min", "max"), values):
            entry[column].append(float(value))
        entry["unit"].append(datum.unit or "None")
    return list(series.values())


def compact_metric_data(datums: list[dict[str, Any]]) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """``PutMetricData``'s ``MetricData`` in the compact form :func:`put_metric_data` takes: the table of
    metrics and one row per datum (the kernel's side, :meth:`CloudWatchMetrics.settle
    <labkit.emulator.cloudwatch_metrics.CloudWatchMetrics.settle>`)."""
    from botocore.utils import parse_timestamp

    metrics: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    rows = []
    for datum in datums:
        dimensions = tuple((d["Name"], d["Value"]) for d in datum.get("Dimensions") or ())
        row: dict[str, Any] = {"m": metrics.setdefault((datum["MetricName"], dimensions), len(metrics))}
        if datum.get("Timestamp") is not None:
            stamp = datum["Timestamp"]
            row["t"] = micros(stamp if isinstance(stamp, dt.datetime) else parse_timestamp(stamp))
        if datum.get("Unit") is not None:
            row["u"] = datum["Unit"]
        if "Value" in datum:
            row["v"] = float(datum["Value"])
        if "Values" in datum:
            row["V"] = [float(value) for value in datum["Values"]]
        if "Counts" in datum:
            row["C"] = [float(count) for count in datum["Counts"]]
        if "StatisticValues" in datum:
            statistics = datum["StatisticValues"]
            row["s"] = [float(statistics[k]) for k in ("SampleCount", "Sum", "Minimum", "Maximum")]
        rows.append(row)
    return [[name, [list(pair) for pair in dimensions]] for name, dimensions in metrics], rows


def put_metric_data(
    account_id: str, region: str, namespace: str, metrics: list[list[Any]], data: list[dict[str, Any]]
) -> int:
    """Store in moto's CloudWatch of ``account_id`` and ``region`` what ``PutMetricData`` of ``namespace``
    with these datapoints stores: the datums are rebuilt as moto's server parses a ``PutMetricData``
    request (naive UTC ``Timestamp``, floats) and given to moto's own ``put_metric_data``, in order, so
    moto's reads and :func:`metric_data` see the same objects. ``metrics`` is a table of [name,
    [[dimension, value], ...]]; each of ``data`` names its metric by index (``m``) and holds only what
    the datum held: ``t`` timestamp (microseconds since the epoch), ``u`` unit, ``v`` value, ``V`` values,
    ``C`` counts, ``s`` statistic set [SampleCount, Sum, Minimum, Maximum]. Returns how many datums it
    stored. Runs in the server's process; the kernel's side is
    :meth:`labkit.emulator.cloudwatch_metrics.CloudWatchMetrics.settle`."""
    from moto.cloudwatch.models import cloudwatch_backends

    names = [(str(name), [{"Name": str(n), "Value": str(v)} for n, v in dimensions]) for name, dimensions in metrics]
    datums = []
    for row in data:
        name, dimensions = names[row["m"]]
        datum: dict[str, Any] = {"MetricName": name, "Dimensions": dimensions}
        if "t" in row:
            datum["Timestamp"] = from_micros(int(row["t"])).replace(tzinfo=None)
        if "u" in row:
            datum["Unit"] = str(row["u"])
        if "v" in row:
            datum["Value"] = float(row["v"])
        if "V" in row:
            datum["Values"] = [float(value) for value in row["V"]]
        if "C" in row:
            datum["Counts"] = [float(count) for count in row["C"]]
        if "s" in row:
            count, total, low, high = map(float, row["s"])
            datum["StatisticValues"] = {"SampleCount": count, "Sum": total, "Minimum": low, "Maximum": high}
        datums.append(datum)
    cloudwatch_backends[account_id][region].put_metric_data(namespace, datums)
    return len(datums)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off meanwhile (unless already off: another request paused it, or the
    process did). Decoding and storing a batch makes thousands of objects that live on (moto keeps one per
    datapoint), and each collection they trigger walks the older ones, moto's whole store among them, to find
    no garbage: the cost of a batch grew with what the server already held. Reference counting still frees
    everything as before, and the collector runs again once the batch is stored."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _admin(app: Any) -> Any:
    """``app`` (moto's WSGI application) with labkit's own endpoints in front: ``POST`` to
    :data:`FREE_METRIC_DATA` with ``{"account_id": …, "metrics": [[namespace, name, [[dim, value], …]], …]}``
    (or ``"metrics": null`` for the whole account) calls :func:`free_metric_data`; ``POST`` to
    :data:`METRIC_DATA` with ``{"account_id": …, "region": …}`` answers :func:`metric_data`; ``POST`` to
    :data:`PUT_METRIC_DATA` with ``{"account_id": …, "region": …, "namespace": …, "metrics": …, "data": …}``
    calls :func:`put_metric_data` (moto's own checks answer 400 with moto's message)."""
    from moto.core.exceptions import ServiceException

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO")
        if path not in (FREE_METRIC_DATA, METRIC_DATA, PUT_METRIC_DATA) or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            with _collector_paused():
                request = json.loads(environ["wsgi.input"].read(length) or b"{}")
            body: dict[str, Any]
            if path == METRIC_DATA:
                body = {"series": metric_data(str(request["account_id"]), str(request["region"]))}
            elif path == PUT_METRIC_DATA:
                with _collector_paused():
                    stored = put_metric_data(
                        str(request["account_id"]),
                        str(request["region"]),
                        str(request["namespace"]),
                        request["metrics"],
                        request["data"],
                    )
                body = {"stored": stored}
            else:
                body = {"removed": free_metric_data(str(request["account_id"]), request.get("metrics"))}
            status = "200 OK"
        except (ValueError, KeyError, TypeError, IndexError) as error:
            status, body = "400 Bad Request", {"error": f"malformed request ({error})"}
        except ServiceException as error:
            status, body = "400 Bad Request", {"error": f"{error.code}: {error.message}"}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    return application


def labkit_server(host: str, port: int) -> Any:
    """moto's ``ThreadedMotoServer`` with labkit's endpoint (:func:`_admin`); started by ``labkit serve``
    and by the ``moto-server`` backend when it starts a server of its own."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class Dispatcher(DomainDispatcherApplication):
        """moto's dispatcher, remembering which backend answers a host: moto works it out again on every
        request by listing its package's folders and trying its URL patterns in turn, about a fifth of
        the server's time per request. The answer depends on the host alone (the folders and patterns
        do not change while the server runs); moto calls this under its lock."""

        def __init__(self, create_app: Any) -> None:
            super().__init__(create_app)
            self._backends: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            if host not in self._backends:
                if len(self._backends) >= MAX_HOSTS:  # hosts come from requests: keep the memory bounded
                    self._backends.clear()
                self._backends[host] = super().get_backend_for_host(host)
            return self._backends[host]

    class LabkitServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = _admin(Dispatcher(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return LabkitServer(ip_address=host, port=port, verbose=False)
