"""Notebook 03-iam-role-for-logs-agent: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exam import question
from labkit.course.manifest import Catchup, Manifest
from labkit.i18n import N_
from labkit.lesson import prereqs

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _logs_role(lab: Lab, made: dict[str, Any], confirm_cost: bool) -> Any:
    return prereqs.logs_agent_role(lab, made["instance"].instance_id)


MANIFEST = Manifest(
    number="03",
    slug="iam-role-for-logs-agent",
    title="An IAM role for the logs agent",
    title_ja="ログエージェント用の IAM ロール",
    teaches="the role and instance profile that let EC2 write to CloudWatch Logs; least privilege",
    minutes=25,
    differences=(
        (
            N_(
                "IAM decisions come from labkit's evaluator, not AWS: identity-based policies only (explicit deny > "
                "allow > implicit deny, Action/NotAction, Resource/NotResource wildcards). It refuses to guess on "
                "Condition, NotPrincipal and policy variables; there are no SCPs, permission boundaries or session "
                "policies; policy changes apply at once (AWS is eventually consistent)."
            )
        ),
        (
            N_(
                "`lab.client_as(role, service)` exists only offline: on AWS a role's credentials reach the instance "
                "through its metadata. Calls outside CloudWatch Logs are checked against resource `*`, and with several "
                "ResourceArns the simulator returns one result per action and resource."
            )
        ),
        (
            N_(
                "You act as an administrator (moto's user); your own calls are never denied. Associating a missing "
                "instance profile fails with moto's NoSuchEntity, not EC2's error code. CloudWatchAgentServerPolicy is a "
                "copy in labkit (moto has no AWS managed policies); on AWS it is read live."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "An application on EC2 must write to CloudWatch Logs. What is the most secure way to give it credentials?"
            ),
            (
                N_("Store an IAM user's access keys in the application's configuration file"),
                N_("Attach an IAM role to the instance through an instance profile"),
                N_("Use the root user's access keys"),
                N_("Put the access keys in the instance user data"),
            ),
            "B",
            N_(
                "An IAM role delivered through an instance profile gives the instance temporary credentials that are "
                "rotated automatically and read from the instance metadata; no long-term keys are stored on the instance."
            ),
            "1.1",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html",
        ),
        question(
            N_("How many IAM roles can an instance profile contain?"),
            (N_("One"), N_("Two"), N_("Up to ten"), N_("Any number")),
            "A",
            N_("An instance profile can contain only one role, and this quota cannot be increased."),
            "1.1",
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html",
        ),
        question(
            N_(
                "A role for the CloudWatch agent on EC2 is being created. Which principal must its trust policy allow "
                "to call sts:AssumeRole?"
            ),
            (
                N_("logs.amazonaws.com"),
                N_("ec2.amazonaws.com"),
                N_("cloudwatch.amazonaws.com"),
                N_("The account root user"),
            ),
            "B",
            N_(
                "The trust policy names who may assume the role. For a role used by EC2 instances it trusts the EC2 "
                "service principal ec2.amazonaws.com; the permissions policy (e.g. CloudWatchAgentServerPolicy) "
                "says what the role may do."
            ),
            "1.1",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html",
        ),
        question(
            N_(
                "Which AWS managed policy grants what the CloudWatch agent needs to publish metrics and logs from a server?"
            ),
            (
                N_("CloudWatchAgentServerPolicy"),
                N_("AdministratorAccess"),
                N_("CloudWatchReadOnlyAccess"),
                N_("AmazonSSMReadOnlyAccess"),
            ),
            "A",
            N_(
                "AWS documents CloudWatchAgentServerPolicy for the role or user the agent runs as. It follows least "
                "privilege better than AdministratorAccess; a read-only policy cannot write metrics or logs."
            ),
            "1.1",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent.html",
        ),
    ),
    monitoring=("Log",),
    catchup=Catchup(N_("the logs agent role and its instance profile, on the instance"), "role", _logs_role),
)
