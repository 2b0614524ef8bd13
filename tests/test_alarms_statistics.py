"""Per-period statistics (Statistics definitions, GetMetricStatistics and MetricDatum references).

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html
"""

from __future__ import annotations

import datetime as dt

import pytest

from labkit.aws.alarms import period_statistics, period_values
from labkit.aws.alarms.statistics import aggregate, period_start

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_periods_align_to_multiples_of_the_period() -> None:
    assert period_start(at(7.5), 300) == at(5)
    assert period_start(at(4.99), 300) == at(0)
    assert period_start(dt.datetime(2026, 6, 1, 10, 0, 10), 10) == dt.datetime(2026, 6, 1, 10, 0, 10, tzinfo=UTC)


def test_simple_statistics_over_one_period() -> None:
    data = [(at(0), 10.0), (at(1), 20.0), (at(4), 60.0)]
    (row,) = period_statistics(data, period=300)
    assert row["Timestamp"] == at(0)
    assert (row["SampleCount"], row["Sum"], row["Average"], row["Minimum"], row["Maximum"]) == (3, 90, 30, 10, 60)
    assert row["Unit"] == "None"


def test_datapoints_fall_into_their_own_periods() -> None:
    data = [(at(0), 1.0), (at(5), 2.0), (at(6), 4.0)]
    rows = period_statistics(data, period=300, statistics=("Sum",))
    assert [(r["Timestamp"], r["Sum"]) for r in rows] == [(at(0), 1.0), (at(5), 6.0)]


def test_statistic_set_is_merged() -> None:
    datum = {"Timestamp": at(1), "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 1, "Maximum": 9}}
    (row,) = period_statistics([datum, {"Timestamp": at(2), "Value": 10}], period=60 * 5)
    assert (row["SampleCount"], row["Sum"], row["Average"], row["Minimum"], row["Maximum"]) == (5, 30, 6, 1, 10)


def test_values_and_counts_arrays() -> None:
    datum = {"Timestamp": at(0), "Values": [1.0, 5.0], "Counts": [3, 1]}
    assert aggregate([datum], "SampleCount") == 4
    assert aggregate([datum], "Sum") == 8
    assert aggregate([datum], "p50") == 1.0
    assert aggregate([datum], "p90") == 5.0


def test_percentiles_nearest_rank() -> None:
    values = list(range(1, 101))  # 1..100
    assert aggregate(values, "p99") == 99
    assert aggregate(values, "p50") == 50
    assert aggregate(values, "p100") == 100
    assert aggregate(values, "p0") == 1
    assert aggregate([3.0, 1.0, 2.0], "p50") == 2.0


def test_percentile_needs_raw_values() -> None:
    # "you can only retrieve percentile statistics for this data if ... SampleCount value of the
    # statistic set is 1 [or] the Min and the Max values of the statistic set are equal."
    spread = {"StatisticValues": {"SampleCount": 2, "Sum": 4, "Minimum": 1, "Maximum": 3}}
    flat = {"StatisticValues": {"SampleCount": 2, "Sum": 6, "Minimum": 3, "Maximum": 3}}
    assert aggregate([spread], "p90") is None
    assert aggregate([flat, 1.0], "p90") == 3.0


def test_no_percentiles_with_negative_values() -> None:
    # "Percentile statistics are not available for metrics when any of the metric values are
    # negative numbers."
    assert aggregate([-1.0, 5.0], "p50") is None
    assert aggregate([-1.0, 5.0], "Average") == 2.0


def test_units_are_aggregated_separately() -> None:
    data = [
        {"Timestamp": at(0), "Value": 1.0, "Unit": "Percent"},
        {"Timestamp": at(1), "Value": 100.0, "Unit": "Count"},
    ]
    rows = period_statistics(data, period=300, statistics=("Sum",))
    assert sorted((r["Unit"], r["Sum"]) for r in rows) == [("Count", 100.0), ("Percent", 1.0)]
    only = period_statistics(data, period=300, statistics=("Sum",), unit="Percent")
    assert [(r["Unit"], r["Sum"]) for r in only] == [("Percent", 1.0)]


def test_period_values_gives_none_for_empty_periods() -> None:
    data = [(at(0), 5.0), (at(11), 7.0)]
    assert period_values(data, period=300, statistic="Maximum", start=at(0), periods=4) == [5.0, None, 7.0, None]


def test_extended_statistics_in_rows() -> None:
    (row,) = period_statistics(
        [(at(0), v) for v in (1.0, 2.0, 3.0, 4.0)], period=60, statistics=(), extended_statistics=("p50", "p75")
    )
    assert row["ExtendedStatistics"] == {"p50": 2.0, "p75": 3.0}


def test_unknown_statistic() -> None:
    with pytest.raises(ValueError):
        aggregate([1.0], "Median")
