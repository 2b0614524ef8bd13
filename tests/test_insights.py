"""The Logs Insights engine (:mod:`labkit.aws.insights`), command by command.

Rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html and the
command pages it links (each test names its page).
"""

from __future__ import annotations

import json

import pytest

from labkit.aws.insights import MalformedQuery, compile, format_value
from labkit.exceptions import UnsupportedOperation

T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
MESSAGES = [
    "ERROR disk full on /dev/sda1",
    json.dumps({"level": "warn", "http": {"status": 500, "path": "/a"}, "latency": 12}),
    "user=bob, method:GET, latency := 30",
    "ERROR timeout talking to db",
    json.dumps({"level": "info", "http": {"status": 200, "path": "/b"}, "latency": 3}),
    json.dumps({"level": "info", "http": {"status": 200, "path": "/a"}, "latency": 7}),
]
EVENTS = [
    {"@timestamp": T0 + i * 60_000, "@message": m, "@logStream": f"s{i % 2}", "@log": "123456789012:app"}
    for i, m in enumerate(MESSAGES)
]


def run(query: str) -> list[dict]:
    return compile(query).run(EVENTS).rows


# -- filter (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Filter.html)
def test_filter_like_string_and_regex() -> None:
    assert [r["@message"] for r in run('filter @message like "ERROR" | sort @timestamp asc')] == [
        MESSAGES[0],
        MESSAGES[3],
    ]
    assert len(run("filter @message like /timeout|disk/")) == 2
    assert len(run("filter @message =~ /^ERROR t/")) == 1
    assert len(run("filter @message like /ERROR (?<what>disk)/")) == 1  # AWS's named-group spelling
    assert len(run('filter @message not like "ERROR"')) == 4


def test_filter_comparisons_on_discovered_json_fields() -> None:
    assert [r["http.path"] for r in run("filter http.status >= 500")] == ["/a"]
    assert len(run("filter latency > 5 and latency < 20")) == 2
    assert len(run('filter level = "info" or http.status = 500')) == 3
    assert len(run('filter not (level = "info")')) == 4  # events without level are "not info"
    assert len(run('filter level != "info"')) == 1  # a missing field compares false
    assert len(run('filter level in ["info", "warn"]')) == 3
    assert len(run('filter level not in ["info"]')) == 1
    assert len(run("filter latency * 2 = 14")) == 1


# -- fields / display (CWL_QuerySyntax-Fields.html, CWL_QuerySyntax-Display.html)
def test_fields_with_alias_and_function_and_display() -> None:
    rows = run("filter ispresent(level) | fields toupper(level) as lvl, latency | sort latency desc")
    assert rows == [{"lvl": "WARN", "latency": 12}, {"lvl": "INFO", "latency": 7}, {"lvl": "INFO", "latency": 3}]
    assert run('filter level = "warn" | fields level, latency | display latency') == [{"latency": 12}]


# -- stats (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Stats.html)
def test_stats_count_by_bin_aligns_to_the_period_and_names_columns_by_their_text() -> None:
    rows = run("stats count(*) by bin(5m)")
    assert [format_value("bin(5m)", r["bin(5m)"]) for r in rows] == [
        "2023-11-14 22:10:00.000",
        "2023-11-14 22:15:00.000",
    ]
    assert [r["count(*)"] for r in rows] == [2, 4]


def test_stats_functions_by_field() -> None:
    rows = run(
        "stats count(*) as n, count(latency), sum(latency), avg(latency), min(latency), max(latency), "
        "pct(latency, 50), count_distinct(http.path) by level"
    )
    assert rows == [
        {
            "level": "info",
            "n": 2,
            "count(latency)": 2,
            "sum(latency)": 10,
            "avg(latency)": 5.0,
            "min(latency)": 3,
            "max(latency)": 7,
            "pct(latency, 50)": 3,
            "count_distinct(http.path)": 2,
        },
        {
            "level": "warn",
            "n": 1,
            "count(latency)": 1,
            "sum(latency)": 12,
            "avg(latency)": 12.0,
            "min(latency)": 12,
            "max(latency)": 12,
            "pct(latency, 50)": 12,
            "count_distinct(http.path)": 1,
        },
    ]


def test_stats_earliest_latest_and_statistics() -> None:
    result = compile('filter @message like "ERROR" | stats earliest(@message) as first, latest(@message) as last').run(
        EVENTS
    )
    assert result.rows == [{"first": MESSAGES[0], "last": MESSAGES[3]}]
    assert (result.records_matched, result.records_scanned) == (2, 6)
    assert result.bytes_scanned == sum(len(m.encode()) for m in MESSAGES)


def test_sort_after_stats_and_limit() -> None:
    rows = run("stats count(*) as n by @logStream | sort n desc | limit 1")
    assert rows == [{"@logStream": "s0", "n": 3}] or rows == [{"@logStream": "s1", "n": 3}]
    assert len(run("limit 4")) == 4
    assert [r["count(*)"] for r in run("stats count(*) by level | sort count(*) desc")] == [2, 1]


# -- sort (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Sort.html)
def test_sort_is_the_documented_natural_order() -> None:
    documented = [
        "!:",
        "#",
        "*%04",
        "0#",
        "5A",
        "111A",
        "2345_",
        "@",
        "@_",
        "A",
        "A9876fghj",
        "a12345hfh",
        "0",
        "1",
        "2",
        "3",
    ]
    shuffled = documented[::3] + documented[1::3] + documented[2::3]
    events = [{"@timestamp": i, "@message": json.dumps({"v": v})} for i, v in enumerate(shuffled)]
    assert [r["v"] for r in compile("fields v | sort v asc").run(events).rows] == documented
    assert [r["v"] for r in compile("fields v | sort v desc").run(events).rows] == documented[::-1]


# -- parse (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Parse.html)
def test_parse_glob_and_regex() -> None:
    rows = run(
        'parse @message "user=*, method:*, latency := *" as user, method, lat | filter ispresent(user) '
        "| display user, method, lat"
    )
    assert rows == [{"user": "bob", "method": "GET", "lat": "30"}]
    rows = run(r"parse @message /ERROR (?<what>\w+)/ | filter ispresent(what) | stats count(*) by what")
    assert rows == [{"what": "disk", "count(*)": 1}, {"what": "timeout", "count(*)": 1}]
    # An event that does not match stays, without the extracted fields.
    assert len(run('parse @message "user=*," as user')) == 6


def test_parse_regex_fills_named_groups_only() -> None:
    """Only named capturing groups become fields (Parse page: "named capturing groups"); an
    unnamed optional group before them must not shift the values."""
    events = [
        {"@timestamp": T0, "@message": "Failed password for invalid user admin from 192.0.2.77 port 1 ssh2"},
        {"@timestamp": T0 + 1, "@message": "Failed password for root from 192.0.2.77 port 2 ssh2"},
    ]
    plan = compile(
        r"parse @message /Failed password for (invalid user )?(?<user>\S+) from (?<ip>\S+)/ "
        "| display user, ip | sort user asc"
    )
    assert plan.run(events).rows == [{"user": "admin", "ip": "192.0.2.77"}, {"user": "root", "ip": "192.0.2.77"}]


# -- dedup (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Dedup.html)
def test_dedup_keeps_the_first_row_per_value() -> None:
    rows = run("filter ispresent(level) | sort @timestamp asc | dedup level | fields level, latency")
    assert rows == [{"level": "warn", "latency": 12}, {"level": "info", "latency": 3}]


def test_default_output_without_fields_is_every_field_newest_first() -> None:
    rows = run('filter level = "warn"')
    assert rows[0]["http.status"] == 500 and rows[0]["@message"] == MESSAGES[1]
    assert [r["@timestamp"] for r in run("filter @message like /ERROR/")] == [T0 + 180_000, T0]
    assert [r["@timestamp"] for r in run("limit 2")] == [T0 + 300_000, T0 + 240_000]  # the newest two


def test_functions() -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html"""
    rows = run(
        'filter level = "warn" | fields datefloor(@timestamp, 1h) as hour, dateceil(@timestamp, 1h) as up, '
        "toMillis(@timestamp) as ms, fromMillis(0) as epoch, greatest(latency, 20, 3) as g, least(latency, 2) as l, "
        'sqrt(latency + 4) as root, trim("xxaxx", "x") as t, replace(http.path, "/", "|") as p'
    )
    assert {k: format_value(k, v) for k, v in rows[0].items()} == {
        "hour": "2023-11-14 22:00:00.000",
        "up": "2023-11-14 23:00:00.000",
        "ms": str(T0 + 60_000),
        "epoch": "1970-01-01 00:00:00.000",
        "g": "20",
        "l": "2",
        "root": "4",
        "t": "a",
        "p": "|a",
    }
    events = [
        {"@timestamp": 0, "@message": json.dumps({"ip": ip})}
        for ip in ("10.1.2.3", "192.168.0.1", "::1", "nonsense", "10.300.0.1")
    ]

    def ips(condition: str) -> list[str]:
        return [r["ip"] for r in compile(f"filter {condition} | fields ip").run(events).rows]

    assert ips("isValidIp(ip)") == ["10.1.2.3", "192.168.0.1", "::1"]
    assert ips("isValidIpV6(ip)") == ["::1"]
    assert ips('isIpv4InSubnet(ip, "10.0.0.0/8")') == ["10.1.2.3"]
    assert ips('isIpInSubnet(ip, "::/64") or isIpInSubnet(ip, "192.168.0.0/16")') == ["192.168.0.1", "::1"]


def test_format_value() -> None:
    assert format_value("@timestamp", T0 + 5) == "2023-11-14 22:13:20.005"
    assert format_value("avg", 2.5) == "2.5"
    assert format_value("n", 4.0) == "4"
    assert run("fields 9 ^ 999999999 as big | limit 1") == [{"big": None}]  # overflow is no value, no hang


@pytest.mark.parametrize(
    "query",
    [
        "",
        "filter",
        "filter x ==",
        "foo bar",
        "filter @message like",
        "limit 0",
        "limit 10001",
        "stats count(*) by",
        "fields a |",
        'parse @message "a*b*" as x',
        "parse @message /(no name)/",
        "filter (a = 1",
        "sort",
        "stats count(*) by bin(0m)",
        "sort count(*) desc",
        "filter sum(x) > 1",
    ],
)
def test_malformed_queries_are_refused(query: str) -> None:
    with pytest.raises(MalformedQuery):
        compile(query)


@pytest.mark.parametrize(
    "query, construct",
    [
        ("stats stddev(x)", "stddev"),
        ("fields jsonParse(@message) as j", "jsonparse"),
        ("fields substr(@message, 1)", "substr"),
        ("unnest x into y", "unnest"),
        ("stats count(*) by bin(1mo)", "1mo"),
        ("pattern @message", "pattern"),
    ],
)
def test_unemulated_constructs_are_named(query: str, construct: str) -> None:
    with pytest.raises(UnsupportedOperation, match=construct):
        compile(query)
