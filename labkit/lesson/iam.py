"""The IAM role the article gives the EC2 instance so that its agent can write to CloudWatch Logs.

The policy documents and ARNs are :mod:`labkit.aws.iam_policies`; this module makes the role and
instance profile from them (or reuses them), and reads AWS's managed policies.

Taught in notebook 03-iam-role-for-logs-agent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from labkit.aws import iam_evaluation
from labkit.aws.iam_policies import (
    CLOUDWATCH_AGENT_SERVER_POLICY,
    CLOUDWATCH_AGENT_SERVER_POLICY_ARN,
    EC2_TRUST_POLICY,
    QUICK_START_POLICY,
)
from labkit.exceptions import NotFound
from labkit.i18n import _


def managed_policy_document(lab: Any, arn: str = CLOUDWATCH_AGENT_SERVER_POLICY_ARN) -> dict[str, Any]:
    """An AWS managed policy's default version: live on AWS; offline, the copy in this module
    (moto does not load AWS's managed policies)."""
    if lab.emulator is not None:
        if arn != CLOUDWATCH_AGENT_SERVER_POLICY_ARN:
            raise NotFound(_("labkit has no offline copy of {arn}").format(arn=arn))
        return CLOUDWATCH_AGENT_SERVER_POLICY
    iam = lab.client("iam")
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return dict(
        iam_evaluation.load(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
    )


#: The names notebook 03 gives the article's policy, role and instance profile.
LOGS_POLICY_NAME = "lab-cloudwatch-logs-policy"
LOGS_ROLE_NAME = "lab-cloudwatch-logs-role"


@dataclass(frozen=True)
class LogsAgentRole:
    """The role the logs agent runs with, and the instance profile that carries it to EC2."""

    role_name: str
    role_arn: str
    policy_arn: str
    instance_profile_name: str
    instance_profile_arn: str


def ensure_ec2_role(lab: Any, name: str, policy_arn: str, description: str = "") -> tuple[str, str]:
    """Create, or reuse, role ``name`` trusting EC2 with ``policy_arn`` attached, and the instance
    profile of the same name holding it; returns the role's and the profile's ARNs."""
    iam = lab.client("iam")
    try:
        role_arn: str = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        extra = {"Description": description} if description else {}
        role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST_POLICY), **extra)[
            "Role"
        ]["Arn"]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    if policy_arn not in [p["PolicyArn"] for p in attached]:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    try:
        profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    except iam.exceptions.NoSuchEntityException:
        profile = iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    if not profile["Roles"]:
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return role_arn, profile["Arn"]


def ensure_logs_agent_role(lab: Any, instance_id: str | None = None) -> LogsAgentRole:
    """Create, or reuse, the article's policy, the EC2 role with only that policy, and its
    instance profile (named like the role, as the console does); associate it with
    ``instance_id`` when that instance has no profile yet. What notebook 03 builds step by step."""
    iam = lab.client("iam")
    policies = iam.list_policies(Scope="Local")["Policies"]
    policy_arn = next((p["Arn"] for p in policies if p["PolicyName"] == LOGS_POLICY_NAME), None)
    if policy_arn is None:
        policy_arn = iam.create_policy(
            PolicyName=LOGS_POLICY_NAME,
            PolicyDocument=json.dumps(QUICK_START_POLICY),
            Description="CloudWatch Logs agent quick start policy",
        )["Policy"]["Arn"]
    role_arn, profile_arn = ensure_ec2_role(lab, LOGS_ROLE_NAME, policy_arn)
    if instance_id is not None:
        ec2 = lab.client("ec2")
        current = ec2.describe_iam_instance_profile_associations(
            Filters=[{"Name": "instance-id", "Values": [instance_id]}]
        )["IamInstanceProfileAssociations"]
        if not any(a["State"] in ("associating", "associated") for a in current):
            ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": LOGS_ROLE_NAME}, InstanceId=instance_id)
    return LogsAgentRole(LOGS_ROLE_NAME, role_arn, policy_arn, LOGS_ROLE_NAME, profile_arn)
