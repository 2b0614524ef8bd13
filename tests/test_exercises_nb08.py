"""Checkers of notebook 08's exercises: the saved 'top user names' query and the password-login alarm.

Logs Insights parse/stats/sort/limit: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html;
saved queries (a new definition unless queryDefinitionId is given):
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutQueryDefinition.html;
filter patterns: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from notebook_scenarios import notebook_functions

from labkit.lesson import prereqs
from labkit.lesson.logs import SecureLogGenerator
from labkit.course.exercises.nb08 import invalid_user_log_alarm, password_login_alarm, top_usernames_query
from labkit.emulator.logs_insights import LogsInsights
from labkit.runtime.lab import Lab

RIGHT = r"""parse @message /Failed password for (invalid user )?(?<user>\S+) from/
| filter ispresent(user) | stats count(*) as tries by user | sort tries desc | limit 5"""


@pytest.fixture
def attacked(lab: Lab) -> Lab:
    prereqs.ssh_attack(lab, "i-0123456789abcdef0")
    return lab


def _save(lab: Lab, query: str, groups: list[str] | None = None, name: str = "ssh-top-usernames") -> None:
    lab.client("logs").put_query_definition(name=name, queryString=query, logGroupNames=groups or ["ssh_logs"])


def _solve_query(lab: Lab) -> None:
    # The answer cell calls the notebook's save_query and insights (its Steps 2 and 5), over the attack's hour.
    now = lab.clock.now()
    names = {
        "logs": lab.client("logs"),
        "pd": pd,
        "time": time,
        "last_statistics": {},
        "attack": SimpleNamespace(start=now - dt.timedelta(hours=1), end=now),
    }
    notebook_functions("08", {"save_query", "insights"}, names)
    for _ in range(2):  # the solution cell run twice
        exec(top_usernames_query.solution_code, dict(names))
    assert top_usernames_query.problems(lab) == []


def test_top_usernames_right_answers(attacked: Lab) -> None:
    _save(attacked, RIGHT)
    assert top_usernames_query.problems(attacked) == []
    glob = (
        'parse @message "Failed password for * from" as who | filter ispresent(who) '
        "| parse who /^(invalid user )?(?<user>\\S+)$/ | stats count(*) as n by user | sort n desc | limit 5"
    )
    logs = attacked.client("logs")
    logs.delete_query_definition(
        queryDefinitionId=logs.describe_query_definitions()["queryDefinitions"][0]["queryDefinitionId"]
    )
    _save(attacked, glob)
    assert top_usernames_query.problems(attacked) == []


@pytest.mark.parametrize(
    ("query", "groups", "expected"),
    [
        # 'invalid' taken as the user name: the optional group is missing.
        (
            r"parse @message /Failed password for (?<user>\S+)/ | stats count(*) as tries by user | sort tries desc | limit 5",
            None,
            "'Failed password' lines for it",
        ),
        # Counting 'Invalid user' lines misses root, a valid user.
        (
            r"parse @message /Invalid user (?<user>\S+) from/ | filter ispresent(user) | stats count(*) as tries by user "
            "| sort tries desc | limit 5",
            None,
            "sshd wrote",
        ),
        (RIGHT.replace("sort tries desc", "sort tries asc"), None, "not sorted"),
        (RIGHT.replace("| limit 5", ""), None, "keep the 5 names"),
        (
            RIGHT.replace(
                "count(*) as tries by user", "count(*) as tries, count_distinct(@logStream) as streams by user"
            ),
            None,
            "one count",
        ),
        (RIGHT.replace("?<user>", "?<name>"), None, "field named user"),
        (RIGHT, ["CloudTrail/lab-trail"], "logGroupNames"),
    ],
)
def test_top_usernames_wrong_answers_then_solution(
    attacked: Lab, query: str, groups: list[str] | None, expected: str
) -> None:
    _save(attacked, query, groups)
    problems = top_usernames_query.problems(attacked)
    assert any(expected in p for p in problems), problems
    _solve_query(attacked)


def test_top_usernames_query_that_does_not_run(attacked: Lab) -> None:
    """labkit refuses to save a malformed query (API_PutQueryDefinition does not say AWS checks it), so the
    checker's "does not run" is reached here by changing the stored definition behind the API."""
    logs = attacked.client("logs")
    with pytest.raises(logs.exceptions.MalformedQueryException):
        _save(attacked, "stats count(*) by")
    _save(attacked, RIGHT)
    stored = next(iter(attacked.emulator.plugin(LogsInsights).definitions.values()))
    stored["queryString"] = "stats count(*) by"
    assert "does not run" in top_usernames_query.problems(attacked)[0]
    _solve_query(attacked)


def test_top_usernames_missing_then_duplicates(attacked: Lab) -> None:
    assert "no saved query" in top_usernames_query.problems(attacked)[0]
    _save(attacked, RIGHT)
    _save(attacked, RIGHT)  # a second put without queryDefinitionId: a second definition
    assert "2 saved queries" in top_usernames_query.problems(attacked)[0]
    _solve_query(attacked)


def test_top_usernames_without_the_log_group(lab: Lab) -> None:
    assert "does not exist" in top_usernames_query.problems(lab)[0]


def _filter(lab: Lab, pattern: str, name: str = "SSH password login", **transformation: Any) -> None:
    metric = {"metricName": "SSHPasswordLogin", "metricNamespace": "LabLogs", "metricValue": "1", **transformation}
    lab.client("logs").put_metric_filter(
        logGroupName="ssh_logs", filterName=name, filterPattern=pattern, metricTransformations=[metric]
    )


def _alarm(lab: Lab, topic: str | None, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "SSH password login",
        "Namespace": "LabLogs",
        "MetricName": "SSHPasswordLogin",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic] if topic else [],
    }
    params.update(changes)
    lab.client("cloudwatch").put_metric_alarm(**params)


def _solve_alarm(lab: Lab, topic: str) -> None:
    for _ in range(2):
        exec(
            password_login_alarm.solution_code,
            {"logs": lab.client("logs"), "cloudwatch": lab.client("cloudwatch"), "topic_arn": topic},
        )
    assert password_login_alarm.problems(lab) == []


def test_password_alarm_right_answer(attacked: Lab) -> None:
    topic = prereqs.alerts_topic(attacked)
    _filter(attacked, '"Accepted password"')
    _alarm(attacked, topic)
    assert password_login_alarm.problems(attacked) == []


@pytest.mark.parametrize(
    ("pattern", "filter_changes", "alarm_changes", "expected"),
    [
        ('"Accepted"', {}, {}, "also matches"),  # key logins count too
        ('"accepted password"', {}, {}, "misses"),  # case sensitive
        ('"Accepted password"', {"metricNamespace": "SSH"}, {}, "namespace"),
        ('"Accepted password"', {"metricValue": "5"}, {}, "metricValue"),
        ('"Accepted password"', {}, {"Period": 300}, "Period"),
        ('"Accepted password"', {}, {"Threshold": 5}, "Threshold"),
        ('"Accepted password"', {}, {"Statistic": "Average"}, "Statistic"),
        ('"Accepted password"', {}, {"ComparisonOperator": "GreaterThanThreshold"}, "ComparisonOperator"),
        ('"Accepted password"', {}, {"TreatMissingData": "missing"}, "TreatMissingData"),
        ('"Accepted password"', {}, {"EvaluationPeriods": 2}, "EvaluationPeriods"),
        ('"Accepted password"', {}, {"MetricName": "SSHFailed"}, "MetricName"),
        ('"Accepted password"', {}, {"AlarmActions": []}, "lab-alerts"),
    ],
)
def test_password_alarm_wrong_answers_then_solution(
    attacked: Lab, pattern: str, filter_changes: dict, alarm_changes: dict, expected: str
) -> None:
    topic = prereqs.alerts_topic(attacked)
    _filter(attacked, pattern, **filter_changes)
    _alarm(attacked, topic, **alarm_changes)
    problems = password_login_alarm.problems(attacked)
    assert any(expected in p for p in problems), problems
    _solve_alarm(attacked, topic)


def test_password_alarm_missing_then_two_filters_then_reset(attacked: Lab) -> None:
    topic = prereqs.alerts_topic(attacked)
    problems = password_login_alarm.problems(attacked)
    assert "no metric filter" in problems[0] and "no alarm" in problems[1]
    _filter(attacked, '"Accepted password"', name="my first try")
    exec(
        password_login_alarm.solution_code,
        {"logs": attacked.client("logs"), "cloudwatch": attacked.client("cloudwatch"), "topic_arn": topic},
    )
    assert "ex2.reset(lab)" in password_login_alarm.problems(attacked)[0]
    password_login_alarm.reset(attacked)
    _solve_alarm(attacked, topic)


def _log_alarm(lab: Lab, topic: str | None, **changes: Any) -> None:
    """A put_log_alarm of exercise 3; ``changes`` replace top-level parameters, ``query``/``schedule`` keys the
    ScheduledQueryConfiguration's."""
    query = {
        "QueryString": 'filter @message like "Invalid user"',
        "AggregationExpression": "count(*)",
        "LogGroupIdentifiers": ["ssh_logs"],
        "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 360, "EndTimeOffset": 60},
        "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
    }
    query.update(changes.pop("query", {}))
    query["ScheduleConfiguration"] = {**query["ScheduleConfiguration"], **changes.pop("schedule", {})}
    params: dict[str, Any] = {
        "AlarmName": "lab-ssh-invalid-user",
        "ScheduledQueryConfiguration": query,
        "QueryResultsToEvaluate": 1,
        "QueryResultsToAlarm": 1,
        "Threshold": 5,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic] if topic else [],
    }
    params.update(changes)
    lab.client("cloudwatch").put_log_alarm(**params)


def _solve_log_alarm(lab: Lab, topic: str) -> None:
    for _ in range(2):  # the solution cell run twice: put_log_alarm replaces the alarm
        exec(
            invalid_user_log_alarm.solution_code,
            {"lab": lab, "cloudwatch": lab.client("cloudwatch"), "topic_arn": topic},
        )
    assert invalid_user_log_alarm.problems(lab) == []


def test_log_alarm_right_answers(attacked: Lab) -> None:
    topic = prereqs.alerts_topic(attacked)
    _log_alarm(attacked, topic)
    assert invalid_user_log_alarm.problems(attacked) == []
    # The same alarm written otherwise: a regular expression, the log group's ARN, a window ending at the run,
    # "more than 4" for "5 or more" (counts are whole numbers).
    arn = f"arn:aws:logs:{attacked.region}:{attacked.account_id}:log-group:ssh_logs"
    _log_alarm(
        attacked,
        topic,
        query={"QueryString": "filter @message like /Invalid user \\S+ from/", "LogGroupIdentifiers": [arn]},
        schedule={"StartTimeOffset": 300, "EndTimeOffset": 0},
        Threshold=4,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert invalid_user_log_alarm.problems(attacked) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # Lower case also keeps "Failed password for invalid user …" and "Connection closed by invalid user …".
        ({"query": {"QueryString": 'filter @message like "invalid user"'}}, "'Invalid user' lines"),
        # Every [preauth] line, not only the attempts on users that do not exist.
        ({"query": {"QueryString": 'filter @message like "[preauth]"'}}, "'Invalid user' lines"),
        # A stats in the query: the aggregation then counts its one row.
        (
            {"query": {"QueryString": 'filter @message like "Invalid user" | stats count(*) as n'}},
            "'Invalid user' lines",
        ),
        ({"query": {"LogGroupIdentifiers": ["web_logs"]}}, "LogGroupIdentifiers"),  # another log group
        ({"schedule": {"ScheduleExpression": "rate(1 hour)", "StartTimeOffset": 3660}}, "ScheduleExpression"),
        ({"schedule": {"StartTimeOffset": 600, "EndTimeOffset": 0}}, "counts them twice"),  # windows overlap
        ({"schedule": {"StartTimeOffset": 120, "EndTimeOffset": 60}}, "60 seconds"),  # gaps between windows
        ({"QueryResultsToEvaluate": 3, "QueryResultsToAlarm": 2}, "QueryResultsToEvaluate=1"),
        ({"Threshold": 5, "ComparisonOperator": "GreaterThanThreshold"}, "counts 5 lines should breach"),
        ({"Threshold": 10}, "counts 5 lines should breach"),
        ({"Threshold": 5, "ComparisonOperator": "LessThanThreshold"}, "ComparisonOperator"),
        ({"with_topic": False}, "lab-alerts"),
    ],
)
def test_log_alarm_wrong_answers_then_solution(attacked: Lab, changes: dict[str, Any], expected: str) -> None:
    topic = prereqs.alerts_topic(attacked)
    with_topic = changes.pop("with_topic", True)
    attacked.client("logs").create_log_group(logGroupName="web_logs")
    _log_alarm(attacked, topic if with_topic else None, **changes)
    problems = invalid_user_log_alarm.problems(attacked)
    assert any(expected in p for p in problems), problems
    _solve_log_alarm(attacked, topic)


def test_log_alarm_missing_or_a_metric_alarm_of_that_name(attacked: Lab) -> None:
    topic = prereqs.alerts_topic(attacked)
    assert "no log alarm named 'lab-ssh-invalid-user'" in invalid_user_log_alarm.problems(attacked)[0]
    _alarm(attacked, topic, AlarmName="lab-ssh-invalid-user")  # a metric alarm is not a log alarm
    assert "AlarmTypes=['LogAlarm']" in invalid_user_log_alarm.problems(attacked)[0]
    attacked.client("cloudwatch").delete_alarms(AlarmNames=["lab-ssh-invalid-user"])
    _solve_log_alarm(attacked, topic)


def test_log_alarm_after_the_attack_alarms(attacked: Lab) -> None:
    """The solution's alarm does what the exercise says: the run after 5 or more 'Invalid user' lines emails."""
    topic = prereqs.alerts_topic(attacked)
    _solve_log_alarm(attacked, topic)
    stream = prereqs.ssh_attack(attacked, "i-0123456789abcdef0").log_stream
    lines = SecureLogGenerator(seed=3, flavor="al2023").attack(
        attacked.clock.now(), 2, attempts_per_minute=6, source_ip="192.0.2.77"
    )
    assert sum("]: Invalid user " in line.text for line in lines) >= 5
    attacked.client("logs").put_log_events(
        logGroupName="ssh_logs",
        logStreamName=stream,
        logEvents=[{"timestamp": int(line.timestamp.timestamp() * 1000), "message": line.text} for line in lines],
    )
    attacked.advance(minutes=5)  # the first run: its window holds the attack's two minutes
    [alarm] = attacked.client("cloudwatch").describe_alarms(
        AlarmNames=["lab-ssh-invalid-user"], AlarmTypes=["LogAlarm"]
    )["LogAlarms"]
    assert alarm["StateValue"] == "ALARM"
    subjects = [n.subject for n in attacked.inbox.notifications("you@example.com")]
    assert 'ALARM: "lab-ssh-invalid-user" in Asia Pacific (Tokyo)' in subjects
