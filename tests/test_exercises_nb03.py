"""Checkers of notebook 03's exercises: the right answer and several wrong ones.

They judge policies by evaluation (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

import json

import pytest

from labkit.aws import iam_policies
from labkit.course.exercises.nb03 import MISCONFIGURED_ROLE, POLICY_NAME, fix_trust, ssh_logs_policy
from labkit.runtime.lab import Lab
from labkit.runtime.redact import mask_account


def _create(lab: Lab, document: dict) -> None:
    lab.client("iam").create_policy(PolicyName=POLICY_NAME, PolicyDocument=json.dumps(document))


def test_least_privilege_policy_is_accepted(lab: Lab) -> None:
    _create(lab, iam_policies.least_privilege_policy(lab.region, lab.account_id, "ssh_logs"))
    assert ssh_logs_policy.problems(lab) == []


def test_missing_policy_is_named(lab: Lab) -> None:
    assert ssh_logs_policy.problems(lab) == [f"there is no customer managed policy named {POLICY_NAME!r}"]


def test_quick_start_policy_is_too_broad(lab: Lab) -> None:
    _create(lab, iam_policies.QUICK_START_POLICY)
    problems = ssh_logs_policy.problems(lab)
    assert any("app_logs" in p for p in problems)
    assert all("does not allow" not in p for p in problems)


def test_group_arn_without_the_trailing_star_misses_the_streams(lab: Lab) -> None:
    document = iam_policies.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
    document["Statement"][0]["Resource"] = [
        iam_policies.log_group_arn(lab.region, lab.account_id, "ssh_logs", for_tagging=True)
    ]
    _create(lab, document)
    assert any(p.startswith("it does not allow logs:PutLogEvents") for p in ssh_logs_policy.problems(lab))


def test_logs_star_action_allows_too_much(lab: Lab) -> None:
    document = iam_policies.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
    document["Statement"][0]["Action"] = "logs:*"
    _create(lab, document)
    problems = ssh_logs_policy.problems(lab)
    assert problems[0] == (
        "it allows logs:DeleteLogGroup on "
        f"{mask_account(iam_policies.log_group_arn(lab.region, lab.account_id, 'ssh_logs'))}, which the agent does not need"
    )
    assert len(problems) == 2 and "ex1.reset(lab)" in problems[1]


def _misconfigured(lab: Lab) -> None:
    lab.client("iam").create_role(
        RoleName=MISCONFIGURED_ROLE,
        AssumeRolePolicyDocument=json.dumps(iam_policies.trust_policy("lambda.amazonaws.com")),
    )


def _trust(lab: Lab, document: dict) -> None:
    lab.client("iam").update_assume_role_policy(RoleName=MISCONFIGURED_ROLE, PolicyDocument=json.dumps(document))


def test_trust_fixed_for_ec2_is_accepted(lab: Lab) -> None:
    _misconfigured(lab)
    _trust(lab, iam_policies.trust_policy("ec2.amazonaws.com"))
    assert fix_trust.problems(lab) == []


def test_trust_left_for_lambda_is_refused(lab: Lab) -> None:
    _misconfigured(lab)
    assert fix_trust.problems(lab) == ["its trust policy still does not let ec2.amazonaws.com assume the role"]


def test_trusting_everyone_is_refused(lab: Lab) -> None:
    _misconfigured(lab)
    _trust(
        lab, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}
    )
    assert "anyone" in fix_trust.problems(lab)[0]


def test_missing_role_is_named(lab: Lab) -> None:
    assert "does not exist" in fix_trust.problems(lab)[0]


def _solve_policy(lab: Lab) -> None:
    exec(
        ssh_logs_policy.solution_code,
        {
            "iam": lab.client("iam"),
            "lab": lab,
            "json": json,
            "least_privilege_policy": iam_policies.least_privilege_policy,
        },
    )


def _wrong_resource(lab: Lab) -> dict:
    document = iam_policies.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
    document["Statement"][0]["Resource"] = [iam_policies.log_group_arn(lab.region, lab.account_id, "app_logs")]
    return document


def _wrong_action(lab: Lab) -> dict:
    document = iam_policies.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")
    document["Statement"][0]["Action"] = ["logs:PutLogEvents"]
    return document


WRONG_POLICIES = {
    "too broad (quick start)": lambda lab: iam_policies.QUICK_START_POLICY,  # clause "least-privilege"
    "another group": _wrong_resource,  # clause "for the ssh_logs group"
    "misses an action the agent needs": _wrong_action,  # clause "that the agent can write with"
}


@pytest.mark.parametrize("wrong", WRONG_POLICIES, ids=list(WRONG_POLICIES))
def test_each_wrong_policy_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    _create(lab, WRONG_POLICIES[wrong](lab))
    problems = ssh_logs_policy.problems(lab)
    assert problems and "ex1.reset(lab)" in problems[-1]
    _solve_policy(lab)
    _solve_policy(lab)  # the solution cell run twice
    assert ssh_logs_policy.problems(lab) == []


def test_reset_deletes_the_policy_and_its_versions(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    _create(lab, iam_policies.QUICK_START_POLICY)
    _solve_policy(lab)
    ssh_logs_policy.reset(lab)
    assert "deleted the policy 'ssh-logs-writer' (2 versions)" in capsys.readouterr().out
    assert ssh_logs_policy.problems(lab) == [f"there is no customer managed policy named {POLICY_NAME!r}"]
    lab.client("iam").create_policy(
        PolicyName=POLICY_NAME,
        PolicyDocument=json.dumps(iam_policies.least_privilege_policy(lab.region, lab.account_id, "ssh_logs")),
    )
    assert ssh_logs_policy.problems(lab) == []


def _statement(principal: object) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


WRONG_TRUSTS = {
    # clause "so that EC2 can use it"
    "still Lambda only": lambda lab: iam_policies.trust_policy("lambda.amazonaws.com"),
    # clause "and nobody else"
    "EC2 and Lambda": lambda lab: _statement({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}),
    "EC2 and the whole account": lambda lab: _statement(
        {"Service": "ec2.amazonaws.com", "AWS": f"arn:aws:iam::{lab.account_id}:root"}
    ),
    "everyone": lambda lab: _statement("*"),
}


@pytest.mark.parametrize("wrong", WRONG_TRUSTS, ids=list(WRONG_TRUSTS))
def test_each_wrong_trust_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    _misconfigured(lab)
    _trust(lab, WRONG_TRUSTS[wrong](lab))
    assert fix_trust.problems(lab) != []
    exec(fix_trust.solution_code, {"iam": lab.client("iam"), "json": json, "trust_policy": iam_policies.trust_policy})
    assert fix_trust.problems(lab) == []
