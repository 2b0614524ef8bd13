"""Log alarm rules (labkit.aws.logalarms), one test per documented rule.

Sources: the PutLogAlarm API reference (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html),
ScheduledQueryConfiguration / ScheduleConfiguration (API_ScheduledQueryConfiguration.html, API_ScheduleConfiguration.html)
and botocore's ``cloudwatch`` model; "Log alarms" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html);
EventBridge rate expressions (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from labkit.aws import logalarms
from labkit.exceptions import InvalidAlarmParameter, LogAlarmUnsupported, MalformedQuery

REQUEST: dict[str, Any] = {
    "AlarmName": "ssh-failures",
    "ScheduledQueryConfiguration": {
        "QueryString": "filter @message like /preauth/",
        "LogGroupIdentifiers": ["/var/log/secure"],
        "ScheduledQueryRoleARN": "arn:aws:iam::123456789012:role/scheduled-query",
        "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 300},
        "AggregationExpression": "count(*)",
    },
    "QueryResultsToEvaluate": 3,
    "QueryResultsToAlarm": 2,
    "Threshold": 10.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
}


def _request(**changes: Any) -> dict[str, Any]:
    request = copy.deepcopy(REQUEST)
    config = request["ScheduledQueryConfiguration"]
    for path, value in changes.items():
        where: dict[str, Any] = request
        parts = path.split("__")
        for part in parts[:-1]:
            where = where[part]
        if value is None:
            where.pop(parts[-1], None)
        else:
            where[parts[-1]] = value
    assert config is request["ScheduledQueryConfiguration"]
    return request


def _error(**changes: Any) -> InvalidAlarmParameter:
    with pytest.raises(InvalidAlarmParameter) as caught:
        logalarms.validate_put_log_alarm(_request(**changes))
    return caught.value


def test_a_valid_request_passes() -> None:
    logalarms.validate_put_log_alarm(REQUEST)


def test_query_results_to_evaluate_is_1_through_100() -> None:
    """QueryResultsToEvaluate: "Valid range is 1 through 100"."""
    logalarms.validate_put_log_alarm(_request(QueryResultsToEvaluate=100))
    assert _error(QueryResultsToEvaluate=101).code == "ValidationError"
    assert "'queryResultsToEvaluate'" in _error(QueryResultsToEvaluate=0, QueryResultsToAlarm=1).message


def test_query_results_to_alarm_is_at_most_query_results_to_evaluate() -> None:
    """QueryResultsToAlarm: "Must be less than or equal to QueryResultsToEvaluate"."""
    logalarms.validate_put_log_alarm(_request(QueryResultsToAlarm=3))
    error = _error(QueryResultsToAlarm=4)
    assert (error.code, error.parameter) == ("ValidationError", "QueryResultsToAlarm")


def test_log_group_identifiers_hold_1_to_50_entries() -> None:
    """LogGroupIdentifiers: "The list must contain between 1 and 50 entries"."""
    logalarms.validate_put_log_alarm(
        _request(ScheduledQueryConfiguration__LogGroupIdentifiers=[f"g{i}" for i in range(50)])
    )
    error = _error(ScheduledQueryConfiguration__LogGroupIdentifiers=[f"g{i}" for i in range(51)])
    assert "'scheduledQueryConfiguration.logGroupIdentifiers'" in error.message
    assert "length less than or equal to 50" in error.message
    assert "greater than or equal to 1" in _error(ScheduledQueryConfiguration__LogGroupIdentifiers=[]).message


def test_without_log_group_identifiers_the_alarm_is_refused_by_name() -> None:
    """The member is optional in the model, but which log groups the query then reads is not documented."""
    with pytest.raises(LogAlarmUnsupported, match="LogGroupIdentifiers"):
        logalarms.validate_put_log_alarm(_request(ScheduledQueryConfiguration__LogGroupIdentifiers=None))


def test_query_string_is_at_most_10000_characters() -> None:
    """QueryString: "Length constraints: maximum of 10,000 characters"."""
    logalarms.validate_put_log_alarm(_request(ScheduledQueryConfiguration__QueryString="x" * 10_000))
    assert "length less than or equal to 10000" in _error(ScheduledQueryConfiguration__QueryString="x" * 10_001).message


def test_aggregation_expression_is_1_to_2048_characters() -> None:
    """AggregationExpression: "minimum 1 character, maximum 2048 characters" (the model's limits)."""
    logalarms.validate_put_log_alarm(_request(ScheduledQueryConfiguration__AggregationExpression="c" * 2048))
    assert "less than or equal to 2048" in _error(ScheduledQueryConfiguration__AggregationExpression="c" * 2049).message
    assert "greater than or equal to 1" in _error(ScheduledQueryConfiguration__AggregationExpression="").message


def test_end_time_offset_is_non_negative_and_below_start_time_offset() -> None:
    """EndTimeOffset: "Must be non-negative and less than StartTimeOffset. The default is 0"."""
    prefix = "ScheduledQueryConfiguration__ScheduleConfiguration__"
    logalarms.validate_put_log_alarm(_request(**{prefix + "EndTimeOffset": 299}))
    assert "EndTimeOffset must be less than StartTimeOffset" in _error(**{prefix + "EndTimeOffset": 300}).message
    assert "greater than or equal to 0" in _error(**{prefix + "EndTimeOffset": -1}).message
    assert "less than or equal to 2592000" in _error(**{prefix + "StartTimeOffset": 2_592_001}).message


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172_800)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    """ScheduleExpression: "Specify a rate() expression, for example rate(5 minutes)"."""
    assert logalarms.rate_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression", ["cron(0/5 * * * ? *)", "rate(5 minute)", "rate(1 minutes)", "rate(0 minutes)", "5m"]
)
def test_other_schedule_expressions_are_validation_errors(expression: str) -> None:
    """Not a rate() expression, or a unit not singular for 1 and plural otherwise (EventBridge's rate syntax)."""
    error = _error(ScheduledQueryConfiguration__ScheduleConfiguration__ScheduleExpression=expression)
    assert error.code == "ValidationError" and "ScheduleExpression" in error.message


def test_action_log_line_count_is_0_to_50_and_needs_its_role() -> None:
    """ActionLogLineCount "Valid range is 0 through 50"; ActionLogLineRoleArn "Required when ActionLogLineCount is
    greater than 0"."""
    logalarms.validate_put_log_alarm(_request(ActionLogLineCount=0))
    logalarms.validate_put_log_alarm(_request(ActionLogLineCount=50, ActionLogLineRoleArn="arn:aws:iam::1:role/r"))
    assert "between 0 and 50" in _error(ActionLogLineCount=51, ActionLogLineRoleArn="arn:aws:iam::1:role/r").message
    assert _error(ActionLogLineCount=1).code == "MissingParameter"


def test_only_the_four_static_comparison_operators() -> None:
    """ComparisonOperator: "Valid values are GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold,
    and LessThanOrEqualToThreshold" (the model's enum also has the anomaly detection operators)."""
    logalarms.validate_put_log_alarm(_request(ComparisonOperator="LessThanThreshold"))
    assert "ComparisonOperator" in _error(ComparisonOperator="GreaterThanUpperThreshold").message


def test_treat_missing_data_values() -> None:
    """TreatMissingData: "Valid values are breaching, notBreaching, ignore, and missing"."""
    logalarms.validate_put_log_alarm(_request(TreatMissingData="notBreaching"))
    assert "TreatMissingData" in _error(TreatMissingData="zero").message


def test_at_most_five_actions_per_state() -> None:
    topics = [f"arn:aws:sns:ap-northeast-1:123456789012:t{i}" for i in range(6)]
    assert "'alarmActions'" in _error(AlarmActions=topics).message


def test_the_query_is_the_query_then_stats_of_the_aggregation() -> None:
    """The aggregation "defines how to aggregate query results into one or more scalar values" (labkit: a stats
    command over the query's rows); a count over no rows is 0, an average over none is no value (missing)."""
    plan = logalarms.compile_query("filter @message like /preauth/", "count(*)")
    events = [{"@timestamp": 1, "@message": "closed [preauth]"}, {"@timestamp": 2, "@message": "Accepted"}]
    assert logalarms.aggregate_value(plan, events) == 1.0
    assert logalarms.aggregate_value(plan, []) == 0.0
    average = logalarms.compile_query("parse @message 'took *ms' as ms", "avg(ms)")
    assert logalarms.aggregate_value(average, [{"@timestamp": 1, "@message": "took 30ms"}]) == 30.0
    assert logalarms.aggregate_value(average, []) is None
    nested = logalarms.compile_query("filter @message like /preauth/ | stats count(*) as failures", "sum(failures)")
    assert logalarms.aggregate_value(nested, events) == 1.0


@pytest.mark.parametrize(
    ("aggregation", "why"),
    [
        ("count(*) by host", "by clause"),
        ("avg(latency) by host | sort desc", "by clause"),
        ("count(*), avg(x)", "several values"),
        ("latest(@message)", "not a number"),
        ("failures", "not a Logs Insights stats aggregation"),
    ],
)
def test_forms_whose_evaluation_is_not_documented_are_refused(aggregation: str, why: str) -> None:
    """Each execution "produces aggregated results (a single value or multiple contributor values)" (alarm-log.html):
    contributors are not emulated; which of several aggregates is compared is not documented."""
    with pytest.raises(LogAlarmUnsupported, match=why):
        logalarms.compile_query("", aggregation)


def test_a_malformed_query_is_rejected() -> None:
    """A QueryString Logs Insights rejects (the aggregation being a stats one) is malformed."""
    with pytest.raises(MalformedQuery):
        logalarms.compile_query("filter (", "count(*)")


def test_query_window_follows_the_offsets() -> None:
    """ "an offset of 360 (6 minutes) on a query running at 12:05:00 starts the query time range at 11:59:00"."""
    run = dt.datetime(2026, 1, 1, 12, 5)
    assert logalarms.query_window(run, 360) == (dt.datetime(2026, 1, 1, 11, 59), run)
    assert logalarms.query_window(run, 360, 60)[1] == dt.datetime(2026, 1, 1, 12, 4)


def test_runs_fall_every_interval_after_the_put() -> None:
    put = dt.datetime(2026, 1, 1, 0, 0, 30)
    assert logalarms.next_run(put, 300, put) == put + dt.timedelta(minutes=5)
    assert logalarms.next_run(put, 300, put + dt.timedelta(minutes=5)) == put + dt.timedelta(minutes=10)


def _evaluate(values: list[float | None], n: int = 3, m: int = 2, missing: str | None = None, state: str = "OK") -> str:
    return logalarms.evaluate_executions(
        values,
        threshold=10.0,
        comparison_operator="GreaterThanOrEqualToThreshold",
        query_results_to_evaluate=n,
        query_results_to_alarm=m,
        treat_missing_data=missing,
        current_state=state,
    ).state


def test_m_of_the_last_n_executions() -> None:
    """ "Log Alarms evaluate the last N query executions. The alarm transitions to ALARM when M of those N executions
    breach the threshold" (alarm-log.html)."""
    assert _evaluate([12, 1, 15]) == "ALARM"
    assert _evaluate([12, 1, 1]) == "OK"
    assert _evaluate([12, 15, 1, 1, 1]) == "OK"  # only the last three count


def test_missing_values_follow_treat_missing_data() -> None:
    """TreatMissingData: "If this parameter is omitted, the default behavior of missing is used"; the values as for
    metric alarms (alarms-and-missing-data)."""
    assert _evaluate([None, None, None]) == "INSUFFICIENT_DATA"
    assert _evaluate([None, None, None], missing="breaching") == "ALARM"
    assert _evaluate([None, None, None], missing="notBreaching") == "OK"
    assert _evaluate([None, None, None], missing="ignore", state="ALARM") == "ALARM"
    assert _evaluate([12, None, None], missing="breaching") == "ALARM"
    assert _evaluate([12, None, None], missing="notBreaching") == "OK"


def test_executions_not_run_yet_count_as_missing() -> None:
    """A new alarm: one execution so far, two missing (labkit's reading, as a new metric alarm's empty periods)."""
    assert _evaluate([1.0]) == "OK"
    assert _evaluate([12.0]) == "INSUFFICIENT_DATA"  # one breach of the two needed, the rest unknown
    assert _evaluate([12.0], m=1) == "ALARM"


def test_the_notification_and_email_name_the_query() -> None:
    """AWS documents no log alarm message or email: the kit's metric alarm ones with the query (labkit's shape)."""
    alarm = {**REQUEST, "AlarmArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssh-failures"}
    alarm["AlarmActions"] = ["arn:aws:sns:ap-northeast-1:123456789012:alerts"]
    subject, message = logalarms.notification(
        alarm,
        old_state="OK",
        new_state="ALARM",
        reason="Threshold Crossed",
        when=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        account_id="123456789012",
        region="ap-northeast-1",
    )
    assert subject == 'ALARM: "ssh-failures" in Asia Pacific (Tokyo)'
    assert message["Trigger"]["QueryString"] == "filter @message like /preauth/"
    body = logalarms.email_text(
        subject, message, topic_arn=alarm["AlarmActions"][0], unsubscribe_url="https://example.com/unsubscribe"
    )
    assert 'Amazon CloudWatch Alarm "ssh-failures"' in body and "Monitored Metric" not in body
    assert "for at least 2 of the last 3 query results (one per rate(5 minutes))" in body
    assert "- AggregationExpression:" in body and "count(*)" in body
