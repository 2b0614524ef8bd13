"""Exercise checkers of notebook 06b, each with the right answer and wrong ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labkit.course.exercises.nb06b import actual_100_notification, medium_findings_rule
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab


def _rule(lab: Lab, numeric: list[Any], source: str = "aws.guardduty", target: bool = True) -> None:
    topic = prereqs.alerts_topic(lab)
    events = lab.client("events")
    events.put_rule(
        Name="lab-guardduty-medium",
        EventPattern=json.dumps(
            {
                "source": [source],
                "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": numeric}]},
            }
        ),
    )
    if target:
        events.put_targets(Rule="lab-guardduty-medium", Targets=[{"Id": "t", "Arn": topic}])


def test_medium_rule_right(lab: Lab) -> None:
    _rule(lab, [">=", 4, "<", 7])
    assert medium_findings_rule.problems(lab) == []


def test_medium_rule_missing(lab: Lab) -> None:
    assert "no EventBridge rule" in medium_findings_rule.problems(lab)[0]


def test_medium_rule_wrong_range(lab: Lab) -> None:
    _rule(lab, [">=", 4, "<=", 7])
    assert "7" in medium_findings_rule.problems(lab)[0]


def test_medium_rule_without_target(lab: Lab) -> None:
    _rule(lab, [">=", 4, "<", 7], target=False)
    assert medium_findings_rule.problems(lab) == ["the rule has no target for the SNS topic 'lab-alerts'"]


def _budget(lab: Lab) -> Any:
    budgets = lab.client("budgets")
    budgets.create_budget(
        AccountId=lab.account_id,
        Budget={
            "BudgetName": "lab-monthly",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "2", "Unit": "USD"},
        },
    )
    return budgets


def _notify(budgets: Any, lab: Lab, kind: str, threshold: float, address: str = "you@example.com") -> None:
    budgets.create_notification(
        AccountId=lab.account_id,
        BudgetName="lab-monthly",
        Notification={
            "NotificationType": kind,
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": threshold,
            "ThresholdType": "PERCENTAGE",
        },
        Subscribers=[{"SubscriptionType": "EMAIL", "Address": address}],
    )


def test_actual_100_right(lab: Lab) -> None:
    _notify(_budget(lab), lab, "ACTUAL", 100)
    assert actual_100_notification.problems(lab) == []


def test_actual_100_forecasted_instead(lab: Lab) -> None:
    _notify(_budget(lab), lab, "FORECASTED", 100)
    assert "no ACTUAL notification" in actual_100_notification.problems(lab)[0]


def test_actual_100_wrong_address(lab: Lab) -> None:
    _notify(_budget(lab), lab, "ACTUAL", 100, "boss@example.com")
    assert "does not email you@example.com" in actual_100_notification.problems(lab)[0]


def test_actual_100_without_budget(lab: Lab) -> None:
    assert "no budget named" in actual_100_notification.problems(lab)[0]


NOTIFICATION_WRONG = {
    "forecasted": ("FORECASTED", 100, "you@example.com"),  # "ACTUAL"
    "80 percent": ("ACTUAL", 80, "you@example.com"),  # "> 100 %"
    "another address": ("ACTUAL", 100, "boss@example.com"),  # emails the learner
}


@pytest.mark.parametrize("wrong", NOTIFICATION_WRONG, ids=list(NOTIFICATION_WRONG))
def test_each_wrong_notification_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    """CreateNotification refuses a duplicate (DuplicateRecordException, API_budgets_CreateNotification);
    the solution replaces an earlier one with DeleteNotification."""
    budgets = _budget(lab)
    kind, threshold, address = NOTIFICATION_WRONG[wrong]
    _notify(budgets, lab, kind, threshold, address)
    assert actual_100_notification.problems(lab) != []
    me = [{"SubscriptionType": "EMAIL", "Address": prereqs.LEARNER_EMAIL}]  # as the notebook's Step 6 has it
    solve = {"budgets": budgets, "account": lab.account_id, "me": me}
    exec(actual_100_notification.solution_code, dict(solve))
    exec(actual_100_notification.solution_code, dict(solve))  # the solution cell run twice
    assert actual_100_notification.problems(lab) == []


RULE_WRONG = {
    "high findings": ([">=", 7], "aws.guardduty", True),  # "Medium"
    "up to 7 inclusive": ([">=", 4, "<=", 7], "aws.guardduty", True),
    "any source": ([">=", 4, "<", 7], "aws.inspector", True),  # "GuardDuty findings"
    "no target": ([">=", 4, "<", 7], "aws.guardduty", False),  # "to lab-alerts"
}


@pytest.mark.parametrize("wrong", RULE_WRONG, ids=list(RULE_WRONG))
def test_each_wrong_rule_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    """PutRule and PutTargets create or update (API_PutRule, API_PutTargets)."""
    _rule(lab, *RULE_WRONG[wrong])
    assert medium_findings_rule.problems(lab) != []
    exec(
        medium_findings_rule.solution_code,
        {"events": lab.client("events"), "json": json, "topic_arn": prereqs.alerts_topic(lab)},
    )
    assert medium_findings_rule.problems(lab) == []
