"""Set-ups several test modules make in a lab the same way (through plain boto3, as a notebook would)."""

from __future__ import annotations

from typing import Any

from labkit.runtime.lab import Lab


def email_topic(lab: Lab, name: str, endpoint: str) -> str:
    """The ARN of a new SNS topic ``name`` whose email subscriber ``endpoint`` has confirmed its subscription."""
    sns = lab.client("sns")
    arn = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=endpoint)
    lab.inbox.confirm(endpoint)
    return str(arn)


def errors_alarm(lab: Lab, name: str, **extra: Any) -> None:
    """Put the metric alarm ``name``: the one-minute Sum of Lab/App ``Errors`` greater than 1."""
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace="Lab/App",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        **extra,
    )
