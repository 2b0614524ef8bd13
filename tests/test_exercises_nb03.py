"""Checkers of notebook 03's exercises: the right answer and several wrong ones.

They judge policies by evaluation (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

import json

from labkit import iam
from labkit.exercises.nb03 import MISCONFIGURED_ROLE, POLICY_NAME, fix_trust, ssh_logs_policy
from labkit.lab import Lab


def _create(lab: Lab, document: dict) -> None:
    lab.client("iam").create_policy(PolicyName=POLICY_NAME, PolicyDocument=json.dumps(document))


def test_least_privilege_policy_is_accepted(lab: Lab) -> None:
    _create(lab, iam.least_privilege_policy(lab.region, lab.account_id, "ssh_logs"))
    assert ssh_logs_policy.problems(lab) == []


def test_missing_policy_is_named(lab: Lab) -> None:
    assert ssh_logs_policy.problems(lab) == [f"there is no customer managed policy named {POLICY_NAME!r}"]


def test_quick_start_policy_is_too_broad(lab: Lab) -> None:
    _create(lab, iam.QUICK_START_POLICY)
    problems = ssh_logs_policy.problems(lab)
    assert any("app_logs" in p for p in problems)
    assert all("does not allow" not in p for p in problems)


def test_group_arn_without_the_trailing_star_misses_the_streams(lab: Lab) -> None:
    document = iam.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
    document["Statement"][0]["Resource"] = [iam.log_group_arn(lab.region, lab.account_id, "ssh_logs", for_tagging=True)]
    _create(lab, document)
    assert any(p.startswith("it does not allow logs:PutLogEvents") for p in ssh_logs_policy.problems(lab))


def test_logs_star_action_allows_too_much(lab: Lab) -> None:
    document = iam.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
    document["Statement"][0]["Action"] = "logs:*"
    _create(lab, document)
    assert ssh_logs_policy.problems(lab) == [
        "it allows logs:DeleteLogGroup on "
        f"{iam.mask_account(iam.log_group_arn(lab.region, lab.account_id, 'ssh_logs'))}, which the agent does not need"
    ]


def _misconfigured(lab: Lab) -> None:
    lab.client("iam").create_role(
        RoleName=MISCONFIGURED_ROLE, AssumeRolePolicyDocument=json.dumps(iam.trust_policy("lambda.amazonaws.com"))
    )


def _trust(lab: Lab, document: dict) -> None:
    lab.client("iam").update_assume_role_policy(RoleName=MISCONFIGURED_ROLE, PolicyDocument=json.dumps(document))


def test_trust_fixed_for_ec2_is_accepted(lab: Lab) -> None:
    _misconfigured(lab)
    _trust(lab, iam.trust_policy("ec2.amazonaws.com"))
    assert fix_trust.problems(lab) == []


def test_trust_left_for_lambda_is_refused(lab: Lab) -> None:
    _misconfigured(lab)
    assert fix_trust.problems(lab) == ["its trust policy still does not let ec2.amazonaws.com assume the role"]


def test_trusting_everyone_is_refused(lab: Lab) -> None:
    _misconfigured(lab)
    _trust(lab, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]})
    assert "anyone" in fix_trust.problems(lab)[0]


def test_missing_role_is_named(lab: Lab) -> None:
    assert "does not exist" in fix_trust.problems(lab)[0]
