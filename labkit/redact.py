"""Keep account ids out of what the lab prints: notebooks and teardown reports never show them."""

from __future__ import annotations

import re

_ACCOUNT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def mask_account(text: str) -> str:
    """``text`` with 12-digit account ids replaced by ``<account>``."""
    return _ACCOUNT.sub("<account>", text)
