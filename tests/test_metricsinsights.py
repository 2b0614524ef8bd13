"""The Metrics Insights engine (labkit.aws.metricsinsights), rule by rule.

Pages: "Metrics Insights query components and syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html),
"Reserved keywords"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-reserved-keywords.html)
and "Metrics Insights quotas"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html).
"""

from __future__ import annotations

import numpy as np
import pytest

from labkit.aws import metricsinsights as mi
from labkit.aws.metricsinsights.keywords import RESERVED


def metric(name: str, dims: dict[str, str], points: list[tuple[int, float]], namespace: str = "AWS/EC2") -> mi.Metric:
    """One raw value per (second, value) point."""
    when = np.array([t * 1_000_000 for t, _ in points], np.int64)
    values = np.array([v for _, v in points], np.float64)
    return mi.Metric(
        namespace,
        name,
        dims,
        {
            "when": when,
            "count": np.ones(len(points)),
            "total": values,
            "minimum": values,
            "maximum": values,
        },
    )


FLEET = [
    metric("CPUUtilization", {"InstanceId": "i-a", "InstanceType": "t3.micro"}, [(0, 10.0), (60, 30.0), (300, 50.0)]),
    metric("CPUUtilization", {"InstanceId": "i-b", "InstanceType": "t3.micro"}, [(0, 90.0), (60, 70.0)]),
    metric("CPUUtilization", {"InstanceId": "i-c", "InstanceType": "m5.large"}, [(10, 40.0)]),
    metric("CPUUtilization", {"InstanceId": "i-a"}, [(0, 1000.0)]),
    metric("CPUUtilization", {}, [(0, 5.0)]),
    metric("NetworkIn", {"InstanceId": "i-a"}, [(0, 7.0)]),
]


def run(
    query: str, metrics: list[mi.Metric] = FLEET, start: int = 0, end: int = 600, period: int = 300
) -> list[tuple[str, list[int], list[float]]]:
    return [
        (r.label, r.times.tolist(), r.values.tolist()) for r in mi.run(mi.compile(query), metrics, start, end, period)
    ]


# -- SELECT functions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("function", "expected"),
    [
        # FROM "AWS/EC2" matches every CPUUtilization "no matter their dimensions" and returns one series.
        ("AVG", [(10 + 30 + 90 + 70 + 40 + 1000 + 5) / 7, 50.0]),
        ("COUNT", [7.0, 1.0]),
        ("MAX", [1000.0, 50.0]),
        ("MIN", [5.0, 50.0]),
        ("SUM", [1245.0, 50.0]),
    ],
)
def test_functions_aggregate_every_observation_in_each_period(function: str, expected: list[float]) -> None:
    assert run(f'SELECT {function}(CPUUtilization) FROM "AWS/EC2"') == [("", [0, 300], pytest.approx(expected))]


def test_average_weighs_statistic_sets_by_their_sample_count() -> None:
    """AVG is "the average of the observations": a statistic set of 3 samples counts three times."""
    pooled = mi.Metric(
        "Lab",
        "Latency",
        {},
        {
            "when": np.array([0, 0]),
            "count": np.array([3.0, 1.0]),
            "total": np.array([30.0, 50.0]),
            "minimum": np.array([5.0, 50.0]),
            "maximum": np.array([15.0, 50.0]),
        },
    )
    assert run("SELECT AVG(Latency) FROM Lab", [pooled]) == [("", [0], [20.0])]
    assert run("SELECT COUNT(Latency) FROM Lab", [pooled]) == [("", [0], [4.0])]


def test_keywords_are_case_insensitive_and_identifiers_case_sensitive() -> None:
    assert run('select max(CPUUtilization) from "AWS/EC2"')[0][2] == [1000.0, 50.0]
    assert run('SELECT MAX(cpuutilization) FROM "AWS/EC2"')[0][2] == []  # no metric of that name


# -- FROM and SCHEMA ------------------------------------------------------------------------------------
def test_schema_with_only_the_namespace_matches_metrics_without_dimensions() -> None:
    assert run('SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2")') == [("", [0], [5.0])]


def test_schema_matches_the_exact_dimension_set_in_any_order() -> None:
    one = run('SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)')
    assert one == [("", [0], [1000.0])]
    both = run('SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceType, InstanceId)')
    assert both == [("", [0, 300], [90.0, 50.0])]


# -- WHERE ------------------------------------------------------------------------------------------------
def test_where_equal_not_equal_and() -> None:
    base = 'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId, InstanceType) WHERE '
    assert run(base + "InstanceType = 't3.micro'")[0][2] == [90.0, 50.0]
    assert run(base + "InstanceType != 't3.micro'")[0][2] == [40.0]
    assert run(base + "InstanceType = 't3.micro' AND InstanceId != 'i-b'")[0][2] == [30.0, 50.0]


def test_label_values_need_single_quotes() -> None:
    with pytest.raises(mi.MetricsInsightsError, match="single quotation marks"):
        mi.compile('SELECT MAX(CPUUtilization) FROM "AWS/EC2" WHERE InstanceId = "i-a"')


@pytest.mark.parametrize("where", ["a = 'x' OR b = 'y'", "a LIKE 'x%'", "a IN ('x')", "NOT a = 'x'", "(a = 'x')"])
def test_operators_the_page_does_not_document_are_refused_by_name(where: str) -> None:
    with pytest.raises(mi.MetricsInsightsUnsupported, match="documented operators are =, != and AND"):
        mi.compile(f"SELECT MAX(m) FROM ns WHERE {where}")


def test_not_equal_on_a_metric_without_the_key_is_refused() -> None:
    with pytest.raises(mi.MetricsInsightsUnsupported, match="without the label 'InstanceType'"):
        run("SELECT MAX(CPUUtilization) FROM \"AWS/EC2\" WHERE InstanceType != 'm5.large'")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT MAX(m) FROM ns WHERE tag.env = 'prod'",
        "SELECT MAX(m) FROM ns GROUP BY tag.team",
        "SELECT MAX(m) FROM ns WHERE AWS.AccountId = '123456789012'",
        "SELECT MAX(m) FROM ns WHERE a = CURRENT_ACCOUNT_ID()",
    ],
)
def test_tags_and_cross_account_labels_are_refused(query: str) -> None:
    with pytest.raises(mi.MetricsInsightsUnsupported):
        mi.compile(query)


# -- GROUP BY, ORDER BY, LIMIT -------------------------------------------------------------------------
def test_group_by_gives_one_series_per_group_in_alphabetical_order() -> None:
    grouped = run(
        'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId, InstanceType) GROUP BY InstanceType, InstanceId'
    )
    assert grouped == [
        ("m5.large i-c", [0], [40.0]),
        ("t3.micro i-a", [0, 300], [30.0, 50.0]),
        ("t3.micro i-b", [0], [90.0]),
    ]


def test_group_by_a_missing_key_is_the_other_group() -> None:
    grouped = run('SELECT MAX(CPUUtilization) FROM "AWS/EC2" GROUP BY InstanceType')
    assert [label for label, _, _ in grouped] == ["Other", "m5.large", "t3.micro"]
    assert grouped[0][2] == [1000.0]  # the InstanceId-only and the dimensionless metric


def test_order_by_uses_a_scalar_of_each_returned_series() -> None:
    """ORDER BY MAX() DESC: "the time series that has the highest maximum data point is returned first"."""
    query = (
        'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId, InstanceType) GROUP BY InstanceId ORDER BY {}'
    )
    assert [r[0] for r in run(query.format("MAX() DESC"))] == ["i-b", "i-a", "i-c"]  # 80, 50, 40
    assert [r[0] for r in run(query.format("MAX()"))] == ["i-c", "i-a", "i-b"]  # ascending by default
    assert [r[0] for r in run(query.format("SUM() DESC"))] == ["i-b", "i-a", "i-c"]  # 80, 20+50, 40
    assert [r[0] for r in run(query.format("COUNT() DESC"))] == ["i-a", "i-b", "i-c"]  # 2 datapoints; ties alphabetical


def test_limit_gives_a_top_n_query() -> None:
    query = 'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId, InstanceType) GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 2'
    assert [r[0] for r in run(query)] == ["i-b", "i-a"]


@pytest.mark.parametrize("limit", ["0", "501"])
def test_limit_is_at_most_500(limit: str) -> None:
    with pytest.raises(mi.MetricsInsightsError, match="maximum value is 500"):
        mi.compile(f"SELECT MAX(m) FROM ns LIMIT {limit}")


def test_more_than_500_series_need_order_by() -> None:
    many = [metric("m", {"k": f"v{i:03}"}, [(0, float(i))], "ns") for i in range(501)]
    with pytest.raises(mi.MetricsInsightsUnsupported, match="without ORDER BY"):
        run("SELECT MAX(m) FROM ns GROUP BY k", many)
    top = run("SELECT MAX(m) FROM ns GROUP BY k ORDER BY MAX() DESC", many)
    assert len(top) == 500 and top[0][0] == "v500" and top[-1][0] == "v001"


def test_more_than_10000_metrics_are_refused() -> None:
    many = [metric("m", {"k": str(i)}, [], "ns") for i in range(10_001)]
    with pytest.raises(mi.MetricsInsightsUnsupported, match="10,000"):
        run("SELECT MAX(m) FROM ns", many)


def test_high_resolution_periods_are_aggregated_per_minute() -> None:
    fine = [metric("m", {}, [(0, 1.0), (10, 2.0), (70, 3.0)], "ns")]
    assert run("SELECT SUM(m) FROM ns", fine, period=10) == [("", [0, 60], [3.0, 3.0])]


def test_the_range_is_start_inclusive_end_exclusive() -> None:
    points = [metric("m", {}, [(59, 1.0), (60, 2.0), (120, 4.0)], "ns")]
    assert run("SELECT SUM(m) FROM ns", points, start=60, end=120, period=60) == [("", [60], [2.0])]


# -- quoting and errors ---------------------------------------------------------------------------------
def test_quoted_names_and_escaped_quotes() -> None:
    query = mi.compile(r'SELECT AVG("Bytes\"Input\"") FROM "My.Name/space" GROUP BY "LIMIT"')
    assert (query.metric, query.namespace, query.group_by) == ('Bytes"Input"', "My.Name/space", ("LIMIT",))


def test_reserved_keywords_must_be_quoted() -> None:
    assert {"SELECT", "LIMIT", "DATA", "COUNT", "SCHEMA"} <= RESERVED
    with pytest.raises(mi.MetricsInsightsError, match="reserved keyword"):
        mi.compile("SELECT AVG(Data) FROM ns")
    assert mi.compile('SELECT AVG("Data") FROM ns').metric == "Data"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT AVG(CPUUtilization) FROM AWS/EC2",  # a namespace with "/" unquoted
        "SELECT P90(CPUUtilization) FROM ns",  # not one of AVG, COUNT, MAX, MIN, SUM
        "SELECT AVG(CPUUtilization)",  # FROM is required
        "SELECT AVG(m) FROM ns ORDER BY MAX(m)",  # ORDER BY FUNCTION() takes no argument
        "SELECT AVG(m) FROM ns WHERE a < '1'",  # not an operator
        "FROM ns SELECT AVG(m)",
        "",
    ],
)
def test_malformed_queries(query: str) -> None:
    with pytest.raises(mi.MetricsInsightsError):
        mi.compile(query)


def test_is_query() -> None:
    assert mi.is_query("  select AVG(m) FROM ns") and not mi.is_query("SUM(METRICS())") and not mi.is_query("selected")
