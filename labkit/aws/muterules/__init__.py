"""Alarm mute rules: their schedule, when they mute, their status, which alarms they target.

Pure rules (no boto3 state) for :mod:`labkit.emulator.cloudwatch_mute_rules`. Sources:

* PutAlarmMuteRule and its ``Schedule`` / ``MuteTargets`` types (API reference,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Schedule.html, and botocore's
  ``cloudwatch`` model, which carries the same text):

  - ``Expression``: "one of two expression formats": ``cron(Minutes Hours Day-of-month Month
    Day-of-week)`` for recurring windows, where "The characters \\*, -, and , are supported in all
    fields. English names can be used for the month (JAN-DEC) and day of week (SUN-SAT) fields", and
    ``at(yyyy-MM-ddThh:mm)`` for one-time windows.
  - ``Duration``: "ISO 8601 duration format with a minimum of 1 minute (PT1M) and maximum of 15 days
    (P15D)"; "The duration begins when the schedule expression time is reached. For recurring
    schedules, the duration applies to each occurrence."
  - ``Timezone``: "standard timezone identifiers (for example, America/New_York ...). If you don't
    specify a time zone, UTC is used by default."
  - ``StartDate``: "If not specified, the mute rule takes effect immediately upon creation"; ``ExpireDate``:
    "After this time, the rule status becomes EXPIRED and will no longer mute the targeted alarms."
  - ``MuteTargets.AlarmNames``: up to 100 names of 1 to 255 characters, which "must match existing
    alarms in your Amazon Web Services account and region" (checked by the emulator, which knows the alarms).
  - Status (GetAlarmMuteRule): "SCHEDULED: The mute rule is configured and will become active in the
    future; ACTIVE: The mute rule is currently muting alarm actions; EXPIRED: The mute rule has passed
    its expiration date and will no longer become active"; ``MuteType`` "ONE_TIME or RECURRING".

* "How alarm mute rules work"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-mute-rules-behaviour.html):
  a rule is SCHEDULED before its window and ACTIVE in it; overlapping rules mute an alarm while any of
  them is active (what :func:`muted` answers; the emulator applies the rest of that page).

Where the pages are silent, labkit decides as follows (and refuses, with :class:`MuteRuleUnsupported`,
what it would have to guess):

* A window is ``[occurrence, occurrence + Duration)``; a rule mutes at an instant inside a window and
  inside ``[StartDate, ExpireDate)``, so a window that began before ``StartDate`` (or before the rule
  was created) mutes from then on, and one that runs past ``ExpireDate`` stops there.
* A one-time rule whose window is over (or cut off by its dates) is ``EXPIRED``: it "will no longer
  become active". A recurring rule is ``SCHEDULED`` between windows until its ``ExpireDate``.
* Cron times are wall-clock times in ``Timezone``; a time skipped or repeated by a daylight-saving
  change is taken at its first reading (Python's ``fold=0``). The duration is elapsed time.
* Refused by name: other cron characters (``/``, ``?``, ``L``, ``W``, ``#``: not listed), numeric days
  of the week (whether 0 or 1 is Sunday is not said: use SUN-SAT), reversed ranges (``FRI-MON``), both
  a day of the month and a day of the week (whether they are ANDed or ORed is not said), ISO 8601 years,
  months or fractions in ``Duration``, ``StartDate``/``ExpireDate`` with a ``Timezone`` other than UTC
  (the reference says the time zone "affects" those dates, but a timestamp is an instant and the pages do
  not say how it is read again), and a rule without ``MuteTargets`` (which alarms it mutes is not said).
* The error messages are labkit's wording; the code is CloudWatch's ``InvalidParameterValue`` (the model
  lists no validation error for PutAlarmMuteRule), ``ValidationError`` for the model's length limits.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labkit.exceptions import InvalidMuteRule, MuteRuleUnsupported


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks what a :class:`MuteRuleUnsupported` names for labkit's catalogue."""
    return message


UTC = dt.timezone.utc
MIN_DURATION = dt.timedelta(minutes=1)
MAX_DURATION = dt.timedelta(days=15)
MAX_TARGETS = 100
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
#: Python's weekday() numbering: Monday is 0.
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_AT = re.compile(r"^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_NUMBER = r"\d+(?:[.,]\d+)?"
#: Any ISO 8601 duration (years, months, fractions too): valid ISO that :data:`_DURATION` does not take is refused.
_ISO_DURATION = re.compile(
    rf"^P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
_FIELDS = (
    ("Minutes", 0, 59, ()),
    ("Hours", 0, 23, ()),
    ("Day-of-month", 1, 31, ()),
    ("Month", 1, 12, MONTHS),
    ("Day-of-week", 0, 6, DAYS),
)
_UNDOCUMENTED_CRON = re.compile(r"[/?#]")
_LAST_OR_WEEKDAY = re.compile(r"^\d*(?:L|W|LW)$")
STATUSES = ("SCHEDULED", "ACTIVE", "EXPIRED")


@dataclass(frozen=True)
class Cron:
    """A parsed ``cron(...)``: the allowed values of each field (day of week: Monday is 0), and which
    of the two day fields are restricted (not ``*``)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    def matches_day(self, day: dt.date) -> bool:
        return day.month in self.months and day.day in self.days_of_month and day.weekday() in self.days_of_week


@dataclass(frozen=True)
class Schedule:
    """A rule's ``Schedule``: a cron or a one-time start (``at``, wall clock), its duration and zone."""

    expression: str
    duration: dt.timedelta
    zone: dt.tzinfo
    cron: Cron | None = None
    at: dt.datetime | None = None

    @property
    def mute_type(self) -> str:
        return "RECURRING" if self.cron is not None else "ONE_TIME"


@dataclass(frozen=True)
class MuteRule:
    """What decides when a rule mutes: its schedule, dates (aware, UTC) and target alarm names."""

    schedule: Schedule
    targets: tuple[str, ...]
    start: dt.datetime | None = None
    expire: dt.datetime | None = None


def _length_error(member: str, limit: int) -> InvalidMuteRule:
    return InvalidMuteRule(
        f"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length "
        f"less than or equal to {limit}",
        "ValidationError",
    )


def parse_duration(text: str) -> dt.timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes and seconds, between PT1M and P15D."""
    match = _DURATION.match(text)
    if match is None or text in ("P", "PT"):
        if _ISO_DURATION.match(text) and text not in ("P", "PT"):
            raise MuteRuleUnsupported(
                N_("the Duration {text!r} (years, months or fractions: use days, hours and minutes)"), text=text
            )
        raise InvalidMuteRule(f"Duration {text!r} is not an ISO 8601 duration such as PT4H or P2DT12H.")
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    duration = dt.timedelta(**parts)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise InvalidMuteRule(f"Duration {text!r} must be between PT1M (1 minute) and P15D (15 days).")
    return duration


def parse_zone(name: str | None) -> dt.tzinfo:
    """``Timezone``: an IANA identifier such as ``Asia/Tokyo``; UTC when omitted."""
    if name is None:
        return UTC
    if len(name) > 50:
        raise _length_error("rule.schedule.timezone", 50)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidMuteRule(f"Timezone {name!r} is not a time zone identifier such as Asia/Tokyo.") from error


def _field_values(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    """One cron field: ``*``, or values and ranges separated by commas (names where the field has them)."""
    if text == "*":
        return frozenset(range(len(names)) if name == "Day-of-week" else range(low, high + 1))
    if _UNDOCUMENTED_CRON.search(text) or any(_LAST_OR_WEEKDAY.match(part.upper()) for part in re.split("[,-]", text)):
        raise MuteRuleUnsupported(
            N_(
                "the cron field {text!r} ({name}; mute rules document only *, - and , and the names of months and days)"
            ),
            text=text,
            name=name,
        )
    values: set[int] = set()
    for item in text.split(","):
        bounds = [_value(part, name, low, high, names) for part in item.split("-")]
        if len(bounds) > 2 or not item:
            raise InvalidMuteRule(f"The cron field {text!r} ({name}) is not valid.")
        first, last = bounds[0], bounds[-1]
        if last < first:
            raise MuteRuleUnsupported(
                N_("the reversed range {item!r} in the cron field {name} (whether it wraps is not documented)"),
                item=item,
                name=name,
            )
        values.update(range(first, last + 1))
    return frozenset(values)


def _value(part: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    upper = part.upper()
    if names and upper in names:
        return names.index(upper) + (low if name == "Month" else 0)
    if name == "Day-of-week" and part.isdigit():
        raise MuteRuleUnsupported(
            N_("the numeric day of week {part!r} (whether 0 or 1 is Sunday is not documented; use SUN-SAT)"), part=part
        )
    if not part.isdigit() or not low <= int(part) <= high:
        raise InvalidMuteRule(f"The value {part!r} is not valid in the cron field {name} ({low}-{high}).")
    return int(part)


def parse_cron(body: str) -> Cron:
    """``Minutes Hours Day-of-month Month Day-of-week``, five fields separated by spaces."""
    fields = body.split()
    if len(fields) != 5:
        raise InvalidMuteRule(
            f"The cron expression 'cron({body})' must have five fields: Minutes Hours Day-of-month Month Day-of-week."
        )
    values = [_field_values(text, *spec) for text, spec in zip(fields, _FIELDS)]
    if fields[2] != "*" and fields[4] != "*":
        raise MuteRuleUnsupported(
            N_(
                "a cron expression with both a day of the month and a day of the week (whether both or either must "
                "match is not documented)"
            )
        )
    return Cron(*values)


def parse_schedule(schedule: Mapping[str, Any]) -> Schedule:
    """A ``Rule.Schedule`` as PutAlarmMuteRule takes it (``Expression``, ``Duration``, ``Timezone``)."""
    expression, duration_text = schedule["Expression"], schedule["Duration"]
    if len(expression) > 256:
        raise _length_error("rule.schedule.expression", 256)
    if len(duration_text) > 50:
        raise _length_error("rule.schedule.duration", 50)
    zone = parse_zone(schedule.get("Timezone"))
    duration = parse_duration(duration_text)
    at = _AT.match(expression)
    if at is not None:
        try:
            year, month, day, hour, minute = (int(part) for part in at.groups())
            start = dt.datetime(year, month, day, hour, minute)
        except ValueError as error:
            raise InvalidMuteRule(f"The at expression {expression!r} is not a valid date and time.") from error
        return Schedule(expression, duration, zone, at=start)
    cron = _CRON.match(expression)
    if cron is not None:
        return Schedule(expression, duration, zone, cron=parse_cron(cron.group(1)))
    raise InvalidMuteRule(
        f"The schedule expression {expression!r} must be cron(Minutes Hours Day-of-month Month Day-of-week) or "
        "at(yyyy-MM-ddThh:mm).",
    )


def parse_rule(params: Mapping[str, Any]) -> MuteRule:
    """Check PutAlarmMuteRule's parameters (but the targets' existence) and return the rule they define."""
    if len(params["Name"]) > 255:
        raise _length_error("name", 255)
    if len(params.get("Description") or "") > 1024:
        raise _length_error("description", 1024)
    schedule = parse_schedule(params["Rule"]["Schedule"])
    targets = params.get("MuteTargets")
    if targets is None:
        raise MuteRuleUnsupported(N_("a mute rule without MuteTargets (which alarms it mutes is not documented)"))
    names = list(targets["AlarmNames"])
    if len(names) > MAX_TARGETS:
        raise InvalidMuteRule(
            "1 validation error detected: Value at 'muteTargets.alarmNames' failed to satisfy constraint: Member must "
            f"have length less than or equal to {MAX_TARGETS}",
            "ValidationError",
        )
    if any(len(name) > 255 for name in names):
        raise _length_error("muteTargets.alarmNames.member", 255)
    dates = [key for key in ("StartDate", "ExpireDate") if params.get(key) is not None]
    if dates and schedule.zone is not UTC and getattr(schedule.zone, "key", "") not in ("UTC", "Etc/UTC"):
        if len(dates) == 2:
            template = N_(
                "StartDate and ExpireDate with the Timezone {zone} (the API reference says the time zone affects "
                "these dates but not how a timestamp is read in it; give the dates without a Timezone, in UTC)"
            )
        else:
            template = N_(
                "{date} with the Timezone {zone} (the API reference says the time zone affects these dates but not "
                "how a timestamp is read in it; give the dates without a Timezone, in UTC)"
            )
        raise MuteRuleUnsupported(template, date=dates[0], zone=schedule.zone)
    return MuteRule(
        schedule, tuple(dict.fromkeys(names)), _utc(params.get("StartDate")), _utc(params.get("ExpireDate"))
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def last_occurrence(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The latest start of a window at or before ``at`` (aware), or None when none can still cover it."""
    zone = schedule.zone
    if schedule.at is not None:
        start = schedule.at.replace(tzinfo=zone).astimezone(UTC)
        return start if start <= at else None
    cron = schedule.cron
    assert cron is not None
    local = at.astimezone(zone)
    earliest = (at - schedule.duration).astimezone(zone).date() - dt.timedelta(days=1)
    day = local.date()
    while day >= earliest:
        if cron.matches_day(day):
            for hour in sorted(cron.hours, reverse=True):
                if day == local.date() and hour > local.hour:
                    continue  # a later hour of the same local day is after ``at``
                for minute in sorted(cron.minutes, reverse=True):
                    start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
                    if start <= at:
                        return start
        day -= dt.timedelta(days=1)
    return None


def active(rule: MuteRule, at: dt.datetime) -> bool:
    """Whether ``rule`` mutes its targets at the instant ``at``."""
    if (rule.start is not None and at < rule.start) or (rule.expire is not None and at >= rule.expire):
        return False
    start = last_occurrence(rule.schedule, at)
    return start is not None and at < start + rule.schedule.duration


def status(rule: MuteRule, at: dt.datetime) -> str:
    """``SCHEDULED``, ``ACTIVE`` or ``EXPIRED`` at ``at`` (GetAlarmMuteRule's ``Status``)."""
    if rule.expire is not None and at >= rule.expire:
        return "EXPIRED"
    if active(rule, at):
        return "ACTIVE"
    once = rule.schedule.at
    if once is not None:
        start = once.replace(tzinfo=rule.schedule.zone).astimezone(UTC)
        end = min(start + rule.schedule.duration, rule.expire or dt.datetime.max.replace(tzinfo=UTC))
        if at >= end or (rule.start is not None and rule.start >= end):
            return "EXPIRED"
    return "SCHEDULED"


def muted(rules: Iterable[MuteRule], alarm_name: str, at: dt.datetime) -> bool:
    """Whether any of ``rules`` that targets ``alarm_name`` is active at ``at`` (overlapping rules mute together)."""
    return any(alarm_name in rule.targets and active(rule, at) for rule in rules)
