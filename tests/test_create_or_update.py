"""Create-or-update versus already-exists: what a second create or put of the same name does,
through a moto lab's plain boto3 clients, as AWS documents it (issue 14, "every cell can be run twice").

Each test cites the AWS page whose rule it checks. Where moto already follows AWS the test keeps it so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.runtime.lab import Lab

TRANSFORM = [{"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "1"}]


def test_put_metric_filter_twice_leaves_one_filter_the_latest(lab: Lab) -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html
    ("Creates or updates a metric filter")."""
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="ssh_logs")
    for pattern in ('"Failed password"', '"Invalid user"'):
        logs.put_metric_filter(
            logGroupName="ssh_logs", filterName="SSH Failed", filterPattern=pattern, metricTransformations=TRANSFORM
        )
    filters = logs.describe_metric_filters(logGroupName="ssh_logs")["metricFilters"]
    assert [(f["filterName"], f["filterPattern"]) for f in filters] == [("SSH Failed", '"Invalid user"')]


def test_create_log_group_twice_is_refused(lab: Lab) -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
    (ResourceAlreadyExistsException: "The specified resource already exists")."""
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="ssh_logs")
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName="ssh_logs")


def test_put_metric_alarm_twice_updates_the_one_alarm(lab: Lab) -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    ("Creates or updates an alarm ... the update completely overwrites the previous configuration")."""
    cloudwatch = lab.client("cloudwatch")
    base: dict[str, Any] = {
        "AlarmName": "SSH Failed",
        "Namespace": "LabLogs",
        "MetricName": "SSHFailed",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 3,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "AlarmActions": ["arn:aws:sns:ap-northeast-1:123456789012:lab-alerts"],
    }
    cloudwatch.put_metric_alarm(**base)
    cloudwatch.put_metric_alarm(**{**base, "Threshold": 5, "AlarmActions": []})
    alarms = cloudwatch.describe_alarms()["MetricAlarms"]
    assert [(a["AlarmName"], a["Threshold"], a["AlarmActions"]) for a in alarms] == [("SSH Failed", 5.0, [])]


def test_put_rule_and_put_targets_twice_update(lab: Lab) -> None:
    """https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html ("Creates or updates the
    specified rule"); https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html ("Adds
    the specified targets to the specified rule, or updates the targets if they are already associated")."""
    events = lab.client("events")
    topic = lab.client("sns").create_topic(Name="lab-alerts")["TopicArn"]
    other = lab.client("sns").create_topic(Name="other")["TopicArn"]
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["aws.health"]}))
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["aws.guardduty"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "email", "Arn": other}])
    events.put_targets(Rule="r", Targets=[{"Id": "email", "Arn": topic}])
    assert json.loads(events.describe_rule(Name="r")["EventPattern"]) == {"source": ["aws.guardduty"]}
    assert [(t["Id"], t["Arn"]) for t in events.list_targets_by_rule(Rule="r")["Targets"]] == [("email", topic)]


def test_create_topic_again_is_idempotent_but_refuses_other_tags(lab: Lab) -> None:
    """https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html ("This action is idempotent"); with
    tags that differ AWS answers InvalidParameter (the page is silent; see labkit.emulator.sns_email)."""
    sns = lab.client("sns")
    arn = sns.create_topic(Name="ops-alerts", Tags=[{"Key": "team", "Value": "dev"}])["TopicArn"]
    assert sns.create_topic(Name="ops-alerts")["TopicArn"] == arn
    assert sns.create_topic(Name="ops-alerts", Tags=[{"Key": "team", "Value": "dev"}])["TopicArn"] == arn
    with pytest.raises(sns.exceptions.InvalidParameterException, match="Topic already exists with different tags"):
        sns.create_topic(Name="ops-alerts", Tags=[{"Key": "team", "Value": "ops"}])
    # TagResource is how a tag's value changes ("a new tag with a key identical to that of an existing tag
    # overwrites the existing tag", https://docs.aws.amazon.com/sns/latest/api/API_TagResource.html).
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ops"}])
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags["team"] == "ops"
    assert len([t for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":ops-alerts")]) == 1


BUDGET = {
    "BudgetName": "lab-monthly",
    "BudgetLimit": {"Amount": "10", "Unit": "USD"},
    "TimeUnit": "MONTHLY",
    "BudgetType": "COST",
}
NOTIFICATION = {
    "NotificationType": "ACTUAL",
    "ComparisonOperator": "GREATER_THAN",
    "Threshold": 100,
    "ThresholdType": "PERCENTAGE",
}


def test_create_budget_twice_is_refused(lab: Lab) -> None:
    """https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateBudget.html
    (DuplicateRecordException: "The budget name already exists")."""
    budgets = lab.client("budgets")
    budgets.create_budget(AccountId=lab.account_id, Budget=BUDGET)
    with pytest.raises(budgets.exceptions.DuplicateRecordException):
        budgets.create_budget(AccountId=lab.account_id, Budget=BUDGET)


def test_create_notification_twice_is_refused(lab: Lab) -> None:
    """https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateNotification.html
    lists DuplicateRecordException; a notification is named by its type, operator, threshold and threshold type."""
    budgets = lab.client("budgets")
    budgets.create_budget(AccountId=lab.account_id, Budget=BUDGET)
    subscribers = [{"SubscriptionType": "EMAIL", "Address": "learner@example.com"}]
    budgets.create_notification(
        AccountId=lab.account_id, BudgetName="lab-monthly", Notification=NOTIFICATION, Subscribers=subscribers
    )
    with pytest.raises(budgets.exceptions.DuplicateRecordException, match="notification already exists"):
        budgets.create_notification(
            AccountId=lab.account_id,
            BudgetName="lab-monthly",
            Notification={**NOTIFICATION, "Threshold": 100.0},
            Subscribers=subscribers,
        )
    budgets.create_notification(
        AccountId=lab.account_id,
        BudgetName="lab-monthly",
        Notification={**NOTIFICATION, "Threshold": 80},
        Subscribers=subscribers,
    )
    found = budgets.describe_notifications_for_budget(AccountId=lab.account_id, BudgetName="lab-monthly")[
        "Notifications"
    ]
    assert sorted(float(n["Threshold"]) for n in found) == [80.0, 100.0]
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.create_notification(
            AccountId=lab.account_id, BudgetName="nope", Notification=NOTIFICATION, Subscribers=subscribers
        )


def test_run_instances_with_the_same_client_token_launches_once(lab: Lab) -> None:
    """https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html: a retry with the same client
    token and parameters succeeds without further action; other parameters fail with IdempotentParameterMismatch."""
    from labkit.lesson.ec2 import OFFLINE_AMI

    ec2 = lab.client("ec2")
    request = {"ImageId": OFFLINE_AMI, "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1, "ClientToken": "web-1"}
    first = ec2.run_instances(**request)["Instances"][0]["InstanceId"]
    assert ec2.run_instances(**request)["Instances"][0]["InstanceId"] == first
    with pytest.raises(ec2.exceptions.ClientError, match="IdempotentParameterMismatch"):
        ec2.run_instances(**{**request, "InstanceType": "t3.small"})
    other = ec2.run_instances(**{**request, "ClientToken": "web-2"})["Instances"][0]["InstanceId"]
    ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"])
    assert ids == sorted([first, other])


def test_the_same_launch_twice_is_one_watched_instance(lab: Lab) -> None:
    """labkit.lesson.ec2.launch passes a ClientToken: a notebook's launch cell run twice keeps one instance and its metrics."""
    from labkit.lesson import ec2

    first = ec2.launch(lab, history_days=1)
    again = ec2.launch(lab, history_days=1)
    assert again is first
    other = ec2.launch(lab, detailed=True)
    assert other.instance_id != first.instance_id
    assert len(lab.emulator.plugin(Ec2Metrics).instances) == 2  # type: ignore[union-attr]
