"""IAM for notebook 03: the offline policy evaluator, the policy documents, the emulator plugin
(simulator, AssumeRole trust check, role credentials) and teardown of instance-profile associations.

Rules and their pages: evaluation logic
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html; Action
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html; Resource
wildcards https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html;
Principal https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html;
CloudWatch Logs ARNs https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html;
access-denied wording https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from labkit.aws import iam_policies
from labkit.aws.iam_evaluation import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Principal,
    action_matches,
    evaluate,
    resource_matches,
    trust_allows,
)
from labkit.exceptions import ConfigurationError, InstanceRoleError, UnsupportedPolicyElement
from labkit.lesson import iam, prereqs
from labkit.runtime.lab import Lab
from labkit.runtime.redact import mask_account

REGION, ACCOUNT = "ap-northeast-1", "123456789012"
GROUP = iam_policies.log_group_arn(REGION, ACCOUNT, "ssh_logs")
STREAM = iam_policies.log_stream_arn(REGION, ACCOUNT, "ssh_logs", "i-0abc/var/log/secure")
OTHER_STREAM = iam_policies.log_stream_arn(REGION, ACCOUNT, "app_logs", "web-1")


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- evaluation logic -------------------------------------------------------------------------------
def test_explicit_deny_beats_allow_and_nothing_is_implicit_deny() -> None:
    allow = _policy({"Effect": "Allow", "Action": "logs:*", "Resource": "*"})
    deny = _policy({"Effect": "Deny", "Action": "logs:DeleteLogGroup", "Resource": "*"})
    assert evaluate([("a", allow), ("d", deny)], "logs:DeleteLogGroup", GROUP).decision == EXPLICIT_DENY
    assert evaluate([("a", allow), ("d", deny)], "logs:PutLogEvents", STREAM).decision == ALLOWED
    assert evaluate([("d", deny)], "logs:PutLogEvents", STREAM).decision == IMPLICIT_DENY
    assert evaluate([], "logs:PutLogEvents", STREAM).decision == IMPLICIT_DENY


def test_action_names_are_case_insensitive_with_wildcards() -> None:
    assert action_matches("logs:put*", "logs:PutLogEvents")
    assert action_matches("LOGS:PutLogEvent?", "logs:PutLogEvents")
    assert not action_matches("logs:Put*", "logs:DeleteLogGroup")
    assert not action_matches("logs:PutLogEvent", "logs:PutLogEvents")


def test_resource_wildcards_are_segment_aware_and_case_sensitive() -> None:
    # A * ending a segment runs across colons: the quick start's ARN covers streams.
    assert resource_matches("arn:aws:logs:*:*:*", STREAM)
    assert resource_matches(GROUP, STREAM)
    # A * inside a segment does not cross a colon.
    assert not resource_matches(
        "arn:aws:logs:ap-*-1:123456789012:log-group:ssh_logs", "arn:aws:logs:ap-x:y-1:123456789012:log-group:ssh_logs"
    )
    assert resource_matches(
        "arn:aws:logs:ap-*-1:123456789012:log-group:ssh_logs",
        "arn:aws:logs:ap-northeast-1:123456789012:log-group:ssh_logs",
    )
    assert not resource_matches(GROUP, OTHER_STREAM)
    assert not resource_matches("arn:aws:logs:*:*:log-group:SSH_LOGS:*", STREAM)
    assert resource_matches("arn:aws:logs:?p-northeast-1:*", STREAM)


def test_not_action_and_not_resource_invert_the_match() -> None:
    policy = _policy({"Effect": "Allow", "NotAction": "logs:Delete*", "NotResource": OTHER_STREAM})
    assert evaluate([("p", policy)], "logs:PutLogEvents", STREAM).allowed
    assert not evaluate([("p", policy)], "logs:DeleteLogGroup", GROUP).allowed
    assert not evaluate([("p", policy)], "logs:PutLogEvents", OTHER_STREAM).allowed


def test_conditions_are_refused_rather_than_guessed() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "logs:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": REGION}},
        }
    )
    with pytest.raises(UnsupportedPolicyElement):
        evaluate([("p", policy)], "logs:PutLogEvents", STREAM)


def test_trust_policy_principals() -> None:
    ec2 = Principal("Service", "ec2.amazonaws.com")
    me = Principal("AWS", f"arn:aws:iam::{ACCOUNT}:user/me", ACCOUNT)
    stranger = Principal("AWS", "arn:aws:iam::999999999999:user/x", "999999999999")
    assert trust_allows(iam_policies.EC2_TRUST_POLICY, ec2)
    assert not trust_allows(iam_policies.EC2_TRUST_POLICY, me)
    assert not trust_allows(iam_policies.trust_policy("lambda.amazonaws.com"), ec2)
    account = _policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    )
    assert trust_allows(account, me) and not trust_allows(account, stranger)
    anyone = _policy({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})
    assert trust_allows(anyone, stranger)


# -- the documents ----------------------------------------------------------------------------------
def test_quick_start_allows_any_group_but_least_privilege_only_ssh_logs() -> None:
    least = iam_policies.least_privilege_policy(REGION, ACCOUNT)
    for action, resource in [
        ("logs:PutLogEvents", STREAM),
        ("logs:CreateLogStream", GROUP),
        ("logs:DescribeLogStreams", GROUP),
    ]:
        assert evaluate([("q", iam_policies.QUICK_START_POLICY)], action, resource).allowed
        assert evaluate([("l", least)], action, resource).allowed
    assert evaluate([("q", iam_policies.QUICK_START_POLICY)], "logs:PutLogEvents", OTHER_STREAM).allowed
    assert not evaluate([("l", least)], "logs:PutLogEvents", OTHER_STREAM).allowed
    assert not evaluate([("q", iam_policies.QUICK_START_POLICY)], "logs:DeleteLogGroup", GROUP).allowed


def test_managed_policy_grants_metrics_and_more_beyond_the_quick_start() -> None:
    beyond = iam_policies.granted_beyond(iam_policies.CLOUDWATCH_AGENT_SERVER_POLICY, iam_policies.QUICK_START_POLICY)
    assert "cloudwatch:PutMetricData" in beyond and "ssm:GetParameter" in beyond
    assert "logs:PutLogEvents" not in beyond
    assert (
        iam_policies.granted_beyond(iam_policies.QUICK_START_POLICY, iam_policies.CLOUDWATCH_AGENT_SERVER_POLICY) == []
    )


def test_request_resources_follow_the_cloudwatch_logs_arn_forms() -> None:
    stream = {"logGroupName": "ssh_logs", "logStreamName": "s"}
    assert iam_policies.request_resource("logs", "PutLogEvents", stream, REGION, ACCOUNT).endswith(
        "log-group:ssh_logs:log-stream:s"
    )
    assert iam_policies.request_resource("logs", "CreateLogStream", stream, REGION, ACCOUNT).endswith(
        "log-group:ssh_logs:*"
    )
    assert iam_policies.request_resource("logs", "DescribeLogGroups", {}, REGION, ACCOUNT).endswith(":log-group:*")
    assert iam_policies.request_resource("cloudwatch", "PutMetricData", {}, REGION, ACCOUNT) == "*"


def test_mask_account_hides_twelve_digit_ids_only() -> None:
    assert mask_account(f"arn:aws:iam::{ACCOUNT}:role/r port 52811") == "arn:aws:iam::<account>:role/r port 52811"


# -- the plugin on moto -----------------------------------------------------------------------------
def _write(client, group: str = "ssh_logs", stream: str = "s1") -> None:
    client.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": 1780272000000, "message": "x"}]
    )


def test_role_credentials_can_write_logs_and_nothing_else(lab: Lab) -> None:
    role = prereqs.logs_agent_role(lab)
    lab.client("logs").create_log_group(logGroupName="ssh_logs")
    agent = lab.client_as(role.role_arn, "logs")
    agent.create_log_stream(logGroupName="ssh_logs", logStreamName="s1")
    _write(agent)
    assert lab.internal_client("logs").get_log_events(logGroupName="ssh_logs", logStreamName="s1")["events"]
    with pytest.raises(agent.exceptions.AccessDeniedException) as denied:
        agent.delete_log_group(logGroupName="ssh_logs")
    message = denied.value.response["Error"]["Message"]
    assert (
        "assumed-role/lab-cloudwatch-logs-role/lab-instance is not authorized to perform: logs:DeleteLogGroup"
        in message
    )
    assert message.endswith("because no identity-based policy allows the logs:DeleteLogGroup action")
    with pytest.raises(ClientError, match="AccessDenied"):
        lab.client_as(role.role_arn, "cloudwatch").put_metric_data(
            Namespace="x", MetricData=[{"MetricName": "m", "Value": 1}]
        )


def test_an_explicit_deny_added_later_takes_effect(lab: Lab) -> None:
    role = prereqs.logs_agent_role(lab)
    lab.client("logs").create_log_group(logGroupName="ssh_logs")
    agent = lab.client_as(role.role_arn, "logs")
    agent.create_log_stream(logGroupName="ssh_logs", logStreamName="s1")
    deny = _policy({"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"})
    lab.client("iam").put_role_policy(RoleName=role.role_name, PolicyName="stop", PolicyDocument=json.dumps(deny))
    with pytest.raises(agent.exceptions.AccessDeniedException, match="with an explicit deny"):
        _write(agent)


def test_ec2_cannot_use_a_role_that_trusts_lambda(lab: Lab) -> None:
    arn = lab.client("iam").create_role(
        RoleName="for-lambda", AssumeRolePolicyDocument=json.dumps(iam_policies.trust_policy("lambda.amazonaws.com"))
    )["Role"]["Arn"]
    with pytest.raises(InstanceRoleError) as error:
        lab.client_as(arn, "logs")
    assert error.value.code == "AssumeRoleUnauthorizedAccess"
    assert lab.client_as(arn, "logs", principal="lambda.amazonaws.com") is not None


def test_assume_role_checks_the_trust_policy(lab: Lab) -> None:
    client = lab.client("iam")
    ec2_role = client.create_role(
        RoleName="ec2-only", AssumeRolePolicyDocument=json.dumps(iam_policies.EC2_TRUST_POLICY)
    )["Role"]["Arn"]
    trusting = _policy({"Effect": "Allow", "Principal": {"AWS": lab.account_id}, "Action": "sts:AssumeRole"})
    mine = client.create_role(RoleName="mine", AssumeRolePolicyDocument=json.dumps(trusting))["Role"]["Arn"]
    sts = lab.client("sts")
    with pytest.raises(ClientError) as denied:
        sts.assume_role(RoleArn=ec2_role, RoleSessionName="desk")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert (
        f"is not authorized to perform: sts:AssumeRole on resource: {ec2_role}"
        in denied.value.response["Error"]["Message"]
    )
    assert sts.assume_role(RoleArn=mine, RoleSessionName="desk")["AssumedRoleUser"]["Arn"].endswith(
        "assumed-role/mine/desk"
    )


def test_simulators_answer_with_eval_decisions(lab: Lab) -> None:
    role = prereqs.logs_agent_role(lab)
    client = lab.client("iam")
    result = client.simulate_principal_policy(
        PolicySourceArn=role.role_arn, ActionNames=["logs:PutLogEvents", "logs:DeleteLogGroup"], ResourceArns=[STREAM]
    )["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in result] == [
        ("logs:PutLogEvents", "allowed"),
        ("logs:DeleteLogGroup", "implicitDeny"),
    ]
    assert result[0]["MatchedStatements"] == [
        {"SourcePolicyId": iam.LOGS_POLICY_NAME, "SourcePolicyType": "user-managed"}
    ]
    custom = client.simulate_custom_policy(
        PolicyInputList=[json.dumps(iam_policies.least_privilege_policy(lab.region, lab.account_id))],
        ActionNames=["logs:PutLogEvents"],
        ResourceArns=[STREAM, OTHER_STREAM],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in custom] == ["allowed", "implicitDeny"]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        client.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{lab.account_id}:role/none", ActionNames=["s3:ListBucket"]
        )


def test_client_as_is_refused_without_the_emulator(lab: Lab) -> None:
    lab.emulator = None
    with pytest.raises(ConfigurationError):
        lab.client_as("arn:aws:iam::123456789012:role/x", "logs")


# -- prereqs and teardown ---------------------------------------------------------------------------
def test_logs_agent_role_is_reused_and_teardown_disassociates_first(lab: Lab) -> None:
    instance = prereqs.lab_instance(lab)
    first = prereqs.logs_agent_role(lab, instance.instance_id)
    second = prereqs.logs_agent_role(lab, instance.instance_id)
    assert first == second
    ec2 = lab.client("ec2")
    associations = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
    assert len(associations) == 1
    assert any(label.startswith("ec2:iam-instance-profile-association") for label in lab.inventory())
    report = lab.teardown()
    assert report.ok, str(report)
    labels = [item.split()[0] for item in report.deleted]
    assert labels.index("ec2:iam-instance-profile-association") < labels.index("iam:instance-profile")
    assert lab.inventory() == []
    assert ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"] == []
