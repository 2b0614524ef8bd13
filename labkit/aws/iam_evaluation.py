"""IAM policy evaluation, offline: does a set of identity-based policies allow an action on a resource?

The rules implemented, with the AWS pages they come from:

* Decision ("Policy evaluation logic",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, and "The
  difference between explicit and implicit denies",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html):
  an applicable ``Deny`` statement wins (``explicitDeny``); otherwise an applicable ``Allow`` allows
  (``allowed``); otherwise the request is denied by default (``implicitDeny``).
* ``Action`` / ``NotAction`` ("IAM JSON policy elements: Action",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html): the
  service prefix and action name are case-insensitive; ``*`` and ``?`` are wildcards. ``NotAction``
  applies to every action *except* those listed.
* ``Resource`` / ``NotResource`` ("IAM JSON policy elements: Resource",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html):
  ``*`` (any characters) and ``?`` (one character) work within a colon-separated segment of an ARN;
  a ``*`` that is the last character of a segment can expand beyond the colons. ARNs compare
  case-sensitively.
* ``Principal`` in a role's trust policy ("IAM JSON policy elements: Principal",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
  ``"*"`` is anyone; ``{"AWS": "arn:aws:iam::123456789012:root"}`` or the bare account id means the
  account (its principals still need an identity-based allow, which the lab's learner has);
  ``{"AWS": <ARN>}`` one principal; ``{"Service": "ec2.amazonaws.com"}`` a service.

Not evaluated offline (a policy using them raises :class:`~labkit.exceptions.UnsupportedPolicyElement`
rather than giving a wrong answer): ``Condition``, ``NotPrincipal``, policy variables such as
``${aws:username}``. Also outside this module: SCPs, permissions boundaries, session policies and
resource-based policies — the lab's account has none of them.

Taught in notebook 03-iam-role-for-logs-agent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labkit.aws import jsontext
from labkit.exceptions import UnsupportedPolicyElement

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

Policy = Mapping[str, Any]


@dataclass(frozen=True)
class Decision:
    """The outcome for one request: ``allowed``, ``explicitDeny`` or ``implicitDeny`` (the
    simulator's ``EvalDecision`` values), and which policies' statements decided it."""

    decision: str
    matched: tuple[str, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


@dataclass(frozen=True)
class Principal:
    """Who is asking: ``kind`` is ``AWS`` (an IAM user or role, ``arn`` set) or ``Service``."""

    kind: str
    name: str
    account: str = ""


def load(policy: Policy | str) -> Policy:
    """A policy document as a dict (accepts the JSON string IAM stores)."""
    return jsontext.loads(policy) if isinstance(policy, str) else policy


def statements(policy: Policy | str) -> list[dict[str, Any]]:
    """The policy's statements as a list (``Statement`` may be one object or a list)."""
    found = load(policy).get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _refuse_unsupported(statement: Mapping[str, Any]) -> None:
    for element in ("Condition", "NotPrincipal"):
        if element in statement:
            raise UnsupportedPolicyElement(
                f"the offline evaluator does not evaluate {element}; AWS would (remove it, or test on AWS)"
            )
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if any("${" in value for value in _as_list(statement.get(key, []))):
            raise UnsupportedPolicyElement("the offline evaluator does not substitute policy variables (${...})")


def _wildcard(pattern: str, *, any_char: str) -> str:
    return "".join(any_char + "*" if c == "*" else any_char if c == "?" else re.escape(c) for c in pattern)


def action_matches(pattern: str, action: str) -> bool:
    """Whether an ``Action`` entry such as ``logs:Put*`` covers ``action`` (case-insensitive)."""
    return re.fullmatch(_wildcard(pattern, any_char="."), action, flags=re.IGNORECASE | re.DOTALL) is not None


def resource_matches(pattern: str, arn: str) -> bool:
    """Whether a ``Resource`` entry covers ``arn`` (segment-aware wildcards, case-sensitive)."""
    if pattern == "*":
        return True
    regex = []
    for position, char in enumerate(pattern):
        if char == "*":
            # A * ending its segment may run across colons; inside a segment it may not.
            ends_segment = position + 1 == len(pattern) or pattern[position + 1] == ":"
            regex.append(".*" if ends_segment else "[^:]*")
        elif char == "?":
            regex.append("[^:]")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), arn, flags=re.DOTALL) is not None


def statement_applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    """Whether one statement applies to ``action`` on ``resource`` (its Action and Resource parts)."""
    _refuse_unsupported(statement)
    if "NotAction" in statement:
        action_ok = not any(action_matches(p, action) for p in _as_list(statement["NotAction"]))
    else:
        action_ok = any(action_matches(p, action) for p in _as_list(statement.get("Action", [])))
    if not action_ok:
        return False
    if "NotResource" in statement:
        return not any(resource_matches(p, resource) for p in _as_list(statement["NotResource"]))
    return any(resource_matches(p, resource) for p in _as_list(statement.get("Resource", [])))


def evaluate(policies: Sequence[tuple[str, Policy | str]], action: str, resource: str = "*") -> Decision:
    """Evaluate identity-based ``policies`` (``(policy id, document)`` pairs) for one request."""
    allows: list[str] = []
    denies: list[str] = []
    for policy_id, document in policies:
        for statement in statements(document):
            if statement_applies(statement, action, resource):
                (denies if statement.get("Effect") == "Deny" else allows).append(policy_id)
    if denies:
        return Decision(EXPLICIT_DENY, tuple(dict.fromkeys(denies)))
    if allows:
        return Decision(ALLOWED, tuple(dict.fromkeys(allows)))
    return Decision(IMPLICIT_DENY)


def _principal_matches(element: Any, principal: Principal) -> bool:
    if element == "*":
        return True
    if not isinstance(element, Mapping):
        return False
    values = _as_list(element.get(principal.kind, []))
    if principal.kind == "Service":
        return principal.name in values
    root = f"arn:aws:iam::{principal.account}:root"
    return any(value in ("*", principal.name, principal.account, root) for value in values)


def trust_allows(trust_policy: Policy | str, principal: Principal, action: str = "sts:AssumeRole") -> bool:
    """Whether a role's trust policy lets ``principal`` assume the role (explicit deny wins)."""
    allowed = False
    for statement in statements(trust_policy):
        _refuse_unsupported(statement)
        if not any(action_matches(p, action) for p in _as_list(statement.get("Action", []))):
            continue
        if not _principal_matches(statement.get("Principal"), principal):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def actions_granted(policy: Policy | str) -> set[str]:
    """The action entries a policy's Allow statements name (as written, wildcards kept)."""
    return {
        action
        for statement in statements(policy)
        if statement.get("Effect") == "Allow"
        for action in _as_list(statement.get("Action", []))
    }
