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
# # 03 · An IAM role that lets EC2 write to CloudWatch Logs
#
# Before the log agent on the instance can ship `/var/log/secure`, the article says, *EC2 needs permission
# to write to CloudWatch Logs* (まず、EC2に対してCloudWatch Logsへの権限を与える必要がある). It pastes the policy
# from AWS's CloudWatch Logs agent quick start, creates a role for EC2 with only that policy, and applies the
# role to the instance. This notebook does the same with boto3 — and then checks what the role can and cannot do.

# %% [markdown]
# ## Objectives
#
# - Read the quick-start policy: which actions, on which resources, and why the agent needs each.
# - Create the policy, a role that EC2 may assume (its *trust policy*), and the *instance profile* that
#   carries the role to an instance; associate it with the lab instance.
# - Test the role two ways: the IAM policy simulator, and calls signed with the role's credentials.
# - Write a least-privilege version for the `ssh_logs` group, and compare it with AWS's managed
#   `CloudWatchAgentServerPolicy`.
# - Recognise two classic mistakes by their errors: no instance profile, and the wrong principal in the trust policy.

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 00 (lab basics). Notebooks 01–02 help but are not needed: the instance comes from `labkit.lesson.prereqs`.
# - About 25 minutes. Offline by default. On a real account IAM costs nothing, but the lab instance does
#   (about $0.0136/hour for a t3.micro in Tokyo): `prereqs.lab_instance` refuses until you pass
#   `confirm_cost=True`, and teardown terminates it.

# %% [markdown]
# ## Setup

# %%
import labkit

lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("03")

# %% [markdown]
# The instance the role is for (the article's Amazon Linux web server):

# %%
import json

from labkit.lesson import prereqs
from labkit import mask_account

instance = prereqs.lab_instance(lab)
iam = lab.client("iam")
ec2 = lab.client("ec2")
logs = lab.client("logs")

# %% [markdown]
# ## Step 1: The quick-start policy
#
# This is the JSON the article pastes from [the quick start](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/QuickStartEC2Instance.html):

# %%
from labkit.aws.iam_policies import QUICK_START_POLICY

print(json.dumps(QUICK_START_POLICY, indent=2))

# %% [markdown]
# Four actions, each one a step of the agent's life:
#
# | action | the agent uses it to |
# | --- | --- |
# | `logs:CreateLogGroup` | create `ssh_logs` if it does not exist yet |
# | `logs:CreateLogStream` | create its stream, `{instance_id}/var/log/secure` |
# | `logs:DescribeLogStreams` | find its stream again after a restart |
# | `logs:PutLogEvents` | send the lines |
#
# `"Resource": "arn:aws:logs:*:*:*"` means *every* CloudWatch Logs resource, in every region and account:
# a `*` that ends an ARN segment may run on across the colons. Create the policy (the console's
# "JSON" tab, then a name):

# %%
try:
    policy_arn = iam.create_policy(
        PolicyName="lab-cloudwatch-logs-policy",
        PolicyDocument=json.dumps(QUICK_START_POLICY),
        Description="CloudWatch Logs agent quick start policy",
    )["Policy"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before: IAM names are unique
    policy_arn = f"arn:aws:iam::{lab.account_id}:policy/lab-cloudwatch-logs-policy"
mask_account(policy_arn)

# %% [markdown]
# ## Step 2: A role for EC2, with only that policy
#
# A role has two policies of different kinds. Its **trust policy** says *who may assume it*: choosing
# "AWS service → EC2" in the console writes this one. Its **permissions policies** say *what it may do*.

# %%
from labkit.aws.iam_policies import EC2_TRUST_POLICY

print(json.dumps(EC2_TRUST_POLICY, indent=2))

# %%
try:
    role_arn = iam.create_role(
        RoleName="lab-cloudwatch-logs-role",
        AssumeRolePolicyDocument=json.dumps(EC2_TRUST_POLICY),
        Description="EC2 instances that ship logs to CloudWatch Logs",
    )["Role"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before
    role_arn = iam.get_role(RoleName="lab-cloudwatch-logs-role")["Role"]["Arn"]
iam.attach_role_policy(RoleName="lab-cloudwatch-logs-role", PolicyArn=policy_arn)
[p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="lab-cloudwatch-logs-role")["AttachedPolicies"]]

# %% [markdown]
# An instance does not take a role directly: it takes an **instance profile**, a container for one role.
# The console creates one with the role's name behind your back; with the API you create it yourself.

# %%
try:
    iam.create_instance_profile(InstanceProfileName="lab-cloudwatch-logs-role")
    iam.add_role_to_instance_profile(InstanceProfileName="lab-cloudwatch-logs-role", RoleName="lab-cloudwatch-logs-role")
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before: the profile holds the role already
    pass
[r["RoleName"] for r in iam.get_instance_profile(InstanceProfileName="lab-cloudwatch-logs-role")["InstanceProfile"]["Roles"]]

# %% [markdown]
# ## Step 3: Apply the role to the instance
#
# The article's console step ("Actions → Security → Modify IAM role") is one EC2 call:

# %%
# An instance has one profile at a time: associate only if this cell has not done it already.
existing = ec2.describe_iam_instance_profile_associations(
    Filters=[{"Name": "instance-id", "Values": [instance.instance_id]}]
)["IamInstanceProfileAssociations"]
association = existing[0] if existing else ec2.associate_iam_instance_profile(
    IamInstanceProfile={"Name": "lab-cloudwatch-logs-role"},
    InstanceId=instance.instance_id,
)["IamInstanceProfileAssociation"]
association["State"]

# %% [markdown]
# The association starts as `associating`. Ask again a moment later:

# %%
found = ec2.describe_iam_instance_profile_associations(
    Filters=[{"Name": "instance-id", "Values": [instance.instance_id]}]
)["IamInstanceProfileAssociations"]
[(a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[-1], a["State"]) for a in found]

# %% [markdown]
# From now on, software on the instance (the agent, the AWS CLI, boto3) finds temporary credentials for the
# role in the instance metadata and renews them by itself: no access keys on the server.
#
# ## Step 4: Ask the policy simulator
#
# `iam.simulate_principal_policy` evaluates the role's policies for the actions and resources you name,
# without calling them — on AWS and offline alike. A log group's ARN ends in `:*` in IAM; a log stream's is
# `…:log-group:<group>:log-stream:<stream>`.

# %%
import pandas as pd

from labkit.aws.iam_policies import log_group_arn, log_stream_arn

pd.set_option("display.max_colwidth", 120)
pd.set_option("display.width", 250)

stream = log_stream_arn(lab.region, lab.account_id, "ssh_logs", "i-0123456789abcdef0/var/log/secure")
group = log_group_arn(lab.region, lab.account_id, "ssh_logs")
questions = [
    ("logs:PutLogEvents", stream),
    ("logs:CreateLogStream", group),
    ("logs:DeleteLogGroup", group),
    ("cloudwatch:PutMetricData", "*"),
    ("ec2:TerminateInstances", "*"),
]
answers = [
    iam.simulate_principal_policy(PolicySourceArn=role_arn, ActionNames=[action], ResourceArns=[resource])[
        "EvaluationResults"
    ][0]
    for action, resource in questions
]
pd.DataFrame(
    {"action": r["EvalActionName"], "resource": mask_account(r["EvalResourceName"]), "decision": r["EvalDecision"]}
    for r in answers
)

# %% [markdown]
# `implicitDeny` is IAM's default: nothing allows it. (An `explicitDeny` would come from a `Deny` statement,
# which beats any `Allow`.) Note `cloudwatch:PutMetricData`: this role can ship logs but not publish
# metrics — memory and disk metrics from the unified agent need more (Step 6).

# %% [markdown]
# ## Step 5: Use the role's credentials
#
# On AWS, only the instance holds the role's credentials. Offline, `lab.client_as(role_arn, "logs")` gives
# you the client the agent would have: EC2 assumes the role (if the trust policy lets it) and every call is
# checked against the role's policies. First you, with your own permissions, create the `ssh_logs` group:

# %%
try:
    logs.create_log_group(logGroupName="ssh_logs")
except logs.exceptions.ResourceAlreadyExistsException:  # this cell ran before
    pass

if lab.offline:
    agent_logs = lab.client_as(role_arn, "logs", session_name=instance.instance_id)
    stream_name = f"{instance.instance_id}/var/log/secure"
    try:
        agent_logs.create_log_stream(logGroupName="ssh_logs", logStreamName=stream_name)
    except agent_logs.exceptions.ResourceAlreadyExistsException:  # the agent finds its stream again
        pass
    now_ms = int(lab.clock.now().timestamp() * 1000)
    agent_logs.put_log_events(
        logGroupName="ssh_logs", logStreamName=stream_name,
        logEvents=[{"timestamp": now_ms, "message": "sshd[2817]: Connection closed by 192.0.2.10 port 52811 [preauth]"}],
    )
    print("the agent's role wrote one event to ssh_logs")

# %% [markdown]
# Now something the policy does not grant. This is the error a program on the instance would get:

# %%
denied = {}
if lab.offline:
    try:
        agent_logs.delete_log_group(logGroupName="ssh_logs")
    except agent_logs.exceptions.AccessDeniedException as error:
        denied = error.response["Error"]
        print(denied["Code"])
        print(mask_account(denied["Message"]))

# %% [markdown]
# ## Step 6: Least privilege, and the managed policy
#
# The quick start allows writing to *any* log group in any region. The agent here only needs `ssh_logs`.
# Scoping the resource to `arn:aws:logs:<region>:<account>:log-group:ssh_logs:*` keeps the same four actions
# for that group and its streams only. AWS's managed **`CloudWatchAgentServerPolicy`**, which the unified
# CloudWatch agent documentation recommends, goes the other way: more actions, on `"Resource": "*"`.

# %%
from labkit.aws.iam_policies import granted_beyond, least_privilege_policy
from labkit.lesson.iam import managed_policy_document

least = least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
managed = managed_policy_document(lab)
print(json.dumps(least["Statement"][0]["Resource"]).replace(lab.account_id, "<account>"))
print("CloudWatchAgentServerPolicy also allows:")
for action in granted_beyond(managed, QUICK_START_POLICY):
    print("  ", action)

# %% [markdown]
# `simulate_custom_policy` evaluates policy documents you pass in, before you create them. Each column is one
# policy:

# %%
other_stream = log_stream_arn(lab.region, lab.account_id, "app_logs", "web-1")
requests = [
    ("logs:PutLogEvents", stream),
    ("logs:PutLogEvents", other_stream),
    ("logs:DeleteLogGroup", group),
    ("logs:PutRetentionPolicy", group),
    ("cloudwatch:PutMetricData", "*"),
]
candidates = {"quick start": QUICK_START_POLICY, "least privilege": least, "CloudWatchAgentServerPolicy": managed}
rows = []
for action, resource in requests:
    row = {"action": action, "resource": mask_account(resource)}
    for name, document in candidates.items():
        result = iam.simulate_custom_policy(
            PolicyInputList=[json.dumps(document)], ActionNames=[action], ResourceArns=[resource]
        )["EvaluationResults"][0]
        row[name] = result["EvalDecision"]
    rows.append(row)
comparison = pd.DataFrame(rows)
comparison

# %% [markdown]
# Which to use? For the article's legacy `awslogs` agent, the quick-start actions are enough, and scoping them
# to your log groups is better practice. The unified CloudWatch agent (notebook 04) also publishes metrics and
# reads its configuration from Parameter Store, which is what `CloudWatchAgentServerPolicy` adds.

# %% [markdown]
# ## Step 7: Two classic mistakes
#
# **A role where a profile is expected.** A role made with the API has no instance profile unless you create
# one. Associating it by the role's name fails:

# %%
from botocore.exceptions import ClientError

try:
    iam.create_role(RoleName="lab-role-without-profile", AssumeRolePolicyDocument=json.dumps(EC2_TRUST_POLICY))
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before
    pass

try:
    ec2.associate_iam_instance_profile(
        IamInstanceProfile={"Name": "lab-role-without-profile"}, InstanceId=instance.instance_id
    )
except ClientError as error:
    print(error.response["Error"]["Code"], "-", mask_account(error.response["Error"]["Message"]))

# %% [markdown]
# Offline, moto answers `NoSuchEntity … Instance profile … not found`. AWS refuses too, with EC2's own error
# code for an invalid profile name (its exact wording is not in the API reference, so the lab does not imitate
# it). Either way the fix is `create_instance_profile` + `add_role_to_instance_profile`. (Here the instance
# also has a profile already, and an instance takes only one: AWS would also refuse for that reason.)
#
# **The wrong principal in the trust policy.** Suppose the role was created for Lambda by mistake. Its
# permissions are fine, but EC2 may not assume it, so the instance gets no credentials at all. The instance
# metadata document `iam/info` then reports `AssumeRoleUnauthorizedAccess`; offline, `client_as` says the same:

# %%
from labkit import InstanceRoleError
from labkit.aws.iam_policies import trust_policy

lambda_trust = json.dumps(trust_policy("lambda.amazonaws.com"))
try:
    lambda_role_arn = iam.create_role(RoleName="lab-misconfigured-role", AssumeRolePolicyDocument=lambda_trust)["Role"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:  # this cell ran before: put the mistake back
    iam.update_assume_role_policy(RoleName="lab-misconfigured-role", PolicyDocument=lambda_trust)
    lambda_role_arn = iam.get_role(RoleName="lab-misconfigured-role")["Role"]["Arn"]
iam.attach_role_policy(RoleName="lab-misconfigured-role", PolicyArn=policy_arn)
if lab.offline:
    try:
        lab.client_as(lambda_role_arn, "logs")
    except InstanceRoleError as error:
        print(error.code, "-", error.message)

# %% [markdown]
# The trust policy also explains a surprise: *you* cannot assume the EC2 role either — it trusts only the EC2
# service. This call fails on AWS exactly as it does here:

# %%
sts = lab.client("sts")
try:
    sts.assume_role(RoleArn=role_arn, RoleSessionName="test-from-my-desk")
except ClientError as error:
    print(error.response["Error"]["Code"], "-", mask_account(error.response["Error"]["Message"]).split(" on resource")[0])

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Create a customer managed policy named `ssh-logs-writer` that lets the agent create streams in,
# describe the streams of, and put events into the `ssh_logs` log group — and nothing else. The check evaluates
# your policy for requests it must allow and requests it must refuse. `ex1.hint()` gives a hint.

# %%
from labkit.course.exercises.nb03 import ssh_logs_policy as ex1

# %% tags=["solution"]
document = least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
try:
    iam.create_policy(PolicyName="ssh-logs-writer", PolicyDocument=json.dumps(document))
except iam.exceptions.EntityAlreadyExistsException:  # an earlier attempt: make this document its default version
    policy_arn = f"arn:aws:iam::{lab.account_id}:policy/ssh-logs-writer"
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
"policy ssh-logs-writer ready"

# %%
ex1.check(lab)

# %% [markdown]
# **Exercise 2.** Repair `lab-misconfigured-role` from Step 7 so that EC2 can use it — and nobody else.

# %%
from labkit.course.exercises.nb03 import fix_trust as ex2

# %% tags=["solution"]
iam.update_assume_role_policy(
    RoleName="lab-misconfigured-role", PolicyDocument=json.dumps(trust_policy("ec2.amazonaws.com"))
)
iam.get_role(RoleName="lab-misconfigured-role")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]

# %%
ex2.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("03")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks
from labkit.aws.iam_evaluation import Principal, trust_allows

checks = Checks("03-iam-role-for-logs-agent")
role = iam.get_role(RoleName="lab-cloudwatch-logs-role")["Role"]
attached = iam.list_attached_role_policies(RoleName="lab-cloudwatch-logs-role")["AttachedPolicies"]
states = [a["State"] for a in ec2.describe_iam_instance_profile_associations(
    Filters=[{"Name": "instance-id", "Values": [instance.instance_id]}])["IamInstanceProfileAssociations"]]
decisions = {r["EvalActionName"]: r["EvalDecision"] for r in answers}
checks.that(trust_allows(role["AssumeRolePolicyDocument"], Principal("Service", "ec2.amazonaws.com")),
            "the role's trust policy lets EC2 assume it")
checks.that([p["PolicyName"] for p in attached] == ["lab-cloudwatch-logs-policy"], "the role has only the quick-start policy")
checks.that(states == ["associated"], "the instance profile is associated with the instance")
checks.that(decisions["logs:PutLogEvents"] == "allowed", "the simulator allows PutLogEvents to ssh_logs")
checks.that(decisions["logs:DeleteLogGroup"] == "implicitDeny", "the simulator refuses DeleteLogGroup")
checks.that(not lab.offline or denied.get("Code") == "AccessDeniedException",
            "the role's own credentials were refused DeleteLogGroup")
checks.that(comparison.loc[1, "least privilege"] == "implicitDeny" and comparison.loc[1, "quick start"] == "allowed",
            "least privilege refuses other log groups; the quick start does not")
checks.that(not ex1.problems(lab), "exercise 1: ssh-logs-writer writes to ssh_logs only")
checks.that(not ex2.problems(lab), "exercise 2: lab-misconfigured-role trusts EC2")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - The article's policy grants the agent's four CloudWatch Logs actions on every log resource; a role for EC2
#   with only that policy, in an instance profile associated with the instance, gives the agent credentials
#   without keys on the server.
# - A role's **trust policy** says who may assume it; its **permissions policies** what it may do. IAM denies by
#   default, and an explicit `Deny` beats any `Allow`.
# - Test roles with the policy simulator; narrow `Resource` to the log groups you use (least privilege).
# - Next: **04 · Log agent configuration** — `awslogs.conf` for `/var/log/secure` and its unified-agent
#   equivalent. Later notebooks get this role from `labkit.lesson.prereqs.logs_agent_role(lab)`.

# %% [markdown]
# ## Clean up
#
# Teardown disassociates the profile from the instance, terminates the instance, then deletes the profile, the
# roles and the policies — in that order.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
