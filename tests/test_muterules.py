"""The pure rules of alarm mute rules (labkit/aws/muterules).

Sources: the Schedule and PutAlarmMuteRule API references
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Schedule.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html), whose examples are
used as they are, and "How alarm mute rules work"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-mute-rules-behaviour.html).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from labkit.aws import muterules
from labkit.exceptions import InvalidMuteRule, MuteRuleUnsupported

UTC = dt.timezone.utc


def _rule(expression: str, duration: str = "PT1H", timezone: str | None = None, **more: Any) -> muterules.MuteRule:
    schedule = {"Expression": expression, "Duration": duration, **({"Timezone": timezone} if timezone else {})}
    return muterules.parse_rule(
        {"Name": "r", "Rule": {"Schedule": schedule}, "MuteTargets": {"AlarmNames": ["cpu"]}, **more}
    )


def _at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 2 * * *)",
        "cron(0 2 * * SUN)",
        "cron(0 1 1 * *)",
        "cron(0 18 * * FRI)",
        "cron(0 23 * * *)",
        "at(2024-05-10T14:00)",
        "at(2024-12-23T00:00)",
    ],
)
def test_the_reference_examples_parse(expression: str) -> None:
    assert muterules.parse_schedule({"Expression": expression, "Duration": "PT4H"}).expression == expression


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT4H", dt.timedelta(hours=4)),
        ("P2DT12H", dt.timedelta(days=2, hours=12)),
        ("PT6H", dt.timedelta(hours=6)),
        ("PT2H", dt.timedelta(hours=2)),
        ("P7D", dt.timedelta(days=7)),
        ("PT1M", dt.timedelta(minutes=1)),
        ("P15D", dt.timedelta(days=15)),
        ("P2W", dt.timedelta(days=14)),
    ],
)
def test_durations_of_the_reference_and_its_bounds(text: str, expected: dt.timedelta) -> None:
    assert muterules.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["PT59S", "P15DT1M", "P3W", "4H", "P", "PT", "PT4X"])
def test_durations_outside_pt1m_p15d_or_not_iso_are_invalid(text: str) -> None:
    with pytest.raises(InvalidMuteRule) as error:
        muterules.parse_duration(text)
    assert error.value.code == "InvalidParameterValue"


@pytest.mark.parametrize("text", ["P1M", "P1Y", "PT0.5H"])
def test_years_months_and_fractions_are_refused(text: str) -> None:
    with pytest.raises(MuteRuleUnsupported, match="Duration"):
        muterules.parse_duration(text)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(5 minutes)",
        "cron(0 2 * *)",
        "cron(0 2 * * * 2026)",
        "cron(60 2 * * *)",
        "cron(0 24 * * *)",
        "cron(0 2 0 * *)",
        "cron(0 2 * 13 *)",
        "cron(0 2 * FOO *)",
        "at(2026-02-30T00:00)",
        "at(2026-06-01 00:00)",
    ],
)
def test_expressions_outside_the_two_formats_are_invalid(expression: str) -> None:
    with pytest.raises(InvalidMuteRule):
        muterules.parse_schedule({"Expression": expression, "Duration": "PT1H"})


@pytest.mark.parametrize(
    ("expression", "construct"),
    [
        ("cron(*/5 * * * *)", "'*/5'"),
        ("cron(0 2 ? * *)", "'?'"),
        ("cron(0 2 L * *)", "'L'"),
        ("cron(0 2 15W * *)", "'15W'"),
        ("cron(0 2 * * MON#2)", "'MON#2'"),
        ("cron(0 2 * * 1)", "numeric day of week"),
        ("cron(0 2 * * FRI-MON)", "reversed"),
        ("cron(0 2 1 * MON)", "both a day of the month and a day of the week"),
    ],
)
def test_what_the_reference_does_not_list_is_refused(expression: str, construct: str) -> None:
    """ "The characters *, -, and , are supported in all fields" — nothing else is documented."""
    with pytest.raises(MuteRuleUnsupported, match=construct):
        muterules.parse_schedule({"Expression": expression, "Duration": "PT1H"})


def test_names_ranges_and_lists() -> None:
    """ "English names can be used for the month (JAN-DEC) and day of week (SUN-SAT) fields"."""
    cron = muterules.parse_schedule({"Expression": "cron(0,30 9-17 * JUN-AUG MON-FRI)", "Duration": "PT1H"}).cron
    assert cron is not None
    assert cron.minutes == {0, 30} and cron.hours == set(range(9, 18)) and cron.months == {6, 7, 8}
    assert cron.days_of_week == {0, 1, 2, 3, 4}  # Monday to Friday (Python's weekday numbers)


def test_a_weekly_window_and_its_statuses() -> None:
    """cron(0 2 * * SUN) with PT4H: "The duration begins when the schedule expression time is reached. For
    recurring schedules, the duration applies to each occurrence". 2026-06-07 is a Sunday."""
    rule = _rule("cron(0 2 * * SUN)", "PT4H")
    assert muterules.status(rule, _at(2026, 6, 7, 1, 59)) == "SCHEDULED"
    assert muterules.status(rule, _at(2026, 6, 7, 2, 0)) == "ACTIVE"
    assert muterules.status(rule, _at(2026, 6, 7, 5, 59)) == "ACTIVE"
    assert muterules.status(rule, _at(2026, 6, 7, 6, 0)) == "SCHEDULED"
    assert muterules.status(rule, _at(2026, 6, 14, 3, 0)) == "ACTIVE"
    assert rule.schedule.mute_type == "RECURRING"


def test_a_window_crossing_midnight_and_days() -> None:
    """P2DT12H "for weekend muting from Friday 6:00 PM to Monday 6:00 AM" with cron(0 18 * * FRI)."""
    rule = _rule("cron(0 18 * * FRI)", "P2DT12H")
    assert muterules.active(rule, _at(2026, 6, 5, 18, 0))  # Friday
    assert muterules.active(rule, _at(2026, 6, 8, 5, 59))  # Monday
    assert not muterules.active(rule, _at(2026, 6, 8, 6, 0))


def test_the_time_zone_reads_the_expression() -> None:
    """ "The time zone affects how cron and at expressions are interpreted": 02:00 in Tokyo is 17:00 UTC."""
    rule = _rule("cron(0 2 * * *)", "PT1H", "Asia/Tokyo")
    assert muterules.active(rule, _at(2026, 6, 1, 17, 30)) and not muterules.active(rule, _at(2026, 6, 1, 2, 30))
    once = _rule("at(2026-06-01T09:00)", "PT1H", "Asia/Tokyo")
    assert muterules.status(once, _at(2026, 6, 1, 0, 0)) == "ACTIVE"


def test_a_one_time_rule_is_expired_after_its_window() -> None:
    rule = _rule("at(2026-06-01T00:10)", "PT30M")
    assert rule.schedule.mute_type == "ONE_TIME"
    assert [muterules.status(rule, _at(2026, 6, 1, 0, m)) for m in (0, 10, 39, 40)] == [
        "SCHEDULED",
        "ACTIVE",
        "ACTIVE",
        "EXPIRED",
    ]


def test_start_and_expire_dates_bound_the_windows() -> None:
    """StartDate: "after which the mute rule takes effect"; ExpireDate: "After this time, the rule status
    becomes EXPIRED and will no longer mute the targeted alarms"."""
    rule = _rule("cron(0 * * * *)", "PT30M", StartDate=_at(2026, 6, 1, 1, 10), ExpireDate=_at(2026, 6, 1, 3, 15))
    assert muterules.status(rule, _at(2026, 6, 1, 0, 10)) == "SCHEDULED"  # a window, before StartDate
    assert muterules.status(rule, _at(2026, 6, 1, 1, 10)) == "ACTIVE"  # labkit: the window in progress counts
    assert muterules.status(rule, _at(2026, 6, 1, 3, 14)) == "ACTIVE"
    assert muterules.status(rule, _at(2026, 6, 1, 3, 15)) == "EXPIRED"


def test_overlapping_rules_mute_while_any_is_active() -> None:
    """The page's "Multiple overlapping alarm mute rules" scenario."""
    first = _rule("at(2026-06-01T01:00)", "PT4H")
    second = _rule("at(2026-06-01T03:00)", "PT4H")
    assert muterules.muted([first, second], "cpu", _at(2026, 6, 1, 6, 0))
    assert not muterules.muted([first, second], "cpu", _at(2026, 6, 1, 7, 0))
    assert not muterules.muted([first, second], "disk", _at(2026, 6, 1, 4, 0))  # not a target


def test_limits_of_the_model() -> None:
    """MuteTargets "up to 100 alarm names"; Name up to 255 characters; Description up to 1,024 (the model)."""
    schedule = {"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT1H"}}
    for params in (
        {"Name": "r", "MuteTargets": {"AlarmNames": [f"a{i}" for i in range(101)]}},
        {"Name": "r" * 256, "MuteTargets": {"AlarmNames": ["a"]}},
        {"Name": "r", "Description": "d" * 1025, "MuteTargets": {"AlarmNames": ["a"]}},
    ):
        with pytest.raises(InvalidMuteRule) as error:
            muterules.parse_rule({"Rule": schedule, **params})
        assert error.value.code == "ValidationError"


def test_a_time_skipped_by_daylight_saving_is_taken_at_its_first_reading() -> None:
    """The pages are silent; labkit reads 02:00 on 2026-03-08 in New York (skipped: clocks go from 02:00 to
    03:00) with the offset before the change, 07:00 UTC, and the window still lasts its Duration."""
    rule = _rule("cron(0 2 * * *)", "PT1H", "America/New_York")
    assert muterules.last_occurrence(rule.schedule, _at(2026, 3, 8, 7, 30)) == _at(2026, 3, 8, 7, 0)
    assert muterules.active(rule, _at(2026, 3, 8, 7, 59)) and not muterules.active(rule, _at(2026, 3, 8, 8, 0))
    assert muterules.last_occurrence(rule.schedule, _at(2026, 3, 9, 6, 30)) == _at(2026, 3, 9, 6, 0)  # EDT after
