"""Exercises of notebook 03-iam-role-for-logs-agent.

Both checkers judge a policy by what it *does*: they evaluate it offline
(:mod:`labkit.aws.iam_evaluation`) for requests it must allow and requests it must not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.aws import iam_evaluation, iam_policies
from labkit.course.exercises import Exercise
from labkit.i18n import N_, _, ngettext
from labkit.exceptions import UnsupportedPolicyElement
from labkit.runtime.redact import mask_account

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

POLICY_NAME = "ssh-logs-writer"
MISCONFIGURED_ROLE = "lab-misconfigured-role"
STREAM = "i-0123456789abcdef0/var/log/secure"


def _ssh_logs_requests(lab: Lab) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    region, account = lab.region, lab.account_id
    group = iam_policies.log_group_arn(region, account, "ssh_logs")
    must_allow = [
        ("logs:CreateLogStream", group),
        ("logs:DescribeLogStreams", group),
        ("logs:PutLogEvents", iam_policies.log_stream_arn(region, account, "ssh_logs", STREAM)),
    ]
    must_deny = [
        ("logs:PutLogEvents", iam_policies.log_stream_arn(region, account, "app_logs", STREAM)),
        ("logs:CreateLogStream", iam_policies.log_group_arn(region, account, "app_logs")),
        ("logs:PutLogEvents", iam_policies.log_stream_arn("us-east-1", account, "ssh_logs", STREAM)),
        ("logs:DeleteLogGroup", group),
        ("cloudwatch:PutMetricData", "*"),
    ]
    return must_allow, must_deny


def _default_document(lab: Lab, name: str) -> Any | None:
    client = lab.internal_client("iam")
    arn = next((p["Arn"] for p in client.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == name), None)
    if arn is None:
        return None
    version = client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return client.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def _ssh_logs_policy_problems(lab: Lab) -> list[str]:
    document = _default_document(lab, POLICY_NAME)
    if document is None:
        return [_("there is no customer managed policy named {name!r}").format(name=POLICY_NAME)]
    problems = _policy_problems(lab, document)
    if problems:
        problems.append(
            _(
                "IAM refuses create_policy for a name that exists: publish the corrected document with "
                "iam.create_policy_version(PolicyArn=..., PolicyDocument=..., SetAsDefault=True) (a policy keeps at most "
                "5 versions), or run ex1.reset(lab), which deletes the policy {name!r} so that create_policy works again"
            ).format(name=POLICY_NAME)
        )
    return problems


def _policy_problems(lab: Lab, document: Any) -> list[str]:
    must_allow, must_deny = _ssh_logs_requests(lab)
    policies = [(POLICY_NAME, document)]
    problems = []
    try:
        for action, resource in must_allow:
            if not iam_evaluation.evaluate(policies, action, resource).allowed:
                problems.append(
                    _("it does not allow {action} on {resource}").format(action=action, resource=mask_account(resource))
                )
        for action, resource in must_deny:
            if iam_evaluation.evaluate(policies, action, resource).allowed:
                problems.append(
                    _("it allows {action} on {resource}, which the agent does not need").format(
                        action=action, resource=mask_account(resource)
                    )
                )
    except UnsupportedPolicyElement as error:
        return [_("{error}; write it with Action and Resource only").format(error=error)]
    return problems


ssh_logs_policy = Exercise(
    title=N_("a least-privilege policy 'ssh-logs-writer' for the ssh_logs group"),
    checker=_ssh_logs_policy_problems,
    hints=[
        N_("Start from the quick start policy and change only its Resource."),
        N_(
            "A log group's ARN in a policy is arn:aws:logs:<region>:<account>:log-group:<name>:* — the :* also "
            "covers the group's log streams. labkit.aws.iam_policies.log_group_arn builds it."
        ),
        N_(
            "iam.create_policy(PolicyName=..., PolicyDocument=json.dumps(document)); lab.region and lab.account_id "
            "give the region and account."
        ),
    ],
    resetter=lambda lab: _delete_policy(lab),
    notebook="03",
    number=1,
)


def _delete_policy(lab: Lab) -> str:
    """Delete the exercise's policy: its other versions first, as DeletePolicy requires
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html)."""
    client = lab.client("iam")
    arn = f"arn:aws:iam::{lab.account_id}:policy/{POLICY_NAME}"
    try:
        versions = client.list_policy_versions(PolicyArn=arn)["Versions"]
    except client.exceptions.NoSuchEntityException:
        return _("there is no policy {name!r}; nothing deleted").format(name=POLICY_NAME)
    for version in versions:
        if not version["IsDefaultVersion"]:
            client.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    for attached in client.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"]:
        client.detach_role_policy(RoleName=attached["RoleName"], PolicyArn=arn)
    client.delete_policy(PolicyArn=arn)
    return ngettext(
        "deleted the policy {name!r} ({count} version); create it again with iam.create_policy",
        "deleted the policy {name!r} ({count} versions); create it again with iam.create_policy",
        len(versions),
    ).format(name=POLICY_NAME, count=len(versions))


def _trust_problems(lab: Lab) -> list[str]:
    client = lab.internal_client("iam")
    try:
        trust = client.get_role(RoleName=MISCONFIGURED_ROLE)["Role"]["AssumeRolePolicyDocument"]
    except client.exceptions.NoSuchEntityException:
        return [_("the role {name!r} does not exist (run the cell that creates it)").format(name=MISCONFIGURED_ROLE)]
    try:
        if not iam_evaluation.trust_allows(trust, iam_evaluation.Principal("Service", "ec2.amazonaws.com")):
            return [_("its trust policy still does not let ec2.amazonaws.com assume the role")]
        account = lab.account_id
        others = {
            _("anyone (other accounts too)"): iam_evaluation.Principal(
                "AWS", "arn:aws:iam::999999999999:user/stranger", "999999999999"
            ),
            _("every user and role of this account"): iam_evaluation.Principal(
                "AWS", f"arn:aws:iam::{account}:user/colleague", account
            ),
            _("the Lambda service"): iam_evaluation.Principal("Service", "lambda.amazonaws.com"),
            _("the ECS tasks service"): iam_evaluation.Principal("Service", "ecs-tasks.amazonaws.com"),
        }
        trusted = [who for who, principal in others.items() if iam_evaluation.trust_allows(trust, principal)]
        if trusted:
            return [
                _("its trust policy also lets {who} assume the role; name only the EC2 service").format(
                    who=", ".join(trusted)
                )
            ]
    except UnsupportedPolicyElement as error:
        return [_("{error}; a Principal and an Action are all the trust policy needs").format(error=error)]
    return []


fix_trust = Exercise(
    title=N_("the role 'lab-misconfigured-role' can be used by EC2"),
    checker=_trust_problems,
    hints=[
        N_("Who may assume a role is decided by its trust policy, not by its permissions policies."),
        N_(
            "iam.update_assume_role_policy(RoleName=..., PolicyDocument=...) replaces the trust policy; "
            "labkit.aws.iam_policies.trust_policy() writes one for a service."
        ),
    ],
    notebook="03",
    number=2,
)
