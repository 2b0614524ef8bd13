"""``/var/log/secure`` as Amazon Linux writes it, and a simulated log agent that ships it.

:class:`SecureLogGenerator` writes sshd's lines in rsyslog's traditional format
(``Nov 26 10:15:01 ip-10-0-0-229 sshd[2817]: ...``): quiet days of key-based logins, and
brute-force bursts whose ``[preauth]`` lines the article's metric filter counts. Message texts
follow OpenSSH 7.4p1 (Amazon Linux 2, the article's system) or 8.7p1 (Amazon Linux 2023), and
every address comes from the documentation ranges of RFC 5737, never a real host.

:class:`SimulatedAgent` does what the agent configured in notebook 04 does with those lines:
reads each line's timestamp with ``datetime_format``, groups lines into events, batches them by
the agent's and PutLogEvents' rules and sends them with a boto3 ``logs`` client.

Rules cited below as "agent reference" are from
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html, as "PutLogEvents
reference" from https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html.

:func:`lint` gives :func:`labkit.aws.filterpattern.lint`'s warnings about a filter pattern in the
lab's language.

Taught in notebook 05-ssh-failure-metric-filter.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from labkit.aws.agent.awslogs import (
    EVENT_OVERHEAD_BYTES,
    LogSource,
    regex_problems,
)
from labkit.aws.agent.unified import collect_list_entry_problems, source_from_collect_list
from labkit.aws.filterpattern import lint as lint_pattern
from labkit.exceptions import InvalidAgentConfig, InvalidParameter
from labkit.i18n import _
from labkit.lesson.agent import say, validate_source

UTC = dt.timezone.utc
#: RFC 5737 TEST-NET-1/2/3: the only addresses this module writes.
DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
#: The names brute-force bots try most; ``root`` exists on every instance, the rest do not.
ATTACK_USERS = ("root", "admin", "oracle", "test", "ubuntu", "postgres", "user", "git", "guest", "ftpuser")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: The legacy agent skips an event over 256 KB, one more than 2 hours in the future and one more
#: than 14 days old (agent reference, "What would cause log entries ... to be skipped").
#: The size counts the UTF-8 message plus the 26-byte overhead, as batch sizes do.
MAX_EVENT_BYTES = 256 * 1024
MAX_FUTURE = dt.timedelta(hours=2)
MAX_AGE = dt.timedelta(days=14)
#: "A batch of log events in a single request cannot span more than 24 hours" (PutLogEvents reference).
MAX_BATCH_SPAN = dt.timedelta(hours=24)
#: Without multi_line_start_pattern, "any line that begins with non-whitespace character closes
#: the previous log message and starts a new log message" (agent reference).
DEFAULT_MULTI_LINE_START = r"^[^\s]"

Flavor = Literal["al2", "al2023"]


@dataclass(frozen=True)
class LogLine:
    """One line of ``/var/log/secure``: when sshd wrote it (aware UTC) and the line itself."""

    timestamp: dt.datetime
    text: str


class SecureLogGenerator:
    """A seeded writer of sshd's ``/var/log/secure`` lines on an EC2 instance.

    ``flavor`` picks the message texts: ``"al2"`` (OpenSSH 7.4p1, pam 1.1) or ``"al2023"``
    (OpenSSH 8.7p1, pam 1.5, which names the user in preauth disconnects). The instance clock is
    UTC, the EC2 default, so the text shows the UTC time of ``LogLine.timestamp``.
    ``password_auth`` says whether sshd accepts passwords: Amazon Linux AMIs ship with
    ``PasswordAuthentication no``, and then attacks leave no ``Failed password`` lines.
    The same seed and arguments always give the same lines, whatever was generated before.
    """

    def __init__(
        self,
        seed: int = 0,
        hostname: str = "ip-10-0-0-229",
        *,
        flavor: Flavor = "al2023",
        users: tuple[str, ...] = ("ec2-user",),
        admin_ip: str = "198.51.100.7",
        password_auth: bool = True,
    ) -> None:
        if flavor not in ("al2", "al2023"):
            raise InvalidParameter(_("flavor must be 'al2' or 'al2023', not {flavor!r}").format(flavor=flavor))
        self.seed = seed
        self.hostname = hostname
        self.flavor: Flavor = flavor
        self.users = users
        self.admin_ip = _documentation_ip(admin_ip)
        self.password_auth = password_auth

    def normal(self, start: dt.datetime, minutes: int, logins_per_hour: float = 4.0) -> list[LogLine]:
        """Key-based logins of ``users`` from ``admin_ip`` and their logouts: no ``[preauth]`` line.

        Logins arrive at random (a Poisson process of ``logins_per_hour``); sessions last 1 to
        30 minutes, and lines after the window's end are not written yet.
        """
        start, end = _window(start, minutes)
        if logins_per_hour < 0:
            raise InvalidParameter(_("logins_per_hour cannot be negative"))
        rng = random.Random(f"{self.seed}/normal/{start.isoformat()}/{minutes}/{logins_per_hour}")
        lines: list[LogLine] = []
        pid = rng.randint(2000, 30000)
        offset = 0.0
        while logins_per_hour > 0:
            offset += rng.expovariate(logins_per_hour / 3600)
            if offset >= minutes * 60:
                break
            pid += rng.randint(2, 40)
            lines += self._login(rng, start + dt.timedelta(seconds=offset), pid)
        return _sorted_before(lines, end)

    def attack(
        self,
        start: dt.datetime,
        minutes: int,
        attempts_per_minute: float = 20,
        source_ip: str | None = None,
    ) -> list[LogLine]:
        """A brute-force burst from one documentation-range address.

        Exactly ``attempts_per_minute`` connections land in each minute (one in each equal slot,
        at a random point of it). Most try a user name from :data:`ATTACK_USERS`; one in ten only
        grabs the banner and leaves (``Connection closed by ... [preauth]``).
        """
        start, end = _window(start, minutes)
        if attempts_per_minute <= 0:
            raise InvalidParameter(_("attempts_per_minute must be positive"))
        rng = random.Random(f"{self.seed}/attack/{start.isoformat()}/{minutes}/{attempts_per_minute}/{source_ip}")
        ip = _documentation_ip(source_ip) if source_ip else _random_attacker(rng)
        slot = 60 / attempts_per_minute
        pid = rng.randint(2000, 30000)
        lines: list[LogLine] = []
        for index in range(round(attempts_per_minute * minutes)):
            pid += rng.randint(1, 4)
            at = start + dt.timedelta(seconds=(index + rng.random()) * slot)
            lines += self._attempt(rng, at, pid, ip)
        return _sorted_before(lines, end)

    def keyless_login(self, at: dt.datetime, user: str | None = None) -> list[LogLine]:
        """The article's test: ``ssh`` from the administrator's address without the key pair, to an sshd
        that accepts keys only (``PasswordAuthentication no``, the Amazon Linux default), so the client
        gives up: one ``Connection closed by … [preauth]`` line (OpenSSH 8.x names the user it was
        authenticating; 7.4, the article's Amazon Linux 2, does not). Taught in notebook 05.
        """
        at = at.astimezone(UTC)
        rng = random.Random(f"{self.seed}/keyless/{at.isoformat()}")
        who = f"authenticating user {user or self.users[0]} " if self.flavor == "al2023" else ""
        port = rng.randint(32768, 60999)
        return [
            self._line(at, rng.randint(2000, 30000), f"Connection closed by {who}{self.admin_ip} port {port} [preauth]")
        ]

    def password_login(self, at: dt.datetime, user: str, source_ip: str) -> list[LogLine]:
        """A password login that succeeds — what a brute force that guessed right leaves:
        ``Accepted password for <user> from <ip> port <port> ssh2`` and the session's opening.
        Taught in notebook 08-investigate (the first accepted login after a burst of failures).
        """
        at = at.astimezone(UTC)
        rng = random.Random(f"{self.seed}/password/{at.isoformat()}/{user}/{source_ip}")
        ip, port, pid = _documentation_ip(source_ip), rng.randint(32768, 60999), rng.randint(2000, 30000)
        uid = 1000 + self.users.index(user) if user in self.users else 1000 + len(self.users)
        opened_for = user if self.flavor == "al2" else f"{user}(uid={uid})"
        return [
            self._line(at, pid, f"Accepted password for {user} from {ip} port {port} ssh2"),
            self._line(at, pid, f"pam_unix(sshd:session): session opened for user {opened_for} by (uid=0)"),
        ]

    def _line(self, at: dt.datetime, pid: int, message: str) -> LogLine:
        at = at.replace(microsecond=0)
        # rsyslog's traditional format pads the day with a space ("Nov  6"), in English always.
        stamp = f"{_MONTHS[at.month - 1]} {at.day:>2} {at:%H:%M:%S}"
        return LogLine(at, f"{stamp} {self.hostname} sshd[{pid}]: {message}")

    def _login(self, rng: random.Random, at: dt.datetime, pid: int) -> list[LogLine]:
        user = rng.choice(self.users)
        ip, port = self.admin_ip, rng.randint(32768, 60999)
        key = "RSA" if self.flavor == "al2" else "ED25519"
        key_bytes = random.Random(f"{self.seed}/key/{user}").randbytes(32)
        fingerprint = base64.b64encode(key_bytes).decode().rstrip("=")
        opened_for = user if self.flavor == "al2" else f"{user}(uid={1000 + self.users.index(user)})"
        logout = at + dt.timedelta(seconds=rng.uniform(60, 1800))
        disconnected = (
            f"Disconnected from {ip} port {port}"
            if self.flavor == "al2"
            else (f"Disconnected from user {user} {ip} port {port}")
        )
        return [
            self._line(
                at, pid, f"Accepted publickey for {user} from {ip} port {port} ssh2: {key} SHA256:{fingerprint}"
            ),
            self._line(at, pid, f"pam_unix(sshd:session): session opened for user {opened_for} by (uid=0)"),
            self._line(logout, pid, f"Received disconnect from {ip} port {port}:11: disconnected by user"),
            self._line(logout, pid, disconnected),
            self._line(logout, pid, f"pam_unix(sshd:session): session closed for user {user}"),
        ]

    def _attempt(self, rng: random.Random, at: dt.datetime, pid: int, ip: str) -> list[LogLine]:
        port = rng.randint(32768, 60999)
        if rng.random() < 0.1:
            return [self._line(at, pid, f"Connection closed by {ip} port {port} [preauth]")]
        user = rng.choice(ATTACK_USERS)
        valid = user == "root"
        messages: list[str] = []
        if not valid:
            messages.append(f"Invalid user {user} from {ip} port {port}")
            if self.flavor == "al2":
                messages.append(f"input_userauth_request: invalid user {user} [preauth]")
        if self.password_auth:
            failure = f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"
            if valid:
                messages += [
                    f"{failure}  user={user}",
                    f"Failed password for {user} from {ip} port {port} ssh2",
                ]
            else:
                messages += [
                    "pam_unix(sshd:auth): check pass; user unknown",
                    failure,
                    f"Failed password for invalid user {user} from {ip} port {port} ssh2",
                ]
        # OpenSSH 8.x names who was authenticating when a preauth connection ends; 7.4 does not.
        who = ""
        if self.flavor == "al2023":
            who = ("authenticating user " if valid else "invalid user ") + f"{user} "
        if rng.random() < 0.5:
            messages += [
                f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
                f"Disconnected from {who}{ip} port {port} [preauth]",
            ]
        else:
            messages.append(f"Connection closed by {who}{ip} port {port} [preauth]")
        lines = []
        for message in messages:
            lines.append(self._line(at, pid, message))
            at += dt.timedelta(seconds=rng.choice((0, 0, 1, 2)))
        return lines


def secure_log_text(lines: Iterable[LogLine]) -> str:
    """The lines as the file's content, one per line."""
    return "".join(line.text + "\n" for line in lines)


@dataclass(frozen=True)
class Event:
    """One log event as the agent sends it: a timestamp and the message (one or more lines)."""

    timestamp: dt.datetime
    message: str

    @property
    def size(self) -> int:
        """Bytes the event counts in a batch: its UTF-8 message plus 26 (PutLogEvents reference)."""
        return len(self.message.encode("utf-8")) + EVENT_OVERHEAD_BYTES

    def as_input(self) -> dict[str, Any]:
        """The ``InputLogEvent`` for ``put_log_events``: milliseconds since the epoch, message."""
        return {"timestamp": int(self.timestamp.timestamp() * 1000), "message": self.message}


@dataclass(frozen=True)
class Batch:
    """One PutLogEvents call the agent made."""

    events: int
    bytes: int
    first: dt.datetime
    last: dt.datetime


@dataclass
class ShipReport:
    """What :meth:`SimulatedAgent.ship` did."""

    log_group: str
    log_stream: str
    created_group: bool
    created_stream: bool
    batches: list[Batch] = field(default_factory=list)
    #: ``(reason, message)`` for each event the agent skipped, as the agent logs a warning.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: ``rejectedLogEventsInfo`` of each response that had one.
    rejected: list[dict[str, int]] = field(default_factory=list)

    @property
    def events_sent(self) -> int:
        """How many events went out in all batches."""
        return sum(batch.events for batch in self.batches)


class SimulatedAgent:
    """The log agent of an instance, following one ``awslogs.conf`` section or ``collect_list`` entry.

    ``client`` is a boto3 ``logs`` client; ``now`` is the agent's clock (pass the lab clock's
    ``now``), used for the year of year-less timestamps, for events without a readable timestamp
    and for the 2-hour / 14-day skip rules. LOCAL time is ``local_tz``, UTC on EC2 by default.
    """

    def __init__(
        self,
        client: Any,
        source: LogSource | Mapping[str, Any],
        *,
        instance_id: str = "i-0123456789abcdef0",
        hostname: str = "ip-10-0-0-229",
        ip_address: str = "10.0.0.229",
        now: Callable[[], dt.datetime] | None = None,
        local_tz: dt.tzinfo = UTC,
        create_group: bool = True,
    ) -> None:
        if isinstance(source, LogSource):
            validate_source(source)
        else:
            pattern = source.get("multi_line_start_pattern")
            problems = collect_list_entry_problems(source)
            if isinstance(pattern, str) and pattern != "{timestamp_format}":  # read with Python's re below
                problems += regex_problems("multi_line_start_pattern", pattern)
            if problems:
                raise InvalidAgentConfig(
                    _("collect_list entry: {problems}").format(problems="; ".join(map(say, problems))),
                    problems=problems,
                )
            source = source_from_collect_list(source)
        self.client = client
        self.source = source
        self.now = now or (lambda: dt.datetime.now(UTC))
        self.local_tz = local_tz
        self.create_group = create_group
        # log_stream_name variables (agent reference; the unified agent adds {local_hostname}).
        self.log_stream_name = (
            source.stream_name.replace("{instance_id}", instance_id)
            .replace("{hostname}", hostname)
            .replace("{local_hostname}", hostname)
            .replace("{ip_address}", ip_address)
        )
        fmt = source.datetime_format
        self._timestamp = re.compile(_format_regex(fmt)) if fmt else None
        pattern = source.multi_line_start_pattern or DEFAULT_MULTI_LINE_START
        if pattern == "{datetime_format}" and self._timestamp is not None:
            pattern = "^" + self._timestamp.pattern
        self._event_start = re.compile(pattern)

    def events(self, lines: Iterable[LogLine | str]) -> tuple[list[Event], list[tuple[str, str]]]:
        """Read lines as the agent does: group them into events and give each its timestamp.

        A line matching the multi-line start pattern begins an event, others continue it. An
        event's timestamp is read with ``datetime_format``; if that fails it takes the previous
        event's, or the current time if there is none (agent reference, datetime_format).
        Returns the events to send and the ``(reason, message)`` of those skipped.
        """
        messages: list[str] = []
        for line in lines:
            text = (line.text if isinstance(line, LogLine) else line).rstrip("\n")
            if messages and not self._event_start.search(text):
                messages[-1] += "\n" + text
            else:
                messages.append(text)
        now = self.now()
        events: list[Event] = []
        skipped: list[tuple[str, str]] = []
        last: dt.datetime | None = None
        read: dict[str, dt.datetime | None] = {}  # lines share their second: strptime once per timestamp text
        for message in messages:
            last = self._parse_timestamp(message, now, read) or last or now
            event = Event(last, message)
            if event.size > MAX_EVENT_BYTES:
                skipped.append((f"larger than {MAX_EVENT_BYTES} bytes", message))
            elif event.timestamp > now + MAX_FUTURE:
                skipped.append(("more than 2 hours in the future", message))
            elif event.timestamp < now - MAX_AGE:
                skipped.append(("more than 14 days in the past", message))
            else:
                events.append(event)
        return events, skipped

    def batches(self, events: list[Event]) -> list[list[Event]]:
        """Split events into PutLogEvents batches, keeping the file's order.

        A batch closes when it holds ``batch_count`` events, when the next event would push it
        past ``batch_size`` bytes, or past a 24-hour span (agent reference, "How are log
        events batched?"), and before an event older than the batch's last, since a batch must
        be in chronological order (PutLogEvents reference). An event bigger than ``batch_size`` on
        its own still goes, alone, as it is within the API's limits.
        """
        count, size = self.source.effective_batch_count, self.source.effective_batch_size
        batches: list[list[Event]] = []
        current: list[Event] = []
        current_size = 0
        for event in events:
            if current and (
                len(current) >= count
                or current_size + event.size > size
                or event.timestamp - current[0].timestamp > MAX_BATCH_SPAN
                or event.timestamp < current[-1].timestamp
            ):
                batches.append(current)
                current, current_size = [], 0
            current.append(event)
            current_size += event.size
        if current:
            batches.append(current)
        return batches

    def ship(self, lines: Iterable[LogLine | str]) -> ShipReport:
        """Create the group (if ``create_group``) and stream when missing, then send every batch."""
        group = self.source.log_group
        report = ShipReport(
            log_group=group,
            log_stream=self.log_stream_name,
            created_group=self.create_group and self._create(self.client.create_log_group, logGroupName=group),
            created_stream=self._create(
                self.client.create_log_stream, logGroupName=group, logStreamName=self.log_stream_name
            ),
        )
        events, report.skipped = self.events(lines)
        for batch in self.batches(events):
            response = self.client.put_log_events(
                logGroupName=group,
                logStreamName=self.log_stream_name,
                logEvents=[event.as_input() for event in batch],
            )
            if response.get("rejectedLogEventsInfo"):
                report.rejected.append(response["rejectedLogEventsInfo"])
            report.batches.append(
                Batch(len(batch), sum(e.size for e in batch), batch[0].timestamp, batch[-1].timestamp)
            )
        return report

    def _create(self, call: Callable[..., Any], **params: str) -> bool:
        try:
            call(**params)
        except self.client.exceptions.ResourceAlreadyExistsException:
            return False
        return True

    def _parse_timestamp(
        self, message: str, now: dt.datetime, read: dict[str, dt.datetime | None]
    ) -> dt.datetime | None:
        fmt = self.source.datetime_format
        match = self._timestamp.search(message) if self._timestamp else None
        if fmt is None or match is None:
            return None
        text = match.group(0)
        if text not in read:
            read[text] = self._read_timestamp(text, fmt, now)
        return read[text]

    def _read_timestamp(self, text: str, fmt: str, now: dt.datetime) -> dt.datetime | None:
        # Syslog lines carry no year: the agent takes its clock's, and a date that would then lie
        # ahead (a December line read in January) belongs to the year before. That rollover is
        # labkit's reading; the agent reference does not say.
        has_year = any(f"%{d}" in fmt for d in "yYc")
        try:
            if has_year:
                parsed = dt.datetime.strptime(text, fmt)
            else:
                parsed = self._with_year(text, fmt, now.year)
                if self._localize(parsed) > now + dt.timedelta(days=1):
                    parsed = self._with_year(text, fmt, now.year - 1)
        except ValueError:
            return None
        return self._localize(parsed)

    @staticmethod
    def _with_year(text: str, fmt: str, year: int) -> dt.datetime:
        return dt.datetime.strptime(f"{year} {text}", f"%Y {fmt}")

    def _localize(self, parsed: dt.datetime) -> dt.datetime:
        if parsed.tzinfo is None:
            tz = UTC if self.source.time_zone == "UTC" else self.local_tz
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)


#: What each legacy-agent datetime_format directive matches in a line (Python strptime's C-locale
#: forms); used to find the timestamp in a line before strptime reads it.
_DIRECTIVE_REGEX = {
    "a": r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
    "A": r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
    "b": r"(?:" + "|".join(_MONTHS) + ")",
    "B": r"(?:January|February|March|April|May|June|July|August|September|October|November|December)",
    "d": r"(?:3[01]|[12]\d|0[1-9]|\s?[1-9])",
    "H": r"(?:2[0-3]|[01]?\d)",
    "I": r"(?:1[0-2]|0?[1-9])",
    "m": r"(?:1[0-2]|0?[1-9])",
    "M": r"[0-5]?\d",
    "S": r"(?:6[01]|[0-5]?\d)",
    "p": r"(?:AM|PM|am|pm)",
    "y": r"\d\d",
    "Y": r"\d{4}",
    "Z": r"[A-Za-z]{2,5}",
    "z": r"[+-]\d{4}",
    "f": r"\d{1,6}",
    "j": r"(?:36[0-6]|3[0-5]\d|[12]\d\d|0?[1-9]\d|0{0,2}[1-9])",
    "U": r"(?:5[0-3]|[0-4]?\d)",
    "W": r"(?:5[0-3]|[0-4]?\d)",
    "w": r"[0-6]",
    "%": "%",
}


def _format_regex(fmt: str) -> str:
    """A regular expression that finds text ``strptime(text, fmt)`` can read."""
    fmt = fmt.replace("%c", "%a %b %d %H:%M:%S %Y")  # %c in the C locale
    parts: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%" and index + 1 < len(fmt):
            parts.append(_DIRECTIVE_REGEX[fmt[index + 1]])
            index += 2
        else:
            # strptime lets any run of whitespace stand for a space in the format.
            parts.append(r"\s+" if char.isspace() else re.escape(char))
            index += 1
    return "".join(parts)


def _window(start: dt.datetime, minutes: int) -> tuple[dt.datetime, dt.datetime]:
    if start.tzinfo is None:
        raise InvalidParameter(_("start must be timezone-aware (the lab clock is UTC)"))
    if minutes <= 0:
        raise InvalidParameter(_("minutes must be positive"))
    start = start.astimezone(UTC)
    return start, start + dt.timedelta(minutes=minutes)


def _sorted_before(lines: list[LogLine], end: dt.datetime) -> list[LogLine]:
    # sorted() is stable, so lines written in the same second keep sshd's order.
    return sorted((line for line in lines if line.timestamp < end), key=lambda line: line.timestamp)


def _documentation_ip(address: str) -> str:
    if not any(ipaddress.ip_address(address) in network for network in DOCUMENTATION_NETWORKS):
        raise InvalidParameter(
            _(
                "{address} is not in a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24); the lab "
                "never writes real addresses"
            ).format(address=address)
        )
    return address


def _random_attacker(rng: random.Random) -> str:
    network = rng.choice((DOCUMENTATION_NETWORKS[0], DOCUMENTATION_NETWORKS[2]))
    return str(network[rng.randint(1, 254)])


def lint(pattern: str) -> list[str]:
    """The warnings of :func:`labkit.aws.filterpattern.lint` about ``pattern``, in the lab's language."""
    return [_(warning.template).format(**warning.fields) for warning in lint_pattern(pattern)]
