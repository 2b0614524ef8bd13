"""CloudWatch dashboards: check a dashboard body's required fields, and draw a dashboard with matplotlib.

The rules follow "Dashboard Body Structure and Syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
the body is a JSON object that must include a ``widgets`` array (0 to 500 widgets); each widget
has a ``type`` (``metric``, ``text``, ``log``, ``alarm``, ``explorer``) and ``properties``, and
may have ``x`` (0–23), ``y`` (0 or more), ``width`` (1–24, default 6) and ``height`` (1–1000,
default 6) on a 24-column grid. A metric widget needs ``metrics`` and ``region``; each metric is
``[Namespace, MetricName, DimensionName, DimensionValue, …, {rendering options}]``, where ``"."``
repeats the value at the same position of the previous metric; its ``stat`` defaults to
``Average`` and its ``period`` to 300. A text widget needs ``markdown``; an alarm widget needs
``alarms`` (alarm ARNs). A dashboard's time range defaults to the last 3 hours (``start``
``-PT3H``).

Problems are reported in *labkit wording* (AWS answers ``PutDashboard`` with its own messages).
:func:`render` draws the metric and alarm widgets as the console lays them out; log and explorer
widgets are drawn as labelled boxes, metric-math ``expression`` rows and ``"..."`` are not drawn.
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import TYPE_CHECKING, Any

from labkit.aws import jsontext
from labkit.aws.agent.python_errors import json_message
from labkit.exceptions import JsonTooDeep
from labkit.i18n import _, ngettext
from labkit.lesson import fonts
from labkit.lesson.units import human_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from labkit.runtime.lab import Lab

WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer")
REQUIRED_PROPERTIES = {
    "metric": ("metrics", "region"),
    "text": ("markdown",),
    "alarm": ("alarms",),
    "log": ("query", "region"),
}
STATE_COLOURS = {"ALARM": "#d13212", "OK": "#1d8102", "INSUFFICIENT_DATA": "#879596"}
DEFAULT_RANGE = dt.timedelta(hours=3)
_DURATION = re.compile(r"^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_ALARM_ARN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):\d{12}:alarm:(.+)$")


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate(body: str | dict[str, Any]) -> list[str]:
    """The problems with a dashboard body (empty when it follows the documented structure)."""
    if isinstance(body, str):
        try:
            body = jsontext.loads(body)
        except json.JSONDecodeError as error:
            return [
                _("the body is not valid JSON: {error} (line {line})").format(
                    error=json_message(error.msg).render(_), line=error.lineno
                )
            ]
        except JsonTooDeep as error:
            return [_("the body cannot be checked: {error}").format(error=error)]
    if not isinstance(body, dict):
        return [_("the body must be a JSON object")]
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        return [_("the body must include a 'widgets' array (it may be empty)")]
    problems = (
        []
        if len(widgets) <= 500
        else [_("a dashboard holds at most 500 widgets, not {count}").format(count=len(widgets))]
    )
    if "start" in body and not (_DURATION.match(str(body["start"])) or _timestamp(str(body["start"]))):
        problems.append(
            _("'start' must be a relative time such as -PT3H (or an ISO 8601 timestamp): {value}").format(
                value=repr(body["start"])
            )
        )
    for n, widget in enumerate(widgets):
        problems += [f"widgets[{n}]: {problem}" for problem in _widget_problems(widget)]
    return problems


def _timestamp(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _widget_problems(widget: Any) -> list[str]:
    if not isinstance(widget, dict):
        return [_("a widget must be an object")]
    kind = widget.get("type")
    if kind not in WIDGET_TYPES:
        return [_("'type' must be one of {types}, not {value}").format(types=", ".join(WIDGET_TYPES), value=repr(kind))]
    problems = []
    for key, low, high in (("x", 0, 23), ("y", 0, 10**6), ("width", 1, 24), ("height", 1, 1000)):
        if key in widget and not _int_in(widget[key], low, high):
            problems.append(
                _("'{key}' must be an integer from {low} to {high}, not {value}").format(
                    key=key, low=low, high=high, value=repr(widget[key])
                )
            )
    properties = widget.get("properties")
    if not isinstance(properties, dict):
        return [*problems, _("a widget must have 'properties'")]
    problems += [
        _("a {kind} widget needs properties.{name}").format(kind=kind, name=name)
        for name in REQUIRED_PROPERTIES.get(kind, ())
        if name not in properties
    ]
    if kind == "metric" and isinstance(properties.get("metrics"), list):
        problems += _metrics_problems(properties["metrics"])
    if kind == "metric" and "period" in properties and not _valid_period(properties["period"]):
        problems.append(
            _("properties.period must be 1, 5, 10, 30 or a multiple of 60, not {value}").format(
                value=repr(properties["period"])
            )
        )
    if kind == "alarm" and isinstance(properties.get("alarms"), list):
        problems += [
            _("properties.alarms[{index}] is not an alarm ARN: {value}").format(index=i, value=repr(arn))
            for i, arn in enumerate(properties["alarms"])
            if not _ALARM_ARN.match(str(arn))
        ]
    return problems


def _valid_period(period: Any) -> bool:
    return _int_in(period, 1, 10**7) and (period in (1, 5, 10, 30) or period % 60 == 0)


def _metrics_problems(metrics: list[Any]) -> list[str]:
    problems = []
    for i, row in enumerate(metrics):
        if not isinstance(row, list) or not row:
            problems.append(_("properties.metrics[{index}] must be a non-empty array").format(index=i))
        elif isinstance(row[0], dict):
            continue  # a metric-math expression row: [{"expression": ..., "id": ...}]
        else:
            names = row[:-1] if isinstance(row[-1], dict) else row
            if len(names) < 2 or len(names) % 2:
                problems.append(
                    _(
                        "properties.metrics[{index}] must be [Namespace, MetricName, (DimensionName, DimensionValue)…, "
                        "{{options}}]"
                    ).format(index=i)
                )
    return problems


# -- rendering --------------------------------------------------------------------------------------
def resolve_metrics(metrics: list[Any]) -> list[tuple[str, str, list[dict[str, str]], dict[str, Any]]]:
    """Expand the ``"."`` shorthand: (namespace, metric name, dimensions, options) per drawn row."""
    resolved = []
    previous: list[Any] = []
    for row in metrics:
        if not row or isinstance(row[0], dict) or "..." in row:
            continue
        options = row[-1] if isinstance(row[-1], dict) else {}
        names = [
            previous[i] if value == "." and i < len(previous) else value
            for i, value in enumerate(row[: len(row) - bool(options)])
        ]
        previous = names
        dimensions = [{"Name": names[i], "Value": names[i + 1]} for i in range(2, len(names) - 1, 2)]
        resolved.append((names[0], names[1], dimensions, options))
    return resolved


def _start(body: dict[str, Any]) -> dt.timedelta:
    found = _DURATION.match(str(body.get("start", "")))
    if not found or not any(found.groups()):
        return DEFAULT_RANGE
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes)


def _series(
    lab: Lab,
    region: str,
    namespace: str,
    metric: str,
    dimensions: list[dict[str, str]],
    stat: str,
    period: int,
    span: dt.timedelta,
) -> tuple[list[tuple[dt.datetime, float]], str | None]:
    """The metric's datapoints over ``span`` before lab time, and their CloudWatch unit (None without data)."""
    cloudwatch = lab.client("cloudwatch", region=region)
    end = lab.clock.now()
    query: dict[str, Any] = {
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": dimensions,
        "StartTime": end - span,
        "EndTime": end,
        "Period": period,
    }
    key = "ExtendedStatistics" if re.match(r"^p\d", stat) else "Statistics"
    query[key] = [stat]
    points = cloudwatch.get_metric_statistics(**query)["Datapoints"]
    values = [(p["Timestamp"], p.get(stat, p.get("ExtendedStatistics", {}).get(stat))) for p in points]
    unit = points[0].get("Unit") if points else None
    return sorted((when, value) for when, value in values if value is not None), unit


def _markdown_text(markdown: str) -> str:
    return re.sub(r"[#*_`]", "", markdown).strip()


def render(lab: Lab, name: str) -> Figure:
    """Draw dashboard ``name`` (read back with ``get_dashboard``) as a grid of small plots.

    Metric widgets become line charts of their metrics over the dashboard's time range, alarm
    widgets coloured state boxes (red ALARM, green OK, grey INSUFFICIENT_DATA), text widgets their
    text. Prints one line per widget, so the notebook's text output says what was drawn.
    """
    plt = fonts.pyplot()

    body = json.loads(lab.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    widgets = body.get("widgets", [])
    placed = _layout(widgets)
    rows = max((y + h for _widget, (x, y, w, h) in placed), default=1)
    height = HEADER + ROW * rows
    figure = plt.figure(figsize=(WIDTH, height))
    figure.suptitle(
        _("Dashboard {name}").format(name=name), x=0.01, y=1 - 0.1 / height, ha="left", va="top", fontsize=12
    )
    span = _start(body)
    for widget, cell in placed:
        ax = figure.add_axes(_axes_box(cell, widget.get("type") == "metric", height))
        properties = widget.get("properties", {})
        title = properties.get("title", "")
        kind = widget.get("type")
        if kind == "metric":
            print(_("metric  {title!r}: {drawn}").format(title=title, drawn=_draw_metric(ax, lab, properties, span)))
        elif kind == "alarm":
            print(
                _("alarm   {title!r}: {drawn}").format(
                    title=title, drawn=_draw_alarms(ax, lab, properties.get("alarms", []))
                )
            )
        else:
            text = (
                _markdown_text(properties.get("markdown", ""))
                if kind == "text"
                else _("({kind} widget: not drawn offline)").format(kind=kind)
            )
            ax.text(0.02, 0.5, text, va="center", ha="left", fontsize=9, wrap=True)
            ax.set_xticks([]), ax.set_yticks([])
            print(f"{kind:<7} {text[:60]!r}")
        ax.set_title(title, fontsize=9, loc="left")
    return figure


#: Figure geometry in inches: the width, the header with the dashboard's name, one grid row.
WIDTH, HEADER, ROW = 14.0, 0.45, 0.5
#: Room inside a widget's cell (inches) for its title above and, on metric widgets, the tick labels
#: below and to the left, so that no title or tick label runs into a neighbour.
TITLE_ROOM, TICK_ROOM, LABEL_ROOM, GAP = 0.3, 0.3, 0.5, 0.08


def _axes_box(cell: tuple[int, int, int, int], ticks: bool, height: float) -> tuple[float, float, float, float]:
    """The axes rectangle (figure fractions) of a widget at grid ``cell`` (x, y, width, height)."""
    x, y, w, h = cell
    left = x / 24 * WIDTH + GAP + (LABEL_ROOM if ticks else 0)
    width = w / 24 * WIDTH - 2 * GAP - (LABEL_ROOM if ticks else 0)
    top = HEADER + y * ROW + TITLE_ROOM
    box_height = h * ROW - TITLE_ROOM - (TICK_ROOM if ticks else GAP)
    bottom = height - top - box_height
    return (left / WIDTH, bottom / height, max(width, 0.1) / WIDTH, max(box_height, 0.1) / height)


def _layout(widgets: list[dict[str, Any]]) -> list[tuple[dict[str, Any], tuple[int, int, int, int]]]:
    """Each widget's (x, y, width, height); widgets without x/y flow left to right, as the console does."""
    placed = []
    cursor_x = cursor_y = row_height = 0
    for widget in widgets:
        w, h = int(widget.get("width", 6)), int(widget.get("height", 6))
        if "x" in widget and "y" in widget:
            x, y = int(widget["x"]), int(widget["y"])
        else:
            if cursor_x + w > 24:
                cursor_x, cursor_y, row_height = 0, cursor_y + row_height, 0
            x, y = cursor_x, cursor_y
            cursor_x, row_height = cursor_x + w, max(row_height, h)
        placed.append((widget, (x, y, w, h)))
    return placed


def _draw_metric(ax: Any, lab: Lab, properties: dict[str, Any], span: dt.timedelta) -> str:
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    drawn, units = [], set()
    for namespace, metric, dimensions, options in resolve_metrics(properties.get("metrics", [])):
        stat = options.get("stat", properties.get("stat", "Average"))
        period = int(options.get("period", properties.get("period", 300)))
        points, unit = _series(
            lab, properties.get("region", lab.region), namespace, metric, dimensions, stat, period, span
        )
        label = options.get("label", metric)
        if points:
            ax.plot(
                [p[0] for p in points], [p[1] for p in points], label=label, color=options.get("color"), linewidth=1.2
            )
            units.add(unit)
        drawn.append(
            ngettext("{label} ({count} point)", "{label} ({count} points)", len(points)).format(
                label=label, count=len(points)
            )
        )
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=7))
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    if units == {"Bytes"}:  # 1.3e10 on the axis says nothing; 12 GiB does
        # Ticks at round numbers of KiB, MiB or GiB (whichever fits the axis), not of powers of ten.
        low, high = ax.get_ylim()
        scale = 1024 ** min(int(math.log(max(abs(low), abs(high), 1.0), 1024)), 5)
        ticks = MaxNLocator(nbins=5).tick_values(low / scale, high / scale)
        ax.yaxis.set_major_locator(FixedLocator([t * scale for t in ticks if low <= t * scale <= high]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: human_bytes(value)))
    if drawn:
        ax.legend(fontsize=7, loc="upper left")
    return ", ".join(drawn) or _("no metrics")


def _draw_alarms(ax: Any, lab: Lab, arns: list[str]) -> str:
    from matplotlib.patches import Rectangle

    states = []
    for arn in arns:
        found = _ALARM_ARN.match(arn)
        if not found:
            continue
        region, alarm_name = found.groups()
        alarms = lab.client("cloudwatch", region=region).describe_alarms(
            AlarmNames=[alarm_name],
            AlarmTypes=["MetricAlarm", "CompositeAlarm"],  # without it: metric alarms only
        )
        items = alarms.get("MetricAlarms", []) + alarms.get("CompositeAlarms", [])
        states.append((alarm_name, items[0]["StateValue"] if items else "INSUFFICIENT_DATA"))
    columns = max(1, min(len(states), 4))
    for i, (alarm_name, state) in enumerate(states):
        row, column = divmod(i, columns)
        rows = (len(states) + columns - 1) // columns
        left, bottom = column / columns + 0.01, 1 - (row + 1) / rows + 0.04
        box = Rectangle(
            (left, bottom), 1 / columns - 0.02, 1 / rows - 0.08, color=STATE_COLOURS[state], transform=ax.transAxes
        )
        ax.add_patch(box)
        ax.text(
            left + 0.01,
            bottom + (1 / rows - 0.08) / 2,
            f"{alarm_name}\n{state}",
            color="white",
            fontsize=7,
            va="center",
            transform=ax.transAxes,
        )
    ax.set_xticks([]), ax.set_yticks([])
    return ", ".join(f"{alarm_name}={state}" for alarm_name, state in states) or _("no alarms")
