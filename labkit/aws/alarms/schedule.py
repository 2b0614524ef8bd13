"""When CloudWatch evaluates a metric alarm, and which periods each evaluation looks at.

Taught in notebook 02-cpu-alarm. Sources, and what labkit chose where they are silent:

* **Frequency.** "If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every
  10 seconds" ("Using Amazon CloudWatch alarms",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). For a
  period of one minute or longer the "Alarm evaluation window" page shows a one-hour alarm that
  evaluates 13:07–14:07 and then 13:08–14:08: one evaluation a minute
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html#sliding-window).
  The pages are silent on 20-second periods (valid since high-resolution alarms took 20): labkit
  evaluates them every 10 seconds too, like the other sub-minute periods. They are silent on
  metric-math alarms apart from the window page's "Both configurations are supported on all types of
  metric alarms except alarms that are based on a PromQL query": labkit evaluates them on the same
  cadence as single-metric alarms of the same period.
* **Window.** ``SlidingWindow`` (the default when ``EvaluationWindow`` is omitted): "The window
  advances each time the alarm is evaluated, forming a rolling time window", so the evaluated periods
  end at the evaluation time. ``WallClockWindow``: "the window is aligned to clock boundaries that
  match the period (such as the top of the hour, midnight, or the start of the calendar week)" in
  ``Timezone`` (UTC when omitted), and "only reflects a data point after the period that contains it
  ends"; the period must be 60, 300, 3,600, 86,400 or 604,800 seconds and high-resolution alarms
  cannot use it (API reference, WallClockWindow,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_WallClockWindow.html;
  "Create a metric alarm that uses a wall clock evaluation window",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_WallClock_Alarm.html). A
  wall-clock alarm is still evaluated every minute (the pages do not say otherwise); each evaluation
  ends at the latest boundary, so its answer changes only when a period completes. Its periods are
  the alarm's ``Period`` in seconds back from that boundary: the pages do not say how a one-day period
  spans a daylight-saving change in an IANA time zone (labkit's days there are 24 hours long).
* Whether a data point stamped exactly at the evaluation time is in that evaluation is not
  documented: labkit's periods are ``[start, end)``, as GetMetricStatistics' are, so a datapoint at
  00:11:00 is first seen by the evaluation at 00:12:00.

The validation messages here are *labkit wording* (AWS's text for them was not found).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from labkit.exceptions import InvalidAlarmParameter

__all__ = [
    "HIGH_RESOLUTION_INTERVAL",
    "WALL_CLOCK_PERIODS",
    "evaluation_times",
    "period_starts",
    "validate_evaluation_window",
    "window_end",
]

UTC = dt.timezone.utc
#: Seconds between evaluations of an alarm whose period is shorter than a minute.
HIGH_RESOLUTION_INTERVAL = 10
#: The only periods a wall clock window takes.
WALL_CLOCK_PERIODS = (60, 300, 3_600, 86_400, 604_800)
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):(\d{2})$")
_MONDAY = dt.datetime(1970, 1, 5)  # a Monday 00:00: weeks start there (ISO 8601)


def evaluation_times(period: int, minute: dt.datetime) -> list[dt.datetime]:
    """The instants in the lab minute that ends at ``minute`` at which an alarm of ``period`` evaluates.

    Every 10 seconds for a period shorter than a minute, once (at ``minute``) otherwise.
    """
    if period < 60:
        steps = 60 // HIGH_RESOLUTION_INTERVAL
        return [minute - dt.timedelta(seconds=HIGH_RESOLUTION_INTERVAL * k) for k in range(steps - 1, -1, -1)]
    return [minute]


def timezone(name: str | None) -> dt.tzinfo:
    """A ``WallClockWindow`` ``Timezone``: an IANA name, ``+05:30`` or ``UTC+05:30`` (UTC when omitted)."""
    if not name or name == "UTC":
        return UTC
    match = _OFFSET.match(name)
    if match:
        sign, hours, minutes = match.groups()
        if int(minutes) % 5 or int(hours) > 14 or int(minutes) > 59:
            raise InvalidAlarmParameter(
                f"The time zone offset '{name}' must be a multiple of 5 minutes between -14:00 and +14:00.",
                parameter="EvaluationWindow",
            )
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes))
        return dt.timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidAlarmParameter(
            f"The time zone '{name}' is not a valid time zone.", parameter="EvaluationWindow"
        ) from error


def validate_evaluation_window(window: Mapping[str, Any] | None, period: int | None) -> None:
    """Refuse an ``EvaluationWindow`` AWS refuses (see the module docstring for the rules)."""
    if window is None:
        return
    members = [name for name in ("SlidingWindow", "WallClockWindow") if name in window]
    if len(members) != 1:
        raise InvalidAlarmParameter(
            "EvaluationWindow must specify exactly one of SlidingWindow or WallClockWindow.",
            parameter="EvaluationWindow",
        )
    if members == ["SlidingWindow"]:
        return
    if period is not None and period < 60:
        raise InvalidAlarmParameter(
            "A wall clock window is not supported for high-resolution alarms (periods of 10, 20 or 30 seconds).",
            parameter="EvaluationWindow",
        )
    if period is not None and period not in WALL_CLOCK_PERIODS:
        raise InvalidAlarmParameter(
            f"A wall clock window needs a period of 60, 300, 3600, 86400 or 604800 seconds, not {period}.",
            parameter="EvaluationWindow",
        )
    timezone(window["WallClockWindow"].get("Timezone"))


def window_end(at: dt.datetime, period: int, window: Mapping[str, Any] | None) -> dt.datetime:
    """Where the periods evaluated at ``at`` end: ``at`` for a sliding window, the latest clock
    boundary of ``period`` at or before ``at`` (in the window's time zone) for a wall clock window."""
    if not window or "WallClockWindow" not in window:
        return at
    zone = timezone(window["WallClockWindow"].get("Timezone"))
    local = at.astimezone(zone).replace(tzinfo=None)
    if period == 604_800:
        since = local - _MONDAY
    else:
        since = local - dt.datetime(1970, 1, 1)
    seconds = since.days * 86_400 + since.seconds
    boundary = local - dt.timedelta(seconds=seconds % period, microseconds=local.microsecond)
    if isinstance(zone, ZoneInfo):
        return boundary.replace(tzinfo=zone).astimezone(UTC)
    return (boundary - (zone.utcoffset(None) or dt.timedelta(0))).replace(tzinfo=UTC)


def period_starts(end: dt.datetime, period: int, count: int) -> list[dt.datetime]:
    """The starts of the ``count`` periods of ``period`` seconds that end at ``end``, oldest first."""
    return [end - dt.timedelta(seconds=period * (count - i)) for i in range(count)]
