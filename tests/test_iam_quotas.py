"""IAM's quotas on policy documents and attachments, and the trust policy's syntax, enforced offline
(labkit/aws/iam_limits.py, labkit/emulator/iam_quotas.py).

"IAM and AWS STS quotas": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html;
"Grammar of the IAM JSON policy language":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.aws import iam_limits
from labkit.aws.iam_policies import trust_policy
from labkit.runtime.lab import Lab

TRUST = json.dumps(trust_policy())


def _sized(size: int, *, trust: bool = False) -> str:
    """A policy document of exactly ``size`` characters as IAM counts them (white space left out), printed
    with indentation so that its text is longer than its size."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole" if trust else "logs:PutLogEvents"}
    resource = "arn:aws:logs:*:*:log-group:"
    statement["Principal" if trust else "Resource"] = {"Service": ""} if trust else resource
    document = {"Version": "2012-10-17", "Statement": [statement]}
    padding = size - iam_limits.policy_size(document)
    assert padding >= 0
    if trust:
        statement["Principal"]["Service"] = "e" * padding
    else:
        statement["Resource"] = resource + "r" * padding
    text = json.dumps(document, indent=4)
    assert iam_limits.policy_size(text) == size and len(text) > size
    return text


def _refused(call: Any, code: str, message: str, status: int) -> None:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (code, message)
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status


@pytest.fixture
def iam(lab: Lab) -> Any:
    client = lab.client("iam")
    client.create_role(RoleName="agent", AssumeRolePolicyDocument=TRUST)
    client.create_user(UserName="learner")
    client.create_group(GroupName="readers")
    return client


def test_white_space_is_not_counted() -> None:
    assert iam_limits.policy_size('{ "a" :\n\t"b c" }') == 10
    assert iam_limits.policy_size({"a": "b"}) == iam_limits.policy_size('{"a":"b"}') == 9


@pytest.mark.parametrize(
    "document",
    [
        '{"Version": "2012-10-17", "Statement": ',  # not JSON
        "[]",  # not an object
        '{"Version": "2012-10-17"}',  # no Statement
        '{"Version": "2012-10-17", "Statement": []}',  # no statement in it
        '{"Version": "2012-10-17", "Statement": [[]]}',  # a statement that is not an object
        '{"Version": "2013-01-01", "Statement": {"Effect": "Allow"}}',  # not one of the grammar's versions
        '{"Version": ["2012-10-17"], "Statement": {"Effect": "Allow"}}',
        '{"Policy": 1, "Statement": {"Effect": "Allow"}}',  # not an element of a policy
        '{"Statement": {"Action": "sts:AssumeRole"}}',  # no Effect
        '{"Statement": {"Effect": "Allow", "Actions": "sts:AssumeRole"}}',  # not an element of a statement
        # within the length quota, nested deeper than Python's parser goes
        '{"Statement":' + "[" * 1000 + "]" * 1000 + "}",
    ],
)
def test_a_trust_policy_that_is_not_a_policy_is_refused_and_no_role_is_made(lab: Lab, document: str) -> None:
    iam = lab.client("iam")
    _refused(
        lambda: iam.create_role(RoleName="broken", AssumeRolePolicyDocument=document),
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
        400,
    )
    assert iam.list_roles()["Roles"] == []


@pytest.mark.parametrize(
    "document",
    [
        TRUST,
        TRUST.replace("2012-10-17", "2008-10-17"),
        json.dumps({"Statement": trust_policy()["Statement"][0]}),  # no Version; one statement, not an array
    ],
)
def test_well_formed_trust_policies_are_accepted(lab: Lab, document: str) -> None:
    iam = lab.client("iam")
    iam.create_role(RoleName="ok", AssumeRolePolicyDocument=document)
    assert iam.get_role(RoleName="ok")["Role"]["AssumeRolePolicyDocument"] == json.loads(document)


def test_the_trust_policy_length_quota_counts_no_white_space(lab: Lab) -> None:
    iam = lab.client("iam")
    iam.create_role(RoleName="at-quota", AssumeRolePolicyDocument=_sized(2048, trust=True))
    _refused(
        lambda: iam.create_role(RoleName="over", AssumeRolePolicyDocument=_sized(2049, trust=True)),
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
        409,
    )
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == ["at-quota"]


def test_update_assume_role_policy_keeps_the_old_policy_when_refused(iam: Any) -> None:
    _refused(
        lambda: iam.update_assume_role_policy(RoleName="agent", PolicyDocument=_sized(2049, trust=True)),
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
        409,
    )
    _refused(
        lambda: iam.update_assume_role_policy(RoleName="agent", PolicyDocument="{"),
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
        400,
    )
    assert iam.get_role(RoleName="agent")["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)


@pytest.mark.parametrize(
    ("entity", "name", "limit"), [("role", "agent", 10240), ("user", "learner", 2048), ("group", "readers", 5120)]
)
def test_inline_policies_of_an_entity_together_stay_within_its_quota(
    iam: Any, entity: str, name: str, limit: int
) -> None:
    kind = entity.capitalize()
    put = getattr(iam, f"put_{entity}_policy")
    first = limit // 2
    put(**{f"{kind}Name": name, "PolicyName": "first", "PolicyDocument": _sized(first)})
    put(**{f"{kind}Name": name, "PolicyName": "second", "PolicyDocument": _sized(limit - first)})  # exactly at it
    _refused(
        lambda: put(**{f"{kind}Name": name, "PolicyName": "third", "PolicyDocument": _sized(200)}),
        "LimitExceeded",
        f"Maximum policy size of {limit} bytes exceeded for {entity} {name}",
        409,
    )
    # A policy put again under its own name replaces itself: only the other one counts with it.
    put(**{f"{kind}Name": name, "PolicyName": "second", "PolicyDocument": _sized(limit - first - 10)})
    _refused(
        lambda: put(**{f"{kind}Name": name, "PolicyName": "second", "PolicyDocument": _sized(limit - first + 1)}),
        "LimitExceeded",
        f"Maximum policy size of {limit} bytes exceeded for {entity} {name}",
        409,
    )
    names = getattr(iam, f"list_{entity}_policies")(**{f"{kind}Name": name})["PolicyNames"]
    assert sorted(names) == ["first", "second"]
    kept = getattr(iam, f"get_{entity}_policy")(**{f"{kind}Name": name, "PolicyName": "second"})["PolicyDocument"]
    assert iam_limits.policy_size(kept) == limit - first - 10


def test_a_managed_policy_stays_within_6144_characters(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="at-quota", PolicyDocument=_sized(6144))["Policy"]["Arn"]
    _refused(
        lambda: iam.create_policy(PolicyName="over", PolicyDocument=_sized(6145)),
        "LimitExceeded",
        "Cannot exceed quota for PolicySize: 6144",
        409,
    )
    _refused(
        lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=_sized(6145), SetAsDefault=True),
        "LimitExceeded",
        "Cannot exceed quota for PolicySize: 6144",
        409,
    )
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["at-quota"]
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 1


@pytest.mark.parametrize(
    ("entity", "name", "quota"),
    [
        ("role", "agent", "PoliciesPerRole"),
        ("user", "learner", "PoliciesPerUser"),
        ("group", "readers", "PoliciesPerGroup"),
    ],
)
def test_at_most_ten_managed_policies_are_attached(iam: Any, entity: str, name: str, quota: str) -> None:
    kind = entity.capitalize()
    attach = getattr(iam, f"attach_{entity}_policy")
    arns = [iam.create_policy(PolicyName=f"p{n}", PolicyDocument=_sized(200))["Policy"]["Arn"] for n in range(11)]
    for arn in arns[:10]:
        attach(**{f"{kind}Name": name, "PolicyArn": arn})
    attach(**{f"{kind}Name": name, "PolicyArn": arns[0]})  # attached already: nothing changes, nothing refused
    _refused(
        lambda: attach(**{f"{kind}Name": name, "PolicyArn": arns[10]}),
        "LimitExceeded",
        f"Cannot exceed quota for {quota}: 10",
        409,
    )
    attached = getattr(iam, f"list_attached_{entity}_policies")(**{f"{kind}Name": name})["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == sorted(arns[:10])


def test_a_missing_entity_is_still_moto_s_no_such_entity(lab: Lab) -> None:
    iam = lab.client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.put_role_policy(RoleName="nobody", PolicyName="p", PolicyDocument=_sized(200))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName="nobody", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
