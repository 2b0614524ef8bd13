"""Contributor Insights rule bodies (``CloudWatchLogRule``) and the report over what a rule observed.

Rules implemented, from "Contributor Insights rule syntax in CloudWatch"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html):

* ``Schema`` "must always be ``{"Name": "CloudWatchLogRule", "Version": 1}``".
* ``LogGroupNames`` — strings, each optionally ending in ``*`` ("all log groups with names that start
  with that prefix"); ``LogGroupARNs`` likewise (``*`` as the account, or at the end of the name);
  "You must specify either LogGroupNames or LogGroupARNs in your rule, but not both."
* ``LogFormat`` — ``JSON`` or ``CLF``. ``Fields`` names CLF positions ("a CLF log event can be treated as
  array with an index starting from 1"), so it belongs to CLF rules only.
* ``Contribution`` — ``Keys`` (one to four), optionally one ``ValueOf``, optionally up to four ``Filters``
  ANDed together. A filter has a ``Match`` field and one operator: ``In``/``NotIn``/``StartsWith`` take an
  array of up to 10 strings (ORed), ``GreaterThan``/``LessThan``/``EqualTo``/``NotEqualTo`` a single
  number, ``IsPresent`` ``true``/``false`` (leaf values only).
* ``AggregateOn`` — ``Count`` or ``Sum``; ``ValueOf`` is specified "only when you are specifying Sum".
* Fields are named in JSON property format (``$.a.b``, ``$.a[0]``, ``$.users[1].name``); "All matching of
  rules to log event field names and values is case sensitive."

Where the page is silent labkit chooses, and says so here:

* A CLF event is split as the Common Log Format delimits it: fields separated by spaces, a ``[...]`` or a
  ``"..."`` is one field (the same split as space-delimited filter patterns, :mod:`labkit.aws.filterpattern`).
  A syslog line (``/var/log/secure``) is neither JSON nor CLF; read as CLF its words are numbered fields,
  so a rule can rank the address of *one* message shape (``Failed password for invalid user X from IP``
  puts the address at field 13, ``Failed password for root from IP`` at 11), selected with ``Filters``.
* An event that is not a JSON object (JSON rules), or lacks a key (or, for ``Sum``, a numeric ``ValueOf``),
  is not counted; a filter on a missing field does not match, except ``IsPresent: false``.
* The rule's error messages are labkit's words: AWS returns ``InvalidParameterValue`` but documents no text.

The report follows the API reference of ``GetInsightRuleReport`` and its types
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetInsightRuleReport.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_InsightRuleContributor.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_InsightRuleMetricDatapoint.html):
each matched event is one observation (value 1 for ``Count``, the ``ValueOf`` for ``Sum``); per period,
``UniqueContributors``, ``MaxContributorValue`` (the top contributor's value in that period),
``SampleCount`` (observations), ``Sum``, ``Minimum``/``Maximum`` (of a single observation) and ``Average``
(read as Sum / SampleCount: the reference says "the average value from all contributors"). Contributors
are ranked by their total (``OrderBy`` ``Sum``, the default) or their largest period value (``Maximum``);
each lists only "the data points when this contributor appeared". Periods start at ``StartTime``; the
reference does not say how they are aligned, nor whether periods without events are listed (labkit lists
only periods with observations, as GetMetricStatistics does). ``Approximate…`` values are exact here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from labkit.aws import jsontext
from labkit.aws.filterpattern.delimited import split_fields
from labkit.aws.filterpattern.jsonpattern import load_event, node_number, parse_selector, scalar_text
from labkit.exceptions import InvalidFilterPattern, InvalidInsightRule

SCHEMA = {"Name": "CloudWatchLogRule", "Version": 1}
#: ``Metrics`` a report may ask for (API_GetInsightRuleReport).
METRICS = ("UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average")
_TOP_LEVEL = {"Schema", "LogGroupNames", "LogGroupARNs", "LogFormat", "Fields", "Contribution", "AggregateOn"}
_LIST_OPERATORS = ("In", "NotIn", "StartsWith")
_NUMBER_OPERATORS = ("GreaterThan", "LessThan", "EqualTo", "NotEqualTo")
_OPERATORS = (*_LIST_OPERATORS, *_NUMBER_OPERATORS, "IsPresent")
_ARN = re.compile(r"arn:[^:]+:logs:([^:]*):([^:]*):log-group:(.+?)(?::\*)?\Z")

Extract = Callable[[Any], Any]  # parsed event -> leaf value, or None when absent


def _invalid(detail: str) -> InvalidInsightRule:
    return InvalidInsightRule(f"The rule definition is not valid: {detail}")


@dataclass(frozen=True)
class _Filter:
    field: Extract
    operator: str
    operand: Any

    def matches(self, event: Any) -> bool:
        value = self.field(event)
        if self.operator == "IsPresent":
            return (value is not None) is self.operand
        if value is None:
            return False
        if self.operator in _LIST_OPERATORS:
            text = str(value)
            if self.operator == "In":
                return text in self.operand
            if self.operator == "NotIn":
                return text not in self.operand
            return any(text.startswith(prefix) for prefix in self.operand)
        number = _number(value)
        if number is None:
            return False
        operand = float(self.operand)
        return {
            "GreaterThan": number > operand,
            "LessThan": number < operand,
            "EqualTo": number == operand,
            "NotEqualTo": number != operand,
        }[self.operator]


@dataclass(frozen=True)
class Rule:
    """A validated ``CloudWatchLogRule``: which log groups it reads and what one event contributes."""

    log_group_names: tuple[str, ...]
    log_group_arns: tuple[str, ...]
    log_format: str
    keys: tuple[str, ...]
    aggregate_on: str
    _key_fields: tuple[Extract, ...]
    _value_field: Extract | None
    _filters: tuple[_Filter, ...]

    def reads(self, group: str, region: str, account: str) -> bool:
        """Whether the rule analyses log group ``group`` (names, or ARNs, with a trailing ``*`` prefix)."""
        for pattern in self.log_group_names:
            if _name_matches(pattern, group):
                return True
        for arn in self.log_group_arns:
            found = _ARN.match(arn)
            if found and found[1] == region and found[2] in ("*", account) and _name_matches(found[3], group):
                return True
        return False

    def observe(self, message: str) -> tuple[tuple[str, ...], float] | None:
        """The contributor (its key values) and the value one log event adds, or None if it adds nothing."""
        event: Any = load_event(message) if self.log_format == "JSON" else split_fields(message)
        if event is None or not all(f.matches(event) for f in self._filters):
            return None
        keys = []
        for field in self._key_fields:
            value = field(event)
            if value is None:
                return None
            keys.append(str(value))
        if self._value_field is None:
            return tuple(keys), 1.0
        number = _number(self._value_field(event))
        return None if number is None else (tuple(keys), number)


def _name_matches(pattern: str, group: str) -> bool:
    return group.startswith(pattern[:-1]) if pattern.endswith("*") else group == pattern


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = node_number(value)
    return number if number is not None and math.isfinite(number) else None


def _json_field(text: Any) -> Extract:
    if not isinstance(text, str) or not text.startswith("$."):
        raise _invalid(f"{json.dumps(text)} is not in JSON property format ($.name)")
    try:
        selector = parse_selector(text)
    except InvalidFilterPattern:
        raise _invalid(f"{json.dumps(text)} is not in JSON property format ($.name)") from None
    if selector.has_wildcard:
        raise _invalid(f"{json.dumps(text)}: wildcards are not part of the JSON property format")

    def extract(event: Any) -> Any:
        found = selector.resolve(event)
        if len(found) != 1:
            return None
        leaf = found[0]
        return None if leaf is None or isinstance(leaf, (dict, list)) else scalar_text(leaf)

    return extract


def _clf_field(text: Any, aliases: dict[str, int]) -> Extract:
    if isinstance(text, str) and text in aliases:
        position = aliases[text]
    elif isinstance(text, str) and text.isdigit() and int(text) >= 1:
        position = int(text)
    else:
        raise _invalid(f'{json.dumps(text)} is neither a CLF field position ("1", "2", ...) nor a name given in Fields')

    def extract(fields: Any) -> Any:
        return fields[position - 1] if position <= len(fields) else None

    return extract


def _strings(value: Any, name: str, *, most: int | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise _invalid(f"{name} must be a non-empty array of strings")
    if most is not None and len(value) > most:
        raise _invalid(f"{name} can have at most {most} members")
    return tuple(value)


def parse_rule(definition: str) -> Rule:
    """Validate a ``RuleDefinition`` and compile it (raises :class:`InvalidInsightRule`).

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html
    """
    try:
        body = jsontext.loads(definition)
    except ValueError:
        raise _invalid("it is not a JSON object") from None
    if not isinstance(body, dict):
        raise _invalid("it is not a JSON object")
    unknown = sorted(set(body) - _TOP_LEVEL)
    if unknown:
        raise _invalid(f"unknown field {unknown[0]}")
    if body.get("Schema") != SCHEMA:
        raise _invalid('Schema must be {"Name": "CloudWatchLogRule", "Version": 1}')
    names, arns = body.get("LogGroupNames"), body.get("LogGroupARNs")
    if (names is None) == (arns is None):
        raise _invalid("specify either LogGroupNames or LogGroupARNs, but not both")
    group_names = _strings(names, "LogGroupNames") if names is not None else ()
    group_arns = _strings(arns, "LogGroupARNs") if arns is not None else ()
    for arn in group_arns:
        if not _ARN.match(arn):
            raise _invalid(f"{arn} is not a log group ARN")
    for name in (*group_names, *(found[3] for found in map(_ARN.match, group_arns) if found)):
        if "*" in name[:-1]:
            raise _invalid(f"{name}: * is allowed only at the end of a log group name")
    log_format = body.get("LogFormat")
    if log_format not in ("JSON", "CLF"):
        raise _invalid("LogFormat must be JSON or CLF")
    aliases: dict[str, int] = {}
    if "Fields" in body:
        if log_format != "CLF":
            raise _invalid("Fields can be given only for CLF rules")
        fields = body["Fields"]
        if not isinstance(fields, dict) or not fields:
            raise _invalid("Fields must map CLF field positions to names")
        for position, alias in fields.items():
            if not position.isdigit() or int(position) < 1 or not isinstance(alias, str) or not alias:
                raise _invalid(
                    f"Fields: {json.dumps(position)}: {json.dumps(alias)} must map a position from 1 to a name"
                )
            aliases[alias] = int(position)

    def field(text: Any) -> Extract:
        return _json_field(text) if log_format == "JSON" else _clf_field(text, aliases)

    contribution = body.get("Contribution")
    if not isinstance(contribution, dict):
        raise _invalid("Contribution is required")
    unknown = sorted(set(contribution) - {"Keys", "ValueOf", "Filters"})
    if unknown:
        raise _invalid(f"unknown field Contribution.{unknown[0]}")
    keys = _strings(contribution.get("Keys"), "Keys", most=4)
    aggregate_on = body.get("AggregateOn")
    if aggregate_on not in ("Count", "Sum"):
        raise _invalid("AggregateOn must be Count or Sum")
    value_of = contribution.get("ValueOf")
    if aggregate_on == "Sum" and value_of is None:
        raise _invalid("a rule that aggregates on Sum needs ValueOf")
    if aggregate_on == "Count" and value_of is not None:
        raise _invalid("ValueOf is specified only when AggregateOn is Sum")
    filters = contribution.get("Filters", [])
    if not isinstance(filters, list) or len(filters) > 4:
        raise _invalid("Filters must be an array of at most 4 filters")
    return Rule(
        log_group_names=group_names,
        log_group_arns=group_arns,
        log_format=log_format,
        keys=keys,
        aggregate_on=aggregate_on,
        _key_fields=tuple(field(key) for key in keys),
        _value_field=field(value_of) if value_of is not None else None,
        _filters=tuple(_parse_filter(item, field) for item in filters),
    )


def _parse_filter(item: Any, field: Callable[[Any], Extract]) -> _Filter:
    if not isinstance(item, dict) or "Match" not in item:
        raise _invalid("each filter needs a Match field")
    operators = [name for name in item if name != "Match"]
    if len(operators) != 1 or operators[0] not in _OPERATORS:
        raise _invalid(f"a filter has Match and one of {', '.join(_OPERATORS)}")
    operator = operators[0]
    operand = item[operator]
    if operator in _LIST_OPERATORS:
        operand = (
            frozenset(_strings(operand, operator, most=10))
            if operator != "StartsWith"
            else _strings(operand, operator, most=10)
        )
    elif operator in _NUMBER_OPERATORS:
        if isinstance(operand, bool) or not isinstance(operand, (int, float)):
            raise _invalid(f"{operator} takes a single number")
    elif not isinstance(operand, bool):
        raise _invalid("IsPresent takes true or false")
    return _Filter(field(item["Match"]), operator, operand)


@dataclass
class _Period:
    by_contributor: dict[tuple[str, ...], float]
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf


def report(
    observations: Iterable[tuple[int, tuple[str, ...], float]],
    *,
    rule: Rule,
    start: dt.datetime,
    end: dt.datetime,
    period: int,
    max_contributors: int = 10,
    metrics: Iterable[str] = (),
    order_by: str = "Sum",
) -> dict[str, Any]:
    """``GetInsightRuleReport``'s answer over ``observations`` (epoch ms, contributor keys, value).

    Observations outside [start, end) are left out. Parameters are checked as the API reference
    states them (raises :class:`InvalidInsightRule`):
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetInsightRuleReport.html
    """
    wanted = list(metrics)
    for name in wanted:
        if name not in METRICS:
            raise InvalidInsightRule(f"Metrics: {name} is not one of {', '.join(METRICS)}")
    if not 1 <= max_contributors <= 100:
        raise InvalidInsightRule("MaxContributorCount must be from 1 to 100")
    if order_by not in ("Sum", "Maximum"):
        raise InvalidInsightRule("OrderBy must be Sum or Maximum")
    if period < 1:
        raise InvalidInsightRule("Period must be a positive number of seconds")
    if end <= start:
        raise InvalidInsightRule("EndTime must be after StartTime")
    first, last = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    periods: dict[int, _Period] = {}
    for timestamp, keys, value in observations:
        if not first <= timestamp < last:
            continue
        slot = (timestamp - first) // (period * 1000)
        bucket = periods.setdefault(slot, _Period({}))
        bucket.by_contributor[keys] = bucket.by_contributor.get(keys, 0.0) + value
        bucket.count += 1
        bucket.total += value
        bucket.low, bucket.high = min(bucket.low, value), max(bucket.high, value)

    def when(slot: int) -> dt.datetime:
        return start + dt.timedelta(seconds=slot * period)

    totals: dict[tuple[str, ...], float] = {}
    peaks: dict[tuple[str, ...], float] = {}
    for bucket in periods.values():
        for keys, value in bucket.by_contributor.items():
            totals[keys] = totals.get(keys, 0.0) + value
            peaks[keys] = max(peaks.get(keys, -math.inf), value)
    rank = totals if order_by == "Sum" else peaks
    top = sorted(totals, key=lambda keys: (-rank[keys], keys))[:max_contributors]
    contributors = [
        {
            "Keys": list(keys),
            "ApproximateAggregateValue": totals[keys],
            "Datapoints": [
                {"Timestamp": when(slot), "ApproximateValue": periods[slot].by_contributor[keys]}
                for slot in sorted(periods)
                if keys in periods[slot].by_contributor
            ],
        }
        for keys in top
    ]
    datapoints = []
    if wanted:
        for slot in sorted(periods):
            bucket = periods[slot]
            values = {
                "UniqueContributors": float(len(bucket.by_contributor)),
                "MaxContributorValue": max(bucket.by_contributor.values()),
                "SampleCount": float(bucket.count),
                "Sum": bucket.total,
                "Minimum": bucket.low,
                "Maximum": bucket.high,
                "Average": bucket.total / bucket.count,
            }
            datapoints.append({"Timestamp": when(slot), **{name: values[name] for name in METRICS if name in wanted}})
    return {
        "KeyLabels": list(rule.keys),
        "AggregationStatistic": rule.aggregate_on,
        "AggregateValue": sum(totals.values()),
        "ApproximateUniqueCount": len(totals),
        "Contributors": contributors,
        "MetricDatapoints": datapoints,
    }
