"""What a CloudWatch alarm state change sends: state reason, SNS message, email, EventBridge event.

Taught in notebook 02-cpu-alarm.

Formats, with their sources:

* State reasons and StateReasonData ("Threshold Crossed: 1 out of the last 1 datapoints
  [99.5 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for
  OK -> ALARM transition).", and the anomaly-band "Thresholds Crossed: ..." form) and the
  "CloudWatch Alarm State Change" event: "Alarm events and EventBridge",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
* The older reason form without a "minimum" clause, used when DatapointsToAlarm is not set
  ("Threshold Crossed: 1 datapoint [2.88 (05/08/19 16:54:00)] was greater than or equal to the
  threshold (2.0)."), the missing-data forms ("Threshold Crossed: no datapoints were received
  for 2 periods and 2 missing datapoints were treated as [Breaching].") and "Insufficient Data:
  5 datapoints were unknown." come from real alarm notifications quoted in public repositories.
* The SNS message JSON (field order, ``null`` for an unset description and unit, upper-case
  ``Statistic``, ``Dimensions`` as ``[{"value", "name"}]``, ``+0000`` timestamps, "EU (Ireland)"
  style region names) and the email body come from real notifications in public repositories
  (for example the AWS SysOps lab guide's "You are receiving this email because your Amazon
  CloudWatch Alarm ..." sample).

Numbers are printed the way CloudWatch's Java service prints doubles (``80.0``, ``1.0E7``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from labkit.aws.alarms.evaluation import ANOMALY_OPERATORS, Band, Evaluation
from labkit.exceptions import InvalidParameter

__all__ = [
    "REGION_NAMES",
    "alarm_event",
    "alarm_event_state",
    "alarm_notification",
    "alarm_state_change_event",
    "configuration_update_history",
    "email_body",
    "java_double",
    "state_reason",
    "state_update_history",
]

UTC = dt.timezone.utc

#: Long region names as CloudWatch writes them in alarm notifications (``Region`` and the
#: subject). Europe is written "EU (...)" there, unlike the console's "Europe (...)".
REGION_NAMES: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-southeast-7": "Asia Pacific (Thailand)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-central-2": "EU (Zurich)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-central-1": "Middle East (UAE)",
    "me-south-1": "Middle East (Bahrain)",
    "me-west-1": "Middle East (Saudi Arabia)",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "South America (Sao Paulo)",
    "sa-west-1": "South America (Chile)",
}

_PHRASES = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


def java_double(value: float) -> str:
    """A double as Java's ``Double.toString`` prints it: ``80.0``, ``0.059``, ``1.0E7``."""
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(x)  # positional in this range, with the shortest round-trip digits
    sign, digits, exponent = decimal.Decimal(repr(x)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{int(exponent) + len(text) - 1}"


def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _iso_ms(when: dt.datetime) -> str:
    """``2022-07-09T02:39:54.536+0000``: CloudWatch's timestamp in messages and reason data."""
    t = _utc(when)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def _reason_time(when: dt.datetime) -> str:
    """``26/11/26 10:15:00``: the datapoint time inside a state reason (dd/mm/yy, UTC)."""
    return _utc(when).strftime("%d/%m/%y %H:%M:%S")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _band_at(threshold: Any, index: int) -> Band:
    if isinstance(threshold, tuple) and len(threshold) == 2 and not isinstance(threshold[0], tuple):
        return (float(threshold[0]), float(threshold[1]))
    band = threshold[index]
    return (float(band[0]), float(band[1]))


def _anomaly_phrase(operator: str, negate: bool, lowers: list[str], uppers: list[str]) -> str:
    no = "not " if negate else ""
    lower = f"{no}less than the lower thresholds [{', '.join(lowers)}]"
    upper = f"{no}greater than the upper thresholds [{', '.join(uppers)}]"
    if operator == "LessThanLowerThreshold":
        return lower
    if operator == "GreaterThanUpperThreshold":
        return upper
    return f"{lower} or {upper}"


def state_reason(
    evaluation: Evaluation,
    *,
    timestamps: Sequence[dt.datetime],
    threshold: float | Band | Sequence[Band | None],
    period: int,
    query_date: dt.datetime,
    statistic: str | None = None,
    unit: str | None = None,
    sample_counts: Sequence[float | None] | None = None,
    datapoints_to_alarm_set: bool = True,
) -> tuple[str, dict[str, Any]]:
    """The ``StateReason`` text and ``StateReasonData`` dict CloudWatch records for a transition.

    ``evaluation`` comes from :func:`labkit.aws.alarms.evaluation.evaluate`; ``timestamps`` are the
    period start times matching ``evaluation.values``. ``statistic`` (``"Average"``, ``"p99"``)
    is given for single-metric alarms and left out for math alarms, as in AWS's examples.
    ``datapoints_to_alarm_set`` is whether the alarm has ``DatapointsToAlarm``: without it
    CloudWatch uses the older wording with no "minimum ... transition" clause.
    Raises ``ValueError`` when ``ignore`` kept the state (there is no transition to explain).
    """
    if evaluation.how == "retained":
        raise InvalidParameter("the alarm kept its state (treat missing data: ignore); no reason is recorded")
    if len(timestamps) != len(evaluation.values):
        raise InvalidParameter("timestamps must match the evaluated values one to one")
    n, m = evaluation.evaluation_periods, evaluation.datapoints_to_alarm
    operator = evaluation.comparison_operator
    anomaly = operator in ANOMALY_OPERATORS
    state = evaluation.state
    evaluated = list(evaluation.evaluated)

    def point(i: int) -> str:
        return f"{java_double(evaluation.values[i])} ({_reason_time(timestamps[i])})"  # type: ignore[arg-type]

    if evaluation.how == "insufficient":
        unknown = n - len(evaluated)
        text = f"Insufficient Data: {_plural(unknown, 'datapoint')} {_was(unknown)} unknown."
        shown = list(range(len(evaluation.values)))[-n:]
    elif evaluation.how == "filled":
        label = "[Breaching]" if evaluation.treat_missing_data == "breaching" else "[NonBreaching]"
        received = len(evaluated)
        head = (
            "no datapoints were received"
            if received == 0
            else f"{_plural(received, 'datapoint')} {_was(received)} received"
        )
        text = (
            f"Threshold Crossed: {head} for {_plural(n, 'period')} and "
            f"{_plural(evaluation.filled, 'missing datapoint')} {_was(evaluation.filled)} "
            f"treated as {label}."
        )
        shown = list(range(len(evaluation.values)))[-n:]
    else:
        alarm = state == "ALARM"
        listed = [i for i in reversed(evaluated) if bool(evaluation.breaching[i]) == alarm]
        k = len(listed)
        points = ", ".join(point(i) for i in listed)
        negate = not alarm
        if anomaly:
            bands = [_band_at(threshold, i) for i in listed]
            relation = _anomaly_phrase(
                operator,
                negate,
                [java_double(b[0]) for b in bands],
                [java_double(b[1]) for b in bands],
            )
            prefix = "Thresholds Crossed"
        else:
            relation = f"{'not ' if negate else ''}{_PHRASES[operator]} the threshold ({java_double(threshold)})"  # type: ignore[arg-type]
            prefix = "Threshold Crossed"
        if datapoints_to_alarm_set:
            minimum = m if alarm else n - m + 1
            direction = "OK -> ALARM" if alarm else "ALARM -> OK"
            text = (
                f"{prefix}: {k} out of the last {len(evaluated)} datapoints [{points}] {_was(k)} "
                f"{relation} (minimum {_plural(minimum, 'datapoint')} for {direction} transition)."
            )
        else:
            text = f"{prefix}: {_plural(k, 'datapoint')} [{points}] {_was(k)} {relation}."
        shown = listed[: (m if alarm else n - m + 1)]
        shown.reverse()

    data: dict[str, Any] = {"version": "1.0", "queryDate": _iso_ms(query_date)}
    if evaluated:
        data["startDate"] = _iso_ms(timestamps[evaluated[0]])
    if statistic is not None:
        data["statistic"] = statistic
    if unit is not None:
        data["unit"] = unit
    data["period"] = period
    data["recentDatapoints"] = [evaluation.values[i] for i in evaluated]
    if anomaly:
        bands = [_band_at(threshold, i) for i in evaluated]
        data["recentLowerThresholds"] = [b[0] for b in bands]
        data["recentUpperThresholds"] = [b[1] for b in bands]
    else:
        data["threshold"] = float(threshold)  # type: ignore[arg-type]
    entries = []
    for i in reversed(shown):
        entry: dict[str, Any] = {"timestamp": _iso_ms(timestamps[i])}
        if evaluation.values[i] is not None:
            if sample_counts is not None and sample_counts[i] is not None:
                entry["sampleCount"] = float(sample_counts[i])  # type: ignore[arg-type]
            entry["value"] = evaluation.values[i]
        entries.append(entry)
    data["evaluatedDatapoints"] = entries
    return text, data


def _region_name(region: str) -> str:
    try:
        return REGION_NAMES[region]
    except KeyError:
        raise InvalidParameter(f"unknown AWS region {region!r}") from None


def _alarm_arn(alarm: Mapping[str, Any], account_id: str, region: str) -> str:
    return alarm.get("AlarmArn") or f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{alarm['AlarmName']}"


def _trigger(alarm: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Trigger`` object: the alarm's metric and condition, in CloudWatch's key order."""
    trigger: dict[str, Any] = {}
    if alarm.get("Metrics"):
        # Math-expression alarms: the queries as CloudWatch stores them (labkit's rendering).
        trigger["Metrics"] = [
            {k: _lower_dimensions(v) if k == "MetricStat" else v for k, v in q.items()} for q in alarm["Metrics"]
        ]
    else:
        trigger["MetricName"] = alarm.get("MetricName")
        trigger["Namespace"] = alarm.get("Namespace")
        if alarm.get("ExtendedStatistic"):
            trigger["StatisticType"] = "ExtendedStatistic"
            trigger["ExtendedStatistic"] = alarm["ExtendedStatistic"]
        else:
            trigger["StatisticType"] = "Statistic"
            trigger["Statistic"] = str(alarm.get("Statistic", "")).upper()
        trigger["Unit"] = alarm.get("Unit")
        trigger["Dimensions"] = [{"value": d["Value"], "name": d["Name"]} for d in alarm.get("Dimensions", [])]
        trigger["Period"] = alarm.get("Period")
    trigger["EvaluationPeriods"] = alarm.get("EvaluationPeriods")
    if alarm.get("DatapointsToAlarm") is not None:
        trigger["DatapointsToAlarm"] = alarm["DatapointsToAlarm"]
    trigger["ComparisonOperator"] = alarm.get("ComparisonOperator")
    if alarm.get("ThresholdMetricId"):
        trigger["ThresholdMetricId"] = alarm["ThresholdMetricId"]
    else:
        trigger["Threshold"] = float(alarm.get("Threshold", 0.0))
    trigger["TreatMissingData"] = alarm.get("TreatMissingData", "")
    trigger["EvaluateLowSampleCountPercentile"] = alarm.get("EvaluateLowSampleCountPercentile", "")
    return trigger


def _lower_dimensions(stat: Mapping[str, Any]) -> dict[str, Any]:
    metric = dict(stat.get("Metric", {}))
    metric["Dimensions"] = [{"value": d["Value"], "name": d["Name"]} for d in metric.get("Dimensions", [])]
    return {**stat, "Metric": metric}


def alarm_notification(
    alarm: Mapping[str, Any],
    *,
    old_state: str,
    new_state: str,
    reason: str,
    when: dt.datetime,
    account_id: str,
    region: str,
) -> tuple[str, dict[str, Any]]:
    """The SNS ``Subject`` and the ``Message`` JSON object CloudWatch publishes for a transition.

    ``alarm`` is an entry of ``describe_alarms()["MetricAlarms"]``. ``json.dumps`` of the
    returned dict is the SNS message body, e.g. subject ``ALARM: "SSH Failed" in Asia Pacific
    (Tokyo)``.
    """
    region_name = _region_name(region)
    updated = alarm.get("AlarmConfigurationUpdatedTimestamp")
    message: dict[str, Any] = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": account_id,
    }
    if updated is not None:
        message["AlarmConfigurationUpdatedTimestamp"] = (
            _iso_ms(updated) if isinstance(updated, dt.datetime) else str(updated)
        )
    message.update(
        {
            "NewStateValue": new_state,
            "NewStateReason": reason,
            "StateChangeTime": _iso_ms(when),
            "Region": region_name,
            "AlarmArn": _alarm_arn(alarm, account_id, region),
            "OldStateValue": old_state,
            "OKActions": list(alarm.get("OKActions", [])),
            "AlarmActions": list(alarm.get("AlarmActions", [])),
            "InsufficientDataActions": list(alarm.get("InsufficientDataActions", [])),
            "Trigger": _trigger(alarm),
        }
    )
    return f'{new_state}: "{alarm["AlarmName"]}" in {region_name}', message


def _event_metrics(alarm: Mapping[str, Any], arn: str) -> list[dict[str, Any]]:
    def metric_stat(metric: Mapping[str, Any], period: Any, stat: Any, unit: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "metric": {
                "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])},
                "name": metric.get("MetricName"),
                "namespace": metric.get("Namespace"),
            },
            "period": period,
            "stat": stat,
        }
        if unit:
            out["unit"] = unit
        return out

    if not alarm.get("Metrics"):
        # A single-metric alarm appears as one query with a generated id.
        return [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, arn)),
                "metricStat": metric_stat(
                    alarm,
                    alarm.get("Period"),
                    alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
                    alarm.get("Unit"),
                ),
                "returnData": True,
            }
        ]
    out = []
    for q in alarm["Metrics"]:
        item: dict[str, Any] = {}
        if "Expression" in q:
            item["expression"] = q["Expression"]
        item["id"] = q["Id"]
        if "Label" in q:
            item["label"] = q["Label"]
        if "MetricStat" in q:
            s = q["MetricStat"]
            item["metricStat"] = metric_stat(s["Metric"], s.get("Period"), s.get("Stat"), s.get("Unit"))
        item["returnData"] = q.get("ReturnData", True)
        out.append(item)
    return out


def configuration_update_history(name: str, *, created: bool) -> tuple[str, dict[str, Any]]:
    """The ``HistorySummary`` and ``HistoryData`` of the ``ConfigurationUpdate`` history item that creating
    (``created``) or updating an alarm records (metric, composite and log alarms alike): 'Alarm "name" created'.

    ``ConfigurationUpdate`` is a documented ``HistoryItemType``
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html); AWS documents
    neither the summary's text nor the data's fields: both follow what AWS accounts show.
    """
    verb, kind = ("created", "Create") if created else ("updated", "Update")
    return f'Alarm "{name}" {verb}', {"type": kind, "version": "1.0"}


def state_update_history(
    old_state: str, old_reason: str, state: str, reason: str, reason_data: Mapping[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """The ``HistorySummary`` and ``HistoryData`` of the ``StateUpdate`` history item an alarm's state update
    records (metric, composite and log alarms alike), e.g. "Alarm updated from OK to ALARM".

    ``StateUpdate`` is a documented ``HistoryItemType``
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html); AWS documents
    neither the summary's text nor the data's fields: both follow what AWS accounts show.
    """
    return f"Alarm updated from {old_state} to {state}", {
        "version": "1.0",
        "oldState": {"stateValue": old_state, "stateReason": old_reason},
        "newState": {
            "stateValue": state,
            "stateReason": reason,
            **({"stateReasonData": reason_data} if reason_data else {}),
        },
    }


def alarm_event_state(
    value: str, reason: str, timestamp: dt.datetime, reason_data: str | None = None
) -> dict[str, Any]:
    """One state (``previousState`` or ``state``) of a "CloudWatch Alarm State Change" event's ``detail``.

    ``reason_data`` is the JSON-encoded StateReasonData and is left out when there is none (as for
    "Unchecked: Initial alarm creation").
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
    """
    return {
        "reason": reason,
        **({"reasonData": reason_data} if reason_data else {}),
        "timestamp": _iso_ms(timestamp),
        "value": value,
    }


def alarm_event(
    alarm: Mapping[str, Any],
    *,
    when: dt.datetime,
    account_id: str,
    region: str,
    configuration: Mapping[str, Any],
    previous_state: Mapping[str, Any],
    state: Mapping[str, Any],
) -> dict[str, Any]:
    """The EventBridge "CloudWatch Alarm State Change" event of ``alarm`` (metric, composite or log alarm: an entry
    of DescribeAlarms' reply); ``configuration`` is what differs between the kinds of alarm, and the states are
    :func:`alarm_event_state`'s.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html

    The event id is a UUID, as in every example of that page, for every kind of alarm; derived from the alarm's ARN,
    the time and the new state (``arn#time#state``), so replays give the same id.
    """
    arn = _alarm_arn(alarm, account_id, region)
    key = f"{arn}#{_iso_ms(when)}#{state['value']}"
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": account_id,
        "time": _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [arn],
        "detail": {
            "alarmName": alarm["AlarmName"],
            "configuration": configuration,
            "previousState": previous_state,
            "state": state,
        },
    }


def alarm_state_change_event(
    alarm: Mapping[str, Any],
    *,
    old_state: str,
    old_reason: str,
    old_timestamp: dt.datetime,
    new_state: str,
    reason: str,
    when: dt.datetime,
    account_id: str,
    region: str,
    reason_data: Mapping[str, Any] | None = None,
    old_reason_data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The EventBridge "CloudWatch Alarm State Change" event of a metric alarm, shaped like AWS's samples.

    ``reasonData`` is the JSON-encoded StateReasonData and is left out when there is none
    (as for "Unchecked: Initial alarm creation"). The event id is derived from the alarm,
    state and time, so replays give the same id.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
    """
    arn = _alarm_arn(alarm, account_id, region)

    def encoded(data: Mapping[str, Any] | None) -> str | None:
        return None if data is None else json.dumps(data, separators=(",", ":"))

    configuration: dict[str, Any] = {}
    if alarm.get("AlarmDescription"):
        configuration["description"] = alarm["AlarmDescription"]
    configuration["metrics"] = _event_metrics(alarm, arn)
    return alarm_event(
        alarm,
        when=when,
        account_id=account_id,
        region=region,
        configuration=configuration,
        previous_state=alarm_event_state(old_state, old_reason, old_timestamp, encoded(old_reason_data)),
        state=alarm_event_state(new_state, reason, when, encoded(reason_data)),
    )


# Label columns of the email: details padded to 30 characters, metric lines to 39.
_DETAIL = 30
_METRIC = 39


def _line(label: str, value: str, width: int) -> str:
    return f"- {label}:".ljust(width) + value


def _email_time(text: str) -> str:
    """``Monday 05 August, 2019 17:04:03 UTC`` from the message's ``StateChangeTime``."""
    t = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    return t.strftime("%A %d %B, %Y %H:%M:%S UTC")


def email_body(
    subject: str,
    message: Mapping[str, Any] | str,
    *,
    topic_arn: str,
    unsubscribe_url: str,
) -> str:
    """The plain-text email SNS delivers to an email subscriber of ``topic_arn``.

    For a CloudWatch alarm ``message`` (the dict from :func:`alarm_notification`) this is the
    "You are receiving this email because your Amazon CloudWatch Alarm ..." text with its Alarm
    Details, Threshold, Monitored Metric and State Change Actions sections; any other message
    is sent as is. SNS adds the unsubscribe footer. ``subject`` is checked against SNS's
    rules (Publish: under 100 characters, no line breaks or control characters), and an alarm
    message must list ``topic_arn`` among the actions of its new state, since only those
    topics are notified.
    https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
    """
    if not subject or len(subject) >= 100 or any(ord(c) < 32 for c in subject):
        raise InvalidParameter("an SNS subject must be 1-99 characters without line breaks or control characters")
    footer = (
        "--\n"
        "If you wish to stop receiving notifications from this topic, please click or visit "
        "the link below to unsubscribe:\n"
        f"{unsubscribe_url}\n\n"
        "Please do not reply directly to this email. If you have any questions or comments "
        "regarding this email, please contact us at https://aws.amazon.com/support\n"
    )
    if isinstance(message, str):
        return f"{message}\n\n{footer}"
    actions_key = {"OK": "OKActions", "ALARM": "AlarmActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[
        message["NewStateValue"]
    ]
    if topic_arn not in message.get(actions_key, []):
        raise InvalidParameter(f"{topic_arn} is not in the alarm's {actions_key}; it would not be notified")

    name = message["AlarmName"]
    reason = message["NewStateReason"]
    when = _email_time(message["StateChangeTime"])
    arn = message["AlarmArn"]
    region = arn.split(":")[3]
    trigger = message["Trigger"]
    console = (
        f"https://{region}.console.aws.amazon.com/cloudwatch/deeplink.js?region={region}"
        f"#alarmsV2:alarm/{urllib.parse.quote(name, safe='')}"
    )
    evaluation_periods = trigger.get("EvaluationPeriods")
    datapoints = trigger.get("DatapointsToAlarm") or evaluation_periods
    limit = trigger["ThresholdMetricId"] if "ThresholdMetricId" in trigger else java_double(trigger["Threshold"])
    period = trigger.get("Period")
    if period is None:
        returned = [q for q in trigger.get("Metrics", []) if q.get("ReturnData", True)]
        period = returned[0].get("Period") or returned[0].get("MetricStat", {}).get("Period") if returned else None
    lines = [
        f'You are receiving this email because your Amazon CloudWatch Alarm "{name}" in the '
        f"{message['Region']} region has entered the {message['NewStateValue']} state, because "
        f'"{reason}" at "{when}".',
        "",
        "View this alarm in the AWS Management Console:",
        console,
        "",
        "Alarm Details:",
        _line("Name", name, _DETAIL),
        _line("Description", message.get("AlarmDescription") or "", _DETAIL),
        _line("State Change", f"{message['OldStateValue']} -> {message['NewStateValue']}", _DETAIL),
        _line("Reason for State Change", reason, _DETAIL),
        _line("Timestamp", when, _DETAIL),
        _line("AWS Account", message["AWSAccountId"], _DETAIL),
        _line("Alarm Arn", arn, _DETAIL),
        "",
        "Threshold:",
        f"- The alarm is in the ALARM state when the metric is {trigger['ComparisonOperator']} "
        f"{limit} for at least {datapoints} of the last {evaluation_periods} period(s) of "
        f"{period} seconds.",
        "",
    ]
    if "Metrics" in trigger:
        lines.append("Monitored Metrics:")
        for q in trigger["Metrics"]:
            what = q.get("Expression") or "{Namespace}/{MetricName}".format(**q["MetricStat"]["Metric"])
            lines.append(_line(q["Id"], what, _METRIC))
    else:
        statistic = trigger.get("ExtendedStatistic") or str(trigger.get("Statistic", "")).title()
        dimensions = " ".join(f"[{d['name']} = {d['value']}]" for d in trigger.get("Dimensions", []))
        lines += [
            "Monitored Metric:",
            _line("MetricNamespace", trigger.get("Namespace") or "", _METRIC),
            _line("MetricName", trigger.get("MetricName") or "", _METRIC),
            _line("Dimensions", dimensions, _METRIC),
            _line("Period", f"{period} seconds", _METRIC),
            _line("Statistic", statistic, _METRIC),
            _line("Unit", trigger.get("Unit") or "not specified", _METRIC),
        ]
    if trigger.get("TreatMissingData"):
        lines.append(_line("TreatMissingData", trigger["TreatMissingData"], _METRIC))
    lines += ["", "", "State Change Actions:"]
    for state, key in (
        ("OK", "OKActions"),
        ("ALARM", "AlarmActions"),
        ("INSUFFICIENT_DATA", "InsufficientDataActions"),
    ):
        arns = " ".join(f"[{a}]" for a in message.get(key, []))
        lines.append(f"- {state}: {arns}" if arns else f"- {state}:")
    return "\n".join(lines) + "\n\n\n" + footer
