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
# # 02 · The CPU alarm: above 80 %, send me an email
#
# The article's first alarm, step by step: *Alarms → Create alarm → select CPUUtilization of the instance,
# 5-minute average, "greater than 80", create an SNS topic for the notification, name the alarm, and confirm
# the subscription email.* Here each console step is one boto3 call. Then we follow the article's closing
# advice — "which threshold, given how this server behaves?" — and test the alarm on a week of history.

# %% [markdown]
# ## Objectives
#
# - Create an SNS topic and an email subscription, and see why it must be confirmed.
# - Create the article's alarm with `put_metric_alarm` and follow it through INSUFFICIENT_DATA → OK → ALARM.
# - Read the alarm email, and the alarm's history.
# - Know what CloudWatch rejects that moto would accept (`Period=7`).
# - Choose a threshold and an M-of-N setting by backtesting on a week of history; choose `TreatMissingData`.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 01 (the instance's metrics). Nothing from it has to exist: this notebook launches its own instance.
# - About 30 minutes.
# - **Cost on a real account**: one `t3.micro` (about $0.0136/hour in Tokyo), one alarm (standard-resolution
#   alarms are in the CloudWatch free tier's 10 alarm metrics), SNS email (free tier: 1,000 emails a month).

# %% [markdown]
# ## Setup

# %%
import labkit

lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("02")

# %% [markdown]
# ## Step 1: The server, the topic and the email subscription
#
# The server this time runs a **nightly batch job** at 02:00 Tokyo time that pins the CPU for a few minutes.
# A week of its CPU history is in the file `data/cpu-week-batch.csv`, which Step 6 uses.

# %%
import datetime as dt

from labkit.lesson import prereqs

# remote_load: on AWS the kit loads the real CPU in Step 3 through Systems Manager (offline it changes nothing)
instance = prereqs.lab_instance(lab, instance_type="t3.micro", pattern="batch", history_days=7, remote_load=True)
print("lab time:", lab.clock.now())

# %% [markdown]
# An alarm does not send email itself: it publishes to an **SNS topic**, and the topic delivers to its
# subscriptions. In the console the alarm wizard creates the topic for you; here it is two calls.

# %%
sns = lab.client("sns")
my_address = prereqs.LEARNER_EMAIL  # you@example.com offline; on AWS set LABKIT_EMAIL to a mailbox you read
topic_arn = sns.create_topic(Name="lab-alerts")["TopicArn"]
reply = sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=my_address)
print("Subscribe answered:", reply["SubscriptionArn"])
[(s["Endpoint"], s["SubscriptionArn"]) for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]]

# %% [markdown]
# The subscription is **PendingConfirmation**: SNS has sent a confirmation email, and until the recipient
# follows its link, nothing published to the topic reaches that address (so nobody can subscribe someone
# else's mailbox). The article's "check the email that arrived" is this step. Offline, the email is in `lab.inbox`:

# %%
if lab.offline:
    print(lab.inbox[0])

# %% [markdown]
# Follow the link. On AWS you click it in your mailbox; offline, `lab.inbox.confirm` does it for you
# (it calls `sns.confirm_subscription` with the token from the link). On AWS the notebook cannot read your
# mailbox, so `lab.inbox` subscribes an SQS queue to the topic as well and shows what arrives there.

# %%
if lab.offline:
    lab.inbox.confirm(my_address)
else:
    lab.inbox.watch(topic_arn)
[
    sns.get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])["Attributes"]["PendingConfirmation"]
    for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
]

# %% [markdown]
# ## Step 2: The alarm
#
# The console's choices, one parameter each: the metric (`Namespace`, `MetricName`, `Dimensions`), "5-minute
# average" (`Statistic="Average"`, `Period=300`), "greater than 80" (`ComparisonOperator`, `Threshold`), one
# period is enough (`EvaluationPeriods=1`), and the notification (`AlarmActions` = the topic).

# %%
cloudwatch = lab.client("cloudwatch")
cloudwatch.put_metric_alarm(
    AlarmName="cpu-high",
    AlarmDescription="CPU above 80 % for 5 minutes on lab-web",
    Namespace="AWS/EC2",
    MetricName="CPUUtilization",
    Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
    Statistic="Average",
    Period=300,
    EvaluationPeriods=1,
    Threshold=80,
    ComparisonOperator="GreaterThanThreshold",
    AlarmActions=[topic_arn],
)
alarm_created = lab.clock.now()


def alarm_state(name: str = "cpu-high") -> str:
    """The alarm's current state, as describe_alarms reports it."""
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


alarm = cloudwatch.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"][0]
print(alarm["StateValue"], "-", alarm["StateReason"])

# %% [markdown]
# A new alarm starts in **INSUFFICIENT_DATA**: it has not been evaluated yet. CloudWatch evaluates it every
# minute, each time over the 5 minutes that just ended (a *sliding window*): a minute later it finds a normal
# CPU and moves it to OK.

# %%
lab.wait_until(lambda: alarm_state() == "OK", timeout=15, description="the alarm going to OK")
print(lab.clock.now(), alarm_state())

# %% [markdown]
# ## Step 3: Drive the CPU into a spike
#
# Now something goes wrong on the server: a job pins the CPU for 30 minutes. Offline, `instance.spike` makes the
# workload model do it. On AWS it really does it: it sends a shell loop per vCPU to the instance with Systems
# Manager Run Command (`ssm.send_command`, document `AWS-RunShellScript`) — the same as logging in and running
# `stress --cpu 2 --timeout 1800`, without an SSH key.

# %%
spike_start = lab.clock.now()
instance.spike(spike_start, minutes=30)
lab.wait_until(lambda: alarm_state() == "ALARM", timeout=20, description="the alarm going to ALARM")
print(lab.clock.now(), alarm_state(), f"({(lab.clock.now() - spike_start).seconds // 60} minutes after the spike began)")

# %% [markdown]
# As soon as the 5 minutes just ended averaged above 80 (four of them in the spike), the alarm went to ALARM:
# the evaluation every minute does not wait for a clock-aligned 5-minute period to end.
# Let the spike end, and the alarm recovers on its own:

# %%
lab.wait_until(lambda: alarm_state() == "OK", timeout=45, every=5, description="the alarm going back to OK")
history = cloudwatch.describe_alarm_history(
    AlarmName="cpu-high", HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
)["AlarmHistoryItems"]
for item in history:
    print(f"{item['Timestamp']:%H:%M} UTC  {item['HistorySummary']}")

# %% [markdown]
# The same story as a chart, in the style of the console's alarm graph: `labkit.lesson.metrics.series` reads the
# 5-minute averages since the alarm was created, and `labkit.lesson.plot.alarm_timeline` replays the alarm's rules on
# them (red: ALARM, grey: INSUFFICIENT_DATA, red dots: breaching periods). It replays them once per clock-aligned
# period, as the console's graph shows periods; the alarm itself was evaluated every minute, so its history can
# show a transition up to four minutes before the chart does.

# %%
import matplotlib.pyplot as plt

from labkit.lesson import metrics
from labkit.lesson.plot import alarm_timeline

since_alarm = metrics.series(
    lab, "CPUUtilization", instance.dimensions, start=alarm_created, end=lab.clock.now(), period=300
)
alarm_timeline(since_alarm, threshold=80, period=300, evaluation_periods=1, title="cpu-high: Average CPUUtilization, 5 minutes")
plt.show()

# %% [markdown]
# ## Step 4: The email
#
# Only the transition *into* ALARM sent mail: the alarm has no `OKActions`, and an alarm notifies on state
# *changes*, not for every breaching period.

# %%
notifications = lab.inbox.notifications(my_address)
print(len(notifications), "notification(s):", [email.subject for email in notifications])
display(notifications[-1])

# %% [markdown]
# ## Step 5: What CloudWatch rejects (and moto would accept)
#
# An alarm's `Period` must be 10, 20 or 30 seconds (high-resolution metrics) or a multiple of 60. moto stores
# `Period=7` without complaint; CloudWatch answers with a validation error — and so does the offline lab, whose
# emulator validates `put_metric_alarm` as the API reference describes.

# %%
from botocore.exceptions import ClientError

try:
    cloudwatch.put_metric_alarm(
        AlarmName="cpu-high-7s", Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=instance.dimensions,
        Statistic="Average", Period=7, EvaluationPeriods=1, Threshold=80, ComparisonOperator="GreaterThanThreshold",
    )
except ClientError as error:
    print(error.response["Error"]["Code"], "-", error.response["Error"]["Message"])

# %% [markdown]
# ## Step 6: Choose the threshold with a week of history
#
# The article ends with questions: *which parameters show trouble coming, and what threshold fits this server?*
# A week of history answers the second one. `labkit.aws.alarms.backtest` replays an alarm definition over a metric's
# history, period by period, with CloudWatch's rules (M of N, missing data), and says when it would have fired.
#
# The week is in `data/cpu-week-batch.csv` (described in `data/README.md`): this server's 5-minute average
# CPUUtilization, as `get_metric_data` returns it, with an `episode` column. It holds seven nightly batch runs
# (expected, nobody should be woken up) and today's 30-minute runaway spike (a real problem).

# %%
import pandas as pd

from labkit.aws.alarms import backtest

week = pd.read_csv("../data/cpu-week-batch.csv", index_col="timestamp", parse_dates=True, keep_default_na=False)
history_cpu = week["CPUUtilization"]
tokyo_hour = history_cpu.index.tz_convert("Asia/Tokyo").hour
spike = (week["episode"] == "runaway spike").to_numpy()
spike_began = history_cpu.index[spike][0]

rows = []
for threshold, m, n in [(80, 1, 1), (90, 1, 1), (80, 2, 3), (80, 3, 5), (80, 5, 5)]:
    run = backtest(history_cpu, threshold=threshold, comparison_operator="GreaterThanThreshold", period=300,
                   statistic="Average", evaluation_periods=n, datapoints_to_alarm=m)
    fired = run["transition"] & (run["state"] == "ALARM")
    during_spike = run["state"][spike | (run.index >= spike_began)] == "ALARM"
    first = run.index[(run.index >= spike_began) & (run["state"] == "ALARM")]
    rows.append({
        "threshold": threshold, "M of N": f"{m} of {n}",
        "alarms in the week": int(fired.sum()),
        "false alarms (batch job)": int((fired & (tokyo_hour == 2)).sum()),
        "caught the spike": bool(during_spike.any()),
        "minutes to detect": int((first[0] + pd.Timedelta(minutes=5) - spike_began).total_seconds() // 60) if len(first) else None,
    })
comparison = pd.DataFrame(rows).set_index(["threshold", "M of N"])
comparison

# %% [markdown]
# Reading the table:
#
# - **1 of 1 at 80 %** (the article's alarm) pages every night: the batch job's first full 5-minute period averages
#   above 80 %. Raising the threshold to 90 % does not help, the job really uses the CPU.
# - **M of N** does: with *3 of 5* a breach must last at least three 5-minute periods in a 25-minute window. The
#   batch job never does; the runaway spike does, and is caught 10 minutes later than with 1 of 1.
# - *5 of 5* is quieter still but slower to detect. The choice is a trade: minutes of delay against nights of sleep.
#
# (`backtest` evaluates once per period, at each period's end; CloudWatch evaluates every minute over a sliding
# window, so it can catch a breach up to four minutes sooner, and also a 5-minute breach that straddles two periods.)

# %% [markdown]
# ## Step 7: When data is missing — `TreatMissingData`
#
# Periods can have no datapoint: the instance was stopped, the agent died, or a metric only exists when something
# happens (an error count). `TreatMissingData` says what a missing period means: `missing` (the default: decide
# on the data there is; all missing → INSUFFICIENT_DATA), `notBreaching` (treat as good), `breaching` (treat as
# bad), `ignore` (keep the current state). For a 3-of-3 alarm over its 5-period evaluation range:

# %%
from labkit.aws.alarms import evaluate_periods

scenarios = {
    "instance stopped (last 3 periods empty)": [30.0, 35.0, None, None, None],
    "the metric stops in the middle of a spike": [None, None, 95.0, 97.0, None],
    "nothing at all": [None] * 5,
}
pd.DataFrame(
    {
        option: {
            name: evaluate_periods(values, threshold=80, comparison_operator="GreaterThanThreshold",
                                   evaluation_periods=3, treat_missing_data=option, current_state="OK")
            for name, values in scenarios.items()
        }
        for option in ("missing", "notBreaching", "breaching", "ignore")
    }
)

# %% [markdown]
# With only two real datapoints for a 3-of-3 alarm, the choice decides: `missing` goes to ALARM because the oldest
# breaching point is already 3 periods old and nothing since contradicts it (the "premature alarm" rule),
# `notBreaching` says OK, `breaching` fills the gap with a breach, `ignore` keeps the current state.
# For the CPU of a server you sometimes stop, `notBreaching` or `missing` are sensible; `breaching` suits a
# heartbeat metric, whose silence *is* the problem (notebook 07's liveness checks).
# Rules: "Configuring how CloudWatch alarms treat missing data",
# <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data>.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: an alarm that lets the batch job sleep.** Create an alarm named `cpu-high-3-of-5` on the same
# metric (the instance's `CPUUtilization`, `Average` over 300 seconds, greater than 80) that goes to ALARM only when
# **3 of the last 5** periods breach, and notifies the `lab-alerts` topic. The check reads the alarm with
# `describe_alarms` and says what differs. `ex1.hint()` gives a hint; `ex1.solution()` shows an answer.

# %%
from labkit.course.exercises.nb02 import three_of_five as ex1

# %% tags=["solution"]
cloudwatch.put_metric_alarm(
    AlarmName="cpu-high-3-of-5",
    Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=instance.dimensions,
    Statistic="Average", Period=300, EvaluationPeriods=5, DatapointsToAlarm=3,
    Threshold=80, ComparisonOperator="GreaterThanThreshold",
    AlarmActions=[topic_arn],
)
print("put_metric_alarm: cpu-high-3-of-5")

# %%
ex1.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("02")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("02-cpu-alarm")
summaries = [item["HistorySummary"] for item in history]
checks.that(summaries[:2] == ["Alarm updated from INSUFFICIENT_DATA to OK", "Alarm updated from OK to ALARM"],
            "cpu-high went INSUFFICIENT_DATA → OK → ALARM")
checks.that(alarm_state() == "OK", "cpu-high recovered after the spike")
checks.that([e.subject for e in lab.inbox.notifications(my_address)] == ['ALARM: "cpu-high" in Asia Pacific (Tokyo)'],
            "exactly one alarm email reached the confirmed address")
checks.that(not cloudwatch.describe_alarms(AlarmNames=["cpu-high-7s"])["MetricAlarms"], "the Period=7 alarm was rejected")
checks.that(comparison.loc[(80, "3 of 5"), "false alarms (batch job)"] < comparison.loc[(80, "1 of 1"), "false alarms (batch job)"]
            and comparison.loc[(80, "3 of 5"), "caught the spike"], "3 of 5 is quieter than 1 of 1 and still catches the spike")
checks.that(not ex1.problems(lab), "exercise 1: cpu-high-3-of-5 alarms on 3 of 5 periods")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - Topic → subscription → confirmation: an email subscription receives nothing until it is confirmed.
# - `put_metric_alarm` with the console's choices; a new alarm is INSUFFICIENT_DATA, then OK or ALARM, evaluated
#   every minute over a sliding window.
# - Alarms notify on state changes; the email's subject is `ALARM: "<name>" in <Region name>`.
# - CloudWatch validates alarms (periods of 10, 20, 30 s or multiples of 60); moto does not, the lab does.
# - Backtest thresholds and M of N on history before you trust an alarm; choose `TreatMissingData` on purpose.
# - Next: **03 · IAM role for the logs agent** — the article's second half, SSH failures from `/var/log/secure`.

# %% [markdown]
# ## Clean up
#
# Teardown deletes both alarms before the topic (and its subscription), then terminates the instance.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
