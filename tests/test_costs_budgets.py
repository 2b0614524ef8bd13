"""Cost accrual, budget alerts and Cost Explorer offline (notebook 06b).

GetCostAndUsage: https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html;
budget notification thresholds: https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html;
budgets update up to three times a day: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-best-practices.html;
PutLogEvents event size (message bytes + 26): https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aws_shapes import shape_problems

from labkit.aws import costs
from labkit.emulator.budgets import Budgets
from labkit.emulator.ec2_status import Ec2Status
from labkit.exceptions import UnsupportedOperation
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab

UTC = dt.timezone.utc
JUNE = dt.datetime(2026, 6, 1, tzinfo=UTC)


def test_price_table_is_dated_and_sourced() -> None:
    table = costs.price_table()
    assert table["region"] == "ap-northeast-1" and table["as_of"]
    assert all(entry["source"].startswith("https://aws.amazon.com/") for entry in table["prices"].values())


def test_monthly_prices_are_prorated_over_730_hours() -> None:
    ledger = costs.Ledger()
    ledger.charge("cloudwatch:alarm", 2, JUNE, "ap-northeast-1", "1")
    assert ledger.items[0].amount == pytest.approx(2 * 0.10 / 730)


def test_linear_forecast_needs_a_day_and_extrapolates() -> None:
    end = dt.datetime(2026, 7, 1, tzinfo=UTC)
    assert costs.linear_forecast(1.0, JUNE, end, JUNE + dt.timedelta(hours=12)) is None
    assert costs.linear_forecast(1.0, JUNE, end, JUNE + dt.timedelta(days=3)) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("notification", "amount", "crossed"),
    [
        ({"ComparisonOperator": "GREATER_THAN", "Threshold": 80, "ThresholdType": "PERCENTAGE"}, 1.61, True),
        ({"ComparisonOperator": "GREATER_THAN", "Threshold": 80, "ThresholdType": "PERCENTAGE"}, 1.60, False),
        ({"ComparisonOperator": "GREATER_THAN", "Threshold": 1.5, "ThresholdType": "ABSOLUTE_VALUE"}, 1.55, True),
        ({"ComparisonOperator": "LESS_THAN", "Threshold": 50, "ThresholdType": "PERCENTAGE"}, 0.5, True),
    ],
)
def test_threshold(notification: dict[str, Any], amount: float, crossed: bool) -> None:
    assert costs.threshold_crossed(notification, 2.0, amount) is crossed


def _ledger() -> costs.Ledger:
    ledger = costs.Ledger()
    for hour in range(48):
        ledger.charge("ec2:t3.micro", 1, JUNE + dt.timedelta(hours=hour), "ap-northeast-1", "1")
    ledger.charge("sns:email", 3, JUNE, "us-east-1", "1")
    return ledger


def test_cost_and_usage_groups_by_service_and_region() -> None:
    reply = costs.cost_and_usage(
        _ledger(),
        {
            "TimePeriod": {"Start": "2026-06-01", "End": "2026-06-03"},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost", "UsageQuantity"],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "REGION"}],
        },
        JUNE + dt.timedelta(days=2),
    )
    assert shape_problems("ce", "GetCostAndUsage", reply) == []
    first, second = reply["ResultsByTime"]
    assert first["TimePeriod"] == {"Start": "2026-06-01", "End": "2026-06-02"} and first["Total"] == {}
    groups = {tuple(g["Keys"]): g["Metrics"] for g in first["Groups"]}
    assert groups[("Amazon Elastic Compute Cloud - Compute", "ap-northeast-1")]["UnblendedCost"] == {
        "Amount": "0.3264",
        "Unit": "USD",
    }
    assert groups[("Amazon Elastic Compute Cloud - Compute", "ap-northeast-1")]["UsageQuantity"]["Amount"] == "24"
    assert ("Amazon Simple Notification Service", "us-east-1") in groups
    assert len(second["Groups"]) == 1 and first["Estimated"] is True


def test_cost_and_usage_total_and_monthly_buckets_and_filter() -> None:
    reply = costs.cost_and_usage(
        _ledger(),
        {
            "TimePeriod": {"Start": "2026-05-15", "End": "2026-07-01"},
            "Granularity": "MONTHLY",
            "Metrics": ["BlendedCost"],
            "Filter": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
        },
        JUNE,
    )
    assert [r["TimePeriod"] for r in reply["ResultsByTime"]] == [
        {"Start": "2026-05-15", "End": "2026-06-01"},
        {"Start": "2026-06-01", "End": "2026-07-01"},
    ]
    assert reply["ResultsByTime"][1]["Total"]["BlendedCost"] == {"Amount": "0.00006", "Unit": "USD"}
    assert "GroupDefinitions" not in reply and reply["ResultsByTime"][0]["Estimated"] is False


@pytest.mark.parametrize(
    "params",
    [
        {
            "TimePeriod": {"Start": "2026-06-02", "End": "2026-06-01"},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
        },
        {
            "TimePeriod": {"Start": "2026-06-01", "End": "2026-06-02"},
            "Granularity": "WEEKLY",
            "Metrics": ["UnblendedCost"],
        },
        {"TimePeriod": {"Start": "2026-06-01", "End": "2026-06-02"}, "Granularity": "DAILY", "Metrics": ["Profit"]},
        {
            "TimePeriod": {"Start": "2026-06-01", "End": "2026-06-02"},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}] * 3,
        },
    ],
)
def test_cost_explorer_refuses_bad_requests(lab: Lab, params: dict[str, Any]) -> None:
    ce = lab.client("ce")
    with pytest.raises(ce.exceptions.ClientError, match="ValidationException"):
        ce.get_cost_and_usage(**params)


# -- the emulator --------------------------------------------------------------------------------
def _budget(lab: Lab, limit: str = "2") -> Any:
    budgets = lab.client("budgets")
    me = [{"SubscriptionType": "EMAIL", "Address": prereqs.LEARNER_EMAIL}]
    budgets.create_budget(
        AccountId=lab.account_id,
        Budget={
            "BudgetName": "b",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": limit, "Unit": "USD"},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": "ACTUAL",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": me,
            },
            {
                "Notification": {
                    "NotificationType": "FORECASTED",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 100,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": me,
            },
        ],
    )
    return budgets


def test_instance_hours_accrue_and_budget_reports_calculated_spend(lab: Lab) -> None:
    prereqs.lab_instance(lab)
    budgets = _budget(lab)
    lab.advance(hours=10)
    budget = budgets.describe_budget(AccountId=lab.account_id, BudgetName="b")
    assert shape_problems("budgets", "DescribeBudget", budget) == []
    assert float(budget["Budget"]["CalculatedSpend"]["ActualSpend"]["Amount"]) == pytest.approx(10 * 0.0136)
    assert "ForecastedSpend" not in budget["Budget"]["CalculatedSpend"]  # less than a day of data
    assert budget["Budget"]["TimePeriod"]["Start"] == JUNE
    listed = budgets.describe_budgets(AccountId=lab.account_id)
    assert shape_problems("budgets", "DescribeBudgets", listed) == []


def test_subscribers_of_a_notification_are_listed_as_created(lab: Lab) -> None:
    # DescribeSubscribersForNotification (moto lacks it):
    # https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DescribeSubscribersForNotification.html
    budgets = _budget(lab)
    actual = {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": 80.0,
        "ThresholdType": "PERCENTAGE",
    }
    where = {"AccountId": lab.account_id, "BudgetName": "b"}
    reply = budgets.describe_subscribers_for_notification(**where, Notification=actual)
    assert shape_problems("budgets", "DescribeSubscribersForNotification", reply) == []
    assert reply["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": prereqs.LEARNER_EMAIL}]
    sns = {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": 100,
        "ThresholdType": "PERCENTAGE",
    }
    topic = [{"SubscriptionType": "SNS", "Address": f"arn:aws:sns:{lab.region}:{lab.account_id}:t"}]
    budgets.create_notification(**where, Notification=sns, Subscribers=topic)
    assert budgets.describe_subscribers_for_notification(**where, Notification=sns)["Subscribers"] == topic
    budgets.delete_notification(**where, Notification=sns)
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.describe_subscribers_for_notification(**where, Notification=sns)
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.describe_subscribers_for_notification(AccountId=lab.account_id, BudgetName="none", Notification=actual)
    with pytest.raises(UnsupportedOperation, match="paging"):
        budgets.describe_subscribers_for_notification(**where, Notification=actual, NextToken="x")


def test_alerts_fire_once_each_at_an_update_time_and_reach_the_inbox(lab: Lab) -> None:
    prereqs.lab_instance(lab)
    budgets = _budget(lab)
    lab.advance(hours=24)
    mail = [e for e in lab.inbox.notifications() if e.subject.startswith("AWS Budgets")]
    assert len(mail) == 1 and "FORECASTED Cost" in mail[0].body and mail[0].sent_at == JUNE + dt.timedelta(days=1)
    states = budgets.describe_notifications_for_budget(AccountId=lab.account_id, BudgetName="b")
    assert shape_problems("budgets", "DescribeNotificationsForBudget", states) == []
    assert sorted(n["NotificationState"] for n in states["Notifications"]) == ["ALARM", "OK"]
    lab.advance(hours=24 * 4)  # $1.60 takes 118 instance hours
    mail = [e for e in lab.inbox.notifications() if e.subject.startswith("AWS Budgets")]
    assert [("ACTUAL Cost" in e.body) for e in mail] == [False, True]
    assert mail[1].sent_at.hour in (0, 8, 16) and mail[1].topic_arn == ""
    lab.advance(hours=24)
    assert len([e for e in lab.inbox.notifications() if e.subject.startswith("AWS Budgets")]) == 2


def test_cost_explorer_answers_from_the_accrued_ledger(lab: Lab) -> None:
    prereqs.lab_instance(lab)
    lab.client("logs").create_log_group(logGroupName="g")
    lab.client("logs").create_log_stream(logGroupName="g", logStreamName="s")
    lab.client("logs").put_log_events(
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": int(JUNE.timestamp() * 1000), "message": "x" * 974}],
    )
    lab.advance(hours=2)
    reply = lab.client("ce").get_cost_and_usage(
        TimePeriod={"Start": "2026-06-01", "End": "2026-06-02"},
        Granularity="DAILY",
        Metrics=["UsageQuantity"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )
    usage = {g["Keys"][0]: float(g["Metrics"]["UsageQuantity"]["Amount"]) for g in reply["ResultsByTime"][0]["Groups"]}
    assert usage["APN1-BoxUsage:t3.micro"] == pytest.approx(2)
    assert usage["APN1-DataProcessing-Bytes"] == pytest.approx(1000 / 1024**3, rel=1e-3)  # amounts carry 10 decimals


def test_cost_meter_prices_running_resources_by_lab_time(lab) -> None:  # type: ignore[no-untyped-def]
    """Prices from labkit/data/prices-ap-northeast-1.json: t3.micro per hour, alarms per alarm-month / 730 h."""
    from labkit.aws import costs
    from labkit.lesson import ec2

    instance = ec2.launch(lab)
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="cpu-high",
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Dimensions=instance.dimensions,
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
    )
    lab.client("sns").create_topic(Name="free")
    lab.advance(hours=10)
    lines = {line.resource.split()[0]: line for line in costs.meter(lab)}
    assert set(lines) == {"ec2:instance", "cloudwatch:alarm"}
    assert lines["ec2:instance"].hours == 10.0
    assert lines["ec2:instance"].usd == round(10 * costs.price("ec2:t3.micro")["usd"], 4)
    assert lines["cloudwatch:alarm"].usd == round(10 * costs.price("cloudwatch:alarm")["usd"] / 730, 4)


def test_budgets_are_read_from_moto_only_once_the_lab_made_one(lab: Lab) -> None:
    """A lab day without a budget asks moto for none at the three update times (a month of them cost a few
    tenths of a CPU second); a budget made afterwards is evaluated and alerts as before."""
    from moto.core.botocore_stubber import BotocoreStubber

    asked: list[str] = []
    process_request = BotocoreStubber.process_request

    def recorded(stubber: BotocoreStubber, request: Any) -> Any:
        asked.append(str(request.headers.get("X-Amz-Target", b"")))
        return process_request(stubber, request)

    prereqs.lab_instance(lab)
    BotocoreStubber.process_request = recorded  # type: ignore[method-assign]
    try:
        lab.advance(hours=24)
        assert not [target for target in asked if "DescribeBudgets" in target]
        _budget(lab)
        lab.advance(hours=24)
        assert [target for target in asked if "DescribeBudgets" in target]
    finally:
        BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    mail = [e for e in lab.inbox.notifications() if e.subject.startswith("AWS Budgets")]
    assert len(mail) == 1 and "FORECASTED Cost" in mail[0].body


def test_a_lab_without_ec2_accrues_its_hours_without_starting_moto_ec2(lab: Lab) -> None:
    """The hourly accrual asks EC2 for running instances only once the lab has used EC2 (moto's
    EC2 backend costs up to a second to start); the custom metrics are still charged."""
    from moto.ec2.models import ec2_backends

    lab.client("cloudwatch").put_metric_data(Namespace="Lab", MetricData=[{"MetricName": "m", "Value": 1.0}])
    lab.advance(hours=2)
    assert dict.get(ec2_backends, lab.account_id) is None
    services = {item.service for item in lab.emulator.plugin(Budgets).ledger.items}
    assert "AmazonCloudWatch" in services and "Amazon Elastic Compute Cloud - Compute" not in services


def test_an_instance_stopped_between_hours_stops_accruing(lab: Lab) -> None:
    """The hourly accrual keeps the running instances between calls; a stop must still end the charge."""
    instance = prereqs.lab_instance(lab)
    lab.advance(hours=2)
    lab.client("ec2").stop_instances(InstanceIds=[instance.instance_id])
    lab.advance(hours=2)
    compute = [
        item
        for item in lab.emulator.plugin(Budgets).ledger.items
        if item.service == "Amazon Elastic Compute Cloud - Compute"
    ]
    assert [item.start for item in compute] == [lab.clock.now() - dt.timedelta(hours=h) for h in (4, 3)]


def test_an_alarm_stop_action_ends_the_charge_though_alarm_writes_keep_the_running_instances(lab: Lab) -> None:
    """Alarm state changes (CloudWatch, SNS, EventBridge calls) keep the running instances the accrual read; the
    alarm's EC2 stop action ("Create alarms to stop, terminate, reboot, or recover an instance",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/UsingAlarmActions.html) is an EC2 call and
    still ends the charge."""
    budgets = lab.emulator.plugin(Budgets)
    instance = prereqs.lab_instance(lab)
    start = lab.clock.now()
    lab.advance(hours=1)
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="quiet",
        MetricName="m",
        Namespace="Lab",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName="quiet", StateValue="ALARM", StateReason="a write that starts nothing")
    assert budgets._running is not None
    lab.advance(minutes=59)
    cloudwatch.put_metric_alarm(
        AlarmName="stop-it",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=instance.dimensions,
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=-1.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[f"arn:aws:automate:{lab.region}:ec2:stop"],
    )
    lab.advance(hours=3)
    compute = [item for item in budgets.ledger.items if item.service == "Amazon Elastic Compute Cloud - Compute"]
    assert [record.kind for record in lab.emulator.plugin(Ec2Status).actions] == ["stopped"]
    # Stopped at 02:00, before that minute's accrual: the hours from 01:00 on are not charged.
    assert [item.start for item in compute] == [start]
