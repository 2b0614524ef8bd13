"""How a CloudWatch metric alarm turns per-period values into OK, ALARM or INSUFFICIENT_DATA.

Taught in notebook 02-cpu-alarm.

The rules follow the CloudWatch User Guide, "Using Amazon CloudWatch alarms"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html),
sections "Evaluating an alarm" (#alarm-evaluation), "Configuring how CloudWatch alarms treat
missing data" (#alarms-and-missing-data), "How alarm state is evaluated when data is missing"
(#alarms-evaluating-missing-data) and "Avoiding premature transitions to alarm state"
(#CloudWatch-alarms-avoiding-premature-transition):

* CloudWatch retrieves more periods than ``EvaluationPeriods`` (N): the *evaluation range*.
  The guide gives one figure only: with N = 3 "CloudWatch retrieves the 5 most recent data
  points"; the exact number "depends on the length of the alarm period and whether it is based
  on a metric with standard resolution or high resolution". labkit therefore uses N + 2
  (:func:`evaluation_range`), which matches every documented example.
* With at least N real data points in the range, the N most recent real points are evaluated
  and ``TreatMissingData`` is not used.
* With fewer, the missing points are filled "only as few times as possible" with the
  ``TreatMissingData`` choice; all real points in the range are included.
* ALARM when at least ``DatapointsToAlarm`` (M) evaluated points breach, otherwise OK.
* ``missing``: all points missing gives INSUFFICIENT_DATA. ``ignore``: the current state is
  kept. An alarm also goes to ALARM *prematurely* when the oldest available breaching point is
  at least M periods old and every more recent point is breaching or missing.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from labkit.exceptions import InvalidParameter

__all__ = [
    "ANOMALY_OPERATORS",
    "COMPARISON_OPERATORS",
    "STATES",
    "TREAT_MISSING_DATA",
    "Band",
    "Evaluation",
    "effective_treat_missing_data",
    "evaluate",
    "evaluate_periods",
    "evaluated_state",
    "evaluation_range",
    "is_breaching",
    "state_rule",
]

#: The three alarm states (``StateValue``).
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")

#: Static-threshold operators, as in the PutMetricAlarm API reference.
STATIC_OPERATORS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
#: Anomaly-detection operators: the threshold is a band (lower, upper) from ThresholdMetricId.
ANOMALY_OPERATORS = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
COMPARISON_OPERATORS = STATIC_OPERATORS + ANOMALY_OPERATORS

#: Valid ``TreatMissingData`` values; ``missing`` is the default.
TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")

#: Periods CloudWatch retrieves beyond N; only documented as 5 for N = 3 (see module doc).
EXTRA_PERIODS = 2

Band = tuple[float, float]
Threshold = float | Band | Sequence[Band | None]


def evaluation_range(evaluation_periods: int) -> int:
    """How many periods an evaluation looks at: N plus the extra lookback.

    The guide documents 5 for ``EvaluationPeriods`` = 3 ("5 is the evaluation range for the
    alarm"); labkit extends that as N + 2 for every N (AWS says the true number depends on the
    period and the metric resolution, and does not publish it).
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
    """
    if evaluation_periods < 1:
        raise InvalidParameter("evaluation_periods must be at least 1")
    return evaluation_periods + EXTRA_PERIODS


def effective_treat_missing_data(namespace: str | None, treat_missing_data: str | None) -> str:
    """The missing-data treatment CloudWatch really applies to an alarm.

    "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data
    even if you choose a different option" (#alarms-and-missing-data); unset means ``missing``.
    """
    if namespace == "AWS/DynamoDB":
        return "ignore"
    return treat_missing_data or "missing"


def is_breaching(value: float, comparison_operator: str, threshold: float | Band) -> bool:
    """Whether one period's value breaches: ``value <operator> threshold``.

    The statistic is the first operand (PutMetricAlarm ``ComparisonOperator``). For the
    anomaly-detection operators ``threshold`` is the band ``(lower, upper)``; outside means
    strictly below the lower or strictly above the upper bound.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    """
    if comparison_operator in STATIC_OPERATORS:
        if isinstance(threshold, tuple):
            raise InvalidParameter(f"{comparison_operator} compares with a number, not a band")
        return bool(compare(value, comparison_operator, float(threshold)))
    if comparison_operator in ANOMALY_OPERATORS:
        if not isinstance(threshold, tuple) or len(threshold) != 2:
            raise InvalidParameter(f"{comparison_operator} needs a band (lower, upper)")
        return bool(compare(value, comparison_operator, (float(threshold[0]), float(threshold[1]))))
    raise InvalidParameter(f"unknown comparison operator {comparison_operator!r}")


_STATIC_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


def compare(values: Any, comparison_operator: str, threshold: float | Band) -> Any:
    """``values <operator> threshold`` for a number or, element-wise, a numpy array (the backtest).

    Unchecked: :func:`is_breaching` validates the operator and threshold shape first.
    """
    if comparison_operator in _STATIC_COMPARISONS:
        return _STATIC_COMPARISONS[comparison_operator](values, threshold)
    lower, upper = threshold  # type: ignore[misc]
    if comparison_operator == "LessThanLowerThreshold":
        return values < lower
    if comparison_operator == "GreaterThanUpperThreshold":
        return values > upper
    return (values < lower) | (values > upper)


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one evaluation and why, for state reasons and teaching.

    ``how`` is one of ``"datapoints"`` (N real points were enough), ``"filled"`` (missing
    points were filled with ``breaching``/``notBreaching``), ``"partial"`` (fewer than N real
    points, ``missing``/``ignore``, decided on the real ones), ``"premature"`` (the premature
    ALARM rule), ``"insufficient"`` (too little data: INSUFFICIENT_DATA) or ``"retained"`` (``ignore`` kept the
    state). ``evaluated`` holds the indexes into ``values`` of the real points used, oldest
    first; ``filled`` is how many missing points were filled in.
    """

    state: str
    how: str
    values: tuple[float | None, ...]
    breaching: tuple[bool | None, ...]
    evaluated: tuple[int, ...]
    filled: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    comparison_operator: str


def _is_band(threshold: object) -> bool:
    return isinstance(threshold, tuple) and len(threshold) == 2 and all(isinstance(x, (int, float)) for x in threshold)


def _thresholds(threshold: Threshold, n: int, comparison_operator: str) -> list[float | Band | None]:
    """One threshold per period: a number, one band for all, or a band per period."""
    if comparison_operator not in COMPARISON_OPERATORS:
        raise InvalidParameter(f"unknown comparison operator {comparison_operator!r}")
    if comparison_operator in STATIC_OPERATORS or _is_band(threshold):
        return [threshold] * n  # type: ignore[list-item]
    if isinstance(threshold, (int, float)):
        raise InvalidParameter(f"{comparison_operator} needs a band (lower, upper), not a number")
    bands = cast("Sequence[Band | None]", threshold)  # neither a number nor one band: a band per period
    per_period = [None if b is None else (float(b[0]), float(b[1])) for b in bands]
    if len(per_period) != n:
        raise InvalidParameter("a band per period needs one entry per value")
    return per_period  # type: ignore[return-value]


def evaluate(
    values: Sequence[float | None],
    *,
    threshold: Threshold,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    current_state: str = "INSUFFICIENT_DATA",
) -> Evaluation:
    """Evaluate an alarm over its evaluation range and explain the result.

    Same arguments as :func:`evaluate_periods`, which returns only ``.state``.
    """
    n, m = _checked(evaluation_periods, datapoints_to_alarm, treat_missing_data, current_state)
    vals: list[float | None] = [
        None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values
    ]
    thresholds = _thresholds(threshold, len(vals), comparison_operator)
    flags: list[bool | None] = []
    for v, t in zip(vals, thresholds):
        # A period without a band (the model made no prediction) cannot breach.
        flags.append(None if v is None else t is not None and is_breaching(v, comparison_operator, t))
    real = [i for i, v in enumerate(vals) if v is not None]
    state, how, evaluated, filled = _decide(flags, real, n, m, treat_missing_data, current_state)
    return Evaluation(
        state, how, tuple(vals), tuple(flags), tuple(evaluated), filled, n, m, treat_missing_data, comparison_operator
    )


def checked_counts(evaluation_periods: int, datapoints_to_alarm: int | None) -> tuple[int, int]:
    """N and M ("M out of N"; M defaults to N), refused unless 1 <= M <= N."""
    n = evaluation_periods
    m = n if datapoints_to_alarm is None else datapoints_to_alarm
    if n < 1 or m < 1 or m > n:
        raise InvalidParameter("need 1 <= datapoints_to_alarm <= evaluation_periods")
    return n, m


def _checked(
    evaluation_periods: int, datapoints_to_alarm: int | None, treat_missing_data: str, current_state: str
) -> tuple[int, int]:
    """N and M, after the checks :func:`evaluate` and :func:`evaluated_state` share."""
    n, m = checked_counts(evaluation_periods, datapoints_to_alarm)
    if treat_missing_data not in TREAT_MISSING_DATA:
        raise InvalidParameter(f"unknown treat_missing_data {treat_missing_data!r}")
    if current_state not in STATES:
        raise InvalidParameter(f"unknown state {current_state!r}")
    return n, m


def _decide(
    flags: Sequence[bool | None], real: Sequence[int], n: int, m: int, treat_missing_data: str, current_state: str
) -> tuple[str, str, Sequence[int], int]:
    """The rules of :func:`evaluate` over each period's breach flag (None: missing) and the indexes of the
    real points: the state, how it was reached, the real points evaluated and how many points were filled."""
    if len(real) >= n:
        window = real[-n:]
        breaches = sum(1 for i in window if flags[i])
        return ("ALARM" if breaches >= m else "OK"), "datapoints", window, 0
    if not real:
        state = {
            "missing": "INSUFFICIENT_DATA",
            "ignore": current_state,
            "breaching": "ALARM",
            "notBreaching": "OK",
        }[treat_missing_data]
        how = {"missing": "insufficient", "ignore": "retained"}.get(treat_missing_data, "filled")
        return state, how, (), n if how == "filled" else 0
    fill = n - len(real)
    breaches = sum(1 for i in real if flags[i])
    if treat_missing_data == "breaching":
        return ("ALARM" if breaches + fill >= m else "OK"), "filled", real, fill
    if treat_missing_data == "notBreaching":
        return ("ALARM" if breaches >= m else "OK"), "filled", real, fill
    # missing / ignore: decide on the real points when they settle it.
    if breaches >= m:
        return "ALARM", "partial", real, 0
    if breaches < len(real):
        return "OK", "partial", real, 0
    # Every real point breaches but fewer than M: premature-ALARM rule, else not enough data.
    oldest_age = len(flags) - real[0]
    if treat_missing_data == "ignore":
        return current_state, "retained", real, 0
    if oldest_age >= m:
        return "ALARM", "premature", real, 0
    return "INSUFFICIENT_DATA", "insufficient", real, 0


def evaluated_state(
    values: Sequence[float | None],
    *,
    threshold: float,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    current_state: str = "INSUFFICIENT_DATA",
) -> str:
    """``evaluate(...).state`` for a static threshold (one of :data:`STATIC_OPERATORS`), without the
    explanation: the same rules (:func:`_decide`) at a fraction of the cost, for the emulator's evaluations
    that keep the alarm's state (most of them; a change is explained by :func:`evaluate`)."""
    return state_rule(
        threshold=threshold,
        comparison_operator=comparison_operator,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=treat_missing_data,
        current_state=current_state,
    )(values)


def state_rule(
    *,
    threshold: float,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    current_state: str = "INSUFFICIENT_DATA",
) -> Callable[[Sequence[float | None]], str]:
    """:func:`evaluated_state` as a function of the values alone, its rule checked once (invalid M/N raise
    here): an alarm evaluated at each of a month's minutes has the same rule every time."""
    n, m = _checked(evaluation_periods, datapoints_to_alarm, treat_missing_data, current_state)
    compared = _STATIC_COMPARISONS[comparison_operator]
    limit = float(threshold)

    def state(values: Sequence[float | None]) -> str:
        # N real points (floats, not NaN; None and NaN are missing): the newest N of them are evaluated (_decide).
        # Most evaluations have them, often behind a newest period with no datapoint yet.
        found = breaches = 0
        for value in reversed(values):
            if value is None:
                continue
            if type(value) is not float:
                break  # ints, numpy floats: the general rules below
            if value != value:
                continue
            if compared(value, limit):
                breaches += 1
            found += 1
            if found == n:
                return "ALARM" if breaches >= m else "OK"
        flags: list[bool | None] = [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else bool(compared(float(v), limit))
            for v in values
        ]
        real = [i for i, flag in enumerate(flags) if flag is not None]
        return _decide(flags, real, n, m, treat_missing_data, current_state)[0]

    return state


def evaluate_periods(
    values: Sequence[float | None],
    *,
    threshold: Threshold,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    current_state: str = "INSUFFICIENT_DATA",
) -> str:
    """The state a metric alarm goes to: ``"OK"``, ``"ALARM"`` or ``"INSUFFICIENT_DATA"``.

    ``values`` are the per-period statistic values of the whole evaluation range, oldest
    first, ``None`` (or NaN) where a period has no data; pass :func:`evaluation_range` periods
    to match CloudWatch. ``threshold`` is a number, or for the anomaly-detection operators a
    band ``(lower, upper)`` or a list of bands, one per value. ``datapoints_to_alarm`` (M)
    defaults to ``evaluation_periods`` (N). ``current_state`` matters only to ``ignore``.

    Rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
    """
    return evaluate(
        values,
        threshold=threshold,
        comparison_operator=comparison_operator,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=treat_missing_data,
        current_state=current_state,
    ).state
