"""Charts in the style of the CloudWatch console's alarm graph.

Taught in notebook 02-cpu-alarm (:func:`alarm_timeline`) and notebook 09 (:func:`capacity_and_cpu`). matplotlib is imported inside the functions, so importing
labkit stays fast and notebooks without charts never load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.aws import alarms
from labkit.i18n import _
from labkit.lesson import fonts

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["alarm_timeline", "capacity_and_cpu", "state_spans"]

#: Console colours: the metric line, the red threshold and ALARM, grey INSUFFICIENT_DATA.
METRIC_COLOUR = "#1f77b4"
ALARM_COLOUR = "#d13212"
INSUFFICIENT_COLOUR = "#879596"
SPAN_COLOURS = {"ALARM": ALARM_COLOUR, "INSUFFICIENT_DATA": INSUFFICIENT_COLOUR}


def state_spans(frame: pd.DataFrame) -> list[tuple[Any, Any, str]]:
    """(from, until, state) of each run of one alarm state, on the time axis of the alarm history.

    Row *i* of a backtest frame is the period that starts at ``index[i]``; CloudWatch evaluates it at
    the period's **end** and records the new state then, so that is where the state begins (and where
    ``describe_alarm_history`` dates the transition). Before the first evaluation the alarm is in its
    ``previous_state`` (a new alarm: INSUFFICIENT_DATA); the last state is drawn until the next evaluation.
    """
    import pandas as pd

    if frame.empty:
        return []
    period = pd.Timedelta(seconds=int(frame.attrs.get("period", 60)))
    ends = [when + period for when in frame.index]
    pieces = [(frame.index[0], ends[0], str(frame["previous_state"].iloc[0]))]
    for number, (end, state) in enumerate(zip(ends, frame["state"])):
        until = ends[number + 1] if number + 1 < len(ends) else end + period
        pieces.append((end, until, str(state)))
    spans: list[tuple[Any, Any, str]] = []
    for start, end, state in pieces:
        if spans and spans[-1][2] == state and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end, state)
        else:
            spans.append((start, end, state))
    return spans


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

    Pass a :func:`labkit.aws.alarms.backtest` frame, or raw datapoints (a Series) which are
    backtested with the alarm settings given here. Datapoints sit at their period's start, as
    CloudWatch timestamps them; the alarm's state changes at the end of the period it evaluates
    (:func:`state_spans`), where ``describe_alarm_history`` dates it. ALARM is shaded red and
    INSUFFICIENT_DATA grey, as on the console; each transition is labelled "OK → ALARM".
    Returns the Axes (a new figure's when ``ax`` is None).
    """
    plt = fonts.pyplot()
    import pandas as pd

    if isinstance(frame_or_series, pd.Series):
        frame = alarms.backtest(
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
        ax = plt.subplots(figsize=(10, 3.5))[1]

    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    for start, end, state in state_spans(frame):
        if state in SPAN_COLOURS:
            ax.axvspan(start, end, color=SPAN_COLOURS[state], alpha=0.15, lw=0)

    stat_name = frame.attrs.get("statistic", statistic)
    ax.plot(frame.index, frame["value"], color=METRIC_COLOUR, marker=".", lw=1.2, label=stat_name)
    if isinstance(threshold, tuple):
        ax.axhline(threshold[0], color=ALARM_COLOUR, lw=1, ls="--", label=_("band"))
        ax.axhline(threshold[1], color=ALARM_COLOUR, lw=1, ls="--")
    else:
        ax.axhline(threshold, color=ALARM_COLOUR, lw=1, label=_("threshold {threshold:g}").format(threshold=threshold))
    breaching = frame["breaching"].fillna(False).astype(bool)
    ax.scatter(
        frame.index[breaching],
        frame["value"][breaching],
        color=ALARM_COLOUR,
        zorder=3,
        s=18,
        label=_("breaching"),
    )
    # A transition happens when the period it evaluates ends: the time describe_alarm_history reports.
    period = pd.Timedelta(seconds=int(frame.attrs.get("period", period)))
    for when, row in frame[frame["transition"]].iterrows():
        ax.axvline(when + period, color="black", lw=0.6, alpha=0.5)
        ax.annotate(
            f"{row['previous_state']} → {row['state']}",
            xy=(when + period, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-2, -3),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    ax.set_title(title or _("{statistic} vs threshold: alarm state over time").format(statistic=stat_name))
    ax.set_xlabel(_("datapoints at their period's start; state changes when the period ends"), fontsize=8)
    # Outside the plot, so that no transition label sits under it.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize=8)
    locator = mdates.AutoDateLocator(tz=frame.index.tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=frame.index.tz))
    if isinstance(ax.figure, Figure):  # a subfigure has no layout of its own
        ax.figure.tight_layout()
    return ax


def capacity_and_cpu(
    cpu: pd.Series,
    capacity: pd.Series,
    *,
    threshold: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """An Auto Scaling group's CPU and its capacity on one time axis (notebook 09).

    ``cpu`` is the group's ``CPUUtilization`` (percent, left axis); ``capacity`` its number of instances
    (``GroupInServiceInstances``, right axis), drawn as steps: each value holds until the next. A
    ``threshold`` (a target tracking target, a scaling alarm's threshold) is the dashed red line.
    Returns the CPU's Axes (a new figure's when ``ax`` is None); the capacity's is its twin.
    """
    plt = fonts.pyplot()
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        ax = plt.subplots(figsize=(10, 3.5))[1]
    ax.plot(cpu.index, cpu.to_numpy(), color=METRIC_COLOUR, marker=".", lw=1.2, label=_("CPU (%)"))
    if threshold is not None:
        ax.axhline(
            threshold, color=ALARM_COLOUR, lw=1, ls="--", label=_("threshold {threshold:g}").format(threshold=threshold)
        )
    ax.set_ylim(0, 105)
    ax.set_ylabel(_("CPU (%)"))
    right = ax.twinx()
    right.step(capacity.index, capacity.to_numpy(), where="post", color="black", lw=1.6, label=_("instances"))
    right.set_ylim(0, max(1.0, float(capacity.max()) if len(capacity) else 1.0) + 1)
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylabel(_("instances"))
    lines = ax.get_legend_handles_labels()
    steps = right.get_legend_handles_labels()
    ax.legend(
        lines[0] + steps[0],
        lines[1] + steps[1],
        loc="upper left",
        bbox_to_anchor=(1.08, 1),
        borderaxespad=0,
        fontsize=8,
    )
    ax.set_title(title or _("The group's CPU and its number of instances"))
    zone = getattr(cpu.index, "tz", None)
    locator = mdates.AutoDateLocator(tz=zone)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone))
    if isinstance(ax.figure, Figure):
        ax.figure.tight_layout()
    return ax
