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
# # 07 · Liveness, URL monitoring, dashboards — and beyond EC2
#
# The article's first two kinds of monitoring are 死活監視 — *is the server breathing?*, usually a ping —
# and サービス/URL監視 — *the server breathes, but the page answers 503*. It ends by reminding us that a real
# system also has load balancers and databases to watch. This notebook builds all three, then puts them on one
# CloudWatch dashboard.

# %% [markdown]
# ## Objectives
#
# - Read EC2's two **status checks** (system and instance) with `describe_instance_status` and their
#   `StatusCheckFailed_*` metrics, and say why ping alone is not enough.
# - Create an alarm on `StatusCheckFailed_System` with the **recover** action, and watch it recover an instance.
# - Monitor a page from outside with a **synthetic check** (the canary metrics `SuccessPercent` and `Duration`),
#   and alarm on a 503 while every status check passes; know the Route 53 health check and its us-east-1 pitfall.
# - Create the alarms CloudWatch **recommends** for an Application Load Balancer and an RDS database from one table.
# - Build a **dashboard** (`put_dashboard`) from a JSON body, check it, and draw it.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 02 (an alarm that emails through SNS) helps; what this notebook needs from it is made by
#   `labkit.lesson.prereqs`. About 40 minutes.
# - Offline (the default) nothing costs anything. **On a real account** (`LABKIT_BACKEND=aws`) this notebook
#   launches a t3.micro (about $0.0136 an hour in Tokyo), creates 14 standard alarms ($0.10 per alarm per
#   month, prorated), one dashboard (the first three are free, then $3 per month) — see
#   [CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/) — and one Route 53 health check of an AWS
#   endpoint ($0.50 per month, prorated; [Route 53 pricing](https://aws.amazon.com/route53/pricing/)).
#   Teardown at the end deletes all of it.

# %% [markdown]
# ## Setup

# %%
import labkit

lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("07")

# %% [markdown]
# The alert topic of notebook 02 (with your address subscribed and confirmed) and the course's web server
# instance come from `labkit.lesson.prereqs`. On AWS, `lab_instance` refuses to launch until you pass
# `confirm_cost=True` after reading the price it shows.

# %%
from labkit.lesson.prereqs import alerts_topic, lab_instance

topic_arn = alerts_topic(lab)
instance = lab_instance(lab, confirm_cost=False)
cloudwatch = lab.client("cloudwatch")
ec2 = lab.client("ec2")
print("instance type:", instance.instance_type, "| launched at", f"{lab.clock.now():%H:%M} UTC")

# %% [markdown]
# ## Step 1: Liveness — is the server breathing?
#
# A **ping** is an ICMP echo: the operating system's kernel answers it, whatever the web server is doing. It says
# the machine is on the network — not that the page works — and security groups often drop ICMP anyway.
#
# For every running instance EC2 itself runs two **status checks**, every minute
# ([Status checks for Amazon EC2 instances](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html)):
#
# | check | what fails it | who fixes it |
# | --- | --- | --- |
# | **system** status check | the AWS host: loss of power or network, hardware or host software | AWS — or you, by moving the instance (recover, or stop and start) |
# | **instance** status check | the guest: a failed kernel, exhausted memory, broken network configuration, a full disk | you — often a reboot |
#
# `describe_instance_status` reports both (`ok` or `impaired`, with a `reachability` detail).

# %%
statuses = ec2.describe_instance_status(InstanceIds=[instance.instance_id])["InstanceStatuses"]
for status in statuses:
    print("state:                ", status["InstanceState"]["Name"])
    print("system status check:  ", status["SystemStatus"]["Status"], status["SystemStatus"]["Details"])
    print("instance status check:", status["InstanceStatus"]["Status"], status["InstanceStatus"]["Details"])

# %% [markdown]
# The same checks are CloudWatch metrics in `AWS/EC2`: `StatusCheckFailed_System`, `StatusCheckFailed_Instance`,
# `StatusCheckFailed_AttachedEBS` and `StatusCheckFailed` (any of them), 0 while the check passes and 1 when it
# fails. They come **every minute even at basic monitoring**, at no charge
# ([Instance metrics](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics)).

# %%
import datetime as dt

lab.advance(minutes=5)
points = cloudwatch.get_metric_statistics(
    Namespace="AWS/EC2", MetricName="StatusCheckFailed_System",
    Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
    StartTime=lab.clock.now() - dt.timedelta(minutes=5), EndTime=lab.clock.now(),
    Period=60, Statistics=["Maximum"],
)["Datapoints"]
[(f"{p['Timestamp']:%H:%M}", p["Maximum"]) for p in sorted(points, key=lambda p: p["Timestamp"])]

# %% [markdown]
# ## Step 2: Recover the instance when its host fails
#
# An alarm on `StatusCheckFailed_System` can carry the EC2 action **recover**,
# `arn:aws:automate:<region>:ec2:recover`
# ([Add recover actions to CloudWatch alarms](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/UsingAlarmActions.html#AddingRecoverActions)):
#
# - Recovery moves the instance onto **new hardware**. The recovered instance keeps its instance ID, private and
#   Elastic IP addresses and all its metadata; it reboots, so what was in memory is lost.
# - It works only with `StatusCheckFailed_System` (not `_Instance`), on instances that use **EBS storage only**
#   (no instance store), and on the supported instance types — T2, T3, T3a, T4g, M5, C5, R5 and many more
#   ([Recover your instance](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-recover.html)).
#   A terminated instance cannot be recovered.
# - AWS recommends **two evaluation periods of one minute** for recover alarms and three for reboot alarms, so
#   the two actions never race.
#
# An alarm can list an SNS topic next to the EC2 action, so you also hear about it.

# %%
cloudwatch.put_metric_alarm(
    AlarmName="lab-web-recover",
    AlarmDescription="Recover the instance onto new hardware when its system status check fails",
    Namespace="AWS/EC2",
    MetricName="StatusCheckFailed_System",
    Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
    Statistic="Minimum",
    Period=60,
    EvaluationPeriods=2,
    Threshold=0,
    ComparisonOperator="GreaterThanThreshold",
    AlarmActions=[f"arn:aws:automate:{lab.region}:ec2:recover", topic_arn],
)
lab.advance(minutes=2)
cloudwatch.describe_alarms(AlarmNames=["lab-web-recover"])["MetricAlarms"][0]["StateValue"]

# %% [markdown]
# Now the host fails. Offline you can order that: `instance.impair("system", at=...)` makes the system check fail
# from that minute on. (On AWS you cannot break AWS's hardware on purpose; the cell does nothing there.)

# %%
if lab.offline:
    instance.impair("system", at=lab.clock.now())
lab.advance(minutes=1)
status = ec2.describe_instance_status(InstanceIds=[instance.instance_id])["InstanceStatuses"][0]
print("system status check:  ", status["SystemStatus"]["Status"],
      [(d["Name"], d["Status"], f"{d['ImpairedSince']:%H:%M}" if "ImpairedSince" in d else "") for d in status["SystemStatus"]["Details"]])
print("instance status check:", status["InstanceStatus"]["Status"])

# %% [markdown]
# The alarm needs two failing minutes. Let lab time pass until it has gone to ALARM and — the instance recovered —
# back to OK, then read its history.

# %%
def recover_alarm_history() -> list[str]:
    items = cloudwatch.describe_alarm_history(
        AlarmName="lab-web-recover", HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )["AlarmHistoryItems"]
    return [f"{item['Timestamp']:%H:%M}  {item['HistorySummary']}" for item in items]


lab.wait_until(lambda: any("ALARM to OK" in line for line in recover_alarm_history()), timeout=15,
               description="the recover alarm going back to OK")
print("\n".join(recover_alarm_history()))

# %% [markdown]
# What the alarm's actions did: the recover action moved the instance (offline, labkit records it), and the topic
# sent you an email each time the state changed.

# %%
from labkit.lesson.ec2 import alarm_actions

if lab.offline:
    for action in alarm_actions(lab):
        print(f"{action.when:%H:%M}  {action.alarm_name}: {action.action} -> {action.outcome}")
    print(lab.inbox)

# %% [markdown]
# ## Step 3: Service/URL monitoring — the page answers 503
#
# 外形監視 looks at the service from outside, as a user does. To have a page to break, labkit starts a small web
# server **on 127.0.0.1 in this notebook's kernel** (a port the system picks; it stops at teardown). It can be
# told to `fail(503)`, to `slow(seconds)`, and to `heal()`.

# %%
import urllib.error
import urllib.request

from labkit.lesson import web

server = web.serve(lab)
with urllib.request.urlopen(server.url, timeout=5) as reply:
    print(reply.status, reply.read().decode().strip()[-40:])

# %% [markdown]
# Break the page, and compare a liveness check (can we open a TCP connection?) with a page check (does `GET /`
# answer 200?):

# %%
server.fail(503)
print("TCP connect — is it breathing?", web.tcp_check(server.url))
try:
    urllib.request.urlopen(server.url, timeout=5)
except urllib.error.HTTPError as error:
    print("HTTP GET — does the page work?", error.code, error.reason)
server.heal()

# %% [markdown]
# That is the article's case: the server breathes, the service is down. To watch it all the time AWS offers two
# outside-in checks:
#
# - **CloudWatch Synthetics canaries** run a script (at most once a minute) and publish to the namespace
#   `CloudWatchSynthetics`, dimension `CanaryName`: `SuccessPercent` (the percentage of runs that succeeded),
#   `Duration` (milliseconds), `Failed`, `2xx`/`4xx`/`5xx`
#   ([CloudWatch metrics published by canaries](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Canaries_metrics.html)).
#   A run costs about $0.0012, so a canary every minute is about $52 a month.
# - **Route 53 health checks** (Step 4) — cheaper for a plain URL, with their own pitfall.
#
# Offline, `labkit.lesson.synthetics.watch` runs a canary-like check of our server once per lab minute — a real HTTP
# request, to loopback only — and publishes the canary metrics. (On AWS a canary runs in AWS and cannot reach
# your laptop, so the cell does nothing there.)

# %%
from labkit.lesson import synthetics

if lab.offline:
    canary = synthetics.watch(lab, "lab-web-canary", server.url)

# %% [markdown]
# The alarm: the page is down when fewer than 100 % of the runs succeed for two minutes in a row. A canary that
# does not run at all is also a failure, so missing data counts as breaching.

# %%
cloudwatch.put_metric_alarm(
    AlarmName="lab-web-availability",
    AlarmDescription="The page answers with an error, or not at all",
    Namespace="CloudWatchSynthetics",
    MetricName="SuccessPercent",
    Dimensions=[{"Name": "CanaryName", "Value": "lab-web-canary"}],
    Statistic="Average",
    Period=60,
    EvaluationPeriods=2,
    DatapointsToAlarm=2,
    Threshold=100,
    ComparisonOperator="LessThanThreshold",
    TreatMissingData="breaching",
    AlarmActions=[topic_arn],
    OKActions=[topic_arn],
)
lab.advance(minutes=3)
cloudwatch.describe_alarms(AlarmNames=["lab-web-availability"])["MetricAlarms"][0]["StateValue"]

# %% [markdown]
# Now the application breaks while the server stays up:

# %%
failed_at = lab.clock.now()
server.fail(503)
lab.advance(minutes=3)
state = cloudwatch.describe_alarms(AlarmNames=["lab-web-availability"])["MetricAlarms"][0]["StateValue"]
worst = cloudwatch.get_metric_statistics(
    Namespace="AWS/EC2", MetricName="StatusCheckFailed",
    Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
    StartTime=failed_at, EndTime=lab.clock.now(), Period=60, Statistics=["Maximum"],
)["Datapoints"]
print("lab-web-availability:", state)
print("StatusCheckFailed in the same minutes:", sorted({p["Maximum"] for p in worst}))
if lab.offline:
    for run in canary.runs[-4:]:
        print(f"  canary run {run.when:%H:%M}: HTTP {run.status}, success={run.success}")
    print(lab.inbox.notifications()[-1].subject)

# %% [markdown]
# Every status check passed — liveness monitoring alone would have stayed silent — while the URL check caught the
# 503 and emailed you. Heal the page and the alarm goes back to OK (with an OK email, because of `OKActions`).

# %%
server.heal()
lab.advance(minutes=2)
cloudwatch.describe_alarms(AlarmNames=["lab-web-availability"])["MetricAlarms"][0]["StateValue"]

# %% [markdown]
# ## Step 4: Route 53 health checks, and the us-east-1 pitfall
#
# A Route 53 health check probes an endpoint from health checkers around the world (every 30 s, or 10 s at extra
# cost) and is unhealthy after `FailureThreshold` failures in a row. It costs $0.50 a month for an AWS endpoint
# ([Route 53 pricing](https://aws.amazon.com/route53/pricing/)). Here it points at the instance's public address,
# port 80. (On AWS nothing listens there on the lab instance, so the check reports unhealthy — which is what
# health checks are for.)

# %%
route53 = lab.client("route53")
described = ec2.describe_instances(InstanceIds=[instance.instance_id])["Reservations"][0]["Instances"][0]
health_check = route53.create_health_check(
    CallerReference=f"lab-web-{lab.clock.now():%Y%m%d%H%M%S}",
    HealthCheckConfig={
        "Type": "HTTP",
        "IPAddress": described["PublicIpAddress"],
        "Port": 80,
        "ResourcePath": "/",
        "RequestInterval": 30,
        "FailureThreshold": 3,
    },
)["HealthCheck"]
health_check_id = health_check["Id"]
{key: health_check["HealthCheckConfig"][key] for key in ("Type", "Port", "ResourcePath", "RequestInterval", "FailureThreshold")}

# %% [markdown]
# **The pitfall.** Route 53 is a global service, and its health-check metrics (`HealthCheckStatus`: 1 healthy,
# 0 unhealthy, in `AWS/Route53`) are published **only in US East (N. Virginia), us-east-1**
# ([Monitoring health checks using CloudWatch](https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html)).
# An alarm created with your usual Tokyo client never sees a datapoint. Create it with a us-east-1 client — and
# remember that its SNS actions must then be a topic in us-east-1 too (this one has none).

# %%
cloudwatch_us_east_1 = lab.client("cloudwatch", region="us-east-1")
cloudwatch_us_east_1.put_metric_alarm(
    AlarmName="lab-web-route53-health",
    AlarmDescription="The Route 53 health check of lab-web is unhealthy",
    Namespace="AWS/Route53",
    MetricName="HealthCheckStatus",
    Dimensions=[{"Name": "HealthCheckId", "Value": health_check_id}],
    Statistic="Minimum",
    Period=60,
    EvaluationPeriods=1,
    Threshold=1,
    ComparisonOperator="LessThanThreshold",
)
for region, client in ((lab.region, cloudwatch), ("us-east-1", cloudwatch_us_east_1)):
    found = client.describe_alarms(AlarmNamePrefix="lab-web-route53")["MetricAlarms"]
    print(f"{region:15} {[alarm['AlarmName'] for alarm in found]}")

# %% [markdown]
# ## Step 5: Beyond EC2 — the alarms AWS recommends for a load balancer and a database
#
# The article closes: *besides EC2 there are load balancers, RDS and more to watch*. CloudWatch publishes
# [Recommended alarms](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html)
# for each service: which metric, which statistic, period, how many of how many datapoints, and — where one value
# fits everyone — the threshold. `labkit.lesson.recommended.ALARMS` holds those for an Application Load Balancer and an
# RDS instance; where the page says the threshold "depends on your situation", the table says which value the lab
# chose.

# %%
import pandas as pd

from labkit.lesson import recommended

pd.set_option("display.max_colwidth", None)  # whole sentences in the table, never cut with "…"
recommended.table()

# %% [markdown]
# Offline there is no load balancer or database to create, so labkit **simulates** one of each: only their metrics
# exist, published every minute in `AWS/ApplicationELB` and `AWS/RDS` with the real dimensions. On AWS, put your
# own resources' names in `dimensions`.

# %%
from labkit.lesson import simulated

if lab.offline:
    alb = simulated.load_balancer(lab, "lab-alb")
    db = simulated.database(lab, "lab-db")
    dimensions = {"LoadBalancer": alb.load_balancer, "TargetGroup": alb.target_group, "DBInstanceIdentifier": db.name}
else:
    dimensions = {"LoadBalancer": "app/your-alb/0123456789abcdef", "TargetGroup": "targetgroup/your-tg/0123456789abcdef",
                  "DBInstanceIdentifier": "your-db"}
dimensions

# %% [markdown]
# One `put_metric_alarm` per row of the table:

# %%
for row in recommended.ALARMS:
    params = recommended.alarm_params(row, dimensions, actions=[topic_arn])
    cloudwatch.put_metric_alarm(**params)
    print(f"{params['AlarmName']:32} {params.get('Statistic') or params['ExtendedStatistic']:8} "
          f"{params['DatapointsToAlarm']} of {params['EvaluationPeriods']} x {params['Period']} s")

# %% [markdown]
# Let ten minutes pass: the alarms have data and go to OK — `TargetResponseTime` too, a percentile (p90) alarm
# judged on the 90th percentile of the individual response times of each minute.

# %%
lab.advance(minutes=10)
recommended_names = [row.name for row in recommended.ALARMS]
{alarm["AlarmName"]: alarm["StateValue"] for alarm in cloudwatch.describe_alarms(AlarmNames=recommended_names)["MetricAlarms"]}

# %% [markdown]
# A bad deployment: for eight minutes one in five requests gets a 5XX from the application behind the load
# balancer, and a runaway job fills the database's disk.

# %%
if lab.offline:
    alb.incident("target-5xx", lab.clock.now(), minutes=8)
    db.incident("storage", lab.clock.now(), minutes=30)
lab.advance(minutes=8)
firing = [alarm["AlarmName"] for alarm in cloudwatch.describe_alarms(AlarmNames=recommended_names)["MetricAlarms"]
          if alarm["StateValue"] == "ALARM"]
print("in ALARM:", firing)
if lab.offline:
    for email in lab.inbox.notifications()[-2:]:
        print(f"{email.sent_at:%H:%M}  {email.subject}")

# %% [markdown]
# ## Step 6: One dashboard for all of it
#
# A CloudWatch dashboard is a JSON document
# ([Dashboard Body Structure and Syntax](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html)):
# a `widgets` array on a 24-column grid (`x`, `y`, `width`, `height`), each widget a `type` — `metric`, `alarm`,
# `text`, … — with `properties`. A metric widget needs `metrics` and `region`; each metric is
# `[Namespace, MetricName, DimensionName, DimensionValue, …]`, and `"."` repeats the previous row's value. An alarm
# widget lists alarm ARNs. `labkit.lesson.dashboard.validate` checks those rules before you send the body:

# %%
from labkit.lesson import dashboard

dashboard.validate({"widgets": [{"type": "metric", "properties": {"metrics": [["AWS/EC2", "CPUUtilization"]]}}]})

# %%
alarm_arns = [alarm["AlarmArn"] for alarm in cloudwatch.describe_alarms(AlarmNamePrefix="lab-web")["MetricAlarms"]]
alarm_arns += [alarm["AlarmArn"] for alarm in cloudwatch.describe_alarms(AlarmNames=recommended_names[:2] + recommended_names[-1:])["MetricAlarms"]]
instance_dimension = ["InstanceId", instance.instance_id]
body = {
    "start": "-PT1H",
    "widgets": [
        {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
         "properties": {"markdown": "# lab-web: is it breathing, does the page work, and what stands behind it"}},
        {"type": "alarm", "x": 0, "y": 2, "width": 24, "height": 3,
         "properties": {"title": "Alarms", "alarms": alarm_arns}},
        {"type": "metric", "x": 0, "y": 5, "width": 8, "height": 6,
         "properties": {"title": "Status checks (1 = failed)", "region": lab.region, "stat": "Maximum", "period": 60,
                        "metrics": [["AWS/EC2", "StatusCheckFailed_System", *instance_dimension],
                                    [".", "StatusCheckFailed_Instance", ".", "."]]}},
        {"type": "metric", "x": 8, "y": 5, "width": 8, "height": 6,
         "properties": {"title": "Page availability (%)", "region": lab.region, "stat": "Average", "period": 60,
                        "metrics": [["CloudWatchSynthetics", "SuccessPercent", "CanaryName", "lab-web-canary"]]}},
        {"type": "metric", "x": 16, "y": 5, "width": 8, "height": 6,
         "properties": {"title": "Load balancer: requests and target 5XX", "region": lab.region, "stat": "Sum", "period": 60,
                        "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", dimensions["LoadBalancer"]],
                                    [".", "HTTPCode_Target_5XX_Count", "TargetGroup", dimensions["TargetGroup"],
                                     "LoadBalancer", dimensions["LoadBalancer"]]]}},
        {"type": "metric", "x": 0, "y": 11, "width": 12, "height": 6,
         "properties": {"title": "Database: free storage (bytes)", "region": lab.region, "stat": "Minimum", "period": 60,
                        "metrics": [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", dimensions["DBInstanceIdentifier"]]]}},
        {"type": "metric", "x": 12, "y": 11, "width": 12, "height": 6,
         "properties": {"title": "Database: CPU (%)", "region": lab.region, "stat": "Average", "period": 60,
                        "metrics": [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", dimensions["DBInstanceIdentifier"]]]}},
    ],
}
dashboard.validate(body)

# %%
import json

reply = cloudwatch.put_dashboard(DashboardName="lab-web", DashboardBody=json.dumps(body))
reply["DashboardValidationMessages"]

# %% [markdown]
# `labkit.lesson.dashboard.render` reads the dashboard back with `get_dashboard` and draws it as the console lays it out:
# metric widgets as small charts, the alarm widget as coloured state boxes (red ALARM, green OK, grey
# INSUFFICIENT_DATA).

# %%
figure = dashboard.render(lab, "lab-web")

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** The recover alarm handles the *system* check. Create its twin for the *instance* check: an alarm
# named `lab-web-instance-check` on `StatusCheckFailed_Instance` of the lab instance that **reboots** it
# (`arn:aws:automate:<region>:ec2:reboot`) and emails `topic_arn`, with the evaluation AWS recommends for reboot
# alarms. `ex1.hint()` gives a hint; `ex1.solution()` shows an answer.

# %%
from labkit.course.exercises.nb07 import reboot_alarm as ex1

# %% tags=["solution"]
cloudwatch.put_metric_alarm(
    AlarmName="lab-web-instance-check",
    Namespace="AWS/EC2", MetricName="StatusCheckFailed_Instance",
    Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
    Statistic="Minimum", Period=60, EvaluationPeriods=3,
    Threshold=0, ComparisonOperator="GreaterThanThreshold",
    AlarmActions=[f"arn:aws:automate:{lab.region}:ec2:reboot", topic_arn],
)["ResponseMetadata"]["HTTPStatusCode"]

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** A page that answers after four seconds is up, but not working for its users. Create an alarm
# `lab-web-slow` that emails `topic_arn` when the canary's average `Duration` over a minute is more than one
# second. The next cell then slows the server down to check that it fires.

# %%
from labkit.course.exercises.nb07 import slow_alarm as ex2

# %% tags=["solution"]
cloudwatch.put_metric_alarm(
    AlarmName="lab-web-slow",
    Namespace="CloudWatchSynthetics", MetricName="Duration",
    Dimensions=[{"Name": "CanaryName", "Value": "lab-web-canary"}],
    Statistic="Average", Period=60, EvaluationPeriods=1,
    Threshold=1000, ComparisonOperator="GreaterThanThreshold",
    AlarmActions=[topic_arn],
)["ResponseMetadata"]["HTTPStatusCode"]

# %%
ex2.check(lab)
server.slow(1.5)  # each request now waits 1.5 s (really: this cell takes a few seconds)
lab.advance(minutes=2)
server.heal()
cloudwatch.describe_alarms(AlarmNames=["lab-web-slow"])["MetricAlarms"][0]["StateValue"]

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("07")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("07-liveness-url-dashboards")
history = recover_alarm_history()
availability = cloudwatch.describe_alarm_history(AlarmName="lab-web-availability", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
checks.that(any("OK to ALARM" in line for line in history), "the recover alarm went to ALARM when the host failed")
checks.that(any("ALARM to OK" in line for line in history), "... and back to OK once the instance was recovered")
checks.that(not lab.offline or any(a.action == "recover" and a.kind == "recovered" for a in alarm_actions(lab)),
            "the recover action moved the instance to new hardware")
checks.that(any(item["HistorySummary"].endswith("to ALARM") for item in availability) and worst and max(p["Maximum"] for p in worst) == 0,
            "the URL alarm fired on the 503 while every status check passed")
checks.that(not lab.offline or any('ALARM: "lab-web-availability"' in e.subject for e in lab.inbox.notifications()),
            "the 503 reached your inbox")
checks.that(len(cloudwatch.describe_alarms(AlarmNames=recommended_names)["MetricAlarms"]) == len(recommended.ALARMS),
            "every recommended alarm exists")
checks.that(not lab.offline or {"alb-HTTPCode_Target_5XX_Count", "rds-FreeStorageSpace"} <= set(firing),
            "the incident fired the target 5XX and free storage alarms")
checks.that(dashboard.validate(cloudwatch.get_dashboard(DashboardName="lab-web")["DashboardBody"]) == [],
            "the dashboard lab-web exists and follows the documented structure")
checks.that(len(cloudwatch_us_east_1.describe_alarms(AlarmNames=["lab-web-route53-health"])["MetricAlarms"]) == 1,
            "the Route 53 alarm lives in us-east-1")
checks.that(not ex1.problems(lab), "exercise 1: a reboot alarm on the instance status check")
checks.that(not ex2.problems(lab), "exercise 2: an alarm on the page's response time")
checks.that(server.running, "the lab web server is still running (teardown stops it)")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - **Liveness** on EC2 means the two status checks, not ping: *system* (AWS's host — fix by recovering the
#   instance onto new hardware with `arn:aws:automate:<region>:ec2:recover` on `StatusCheckFailed_System`) and
#   *instance* (your guest — often fixed by `ec2:reboot`). Their metrics come every minute, free.
# - **Service/URL monitoring** looks from outside: a canary (`CloudWatchSynthetics` `SuccessPercent`, `Duration`)
#   or a Route 53 health check, whose `HealthCheckStatus` metric lives only in **us-east-1**. A 503 passes every
#   liveness check; only the URL check catches it.
# - For **load balancers and databases**, start from CloudWatch's *Recommended alarms*: one table, one loop of
#   `put_metric_alarm`; choose the "depends on your situation" thresholds from your own traffic.
# - A **dashboard** is a JSON body of widgets on a 24-column grid, sent with `put_dashboard`.
# - That completes the article's kinds of monitoring; go back to notebook 00's table to see where each one lives.

# %% [markdown]
# ## Clean up
#
# Teardown deletes the alarms (in both regions), the dashboard, the health check, the instance and the topic, and
# stops the web server; then it proves nothing is left.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
