"""Exercises of notebook 08-investigate: a saved Logs Insights query, and an alarm on password logins.

Query syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html;
saved queries: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutQueryDefinition.html.
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
