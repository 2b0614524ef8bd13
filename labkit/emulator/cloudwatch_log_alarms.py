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

On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``; moto has no PutLogAlarm) each log alarm
— its description and state, its tags, its recent executions (what M-of-N evaluates) and its next run time — lives
on the server (:class:`labkit.emulator.server_state.ServerState`, kind ``log-alarms``), and its history items with
the metric alarms' (kind ``alarm-history``). A process reads them when it connects, before each call that answers
about log alarms (``DescribeAlarms`` naming ``LogAlarm``, ``PutLogAlarm``, ``SetAlarmState``, ``DeleteAlarms``, the
tagging operations) and at the first lab minute of each advance of lab time, then at most once a real second
(:meth:`LogAlarms.tick`), so ``labkit catchup``, the kernel, a second kernel and ``labkit
teardown`` after a crash see, evaluate, notify and delete the same log alarms. Each process runs the executions due
on its own lab clock; an execution is run by one process only: before running it a process claims it (kind
``log-alarm-runs``, an item made only if absent, :meth:`ServerState.claim`) and checks that the server's next run is
still that one, so two processes whose clocks pass the same minute do not both evaluate it and email its change
twice. The other process adopts the result the next time it reads the alarms. A run claimed more than
:data:`CLAIM_TIMEOUT` real seconds ago and not run was a process's that died: another process takes it over. Not
guarded (a run takes milliseconds): a ``SetAlarmState``, ``PutLogAlarm`` or tag change another process makes while a
run is under way is overwritten when the run saves the alarm, and two processes taking over one dead claim at once
may both run it.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import time
from typing import TYPE_CHECKING, Any

from labkit.aws import jsontext
from labkit.aws import logalarms
from labkit.aws.alarms import state_reason
from labkit.aws.alarms.notification import (
    alarm_event,
    alarm_event_state,
    configuration_update_history,
    state_update_history,
)
from labkit.aws.insights import MalformedQuery, Plan
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_composite import CompositeAlarms, alarm_key, change_state, selected
from labkit.emulator.core import Call
from labkit.emulator.events import Events
from labkit.emulator.logs_insights import group_names, query_events
from labkit.emulator.server_state import ServerState, item_key, jsonable, revived
from labkit.emulator.vpc_flow_logs import VpcFlowLogs
from labkit.exceptions import InvalidAlarmParameter, LogAlarmUnsupported, ServiceError, UnsupportedOperation
from labkit.i18n import gettext

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

_SNS = re.compile(r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
_GROUP_ARN = re.compile(r"^arn:aws:logs:([a-z0-9-]+):(\d{12}):log-group:")
STATE_ACTIONS = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}
#: Executions kept per alarm: QueryResultsToEvaluate is at most 100.
KEPT_EXECUTIONS = logalarms.MAX_QUERY_RESULTS
#: Real seconds after which a run claimed on the server and not run is taken to be a dead process's (see _claim).
CLAIM_TIMEOUT = 60
#: Real seconds a lab minute may go on with the log alarms read at an earlier minute of the same advance.
SYNC_EVERY = 1.0


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
        #: On a moto server in another process: the log alarms and the runs claimed (see the module docstring).
        self.state: ServerState | None = None
        self.claims: ServerState | None = None
        #: True while this process runs an execution: what it changes is saved when the run ends.
        self._running = False
        #: False when lab time stopped moving since the log alarms were read (see :meth:`tick`); when they were read.
        self._fresh, self._synced_at = False, 0.0
        if ServerState.available(self.lab):
            self.state = ServerState(self.lab, "log-alarms")
            self.claims = ServerState(self.lab, "log-alarm-runs")
            self.sync()
            # History the alarm plugin adopted for log alarms that are gone (deleted by another process).
            names = {item.alarm_name for item in self.metric_alarms.history if item.alarm_type == "LogAlarm"}
            self.metric_alarms.forget_history("LogAlarm", names - {name for _, name in self.alarms})

    # -- state kept on the server --------------------------------------------------------------------
    def sync(self) -> None:
        """Read the log alarms every process of the account left on the server (nothing otherwise)."""
        if self.state is None or self._running:
            return
        self._fresh, self._synced_at = True, time.monotonic()
        self.alarms, self.plans, self.intervals, self.next_runs, self.executions, self.tags = {}, {}, {}, {}, {}, {}
        for value in self.state.load().values():
            self._adopt(value)

    def _adopt(self, value: dict[str, Any]) -> None:
        """Take one log alarm as the server keeps it (see :meth:`_save`)."""
        key = (value["region"], value["name"])
        alarm = revived(value["alarm"])
        config = alarm["ScheduledQueryConfiguration"]
        self.alarms[key] = alarm
        self.plans[key] = logalarms.compile_query(config["QueryString"], config["AggregationExpression"])
        self.intervals[key] = logalarms.rate_seconds(config["ScheduleConfiguration"]["ScheduleExpression"])
        self.next_runs[key] = dt.datetime.fromisoformat(value["next_run"])
        self.executions[key] = [(dt.datetime.fromisoformat(when), run) for when, run in value["executions"]]
        self.tags[key] = dict(value["tags"])

    def _stored(self, key: tuple[str, str]) -> dict[str, Any]:
        return {
            "region": key[0],
            "name": key[1],
            "alarm": jsonable(self.alarms[key]),
            "tags": self.tags.get(key, {}),
            "next_run": self.next_runs[key].isoformat(),
            # Only the executions the next evaluation reads (QueryResultsToEvaluate).
            "executions": [
                [when.isoformat(), run]
                for when, run in self.executions[key][-self.alarms[key]["QueryResultsToEvaluate"] :]
            ],
        }

    def _save(self, key: tuple[str, str]) -> None:
        if self.state is None:
            return
        if key in self.alarms:
            self.state.save(item_key(f"{key[0]}/{key[1]}"), self._stored(key))
        else:
            self.state.drop(item_key(f"{key[0]}/{key[1]}"))

    def _claim_key(self, key: tuple[str, str], scheduled: dt.datetime) -> str:
        return f"{item_key(f'{key[0]}/{key[1]}')}.{int(scheduled.timestamp())}"

    def _claim(self, key: tuple[str, str], scheduled: dt.datetime) -> bool:
        """Whether this process runs ``key``'s execution scheduled at ``scheduled`` (always, without a server):
        no other process claimed it, and the server's alarm still has it as its next run (a process whose clock
        ran ahead may have run it and dropped its claim since this one read the alarms)."""
        if self.state is None or self.claims is None:
            return True
        claim = self._claim_key(key, scheduled)
        mine = {"region": key[0], "name": key[1], "at": time.time()}
        if not self.claims.claim(claim, mine):
            held = self.claims.get(claim)
            if held is None or time.time() - held["at"] < CLAIM_TIMEOUT:
                return False
            # Claimed long ago by a process that died before it ran (a run takes well under a second).
            self.claims.drop(claim)
            if not self.claims.claim(claim, mine):
                return False
        value = self.state.get(item_key(f"{key[0]}/{key[1]}"))
        if value is None or dt.datetime.fromisoformat(value["next_run"]) != scheduled:
            self.claims.drop(claim)
            if value is None:  # deleted by another process
                for kept in (self.alarms, self.plans, self.intervals, self.next_runs, self.executions, self.tags):
                    kept.pop(key, None)
            else:
                self._adopt(value)
            return False
        self._adopt(value)  # what other processes changed since this one read it (a SetAlarmState, tags)
        return True

    def _tags_changed(self, arn: str) -> None:
        key = alarm_key(arn)
        if key in self.alarms:
            self._save(key)

    def _unsupported(self, operation: str, detail: str) -> UnsupportedOperation:
        return UnsupportedOperation("cloudwatch", operation, self.lab.backend.name, detail)

    def _region(self, call: Call) -> str:
        return call.region or self.lab.region

    def exists(self, region: str, name: str) -> bool:
        self.sync()
        return (region, name) in self.alarms

    def owns(self, call: Call) -> bool:
        return self.exists(self._region(call), call.params.get("AlarmName", ""))

    # -- PutLogAlarm ---------------------------------------------------------------------------------
    def put(self, call: Call) -> dict[str, Any]:
        self.sync()
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
        self._drop_claims(key)  # its schedule starts again
        self._save(key)
        self._record(name, now, "ConfigurationUpdate", *configuration_update_history(name, created=previous is None))
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
        self.sync()
        if operation == "PutLogAlarm":
            self.composite.sync()
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
        self.sync()
        return [copy.deepcopy(alarm) for alarm in selected(self.alarms, region, params)]  # copies the caller may change

    # -- DeleteAlarms / SetAlarmState / tags ------------------------------------------------------------
    def check_delete(self, call: Call) -> None:
        """ "Log alarms cannot be batch deleted" (DeleteAlarms API reference); the message is *labkit wording*."""
        self.sync()
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
            if self.alarms.pop(key, None) is not None:  # check_delete read the server's log alarms just before
                self._drop(key)
            self.plans.pop(key, None)
            self.intervals.pop(key, None)
            self.next_runs.pop(key, None)
            self.executions.pop(key, None)
            self.tags.pop(key, None)

    def _drop(self, key: tuple[str, str]) -> None:
        """Delete what the server keeps of the log alarm ``key``, its claimed runs too (nothing is left of it)."""
        if self.state is None or self.claims is None:
            return
        self.state.drop(item_key(f"{key[0]}/{key[1]}"))
        self._drop_claims(key)

    def _drop_claims(self, key: tuple[str, str]) -> None:
        if self.claims is None:
            return
        prefix = f"{item_key(f'{key[0]}/{key[1]}')}."
        for claim in self.claims.load():
            if claim.startswith(prefix):
                self.claims.drop(claim)

    def set_state(self, call: Call) -> dict[str, Any]:
        """SetAlarmState on a log alarm (the metric alarm plugin hands it over); the next execution's evaluation
        sets the state again."""
        self.sync()
        key = (self._region(call), call.params["AlarmName"])
        try:
            data = jsontext.loads(call.params["StateReasonData"]) if call.params.get("StateReasonData") else None
        except ValueError:  # InvalidFormatFault: "Data was not syntactically valid JSON" (SetAlarmState reference)
            raise ServiceError("InvalidFormat", "Data was not syntactically valid JSON") from None
        self._transition(key, call.params["StateValue"], call.params["StateReason"], data, self.lab.clock.now())
        self._save(key)
        return {}

    def tags_of(self, arn: str) -> dict[str, str] | None:
        key = alarm_key(arn)
        if key is None:
            return None
        self.sync()
        return self.tags.get(key)

    # -- executions and evaluation -------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Run every execution due by lab minute ``now`` and evaluate each alarm after each one (on a server, the
        executions no other process claimed: see the module docstring). The log alarms are read again at the
        first minute of each advance of lab time and then at most every :data:`SYNC_EVERY` real seconds: reading
        them is a round trip to the server, which at every minute cost 0.7 s of a 2-hour advance without any log
        alarm; a run is claimed and checked on the server all the same, so a view a second old runs nothing twice."""
        if not self._fresh or time.monotonic() - self._synced_at > SYNC_EVERY:
            self.sync()
        for key in list(self.alarms):
            while key in self.next_runs and self.next_runs[key] <= now:
                scheduled = self.next_runs[key]
                if not self._claim(key, scheduled):
                    if key in self.next_runs and self.next_runs[key] > scheduled:
                        continue  # another process ran it: this one has its result now
                    break  # another process is running it: read at the next minute
                self.next_runs[key] = scheduled + dt.timedelta(seconds=self.intervals[key])
                self._running = True
                try:
                    self._execute(key, scheduled, now)
                finally:
                    self._running = False
                if key in self.alarms:
                    self._save(key)
                    if self.claims is not None:  # the next run is on the server now: no process can claim this one
                        self.claims.drop(self._claim_key(key, scheduled - dt.timedelta(seconds=self.intervals[key])))

    def settle(self) -> None:
        """Lab time stopped moving (:meth:`Emulator.settle`): the next advance reads the log alarms at its first
        minute."""
        self._fresh = False

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
        change_state(alarm, state, reason, data, now)
        region, name = key
        self._record(name, now, "StateUpdate", *state_update_history(old_state, old_reason, state, reason, data))
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
        return alarm_event(
            alarm,
            when=now,
            account_id=self.lab.account_id,
            region=region,
            configuration=configuration,
            previous_state=alarm_event_state(old_state, old_reason, old_when),
            state=alarm_event_state(alarm["StateValue"], alarm["StateReason"], now, alarm.get("StateReasonData")),
        )

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
        self.sync()
        alarm = self.alarms.get((region, name))
        if alarm is not None and alarm["ActionsEnabled"]:
            self._notify(region, alarm, old_state, now)

    def _record(self, name: str, when: dt.datetime, item_type: str, summary: str, data: dict[str, Any]) -> None:
        self.metric_alarms._record(name, when, item_type, summary, data, alarm_type="LogAlarm")


def install(emulator: Emulator) -> LogAlarms:
    """Register log alarms on ``emulator`` (after the metric and composite alarm plugins, which ask it)."""
    plugin = LogAlarms(emulator)
    plugin.metric_alarms.log_alarms = plugin
    plugin.metric_alarms.on_delete.append(plugin.deleted)
    plugin.composite.tag_owners.append(plugin.tags_of)
    plugin.composite.tag_listeners.append(plugin._tags_changed)
    emulator.answers("cloudwatch", "PutLogAlarm")(plugin.put)
    emulator.validates("cloudwatch", "DeleteAlarms")(plugin.check_delete)
    emulator.validates("cloudwatch", "PutMetricAlarm")(plugin.check_other_put)
    emulator.validates("cloudwatch", "PutCompositeAlarm")(plugin.check_other_put)
    emulator.every_minute(plugin.tick)
    return plugin
