"""Charts in the style of the CloudWatch console's alarm graph.

Taught in notebook 02-cpu-alarm. matplotlib is imported inside the functions, so importing
labkit stays fast and notebooks without charts never load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["alarm_timeline"]

#: Console colours: the metric line, the red threshold and ALARM, grey INSUFFICIENT_DATA.
METRIC_COLOUR = "#1f77b4"
ALARM_COLOUR = "#d13212"
INSUFFICIENT_COLOUR = "#879596"


def _runs(frame: pd.DataFrame, state: str) -> list[tuple[Any, Any]]:
    """(start, end) of each run of consecutive periods in ``state``; a run ends a period later."""
    import pandas as pd

    period = pd.Timedelta(seconds=int(frame.attrs.get("period", 60)))
    runs: list[tuple[Any, Any]] = []
    start = None
    for when, current in zip(frame.index, frame["state"]):
        if current == state and start is None:
            start = when
        elif current != state and start is not None:
            runs.append((start, when))
            start = None
    if start is not None:
        runs.append((start, frame.index[-1] + period))
    return runs


def alarm_timeline(
    frame_or_series: pd.DataFrame | pd.Series,
    *,
    threshold: float | tuple[float, float],
    comparison_operator: str = "GreaterThanThreshold",
    period: int = 300,
    statistic: str = "Average",
    evaluation_periods: int = 1,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the metric, the threshold, breaching points, state bands and transitions.

    Pass a :func:`labkit.alarms.backtest` frame, or raw datapoints (a Series) which are
    backtested with the alarm settings given here. ALARM periods are shaded red and
    INSUFFICIENT_DATA grey, as on the console; each transition is labelled "OK → ALARM".
    Returns the Axes (a new figure's when ``ax`` is None).
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    from labkit.alarms import backtest

    if isinstance(frame_or_series, pd.Series):
        frame = backtest(
            frame_or_series,
            threshold=threshold,
            comparison_operator=comparison_operator,
            period=period,
            statistic=statistic,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
        )
    else:
        frame = frame_or_series
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))

    for start, end in _runs(frame, "ALARM"):
        ax.axvspan(start, end, color=ALARM_COLOUR, alpha=0.15, lw=0)
    for start, end in _runs(frame, "INSUFFICIENT_DATA"):
        ax.axvspan(start, end, color=INSUFFICIENT_COLOUR, alpha=0.15, lw=0)

    stat_name = frame.attrs.get("statistic", statistic)
    ax.plot(frame.index, frame["value"], color=METRIC_COLOUR, marker=".", lw=1.2, label=stat_name)
    if isinstance(threshold, tuple):
        ax.axhline(threshold[0], color=ALARM_COLOUR, lw=1, ls="--", label="band")
        ax.axhline(threshold[1], color=ALARM_COLOUR, lw=1, ls="--")
    else:
        ax.axhline(threshold, color=ALARM_COLOUR, lw=1, label=f"threshold {threshold:g}")
    breaching = frame["breaching"].fillna(False).astype(bool)
    ax.scatter(
        frame.index[breaching], frame["value"][breaching],
        color=ALARM_COLOUR, zorder=3, s=18, label="breaching",
    )
    top = ax.get_ylim()[1]
    for when, row in frame[frame["transition"]].iterrows():
        ax.axvline(when, color="black", lw=0.6, alpha=0.5)
        ax.annotate(
            f"{row['previous_state']} → {row['state']}",
            (when, top), rotation=90, va="top", ha="right", fontsize=7,
        )
    ax.set_title(title or f"{stat_name} vs threshold: alarm state over time")
    ax.legend(loc="upper left", fontsize=8)
    ax.figure.autofmt_xdate()
    return ax
