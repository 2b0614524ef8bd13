"""The console-like alarm chart (matplotlib, Agg backend)."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from labkit.alarms import backtest  # noqa: E402
from labkit.plot import ALARM_COLOUR, INSUFFICIENT_COLOUR, alarm_timeline  # noqa: E402

T0 = pd.Timestamp("2026-06-01 00:00", tz="UTC")
SERIES = pd.Series(
    [10.0, 90.0, 95.0, 92.0, 20.0, 15.0],
    index=T0 + pd.to_timedelta([0, 5, 10, 15, 30, 35], unit="min"),
)


def spans(ax: plt.Axes, colour: str) -> int:
    return sum(1 for p in ax.patches if to_hex(p.get_facecolor(), keep_alpha=False) == colour)


def test_chart_from_raw_series() -> None:
    ax = alarm_timeline(SERIES, threshold=80, comparison_operator="GreaterThanThreshold", period=300, evaluation_periods=2)
    frame = backtest(SERIES, threshold=80, comparison_operator="GreaterThanThreshold", period=300, statistic="Average", evaluation_periods=2)
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "Average"]
    assert len(line.get_xdata()) == len(frame)
    assert any(ln.get_ydata()[0] == 80 for ln in ax.get_lines())  # the threshold line
    assert spans(ax, ALARM_COLOUR) == 1
    assert len(ax.collections[0].get_offsets()) == int(frame["breaching"].fillna(False).sum())
    labels = [t.get_text() for t in ax.texts]
    assert labels == [f"{a} → {b}" for a, b in zip(frame.loc[frame.transition, "previous_state"], frame.loc[frame.transition, "state"])]
    plt.close("all")


def test_chart_from_frame_on_given_axes_with_insufficient_data() -> None:
    # Starting with breaching points, a 3-of-3 alarm has too little data at first.
    frame = backtest(SERIES[1:], threshold=80, comparison_operator="GreaterThanThreshold", period=300, statistic="Maximum", evaluation_periods=3)
    assert frame["state"].iloc[0] == "INSUFFICIENT_DATA"
    fig, ax = plt.subplots()
    assert alarm_timeline(frame, threshold=80, ax=ax, title="CPU") is ax
    assert ax.get_title() == "CPU"
    assert spans(ax, INSUFFICIENT_COLOUR) == 1
    plt.close(fig)


def test_importing_labkit_plot_does_not_import_matplotlib() -> None:
    code = "import sys, labkit.plot, labkit.alarms; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
