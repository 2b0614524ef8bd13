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
# # 05 · SSH failures: a metric filter and the "SSH Failed" alarm
#
# The article's log monitoring ends like this: sshd writes `Connection closed by … [preauth]` to
# `/var/log/secure` when a login fails, the agent ships the file to the log group `ssh_logs`, a **metric filter**
# with the pattern `"[preauth]"` turns those lines into a metric, and an alarm on the same SNS topic as the CPU
# alarm emails `ALARM: "SSH Failed" in Asia Pacific (Tokyo)`. This notebook builds that chain, lets an attack
# run into it, and reads the email.

# %% [markdown]
# ## Objectives
#
# - Search log events with `filter_log_events` and try filter patterns with `test_metric_filter` before using them.
# - Avoid the classic pitfalls: `[preauth]` without quotes matches **every** line; patterns are case sensitive.
# - Create the article's metric filter and its "SSH Failed" alarm (any failure), next to a tuned one (a burst);
#   watch a single keyless login fire the first and a brute-force burst fire both, into your inbox.
# - Go further: count attempts per attacker IP with a space-delimited pattern, match JSON logs, and know what
#   GuardDuty does without any of this.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 04 (what the agent's configuration means). The instance of notebook 01, the alert topic of
#   notebook 02 and the agent's IAM role of notebook 03 are made here by `labkit.lesson.prereqs`.
# - About 30 minutes. On a real account: the instance is a t3.micro (about $0.0136 an hour in Tokyo, refused
#   until you pass `confirm_cost=True`), CloudWatch Logs ingestion is priced per GB (this notebook sends a few
#   hundred kilobytes), each metric filter's metric and each alarm are billed monthly (a few tenths of a dollar,
#   prorated), and step 6 really waits 20 minutes.

# %% [markdown]
# ## Setup

# %%
import datetime as dt

import pandas as pd

import labkit
from labkit.aws.agent import LogSource
from labkit import differences_box
from labkit.lesson.logs import SecureLogGenerator, SimulatedAgent, lint
from labkit.lesson.prereqs import alerts_topic, lab_instance, logs_agent_role

lab = labkit.connect()
pd.set_option("display.max_colwidth", 110)
differences_box("05")

# %%
topic_arn = alerts_topic(lab)  # notebook 02's topic, with you@example.com subscribed and confirmed
instance = lab_instance(lab)  # notebook 01's web server; on AWS pass confirm_cost=True after reading the cost
role = logs_agent_role(lab, instance.instance_id)  # notebook 03's role, attached to the instance
logs = lab.client("logs")
cloudwatch = lab.client("cloudwatch")

# %% [markdown]
# ## Step 1: The log group and the agent
#
# The agent creates the log group if it is missing, but creating it yourself lets you set how long CloudWatch
# Logs keeps the lines: the default is *never expire*, and stored logs are billed per GB-month.

# %%
try:
    logs.create_log_group(logGroupName="ssh_logs")
except logs.exceptions.ResourceAlreadyExistsException:  # this cell ran before: the group is there
    pass
logs.put_retention_policy(logGroupName="ssh_logs", retentionInDays=14)
logs.describe_log_groups(logGroupNamePrefix="ssh_logs")["logGroups"][0]["retentionInDays"]

# %% [markdown]
# The instance's agent follows notebook 04's section: `/var/log/secure` into `ssh_logs`, in the stream
# `{instance_id}/var/log/secure`, reading each line's time with `%b %d %H:%M:%S`. Offline, `SimulatedAgent`
# plays the agent, and `SecureLogGenerator` plays sshd on an Amazon Linux 2023 instance (seeded, so every run
# writes the same lines; all addresses are documentation addresses). Offline, the agent signs its calls with
# the credentials the instance gets from notebook 03's role, and the role's policy is enforced; on AWS those
# credentials exist only on the instance, so the notebook's own stand in. First, an ordinary hour: key-based
# logins from the administrator's address, no failures.

# %%
agent_logs = lab.client_as(role.role_arn, "logs") if lab.offline else logs
agent = SimulatedAgent(
    agent_logs, LogSource("/var/log/secure", "ssh_logs"), instance_id=instance.instance_id, now=lab.clock.now,
    create_group=False,
)
sshd = SecureLogGenerator(seed=5, flavor="al2023")
quiet_hour = sshd.normal(lab.clock.now() - dt.timedelta(hours=1), 60, logins_per_hour=6)
shipped = agent.ship(quiet_hour)
print(f"stream {shipped.log_stream}: {shipped.events_sent} events")

# %% [markdown]
# ## Step 2: Search the logs
#
# `filter_log_events` searches a log group with a filter pattern. The empty pattern matches everything:

# %%
def search(pattern: str) -> list[str]:
    """The messages in ssh_logs that ``pattern`` matches (all pages)."""
    found, kwargs = [], {"logGroupName": "ssh_logs", "filterPattern": pattern}
    while True:
        page = logs.filter_log_events(**kwargs)
        found += [event["message"] for event in page["events"]]
        if "nextToken" not in page:
            return found
        kwargs["nextToken"] = page["nextToken"]


everything = search("")
print(len(everything), "events; the first three:")
print(*everything[:3], sep="\n")

# %%
print(len(search('"Accepted publickey"')), "logins,", len(search('"[preauth]"')), "[preauth] lines")

# %% [markdown]
# ## Step 3: Try patterns before you create them
#
# `test_metric_filter` runs a pattern over up to 50 sample lines and returns the ones it matches — the console's
# "Test pattern" button. The file `data/secure-sample.log` holds a minute of a password attack and a few ordinary
# lines, as sshd writes them to `/var/log/secure` (described in `data/README.md`):

# %%
with open("../data/secure-sample.log", encoding="utf-8") as file:
    sample = file.read().splitlines()
print(len(sample), "sample lines, for example:")
print(*(line.split("]: ", 1)[1] for line in sample[:6]), sep="\n")

# %%
def try_pattern(pattern: str) -> dict[str, object]:
    matches = logs.test_metric_filter(filterPattern=pattern, logEventMessages=sample)["matches"]
    return {"pattern": pattern, "matches": f"{len(matches)} of {len(sample)}", "lint": "; ".join(lint(pattern)) or "—"}


pd.DataFrame([try_pattern(p) for p in ['"[preauth]"', "[preauth]", '"Invalid user"', "invalid user", '"Failed password"']])

# %% [markdown]
# Two classic pitfalls:
#
# - **`[preauth]` without quotes matches every line.** A pattern that starts with `[` is a *space-delimited*
#   pattern: `[preauth]` declares one field named `preauth` and no condition, so every non-empty line matches,
#   and the whole line becomes the field's value. Quoted, `"[preauth]"` is a search for the text. The console
#   accepts both, and a metric filter with the unquoted one counts every line your server writes:

# %%
logs.test_metric_filter(filterPattern="[preauth]", logEventMessages=sample[-1:])["matches"]

# %% [markdown]
# - **Patterns are case sensitive.** sshd writes `Invalid user admin from …` once per attempt but
#   `Failed password for invalid user admin …` and `Connection closed by invalid user …` as well. `"Invalid user"`
#   counts attempts; unquoted `invalid user` is two terms that must both appear, and finds the *other* lines.
#   `lint` (from the kit) warns about both mistakes.

# %% [markdown]
# ## Step 4: The metric filter
#
# The article's filter: every line with `[preauth]` adds 1 to a metric. The filter's name is yours; the metric
# lives in a namespace you choose (here `LabLogs`), not in an `AWS/` one.

# %%
logs.put_metric_filter(
    logGroupName="ssh_logs",
    filterName="SSH Failed",
    filterPattern='"[preauth]"',
    metricTransformations=[{"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "1"}],
)
[(f["filterName"], f["filterPattern"]) for f in logs.describe_metric_filters(logGroupName="ssh_logs")["metricFilters"]]

# %% [markdown]
# A pattern AWS cannot parse is refused when you create the filter:

# %%
try:
    logs.put_metric_filter(
        logGroupName="ssh_logs", filterName="broken", filterPattern='{ $.user = }',
        metricTransformations=[{"metricName": "Broken", "metricNamespace": "LabLogs", "metricValue": "1"}],
    )
except logs.exceptions.InvalidParameterException as error:
    print(error.response["Error"]["Code"])

# %% [markdown]
# Metric filters do not look back: the quiet hour shipped in step 1 is not counted, only lines that arrive from
# now on.

# %% [markdown]
# ## Step 5: The "SSH Failed" alarm — the article's, and a tuned one
#
# Both alarms notify the same topic as the CPU alarm of notebook 02, and both count `[preauth]` lines with
# `Sum` over 5 minutes. `notBreaching` says that a 5-minute period without a single failure (no data at all)
# is good news, not missing information (the console's default, `missing`, would leave the alarm in
# `INSUFFICIENT_DATA` between failures).
#
# - **`SSH Failed`, the article's alarm**: **1** failure in 5 minutes is enough. This is the one the article
#   tests by trying SSH without the key pair, and whose email is `ALARM: "SSH Failed" in Asia Pacific (Tokyo)`.
# - **`SSH brute force`, tuned**: **10** or more `[preauth]` lines in 5 minutes. On a server open to the
#   internet bots try port 22 all day, so the article's alarm would email all day; this one waits for a burst.
#   A single mistyped login does not fire it.

# %%
article_alarm = {"AlarmName": "SSH Failed", "Threshold": 1}  # the article's: any failure
tuned_alarm = {"AlarmName": "SSH brute force", "Threshold": 10}  # a burst, not a typo
for alarm in (article_alarm, tuned_alarm):
    cloudwatch.put_metric_alarm(
        **alarm,
        AlarmDescription="sshd [preauth] lines in ssh_logs (metric filter 'SSH Failed')",
        Namespace="LabLogs",
        MetricName="SSHFailed",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic_arn],
    )
{a["AlarmName"]: (a["Threshold"], a["StateValue"])
 for a in cloudwatch.describe_alarms(AlarmNames=["SSH Failed", "SSH brute force"])["MetricAlarms"]}

# %% [markdown]
# ## Step 6: An attack
#
# Half an hour of the server's life: ordinary logins throughout; at minute 2 the administrator tries SSH
# **without the key pair** once — the article's test; from minute 5 to minute 10 a bot from `192.0.2.77` tries
# 20 user names a minute. After each minute the agent ships that minute's lines, as the real one does every few
# seconds. The table sums each 5-minute period and shows both alarms' states at its end: the first period tests
# the article's alarm (one failure), the second the tuned one (a burst).

# %%
start = lab.clock.now()
day = sorted(
    sshd.normal(start, 30, logins_per_hour=6)
    + sshd.keyless_login(start + dt.timedelta(minutes=2, seconds=17))
    + sshd.attack(start + dt.timedelta(minutes=5), 5, attempts_per_minute=20, source_ip="192.0.2.77"),
    key=lambda line: line.timestamp,
)
timeline = []
for minute in range(30):
    begin = start + dt.timedelta(minutes=minute)
    lab.advance(minutes=1)
    batch = [line for line in day if begin <= line.timestamp < begin + dt.timedelta(minutes=1)]
    if batch:
        agent.ship(batch)
    state_of = {a["AlarmName"]: a["StateValue"]
                for a in cloudwatch.describe_alarms(AlarmNames=["SSH Failed", "SSH brute force"])["MetricAlarms"]}
    timeline.append({
        "minute": f"{begin:%H:%M}", "lines shipped": len(batch),
        "[preauth] lines": sum("[preauth]" in line.text for line in batch),
        "alarm after": state_of["SSH Failed"], "tuned alarm after": state_of["SSH brute force"],
    })
per_minute = pd.DataFrame(timeline)
per_minute.groupby(per_minute.index // 5).agg(**{
    "period from": ("minute", "first"), "lines shipped": ("lines shipped", "sum"),
    "[preauth] lines": ("[preauth] lines", "sum"),
    "SSH Failed (≥ 1) at its end": ("alarm after", "last"),
    "SSH brute force (≥ 10) at its end": ("tuned alarm after", "last"),
}).set_index("period from")

# %% [markdown]
# CloudWatch evaluates an alarm every minute, each time over the 5 minutes that just ended (a *sliding
# window*), not only when a clock-aligned period ends. The keyless login of 00:02 was shipped at 00:03, and the
# evaluation at 00:04 (over 23:59–00:04, the time its email's reason gives) counted it: the article's
# `SSH Failed` goes to `ALARM` and emails, the tuned `SSH brute force` stays `OK`. At 00:07 the attack's first
# two minutes, shipped by then, were over 10: now the tuned alarm goes to `ALARM` too, three minutes before the
# 00:10 period end. The bot left at 00:10, yet both alarms stay in `ALARM` until 00:25.
# A period without a single `[preauth]` line has **no datapoint** — not a zero — and CloudWatch first looks
# for real datapoints in an *evaluation range* a little longer than the alarm's periods, and uses
# `TreatMissingData` only when there are not enough of them. The attack's datapoint stays in that range for
# two more periods (the lab uses N + 2 periods; AWS documents 5 periods for N = 3 and does not publish the
# rest). Set `defaultValue=0` on the metric filter to publish a zero for every minute in which log lines
# arrived and none matched (a minute without any log line still has no datapoint), and the alarm recovers as
# soon as the attack leaves its 5-minute window, as long as the instance keeps logging. The alarms' history:

# %%
for name in ("SSH Failed", "SSH brute force"):
    history = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate", ScanBy="TimestampAscending")
    for item in history["AlarmHistoryItems"]:
        print(f"{item['Timestamp']:%H:%M}", name, "|", item["HistorySummary"])

# %% [markdown]
# ## Step 7: The email
#
# Each transition to `ALARM` published CloudWatch's notification to the topic, and SNS emailed it: first the
# article's alarm (the single keyless login), then the tuned one (the attack). Offline the emails land in
# `lab.inbox`; on AWS, in the mailbox you confirmed in notebook 02.

# %%
if lab.offline:
    alarm_emails = [n for n in lab.inbox.notifications("you@example.com") if n.subject.startswith("ALARM: ")]
    for message in alarm_emails:
        print(f"{message.sent_at:%H:%M}", message.subject)
    email = next(n for n in alarm_emails if n.subject == 'ALARM: "SSH Failed" in Asia Pacific (Tokyo)')
else:
    email = None
    print('Check your mailbox for: ALARM: "SSH Failed" in Asia Pacific (Tokyo), then ALARM: "SSH brute force" …')

# %%
email

# %% [markdown]
# The article's alarm's subject is the article's, word for word. The body says why (the reason CloudWatch recorded), which
# metric and threshold, and links to the alarm in the console.

# %% [markdown]
# ## Step 8: Going further
#
# **Who is attacking?** A space-delimited pattern splits each line into fields and can publish one of them as
# a **dimension**. sshd's preauth disconnects end with `<ip> port <port> [preauth]`; `...` skips the varying
# start of the line (the kit's generator writes the AL2023 forms `Connection closed by …` and
# `Disconnected from invalid user … …`).

# %%
by_ip = "[..., ip, port_word=port, port, tag=preauth]"
[m["extractedValues"]["$ip"] for m in logs.test_metric_filter(filterPattern=by_ip, logEventMessages=sample)["matches"]]

# %%
logs.put_metric_filter(
    logGroupName="ssh_logs", filterName="SSH Failed by IP", filterPattern=by_ip,
    metricTransformations=[{"metricName": "SSHFailedByIp", "metricNamespace": "LabLogs", "metricValue": "1",
                            "dimensions": {"SourceIp": "$ip"}}],
)
# Two more bots, shipped after the filter exists (filters only count new lines).
now = lab.clock.now()
agent.ship(sorted(
    sshd.attack(now - dt.timedelta(minutes=3), 2, attempts_per_minute=8, source_ip="198.51.100.23")
    + sshd.attack(now - dt.timedelta(minutes=3), 2, attempts_per_minute=3, source_ip="203.0.113.50"),
    key=lambda line: line.timestamp,
))
# On AWS a metric filter's metric appears a minute or two after the lines; offline at once.
by_ip_metrics = lab.wait_until(
    lambda: cloudwatch.list_metrics(Namespace="LabLogs", MetricName="SSHFailedByIp")["Metrics"],
    timeout=5, description="the per-IP metrics",
)
per_ip = {}
for metric in by_ip_metrics:
    ip = metric["Dimensions"][0]["Value"]
    points = cloudwatch.get_metric_statistics(
        Namespace="LabLogs", MetricName="SSHFailedByIp", Dimensions=metric["Dimensions"],
        StartTime=now - dt.timedelta(minutes=10), EndTime=now, Period=600, Statistics=["Sum"],
    )["Datapoints"]
    per_ip[ip] = sum(p["Sum"] for p in points)
dict(sorted(per_ip.items()))

# %% [markdown]
# Each attempt ends with exactly one such line, so these are attempts per address. Mind the cost: every
# distinct dimension value is a separate custom metric, and a botnet has many addresses.
#
# **JSON logs.** Applications that log JSON are matched with selectors instead of words. A line of such a log,
# and a pattern for failed passwords of users that do not exist:

# %%
from labkit.aws.filterpattern.samples import sshd_json_events

json_lines = list(sshd_json_events(8))
print(json_lines[0])
json_pattern = '{ $.event = "failed_password" && $.invalidUser IS TRUE }'
[m["eventNumber"] for m in logs.test_metric_filter(filterPattern=json_pattern, logEventMessages=json_lines)["matches"]]

# %% [markdown]
# **GuardDuty does this without a single pattern.** Amazon GuardDuty analyses VPC flow logs and reports SSH
# brute force involving an instance as the finding `UnauthorizedAccess:EC2/SSHBruteForce`
# ([GuardDuty EC2 finding types](https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html)).
# It needs no agent and no log group, but it only sees traffic, not your log lines, and it is billed per GB
# analysed. Notebook 06b turns it on.
#
# **On a real account**, the real agent replaces `SimulatedAgent`: launch the instance with notebook 03's
# instance profile and notebook 04's `al2023_script` as user data, allow port 22 from your address in its security
# group, and try the article's "SSH without the key pair". Which alarm you are testing depends on how many
# tries land in one 5-minute period:
#
# - **The article's `SSH Failed`** (≥ 1): `ssh -o PubkeyAuthentication=no ec2-user@<public IP>` **once** is
#   enough. Within about 5 minutes (the period's end, plus a minute or two for the metric) the email
#   `ALARM: "SSH Failed" in Asia Pacific (Tokyo)` arrives.
# - **The tuned `SSH brute force`** (≥ 10 `[preauth]` lines): a few tries by hand do **not** fire it. Ten quick
#   tries do: `for i in $(seq 10); do ssh -o PubkeyAuthentication=no -o BatchMode=yes ec2-user@<public IP>; done`.
#
# Wait until both are back to `OK` (step 6 ends that way) before you try, or no new email is sent. Within a
# minute the lines appear in the stream `<instance id>/var/log/secure`; the cell below shows them and both
# alarms' states:

# %%
if not lab.offline:
    for stream in logs.describe_log_streams(logGroupName="ssh_logs")["logStreams"]:
        print(stream["logStreamName"], stream.get("lastEventTimestamp"))
    for alarm in cloudwatch.describe_alarms(AlarmNames=["SSH Failed", "SSH brute force"])["MetricAlarms"]:
        print(f"{alarm['AlarmName']} (threshold {alarm['Threshold']:g}): {alarm['StateValue']}")
else:
    print("offline: SimulatedAgent shipped the lines; there is no real instance to log in to")

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Create a metric filter on `ssh_logs` that counts **attempts with a user name that does not
# exist** — sshd's `Invalid user …` lines, one per attempt — as the metric `LabLogs` / `SSHInvalidUser` with
# value 1. Mind the case. (`ex1.hint()`, `ex1.solution()`.)

# %%
from labkit.course.exercises.nb05 import invalid_user_filter as ex1
from labkit.course.exercises.nb05 import sustained_alarm as ex2

# %% tags=["solution"]
logs.put_metric_filter(
    logGroupName="ssh_logs", filterName="SSH Invalid user", filterPattern='"Invalid user"',
    metricTransformations=[{"metricName": "SSHInvalidUser", "metricNamespace": "LabLogs", "metricValue": "1"}],
)
logs.test_metric_filter(filterPattern='"Invalid user"', logEventMessages=sample)["matches"][0]["eventMessage"]

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** A single noisy minute should not page anyone. Create the alarm `SSH Failed sustained` on
# `LabLogs` / `SSHFailed` that goes to `ALARM` when there were **5 or more** `[preauth]` lines a minute (`Sum`,
# `Period=60`) in **2 of the last 3** minutes, and notifies the same topic.

# %% tags=["solution"]
cloudwatch.put_metric_alarm(
    AlarmName="SSH Failed sustained", Namespace="LabLogs", MetricName="SSHFailed",
    Statistic="Sum", Period=60, EvaluationPeriods=3, DatapointsToAlarm=2,
    Threshold=5, ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching", AlarmActions=[topic_arn],
)
cloudwatch.describe_alarms(AlarmNames=["SSH Failed sustained"])["MetricAlarms"][0]["StateValue"]

# %%
ex2.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("05")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("05-ssh-failure-metric-filter")
filters = {f["filterName"]: f["filterPattern"] for f in logs.describe_metric_filters(logGroupName="ssh_logs")["metricFilters"]}


def metric_counts_every_preauth_line() -> bool:
    counted = cloudwatch.get_metric_statistics(
        Namespace="LabLogs", MetricName="SSHFailed", StartTime=start - dt.timedelta(hours=2),
        EndTime=lab.clock.now() + dt.timedelta(minutes=1), Period=86400, Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in counted) == len(search('"[preauth]"'))


checks.that(filters.get("SSH Failed") == '"[preauth]"', 'the metric filter "SSH Failed" uses the quoted pattern')
checks.that(
    lab.wait_until(metric_counts_every_preauth_line, timeout=5, description="the metric to catch up"),
    "the metric counted every [preauth] line in ssh_logs, and nothing else",
)
states = [row["alarm after"] for row in timeline]
checks.that("ALARM" in states, "the attack drove SSH Failed to ALARM")
# AWS does not publish its evaluation range, so on AWS the return to OK may come later.
checks.that(not lab.offline or states[-1] == "OK", "SSH Failed went back to OK after the attack")
checks.that(
    email is None or email.subject == 'ALARM: "SSH Failed" in Asia Pacific (Tokyo)',
    "the email has the article's subject",
)
checks.that(not ex1.problems(lab), "exercise 1: SSHInvalidUser counts 'Invalid user' lines")
checks.that(not ex2.problems(lab), "exercise 2: SSH Failed sustained is 2 of 3 minutes")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - A metric filter turns matching log lines into a metric as they arrive (never retroactively); an alarm on that
#   metric emails through SNS — the article's `ALARM: "SSH Failed" in Asia Pacific (Tokyo)`.
# - Quote what you search for: `"[preauth]"` is text, `[preauth]` is a one-field space-delimited pattern that
#   matches every line. Patterns are case sensitive. Try them with `test_metric_filter` first.
# - Choose the statistic (`Sum`), the period and the threshold for what "attack" means on your server;
#   `DatapointsToAlarm` (M of N) ignores a single noisy period.
# - Next: **06 · CloudTrail, EventBridge and AWS Health** — monitoring the AWS account itself.

# %% [markdown]
# ## Clean up

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
