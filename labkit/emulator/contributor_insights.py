"""Emulator plugin: Contributor Insights rules on the lab's log groups, evaluated by :mod:`labkit.aws.contributorinsights`.

moto stores a rule (``PutInsightRule``) without checking its body and has no ``GetInsightRuleReport``.
This plugin answers:

* ``PutInsightRule`` — the body is checked as "Contributor Insights rule syntax in CloudWatch"
  states (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html);
  a bad one is ``InvalidParameterValue``. ``RuleState`` defaults to ``ENABLED`` and is ``ENABLED`` or
  ``DISABLED`` (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutInsightRule.html).
  The rule is stored in moto (so teardown and other processes see it). ``ApplyOnTransformedLogs`` is
  kept and reported: the lab's log groups have no transformers, and "Log groups that don't have
  transformers will still have their original log events evaluated" (same page).
* ``DescribeInsightRules`` — ``Name``, ``State``, ``Schema`` (the JSON string
  ``{"Name": "CloudWatchLogRule", "Version": 1}``), ``Definition``, ``ManagedRule`` (false),
  ``ApplyOnTransformedLogs``; ``MaxResults`` (default 500) and ``NextToken`` page the rules.
* ``EnableInsightRules`` / ``DisableInsightRules`` / ``DeleteInsightRules`` — moto changes the rule; the
  plugin records when, in lab order. "When rules are enabled, they immediately begin analyzing log data";
  disabled, "they do not analyze log groups" (API_EnableInsightRules, API_DisableInsightRules).
* ``GetInsightRuleReport`` — over the events the rule's log groups received *while it was enabled*, each
  judged by the definition the rule had then (an update applies from then on, as AWS analyses events as
  they arrive). An event counts once, in the period of its own timestamp. A log group deleted since is
  no longer read (AWS would keep the data it already analysed). Unknown rule: ``ResourceNotFoundException``.

Which events arrived while enabled is decided in the order moto received them: by moto's event
sequence number (moto numbers every log event it stores, in one counter of its process, and returns the
number as the event's ``eventId``). In a moto lab (or a moto server the kernel started) it is read from
moto's state in this process. On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``)
it is read through ``FilterLogEvents``: when a span opens or closes, its mark is one past the largest
``eventId`` the rule's log groups hold, so every event stored before has a smaller number and every event
stored after a larger one (``ingestionTime``, the server's clock, cannot tell: many events share a
millisecond). An ``eventId`` that is not moto's number is refused with
:class:`~labkit.exceptions.UnsupportedOperation` rather than guessed. There the spans also live on the
server (:class:`labkit.emulator.server_state.ServerState`, kind ``insight-rules``), read again at each
Contributor Insights call, so the kernel reports on a rule ``labkit catchup`` or another kernel put, and
the rules themselves are moto's (teardown in any process deletes them).

Still refused by name (:mod:`labkit.emulator.cloudwatch_refused`): managed rules
(``PutManagedInsightRules``, ``ListManagedInsightRules``: they analyse AWS services' own data) and
``INSIGHT_RULE_METRIC`` in metric math. Notebook 08-investigate introduces Contributor Insights.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from labkit.aws.contributorinsights import METRICS, InvalidInsightRule, Rule, parse_rule, report
from labkit.aws.contributorinsights.engine import SCHEMA
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics, _utc
from labkit.emulator.core import Call, Emulator
from labkit.emulator.logs_filters import _MotoSource, _source
from labkit.emulator.server_state import ServerState, item_key
from labkit.exceptions import ServiceError, UnsupportedOperation
from labkit.i18n import _

_PUT_PARAMETERS = {"RuleName", "RuleState", "RuleDefinition", "Tags", "ApplyOnTransformedLogs"}
_REPORT_PARAMETERS = {"RuleName", "StartTime", "EndTime", "Period", "MaxContributorCount", "Metrics", "OrderBy"}


def _next_event() -> int:
    """moto's sequence number for the next log event it stores (every moto backend of this process)."""
    from moto.logs.models import LogEvent

    return int(LogEvent._event_id)


class ContributorInsights:
    """Per lab: each rule's spans of enabled time, with the definition it had during each."""

    #: The constructor reads moto's rules through an internal CloudWatch client, which that plugin serves.
    requires = (CloudWatchMetrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        #: (region, rule name) -> {"apply_on_transformed": bool, "spans": [{"definition", "start", "end"}]},
        #: ``start``/``end``: moto's event sequence numbers when the span opened and closed.
        self.rules: dict[tuple[str, str], dict[str, Any]] = {}
        #: On a moto server in another process: the records, kept on the server (see the module docstring).
        self.state: ServerState | None = (
            ServerState(self.lab, "insight-rules") if ServerState.available(self.lab) else None
        )
        self._sync()
        self._forget_deleted()

    # -- bookkeeping ---------------------------------------------------------------------------
    def _sync(self) -> None:
        """Read the records every process of the account left on the server (nothing otherwise)."""
        if self.state is not None:
            self.rules = {(value["region"], value["name"]): value for value in self.state.load().values()}

    def _forget_deleted(self) -> None:
        """Drop from the server the records of rules moto no longer has (``labkit teardown`` deletes them
        without the emulator)."""
        if self.state is None:
            return
        for region in sorted({region for region, _name in self.rules}):
            cloudwatch = self.lab.internal_client("cloudwatch", region)
            names = {rule["Name"] for rule in cloudwatch.describe_insight_rules().get("InsightRules", [])}
            for key in [key for key in self.rules if key[0] == region and key[1] not in names]:
                del self.rules[key]
                self.state.drop(item_key(f"{key[0]}/{key[1]}"))

    def _save(self, record: dict[str, Any]) -> None:
        if self.state is not None:
            self.state.save(item_key(f"{record['region']}/{record['name']}"), record)

    def _record(self, region: str, name: str) -> dict[str, Any]:
        return self.rules.setdefault(
            (region, name), {"region": region, "name": name, "apply_on_transformed": False, "spans": []}
        )

    def _mark(self, call: Call, definition: str) -> int:
        """moto's sequence number from which log events arrive after now, for the log groups ``definition``
        reads: the next one moto will give (in this process), or one past the largest ``eventId`` those
        groups hold (a server in another process; see the module docstring)."""
        if self.lab.backend.in_process:
            return _next_event()
        rule = parse_rule(definition)
        largest = -1
        for group in _groups(call):
            if rule.reads(group, call.region, self.lab.account_id):
                for event_id, _timestamp, _message in _remote_events(call, group):
                    largest = max(largest, event_id)
        return largest + 1

    def _close(self, call: Call, record: dict[str, Any]) -> None:
        spans = record["spans"]
        if spans and spans[-1]["end"] is None:
            spans[-1]["end"] = self._mark(call, spans[-1]["definition"])

    def _open(self, call: Call, record: dict[str, Any], definition: str) -> None:
        record["spans"].append({"definition": definition, "start": self._mark(call, definition), "end": None})

    def _stored(self, call: Call) -> dict[str, dict[str, Any]]:
        """moto's rules of the call's region by name; history of rules moto no longer has is dropped."""
        self._sync()
        cloudwatch = call.internal("cloudwatch")
        found = {rule["Name"]: rule for rule in cloudwatch.describe_insight_rules().get("InsightRules", [])}
        for region, name in [key for key in self.rules if key[0] == call.region and key[1] not in found]:
            del self.rules[(region, name)]
            if self.state is not None:  # deleted by another process (teardown without the emulator)
                self.state.drop(item_key(f"{region}/{name}"))
        return found

    # -- operations ----------------------------------------------------------------------------
    def put(self, call: Call) -> dict[str, Any]:
        params = call.params
        _only(call, _PUT_PARAMETERS)
        state = params.get("RuleState", "ENABLED")
        if state not in ("ENABLED", "DISABLED"):
            raise ServiceError("InvalidParameterValue", f"RuleState must be ENABLED or DISABLED, not {state}")
        try:
            parse_rule(params["RuleDefinition"])
        except InvalidInsightRule as error:
            raise ServiceError("InvalidParameterValue", str(error)) from None
        name = params["RuleName"]
        stored = self._stored(call)
        kwargs = {"RuleName": name, "RuleState": state, "RuleDefinition": params["RuleDefinition"]}
        if params.get("Tags"):
            kwargs["Tags"] = params["Tags"]
        call.internal("cloudwatch").put_insight_rule(**kwargs)
        record = self._record(call.region, name)
        if name not in stored:
            record["spans"] = []
        record["apply_on_transformed"] = bool(params.get("ApplyOnTransformedLogs", False))
        self._close(call, record)
        if state == "ENABLED":
            self._open(call, record, params["RuleDefinition"])
        self._save(record)
        return {}

    def describe(self, call: Call) -> dict[str, Any]:
        _only(call, {"MaxResults", "NextToken"})
        stored = self._stored(call)
        names = sorted(stored)
        start = 0
        if "NextToken" in call.params:
            token = call.params["NextToken"]
            if not token.isdigit() or int(token) > len(names):
                raise ServiceError("InvalidNextToken", "The service returned an invalid next token.")
            start = int(token)
        size = call.params.get("MaxResults", 500)
        page = names[start : start + size]
        reply: dict[str, Any] = {
            "InsightRules": [
                {
                    "Name": name,
                    "State": stored[name]["State"],
                    "Schema": json.dumps(SCHEMA),
                    "Definition": stored[name]["Definition"],
                    "ManagedRule": False,
                    "ApplyOnTransformedLogs": self.rules.get((call.region, name), {}).get(
                        "apply_on_transformed", False
                    ),
                }
                for name in page
            ]
        }
        if start + size < len(names):
            reply["NextToken"] = str(start + size)
        return reply

    def change(self, call: Call, response: dict[str, Any]) -> None:
        """After moto enabled, disabled or deleted rules: open or close their spans of analysis."""
        failed = {failure.get("FailureResource") for failure in response.get("Failures", [])}
        stored = self._stored(call)
        for name in call.params["RuleNames"]:
            if name in failed or name not in stored:
                continue  # a deleted rule's history went with it in _stored
            record = self._record(call.region, name)
            self._close(call, record)
            if call.operation == "EnableInsightRules":
                self._open(call, record, stored[name]["Definition"])
            self._save(record)

    def get_report(self, call: Call) -> dict[str, Any]:
        params = call.params
        _only(call, _REPORT_PARAMETERS)
        name = params["RuleName"]
        stored = self._stored(call)
        if name not in stored:
            raise ServiceError("ResourceNotFoundException", f"Rule {name} does not exist", status=404)
        record = self.rules.get((call.region, name), {"spans": []})
        current = parse_rule(stored[name]["Definition"])
        try:
            return report(
                self._observations(call, record["spans"]),
                rule=current,
                start=_utc(params["StartTime"]),
                end=_utc(params["EndTime"]),
                period=params["Period"],
                max_contributors=params.get("MaxContributorCount", 10),
                metrics=params.get("Metrics", ()),
                order_by=params.get("OrderBy", "Sum"),
            )
        except InvalidInsightRule as error:
            raise ServiceError("InvalidParameterValue", str(error)) from None

    def _observations(self, call: Call, spans: list[dict[str, Any]]) -> Iterator[tuple[int, tuple[str, ...], float]]:
        groups = _groups(call)
        for span in spans:
            rule = parse_rule(span["definition"])
            for group in groups:
                if not rule.reads(group, call.region, self.lab.account_id):
                    continue
                for timestamp, message in _received(call, group, span["start"], span["end"]):
                    found = rule.observe(message)
                    if found is not None:
                        yield timestamp, found[0], found[1]


def _groups(call: Call) -> list[str]:
    logs = call.internal("logs")
    return [
        g["logGroupName"]
        for page in logs.get_paginator("describe_log_groups").paginate()
        for g in page.get("logGroups", [])
    ]


def _remote_events(call: Call, group: str) -> Iterator[tuple[int, int, str]]:
    """(moto's sequence number, timestamp, message) of every event of ``group``, read through FilterLogEvents
    (moto returns its sequence number as ``eventId``; anything else is refused by name)."""
    pages = call.internal("logs").get_paginator("filter_log_events").paginate(logGroupName=group)
    for page in pages:
        for event in page.get("events", []):
            if not str(event.get("eventId", "")).isdigit():
                raise UnsupportedOperation(
                    "cloudwatch",
                    call.operation,
                    call.lab.backend.name,
                    _(
                        "the server's log events carry no moto sequence number (eventId {event_id!r}), so which of "
                        "them arrived while the rule was enabled cannot be told"
                    ).format(event_id=event.get("eventId")),
                )
            yield int(event["eventId"]), int(event["timestamp"]), str(event["message"])


def _received(call: Call, group: str, start: int, end: int | None) -> Iterator[tuple[int, str]]:
    """(timestamp, message) of the events ``group`` received between two of moto's event sequence numbers."""
    source = _source(call, group)
    if not isinstance(source, _MotoSource):  # a moto server in another process
        for event_id, timestamp, message in _remote_events(call, group):
            if event_id >= start and (end is None or event_id < end):
                yield timestamp, message
        return
    for stream in source.group.streams.values():
        for event in stream.events:
            if event.event_id >= start and (end is None or event.event_id < end):
                yield event.timestamp, event.message


def _only(call: Call, handled: set[str]) -> None:
    for name in call.params:
        if name not in handled:
            raise UnsupportedOperation(
                "cloudwatch",
                call.operation,
                call.lab.backend.name,
                _("the parameter {name} is not emulated").format(name=name),
            )


def install(emulator: Emulator) -> ContributorInsights:
    """Answer the Contributor Insights operations on log groups (see the module docstring)."""
    plugin = ContributorInsights(emulator)
    emulator.answers("cloudwatch", "PutInsightRule")(plugin.put)
    emulator.answers("cloudwatch", "DescribeInsightRules")(plugin.describe)
    emulator.answers("cloudwatch", "GetInsightRuleReport")(plugin.get_report)
    for operation in ("EnableInsightRules", "DisableInsightRules", "DeleteInsightRules"):
        emulator.observes("cloudwatch", operation)(plugin.change)
    return plugin


__all__ = ["METRICS", "ContributorInsights", "Rule", "install"]
