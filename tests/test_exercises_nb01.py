"""Exercise checker of notebook 01-metric-exploration: the busiest hour, published as a custom metric."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from labkit import ec2, metrics
from labkit.exercises.nb01 import busiest_hour
from labkit.lab import Lab


@pytest.fixture
def setting(lab: Lab) -> dict[str, Any]:
    instance = ec2.launch(lab, pattern="daily", history_days=2)
    end = lab.clock.now().replace(minute=0, second=0, microsecond=0)
    hourly = metrics.series(lab, "CPUUtilization", instance.dimensions, start=end - dt.timedelta(days=7), end=end, period=3600)
    return {"instance": instance, "hourly": hourly}


def _publish(lab: Lab, dimensions: list[dict[str, str]], when: pd.Timestamp, value: float, name: str = "BusiestHourCPU") -> None:
    lab.client("cloudwatch").put_metric_data(Namespace="Lab/Exploration", MetricData=[{
        "MetricName": name, "Dimensions": dimensions, "Timestamp": when.to_pydatetime(), "Value": value, "Unit": "Percent",
    }])


def test_right_answer(lab: Lab, setting: dict[str, Any]) -> None:
    hourly = setting["hourly"]
    _publish(lab, setting["instance"].dimensions, hourly.idxmax(), round(float(hourly.max()), 2))
    assert busiest_hour.problems(lab) == []


def test_nothing_published(lab: Lab, setting: dict[str, Any]) -> None:
    assert busiest_hour.problems(lab) == ["there is no metric BusiestHourCPU in the namespace Lab/Exploration (publish it with put_metric_data)"]


def test_maximum_instead_of_average(lab: Lab, setting: dict[str, Any]) -> None:
    instance = setting["instance"]
    end = setting["hourly"].index[-1] + pd.Timedelta(hours=1)
    maxima = metrics.series(lab, "CPUUtilization", instance.dimensions, start=end - pd.Timedelta(days=7), end=end, period=3600, stat="Maximum")
    _publish(lab, instance.dimensions, setting["hourly"].idxmax(), float(maxima.max()))
    [problem] = busiest_hour.problems(lab)
    assert "is not the busiest hour's average CPU" in problem


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
