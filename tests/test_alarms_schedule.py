"""When alarms are evaluated and which periods they look at (labkit.aws.alarms.schedule).

"Alarm evaluation window": one evaluation a minute, the window sliding with it (13:07-14:07 then
13:08-14:08), or aligned to the clock in a time zone for a wall clock window, whose periods are 1 minute,
5 minutes, 1 hour, 1 day or 1 week and not for high-resolution alarms
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_WallClockWindow.html);
"If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
"""

from __future__ import annotations

import datetime as dt

import pytest

from labkit.aws.alarms import schedule
from labkit.exceptions import InvalidAlarmParameter

UTC = dt.timezone.utc
AT = dt.datetime(2026, 6, 3, 14, 8, tzinfo=UTC)  # a Wednesday


def test_periods_of_a_minute_or_more_are_evaluated_once_a_minute() -> None:
    assert schedule.evaluation_times(60, AT) == [AT]
    assert schedule.evaluation_times(3600, AT) == [AT]


@pytest.mark.parametrize("period", [10, 20, 30])
def test_high_resolution_periods_are_evaluated_every_10_seconds(period: int) -> None:
    times = schedule.evaluation_times(period, AT)
    assert times == [AT - dt.timedelta(seconds=s) for s in (50, 40, 30, 20, 10, 0)]


def test_a_sliding_window_ends_at_the_evaluation_like_the_guides_13_07_example() -> None:
    end = schedule.window_end(AT, 3600, None)
    assert end == AT
    assert schedule.period_starts(end, 3600, 1) == [dt.datetime(2026, 6, 3, 13, 8, tzinfo=UTC)]
    assert schedule.window_end(AT, 3600, {"SlidingWindow": {}}) == AT


@pytest.mark.parametrize(
    ("period", "timezone", "boundary"),
    [
        (300, None, dt.datetime(2026, 6, 3, 14, 5)),
        (3600, None, dt.datetime(2026, 6, 3, 14, 0)),
        (3600, "+05:30", dt.datetime(2026, 6, 3, 13, 30)),
        (3600, "UTC-03:45", dt.datetime(2026, 6, 3, 13, 45)),
        (86400, None, dt.datetime(2026, 6, 3)),
        (86400, "Asia/Tokyo", dt.datetime(2026, 6, 2, 15, 0)),
        (86400, "America/New_York", dt.datetime(2026, 6, 3, 4, 0)),  # EDT, UTC-4
        (604800, None, dt.datetime(2026, 6, 1)),  # Monday 00:00 (ISO 8601 weeks)
        (60, None, AT.replace(tzinfo=None)),
    ],
)
def test_a_wall_clock_window_ends_at_the_latest_clock_boundary(
    period: int, timezone: str | None, boundary: dt.datetime
) -> None:
    window = {"WallClockWindow": {"Timezone": timezone} if timezone else {}}
    assert schedule.window_end(AT, period, window) == boundary.replace(tzinfo=UTC)


def test_valid_windows_pass() -> None:
    schedule.validate_evaluation_window(None, 10)
    schedule.validate_evaluation_window({"SlidingWindow": {}}, 10)
    for period in schedule.WALL_CLOCK_PERIODS:
        schedule.validate_evaluation_window({"WallClockWindow": {"Timezone": "Europe/Paris"}}, period)


@pytest.mark.parametrize(
    ("window", "period", "match"),
    [
        ({}, 300, "exactly one"),
        ({"SlidingWindow": {}, "WallClockWindow": {}}, 300, "exactly one"),
        ({"WallClockWindow": {}}, 30, "high-resolution"),
        ({"WallClockWindow": {}}, 120, "not 120"),
        ({"WallClockWindow": {"Timezone": "+05:07"}}, 300, "multiple of 5"),
        ({"WallClockWindow": {"Timezone": "Nowhere/Town"}}, 300, "not a valid time zone"),
    ],
)
def test_invalid_windows_are_refused_naming_the_parameter(window: dict, period: int, match: str) -> None:
    with pytest.raises(InvalidAlarmParameter, match=match) as raised:
        schedule.validate_evaluation_window(window, period)
    assert raised.value.parameter == "EvaluationWindow" and raised.value.code == "ValidationError"
