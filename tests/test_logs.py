"""Tests of labkit.lesson.logs: /var/log/secure lines and the simulated agent's reading and batching.

Agent rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html
("How are log events batched?", "What would cause log entries ... to be skipped", datetime_format).
PutLogEvents limits: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
(10,000 events and 1,048,576 bytes a batch, 26 bytes per event, chronological, 24 hours at most).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from labkit.aws.agent import LogSource
from labkit.exceptions import InvalidAgentConfig
from labkit.lesson.logs import (
    DOCUMENTATION_NETWORKS,
    Event,
    LogLine,
    SecureLogGenerator,
    SimulatedAgent,
    secure_log_text,
)

UTC = dt.timezone.utc
START = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
SECURE = LogSource("/var/log/secure", "ssh_logs")

#: rsyslog's traditional format: "Mmm dd hh:mm:ss host program[pid]: message", day space-padded.
SYSLOG = re.compile(
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>[ 12]\d|3[01]) "
    r"(?P<time>\d\d:\d\d:\d\d) (?P<host>[\w.-]+) sshd\[(?P<pid>\d+)\]: (?P<message>.+)"
)
IP = r"\d{1,3}(?:\.\d{1,3}){3}"
USER = r"[a-z_][a-z0-9_-]*"
#: sshd's messages (auth.c, sshd.c, packet.c) and pam_unix's, as each OpenSSH release words them.
COMMON = [
    rf"Accepted publickey for {USER} from {IP} port \d+ ssh2: (?:RSA|ED25519) SHA256:[A-Za-z0-9+/]{{43}}",
    rf"Received disconnect from {IP} port \d+:11: disconnected by user",
    rf"pam_unix\(sshd:session\): session closed for user {USER}",
    rf"Invalid user {USER} from {IP} port \d+",
    r"pam_unix\(sshd:auth\): check pass; user unknown",
    rf"pam_unix\(sshd:auth\): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={IP}(?:  user={USER})?",
    rf"Failed password for (?:invalid user )?{USER} from {IP} port \d+ ssh2",
    rf"Received disconnect from {IP} port \d+:11: Bye Bye \[preauth\]",
    rf"Connection closed by {IP} port \d+ \[preauth\]",
]
OPENSSH_74 = COMMON + [
    rf"pam_unix\(sshd:session\): session opened for user {USER} by \(uid=0\)",
    rf"Disconnected from {IP} port \d+",
    rf"input_userauth_request: invalid user {USER} \[preauth\]",
    rf"Disconnected from {IP} port \d+ \[preauth\]",
]
OPENSSH_87 = COMMON + [
    rf"pam_unix\(sshd:session\): session opened for user {USER}\(uid=\d+\) by \(uid=0\)",
    rf"Disconnected from user {USER} {IP} port \d+",
    rf"Disconnected from (?:invalid|authenticating) user {USER} {IP} port \d+ \[preauth\]",
    rf"Connection closed by (?:invalid|authenticating) user {USER} {IP} port \d+ \[preauth\]",
]


def message_of(line: LogLine) -> str:
    match = SYSLOG.fullmatch(line.text)
    assert match, f"not a syslog line: {line.text!r}"
    return match.group("message")


def kinds(lines: list[LogLine], patterns: list[str]) -> set[str]:
    """The patterns the lines' messages match; fails on a line matching none."""
    seen = set()
    for line in lines:
        matched = [p for p in patterns if re.fullmatch(p, message_of(line))]
        assert len(matched) == 1, f"{line.text!r} matches {len(matched)} known sshd formats"
        seen.add(matched[0])
    return seen


# --- the generator ----------------------------------------------------------------------------


@pytest.mark.parametrize(("flavor", "patterns"), [("al2", OPENSSH_74), ("al2023", OPENSSH_87)])
def test_every_line_is_a_real_sshd_format_of_its_release(flavor: Any, patterns: list[str]) -> None:
    generator = SecureLogGenerator(seed=7, flavor=flavor)
    lines = generator.normal(START, 600, logins_per_hour=6) + generator.attack(START, 10, attempts_per_minute=30)
    assert kinds(lines, patterns) == set(patterns)  # and every format shows up


def test_same_seed_same_lines_whatever_came_before() -> None:
    first = SecureLogGenerator(seed=42)
    second = SecureLogGenerator(seed=42)
    second.attack(START, 5)  # other calls do not shift the sequence
    assert first.normal(START, 120) == second.normal(START, 120)
    assert first.attack(START, 3) == second.attack(START, 3)
    assert SecureLogGenerator(seed=43).attack(START, 3) != first.attack(START, 3)


def test_text_shows_the_utc_timestamp_with_a_space_padded_day() -> None:
    lines = SecureLogGenerator(seed=1, hostname="ip-10-0-0-229").attack(dt.datetime(2026, 11, 6, 9, 30, tzinfo=UTC), 2)
    assert lines[0].text.startswith("Nov  6 09:30:")
    for line in lines:
        assert line.timestamp.tzinfo is not None and line.timestamp.utcoffset() == dt.timedelta(0)
        assert line.text.startswith(f"Nov  6 {line.timestamp:%H:%M:%S} ip-10-0-0-229 sshd[")


def test_lines_are_in_file_order_and_inside_the_window() -> None:
    generator = SecureLogGenerator(seed=5)
    for lines in (generator.normal(START, 240, logins_per_hour=10), generator.attack(START, 30, 40)):
        stamps = [line.timestamp for line in lines]
        assert stamps == sorted(stamps)
        assert stamps[0] >= START and stamps[-1] < START + dt.timedelta(minutes=240)


def test_normal_traffic_has_logins_and_no_failure() -> None:
    lines = SecureLogGenerator(seed=2).normal(START, 24 * 60, logins_per_hour=2)
    accepted = [line for line in lines if "Accepted publickey for ec2-user from 198.51.100.7" in line.text]
    assert 30 <= len(accepted) <= 70  # a Poisson process with a mean of 48 a day
    assert not [line for line in lines if "[preauth]" in line.text or "Failed" in line.text]
    assert SecureLogGenerator().normal(START, 60, logins_per_hour=0) == []


def test_attack_rate_is_exact_per_minute() -> None:
    lines = SecureLogGenerator(seed=9).attack(START, 10, attempts_per_minute=12, source_ip="203.0.113.9")
    first_line_of = {}
    for line in lines:
        first_line_of.setdefault(SYSLOG.fullmatch(line.text).group("pid"), line.timestamp)  # type: ignore[union-attr]
    per_minute = [0] * 10
    for stamp in first_line_of.values():
        per_minute[int((stamp - START).total_seconds() // 60)] += 1
    assert per_minute == [12] * 10
    assert all("203.0.113.9" in line.text for line in lines if "rhost" in line.text or " from " in line.text)


def test_only_documentation_addresses_appear() -> None:
    generator = SecureLogGenerator(seed=11)
    text = secure_log_text(generator.normal(START, 300, 8) + generator.attack(START, 60, 10))
    addresses = set(re.findall(IP, text))
    assert len(addresses) >= 2
    assert all(any(ipaddress.ip_address(a) in net for net in DOCUMENTATION_NETWORKS) for a in addresses)


def test_refuses_real_addresses_and_naive_times() -> None:
    generator = SecureLogGenerator()
    with pytest.raises(ValueError, match="documentation range"):
        generator.attack(START, 1, source_ip="8.8.8.8")
    with pytest.raises(ValueError, match="documentation range"):
        SecureLogGenerator(admin_ip="10.0.0.5")
    with pytest.raises(ValueError, match="timezone-aware"):
        generator.normal(START.replace(tzinfo=None), 10)


def test_without_password_authentication_there_is_no_failed_password() -> None:
    lines = SecureLogGenerator(seed=3, password_auth=False).attack(START, 5, 20)
    assert not [line for line in lines if "Failed password" in line.text or "pam_unix" in line.text]
    assert len([line for line in lines if line.text.endswith("[preauth]")]) >= 100


def test_secure_log_text_is_one_line_each() -> None:
    lines = SecureLogGenerator(seed=1).attack(START, 1, 5)
    assert secure_log_text(lines).splitlines() == [line.text for line in lines]


# --- the simulated agent: reading -------------------------------------------------------------


def agent(
    source: LogSource | dict[str, Any] = SECURE, now: dt.datetime = START + dt.timedelta(hours=1), **kwargs: Any
) -> SimulatedAgent:
    return SimulatedAgent(boto3.client("logs", region_name="ap-northeast-1"), source, now=lambda: now, **kwargs)


def test_timestamps_are_read_from_the_text_with_the_clocks_year() -> None:
    lines = SecureLogGenerator(seed=4).attack(START, 30, 10)
    events, skipped = agent().events(lines)
    assert skipped == []
    assert [(e.timestamp, e.message) for e in events] == [(line.timestamp, line.text) for line in lines]


def test_a_december_line_read_in_january_is_last_years() -> None:
    events, _ = agent(now=dt.datetime(2027, 1, 1, 0, 5, tzinfo=UTC)).events(
        ["Dec 31 23:59:59 ip-10-0-0-229 sshd[1]: Connection closed by 192.0.2.1 port 2 [preauth]"]
    )
    assert events[0].timestamp == dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_unreadable_timestamps_take_the_previous_one_or_now() -> None:
    now = START + dt.timedelta(hours=1)
    events, _ = agent(now=now).events(["garbage first", "Jun  1 00:10:00 h sshd[1]: x", "more garbage"])
    assert [e.timestamp for e in events] == [now, START + dt.timedelta(minutes=10), START + dt.timedelta(minutes=10)]


def test_lines_starting_with_whitespace_continue_the_event() -> None:
    events, _ = agent().events(
        ["Jun  1 00:00:01 h app: trace", "  at line 1", "\tat line 2", "Jun  1 00:00:02 h app: ok"]
    )
    assert [e.message for e in events] == [
        "Jun  1 00:00:01 h app: trace\n  at line 1\n\tat line 2",
        "Jun  1 00:00:02 h app: ok",
    ]


def test_multi_line_start_pattern_datetime_format() -> None:
    source = LogSource(
        "/var/log/app", "app", datetime_format="%Y-%m-%d %H:%M:%S", multi_line_start_pattern="{datetime_format}"
    )
    events, _ = agent(source).events(["2026-06-01 00:00:01 boom", "Traceback:", "2026-06-01 00:00:03 ok"])
    assert [e.message for e in events] == ["2026-06-01 00:00:01 boom\nTraceback:", "2026-06-01 00:00:03 ok"]
    assert events[1].timestamp == START + dt.timedelta(seconds=3)


def test_time_zone_local_versus_utc() -> None:
    line = ["Jun  1 09:00:00 h sshd[1]: x"]
    tokyo = dt.timezone(dt.timedelta(hours=9))
    now = START + dt.timedelta(hours=10)
    assert agent(now=now, local_tz=tokyo).events(line)[0][0].timestamp == START
    in_utc = LogSource("/var/log/secure", "ssh_logs", time_zone="UTC")
    assert agent(in_utc, now=now, local_tz=tokyo).events(line)[0][0].timestamp == START + dt.timedelta(hours=9)


def test_skip_rules_of_the_agent() -> None:
    now = START + dt.timedelta(days=20)
    events, skipped = agent(now=now).events(
        [
            "Jun 21 02:00:01 h sshd[1]: future",  # 2 h 00 min 01 s ahead
            "Jun  6 23:59:59 h sshd[1]: old",  # 14 days and a second ago
            "Jun 21 00:00:00 h sshd[1]: " + "x" * (256 * 1024),
            "Jun 21 01:59:59 h sshd[1]: fine",
        ]
    )
    assert [reason for reason, _ in skipped] == [
        "more than 2 hours in the future",
        "more than 14 days in the past",
        "larger than 262144 bytes",
    ]
    assert [e.message for e in events] == ["Jun 21 01:59:59 h sshd[1]: fine"]


def test_follows_a_unified_collect_list_entry() -> None:
    entry = {
        "file_path": "/var/log/secure",
        "log_group_name": "ssh_logs",
        "timestamp_format": "%b %-d %H:%M:%S",
        "log_stream_name": "{local_hostname}-{ip_address}",
    }
    follower = agent(entry, hostname="ip-10-0-0-5", ip_address="10.0.0.5")
    assert follower.log_stream_name == "ip-10-0-0-5-10.0.0.5"
    assert follower.events(["Jun  1 00:00:07 h sshd[1]: x"])[0][0].timestamp == START + dt.timedelta(seconds=7)


def test_an_invalid_section_is_refused() -> None:
    with pytest.raises(InvalidAgentConfig, match="batch_count"):
        agent(LogSource("/var/log/secure", "ssh_logs", batch_count=20_000))
    with pytest.raises(InvalidAgentConfig, match="timestamp_format: %e is not a supported directive"):
        agent({"file_path": "/var/log/secure", "timestamp_format": "%b %e %H:%M:%S"})


# --- the simulated agent: batching ------------------------------------------------------------


def events_at(count: int, size: int = 10, step: dt.timedelta = dt.timedelta(seconds=1)) -> list[Event]:
    return [Event(START + i * step, "x" * size) for i in range(count)]


def test_default_batch_count_is_1000() -> None:
    # 1,000 events of 1 + 26 bytes stay under the default 32,768 bytes.
    assert [len(b) for b in agent().batches(events_at(2500, size=1))] == [1000, 1000, 500]


def test_batch_size_counts_26_bytes_per_event() -> None:
    source = LogSource("/var/log/secure", "ssh_logs", batch_size=360)
    # Each event is 10 + 26 = 36 bytes: exactly ten fit in 360.
    assert [len(b) for b in agent(source).batches(events_at(25))] == [10, 10, 5]
    # Default 32,768 bytes: 260 events of 126 bytes are 32,760; one more would be 32,886.
    assert [len(b) for b in agent(SECURE).batches(events_at(1000, size=100))] == [260, 260, 260, 220]


def test_a_batch_never_spans_more_than_24_hours() -> None:
    batches = agent().batches(events_at(5, step=dt.timedelta(hours=12)))
    assert [[e.timestamp - START for e in b] for b in batches] == [
        [dt.timedelta(0), dt.timedelta(hours=12), dt.timedelta(hours=24)],
        [dt.timedelta(hours=36), dt.timedelta(hours=48)],
    ]


def test_an_older_event_starts_a_new_batch() -> None:
    events = events_at(3)
    batches = agent().batches([events[1], events[2], events[0]])
    assert [[e.timestamp for e in b] for b in batches] == [
        [events[1].timestamp, events[2].timestamp],
        [events[0].timestamp],
    ]


def test_unified_entries_fill_batches_to_the_api_limits() -> None:
    follower = agent({"file_path": "/var/log/secure", "log_group_name": "ssh_logs"})
    assert [len(b) for b in follower.batches(events_at(25_000))] == [10_000, 10_000, 5_000]
    big = follower.batches(events_at(30, size=100_000))
    assert [len(b) for b in big] == [10, 10, 10]  # 11 x 100,026 bytes would pass 1,048,576
    assert all(sum(e.size for e in b) <= 1_048_576 for b in big)


# --- shipping to CloudWatch Logs --------------------------------------------------------------


def recorded_calls(client: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    client.meta.events.register("provide-client-params.logs.PutLogEvents", lambda params, **_: calls.append(params))
    return calls


@mock_aws
def test_ship_creates_group_and_stream_and_sends_every_line_in_valid_batches() -> None:
    # moto refuses events older than 14 days by the wall clock, so the lines are recent.
    now = dt.datetime.now(UTC).replace(microsecond=0)
    generator = SecureLogGenerator(seed=8)
    lines = generator.normal(now - dt.timedelta(hours=3), 180, 20) + generator.attack(
        now - dt.timedelta(hours=2), 60, 60
    )
    lines.sort(key=lambda line: line.timestamp)
    client = boto3.client("logs", region_name="ap-northeast-1")
    calls = recorded_calls(client)
    report = SimulatedAgent(client, SECURE, instance_id="i-0abc", now=lambda: now).ship(lines)

    assert (report.created_group, report.created_stream) == (True, True)
    assert report.log_stream == "i-0abc/var/log/secure"
    assert report.events_sent == len(lines) and len(calls) == len(report.batches) > 3
    for call in calls:
        stamps = [e["timestamp"] for e in call["logEvents"]]
        assert len(stamps) <= 1000 and stamps == sorted(stamps)
        assert sum(len(e["message"].encode()) + 26 for e in call["logEvents"]) <= 32_768
        assert stamps[-1] - stamps[0] <= 24 * 3600 * 1000
    stored = client.get_log_events(
        logGroupName="ssh_logs", logStreamName="i-0abc/var/log/secure", startFromHead=True, limit=10_000
    )
    assert [e["message"] for e in stored["events"]][:50] == [line.text for line in lines][:50]
    assert stored["events"][0]["timestamp"] == int(lines[0].timestamp.timestamp() * 1000)

    again = SimulatedAgent(client, SECURE, instance_id="i-0abc", now=lambda: now).ship(lines[:1])
    assert (again.created_group, again.created_stream, again.events_sent) == (False, False, 1)


@mock_aws
def test_large_input_is_split_at_the_api_limits() -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    lines = [f"{now:%b} {now.day:>2} {now:%H:%M:%S} h sshd[1]: event {i}" for i in range(21_000)]
    client = boto3.client("logs", region_name="ap-northeast-1")
    calls = recorded_calls(client)
    report = SimulatedAgent(
        client, {"file_path": "/var/log/secure", "log_group_name": "ssh_logs"}, now=lambda: now
    ).ship(lines)
    assert [len(c["logEvents"]) for c in calls] == [10_000, 10_000, 1_000]
    assert [b.events for b in report.batches] == [10_000, 10_000, 1_000]
    assert report.rejected == []


@mock_aws
def test_without_create_group_a_missing_group_is_an_error() -> None:
    client = boto3.client("logs", region_name="ap-northeast-1")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        SimulatedAgent(client, SECURE, create_group=False).ship([])


def test_exact_api_calls_with_stubber() -> None:
    client = boto3.client("logs", region_name="ap-northeast-1")
    stream = "i-0123456789abcdef0/var/log/secure"
    with Stubber(client) as stub:
        stub.add_client_error(
            "create_log_group", "ResourceAlreadyExistsException", expected_params={"logGroupName": "ssh_logs"}
        )
        stub.add_response("create_log_stream", {}, {"logGroupName": "ssh_logs", "logStreamName": stream})
        stub.add_response(
            "put_log_events",
            {"nextSequenceToken": "1"},
            {
                "logGroupName": "ssh_logs",
                "logStreamName": stream,
                "logEvents": [
                    {"timestamp": int(START.timestamp() * 1000) + 1000, "message": "Jun  1 00:00:01 h sshd[9]: hi"}
                ],
            },
        )
        report = SimulatedAgent(client, SECURE, now=lambda: START + dt.timedelta(minutes=1)).ship(
            ["Jun  1 00:00:01 h sshd[9]: hi\n"]
        )
        stub.assert_no_pending_responses()
    assert (report.created_group, report.created_stream, report.events_sent) == (False, True, 1)
