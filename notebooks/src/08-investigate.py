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
# reads what each one cost, alarms on a second attack with a log alarm — a scheduled query — next to notebook 05's
# metric filter, and ends with an alarm on the one line that should never appear.

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
# - Alarm on the SSH attack two ways — notebook 05's metric filter + alarm, and a **log alarm** (`put_log_alarm`:
#   a scheduled Logs Insights query, M of the last N runs over a threshold) — watch both reach `ALARM` and email,
#   and know when each (or Contributor Insights) is the right tool, by delay, cost and what it can express.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 05 (the SSH attack, metric filters) and notebook 06 (a trail that delivers to CloudWatch Logs).
#   What this notebook needs from them is made by `labkit.lesson.prereqs`: the instance, the alert topic, an hour of
#   `/var/log/secure` with an attack in `ssh_logs`, and the trail `lab-trail` with its log group.
# - About 50 minutes. On a real account: the instance is a t3.micro (about $0.0136 an hour in Tokyo, refused
#   until you pass `confirm_cost=True`); CloudWatch Logs bills ingestion and storage per GB, and **Logs Insights
#   bills each query by the GB it scans** (this notebook scans well under a megabyte); two metric alarms ($0.10
#   a month each, prorated) and two log alarms, whose pricing, with their scheduled queries', is on the pricing
#   page; step 9 really waits 30 minutes; one Contributor Insights rule (the free tier covers one rule and the
#   first million matching log events a month; `get_insight_rule_report` is billed per call, like
#   `get_metric_data`); the trail's first copy of management events is free. See
#   [CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/).

# %% [markdown]
# ## Setup

# %%
import datetime as dt
import json
import time

import matplotlib.pyplot as plt
import pandas as pd

import labkit
from labkit.aws.agent import LogSource
from labkit.lesson import prereqs
from labkit.lesson.logs import SecureLogGenerator, SimulatedAgent
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
# ## Step 9: The article's "SSH Failed", done two ways — metric filter + alarm, and a log alarm
#
# Notebook 05 built the article's chain: a **metric filter** counts `[preauth]` lines into `LabLogs/SSHFailed` as
# they arrive, and an alarm watches the metric. Since 2026 CloudWatch can also alarm on a query: a **log alarm**
# ([`put_log_alarm`](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html),
# [Log alarms](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html)) runs a Logs Insights
# query on a schedule, turns each run's rows into one number with its `AggregationExpression` (`count(*)`), and
# goes to `ALARM` when **M of the last N runs** breach the threshold. Both, side by side, on the same lines and
# the same threshold — 10 or more `[preauth]` lines in 5 minutes (notebook 05's tuned `SSH brute force`):
#
# - the metric filter `SSH Failed` and the alarm `SSH brute force`: `Sum` over 5 minutes, 1 of 1;
# - the log alarm `SSH brute force (log alarm)`: every 5 minutes (`rate(5 minutes)`) the query counts the
#   `[preauth]` lines of a 5-minute window, and **2 of the last 3 runs** must count 10 or more: one burst is not
#   enough, an attack that goes on is. The window runs from `StartTimeOffset` to `EndTimeOffset` seconds before
#   the run: from 6 minutes to 1 minute before it. Its length equals the rate, so each line is counted by exactly
#   one run, and it ends a minute early because lines reach the log group after they are written (the agent ships
#   every few seconds; offline, at the end of each minute): a window ending at the run would miss its last lines
#   for good, since the next run's window starts after them.
#
# A log alarm's query runs with the IAM role `ScheduledQueryRoleARN`, which must let CloudWatch run scheduled
# queries on the log groups (the PutLogAlarm page's "Permissions"); the offline lab does not check the role, on AWS
# create it first. `put_metric_filter`, `put_metric_alarm` and `put_log_alarm` all replace what has the same name,
# so the cell can run again.

# %%
logs.put_metric_filter(
    logGroupName="ssh_logs", filterName="SSH Failed", filterPattern='"[preauth]"',
    metricTransformations=[{"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "1"}],
)
cloudwatch.put_metric_alarm(
    AlarmName="SSH brute force", AlarmDescription="10 or more sshd [preauth] lines in 5 minutes (metric filter)",
    Namespace="LabLogs", MetricName="SSHFailed", Statistic="Sum", Period=300, EvaluationPeriods=1,
    Threshold=10, ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
    AlarmActions=[topic_arn],
)
cloudwatch.put_log_alarm(
    AlarmName="SSH brute force (log alarm)",
    AlarmDescription="10 or more sshd [preauth] lines in 2 of the last 3 five-minute runs (log alarm)",
    ScheduledQueryConfiguration={
        "QueryString": 'filter @message like "[preauth]"',
        "AggregationExpression": "count(*)",  # one number per run: the lines the query kept
        "LogGroupIdentifiers": ["ssh_logs"],
        "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 360, "EndTimeOffset": 60},
        "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
    },
    QueryResultsToEvaluate=3, QueryResultsToAlarm=2,
    Threshold=10, ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
    AlarmActions=[topic_arn],
)
log_alarm = cloudwatch.describe_alarms(AlarmNames=["SSH brute force (log alarm)"], AlarmTypes=["LogAlarm"])["LogAlarms"][0]
{key: log_alarm[key] for key in ("AlarmName", "StateValue", "QueryResultsToEvaluate", "QueryResultsToAlarm", "Threshold")}

# %% [markdown]
# `describe_alarms` returns log alarms only when `AlarmTypes` names `LogAlarm` — without it, a script that lists
# "all" alarms misses them. Now half an hour of the server's life, shipped minute by minute as in notebook 05:
# ordinary key logins throughout; at minute 1 a bot from `198.51.100.23` tries for two minutes (a burst); from
# minute 18 to the end a bot from `192.0.2.77` keeps trying, 4 user names a minute. After each minute the table
# notes the lines shipped and both alarms' states at the minute's end; it shows the minutes in which lines were
# shipped or a state changed.

# %%
agent = SimulatedAgent(
    logs, LogSource("/var/log/secure", "ssh_logs"), instance_id=instance.instance_id, now=lab.clock.now,
    create_group=False,
)
sshd = SecureLogGenerator(seed=9, flavor="al2023")
second_start = lab.clock.now().replace(second=0, microsecond=0)
second_half_hour = sorted(
    sshd.normal(second_start, 30, logins_per_hour=6)
    + sshd.attack(second_start + dt.timedelta(minutes=1), 2, attempts_per_minute=8, source_ip="198.51.100.23")
    + sshd.attack(second_start + dt.timedelta(minutes=18), 12, attempts_per_minute=4, source_ip="192.0.2.77"),
    key=lambda line: line.timestamp,
)
ssh_alarms = {"SSH brute force": "metric filter + alarm", "SSH brute force (log alarm)": "log alarm"}
timeline = []
for minute in range(30):
    begin = second_start + dt.timedelta(minutes=minute)
    lab.advance(minutes=1)
    batch = [line for line in second_half_hour if begin <= line.timestamp < begin + dt.timedelta(minutes=1)]
    if batch:
        agent.ship(batch)
    states = cloudwatch.describe_alarms(AlarmNames=list(ssh_alarms), AlarmTypes=["MetricAlarm", "LogAlarm"])
    state_of = {a["AlarmName"]: a["StateValue"] for a in states["MetricAlarms"] + states["LogAlarms"]}
    timeline.append({"minute": f"{begin:%H:%M}", "[preauth] lines": sum("[preauth]" in line.text for line in batch),
                     **{label: state_of[name] for name, label in ssh_alarms.items()}})
timeline = pd.DataFrame(timeline).set_index("minute")
states = list(ssh_alarms.values())
changed = timeline[states].ne(timeline[states].shift()).any(axis=1)
timeline[(timeline["[preauth] lines"] > 0) | changed]  # the minutes in which something happened

# %% [markdown]
# The metric alarm evaluates every minute over the 5 minutes that just ended: it goes to `ALARM` during the
# two-minute burst, and again minutes into the attack (in between it stays in `ALARM` for a while after the burst:
# notebook 05's evaluation range). The log alarm learns something only when a run comes, every 5 minutes, over a
# window that ends a minute before the run, and wants 2 breaching runs of the last 3: the burst made one, so it
# stays `OK`; the attack breaches two runs in a row, and the second of them comes about ten minutes after the
# metric alarm went to `ALARM`. Its history shows each change of state (`StateUpdate`) and the notification sent to
# the topic (`Action`); `describe_alarm_history`, too, needs `AlarmTypes=["LogAlarm"]`:

# %%
history = cloudwatch.describe_alarm_history(
    AlarmName="SSH brute force (log alarm)", AlarmTypes=["LogAlarm"], ScanBy="TimestampAscending"
)
for item in history["AlarmHistoryItems"]:
    print(f"{item['Timestamp']:%H:%M}", item["HistoryItemType"], "|", item["HistorySummary"])
log_alarm = cloudwatch.describe_alarms(AlarmNames=["SSH brute force (log alarm)"], AlarmTypes=["LogAlarm"])["LogAlarms"][0]
print("state reason:", log_alarm["StateReason"])

# %% [markdown]
# Both alarms emailed `lab-alerts`. Offline the emails land in `lab.inbox` (on AWS, in the mailbox you confirmed in
# notebook 02), and the cell prints, from each email, what it says the alarm watches:

# %%
if lab.offline:
    ssh_emails = [n for n in lab.inbox.notifications("you@example.com")
                  if n.subject.startswith("ALARM: ") and "SSH brute force" in n.subject]
    for message in ssh_emails:
        print(f"{message.sent_at:%H:%M}", message.subject)
    log_alarm_email = next(n for n in ssh_emails if "(log alarm)" in n.subject)
    metric_alarm_email = next(n for n in ssh_emails if "(log alarm)" not in n.subject)
    for label, message in (("metric filter + alarm", metric_alarm_email), ("log alarm", log_alarm_email)):
        body = message.body
        print(f"\n{label}: what the email says it watches\n")
        print(body[body.index("Threshold:"):body.index("State Change Actions:")].strip())
else:
    log_alarm_email = None
    print('Check your mailbox for: ALARM: "SSH brute force (log alarm)" in Asia Pacific (Tokyo)')

# %%
log_alarm_email

# %% [markdown]
# The log alarm's email has the shape of the metric alarm's, with the query and its log groups where the metric
# would be (AWS does not publish the log alarm's email; this is the lab's).
#
# **What each costs.** A metric filter costs nothing to count: it reads each line once as it arrives. A log alarm's
# run is a Logs Insights query over its window, and scans every event of the window whatever the filter keeps
# (step 7). One run's window, measured with the same query:

# %%
busiest_run_start = second_start + dt.timedelta(minutes=20)  # a window inside the attack
insights('filter @message like "[preauth]" | stats count(*)', start=busiest_run_start,
         end=busiest_run_start + dt.timedelta(minutes=5))
per_run = int(last_statistics["bytesScanned"])
runs_a_month = 30 * 24 * 60 // 5  # one run every 5 minutes, rate(5 minutes)
print(f"one run: {per_run:,} bytes scanned; {runs_a_month:,} runs a month: {per_run * runs_a_month / 1e6:,.1f} MB")

# %%
def went_to_alarm(name: str, alarm_type: str) -> list[dt.datetime]:
    """When the alarm went to ALARM during this step's half hour (its StateUpdate history items)."""
    items = cloudwatch.describe_alarm_history(
        AlarmName=name, AlarmTypes=[alarm_type], HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )["AlarmHistoryItems"]
    return [item["Timestamp"] for item in items
            if item["HistorySummary"].endswith("to ALARM") and item["Timestamp"] > second_start]


pd.DataFrame({
    "metric filter + alarm": {
        "counts": "each line as it arrives; no look back",
        "went to ALARM at": ", ".join(f"{t:%H:%M}" for t in went_to_alarm("SSH brute force", "MetricAlarm")),
        "evaluated": "every minute, over the last Period × EvaluationPeriods",
        "what it costs to count": "a custom metric and an alarm a month; nothing scanned",
        "what it can express": "lines matching a filter pattern: a count, or a value taken from the line",
    },
    "log alarm": {
        "counts": "each run, the stored lines of its window (StartTimeOffset can reach back 30 days)",
        "went to ALARM at": ", ".join(
            f"{t:%H:%M}" for t in went_to_alarm("SSH brute force (log alarm)", "LogAlarm")
        ),
        "evaluated": "at each run of the schedule (here every 5 minutes), M of the last N runs",
        "what it costs to count": f"a query per run: {per_run:,} bytes scanned here, × {runs_a_month:,} runs a month",
        "what it can express": "any Logs Insights query (parse, several log groups, ratios) reduced to one number",
    },
})

# %% [markdown]
# Which to choose: a **metric filter + alarm** when a count of matching lines is the signal — cheap, evaluated every
# minute, nothing scanned, but only from the moment the filter exists; a **log alarm** when the signal needs a query
# — a `parse`, a ratio of two counts, several log groups — and a run's delay and each run's scan are acceptable, or
# when the alarm must read lines already stored; **Contributor Insights** when the question is "who, ranked", asked
# continuously, of logs whose shape a rule can read (JSON, or one CLF shape). For the breach of step 5 the signal
# is a single line that must be seen within a minute, so exercise 2 uses a metric filter; exercise 3 is a log alarm
# of your own.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Save a query named `ssh-top-usernames` on `ssh_logs` that returns the **5 user names attackers
# tried most**, most first: one row per user with the field `user` and the number of `Failed password` lines for
# it (valid users such as `root` and invalid ones alike). Update it rather than adding copies.
# (`ex1.hint()`, `ex1.solution()`.)

# %%
from labkit.course.exercises.nb08 import invalid_user_log_alarm as ex3
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
# **Exercise 3. A log alarm of your own.** Create the log alarm `lab-ssh-invalid-user` on `ssh_logs` that notifies
# `lab-alerts` when **one** 5-minute run (1 of 1) counts **5 or more** `Invalid user` lines — sshd's line for each
# attempt on a user that does not exist. Run it every 5 minutes over a window as long as the rate, so that every
# line is counted by exactly one run, ending a minute before the run as in step 9. (`ex3.hint()`,
# `ex3.solution()`.)

# %% tags=["solution"]
cloudwatch.put_log_alarm(
    AlarmName="lab-ssh-invalid-user",
    ScheduledQueryConfiguration={
        "QueryString": 'filter @message like "Invalid user"',  # case sensitive: "invalid user" is in other lines
        "AggregationExpression": "count(*)",
        "LogGroupIdentifiers": ["ssh_logs"],
        "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 360, "EndTimeOffset": 60},
        "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
    },
    QueryResultsToEvaluate=1, QueryResultsToAlarm=1, Threshold=5, ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching", AlarmActions=[topic_arn],
)
cloudwatch.describe_alarms(AlarmNames=["lab-ssh-invalid-user"], AlarmTypes=["LogAlarm"])["LogAlarms"][0]["StateValue"]

# %%
ex3.check(lab)

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
checks.that(
    not lab.offline or (timeline[states[0]].iloc[-1], timeline[states[1]].iloc[-1]) == ("ALARM", "ALARM"),
    "the attack drove both SSH brute force alarms to ALARM",
)
log_alarm_alarms = went_to_alarm("SSH brute force (log alarm)", "LogAlarm")
checks.that(
    not lab.offline or (log_alarm_alarms and min(log_alarm_alarms) > second_start + dt.timedelta(minutes=18)),
    "the two-minute burst alone did not drive the log alarm (2 of 3 runs) to ALARM",
)
checks.that(
    not lab.offline or log_alarm_email.subject == 'ALARM: "SSH brute force (log alarm)" in Asia Pacific (Tokyo)',
    "the log alarm emailed lab-alerts",
)
checks.that(not ex2.problems(lab), "exercise 2: SSH password login alarms on any password login")
checks.that(not ex3.problems(lab), "exercise 3: lab-ssh-invalid-user alarms on 5 'Invalid user' lines in a run")
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
# - A metric filter + alarm counts lines as they arrive and is evaluated every minute, scanning nothing; a log alarm
#   (`put_log_alarm`) runs a query on a schedule and alarms on M of the last N runs — any query, at the pace of the
#   runs, each run scanning its window (make the window as long as the rate, ending a little before the run).
#   `describe_alarms` and `describe_alarm_history` show log alarms only with `AlarmTypes=["LogAlarm"]`.
# - A metric filter + alarm for a line that must never appear; a log alarm when the signal needs a query;
#   Contributor Insights for "who, ranked".
# - Next: **09 · Alarms that scale, alarms that stay quiet** — metric math, composite and anomaly alarms.

# %% [markdown]
# ## Clean up

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
