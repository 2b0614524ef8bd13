"""The IAM side of the article's "give EC2 permission to write to CloudWatch Logs" step.

The article pastes the policy from AWS's CloudWatch Logs agent quick start, makes a role for EC2
that has only that policy, and applies the role to the instance. This module holds those
documents, a least-privilege variant for the ``ssh_logs`` group, AWS's managed
``CloudWatchAgentServerPolicy`` for comparison, and the resource ARNs CloudWatch Logs checks
permissions against. The role and instance profile the lab makes from them are
:mod:`labkit.lesson.iam`'s.

Taught in notebook 03-iam-role-for-logs-agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.aws import iam_evaluation

#: Where the article's policy comes from ("Quick Start: Install and configure the CloudWatch Logs
#: agent on a running EC2 Linux instance").
QUICK_START_URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/QuickStartEC2Instance.html"

#: The policy of the quick start (step 1, "Configure your IAM role or user for CloudWatch Logs"),
#: as the article pastes it.
QUICK_START_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            "Resource": ["arn:aws:logs:*:*:*"],
        }
    ],
}

CLOUDWATCH_AGENT_SERVER_POLICY_ARN = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
CLOUDWATCH_AGENT_SERVER_POLICY_URL = (
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchAgentServerPolicy.html"
)
#: AWS's managed policy for the unified CloudWatch agent, as published in the AWS Managed Policy
#: Reference (the version with the Sids below). AWS edits managed policies over time: on AWS,
#: :func:`managed_policy_document` reads the live default version instead of this copy.
CLOUDWATCH_AGENT_SERVER_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CWACloudWatchServerPermissions",
            "Effect": "Allow",
            "Action": [
                "cloudwatch:PutMetricData",
                "ec2:DescribeVolumes",
                "ec2:DescribeTags",
                "logs:PutLogEvents",
                "logs:PutRetentionPolicy",
                "logs:DescribeLogStreams",
                "logs:DescribeLogGroups",
                "logs:CreateLogStream",
                "logs:CreateLogGroup",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        },
        {
            "Sid": "CWASSMServerPermissions",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],
            "Resource": "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*",
        },
    ],
}

#: "Overview of managing access permissions to your CloudWatch Logs resources": the ARN forms
#: CloudWatch Logs checks permissions against.
LOGS_ARNS_URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html"

#: Actions whose resource is a log stream (Service Authorization Reference, CloudWatch Logs:
#: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html).
LOG_STREAM_ACTIONS = frozenset({"PutLogEvents", "GetLogEvents", "DeleteLogStream"})
#: Listing every group is checked against ``log-group:*`` (the CloudWatch Logs guide tells you to
#: write ``arn:aws:logs:<region>:<account>:log-group:*`` for logs:DescribeLogGroups).
ACCOUNT_WIDE_LOG_ACTIONS = frozenset({"DescribeLogGroups"})
#: Tagging actions take the log group ARN *without* the trailing ``:*`` (LOGS_ARNS_URL).
TAGGING_ACTIONS = frozenset({"TagResource", "UntagResource", "ListTagsForResource"})


def trust_policy(service: str = "ec2.amazonaws.com") -> dict[str, Any]:
    """A role trust policy that lets ``service`` assume the role ("Create a role for an AWS
    service", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html).

    ``ec2.amazonaws.com`` is what the console's "AWS service → EC2" choice writes.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


EC2_TRUST_POLICY = trust_policy()


def log_group_arn(region: str, account: str, group: str, *, for_tagging: bool = False) -> str:
    """A log group's ARN as IAM policies name it: with a trailing ``:*`` except for tagging actions."""
    arn = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    return arn if for_tagging else arn + ":*"


def log_stream_arn(region: str, account: str, group: str, stream: str) -> str:
    """A log stream's ARN (``...:log-group:<group>:log-stream:<stream>``)."""
    return f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"


def action_name(service: str, operation: str) -> str:
    """The IAM action for a boto3 call: ``<prefix>:<Operation>``.

    For the services the lab uses the prefix is the boto3 client name and the action has the API
    operation's name ("When you use an action in a policy, you usually allow or deny access to the
    API operation ... with the same name", Service Authorization Reference). Some services differ
    (S3's ListObjectsV2 is s3:ListBucket); the lab does not call them with role credentials.
    """
    return f"{service}:{operation}"


def request_resource(service: str, operation: str, params: Mapping[str, Any], region: str, account: str) -> str:
    """The resource ARN a call is authorized against (CloudWatch Logs; ``*`` for everything else).

    Logs rules: see :data:`LOG_STREAM_ACTIONS`, :data:`ACCOUNT_WIDE_LOG_ACTIONS`, :data:`TAGGING_ACTIONS`
    and :data:`LOGS_ARNS_URL`; any other call naming ``logGroupName`` is checked against the log
    group. For other services the lab evaluates against ``*``, which only a ``"Resource": "*"``
    statement matches — a simplification (those services check specific ARNs for some actions).
    """
    if service != "logs":
        return "*"
    group = params.get("logGroupName") or params.get("logGroupIdentifier")
    if operation in ACCOUNT_WIDE_LOG_ACTIONS:
        return f"arn:aws:logs:{region}:{account}:log-group:*"
    if operation in TAGGING_ACTIONS and params.get("resourceArn"):
        return str(params["resourceArn"])
    if operation in LOG_STREAM_ACTIONS and group and params.get("logStreamName"):
        return log_stream_arn(region, account, group, params["logStreamName"])
    if group:
        return log_group_arn(region, account, group)
    return "*"


def least_privilege_policy(region: str, account: str, log_group: str = "ssh_logs") -> dict[str, Any]:
    """The quick start's four actions, limited to one log group (its streams included).

    ``...:log-group:ssh_logs:*`` matches the group's ARN (``...:log-group:ssh_logs:*``) and, because a
    ``*`` ending an ARN segment may run across colons, each stream
    (``...:log-group:ssh_logs:log-stream:<name>``) — but no other group.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteSshLogsOnly",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group_arn(region, account, log_group)],
            }
        ],
    }


def granted_beyond(policy: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[str]:
    """The actions ``policy`` allows by name that ``baseline`` does not (sorted)."""
    base = iam_evaluation.actions_granted(baseline)
    return sorted(
        a for a in iam_evaluation.actions_granted(policy) if not any(iam_evaluation.action_matches(b, a) for b in base)
    )


def access_denied_message(principal_arn: str, action: str, resource: str, decision: str) -> str:
    """The wording AWS uses for an access-denied error ("Access denied error message examples",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    why = (
        "with an explicit deny in an identity-based policy"
        if decision == iam_evaluation.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}"
