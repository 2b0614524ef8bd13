"""The vectorized backtest agrees with evaluate_periods, period by period.

Rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiers import examples

from labkit.aws.alarms import backtest, evaluate_periods, evaluation_range
from labkit.aws.alarms.statistics import aggregate

T0 = pd.Timestamp("2026-06-01 00:00", tz="UTC")
OPERATORS = ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]
STATISTICS = ["Average", "Sum", "Minimum", "Maximum", "SampleCount", "p90", "p50"]


def loop(
    series: pd.Series,
    *,
    period: int,
    statistic: str,
    threshold: float,
    comparison_operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None,
    treat_missing_data: str,
) -> list[str]:
    """The straightforward reference: statistics per period, then evaluate_periods each period."""
    series = series.dropna()  # NaN values count as absent datapoints
    bins = series.index.as_unit("s").asi8 // period
    first, last = bins.min(), bins.max()
    values: list[float | None] = []
    for b in range(first, last + 1):
        chunk = series[bins == b].tolist()
        values.append(aggregate(chunk, statistic) if chunk else None)
    width = evaluation_range(evaluation_periods)
    state = "INSUFFICIENT_DATA"
    states = []
    for i in range(len(values)):
        window = values[max(0, i - width + 1) : i + 1]
        window = [None] * (width - len(window)) + window
        state = evaluate_periods(
            window,
            threshold=threshold,
            comparison_operator=comparison_operator,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
            current_state=state,
        )
        states.append(state)
    return states


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    minutes = draw(st.lists(st.integers(0, 120), min_size=1, max_size=60))
    values = draw(
        st.lists(
            st.one_of(st.integers(-3, 10).map(float), st.just(float("nan"))),
            min_size=len(minutes),
            max_size=len(minutes),
        )
    )
    n = draw(st.integers(1, 5))
    return {
        "series": pd.Series(values, index=T0 + pd.to_timedelta(minutes, unit="min")),
        "period": draw(st.sampled_from([60, 300, 600])),
        "statistic": draw(st.sampled_from(STATISTICS)),
        "threshold": float(draw(st.integers(0, 8))),
        "comparison_operator": draw(st.sampled_from(OPERATORS)),
        "evaluation_periods": n,
        "datapoints_to_alarm": draw(st.one_of(st.none(), st.integers(1, n))),
        "treat_missing_data": draw(st.sampled_from(["missing", "ignore", "breaching", "notBreaching"])),
    }


@settings(max_examples=examples(300), deadline=None)
@given(scenarios())
def test_backtest_agrees_with_evaluate_periods(case: dict[str, object]) -> None:
    series = case["series"]
    assert isinstance(series, pd.Series)
    if series.dropna().empty:
        return
    frame = backtest(**case)  # type: ignore[arg-type]
    assert frame["state"].tolist() == loop(**case)  # type: ignore[arg-type]


def test_rows_values_and_transitions() -> None:
    # Five-minute averages 10, 90, 90, 90, missing, 10 with 3 out of 3 > 50.
    minutes = [0, 5, 10, 15, 25]
    series = pd.Series([10.0, 90.0, 90.0, 90.0, 10.0], index=T0 + pd.to_timedelta(minutes, unit="min"))
    frame = backtest(
        series,
        threshold=50,
        comparison_operator="GreaterThanThreshold",
        period=300,
        statistic="Average",
        evaluation_periods=3,
    )
    assert list(frame.index) == [T0 + pd.Timedelta(minutes=m) for m in range(0, 30, 5)]
    assert np.isnan(frame["value"].iloc[4])
    assert frame["breaching"].tolist() == [False, True, True, True, pd.NA, False]
    assert frame["state"].tolist() == ["OK", "OK", "OK", "ALARM", "ALARM", "OK"]
    assert frame["transition"].tolist() == [True, False, False, True, False, True]
    assert frame.index.tz is not None


def test_periods_align_to_the_epoch() -> None:
    series = pd.Series([1.0, 2.0], index=[T0 + pd.Timedelta(minutes=3), T0 + pd.Timedelta(minutes=7)])
    frame = backtest(
        series,
        threshold=5,
        comparison_operator="GreaterThanThreshold",
        period=300,
        statistic="Sum",
        evaluation_periods=1,
    )
    assert list(frame.index) == [T0, T0 + pd.Timedelta(minutes=5)]


def test_band_threshold() -> None:
    series = pd.Series([1.0, 5.0, 2.0], index=T0 + pd.to_timedelta([0, 1, 2], unit="min"))
    frame = backtest(
        series,
        threshold=(0.0, 3.0),
        comparison_operator="GreaterThanUpperThreshold",
        period=60,
        statistic="Maximum",
        evaluation_periods=1,
    )
    assert frame["state"].tolist() == ["OK", "ALARM", "OK"]


def test_rejects_bad_settings() -> None:
    series = pd.Series([1.0], index=[T0])
    with pytest.raises(ValueError):
        backtest(
            series, threshold=1, comparison_operator="Bigger", period=60, statistic="Average", evaluation_periods=1
        )
    with pytest.raises(ValueError):
        backtest(
            series,
            threshold=1,
            comparison_operator="GreaterThanThreshold",
            period=60,
            statistic="Average",
            evaluation_periods=1,
            datapoints_to_alarm=2,
        )
    with pytest.raises(ValueError):
        backtest(
            series,
            threshold=1,
            comparison_operator="GreaterThanUpperThreshold",
            period=60,
            statistic="Average",
            evaluation_periods=1,
        )
