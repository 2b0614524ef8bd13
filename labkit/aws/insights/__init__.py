"""CloudWatch Logs Insights queries, run offline the way AWS documents them.

moto's ``StartQuery`` understands only ``fields``/``sort``/``limit`` and returns every event for
anything else (a plausible wrong answer); the emulator plugin :mod:`labkit.emulator.logs_insights`
answers ``StartQuery``/``GetQueryResults`` with this engine instead.

Rules: "CloudWatch Logs Insights language query syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html) and its command
pages (``CWL_QuerySyntax-Fields``, ``-Filter``, ``-Stats``, ``-Sort``, ``-Limit``, ``-Parse``,
``-Display``, ``-Dedup``), "Boolean, comparison, numeric, datetime, and other functions"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html)
and "Supported logs and discovered fields"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html).

A query that AWS would reject raises :class:`MalformedQuery` (the emulator answers it as AWS's
``MalformedQueryException``); a construct AWS accepts but this engine does not emulate raises
:class:`~labkit.exceptions.UnsupportedOperation` naming it — never a silently different answer.

>>> plan = compile('filter @message like /ERROR/ | stats count(*) as errors')
>>> plan.run([{"@timestamp": 0, "@message": "ERROR x"}, {"@timestamp": 1, "@message": "ok"}]).rows
[{'errors': 1}]
"""

from __future__ import annotations

from labkit.exceptions import MalformedQuery
from labkit.aws.insights.engine import (
    DEFAULT_LIMIT,
    Plan,
    Result,
    compile,
    format_value,
)

__all__ = ["DEFAULT_LIMIT", "MalformedQuery", "Plan", "Result", "compile", "format_value"]
