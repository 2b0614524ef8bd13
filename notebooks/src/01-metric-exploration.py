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
# # 01 · Metric exploration: what EC2 tells CloudWatch by itself
#
# The article's hands-on half starts in the CloudWatch console: *Metrics → search the instance id*, and
# "about 14 kinds of EC2 metrics" appear — `CPUUtilization`, `DiskWriteBytes`, `NetworkIn`, …
# This notebook does the same with boto3, reads the numbers into pandas, and looks at what is *not* there
# (memory, disk usage) and how a custom metric fills the gap.

# %% [markdown]
# ## Objectives
#
# - List an instance's metrics with `list_metrics` and compare with the article's "about 14".
# - Read datapoints with `get_metric_statistics` and `get_metric_data`, into pandas, and plot them.
# - Explain basic vs detailed monitoring: the period, and what detailed monitoring costs.
# - Tell statistics (Average, Maximum, …) from percentiles (p90, p99), and when each is the right choice.
# - Explain why memory and disk usage are not default EC2 metrics, and publish a custom metric in the
#   CloudWatch agent's `CWAgent` namespace.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 00 (lab, lab time, teardown). Nothing from it has to exist: this notebook launches its own instance.
# - About 25 minutes.
# - **Cost on a real account** (`LABKIT_BACKEND=aws`): two `t3.micro` instances while the notebook runs
#   (about $0.0136/hour each in Tokyo, on-demand Linux), plus detailed monitoring on one of them (see Step 4).
#   `labkit.lesson.ec2.launch` refuses to launch on AWS unless you pass `confirm_cost=True`.

# %% [markdown]
# ## Setup

# %%
import labkit

lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("01")

# %% [markdown]
# ## Step 1: An instance that has been running for a week
#
# `labkit.lesson.prereqs.lab_instance` launches the course's web server (`run_instances`, tagged `Name=lab-web`)
# with **basic monitoring**, the default. Offline, it also backfills a week of metric history, as if the
# server had been serving a Tokyo office for a while (busy weekday afternoons, quiet nights and weekend).

# %%
import datetime as dt

from labkit.lesson import prereqs

instance = prereqs.lab_instance(lab, instance_type="t3.micro", pattern="daily", history_days=7)
ec2 = lab.client("ec2")
described = ec2.describe_instances(InstanceIds=[instance.instance_id])["Reservations"][0]["Instances"][0]
print("type:", described["InstanceType"], "| state:", described["State"]["Name"],
      "| monitoring:", described["Monitoring"]["State"])
print("lab time:", lab.clock.now())

# %% [markdown]
# `monitoring: disabled` means *basic* monitoring: EC2 still publishes its metrics, every 5 minutes, for free.

# %% [markdown]
# ## Step 2: Find the instance's metrics
#
# In the console you type the instance id into the metrics search box. The API equivalent is
# `list_metrics` filtered on the `InstanceId` dimension. (It pages with `NextToken` after 500 metrics;
# one instance has far fewer.)

# %%
cloudwatch = lab.client("cloudwatch")
found = cloudwatch.list_metrics(Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}])["Metrics"]
names = sorted(m["MetricName"] for m in found)
print(len(names), "metrics in", {m["Namespace"] for m in found})
names

# %% [markdown]
# The article said "about 14", and that is what most instance types show: CPU, the four network and four
# disk metrics, the status checks (`StatusCheckFailed` and its `_Instance`, `_System` and `_AttachedEBS`
# parts) and `MetadataNoToken` (calls to the instance metadata service without an IMDSv2 token).
# A `t3.micro` adds four **CPU credit** metrics, because T instances are *burstable*: they earn credits
# while idle and spend them above their baseline — so this one shows 18 offline. (On AWS, Nitro-based types
# such as T3 also report `EBS*` metrics for their attached volumes in `AWS/EC2`; the lab does not model them.)
#
# Two surprises worth knowing for the exam:
#
# - The `Disk*` metrics cover **instance store** volumes only. An EBS-only instance such as this one
#   reports zeros there (or nothing); EBS volumes have their own metrics in the `AWS/EBS` namespace (by `VolumeId`).
# - Nothing about **memory** or **disk space** — see Step 6.
#
# Sources: "CloudWatch metrics that are available for your instances",
# <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html>.

# %% [markdown]
# ## Step 3: Read the datapoints into pandas
#
# `get_metric_statistics` asks for one metric, one or more statistics, over a time range cut into periods.
# Here: the last hour of CPU, in 5-minute periods. Datapoints come back in no particular order, so sort them.

# %%
import pandas as pd

now = lab.clock.now()
reply = cloudwatch.get_metric_statistics(
    Namespace="AWS/EC2",
    MetricName="CPUUtilization",
    Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
    StartTime=now - dt.timedelta(hours=1),
    EndTime=now,
    Period=300,
    Statistics=["Average", "Minimum", "Maximum", "SampleCount"],
)
last_hour = pd.DataFrame(reply["Datapoints"]).set_index("Timestamp").sort_index()
last_hour.round(2)

# %% [markdown]
# `SampleCount` is 5: each 5-minute datapoint summarises five one-minute samples. One call may return at most
# **1,440 datapoints**; a week in 5-minute periods is 2,016, and CloudWatch says no:

# %%
try:
    cloudwatch.get_metric_statistics(
        Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=instance.dimensions,
        StartTime=now - dt.timedelta(days=7), EndTime=now, Period=300, Statistics=["Average"],
    )
except cloudwatch.exceptions.InvalidParameterCombinationException as error:
    print(error.response["Error"]["Code"], "-", error.response["Error"]["Message"])

# %% [markdown]
# `get_metric_data` is the modern call: up to 500 metrics and 100,800 datapoints per call, pages with
# `NextToken`, and can compute metric math. Each query has an `Id` and a `MetricStat` (metric, period, stat).

# %%
reply = cloudwatch.get_metric_data(
    MetricDataQueries=[
        {
            "Id": "cpu",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": instance.dimensions},
                "Period": 300,
                "Stat": "Average",
            },
        },
    ],
    StartTime=now - dt.timedelta(days=7),
    EndTime=now,
    ScanBy="TimestampAscending",
)
result = reply["MetricDataResults"][0]
print(result["Id"], result["StatusCode"], len(result["Values"]), "datapoints")
cpu_week = pd.Series(result["Values"], index=pd.DatetimeIndex(result["Timestamps"]), name="CPUUtilization")
cpu_week.describe().round(2)

# %% [markdown]
# `labkit.lesson.metrics.frame` wraps that call (one query per metric, every page) and returns a DataFrame indexed by
# period start; `labkit.lesson.metrics.series` does the same for one metric. Here are CPU and network for the week,
# in Tokyo time so that the working days show where you expect them.

# %%
import matplotlib.pyplot as plt

from labkit.lesson import metrics

week = {"start": now - dt.timedelta(days=7), "end": now, "period": 300}
cpu = metrics.series(lab, "CPUUtilization", instance.dimensions, **week).tz_convert("Asia/Tokyo")
network = metrics.frame(lab, ["NetworkIn", "NetworkOut"], instance.dimensions, stat="Sum", **week).tz_convert("Asia/Tokyo")
fig, (ax_cpu, ax_net) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
ax_cpu.plot(cpu.index, cpu, lw=0.8)
ax_cpu.set_ylabel("CPU % (Average)")
ax_net.plot(network.index, network["NetworkIn"] / 1e6, lw=0.8, label="NetworkIn")
ax_net.plot(network.index, network["NetworkOut"] / 1e6, lw=0.8, label="NetworkOut")
ax_net.set_ylabel("MB per 5 min (Sum)")
ax_net.legend(loc="upper left")
ax_cpu.set_title("lab-web, last 7 days (Asia/Tokyo)")
fig.autofmt_xdate()
plt.show()

# %% [markdown]
# Network metrics count **bytes**: their `Sum` over a period is the traffic in that period, so the same traffic
# reads five times larger with a 5-minute period than with a 1-minute one. For a rate, divide the `Sum` by the
# period (bytes per second = Sum / 300 with basic monitoring), as the EC2 metric list explains.

# %% [markdown]
# ## Step 4: Basic vs detailed monitoring
#
# | | basic (default) | detailed |
# | --- | --- | --- |
# | period EC2 publishes | 5 minutes | 1 minute |
# | how to turn on | — | `run_instances(Monitoring={"Enabled": True})` or `ec2.monitor_instances(...)` |
# | cost | free | each metric is billed like a custom metric |
#
# The article says detailed monitoring goes down to *seconds*; it goes down to **one minute**. Seconds
# (high resolution, `StorageResolution=1`) exist only for metrics you publish yourself.
#
# **Cost.** The CloudWatch pricing page (<https://aws.amazon.com/cloudwatch/pricing/>, read on 2026-11-26)
# includes "10 Metrics (of Custom Metrics and Detailed Monitoring Metrics)" in the free tier; beyond it, every
# detailed-monitoring metric is billed per metric-month like a custom metric, prorated by the hour
# (the first paid tier is $0.30 per metric-month in US East; Tokyo's price is on the same page). Basic
# monitoring metrics are free. Check the page before you turn detailed monitoring on everywhere.
#
# A second instance with detailed monitoring, with the last 30 minutes of history, shows the difference:

# %%
from labkit.lesson.ec2 import launch

detailed = launch(lab, instance_type="t3.micro", detailed=True, pattern="daily", history_days=30 / 1440)
half_hour = {"start": now - dt.timedelta(minutes=30), "end": now}
basic_cpu = metrics.series(lab, "CPUUtilization", instance.dimensions, period=60, **half_hour)
detailed_cpu = metrics.series(lab, "CPUUtilization", detailed.dimensions, period=60, **half_hour)
print("datapoints in 30 minutes (asking for 1-minute periods):")
print("  basic:   ", basic_cpu.count())
print("  detailed:", detailed_cpu.count())

# %% [markdown]
# Asking for 1-minute periods does not make basic monitoring finer: you get one datapoint per 5 minutes
# and empty minutes in between. With detailed monitoring, a 5-minute spike is five datapoints — and an alarm
# can react in one minute instead of five.

# %% [markdown]
# ## Step 5: Statistics and percentiles
#
# A **statistic** summarises a period's samples: `Average`, `Minimum`, `Maximum`, `Sum`, `SampleCount`.
# A **percentile** `pNN` is the value that NN % of the samples are at or below: `p90` ignores the top 10 %.
# Percentiles need the raw values (CloudWatch cannot compute them from a pre-summarised *statistic set*),
# and are not available when any value is negative. `get_metric_statistics` takes them as
# `ExtendedStatistics`, separately from `Statistics` — one or the other in a call, not both.

# %%
day_end = now.replace(minute=0)
day_start = day_end - dt.timedelta(days=1)
reply = cloudwatch.get_metric_statistics(
    Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=instance.dimensions,
    StartTime=day_start, EndTime=day_end, Period=3600, ExtendedStatistics=["p50", "p90", "p99"],
)
percentiles = pd.DataFrame(
    {p["Timestamp"]: p["ExtendedStatistics"] for p in reply["Datapoints"]}
).T.sort_index()
averages = metrics.series(lab, "CPUUtilization", instance.dimensions, start=day_start, end=day_end, period=3600)
maxima = metrics.series(lab, "CPUUtilization", instance.dimensions, start=day_start, end=day_end, period=3600, stat="Maximum")
hourly_stats = percentiles.assign(Average=averages.to_numpy(), Maximum=maxima.to_numpy())
hourly_stats.tz_convert("Asia/Tokyo").round(1).iloc[::3]

# %% [markdown]
# Reading the table: `Average` and `p50` are close when the load is steady; `Maximum` is one sample, so
# one busy minute moves it; `p90`/`p99` sit between. For a CPU alarm the 5-minute **Average** (the article's
# choice) is a good default; for latency, percentiles are the norm (an average hides the slow 1 %).
#
# > **moto and percentiles.** moto 5.2 silently drops `ExtendedStatistics` from `get_metric_statistics`
# > and fails on a percentile `Stat` in `get_metric_data`. The offline lab answers both calls from moto's
# > stored datapoints (`labkit/emulator/cloudwatch_metrics.py`), following the rules of the
# > GetMetricStatistics API reference. Against AWS, the same cells are answered by CloudWatch itself.

# %% [markdown]
# ## Step 6: Memory and disk usage — custom metrics
#
# EC2's metrics are measured by the **hypervisor**, from outside the guest: it sees CPU time, network packets
# and block I/O, but not how the operating system uses its memory or how full a file system is. Those come
# from inside, from the **CloudWatch agent** (notebook 04), which publishes them as *custom metrics* in the
# `CWAgent` namespace: `mem_used_percent` (dimension `InstanceId`), `disk_used_percent` (dimensions
# `InstanceId`, `path`, `device`, `fstype`), … The article's closing remark — memory and processes need
# custom metrics — is exactly this.
#
# A custom metric is one `put_metric_data` call. Here is what the agent would send for memory, every minute:

# %%
memory = [41.2, 41.5, 42.0, 43.1, 42.7]
cloudwatch.put_metric_data(
    Namespace="CWAgent",
    MetricData=[
        {
            "MetricName": "mem_used_percent",
            "Dimensions": [{"Name": "InstanceId", "Value": instance.instance_id}],
            "Timestamp": now - dt.timedelta(minutes=5 - minute),
            "Value": value,
            "Unit": "Percent",
        }
        for minute, value in enumerate(memory)
    ],
)
found = cloudwatch.list_metrics(Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}])["Metrics"]
print(len(found), "metrics now;", [(m["Namespace"], m["MetricName"]) for m in found if m["Namespace"] == "CWAgent"])

# %% [markdown]
# Searching the instance id now finds 19 metrics: the same id in another namespace. Two rules to remember:
#
# - Namespaces starting with `AWS/` belong to AWS services; `put_metric_data` into `AWS/EC2` is refused.
# - Custom metrics cost money (same price as detailed monitoring) and **cannot be deleted**: a metric expires
#   15 months after its last datapoint. That is why this notebook's teardown has nothing to do for them.

# %%
try:
    cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "mem_used_percent", "Value": 42.0}])
except cloudwatch.exceptions.InvalidParameterValueException as error:
    print(error.response["Error"]["Code"], "-", error.response["Error"]["Message"])

# %% [markdown]
# ## Exercises
#
# **Exercise 1: the busiest hour.** Over the week from `week_start` to `week_end` (defined in the next cell),
# find the hour with the highest **average** `CPUUtilization` of `lab-web`. Publish the answer as one datapoint of
# a custom metric: namespace `Lab/Exploration`, metric `BusiestHourCPU`, dimension `InstanceId` = the instance,
# `Timestamp` = the start of that hour, `Value` = its average CPU, unit `Percent`. The check reads your datapoint
# back from CloudWatch and recomputes the answer.
# `ex1.hint()` gives a hint; `ex1.solution()` shows an answer.

# %%
from labkit.course.exercises.nb01 import busiest_hour as ex1

week_end = lab.clock.now().replace(minute=0, second=0, microsecond=0)
week_start = week_end - dt.timedelta(days=7)

# %% tags=["solution"]
hourly = labkit.lesson.metrics.series(lab, "CPUUtilization", instance.dimensions, start=week_start, end=week_end, period=3600)
cloudwatch.put_metric_data(
    Namespace="Lab/Exploration",
    MetricData=[{
        "MetricName": "BusiestHourCPU", "Dimensions": instance.dimensions,
        "Timestamp": hourly.idxmax().to_pydatetime(), "Value": float(hourly.max()), "Unit": "Percent",
    }],
)
print("busiest hour:", hourly.idxmax().tz_convert("Asia/Tokyo"), f"average CPU {hourly.max():.2f} %")

# %%
ex1.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("01")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("01-metric-exploration")
ec2_names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="AWS/EC2", Dimensions=instance.dimensions)["Metrics"]}
checks.that({"CPUUtilization", "NetworkIn", "DiskWriteBytes"} <= ec2_names, "the article's example metrics are listed")
checks.that(len(cpu_week) == 7 * 24 * 12, "a week of 5-minute CPU datapoints was read with get_metric_data")
checks.that(detailed_cpu.count() == 5 * basic_cpu.count(), "detailed monitoring gives five times the datapoints")
checks.that((hourly_stats["Maximum"] >= hourly_stats["p90"]).all(), "p90 never exceeds the Maximum")
checks.that(not ex1.problems(lab), "exercise 1: the busiest hour is published")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - An instance's metrics are found by its `InstanceId` dimension: about 14 in `AWS/EC2` (18 on burstable T types).
# - `get_metric_statistics` reads one metric (≤ 1,440 datapoints); `get_metric_data` reads many, pages, and does math.
# - Basic monitoring is 5-minute and free; detailed is 1-minute and billed per metric; seconds are for custom metrics.
# - Statistics summarise a period; percentiles need raw values and suit latency-like metrics.
# - Memory and disk space are invisible to the hypervisor: the CloudWatch agent publishes them into `CWAgent`.
# - Next: **02 · CPU alarm** — the article's "CPU above 80 % → email" alarm, end to end.

# %% [markdown]
# ## Clean up
#
# Teardown terminates both instances. Custom metrics cannot be deleted; they expire on their own.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
