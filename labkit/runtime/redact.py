"""Keep account ids out of what the lab prints: notebooks and teardown reports never show them.

An account id is masked where it stands, never as "any 12 digits": resource ids are hex and
often hold a run of 12 digits (``i-0c123456789012fa7``, the last group of a UUID), and masking
those made printed ids change from run to run. Where an account id stands:

* the fifth field of an ARN, ``arn:partition:service:region:ACCOUNT:resource``
  ("Amazon Resource Names (ARNs)", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html);
* the value of a field that names an account (``Account`` of ``sts.get_caller_identity``,
  ``AccountId`` of Budgets, ``OwnerId`` of EC2, ``accountId`` / ``recipientAccountId`` of a
  CloudTrail record, ``account`` of an EventBridge event, …), in JSON, a Python repr or ``key=value``;
* anywhere else, the lab's own account id when the caller knows it (``account=``), as a whole
  token — a bucket named ``lab-config-<lab>-<account>``, the log stream ``<account>_CloudTrail_<region>``.

Taught (used) from notebook 03-iam-role-for-logs-agent on; every teardown report goes through it.
"""

from __future__ import annotations

import re

MASK = "<account>"

#: Fields whose value is an account id (AWS's names; CloudTrail's and EventBridge's in lower camel case).
ACCOUNT_FIELDS = frozenset(
    {
        "Account",
        "AccountId",
        "OwnerId",
        "RequesterId",
        "AwsAccountId",
        "SourceAccount",
        "aws:SourceAccount",
        "account",
        "accountId",
        "recipientAccountId",
    }
)

_ARN = re.compile(r"(\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)([0-9]{12})(?=[:/])")
_FIELD_NAMES = "|".join(sorted(ACCOUNT_FIELDS, key=len, reverse=True))
_FIELD = re.compile(rf"""(["']?\b(?:{_FIELD_NAMES})\b["']?\s*[:=]\s*["']?)([0-9]{{12}})(?![0-9])""")


def is_account_field(name: str) -> bool:
    """Whether a field called ``name`` holds an account id (see :data:`ACCOUNT_FIELDS`)."""
    return name in ACCOUNT_FIELDS


def mask_account(text: str, account: str = "") -> str:
    """``text`` with account ids replaced by ``<account>`` where they stand (see the module docstring).

    ``account``: the lab's account id, also masked wherever it stands alone (not inside a longer
    run of letters and digits, so an instance id that happens to contain it is left alone).
    """
    text = _ARN.sub(lambda m: m.group(1) + MASK, text)
    text = _FIELD.sub(lambda m: m.group(1) + MASK, text)
    if account:
        text = re.sub(rf"(?<![0-9A-Za-z]){re.escape(account)}(?![0-9A-Za-z])", MASK, text)
    return text
