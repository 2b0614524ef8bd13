"""AWS Config's ``restricted-ssh`` managed rule, its compliance records and its events.

The article's Config example is a port that someone opened by mistake (開けてはいけないポートを誰かが
間違って開けてしまった). The managed rule ``restricted-ssh`` (identifier ``INCOMING_SSH_DISABLED``)
catches exactly that for SSH: "The rule is COMPLIANT if the IP addresses of the incoming SSH
traffic in the security groups are restricted (CIDR other than 0.0.0.0/0 or ::/0). Otherwise,
NON_COMPLIANT." — https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html

The page names the CIDRs but not which permissions count as "incoming SSH traffic". This module
counts an ingress permission that lets TCP port 22 in: protocol ``tcp`` (or ``6``) with 22 inside
``FromPort..ToPort``, or protocol ``-1`` (all traffic, all ports). That reading is a guess, the
same one the CIS benchmark control for port 22 makes; AWS does not document the port-range case.

The remediation copies the Systems Manager runbook ``AWS-DisablePublicAccessForSecurityGroup``,
which "disables default SSH and RDP ports that are opened to all IP addresses": it revokes TCP 22
and 3389 from 0.0.0.0/0 and ::/0, and fails with ``InvalidPermission.NotFound`` when a group does
not have those exact rules
(https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disablepublicaccessforsecuritygroup.html).

Taught in notebook 06b-config-guardduty-budgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

RULE_NAME = "restricted-ssh"
SOURCE_IDENTIFIER = "INCOMING_SSH_DISABLED"
RESOURCE_TYPE = "AWS::EC2::SecurityGroup"
OPEN_CIDRS = ("0.0.0.0/0", "::/0")
SSH_PORT = 22
#: The ports AWS-DisablePublicAccessForSecurityGroup closes (SSH and RDP).
RUNBOOK_PORTS = (22, 3389)
COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


def lets_ssh_in(permission: dict[str, Any]) -> bool:
    """Whether an ingress permission (EC2 ``IpPermission``) admits TCP port 22 (see the module docstring)."""
    protocol = str(permission.get("IpProtocol", "")).lower()
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or high is None:
        return False
    return int(low) <= SSH_PORT <= int(high)


def open_cidrs(permission: dict[str, Any]) -> list[str]:
    """The unrestricted CIDRs (0.0.0.0/0, ::/0) a permission is open to."""
    found = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
    found += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
    return [cidr for cidr in found if cidr in OPEN_CIDRS]


@dataclass(frozen=True)
class Evaluation:
    """One resource's result for one rule."""

    resource_id: str
    compliance: str
    annotation: str | None


def evaluate_restricted_ssh(group: dict[str, Any]) -> Evaluation:
    """Evaluate one security group (as ``describe_security_groups`` returns it) against ``restricted-ssh``."""
    offending = [
        f"{permission.get('IpProtocol')} {permission.get('FromPort', 'all')}-{permission.get('ToPort', 'all')} from {cidr}"
        for permission in group.get("IpPermissions", [])
        if lets_ssh_in(permission)
        for cidr in open_cidrs(permission)
    ]
    if offending:
        # Managed rules give no annotation text we can copy; this one says what was found.
        return Evaluation(group["GroupId"], NON_COMPLIANT, "Incoming SSH open to the world: " + "; ".join(offending))
    return Evaluation(group["GroupId"], COMPLIANT, None)


def runbook_revocations(group: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``IpPermissions`` that AWS-DisablePublicAccessForSecurityGroup would revoke from ``group``.

    Only exact TCP 22 and 3389 rules open to 0.0.0.0/0 or ::/0, as the runbook's page describes;
    a wider port range stays (on AWS the runbook then fails with ``InvalidPermission.NotFound``).
    """
    revoke: list[dict[str, Any]] = []
    for permission in group.get("IpPermissions", []):
        if str(permission.get("IpProtocol")).lower() not in ("tcp", "6"):
            continue
        port = permission.get("FromPort")
        if port != permission.get("ToPort") or port not in RUNBOOK_PORTS:
            continue
        v4 = [{"CidrIp": c} for c in open_cidrs(permission) if c == "0.0.0.0/0"]
        v6 = [{"CidrIpv6": c} for c in open_cidrs(permission) if c == "::/0"]
        if v4 or v6:
            revoke.append({"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": v4, "Ipv6Ranges": v6})
    return revoke


def iso_millis(when: dt.datetime) -> str:
    """AWS's event timestamp form, ``2016-09-27T19:48:40.619Z``."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def evaluation_result(
    rule_name: str, evaluation: Evaluation, invoked: dt.datetime, recorded: dt.datetime
) -> dict[str, Any]:
    """An ``EvaluationResult`` in the notification's (camelCase) form."""
    return {
        "evaluationResultIdentifier": {
            "evaluationResultQualifier": {
                "configRuleName": rule_name,
                "resourceType": RESOURCE_TYPE,
                "resourceId": evaluation.resource_id,
            },
            "orderingTimestamp": iso_millis(invoked),
        },
        "complianceType": evaluation.compliance,
        "resultRecordedTime": iso_millis(recorded),
        "configRuleInvokedTime": iso_millis(invoked),
        "annotation": evaluation.annotation,
        "resultToken": None,
    }


def compliance_change_detail(
    *,
    account_id: str,
    region: str,
    rule_name: str,
    rule_arn: str,
    new: dict[str, Any],
    old: dict[str, Any] | None,
    when: dt.datetime,
) -> dict[str, Any]:
    """The ``detail`` of a "Config Rules Compliance Change" event.

    Same fields as AWS Config's compliance change notification ("Example Compliance Change
    Notification", https://docs.aws.amazon.com/config/latest/developerguide/example-config-rule-compliance-notification.html;
    the event is listed in https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-config.html).
    ``oldEvaluationResult`` is left out on a resource's first evaluation (there is no old result).
    """
    qualifier = new["evaluationResultIdentifier"]["evaluationResultQualifier"]
    detail: dict[str, Any] = {
        "resourceId": qualifier["resourceId"],
        "awsRegion": region,
        "awsAccountId": account_id,
        "configRuleName": rule_name,
        "recordVersion": "1.0",
        "configRuleARN": rule_arn,
        "messageType": "ComplianceChangeNotification",
        "newEvaluationResult": new,
        "notificationCreationTime": iso_millis(when),
        "resourceType": qualifier["resourceType"],
    }
    if old is not None:
        detail["oldEvaluationResult"] = old
    return detail


def delivery_bucket_policy(bucket: str, account_id: str) -> dict[str, Any]:
    """The bucket policy AWS Config needs to deliver to ``bucket`` (used on a real account).

    "Permissions for the Amazon S3 Bucket for the AWS Config Delivery Channel",
    https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
    """
    condition = {"StringEquals": {"AWS:SourceAccount": account_id}}
    principal = {"Service": "config.amazonaws.com"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSConfigBucketPermissionsCheck",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": condition,
            },
            {
                "Sid": "AWSConfigBucketExistenceCheck",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": condition,
            },
            {
                "Sid": "AWSConfigBucketDelivery",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account_id}/Config/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "AWS:SourceAccount": account_id}
                },
            },
        ],
    }
