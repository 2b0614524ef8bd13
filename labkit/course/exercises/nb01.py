"""Exercises of notebook 01-metric-exploration."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from labkit.course.exercises import Exercise
from labkit.i18n import N_, _
from labkit.lesson.ec2 import lab_instance_id

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

NAMESPACE = "Lab/Exploration"
METRIC = "BusiestHourCPU"
#: The learner's average may be rounded; CPUUtilization is in percent.
TOLERANCE = 0.1


def _hourly_averages(cloudwatch: Any, instance_id: str, end: dt.datetime) -> dict[dt.datetime, float]:
    start = end - dt.timedelta(days=7)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": instance_id}],
        StartTime=start,
        EndTime=end,
        Period=3600,
        Statistics=["Average"],
    )["Datapoints"]
    return {p["Timestamp"].astimezone(dt.timezone.utc): p["Average"] for p in points}


def _busiest_hour_problems(lab: Lab) -> list[str]:
    instance_id = lab_instance_id(lab)
    if instance_id is None:
        return [_("there is no running instance named lab-web: run the notebook's Step 1 first")]
    cloudwatch = lab.internal_client("cloudwatch")
    metrics = cloudwatch.list_metrics(Namespace=NAMESPACE, MetricName=METRIC)["Metrics"]
    if not metrics:
        return [
            _("there is no metric {metric} in the namespace {namespace} (publish it with put_metric_data)").format(
                metric=METRIC, namespace=NAMESPACE
            )
        ]
    wanted = [{"Name": "InstanceId", "Value": instance_id}]
    if not any(m.get("Dimensions") == wanted for m in metrics):
        seen = "; ".join(str(m.get("Dimensions") or _("no dimensions")) for m in metrics)
        return [
            _("{metric} exists but not with the single dimension InstanceId={instance} (found: {seen})").format(
                metric=METRIC, instance=instance_id, seen=seen
            )
        ]
    end = lab.clock.now().replace(minute=0, second=0, microsecond=0)
    hourly = _hourly_averages(cloudwatch, instance_id, end)
    if not hourly:
        return [_("the instance has no CPUUtilization data in the last 7 days yet")]
    busiest = max(hourly, key=lambda when: hourly[when])
    expected = hourly[busiest]
    published = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=METRIC,
        Dimensions=wanted,
        StartTime=end - dt.timedelta(days=8),
        EndTime=lab.clock.now() + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Average", "SampleCount", "Minimum", "Maximum", "Sum"],
    )["Datapoints"]
    if not published:
        return [
            _("{metric} has no datapoint between 8 days ago and now: give it the busiest hour's Timestamp").format(
                metric=METRIC
            )
        ]
    # CloudWatch keeps every datapoint (there is no call that deletes one), so a wrong attempt stays. The
    # checker looks for the right value at the busiest hour among what was published there.
    at_busiest = [p for p in published if p["Timestamp"].astimezone(dt.timezone.utc) == busiest]
    if at_busiest:
        values = _published_values(at_busiest[0])
        if any(abs(value - expected) <= TOLERANCE for value in values):
            return []
        shown = ", ".join(f"{v:.2f}" for v in values) or _("{count} values").format(
            count=int(at_busiest[0]["SampleCount"])
        )
        hint = ""
        if any(abs(value - v) <= TOLERANCE for value in values for v in hourly.values()):
            hint = _(" (that is the average of another hour)")
        return [
            _(
                "the value published for the busiest hour ({shown}) is not its average CPU, {expected:.2f}{hint}; "
                "CloudWatch cannot delete a datapoint, so publish the right value with the same Timestamp: "
                "the checker looks for it among the values there"
            ).format(shown=shown, expected=expected, hint=hint)
        ]
    point = max(published, key=lambda p: p["Timestamp"])
    when = point["Timestamp"].astimezone(dt.timezone.utc)
    problems = [
        _(
            "the datapoint's Timestamp is {when:%Y-%m-%d %H:%M} UTC, but the busiest hour starts at "
            "{busiest:%Y-%m-%d %H:%M} UTC"
        ).format(when=when, busiest=busiest)
    ]
    if abs(point["Average"] - expected) > TOLERANCE:
        another = any(abs(point["Average"] - v) <= TOLERANCE for v in hourly.values())
        hint = _(" (that is the average of another hour)") if another else ""
        problems.insert(
            0,
            _("the value {value:.2f} is not the busiest hour's average CPU, {expected:.2f}{hint}").format(
                value=point["Average"], expected=expected, hint=hint
            ),
        )
    return problems


def _published_values(point: dict[str, Any]) -> list[float]:
    """The values published at one timestamp, where its statistics tell them exactly (up to three)."""
    count = int(point["SampleCount"])
    if count == 1:
        return [point["Average"]]
    if count == 2:
        return [point["Minimum"], point["Maximum"]]
    if count == 3:
        return [point["Minimum"], point["Sum"] - point["Minimum"] - point["Maximum"], point["Maximum"]]
    return [point["Minimum"], point["Maximum"]]


busiest_hour = Exercise(
    title=N_("the busiest hour's average CPU, published as Lab/Exploration BusiestHourCPU"),
    checker=_busiest_hour_problems,
    hints=[
        N_(
            "Read the last 7 days of CPUUtilization with a 3600-second Period and the Average statistic "
            "(get_metric_statistics, or labkit.lesson.metrics.series with period=3600); the busiest hour is the largest value."
        ),
        N_(
            "pandas: `hourly.idxmax()` is the hour's start, `hourly.max()` its average. Publish one datapoint with "
            "cloudwatch.put_metric_data(Namespace=..., MetricData=[{MetricName, Dimensions, Timestamp, Value, Unit}])."
        ),
    ],
    notebook="01",
    number=1,
)
