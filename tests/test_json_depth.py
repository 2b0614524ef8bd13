"""JSON nested deeper than labkit reads never raises RecursionError out of labkit.

Python's json module recurses once a level, so text nested about 1000 levels deep raised RecursionError from
labkit's own code. :func:`labkit.aws.jsontext.loads` reads :data:`~labkit.aws.jsontext.MAX_DEPTH` levels: the
calls a lab client makes answer deeper JSON with UnsupportedOperation (AWS documents a nesting limit only for
PutEvents, 1100 levels, without the error beyond it,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html); a log event too deep for json is
taken, like one that is not JSON, as matching no JSON filter pattern and giving Logs Insights no fields; the
learner's checkers report it as a problem in the lab's language.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from labkit import i18n
from labkit.aws.jsontext import MAX_DEPTH
from labkit.course.exercises.nb04 import PARAMETER, two_sources
from labkit.exceptions import UnsupportedOperation
from labkit.lesson import dashboard
from labkit.runtime.lab import Lab

#: Past Python's recursion limit: json.loads alone raised RecursionError.
DEEP = 3000
ARRAYS = "[" * DEEP + "]" * DEEP
OBJECTS = '{"a":' * DEEP + "1" + "}" * DEEP


def _nested(levels: int, leaf: Any) -> str:
    """``{"a": ... {"a": leaf}}``: ``levels`` objects around ``leaf``."""
    return '{"a":' * levels + json.dumps(leaf) + "}" * levels


@pytest.fixture
def japanese() -> Iterator[None]:
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def _refused(error: pytest.ExceptionInfo[UnsupportedOperation], operation: str) -> None:
    assert error.value.operation == operation
    assert f"JSON nested more than {MAX_DEPTH} levels deep" in str(error.value)


@pytest.mark.parametrize("pattern", [ARRAYS, OBJECTS, _nested(MAX_DEPTH, [1])], ids=["arrays", "objects", "past"])
def test_put_rule_refuses_a_pattern_too_deep_as_not_emulated(lab: Lab, pattern: str) -> None:
    with pytest.raises(UnsupportedOperation) as error:
        lab.client("events").put_rule(Name="deep", EventPattern=pattern)
    _refused(error, "PutRule")


def test_json_at_the_limit_is_read_and_matched_one_level_more_is_refused(lab: Lab) -> None:
    events = lab.client("events")
    pattern = _nested(MAX_DEPTH - 1, [1])  # MAX_DEPTH - 1 objects and the array of values
    events.put_rule(Name="at-limit", EventPattern=pattern)
    assert events.test_event_pattern(Event=_nested(MAX_DEPTH - 1, 1), EventPattern=pattern)["Result"] is True
    with pytest.raises(UnsupportedOperation) as error:
        events.test_event_pattern(Event=_nested(MAX_DEPTH + 1, 1), EventPattern=pattern)
    _refused(error, "TestEventPattern")


@pytest.mark.parametrize("which", ["Event", "EventPattern"])
def test_test_event_pattern_refuses_json_too_deep(lab: Lab, which: str) -> None:
    params = {"Event": "{}", "EventPattern": '{"source": ["x"]}', which: OBJECTS}
    with pytest.raises(UnsupportedOperation) as error:
        lab.client("events").test_event_pattern(**params)
    _refused(error, "TestEventPattern")


def test_put_events_refuses_a_detail_too_deep(lab: Lab) -> None:
    with pytest.raises(UnsupportedOperation) as error:
        lab.client("events").put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": OBJECTS}])
    _refused(error, "PutEvents")


def test_put_insight_rule_refuses_a_definition_too_deep(lab: Lab) -> None:
    with pytest.raises(UnsupportedOperation) as error:
        lab.client("cloudwatch").put_insight_rule(RuleName="deep", RuleState="ENABLED", RuleDefinition=OBJECTS)
    _refused(error, "PutInsightRule")


def test_set_alarm_state_refuses_reason_data_too_deep(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="deep",
        Namespace="App",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    with pytest.raises(UnsupportedOperation) as error:  # 4000 characters, StateReasonData's documented maximum
        cloudwatch.set_alarm_state(
            AlarmName="deep", StateValue="ALARM", StateReason="test", StateReasonData="[" * 2000 + "]" * 2000
        )
    _refused(error, "SetAlarmState")


def test_a_log_event_too_deep_for_json_matches_no_json_pattern_and_is_still_stored(lab: Lab) -> None:
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="s")
    pattern = "{ $.a = 1 }"
    logs.put_metric_filter(
        logGroupName="app",
        filterName="a",
        filterPattern=pattern,
        metricTransformations=[{"metricName": "A", "metricNamespace": "App", "metricValue": "1"}],
    )
    now = int(lab.clock.now().timestamp() * 1000)
    shallow = '{"a": 1}'
    logs.put_log_events(
        logGroupName="app",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": OBJECTS}, {"timestamp": now, "message": shallow}],
    )
    matched = logs.test_metric_filter(filterPattern=pattern, logEventMessages=[OBJECTS, shallow])["matches"]
    assert [m["eventMessage"] for m in matched] == [shallow]
    found = logs.filter_log_events(logGroupName="app", filterPattern=pattern)["events"]
    assert [e["message"] for e in found] == [shallow]
    assert len(logs.filter_log_events(logGroupName="app")["events"]) == 2


def test_logs_insights_gives_a_log_event_too_deep_for_json_no_fields(lab: Lab) -> None:
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="s")
    now = lab.clock.now()
    stamp = int(now.timestamp() * 1000)
    logs.put_log_events(
        logGroupName="app",
        logStreamName="s",
        logEvents=[{"timestamp": stamp, "message": OBJECTS}, {"timestamp": stamp, "message": '{"a": 7}'}],
    )
    end = int(now.timestamp()) + 60
    query = logs.start_query(logGroupName="app", startTime=end - 3600, endTime=end, queryString="fields a, @message")
    results = logs.get_query_results(queryId=query["queryId"])
    assert results["status"] == "Complete"
    rows = [{f["field"]: f["value"] for f in row} for row in results["results"]]
    assert {len(row["@message"]): row.get("a") for row in rows} == {len(OBJECTS): None, 8: "7"}


def test_dashboard_validate_reports_a_body_too_deep() -> None:
    assert dashboard.validate(OBJECTS) == [
        f"the body cannot be checked: JSON nested more than {MAX_DEPTH} levels deep, deeper than labkit reads"
    ]


def test_dashboard_validate_reports_a_body_too_deep_in_japanese(japanese: None) -> None:
    [problem] = dashboard.validate(ARRAYS)
    assert str(MAX_DEPTH) in problem and "JSON" in problem and "labkit" in problem
    assert problem.isascii() is False and "cannot" not in problem


def test_the_nb04_checker_reports_a_value_too_deep(lab: Lab) -> None:
    lab.client("ssm").put_parameter(Name=PARAMETER, Type="String", Value=_nested(MAX_DEPTH + 1, {}), Overwrite=True)
    assert two_sources.problems(lab) == [
        f"the parameter's value cannot be checked: JSON nested more than {MAX_DEPTH} levels deep, "
        "deeper than labkit reads"
    ]


def test_the_nb04_checker_reports_a_value_too_deep_in_japanese(lab: Lab, japanese: None) -> None:
    lab.client("ssm").put_parameter(Name=PARAMETER, Type="String", Value=OBJECTS, Overwrite=True)
    [problem] = two_sources.problems(lab)
    assert str(MAX_DEPTH) in problem and problem.isascii() is False and "cannot" not in problem
