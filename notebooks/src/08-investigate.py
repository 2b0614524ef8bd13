# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version,-jupytext.text_representation.format_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Investigate: Logs Insights on the SSH attack and on CloudTrail
#
# Notebook 05's alarm said *something is attacking SSH*. An alarm does not say who, how often, which user
# names, or — the question that matters — whether anyone got in. This notebook answers those questions with
# **CloudWatch Logs Insights**, the query language over log groups, first on `/var/log/secure` and then on the
# CloudTrail records of notebook 06 ("who opened port 22, and from where?"). It saves the queries for next time,
# reads what each one cost, and ends with an alarm on the one line that should never appear.

# %% [markdown]
# ## Objectives
#
# - Run Logs Insights queries with `start_query` / `get_query_results`: `parse` sshd's lines into fields,
#   `stats count(*) by bin(5m)` drawn as a chart, the top source addresses, and the first accepted login from
#   an attacking address.
# - Query CloudTrail records delivered to CloudWatch Logs: who changed a security group, from which address.
# - Save queries (`put_query_definition`), update them instead of adding copies, and read what a query scanned
#   (`bytesScanned`) — Logs Insights is billed by it.
# - Rank the top attacking addresses continuously with a **Contributor Insights** rule on the log group
#   (`put_insight_rule`, `get_insight_rule_report`), check its answer against Logs Insights, and know why a
#   rule on sshd's lines can count only one message shape.
# - Know when a metric filter and an alarm, a log alarm (refused offline, by name) or Contributor Insights is
#   the right tool.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 05 (the SSH attack, metric filters) and notebook 06 (a trail that delivers to CloudWatch Logs).
#   What this notebook needs from them is made by `labkit.lesson.prereqs`: the instance, the alert topic, an hour of
#   `/var/log/secure` with an attack in `ssh_logs`, and the trail `lab-trail` with its log group.
# - About 40 minutes. On a real account: the instance is a t3.micro (about $0.0136 an hour in Tokyo, refused
#   until you pass `confirm_cost=True`); CloudWatch Logs bills ingestion and storage per GB, and **Logs Insights
#   bills each query by the GB it scans** (this notebook scans well under a megabyte); one alarm ($0.10 a month,
#   prorated); one Contributor Insights rule (the free tier covers one rule and the first million matching log
#   events a month; `get_insight_rule_report` is billed per call, like `get_metric_data`); the trail's first
#   copy of management events is free. See
#   [CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/).

# %% [markdown]
# ## Setup

# %%
import json
import time

import matplotlib.pyplot as plt
import pandas as pd

import labkit
from labkit.lesson import prereqs
from labkit.course.curriculum import differences_box
from labkit.runtime.redact import mask_account

lab = labkit.connect()
pd.set_option("display.max_colwidth", 100)
differences_box("08")

# %% [markdown]
# Step 8 reads a **Contributor Insights rule** on `ssh_logs`. "All rules analyze incoming data in real time"
# ([Contributor Insights](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights.html)):
# a rule sees the log events that arrive while it is enabled, never the ones already stored. So it is created
# now, before notebook 05's attack reaches the log group — as on a real server, where the rule is in place
# before the attack. Step 8 explains what it says.

# %%
cloudwatch = lab.client("cloudwatch")
top_attacking_ips = {
    "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
    "LogGroupNames": ["ssh_logs"],
    "LogFormat": "CLF",
    "Fields": {"6": "result", "7": "method", "9": "user_kind", "13": "source_ip"},
    "Contribution": {
        "Keys": ["source_ip"],
        "Filters": [
            {"Match": "result", "In": ["Failed"]},
            {"Match": "method", "In": ["password"]},
            {"Match": "user_kind", "In": ["invalid"]},
        ],
    },
    "AggregateOn": "Count",
}
cloudwatch.put_insight_rule(RuleName="top-attacking-ips", RuleDefinition=json.dumps(top_attacking_ips))
print("top-attacking-ips analyses", top_attacking_ips["LogGroupNames"], "from now on")

# %%
topic_arn = prereqs.alerts_topic(lab)  # notebook 02's topic, you@example.com subscribed and confirmed
instance = prereqs.lab_instance(lab)  # notebook 01's web server; on AWS pass confirm_cost=True after reading the cost
attack = prereqs.ssh_attack(lab, instance.instance_id)  # notebook 05's ssh_logs, with the hour of the attack
trail_group = prereqs.trail_to_logs(lab)  # notebook 06's trail, delivering to CloudTrail/lab-trail
logs = lab.client("logs")
ec2 = lab.client("ec2")
print(f"{attack.log_group}: {attack.start:%H:%M} to {attack.end:%H:%M} UTC, stream <instance id>/{attack.log_stream.split('/', 1)[1]}")

# %% [markdown]
# ## Step 1: A first query
#
# A query runs in three calls: `start_query` (log groups, a time range in **epoch seconds**, the query string)
# returns a `queryId`; `get_query_results` returns the rows once `status` is `Complete` — on AWS you poll it, a
# query takes seconds — and `stop_query` ends a query you no longer need. Each row is a list of
# `{"field": …, "value": …}`, every value a string. The small function below does the three steps and returns
# a DataFrame; the last query's statistics are kept to look at in step 6.

# %%
last_statistics = {}


def insights(query: str, log_group: str = "ssh_logs", start=attack.start, end=attack.end) -> pd.DataFrame:
    """Run a Logs Insights query and return its rows (without the @ptr column)."""
    query_id = logs.start_query(
        logGroupName=log_group, startTime=int(start.timestamp()), endTime=int(end.timestamp()), queryString=query,
    )["queryId"]
    while (reply := logs.get_query_results(queryId=query_id))["status"] in ("Scheduled", "Running"):
        time.sleep(1)  # only on AWS: offline a query has completed when it is asked
    last_statistics.update(reply["statistics"])
    rows = [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in reply["results"]]
    return pd.DataFrame(rows)


insights("fields @timestamp, @message | sort @timestamp asc | limit 5")

# %% [markdown]
# `fields` picks columns, `sort` orders, `limit` keeps the first rows (without `limit`, up to 10,000).
# `@timestamp`, `@message`, `@logStream` and `@log` exist for every event; commands are joined with `|`.
# `filter` keeps the events that match — `like` takes text or a `/regular expression/`:

# %%
failures = insights('filter @message like "Failed password" | fields @timestamp, @message | sort @timestamp asc')
print(len(failures), "'Failed password' lines; the first:", failures["@message"].iloc[0].split("]: ", 1)[1])

# %% [markdown]
# ## Step 2: `parse` the sshd lines into fields
#
# sshd's lines are text, so Logs Insights discovers no fields in them (JSON logs get theirs automatically, as
# step 5 shows). `parse` extracts them: with a **glob** pattern, each `*` becomes the field named after `as`;
# with a **regular expression**, each named group `(?<name>…)` becomes a field, and unnamed groups are just
# matched. Failed passwords name the user in two ways — `for root from …` and `for invalid user admin from …` —
# which an optional unnamed group absorbs:

# %%
parse_failures = r"""parse @message /Failed password for (invalid user )?(?<user>\S+) from (?<ip>\S+) port (?<port>\d+)/
| filter ispresent(user)
| fields @timestamp, user, ip, port
| sort @timestamp asc"""
insights(parse_failures + " | limit 5")

# %% [markdown]
# ## Step 3: Failures per 5 minutes, as a chart
#
# `stats` aggregates — `count(*)`, `sum`, `avg`, `min`, `max`, `pct`, `count_distinct`, … — `by` fields, and
# `bin(5m)` groups events into 5-minute periods, like a metric's period. This is what notebook 05's metric
# filter would have counted, computed after the fact over logs that were already there:

# %%
per_5_minutes = insights(
    'filter @message like "Failed password" | stats count(*) as failures by bin(5m) as period | sort period asc'
)
per_5_minutes["failures"] = per_5_minutes["failures"].astype(int)
per_5_minutes["period"] = pd.to_datetime(per_5_minutes["period"])
per_5_minutes

# %%
every_period = pd.date_range(attack.start, attack.end, freq="5min", inclusive="left").tz_localize(None)
chart = per_5_minutes.set_index("period")["failures"].reindex(every_period, fill_value=0)
fig, ax = plt.subplots(figsize=(10, 3))
ax.bar(chart.index, chart.values, width=pd.Timedelta(minutes=4), align="edge")
ax.set_title("Failed passwords per 5 minutes in ssh_logs (Logs Insights: stats count(*) by bin(5m))")
ax.set_ylabel("failures")
plt.show()

# %% [markdown]
# A period without a failure has **no row** — as a metric period without data has no datapoint — so the chart
# fills those periods with zero itself. The attack starts at 23:20 and fades out by 23:45.

# %% [markdown]
# ## Step 4: Who attacked?
#
# Every attempt ends with one line `… <address> port <port> [preauth]` (notebook 05), so counting those lines by
# address counts attempts per attacker. Documentation addresses only: the lab never writes real ones.

# %%
top_ips = insights(
    r"""parse @message /(?<ip>\d+\.\d+\.\d+\.\d+) port \d+ \[preauth\]/
| filter ispresent(ip)
| stats count(*) as attempts, min(@timestamp) as first_seen, max(@timestamp) as last_seen by ip
| sort attempts desc"""
)
top_ips

# %% [markdown]
# `198.51.100.7` is not in the list: it is the administrator, whose key logins never end in `[preauth]`.
#
# ## Step 5: Did anyone get in?
#
# The question an alarm cannot answer. sshd writes `Accepted publickey …` for a key login and
# `Accepted password …` for a password login. List every accepted login from an address that attacked:

# %%
attackers = ", ".join(f'"{ip}"' for ip in top_ips["ip"])
breach = insights(
    f"""parse @message "Accepted * for * from * port" as method, user, ip
| filter ispresent(user) and ip in [{attackers}]
| fields @timestamp, method, user, ip
| sort @timestamp asc
| limit 1"""
)
breach

# %% [markdown]
# One of the bots guessed the password of a user `deploy`. How many failures from that address came before it?

# %%
breach_ip, breach_time = breach["ip"].iloc[0], breach["@timestamp"].iloc[0]
insights(
    f"""filter @message like "{breach_ip}" and @message like "Failed password"
| stats count(*) as failures_before, min(@timestamp) as first_failure, max(@timestamp) as last_failure"""
)

# %% [markdown]
# A slow, steady guesser — 3 attempts a minute — that a "10 failures in 5 minutes" alarm never sees, and that got
# in. On a real server: lock `deploy`, look at what it did, and turn password logins off (`PasswordAuthentication
# no`, the Amazon Linux default). Exercise 2 adds the alarm this server lacked.

# %% [markdown]
# ## Step 6: CloudTrail records in CloudWatch Logs — who opened port 22?
#
# The trail of notebook 06 delivers every management event to `CloudTrail/lab-trail`, one JSON record per log
# event. For JSON, Logs Insights **discovers the fields** itself, nested ones joined with dots:
# `userIdentity.arn`, `requestParameters.groupId`. Someone creates a security group for SSH and opens port 22
# to the whole internet (a group of its own, so that teardown deletes it and nothing else changes):

# %%
try:
    group_id = ec2.create_security_group(GroupName="lab-ssh", Description="SSH to the lab web server")["GroupId"]
except ec2.exceptions.ClientError as error:  # this cell ran before: the group is there
    if error.response["Error"]["Code"] != "InvalidGroup.Duplicate":
        raise
    group_id = ec2.describe_security_groups(GroupNames=["lab-ssh"])["SecurityGroups"][0]["GroupId"]
try:
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
except ec2.exceptions.ClientError as error:  # this cell ran before: the rule is there
    if error.response["Error"]["Code"] != "InvalidPermission.Duplicate":
        raise
changed_at = lab.clock.now()
print("port 22 opened to 0.0.0.0/0 at", f"{changed_at:%H:%M}")

# %% [markdown]
# CloudTrail delivers records within minutes, so we wait until the record is in the log group, then ask:

# %%
who_changed = f"""filter eventSource = "ec2.amazonaws.com" and eventName like /SecurityGroup/
| fields eventTime, eventName, userIdentity.arn as who, sourceIPAddress as source_ip,
         coalesce(requestParameters.groupId, responseElements.groupId) as group_id
| sort eventTime desc"""


def security_group_changes() -> pd.DataFrame:
    return insights(who_changed, log_group=trail_group, start=changed_at - pd.Timedelta(minutes=10), end=lab.clock.now())


lab.wait_until(lambda: "AuthorizeSecurityGroupIngress" in set(security_group_changes().get("eventName", [])),
               timeout=15, description="the AuthorizeSecurityGroupIngress record")
changes = security_group_changes()
changes["who"] = changes["who"].map(lambda arn: mask_account(arn, lab.account_id))
changes[changes["group_id"] == group_id]

# %% [markdown]
# Who (`userIdentity.arn`), what (`eventName`), when (`eventTime`) and from where (`sourceIPAddress`), for every
# matching change, across every Region the trail covers. `lookup_events` (notebook 06) gives the same record for
# 90 days, one lookup attribute at a time; Logs Insights filters on any field, for as long as the log group keeps
# the records.

# %% [markdown]
# ## Step 7: Save the queries, and see what they cost
#
# A **query definition** saves a query and its log groups, so that anyone with access finds it under "Saved
# queries" in the console. `put_query_definition` **creates a new definition on every call** unless you pass the
# `queryDefinitionId` of the one to update — so look it up by name first:

# %%
def save_query(name: str, query: str, log_groups: list[str]) -> str:
    """Create the saved query ``name``, or update it if it exists; extra copies of the name are deleted."""
    found = [d for d in logs.describe_query_definitions(queryDefinitionNamePrefix=name)["queryDefinitions"]
             if d["name"] == name]
    for extra in found[1:]:  # names are not unique: an earlier put without queryDefinitionId made a copy
        logs.delete_query_definition(queryDefinitionId=extra["queryDefinitionId"])
    update = {"queryDefinitionId": found[0]["queryDefinitionId"]} if found else {}
    return logs.put_query_definition(name=name, queryString=query, logGroupNames=log_groups, **update)["queryDefinitionId"]


save_query("ssh-failures-per-5-minutes", 'filter @message like "Failed password" | stats count(*) by bin(5m)', ["ssh_logs"])
save_query("security-group-changes", who_changed, [trail_group])
[(d["name"], d["logGroupNames"]) for d in logs.describe_query_definitions()["queryDefinitions"]]

# %% [markdown]
# **What a query costs.** Logs Insights bills the bytes a query **scans**: every event in the log groups and time
# range, whatever the filter keeps. `get_query_results` reports them:

# %%
insights('filter @message like "Failed password" | stats count(*)')
scanned = {k: int(v) for k, v in last_statistics.items()}
scanned

# %%
busiest = per_5_minutes.loc[per_5_minutes["failures"].idxmax(), "period"].tz_localize("UTC")
insights('filter @message like "Failed password" | stats count(*)', start=busiest, end=busiest + pd.Timedelta(minutes=5))
print(f"the busiest 5 minutes only: {int(last_statistics['bytesScanned']):,} bytes scanned "
      f"instead of {scanned['bytesScanned']:,}")

# %% [markdown]
# `recordsScanned` counts every event in the range, `recordsMatched` those that passed the filter, and
# `bytesScanned` is what is billed: narrow the **time range** and the **log groups**, not only the filter.
# A busy log group of 10 GB a day queried over a week scans 70 GB per query.

# %% [markdown]
# ## Step 8: Contributor Insights — the top attacking addresses, ranked as the lines arrive
#
# Step 4 ranked the attackers after the fact, with a query that scans the log group every time it runs. A
# **Contributor Insights rule** asks one question for good: CloudWatch evaluates each event as it arrives in
# the rule's log groups and keeps, per period, what every *contributor* — here a source address — added. The
# console graphs the top contributors; `get_insight_rule_report` returns them for any time range. The rule
# `top-attacking-ips` was created in Setup, before the attack arrived:

# %%
rule = next(r for r in cloudwatch.describe_insight_rules()["InsightRules"] if r["Name"] == "top-attacking-ips")
print(rule["Name"], rule["State"], "· keys:", json.loads(rule["Definition"])["Contribution"]["Keys"])

# %% [markdown]
# **Why the rule counts one message shape only.** The
# [rule syntax](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html)
# accepts two log formats: `LogFormat` is `JSON` or `CLF` (Common Log Format, the access-log line of web
# servers). sshd's lines are neither. Read as CLF, a line is an array of space-separated fields numbered from 1,
# and `Fields` names positions (`"13": "source_ip"`). A rule has no `parse`: a position is all it knows, and
# sshd puts the address at different positions in different messages:
#
# | the line after `sshd[pid]:` (field 5) | field 6 | field 7 | field 9 | the address |
# |---|---|---|---|---|
# | `Failed password for invalid user admin from 192.0.2.77 port 40022 ssh2` | `Failed` | `password` | `invalid` | field 13 |
# | `Failed password for root from 192.0.2.77 port 40023 ssh2` | `Failed` | `password` | `root` | field 11 |
# | `Connection closed by 192.0.2.77 port 40024 [preauth]` | `Connection` | `closed` | the address | field 9 |
#
# So the rule's `Filters` (all of them must match) select one shape — fields 6, 7 and 9 say
# `Failed password for invalid user` — and its key is field 13 of that shape. The failures for `root` would
# need a second rule, keyed on field 11; an attempt that never tried a password, a third. Logs you write
# yourself are better written as JSON: then the key is `$.ip`, wherever the message puts it.
#
# The report over the attack, in 5-minute periods (`Period`), the 10 largest contributors first
# (`MaxContributorCount`, ranked by their total, `OrderBy="Sum"`):

# %%
insight_report = cloudwatch.get_insight_rule_report(
    RuleName="top-attacking-ips", StartTime=attack.start, EndTime=attack.end, Period=300,
    MaxContributorCount=10, Metrics=["UniqueContributors", "SampleCount"],
)
print(f"{int(insight_report['AggregateValue'])} matching lines ({insight_report['AggregationStatistic']}) from "
      f"{insight_report['ApproximateUniqueCount']} addresses, keyed on {insight_report['KeyLabels']}")
contributors = pd.DataFrame(
    [{"source_ip": c["Keys"][0], "failures": int(c["ApproximateAggregateValue"])} for c in insight_report["Contributors"]]
)
contributors

# %% [markdown]
# Each contributor also has its `Datapoints`, one per period in which it appeared — the console's graph:

# %%
fig, ax = plt.subplots(figsize=(10, 3))
for contributor in insight_report["Contributors"]:
    points = pd.Series({pd.Timestamp(p["Timestamp"]).tz_convert(None): p["ApproximateValue"]
                        for p in contributor["Datapoints"]})
    ax.plot(points.reindex(every_period, fill_value=0), marker="o", label=contributor["Keys"][0])
ax.set_title("top-attacking-ips: failed passwords for invalid users per 5 minutes, by source address")
ax.set_ylabel("failures")
ax.legend()
plt.show()

# %% [markdown]
# **Does it agree with Logs Insights?** The same lines counted by a query, next to every failed password of
# step 2's `parse` (both shapes) and step 4's attempts:

# %%
same_lines = insights(
    """parse @message "Failed password for invalid user * from * port" as user, ip
| filter ispresent(ip)
| stats count(*) as failures by ip
| sort failures desc"""
)
every_failed_password = insights(
    r"""parse @message /Failed password for (invalid user )?(?<user>\S+) from (?<ip>\S+) port/
| filter ispresent(ip)
| stats count(*) as failed_passwords by ip"""
)
comparison = pd.DataFrame({
    "Contributor Insights rule": contributors.set_index("source_ip")["failures"],
    "Logs Insights, same lines": same_lines.set_index("ip")["failures"].astype(int),
    "Logs Insights, every failed password": every_failed_password.set_index("ip")["failed_passwords"].astype(int),
    "step 4: attempts": top_ips.set_index("ip")["attempts"].astype(int),
}).sort_values("Contributor Insights rule", ascending=False)
comparison

# %% [markdown]
# The rule and the query agree line for line, and rank the addresses as step 4 did. The other columns count
# more because they read shapes the rule does not: the failures for `root`, and attempts that ended without a
# password. The difference between the tools is *when* they work: Logs Insights answers any question about
# what is stored, and is billed by what each query scans; a rule answers one question, from the moment it
# exists, and is billed per month and per matching event. A rule is also a time series you can alarm on (the
# `INSIGHT_RULE_METRIC` metric-math function, which the offline lab refuses by name).
#
# The rule has done its job here; delete it (clean-up would too). `delete_insight_rules` takes a list of names
# and reports the ones it could not delete in `Failures`:

# %%
not_deleted = cloudwatch.delete_insight_rules(RuleNames=["top-attacking-ips"])["Failures"]
print("not deleted:", not_deleted, "· rules left:", [r["Name"] for r in cloudwatch.describe_insight_rules()["InsightRules"]])

# %% [markdown]
# ## Step 9: Metric filter, log alarm or Contributor Insights?
#
# Notebook 05's **metric filter + alarm** counts matching lines as they arrive and alarms within minutes; it
# cannot look back, and it only counts (one number per filter and dimension). A **log alarm**
# (`put_log_alarm`, 2026) runs a Logs Insights query on a schedule and alarms when M of the last N results
# breach a threshold: any query — `parse`, `stats … by`, several log groups — but each run is billed by the
# bytes it scans, and it alarms at the schedule's pace. The offline lab does not evaluate log alarms — AWS's
# documentation does not say enough to do it faithfully — and says so instead of accepting an alarm that would
# never fire:

# %%
try:
    cloudwatch.put_log_alarm(
        AlarmName="SSH failures (log alarm)", QueryResultsToEvaluate=3, QueryResultsToAlarm=2, Threshold=10,
        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic_arn],
        ScheduledQueryConfiguration={
            "QueryString": 'filter @message like "Failed password" | stats count(*) as failures',
            "AggregationExpression": "failures", "LogGroupIdentifiers": ["ssh_logs"],
            "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 300},
            "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
        },
    )
    print("accepted (on AWS)")
except labkit.UnsupportedOperation as error:
    print(error.operation, "→", str(error).split(": ", 1)[1])

# %% [markdown]
# Which to choose: a **metric filter** when a count of matching lines is the signal (cheap, fast, no scan); a
# **log alarm** when the signal needs a query — a ratio, a `parse`, a count per user — and a few minutes' delay
# and the scan cost are acceptable; **Contributor Insights** when the question is "who, ranked", asked
# continuously, of logs whose shape a rule can read (JSON, or one CLF shape). For the breach of step 5 the
# signal is a single line, so exercise 2 uses a metric filter.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Save a query named `ssh-top-usernames` on `ssh_logs` that returns the **5 user names attackers
# tried most**, most first: one row per user with the field `user` and the number of `Failed password` lines for
# it (valid users such as `root` and invalid ones alike). Update it rather than adding copies.
# (`ex1.hint()`, `ex1.solution()`.)

# %%
from labkit.course.exercises.nb08 import password_login_alarm as ex2
from labkit.course.exercises.nb08 import top_usernames_query as ex1

# %% tags=["solution"]
top_users = r"""parse @message /Failed password for (invalid user )?(?<user>\S+) from/
| filter ispresent(user)
| stats count(*) as tries by user
| sort tries desc
| limit 5"""
save_query("ssh-top-usernames", top_users, ["ssh_logs"])
insights(top_users)

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** This server accepts keys only — or should. Create the alarm `SSH password login` that notifies
# `lab-alerts` within a minute of **any** `Accepted password` line in `ssh_logs`: a metric filter publishing
# `LabLogs` / `SSHPasswordLogin` (value 1 per line), and an alarm on its `Sum` over `Period=60`, 1 of 1,
# `Threshold=1`, `GreaterThanOrEqualToThreshold`, `TreatMissingData="notBreaching"`.

# %% tags=["solution"]
logs.put_metric_filter(
    logGroupName="ssh_logs", filterName="SSH password login", filterPattern='"Accepted password"',
    metricTransformations=[{"metricName": "SSHPasswordLogin", "metricNamespace": "LabLogs", "metricValue": "1"}],
)
cloudwatch.put_metric_alarm(
    AlarmName="SSH password login", Namespace="LabLogs", MetricName="SSHPasswordLogin", Statistic="Sum",
    Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching", AlarmActions=[topic_arn],
)
cloudwatch.describe_alarms(AlarmNames=["SSH password login"])["MetricAlarms"][0]["StateValue"]

# %%
ex2.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("08")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit.lesson.checks import Checks

checks = Checks("08-investigate")
checks.that(int(per_5_minutes["failures"].sum()) == len(failures), "the 5-minute bins add up to every failed password")
checks.that(top_ips["ip"].iloc[0] == "192.0.2.77", "the busiest attacker is 192.0.2.77")
checks.that(
    list(breach[["user", "ip"]].iloc[0]) == [attack.breached_user, attack.breached_from],
    "the first accepted login from an attacking address was found",
)
checks.that(
    comparison["Contributor Insights rule"].equals(comparison["Logs Insights, same lines"]) and not contributors.empty,
    "the Contributor Insights rule and Logs Insights count the same lines per address",
)
checks.that(list(contributors["source_ip"]) == list(top_ips["ip"]), "the rule ranks the attackers as step 4 did")
rules_left = {r["Name"] for r in lab.internal_client("cloudwatch").describe_insight_rules()["InsightRules"]}
checks.that("top-attacking-ips" not in rules_left, "the rule is deleted once read")
checks.that(group_id in set(changes["group_id"]), "CloudTrail's record of the security-group change was queried")
saved_names = {d["name"] for d in lab.internal_client("logs").describe_query_definitions()["queryDefinitions"]}
checks.that({"ssh-failures-per-5-minutes", "security-group-changes"} <= saved_names, "the two queries are saved")
checks.that(not ex1.problems(lab), "exercise 1: ssh-top-usernames returns the 5 names tried most")
checks.that(not ex2.problems(lab), "exercise 2: SSH password login alarms on any password login")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - Logs Insights answers what an alarm cannot: `parse` turns text into fields, `stats … by bin(5m)` counts over
#   time, `stats … by ip | sort … desc` ranks, and a `filter … in [...]` follows one lead through the logs.
# - CloudTrail records in a log group are JSON: their fields are discovered, so "who changed this security group,
#   from where" is one `filter` on `eventName`.
# - Saved queries (`put_query_definition`) need their `queryDefinitionId` to be updated; every query is billed by
#   the bytes it scans — narrow the time range and the log groups.
# - A Contributor Insights rule ranks contributors continuously, from the moment it exists; on text logs read
#   as CLF it counts one message shape, which Logs Insights confirms line for line.
# - A metric filter + alarm for a line that must never appear; a log alarm when the signal needs a query;
#   Contributor Insights for "who, ranked".
# - Next: **09 · Alarms that scale, alarms that stay quiet** — metric math, composite and anomaly alarms.

# %% [markdown]
# ## Clean up

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
