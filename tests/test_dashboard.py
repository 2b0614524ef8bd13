"""Dashboard bodies (validation) and their drawing, notebook 07.

Rules: "Dashboard Body Structure and Syntax",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from labkit.lesson import dashboard, ec2
from labkit.runtime.lab import Lab

METRIC = {
    "type": "metric",
    "x": 0,
    "y": 0,
    "width": 12,
    "height": 6,
    "properties": {
        "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"]],
        "period": 300,
        "stat": "Average",
        "region": "us-east-1",
        "title": "EC2 Instance CPU",
    },
}
TEXT = {"type": "text", "x": 0, "y": 7, "width": 3, "height": 3, "properties": {"markdown": "Hello world"}}


def test_the_documented_example_is_valid() -> None:
    assert dashboard.validate({"start": "-PT6H", "periodOverride": "inherit", "widgets": [METRIC, TEXT]}) == []
    assert dashboard.validate(json.dumps({"widgets": []})) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "the body is not valid JSON"),
        ({}, "the body must include a 'widgets' array"),
        ({"widgets": [{"type": "graph", "properties": {}}]}, "widgets[0]: 'type' must be one of"),
        (
            {"widgets": [{**METRIC, "properties": {"metrics": METRIC["properties"]["metrics"]}}]},
            "widgets[0]: a metric widget needs properties.region",
        ),
        ({"widgets": [{**METRIC, "width": 25}]}, "widgets[0]: 'width' must be an integer from 1 to 24"),
        (
            {"widgets": [{**METRIC, "properties": {**METRIC["properties"], "period": 90}}]},
            "properties.period must be 1, 5, 10, 30 or a multiple of 60",
        ),
        ({"widgets": [{"type": "text", "properties": {}}]}, "widgets[0]: a text widget needs properties.markdown"),
        (
            {"widgets": [{"type": "alarm", "properties": {"alarms": ["lab-web"]}}]},
            "properties.alarms[0] is not an alarm ARN",
        ),
        (
            {
                "widgets": [
                    {
                        **METRIC,
                        "properties": {
                            **METRIC["properties"],
                            "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId"]],
                        },
                    }
                ]
            },
            "properties.metrics[0] must be",
        ),
        ({"widgets": [TEXT], "start": "yesterday"}, "'start' must be a relative time"),
        ({"widgets": [TEXT] * 501}, "at most 500 widgets"),
    ],
)
def test_problems_are_named(body: object, problem: str) -> None:
    found = dashboard.validate(body)  # type: ignore[arg-type]
    assert any(p.startswith(problem) or problem in p for p in found), found


def test_dot_repeats_the_previous_rows_value() -> None:
    rows = dashboard.resolve_metrics(
        [["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"], [".", "NetworkIn", ".", ".", {"stat": "Sum"}]]
    )
    assert rows[1] == ("AWS/EC2", "NetworkIn", [{"Name": "InstanceId", "Value": "i-1"}], {"stat": "Sum"})


def test_render_draws_every_widget_and_reports_alarm_states(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    instance = ec2.launch(lab, detailed=True)
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="cpu",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=instance.dimensions,
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=-1,
        ComparisonOperator="GreaterThanThreshold",
    )
    lab.advance(minutes=10)
    arn = cloudwatch.describe_alarms(AlarmNames=["cpu"])["MetricAlarms"][0]["AlarmArn"]
    body = {
        "start": "-PT1H",
        "widgets": [
            {"type": "text", "x": 0, "y": 0, "width": 24, "height": 1, "properties": {"markdown": "# Lab"}},
            {
                "type": "alarm",
                "x": 0,
                "y": 1,
                "width": 24,
                "height": 2,
                "properties": {"title": "Alarms", "alarms": [arn]},
            },
            {
                "type": "metric",
                "x": 0,
                "y": 3,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": "CPU",
                    "region": lab.region,
                    "period": 60,
                    "metrics": [
                        ["AWS/EC2", "CPUUtilization", "InstanceId", instance.instance_id],
                        [".", "NetworkIn", ".", "."],
                    ],
                },
            },
        ],
    }
    assert dashboard.validate(body) == []
    cloudwatch.put_dashboard(DashboardName="lab", DashboardBody=json.dumps(body))
    figure = dashboard.render(lab, "lab")
    printed = capsys.readouterr().out
    assert len(figure.axes) == 3
    assert "alarm   'Alarms': cpu=ALARM" in printed
    assert "metric  'CPU': CPUUtilization (10 points), NetworkIn (10 points)" in printed
    plt.close(figure)
    assert "cloudwatch:dashboard lab" in lab.inventory()
    lab.teardown()
    assert lab.inventory() == []


def _boxes(figure: plt.Figure) -> list[tuple[int, str, object]]:
    """Every widget's plot area, titles and other texts, and tick labels as (widget, what, window extent)."""
    from matplotlib.text import Text

    renderer = figure.canvas.get_renderer()
    found: list[tuple[int, str, object]] = []
    for number, ax in enumerate(figure.axes):
        found.append((number, "plot", ax.get_window_extent(renderer)))
        texts = [t for t in ax.get_children() if isinstance(t, Text) and t.get_text() and t.get_visible()]
        (x_low, x_high), (y_low, y_high) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        # Tick labels outside the view limits are not drawn.
        ticks = [t for t in ax.get_xticklabels() if x_low <= t.get_position()[0] <= x_high]
        ticks += [t for t in ax.get_yticklabels() if y_low <= t.get_position()[1] <= y_high]
        for text in texts + ticks + [ax.yaxis.get_offset_text()]:
            if text.get_text():
                found.append((number, text.get_text(), text.get_window_extent(renderer)))
    return found


def test_widget_titles_and_tick_labels_never_overlap_another_widget(lab: Lab) -> None:
    instance = ec2.launch(lab, detailed=True)
    lab.advance(minutes=30)
    metric = ["AWS/EC2", "CPUUtilization", "InstanceId", instance.instance_id]
    body = {
        "start": "-PT1H",
        "widgets": [
            {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": {"markdown": "# Lab"}},
            *(
                {
                    "type": "metric",
                    "x": x,
                    "y": y,
                    "width": 8,
                    "height": 6,
                    "properties": {"title": f"CPU {x}/{y}", "region": lab.region, "period": 60, "metrics": [metric]},
                }
                for x in (0, 8, 16)
                for y in (2, 8)
            ),
        ],
    }
    lab.client("cloudwatch").put_dashboard(DashboardName="grid", DashboardBody=json.dumps(body))
    figure = dashboard.render(lab, "grid")
    figure.canvas.draw()
    boxes = _boxes(figure)
    clashes = [
        (a, what_a, b, what_b)
        for a, what_a, box_a in boxes
        for b, what_b, box_b in boxes
        if a < b and box_a.overlaps(box_b)
    ]
    assert clashes == []
    plt.close(figure)


def test_a_bytes_metric_is_labelled_in_binary_units(lab: Lab) -> None:
    # FreeStorageSpace is in bytes (Amazon RDS metrics: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html).
    cloudwatch = lab.client("cloudwatch")
    now = lab.clock.now()
    cloudwatch.put_metric_data(
        Namespace="LabTest/RDS",
        MetricData=[
            {
                "MetricName": "FreeStorageSpace",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "db"}],
                "Timestamp": now,
                "Value": 18 * 1024**3,
                "Unit": "Bytes",
            }
        ],
    )
    lab.advance(minutes=5)
    cloudwatch.put_metric_data(
        Namespace="LabTest/RDS",
        MetricData=[
            {
                "MetricName": "FreeStorageSpace",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "db"}],
                "Timestamp": lab.clock.now(),
                "Value": 1.5 * 1024**3,
                "Unit": "Bytes",
            }
        ],
    )
    lab.advance(minutes=5)
    body = {
        "start": "-PT1H",
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": "free storage",
                    "region": lab.region,
                    "stat": "Minimum",
                    "period": 300,
                    "metrics": [["LabTest/RDS", "FreeStorageSpace", "DBInstanceIdentifier", "db"]],
                },
            }
        ],
    }
    cloudwatch.put_dashboard(DashboardName="db", DashboardBody=json.dumps(body))
    figure = dashboard.render(lab, "db")
    figure.canvas.draw()
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels() if label.get_text()]
    assert labels and all(label.endswith(" GiB") for label in labels), labels
    assert all(float(label.split()[0]).is_integer() for label in labels), labels  # round GiB, not 2.79 GiB
    assert figure.axes[0].yaxis.get_offset_text().get_text() == ""
    plt.close(figure)
