"""CloudWatch metric math, evaluated offline the way AWS documents it.

moto copies another query's result for any expression (a plausible wrong answer); the emulator's
``GetMetricData`` (:mod:`labkit.emulator.cloudwatch_metrics`) and metric-math alarms
(:mod:`labkit.emulator.cloudwatch_alarms`) evaluate expressions with this engine instead.

Rules: "Using metric math" and its "Metric math syntax and functions" section
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html) and the
``MetricDataQuery`` API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html).

An expression AWS would reject raises :class:`MetricMathError` (the emulator answers it as a
``ValidationError``); a documented function this engine does not emulate (``SEARCH``,
``ANOMALY_DETECTION_BAND``, Metrics Insights ``SELECT`` ...) raises :class:`MetricMathUnsupported`
naming it, never a silently different answer.

>>> import numpy as np
>>> m1 = Series("m1", "Errors", 60, np.array([0, 60, 120]), np.array([1.0, 2.0, 4.0]))
>>> [s.values.tolist() for s in evaluate({"e1": "m1 * 100 / SUM(m1)"}, {"m1": m1}, 0, 180)["e1"]]
[[14.285714285714286, 28.571428571428573, 57.142857142857146]]
"""

from __future__ import annotations

from labkit.aws.metricmath.engine import (
    MetricMathError,
    MetricMathUnsupported,
    Series,
    compile,
    evaluate,
    references,
    shift_invariant,
)

__all__ = ["MetricMathError", "MetricMathUnsupported", "Series", "compile", "evaluate", "references", "shift_invariant"]
