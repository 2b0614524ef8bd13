"""The console-like alarm chart (matplotlib, Agg backend)."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import to_hex

from labkit.aws.alarms import backtest
from labkit.lesson.plot import ALARM_COLOUR, INSUFFICIENT_COLOUR, alarm_timeline, state_spans

T0 = pd.Timestamp("2026-06-01 00:00", tz="UTC")
SERIES = pd.Series(
    [10.0, 90.0, 95.0, 92.0, 20.0, 15.0],
    index=T0 + pd.to_timedelta([0, 5, 10, 15, 30, 35], unit="min"),
)


def spans(ax: plt.Axes, colour: str) -> int:
    return sum(1 for p in ax.patches if to_hex(p.get_facecolor(), keep_alpha=False) == colour)


def test_chart_from_raw_series() -> None:
    ax = alarm_timeline(
        SERIES, threshold=80, comparison_operator="GreaterThanThreshold", period=300, evaluation_periods=2
    )
    frame = backtest(
        SERIES,
        threshold=80,
        comparison_operator="GreaterThanThreshold",
        period=300,
        statistic="Average",
        evaluation_periods=2,
    )
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "Average"]
    assert len(line.get_xdata()) == len(frame)
    assert any(ln.get_ydata()[0] == 80 for ln in ax.get_lines())  # the threshold line
    assert spans(ax, ALARM_COLOUR) == 1
    assert len(ax.collections[0].get_offsets()) == int(frame["breaching"].fillna(False).sum())
    labels = [t.get_text() for t in ax.texts]
    assert labels == [
        f"{a} → {b}"
        for a, b in zip(frame.loc[frame.transition, "previous_state"], frame.loc[frame.transition, "state"])
    ]
    plt.close("all")


def test_chart_from_frame_on_given_axes_with_insufficient_data() -> None:
    # Starting with breaching points, a 3-of-3 alarm has too little data at first.
    frame = backtest(
        SERIES[1:],
        threshold=80,
        comparison_operator="GreaterThanThreshold",
        period=300,
        statistic="Maximum",
        evaluation_periods=3,
    )
    assert frame["state"].iloc[0] == "INSUFFICIENT_DATA"
    fig, ax = plt.subplots()
    assert alarm_timeline(frame, threshold=80, ax=ax, title="CPU") is ax
    assert ax.get_title() == "CPU"
    assert spans(ax, INSUFFICIENT_COLOUR) == 1
    plt.close(fig)


def test_importing_labkit_plot_does_not_import_matplotlib() -> None:
    code = (
        "import sys, labkit.lesson.plot, labkit.aws.alarms; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_state_changes_are_drawn_at_the_end_of_the_period_they_evaluate() -> None:
    # "Evaluating an alarm": the alarm is evaluated when a period ends
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation).
    frame = backtest(
        SERIES,
        threshold=80,
        comparison_operator="GreaterThanThreshold",
        period=300,
        statistic="Average",
        evaluation_periods=1,
    )
    ax = alarm_timeline(frame, threshold=80)
    five = pd.Timedelta(minutes=5)
    expected = [when + five for when in frame.index[frame["transition"]]]
    assert expected[:2] == [
        T0 + five,
        T0 + 2 * five,
    ]  # INSUFFICIENT_DATA → OK after the first period, OK → ALARM after the second
    vlines = [
        pd.Timestamp(ln.get_xdata()[0])
        for ln in ax.get_lines()
        if ln.get_label().startswith("_") and ln.get_xdata()[0] == ln.get_xdata()[1]
    ]
    assert vlines == expected
    [alarm_span] = [(start, end) for start, end, state in state_spans(frame) if state == "ALARM"]
    # From 00:10 until the 00:30 period (20 %) is evaluated at 00:35: the missing 00:20 and 00:25 periods keep
    # the state, since the evaluation range still holds breaching datapoints.
    assert alarm_span == (T0 + 2 * five, T0 + 7 * five)
    plt.close("all")


def test_the_alarm_history_and_the_chart_agree(lab) -> None:  # type: ignore[no-untyped-def]
    from labkit.lesson import metrics
    from labkit.lesson.prereqs import lab_instance

    instance = lab_instance(lab)
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="cpu-high",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=instance.dimensions,
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
    )
    created = lab.clock.now()
    lab.advance(minutes=5)
    instance.spike(lab.clock.now(), minutes=15)
    lab.advance(minutes=35)
    history = cloudwatch.describe_alarm_history(
        AlarmName="cpu-high", HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )
    changed = [pd.Timestamp(item["Timestamp"]) for item in history["AlarmHistoryItems"]]
    frame = backtest(
        metrics.series(lab, "CPUUtilization", instance.dimensions, start=created, end=lab.clock.now(), period=300),
        threshold=80,
        comparison_operator="GreaterThanThreshold",
        period=300,
        statistic="Average",
        evaluation_periods=1,
    )
    assert len(changed) == 3
    assert [start for start, _, _ in state_spans(frame)[1:]] == changed


def test_no_transition_label_sits_under_the_legend() -> None:
    ax = alarm_timeline(SERIES, threshold=80, period=300, evaluation_periods=1)
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for t in ax.texts]
    assert labels and not any(label.overlaps(legend) for label in labels)
    plt.close("all")


def test_capacity_and_cpu_share_the_time_axis() -> None:
    from labkit.lesson.plot import capacity_and_cpu

    cpu = pd.Series([99.0, 98.0, 52.0, 48.0], index=T0 + pd.to_timedelta([0, 1, 2, 3], unit="min"))
    capacity = pd.Series([1.0, 1.0, 3.0, 4.0], index=cpu.index)
    ax = capacity_and_cpu(cpu, capacity, threshold=50, title="web")
    assert ax.get_title() == "web"
    (right,) = [other for other in ax.figure.axes if other is not ax]
    assert list(right.get_lines()[0].get_ydata()) == [1.0, 1.0, 3.0, 4.0]  # the capacity, on its own axis
    assert right.get_ylim()[1] == 5  # room above the largest capacity
    assert any(list(line.get_ydata()) == [50, 50] for line in ax.get_lines())  # the threshold
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CPU (%)", "threshold 50", "instances"]
    plt.close("all")
