"""Exercises of notebook 06b-config-guardduty-budgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.aws import eventbridge
from labkit.course.exercises import Exercise
from labkit.i18n import N_, _
from labkit.lesson.prereqs import ALERTS_TOPIC, LEARNER_EMAIL

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

MEDIUM_RULE = "lab-guardduty-medium"
BUDGET = "lab-monthly"


def _finding_event(
    severity: float, source: str = "aws.guardduty", detail_type: str = "GuardDuty Finding"
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "exercise",
        "source": source,
        "detail-type": detail_type,
        "account": "123456789012",
        "time": "2026-06-01T00:00:00Z",
        "region": "ap-northeast-1",
        "resources": [],
        "detail": {"type": "Recon:EC2/Portscan", "severity": severity},
    }


def _medium_rule_problems(lab: Lab) -> list[str]:
    events = lab.internal_client("events")
    try:
        rule = events.describe_rule(Name=MEDIUM_RULE)
    except ClientError:
        return [_("there is no EventBridge rule named '{rule}' on the default bus").format(rule=MEDIUM_RULE)]
    if not rule.get("EventPattern"):
        return [_("the rule has no event pattern (a schedule rule cannot match findings)")]
    problems = []
    pattern = rule["EventPattern"]
    should = {4.0: True, 5.5: True, 6.9: True, 3.9: False, 7.0: False, 8.0: False}
    wrong = [
        value for value, expected in should.items() if eventbridge.matches(pattern, _finding_event(value)) != expected
    ]
    if wrong:
        problems.append(
            _(
                "the pattern should match severities 4.0, 5.5 and 6.9 and not 3.9, 7.0 or 8.0; it gets these wrong: "
                "{severities}"
            ).format(severities=", ".join(f"{v:g}" for v in sorted(wrong)))
        )
    if eventbridge.matches(pattern, _finding_event(5.0, source="aws.inspector")):
        problems.append(
            _('the pattern also matches events that do not come from GuardDuty (add "source": ["aws.guardduty"])')
        )
    targets = events.list_targets_by_rule(Rule=MEDIUM_RULE)["Targets"]
    if not any(t["Arn"].endswith(f":{ALERTS_TOPIC}") for t in targets):
        problems.append(_("the rule has no target for the SNS topic '{topic}'").format(topic=ALERTS_TOPIC))
    if rule.get("State") != "ENABLED":
        problems.append(_("the rule is disabled"))
    return problems


medium_findings_rule = Exercise(
    title=N_("an EventBridge rule for Medium GuardDuty findings"),
    checker=_medium_rule_problems,
    hints=[
        N_("Start from the High rule's pattern and change only the numeric condition."),
        N_('Numeric matching takes a range: {"numeric": [">=", low, "<", high]}.'),
        N_("Then events.put_targets(Rule=..., Targets=[{'Id': 'email', 'Arn': topic_arn}])."),
    ],
    notebook="06b",
    number=1,
)


def _subscribers(lab: Lab, notification: dict[str, Any]) -> list[dict[str, str]]:
    budgets = lab.client("budgets", record=False)
    return budgets.describe_subscribers_for_notification(
        AccountId=lab.account_id, BudgetName=BUDGET, Notification=notification
    )["Subscribers"]


def _actual_100_problems(lab: Lab) -> list[str]:
    budgets = lab.client("budgets", record=False)
    try:
        budgets.describe_budget(AccountId=lab.account_id, BudgetName=BUDGET)
    except ClientError:
        return [_("there is no budget named '{budget}' (create it in Step 7)").format(budget=BUDGET)]
    notifications = budgets.describe_notifications_for_budget(AccountId=lab.account_id, BudgetName=BUDGET)[
        "Notifications"
    ]
    actual = [n for n in notifications if n["NotificationType"] == "ACTUAL"]
    wanted = [
        n
        for n in actual
        if float(n["Threshold"]) == 100
        and n["ComparisonOperator"] == "GREATER_THAN"
        and n.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE"
    ]
    if not wanted:
        found = ", ".join(
            f"{n['NotificationType']} {n['ComparisonOperator']} {n['Threshold']:g} {n.get('ThresholdType', 'PERCENTAGE')}"
            for n in notifications
        )
        return [
            _("no ACTUAL notification GREATER_THAN 100 PERCENTAGE on '{budget}' (it has: {found})").format(
                budget=BUDGET, found=found or _("none")
            )
        ]
    emails = [s["Address"] for s in _subscribers(lab, wanted[0]) if s["SubscriptionType"] == "EMAIL"]
    if LEARNER_EMAIL not in emails:
        return [
            _(
                "the ACTUAL 100 % notification does not email {email} (its email subscribers: {subscribers}); "
                "create_notification refuses a notification that exists: add the address with budgets.create_subscriber, "
                "or delete_notification and create it again"
            ).format(email=LEARNER_EMAIL, subscribers=", ".join(emails) or _("none"))
        ]
    return []


actual_100_notification = Exercise(
    title=N_("an ACTUAL > 100 % budget notification"),
    checker=_actual_100_problems,
    hints=[
        N_("A notification can be added to an existing budget with budgets.create_notification."),
        N_("It takes AccountId, BudgetName, Notification (like the ones in create_budget) and Subscribers."),
        N_(
            "The same notification exists already? create_notification answers DuplicateRecordException: "
            "budgets.delete_notification(AccountId=..., BudgetName=..., Notification=...) removes it first."
        ),
    ],
    notebook="06b",
    number=2,
)
