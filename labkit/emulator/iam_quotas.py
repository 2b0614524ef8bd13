"""Emulator plugin: IAM's quotas on policy documents and attachments, and the trust policy's syntax.

moto stores a role whose trust policy is not JSON at all, an inline policy of any size and an eleventh
attached managed policy; AWS refuses each. The rules and AWS's words are in :mod:`labkit.aws.iam_limits`
("IAM and AWS STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Each
check runs before moto sees the call, so a refused call stores nothing. When the role, user, group or policy
named does not exist, the check lets the call through and moto answers ``NoSuchEntity`` as AWS does.

What is not checked here: the documentation does not say in which order AWS applies a size quota and the
syntax check to one document; labkit checks the size first.

Taught in notebook 03-iam-role-for-logs-agent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labkit.aws import iam_limits
from labkit.aws.iam_limits import Entity
from labkit.exceptions import ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

#: The request parameter naming the entity of each Put*Policy / Attach*Policy operation.
_NAME_PARAMETER: dict[Entity, str] = {"user": "UserName", "role": "RoleName", "group": "GroupName"}
_QUOTA_NAME: dict[Entity, str] = {"user": "PoliciesPerUser", "role": "PoliciesPerRole", "group": "PoliciesPerGroup"}


def _limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceeded", message, 409)


def check_trust_policy(call: Call) -> None:
    """``CreateRole`` and ``UpdateAssumeRolePolicy``: the trust policy's length, then its syntax."""
    document = call.params.get("AssumeRolePolicyDocument", call.params.get("PolicyDocument", ""))
    if iam_limits.policy_size(document) > iam_limits.TRUST_POLICY_LENGTH:
        raise _limit_exceeded(iam_limits.limit_exceeded_quota("ACLSizePerRole", iam_limits.TRUST_POLICY_LENGTH))
    if not iam_limits.trust_policy_is_well_formed(document):
        raise ServiceError("MalformedPolicyDocument", iam_limits.SYNTAX_ERROR)


def check_managed_policy_size(call: Call) -> None:
    """``CreatePolicy`` and ``CreatePolicyVersion``: one managed policy's size."""
    if iam_limits.policy_size(call.params.get("PolicyDocument", "")) > iam_limits.MANAGED_POLICY_SIZE:
        raise _limit_exceeded(iam_limits.limit_exceeded_quota("PolicySize", iam_limits.MANAGED_POLICY_SIZE))


def _inline_policies(call: Call, entity: Entity, name: str) -> dict[str, Any] | None:
    """The entity's inline policies by name (``None`` when the entity does not exist)."""
    iam = call.internal("iam")
    kind = entity.capitalize()
    try:
        names = iam.get_paginator(f"list_{entity}_policies").paginate(**{f"{kind}Name": name})
        return {
            policy: getattr(iam, f"get_{entity}_policy")(**{f"{kind}Name": name, "PolicyName": policy})[
                "PolicyDocument"
            ]
            for page in names
            for policy in page["PolicyNames"]
        }
    except iam.exceptions.NoSuchEntityException:
        return None


def _check_inline_size(entity: Entity) -> Callable[[Call], None]:
    def check(call: Call) -> None:
        """``Put<Entity>Policy``: the entity's inline policies together, this one replacing any of its name."""
        name = call.params.get(_NAME_PARAMETER[entity], "")
        existing = _inline_policies(call, entity, name)
        if existing is None:
            return
        existing.pop(call.params.get("PolicyName", ""), None)
        total = sum(map(iam_limits.policy_size, existing.values()))
        total += iam_limits.policy_size(call.params.get("PolicyDocument", ""))
        if total > iam_limits.INLINE_POLICY_SIZE[entity]:
            raise _limit_exceeded(iam_limits.inline_size_exceeded(entity, name))

    return check


def _check_attached_count(entity: Entity) -> Callable[[Call], None]:
    def check(call: Call) -> None:
        """``Attach<Entity>Policy``: one more managed policy than the quota allows (attaching one that is
        attached already changes nothing, so it is never refused)."""
        iam = call.internal("iam")
        kind = entity.capitalize()
        name = call.params.get(_NAME_PARAMETER[entity], "")
        try:
            pages = iam.get_paginator(f"list_attached_{entity}_policies").paginate(**{f"{kind}Name": name})
            attached = {policy["PolicyArn"] for page in pages for policy in page["AttachedPolicies"]}
        except iam.exceptions.NoSuchEntityException:
            return
        limit = iam_limits.ATTACHED_POLICIES[entity]
        if call.params.get("PolicyArn") not in attached and len(attached) >= limit:
            raise _limit_exceeded(iam_limits.limit_exceeded_quota(_QUOTA_NAME[entity], limit))

    return check


class IamQuotas:
    """The plugin keeps no state: its checks are the functions above."""


def install(emulator: Emulator) -> IamQuotas:
    """Register the quota and syntax checks on ``emulator``."""
    emulator.validates("iam", "CreateRole")(check_trust_policy)
    emulator.validates("iam", "UpdateAssumeRolePolicy")(check_trust_policy)
    emulator.validates("iam", "CreatePolicy")(check_managed_policy_size)
    emulator.validates("iam", "CreatePolicyVersion")(check_managed_policy_size)
    entities: tuple[Entity, ...] = ("user", "role", "group")
    for entity in entities:
        kind = entity.capitalize()
        emulator.validates("iam", f"Put{kind}Policy")(_check_inline_size(entity))
        emulator.validates("iam", f"Attach{kind}Policy")(_check_attached_count(entity))
    return IamQuotas()
