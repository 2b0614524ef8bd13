"""Composite alarms (``PutCompositeAlarm``), which moto 5.2 does not implement, kept and evaluated here.

Rules, from the PutCompositeAlarm API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html):

* ``AlarmRule`` is parsed and checked by :mod:`labkit.aws.alarmrule` (functions, operators, 100
  children, 500 elements, 10,240 characters); the alarms it names must exist in the Region (AWS
  refuses a rule naming missing alarms; the message is *labkit wording*). The reference speaks of metric and
  composite alarms as children; a rule (or an ``ActionsSuppressor``) naming a log alarm is refused by name.
* "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA.
  The alarm is then evaluated and its state is set appropriately. ... When you update an existing
  alarm, its state is left unchanged"; "The composite alarm goes into
  ALARM state only if all conditions of the rule are met", so it is ALARM while its rule is TRUE
  and OK while it is FALSE. It is evaluated again whenever one of its children changes state.
* Actions: SNS topics are notified on each state change while ``ActionsEnabled`` (default TRUE),
  with an ``Action`` history item as for metric alarms; other action kinds and ``ActionConfiguration``
  are valid on AWS but refused here by name.
* Actions suppression ("Suppressing composite alarm actions",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm_Suppression.html,
  and the ``CompositeAlarm`` reference's ``ActionsSuppressedBy``): ``ActionsSuppressor`` "can be an
  AlarmName or an Amazon Resource Name (ARN) from an existing alarm" (a missing one is refused, *labkit
  wording*); the wait and extension periods are "required only when ActionsSuppressor is specified", so
  a suppressor without them is refused (``MissingParameter``). "When a suppressor alarm changes states
  from OK to ALARM, its composite alarm stops taking actions" (``ActionsSuppressedBy`` ``Alarm``); when it
  leaves ALARM the actions stay suppressed for ``ActionsSuppressorExtensionPeriod`` seconds
  (``ExtensionPeriod``); when the composite alarm goes to ALARM while its suppressor is not in ALARM, its
  actions wait up to ``ActionsSuppressorWaitPeriod`` seconds for the suppressor (``WaitPeriod``). "After
  this time, the composite alarm performs its actions": those of its state at that moment, if they were
  not run yet. The periods end at the first lab minute at or after their end. ``ActionsSuppressedBy`` and
  ``ActionsSuppressedReason`` ("Actions suppressed by WaitPeriod", as AWS's composite alarm event sample
  shows it; the other two reasons follow it) are in ``DescribeAlarms`` while actions are suppressed; the
  EventBridge event carries them in ``state`` and the suppressor settings in ``configuration`` (the same
  sample). When a period ends the alarm's state is updated without a change of value (``StateUpdate``
  history item "Alarm updated from ALARM to ALARM" and an event, as the sample's ALARM-to-ALARM event
  two minutes after the change shows); labkit applies the wait period to changes to ALARM only.
* ``DescribeAlarms`` returns composite alarms only when ``AlarmTypes`` names ``CompositeAlarm``, and the log alarms
  of :mod:`cloudwatch_log_alarms` only when it names ``LogAlarm``
  ("If you omit this parameter, only metric alarms are returned", DescribeAlarms API reference);
  ``DescribeAlarmHistory`` likewise. ``ChildrenOfAlarmName`` / ``ParentsOfAlarmName`` return what the
  DescribeAlarms reference lists; a ``MaxRecords`` smaller than the answer is refused by name (every
  answer is one page; *labkit's* limit).
* ``DeleteAlarms`` removes composite alarms; an alarm another composite alarm's rule still names
  is not deleted (the API reference: "you can't delete any composite alarm that is part of the
  cycle because there is always still a composite alarm that depends on that alarm"); the error
  text is *labkit wording*.

The state reason and ``StateReasonData`` follow AWS's composite-alarm event sample ("<child ARN>
transitioned to ALARM at Friday 19 August, 2022 15:57:41 UTC", ``triggeringAlarms``; "Alarm events
and EventBridge", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html),
as does the EventBridge event (``configuration.alarmRule``). The SNS message is the JSON CloudWatch
publishes for metric alarms without ``Trigger``, plus ``AlarmRule`` and ``TriggeringChildren`` (AWS
does not document the composite message; *labkit's shape*); an email subscriber receives that JSON.
Composite alarms live in this plugin, which answers every lab client's ``DescribeAlarms`` (the kit's
own clients' too, so checkers and teardown see composite alarms).

On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) each composite alarm — its
description and state, its rule, its tags, its actions suppression and the state whose actions it last
performed — also lives on the server (:class:`labkit.emulator.server_state.ServerState`, kind
``composite-alarms``), and its history items with the metric alarms' (kind ``alarm-history``). A process
reads them when it connects and again before each call that answers about composite alarms (a
``DescribeAlarms`` that asks for them, ``PutCompositeAlarm``, ``SetAlarmState`` and ``DeleteAlarms``) and
before re-evaluating the composite alarms of a child that changed state: ``labkit catchup``, the kernel,
a second kernel and ``labkit teardown`` after a crash see, evaluate and delete the same composite alarms.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labkit.aws import jsontext
from labkit.aws import alarmrule
from labkit.aws.alarms.notification import (
    REGION_NAMES,
    alarm_event,
    alarm_event_state,
    configuration_update_history,
    state_update_history,
)
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.events import Events
from labkit.emulator.server_state import ServerState, item_key, jsonable, revived
from labkit.exceptions import ServiceError, UnsupportedOperation
from labkit.i18n import gettext

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

UTC = dt.timezone.utc
_SNS = re.compile(r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
_ALARM_ARN = re.compile(r"^arn:aws:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$")


def alarm_key(arn: str) -> tuple[str, str] | None:
    """(Region, name) of an alarm ARN, as composite and log alarms are kept; None for anything else."""
    match = _ALARM_ARN.match(arn)
    return (match.group(1), match.group(3)) if match else None


STATE_ACTIONS = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}


def _reason_time(when: dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%A %d %B, %Y %H:%M:%S UTC")


def _iso_ms(when: dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def selected(
    alarms: dict[tuple[str, str], dict[str, Any]], region: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """The alarms of ``region`` (kept by (Region, name), as composite and log alarms are) that DescribeAlarms'
    ``AlarmNames``, ``AlarmNamePrefix``, ``StateValue`` and ``ActionPrefix`` select, by name
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html)."""
    names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
    state, action = params.get("StateValue"), params.get("ActionPrefix")
    found = []
    for (where, name), alarm in sorted(alarms.items()):
        actions = alarm["AlarmActions"] + alarm["OKActions"] + alarm["InsufficientDataActions"]
        if (
            where == region
            and (names is None or name in names)
            and (prefix is None or name.startswith(prefix))
            and state in (None, alarm["StateValue"])
            and (action is None or any(a.startswith(action) for a in actions))
        ):
            found.append(alarm)
    return found


def change_state(alarm: dict[str, Any], state: str, reason: str, data: dict[str, Any] | None, now: dt.datetime) -> None:
    """Store a state change in a kept alarm description (composite and log alarms): the new state, its reason and
    reason data (JSON, as DescribeAlarms returns ``StateReasonData``), updated and transitioned at ``now``."""
    alarm.update(StateValue=state, StateReason=reason, StateUpdatedTimestamp=now, StateTransitionedTimestamp=now)
    alarm.pop("StateReasonData", None)
    if data is not None:
        alarm["StateReasonData"] = json.dumps(data)


class CompositeAlarms:
    """The lab's composite alarms, by (Region, name), in the shape DescribeAlarms returns them."""

    requires = (CloudWatchAlarms, Events)

    def __init__(self, emulator: Emulator) -> None:
        self.metric_alarms = emulator.plugin(CloudWatchAlarms)
        self.events_plugin = emulator.plugin(Events)
        self.lab = emulator.lab
        self.emulator = emulator
        self.alarms: dict[tuple[str, str], dict[str, Any]] = {}
        self.rules: dict[tuple[str, str], alarmrule.AlarmRule] = {}
        self._evaluating: set[tuple[str, str]] = set()
        self._describing = False
        self.tags: dict[tuple[str, str], dict[str, str]] = {}
        #: Suppressed composite alarms: key -> the lab time their wait or extension period ends (None: by Alarm).
        self.suppressed_until: dict[tuple[str, str], dt.datetime | None] = {}
        #: The state whose actions each composite alarm last performed (or had none to perform).
        self.acted: dict[tuple[str, str], str] = {}
        #: Where the tagging operations find a resource's tags by ARN (None: not this owner's): composite alarms
        #: here, and other CloudWatch resources moto lacks (alarm mute rules) register theirs.
        self.tag_owners: list[Callable[[str], dict[str, str] | None]] = [self._composite_tags]
        #: Called with the ARN after TagResource / UntagResource changed tags one of :attr:`tag_owners` keeps.
        self.tag_listeners: list[Callable[[str], None]] = [self._composite_tags_changed]
        #: On a moto server in another process: the composite alarms, kept on the server (see the module docstring).
        self.state: ServerState | None = None
        if ServerState.available(self.lab):
            self.state = ServerState(self.lab, "composite-alarms")
            self.sync()
            # History the alarm plugin adopted for composite alarms that are gone (deleted by another process).
            names = {item.alarm_name for item in self.metric_alarms.history if item.alarm_type == "CompositeAlarm"}
            self.metric_alarms.forget_history("CompositeAlarm", names - {name for _, name in self.alarms})

    # -- state kept on the server --------------------------------------------------------------------
    def sync(self) -> None:
        """Read the composite alarms every process of the account left on the server (nothing otherwise)."""
        if self.state is None:
            return
        alarms, rules, tags = {}, {}, {}
        suppressed: dict[tuple[str, str], dt.datetime | None] = {}
        acted: dict[tuple[str, str], str] = {}
        for value in self.state.load().values():
            key = (value["region"], value["name"])
            alarms[key] = revived(value["alarm"])
            rules[key] = alarmrule.compile(alarms[key]["AlarmRule"])  # checked when it was put
            tags[key] = dict(value["tags"])
            if value.get("suppressed"):
                suppressed[key] = revived(value["suppressed"]["until"])
            if value.get("acted"):
                acted[key] = value["acted"]
        self.alarms, self.rules, self.tags, self.suppressed_until, self.acted = alarms, rules, tags, suppressed, acted

    def _save(self, key: tuple[str, str]) -> None:
        if self.state is None:
            return
        if key not in self.alarms:
            self.state.drop(item_key(f"{key[0]}/{key[1]}"))
            return
        value: dict[str, Any] = {
            "region": key[0],
            "name": key[1],
            "alarm": jsonable(self.alarms[key]),
            "tags": self.tags.get(key, {}),
            "acted": self.acted.get(key),
        }
        if key in self.suppressed_until:
            value["suppressed"] = {"until": jsonable(self.suppressed_until[key])}
        self.state.save(item_key(f"{key[0]}/{key[1]}"), value)

    def _composite_tags_changed(self, arn: str) -> None:
        key = alarm_key(arn)
        if key in self.alarms:
            self._save(key)

    def _unsupported(self, operation: str, detail: str) -> UnsupportedOperation:
        return UnsupportedOperation("cloudwatch", operation, self.lab.backend.name, detail)

    def _region(self, call: Call) -> str:
        return call.region or self.lab.region

    def _arn(self, region: str, name: str) -> str:
        return f"arn:aws:cloudwatch:{region}:{self.lab.account_id}:alarm:{name}"

    # -- children ------------------------------------------------------------------------------------
    def _child_name(self, region: str, reference: str) -> str | None:
        """The alarm a rule names (a name, or an ARN of this account and Region), or None."""
        match = _ALARM_ARN.match(reference)
        if match:
            if match.group(1) != region or match.group(2) != self.lab.account_id:
                return None
            return match.group(3)
        return reference

    def _state(self, region: str, name: str) -> dict[str, Any] | None:
        """A metric or composite alarm's current description, or None if there is none."""
        if (region, name) in self.alarms:
            return self.alarms[(region, name)]
        found = self.lab.internal_client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"]
        return found[0] if found else None

    # -- PutCompositeAlarm ---------------------------------------------------------------------------
    def put(self, call: Call) -> dict[str, Any]:
        self.sync()
        params = call.params
        if params.get("ActionConfiguration"):
            raise self._unsupported(
                "PutCompositeAlarm",
                gettext("the parameter ActionConfiguration (alarm tags in notifications and events) is not emulated"),
            )
        name = params["AlarmName"]
        if not 1 <= len(name) <= 255:
            raise ServiceError(
                "ValidationError",
                "1 validation error detected: Value at 'alarmName' failed to satisfy "
                "constraint: Member must have length less than or equal to 255",
            )
        for key in STATE_ACTIONS.values():
            for arn in params.get(key) or []:
                if not _SNS.match(arn):
                    raise self._unsupported(
                        "PutCompositeAlarm",
                        gettext("the action {arn} (only SNS topic actions of composite alarms are emulated)").format(
                            arn=arn
                        ),
                    )
            if len(params.get(key) or []) > 5:
                raise ServiceError(
                    "ValidationError",
                    f"1 validation error detected: Value at '{key[0].lower() + key[1:]}' "
                    "failed to satisfy constraint: Member must have length less than or equal to 5",
                )
        try:
            rule = alarmrule.compile(params["AlarmRule"])
        except alarmrule.AlarmRuleError as error:
            raise ServiceError("ValidationError", str(error)) from error
        region = self._region(call)
        log_alarms = self.metric_alarms.log_alarms
        for ref in sorted(rule.alarms):
            child = self._child_name(region, ref)
            if log_alarms is not None and child is not None and log_alarms.exists(region, child):
                raise self._unsupported(
                    "PutCompositeAlarm",
                    gettext(
                        "the log alarm {ref} in AlarmRule (whether a composite alarm's rule may name a log alarm is "
                        "not documented)"
                    ).format(ref=ref),
                )
        missing = sorted(
            ref
            for ref in rule.alarms
            if (child := self._child_name(region, ref)) is None or self._state(region, child) is None
        )
        if missing:
            raise ServiceError(
                "ValidationError",
                f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the alarm rule do not exist",
            )
        suppressor = self._check_suppressor(region, params)
        now = self.lab.clock.now()
        key = (region, name)
        previous = self.alarms.get(key)
        alarm = {
            "AlarmName": name,
            "AlarmArn": self._arn(region, name),
            "AlarmDescription": params.get("AlarmDescription", ""),
            "AlarmRule": params["AlarmRule"],
            "ActionsEnabled": params.get("ActionsEnabled", True),
            "AlarmActions": list(params.get("AlarmActions") or []),
            "OKActions": list(params.get("OKActions") or []),
            "InsufficientDataActions": list(params.get("InsufficientDataActions") or []),
            "AlarmConfigurationUpdatedTimestamp": now,
            "StateValue": "INSUFFICIENT_DATA",
            "StateReason": "Unchecked: Initial alarm creation",
            "StateUpdatedTimestamp": now,
            "StateTransitionedTimestamp": now,
            **suppressor,
        }
        if previous is not None:  # an update keeps the state (as PutMetricAlarm's does)
            for field in (
                "StateValue",
                "StateReason",
                "StateReasonData",
                "StateUpdatedTimestamp",
                "StateTransitionedTimestamp",
            ):
                if field in previous:
                    alarm[field] = previous[field]
        self.alarms[key] = alarm
        self.rules[key] = rule
        self.suppressed_until.pop(key, None)  # an update starts without suppression (labkit's reading)
        # "If you are using this operation to update an existing alarm, any tags you specify in this
        # parameter are ignored" (PutCompositeAlarm API reference, Tags).
        if previous is None:  # the parameters as sent carry the kit's labkit:lab tag too
            sent = call.context.get("labkit_sent_params") or params
            self.tags[key] = {t["Key"]: t["Value"] for t in sent.get("Tags") or []}
        self._save(key)
        self._record(name, now, "ConfigurationUpdate", *configuration_update_history(name, created=previous is None))
        if previous is None:  # "When you update an existing alarm, its state is left unchanged"
            self._evaluate(region, name, now, trigger=None)
        return {}

    def _check_suppressor(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """The suppressor settings to keep (PutCompositeAlarm reference; messages are *labkit wording*)."""
        suppressor = params.get("ActionsSuppressor")
        periods = ("ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod")
        if suppressor is None:
            return {}
        child = self._child_name(region, suppressor)
        log_alarms = self.metric_alarms.log_alarms
        if child is not None and log_alarms is not None and log_alarms.exists(region, child):
            raise self._unsupported(
                "PutCompositeAlarm",
                gettext(
                    "the log alarm {suppressor} as ActionsSuppressor (whether a log alarm may suppress a composite "
                    "alarm's actions is not documented)"
                ).format(suppressor=suppressor),
            )
        if child is None or self._state(region, child) is None:
            raise ServiceError("ValidationError", f"The ActionsSuppressor alarm {suppressor} does not exist.")
        for name in periods:
            if params.get(name) is None:
                raise ServiceError(
                    "MissingParameter", f"The parameter {name} is required when ActionsSuppressor is specified."
                )
            if params[name] < 0:
                raise ServiceError("ValidationError", f"The parameter {name} must not be negative.")
        return {"ActionsSuppressor": suppressor, **{name: int(params[name]) for name in periods}}

    # -- actions suppression ---------------------------------------------------------------------------
    def _suppress(self, key: tuple[str, str], by: str, until: dt.datetime | None) -> None:
        self.suppressed_until[key] = until
        self.alarms[key].update(ActionsSuppressedBy=by, ActionsSuppressedReason=f"Actions suppressed by {by}")
        self._save(key)

    def _actions_suppressed(self, key: tuple[str, str], state: str, now: dt.datetime) -> bool:
        """Whether the actions of a change to ``state`` wait (and start the wait period if they must)."""
        alarm = self.alarms[key]
        suppressor = alarm.get("ActionsSuppressor")
        if suppressor is None:
            return False
        if key in self.suppressed_until:
            return True
        child = self._child_name(key[0], suppressor)
        found = self._state(key[0], child) if child else None
        if found is not None and found["StateValue"] == "ALARM":
            self._suppress(key, "Alarm", None)
            return True
        if state == "ALARM" and alarm["ActionsSuppressorWaitPeriod"] > 0:
            self._suppress(key, "WaitPeriod", now + dt.timedelta(seconds=alarm["ActionsSuppressorWaitPeriod"]))
            return True
        return False

    def suppressor_changed(self, region: str, name: str, now: dt.datetime) -> None:
        """A suppressor alarm changed state: its composite alarms stop or start their extension period."""
        suppressed = [
            (key, alarm)
            for key, alarm in list(self.alarms.items())
            if key[0] == region and self._child_name(region, alarm.get("ActionsSuppressor") or "") == name
        ]
        if not suppressed:  # the usual case: no DescribeAlarms for an alarm that suppresses nothing
            return
        found = self._state(region, name)
        in_alarm = found is not None and found["StateValue"] == "ALARM"
        for key, alarm in suppressed:
            if in_alarm:
                self._suppress(key, "Alarm", None)
            elif alarm.get("ActionsSuppressedBy") == "Alarm":
                extension = alarm["ActionsSuppressorExtensionPeriod"]
                self._suppress(key, "ExtensionPeriod", now + dt.timedelta(seconds=extension))
                if extension == 0:
                    self._release(key, now)

    def tick(self, now: dt.datetime) -> None:
        """End the wait and extension periods that are over at this lab minute."""
        for key, until in list(self.suppressed_until.items()):
            if until is not None and until <= now:
                self._release(key, now)

    def _release(self, key: tuple[str, str], now: dt.datetime) -> None:
        """Actions no longer suppressed: perform those of the current state if they were not performed."""
        self.suppressed_until.pop(key, None)
        alarm = self.alarms.get(key)
        if alarm is None:
            return
        was = {"by": alarm.pop("ActionsSuppressedBy", None), "reason": alarm.pop("ActionsSuppressedReason", None)}
        state, old_when = alarm["StateValue"], alarm["StateUpdatedTimestamp"]
        alarm["StateUpdatedTimestamp"] = now
        self._record(
            key[1], now, "StateUpdate", *state_update_history(state, alarm["StateReason"], state, alarm["StateReason"])
        )
        self.events_plugin.publish_event(
            self._event(key[0], alarm, state, alarm["StateReason"], old_when, now, previous_suppression=was),
        )
        if alarm["ActionsEnabled"] and self.acted.get(key) != state:
            old_state = self.acted.get(key, state)
            if not self.metric_alarms.actions_muted(key[0], key[1], old_state, state, now):
                self._notify(key[0], alarm, old_state, now)
                self.acted[key] = state
        self._save(key)

    # -- DescribeAlarms --------------------------------------------------------------------------------
    def describe(self, call: Call) -> dict[str, Any] | None:
        if self._describing:
            return None  # this plugin's own read of the metric alarms: moto answers it
        self._describing = True
        try:
            return self._describe(call)
        finally:
            self._describing = False

    def _describe(self, call: Call) -> dict[str, Any]:
        params = dict(call.params)
        family = [name for name in ("ChildrenOfAlarmName", "ParentsOfAlarmName") if params.get(name)]
        if family:
            return self._family(call, family)
        if params.get("NextToken"):  # every answer here is one page, so no token was ever handed out
            raise ServiceError("InvalidNextToken", "The next token specified is invalid.")
        types = params.pop("AlarmTypes", None) or ["MetricAlarm"]
        if "CompositeAlarm" in types:
            self.sync()
        region = self._region(call)
        reply: dict[str, Any] = {"MetricAlarms": [], "CompositeAlarms": []}
        if "MetricAlarm" in types:
            reply["MetricAlarms"] = call.internal("cloudwatch").describe_alarms(**params)["MetricAlarms"]
        if "CompositeAlarm" in types:
            reply["CompositeAlarms"] = [dict(alarm) for alarm in selected(self.alarms, region, params)]
        if "LogAlarm" in types:  # kept by cloudwatch_log_alarms
            log_alarms = self.metric_alarms.log_alarms
            reply["LogAlarms"] = log_alarms.describe(region, params) if log_alarms is not None else []
        most = params.get("MaxRecords")
        listed = len(reply["MetricAlarms"]) + len(reply["CompositeAlarms"]) + len(reply.get("LogAlarms", []))
        if most is not None and listed > int(most):
            raise self._unsupported(
                "DescribeAlarms",
                gettext("more alarms than MaxRecords ({most}): paging is not emulated").format(most=most),
            )
        return reply

    def _family(self, call: Call, family: list[str]) -> dict[str, Any]:
        """``ChildrenOfAlarmName``: the alarms a composite alarm's rule names, with "Only the Alarm Name,
        ARN, StateValue (OK, ALARM, or INSUFFICIENT_DATA), and StateUpdatedTimestamp"; ``ParentsOfAlarmName``:
        the composite alarms whose rule names the alarm, with "Only the Alarm Name and ARN". Either one
        excludes every other parameter but MaxRecords and NextToken (DescribeAlarms API reference,
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html)."""
        others = [name for name, value in call.params.items() if value and name not in ("MaxRecords", "NextToken")]
        if len(others) > 1:
            raise ServiceError(
                "ValidationError",
                f"{family[0]} cannot be used with any other parameter except MaxRecords and NextToken.",
            )
        self.sync()
        region = self._region(call)
        reply: dict[str, Any] = {"MetricAlarms": [], "CompositeAlarms": []}
        if family == ["ChildrenOfAlarmName"]:
            rule = self.rules.get((region, call.params["ChildrenOfAlarmName"]))
            children = sorted({self._child_name(region, ref) for ref in rule.alarms} - {None}) if rule else []
            for child in children:
                alarm = self._state(region, child)  # type: ignore[arg-type]
                if alarm is None:
                    continue
                shown = {
                    key: alarm[key]
                    for key in ("AlarmName", "AlarmArn", "StateValue", "StateUpdatedTimestamp")
                    if key in alarm
                }
                reply["CompositeAlarms" if "AlarmRule" in alarm else "MetricAlarms"].append(shown)
        else:
            name = call.params["ParentsOfAlarmName"]
            for (where, parent), rule in sorted(self.rules.items()):
                if where == region and name in {self._child_name(region, ref) for ref in rule.alarms}:
                    reply["CompositeAlarms"].append({"AlarmName": parent, "AlarmArn": self._arn(region, parent)})
        return reply

    # -- DeleteAlarms / SetAlarmState ----------------------------------------------------------------
    def check_delete(self, call: Call) -> None:
        self.sync()
        region = self._region(call)
        gone = set(call.params.get("AlarmNames", []))
        for (where, name), rule in self.rules.items():
            if where != region or name in gone:
                continue
            named = {self._child_name(region, ref) for ref in rule.alarms}
            if named & gone:
                raise ServiceError(
                    "ValidationError",
                    f"The alarms {sorted(named & gone)} can't be deleted: the composite alarm {name} "
                    "depends on them. Change its AlarmRule first.",
                )

    def deleted(self, region: str, names: list[str]) -> None:
        for name in names:
            self.suppressed_until.pop((region, name), None)
            self.acted.pop((region, name), None)
            self.alarms.pop((region, name), None)
            self.rules.pop((region, name), None)
            self.tags.pop((region, name), None)
            if self.state is not None:
                self.state.drop(item_key(f"{region}/{name}"))

    def _composite_tags(self, arn: str) -> dict[str, str] | None:
        key = alarm_key(arn)
        if key is None:
            return None
        self.sync()  # a composite alarm another process put since
        return self.tags.get(key)

    def _tagged(self, call: Call) -> dict[str, str] | None:
        """The tags of the resource the call names, when a plugin keeps them (:attr:`tag_owners`)."""
        arn = call.params.get("ResourceARN", "")
        return next((tags for owner in self.tag_owners if (tags := owner(arn)) is not None), None)

    def list_tags(self, call: Call) -> dict[str, Any] | None:
        """ListTagsForResource of a composite alarm's ARN or another resource a plugin keeps (any other ARN: moto
        answers)."""
        tags = self._tagged(call)
        if tags is None:
            return None
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def tag(self, call: Call) -> dict[str, Any] | None:
        tags = self._tagged(call)
        if tags is None:
            return None
        tags.update({t["Key"]: t["Value"] for t in call.params.get("Tags", [])})
        self._tags_changed(call)
        return {}

    def untag(self, call: Call) -> dict[str, Any] | None:
        tags = self._tagged(call)
        if tags is None:
            return None
        for name in call.params.get("TagKeys", []):
            tags.pop(name, None)
        self._tags_changed(call)
        return {}

    def _tags_changed(self, call: Call) -> None:
        for listener in self.tag_listeners:
            listener(call.params.get("ResourceARN", ""))

    def owns(self, call: Call) -> bool:
        self.sync()
        return (self._region(call), call.params.get("AlarmName")) in self.alarms

    def set_state(self, call: Call) -> dict[str, Any]:
        """SetAlarmState on a composite alarm (the metric alarm plugin hands it over)."""
        key = (self._region(call), call.params["AlarmName"])
        data = jsontext.loads(call.params["StateReasonData"]) if call.params.get("StateReasonData") else None
        self._transition(
            key[0], key[1], call.params["StateValue"], call.params["StateReason"], data, self.lab.clock.now()
        )
        return {}

    # -- evaluation ----------------------------------------------------------------------------------
    def metric_alarm_changed(self, region: str, name: str, now: dt.datetime) -> None:
        """A metric alarm changed state: read the composite alarms other processes put, then re-evaluate."""
        self.sync()
        self.child_changed(region, name, now)

    def child_changed(self, region: str, name: str, now: dt.datetime) -> None:
        """Re-evaluate every composite alarm whose rule names ``name`` (a metric or composite alarm)."""
        self.suppressor_changed(region, name, now)
        for (where, parent), rule in list(self.rules.items()):
            if where == region and name in {self._child_name(region, ref) for ref in rule.alarms}:
                # Rules may form a cycle (the API reference says so): each alarm changes once per change of a child.
                if (region, parent) in self._evaluating:
                    continue
                self._evaluating.add((region, parent))
                try:
                    self._evaluate(region, parent, now, trigger=name)
                finally:
                    self._evaluating.discard((region, parent))

    def _evaluate(self, region: str, name: str, now: dt.datetime, trigger: str | None) -> None:
        rule = self.rules[(region, name)]
        states: dict[str, dict[str, Any]] = {}

        def state_of(reference: str) -> str:
            child = self._child_name(region, reference)
            if child not in states:
                states[child] = self._state(region, child) or {"StateValue": "INSUFFICIENT_DATA"}  # type: ignore[index]
            return states[child]["StateValue"]  # type: ignore[index]

        new_state = "ALARM" if rule.evaluate(state_of) else "OK"
        if new_state == self.alarms[(region, name)]["StateValue"]:
            return
        if trigger is not None:
            child = self._state(region, trigger) or {}
            when = child.get("StateUpdatedTimestamp") or now
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
            arn = self._arn(region, trigger)
            reason = f"{arn} transitioned to {child.get('StateValue')} at {_reason_time(when)}"
            data = {
                "triggeringAlarms": [
                    {"arn": arn, "state": {"value": child.get("StateValue"), "timestamp": _iso_ms(when)}}
                ]
            }
        else:  # created or updated: *labkit wording*
            reason = (
                f"The alarm rule evaluated to {'TRUE' if new_state == 'ALARM' else 'FALSE'} when the alarm was created"
            )
            data = None
        self._transition(region, name, new_state, reason, data, now)

    def _transition(
        self, region: str, name: str, state: str, reason: str, data: dict[str, Any] | None, now: dt.datetime
    ) -> None:
        alarm = self.alarms[(region, name)]
        old_state, old_reason = alarm["StateValue"], alarm["StateReason"]
        if state == old_state:
            return
        old_when = alarm["StateUpdatedTimestamp"]
        change_state(alarm, state, reason, data, now)
        self._record(name, now, "StateUpdate", *state_update_history(old_state, old_reason, state, reason, data))
        key = (region, name)
        suppressed = bool(alarm["ActionsEnabled"]) and self._actions_suppressed(key, state, now)
        self.events_plugin.publish_event(self._event(region, alarm, old_state, old_reason, old_when, now))
        # A muted change's actions are kept by the mute rules plugin until the alarm is unmuted.
        if (
            alarm["ActionsEnabled"]
            and not suppressed
            and not self.metric_alarms.actions_muted(region, name, old_state, state, now)
        ):
            self._notify(region, alarm, old_state, now)
            self.acted[key] = state
        self._save(key)
        self.child_changed(region, name, now)  # a composite alarm may be another one's child

    def _event(
        self,
        region: str,
        alarm: dict[str, Any],
        old_state: str,
        old_reason: str,
        old_when: dt.datetime,
        now: dt.datetime,
        previous_suppression: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        def state(
            value: str, why: str, at: dt.datetime, data: str | None = None, suppression: dict[str, Any] | None = None
        ) -> dict[str, Any]:
            out = alarm_event_state(value, why, at, data)
            if suppression and suppression.get("by"):
                out.update(actionsSuppressedBy=suppression["by"], actionsSuppressedReason=suppression["reason"])
            return out

        configuration: dict[str, Any] = {"alarmRule": alarm["AlarmRule"]}
        if alarm.get("ActionsSuppressor"):
            configuration.update(
                actionsSuppressor=alarm["ActionsSuppressor"],
                actionsSuppressorWaitPeriod=alarm["ActionsSuppressorWaitPeriod"],
                actionsSuppressorExtensionPeriod=alarm["ActionsSuppressorExtensionPeriod"],
            )
        current = {"by": alarm.get("ActionsSuppressedBy"), "reason": alarm.get("ActionsSuppressedReason")}
        if alarm["AlarmDescription"]:
            configuration["description"] = alarm["AlarmDescription"]
        return alarm_event(
            alarm,
            when=now,
            account_id=self.lab.account_id,
            region=region,
            configuration=configuration,
            previous_state=state(old_state, old_reason, old_when, suppression=previous_suppression),
            state=state(alarm["StateValue"], alarm["StateReason"], now, alarm.get("StateReasonData"), current),
        )

    def _notify(self, region: str, alarm: dict[str, Any], old_state: str, now: dt.datetime) -> None:
        state = alarm["StateValue"]
        topics = alarm[STATE_ACTIONS[state]]
        if not topics:
            return
        subject = f'{state}: "{alarm["AlarmName"]}" in {REGION_NAMES.get(region, region)}'
        if len(subject) >= 100:
            subject = subject[:99]
        data = jsontext.loads(alarm.get("StateReasonData") or "{}")
        message = {
            "AlarmName": alarm["AlarmName"],
            "AlarmDescription": alarm["AlarmDescription"] or None,
            "AWSAccountId": self.lab.account_id,
            "NewStateValue": state,
            "NewStateReason": alarm["StateReason"],
            "StateChangeTime": _iso_ms(now),
            "Region": REGION_NAMES.get(region, region),
            "AlarmArn": alarm["AlarmArn"],
            "OldStateValue": old_state,
            "AlarmRule": alarm["AlarmRule"],
            "TriggeringChildren": [
                {"Arn": t["arn"], "State": {"Value": t["state"]["value"], "Timestamp": t["state"]["timestamp"]}}
                for t in data.get("triggeringAlarms", [])
            ],
            "OKActions": alarm["OKActions"],
            "AlarmActions": alarm["AlarmActions"],
            "InsufficientDataActions": alarm["InsufficientDataActions"],
        }
        self.metric_alarms.notify_topics(alarm["AlarmName"], topics, subject, message, now, record=self._record)

    def run_actions(self, region: str, name: str, old_state: str, now: dt.datetime) -> None:
        """Perform the actions of the composite alarm's current state for its change from ``old_state``, unless
        actions suppression holds them: the end of the suppression performs them then (the mute rules plugin
        calls it when a mute window ends)."""
        key = (region, name)
        alarm = self.alarms.get(key)
        if alarm is not None and alarm["ActionsEnabled"] and key not in self.suppressed_until:
            self._notify(region, alarm, old_state, now)
            self.acted[key] = alarm["StateValue"]
            self._save(key)

    def _record(self, name: str, when: dt.datetime, item_type: str, summary: str, data: dict[str, Any]) -> None:
        self.metric_alarms._record(name, when, item_type, summary, data, alarm_type="CompositeAlarm")


def install(emulator: Emulator) -> CompositeAlarms:
    """Register composite alarms on ``emulator`` (after :mod:`labkit.emulator.cloudwatch_alarms`)."""
    plugin = CompositeAlarms(emulator)
    alarms = plugin.metric_alarms
    alarms.composite = plugin
    alarms.on_transition.append(plugin.metric_alarm_changed)
    alarms.on_delete.append(plugin.deleted)
    # The kit's own clients (teardown, checkers) must see composite alarms too.
    for operation, answer in {
        "DescribeAlarms": plugin.describe,
        "ListTagsForResource": plugin.list_tags,
        "TagResource": plugin.tag,
        "UntagResource": plugin.untag,
    }.items():
        emulator.answers_internal("cloudwatch", operation)(answer)
    emulator.answers("cloudwatch", "PutCompositeAlarm")(plugin.put)
    emulator.answers("cloudwatch", "DescribeAlarms")(plugin.describe)
    emulator.answers("cloudwatch", "ListTagsForResource")(plugin.list_tags)
    emulator.answers("cloudwatch", "TagResource")(plugin.tag)
    emulator.answers("cloudwatch", "UntagResource")(plugin.untag)
    emulator.validates("cloudwatch", "DeleteAlarms")(plugin.check_delete)
    emulator.every_minute(plugin.tick)
    return plugin
