"""AWS's documented limits on what ``PutLogEvents``, ``PutMetricData`` and ``PutMetricAlarm`` accept.

moto stores what it is given: ten thousand and one log events, a 1.1 MB event, ``+Infinity`` as a
metric value, a datapoint from last month. AWS refuses those calls, and so does the emulator,
before moto (or an answer, or the remote-server mirror) stores anything: a refused call is
refused whole, as botocore raises it for AWS.

``PutLogEvents`` ("PutLogEvents", CloudWatch Logs API Reference,
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html):

* "The maximum number of log events in a batch is 10,000."
* "Each log event can be no larger than 1 MB."
* "The maximum batch size is 1,048,576 bytes. This size is calculated as the sum of all event
  messages in UTF-8, plus 26 bytes for each log event."
* "For valid events (within 14 days in the past to 2 hours in future), the time span in a single
  batch cannot exceed 24 hours."
* A message must be text that UTF-8 can carry (a lone surrogate cannot be): the page does not say
  what AWS answers; labkit refuses it as an invalid parameter.

Events more than 14 days old or more than 2 hours ahead are *not* a refused call: "Events more
than 2 hours in the future are rejected while processing remaining valid events" (same page).
moto already answers them so, by lab time (``rejectedLogEventsInfo``), and the emulator leaves it
to moto. Every refusal here is ``InvalidParameterException``, the error the page lists for
"A parameter is specified incorrectly"; its message text is not documented, so the messages are
*labkit wording* in AWS's style.

``PutMetricData`` ("PutMetricData", CloudWatch API Reference,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html):

* "Each PutMetricData request is limited to 1 MB in size for HTTP POST requests. [...] Each request
  is also limited to no more than 1000 different metrics." Counted here as MetricData entries,
  the stricter reading (labkit's: the page does not say how datums of one metric count).
* "Values must be in the range of -2^360 to 2^360. In addition, special values (for example, NaN,
  +Infinity, -Infinity) are not supported." Applied to ``Value``, every ``Values`` entry and each
  ``StatisticValues`` field.
* "You can specify data points with a time stamp as old as two weeks before the current date, and
  as much as 2 hours after the current date and time" (lab time here).

Refusals are ``InvalidParameterValue`` (the page's "The value of an input parameter is bad or
out-of-range"); the 1 MB refusal is HTTP 413 ``RequestEntityTooLarge``, which the page does not
list: both messages are *labkit wording*.

``PutMetricAlarm``: ``Threshold`` must be a number; ``NaN`` and infinities are refused as
``InvalidParameterValue`` (labkit wording; the PutMetricAlarm page documents the type, Double,
not the refusal).

Taught in notebooks 01-metric-exploration (custom metrics) and 04-log-agent-config (the agent's batches).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from labkit.emulator.cloudwatch_metrics import _utc
from labkit.emulator.core import BODY_KEY
from labkit.exceptions import ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

MAX_LOG_EVENTS = 10_000
MAX_LOG_BATCH_BYTES = 1_048_576
MAX_LOG_EVENT_BYTES = 1_048_576
LOG_EVENT_OVERHEAD = 26
MAX_LOG_BATCH_SPAN = dt.timedelta(hours=24)
LOG_PAST = dt.timedelta(days=14)
LOG_FUTURE = dt.timedelta(hours=2)

MAX_METRIC_DATA = 1000
MAX_METRIC_PAYLOAD = 1_048_576
METRIC_LIMIT = 2.0**360
METRIC_PAST = dt.timedelta(weeks=2)
METRIC_FUTURE = dt.timedelta(hours=2)


def _bad_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def _utf8_size(message: str, index: int) -> int:
    try:
        return len(message.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise _bad_parameter(
            f"Log event message at index {index} is not valid UTF-8: character {error.start} is a lone surrogate"
        ) from None


def check_put_log_events(call: Call) -> None:
    """Refuse a ``PutLogEvents`` batch that breaks a documented limit (see the module docstring)."""
    events = call.params.get("logEvents", [])
    if len(events) > MAX_LOG_EVENTS:
        raise _bad_parameter(
            f"1 validation error detected: Value at 'logEvents' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_LOG_EVENTS} (the batch has {len(events)} events)"
        )
    total = 0
    for index, event in enumerate(events):
        size = _utf8_size(event.get("message", ""), index) + LOG_EVENT_OVERHEAD
        if size > MAX_LOG_EVENT_BYTES:
            raise _bad_parameter(f"Log event too large: {size} bytes exceeds limit of {MAX_LOG_EVENT_BYTES}")
        total += size
    if total > MAX_LOG_BATCH_BYTES:
        raise _bad_parameter(f"Upload too large: {total} bytes exceeds limit of {MAX_LOG_BATCH_BYTES}")
    now = call.lab.clock.now()
    oldest, newest = _millis(now - LOG_PAST), _millis(now + LOG_FUTURE)
    valid = [event["timestamp"] for event in events if oldest <= event.get("timestamp", 0) <= newest]
    if valid and max(valid) - min(valid) > MAX_LOG_BATCH_SPAN.total_seconds() * 1000:
        raise _bad_parameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")


def _millis(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def _number_text(value: float) -> str:
    """How AWS's messages write a double (Java's spelling of the special values)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _check_value(value: Any, parameter: str) -> None:
    number = float(value)
    if not math.isfinite(number) or abs(number) > METRIC_LIMIT:
        raise ServiceError(
            "InvalidParameterValue", f"The value {_number_text(number)} for parameter {parameter} is invalid."
        )


def _payload_size(body: Any) -> int:
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    if isinstance(body, dict):  # the query protocol, before botocore encodes the form
        from urllib.parse import urlencode

        return len(urlencode(body).encode("utf-8"))
    return 0


def check_put_metric_data(call: Call) -> None:
    """Refuse a ``PutMetricData`` call that breaks a documented limit (see the module docstring)."""
    data = call.params.get("MetricData", [])
    if len(data) > MAX_METRIC_DATA:
        raise ServiceError(
            "InvalidParameterValue", f"The collection MetricData must not have a size greater than {MAX_METRIC_DATA}."
        )
    size = _payload_size(call.context.get(BODY_KEY))
    if size > MAX_METRIC_PAYLOAD:
        raise ServiceError(
            "RequestEntityTooLarge", f"Request size {size} exceeded {MAX_METRIC_PAYLOAD} bytes", status=413
        )
    now = call.lab.clock.now()
    for number, datum in enumerate(data, start=1):
        member = f"MetricData.member.{number}"
        if "Value" in datum:
            _check_value(datum["Value"], f"{member}.Value")
        for position, value in enumerate(datum.get("Values", []), start=1):
            _check_value(value, f"{member}.Values.member.{position}")
        for field, value in (datum.get("StatisticValues") or {}).items():
            _check_value(value, f"{member}.StatisticValues.{field}")
        if datum.get("Timestamp") is None:
            continue
        when = _utc(datum["Timestamp"])
        if when < now - METRIC_PAST:
            raise ServiceError(
                "InvalidParameterValue",
                f"The parameter {member}.Timestamp must specify a time no more than two weeks in the past.",
            )
        if when > now + METRIC_FUTURE:
            raise ServiceError(
                "InvalidParameterValue",
                f"The parameter {member}.Timestamp must specify a time no more than two hours in the future.",
            )


def check_alarm_threshold(call: Call) -> None:
    """Refuse a ``PutMetricAlarm`` whose ``Threshold`` is NaN or infinite."""
    threshold = call.params.get("Threshold")
    if threshold is not None and not math.isfinite(float(threshold)):
        raise ServiceError(
            "InvalidParameterValue", f"The value {_number_text(float(threshold))} for parameter Threshold is invalid."
        )


class ApiLimits:
    """The plugin keeps no state: its checks are the functions above."""


def install(emulator: Emulator) -> ApiLimits:
    """Register the limit checks on ``emulator``."""
    emulator.validates("logs", "PutLogEvents")(check_put_log_events)
    emulator.validates("cloudwatch", "PutMetricData")(check_put_metric_data)
    emulator.validates("cloudwatch", "PutMetricAlarm")(check_alarm_threshold)
    return ApiLimits()
