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
from labkit.course.exercises.nb08 import password_login_alarm, top_usernames_query
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
