"""CloudWatch Metrics Insights (``SELECT ... FROM ...``), run offline the way AWS documents it.

moto answers a Metrics Insights query with every datapoint of the namespace (a plausible wrong answer);
the emulator's ``GetMetricData`` and alarms on a query (:mod:`labkit.emulator.cloudwatch_metrics`,
:mod:`labkit.emulator.cloudwatch_alarms`) run it with this engine instead.

Rules: "Query your metrics with CloudWatch Metrics Insights"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/query_with_cloudwatch-metrics-insights.html),
"Metrics Insights query components and syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html)
and "Metrics Insights quotas"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html).
A query AWS would reject raises :class:`MetricsInsightsError`; a valid construct this engine does not
run raises :class:`MetricsInsightsUnsupported` naming it.

>>> import numpy as np
>>> cpu = lambda instance, value: Metric("AWS/EC2", "CPUUtilization", {"InstanceId": instance}, {
...     "when": np.array([0]), "count": np.array([1.0]), "total": np.array([value]),
...     "minimum": np.array([value]), "maximum": np.array([value])})
>>> query = compile('SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY MAX() DESC')
>>> [(r.label, r.values.tolist()) for r in run(query, [cpu("i-1", 20.0), cpu("i-2", 90.0)], 0, 300, 300)]
[('i-2', [90.0]), ('i-1', [20.0])]
"""

from __future__ import annotations

from labkit.aws.metricsinsights.engine import (
    Condition,
    Metric,
    Query,
    Result,
    compile,
    effective_period,
    is_query,
    matches,
    run,
)
from labkit.exceptions import MetricsInsightsError, MetricsInsightsUnsupported

__all__ = [
    "Condition",
    "Metric",
    "MetricsInsightsError",
    "MetricsInsightsUnsupported",
    "Query",
    "Result",
    "compile",
    "effective_period",
    "is_query",
    "matches",
    "run",
]
