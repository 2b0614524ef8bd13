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
# # 09 · Alarms that scale, alarms that stay quiet
#
# The alarms so far watch one metric against one number. Real services need more: an alarm on a **ratio** (how
# many requests fail, not how many), on the **slowest** requests (p99), alarms that **combine** (page when the
# server is busy *and* the page is down, not for each), that **stay quiet** during a deployment, and a threshold
# that follows the server's own rhythm — the article's "threshold from the server's tendency", answered today by
# **anomaly detection** — and alarms that do not page anyone but **scale** a fleet of servers instead.

# %% [markdown]
# ## Objectives
#
# - Alarm on an error **rate** with metric math (`5XX / RequestCount` on a load balancer) and on p99 latency
#   (`ExtendedStatistic`).
# - Reduce noise with **composite alarms**: page only when CPU is high *and* the URL check fails, and suppress
#   the page during a deployment with `ActionsSuppressor` (`ActionsSuppressedBy`, `ActionsSuppressedReason`).
# - Create an **anomaly detection band** on the nightly batch server of notebook 02, draw it against the data,
#   and compare it with a static threshold and M of N on the same week: false alarms and time to detect; mute the
#   static alarm in the batch window with an **alarm mute rule** instead.
# - Scale an **EC2 Auto Scaling** group with alarms: a target tracking policy at 50 % CPU (and the alarms AWS creates
#   for it), then a step scaling policy driven by your own CPU alarm, with its instance warmup; chart the capacity
#   and the CPU together.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 02 (alarms, M of N, the nightly batch server) and notebook 07 (the URL check, the simulated load
#   balancer). What this notebook needs from them is made by `labkit.lesson.prereqs` and the Setup cells.
# - About 65 minutes. On a real account: the instance is a t3.micro (about $0.0136 an hour in Tokyo, refused
#   until you pass `confirm_cost=True`), and so is each of the Auto Scaling group's 1 to 5 instances (refused until
#   `lab.confirm_costs = True`); a standard alarm costs $0.10 a month, a metric-math alarm $0.10 per
#   metric it reads, an **anomaly detection alarm $0.30** (three metrics: the metric and the band's two bounds), a
#   composite alarm $0.50 a month; a Synthetics canary run about $0.0012. See
#   [CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/).

# %% [markdown]
# ## Setup

# %%
import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd

import labkit
from labkit.course.curriculum import differences_box
from labkit.lesson import prereqs, simulated, synthetics, web

lab = labkit.connect()
differences_box("09")

# %%
topic_arn = prereqs.alerts_topic(lab)  # notebook 02's topic, you@example.com subscribed and confirmed
# notebook 02's batch server, with two weeks of CPU history; on AWS pass confirm_cost=True after reading the cost
instance = prereqs.lab_instance(lab, pattern="batch", history_days=14)
cloudwatch = lab.client("cloudwatch")
if lab.offline:  # notebook 07's simulated load balancer; on AWS put your own ALB's names below
    alb = simulated.load_balancer(lab, "lab-alb")
    lb, tg = alb.load_balancer, alb.target_group
else:
    lb, tg = "app/your-alb/0123456789abcdef", "targetgroup/your-tg/0123456789abcdef"
lab_started = lab.clock.now()  # before this instant, the batch server's history; after it, this notebook's events
server = web.serve(lab)  # notebook 07's web page, checked once a minute by a canary
if lab.offline:
    canary = synthetics.watch(lab, "lab-web-canary", server.url)
print(f"{instance.instance_id} · {lb} · lab time {lab.clock.now():%Y-%m-%d %H:%M} UTC")

# %% [markdown]
# ## Step 1: An error-rate alarm with metric math
#
# A load balancer counts errors (`HTTPCode_Target_5XX_Count`) and requests (`RequestCount`). Alarming on the
# count alone is wrong both ways: 50 errors is a disaster at 100 requests a minute and noise at 100,000. Alarm on
# the **rate**. A metric-math alarm passes `Metrics` — the metrics (`ReturnData=False`) and one expression with
# `ReturnData=True` that the alarm judges
# ([Creating a CloudWatch alarm based on a metric math expression](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html)).
# A load balancer publishes no 5XX count in a minute without errors, so `FILL(errors, 0)` turns "no datapoint"
# into 0 errors — without it a quiet minute would have no rate at all.

# %%
alb_metric = lambda name, dims: {"Namespace": "AWS/ApplicationELB", "MetricName": name, "Dimensions": dims}  # noqa: E731
lb_dims = [{"Name": "LoadBalancer", "Value": lb}]
tg_dims = [{"Name": "TargetGroup", "Value": tg}, {"Name": "LoadBalancer", "Value": lb}]
cloudwatch.put_metric_alarm(
    AlarmName="lab-alb-error-rate",
    AlarmDescription="More than 5 % of requests end in a 5XX from the targets",
    Metrics=[
        {"Id": "errors", "ReturnData": False,
         "MetricStat": {"Metric": alb_metric("HTTPCode_Target_5XX_Count", tg_dims), "Period": 60, "Stat": "Sum"}},
        {"Id": "requests", "ReturnData": False,
         "MetricStat": {"Metric": alb_metric("RequestCount", lb_dims), "Period": 60, "Stat": "Sum"}},
        {"Id": "error_rate", "Expression": "100 * FILL(errors, 0) / requests", "Label": "5XX %", "ReturnData": True},
    ],
    EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=5, ComparisonOperator="GreaterThanThreshold",
    TreatMissingData="notBreaching", AlarmActions=[topic_arn],
)
alb_alarms = ["lab-alb-error-rate"]

# %% [markdown]
# And the latency alarm: the **average** response time hides the slow requests behind many fast ones; the **p99**
# (`ExtendedStatistic="p99"`) is the time the slowest 1 % of requests exceed — what the unluckiest users feel.

# %%
cloudwatch.put_metric_alarm(
    AlarmName="lab-alb-p99-latency",
    AlarmDescription="The slowest 1 % of requests take longer than 1 second",
    Namespace="AWS/ApplicationELB", MetricName="TargetResponseTime", Dimensions=tg_dims,
    ExtendedStatistic="p99", Period=60, EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=1.0,
    ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching", AlarmActions=[topic_arn],
)
alb_alarms.append("lab-alb-p99-latency")
lab.advance(minutes=5)
{a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms(AlarmNames=alb_alarms)["MetricAlarms"]}

# %% [markdown]
# A bad release: for six minutes one request in five fails, then the application is merely slow for six more.

# %%
if lab.offline:
    alb.incident("target-5xx", lab.clock.now(), minutes=6)
    alb.incident("slow", lab.clock.now() + dt.timedelta(minutes=6), minutes=6)
bad_release = lab.clock.now()
states = []
for _ in range(14):
    lab.advance(minutes=1)
    alarms = cloudwatch.describe_alarms(AlarmNames=alb_alarms)["MetricAlarms"]
    states.append({"minute": f"{lab.clock.now():%H:%M}", **{a["AlarmName"]: a["StateValue"] for a in alarms}})
pd.DataFrame(states).set_index("minute").T

# %% [markdown]
# The rate the alarm judged, read back with the same expression through `get_metric_data`:

# %%
rate = cloudwatch.get_metric_data(
    MetricDataQueries=cloudwatch.describe_alarms(AlarmNames=["lab-alb-error-rate"])["MetricAlarms"][0]["Metrics"],
    StartTime=bad_release - dt.timedelta(minutes=5), EndTime=lab.clock.now(), ScanBy="TimestampAscending",
)["MetricDataResults"][0]
fig, ax = plt.subplots(figsize=(10, 2.5))
ax.plot(rate["Timestamps"], rate["Values"], marker="o")
ax.axhline(5, color="red", linestyle="--", label="threshold 5 %")
ax.set_title("lab-alb-error-rate: 100 * FILL(errors, 0) / requests, per minute")
ax.set_ylabel("% of requests")
ax.legend()
plt.show()

# %% [markdown]
# ## Step 2: Composite alarms — page once, for the right reason
#
# Two alarms from earlier notebooks: CPU high on the server (notebook 02) and the URL check (notebook 07).
# Either alone is often not worth waking someone: a busy CPU with a working page is the batch job; a failed check
# with an idle CPU may be a blip in the check itself. A **composite alarm** combines the states of other alarms with
# a rule — `ALARM("a") AND ALARM("b")`, `OR`, `NOT`
# ([PutCompositeAlarm](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html)) —
# and only *it* notifies: the children keep no actions, so they change state silently.

# %%
cloudwatch.put_metric_alarm(
    AlarmName="lab-cpu-high", Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=instance.dimensions,
    Statistic="Average", Period=300, EvaluationPeriods=1, Threshold=80, ComparisonOperator="GreaterThanThreshold",
)
cloudwatch.put_metric_alarm(
    AlarmName="lab-web-availability", Namespace="CloudWatchSynthetics", MetricName="SuccessPercent",
    Dimensions=[{"Name": "CanaryName", "Value": "lab-web-canary"}], Statistic="Average", Period=60,
    EvaluationPeriods=2, Threshold=100, ComparisonOperator="LessThanThreshold", TreatMissingData="breaching",
)
cloudwatch.put_composite_alarm(
    AlarmName="lab-page-web-down",
    AlarmDescription="The server is overloaded and the page does not answer",
    AlarmRule='ALARM("lab-cpu-high") AND ALARM("lab-web-availability")',
    AlarmActions=[topic_arn],
)
children = ["lab-cpu-high", "lab-web-availability"]


def alarm_states() -> dict[str, str]:
    """The state of the two children and of the composite alarm."""
    found = cloudwatch.describe_alarms(AlarmNames=[*children, "lab-page-web-down"], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return {a["AlarmName"]: a["StateValue"] for a in found["MetricAlarms"] + found["CompositeAlarms"]}


lab.advance(minutes=5)
alarm_states()

# %% [markdown]
# The page breaks for three minutes while the CPU is calm: one child goes to ALARM, the composite alarm does not.

# %%
emails_before = len(lab.inbox.notifications()) if lab.offline else 0
server.fail(503)
lab.advance(minutes=3)
page_only = alarm_states()
server.heal()
lab.advance(minutes=2)
page_only

# %% [markdown]
# Now a runaway process pins the CPU and the page stops answering: both children go to ALARM and the composite
# alarm sends **one** email.

# %%
instance.runaway(lab.clock.now())
server.fail(503)
lab.advance(minutes=10)
both = alarm_states()
print(both)
if lab.offline:
    print([email.subject for email in lab.inbox.notifications()[emails_before:]])

# %%
instance.calm(lab.clock.now())
server.heal()
lab.advance(minutes=10)
alarm_states()

# %% [markdown]
# ### Quiet during a deployment: `ActionsSuppressor`
#
# A deployment restarts the application: the page fails for a few minutes, on purpose. A composite alarm can name a
# **suppressor alarm**: while the suppressor is in ALARM, the composite alarm still changes state but runs **no
# actions**. `ActionsSuppressorWaitPeriod` is how long it waits, after going to ALARM, for the suppressor to go to
# ALARM too (a deployment that has not been noticed yet); `ActionsSuppressorExtensionPeriod` keeps the actions
# suppressed for a while after the suppressor returns to OK (the application is still warming up)
# ([Alarm suppression](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-suppression.html)).
#
# The suppressor is an alarm on a metric the deployment tool publishes — 1 each minute while it deploys:

# %%
cloudwatch.put_metric_alarm(
    AlarmName="lab-deploying", Namespace="LabDeploy", MetricName="DeploymentInProgress",
    Statistic="Maximum", Period=60, EvaluationPeriods=1, Threshold=1,
    ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
)
cloudwatch.put_composite_alarm(
    AlarmName="lab-page-web-down",
    AlarmDescription="The server is overloaded and the page does not answer",
    AlarmRule='ALARM("lab-cpu-high") AND ALARM("lab-web-availability")',
    AlarmActions=[topic_arn],
    ActionsSuppressor="lab-deploying", ActionsSuppressorWaitPeriod=120, ActionsSuppressorExtensionPeriod=300,
)


def deploying_minute() -> None:
    """One minute of deployment: the tool says so, then the lab clock moves on."""
    cloudwatch.put_metric_data(Namespace="LabDeploy", MetricData=[
        {"MetricName": "DeploymentInProgress", "Value": 1, "Timestamp": lab.clock.now()}])
    lab.advance(minutes=1)

# %% [markdown]
# The deployment starts, restarts the application (the page fails) while a data migration pins the CPU:

# %%
emails_before = len(lab.inbox.notifications()) if lab.offline else 0
deploying_minute()
instance.runaway(lab.clock.now())
server.fail(503)
during = []
for _ in range(8):
    deploying_minute()
    page = cloudwatch.describe_alarms(AlarmNames=["lab-page-web-down"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    during.append({"minute": f"{lab.clock.now():%H:%M}", "state": page["StateValue"],
                   "ActionsSuppressedBy": page.get("ActionsSuppressedBy", ""),
                   "ActionsSuppressedReason": page.get("ActionsSuppressedReason", "")})
instance.calm(lab.clock.now())
server.heal()
lab.advance(minutes=10)
if lab.offline:
    print("emails during the deployment:", [email.subject for email in lab.inbox.notifications()[emails_before:]])
pd.DataFrame(during).set_index("minute")

# %% [markdown]
# The composite alarm went to ALARM — its history shows it — but `ActionsSuppressedBy: Alarm` says why nobody was
# paged. A real problem that outlives the deployment (and its extension period) still pages.

# %% [markdown]
# ## Step 3: A threshold from the server's tendency — anomaly detection
#
# The article asked for a threshold that follows what is normal *for this server*. CloudWatch's answer is
# **anomaly detection**: a model trained on up to two weeks of the metric draws a **band** of expected values —
# `ANOMALY_DETECTION_BAND(m1, 2)`, 2 standard deviations wide — and an alarm fires when the metric leaves it
# ([Using CloudWatch anomaly detection](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html)).
#
# AWS does not publish its model. Offline, **the band comes from labkit's own model** (`labkit.aws.anomaly`), a
# transparent one: the mean and spread of the training data in hour-of-day (or hour-of-week) slots. It follows the
# same rules (two weeks of training, up to 15 minutes before the first band, a band that never goes below zero),
# but its numbers are not AWS's: on a real account the band will differ.
#
# The batch server of notebook 02 has two weeks of history. Create a detector for its CPU, in Tokyo time so that
# "02:00 every night" is the same slot all year:

# %%
cpu_metric = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": instance.dimensions}
cloudwatch.put_anomaly_detector(
    SingleMetricAnomalyDetector={**cpu_metric, "Stat": "Average"}, Configuration={"MetricTimezone": "Asia/Tokyo"},
)
lab.advance(minutes=15)  # "It takes up to 15 minutes for the actual anomaly detection band ... to appear"
[(d["SingleMetricAnomalyDetector"]["MetricName"], d["StateValue"]) for d in cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"]]

# %% [markdown]
# Then a problem in the daytime: a runaway process for 40 minutes. Read the last week with the band, 5-minute
# averages, and draw them:

# %%
instance.runaway(lab.clock.now())
runaway_began = lab.clock.now()
lab.advance(minutes=40)
instance.calm(lab.clock.now())
week_end = lab.clock.now()
reply = cloudwatch.get_metric_data(
    MetricDataQueries=[
        {"Id": "m1", "MetricStat": {"Metric": cpu_metric, "Period": 300, "Stat": "Average"}},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "expected"},
    ],
    StartTime=week_end - dt.timedelta(days=7), EndTime=week_end, ScanBy="TimestampAscending",
)
series = {r["Label"]: pd.Series(r["Values"], index=pd.to_datetime(r["Timestamps"])) for r in reply["MetricDataResults"]}
cpu = series["CPUUtilization"]
lower, upper = (series[f"expected {side}"].reindex(cpu.index) for side in ("Lower Bound", "Upper Bound"))
sorted(series)

# %%
fig, axes = plt.subplots(2, 1, figsize=(11, 6))
for ax, (start, end) in zip(axes, [(cpu.index[0], cpu.index[-1]), (week_end - dt.timedelta(hours=30), week_end)]):
    part = slice(start, end)
    ax.fill_between(cpu[part].index, lower[part], upper[part], color="tab:gray", alpha=0.3, label="band (labkit's model)")
    ax.plot(cpu[part].index, cpu[part], lw=0.8, label="CPUUtilization, 5-minute average")
    ax.axhline(80, color="red", linestyle="--", lw=0.8, label="static threshold 80 %")
    ax.set_ylabel("%")
axes[0].set_title("The batch server's week and its anomaly detection band")
axes[1].set_title("The last 30 hours: a nightly batch run, then this notebook's runaways (Steps 2 and 3)")
axes[0].legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The band follows the day: high in the Tokyo afternoon, low at night. It does not follow the batch job, which
# lasts 6 to 11 minutes of its hour: the model's slots are an hour long, and a few minutes in an hour are not "what
# the hour is like". Which alarm pages least for nothing and soonest for the runaway? The same
# `labkit.aws.alarms.backtest` as in notebook 02, with the band as the threshold for the anomaly operators:

# %%
from labkit.aws.alarms import backtest

batch_night = (cpu.index.tz_convert("Asia/Tokyo").hour == 2)
band = (lower.to_numpy(), upper.to_numpy())
candidates = [
    ("static 80 %", 80, "GreaterThanThreshold", 1, 1),
    ("static 80 %", 80, "GreaterThanThreshold", 3, 5),
    ("band, 2 std devs", band, "GreaterThanUpperThreshold", 1, 1),
    ("band, 2 std devs", band, "GreaterThanUpperThreshold", 3, 5),
]
rows = []
for name, threshold, operator, m, n in candidates:
    run = backtest(cpu, threshold=threshold, comparison_operator=operator, period=300, statistic="Average",
                   evaluation_periods=n, datapoints_to_alarm=m)
    fired = run["transition"] & (run["state"] == "ALARM")
    caught = run.index[(run.index >= runaway_began) & (run["state"] == "ALARM")]
    history = run.index < lab_started  # the week before this notebook: nothing was wrong in it
    rows.append({
        "alarm": name, "M of N": f"{m} of {n}",
        "false alarms (batch nights)": int((fired & batch_night & history).sum()),
        "false alarms (other)": int((fired & ~batch_night & history).sum()),
        "minutes to detect the runaway":
            int((caught[0] + pd.Timedelta(minutes=5) - runaway_began).total_seconds() // 60) if len(caught) else None,
    })
comparison = pd.DataFrame(rows).set_index(["alarm", "M of N"])
comparison

# %% [markdown]
# Reading the table (the week before this notebook had no real problem, so every alarm in it is a false one):
#
# - The static 1-of-1 alarm pages every batch night; 3 of 5 lets the batch job sleep (notebook 02) but needs three
#   periods above 80 % before it fires.
# - The band alone, 1 of 1, pages for the batch job too: a few minutes of work in a quiet hour *is* an anomaly to
#   a model of hours. The band needs M of N as much as the static threshold does.
# - The band with 3 of 5 is as quiet as the static 3 of 5 on batch nights and catches the runaway **sooner**: its
#   upper bound sits around 40 % on a weekday morning, so the CPU leaves it on its way up, long before it has
#   spent three periods above 80 %. For the same reason it would catch a problem that never reaches 80 % — a leak
#   that holds the CPU at 60 % at 03:00 — which a static 80 % alarm never sees.
#
# The alarm to keep is the band **and** M of N: exercise 2.
#
# An anomaly alarm is `put_metric_alarm` with `Metrics` (the metric and the band) and `ThresholdMetricId` — the `Id`
# of the band — instead of `Threshold`; it creates its detector if there is none.

# %% [markdown]
# ### Quiet at a known hour: an alarm mute rule
#
# Until the band has proved itself, a team often keeps the simple static alarm too, and it pages every batch night.
# When the noise comes at a **known time**, the alarm can be muted on a schedule. An **alarm mute rule**
# (`put_alarm_mute_rule`) names the alarms and a window — `cron(Minutes Hours Day-of-month Month Day-of-week)` and a
# `Duration`, read in a `Timezone` — and while the rule is active its alarms "continue to evaluate metrics and
# transition between states, but their configured actions ... are muted". When the window ends, an alarm still in
# the state it was muted in runs its actions then; one that has left that state runs none
# ([How alarm mute rules work](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-mute-rules-behaviour.html)).
#
# The batch job of notebook 02 starts at 02:00 Tokyo time and pins the CPU for 6 to 11 minutes, so a 5-minute alarm
# sees it until about 02:15. The rule mutes 02:00 to 02:30 every night, a margin past the job's end, for the static
# 80 % 1-of-1 alarm of the table, which emails this time. On a rule name that exists, `put_alarm_mute_rule` "updates
# the existing rule with the new configuration"
# ([PutAlarmMuteRule](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html)):
# the cell runs twice safely.

# %%
from zoneinfo import ZoneInfo

cloudwatch.put_metric_alarm(
    AlarmName="lab-cpu-static-80", AlarmDescription="The batch server's CPU above 80 % for one 5-minute period",
    **cpu_metric, Statistic="Average", Period=300, EvaluationPeriods=1, Threshold=80,
    ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic_arn],
)
cloudwatch.put_alarm_mute_rule(
    Name="lab-batch-window",
    Description="The nightly batch job: 02:00 Tokyo time, 6 to 11 minutes",
    Rule={"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT30M", "Timezone": "Asia/Tokyo"}},
    MuteTargets={"AlarmNames": ["lab-cpu-static-80"]},
)
rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="lab-batch-window")
{key: rule[key] for key in ("Status", "MuteType", "MuteTargets")} | rule["Rule"]["Schedule"]

# %% [markdown]
# `SCHEDULED`: the window is ahead. Let the lab clock run into the night — to 01:55 Tokyo time, before the window;
# to 02:07, while the batch job runs; to 03:00, after the window. (On AWS `lab.advance` really waits: this cell
# would take until 03:00 Tokyo time, so `lab.may_wait` skips it unless you allow the wait. Run it in the evening, or
# read the alarm's history the next morning.)

# %%
tokyo = ZoneInfo("Asia/Tokyo")


def minutes_until(hour: int, minute: int) -> float:
    """Lab minutes from now to the next hour:minute in Tokyo (0 if it is that minute now)."""
    now = lab.clock.now().astimezone(tokyo)
    then = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return ((then - now) % dt.timedelta(days=1)).total_seconds() / 60


night = []
if lab.may_wait(minutes=minutes_until(3, 0)):  # on AWS: real time, skipped when 03:00 Tokyo is far off
    lab.advance(minutes=minutes_until(1, 55))
    evening = lab.clock.now()
    emails_before = len(lab.inbox.notifications()) if lab.offline else 0
    for hour, minute in [(1, 55), (2, 7), (3, 0)]:
        lab.advance(minutes=minutes_until(hour, minute))
        night.append({
            "Tokyo time": f"{lab.clock.now().astimezone(tokyo):%a %H:%M}",
            "mute rule": cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="lab-batch-window")["Status"],
            "lab-cpu-static-80": cloudwatch.describe_alarms(AlarmNames=["lab-cpu-static-80"])["MetricAlarms"][0]["StateValue"],
            "emails since 01:55": len(lab.inbox.notifications()) - emails_before if lab.offline else None,
        })
else:
    evening = lab.clock.now() - dt.timedelta(days=1)  # the history cell below reads the last day instead
pd.DataFrame(night, columns=["Tokyo time", "mute rule", "lab-cpu-static-80", "emails since 01:55"]).set_index("Tokyo time")

# %% [markdown]
# At 02:07 the alarm is in ALARM and nobody was emailed. Its history has the night — the alarm still evaluated and
# changed state — but no `Action` item:

# %%
night_history = cloudwatch.describe_alarm_history(
    AlarmName="lab-cpu-static-80", StartDate=evening, EndDate=lab.clock.now(), ScanBy="TimestampAscending",
)["AlarmHistoryItems"]
for item in night_history:
    print(f"{item['Timestamp'].astimezone(tokyo):%H:%M} Tokyo  {item['HistoryItemType']:<12} {item['HistorySummary']}")
if lab.offline:
    print("emails since 01:55:", [email.subject for email in lab.inbox.notifications()[emails_before:]])

# %% [markdown]
# The alarm was back in OK before the window ended, so its muted email was dropped, not delayed. (AWS's pages do not
# say what the history records for a muted action; offline it records nothing, and the usual `Action` item when
# muted actions run at the end of a window.)
#
# **A mute rule or the band?**
#
# - A mute rule fits noise at a **known time** — a batch job, a backup, a patch window — and keeps a simple alarm
#   simple. But it mutes *everything* in its window: a real problem that starts at 02:10 pages only if the alarm is
#   still in ALARM at 02:30, and a batch job moved to 03:00 pages again while the rule mutes an empty half hour.
# - The band with 3 of 5 needs no schedule: it follows the server's day, stays quiet on batch nights because of
#   M of N, and catches what 80 % never sees, at any hour.
# - A deployment does not come at a known time: that is what Step 2's `ActionsSuppressor` is for. A suppressor
#   follows an alarm; a mute rule follows the clock. A mute rule can target any alarm, an anomaly alarm or a composite
#   alarm too.

# %% [markdown]
# ## Step 4: Alarms that scale — target tracking
#
# The exam's classic scenario: a web tier must grow when it is busy and shrink when it is quiet, with nobody watching.
# **EC2 Auto Scaling** keeps a group of identical instances, launched from a **launch template**, between a minimum and
# a maximum; a **scaling policy** changes how many it wants (the *desired capacity*)
# ([What is Amazon EC2 Auto Scaling?](https://docs.aws.amazon.com/autoscaling/ec2/userguide/what-is-amazon-ec2-auto-scaling.html)).
# The template enables detailed monitoring, so the group's CPU arrives every minute instead of every five. Offline the
# instances are InService as soon as they launch (on AWS a minute or two later); the cell runs twice safely: a
# second group of the same name is refused with `AlreadyExists`, as AWS refuses it.

# %%
from botocore.exceptions import ClientError

from labkit.lesson.ec2 import AL2023_PARAMETER, OFFLINE_AMI
from labkit.lesson.plot import capacity_and_cpu

ec2 = lab.client("ec2")
autoscaling = lab.client("autoscaling")
group = "lab-web-asg"
if lab.offline:
    image_id = OFFLINE_AMI
else:  # Amazon Linux 2023; each t3.micro of the group costs about $0.0136 an hour in Tokyo
    lab.billable("an Auto Scaling group of 1 to 5 t3.micro instances", "about $0.0136 an hour per instance")
    image_id = lab.client("ssm").get_parameter(Name=AL2023_PARAMETER)["Parameter"]["Value"]
try:
    ec2.create_launch_template(
        LaunchTemplateName="lab-web-template",
        LaunchTemplateData={"ImageId": image_id, "InstanceType": "t3.micro", "Monitoring": {"Enabled": True}},
    )
except ClientError as error:
    if error.response["Error"]["Code"] != "InvalidLaunchTemplateName.AlreadyExistsException":
        raise
try:
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=group, LaunchTemplate={"LaunchTemplateName": "lab-web-template", "Version": "$Latest"},
        MinSize=1, MaxSize=5, DesiredCapacity=1, AvailabilityZones=[f"{lab.region}a", f"{lab.region}c"],
    )
except autoscaling.exceptions.AlreadyExistsFault:
    pass  # the cell ran before: the group is there
autoscaling.enable_metrics_collection(AutoScalingGroupName=group, Granularity="1Minute",
                                      Metrics=["GroupInServiceInstances"])
found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"][0]
{key: found[key] for key in ("MinSize", "MaxSize", "DesiredCapacity")} | {"instances": len(found["Instances"])}

# %% [markdown]
# A **target tracking** policy is the simplest to get right: name a metric and a target — here the group's average
# CPU at 50 % — and Auto Scaling adds or removes instances to keep the metric near it. It **creates and manages the
# CloudWatch alarms** that drive it
# ([Target tracking scaling policies](https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html)):
# `put_scaling_policy` answers with their names. Look at them: you never write them, and must not edit them.

# %%
policy = autoscaling.put_scaling_policy(
    AutoScalingGroupName=group, PolicyName="lab-cpu-50", PolicyType="TargetTrackingScaling",
    TargetTrackingConfiguration={
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
        "TargetValue": 50.0,
    },
)
managed = cloudwatch.describe_alarms(AlarmNames=[a["AlarmName"] for a in policy["Alarms"]])["MetricAlarms"]
pd.DataFrame([{
    "alarm": alarm["AlarmName"].split(f"{group}-")[1].split("-")[0],  # TargetTracking-<group>-AlarmHigh-<id>
    "metric": f"{alarm['MetricName']} ({alarm['Dimensions'][0]['Name']})",
    "rule": f"{alarm['Statistic']} {alarm['ComparisonOperator']} {alarm['Threshold']:g}",
    "datapoints": f"{alarm['DatapointsToAlarm']} of {alarm['EvaluationPeriods']} × {alarm['Period']} s",
    "invokes": alarm["AlarmActions"][0].rsplit("/", 1)[-1],
    "description": alarm["AlarmDescription"][:32] + "…",
} for alarm in sorted(managed, key=lambda a: a["AlarmName"])]).set_index("alarm")

# %% [markdown]
# Two alarms: **AlarmHigh** scales out after 3 minutes above 50 %; **AlarmLow** scales in only after 15 minutes below
# 45 % — scaling in is deliberately slower than scaling out. (AWS does not document these numbers; they are what
# accounts show, and what the lab creates.) Now the traffic of a sale: demand for 2.4 instances' worth of CPU, for
# 40 minutes. Offline `simulate_group_demand` spreads it evenly over the running instances (labkit's model of a load
# balancer); on AWS run a load test against your service.

# %%
from labkit.lesson.simulate import simulate_group_demand

group_cpu = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
             "Dimensions": [{"Name": "AutoScalingGroupName", "Value": group}]}


def capacity_and_cpu_since(start: dt.datetime) -> pd.DataFrame:
    """The group's average CPU and its InService instances, minute by minute, from ``start`` to now."""
    in_service = {"Namespace": "AWS/AutoScaling", "MetricName": "GroupInServiceInstances",
                  "Dimensions": group_cpu["Dimensions"]}
    reply = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "cpu", "MetricStat": {"Metric": group_cpu, "Period": 60, "Stat": "Average"}},
            {"Id": "instances", "MetricStat": {"Metric": in_service, "Period": 60, "Stat": "Maximum"}},
        ],
        StartTime=start, EndTime=lab.clock.now(), ScanBy="TimestampAscending",
    )["MetricDataResults"]
    return pd.DataFrame({r["Id"]: pd.Series(r["Values"], index=pd.to_datetime(r["Timestamps"])) for r in reply})


def scaling_activities(start: dt.datetime) -> pd.DataFrame:
    """The group's scaling activities since ``start``, oldest first: when, what, and which alarm asked."""
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName=group)["Activities"]
    return pd.DataFrame([{
        "time": f"{a['StartTime']:%H:%M}", "activity": a["Description"].split(":")[0],
        "why": a["Cause"].split(" triggered")[0].split(" a monitor alarm ")[-1] if "monitor alarm" in a["Cause"] else "",
    } for a in reversed(activities) if a["StartTime"] > start])


sale = lab.clock.now()
if lab.offline:
    simulate_group_demand(lab, group, extra=240, minutes=40)
lab.advance(minutes=70)
tracked = capacity_and_cpu_since(sale)
scaling_activities(sale)

# %% [markdown]
# Every launch came from AlarmHigh, every termination from AlarmLow. The two together, on one time axis:

# %%
capacity_and_cpu(tracked["cpu"], tracked["instances"], threshold=50,
                 title="Target tracking at 50 %: the sale, then 15 quiet minutes before scaling in")
plt.show()

# %% [markdown]
# One instance pinned at 100 % sends AlarmHigh to ALARM after 3 minutes; the policy asks for the capacity at which the
# same load would sit at 50 % (offline, labkit's reading of "proportional to the metric"); while the new instances warm
# up it only scales out further. The CPU falls as the load spreads; after the sale the CPU drops and AlarmLow needs 15
# minutes below 45 % before the group shrinks back.

# %% [markdown]
# ## Step 5: Step scaling driven by your own CPU alarm
#
# With **step scaling** you write the alarm yourself and the policy says how much to add for *how far* the metric
# is beyond the alarm's threshold
# ([Step and simple scaling policies](https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html)):
#
# - each step's bounds are **relative to the alarm's threshold**: with a threshold of 60 %, `MetricIntervalLowerBound=0,
#   MetricIntervalUpperBound=20` is "60 % to 80 %";
# - a step policy has **no cooldown**: it keeps answering the alarm (an alarm with an Auto Scaling action invokes it
#   again while it stays in ALARM, [Alarm actions](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html)),
#   and the **instance warmup** (`EstimatedInstanceWarmup`) keeps it from counting the same step twice: instances
#   still warming up are not part of the current capacity, so a second breach in the same step adds nothing, and a
#   breach in a larger step adds only the difference;
# - `Cooldown` belongs to **simple** scaling policies, which wait for it after every activity.
#
# Target tracking and step policies on one group would both act; remove the target tracking policy first (its two
# alarms go with it), then add a scale-out and a scale-in policy and the alarms that invoke them:

# %%
if autoscaling.describe_policies(AutoScalingGroupName=group, PolicyNames=["lab-cpu-50"])["ScalingPolicies"]:
    autoscaling.delete_policy(AutoScalingGroupName=group, PolicyName="lab-cpu-50")
scale_out = autoscaling.put_scaling_policy(
    AutoScalingGroupName=group, PolicyName="lab-asg-scale-out", PolicyType="StepScaling",
    AdjustmentType="ChangeInCapacity", MetricAggregationType="Average", EstimatedInstanceWarmup=180,
    StepAdjustments=[
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},  # 60 % to 80 %
        {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},                                 # 80 % and more
    ],
)["PolicyARN"]
scale_in = autoscaling.put_scaling_policy(
    AutoScalingGroupName=group, PolicyName="lab-asg-scale-in", PolicyType="StepScaling",
    AdjustmentType="ChangeInCapacity",
    StepAdjustments=[{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}],  # 30 % and less
)["PolicyARN"]
cloudwatch.put_metric_alarm(
    AlarmName="lab-asg-cpu-high", **group_cpu, Statistic="Average", Period=60, EvaluationPeriods=2,
    Threshold=60, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[scale_out],
)
cloudwatch.put_metric_alarm(
    AlarmName="lab-asg-cpu-low", **group_cpu, Statistic="Average", Period=60, EvaluationPeriods=10,
    Threshold=30, ComparisonOperator="LessThanOrEqualToThreshold", AlarmActions=[scale_in],
)
[(p["PolicyName"], p["PolicyType"], [a["AlarmName"] for a in p["Alarms"]])
 for p in autoscaling.describe_policies(AutoScalingGroupName=group)["ScalingPolicies"]]

# %% [markdown]
# The same kind of sale again, 2 instances' worth for 30 minutes:

# %%
second_sale = lab.clock.now()
if lab.offline:
    simulate_group_demand(lab, group, extra=200, minutes=30)
lab.advance(minutes=50)
stepped = capacity_and_cpu_since(second_sale)
capacity_and_cpu(stepped["cpu"], stepped["instances"], threshold=60,
                 title="Step scaling: +2 at 80 % and more, +1 from 60 %, -1 at 30 % and less")
plt.show()
scaling_activities(second_sale)

# %% [markdown]
# Read the activities against the steps: the pinned instance (100 %, 40 above the threshold) took the **+2** step.
# With three instances the CPU stayed above 60 % and the alarm stayed in ALARM, invoking the policy every minute, but
# during the 180-second warmup the +1 step was already covered by the instances warming up; once they counted, the
# policy acted on the **newest** value (the +1 step) and a fourth instance brought the CPU below 60 %. After the sale,
# the scale-in alarm waited its 10 minutes, then removed one instance a minute: a step policy has no cooldown to wait.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** The load balancer's two alarms of Step 1 have actions of their own; a deployment makes both fire.
# Create the composite alarm `lab-page-alb` that notifies `lab-alerts` when **either** `lab-alb-error-rate` **or**
# `lab-alb-p99-latency` is in ALARM, but **not** while `lab-deploying` is in ALARM (in the rule, not with a
# suppressor). (`ex1.hint()`, `ex1.solution()`.)

# %%
from labkit.course.exercises.nb09 import big_steps_policy as ex3
from labkit.course.exercises.nb09 import cpu_anomaly_alarm as ex2
from labkit.course.exercises.nb09 import page_on_alb_trouble as ex1

# %% tags=["solution"]
cloudwatch.put_composite_alarm(
    AlarmName="lab-page-alb",
    AlarmRule='(ALARM("lab-alb-error-rate") OR ALARM("lab-alb-p99-latency")) AND NOT ALARM("lab-deploying")',
    AlarmActions=[topic_arn],
)
cloudwatch.describe_alarms(AlarmNames=["lab-page-alb"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]["StateValue"]

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** Create the anomaly detection alarm `lab-cpu-anomaly` on the batch server's `CPUUtilization`
# (`Average`, 5 minutes): in ALARM when the CPU is **above** a band 2 standard deviations wide in **3 of 5**
# periods, notifying `lab-alerts`.

# %% tags=["solution"]
cloudwatch.put_metric_alarm(
    AlarmName="lab-cpu-anomaly",
    Metrics=[
        {"Id": "m1", "MetricStat": {"Metric": cpu_metric, "Period": 300, "Stat": "Average"}, "ReturnData": True},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "CPU expected"},
    ],
    ThresholdMetricId="ad1", ComparisonOperator="GreaterThanUpperThreshold",
    EvaluationPeriods=5, DatapointsToAlarm=3, AlarmActions=[topic_arn],
)
cloudwatch.describe_alarms(AlarmNames=["lab-cpu-anomaly"])["MetricAlarms"][0]["StateValue"]

# %%
ex2.check(lab)

# %% [markdown]
# **Exercise 3.** The sale of Step 5 needed several minutes to catch up. Create the step scaling policy
# `lab-asg-big-steps` on `lab-web-asg`: with the alarm `lab-asg-cpu-high` (threshold 60 %), add **1** instance while
# the CPU is from 60 % to below 80 % and **3** instances from 80 % up (`ChangeInCapacity`), and count a new instance
# in the group's CPU after **120 seconds** of warmup (a step policy has no cooldown). Make `lab-asg-cpu-high` invoke
# it instead of `lab-asg-scale-out`.

# %% tags=["solution"]
big_steps = autoscaling.put_scaling_policy(
    AutoScalingGroupName=group, PolicyName="lab-asg-big-steps", PolicyType="StepScaling",
    AdjustmentType="ChangeInCapacity", EstimatedInstanceWarmup=120,
    StepAdjustments=[
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
        {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 3},
    ],
)["PolicyARN"]
cloudwatch.put_metric_alarm(
    AlarmName="lab-asg-cpu-high", **group_cpu, Statistic="Average", Period=60, EvaluationPeriods=2,
    Threshold=60, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[big_steps],
)
cloudwatch.describe_alarms(AlarmNames=["lab-asg-cpu-high"])["MetricAlarms"][0]["AlarmActions"][0].rsplit("/", 1)[-1]

# %%
ex3.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("09")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit.lesson.checks import Checks

checks = Checks("09-alarms-that-scale-and-stay-quiet")
checks.that(any(row["lab-alb-error-rate"] == "ALARM" for row in states), "the error-rate alarm fired on the 5XX burst")
checks.that(any(row["lab-alb-p99-latency"] == "ALARM" for row in states), "the p99 alarm fired on the slow minutes")
checks.that(page_only["lab-web-availability"] == "ALARM" and page_only["lab-page-web-down"] == "OK",
            "the page failing alone did not page")
checks.that(both["lab-page-web-down"] == "ALARM", "CPU high and the page down together paged")
checks.that(any(row["ActionsSuppressedBy"] == "Alarm" for row in during), "the deployment suppressed the page")
band_3_of_5 = comparison.loc[("band, 2 std devs", "3 of 5")]
checks.that(comparison.loc[("static 80 %", "1 of 1"), "false alarms (batch nights)"] > 0
            and band_3_of_5["false alarms (batch nights)"] == 0,
            "the backtest shows the batch nights' false alarms, and the band with 3 of 5 without them")
checks.that(pd.notna(band_3_of_5["minutes to detect the runaway"]), "the band with 3 of 5 caught the runaway")
checks.that(not lab.offline or (night[1]["mute rule"] == "ACTIVE" and night[1]["lab-cpu-static-80"] == "ALARM"
                                and night[-1]["emails since 01:55"] == 0),
            "the mute rule: lab-cpu-static-80 went to ALARM in the batch window and emailed nobody")
checks.that(not ex1.problems(lab), "exercise 1: lab-page-alb pages on ALB trouble, not during a deployment")
checks.that(len(managed) == 2 and all(a["AlarmName"].startswith("TargetTracking-lab-web-asg-") for a in managed),
            "target tracking created its two alarms, AlarmHigh and AlarmLow")
checks.that(tracked["instances"].max() > 1 and tracked["instances"].iloc[-1] < tracked["instances"].max(),
            "target tracking scaled out for the sale and back in after it")
checks.that(tracked["cpu"].iloc[0] > 95 and tracked["cpu"].iloc[10:35].max() < 60,
            "the load spread over the new instances: the CPU fell")
checks.that(stepped["instances"].max() >= 3 and stepped["instances"].iloc[-1] == 1,
            "the step policies scaled out on lab-asg-cpu-high and back to one instance on lab-asg-cpu-low")
checks.that(not ex2.problems(lab), "exercise 2: lab-cpu-anomaly alarms above the band, 3 of 5")
checks.that(not ex3.problems(lab), "exercise 3: lab-asg-big-steps adds 1 then 3 instances, 120-second warmup")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - Alarm on **rates** with metric math (`100 * FILL(errors, 0) / requests`) and on **percentiles** (p99) for
#   latency: counts and averages hide the problem.
# - A **composite alarm** pages once, when the conditions that matter hold together; its children stay silent.
#   `ActionsSuppressor` keeps it quiet during a deployment, and `ActionsSuppressedBy` says why it was quiet.
# - An **anomaly detection band** is a threshold that follows the server's rhythm; it still needs M of N, and it
#   catches what a static threshold cannot (a problem below 80 %). Offline, the band is labkit's model, not AWS's.
# - An **alarm mute rule** mutes the actions of the alarms it names in a scheduled window (`cron(...)`, `Duration`,
#   `Timezone`): the alarm still changes state, and its history shows it. It fits noise at a known hour; the band,
#   noise at any hour.
# - **Alarms that scale**: a target tracking policy creates and manages its own alarms (AlarmHigh fast, AlarmLow slow);
#   a step scaling policy answers your alarm with steps relative to its threshold and an instance warmup instead of a
#   cooldown. The CPU falls as instances join; scaling in waits for a long quiet spell.
# - Next: the course's remaining notebooks, listed on the start page.

# %% [markdown]
# ## Clean up

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
