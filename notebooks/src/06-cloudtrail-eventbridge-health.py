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
# # 06 · CloudTrail, EventBridge and AWS Health: who did what, and is AWS itself in trouble?
#
# The article's cloud-only kinds of monitoring: *AWS API監視* — "record when and by which user the AWS services
# were accessed, including console sign-in; for example, the user who terminated an instance and the source IP
# address; you can even be notified of authentication errors" — and *AWS側の障害*, outages on AWS's side.
# CloudTrail answers the first, EventBridge routes what AWS tells you, and AWS Health is how AWS tells you.

# %% [markdown]
# ## Objectives
#
# - Answer "who terminated the instance, and from which IP?" with `cloudtrail.lookup_events`, and read a
#   CloudTrail record field by field.
# - Send a trail to CloudWatch Logs and build the classic CIS security alarms as JSON metric filters:
#   unauthorized API calls, console sign-in failures, root user usage, security-group changes.
# - Route events with EventBridge rules: event patterns, targets, input transformers, and the topic policy
#   EventBridge needs to publish to SNS.
# - Receive AWS Health events through EventBridge, and know why `health.describe_events` needs a paid support plan.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 02 (the alert topic and an alarm) and notebook 05 (metric filters). Nothing from them has to exist.
# - About 40 minutes.
# - **Cost on a real account**: the first copy of management events in a trail is free, but the S3 bucket stores
#   log files and CloudWatch Logs bills ingestion and storage of every record the trail sends; each alarm is an
#   alarm-month (the free tier covers 10); one `t3.micro` for a few minutes. EventBridge does not charge for AWS
#   service events on the default bus. Event history (`lookup_events`) is free.

# %% [markdown]
# ## Setup

# %%
import json

import labkit
from labkit.lesson import prereqs

lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("06")

# %% [markdown]
# Every alert of this notebook goes to the course's topic `lab-alerts` (notebook 02), with your email
# subscribed and confirmed.

# %%
topic_arn = prereqs.alerts_topic(lab)
account = lab.account_id  # used in ARNs and policies below; never printed

# %% [markdown]
# ## Step 1: Who terminated the instance, and from which IP?
#
# CloudTrail is on in every account: **event history** keeps 90 days of *management events* (the calls that
# create, change, delete or read resources) per Region, free, without any set-up. Let us launch the course's
# web server and then terminate it — as a careless colleague might.

# %%
ec2 = lab.client("ec2")
server = prereqs.lab_instance(lab)
ec2.terminate_instances(InstanceIds=[server.instance_id])["TerminatingInstances"][0]["CurrentState"]["Name"]

# %% [markdown]
# Now the investigation. `lookup_events` takes **one** lookup attribute (`EventName`, `Username`,
# `ResourceName`, `ResourceType`, `EventSource`, `EventId`, `ReadOnly` or `AccessKeyId`). Records are not
# there at once: CloudTrail delivers them within minutes, so we wait for the record to appear.

# %%
cloudtrail = lab.client("cloudtrail")


def termination_events() -> list:
    return cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": server.instance_id}]
    )["Events"]


events = lab.wait_until(
    lambda: [e for e in termination_events() if e["EventName"] == "TerminateInstances"],
    timeout=20, description="the TerminateInstances record",
)
event = events[0]
record = json.loads(event["CloudTrailEvent"])
print("who:      ", event["Username"], f"({record['userIdentity']['type']})")
print("what:     ", event["EventName"], "on", [r["ResourceType"] for r in event["Resources"]])
print("when:     ", event["EventTime"])
print("from IP:  ", record["sourceIPAddress"])
print("via:      ", record["eventSource"], "in", record["awsRegion"])

# %% [markdown]
# `CloudTrailEvent` is the full record, as a JSON string. The fields to know ("CloudTrail record contents"):
# `userIdentity` (who: type, ARN, access key), `eventTime`, `eventSource` (the service's endpoint, e.g.
# `ec2.amazonaws.com`; CloudWatch is `monitoring.amazonaws.com`), `eventName` (the API operation),
# `sourceIPAddress`, `userAgent`, `requestParameters`, `responseElements` (only for calls that change
# something), `errorCode`/`errorMessage` (failed calls), `readOnly`, `eventType` (`AwsApiCall`,
# `AwsConsoleSignIn`, …).

# %%
{key: record[key] for key in ("eventVersion", "eventSource", "eventName", "readOnly", "eventType",
                              "managementEvent", "eventCategory", "requestParameters")}

# %% [markdown]
# Event history is per Region and per account, and only 90 days. For longer retention, for alarms on what happens,
# and for all Regions at once, you need a **trail**.

# %% [markdown]
# ## Step 2: A trail that delivers to S3 and CloudWatch Logs
#
# A trail writes log files to an S3 bucket, and — optionally — every record to a CloudWatch Logs log group, where
# metric filters can count them (notebook 05). Three things must allow it, each with a policy:
#
# 1. the **bucket policy** lets `cloudtrail.amazonaws.com` check the bucket ACL and write under `AWSLogs/<account>/`;
# 2. a **role** that CloudTrail assumes (trust policy) with permission to create log streams and put log events;
# 3. the trail itself, **multi-Region** (CIS recommends it), started with `start_logging` — a trail created
#    through the API does not log until you start it.

# %%
s3 = lab.client("s3")
logs = lab.client("logs")
iam = lab.client("iam")

trail_name = "lab-trail"
bucket = f"labkit-trail-{lab.lab_id}"
trail_arn = f"arn:aws:cloudtrail:{lab.region}:{account}:trail/{trail_name}"
try:
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": lab.region})
except s3.exceptions.BucketAlreadyOwnedByYou:  # this cell ran before
    pass
policy = prereqs.trail_bucket_policy(bucket, account, trail_arn)
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
print("bucket policy set on", bucket)
for statement in policy["Statement"]:
    print(f"  {statement['Sid']}: {statement['Principal']['Service']} may {statement['Action']}")

# %%
log_group = "CloudTrail/lab-trail"
try:
    logs.create_log_group(logGroupName=log_group)
except logs.exceptions.ResourceAlreadyExistsException:  # this cell ran before
    pass
logs.put_retention_policy(logGroupName=log_group, retentionInDays=30)
log_group_arn = f"arn:aws:logs:{lab.region}:{account}:log-group:{log_group}:*"

try:
    role_arn = iam.create_role(
        RoleName="CloudTrailToCloudWatchLogs",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before
    role_arn = iam.get_role(RoleName="CloudTrailToCloudWatchLogs")["Role"]["Arn"]
iam.put_role_policy(
    RoleName="CloudTrailToCloudWatchLogs", PolicyName="deliver-to-log-group",
    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{lab.region}:{account}:log-group:{log_group}:log-stream:*"}]}),
)
print("role for CloudTrail:", role_arn.split(":")[-1])

# %%
try:
    cloudtrail.create_trail(
        Name=trail_name, S3BucketName=bucket, IsMultiRegionTrail=True, IncludeGlobalServiceEvents=True,
        CloudWatchLogsLogGroupArn=log_group_arn, CloudWatchLogsRoleArn=role_arn,
    )
except cloudtrail.exceptions.TrailAlreadyExistsException:  # this cell ran before
    pass
cloudtrail.start_logging(Name=trail_name)
status = cloudtrail.get_trail_status(Name=trail_name)
print("logging:", status["IsLogging"])

# %% [markdown]
# The trail writes its records to the log stream `<account>_CloudTrail_<region>`; each log event is one record,
# as JSON — which is why the filters below are **JSON filter patterns** (`{ $.field = value }`).

# %% [markdown]
# ## Step 3: The CIS security alarms
#
# The CIS AWS Foundations Benchmark — checked by AWS Security Hub's "CloudWatch" controls — asks for a metric
# filter and an alarm for each of these. The patterns are printed exactly as Security Hub expects them (it fails
# the control if a single term differs):

# %%
from labkit.aws.cloudtrail import CIS_PATTERNS

for control, pattern in CIS_PATTERNS.items():
    print(f"{control}\n    {pattern}")

# %% [markdown]
# One filter and one alarm per control: the filter counts 1 for each matching record, the alarm goes to ALARM when
# the 5-minute sum reaches 1. `TreatMissingData="notBreaching"`: no record means nothing happened.

# %%
cloudwatch = lab.client("cloudwatch")
security_metrics = {
    "CloudWatch.1 root user usage": "RootAccountUsage",
    "CloudWatch.2 unauthorized API calls": "UnauthorizedAPICalls",
    "CloudWatch.6 console authentication failures": "ConsoleSigninFailures",
}
for control, metric in security_metrics.items():
    logs.put_metric_filter(
        logGroupName=log_group, filterName=metric, filterPattern=CIS_PATTERNS[control],
        metricTransformations=[{"metricName": metric, "metricNamespace": "LogMetrics", "metricValue": "1"}],
    )
    cloudwatch.put_metric_alarm(
        AlarmName=f"CIS-{metric}", AlarmDescription=control, Namespace="LogMetrics", MetricName=metric,
        Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=[topic_arn],
    )
sorted(f["filterName"] for f in logs.describe_metric_filters(logGroupName=log_group)["metricFilters"])

# %% [markdown]
# Before trusting a pattern, test it on sample records (`test_metric_filter`, notebook 05). The file
# `data/cloudtrail-sample.jsonl` holds three records, one per line as CloudWatch Logs stores them: an EC2 call
# refused by IAM carries `errorCode` `Client.UnauthorizedOperation`; most other services say `AccessDenied`:

# %%
with open("../data/cloudtrail-sample.jsonl", encoding="utf-8") as file:
    samples = file.read().splitlines()
print(*(f"{r['eventName']}: {r.get('errorCode', 'no error')}" for r in map(json.loads, samples)), sep="\n")
matched = logs.test_metric_filter(
    filterPattern=CIS_PATTERNS["CloudWatch.2 unauthorized API calls"], logEventMessages=samples
)["matches"]
[json.loads(m["eventMessage"])["eventName"] for m in matched]

# %% [markdown]
# Now something suspicious: someone tries to assume the account's *break-glass* admin role, which trusts only
# EC2. STS refuses — and CloudTrail records the refusal.

# %%
sts = lab.client("sts")
try:
    admin_role = iam.create_role(
        RoleName="break-glass-admin",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before
    admin_role = iam.get_role(RoleName="break-glass-admin")["Role"]["Arn"]
try:
    sts.assume_role(RoleArn=admin_role, RoleSessionName="just-looking")
except sts.exceptions.ClientError as error:
    print(error.response["Error"]["Code"])

# %% [markdown]
# And someone guesses passwords at the console sign-in page. No API call can make a console sign-in, so offline the
# kit records the attempt that AWS would (`errorMessage` "Failed authentication", `responseElements`
# `{"ConsoleLogin": "Failure"}`). On AWS, mistype your own password once to see the record.

# %%
from labkit.lesson.simulate import simulate_console_login

if lab.offline:
    try:
        iam.create_user(UserName="tanaka")
    except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before
        pass
    for _ in range(3):
        failed = simulate_console_login(lab, "tanaka", success=False, source_ip="203.0.113.77")
    print(failed["eventName"], failed["errorMessage"], failed["responseElements"], failed["additionalEventData"]["MFAUsed"])

# %% [markdown]
# Within minutes the records reach the log group, the filters count them, and the alarms fire:

# %%
lab.wait_until(lambda: len(lab.inbox.notifications()) >= 2 if lab.offline else True, timeout=15,
               description="two alarm emails")
for alarm in cloudwatch.describe_alarms(AlarmNamePrefix="CIS-")["MetricAlarms"]:
    print(f"{alarm['AlarmName']:28} {alarm['StateValue']}")

# %%
if lab.offline:
    print(lab.inbox.notifications()[-1])

# %% [markdown]
# ## Step 4: EventBridge rules on alarm state changes
#
# Every alarm state change is also an **event** on the account's default EventBridge bus (source
# `aws.cloudwatch`, detail-type `CloudWatch Alarm State Change`). A rule's **event pattern** picks events; its
# **targets** receive them. Patterns match field by field: values in a list are alternatives, and operators such as
# `prefix`, `anything-but`, `numeric` and `exists` refine them. Try one before using it:

# %%
events = lab.client("events")
alarm_pattern = {
    "source": ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    "detail": {"alarmName": [{"prefix": "CIS-"}], "state": {"value": ["ALARM"]}},
}
sample = {"id": "1", "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change",
          "account": "123456789012", "time": "2026-06-01T00:00:00Z", "region": "ap-northeast-1", "resources": [],
          "detail": {"alarmName": "CIS-RootAccountUsage", "state": {"value": "OK"}}}
print("OK state matches:   ", events.test_event_pattern(EventPattern=json.dumps(alarm_pattern), Event=json.dumps(sample))["Result"])
sample["detail"]["state"]["value"] = "ALARM"
print("ALARM state matches:", events.test_event_pattern(EventPattern=json.dumps(alarm_pattern), Event=json.dumps(sample))["Result"])

# %% [markdown]
# An SNS target needs one more thing: the **topic's access policy** must let `events.amazonaws.com` publish. (The
# console adds this for you; through the API you add it yourself, or EventBridge's deliveries fail silently — the
# rule's `FailedInvocations` metric counts them.)

# %%
sns = lab.client("sns")
policy = json.loads(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"])
policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "AllowEventBridgePublish"] + [{
    "Sid": "AllowEventBridgePublish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sns:Publish", "Resource": topic_arn,
}]
sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
[s.get("Sid") for s in policy["Statement"]]

# %% [markdown]
# The raw event is a large JSON document. An **input transformer** picks fields (JSON paths) and writes them into a
# template; in a string template, a `<variable>` is replaced by the raw value.

# %%
events.put_rule(Name="security-alarms", EventPattern=json.dumps(alarm_pattern), State="ENABLED")
events.put_targets(Rule="security-alarms", Targets=[{
    "Id": "email", "Arn": topic_arn,
    "InputTransformer": {
        "InputPathsMap": {"alarm": "$.detail.alarmName", "state": "$.detail.state.value", "time": "$.time"},
        "InputTemplate": '"Security alarm <alarm> is <state> since <time>. Check CloudTrail event history."',
    },
}])["FailedEntryCount"]

# %% [markdown]
# The root user signs in — CIS 1.7 says it should not be used for daily work. The root alarm fires, and this time
# the rule delivers too:

# %%
if lab.offline:
    simulate_console_login(lab, "root", success=True, mfa_used=True, source_ip="203.0.113.5")
lab.wait_until(
    lambda: any("RootAccountUsage" in e.body for e in lab.inbox.notifications() if e.subject == "AWS Notification Message")
    if lab.offline else True,
    timeout=15, description="the EventBridge email",
)
if lab.offline:
    from_rule = [e for e in lab.inbox.notifications() if e.subject == "AWS Notification Message"][-1]
    print(from_rule.body.split("\n\n--")[0])

# %% [markdown]
# The alarm's own action sent its usual email as well; a rule lets you send the same change elsewhere (a chat
# channel, a ticket queue, an automation) and reshape it on the way.

# %% [markdown]
# ## Step 5: AWS Health — when the problem is AWS's
#
# AWS Health tells you about AWS-side issues that affect your account (an EC2 operational issue in your Region, a
# scheduled maintenance of your instance). It sends them to EventBridge as `AWS Health Event` with source
# `aws.health` — in the Region concerned, free, with **any** support plan. A rule routes them to the team:

# %%
events.put_rule(Name="aws-health-issues", State="ENABLED", EventPattern=json.dumps({
    "source": ["aws.health"],
    "detail-type": ["AWS Health Event"],
    "detail": {"eventTypeCategory": ["issue"]},
}))
events.put_targets(Rule="aws-health-issues", Targets=[{"Id": "email", "Arn": topic_arn}])["FailedEntryCount"]

# %% [markdown]
# Nobody can cause a Health event on AWS. Offline, the kit reports one the way AWS would:

# %%
from labkit.lesson.simulate import simulate_issue

if lab.offline:
    health_event = simulate_issue(lab, "EC2")
    detail = health_event["detail"]
    print(detail["eventTypeCode"], detail["eventTypeCategory"], detail["statusCode"], detail["eventRegion"])
    print(detail["eventDescription"][0]["latestDescription"])

# %%
if lab.offline:
    delivered = json.loads(lab.inbox.notifications()[-1].body.split("\n\n--")[0])
    print(delivered["detail-type"], "→", delivered["detail"]["service"], delivered["detail"]["eventTypeCode"])

# %% [markdown]
# Could we simply poll the Health API instead? Only with a Business, Enterprise On-Ramp or Enterprise support plan:
# on any other account (like this lab's) every Health API call answers `SubscriptionRequiredException`. The
# EventBridge route works everywhere — and it is a push, not a poll. The public
# [AWS Health Dashboard](https://health.aws.amazon.com/health/status) shows service-wide issues to everyone.

# %%
health_api = lab.client("health", region="us-east-1")
try:
    health_api.describe_events(filter={"eventTypeCategories": ["issue"]})
    print("this account has a support plan with the Health API")
except health_api.exceptions.ClientError as error:
    print(error.response["Error"]["Code"])

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Create an EventBridge rule named `ec2-health-issues` that matches AWS Health events of category
# `issue` **for the EC2 service only** (not scheduled changes, not other services), with the topic `lab-alerts` as
# its target. `ex1.hint()` gives a hint; `ex1.solution()` shows an answer.

# %%
from labkit.course.exercises.nb06 import ec2_health_rule as ex1

# %% tags=["solution"]
events.put_rule(Name="ec2-health-issues", State="ENABLED", EventPattern=json.dumps({
    "source": ["aws.health"], "detail-type": ["AWS Health Event"],
    "detail": {"service": ["EC2"], "eventTypeCategory": ["issue"]},
}))
events.put_targets(Rule="ec2-health-issues", Targets=[{"Id": "email", "Arn": topic_arn}])["FailedEntryCount"]

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** Complete the fourth CIS control: on the trail's log group, a metric filter with the exact
# `CloudWatch.10 security group changes` pattern publishing `SecurityGroupChanges` (namespace `LogMetrics`, value
# 1), and an alarm `CIS-SecurityGroupChanges` that emails `lab-alerts` when its 5-minute sum is at least 1.

# %%
from labkit.course.exercises.nb06 import security_group_alarm as ex2

# %% tags=["solution"]
logs.put_metric_filter(
    logGroupName=log_group, filterName="SecurityGroupChanges",
    filterPattern=CIS_PATTERNS["CloudWatch.10 security group changes"],
    metricTransformations=[{"metricName": "SecurityGroupChanges", "metricNamespace": "LogMetrics", "metricValue": "1"}],
)
cloudwatch.put_metric_alarm(
    AlarmName="CIS-SecurityGroupChanges", Namespace="LogMetrics", MetricName="SecurityGroupChanges",
    Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching", AlarmActions=[topic_arn],
)
print("filter and alarm created")

# %%
ex2.check(lab)

# %% [markdown]
# See it work: open SSH to the world on a new security group (the change the article warns about), and wait.

# %%
group_id = ec2.create_security_group(GroupName="lab-open-ssh", Description="too open")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[{
    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
lab.wait_until(
    lambda: cloudwatch.describe_alarms(AlarmNames=["CIS-SecurityGroupChanges"])["MetricAlarms"][0]["StateValue"] == "ALARM",
    timeout=15, description="the security-group alarm",
)
print("CIS-SecurityGroupChanges is in ALARM")

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("06")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("06-cloudtrail-eventbridge-health")
checks.that(record["eventName"] == "TerminateInstances" and record["sourceIPAddress"],
            "event history answered who terminated the instance, and from where")
checks.that(cloudtrail.get_trail_status(Name=trail_name)["IsLogging"], "the trail is logging")
states = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms(AlarmNamePrefix="CIS-")["MetricAlarms"]}
checks.that(len(states) == 4, "four CIS alarms exist", "run Step 3 and exercise 2")
checks.that(not ex1.problems(lab), "exercise 1: EC2 Health issues reach the topic")
checks.that(not ex2.problems(lab), "exercise 2: the security-group alarm")
if lab.offline:
    subjects = [e.subject for e in lab.inbox.notifications()]
    checks.that(any("CIS-UnauthorizedAPICalls" in s for s in subjects), "the unauthorized-calls alarm emailed")
    checks.that(any("CIS-ConsoleSigninFailures" in s for s in subjects), "the console sign-in alarm emailed")
    checks.that(any("aws.health" in e.body for e in lab.inbox.notifications()), "the Health event reached the inbox")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - **Event history** answers "who did what, when, from where" for 90 days per Region, free; `lookup_events`
#   filters on one attribute. A **trail** keeps records for good (S3) and feeds CloudWatch Logs.
# - CloudTrail records are JSON: **JSON metric filters** count them, and alarms turn counts into email — the CIS
#   controls are the classic set (unauthorized calls, console sign-in failures, root usage, security groups, …).
# - **EventBridge** rules route events from AWS services (alarm state changes, Health, CloudTrail) to targets;
#   an SNS target needs a topic policy that allows `events.amazonaws.com`; input transformers shape the message.
# - **AWS Health** events reach EventBridge on every account; the Health API needs a Business or Enterprise plan.
# - Next: **06b · Config, GuardDuty and Budgets** — what changed and is it compliant, threats found for you, and
#   the monthly bill.

# %% [markdown]
# ## Clean up
#
# Teardown stops and deletes the trail, empties and deletes its bucket, and removes the rules, filters, alarms,
# roles and log group this notebook created.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
