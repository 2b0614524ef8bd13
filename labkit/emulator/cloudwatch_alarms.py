"""Alarms that evaluate, record history and notify, as CloudWatch does (moto's never move).

* ``PutMetricAlarm`` is validated as CloudWatch validates it (moto accepts ``Period=7``); a new
  alarm starts in ``INSUFFICIENT_DATA``; an update leaves the state unchanged
  (PutMetricAlarm API reference: "When this operation creates an alarm, the alarm state is
  immediately set to INSUFFICIENT_DATA ... When you update an existing alarm, its state is left
  unchanged", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
* At every period boundary of lab time each metric alarm is evaluated over its evaluation
  range with :func:`labkit.aws.alarms.evaluate` (the documented M-of-N and missing-data rules).
* A state change — from evaluation or from ``SetAlarmState`` — updates the alarm, appends alarm
  history (``DescribeAlarmHistory`` is answered here) and, if actions are enabled, publishes the
  CloudWatch notification once to each SNS topic of the new state's actions
  ("Alarm actions", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html).
* Each SNS action run leaves an ``Action`` history item (a documented ``HistoryItemType``,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html), just
  after the ``StateUpdate``: "Successfully executed action <topic ARN>", or "Failed to execute action
  <topic ARN>" when the publish fails (a deleted topic). AWS documents neither text nor the item's
  ``HistoryData``; both follow what AWS accounts show (``actionState``, ``notificationResource``), and
  the failure's error text after the ARN is the lab's own.

The alarms to evaluate are read from moto once and kept (:attr:`CloudWatchAlarms.alarms`) until a
lab client — the learner's or the kit's own — calls an operation that changes alarms
(:data:`ALARM_WRITES`): a lab minute then costs no ``DescribeAlarms`` round trip (over HTTP on a
moto server). As for metric data, the lab's clients are taken to be the only writers of its alarms.

Evaluated here: single-metric alarms with a standard statistic. Alarms on metric math,
percentiles or anomaly bands are stored but not evaluated offline; the notebooks say so.
Taught in notebook 02-cpu-alarm.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.aws import alarms
from labkit.exceptions import InvalidAlarmParameter, ServiceError
from labkit.emulator.core import Call

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

STANDARD_STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
HISTORY_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"
#: CloudWatch operations that create, delete or change alarms: each one drops the kept alarms.
ALARM_WRITES = (
    "PutMetricAlarm", "PutCompositeAlarm", "DeleteAlarms", "SetAlarmState",
    "EnableAlarmActions", "DisableAlarmActions", "TagResource", "UntagResource",
)


@dataclass
class HistoryItem:
    """One entry of ``DescribeAlarmHistory``."""

    alarm_name: str
    alarm_type: str
    timestamp: dt.datetime
    item_type: str
    summary: str
    data: dict[str, Any]

    def as_api(self) -> dict[str, Any]:
        return {
            "AlarmName": self.alarm_name, "AlarmType": self.alarm_type, "Timestamp": self.timestamp,
            "HistoryItemType": self.item_type, "HistorySummary": self.summary, "HistoryData": json.dumps(self.data),
        }


class CloudWatchAlarms:
    """The plugin's state: alarm history and the alarms' previous reasons."""

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self.emulator = emulator
        self.history: list[HistoryItem] = []
        self.events: list[dict[str, Any]] = []
        #: Periods (seconds) of the alarms lab clients created: a minute that ends none of them
        #: needs no evaluation, which keeps long lab.advance() calls cheap.
        self.periods: set[int] = set()
        #: The lab region's metric alarms as moto describes them, or None when a call may have
        #: changed them since they were read (see :meth:`watch`).
        self._kept: list[dict[str, Any]] | None = None
        #: This minute's metric statistics answers, by query and how many datapoints were stored.
        self._answers: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def watch(self, client: Any) -> None:
        """Drop the kept alarms whenever ``client`` (any CloudWatch client of the lab) changes alarms."""
        for operation in ALARM_WRITES:
            client.meta.events.register(f"after-call.cloudwatch.{operation}", self._forget_kept)

    def _forget_kept(self, **_: Any) -> None:
        self._kept = None

    @property
    def alarms(self) -> list[dict[str, Any]]:
        """The lab region's metric alarms, read from moto only after a call changed them."""
        if self._kept is None:
            pages = self._cloudwatch().get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
            self._kept = [alarm for page in pages for alarm in page["MetricAlarms"]]
        return self._kept

    def _cloudwatch(self, region: str | None = None) -> Any:
        # Alarms live in the region of the client that created them (notebook 07 puts one in us-east-1).
        return self.lab.internal_client("cloudwatch", region or None)

    def _alarm(self, name: str, region: str | None = None) -> dict[str, Any] | None:
        found = self._cloudwatch(region).describe_alarms(AlarmNames=[name])["MetricAlarms"]
        return found[0] if found else None

    # -- calls ----------------------------------------------------------------------------------
    def validate(self, call: Call) -> None:
        try:
            alarms.validate_put_metric_alarm(call.params)
        except InvalidAlarmParameter as error:
            raise ServiceError(error.code, error.message) from error
        call.context["labkit_previous_alarm"] = self._alarm(call.params["AlarmName"], call.region)
        return None

    def created(self, call: Call, reply: dict[str, Any]) -> None:
        name = call.params["AlarmName"]
        if call.params.get("Period"):
            self.periods.add(int(call.params["Period"]))
        now = self.lab.clock.now()
        previous = call.context.get("labkit_previous_alarm")
        if previous is None:
            self._cloudwatch(call.region).set_alarm_state(
                AlarmName=name, StateValue="INSUFFICIENT_DATA", StateReason="Unchecked: Initial alarm creation"
            )
            self._record(name, now, "ConfigurationUpdate", f'Alarm "{name}" created', {"type": "Create", "version": "1.0"})
        else:
            # moto rebuilds the alarm in state OK; CloudWatch keeps the state it had.
            kept = {"AlarmName": name, "StateValue": previous["StateValue"], "StateReason": previous.get("StateReason", "")}
            if previous.get("StateReasonData"):
                kept["StateReasonData"] = previous["StateReasonData"]
            self._cloudwatch(call.region).set_alarm_state(**kept)
            self._record(name, now, "ConfigurationUpdate", f'Alarm "{name}" updated', {"type": "Update", "version": "1.0"})

    def set_state(self, call: Call) -> dict[str, Any]:
        name = call.params["AlarmName"]
        before = self._alarm(name)
        if before is None:
            raise ServiceError("ResourceNotFound", f"Alarm {name} not found")
        reason_data = json.loads(call.params["StateReasonData"]) if call.params.get("StateReasonData") else None
        self._transition(before, call.params["StateValue"], call.params["StateReason"], reason_data, self.lab.clock.now())
        return {}

    def describe_history(self, call: Call) -> dict[str, Any]:
        params = call.params
        items = [
            item for item in self.history
            if params.get("AlarmName") in (None, item.alarm_name)
            and params.get("HistoryItemType") in (None, item.item_type)
            and (params.get("StartDate") is None or item.timestamp >= _aware(params["StartDate"]))
            and (params.get("EndDate") is None or item.timestamp <= _aware(params["EndDate"]))
            and item.alarm_type in params.get("AlarmTypes", ["MetricAlarm", "CompositeAlarm"])
        ]
        # Within one lab second, recording order stands for AWS's milliseconds (an Action follows its StateUpdate).
        order = {id(item): index for index, item in enumerate(self.history)}
        items.sort(key=lambda item: (item.timestamp, order[id(item)]),
                   reverse=params.get("ScanBy", "TimestampDescending") == "TimestampDescending")
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxRecords") or 100)
        page = items[start : start + size]
        reply: dict[str, Any] = {"AlarmHistoryItems": [item.as_api() for item in page]}
        if start + size < len(items):
            reply["NextToken"] = str(start + size)
        return reply

    def forget(self, call: Call, reply: dict[str, Any]) -> None:
        gone = set(call.params.get("AlarmNames", []))
        self.history = [item for item in self.history if item.alarm_name not in gone]

    # -- evaluation -----------------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Evaluate every alarm whose period ends at ``now``."""
        second = int(now.timestamp())
        if not any(second % period == 0 for period in self.periods):
            return
        due = [alarm for alarm in self.alarms if second % alarm["Period"] == 0 and self._evaluable(alarm)]
        # Alarms on the same metric and period (ten thresholds on one CPU) ask the same question.
        self._answers = {}
        for alarm in due:
            self._evaluate(alarm, now)

    @staticmethod
    def _evaluable(alarm: dict[str, Any]) -> bool:
        return bool(alarm.get("MetricName")) and alarm.get("Statistic") in STANDARD_STATISTICS and "Threshold" in alarm

    def _evaluate(self, alarm: dict[str, Any], now: dt.datetime) -> None:
        period = alarm["Period"]
        n = alarm["EvaluationPeriods"]
        count = alarms.evaluation_range(n)
        first = now - dt.timedelta(seconds=period * count)
        starts = [first + dt.timedelta(seconds=period * i) for i in range(count)]
        query: dict[str, Any] = {
            "Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"], "Dimensions": alarm.get("Dimensions", []),
            "StartTime": first, "EndTime": now, "Period": period, "Statistics": [alarm["Statistic"], "SampleCount"],
        }
        if alarm.get("Unit"):
            query["Unit"] = alarm["Unit"]
        datapoints = self._statistics(query)
        by_start = {point["Timestamp"].astimezone(dt.timezone.utc): point for point in datapoints}
        values = [by_start[s][alarm["Statistic"]] if s in by_start else None for s in starts]
        counts = [by_start[s]["SampleCount"] if s in by_start else None for s in starts]
        treat = alarms.evaluation.effective_treat_missing_data(alarm["Namespace"], alarm.get("TreatMissingData"))
        outcome = alarms.evaluate(
            values, threshold=alarm["Threshold"], comparison_operator=alarm["ComparisonOperator"],
            evaluation_periods=n, datapoints_to_alarm=alarm.get("DatapointsToAlarm"),
            treat_missing_data=treat, current_state=alarm["StateValue"],
        )
        if outcome.state == alarm["StateValue"]:
            return
        reason, reason_data = alarms.state_reason(
            outcome, timestamps=starts, threshold=alarm["Threshold"], period=period, query_date=now,
            statistic=alarm["Statistic"], unit=alarm.get("Unit"), sample_counts=counts,
            datapoints_to_alarm_set="DatapointsToAlarm" in alarm,
        )
        self._transition(alarm, outcome.state, reason, reason_data, now)

    def _statistics(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The query's datapoints in periods aligned as CloudWatch aligns them.

        moto starts its periods at the first datapoint, so data at uneven seconds (a metric filter
        counts a log line at the line's own second) would miss the evaluated periods; the
        cloudwatch_metrics plugin answers from the raw datapoints on period boundaries.
        """
        metrics = self.emulator.plugins.get("cloudwatch_metrics")
        key = (repr(query), metrics.store.size if metrics is not None else -1)
        if key in self._answers:
            return self._answers[key]
        answer = None
        if metrics is not None:
            answer = metrics.get_metric_statistics(Call("cloudwatch", "GetMetricStatistics", query, self.lab))
        self._answers[key] = list((answer or self._cloudwatch().get_metric_statistics(**query))["Datapoints"])
        return self._answers[key]

    def _transition(
        self, alarm: dict[str, Any], state: str, reason: str, reason_data: dict[str, Any] | None, now: dt.datetime
    ) -> None:
        """Apply a state change: store it, record history, fire actions and the event once."""
        old_state, old_reason = alarm["StateValue"], alarm.get("StateReason", "")
        if state == old_state:
            return
        params: dict[str, Any] = {"AlarmName": alarm["AlarmName"], "StateValue": state, "StateReason": reason}
        if reason_data:
            params["StateReasonData"] = json.dumps(reason_data)
        kept = self._kept
        self._cloudwatch().set_alarm_state(**params)
        name = alarm["AlarmName"]
        self._record(
            name, now, "StateUpdate", f"Alarm updated from {old_state} to {state}",
            {
                "version": "1.0",
                "oldState": {"stateValue": old_state, "stateReason": old_reason},
                "newState": {"stateValue": state, "stateReason": reason, **({"stateReasonData": reason_data} if reason_data else {})},
            },
        )
        updated = self._alarm(name) or alarm
        if kept is not None:  # this write changed only this alarm: keep the others as read
            self._kept = [updated if other["AlarmName"] == name else other for other in kept]
        event = alarms.alarm_state_change_event(
            updated, old_state=old_state, old_reason=old_reason,
            old_timestamp=_aware(alarm.get("StateUpdatedTimestamp") or now), new_state=state, reason=reason,
            when=now, account_id=self.lab.account_id, region=self.lab.region, reason_data=reason_data,
        )
        self.events.append(event)
        # "CloudWatch sends events to Amazon EventBridge whenever a CloudWatch alarm ... changes alarm
        # state" — actions enabled or not (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
        if "events" in self.emulator.plugins:
            self.emulator.plugins["events"].publish_event(event)
        if updated.get("ActionsEnabled", True):
            self._notify(updated, old_state, state, reason, now)

    def _notify(self, alarm: dict[str, Any], old_state: str, state: str, reason: str, now: dt.datetime) -> None:
        actions = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[state]
        # EC2 actions (arn:aws:automate:<region>:ec2:recover|reboot|stop|terminate) run in the
        # ec2_status plugin, as in "Create alarms to stop, terminate, reboot, or recover an instance"
        # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/UsingAlarmActions.html).
        automate = [arn for arn in alarm.get(actions, []) if arn.split(":")[2:3] == ["automate"]]
        if automate and "ec2_status" in self.emulator.plugins:
            self.emulator.plugins["ec2_status"].perform(alarm, automate, now)
        topics = [arn for arn in alarm.get(actions, []) if arn.split(":")[2:3] == ["sns"]]
        if not topics:
            return
        subject, message = alarms.alarm_notification(
            alarm, old_state=old_state, new_state=state, reason=reason, when=now,
            account_id=self.lab.account_id, region=self.lab.region,
        )
        email = self.emulator.plugins["sns_email"]
        for topic in topics:
            def render(unsubscribe_url: str, topic: str = topic) -> str:
                return alarms.email_body(subject, message, topic_arn=topic, unsubscribe_url=unsubscribe_url)

            try:
                email.publish(topic, json.dumps(message), subject, render)
            except ClientError as error:
                text = error.response.get("Error", {}).get("Message", "")
                self._record(alarm["AlarmName"], now, "Action", f'Failed to execute action {topic}. Received error: "{text}"',
                             {"actionState": "Failed", "notificationResource": topic, "error": text})
                continue
            self._record(alarm["AlarmName"], now, "Action", f"Successfully executed action {topic}",
                         {"actionState": "Succeeded", "notificationResource": topic})

    def _record(self, name: str, when: dt.datetime, item_type: str, summary: str, data: dict[str, Any]) -> None:
        self.history.append(HistoryItem(name, "MetricAlarm", when, item_type, summary, data))


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def install(emulator: Emulator) -> CloudWatchAlarms:
    """Register alarm validation, evaluation, history and notification on ``emulator``."""
    plugin = CloudWatchAlarms(emulator)
    emulator.answers("cloudwatch", "PutMetricAlarm")(plugin.validate)
    emulator.observes("cloudwatch", "PutMetricAlarm")(plugin.created)
    emulator.answers("cloudwatch", "SetAlarmState")(plugin.set_state)
    emulator.answers("cloudwatch", "DescribeAlarmHistory")(plugin.describe_history)
    emulator.observes("cloudwatch", "DeleteAlarms")(plugin.forget)
    emulator.every_minute(plugin.tick)
    return plugin
