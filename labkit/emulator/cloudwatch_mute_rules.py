"""Alarm mute rules (``PutAlarmMuteRule``, ``GetAlarmMuteRule``, ``ListAlarmMuteRules``, ``DeleteAlarmMuteRule``),
which moto does not implement, kept here and applied to the alarms' actions in lab time.

The schedule, its validation and the status are :mod:`labkit.aws.muterules`'s. What this plugin adds, from
the PutAlarmMuteRule API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html) and "How alarm
mute rules work" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-mute-rules-behaviour.html):

* "When a mute rule is active, targeted alarms continue to evaluate metrics and transition between
  states, but their configured actions (such as Amazon SNS notifications or Auto Scaling actions) are
  muted", for "actions associated with all alarm states, including OK, ALARM, and INSUFFICIENT_DATA":
  metric alarms (:mod:`cloudwatch_alarms`: SNS topics and EC2 actions), composite alarms
  (:mod:`cloudwatch_composite`), log alarms (:mod:`cloudwatch_log_alarms`) and the scaling policies Auto Scaling invokes (:mod:`autoscaling`).
  The state change itself, its ``StateUpdate`` history item and its EventBridge event happen as
  without a rule (an event is not a configured action).
* When the alarm is unmuted (the window ends, the rule expires, is deleted or no longer targets it),
  the actions muted last run then if the alarm "remains in the same state ... in which it was
  originally muted" (the page's second scenario), and not if it left that state (the first). A
  transition while unmuted performs its own actions and forgets the muted ones. Overlapping rules mute
  while any of them is active. ``DeleteAlarmMuteRule``: "any alarms that are currently being muted by
  that rule are immediately unmuted. If those alarms are in an ALARM state, their configured actions
  will trigger" — read with the page's scenarios: those whose actions were muted.
* Alarm history: AWS's pages do not say what it records for a muted action; labkit records nothing (no
  ``Action`` item) until the actions run, then the usual ``Action`` items, at the lab minute they run.
* ``PutAlarmMuteRule`` on an existing name "updates the existing rule with the new configuration"; its
  tags are kept from the creation (the pages are silent; PutMetricAlarm ignores tags on an update).
  ``MuteTargets`` "must match existing alarms" (metric, composite or log alarms of the Region).
  ``GetAlarmMuteRule`` of a missing rule: ``ResourceNotFoundException``; ``DeleteAlarmMuteRule`` "is
  idempotent". ``ListAlarmMuteRules`` (filters ``AlarmName`` and ``Statuses``, ``MaxRecords`` default 50)
  lists rules by name, pages with ``NextToken``, and lists none for an alarm no rule targets (whether AWS
  answers ``ResourceNotFoundException`` for a missing alarm is not documented). The ARN is
  ``arn:aws:cloudwatch:<region>:<account>:alarm-mute-rule:<name>``, as the reference's IAM example writes it;
  tagging operations work on it.
* The end of a window takes effect at the first lab minute at or after it (the alarms' own cadence).

On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) each rule, with its tags, and
each alarm's muted change waiting for the end of a window live on the server too
(:class:`labkit.emulator.server_state.ServerState`, kinds ``alarm-mute-rules`` and ``alarm-mute-pending``):
every process of the account (``labkit catchup``, the kernel, a second kernel, ``labkit teardown`` after a
crash) lists, gets, deletes and applies the same rules. A process reads them when it connects and again
before each mute rule operation and each alarm state change whose actions are due, so a rule another
process put since is honoured.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from botocore.utils import parse_timestamp

from labkit.aws import muterules
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_composite import CompositeAlarms
from labkit.emulator.server_state import ServerState, item_key, jsonable, revived
from labkit.exceptions import InvalidMuteRule, MuteRuleUnsupported, ServiceError, UnsupportedOperation
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

UTC = dt.timezone.utc
_ARN = re.compile(r"^arn:aws:cloudwatch:([a-z0-9-]+):(\d{12}):alarm-mute-rule:(.+)$")
DEFAULT_RECORDS = 50


def _utc(value: Any) -> dt.datetime | None:
    """A boto3 timestamp parameter (datetime, ISO string or epoch number) as aware UTC, or None."""
    if value is None:
        return None
    when = value if isinstance(value, dt.datetime) else parse_timestamp(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class AlarmMuteRules:
    """The lab's mute rules by (Region, name), and the alarms whose muted actions wait for the end of a window."""

    requires = (CloudWatchAlarms, CompositeAlarms)

    def __init__(self, emulator: Emulator) -> None:
        self.metric_alarms = emulator.plugin(CloudWatchAlarms)
        self.composite = emulator.plugin(CompositeAlarms)
        self.lab = emulator.lab
        #: Each rule as GetAlarmMuteRule describes it (Status added when asked), by (Region, name).
        self.described: dict[tuple[str, str], dict[str, Any]] = {}
        self.rules: dict[tuple[str, str], muterules.MuteRule] = {}
        self.tags: dict[tuple[str, str], dict[str, str]] = {}
        #: Alarms whose last change's actions were muted: (Region, alarm name) -> (old state, new state).
        self.pending: dict[tuple[str, str], tuple[str, str]] = {}
        #: On a moto server in another process: the rules and the muted changes, kept on the server.
        self.state: ServerState | None = None
        self.pending_state: ServerState | None = None
        if ServerState.available(self.lab):
            self.state = ServerState(self.lab, "alarm-mute-rules")
            self.pending_state = ServerState(self.lab, "alarm-mute-pending")
            self.sync()

    # -- state kept on the server ---------------------------------------------------------------------
    def sync(self) -> None:
        """Read the rules and the muted changes every process of the account left on the server (a moto
        server in another process; nothing otherwise)."""
        if self.state is None or self.pending_state is None:
            return
        described: dict[tuple[str, str], dict[str, Any]] = {}
        rules: dict[tuple[str, str], muterules.MuteRule] = {}
        tags: dict[tuple[str, str], dict[str, str]] = {}
        for value in self.state.load().values():
            key = (value["region"], value["name"])
            item = revived(value["described"])
            described[key] = item
            rules[key] = muterules.parse_rule(item)  # checked when it was put
            tags[key] = dict(value["tags"])
        self.described, self.rules, self.tags = described, rules, tags
        self.pending = {
            (value["region"], value["alarm_name"]): (value["old_state"], value["state"])
            for value in self.pending_state.load().values()
        }

    def _save(self, key: tuple[str, str]) -> None:
        if self.state is None:
            return
        if key in self.rules:
            value = {
                "region": key[0],
                "name": key[1],
                "described": jsonable(self.described[key]),
                "tags": self.tags[key],
            }
            self.state.save(item_key(f"{key[0]}/{key[1]}"), value)
        else:
            self.state.drop(item_key(f"{key[0]}/{key[1]}"))

    def _save_pending(self, key: tuple[str, str]) -> None:
        if self.pending_state is None:
            return
        if key in self.pending:
            old_state, state = self.pending[key]
            value = {"region": key[0], "alarm_name": key[1], "old_state": old_state, "state": state}
            self.pending_state.save(item_key(f"{key[0]}/{key[1]}"), value)
        else:
            self.pending_state.drop(item_key(f"{key[0]}/{key[1]}"))

    def tags_changed(self, arn: str) -> None:
        """After a tagging operation on ``arn``: keep the mute rule's tags on the server, if it names one."""
        match = _ARN.match(arn)
        if match:
            self._save((match.group(1), match.group(3)))

    def _region(self, call: Call) -> str:
        return call.region or self.lab.region

    def _unsupported(self, operation: str, detail: str) -> UnsupportedOperation:
        return UnsupportedOperation("cloudwatch", operation, self.lab.backend.name, detail)

    # -- what the alarm plugins ask --------------------------------------------------------------------
    def muted(self, region: str, name: str, now: dt.datetime) -> bool:
        """Whether an active rule of ``region`` targets the alarm ``name`` at ``now``."""
        return muterules.muted((rule for (where, _name), rule in self.rules.items() if where == region), name, now)

    def hold(self, region: str, name: str, old_state: str, state: str, now: dt.datetime) -> bool:
        """A change of ``name`` whose actions are due: True (and kept for the end of the window) when muted."""
        self.sync()  # a rule another process put since this one read them
        if self.muted(region, name, now):
            self.pending[(region, name)] = (old_state, state)
            self._save_pending((region, name))
            return True
        if self.pending.pop((region, name), None) is not None:
            self._save_pending((region, name))
        return False

    def release(self, now: dt.datetime) -> None:
        """Run the muted actions of the alarms no longer muted that are still in the state they were muted in."""
        for key, (old_state, state) in list(self.pending.items()):
            region, name = key
            if self.muted(region, name, now):
                continue
            del self.pending[key]
            self._save_pending(key)
            if key in self.composite.alarms:
                if self.composite.alarms[key]["StateValue"] == state:
                    self.composite.run_actions(region, name, old_state, now)
                continue
            log_alarms = self.metric_alarms.log_alarms
            if log_alarms is not None and key in log_alarms.alarms:
                if log_alarms.alarms[key]["StateValue"] == state:
                    log_alarms.run_actions(region, name, old_state, now)
                continue
            found = self.lab.internal_client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"]
            if found and found[0]["StateValue"] == state and found[0].get("ActionsEnabled", True):
                self.metric_alarms.run_actions(found[0], old_state, now)

    # -- operations ------------------------------------------------------------------------------------
    def put(self, call: Call) -> dict[str, Any]:
        self.sync()
        params = dict(call.params)
        for date in ("StartDate", "ExpireDate"):
            params[date] = _utc(params.get(date))
        try:
            rule = muterules.parse_rule(params)
        except InvalidMuteRule as error:
            raise ServiceError(error.code, error.message) from error
        except MuteRuleUnsupported as error:
            raise self._unsupported(
                "PutAlarmMuteRule", _("{construct} is not emulated offline").format(construct=error.described)
            ) from error
        region = self._region(call)
        missing = [name for name in rule.targets if not self._alarm_exists(region, name)]
        if missing:
            raise ServiceError(
                "InvalidParameterValue",
                f"The alarms [{', '.join(missing)}] in MuteTargets do not exist in this Region.",
            )
        name = params["Name"]
        key = (region, name)
        now = self.lab.clock.now()
        described: dict[str, Any] = {
            "Name": name,
            "AlarmMuteRuleArn": f"arn:aws:cloudwatch:{region}:{self.lab.account_id}:alarm-mute-rule:{name}",
            "Rule": {"Schedule": dict(params["Rule"]["Schedule"])},
            "MuteTargets": {"AlarmNames": list(rule.targets)},
            "LastUpdatedTimestamp": now,
            "MuteType": rule.schedule.mute_type,
        }
        if params.get("Description") is not None:
            described["Description"] = params["Description"]
        for field, value in (("StartDate", rule.start), ("ExpireDate", rule.expire)):
            if value is not None:
                described[field] = value
        if key not in self.rules:  # the parameters as sent carry the kit's labkit:lab tag too
            sent = call.context.get("labkit_sent_params") or params
            self.tags[key] = {t["Key"]: t["Value"] for t in sent.get("Tags") or []}
        self.described[key], self.rules[key] = described, rule
        self._save(key)
        self.release(now)  # alarms the updated rule no longer mutes
        return {}

    def _alarm_exists(self, region: str, name: str) -> bool:
        if (region, name) in self.composite.alarms:
            return True
        log_alarms = self.metric_alarms.log_alarms
        if log_alarms is not None and log_alarms.exists(region, name):
            return True
        return bool(self.lab.internal_client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"])

    def get(self, call: Call) -> dict[str, Any]:
        self.sync()
        key = (self._region(call), call.params["AlarmMuteRuleName"])
        if key not in self.described:
            raise ServiceError("ResourceNotFoundException", f"The alarm mute rule {key[1]} does not exist.", 404)
        return {**self.described[key], "Status": muterules.status(self.rules[key], self.lab.clock.now())}

    def list(self, call: Call) -> dict[str, Any]:
        self.sync()
        params, region, now = call.params, self._region(call), self.lab.clock.now()
        statuses, alarm = params.get("Statuses"), params.get("AlarmName")
        # The model's limits, which botocore does not check before sending: MaxRecords 1-100, Statuses' enum.
        if int(params.get("MaxRecords") or 1) > 100:
            raise ServiceError(
                "ValidationError",
                f"1 validation error detected: Value '{params['MaxRecords']}' at "
                "'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100",
            )
        for value in statuses or []:
            if value not in muterules.STATUSES:
                raise ServiceError(
                    "ValidationError",
                    f"1 validation error detected: Value '{value}' at 'statuses.member' "
                    "failed to satisfy constraint: Member must satisfy enum value set: [SCHEDULED, ACTIVE, EXPIRED]",
                )
        summaries = []
        for key in sorted(k for k in self.rules if k[0] == region):
            rule, described = self.rules[key], self.described[key]
            status = muterules.status(rule, now)
            if (statuses and status not in statuses) or (alarm is not None and alarm not in rule.targets):
                continue
            summary = {
                "AlarmMuteRuleArn": described["AlarmMuteRuleArn"],
                "Status": status,
                "MuteType": described["MuteType"],
                "LastUpdatedTimestamp": described["LastUpdatedTimestamp"],
            }
            if "ExpireDate" in described:  # "only present if an expiration date was configured"
                summary["ExpireDate"] = described["ExpireDate"]
            summaries.append(summary)
        token = params.get("NextToken")
        if token is not None and not (token.isdigit() and int(token) <= len(summaries)):
            raise ServiceError("InvalidNextToken", "The next token specified is invalid.")
        start, size = int(token or 0), int(params.get("MaxRecords") or DEFAULT_RECORDS)
        reply: dict[str, Any] = {"AlarmMuteRuleSummaries": summaries[start : start + size]}
        if start + size < len(summaries):
            reply["NextToken"] = str(start + size)
        return reply

    def delete(self, call: Call) -> dict[str, Any]:
        self.sync()
        key = (self._region(call), call.params["AlarmMuteRuleName"])
        self.described.pop(key, None)
        self.rules.pop(key, None)
        self.tags.pop(key, None)
        self._save(key)
        self.release(self.lab.clock.now())  # "immediately unmuted"
        return {}

    def tags_of(self, arn: str) -> dict[str, str] | None:
        """The tags of the mute rule ``arn`` names (for the tagging operations), or None for another ARN."""
        match = _ARN.match(arn)
        if not match:
            return None
        self.sync()
        return self.tags.get((match.group(1), match.group(3)))


def install(emulator: Emulator) -> AlarmMuteRules:
    """Register mute rules on ``emulator`` and hook them into the alarms' actions."""
    plugin = AlarmMuteRules(emulator)
    plugin.metric_alarms.mute_rules = plugin
    plugin.composite.tag_owners.append(plugin.tags_of)
    plugin.composite.tag_listeners.append(plugin.tags_changed)
    emulator.answers("cloudwatch", "PutAlarmMuteRule")(plugin.put)
    for operation, answer in {
        "GetAlarmMuteRule": plugin.get,
        "ListAlarmMuteRules": plugin.list,
        "DeleteAlarmMuteRule": plugin.delete,
    }.items():
        emulator.answers("cloudwatch", operation)(answer)
        emulator.answers_internal("cloudwatch", operation)(answer)  # teardown and checkers see the rules
    emulator.every_minute(plugin.release)
    return plugin
