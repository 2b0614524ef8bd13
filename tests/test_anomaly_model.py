"""labkit's anomaly detection band model (labkit.aws.anomaly) and ANOMALY_DETECTION_BAND in the
metric math engine.

Rules: "How CloudWatch anomaly detection works" — "trains on up to two weeks of metric data",
"hourly, daily, and weekly patterns", "a higher value ... produces a thicker band", excluded time
ranges, "a band for a statistic that can't be negative will never extend below zero"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html);
ANOMALY_DETECTION_BAND(TS[, S]) returns TS[] upper then lower, default 2 standard deviations, and
"Expressions that contain more than one ANOMALY_DETECTION_BAND" are not supported
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
The model's own choices (slots, spread, retraining) are labkit's and tested as such.
"""

from __future__ import annotations

import numpy as np
import pytest

from labkit.aws import anomaly
from labkit.aws.metricmath import MetricMathError, MetricMathUnsupported, Series, compile, evaluate
from labkit.exceptions import InvalidParameter

HOUR, DAY = 3600, 86_400


def daily_pattern(days: int, period: int = 300, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A metric that is 100 from 09:00 to 17:00 UTC and 10 otherwise, ``days`` long from the epoch's Monday."""
    start = 4 * DAY  # 1970-01-05 was a Monday
    times = np.arange(start, start + days * DAY, period, dtype=np.int64)
    hours = (times % DAY) // HOUR
    values = np.where((hours >= 9) & (hours < 17), 100.0, 10.0)
    if noise:
        values = values + noise * np.sin(np.arange(len(times)))
    return times, values


def test_daily_seasonality_gives_a_band_per_hour_of_day() -> None:
    times, values = daily_pattern(3, noise=1.0)
    until = int(times[-1]) + 300
    model = anomaly.train(times, values, until=until, period=300)
    assert model.seasonality == "daily" and model.trained
    at = np.array([until + 10 * HOUR, until + 3 * HOUR])  # 10:00 (busy) and 03:00 (quiet) the next day
    upper, lower = anomaly.band(model, at, 2)
    assert lower[0] < 100 < upper[0] and lower[1] < 10 < upper[1]
    assert upper[1] < 50 < lower[0]  # the quiet hour's band lies well below the busy hour's


def test_more_standard_deviations_make_a_thicker_band() -> None:
    times, values = daily_pattern(3, noise=2.0)
    model = anomaly.train(times, values, until=int(times[-1]) + 1, period=300)
    at = np.array([int(times[-1]) + 300])
    narrow, wide = anomaly.band(model, at, 1), anomaly.band(model, at, 3)
    assert wide[0][0] - wide[1][0] == pytest.approx(3 * (narrow[0][0] - narrow[1][0]))


def test_training_uses_at_most_two_weeks() -> None:
    times, values = daily_pattern(20)
    values = values.copy()
    values[times < times[-1] - 14 * DAY] = 1_000_000.0  # older than two weeks: must not count
    model = anomaly.train(times, values, until=int(times[-1]) + 300, period=300)
    assert model.seasonality == "weekly" and model.mean < 1000


def test_excluded_time_ranges_are_left_out_of_training() -> None:
    times, values = daily_pattern(3)
    values = values.copy()
    outage = (times >= times[100]) & (times <= times[120])
    values[outage] = 5000.0
    until = int(times[-1]) + 300
    polluted = anomaly.train(times, values, until=until, period=300)
    clean = anomaly.train(times, values, until=until, period=300, excluded=[(int(times[100]), int(times[120]))])
    assert polluted.spread > 100 and clean.spread == pytest.approx(0.0)


def test_too_little_history_gives_no_band() -> None:
    times = np.arange(0, 60 * (anomaly.MIN_TRAINING_POINTS - 1), 60, dtype=np.int64)
    model = anomaly.train(times, np.ones(len(times)), until=10_000, period=60)
    assert not model.trained
    upper, lower = anomaly.band(model, np.array([10_000]), 2)
    assert np.isnan(upper[0]) and np.isnan(lower[0])


def test_nonnegative_band_never_goes_below_zero() -> None:
    times = np.arange(0, 60 * 30, 60, dtype=np.int64)
    values = np.where(np.arange(30) % 2 == 0, 0.0, 10.0)
    model = anomaly.train(times, values, until=1800, period=60, nonnegative=True)
    assert anomaly.band(model, np.array([1800]), 3)[1][0] == 0.0
    free = anomaly.train(times, values, until=1800, period=60)
    assert anomaly.band(free, np.array([1800]), 3)[1][0] < 0


def test_metric_timezone_moves_the_daily_slots() -> None:
    times, values = daily_pattern(3)
    until = int(times[-1]) + 300
    tokyo = anomaly.train(times, values, until=until, period=300, timezone="Asia/Tokyo")
    utc = anomaly.train(times, values, until=until, period=300)
    # The busy hours are 09-17 UTC = 18-02 in Tokyo: the Tokyo model expects 100 at its 20:00 slot.
    assert tokyo.expected[20] == pytest.approx(100.0) and utc.expected[20] == pytest.approx(10.0)
    anomaly.check_timezone("Europe/Paris")
    with pytest.raises(InvalidParameter):
        anomaly.check_timezone("Mars/Olympus_Mons")


def test_retraining_happens_at_the_start_of_each_hour() -> None:
    assert anomaly.trained_until(10 * HOUR + 11 * 60) == 10 * HOUR


# -- ANOMALY_DETECTION_BAND in metric math ---------------------------------------------------------------
def _m1() -> Series:
    return Series("m1", "Errors", 60, np.array([0, 60, 120], np.int64), np.array([1.0, 2.0, 3.0]))


def test_band_function_returns_upper_then_lower_with_the_default_of_two() -> None:
    seen: list[tuple[str, float]] = []

    def bands(qid: str, series: Series, stddevs: float, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seen.append((qid, stddevs))
        return times * 0.0 + 10 * stddevs, times * 0.0 - stddevs

    result = evaluate(
        {"ad1": "ANOMALY_DETECTION_BAND(m1)", "lo": "LAST(ANOMALY_DETECTION_BAND(m1, 4))"},
        {"m1": _m1()},
        0,
        180,
        bands=bands,
    )
    upper, lower = result["ad1"]
    assert upper.values.tolist() == [20.0] * 3 and lower.values.tolist() == [-2.0] * 3
    assert result["lo"][0].values.tolist() == [-4.0] * 3
    assert seen == [("m1", 2.0), ("m1", 4.0)]


def test_band_function_rules() -> None:
    with pytest.raises(MetricMathError, match="only one ANOMALY_DETECTION_BAND"):
        compile("ANOMALY_DETECTION_BAND(m1) + ANOMALY_DETECTION_BAND(m2)")
    with pytest.raises(MetricMathError, match="takes the Id"):
        evaluate(
            {"e1": "ANOMALY_DETECTION_BAND(m1 * 2)"}, {"m1": _m1()}, 0, 180, bands=lambda *a: (a[3] * 0.0, a[3] * 0.0)
        )
    with pytest.raises(MetricMathUnsupported, match="ANOMALY_DETECTION_BAND"):
        evaluate({"e1": "ANOMALY_DETECTION_BAND(m1)"}, {"m1": _m1()}, 0, 180)
