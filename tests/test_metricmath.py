"""The metric math engine (labkit.aws.metricmath) against AWS's documented rules and examples.

Every rule: "Using metric math" — "Metric math syntax and functions" and "Using IF expressions",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
(the tables of that page are reproduced as test cases where it gives them).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from labkit.aws.metricmath import MetricMathError, MetricMathUnsupported, Series, compile, evaluate, references

NAN = None  # a "-" (no value) in the documentation's tables


def series(qid: str, values: list[float | None], period: int = 60, label: str | None = None) -> Series:
    """A metric with ``values`` at 0, period, 2*period ... (None: no datapoint there)."""
    times = [i * period for i, v in enumerate(values) if v is not None]
    kept = [v for v in values if v is not None]
    return Series(qid, label or qid, period, np.array(times, np.int64), np.array(kept, np.float64))


def run(expression: str, *metrics: Series, end: int | None = None, start: int = 0) -> list[Series]:
    last = max((int(m.times[-1]) + m.period for m in metrics if len(m.times)), default=60)
    return evaluate({"e1": expression}, {m.id: m for m in metrics}, start, end or last)["e1"]


def points(result: list[Series], length: int, period: int = 60) -> list[float | None]:
    """A one-series result in the documentation's notation (None where there is no value)."""
    (only,) = result
    by_time = dict(zip(only.times.tolist(), only.values.tolist()))
    return [by_time.get(i * period) for i in range(length)]


# -- the documentation's own tables -------------------------------------------------------------------
def test_comparison_and_logical_operators_table() -> None:
    """metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -] ("Comparison and logical operators")."""
    metric1, metric2 = series("metric1", [30, 20, 0, 0]), series("metric2", [20, NAN, 20, NAN])
    assert points(run("(metric1 < metric2)", metric1, metric2), 4) == [0, 0, 1, 0]
    assert points(run("(metric1 >= 30)", metric1, metric2), 4) == [1, 0, 0, 0]
    assert points(run("(metric1 > 15 AND metric2 > 15)", metric1, metric2), 4) == [1, 0, 0, 0]
    assert points(run("metric1 > 15 && metric2 > 15", metric1, metric2), 4) == [1, 0, 0, 0]
    assert points(run("metric1 == 0 OR metric2 == 20", metric1, metric2), 4) == [1, 0, 1, 1]


def test_if_with_three_time_series_table() -> None:
    metric1, metric2 = series("metric1", [1, 1, 0, 0, NAN]), series("metric2", [30, NAN, 0, 0, 30])
    metric3 = series("metric3", [0, 0, 20, NAN, 20])
    assert points(run("IF(metric1, metric2, metric3)", metric1, metric2, metric3), 5) == [30, 0, 20, None, None]


def test_if_with_scalar_true_value_table() -> None:
    metric1, metric3 = series("metric1", [1, 1, 0, 0, NAN]), series("metric3", [0, 0, 20, NAN, 20])
    assert points(run("IF(metric1, 5, metric3)", metric1, metric3), 5) == [5, 5, 20, None, None]


def test_if_with_scalar_false_value_table() -> None:
    metric1, metric2 = series("metric1", [1, 1, 0, 0, NAN]), series("metric2", [30, NAN, 0, 0, 30])
    assert points(run("IF(metric1, metric2, 5)", metric1, metric2), 5) == [30, 0, 5, 5, None]


def test_if_use_cases() -> None:
    """ "To display only the low values of a metric: IF(metric1<400, metric1)"; "IF(metric1<400, 10, 2)"."""
    metric1 = series("metric1", [100, 500, 300])
    assert points(run("IF(metric1<400, metric1)", metric1), 3) == [100, None, 300]
    assert points(run("IF(metric1<400, 10, 2)", metric1), 3) == [10, 2, 10]


def test_if_with_a_scalar_condition_picks_a_whole_series() -> None:
    m1, m2 = series("m1", [1, 2]), series("m2", [7, 8])
    assert points(run("IF(AVG(m1) > 1, m1, m2)", m1, m2), 2) == [1, 2]
    assert points(run("IF(AVG(m1) > 5, m1, m2)", m1, m2), 2) == [7, 8]
    assert points(run("IF(AVG(m1) > 5, m1)", m1, m2), 2) == [None, None]  # "an empty time series"


# -- arithmetic --------------------------------------------------------------------------------------
def test_missing_values_count_as_zero_and_division_by_zero_drops_the_point() -> None:
    """ "Missing values in a time series are treated as 0 ... divide by zero, the data point is dropped"."""
    m1, m2 = series("m1", [10, NAN, 6, 4]), series("m2", [2, 3, 0, NAN])
    assert points(run("m1 + m2", m1, m2), 4) == [12, 3, 6, 4]
    assert points(run("m1 / m2", m1, m2), 4) == [5, 0, None, None]
    assert points(run("m1 - m2 * 2", m1, m2), 4) == [6, -6, 6, 4]


def test_scalars_arrays_unary_minus_and_power() -> None:
    """Examples of the arithmetic table: 5 * m1, SUM(100/[m1, m2]), AVG([m1,m2]/m3), METRICS()*100, -m1."""
    m1, m2, m3 = series("m1", [1, 2]), series("m2", [4, 5]), series("m3", [1, 2])
    assert points(run("5 * m1", m1), 2) == [5, 10]
    assert points(run("-m1", m1), 2) == [-1, -2]
    assert points(run("SUM(100/[m1, m2])", m1, m2), 2) == [125, 70]
    assert points(run("AVG([m1,m2]/m3)", m1, m2, m3), 2) == [2.5, 1.75]
    assert points(run("SUM(-[m1, m2])", m1, m2), 2) == [-5, -7]
    assert points(run("m2 ^ 0.5", m2), 2) == [2, math.sqrt(5)]
    assert points(run("2 ^ 3 + m1 * (1 + 1)", m1), 2) == [10, 12]
    assert [s.values.tolist() for s in run("METRICS()*100", m1, m2)] == [[100, 200], [400, 500]]
    assert points(run("PERIOD(m1)/60 + m1", m1), 2) == [2, 3]


def test_error_rate_the_most_common_expression() -> None:
    errors, requests = series("errors", [1, 0, 5]), series("requests", [100, 0, 50])
    assert points(run("100 * errors / requests", errors, requests), 3) == [1, None, 10]


# -- functions ---------------------------------------------------------------------------------------
def test_reductions_of_one_series_are_scalars() -> None:
    m1 = series("m1", [2, 4, NAN, 6])
    assert points(run("m1 - AVG(m1)", m1), 4) == [-2, 0, None, 2]
    assert points(run("m1 / SUM(m1)", m1), 4) == [2 / 12, 4 / 12, None, 6 / 12]
    assert points(run("m1 - MIN(m1) + MAX(m1)", m1), 4) == [6, 8, None, 10]
    assert points(run("m1 * 0 + STDDEV(m1)", m1), 4) == pytest.approx(
        [np.std([2, 4, 6])] * 2 + [None] + [np.std([2, 4, 6])]
    )
    assert points(run("SUM(m1) / DATAPOINT_COUNT(m1) + 0 * m1", m1), 4) == [4, 4, None, 4]


def test_reductions_of_arrays_are_series() -> None:
    """ "The AVG of an array of time series returns a single time series. Missing values are treated as 0"."""
    m1, m2 = series("m1", [2, 4, 6]), series("m2", [4, NAN, 8])
    assert points(run("SUM([m1, m2])", m1, m2), 3) == [6, 4, 14]
    assert points(run("AVG(METRICS())", m1, m2), 3) == [3, 2, 7]
    assert points(run("DATAPOINT_COUNT(METRICS())", m1, m2), 3) == [2, 1, 2]
    m3 = series("m3", [1, 9, 7])
    assert points(run("MAX([m1, m3])", m1, m3), 3) == [2, 9, 7]
    assert points(run("MIN([m1, m3])", m1, m3), 3) == [1, 4, 6]
    assert points(run("m1/METRIC_COUNT(METRICS())", m1, m3), 3) == [1, 2, 3]


def test_min_of_an_array_with_gaps_is_refused_not_guessed() -> None:
    m1, m2 = series("m1", [2, 4, 6]), series("m2", [4, NAN, 8])
    with pytest.raises(MetricMathUnsupported, match="MIN of an array"):
        run("MIN([m1, m2])", m1, m2)


def test_metrics_filter_by_id_substring() -> None:
    """SUM(METRICS("errors")) and SUM([METRICS("4xx"), METRICS("5xx")])."""
    a, b, c = series("errors_a", [1, 1]), series("errors_b", [2, 2]), series("requests", [10, 10])
    assert points(run('SUM(METRICS("errors"))', a, b, c), 2) == [3, 3]
    x4, x5 = series("m4xx", [1, 2]), series("m5xx", [3, 4])
    assert points(run('SUM([METRICS("4xx"), METRICS("5xx")])', x4, x5, c), 2) == [4, 6]


def test_metrics_excludes_expressions() -> None:
    m1 = series("m1", [1, 2])
    result = evaluate({"e1": "m1 * 10", "e2": "SUM(METRICS())"}, {"m1": m1}, 0, 120)
    assert result["e2"][0].values.tolist() == [1, 2]


def test_pointwise_functions() -> None:
    m1 = series("m1", [-1.5, 2.5, 100])
    assert points(run("ABS(m1)", m1), 3) == [1.5, 2.5, 100]
    assert points(run("CEIL(m1)", m1), 3) == [-1, 3, 100]
    assert points(run("FLOOR(m1)", m1), 3) == [-2, 2, 100]
    assert points(run("LOG10(m1)", m1), 3) == [None, math.log10(2.5), 2]  # the log of a negative is dropped
    assert points(run("LOG(m1)", m1), 3) == [None, math.log(2.5), math.log(100)]


def test_diff_rate_diff_time_running_sum() -> None:
    """DIFF, DIFF_TIME and RATE compare each value with the preceding one (the first has none)."""
    m1 = series("m1", [10, 40, NAN, 100])
    assert points(run("DIFF(m1)", m1), 4) == [None, 30, None, 60]
    assert points(run("DIFF_TIME(m1)", m1), 4) == [None, 60, None, 120]
    assert points(run("RATE(m1)", m1), 4) == [None, 0.5, None, 0.5]
    assert points(run("RUNNING_SUM(m1)", m1), 4) == [10, 50, None, 150]


def test_fill_forms() -> None:
    """FILL(m1,10), FILL(m1, MIN(m1)), FILL(m1, REPEAT), FILL(METRICS(), LINEAR), FILL(METRICS(), m1)."""
    m1 = series("m1", [NAN, 4, NAN, NAN, 10, NAN])
    assert points(run("FILL(m1, 10)", m1, end=360), 6) == [10, 4, 10, 10, 10, 10]
    assert points(run("FILL(m1, MIN(m1))", m1, end=360), 6) == [4, 4, 4, 4, 10, 4]
    assert points(run("FILL(m1, REPEAT)", m1, end=360), 6) == [None, 4, 4, 4, 10, 10]
    assert points(run("FILL(m1, LINEAR)", m1, end=360), 6) == [None, 4, 6, 8, 10, None]
    m2 = series("m2", [1, 2, 3, NAN, 5, 6])
    filled = run("FILL(METRICS(), m2)", m1, m2, end=360)
    assert [filled[0].values.tolist(), filled[1].values.tolist()] == [[1, 4, 3, 10, 6], [1, 2, 3, 5, 6]]


def test_fill_covers_the_whole_query_range() -> None:
    m1 = series("m1", [NAN, 4])
    assert points(run("FILL(m1, 0)", m1, end=300), 5) == [0, 4, 0, 0, 0]


def test_remove_empty_first_last_sort_slice() -> None:
    a, b, c, empty = series("a", [1, 1]), series("b", [5, 5]), series("c", [3, 3]), series("d", [NAN, NAN])
    assert [s.id for s in run("REMOVE_EMPTY(METRICS())", a, b, c, empty)] == ["a", "b", "c"]
    assert [s.id for s in run("SORT(METRICS(), AVG, DESC)", a, b, c, empty)] == ["b", "c", "a", "d"]
    assert [s.id for s in run("SORT(METRICS(), MAX, ASC, 2)", a, b, c)] == ["a", "c"]
    assert [s.id for s in run("SLICE(SORT(METRICS(), SUM, DESC), 0, 2)", a, b, c)] == ["b", "c"]
    assert [s.id for s in run("SLICE(SORT(METRICS(), AVG, ASC), 1)", a, b, c)] == ["c", "b"]
    assert points(run("IF(FIRST(SORT(METRICS(), AVG, DESC))>4, 1, 0)", a, b, c), 2) == [1, 1]
    assert points(run("LAST(METRICS())", a, b, c), 2) == [3, 3]
    assert points(run("FIRST(REMOVE_EMPTY([d]))", empty, a), 2) == [None, None]


def test_time_series_and_calendar_functions() -> None:
    """TIME_SERIES(10); MINUTE/HOUR/DAY/DATE/MONTH/YEAR/EPOCH of each period (UTC)."""
    start = 1_714_521_600  # 2024-05-01T00:00:00Z, a Wednesday
    m1 = Series("m1", "m1", 3600, np.array([start], np.int64), np.array([1.0]))
    assert run("TIME_SERIES(10)", m1, start=start, end=start + 3 * 3600)[0].values.tolist() == [10, 10, 10]
    assert run("HOUR(m1)", m1, start=start, end=start + 3 * 3600)[0].values.tolist() == [0, 1, 2]
    assert run("MINUTE(m1)", m1, start=start, end=start + 3600)[0].values.tolist() == [0]
    assert run("DAY(m1)", m1, start=start, end=start + 3600)[0].values.tolist() == [3]
    assert run("DATE(m1)", m1, start=start, end=start + 3600)[0].values.tolist() == [1]
    assert run("MONTH(m1)", m1, start=start, end=start + 3600)[0].values.tolist() == [5]
    assert run("YEAR(m1)", m1, start=start, end=start + 3600)[0].values.tolist() == [2024]
    assert run("EPOCH(m1)", m1, start=start, end=start + 3600)[0].values.tolist() == [start]
    # "IF(MONTH(m1) == 4,m1) returns only metrics published in April" - none in May.
    assert run("IF(MONTH(m1) == 4, m1)", m1, start=start, end=start + 3600)[0].values.tolist() == []


# -- validation -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("expression", ["m1 +", "(m1", "m1 m2", "SUM(m1,", "m1 $ 2", ""])
def test_syntax_errors(expression: str) -> None:
    with pytest.raises(MetricMathError):
        compile(expression)


def test_functions_must_be_known_and_uppercase() -> None:
    """ "All functions must be written in uppercase letters (such as AVG)"."""
    with pytest.raises(MetricMathError, match="Unrecognized function 'avg'"):
        compile("avg(m1)")
    with pytest.raises(MetricMathError, match="Unrecognized function 'MEDIAN'"):
        compile("MEDIAN(m1)")
    with pytest.raises(MetricMathError, match="Unrecognized keyword 'FOO'"):
        compile("FILL(m1, FOO)")


@pytest.mark.parametrize(
    "expression, construct",
    [
        ("SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Average', 300)", "SEARCH"),
        ('SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)', "Metrics Insights"),
        ("SERVICE_QUOTA(m1)", "SERVICE_QUOTA"),
    ],
)
def test_documented_but_not_emulated_functions_are_refused_by_name(expression: str, construct: str) -> None:
    with pytest.raises(MetricMathUnsupported, match=construct):
        compile(expression)


def test_unknown_ids_cycles_and_id_syntax() -> None:
    m1 = series("m1", [1])
    with pytest.raises(MetricMathError, match="Unknown Id 'm2'"):
        evaluate({"e1": "m1 + m2"}, {"m1": m1}, 0, 60)
    with pytest.raises(MetricMathError, match="Circular reference"):
        evaluate({"e1": "e2 + 1", "e2": "e1 * 2"}, {"m1": m1}, 0, 60)
    with pytest.raises(MetricMathError, match="must start with a lowercase letter"):
        evaluate({"E1": "m1 * 2"}, {"m1": m1}, 0, 60)
    assert references("m1 / (m2 + e3) * SUM(METRICS())") == {"m1", "m2", "e3"}


def test_a_scalar_final_result_is_refused() -> None:
    """ "taking the AVG of a single time series produces a scalar number, so it can't be the final expression result"."""
    with pytest.raises(MetricMathError, match="final result"):
        run("AVG(m1)", series("m1", [1, 2]))


def test_period_takes_metrics_not_expressions() -> None:
    m1 = series("m1", [1, 2])
    with pytest.raises(MetricMathError, match="PERIOD takes a metric"):
        evaluate({"e1": "m1 * 2", "e2": "m1 / PERIOD(e1)"}, {"m1": m1}, 0, 120)


def test_wrong_argument_counts_and_types() -> None:
    m1 = series("m1", [1, 2])
    for expression in (
        "ABS(m1, m1)",
        "IF(m1)",
        "FILL(m1)",
        "SORT(METRICS(), MEDIAN, ASC)",
        "REMOVE_EMPTY(m1)",
        "METRICS(m1)",
        "FILL(m1, ASC)",
    ):
        with pytest.raises(MetricMathError):
            run(expression, m1)


def test_series_of_different_periods_are_not_combined_silently() -> None:
    with pytest.raises(MetricMathUnsupported, match="different periods"):
        run("m1 + m2", series("m1", [1, 2]), series("m2", [1], period=300))
