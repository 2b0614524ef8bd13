"""Checkers of notebook 09's exercises: the composite alarm lab-page-alb and the anomaly alarm lab-cpu-anomaly.

Composite alarm rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html;
anomaly detection alarms (Metrics + ThresholdMetricId, GreaterThanUpperThreshold):
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html.
"""

from __future__ import annotations

from typing import Any

import pytest

from labkit import i18n
from labkit.course.exercises.nb09 import big_steps_policy, cpu_anomaly_alarm, page_on_alb_trouble
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab

CHILDREN = ("lab-alb-error-rate", "lab-alb-p99-latency", "lab-deploying", "lab-cpu-high")
CPU = {
    "Namespace": "AWS/EC2",
    "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}],
}
RIGHT_RULE = '(ALARM("lab-alb-error-rate") OR ALARM("lab-alb-p99-latency")) AND NOT ALARM("lab-deploying")'


@pytest.fixture
def topic(lab: Lab) -> str:
    cloudwatch = lab.client("cloudwatch")
    for name in CHILDREN:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="Lab/Test",
            MetricName=name,
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
    return prereqs.alerts_topic(lab)


def _composite(lab: Lab, rule: str, topic: str | None) -> None:
    lab.client("cloudwatch").put_composite_alarm(
        AlarmName="lab-page-alb", AlarmRule=rule, AlarmActions=[topic] if topic else []
    )


def _solve_composite(lab: Lab, topic: str) -> None:
    for _ in range(2):  # the solution cell run twice
        exec(page_on_alb_trouble.solution_code, {"cloudwatch": lab.client("cloudwatch"), "topic_arn": topic})
    assert page_on_alb_trouble.problems(lab) == []


def test_composite_right_answers(lab: Lab, topic: str) -> None:
    _composite(lab, RIGHT_RULE, topic)
    assert page_on_alb_trouble.problems(lab) == []
    # The same rule written otherwise (De Morgan, ARNs, no quotes) is the same answer.
    arn = f"arn:aws:cloudwatch:{lab.region}:{lab.account_id}:alarm:lab-alb-error-rate"
    _composite(lab, f"NOT ALARM(lab-deploying) AND NOT (NOT ALARM({arn}) AND NOT ALARM(lab-alb-p99-latency))", topic)
    assert page_on_alb_trouble.problems(lab) == []


@pytest.mark.parametrize(
    ("rule", "with_topic", "expected"),
    [
        # AND instead of OR: one bad child alone would not page.
        (
            'ALARM("lab-alb-error-rate") AND ALARM("lab-alb-p99-latency") AND NOT ALARM("lab-deploying")',
            True,
            "should page",
        ),
        # The deployment clause left out: pages during a deployment.
        ('ALARM("lab-alb-error-rate") OR ALARM("lab-alb-p99-latency")', True, "should stay quiet"),
        # Precedence: NOT binds to the latency term only, so errors alone page during a deployment.
        (
            'ALARM("lab-alb-error-rate") OR ALARM("lab-alb-p99-latency") AND NOT ALARM("lab-deploying")',
            True,
            "should stay quiet",
        ),
        # A child the exercise does not ask for.
        ('(ALARM("lab-alb-error-rate") OR ALARM("lab-cpu-high")) AND NOT ALARM("lab-deploying")', True, "use only"),
        (RIGHT_RULE, False, "lab-alerts"),
    ],
)
def test_composite_wrong_answers_then_solution(
    lab: Lab, topic: str, rule: str, with_topic: bool, expected: str
) -> None:
    _composite(lab, rule, topic if with_topic else None)
    problems = page_on_alb_trouble.problems(lab)
    assert any(expected in p for p in problems), problems
    _solve_composite(lab, topic)


def test_composite_missing(lab: Lab, topic: str) -> None:
    assert "no composite alarm" in page_on_alb_trouble.problems(lab)[0]
    _solve_composite(lab, topic)


def _anomaly(
    lab: Lab,
    topic: str | None,
    stddevs: str = "2",
    stat: str = "Average",
    period: int = 300,
    metric: dict[str, Any] = CPU,
    **changes: Any,
) -> None:
    params: dict[str, Any] = {
        "AlarmName": "lab-cpu-anomaly",
        "Metrics": [
            {"Id": "m1", "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}, "ReturnData": True},
            {"Id": "ad1", "Expression": f"ANOMALY_DETECTION_BAND(m1, {stddevs})"},
        ],
        "ThresholdMetricId": "ad1",
        "ComparisonOperator": "GreaterThanUpperThreshold",
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "AlarmActions": [topic] if topic else [],
    }
    params.update(changes)
    lab.client("cloudwatch").put_metric_alarm(**params)


def _solve_anomaly(lab: Lab, topic: str) -> None:
    for _ in range(2):
        exec(
            cpu_anomaly_alarm.solution_code,
            {"cloudwatch": lab.client("cloudwatch"), "topic_arn": topic, "cpu_metric": CPU},
        )
    assert cpu_anomaly_alarm.problems(lab) == []


def test_anomaly_right_answer(lab: Lab, topic: str) -> None:
    _anomaly(lab, topic)
    assert cpu_anomaly_alarm.problems(lab) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"stddevs": "3"}, "3 standard deviations"),
        ({"stat": "Maximum"}, "Average over 300"),
        ({"period": 60}, "Average over 300"),
        ({"metric": {**CPU, "MetricName": "NetworkIn"}}, "not AWS/EC2/CPUUtilization"),
        ({"metric": {**CPU, "Dimensions": []}}, "InstanceId"),
        ({"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"}, "GreaterThanUpperThreshold"),
        ({"DatapointsToAlarm": 1}, "3 of 5"),
        ({"EvaluationPeriods": 3}, "3 of 5"),
        ({"with_topic": False}, "lab-alerts"),
    ],
)
def test_anomaly_wrong_answers_then_solution(lab: Lab, topic: str, changes: dict[str, Any], expected: str) -> None:
    with_topic = changes.pop("with_topic", True)
    _anomaly(lab, topic if with_topic else None, **changes)
    problems = cpu_anomaly_alarm.problems(lab)
    assert any(expected in p for p in problems), problems
    _solve_anomaly(lab, topic)


def _static_threshold_instead(lab: Lab, topic: str) -> None:
    """The wrong answer "a fixed 80 % threshold" under the exercise's alarm name."""
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="lab-cpu-anomaly",
        **CPU,
        Statistic="Average",
        Period=300,
        EvaluationPeriods=5,
        DatapointsToAlarm=3,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )


def test_anomaly_missing_then_a_static_threshold(lab: Lab, topic: str) -> None:
    assert "no alarm named" in cpu_anomaly_alarm.problems(lab)[0]
    _static_threshold_instead(lab, topic)
    assert "fixed Threshold" in cpu_anomaly_alarm.problems(lab)[0]
    _solve_anomaly(lab, topic)


# Exercise 3: a step scaling policy. Steps are relative to the alarm's threshold ("Step adjustments",
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html); a step policy has an instance
# warmup, not a cooldown (PutScalingPolicy API reference: "Cooldown ... Valid only if the policy type is SimpleScaling").
GROUP = "lab-web-asg"
GROUP_CPU = {
    "Namespace": "AWS/EC2",
    "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": GROUP}],
}
RIGHT_STEPS = [
    {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
    {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 3},
]


@pytest.fixture
def scaling_group(lab: Lab) -> str:
    """Step 5 as the notebook leaves it: the group, lab-asg-scale-out and the alarm lab-asg-cpu-high invoking it."""
    template = {"ImageId": "ami-0a1b2c3d4e5f67890", "InstanceType": "t3.micro", "Monitoring": {"Enabled": True}}
    lab.client("ec2").create_launch_template(LaunchTemplateName="lab-web-template", LaunchTemplateData=template)
    autoscaling = lab.client("autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=GROUP,
        LaunchTemplate={"LaunchTemplateName": "lab-web-template", "Version": "$Latest"},
        MinSize=1,
        MaxSize=5,
        DesiredCapacity=1,
        AvailabilityZones=[f"{lab.region}a"],
    )
    arn = autoscaling.put_scaling_policy(
        AutoScalingGroupName=GROUP,
        PolicyName="lab-asg-scale-out",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        EstimatedInstanceWarmup=180,
        StepAdjustments=[
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
        ],
    )["PolicyARN"]
    _cpu_high(lab, arn)
    return str(arn)


def _cpu_high(lab: Lab, *actions: str) -> None:
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="lab-asg-cpu-high",
        **GROUP_CPU,
        Statistic="Average",
        Period=60,
        EvaluationPeriods=2,
        Threshold=60,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=list(actions),
    )


def _big_steps(lab: Lab, *, invoke: bool = True, **changes: Any) -> None:
    params: dict[str, Any] = {
        "AutoScalingGroupName": GROUP,
        "PolicyName": "lab-asg-big-steps",
        "PolicyType": "StepScaling",
        "AdjustmentType": "ChangeInCapacity",
        "EstimatedInstanceWarmup": 120,
        "StepAdjustments": RIGHT_STEPS,
    }
    params.update(changes)
    params = {key: value for key, value in params.items() if value is not None}
    arn = lab.client("autoscaling").put_scaling_policy(**params)["PolicyARN"]
    if invoke:
        _cpu_high(lab, arn)


def _solve_big_steps(lab: Lab) -> None:
    names = {
        "autoscaling": lab.client("autoscaling"),
        "cloudwatch": lab.client("cloudwatch"),
        "group": GROUP,
        "group_cpu": GROUP_CPU,
    }
    for _ in range(2):
        exec(big_steps_policy.solution_code, dict(names))
    assert big_steps_policy.problems(lab) == []


def test_big_steps_right_answer(lab: Lab, scaling_group: str) -> None:
    _big_steps(lab)
    assert big_steps_policy.problems(lab) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # A simple scaling policy: one adjustment whatever the CPU.
        (
            {
                "PolicyType": "SimpleScaling",
                "StepAdjustments": None,
                "EstimatedInstanceWarmup": None,
                "ScalingAdjustment": 3,
            },
            "PolicyType='StepScaling'",
        ),
        ({"AdjustmentType": "PercentChangeInCapacity"}, "ChangeInCapacity"),
        # Bounds written as CPU values, not relative to the threshold 60: 60 % to 80 % adds nothing.
        (
            {
                "StepAdjustments": [
                    {"MetricIntervalLowerBound": 60, "MetricIntervalUpperBound": 80, "ScalingAdjustment": 1},
                    {"MetricIntervalLowerBound": 80, "ScalingAdjustment": 3},
                    {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 60, "ScalingAdjustment": 0},
                ]
            },
            "relative to the threshold",
        ),
        ({"StepAdjustments": [{**RIGHT_STEPS[0]}, {**RIGHT_STEPS[1], "ScalingAdjustment": 2}]}, "should add 3"),
        ({"EstimatedInstanceWarmup": 300}, "after 120 seconds"),
        ({"EstimatedInstanceWarmup": None}, "not set"),
        ({"invoke": False}, "does not invoke the policy"),
    ],
)
def test_big_steps_wrong_answers_then_solution(
    lab: Lab, scaling_group: str, changes: dict[str, Any], expected: str
) -> None:
    _big_steps(lab, **changes)
    problems = big_steps_policy.problems(lab)
    assert any(expected in p for p in problems), problems
    _solve_big_steps(lab)


def test_big_steps_missing_then_solution(lab: Lab, scaling_group: str) -> None:
    assert "no scaling policy 'lab-asg-big-steps'" in big_steps_policy.problems(lab)[0]
    _solve_big_steps(lab)


def test_big_steps_without_the_alarm_then_solution(lab: Lab, scaling_group: str) -> None:
    _big_steps(lab, invoke=False)
    lab.client("cloudwatch").delete_alarms(AlarmNames=["lab-asg-cpu-high"])
    assert any("there is no alarm 'lab-asg-cpu-high'" in p for p in big_steps_policy.problems(lab))
    _solve_big_steps(lab)


def _in_both_languages(problems: Any) -> tuple[list[str], list[str]]:
    english = problems()
    i18n.set_language("ja")
    try:
        japanese = problems()
    finally:
        i18n.set_language("en")
    return english, japanese


def _same_problems(english: list[str], japanese: list[str], values: set[str]) -> None:
    """Issue 18: the Japanese feedback is the English one translated, problem for problem, with the same values."""
    assert len(english) == len(japanese) and english
    for said_in_english, said_in_japanese in zip(english, japanese, strict=True):
        assert said_in_english != said_in_japanese and _is_japanese(said_in_japanese), said_in_japanese
        assert {v for v in values if v in said_in_english} == {v for v in values if v in said_in_japanese}


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


def test_composite_feedback_names_the_same_problems_in_japanese(lab: Lab, topic: str) -> None:
    values = {
        "lab-page-alb",
        "lab-alb-error-rate",
        "lab-alb-p99-latency",
        "lab-deploying",
        "lab-cpu-high",
        "ALARM",
        "OK",
        "TRUE",
        "FALSE",
        "lab-alerts",
    }
    english, japanese = _in_both_languages(lambda: page_on_alb_trouble.problems(lab))
    _same_problems(english, japanese, values)  # no composite alarm yet
    _composite(lab, 'ALARM("lab-alb-error-rate") OR ALARM("lab-alb-p99-latency")', None)
    english, japanese = _in_both_languages(lambda: page_on_alb_trouble.problems(lab))
    assert len(english) == 2
    _same_problems(english, japanese, values)
    _composite(
        lab, 'ALARM("lab-alb-error-rate") AND ALARM("lab-alb-p99-latency") AND NOT ALARM("lab-deploying")', topic
    )
    _same_problems(*_in_both_languages(lambda: page_on_alb_trouble.problems(lab)), values)
    _composite(lab, 'ALARM("lab-cpu-high") AND NOT ALARM("lab-deploying")', topic)
    _same_problems(*_in_both_languages(lambda: page_on_alb_trouble.problems(lab)), values)


def test_anomaly_feedback_names_the_same_problems_in_japanese(lab: Lab, topic: str) -> None:
    values = {
        "lab-cpu-anomaly",
        "Maximum",
        "60",
        "300",
        "3",
        "LessThanLowerOrGreaterThanUpperThreshold",
        "GreaterThanUpperThreshold",
        "lab-alerts",
        "NetworkIn",
        "InstanceId",
        "ThresholdMetricId",
    }
    _same_problems(*_in_both_languages(lambda: cpu_anomaly_alarm.problems(lab)), values)  # no alarm yet
    _anomaly(
        lab,
        None,
        stddevs="3",
        stat="Maximum",
        period=60,
        ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold",
        DatapointsToAlarm=1,
        metric={**CPU, "MetricName": "NetworkIn"},
    )
    english, japanese = _in_both_languages(lambda: cpu_anomaly_alarm.problems(lab))
    assert len(english) == 6
    _same_problems(english, japanese, values)
    _anomaly(lab, topic, metric={**CPU, "Dimensions": []})
    _same_problems(*_in_both_languages(lambda: cpu_anomaly_alarm.problems(lab)), values)
    _static_threshold_instead(lab, topic)
    _same_problems(*_in_both_languages(lambda: cpu_anomaly_alarm.problems(lab)), values)


def test_titles_and_hints_are_in_the_japanese_catalogue() -> None:
    for exercise in (page_on_alb_trouble, cpu_anomaly_alarm):
        for text in (exercise.title, *exercise.hints):
            assert _is_japanese(i18n.translation("ja").gettext(text)), text
