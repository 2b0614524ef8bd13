"""The lab clock: virtual, deterministic time on moto; the wall clock on a real account.

On the moto backends nothing happens by itself: alarms are evaluated, metrics published and
logs written only when the lab clock moves (``Lab.advance``). Time is virtual, so a notebook that
"waits 15 minutes" for an alarm runs in milliseconds and always prints the same timestamps.
On ``aws`` the clock is the wall clock and advancing it really waits.

Introduced in notebook 00-setup-and-monitoring-types.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable

from labkit.exceptions import ConfigurationError
from labkit.i18n import _

UTC = dt.timezone.utc

#: Where a virtual clock starts unless told otherwise: a fixed instant, so that executed
#: notebooks, their committed outputs and a learner's re-run all show the same times
#: (09:00 in Tokyo, the article's region).
DEFAULT_START = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


def parse_start(value: str | None) -> dt.datetime:
    """Read ``LABKIT_CLOCK_START``: an ISO-8601 instant, ``now``, or unset (the default start)."""
    if not value:
        return DEFAULT_START
    if value.strip().lower() == "now":
        return dt.datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ConfigurationError(
            _("LABKIT_CLOCK_START={value!r} is not an ISO-8601 time such as 2026-06-01T00:00:00Z").format(value=value)
        ) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class LabClock:
    """Lab time, always timezone-aware UTC.

    A virtual clock moves only through :meth:`advance_to`; a real clock reads the wall clock.
    """

    def __init__(self, start: dt.datetime | None = None, *, virtual: bool = True) -> None:
        self.virtual = virtual
        if start is None:
            start = parse_start(os.environ.get("LABKIT_CLOCK_START"))
        if start.tzinfo is None:
            raise ConfigurationError("the lab clock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self.started_at = self.now()

    def now(self) -> dt.datetime:
        """The current lab time (timezone-aware UTC)."""
        if self.virtual:
            return self._now
        return dt.datetime.now(UTC)

    def utcnow_naive(self) -> dt.datetime:
        """Lab time as the naive UTC datetime that moto uses internally."""
        return self.now().replace(tzinfo=None)

    def advance_to(self, target: dt.datetime, on_minute: Callable[[dt.datetime], None]) -> None:
        """Move a virtual clock to ``target``, calling ``on_minute`` at every whole minute passed.

        The clock reads each minute boundary while ``on_minute`` runs for it, so what the
        emulator writes at that tick carries that minute's timestamp.
        """
        if not self.virtual:
            raise ConfigurationError("a real clock cannot be moved; the lab waits instead")
        if target < self._now:
            raise ConfigurationError(f"the lab clock cannot go back from {self._now} to {target}")
        next_minute = self._now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        while next_minute <= target:
            self._now = next_minute
            on_minute(next_minute)
            next_minute += dt.timedelta(minutes=1)
        self._now = target

    @staticmethod
    def sleep(seconds: float) -> None:
        """Really wait (real clock only); a seam the tests replace."""
        time.sleep(seconds)

    def __repr__(self) -> str:
        kind = "virtual" if self.virtual else "real"
        return f"<LabClock {kind} {self.now().isoformat()}>"
