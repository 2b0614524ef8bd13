"""Spend that accrues, budgets that alert, and Cost Explorer that answers — offline.

moto stores budgets with their notifications but always reports a spend of 0, and its Cost
Explorer returns only what a test seeded. This plugin:

* **accrues cost** each lab hour for what exists in the lab's region, from the dated price table
  (:func:`labkit.aws.costs.price_table`): running EC2 instances (by type, for the part of the hour they
  ran), CloudWatch metric alarms and custom metrics (monthly prices prorated by the hour), log
  bytes ingested through ``PutLogEvents`` (each event's UTF-8 message plus 26 bytes, the size rule of
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html),
  SNS email notifications sent, and AWS Config configuration items and rule evaluations. GuardDuty
  is in its 30-day free trial and accrues nothing. Free tiers are ignored.
* **evaluates budgets** three times a day (00:00, 08:00, 16:00 UTC): "AWS Budgets information is
  updated up to three times a day" ("Best practices for AWS Budgets",
  https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-best-practices.html).
  Each notification alerts once per budget period when its threshold is crossed, by email to its
  ``EMAIL`` subscribers (AWS Budgets mails them directly, with no SNS confirmation) and through its
  ``SNS`` subscriber topic; its ``NotificationState`` becomes ``ALARM``.
* answers ``DescribeBudget``/``DescribeBudgets`` with ``CalculatedSpend`` (``ActualSpend``, and
  ``ForecastedSpend`` from the lab's linear forecast once a day of data exists — not AWS's model, see
  :mod:`labkit.aws.costs`), ``DescribeNotificationsForBudget`` with each ``NotificationState``,
  ``DescribeSubscribersForNotification`` (moto lacks it) from the subscribers kept here, and
  ``ce.GetCostAndUsage`` from the accrued ledger.

Budget ``CostFilters`` on ``Service`` and ``Region`` are applied; other filters are ignored offline.

On a workshop server (``LABKIT_ENDPOINT_URL``) the accrued ledger and each budget's subscribers and alert
state are kept on the server (:class:`labkit.emulator.server_state.ServerState`, kind ``budgets``: the
line items a lab accrued, sent whenever lab time stops moving; one item per budget) and adopted when a lab
connects, so spend accrued by ``labkit catchup`` or a kernel before a restart still counts. Each process
has a lab clock of its own: an hour the account's ledger already charges is not charged again.
Taught in notebook 06b-config-guardduty-budgets.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labkit.aws import costs
from labkit.aws.email import Email
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.config import ConfigRules
from labkit.emulator.server_state import ServerState, item_key
from labkit.emulator.sns_email import SnsEmail
from labkit.exceptions import CostExplorerError, ServiceError, UnsupportedOperation
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

EVALUATION_HOURS = (0, 8, 16)
LOG_EVENT_OVERHEAD = 26
SENDER = "AWS Budgets <no-reply@budgets.amazonaws.com>"
#: Where a budget starts when CreateBudget gives no TimePeriod: the start of its period
#: (Budget, AWS Budgets API reference, https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html).
NO_END = dt.datetime(2087, 6, 15, tzinfo=dt.timezone.utc)
FILTERS = {"Service": "service", "Region": "region"}
#: Services whose calls cannot start or stop an EC2 instance (the lab's EventBridge targets are SNS and SQS).
KEEP_RUNNING_ON = frozenset({"cloudwatch", "logs", "sns", "sqs", "events"})


def notification_key(notification: dict[str, Any]) -> str:
    """Identify a budget notification by what defines it (AWS has no notification id)."""
    fields = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")
    return json.dumps(
        {k: str(notification.get(k, "PERCENTAGE" if k == "ThresholdType" else "")) for k in fields}, sort_keys=True
    )


def _same_notification(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two notifications are the same one (``Threshold`` 100 and 100.0 are equal)."""

    def key(n: dict[str, Any]) -> tuple[Any, ...]:
        return (
            n.get("NotificationType"),
            n.get("ComparisonOperator"),
            float(n.get("Threshold", 0)),
            n.get("ThresholdType") or "PERCENTAGE",
        )

    return key(a) == key(b)


@dataclass
class _Budget:
    name: str
    start: dt.datetime
    subscribers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: notification key -> the period start in which it last alerted
    alerted: dict[str, dt.datetime] = field(default_factory=dict)


class Budgets:
    """The plugin's state: the cost ledger, the budgets' subscribers and alert history."""

    requires = (CloudWatchAlarms, CloudWatchMetrics, ConfigRules, SnsEmail)

    def __init__(self, emulator: Emulator) -> None:
        self.alarms = emulator.plugin(CloudWatchAlarms)
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.config = emulator.plugin(ConfigRules)
        self.email = emulator.plugin(SnsEmail)
        self.lab = emulator.lab
        self.emulator = emulator
        self.ledger = costs.Ledger()
        self.budgets: dict[str, _Budget] = {}
        self.log_bytes = 0
        self._seen_notifications = 0
        self._config_counts = (0, 0)
        self._custom_count: int | None = None
        #: The running instances' reservations as last described; None once a lab client made a
        #: call that may have changed them (any call that is not a Describe/Get/List).
        self._running: list[dict[str, Any]] | None = None
        #: On a workshop server: where the ledger and the budgets are kept, what of them was last sent,
        #: and the end of the last hour the account's adopted ledger charged.
        self.state: ServerState | None = ServerState(self.lab, "budgets") if ServerState.available(self.lab) else None
        self._sent_items = 0
        self._sent_budgets: dict[str, str] = {}
        self._charged_until: dt.datetime | None = None
        if self.state is not None:
            self._adopt(self.state.load())

    def _adopt(self, stored: dict[str, Any]) -> None:
        """Take over the ledger and the budgets earlier processes kept on the server."""
        for key, value in sorted(stored.items()):
            if key.startswith("ledger."):
                self.ledger.items.extend(
                    costs.LineItem(**{**item, "start": dt.datetime.fromisoformat(item["start"])}) for item in value
                )
            elif key.startswith("budget."):
                self.budgets[value["name"]] = _Budget(
                    value["name"],
                    dt.datetime.fromisoformat(value["start"]),
                    value["subscribers"],
                    {k: dt.datetime.fromisoformat(v) for k, v in value["alerted"].items()},
                )
                self._sent_budgets[value["name"]] = json.dumps(value, sort_keys=True)
        self._sent_items = len(self.ledger.items)
        if self.ledger.items:
            self._charged_until = max(item.start for item in self.ledger.items) + dt.timedelta(hours=1)

    def settle(self) -> None:
        """Lab time stopped moving: send the server what accrued and the budgets that changed."""
        if self.state is None:
            return
        new = self.ledger.items[self._sent_items :]
        if new:
            self.state.save(
                f"ledger.{time.time_ns():020d}.{item_key(self.lab.lab_id)}",
                [{**item.__dict__, "start": item.start.isoformat()} for item in new],
            )
            self._sent_items = len(self.ledger.items)
        for name, budget in self.budgets.items():
            value = {
                "name": name,
                "start": budget.start.isoformat(),
                "subscribers": budget.subscribers,
                "alerted": {k: v.isoformat() for k, v in budget.alerted.items()},
            }
            text = json.dumps(value, sort_keys=True)
            if self._sent_budgets.get(name) != text:
                self.state.save(f"budget.{item_key(name)}", value)
                self._sent_budgets[name] = text
        for name in set(self._sent_budgets) - set(self.budgets):
            self.state.drop(f"budget.{item_key(name)}")
            del self._sent_budgets[name]

    # -- accrual --------------------------------------------------------------------------------
    def accrue(self, hour_end: dt.datetime) -> None:
        """Charge the hour that ends at ``hour_end`` for what the lab is running."""
        start = hour_end - dt.timedelta(hours=1)
        if self._charged_until is not None and hour_end <= self._charged_until:
            return  # another process of this account charged it (its lab clock ran ahead of this one)
        region, account = self.lab.region, self.lab.account_id

        def charge(item: str, quantity: float) -> None:
            self.ledger.charge(item, quantity, start, region, account)

        for reservation in self._running_instances():
            for instance in reservation["Instances"]:
                launched = _aware(instance["LaunchTime"])
                ran = (hour_end - max(launched, start)).total_seconds() / 3600
                item = f"ec2:{instance['InstanceType']}"
                if item in costs.price_table()["prices"]:
                    charge(item, max(0.0, min(ran, 1.0)))
        charge("cloudwatch:alarm", len(self.alarms.alarms))
        charge("cloudwatch:custom-metric", self.custom_metrics(hour_end))
        charge("logs:ingestion", self.log_bytes / 1024**3)
        self.log_bytes = 0
        sent = [e for e in self.email.inbox.emails if e.kind == "notification" and e.topic_arn]
        charge("sns:email", len(sent) - self._seen_notifications)
        self._seen_notifications = len(sent)
        items, evaluations = self.config.configuration_items_total, self.config.evaluations_total
        charge("config:configuration-item", items - self._config_counts[0])
        charge("config:rule-evaluation", evaluations - self._config_counts[1])
        self._config_counts = (items, evaluations)

    def watch(self, client: Any) -> None:
        """Forget the running instances after any call of ``client`` (any client of the lab) that can change them."""
        client.meta.events.register(
            f"after-call.{client.meta.service_model.service_id.hyphenize()}", self._forget_running
        )

    def _forget_running(self, model: Any, **_event: Any) -> None:
        # An alarm's state change, its notification and event are CloudWatch, SNS and EventBridge writes
        # that start or stop nothing (EC2 alarm actions are EC2 calls): a month's transitions ask EC2 again never.
        if model.service_model.service_name in KEEP_RUNNING_ON or model.name.startswith(("Describe", "Get", "List")):
            return
        self._running = None

    def _running_instances(self) -> list[dict[str, Any]]:
        """The running instances' reservations; none, without a call, while moto's EC2 is unused.

        Starting moto's EC2 backend costs 0.3-1.2 s, which the first lab hour of a lab that never
        uses EC2 (notebooks 04, 05, 06b...) paid only to learn that nothing runs. Described again
        only after a lab client's call that can change them, so a long ``lab.advance`` asks once.
        """
        if self.lab.backend.in_process:
            from moto.ec2.models import ec2_backends

            regions = dict.get(ec2_backends, self.lab.account_id)  # dict.get: a lookup that creates nothing
            if regions is None or self.lab.region not in dict.keys(regions):
                return []
        if self._running is None:
            pages = (
                self.lab.internal_client("ec2")
                .get_paginator("describe_instances")
                .paginate(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
            )
            self._running = [reservation for page in pages for reservation in page["Reservations"]]
        return self._running

    def custom_metrics(self, now: dt.datetime) -> int:
        """How many custom metrics exist (namespaces not starting with ``AWS/``).

        Counted from the metric store, at most once a lab day or at the next hour after a call that
        can add one.
        """
        if self._custom_count is None or (now.hour == 0 and now.minute == 0):
            store = self.metrics.store
            self._custom_count = sum(
                1 for namespace, _name, _dimensions in store.series if not namespace.startswith("AWS/")
            )
        return self._custom_count

    def metrics_changed(self, call: Call, reply: dict[str, Any]) -> None:
        self._custom_count = None

    def logs_ingested(self, call: Call, reply: dict[str, Any]) -> None:
        self.log_bytes += sum(
            len(e["message"].encode("utf-8")) + LOG_EVENT_OVERHEAD for e in call.params.get("logEvents", [])
        )

    def tick(self, now: dt.datetime) -> None:
        if now.minute != 0:
            return
        self.accrue(now)
        if now.hour in EVALUATION_HOURS:
            self.evaluate(now)

    # -- budgets --------------------------------------------------------------------------------
    def _client(self) -> Any:
        return self.lab.internal_client("budgets")

    def created(self, call: Call, reply: dict[str, Any]) -> None:
        budget = call.params["Budget"]
        start = costs.budget_period(budget.get("TimeUnit", "MONTHLY"), self.lab.clock.now())[0]
        given = budget.get("TimePeriod", {}).get("Start")
        state = _Budget(budget["BudgetName"], _aware(given) if isinstance(given, dt.datetime) else start)
        for item in call.params.get("NotificationsWithSubscribers", []):
            state.subscribers[notification_key(item["Notification"])] = list(item["Subscribers"])
        self.budgets[state.name] = state

    def create_notification(self, call: Call) -> None:
        """Refuse a second notification of the same type, operator, threshold and threshold type.

        CreateNotification lists ``DuplicateRecordException`` among its errors
        (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateNotification.html),
        and a notification has no id but those four fields (DeleteNotification and UpdateNotification name it
        by them); moto would store the same notification twice. The docs do not give the message's words.
        """
        wanted = call.params.get("Notification") or {}
        budgets, where = (
            call.internal(),
            {"AccountId": call.params.get("AccountId"), "BudgetName": call.params.get("BudgetName")},
        )
        budgets.describe_budget(**where)  # no such budget: its NotFoundException reaches the learner
        existing = budgets.describe_notifications_for_budget(**where)["Notifications"]
        if any(_same_notification(n, wanted) for n in existing):
            raise ServiceError(
                "DuplicateRecordException",
                f"Error creating notification: {call.params.get('BudgetName')} - the notification already exists.",
            )
        return None

    def notification_created(self, call: Call, reply: dict[str, Any]) -> None:
        state = self.budgets.get(call.params["BudgetName"])
        if state is not None:
            state.subscribers[notification_key(call.params["Notification"])] = list(call.params["Subscribers"])

    def deleted(self, call: Call, reply: dict[str, Any]) -> None:
        self.budgets.pop(call.params["BudgetName"], None)

    def spend(self, budget: dict[str, Any], now: dt.datetime) -> tuple[float, float | None]:
        """A budget's actual and forecasted spend for its current period."""
        start, end = costs.budget_period(budget.get("TimeUnit", "MONTHLY"), now)
        where = {FILTERS[k]: v for k, v in (budget.get("CostFilters") or {}).items() if k in FILTERS}
        actual = self.ledger.total(start, end, where)
        return actual, costs.linear_forecast(actual, start, end, now)

    def evaluate(self, now: dt.datetime) -> None:
        """Check every budget's notifications and alert the ones newly crossed this period."""
        if not self.budgets:  # every budget DescribeBudgets would list is one without state, left out below
            return
        for budget in self._client().describe_budgets(AccountId=self.lab.account_id).get("Budgets", []):
            state = self.budgets.get(budget["BudgetName"])
            if state is None or budget.get("BudgetType") != "COST":
                continue
            limit = float(budget["BudgetLimit"]["Amount"])
            period_start = costs.budget_period(budget.get("TimeUnit", "MONTHLY"), now)[0]
            actual, forecast = self.spend(budget, now)
            notifications = self._client().describe_notifications_for_budget(
                AccountId=self.lab.account_id, BudgetName=budget["BudgetName"]
            )["Notifications"]
            for notification in notifications:
                key = notification_key(notification)
                if state.alerted.get(key) == period_start:
                    continue
                amount = actual if notification["NotificationType"] == "ACTUAL" else forecast
                if amount is None or not costs.threshold_crossed(notification, limit, amount):
                    continue
                state.alerted[key] = period_start
                self._alert(budget, notification, state.subscribers.get(key, []), limit, amount, now)

    def _alert(
        self,
        budget: dict[str, Any],
        notification: dict[str, Any],
        subscribers: list[dict[str, str]],
        limit: float,
        amount: float,
        now: dt.datetime,
    ) -> None:
        subject, body = costs.budget_email(
            budget_name=budget["BudgetName"],
            account_id=self.lab.account_id,
            notification=notification,
            limit=limit,
            unit=budget["BudgetLimit"].get("Unit", "USD"),
            amount=amount,
            when=now,
        )
        for subscriber in subscribers:
            if subscriber["SubscriptionType"] == "EMAIL":
                self.email.mail(Email(subscriber["Address"], SENDER, subject, body, now, "", "notification"))
            elif subscriber["SubscriptionType"] == "SNS":
                self.email.publish(subscriber["Address"], body, subject)

    def state_of(self, budget_name: str, notification: dict[str, Any], now: dt.datetime, time_unit: str) -> str:
        state = self.budgets.get(budget_name)
        period_start = costs.budget_period(time_unit, now)[0]
        return (
            "ALARM" if state is not None and state.alerted.get(notification_key(notification)) == period_start else "OK"
        )

    # -- answers --------------------------------------------------------------------------------
    def _complete(self, budget: dict[str, Any]) -> dict[str, Any]:
        now = self.lab.clock.now()
        budget = copy.deepcopy(budget)
        actual, forecast = self.spend(budget, now)
        unit = budget.get("BudgetLimit", {}).get("Unit", "USD")
        spend: dict[str, Any] = {"ActualSpend": {"Amount": costs.amount_text(actual), "Unit": unit}}
        if forecast is not None:
            spend["ForecastedSpend"] = {"Amount": costs.amount_text(forecast), "Unit": unit}
        budget["CalculatedSpend"] = spend
        state = self.budgets.get(budget["BudgetName"])
        if state is not None:
            given = budget.get("TimePeriod") or {}
            budget["TimePeriod"] = {"Start": state.start, "End": _aware(given["End"]) if given.get("End") else NO_END}
        return budget

    def describe_budget(self, call: Call) -> dict[str, Any]:
        reply = call.internal().describe_budget(**call.params)
        return {"Budget": self._complete(reply["Budget"])}

    def describe_budgets(self, call: Call) -> dict[str, Any]:
        reply = call.internal().describe_budgets(**call.params)
        reply.pop("ResponseMetadata", None)
        reply["Budgets"] = [self._complete(b) for b in reply.get("Budgets", [])]
        return reply

    def describe_notifications(self, call: Call) -> dict[str, Any]:
        # Asked first: moto answers a missing budget here with NotFoundException (and crashes in the other call).
        budget = call.internal().describe_budget(
            AccountId=call.params["AccountId"], BudgetName=call.params["BudgetName"]
        )["Budget"]
        reply = call.internal().describe_notifications_for_budget(**call.params)
        reply.pop("ResponseMetadata", None)
        now = self.lab.clock.now()
        for notification in reply.get("Notifications", []):
            notification["NotificationState"] = self.state_of(
                budget["BudgetName"], notification, now, budget.get("TimeUnit", "MONTHLY")
            )
        return reply

    def describe_subscribers(self, call: Call) -> dict[str, Any]:
        """Answer ``DescribeSubscribersForNotification``, which moto lacks, from the subscribers kept here.

        "Lists the subscribers that are associated with a notification"; a missing budget or
        notification is ``NotFoundException`` (DescribeSubscribersForNotification API reference,
        https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DescribeSubscribersForNotification.html;
        the docs do not give the message's words). A notification has at most 11 subscribers, so one
        page holds them; a smaller ``MaxResults`` or a ``NextToken`` (paging) is not emulated.
        """
        params = call.params
        if params.get("NextToken") or len(self._subscribers_of(call)) > params.get("MaxResults", 100):
            raise UnsupportedOperation(
                "budgets",
                call.operation,
                self.lab.backend.name,
                _("paging through subscribers (NextToken, or MaxResults below their number)"),
            )
        return {"Subscribers": copy.deepcopy(self._subscribers_of(call))}

    def _subscribers_of(self, call: Call) -> list[dict[str, str]]:
        where = {"AccountId": call.params["AccountId"], "BudgetName": call.params["BudgetName"]}
        call.internal().describe_budget(**where)  # no such budget: its NotFoundException reaches the learner
        wanted = call.params["Notification"]
        stored = [
            n
            for n in call.internal().describe_notifications_for_budget(**where)["Notifications"]
            if _same_notification(n, wanted)
        ]
        if not stored:
            raise ServiceError(
                "NotFoundException",
                f"Unable to get subscribers: {where['BudgetName']} - the notification doesn't exist.",
            )
        state = self.budgets.get(where["BudgetName"])
        if state is None:  # created by another process on a moto server: its subscribers were not seen here
            raise UnsupportedOperation(
                "budgets", call.operation, self.lab.backend.name, _("the budget was created outside this lab's process")
            )
        # Keyed as created (Threshold 80 or 80.0, as the creating call wrote it), which moto kept.
        return state.subscribers.get(notification_key(stored[0]), [])

    def get_cost_and_usage(self, call: Call) -> dict[str, Any]:
        try:
            return costs.cost_and_usage(self.ledger, call.params, self.lab.clock.now())
        except CostExplorerError as error:
            raise ServiceError("ValidationException", str(error)) from None


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def install(emulator: Emulator) -> Budgets:
    """Register cost accrual, budget alerts and Cost Explorer on ``emulator``."""
    plugin = Budgets(emulator)
    emulator.observes("logs", "PutLogEvents")(plugin.logs_ingested)
    for service, operation in (
        ("cloudwatch", "PutMetricData"),
        ("logs", "PutMetricFilter"),
        ("logs", "DeleteMetricFilter"),
    ):
        emulator.observes(service, operation)(plugin.metrics_changed)
    emulator.observes("budgets", "CreateBudget")(plugin.created)
    emulator.answers("budgets", "CreateNotification")(plugin.create_notification)
    emulator.observes("budgets", "CreateNotification")(plugin.notification_created)
    emulator.observes("budgets", "DeleteBudget")(plugin.deleted)
    emulator.answers("budgets", "DescribeBudget")(plugin.describe_budget)
    emulator.answers("budgets", "DescribeBudgets")(plugin.describe_budgets)
    emulator.answers("budgets", "DescribeNotificationsForBudget")(plugin.describe_notifications)
    emulator.answers("budgets", "DescribeSubscribersForNotification")(plugin.describe_subscribers)
    emulator.answers("ce", "GetCostAndUsage")(plugin.get_cost_and_usage)
    emulator.every_minute(plugin.tick)
    return plugin
