"""The logs_filters emulator plugin, end to end through a moto lab's boto3 client.

API shapes: botocore's logs model (FilterLogEvents, TestMetricFilter, PutMetricFilter);
pattern rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from labkit.aws.filterpattern.samples import SSHD_EXAMPLES
from labkit.emulator.logs_filters import LogsFilters
from labkit.exceptions import ServiceError
from labkit.runtime.lab import Lab

GROUP = "/var/log/secure"
TRANSFORM = [{"metricName": "SshFailures", "metricNamespace": "Lab05", "metricValue": "1"}]


@pytest.fixture
def logs(lab: Lab) -> Iterator[Any]:
    """A logs client with the plugin installed, and /var/log/secure split over two streams."""
    assert lab.emulator is not None and lab.emulator.installed(LogsFilters)
    client = lab.client("logs")
    client.create_log_group(logGroupName=GROUP)
    start = int(lab.clock.now().timestamp() * 1000)
    for stream, lines in (("i-0aaa", SSHD_EXAMPLES[:6]), ("i-0bbb", SSHD_EXAMPLES[6:])):
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        client.put_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": start + 1000 * i, "message": m} for i, m in enumerate(lines)],
        )
    yield client


def test_test_metric_filter_is_answered(logs: Any) -> None:
    reply = logs.test_metric_filter(
        filterPattern="[..., port_kw, port, tag = preauth]", logEventMessages=list(SSHD_EXAMPLES[:5])
    )
    assert [m["eventNumber"] for m in reply["matches"]] == [4, 5]
    assert reply["matches"][1]["extractedValues"]["$port"] == "51122"


def test_test_metric_filter_rejects_bad_patterns(logs: Any) -> None:
    with pytest.raises(logs.exceptions.InvalidParameterException, match=r"Invalid character\(s\) in term ':'"):
        logs.test_metric_filter(filterPattern="Invalid user:", logEventMessages=["x"])


def test_filter_log_events_uses_the_real_rules(logs: Any) -> None:
    # moto matches an OR group, an exclusion or a JSON pattern against every event; AWS does not.
    ors = logs.filter_log_events(logGroupName=GROUP, filterPattern='?"Invalid user" ?"invalid user"')["events"]
    assert sorted(e["message"] for e in ors) == sorted(SSHD_EXAMPLES[i] for i in (0, 1, 3))
    assert logs.filter_log_events(logGroupName=GROUP, filterPattern="{ $.a = 1 }")["events"] == []
    excluded = logs.filter_log_events(logGroupName=GROUP, filterPattern='"[preauth]" -Connection')["events"]
    assert sorted(e["message"] for e in excluded) == sorted(SSHD_EXAMPLES[i] for i in (5, 6, 8))


def test_filter_log_events_shape_and_order(logs: Any) -> None:
    reply = logs.filter_log_events(logGroupName=GROUP, filterPattern='"[preauth]"')
    assert reply["searchedLogStreams"] == []
    assert "nextToken" not in reply
    events = reply["events"]
    assert [(e["timestamp"], e["logStreamName"]) for e in events] == sorted(
        (e["timestamp"], e["logStreamName"]) for e in events
    )
    assert set(events[0]) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert all(len(e["eventId"]) == 56 and e["eventId"].isdigit() for e in events)


def test_filter_log_events_stream_and_time_selection(logs: Any, lab: Lab) -> None:
    start = int(lab.clock.now().timestamp() * 1000)
    only_b = logs.filter_log_events(logGroupName=GROUP, logStreamNames=["i-0bbb"], filterPattern="")["events"]
    assert {e["logStreamName"] for e in only_b} == {"i-0bbb"} and len(only_b) == 6
    by_prefix = logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix="i-0a")["events"]
    assert {e["logStreamName"] for e in by_prefix} == {"i-0aaa"}
    window = logs.filter_log_events(logGroupName=GROUP, startTime=start + 1000, endTime=start + 2000)["events"]
    assert sorted(e["timestamp"] - start for e in window) == [1000, 1000, 2000, 2000]  # both ends included
    arn = f"arn:aws:logs:{lab.region}:{lab.account_id}:log-group:{GROUP}:*"
    assert len(logs.filter_log_events(logGroupIdentifier=arn)["events"]) == 12


def test_filter_log_events_pagination(logs: Any) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs = {"nextToken": token} if token else {}
        reply = logs.filter_log_events(logGroupName=GROUP, filterPattern='"sshd"', limit=5, **kwargs)
        seen += [e["eventId"] for e in reply["events"]]
        pages += 1
        token = reply.get("nextToken")
        if not token:
            break
    assert pages == 3 and len(seen) == 12 and len(set(seen)) == 12
    assert logs.filter_log_events(logGroupName=GROUP, nextToken="garbage")["events"] == []


def test_filter_log_events_errors(logs: Any) -> None:
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName="/nope")
    with pytest.raises(logs.exceptions.InvalidParameterException, match="Invalid metric filter pattern"):
        logs.filter_log_events(logGroupName=GROUP, filterPattern="[a, a]")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName=GROUP, logStreamNames=["i-0aaa"], logStreamNamePrefix="i")


def test_put_metric_filter_validates_before_moto_stores(logs: Any) -> None:
    with pytest.raises(logs.exceptions.InvalidParameterException, match="Invalid metric filter pattern"):
        logs.put_metric_filter(
            logGroupName=GROUP, filterName="bad", filterPattern="[preauth", metricTransformations=TRANSFORM
        )
    dims = [{**TRANSFORM[0], "dimensions": {"user": "$user"}}]
    with pytest.raises(logs.exceptions.InvalidParameterException, match="does not support dimensions"):
        logs.put_metric_filter(
            logGroupName=GROUP, filterName="bad", filterPattern='"Invalid user"', metricTransformations=dims
        )
    assert logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"] == []
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="ok", filterPattern='"Invalid user"', metricTransformations=TRANSFORM
    )
    assert [f["filterName"] for f in logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"]] == ["ok"]


def test_put_metric_filter_with_an_existing_name_replaces_it(logs: Any, lab: Lab) -> None:
    """PutMetricFilter "creates or updates a metric filter"
    (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html):
    a second put of the same name leaves one filter, the latest, which alone counts new events."""
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="ssh", filterPattern='"Invalid user"', metricTransformations=TRANSFORM
    )
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="other", filterPattern="sshd", metricTransformations=TRANSFORM
    )
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="ssh", filterPattern='"Failed password"', metricTransformations=TRANSFORM
    )
    filters = logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"]
    assert sorted((f["filterName"], f["filterPattern"]) for f in filters) == [
        ("other", "sshd"),
        ("ssh", '"Failed password"'),
    ]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("pattern", ["%a{99999999999}%", "{ $.user = %a{1,99999999999}% }", "[w1 = %a{99999999999}%]"])
def test_a_regex_count_python_cannot_hold_is_an_invalid_pattern(logs: Any, language: str, pattern: str) -> None:
    """re.compile's OverflowError inside a %regex% term: AWS's InvalidParameterException (in English, AWS's
    words, in any lab language) from every API that takes a pattern, not a traceback."""
    from labkit import i18n

    i18n.set_language(language)
    try:
        calls = [
            lambda: logs.test_metric_filter(filterPattern=pattern, logEventMessages=["aaa"]),
            lambda: logs.filter_log_events(logGroupName=GROUP, filterPattern=pattern),
            lambda: logs.put_metric_filter(
                logGroupName=GROUP, filterName="huge", filterPattern=pattern, metricTransformations=TRANSFORM
            ),
        ]
        for call in calls:
            with pytest.raises(
                logs.exceptions.InvalidParameterException,
                match=r"Invalid metric filter pattern \(at position \d+: regex does not compile: the repetition number",
            ):
                call()
    finally:
        i18n.set_language("en")
    assert logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"] == []


def test_put_subscription_filter_rejects_invalid_pattern(logs: Any) -> None:
    with pytest.raises(logs.exceptions.InvalidParameterException, match=r"Invalid character\(s\) in term"):
        logs.put_subscription_filter(
            logGroupName=GROUP,
            filterName="s",
            filterPattern="ERROR(",
            destinationArn="arn:aws:lambda:ap-northeast-1:123456789012:function:f",
        )


def test_client_source_reads_through_an_internal_client(logs: Any, lab: Lab) -> None:
    """The moto-server path: no in-process backend, events read with GetLogEvents."""
    call = SimpleNamespace(
        params={"logGroupName": GROUP, "filterPattern": '"Failed password"', "limit": 1},
        lab=SimpleNamespace(backend=SimpleNamespace(in_process=False)),
        region=lab.region,
        internal=lambda service: lab.internal_client(service),
    )
    plugin = LogsFilters(lab.emulator)  # type: ignore[arg-type]
    first = plugin.filter_log_events(call)  # type: ignore[arg-type]
    assert [e["message"] for e in first["events"]] == [SSHD_EXAMPLES[1]]
    call.params["nextToken"] = first["nextToken"]
    second = plugin.filter_log_events(call)  # type: ignore[arg-type]
    assert [e["message"] for e in second["events"]] == [SSHD_EXAMPLES[2]] and "nextToken" not in second
    call.params = {"logGroupName": "/nope"}
    with pytest.raises(ServiceError) as caught:
        plugin.filter_log_events(call)  # type: ignore[arg-type]
    assert caught.value.code == "ResourceNotFoundException"
