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
# # 06b · Config, GuardDuty and Budgets: a port opened by mistake, an attack, and the bill
#
# The article's cloud-only monitoring, continued. **Config** "watches configuration changes: for example, when
# someone opens by mistake a port of an ALB or EC2 that must stay closed, it can notify you through SNS, or fix it
# with Lambda". **GuardDuty** detects threats across the account from its logs with machine learning, "usable just
# by enabling it". **コスト監視**: watch the bill per service and per region, and be warned *before* the budget runs out.

# %% [markdown]
# ## Objectives
#
# - Record configuration with AWS Config, evaluate the managed rule `restricted-ssh`, read compliance through the
#   API, get an email when a security group opens SSH to the world, and remediate it.
# - Enable GuardDuty, read findings in their documented format, filter them by severity, and route the SSH brute
#   force on the lab instance (notebook 05's attack) through EventBridge to your inbox.
# - Create a monthly cost budget with an *actual* 80 % and a *forecasted* 100 % alert, watch it fire as the month
#   goes by, and break the cost down by service and region with Cost Explorer.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 02 (the alert topic) and notebook 06 (EventBridge rules). Nothing from them has to exist.
# - About 40 minutes; the lab runs about a week of lab time, which takes a minute or two offline.
# - **Cost on a real account** (Tokyo, check the pricing pages): AWS Config charges per configuration item recorded
#   (about $0.003) and per rule evaluation (about $0.001); GuardDuty is free for 30 days per region, then charges per
#   million CloudTrail events and per GB of VPC flow and DNS logs it analyses; budgets without actions are free;
#   each Cost Explorer API request costs $0.01; the `t3.micro` costs about $0.0136 an hour.
#   **Config recorders and GuardDuty detectors are one per region**: this notebook reuses an existing one and never
#   deletes what it did not create.

# %% [markdown]
# ## Setup

# %%
import datetime as dt
import json

import pandas as pd

import labkit
from labkit.lesson import prereqs

lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("06b")

# %% [markdown]
# Every alert goes to the course topic `lab-alerts` (notebook 02), with your address subscribed and confirmed, and
# the topic lets EventBridge publish to it (notebook 06). The lab instance of notebook 01 is the server we protect.

# %%
topic_arn = prereqs.alerts_topic(lab)
account = lab.account_id  # used in ARNs and policies below; never printed
sns = lab.client("sns")
policy = json.loads(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"])
policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "AllowEventBridgePublish"] + [{
    "Sid": "AllowEventBridgePublish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sns:Publish", "Resource": topic_arn,
}]
sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
instance = prereqs.lab_instance(lab)
instance.instance_type

# %% [markdown]
# ## Step 1: Turn on AWS Config
#
# Config needs a **configuration recorder** (what to record, with which role) and a **delivery channel** (the S3
# bucket for snapshots and history). A region has at most one recorder of yours, so first look for one.

# %%
config = lab.client("config")
recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
print("existing recorders:", [r["name"] for r in recorders])

# %% [markdown]
# None here, so we create one, recording every supported resource type. The role is Config's service-linked role
# (on a real account, `iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")` creates it once; it is
# free and stays). The bucket needs a policy that lets `config.amazonaws.com` check it and write to it.

# %%
s3 = lab.client("s3")
if recorders:
    recorder_name = recorders[0]["name"]
    channels = config.describe_delivery_channels()["DeliveryChannels"]
else:
    recorder_name = "default"
    bucket = f"lab-config-{lab.lab_id}-{account}"
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": lab.region})
    except s3.exceptions.BucketAlreadyOwnedByYou:  # this cell ran before
        pass
    from labkit.aws.config_rules import delivery_bucket_policy

    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(delivery_bucket_policy(bucket, account)))
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": recorder_name,
        "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False},
    })
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
config.start_configuration_recorder(ConfigurationRecorderName=recorder_name)
status = config.describe_configuration_recorder_status(ConfigurationRecorderNames=[recorder_name])
status["ConfigurationRecordersStatus"][0]["recording"]

# %% [markdown]
# ## Step 2: The managed rule `restricted-ssh`, and an alert on it
#
# AWS provides hundreds of *managed rules*. The one for the article's example has two names: it is created as
# `restricted-ssh` with the source identifier `INCOMING_SSH_DISABLED`. Its documented logic: **COMPLIANT if the
# incoming SSH traffic of a security group is restricted to CIDRs other than `0.0.0.0/0` or `::/0`; otherwise
# NON_COMPLIANT**. It runs when a security group changes and periodically.

# %%
config.put_config_rule(ConfigRule={
    "ConfigRuleName": "restricted-ssh",
    "Description": "Security groups must not allow SSH from 0.0.0.0/0 or ::/0",
    "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]},
    "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
})
[r["ConfigRuleName"] for r in config.describe_config_rules()["ConfigRules"]]

# %% [markdown]
# Config sends a **"Config Rules Compliance Change"** event to EventBridge whenever a resource's compliance with a
# rule changes. We want an email only when something becomes NON_COMPLIANT; an input transformer makes the email
# readable.

# %%
events = lab.client("events")
compliance_pattern = {
    "source": ["aws.config"],
    "detail-type": ["Config Rules Compliance Change"],
    "detail": {"configRuleName": ["restricted-ssh"], "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}},
}
events.put_rule(Name="lab-config-noncompliant", EventPattern=json.dumps(compliance_pattern), State="ENABLED")
events.put_targets(Rule="lab-config-noncompliant", Targets=[{
    "Id": "email", "Arn": topic_arn,
    "InputTransformer": {
        "InputPathsMap": {"rule": "$.detail.configRuleName", "resource": "$.detail.resourceId",
                          "compliance": "$.detail.newEvaluationResult.complianceType", "region": "$.region"},
        "InputTemplate": '"AWS Config: <resource> is <compliance> with <rule> in <region>."',
    },
}])["FailedEntryCount"]

# %% [markdown]
# Let a few minutes pass: the rule evaluates the security groups that exist (here, the VPC's default group), and
# they comply.

# %%
lab.advance(minutes=5)
[(c["ConfigRuleName"], c["Compliance"]["ComplianceType"])
 for c in config.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])["ComplianceByConfigRules"]]

# %% [markdown]
# ## Step 3: The mistake — port 22 open to the world
#
# Someone creates a web security group for the lab instance and, to "just test quickly", opens SSH to `0.0.0.0/0`.

# %%
ec2 = lab.client("ec2")
found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["lab-web"]}])["SecurityGroups"]
web_sg = found[0]["GroupId"] if found else ec2.create_security_group(GroupName="lab-web", Description="lab web server")["GroupId"]
if not found:  # a second run would meet InvalidPermission.Duplicate
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
lab.advance(minutes=5)
compliance = config.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])["ComplianceByConfigRules"][0]
compliance["Compliance"]

# %% [markdown]
# The rule as a whole is NON_COMPLIANT because one resource is (`ComplianceContributorCount`). The details name it:

# %%
details = config.get_compliance_details_by_config_rule(ConfigRuleName="restricted-ssh")["EvaluationResults"]
pd.DataFrame([{
    "security group": "lab-web" if r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] == web_sg else "default",
    "compliance": r["ComplianceType"],
    "evaluated (UTC)": r["ResultRecordedTime"].strftime("%Y-%m-%d %H:%M"),
} for r in details]).sort_values("security group", ignore_index=True)

# %% [markdown]
# And the email is in your inbox. (A string input template gives a JSON string, so the text arrives in quotes.)

# %%
config_alert = lab.inbox.notifications()[-1]
print(config_alert.subject)
print(config_alert.body.split("\n")[0].replace(web_sg, "<lab-web sg>"))

# %% [markdown]
# ## Step 4: Remediate, and watch it become COMPLIANT
#
# Config can run an automatic remediation — a Systems Manager automation document. AWS's
# `AWS-DisablePublicAccessForSecurityGroup` "disables default SSH and RDP ports that are opened to all IP
# addresses": it revokes TCP 22 and 3389 from `0.0.0.0/0` and `::/0`. We make exactly that call ourselves
# (`labkit.aws.config_rules.runbook_revocations` lists what the runbook would revoke); port 80 stays open.

# %%
from labkit.aws.config_rules import runbook_revocations

group = ec2.describe_security_groups(GroupIds=[web_sg])["SecurityGroups"][0]
to_revoke = runbook_revocations(group)
ec2.revoke_security_group_ingress(GroupId=web_sg, IpPermissions=to_revoke)
lab.advance(minutes=5)
print("revoked:", [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in to_revoke])
print("rule is now:", config.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"])
print("still open:", [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in ec2.describe_security_groups(GroupIds=[web_sg])["SecurityGroups"][0]["IpPermissions"]])

# %% [markdown]
# On a real account you would attach the runbook to the rule with `config.put_remediation_configurations(...)`
# (`TargetId="AWS-DisablePublicAccessForSecurityGroup"`, `GroupId` from `RESOURCE_ID`, an automation role) and
# optionally make it automatic. The article's other option, a Lambda function, is a *custom rule* or an EventBridge
# target. Offline, the remediation configuration API is not emulated.

# %% [markdown]
# ## Step 5: GuardDuty — enable it and read findings
#
# GuardDuty analyses CloudTrail events, VPC flow logs and DNS logs; you only enable a **detector** (one per region,
# so reuse an existing one).

# %%
guardduty = lab.client("guardduty")
detectors = guardduty.list_detectors()["DetectorIds"]
detector_id = detectors[0] if detectors else guardduty.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES")["DetectorId"]
guardduty.get_detector(DetectorId=detector_id)["Status"]

# %% [markdown]
# Set up the alert first, then test it with sample findings. Every finding is also a **"GuardDuty Finding"**
# event whose `detail` is the finding. EventBridge's *numeric
# matching* filters on severity. First, a rule for everything High or worse:

# %%
high_pattern = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": [">=", 7]}]}}
events.put_rule(Name="lab-guardduty-high", EventPattern=json.dumps(high_pattern), State="ENABLED")
finding_email = {
    "InputPathsMap": {"type": "$.detail.type", "severity": "$.detail.severity", "title": "$.detail.title"},
    "InputTemplate": '"GuardDuty finding <type> (severity <severity>): <title>"',
}
events.put_targets(Rule="lab-guardduty-high", Targets=[{"Id": "email", "Arn": topic_arn, "InputTransformer": finding_email}])["FailedEntryCount"]

# %% [markdown]
# A new detector has no findings. **Sample findings** test the alert and show the format: GuardDuty fills them with placeholder values
# (`i-99999999`, `GeneratedFinding…`) and marks them `"sample": true`.

# %%
guardduty.create_sample_findings(DetectorId=detector_id, FindingTypes=[
    "CryptoCurrency:EC2/BitcoinTool.B!DNS", "Recon:EC2/PortProbeUnprotectedPort",
])
ids = guardduty.list_findings(DetectorId=detector_id)["FindingIds"]
findings = guardduty.get_findings(DetectorId=detector_id, FindingIds=ids)["Findings"]
pd.set_option("display.max_colwidth", None)  # whole titles, never cut with "…"
pd.DataFrame([{"type": f["Type"], "severity": f["Severity"], "resource": f["Resource"]["ResourceType"],
               "instance": f["Resource"]["InstanceDetails"]["InstanceId"], "title": f["Title"]} for f in findings])

# %% [markdown]
# Severity is a number: **Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0**. `FindingCriteria` filters
# on any field of the finding:

# %%
high = guardduty.list_findings(DetectorId=detector_id, FindingCriteria={"Criterion": {"severity": {"Gte": 7}}})["FindingIds"]
[f["Type"] for f in guardduty.get_findings(DetectorId=detector_id, FindingIds=high)["Findings"]]

# %% [markdown]
# The article also names **Amazon Macie**, another machine-learning security service: Macie discovers sensitive data
# (personal information, credentials) in **S3** buckets and is useful across many accounts; GuardDuty watches
# threats across the whole account, including your credentials. They complement each other.

# %% [markdown]
# ## Step 6: The SSH brute force on the lab instance → EventBridge → email
#
# Notebook 05 counted `[preauth]` failures in `/var/log/secure`. GuardDuty sees the same attack from the network
# side as `UnauthorizedAccess:EC2/SSHBruteForce`. Offline, `labkit.lesson.simulate.simulate_ssh_brute_force` makes the
# finding GuardDuty would make for that attack on the lab instance.
#
# **On a real account** GuardDuty decides by itself, from the VPC flow logs, whether and when traffic to your
# instance is a brute force: bots may trigger it within hours, a few tries of your own will not. So the cell asks
# for a real finding *on the lab instance* and says so when there is none; the alert path is then tested with a
# **sample finding** at the end of this step, which names GuardDuty's placeholder instance `i-99999999`, not yours.

# %%
from labkit.lesson.simulate import simulate_ssh_brute_force

if lab.offline:
    brute = simulate_ssh_brute_force(lab, instance.instance_id, source_ip="198.51.100.23", attempts=120)
criteria = {"Criterion": {"type": {"Eq": ["UnauthorizedAccess:EC2/SSHBruteForce"]},
                          "resource.instanceDetails.instanceId": {"Eq": [instance.instance_id]}}}
ssh_ids = guardduty.list_findings(DetectorId=detector_id, FindingCriteria=criteria)["FindingIds"]
finding = guardduty.get_findings(DetectorId=detector_id, FindingIds=ssh_ids)["Findings"][0] if ssh_ids else None
if finding:
    connection = finding["Service"]["Action"]["NetworkConnectionAction"]
    print({"severity": finding["Severity"], "direction": connection["ConnectionDirection"],
           "local port": connection["LocalPortDetails"], "remote ip": connection["RemoteIpDetails"]["IpAddressV4"],
           "count": finding["Service"]["Count"]})
else:
    print("GuardDuty has reported no SSH brute force on the lab instance (yet); the sample finding below tests the alert")

# %% [markdown]
# Severity **2 (Low)**: the brute force is aimed *at* your instance, which every server with port 22 open to the
# internet sees all the time. (It would be High if your instance were the attacker.) So the High rule stays silent —
# `test_event_pattern` proves it. A second rule catches brute force on *our* instance in the Low and Medium range
# (`[">=", 1, "<", 7]`), so that a High one is not emailed twice.

# %%
# Low (2) when the instance is the target: "GuardDuty EC2 finding types" (guardduty_finding-types-ec2.html).
brute_severity = finding["Severity"] if finding else 2.0
brute_event = {"id": "1", "account": account, "source": "aws.guardduty", "time": "2026-06-01T00:00:00Z",
               "region": lab.region, "resources": [], "detail-type": "GuardDuty Finding",
               "detail": {"type": "UnauthorizedAccess:EC2/SSHBruteForce", "severity": brute_severity,
                          "resource": {"instanceDetails": {"instanceId": instance.instance_id}}}}
print("High rule matches the brute force:", events.test_event_pattern(EventPattern=json.dumps(high_pattern), Event=json.dumps(brute_event))["Result"])
ssh_pattern = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
               "detail": {"type": ["UnauthorizedAccess:EC2/SSHBruteForce"],
                          "severity": [{"numeric": [">=", 1, "<", 7]}],
                          "resource": {"instanceDetails": {"instanceId": [instance.instance_id]}}}}
print("SSH rule matches the brute force: ", events.test_event_pattern(EventPattern=json.dumps(ssh_pattern), Event=json.dumps(brute_event))["Result"])
events.put_rule(Name="lab-guardduty-ssh", EventPattern=json.dumps(ssh_pattern), State="ENABLED")
events.put_targets(Rule="lab-guardduty-ssh", Targets=[{"Id": "email", "Arn": topic_arn, "InputTransformer": finding_email}])["FailedEntryCount"]

# %% [markdown]
# Offline, the first event of this finding found no matching rule. The attack goes on: GuardDuty adds the new
# attempts to the same finding (its `Count` grows) and sends the updated finding again after the detector's
# publishing frequency (we chose 15 minutes). On a real account this happens only if GuardDuty saw an attack.

# %%
if lab.offline:
    lab.advance(minutes=20)
    simulate_ssh_brute_force(lab, instance.instance_id, source_ip="198.51.100.23", attempts=80)

# %% [markdown]
# **Test the alert path with a sample finding** — the way to test it on a real account today. A sample
# `UnauthorizedAccess:EC2/SSHBruteForce` has the real type, format and severity, but GuardDuty fills it with
# placeholders: the instance is `i-99999999` and `service.additionalInfo` says `"sample": true`
# ([Generating sample findings](https://docs.aws.amazon.com/guardduty/latest/ug/sample_findings.html)). So
# `lab-guardduty-ssh`, which watches *our* instance, rightly ignores it; a test rule identical but for the
# instance id sends it to the inbox. Delete such a test rule when the real one is proven.

# %%
sample_event = {**brute_event, "detail": {**brute_event["detail"], "resource": {"instanceDetails": {"instanceId": "i-99999999"}}}}
print("SSH rule matches the sample finding:", events.test_event_pattern(EventPattern=json.dumps(ssh_pattern), Event=json.dumps(sample_event))["Result"])
sample_pattern = {**ssh_pattern, "detail": {**ssh_pattern["detail"], "resource": {"instanceDetails": {"instanceId": ["i-99999999"]}}}}
events.put_rule(Name="lab-guardduty-ssh-sample", EventPattern=json.dumps(sample_pattern), State="ENABLED")
events.put_targets(Rule="lab-guardduty-ssh-sample", Targets=[{"Id": "email", "Arn": topic_arn, "InputTransformer": finding_email}])
guardduty.create_sample_findings(DetectorId=detector_id, FindingTypes=["UnauthorizedAccess:EC2/SSHBruteForce"])
lab.wait_until(  # on AWS the event reaches EventBridge within about five minutes
    lambda: [e for e in lab.inbox.notifications() if "SSHBruteForce" in e.body and "i-99999999" in e.body],
    timeout=10, description="the sample finding's email",
)
guardduty_mail = [e for e in lab.inbox.notifications() if e.body.startswith('"GuardDuty finding')]
for email in guardduty_mail:
    print(email.sent_at.strftime("%H:%M"), email.body.split("\n")[0].replace(instance.instance_id, "<lab instance>"))

# %% [markdown]
# ## Step 7: A monthly budget with two alerts
#
# A deliberately small budget — **$2 a month** — so that the alerts arrive within a lab week. Two notifications,
# each emailing you directly (AWS Budgets mails `EMAIL` subscribers itself; no SNS confirmation):
#
# - **ACTUAL > 80 %**: you have spent $1.60;
# - **FORECASTED > 100 %**: at this rate, the month will end above $2.

# %%
budgets = lab.client("budgets")
me = [{"SubscriptionType": "EMAIL", "Address": prereqs.LEARNER_EMAIL}]
try:
    budgets.create_budget(
        AccountId=account,
        Budget={"BudgetName": "lab-monthly", "BudgetType": "COST", "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": "2", "Unit": "USD"}},
        NotificationsWithSubscribers=[
            {"Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80,
                              "ThresholdType": "PERCENTAGE"}, "Subscribers": me},
            {"Notification": {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 100,
                              "ThresholdType": "PERCENTAGE"}, "Subscribers": me},
        ],
    )
except budgets.exceptions.DuplicateRecordException:  # this cell ran before: budget names are unique
    pass
[(n["NotificationType"], n["Threshold"], n["NotificationState"])
 for n in budgets.describe_notifications_for_budget(AccountId=account, BudgetName="lab-monthly")["Notifications"]]

# %% [markdown]
# Now let the month run, with the lab instance running. AWS Budgets updates up to three times a day; we check every
# 8 hours until the ACTUAL alert has arrived.

# %%
def budget_mail():
    return [e for e in lab.inbox.notifications() if e.subject.startswith("AWS Budgets")]


lab.wait_until(lambda: any("ACTUAL Cost" in e.body for e in budget_mail()), timeout=31 * 24 * 60, every=8 * 60,
               description="the ACTUAL budget alert")
for email in budget_mail():
    print(email.sent_at.strftime("%Y-%m-%d %H:%M"), "|", email.subject, "|", email.body.split("\n")[5][:110])

# %%
print(budget_mail()[-1].body)

# %% [markdown]
# The forecast came first, a day into the month: spending about $0.33 a day, the month will end far above $2.
# `describe_budget` shows both figures. **The lab forecasts by linear extrapolation of the month so far; AWS uses
# its own model on your usage history and needs about five weeks of data before it forecasts at all.**

# %%
budget = budgets.describe_budget(AccountId=account, BudgetName="lab-monthly")["Budget"]
{k: f'{float(v["Amount"]):.2f} {v["Unit"]}' for k, v in budget["CalculatedSpend"].items()}

# %% [markdown]
# ## Step 8: Cost by service and by region
#
# Cost Explorer's `get_cost_and_usage` groups cost by up to two dimensions. (Each API request costs $0.01 on AWS.)

# %%
ce = lab.client("ce")
now = lab.clock.now()
month_start, today = now.strftime("%Y-%m-01"), now.strftime("%Y-%m-%d")
next_month = (now.replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m-01")
by_service = ce.get_cost_and_usage(
    TimePeriod={"Start": month_start, "End": next_month}, Granularity="MONTHLY", Metrics=["UnblendedCost"],
    GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "REGION"}],
)
pd.DataFrame([{"service": g["Keys"][0], "region": g["Keys"][1], "USD": round(float(g["Metrics"]["UnblendedCost"]["Amount"]), 4)}
              for g in by_service["ResultsByTime"][0]["Groups"]]).sort_values("USD", ascending=False)

# %%
daily = ce.get_cost_and_usage(
    TimePeriod={"Start": month_start, "End": today}, Granularity="DAILY", Metrics=["UnblendedCost"],
    GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
)
table = pd.DataFrame([{"day": r["TimePeriod"]["Start"], "service": g["Keys"][0], "USD": float(g["Metrics"]["UnblendedCost"]["Amount"])}
                      for r in daily["ResultsByTime"] for g in r["Groups"]])
table.pivot_table(index="day", columns="service", values="USD", aggfunc="sum").fillna(0).round(4)

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Create an EventBridge rule `lab-guardduty-medium` that matches GuardDuty findings of **Medium**
# severity only (4.0 up to, not including, 7.0) and emails them to `lab-alerts`. Use numeric matching.

# %%
from labkit.course.exercises.nb06b import medium_findings_rule as ex1

# %% tags=["solution"]
medium_pattern = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                  "detail": {"severity": [{"numeric": [">=", 4, "<", 7]}]}}
events.put_rule(Name="lab-guardduty-medium", EventPattern=json.dumps(medium_pattern), State="ENABLED")
events.put_targets(Rule="lab-guardduty-medium", Targets=[{"Id": "email", "Arn": topic_arn}])["FailedEntryCount"]

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** Add a third notification to the budget `lab-monthly`: email `you@example.com` when the
# **ACTUAL** cost is greater than **100 %** of the budget.

# %%
from labkit.course.exercises.nb06b import actual_100_notification as ex2

# %% tags=["solution"]
actual_100 = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 100,
              "ThresholdType": "PERCENTAGE"}
try:
    budgets.create_notification(AccountId=account, BudgetName="lab-monthly", Notification=actual_100, Subscribers=me)
except budgets.exceptions.DuplicateRecordException:  # an earlier attempt made it: replace it
    budgets.delete_notification(AccountId=account, BudgetName="lab-monthly", Notification=actual_100)
    budgets.create_notification(AccountId=account, BudgetName="lab-monthly", Notification=actual_100, Subscribers=me)
"notification added"

# %%
ex2.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("06b")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("06b-config-guardduty-budgets")
bodies = [e.body for e in lab.inbox.notifications()]
checks.that(config.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"] == "COMPLIANT",
            "restricted-ssh is COMPLIANT after the remediation")
checks.that(not any(p["FromPort"] == 22 for p in ec2.describe_security_groups(GroupIds=[web_sg])["SecurityGroups"][0]["IpPermissions"]),
            "port 22 is no longer open on lab-web")
checks.that(not lab.offline or any(b.startswith('"AWS Config:') and "NON_COMPLIANT" in b for b in bodies),
            "the NON_COMPLIANT email reached the inbox")
checks.that(not lab.offline or any("SSHBruteForce" in e.body for e in guardduty_mail),
            "the SSH brute-force finding reached the inbox through EventBridge")
checks.that(not lab.offline or any("BitcoinTool" in e.body for e in guardduty_mail),
            "the High sample finding reached the inbox")
checks.that(not lab.offline or {("ACTUAL Cost" in e.body) for e in budget_mail()} == {True, False},
            "both budget alerts (actual and forecasted) reached the inbox")
checks.that(float(budget["CalculatedSpend"]["ActualSpend"]["Amount"]) > 1.6, "actual spend is above 80 % of $2")
checks.that(not ex1.problems(lab), "exercise 1: a Medium-only GuardDuty rule")
checks.that(not ex2.problems(lab), "exercise 2: an ACTUAL 100 % notification")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - **Config** records configuration and evaluates rules: `restricted-ssh` (`INCOMING_SSH_DISABLED`) turns
#   NON_COMPLIANT when SSH is open to `0.0.0.0/0` or `::/0`; the "Config Rules Compliance Change" event reaches
#   email through EventBridge; revoking the rule (as `AWS-DisablePublicAccessForSecurityGroup` does) makes it COMPLIANT.
# - **GuardDuty** is one detector per region; findings have a documented JSON format and a numeric severity;
#   an inbound SSH brute force is Low. EventBridge numeric matching routes findings by severity. **Macie** is the S3
#   data-protection counterpart.
# - **Budgets** alert on actual and forecasted spend, once per period; **Cost Explorer** breaks cost down by service
#   and region (SAA-C03 domain 4).
# - Next: **07 · Liveness, URL monitoring and dashboards**.

# %% [markdown]
# ## Clean up
#
# Teardown deletes the budget, the detector, the Config rule, recorder, delivery channel and bucket, the EventBridge
# rules, the security group and the instance — only what this notebook created — and proves nothing is left.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
