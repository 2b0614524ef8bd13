"""IAM's documented size quotas on policy documents, and the syntax check of a role's trust policy.

From "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):

* "Role trust policy length: 2048 characters" (default quota, adjustable to 4096: the lab keeps the default);
* inline policies: "the total aggregate policy size (the sum size of all inline policies) per entity cannot
  exceed": user 2,048, role 10,240, group 5,120 characters;
* a managed policy: 6,144 characters;
* "Managed policies attached to an IAM role: 10" (adjustable to 20), an IAM user 10 (adjustable), an IAM
  group 10.

"IAM does not count white space when calculating the size of a policy against these quotas" (the page says
so for inline and managed policies; for the trust policy's length it is silent, and labkit counts it the
same way). The error answers are AWS's ``LimitExceeded`` (HTTP 409) in the words AWS sends, which the API
reference does not print: ``Cannot exceed quota for ACLSizePerRole: 2048``, ``Cannot exceed quota for
PolicySize: 6144``, ``Cannot exceed quota for PoliciesPerRole: 10``, ``Maximum policy size of 10240 bytes
exceeded for role <name>``.

A trust policy that is not a policy at all (not JSON, not an object, a statement that is not an object) is
``MalformedPolicyDocument`` "Syntax errors in policy." (what ``UpdateAssumeRolePolicy`` answers for the same
text); the shapes follow "Grammar of the IAM JSON policy language"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html): a policy is an object of
an optional ``Version`` ("2008-10-17" or "2012-10-17"), an optional ``Id`` and a ``Statement``, which is one
statement or an array of them; a statement is an object of the grammar's elements (``Sid``, ``Effect``,
``Principal``/``NotPrincipal``, ``Action``/``NotAction``, ``Resource``/``NotResource``, ``Condition``) with an
``Effect``. Only this shape is checked here; what a well-formed trust policy may say (its actions, no
``Resource``) is left to the answers AWS documents elsewhere.

Taught in notebook 03-iam-role-for-logs-agent (the trust policy and the inline policy of the agent's role).
"""

from __future__ import annotations

import json
from typing import Any, Literal

Entity = Literal["user", "role", "group"]

TRUST_POLICY_LENGTH = 2048
MANAGED_POLICY_SIZE = 6144
#: The aggregate size of an entity's inline policies.
INLINE_POLICY_SIZE: dict[Entity, int] = {"user": 2048, "role": 10240, "group": 5120}
#: Managed policies attached to one entity.
ATTACHED_POLICIES: dict[Entity, int] = {"user": 10, "role": 10, "group": 10}

SYNTAX_ERROR = "Syntax errors in policy."

_POLICY_ELEMENTS = {"Version", "Id", "Statement"}
_VERSIONS = {"2008-10-17", "2012-10-17"}
_STATEMENT_ELEMENTS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}


def policy_size(document: str | dict[str, Any]) -> int:
    """A policy's size as IAM counts it: its characters without white space. A document botocore has
    already decoded (``GetRolePolicy`` answers a dict) is counted as compact JSON text."""
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return sum(1 for character in text if not character.isspace())


def trust_policy_is_well_formed(text: str) -> bool:
    """Whether ``text`` has the grammar's shape of a policy (see the module docstring). A document nested too
    deep to parse is not a policy either."""
    try:
        policy = json.loads(text)
    except (ValueError, RecursionError):
        return False
    if not isinstance(policy, dict) or "Statement" not in policy or not set(policy) <= _POLICY_ELEMENTS:
        return False
    if "Version" in policy and not (isinstance(policy["Version"], str) and policy["Version"] in _VERSIONS):
        return False
    statement = policy["Statement"]
    statements = statement if isinstance(statement, list) else [statement]
    return bool(statements) and all(
        isinstance(each, dict) and "Effect" in each and set(each) <= _STATEMENT_ELEMENTS for each in statements
    )


def limit_exceeded_quota(quota: str, limit: int) -> str:
    """AWS's message for a quota an IAM call would break."""
    return f"Cannot exceed quota for {quota}: {limit}"


def inline_size_exceeded(entity: Entity, name: str) -> str:
    """AWS's message when an entity's inline policies together would pass their size."""
    return f"Maximum policy size of {INLINE_POLICY_SIZE[entity]} bytes exceeded for {entity} {name}"
