"""Exercise checker of notebook 01-metric-exploration: the busiest hour, published as a custom metric."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from labkit.course.exercises.nb01 import busiest_hour
from labkit.lesson import ec2, metrics
from labkit.runtime.lab import Lab


@pytest.fixture
def setting(lab: Lab) -> dict[str, Any]:
    instance = ec2.launch(lab, pattern="daily", history_days=2)
    end = lab.clock.now().replace(minute=0, second=0, microsecond=0)
    hourly = metrics.series(
        lab, "CPUUtilization", instance.dimensions, start=end - dt.timedelta(days=7), end=end, period=3600
    )
    return {"instance": instance, "hourly": hourly}


def _publish(
    lab: Lab, dimensions: list[dict[str, str]], when: pd.Timestamp, value: float, name: str = "BusiestHourCPU"
) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/Exploration",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": when.to_pydatetime(),
                "Value": value,
                "Unit": "Percent",
            }
        ],
    )


def test_right_answer(lab: Lab, setting: dict[str, Any]) -> None:
    hourly = setting["hourly"]
    _publish(lab, setting["instance"].dimensions, hourly.idxmax(), round(float(hourly.max()), 2))
    assert busiest_hour.problems(lab) == []


def test_nothing_published(lab: Lab, setting: dict[str, Any]) -> None:
    assert busiest_hour.problems(lab) == [
        "there is no metric BusiestHourCPU in the namespace Lab/Exploration (publish it with put_metric_data)"
    ]


def test_maximum_instead_of_average(lab: Lab, setting: dict[str, Any]) -> None:
    instance = setting["instance"]
    end = setting["hourly"].index[-1] + pd.Timedelta(hours=1)
    maxima = metrics.series(
        lab,
        "CPUUtilization",
        instance.dimensions,
        start=end - pd.Timedelta(days=7),
        end=end,
        period=3600,
        stat="Maximum",
    )
    _publish(lab, instance.dimensions, setting["hourly"].idxmax(), float(maxima.max()))
    [problem] = busiest_hour.problems(lab)
    assert "is not its average CPU" in problem


def test_the_quietest_hour(lab: Lab, setting: dict[str, Any]) -> None:
    hourly = setting["hourly"]
    _publish(lab, setting["instance"].dimensions, hourly.idxmin(), float(hourly.min()))
    problems = busiest_hour.problems(lab)
    assert "(that is the average of another hour)" in problems[0]
    assert "but the busiest hour starts at" in problems[1]


def test_missing_instance_dimension(lab: Lab, setting: dict[str, Any]) -> None:
    hourly = setting["hourly"]
    _publish(lab, [], hourly.idxmax(), float(hourly.max()))
    [problem] = busiest_hour.problems(lab)
    assert problem.startswith("BusiestHourCPU exists but not with the single dimension InstanceId=")


def test_no_instance(lab: Lab) -> None:
    assert busiest_hour.problems(lab) == ["there is no running instance named lab-web: run the notebook's Step 1 first"]


def _solve(lab: Lab, instance: Any) -> None:
    import labkit

    week_end = lab.clock.now().replace(minute=0, second=0, microsecond=0)
    namespace = {
        "labkit": labkit,
        "lab": lab,
        "instance": instance,
        "cloudwatch": lab.client("cloudwatch"),
        "week_start": week_end - dt.timedelta(days=7),
        "week_end": week_end,
    }
    exec(busiest_hour.solution_code, namespace)


def _wrong(lab: Lab, setting: dict[str, Any], clause: str) -> None:
    hourly, dims = setting["hourly"], setting["instance"].dimensions
    when, value = hourly.idxmax(), float(hourly.max())
    if clause == "namespace":
        lab.client("cloudwatch").put_metric_data(
            Namespace="Lab/Explore",
            MetricData=[
                {"MetricName": "BusiestHourCPU", "Dimensions": dims, "Timestamp": when.to_pydatetime(), "Value": value}
            ],
        )
    elif clause == "metric name":
        _publish(lab, dims, when, value, name="BusiestHour")
    elif clause == "dimension":
        _publish(lab, [{"Name": "InstanceType", "Value": "t3.micro"}], when, value)
    elif clause == "timestamp":
        _publish(lab, dims, hourly.idxmin(), value)
    elif clause == "value":
        _publish(lab, dims, when, float(hourly.min()))
    elif clause == "two wrong values":
        _publish(lab, dims, when, float(hourly.min()))
        _publish(lab, dims, when, float(hourly.median()))


CLAUSES = ["namespace", "metric name", "dimension", "timestamp", "value", "two wrong values"]


@pytest.mark.parametrize("clause", CLAUSES)
def test_each_wrong_answer_is_caught_then_the_solution_passes(lab: Lab, setting: dict[str, Any], clause: str) -> None:
    """Datapoints cannot be deleted (no CloudWatch API does), so the checker finds the right one among them."""
    _wrong(lab, setting, clause)
    assert busiest_hour.problems(lab) != []
    _solve(lab, setting["instance"])
    _solve(lab, setting["instance"])  # the solution cell run twice
    assert busiest_hour.problems(lab) == []


def test_a_wrong_value_at_the_busiest_hour_says_datapoints_stay(lab: Lab, setting: dict[str, Any]) -> None:
    hourly = setting["hourly"]
    _publish(lab, setting["instance"].dimensions, hourly.idxmax(), float(hourly.min()))
    [problem] = busiest_hour.problems(lab)
    assert "(that is the average of another hour)" in problem and "cannot delete a datapoint" in problem
