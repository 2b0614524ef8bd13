"""Exercises of notebook 08-investigate: a saved Logs Insights query, an alarm on password logins, and a log alarm.

Query syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html;
saved queries: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutQueryDefinition.html;
log alarms: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.course.exercises import Exercise
from labkit.course.exercises.log_alarm import (
    LogMetric,
    alarm_problems,
    delete_metric_filters,
    metric_filter_problems,
    missing_log_group,
    sshd_sample_lines,
)
from labkit.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

LOG_GROUP = "ssh_logs"
QUERY_NAME = "ssh-top-usernames"
TOP = 5
NAMESPACE = "LabLogs"
PASSWORD_METRIC = "SSHPasswordLogin"
PASSWORD_ALARM = "SSH password login"
INVALID_USER_ALARM = "lab-ssh-invalid-user"
INVALID_USER_RATE = "rate(5 minutes)"
INVALID_USER_WINDOW = 300
INVALID_USER_THRESHOLD = 5
#: One line per failed attempt, valid user or not (sshd's pam_unix; notebook 05's generator writes both forms).
_FAILED = re.compile(r"Failed password for (?:invalid user )?(\S+) from ")


def _definitions(lab: Lab) -> list[dict[str, Any]]:
    logs = lab.internal_client("logs")
    found = logs.describe_query_definitions(queryDefinitionNamePrefix=QUERY_NAME)["queryDefinitions"]
    return [d for d in found if d["name"] == QUERY_NAME]


def _messages(lab: Lab) -> list[str]:
    logs = lab.internal_client("logs")
    messages, kwargs = [], {"logGroupName": LOG_GROUP}
    while True:
        page = logs.filter_log_events(**kwargs)
        messages += [e["message"] for e in page["events"]]
        if not page.get("nextToken"):
            return messages
        kwargs["nextToken"] = page["nextToken"]


def _run(lab: Lab, query: str) -> list[dict[str, str]]:
    """The saved query's rows over all of ssh_logs (polls GetQueryResults until the query ends)."""
    logs = lab.internal_client("logs")
    now = int(lab.clock.now().timestamp())
    query_id = logs.start_query(logGroupName=LOG_GROUP, startTime=now - 14 * 86400, endTime=now, queryString=query)[
        "queryId"
    ]
    while True:
        reply = logs.get_query_results(queryId=query_id)
        if reply["status"] not in ("Scheduled", "Running"):
            break
        time.sleep(1)  # only on AWS: offline a query completes at once
    return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in reply["results"]]


def _top_usernames_problems(lab: Lab) -> list[str]:
    logs = lab.internal_client("logs")
    if not any(
        g["logGroupName"] == LOG_GROUP for g in logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    ):
        return [
            _("the log group {log_group!r} does not exist; run the notebook's setup first").format(log_group=LOG_GROUP)
        ]
    saved = _definitions(lab)
    if not saved:
        return [
            _("there is no saved query named {name!r} (logs.put_query_definition(name=...))").format(name=QUERY_NAME)
        ]
    if len(saved) > 1:
        return [
            _(
                "there are {count} saved queries named {name!r}: put_query_definition without "
                "queryDefinitionId adds another one each time. Delete the extra ones with delete_query_definition "
                "(the solution does it) and update the one left by passing its queryDefinitionId"
            ).format(count=len(saved), name=QUERY_NAME)
        ]
    definition = saved[0]
    problems = []
    if LOG_GROUP not in definition.get("logGroupNames", []):
        problems.append(
            _(
                "the saved query's logGroupNames are {names}; include {log_group!r} so it opens on the right log group"
            ).format(names=definition.get("logGroupNames", []), log_group=LOG_GROUP)
        )
    try:
        rows = _run(lab, definition["queryString"])
    except ClientError as error:
        return [*problems, _("the query does not run: {message}").format(message=error.response["Error"]["Message"])]
    truth = Counter(m.group(1) for m in map(_FAILED.search, _messages(lab)) if m)
    if not rows or any("user" not in row for row in rows):
        return [*problems, _("every row needs a field named user (parse … as user, or a regex group (?<user>…))")]
    counts = {name for row in rows for name, value in row.items() if name != "user" and re.fullmatch(r"\d+", value)}
    if len(counts) != 1:
        return [
            *problems,
            _(
                "each row should have the user and one count (stats count(*) as tries by user); the rows have {fields}"
            ).format(fields=sorted({n for r in rows for n in r})),
        ]
    column = counts.pop()
    got = [(row["user"], int(row[column])) for row in rows]
    wrong = [(user, n) for user, n in got if truth.get(user) != n]
    if wrong:
        user, n = wrong[0]
        problems.append(
            ngettext(
                "{user!r} has {got} in your results, but sshd wrote {written} 'Failed password' line for it: "
                "count one line per attempt, and take the name after 'for', skipping 'invalid user ' when it is there",
                "{user!r} has {got} in your results, but sshd wrote {written} 'Failed password' lines for it: "
                "count one line per attempt, and take the name after 'for', skipping 'invalid user ' when it is there",
                truth.get(user, 0),
            ).format(user=user, got=n, written=truth.get(user, 0))
        )
    elif [n for _user, n in got] != sorted((n for _user, n in got), reverse=True):
        problems.append(_("the rows are not sorted by {column}, most first (sort {column} desc)").format(column=column))
    elif [n for _user, n in got] != sorted(truth.values(), reverse=True)[:TOP]:
        problems.append(
            ngettext(
                "the query returns {count} row; keep the {top} names tried most (sort … desc | limit {top})",
                "the query returns {count} rows; keep the {top} names tried most (sort … desc | limit {top})",
                len(got),
            ).format(count=len(got), top=TOP)
        )
    return problems


_TOP_QUERY = r"""parse @message /Failed password for (invalid user )?(?<user>\S+) from/
| filter ispresent(user)
| stats count(*) as tries by user
| sort tries desc
| limit 5"""

top_usernames_query = Exercise(
    title=N_("a saved query 'ssh-top-usernames' on ssh_logs: the 5 user names attackers tried most, with their counts"),
    checker=_top_usernames_problems,
    hints=[
        N_(
            "Each failed attempt leaves one 'Failed password for … from …' line; for a user that does not exist it says "
            "'Failed password for invalid user admin from …'."
        ),
        N_(
            "parse with a regular expression: an optional unnamed group (invalid user )? then a named group (?<user>\\S+)."
        ),
        N_(
            "Then: stats count(*) as tries by user | sort tries desc | limit 5. Save it with logs.put_query_definition; "
            "to change a saved query, pass its queryDefinitionId."
        ),
    ],
    notebook="08",
    number=1,
)


PASSWORD_LOGINS = LogMetric(LOG_GROUP, NAMESPACE, PASSWORD_METRIC, "ex2")


def _password_login_problems(lab: Lab) -> list[str]:
    missing = missing_log_group(lab, LOG_GROUP)
    if missing:
        return missing
    problems = metric_filter_problems(
        lab,
        PASSWORD_LOGINS,
        sshd_sample_lines(12, password_login=True),
        lambda line: "]: Accepted password for " in line,
        N_("but only password logins should count (key logins are how the administrator works)"),
    )
    expected = {
        "Namespace": NAMESPACE,
        "MetricName": PASSWORD_METRIC,
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    }
    return problems + alarm_problems(lab, PASSWORD_ALARM, expected)


password_login_alarm = Exercise(
    title=N_("an alarm 'SSH password login' that emails within a minute of any SSH password login"),
    checker=_password_login_problems,
    hints=[
        N_(
            "The server should only see key logins ('Accepted publickey'); a line 'Accepted password for …' means a "
            "password worked. Try your pattern with logs.test_metric_filter first."
        ),
        N_(
            "A metric filter with the quoted pattern '\"Accepted password\"' publishing LabLogs/SSHPasswordLogin = 1, "
            "then put_metric_alarm: Sum over Period=60, 1 of 1, Threshold=1, GreaterThanOrEqualToThreshold, "
            "TreatMissingData='notBreaching' (no login is good news)."
        ),
    ],
    resetter=lambda lab: delete_metric_filters(lab, PASSWORD_LOGINS),
    notebook="08",
    number=2,
)


#: sshd's line for each attempt on a user that does not exist (notebook 05: "Invalid user admin from …"; the other
#: lines that name such a user say "invalid user", in lower case).
_INVALID_USER = "]: Invalid user "
#: ComparisonOperator values of a log alarm (PutLogAlarm reference), as tests of a run's value against the threshold.
_BREACHES = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def _log_alarm(lab: Lab, name: str) -> dict[str, Any] | None:
    found = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=[name], AlarmTypes=["LogAlarm"])
    return next(iter(found.get("LogAlarms", [])), None)


def _run_value(lab: Lab, query: str, aggregation: str) -> float | None:
    """What a run over every stored line of ssh_logs gives: the query, then ``stats <AggregationExpression>`` over its
    rows (how labkit applies the aggregation, :mod:`labkit.aws.logalarms`)."""
    combined = f"{query.strip()} | stats {aggregation}" if query.strip() else f"stats {aggregation}"
    rows = _run(lab, combined)
    values = [value for row in rows for value in row.values()]
    try:
        return float(values[0]) if values else None
    except ValueError:
        return None


def _invalid_user_problems(lab: Lab) -> list[str]:
    missing = missing_log_group(lab, LOG_GROUP)
    if missing:
        return missing
    alarm = _log_alarm(lab, INVALID_USER_ALARM)
    if alarm is None:
        return [
            _(
                "there is no log alarm named {name!r} (cloudwatch.put_log_alarm; describe_alarms lists it only with "
                "AlarmTypes=['LogAlarm'])"
            ).format(name=INVALID_USER_ALARM)
        ]
    problems = []
    config = alarm["ScheduledQueryConfiguration"]
    groups = [group.split(":log-group:")[-1].removesuffix(":*") for group in config["LogGroupIdentifiers"]]
    if groups != [LOG_GROUP]:
        problems.append(
            _("LogGroupIdentifiers is {groups}: query the log group {log_group!r} only").format(
                groups=config["LogGroupIdentifiers"], log_group=LOG_GROUP
            )
        )
    else:
        written = sum(_INVALID_USER in message for message in _messages(lab))
        value = _run_value(lab, config["QueryString"], config["AggregationExpression"])
        if value != written:
            problems.append(
                _(
                    "over every line stored in {log_group}, your QueryString and AggregationExpression give {value}, "
                    "but sshd wrote {written} 'Invalid user' lines (one per attempt on a user that does not exist): "
                    "keep those lines and count them (count(*)); like is case sensitive, and 'invalid user' in lower "
                    "case is in other lines"
                ).format(log_group=LOG_GROUP, value="no value" if value is None else f"{value:g}", written=written)
            )
    schedule = config["ScheduleConfiguration"]
    if schedule["ScheduleExpression"] != INVALID_USER_RATE:
        problems.append(
            _("ScheduleExpression is {value!r}: run the query every 5 minutes ({expected!r})").format(
                value=schedule["ScheduleExpression"], expected=INVALID_USER_RATE
            )
        )
    window = schedule["StartTimeOffset"] - schedule.get("EndTimeOffset", 0)
    if window != INVALID_USER_WINDOW:
        problems.append(
            ngettext(
                "each run queries a window of {window} second (StartTimeOffset minus EndTimeOffset); make it as long "
                "as the rate, {expected} seconds, so that every line is counted by exactly one run: a shorter window "
                "misses lines, a longer one counts them twice",
                "each run queries a window of {window} seconds (StartTimeOffset minus EndTimeOffset); make it as long "
                "as the rate, {expected} seconds, so that every line is counted by exactly one run: a shorter window "
                "misses lines, a longer one counts them twice",
                window,
            ).format(window=window, expected=INVALID_USER_WINDOW)
        )
    if (alarm["QueryResultsToEvaluate"], alarm["QueryResultsToAlarm"]) != (1, 1):
        problems.append(
            _(
                "the alarm evaluates {m} of the last {n} runs: one run is enough here "
                "(QueryResultsToEvaluate=1, QueryResultsToAlarm=1)"
            ).format(m=alarm["QueryResultsToAlarm"], n=alarm["QueryResultsToEvaluate"])
        )
    breaches = _BREACHES.get(alarm["ComparisonOperator"], lambda value, threshold: False)
    threshold = alarm["Threshold"]
    at, below = INVALID_USER_THRESHOLD, INVALID_USER_THRESHOLD - 1
    if not breaches(at, threshold) or breaches(below, threshold):
        problems.append(
            _(
                "with {operator} {threshold:g}, a run that counts {at} lines should breach and one that counts "
                "{below} should not (Threshold=5, ComparisonOperator='GreaterThanOrEqualToThreshold')"
            ).format(operator=alarm["ComparisonOperator"], threshold=threshold, at=at, below=below)
        )
    if not any(arn.split(":")[-1] == "lab-alerts" for arn in alarm.get("AlarmActions", [])):
        problems.append(_("the alarm does not notify the lab-alerts topic (AlarmActions=[topic_arn])"))
    return problems


invalid_user_log_alarm = Exercise(
    title=N_(
        "a log alarm 'lab-ssh-invalid-user' that emails when a 5-minute run counts 5 or more 'Invalid user' lines"
    ),
    checker=_invalid_user_problems,
    hints=[
        N_(
            "Step 9's log alarm is the model: put_log_alarm with a ScheduledQueryConfiguration (QueryString, "
            "AggregationExpression, LogGroupIdentifiers, ScheduleConfiguration, ScheduledQueryRoleARN)."
        ),
        N_(
            "sshd writes 'Invalid user admin from …' once per attempt on a user that does not exist; filter @message "
            "like \"Invalid user\" keeps those lines (case sensitive), and AggregationExpression 'count(*)' counts them."
        ),
        N_(
            "ScheduleConfiguration: rate(5 minutes) with StartTimeOffset 360 and EndTimeOffset 60 (a 5-minute window "
            "that ends a minute before the run); QueryResultsToEvaluate=1, QueryResultsToAlarm=1, Threshold=5, "
            "GreaterThanOrEqualToThreshold, AlarmActions=[topic_arn]."
        ),
    ],
    notebook="08",
    number=3,
)
