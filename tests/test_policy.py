"""The IAM policy a sandbox user needs for the labs (policies/labkit-sandbox-policy.json), linted and checked
against the calls the labs make.

Each action must name a real API operation of its service in botocore's models, except the
documented permission-only actions (iam:PassRole, "Granting a user permissions to pass a role",
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html; budgets:ViewBudget
and budgets:ModifyBudget, "Actions, resources, and condition keys for AWS Budgets",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html; the S3 policy
actions of "Required permissions for Amazon S3 API operations",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).

Every AWS operation the labs call must be allowed: the notebooks' code (``notebooks/src``), what they call in
labkit (``labkit/lesson``: prerequisites and simulations; ``labkit/course``: exercise checkers), and what
``labkit teardown`` and the resource registry call (``labkit/runtime``). A call is found by parsing the source:
``client.method(...)`` where ``client`` was made by ``lab.client("svc")`` / ``internal_client`` / ``client_for``
or is a parameter annotated ``Client`` named after its service, ``get_paginator("method")`` too, and the
creating operations and the delete/exists functions of each resource kind the registry knows. The boto3 method
is mapped to its API operation through botocore's service model, and the operation to the IAM action
``<prefix>:<Operation>``, except the operations of :data:`AUTHORIZED_BY` (their IAM action has another name, or
they need more than one). The create calls the kit tags with ``labkit:lab`` also need the permission to tag on
creation (:data:`TAG_ON_CREATE`).
"""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from labkit.runtime.resources import KINDS
from python_sources import parsed

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "policies" / "labkit-sandbox-policy.json"
#: IAM service prefix -> botocore service name, where they differ.
PREFIX_TO_SERVICE = {"tag": "resourcegroupstaggingapi", "servicequotas": "service-quotas"}
SERVICE_TO_PREFIX = {service: prefix for prefix, service in PREFIX_TO_SERVICE.items()}
_S3_ACTIONS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html"
PERMISSION_ONLY = {
    "iam:PassRole",
    "budgets:ViewBudget",
    "budgets:ModifyBudget",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
}

_BUDGETS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html"
#: API operations whose IAM action is not ``<prefix>:<Operation>``, or that need more actions than it, and the
#: page that says so.
AUTHORIZED_BY: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    # Budgets' operations are authorized by two actions ("API operations defined by AWS Budget Service").
    **{
        ("budgets", operation): (("budgets:ModifyBudget",), _BUDGETS)
        for operation in (
            "CreateBudget",
            "DeleteBudget",
            "CreateNotification",
            "DeleteNotification",
            "CreateSubscriber",
        )
    },
    **{
        ("budgets", operation): (("budgets:ViewBudget",), _BUDGETS)
        for operation in (
            "DescribeBudget",
            "DescribeBudgets",
            "DescribeNotificationsForBudget",
            "DescribeSubscribersForNotification",
        )
    },
    # "Required permissions for Amazon S3 API operations": HeadBucket needs s3:ListBucket, ListObjectVersions
    # s3:ListBucketVersions, DeleteObjects s3:DeleteObject and, with a versionId (teardown empties a versioned
    # bucket), s3:DeleteObjectVersion.
    ("s3", "HeadBucket"): (("s3:ListBucket",), _S3_ACTIONS),
    ("s3", "ListObjectVersions"): (("s3:ListBucketVersions",), _S3_ACTIONS),
    ("s3", "DeleteObjects"): (("s3:DeleteObject", "s3:DeleteObjectVersion"), _S3_ACTIONS),
    # A group from a launch template needs ec2:RunInstances ("Control Amazon EC2 launch template usage in Auto
    # Scaling groups"), and the service-linked role Auto Scaling creates on first use ("You must also have
    # sufficient permissions to create the service-linked role ... if it does not yet exist",
    # https://docs.aws.amazon.com/autoscaling/ec2/userguide/create-auto-scaling-groups-launch-template.html).
    ("autoscaling", "CreateAutoScalingGroup"): (
        ("autoscaling:CreateAutoScalingGroup", "ec2:RunInstances", "iam:CreateServiceLinkedRole"),
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html",
    ),
}

#: The action a create call needs to carry tags (the kit adds ``labkit:lab`` to every kind with a ``tag_style``),
#: by resource kind. "Tag on creation" needs the service's tagging permission as well as the create one: e.g.
#: CreateLogGroup "To assign tags when you create a log group, you must have either the logs:TagResource or
#: logs:TagLogGroup permission" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html),
#: EC2's "Grant permission to tag resources during creation"
#: (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html), and each service's
#: "Actions, resources, and condition keys" page (Service Authorization Reference), which lists the tagging
#: action beside the create operation (for Budgets: CreateBudget, budgets:TagResource, ``_BUDGETS``).
TAG_ON_CREATE = {
    "cloudwatch:alarm": "cloudwatch:TagResource",
    "cloudwatch:alarm-mute-rule": "cloudwatch:TagResource",
    "cloudwatch:insight-rule": "cloudwatch:TagResource",
    "events:rule": "events:TagResource",
    "autoscaling:group": "autoscaling:CreateOrUpdateTags",
    "ec2:flow-log": "ec2:CreateTags",
    "ec2:launch-template": "ec2:CreateTags",
    "ec2:instance": "ec2:CreateTags",
    "ec2:security-group": "ec2:CreateTags",
    "iam:instance-profile": "iam:TagInstanceProfile",
    "iam:role": "iam:TagRole",
    "iam:policy": "iam:TagPolicy",
    "iam:user": "iam:TagUser",
    "sns:topic": "sns:TagResource",
    "sqs:queue": "sqs:TagQueue",
    "logs:log-group": "logs:TagResource",
    "cloudtrail:trail": "cloudtrail:AddTags",
    "config:rule": "config:TagResource",
    "config:recorder": "config:TagResource",
    "guardduty:detector": "guardduty:TagResource",
    "budgets:budget": "budgets:TagResource",
}

#: Where the labs' AWS calls are written (see the module docstring).
CALLERS = ("notebooks/src", "labkit/lesson", "labkit/course", "labkit/runtime")
_CLIENT_MAKERS = {"client", "internal_client", "client_for"}
_SESSION = botocore.session.get_session()
_SERVICES = set(_SESSION.get_available_services())


def _actions() -> list[str]:
    document = json.loads(POLICY.read_text())
    return [action for statement in document["Statement"] for action in statement["Action"]]


def _operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name, from botocore's model of ``service``."""
    return {xform_name(name): name for name in _SESSION.get_service_model(service).operation_names}


def _made_client(node: ast.AST) -> str | None:
    """The service of ``lab.client("svc", ...)`` / ``internal_client`` / ``client_for``, if ``node`` is one."""
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if called in _CLIENT_MAKERS and node.args[0].value in _SERVICES:
            return str(node.args[0].value)
    return None


def _clients(tree: ast.AST) -> dict[str, str]:
    """Names bound to clients in a module, by service: assignments from a client maker (also
    ``a, b = (lab.client(s) for s in ("a", "b"))``) and parameters annotated ``Client`` named after a service."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            service = _made_client(node.value)
            for target in node.targets:
                if service and isinstance(target, ast.Name):
                    names[target.id] = service
                value = node.value
                if isinstance(target, ast.Tuple) and isinstance(value, ast.GeneratorExp):
                    source = value.generators[0].iter
                    maker = value.elt.func if isinstance(value.elt, ast.Call) else None
                    called = maker.attr if isinstance(maker, ast.Attribute) else getattr(maker, "id", None)
                    if isinstance(source, ast.Tuple) and called in _CLIENT_MAKERS:
                        for name, each in zip(target.elts, source.elts):
                            if (
                                isinstance(name, ast.Name)
                                and isinstance(each, ast.Constant)
                                and each.value in _SERVICES
                            ):
                                names[name.id] = str(each.value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for argument in node.args.args:
                annotation = argument.annotation
                if annotation is not None and ast.unparse(annotation) == "Client" and argument.arg in _SERVICES:
                    names[argument.arg] = argument.arg
    return names


def _calls_in(node: ast.AST, clients: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(service, API operation) of each client call under ``node``."""
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        receiver = call.func.value
        service = clients.get(receiver.id) if isinstance(receiver, ast.Name) else _made_client(receiver)
        if service is None:
            continue
        method = call.func.attr
        if method == "get_paginator" and call.args and isinstance(call.args[0], ast.Constant):
            method = str(call.args[0].value)
        operation = _operations(service).get(method)
        if operation is not None:  # anything else is not an API call (a module of the same name, meta, ...)
            yield service, operation


def _registry_calls(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """The calls of each ``ResourceKind(...)``'s lambdas (``lambda c, i: c.delete_x(...)``: ``c`` is a client of
    the kind's service)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ResourceKind":
            service = node.args[1].value  # type: ignore[attr-defined]
            for argument in node.args:
                if isinstance(argument, ast.Lambda) and argument.args.args:
                    yield from _calls_in(argument.body, {argument.args.args[0].arg: service})


def called_operations() -> dict[tuple[str, str], set[str]]:
    """(service, API operation) -> the files that call it (see the module docstring)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for folder in CALLERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = parsed(path)
            where = str(path.relative_to(REPO))
            for call in (*_calls_in(tree, _clients(tree)), *_registry_calls(tree)):
                found[call].add(where)
    for kind in KINDS:
        for operation in kind.create_operations:
            found[(kind.service, operation)].add(f"the registry's kind {kind.name}")
    return found


def needed_actions(service: str, operation: str) -> tuple[str, ...]:
    if (service, operation) in AUTHORIZED_BY:
        return AUTHORIZED_BY[(service, operation)][0]
    return (f"{SERVICE_TO_PREFIX.get(service, service)}:{operation}",)


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
    model = _SESSION.get_service_model(PREFIX_TO_SERVICE.get(prefix, prefix))
    assert operation in model.operation_names, f"{action} is not an operation of {model.service_name}"


def test_the_scan_finds_the_calls_of_the_notebooks_their_helpers_and_teardown() -> None:
    """Not vacuous: calls written each way the scan reads are found, where they are written."""
    found = called_operations()
    assert "notebooks/src/09-alarms-that-scale-and-stay-quiet.py" in found[("cloudwatch", "PutAlarmMuteRule")]
    assert "notebooks/src/08-investigate.py" in found[("logs", "StartQuery")]  # a client bound in the notebook
    assert "labkit/lesson/prereqs.py" in found[("cloudtrail", "CreateTrail")]  # a tuple of clients
    assert "labkit/runtime/resources.py" in found[("s3", "ListObjectVersions")]  # a paginator, a Client parameter
    assert "labkit/runtime/resources.py" in found[("cloudwatch", "DeleteAlarmMuteRule")]  # a registry lambda
    assert "the registry's kind ec2:flow-log" in found[("ec2", "CreateFlowLogs")]


def test_the_policy_allows_every_operation_the_labs_call() -> None:
    allowed = set(_actions())
    missing = sorted(
        f"{action} ({service}.{operation} in {', '.join(sorted(where))})"
        for (service, operation), where in called_operations().items()
        for action in needed_actions(service, operation)
        if action not in allowed
    )
    assert missing == [], "the sandbox policy lacks:\n" + "\n".join(missing)


def test_the_policy_allows_tagging_what_the_kit_tags_on_creation() -> None:
    allowed = set(_actions())
    tagged = {kind.name for kind in KINDS if kind.tag_style is not None}
    assert tagged == set(TAG_ON_CREATE), "say which action tags each kind on creation"
    assert sorted(action for action in TAG_ON_CREATE.values() if action not in allowed) == []


def test_the_policy_fits_in_one_managed_policy() -> None:
    """ "Managed policy size: 6,144 characters" ("IAM does not count white space when calculating the size of a
    policy against this limit", IAM and AWS STS quotas,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""
    assert len("".join(POLICY.read_text().split())) <= 6144


def test_the_service_linked_role_is_only_auto_scalings() -> None:
    """Least privilege: the policy lets the user create only Auto Scaling's service-linked role ("Service-linked
    roles for Amazon EC2 Auto Scaling", condition key iam:AWSServiceName,
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html)."""
    document = json.loads(POLICY.read_text())
    [statement] = [s for s in document["Statement"] if "iam:CreateServiceLinkedRole" in s["Action"]]
    assert statement["Action"] == ["iam:CreateServiceLinkedRole"]
    assert statement["Condition"] == {"StringEquals": {"iam:AWSServiceName": "autoscaling.amazonaws.com"}}
