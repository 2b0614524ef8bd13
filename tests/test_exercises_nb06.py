"""Exercise checkers of notebook 06: the right answer passes, wrong ones are explained."""

from __future__ import annotations

import json

import pytest

from labkit.aws.cloudtrail import CIS_PATTERNS
from labkit.course.exercises.nb06 import ec2_health_rule, security_group_alarm
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab


def _rule(lab: Lab, pattern: dict, *, target: bool = True) -> None:
    topic = prereqs.alerts_topic(lab)
    events = lab.client("events")
    events.put_rule(Name="ec2-health-issues", EventPattern=json.dumps(pattern))
    if target:
        events.put_targets(Rule="ec2-health-issues", Targets=[{"Id": "email", "Arn": topic}])


RIGHT = {
    "source": ["aws.health"],
    "detail-type": ["AWS Health Event"],
    "detail": {"service": ["EC2"], "eventTypeCategory": ["issue"]},
}


def test_health_rule_right_answer(lab: Lab) -> None:
    _rule(lab, RIGHT)
    assert ec2_health_rule.problems(lab) == []


@pytest.mark.parametrize(
    ("pattern", "complaint"),
    [
        ({"source": ["aws.health"]}, "scheduled changes"),
        ({"source": ["aws.health"], "detail": {"eventTypeCategory": ["issue"]}}, "other services"),
        ({"source": ["aws.ec2"], "detail": {"service": ["EC2"]}}, "does not match"),
    ],
)
def test_health_rule_wrong_patterns(lab: Lab, pattern: dict, complaint: str) -> None:
    _rule(lab, pattern)
    assert any(complaint in problem for problem in ec2_health_rule.problems(lab))


def test_health_rule_missing_and_untargeted(lab: Lab) -> None:
    assert "no EventBridge rule" in ec2_health_rule.problems(lab)[0]
    _rule(lab, RIGHT, target=False)
    assert any("not a target" in p for p in ec2_health_rule.problems(lab))


def _trail_group(lab: Lab) -> str:
    logs, iam = lab.client("logs"), lab.client("iam")
    lab.client("s3").create_bucket(Bucket="b-trail", CreateBucketConfiguration={"LocationConstraint": lab.region})
    logs.create_log_group(logGroupName="ct")
    role = iam.create_role(
        RoleName="ct",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    lab.client("cloudtrail").create_trail(
        Name="lab-trail",
        S3BucketName="b-trail",
        CloudWatchLogsRoleArn=role,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{lab.region}:{lab.account_id}:log-group:ct:*",
    )
    return "ct"


def _answer(lab: Lab, *, pattern: str | None = None, threshold: float = 1, group: str | None = None) -> None:
    topic = prereqs.alerts_topic(lab)
    group = group or _trail_group(lab)
    lab.client("logs").put_metric_filter(
        logGroupName=group,
        filterName="SecurityGroupChanges",
        filterPattern=pattern or CIS_PATTERNS["CloudWatch.10 security group changes"],
        metricTransformations=[
            {"metricName": "SecurityGroupChanges", "metricNamespace": "LogMetrics", "metricValue": "1"}
        ],
    )
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="CIS-SecurityGroupChanges",
        Namespace="LogMetrics",
        MetricName="SecurityGroupChanges",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=threshold,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )


def test_security_group_alarm_right_answer(lab: Lab) -> None:
    _answer(lab)
    assert security_group_alarm.problems(lab) == []


def test_security_group_alarm_wrong_pattern(lab: Lab) -> None:
    _answer(lab, pattern='{ $.eventName = "*SecurityGroup*" }')
    problems = security_group_alarm.problems(lab)
    assert any("DescribeSecurityGroups" in p for p in problems)
    assert any("exactly the CIS one" in p for p in problems)


def test_security_group_alarm_wrong_threshold_and_group(lab: Lab) -> None:
    lab.client("logs").create_log_group(logGroupName="not-the-trail")
    _answer(lab, threshold=5, group="not-the-trail")
    problems = security_group_alarm.problems(lab)
    assert any("no trail delivers" in p for p in problems)
    assert any("single change" in p for p in problems)


def test_security_group_alarm_nothing_yet(lab: Lab) -> None:
    assert security_group_alarm.problems(lab) == ["no metric filter publishes the metric SecurityGroupChanges"]


def _solve(lab: Lab, exercise: object, log_group: str = "ct") -> None:
    exec(
        exercise.solution_code,
        {  # type: ignore[attr-defined]
            "events": lab.client("events"),
            "logs": lab.client("logs"),
            "cloudwatch": lab.client("cloudwatch"),
            "json": json,
            "topic_arn": prereqs.alerts_topic(lab),
            "log_group": log_group,
            "CIS_PATTERNS": CIS_PATTERNS,
        },
    )


HEALTH_WRONG = {
    "every Health event": ({"source": ["aws.health"]}, True),  # "issues"
    "every service": ({"source": ["aws.health"], "detail": {"eventTypeCategory": ["issue"]}}, True),  # "EC2"
    "EC2 API events": ({"source": ["aws.ec2"], "detail": {"service": ["EC2"]}}, True),  # "Health"
    "no target": (RIGHT, False),  # "to lab-alerts"
}


@pytest.mark.parametrize("wrong", HEALTH_WRONG, ids=list(HEALTH_WRONG))
def test_each_wrong_health_rule_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    pattern, target = HEALTH_WRONG[wrong]
    _rule(lab, pattern, target=target)
    assert ec2_health_rule.problems(lab) != []
    _solve(lab, ec2_health_rule)
    assert ec2_health_rule.problems(lab) == []


SG_WRONG = {
    "pattern counts reads": {"pattern": '{ $.eventName = "*SecurityGroup*" }'},  # "the CIS ... filter"
    "alarm needs five changes": {"threshold": 5},  # "alarm" on any change
}


@pytest.mark.parametrize("wrong", SG_WRONG, ids=list(SG_WRONG))
def test_each_wrong_security_group_answer_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    """The solution's put_metric_filter and put_metric_alarm replace the wrong ones (both create or update)."""
    _answer(lab, **SG_WRONG[wrong])  # type: ignore[arg-type]
    assert security_group_alarm.problems(lab) != []
    _solve(lab, security_group_alarm)
    _solve(lab, security_group_alarm)  # the solution cell run twice
    assert security_group_alarm.problems(lab) == []


def test_a_filter_on_a_group_no_trail_feeds_needs_the_reset(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    _trail_group(lab)
    lab.client("logs").create_log_group(logGroupName="not-the-trail")
    _answer(lab, group="not-the-trail")  # "on the trail's log group"
    assert any("no trail delivers" in p for p in security_group_alarm.problems(lab))
    _solve(lab, security_group_alarm)
    [problem] = security_group_alarm.problems(lab)
    assert "count more than once" in problem and "ex2.reset(lab)" in problem
    security_group_alarm.reset(lab)
    assert "deleted 2 metric filters" in capsys.readouterr().out
    _solve(lab, security_group_alarm)
    assert security_group_alarm.problems(lab) == []
