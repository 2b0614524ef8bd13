"""What the lab costs: a dated price table, a cost ledger, Cost Explorer's grouping, budget alerts.

The article's コスト監視: watch the AWS bill per service and per region, and be told *before* the
budget runs out. Offline, the emulator (:mod:`labkit.emulator.budgets`) accrues what the lab's
resources would cost, hour by hour, from ``labkit/data/prices-ap-northeast-1.json``; this module
holds the plain logic it uses:

* :class:`Ledger` — one line per hour, service, region and usage type;
* :func:`cost_and_usage` — Cost Explorer's ``GetCostAndUsage`` over that ledger, in the documented
  response shape (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html);
* :func:`linear_forecast` — the month's forecast. **This is not AWS's method**: it extrapolates the
  month-to-date spend linearly. AWS forecasts from your usage history with its own model and
  "requires approximately five weeks of usage data" before it can forecast
  ("Best practices for AWS Budgets", https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-best-practices.html);
* :func:`threshold_crossed` and :func:`budget_email` — a budget notification's test and its email.

Taught in notebook 06b-config-guardduty-budgets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from labkit.exceptions import CostExplorerError

UTC = dt.timezone.utc
PRICE_FILE = Path(__file__).resolve().parents[1] / "data" / "prices-ap-northeast-1.json"
#: Hours in the month AWS pricing pages prorate monthly prices over.
HOURS_PER_MONTH = 730
COST_METRICS = ("UnblendedCost", "BlendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost")
GROUP_KEYS = {"SERVICE": "service", "REGION": "region", "USAGE_TYPE": "usage_type", "LINKED_ACCOUNT": "account"}


@lru_cache(maxsize=1)
def price_table() -> dict[str, Any]:
    """The dated Tokyo price table (``labkit/data/prices-ap-northeast-1.json``)."""
    table: dict[str, Any] = json.loads(PRICE_FILE.read_text(encoding="utf-8"))
    return table


def price(item: str) -> dict[str, Any]:
    """One entry of the price table (``ec2:t3.micro``, ``cloudwatch:alarm``, …)."""
    entry: dict[str, Any] = price_table()["prices"][item]
    return entry


@dataclass(frozen=True)
class LineItem:
    """Cost of one usage type in one hour."""

    start: dt.datetime
    service: str
    region: str
    usage_type: str
    quantity: float
    amount: float
    account: str = "123456789012"


@dataclass
class Ledger:
    """Every line item the lab accrued, oldest first."""

    items: list[LineItem] = field(default_factory=list)

    def charge(self, item: str, quantity: float, start: dt.datetime, region: str, account: str) -> None:
        """Add ``quantity`` units of price-table ``item`` used in the hour starting at ``start``."""
        if quantity <= 0:
            return
        entry = price(item)
        unit_price = entry["usd"]
        if entry["unit"].endswith("-month"):
            unit_price = unit_price / HOURS_PER_MONTH
        self.items.append(
            LineItem(start, entry["service"], region, entry["usage_type"], quantity, quantity * unit_price, account)
        )

    def total(self, start: dt.datetime, end: dt.datetime, where: dict[str, list[str]] | None = None) -> float:
        """Spend in ``[start, end)``, optionally only for some services or regions (``{"service": [...]}``)."""
        return sum(i.amount for i in self.items if start <= i.start < end and _kept(i, where))


def _kept(item: LineItem, where: dict[str, list[str]] | None) -> bool:
    return all(getattr(item, attribute) in values for attribute, values in (where or {}).items())


# -- time periods ---------------------------------------------------------------------------------
def month_start(when: dt.datetime) -> dt.datetime:
    return when.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(when: dt.datetime) -> dt.datetime:
    start = month_start(when)
    return (start + dt.timedelta(days=32)).replace(day=1)


def budget_period(time_unit: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The budget period containing ``now``: calendar day, month, quarter or year (UTC)."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if time_unit == "DAILY":
        return day, day + dt.timedelta(days=1)
    if time_unit == "ANNUALLY":
        return day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    if time_unit == "QUARTERLY":
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        end = first
        for _ in range(3):
            end = next_month(end)
        return first, end
    return month_start(now), next_month(now)


def linear_forecast(
    actual: float, period_start: dt.datetime, period_end: dt.datetime, now: dt.datetime
) -> float | None:
    """The period's spend if it goes on as it went so far; ``None`` before one day of data.

    Linear extrapolation of the period-to-date spend — the lab's simplification, not AWS's forecast.
    """
    elapsed = (now - period_start).total_seconds()
    if elapsed < 86400:
        return None
    return actual * (period_end - period_start).total_seconds() / elapsed


def threshold_crossed(notification: dict[str, Any], limit: float, amount: float) -> bool:
    """Whether ``amount`` (actual or forecasted) meets a budget notification's condition.

    "For PERCENTAGE thresholds, AWS notifies you when you go over or are forecasted to go over a
    certain percentage of your budgeted amount" (Notification, AWS Budgets API reference,
    https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html).
    """
    threshold = float(notification["Threshold"])
    target = limit * threshold / 100 if notification.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE" else threshold
    operator = notification["ComparisonOperator"]
    if operator == "GREATER_THAN":
        return amount > target
    if operator == "LESS_THAN":
        return amount < target
    return abs(amount - target) < 0.005


def budget_email(
    *,
    budget_name: str,
    account_id: str,
    notification: dict[str, Any],
    limit: float,
    unit: str,
    amount: float,
    when: dt.datetime,
) -> tuple[str, str]:
    """The subject and body of a budget alert email.

    The wording is the lab's rendering of AWS's budget alert emails from memory: AWS does not
    document the email text (its "Configuring budget alerts" pages only show the settings), so
    treat the layout as an illustration, not a copy.
    """
    kind = notification["NotificationType"]
    threshold = float(notification["Threshold"])
    percent = notification.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE"
    target = limit * threshold / 100 if percent else threshold
    shown = f"{threshold:g}%" if percent else f"${threshold:,.2f}"
    subject = f"AWS Budgets: {budget_name} has exceeded your alert threshold"
    body = (
        "AWS Budget Notification " + when.strftime("%B %d, %Y") + "\n"
        f"AWS Account {account_id}\n\n"
        "Dear AWS Customer,\n\n"
        f"You requested that we alert you when the {kind} Cost associated with your {budget_name} budget is "
        f"{notification['ComparisonOperator'].replace('_', ' ').lower()} ${target:,.2f} for the current month. "
        f"The {kind} Cost associated with this budget is ${amount:,.2f}. You can find additional details below "
        "and by accessing the AWS Budgets dashboard.\n\n"
        f"Budget Name: {budget_name}\nBudget Type: Cost\nBudgeted Amount: ${limit:,.2f}\n"
        f"Alert Type: {kind}\nAlert Threshold: > {shown} (${target:,.2f})\n{kind} Amount: ${amount:,.2f}\n\n"
        "Go to the AWS Budgets dashboard: https://console.aws.amazon.com/billing/home#/budgets"
    )
    return subject, body


# -- Cost Explorer --------------------------------------------------------------------------------
def _parse_day(text: str, hourly: bool) -> dt.datetime:
    try:
        if hourly:
            return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        form = "yyyy-MM-ddThh:mm:ssZ" if hourly else "yyyy-MM-dd"
        raise CostExplorerError(f"Start and end dates must be in the format {form}: {text}") from None


def _buckets(start: dt.datetime, end: dt.datetime, granularity: str) -> list[tuple[dt.datetime, dt.datetime]]:
    buckets = []
    cursor = start
    while cursor < end:
        if granularity == "MONTHLY":
            following = min(next_month(cursor), end)
        elif granularity == "HOURLY":
            following = min(cursor + dt.timedelta(hours=1), end)
        else:
            following = min(cursor + dt.timedelta(days=1), end)
        buckets.append((cursor, following))
        cursor = following
    return buckets


def _filter_keeps(item: LineItem, expression: dict[str, Any] | None) -> bool:
    if not expression:
        return True
    if "And" in expression:
        return all(_filter_keeps(item, e) for e in expression["And"])
    if "Or" in expression:
        return any(_filter_keeps(item, e) for e in expression["Or"])
    if "Not" in expression:
        return not _filter_keeps(item, expression["Not"])
    if "Dimensions" in expression:
        key = expression["Dimensions"]["Key"]
        if key not in GROUP_KEYS:
            raise CostExplorerError(f"Filter dimension {key} is not available offline (use {', '.join(GROUP_KEYS)})")
        return getattr(item, GROUP_KEYS[key]) in expression["Dimensions"].get("Values", [])
    raise CostExplorerError("Only Dimensions, And, Or and Not filters are available offline")


def amount_text(value: float) -> str:
    """A dollar amount as AWS's APIs write it: a decimal string without trailing zeros."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def cost_and_usage(ledger: Ledger, params: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Answer ``GetCostAndUsage`` from ``ledger`` (see the module docstring for the reference).

    ``ResultsByTime`` has one entry per day, month or hour of ``TimePeriod`` (``End`` exclusive);
    without ``GroupBy`` each carries ``Total``, with it ``Groups`` (one per key combination that has
    cost) and an empty ``Total``. ``Estimated`` is true for periods not yet over. Every cost metric
    gets the same amounts offline (no discounts, credits or blended rates); ``UsageQuantity`` adds
    up usage units as AWS does, whatever they are.
    """
    granularity = params.get("Granularity")
    if granularity not in ("DAILY", "MONTHLY", "HOURLY"):
        raise CostExplorerError("Granularity must be one of DAILY, MONTHLY, HOURLY")
    metrics = params.get("Metrics") or []
    if not metrics:
        raise CostExplorerError("Metrics is required")
    unknown = [m for m in metrics if m not in (*COST_METRICS, "UsageQuantity", "NormalizedUsageAmount")]
    if unknown:
        raise CostExplorerError(f"Invalid metric: {unknown[0]}")
    period = params["TimePeriod"]
    start = _parse_day(period["Start"], granularity == "HOURLY")
    end = _parse_day(period["End"], granularity == "HOURLY")
    if start >= end:
        raise CostExplorerError("Start date (and hour) should be before end date (and hour)")
    group_by = params.get("GroupBy") or []
    if len(group_by) > 2:
        raise CostExplorerError("You can group by up to two dimensions")
    for group in group_by:
        if group.get("Type") != "DIMENSION" or group.get("Key") not in GROUP_KEYS:
            raise CostExplorerError(
                f"Group by {group.get('Type')} {group.get('Key')} is not available offline (DIMENSION {', '.join(GROUP_KEYS)})"
            )
    items = [i for i in ledger.items if _filter_keeps(i, params.get("Filter"))]
    results = []
    for bucket_start, bucket_end in _buckets(start, end, granularity):
        inside = [i for i in items if bucket_start <= i.start < bucket_end]
        estimated = bucket_end > month_start(now)
        form = "%Y-%m-%dT%H:%M:%SZ" if granularity == "HOURLY" else "%Y-%m-%d"
        entry: dict[str, Any] = {"TimePeriod": {"Start": bucket_start.strftime(form), "End": bucket_end.strftime(form)}}
        if group_by:
            sums: dict[tuple[str, ...], list[LineItem]] = defaultdict(list)
            for item in inside:
                sums[tuple(getattr(item, GROUP_KEYS[g["Key"]]) for g in group_by)].append(item)
            entry["Total"] = {}
            entry["Groups"] = [
                {"Keys": list(keys), "Metrics": _metrics(metrics, group)} for keys, group in sorted(sums.items())
            ]
        else:
            entry["Total"] = _metrics(metrics, inside)
            entry["Groups"] = []
        entry["Estimated"] = estimated
        results.append(entry)
    reply: dict[str, Any] = {"ResultsByTime": results, "DimensionValueAttributes": []}
    if group_by:
        reply["GroupDefinitions"] = [{"Type": g["Type"], "Key": g["Key"]} for g in group_by]
    return reply


def _metrics(names: list[str], items: list[LineItem]) -> dict[str, dict[str, str]]:
    out = {}
    for name in names:
        if name in ("UsageQuantity", "NormalizedUsageAmount"):
            out[name] = {"Amount": amount_text(sum(i.quantity for i in items)), "Unit": "N/A"}
        else:
            out[name] = {"Amount": amount_text(sum(i.amount for i in items)), "Unit": "USD"}
    return out


@dataclass(frozen=True)
class MeterLine:
    """One running resource on the cost meter."""

    resource: str
    hours: float
    usd: float


def meter(lab: Any) -> list[MeterLine]:
    """What the lab's billable resources have cost so far, from their creation time to lab time now.

    Priced from the dated table: instances by the hour, alarms per alarm-month prorated over
    730 hours. Free or usage-priced resources (topics, log groups, roles) are not listed; on a
    real account the bill itself is the truth (Cost Explorer, notebook 06b).
    """
    now = lab.clock.now()
    lines = []
    for record in lab.registry.ordered(lab.lab_id):
        item = None
        if record.kind == "ec2:instance":
            reservations = lab.internal_client("ec2", record.region).describe_instances(
                InstanceIds=[record.ident["InstanceId"]]
            )["Reservations"]
            item = f"ec2:{reservations[0]['Instances'][0]['InstanceType']}" if reservations else None
        elif record.kind == "cloudwatch:alarm":
            item = "cloudwatch:alarm"
        if item is None or item not in price_table()["prices"]:
            continue
        hours = max(0.0, (now - dt.datetime.fromisoformat(record.created_at)).total_seconds() / 3600)
        entry = price(item)
        hourly = entry["usd"] / HOURS_PER_MONTH if entry["unit"].endswith("-month") else entry["usd"]
        lines.append(MeterLine(record.label(lab.account_id), round(hours, 2), round(hours * hourly, 4)))
    return lines
