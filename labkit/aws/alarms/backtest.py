"""Replay an alarm definition over a metric's history, vectorized, to choose a threshold.

Taught in notebook 02-cpu-alarm.

The raw datapoints are bucketed into periods aligned to multiples of the period since the epoch
(see :mod:`labkit.aws.alarms.statistics`), and the alarm is evaluated once at the end of every
period over its evaluation range (:func:`labkit.aws.alarms.evaluation.evaluation_range`), with the
same rules as :func:`labkit.aws.alarms.evaluate_periods`
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data).
CloudWatch itself evaluates every minute over a sliding window; one evaluation per period is
the coarser, period-aligned view the console graph shows.

Everything but ``ignore``'s "keep the current state" is computed from cumulative sums; the
state that ``ignore`` keeps is a forward fill.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from labkit.aws.alarms.evaluation import (
    ANOMALY_OPERATORS,
    COMPARISON_OPERATORS,
    STATES,
    TREAT_MISSING_DATA,
    Band,
    checked_counts,
    compare,
    evaluation_range,
)
from labkit.exceptions import InvalidParameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["backtest"]

_OK, _ALARM, _INSUFFICIENT, _KEEP = 0, 1, 2, -1
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100(?:\.0+)?)$")


def _period_statistic(bins: np.ndarray, values: np.ndarray, statistic: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct period numbers and one statistic per period (same definitions as statistics.py)."""
    match = _PERCENTILE.match(statistic)
    if match:
        order = np.lexsort((values, bins))  # by period, then by value
    elif np.any(bins[1:] < bins[:-1]):
        order = np.argsort(bins, kind="stable")
    else:
        order = None  # already in time order, the common case
    b, v = (bins, values) if order is None else (bins[order], values[order])
    starts = np.concatenate(([0], np.flatnonzero(b[1:] != b[:-1]) + 1))
    counts = np.diff(np.append(starts, b.size))
    periods = b[starts]
    if statistic == "SampleCount":
        return periods, counts.astype(float)
    if statistic == "Sum":
        return periods, np.add.reduceat(v, starts)
    if statistic == "Average":
        return periods, np.add.reduceat(v, starts) / counts
    if statistic == "Minimum":
        return periods, np.minimum.reduceat(v, starts)
    if statistic == "Maximum":
        return periods, np.maximum.reduceat(v, starts)
    if not match:
        raise InvalidParameter(f"unsupported statistic {statistic!r}")
    p = float(match.group(1)) / 100.0
    # Nearest rank: the smallest value with at least p of the samples at or below it.
    rank = np.maximum(np.ceil(p * counts - 1e-9 * counts), 1).astype(np.int64)
    out = v[starts + rank - 1].astype(float)
    out[v[starts] < 0] = np.nan  # no percentiles for metrics with negative values
    return periods, out


def _breaching(values: np.ndarray, operator: str, threshold: float | Band) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # NaN (a missing period) compares False, as it should
        return np.asarray(compare(values, operator, threshold), dtype=bool)


def _window_sum(cumulative: np.ndarray, width: int) -> np.ndarray:
    """Sum over the last ``width`` entries (ending at each position) from a cumulative sum."""
    earlier = np.zeros_like(cumulative)
    earlier[width:] = cumulative[:-width]
    window: np.ndarray = cumulative - earlier
    return window


def backtest(
    series: pd.Series,
    *,
    threshold: float | Band,
    comparison_operator: str,
    period: int,
    statistic: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
) -> pd.DataFrame:
    """Evaluate an alarm at the end of every period of ``series``; one row per period.

    ``series`` holds raw datapoints indexed by timestamp (NaN values count as absent).
    ``statistic`` is SampleCount, Average, Sum, Minimum, Maximum or a percentile ``pNN``.
    ``threshold`` is a number, or a band ``(lower, upper)`` for the anomaly operators.

    Columns: ``value`` (the period's statistic, NaN when the period has no data),
    ``breaching`` (nullable boolean, ``<NA>`` when missing), ``state`` (categorical: the state
    after the evaluation at the end of the period), ``previous_state`` and ``transition``
    (the state changed). The
    alarm starts in INSUFFICIENT_DATA, as a new alarm does. The index holds the period starts.
    """
    import pandas as pd

    n, m = checked_counts(evaluation_periods, datapoints_to_alarm)
    if comparison_operator not in COMPARISON_OPERATORS:
        raise InvalidParameter(f"unknown comparison operator {comparison_operator!r}")
    if (comparison_operator in ANOMALY_OPERATORS) != isinstance(threshold, tuple):
        raise InvalidParameter("anomaly operators take a band (lower, upper); the others a number")
    if treat_missing_data not in TREAT_MISSING_DATA:
        raise InvalidParameter(f"unknown treat_missing_data {treat_missing_data!r}")
    if period <= 0:
        raise InvalidParameter("period must be positive")

    index = pd.DatetimeIndex(series.index)
    tz = index.tz
    if tz is not None:
        index = index.tz_convert("UTC")
    raw = series.to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(raw)
    seconds = index.as_unit("ns").asi8[keep] // 1_000_000_000
    if seconds.size == 0:
        raise InvalidParameter("series has no datapoints")
    bins = seconds // period
    numbers, stats = _period_statistic(bins, raw[keep], statistic)
    first = int(numbers[0])
    count = int(numbers[-1]) - first + 1
    value = np.full(count, np.nan)
    value[numbers - first] = stats

    valid = ~np.isnan(value)
    breach = valid & _breaching(value, comparison_operator, threshold)
    width = evaluation_range(n)
    cum_valid = np.cumsum(valid)
    in_range = _window_sum(cum_valid, width)  # real points in the evaluation range
    breach_in_range = _window_sum(np.cumsum(breach), width)

    # Enough real points: the N most recent real ones decide (TreatMissingData unused).
    real_at = np.flatnonzero(valid)
    breach_seq = np.concatenate(([0], np.cumsum(breach[real_at])))
    last_n = breach_seq[cum_valid] - breach_seq[np.maximum(cum_valid - n, 0)]
    full = np.where(last_n >= m, _ALARM, _OK)

    fill = n - in_range
    if treat_missing_data == "breaching":
        partial = np.where(breach_in_range + fill >= m, _ALARM, _OK)
        empty = _ALARM
    elif treat_missing_data == "notBreaching":
        partial = np.where(breach_in_range >= m, _ALARM, _OK)
        empty = _OK
    else:
        # Age of the oldest real point in the range, for the premature-ALARM rule.
        if real_at.size:
            oldest = real_at[np.clip(cum_valid - in_range, 0, real_at.size - 1)]
        else:  # no period has a value (e.g. percentiles of negative data): ages are unused
            oldest = np.zeros(count, dtype=np.int64)
        age = np.arange(count) - oldest + 1
        settled_by_age = np.where(age >= m, _ALARM, _INSUFFICIENT) if treat_missing_data == "missing" else _KEEP
        partial = np.where(
            breach_in_range >= m,
            _ALARM,
            np.where(breach_in_range < in_range, _OK, settled_by_age),
        )
        empty = _INSUFFICIENT if treat_missing_data == "missing" else _KEEP
    codes = np.where(in_range >= n, full, np.where(in_range > 0, partial, empty))

    # ignore keeps the previous state: carry the last decided code forward (a forward fill).
    decided = np.where(codes != _KEEP, np.arange(count), -1)
    np.maximum.accumulate(decided, out=decided)
    codes = np.where(decided >= 0, codes[np.maximum(decided, 0)], _INSUFFICIENT)
    previous = np.concatenate(([_INSUFFICIENT], codes[:-1]))  # a new alarm is INSUFFICIENT_DATA

    starts = pd.to_datetime((first + np.arange(count)) * period, unit="s")
    if tz is not None:
        starts = starts.tz_localize("UTC").tz_convert(tz)
    frame = pd.DataFrame(
        {
            "value": value,
            "breaching": pd.arrays.BooleanArray(breach, ~valid),
            "state": pd.Categorical.from_codes(codes, categories=STATES),
            "previous_state": pd.Categorical.from_codes(previous, categories=STATES),
            "transition": codes != previous,
        },
        index=pd.DatetimeIndex(starts, name="timestamp"),
    )
    frame.attrs.update(
        threshold=threshold,
        comparison_operator=comparison_operator,
        period=period,
        statistic=statistic,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treat_missing_data,
    )
    return frame
