"""Emulator plugin: CloudWatch Logs filter patterns answered by :mod:`labkit.aws.filterpattern`.

Taught in notebook 05-ssh-failure-metric-filter.

moto matches any pattern it does not understand against every event and has no
``TestMetricFilter``. This plugin answers:

* ``logs.TestMetricFilter`` — with :func:`labkit.aws.filterpattern.test_metric_filter`.
* ``logs.FilterLogEvents`` — reads the events from moto (its in-process state on the ``moto``
  backend; ``DescribeLogStreams`` + ``GetLogEvents`` on an internal client on ``moto-server``)
  and matches them with the engine. It honours
  ``logGroupName``/``logGroupIdentifier``, ``logStreamNames``, ``logStreamNamePrefix``,
  ``startTime``/``endTime`` (both inclusive), ``limit`` and ``nextToken``. Events come oldest
  first across streams; ``searchedLogStreams`` is the empty list AWS has returned since
  May 15, 2020 (API reference, ``FilterLogEvents``).
* ``logs.PutMetricFilter`` / ``logs.PutSubscriptionFilter`` — refuse an invalid pattern (and, for
  metric filters, an impossible ``metricTransformations``) with ``InvalidParameterException``
  before moto stores it; valid calls go on to moto.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import heapq
import json
import weakref
import zlib
from collections.abc import Iterator
from typing import Any, Literal

from botocore.exceptions import ClientError

from labkit.aws.filterpattern import FilterPattern, compile, test_metric_filter, transformation_error
from labkit.emulator.core import Call, Emulator
from labkit.exceptions import InvalidFilterPattern, ServiceError, UnsupportedOperation
from labkit.i18n import _

#: FilterLogEvents returns at most 10,000 events a page (``EventsLimit``).
MAX_LIMIT = 10_000
_PAGE = 10_000  # GetLogEvents page size when reading moto


class LogsFilters:
    """The plugin's per-lab object (it keeps no state beyond the lab it serves)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    # -- TestMetricFilter -----------------------------------------------------------------------
    def test_metric_filter(self, call: Call) -> dict[str, Any]:
        """Answer ``TestMetricFilter``."""
        try:
            return test_metric_filter(call.params.get("filterPattern", ""), call.params.get("logEventMessages", []))
        except InvalidFilterPattern as error:
            raise ServiceError("InvalidParameterException", str(error)) from None
        except ValueError as error:
            raise ServiceError("InvalidParameterException", str(error)) from None

    # -- Put*Filter validation -------------------------------------------------------------------
    def put_metric_filter(self, call: Call) -> None:
        """Refuse what AWS refuses, then let moto store the filter.

        PutMetricFilter "creates or updates a metric filter"
        (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html):
        a filter of the same name on the group is replaced. moto would keep both, so the old one goes first.
        """
        pattern = _compiled(call.params.get("filterPattern", ""))
        for transformation in call.params.get("metricTransformations", []):
            problem = transformation_error(pattern, transformation)
            if problem:
                raise ServiceError("InvalidParameterException", problem)
        group, name = call.params.get("logGroupName"), call.params.get("filterName")
        if group and name:
            logs = call.internal()
            existing = logs.describe_metric_filters(logGroupName=group, filterNamePrefix=name)["metricFilters"]
            if any(f["filterName"] == name for f in existing):
                logs.delete_metric_filter(logGroupName=group, filterName=name)
        return None

    def put_subscription_filter(self, call: Call) -> None:
        """Refuse an invalid pattern, then a non-empty one (moto sends every event to the destination,
        whatever the pattern: a plausible wrong answer), then let moto store the filter."""
        _compiled(call.params.get("filterPattern", ""))
        if call.params.get("filterPattern", "").strip():
            raise UnsupportedOperation(
                "logs",
                "PutSubscriptionFilter",
                call.lab.backend.name,
                _(
                    "the parameter filterPattern: a subscription filter's pattern is not applied offline (moto "
                    "delivers every event); an empty pattern is"
                ),
            )
        return None

    # -- FilterLogEvents ----------------------------------------------------------------------
    def filter_log_events(self, call: Call) -> dict[str, Any]:
        """Answer ``FilterLogEvents`` with the engine's matching."""
        params = call.params
        group = _group_name(params)
        names = params.get("logStreamNames")
        prefix = params.get("logStreamNamePrefix")
        if names and prefix:
            raise ServiceError(
                "InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive"
            )
        limit = params.get("limit", MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise ServiceError(
                "InvalidParameterException",
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                f"Member must have value less than or equal to {MAX_LIMIT}",
            )
        pattern = _compiled(params.get("filterPattern", ""))
        after = _read_token(params.get("nextToken"), group)
        if after is False:
            return {"events": [], "searchedLogStreams": []}  # AWS answers an unknown token with nothing
        source = _source(call, group)
        streams = source.stream_names(prefix)
        if names:
            wanted = set(names)
            streams = [n for n in streams if n in wanted]
        start, end = params.get("startTime"), params.get("endTime")
        matches = pattern.matches
        page: list[dict[str, Any]] = []
        more = False
        lowest = max((t for t in (start, after[0] if after else None) if t is not None), default=None)
        events = heapq.merge(*(_events(source, s, lowest, end) for s in streams), key=_order)
        for event in events:
            if after and _order(event) <= after:
                continue
            if not matches(event["message"]):
                continue
            if len(page) == limit:
                more = True
                break
            page.append(event)
        response: dict[str, Any] = {"events": page, "searchedLogStreams": []}
        if more:
            response["nextToken"] = _make_token(group, page[-1])
        return response


def _compiled(pattern: str) -> FilterPattern:
    try:
        return compile(pattern)
    except InvalidFilterPattern as error:
        raise ServiceError("InvalidParameterException", str(error)) from None


def _group_name(params: dict[str, Any]) -> str:
    name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
    if bool(name) == bool(identifier):
        raise ServiceError(
            "InvalidParameterException", "You must include either logGroupIdentifier or logGroupName, but not both."
        )
    if name:
        return str(name)
    ident = str(identifier)
    if ident.startswith("arn:"):
        # arn:aws:logs:region:account:log-group:NAME (optionally followed by :*)
        ident = ident.split(":log-group:", 1)[-1]
        if ident.endswith(":*"):
            ident = ident[:-2]
    return ident


def _internal(fn: Any, **kwargs: Any) -> Any:
    """Call moto; its errors reach the learner as the same AWS error."""
    try:
        return fn(**kwargs)
    except ClientError as error:
        err = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        raise ServiceError(err.get("Code", "ServiceUnavailableException"), err.get("Message", ""), status) from None


class _ClientSource:
    """Events read through an internal boto3 client (any moto backend, in-process or server)."""

    def __init__(self, logs: Any, group: str) -> None:
        self.logs = logs
        self.group = group

    def stream_names(self, prefix: str | None) -> list[str]:
        found: list[str] = []
        kwargs: dict[str, Any] = {"logGroupName": self.group}
        if prefix:
            kwargs["logStreamNamePrefix"] = prefix
        while True:
            reply = _internal(self.logs.describe_log_streams, **kwargs)
            found += [s["logStreamName"] for s in reply.get("logStreams", [])]
            token = reply.get("nextToken")
            if not token:
                return found
            kwargs["nextToken"] = token

    def raw_events(self, stream: str) -> Iterator[tuple[int, int, str]]:
        """(timestamp, ingestionTime, message) of every event, oldest first."""
        kwargs: dict[str, Any] = {
            "logGroupName": self.group,
            "logStreamName": stream,
            "startFromHead": True,
            "limit": _PAGE,
        }
        while True:
            reply = _internal(self.logs.get_log_events, **kwargs)
            for event in reply.get("events", []):
                yield event["timestamp"], event.get("ingestionTime", event["timestamp"]), event["message"]
            token = reply.get("nextForwardToken")
            if not reply.get("events") or not token or token == kwargs.get("nextToken"):
                return
            kwargs["nextToken"] = token

    def sorted_events(self, stream: str) -> tuple[list[int], list[tuple[int, int, str]]]:
        rows = list(self.raw_events(stream))
        return [row[0] for row in rows], rows


#: moto's log stream -> (its event count, timestamps, rows sorted by timestamp): each page of
#: FilterLogEvents used to sort and walk the whole stream again (quadratic in the stream's length).
_SORTED: weakref.WeakKeyDictionary[Any, tuple[int, list[int], list[tuple[int, int, str]]]] = weakref.WeakKeyDictionary()


class _MotoSource:
    """Events read from moto's in-process state: no serialisation, so as fast as moto's own search."""

    def __init__(self, backend: Any, group: str) -> None:
        if group not in backend.groups:
            raise ServiceError("ResourceNotFoundException", "The specified log group does not exist.")
        self.group = backend.groups[group]

    def stream_names(self, prefix: str | None) -> list[str]:
        return sorted(n for n in self.group.streams if not prefix or n.startswith(prefix))

    def sorted_events(self, stream: str) -> tuple[list[int], list[tuple[int, int, str]]]:
        """Timestamps and (timestamp, ingestionTime, message) rows, oldest first (stable), cached
        while the stream holds the same number of events (moto only appends to a stream)."""
        found = self.group.streams[stream]
        cached = _SORTED.get(found)
        if cached is None or cached[0] != len(found.events):
            rows = [(e.timestamp, e.ingestion_time, e.message) for e in sorted(found.events, key=lambda e: e.timestamp)]
            cached = (len(found.events), [row[0] for row in rows], rows)
            _SORTED[found] = cached
        return cached[1], cached[2]


def _source(call: Call, group: str) -> _ClientSource | _MotoSource:
    lab = getattr(call, "lab", None)
    backend = getattr(lab, "backend", None)
    if backend is not None and backend.in_process:
        from moto.logs.models import logs_backends

        region = call.region or lab.region  # type: ignore[union-attr]
        return _MotoSource(logs_backends[backend.account_id][region], group)
    return _ClientSource(call.internal("logs"), group)


def _events(
    source: _ClientSource | _MotoSource, stream: str, start: int | None, end: int | None
) -> Iterator[dict[str, Any]]:
    """A stream's events within [start, end], shaped as ``FilteredLogEvent``.

    The eventId (56 digits, like AWS's) depends only on the event's place in its stream, so a
    nextToken stays valid whatever the time range.
    """
    stream_code = zlib.crc32(stream.encode()) % 10**10
    timestamps, rows = source.sorted_events(stream)
    first = bisect.bisect_left(timestamps, start) if start is not None else 0
    for position in range(first, len(rows)):
        timestamp, ingested, message = rows[position]
        if end is not None and timestamp > end:
            return
        yield {
            "logStreamName": stream,
            "timestamp": timestamp,
            "message": message,
            "ingestionTime": ingested,
            "eventId": f"{timestamp:020d}{stream_code:010d}{position:026d}",
        }


def _order(event: dict[str, Any]) -> tuple[int, str]:
    return event["timestamp"], event["eventId"]


def _make_token(group: str, last: dict[str, Any]) -> str:
    raw = json.dumps({"g": group, "t": last["timestamp"], "e": last["eventId"]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _read_token(token: str | None, group: str) -> tuple[int, str] | Literal[False] | None:
    """Where the previous page ended; None for a first page, False for a token not ours."""
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["g"] != group:
            return False
        return int(data["t"]), str(data["e"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return False


def install(emulator: Emulator) -> LogsFilters:
    """Register the logs filter-pattern answers on ``emulator``."""
    plugin = LogsFilters(emulator)
    emulator.answers("logs", "TestMetricFilter")(plugin.test_metric_filter)
    emulator.answers("logs", "FilterLogEvents")(plugin.filter_log_events)
    emulator.answers("logs", "PutMetricFilter")(plugin.put_metric_filter)
    emulator.answers("logs", "PutSubscriptionFilter")(plugin.put_subscription_filter)
    return plugin
