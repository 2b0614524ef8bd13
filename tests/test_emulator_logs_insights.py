"""The logs_insights emulator plugin, end to end through a moto lab's boto3 client.

API shapes: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html,
API_GetQueryResults.html, API_StopQuery.html; query rules:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from labkit.emulator.logs_insights import LogsInsights
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

GROUP = "/app/web"


@pytest.fixture
def logs(lab: Lab) -> Iterator[Any]:
    """/app/web with 12 events a minute apart over two streams: every third one an ERROR."""
    client = lab.client("logs")
    client.create_log_group(logGroupName=GROUP)
    start = int(lab.clock.now().timestamp() * 1000)
    for stream in ("a", "b"):
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    for stream, offset in (("a", 0), ("b", 1)):
        events = []
        for i in range(offset, 12, 2):
            message = f"ERROR job {i} failed" if i % 3 == 0 else json.dumps({"level": "info", "ms": i * 10})
            events.append({"timestamp": start + 60_000 * i, "message": message})
        client.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)
    client.lab_start_s = start // 1000  # type: ignore[attr-defined]
    yield client


def query(logs: Any, text: str, **extra: Any) -> dict[str, Any]:
    start = logs.lab_start_s
    query_id = logs.start_query(logGroupName=GROUP, startTime=start, endTime=start + 3600, queryString=text, **extra)[
        "queryId"
    ]
    return logs.get_query_results(queryId=query_id)


def test_filter_and_stats_are_applied_not_every_event_returned(logs: Any) -> None:
    reply = query(logs, "filter @message like /ERROR/ | stats count(*) as errors by bin(5m)")
    assert reply["status"] == "Complete"
    rows = [{f["field"]: f["value"] for f in row} for row in reply["results"]]
    # Errors at minutes 0, 3, 6, 9 after the lab start; bins align to whole 5 minutes of the epoch.
    first = datetime.datetime.fromtimestamp(logs.lab_start_s // 300 * 300, datetime.timezone.utc)
    bins = [first + datetime.timedelta(minutes=m) for m in (0, 5, 10)]
    expected = {b.strftime("%Y-%m-%d %H:%M:%S.000"): 0 for b in bins}
    for minute in (0, 3, 6, 9):
        moment = datetime.datetime.fromtimestamp(logs.lab_start_s + 60 * minute, datetime.timezone.utc)
        expected[
            (first + datetime.timedelta(minutes=(moment - first).seconds // 60 // 5 * 5)).strftime(
                "%Y-%m-%d %H:%M:%S.000"
            )
        ] += 1
    assert {r["bin(5m)"]: int(r["errors"]) for r in rows} == {k: v for k, v in expected.items() if v}
    assert reply["statistics"]["recordsMatched"] == 4.0
    assert reply["statistics"]["recordsScanned"] == 12.0
    assert reply["statistics"]["bytesScanned"] > 0


def test_fields_of_json_events_with_sort_and_limit(logs: Any) -> None:
    reply = query(logs, 'filter level = "info" | fields ms, @logStream | sort ms desc | limit 3')
    rows = [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in reply["results"]]
    assert rows == [{"ms": "110", "@logStream": "b"}, {"ms": "100", "@logStream": "a"}, {"ms": "80", "@logStream": "a"}]
    assert all(row[-1]["field"] == "@ptr" for row in reply["results"])


def test_time_range_and_limit_parameter(logs: Any) -> None:
    start = logs.lab_start_s
    query_id = logs.start_query(
        logGroupNames=[GROUP],
        startTime=start + 60,
        endTime=start + 179,
        queryString="fields @timestamp, @message",
        limit=1,
    )["queryId"]
    reply = logs.get_query_results(queryId=query_id)
    assert reply["statistics"]["recordsScanned"] == 2.0  # minutes 1 and 2, endTime's second inclusive
    assert len(reply["results"]) == 1


def test_malformed_query_fails_at_start_query(logs: Any) -> None:
    with pytest.raises(logs.exceptions.MalformedQueryException):
        query(logs, "filter @message like")
    with pytest.raises(UnsupportedOperation, match="stddev"):
        query(logs, "stats stddev(ms)")


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    ("regex", "why"),
    [
        ("a{99999999999}", "the repetition number is too large"),  # OverflowError in re.compile
        ("(" * 5000 + "a" + ")" * 5000, "groups nested too deeply"),  # RecursionError in re.compile
        ("(?<x>a", "missing \\), unterminated subpattern"),  # re.error
    ],
    ids=["overflow", "recursion", "re.error"],
)
def test_a_regex_python_cannot_compile_is_a_malformed_query(logs: Any, language: str, regex: str, why: str) -> None:
    """MalformedQueryException, AWS's answer to "the query string is not valid" (API_StartQuery), in any lab
    language (AWS's error, in English), for like, =~ and parse alike; never Python's traceback."""
    from labkit import i18n

    i18n.set_language(language)
    try:
        for text in (f"filter @message like /{regex}/", f"filter @message =~ /{regex}/", f"parse @message /{regex}/"):
            with pytest.raises(logs.exceptions.MalformedQueryException, match=f"invalid regular expression .*: {why}"):
                query(logs, text)
    finally:
        i18n.set_language("en")


def test_stop_and_describe_queries(logs: Any) -> None:
    start = logs.lab_start_s
    query_id = logs.start_query(logGroupName=GROUP, startTime=start, endTime=start + 60, queryString="limit 1")[
        "queryId"
    ]
    assert logs.stop_query(queryId=query_id)["success"] is False  # it had already completed
    described = logs.describe_queries(logGroupName=GROUP)["queries"]
    assert [q["queryId"] for q in described] == [query_id] and described[0]["status"] == "Complete"
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")


def test_unknown_group_and_unemulated_parameter(logs: Any) -> None:
    start = logs.lab_start_s
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.start_query(logGroupName="/nope", startTime=start, endTime=start + 60, queryString="limit 1")
    with pytest.raises(UnsupportedOperation, match="queryLanguage"):
        logs.start_query(
            logGroupName=GROUP, startTime=start, endTime=start + 60, queryString="limit 1", queryLanguage="SQL"
        )


def test_moto_server_path_reads_through_an_internal_client(logs: Any, lab: Lab) -> None:
    """No in-process backend: events come from GetLogEvents, and the answer is the same."""
    text = "filter ms >= 50 | stats sum(ms) as total, count(*) by @logStream"
    expected = query(logs, text)["results"]
    start = logs.lab_start_s
    call = SimpleNamespace(
        params={"logGroupName": GROUP, "startTime": start, "endTime": start + 3600, "queryString": text},
        lab=SimpleNamespace(backend=SimpleNamespace(in_process=False), account_id=lab.account_id, clock=lab.clock),
        region=lab.region,
        internal=lambda service: lab.internal_client(service),
    )
    plugin = LogsInsights(lab.emulator)  # type: ignore[arg-type]
    query_id = plugin.start_query(call)["queryId"]  # type: ignore[arg-type]
    call.params = {"queryId": query_id}
    assert plugin.get_query_results(call)["results"] == expected  # type: ignore[arg-type]
    assert [{f["field"]: f["value"] for f in row} for row in expected] == [
        {"@logStream": "a", "total": "180", "count(*)": "2"},  # minutes 8, 10 (0 and 6 are errors)
        {"@logStream": "b", "total": "230", "count(*)": "3"},  # minutes 5, 7, 11 (3 and 9 are errors)
    ]


def test_query_definitions(logs: Any) -> None:
    """API_PutQueryDefinition, API_DescribeQueryDefinitions, API_DeleteQueryDefinition."""
    first = logs.put_query_definition(name="errors", queryString="filter @message like /ERROR/", logGroupNames=[GROUP])[
        "queryDefinitionId"
    ]
    second = logs.put_query_definition(name="all", queryString="fields @message")["queryDefinitionId"]
    logs.put_query_definition(name="errors", queryDefinitionId=first, queryString="filter @message like /ERR/")
    listed = logs.describe_query_definitions()["queryDefinitions"]
    assert [(d["name"], d["queryDefinitionId"]) for d in listed] == [("all", second), ("errors", first)]
    assert listed[1]["queryString"] == "filter @message like /ERR/" and listed[1]["logGroupNames"] == []
    page = logs.describe_query_definitions(maxResults=1)
    assert len(page["queryDefinitions"]) == 1
    assert (
        logs.describe_query_definitions(maxResults=1, nextToken=page["nextToken"])["queryDefinitions"][0][
            "queryDefinitionId"
        ]
        == first
    )
    assert [
        d["name"] for d in logs.describe_query_definitions(queryDefinitionNamePrefix="err")["queryDefinitions"]
    ] == ["errors"]
    assert logs.delete_query_definition(queryDefinitionId=second)["success"] is True
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_query_definition(queryDefinitionId=second)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_query_definition(name="x", queryDefinitionId=second, queryString="limit 1")
    with pytest.raises(logs.exceptions.MalformedQueryException):
        logs.put_query_definition(name="bad", queryString="filter (")


def test_ptr_resolves_with_get_log_record(logs: Any) -> None:
    """GetQueryResults rows that are one event carry @ptr; API_GetLogRecord returns that event."""
    reply = query(logs, 'filter level = "info" | fields ms | sort ms desc | limit 1')
    row = {f["field"]: f["value"] for f in reply["results"][0]}
    assert set(row) == {"ms", "@ptr"} and row["ms"] == "110"
    record = logs.get_log_record(logRecordPointer=row["@ptr"])["logRecord"]
    assert record["@message"] == json.dumps({"level": "info", "ms": 110}) and record["ms"] == "110"
    assert record["@logStream"] == "b" and record["@timestamp"] == str((logs.lab_start_s + 660) * 1000)
    assert "@ptr" not in {f["field"] for f in query(logs, "stats count(*)")["results"][0]}
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.get_log_record(logRecordPointer="bm90LWEtcG9pbnRlcg==")
