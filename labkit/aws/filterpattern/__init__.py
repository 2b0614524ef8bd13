"""CloudWatch Logs filter patterns, matched the way AWS documents them.

Taught in notebook 05-ssh-failure-metric-filter.

One engine serves metric filters, subscription filters, ``FilterLogEvents`` and
``TestMetricFilter`` on the moto backends (moto itself matches every pattern it does not
understand, and lacks ``TestMetricFilter``). The rules follow "Filter pattern syntax for metric
filters, subscription filters, filter log events, and Live Tail"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html); each
module cites the section it implements.

The kind of a pattern is decided by its first character, as AWS does: ``{`` JSON, ``[``
space-delimited, ``%`` regex, anything else terms (so ``" {$.x IS TRUE}"``, with a leading space,
is a term pattern, and AWS rejects it).

>>> fp = compile('[..., msg = "*preauth*"]')
>>> fp.kind
'space-delimited'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labkit.aws.filterpattern._base import FilterPattern, Kind
from labkit.aws.filterpattern._common import MAX_PATTERN_LENGTH
from labkit.aws.filterpattern.compiler import compile
from labkit.aws.filterpattern.lint import lint
from labkit.aws.filterpattern.metrics import metric_dimensions, metric_value, transformation_error
from labkit.exceptions import InvalidFilterPattern, InvalidParameter

#: TestMetricFilter takes 1 to 50 log event messages (botocore model, ``TestEventMessages``).
MAX_TEST_MESSAGES = 50

__all__ = [
    "MAX_PATTERN_LENGTH",
    "MAX_TEST_MESSAGES",
    "FilterPattern",
    "InvalidFilterPattern",
    "Kind",
    "compile",
    "lint",
    "metric_dimensions",
    "metric_value",
    "test_metric_filter",
    "transformation_error",
]


def test_metric_filter(pattern: str, messages: Sequence[str]) -> dict[str, Any]:
    """Answer CloudWatch Logs ``TestMetricFilter``: ``{"matches": [...]}`` for the matching events.

    Each match is ``{"eventNumber": n, "eventMessage": message, "extractedValues": {...}}`` with
    ``n`` 1-based. ``extractedValues`` holds the fields of a space-delimited pattern; "If you are
    not using a space-delimited filter, this will be empty" (older revision of
    FilterAndPatternSyntax,
    https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md).
    Raises :class:`InvalidFilterPattern` for a bad pattern and ``ValueError`` for a message list
    outside 1..50 entries or an empty message (the API model's limits).
    """
    if not 1 <= len(messages) <= MAX_TEST_MESSAGES:
        raise InvalidParameter(
            "1 validation error detected: Value at 'logEventMessages' failed to satisfy constraint: "
            f"Member must have length between 1 and {MAX_TEST_MESSAGES} (got {len(messages)})"
        )
    for number, message in enumerate(messages, start=1):
        if not isinstance(message, str) or not message:
            raise InvalidParameter(
                f"1 validation error detected: Value at 'logEventMessages.{number}' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"
            )
    compiled = compile(pattern)
    delimited = compiled.kind == "space-delimited"
    matches: list[dict[str, Any]] = []
    for number, message in enumerate(messages, start=1):
        if delimited:
            values = compiled.extract(message)
            if values is None:
                continue
        elif compiled.matches(message):
            values = {}
        else:
            continue
        matches.append({"eventNumber": number, "eventMessage": message, "extractedValues": values})
    return {"matches": matches}


# A test module importing this function must not have pytest collect it as a test.
test_metric_filter.__test__ = False  # type: ignore[attr-defined]
