"""Log alarms (``PutLogAlarm``), which moto does not implement, kept here and evaluated on the lab clock.

The request's rules, the query an execution runs, the schedule and the M-of-N evaluation are
:mod:`labkit.aws.logalarms`'s (with what AWS documents and what it leaves open). What this plugin adds, from the
PutLogAlarm API reference (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html),
botocore's ``cloudwatch`` model and "Log alarms" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html):

* "If you call this operation with the name of an existing log alarm, the operation replaces the previous
  configuration of that alarm." A new alarm starts in ``INSUFFICIENT_DATA`` ("Unchecked: Initial alarm creation",
  as PutMetricAlarm does); a replaced one keeps its state and tags (*labkit's reading*, as PutMetricAlarm and
  PutCompositeAlarm document for updates) and its schedule and executions start again (the managed scheduled
  query runs the new query). The name "must be unique within the Amazon Web Services account and Region": a
  metric or composite alarm of that name is a ``ResourceConflict`` (a documented PutLogAlarm error; the message
  is *labkit wording*), and PutMetricAlarm / PutCompositeAlarm on a log alarm's name likewise.
* Each ``rate()`` execution (at the first lab minute at or after its scheduled time) runs the query over
  ``[t - StartTimeOffset, t - EndTimeOffset]`` with the Logs Insights engine (:mod:`labkit.emulator.logs_insights`),
  then the last ``QueryResultsToEvaluate`` executions are evaluated. A state change records a ``StateUpdate``
  history item (``AlarmType`` ``LogAlarm``, a documented ``AlarmType``), publishes an EventBridge
  "CloudWatch Alarm State Change" event and notifies the SNS topics of the new state's actions while
  ``ActionsEnabled`` ("The default is true"), with ``Action`` history items
  (:meth:`CloudWatchAlarms.notify_topics`), unless an alarm mute rule mutes the alarm
  (:mod:`labkit.emulator.cloudwatch_mute_rules`; its pages speak of alarms in general). The ``StateReason``
  and ``StateReasonData`` use the metric alarm's format with each execution as a datapoint, the SNS message and
  email are the kit's metric alarm ones with the query in place of the metric, and the event's
  ``configuration`` holds the query: AWS documents none of these for log alarms (*labkit's shapes*).
* An execution on a log group that no longer exists sets ``EvaluationState`` ``EVALUATION_ERROR`` ("configuration
  errors in the alarm setup", LogAlarm reference) and is not counted; a later execution that runs clears it.
* ``DescribeAlarms`` lists log alarms only when ``AlarmTypes`` names ``LogAlarm`` ("If you specify LogAlarms, the
  operation returns only a list of log alarms"), through :mod:`cloudwatch_composite`, which answers DescribeAlarms.
  ``ScheduledQueryConfiguration.QueryARN`` "is populated in DescribeAlarms responses" on AWS; the managed scheduled
  query is not a CloudWatch Logs resource offline, so no ARN is invented and it is left out (and CloudWatch Logs'
  scheduled query operations are refused by name, :mod:`cloudwatch_refused`).
* ``DescribeAlarmHistory`` (``AlarmTypes=["LogAlarm"]``), ``SetAlarmState`` (the state lasts until the next
  execution's evaluation, as for metric alarms), the tagging operations (through ``CompositeAlarms.tag_owners``)
  and ``DeleteAlarms``: "Log alarms cannot be batch deleted" (DeleteAlarms reference), so a DeleteAlarms naming a
  log alarm and any other alarm is refused with ``ValidationError`` (*labkit wording*; AWS documents no message).
  Deleting the alarm deletes its managed query ("CloudWatch deletes the AWS managed Scheduled Query when you delete
  the alarm", alarm-log.html): nothing of it is left here.
* Refused by name: what :mod:`labkit.aws.logalarms` refuses (an aggregation that is not a stats one, contributors,
  several aggregates, non-numeric values, no LogGroupIdentifiers), actions other than SNS topics (Lambda, Systems Manager), ``ActionLogLineCount`` above 0
  (the log lines' place in a notification is not documented), a log group of another account or that does not
  exist (what AWS does then is not documented), and, in :mod:`labkit.emulator.coverage`, ``WarmUpConfiguration``,
  ``ActionConfiguration`` and ``ScheduledQueryConfiguration``'s ``QueryARN`` and ``Tags`` (the managed query's).
  A composite alarm's rule that names a log alarm is refused by :mod:`cloudwatch_composite` (whether a rule may
  name one is not documented).

Log alarms live in this process (as composite alarms do): a second process on a workshop server does not see them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

from labkit.aws import logalarms
from labkit.aws.alarms import state_reason
from labkit.aws.insights import MalformedQuery, Plan
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms, HistoryItem
from labkit.emulator.cloudwatch_composite import CompositeAlarms
from labkit.emulator.core import Call
from labkit.emulator.events import Events
from labkit.emulator.logs_insights import group_names, query_events
from labkit.emulator.vpc_flow_logs import VpcFlowLogs
from labkit.exceptions import InvalidAlarmParameter, LogAlarmUnsupported, ServiceError, UnsupportedOperation
from labkit.i18n import gettext

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

UTC = dt.timezone.utc
_SNS = re.compile(r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
_ALARM_ARN = re.compile(r"^arn:aws:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$")
_GROUP_ARN = re.compile(r"^arn:aws:logs:([a-z0-9-]+):(\d{12}):log-group:")
STATE_ACTIONS = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}
#: Executions kept per alarm: QueryResultsToEvaluate is at most 100.
KEPT_EXECUTIONS = logalarms.MAX_QUERY_RESULTS


def _iso_ms(when: dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


class LogAlarms:
    """The lab's log alarms by (Region, name), in the shape DescribeAlarms returns them, and their executions."""

    requires = (CloudWatchAlarms, CompositeAlarms, Events)
    #: Flow log records are written each minute: a run at a lab minute sees that minute's records (the other
    #: plugins that write log events each minute come first through CloudWatchAlarms).
    after = (VpcFlowLogs,)

    def __init__(self, emulator: Emulator) -> None:
        self.metric_alarms = emulator.plugin(CloudWatchAlarms)
        self.composite = emulator.plugin(CompositeAlarms)
        self.events_plugin = emulator.plugin(Events)
        self.lab = emulator.lab
        self.alarms: dict[tuple[str, str], dict[str, Any]] = {}
        self.plans: dict[tuple[str, str], Plan] = {}
        self.intervals: dict[tuple[str, str], int] = {}
        self.next_runs: dict[tuple[str, str], dt.datetime] = {}
        #: Each alarm's executions, oldest first: (scheduled time, value or None).
        self.executions: dict[tuple[str, str], list[tuple[dt.datetime, float | None]]] = {}
        self.tags: dict[tuple[str, str], dict[str, str]] = {}

    def _unsupported(self, operation: str, detail: str) -> UnsupportedOperation:
        return UnsupportedOperation("cloudwatch", operation, self.lab.backend.name, detail)

    def _region(self, call: Call) -> str:
        return call.region or self.lab.region

    def exists(self, region: str, name: str) -> bool:
        return (region, name) in self.alarms

    def owns(self, call: Call) -> bool:
        return self.exists(self._region(call), call.params.get("AlarmName", ""))

    # -- PutLogAlarm ---------------------------------------------------------------------------------
    def put(self, call: Call) -> dict[str, Any]:
        params = call.params
        try:
            logalarms.validate_put_log_alarm(params)
        except InvalidAlarmParameter as error:
            raise ServiceError(error.code, error.message) from error
        except LogAlarmUnsupported as error:
            raise self._unsupported("PutLogAlarm", str(error)) from error
        for actions in STATE_ACTIONS.values():
            for arn in params.get(actions) or []:
                if not _SNS.match(arn):
                    raise self._unsupported(
                        "PutLogAlarm",
                        gettext("the action {arn} (only SNS topic actions of log alarms are emulated)").format(arn=arn),
                    )
        if (params.get("ActionLogLineCount") or 0) > 0:
            raise self._unsupported(
                "PutLogAlarm",
                gettext(
                    "ActionLogLineCount above 0 (log lines in the alarm's notifications: their format is not documented)"
                ),
            )
        config = params["ScheduledQueryConfiguration"]
        try:
            plan = logalarms.compile_query(config["QueryString"], config["AggregationExpression"])
        except MalformedQuery as error:
            raise ServiceError("ValidationError", f"Invalid query: {error}") from None
        except LogAlarmUnsupported as error:
            raise self._unsupported("PutLogAlarm", str(error)) from error
        region = self._region(call)
        self._check_groups(call, region, config["LogGroupIdentifiers"])
        name = params["AlarmName"]
        self._check_unique(region, name, "PutLogAlarm")
        key = (region, name)
        now = self.lab.clock.now()
        previous = self.alarms.get(key)
        schedule = {"EndTimeOffset": 0, **config["ScheduleConfiguration"]}
        kept_config = {k: v for k, v in config.items() if k not in ("Tags", "QueryARN")}
        kept_config["ScheduleConfiguration"] = schedule
        alarm: dict[str, Any] = {
            "AlarmName": name,
            "AlarmArn": f"arn:aws:cloudwatch:{region}:{self.lab.account_id}:alarm:{name}",
            "AlarmDescription": params.get("AlarmDescription", ""),
            "AlarmConfigurationUpdatedTimestamp": now,
            "ActionsEnabled": params.get("ActionsEnabled", True),
            "OKActions": list(params.get("OKActions") or []),
            "AlarmActions": list(params.get("AlarmActions") or []),
            "InsufficientDataActions": list(params.get("InsufficientDataActions") or []),
            "StateValue": "INSUFFICIENT_DATA",
            "StateReason": "Unchecked: Initial alarm creation",
            "StateUpdatedTimestamp": now,
            "StateTransitionedTimestamp": now,
            "ScheduledQueryConfiguration": kept_config,
            "QueryResultsToEvaluate": params["QueryResultsToEvaluate"],
            "QueryResultsToAlarm": params["QueryResultsToAlarm"],
            "Threshold": float(params["Threshold"]),
            "ComparisonOperator": params["ComparisonOperator"],
        }
        for optional in ("TreatMissingData", "ActionLogLineCount", "ActionLogLineRoleArn"):
            if params.get(optional) is not None:
                alarm[optional] = params[optional]
        if previous is not None:
            for field in ("StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp"):
                if field in previous:
                    alarm[field] = previous[field]
            alarm["StateTransitionedTimestamp"] = previous["StateTransitionedTimestamp"]
        else:  # the parameters as sent carry the kit's labkit:lab tag too
            sent = call.context.get("labkit_sent_params") or params
            self.tags[key] = {t["Key"]: t["Value"] for t in sent.get("Tags") or []}
        interval = logalarms.rate_seconds(schedule["ScheduleExpression"])
        self.alarms[key], self.plans[key], self.intervals[key] = alarm, plan, interval
        self.executions[key] = []
        self.next_runs[key] = logalarms.next_run(now, interval, now)
        verb = "updated" if previous else "created"
        self._record(
            name,
            now,
            "ConfigurationUpdate",
            f'Alarm "{name}" {verb}',
            {"type": "Update" if previous else "Create", "version": "1.0"},
        )
        return {}

    def _check_groups(self, call: Call, region: str, identifiers: list[str]) -> None:
        """The log groups must be this account's and exist (what AWS does otherwise is not documented)."""
        for identifier in identifiers:
            match = _GROUP_ARN.match(identifier)
            if match and (match.group(1) != region or match.group(2) != self.lab.account_id):
                raise self._unsupported(
                    "PutLogAlarm",
                    gettext("the log group {identifier} of another account or Region (cross-account queries)").format(
                        identifier=identifier
                    ),
                )
        logs = call.internal("logs")
        for group in group_names(identifiers):
            found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
            if not any(g["logGroupName"] == group for g in found):
                raise self._unsupported(
                    "PutLogAlarm",
                    gettext(
                        "a log alarm on the log group {group}, which does not exist (what AWS does then is not "
                        "documented)"
                    ).format(group=group),
                )

    def _check_unique(self, region: str, name: str, operation: str) -> None:
        """A log alarm's name is unique among the Region's alarms (PutLogAlarm reference, AlarmName)."""
        if operation == "PutLogAlarm":
            taken = (region, name) in self.composite.alarms or bool(
                self.lab.internal_client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"]
            )
        else:
            taken = (region, name) in self.alarms
        if taken:
            raise ServiceError(
                "ResourceConflict", f"An alarm named {name} of another type already exists in this Region.", 409
            )

    def check_other_put(self, call: Call) -> None:
        """PutMetricAlarm / PutCompositeAlarm on a log alarm's name: the name is taken."""
        self._check_unique(self._region(call), call.params.get("AlarmName", ""), call.operation)

    # -- DescribeAlarms (asked by cloudwatch_composite, which answers it) ---------------------------------
    def describe(self, region: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
        state, action = params.get("StateValue"), params.get("ActionPrefix")
        found = []
        for (where, name), alarm in sorted(self.alarms.items()):
            actions = alarm["AlarmActions"] + alarm["OKActions"] + alarm["InsufficientDataActions"]
            if (
                where == region
                and (names is None or name in names)
                and (prefix is None or name.startswith(prefix))
                and state in (None, alarm["StateValue"])
                and (action is None or any(a.startswith(action) for a in actions))
            ):
                found.append(copy.deepcopy(alarm))  # a copy the caller may change
        return found

    # -- DeleteAlarms / SetAlarmState / tags ------------------------------------------------------------
    def check_delete(self, call: Call) -> None:
        """ "Log alarms cannot be batch deleted" (DeleteAlarms API reference); the message is *labkit wording*."""
        names = list(call.params.get("AlarmNames") or [])
        region = self._region(call)
        logs = [name for name in names if (region, name) in self.alarms]
        if logs and len(names) > 1:
            raise ServiceError(
                "ValidationError",
                f"Log alarms cannot be batch deleted: delete the log alarm {logs[0]} in a DeleteAlarms call of its own.",
            )

    def deleted(self, region: str, names: list[str]) -> None:
        for name in names:
            key = (region, name)
            self.alarms.pop(key, None)
            self.plans.pop(key, None)
            self.intervals.pop(key, None)
            self.next_runs.pop(key, None)
            self.executions.pop(key, None)
            self.tags.pop(key, None)

    def set_state(self, call: Call) -> dict[str, Any]:
        """SetAlarmState on a log alarm (the metric alarm plugin hands it over); the next execution's evaluation
        sets the state again."""
        key = (self._region(call), call.params["AlarmName"])
        try:
            data = json.loads(call.params["StateReasonData"]) if call.params.get("StateReasonData") else None
        except ValueError:  # InvalidFormatFault: "Data was not syntactically valid JSON" (SetAlarmState reference)
            raise ServiceError("InvalidFormat", "Data was not syntactically valid JSON") from None
        self._transition(key, call.params["StateValue"], call.params["StateReason"], data, self.lab.clock.now())
        return {}

    def tags_of(self, arn: str) -> dict[str, str] | None:
        match = _ALARM_ARN.match(arn)
        return self.tags.get((match.group(1), match.group(3))) if match else None

    # -- executions and evaluation -------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Run every execution due by lab minute ``now`` and evaluate each alarm after each one."""
        for key in list(self.alarms):
            while key in self.next_runs and self.next_runs[key] <= now:
                scheduled = self.next_runs[key]
                self.next_runs[key] = scheduled + dt.timedelta(seconds=self.intervals[key])
                self._execute(key, scheduled, now)

    def _execute(self, key: tuple[str, str], scheduled: dt.datetime, now: dt.datetime) -> None:
        alarm = self.alarms[key]
        config = alarm["ScheduledQueryConfiguration"]
        schedule = config["ScheduleConfiguration"]
        start, end = logalarms.query_window(scheduled, schedule["StartTimeOffset"], schedule["EndTimeOffset"])
        call = Call("logs", "StartQuery", {}, self.lab, key[0])
        try:
            events = query_events(
                call, group_names(config["LogGroupIdentifiers"]), int(start.timestamp()), int(end.timestamp())
            )
        except ServiceError:
            if alarm.get("EvaluationState") != "EVALUATION_ERROR":
                alarm.update(EvaluationState="EVALUATION_ERROR", StateUpdatedTimestamp=now)
            return
        if alarm.pop("EvaluationState", None) is not None:
            alarm["StateUpdatedTimestamp"] = now
        value = logalarms.aggregate_value(self.plans[key], events)
        runs = self.executions[key]
        runs.append((scheduled, value))
        del runs[:-KEPT_EXECUTIONS]
        self._evaluate(key, now)

    def _evaluate(self, key: tuple[str, str], now: dt.datetime) -> None:
        alarm = self.alarms[key]
        n, interval = alarm["QueryResultsToEvaluate"], self.intervals[key]
        runs = self.executions[key][-n:]
        evaluation = logalarms.evaluate_executions(
            [value for _, value in runs],
            threshold=alarm["Threshold"],
            comparison_operator=alarm["ComparisonOperator"],
            query_results_to_evaluate=n,
            query_results_to_alarm=alarm["QueryResultsToAlarm"],
            treat_missing_data=alarm.get("TreatMissingData"),
            current_state=alarm["StateValue"],
        )
        if evaluation.how == "retained" or evaluation.state == alarm["StateValue"]:
            return
        latest = runs[-1][0]
        times = [latest - dt.timedelta(seconds=interval * (n - 1 - i)) for i in range(n)]
        reason, data = state_reason(
            evaluation, timestamps=times, threshold=alarm["Threshold"], period=interval, query_date=now
        )
        self._transition(key, evaluation.state, reason, data, now)

    def _transition(
        self, key: tuple[str, str], state: str, reason: str, data: dict[str, Any] | None, now: dt.datetime
    ) -> None:
        alarm = self.alarms[key]
        old_state, old_reason, old_when = alarm["StateValue"], alarm["StateReason"], alarm["StateUpdatedTimestamp"]
        if state == old_state:
            return
        alarm.update(StateValue=state, StateReason=reason, StateUpdatedTimestamp=now, StateTransitionedTimestamp=now)
        alarm.pop("StateReasonData", None)
        if data is not None:
            alarm["StateReasonData"] = json.dumps(data)
        region, name = key
        self._record(
            name,
            now,
            "StateUpdate",
            f"Alarm updated from {old_state} to {state}",
            {
                "version": "1.0",
                "oldState": {"stateValue": old_state, "stateReason": old_reason},
                "newState": {"stateValue": state, "stateReason": reason, **({"stateReasonData": data} if data else {})},
            },
        )
        self.events_plugin.publish_event(self._event(region, alarm, old_state, old_reason, old_when, now))
        if alarm["ActionsEnabled"] and not self.metric_alarms.actions_muted(region, name, old_state, state, now):
            self._notify(region, alarm, old_state, now)

    def _event(
        self,
        region: str,
        alarm: dict[str, Any],
        old_state: str,
        old_reason: str,
        old_when: dt.datetime,
        now: dt.datetime,
    ) -> dict[str, Any]:
        """The "CloudWatch Alarm State Change" event (the envelope of "Alarm events and EventBridge",
        cloudwatch-and-eventbridge.html); its ``configuration`` holds the query (*labkit's shape*)."""
        config = alarm["ScheduledQueryConfiguration"]
        configuration: dict[str, Any] = {
            "queryString": config["QueryString"],
            "logGroupIdentifiers": list(config["LogGroupIdentifiers"]),
            "aggregationExpression": config["AggregationExpression"],
            "scheduleExpression": config["ScheduleConfiguration"]["ScheduleExpression"],
            "threshold": alarm["Threshold"],
            "comparisonOperator": alarm["ComparisonOperator"],
        }
        if alarm["AlarmDescription"]:
            configuration["description"] = alarm["AlarmDescription"]

        def state(value: str, why: str, at: dt.datetime, data: str | None = None) -> dict[str, Any]:
            return {"reason": why, **({"reasonData": data} if data else {}), "timestamp": _iso_ms(at), "value": value}

        return {
            "version": "0",
            "id": f"{alarm['AlarmArn']}#{_iso_ms(now)}#{alarm['StateValue']}",
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "account": self.lab.account_id,
            "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [alarm["AlarmArn"]],
            "detail": {
                "alarmName": alarm["AlarmName"],
                "configuration": configuration,
                "previousState": state(old_state, old_reason, old_when),
                "state": state(alarm["StateValue"], alarm["StateReason"], now, alarm.get("StateReasonData")),
            },
        }

    def _notify(self, region: str, alarm: dict[str, Any], old_state: str, now: dt.datetime) -> None:
        topics = alarm[STATE_ACTIONS[alarm["StateValue"]]]
        if not topics:
            return
        subject, message = logalarms.notification(
            alarm,
            old_state=old_state,
            new_state=alarm["StateValue"],
            reason=alarm["StateReason"],
            when=now,
            account_id=self.lab.account_id,
            region=region,
        )
        self.metric_alarms.notify_topics(
            alarm["AlarmName"],
            topics,
            subject,
            message,
            now,
            lambda topic, unsubscribe_url: logalarms.email_text(
                subject, message, topic_arn=topic, unsubscribe_url=unsubscribe_url
            ),
            record=self._record,
        )

    def run_actions(self, region: str, name: str, old_state: str, now: dt.datetime) -> None:
        """Perform the actions of the log alarm's current state for its change from ``old_state`` (the mute rules
        plugin calls it when a window ends with the alarm still in that state)."""
        alarm = self.alarms.get((region, name))
        if alarm is not None and alarm["ActionsEnabled"]:
            self._notify(region, alarm, old_state, now)

    def _record(self, name: str, when: dt.datetime, item_type: str, summary: str, data: dict[str, Any]) -> None:
        self.metric_alarms.history.append(HistoryItem(name, "LogAlarm", when, item_type, summary, data))


def install(emulator: Emulator) -> LogAlarms:
    """Register log alarms on ``emulator`` (after the metric and composite alarm plugins, which ask it)."""
    plugin = LogAlarms(emulator)
    plugin.metric_alarms.log_alarms = plugin
    plugin.metric_alarms.on_delete.append(plugin.deleted)
    plugin.composite.tag_owners.append(plugin.tags_of)
    emulator.answers("cloudwatch", "PutLogAlarm")(plugin.put)
    emulator.validates("cloudwatch", "DeleteAlarms")(plugin.check_delete)
    emulator.validates("cloudwatch", "PutMetricAlarm")(plugin.check_other_put)
    emulator.validates("cloudwatch", "PutCompositeAlarm")(plugin.check_other_put)
    emulator.every_minute(plugin.tick)
    return plugin
