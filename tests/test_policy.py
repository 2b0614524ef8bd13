"""The IAM policy a sandbox user needs for the labs (policies/labkit-sandbox-policy.json), linted.

Each action must name a real API operation of its service in botocore's models, except the
documented permission-only actions (iam:PassRole, "Granting a user permissions to pass a role",
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html; budgets:ViewBudget
and budgets:ModifyBudget, "Actions, resources, and condition keys for AWS Budgets",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html).
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest

POLICY = Path(__file__).resolve().parents[1] / "policies" / "labkit-sandbox-policy.json"
#: IAM service prefix -> botocore service name, where they differ.
PREFIX_TO_SERVICE = {"tag": "resourcegroupstaggingapi", "servicequotas": "service-quotas"}
PERMISSION_ONLY = {"iam:PassRole", "budgets:ViewBudget", "budgets:ModifyBudget"}


def _actions() -> list[str]:
    document = json.loads(POLICY.read_text())
    return [action for statement in document["Statement"] for action in statement["Action"]]


def test_policy_document_is_well_formed() -> None:
    document = json.loads(POLICY.read_text())
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*" and statement["Sid"].isalnum()
    actions = _actions()
    assert len(actions) == len(set(actions)), "duplicate actions"
    assert not any("*" in action for action in actions), "no wildcards: name each action"


@pytest.mark.parametrize("action", _actions())
def test_each_action_is_a_real_operation(action: str) -> None:
    if action in PERMISSION_ONLY:
        return
    prefix, operation = action.split(":")
    model = botocore.session.get_session().get_service_model(PREFIX_TO_SERVICE.get(prefix, prefix))
    assert operation in model.operation_names, f"{action} is not an operation of {model.service_name}"
