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
sequence number, read from moto's state in this process (a moto lab, or a moto server the kernel
started). On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) that order is not
visible — ``ingestionTime`` follows the server's clock, and many events share a millisecond — so
``GetInsightRuleReport`` there raises :class:`~labkit.exceptions.UnsupportedOperation` saying so; the
rules themselves live on the server.

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
from labkit.emulator.cloudwatch_metrics import _utc
from labkit.emulator.core import Call, Emulator
from labkit.emulator.logs_filters import _MotoSource, _source
from labkit.exceptions import ServiceError, UnsupportedOperation

_PUT_PARAMETERS = {"RuleName", "RuleState", "RuleDefinition", "Tags", "ApplyOnTransformedLogs"}
_REPORT_PARAMETERS = {"RuleName", "StartTime", "EndTime", "Period", "MaxContributorCount", "Metrics", "OrderBy"}


def _next_event() -> int:
    """moto's sequence number for the next log event it stores (every moto backend of this process)."""
    from moto.logs.models import LogEvent

    return int(LogEvent._event_id)


class ContributorInsights:
    """Per lab: each rule's spans of enabled time, with the definition it had during each."""

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        #: (region, rule name) -> {"apply_on_transformed": bool, "spans": [{"definition", "start", "end"}]},
        #: ``start``/``end``: moto's event sequence numbers when the span opened and closed.
        self.rules: dict[tuple[str, str], dict[str, Any]] = {}

    # -- bookkeeping ---------------------------------------------------------------------------
    def _record(self, region: str, name: str) -> dict[str, Any]:
        return self.rules.setdefault(
            (region, name), {"region": region, "name": name, "apply_on_transformed": False, "spans": []}
        )

    def _close(self, record: dict[str, Any]) -> None:
        spans = record["spans"]
        if spans and spans[-1]["end"] is None:
            spans[-1]["end"] = _next_event() if self.lab.backend.in_process else None

    def _open(self, record: dict[str, Any], definition: str) -> None:
        start = _next_event() if self.lab.backend.in_process else None
        record["spans"].append({"definition": definition, "start": start, "end": None})

    def _stored(self, call: Call) -> dict[str, dict[str, Any]]:
        """moto's rules of the call's region by name; history of rules moto no longer has is dropped."""
        cloudwatch = call.internal("cloudwatch")
        found = {rule["Name"]: rule for rule in cloudwatch.describe_insight_rules().get("InsightRules", [])}
        for region, name in [key for key in self.rules if key[0] == call.region and key[1] not in found]:
            del self.rules[(region, name)]
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
        self._close(record)
        if state == "ENABLED":
            self._open(record, params["RuleDefinition"])
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
            self._close(record)
            if call.operation == "EnableInsightRules":
                self._open(record, stored[name]["Definition"])

    def get_report(self, call: Call) -> dict[str, Any]:
        params = call.params
        _only(call, _REPORT_PARAMETERS)
        name = params["RuleName"]
        stored = self._stored(call)
        if name not in stored:
            raise ServiceError("ResourceNotFoundException", f"Rule {name} does not exist", status=404)
        if not self.lab.backend.in_process:
            raise UnsupportedOperation(
                "cloudwatch",
                "GetInsightRuleReport",
                self.lab.backend.name,
                "on a moto server in another process the order in which log events arrived is not visible, "
                "so which of them the rule analysed cannot be told",
            )
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
        logs = call.internal("logs")
        groups = [
            g["logGroupName"]
            for page in logs.get_paginator("describe_log_groups").paginate()
            for g in page.get("logGroups", [])
        ]
        for span in spans:
            rule = parse_rule(span["definition"])
            for group in groups:
                if not rule.reads(group, call.region, self.lab.account_id):
                    continue
                for timestamp, message in _received(call, group, span["start"], span["end"]):
                    found = rule.observe(message)
                    if found is not None:
                        yield timestamp, found[0], found[1]


def _received(call: Call, group: str, start: int, end: int | None) -> Iterator[tuple[int, str]]:
    """(timestamp, message) of the events ``group`` received between two of moto's event sequence numbers."""
    source = _source(call, group)
    assert isinstance(source, _MotoSource)  # get_report runs only where moto's state is in this process
    for stream in source.group.streams.values():
        for event in stream.events:
            if event.event_id >= start and (end is None or event.event_id < end):
                yield event.timestamp, event.message


def _only(call: Call, handled: set[str]) -> None:
    for name in call.params:
        if name not in handled:
            raise UnsupportedOperation(
                "cloudwatch", call.operation, call.lab.backend.name, f"parameter {name} is not emulated"
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
