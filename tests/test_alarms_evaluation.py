"""Alarm evaluation against every documented example.

Tables: "How alarm state is evaluated when data is missing" and "Avoiding premature transitions
to alarm state", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
(current text, and the earlier revision whose first table also had the rows "- - - - X" and
"X - - - -", from awsdocs/amazon-cloudwatch-user-guide doc_source/AlarmThatSendsEmail.md).
In the tables 0 is non-breaching, X breaching, - missing, most recent on the right; the
evaluation range is 5 and the period 5 minutes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiers import examples

from labkit.aws.alarms import evaluate_periods, evaluation_range
from labkit.aws.alarms.evaluation import effective_treat_missing_data, evaluate, is_breaching

THRESHOLD = 50.0
OP = "GreaterThanThreshold"
MODES = ("missing", "ignore", "breaching", "notBreaching")
RETAIN = "retain"


def points(row: str) -> list[float | None]:
    """'0 - X - X' -> values: X breaches the threshold, 0 does not, - is missing."""
    return [{"0": 10.0, "X": 90.0, "-": None}[c] for c in row.split()]


# (data points, MISSING, IGNORE, BREACHING, NOT BREACHING) for Datapoints to Alarm = 3 of 3.
TABLE_3_OF_3 = [
    ("0 - X - X", "OK", "OK", "OK", "OK"),
    ("0 - - - -", "OK", "OK", "OK", "OK"),
    ("- - - - -", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    ("0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("- - X - -", "ALARM", RETAIN, "ALARM", "OK"),
    # Earlier revision of the same table:
    ("- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    ("X - - - -", "ALARM", RETAIN, "ALARM", "OK"),
]

# Same for the 2 out of 3 ("M out of N") table.
TABLE_2_OF_3 = [
    ("0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0 - X - -", "OK", "OK", "ALARM", "OK"),
    ("- - - - 0", "OK", "OK", "ALARM", "OK"),
    ("- - X - -", "ALARM", RETAIN, "ALARM", "OK"),
    # Earlier revision:
    ("- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
]


def cases(table: list[tuple[str, ...]], m: int) -> list[tuple[str, int, str, str]]:
    return [(row[0], m, mode, expected) for row in table for mode, expected in zip(MODES, row[1:])]


@pytest.mark.parametrize(("row", "m", "mode", "expected"), cases(TABLE_3_OF_3, 3) + cases(TABLE_2_OF_3, 2))
@pytest.mark.parametrize("current", ["OK", "ALARM", "INSUFFICIENT_DATA"])
def test_documented_missing_data_tables(row: str, m: int, mode: str, expected: str, current: str) -> None:
    state = evaluate_periods(
        points(row),
        threshold=THRESHOLD,
        comparison_operator=OP,
        evaluation_periods=3,
        datapoints_to_alarm=m,
        treat_missing_data=mode,
        current_state=current,
    )
    assert state == (current if expected == RETAIN else expected)


def test_evaluation_range_is_five_for_three_periods() -> None:
    # "CloudWatch retrieves the 5 most recent data points ... 5 is the evaluation range".
    assert evaluation_range(3) == 5


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # "the alarm does not go immediately into ALARM state when the data is either
        # - - - - X or - - - X - and Datapoints to Alarm is 3"
        ("- - - - X", "INSUFFICIENT_DATA"),
        ("- - - X -", "INSUFFICIENT_DATA"),
        # "... the next data point is non-breaching and causes the data to be - - - X O"
        ("- - - X 0", "OK"),
        ("- - X - 0", "OK"),
        # "if the last few data points are - - X - -, the alarm goes into ALARM state"
        ("- - X - -", "ALARM"),
    ],
)
def test_premature_transition_examples(row: str, expected: str) -> None:
    assert evaluate_periods(points(row), threshold=THRESHOLD, comparison_operator=OP, evaluation_periods=3) == expected


def test_documented_figure_three_of_three() -> None:
    """The figure under "Evaluating an alarm": threshold 3, 3 of 3, ALARM in periods 3-5,
    back to OK at period 6, a single breach in period 9 leaves it OK."""
    series = [4, 4, 4, 4, 4, 2, 2, 2, 4, 2]
    states = [
        evaluate_periods(series[: i + 1][-5:], threshold=3, comparison_operator=OP, evaluation_periods=3)
        for i in range(2, len(series))
    ]
    assert states[:3] == ["ALARM", "ALARM", "ALARM"]  # periods 3, 4, 5
    assert states[3:] == ["OK"] * 5  # period 6 onwards, including the lone breach at 9


def test_m_out_of_n_counts_non_consecutive_breaches() -> None:
    # "The breaching data points don't have to be consecutive".
    values = [90.0, 10.0, 90.0, 10.0, 90.0]
    assert (
        evaluate_periods(values, threshold=50, comparison_operator=OP, evaluation_periods=5, datapoints_to_alarm=3)
        == "ALARM"
    )
    assert (
        evaluate_periods(values, threshold=50, comparison_operator=OP, evaluation_periods=5, datapoints_to_alarm=4)
        == "OK"
    )


def test_enough_real_points_ignore_the_missing_setting() -> None:
    # Real points older than N periods are used before any filling ("including the
    # necessary extra data points from farther back in the evaluation range").
    values = [90.0, 90.0, None, None, 90.0]
    for mode in MODES:
        assert (
            evaluate_periods(
                values, threshold=50, comparison_operator=OP, evaluation_periods=3, treat_missing_data=mode
            )
            == "ALARM"
        )


@pytest.mark.parametrize(
    ("operator", "value", "threshold", "expected"),
    [
        ("GreaterThanOrEqualToThreshold", 80.0, 80.0, True),
        ("GreaterThanThreshold", 80.0, 80.0, False),
        ("GreaterThanThreshold", 80.1, 80.0, True),
        ("LessThanThreshold", 80.0, 80.0, False),
        ("LessThanThreshold", 79.9, 80.0, True),
        ("LessThanOrEqualToThreshold", 80.0, 80.0, True),
        ("LessThanOrEqualToThreshold", 80.1, 80.0, False),
        ("LessThanLowerOrGreaterThanUpperThreshold", 5.0, (1.0, 3.0), True),
        ("LessThanLowerOrGreaterThanUpperThreshold", 0.5, (1.0, 3.0), True),
        ("LessThanLowerOrGreaterThanUpperThreshold", 3.0, (1.0, 3.0), False),
        ("LessThanLowerThreshold", 0.5, (1.0, 3.0), True),
        ("LessThanLowerThreshold", 5.0, (1.0, 3.0), False),
        ("GreaterThanUpperThreshold", 5.0, (1.0, 3.0), True),
        ("GreaterThanUpperThreshold", 0.5, (1.0, 3.0), False),
    ],
)
def test_comparison_operators(operator: str, value: float, threshold: object, expected: bool) -> None:
    # "The specified statistic value is used as the first operand." (PutMetricAlarm reference)
    assert is_breaching(value, operator, threshold) is expected  # type: ignore[arg-type]


def test_band_per_period_for_anomaly_alarms() -> None:
    bands = [(0.0, 1.0), (0.0, 1.0), (0.0, 10.0)]
    values = [5.0, 5.0, 5.0]
    assert (
        evaluate_periods(values, threshold=bands, comparison_operator="GreaterThanUpperThreshold", evaluation_periods=2)
        == "OK"
    )
    assert (
        evaluate_periods(
            values[:2] + [50.0], threshold=bands, comparison_operator="GreaterThanUpperThreshold", evaluation_periods=2
        )
        == "ALARM"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"comparison_operator": "GreaterThanMaybe"},
        {"treat_missing_data": "sometimes"},
        {"datapoints_to_alarm": 4},
        {"current_state": "PENDING"},
        {"comparison_operator": "GreaterThanUpperThreshold"},  # a number where a band is needed
    ],
)
def test_invalid_arguments_are_rejected(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"threshold": 1.0, "comparison_operator": OP, "evaluation_periods": 3}
    args.update(kwargs)
    with pytest.raises(ValueError):
        evaluate_periods([1.0] * 5, **args)  # type: ignore[arg-type]


def test_dynamodb_alarms_always_ignore_missing_data() -> None:
    # "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data".
    assert effective_treat_missing_data("AWS/DynamoDB", "breaching") == "ignore"
    assert effective_treat_missing_data("AWS/EC2", None) == "missing"


def test_nan_counts_as_missing() -> None:
    assert (
        evaluate_periods([math.nan] * 5, threshold=1, comparison_operator=OP, evaluation_periods=3)
        == "INSUFFICIENT_DATA"
    )


def test_evaluation_explains_itself() -> None:
    result = evaluate(points("- - X - -"), threshold=THRESHOLD, comparison_operator=OP, evaluation_periods=3)
    assert (result.state, result.how, result.evaluated, result.filled) == ("ALARM", "premature", (2,), 0)
    filled = evaluate(
        points("0 - - - -"),
        threshold=THRESHOLD,
        comparison_operator=OP,
        evaluation_periods=3,
        treat_missing_data="breaching",
    )
    assert (filled.state, filled.how, filled.filled) == ("OK", "filled", 2)


# --- properties ------------------------------------------------------------------------

maybe_values = st.lists(st.one_of(st.none(), st.floats(-100, 100)), min_size=1, max_size=8)
n_and_m = st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n)))
states = st.sampled_from(["OK", "ALARM", "INSUFFICIENT_DATA"])


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 8), n_and_m, states)
def test_not_breaching_never_alarms_on_all_missing(size: int, nm: tuple[int, int], current: str) -> None:
    n, m = nm
    assert (
        evaluate_periods(
            [None] * size,
            threshold=0,
            comparison_operator=OP,
            evaluation_periods=n,
            datapoints_to_alarm=m,
            treat_missing_data="notBreaching",
            current_state=current,
        )
        == "OK"
    )


@settings(max_examples=examples(300), deadline=None)
@given(maybe_values, n_and_m, states)
def test_modes_agree_once_n_real_points_exist(values: list[float | None], nm: tuple[int, int], current: str) -> None:
    n, m = nm
    results = {
        evaluate_periods(
            values,
            threshold=0,
            comparison_operator=OP,
            evaluation_periods=n,
            datapoints_to_alarm=m,
            treat_missing_data=mode,
            current_state=current,
        )
        for mode in MODES
    }
    if sum(v is not None for v in values) >= n:
        assert len(results) == 1 and results <= {"OK", "ALARM"}


@settings(max_examples=examples(300), deadline=None)
@given(maybe_values, n_and_m, states)
def test_breaching_fill_is_never_better_than_not_breaching(
    values: list[float | None], nm: tuple[int, int], current: str
) -> None:
    n, m = nm
    kw = {
        "threshold": 0,
        "comparison_operator": OP,
        "evaluation_periods": n,
        "datapoints_to_alarm": m,
        "current_state": current,
    }
    good = evaluate_periods(values, treat_missing_data="notBreaching", **kw)  # type: ignore[arg-type]
    bad = evaluate_periods(values, treat_missing_data="breaching", **kw)  # type: ignore[arg-type]
    assert not (good == "ALARM" and bad == "OK")
    assert good != "INSUFFICIENT_DATA" and bad != "INSUFFICIENT_DATA"


@settings(max_examples=examples(300), deadline=None)
@given(maybe_values, n_and_m, states)
def test_ignore_differs_from_missing_only_by_keeping_state(
    values: list[float | None], nm: tuple[int, int], current: str
) -> None:
    n, m = nm
    kw = {
        "threshold": 0,
        "comparison_operator": OP,
        "evaluation_periods": n,
        "datapoints_to_alarm": m,
        "current_state": current,
    }
    ignore = evaluate_periods(values, treat_missing_data="ignore", **kw)  # type: ignore[arg-type]
    missing = evaluate_periods(values, treat_missing_data="missing", **kw)  # type: ignore[arg-type]
    assert ignore in (missing, current)


@settings(max_examples=examples(400), deadline=None)
@given(
    # Mostly floats (N real ones: state_rule's short cut, trailing None and NaN included), and ints and numpy floats (its general path).
    st.lists(
        st.one_of(
            st.none(),
            st.just(math.nan),
            st.sampled_from([10.0, 49.5, 50.0, 50.5, 90.0]),
            st.sampled_from([10.0, 49.5, 50.0, 50.5, 90.0]),
            st.sampled_from([50, 51, np.float64(50.0), np.float64(50.5), np.float64(math.nan)]),
        ),
        max_size=9,
    ),
    st.sampled_from(
        ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold")
    ),
    st.integers(1, 5),
    st.integers(1, 5),
    st.sampled_from(MODES),
    st.sampled_from(("OK", "ALARM", "INSUFFICIENT_DATA")),
)
def test_evaluated_state_is_evaluate_s_state(
    values: list[float | None], operator: str, n: int, m: int, treat: str, current: str
) -> None:
    """The emulator's cheap state (``evaluated_state``, no explanation; ``state_rule``, the same made once per
    alarm) is the explained evaluation's state, for every static operator, M of N, missing-data treatment and
    current state; invalid M/N raise alike."""
    from labkit.aws.alarms.evaluation import evaluated_state, state_rule
    from labkit.exceptions import InvalidParameter

    rule = {
        "threshold": THRESHOLD,
        "comparison_operator": operator,
        "evaluation_periods": n,
        "datapoints_to_alarm": m,
        "treat_missing_data": treat,
        "current_state": current,
    }
    if m > n:
        with pytest.raises(InvalidParameter):
            evaluated_state(values, **rule)
        with pytest.raises(InvalidParameter):
            evaluate(values, **rule)
        with pytest.raises(InvalidParameter):
            state_rule(**rule)
        return
    assert evaluated_state(values, **rule) == evaluate(values, **rule).state
    # The rule made once (an alarm as read) gives the same state for other values too.
    decide = state_rule(**rule)
    for other in (values, values[::-1], [*values, 90.0], [None, *values]):
        assert decide(other) == evaluate(other, **rule).state
