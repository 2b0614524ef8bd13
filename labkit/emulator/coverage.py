"""Emulator plugin and table: every parameter of the calls the emulator touches is honoured or refused.

The rule (issue 16): "Every parameter a lab client accepts is honoured as AWS documents it, or the call
raises UnsupportedOperation naming the parameter." :data:`COVERAGE` is the one place that says, for each
CloudWatch, CloudWatch Logs, SNS and EventBridge operation the emulator answers, validates or observes,
which request members are honoured (by the emulator, or by moto underneath where moto does what AWS
documents), which the plugin that answers the call checks value by value (some values honoured, the
others refused by that plugin, naming them), and which are refused here, with the reason. The plugin
:class:`ParameterCoverage` registers a validator for every operation with refusals, so a refused member
raises :class:`~labkit.exceptions.UnsupportedOperation` before anything is stored; operations refused as a
whole live in :mod:`labkit.emulator.cloudwatch_refused`.

A member path is ``Member`` (a request parameter), ``Member.Key`` (a key of a map or structure
parameter) or ``Member[].Key`` (in every element of a list). A refused member counts as given when its
value is not ``None``, ``False``, ``""`` or empty, unless its :class:`Refusal` says when. Adding a
parameter to the emulator: move it from ``refused`` to ``honoured`` (or ``checked``) in the same change.
``tests/test_parameter_coverage.py`` walks botocore's input shapes and fails on any member in none of the
three, and checks that README's list of refusals is :func:`readme_section`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labkit.exceptions import UnsupportedOperation
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator


@dataclass(frozen=True)
class Refusal:
    """Why a member is not emulated (English, marked with ``N_`` and shown in the lab's language); ``when`` decides
    from its value whether this call uses it."""

    reason: str
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Coverage:
    """One operation's request members: honoured, checked by the answering plugin, refused here."""

    honoured: tuple[str, ...]
    checked: dict[str, str] = field(default_factory=dict)
    refused: dict[str, Refusal] = field(default_factory=dict)


def _members(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _true(value: Any) -> bool:
    """A boolean given as a boolean or as SNS's string attribute ("true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


_CROSS_ACCOUNT = Refusal(N_("cross-account observability is not emulated"))
_CONTRIBUTORS = Refusal(N_("alarm contributors (multi time series alarms) are not emulated"))
_ACTION_CONFIGURATION = Refusal(
    N_("alarm action configuration (changed notification and event content) is not emulated")
)
_TRANSFORMED = Refusal(N_("log transformers are not emulated"))
_SYSTEM_FIELDS = Refusal(N_("system-field selection and dimensions (@aws.account, @aws.region) are not emulated"))
_QUERY_LANGUAGE_FILTER = Refusal(N_("filtering by queryLanguage is not emulated (the lab runs Logs Insights QL only)"))

#: (boto3 service name, operation) -> its members. Notebooks 01-02 (CloudWatch), 05 and 08 (Logs),
#: 02 (SNS) and 06 (EventBridge) teach the calls.
COVERAGE: dict[tuple[str, str], Coverage] = {
    # -- CloudWatch ---------------------------------------------------------------------------------
    ("cloudwatch", "DeleteAlarms"): Coverage(_members("AlarmNames")),
    ("cloudwatch", "DescribeAlarmHistory"): Coverage(
        _members("AlarmName AlarmTypes HistoryItemType StartDate EndDate MaxRecords NextToken ScanBy"),
        refused={"AlarmContributorId": _CONTRIBUTORS},
    ),
    ("cloudwatch", "DescribeAlarms"): Coverage(
        _members(
            "AlarmNames AlarmNamePrefix AlarmTypes ChildrenOfAlarmName ParentsOfAlarmName StateValue ActionPrefix NextToken"
        ),
        checked={"MaxRecords": "cloudwatch_composite: refused when the answer is longer (answers are one page)"},
    ),
    ("cloudwatch", "GetMetricData"): Coverage(
        _members("MetricDataQueries StartTime EndTime ScanBy"),
        checked={
            "MaxDatapoints": "cloudwatch_metrics: refused when the answer holds more datapoints (no paging)",
            "MetricDataQueries[].AccountId": "cloudwatch_metrics: refused for another account",
            "MetricDataQueries[].Expression": "metric math and Metrics Insights engines: refuse what they do not run",
        },
        refused={
            "NextToken": Refusal(N_("paging is not emulated (one page holds every datapoint)")),
            "LabelOptions": Refusal(N_("label options (time zone of dynamic labels) are not emulated")),
        },
    ),
    ("cloudwatch", "GetMetricStatistics"): Coverage(
        _members("Namespace MetricName Dimensions StartTime EndTime Period Statistics ExtendedStatistics Unit"),
    ),
    ("cloudwatch", "ListMetrics"): Coverage(
        _members("Namespace MetricName Dimensions NextToken RecentlyActive"),
        refused={"IncludeLinkedAccounts": _CROSS_ACCOUNT, "OwningAccount": _CROSS_ACCOUNT},
    ),
    ("cloudwatch", "ListTagsForResource"): Coverage(_members("ResourceARN")),
    ("cloudwatch", "PutCompositeAlarm"): Coverage(
        _members(
            "ActionsEnabled AlarmActions AlarmDescription AlarmName AlarmRule InsufficientDataActions OKActions Tags "
            "ActionsSuppressor ActionsSuppressorWaitPeriod ActionsSuppressorExtensionPeriod"
        ),
        refused={"ActionConfiguration": _ACTION_CONFIGURATION},
    ),
    ("cloudwatch", "PutAnomalyDetector"): Coverage(
        _members("Namespace MetricName Dimensions SingleMetricAnomalyDetector MetricMathAnomalyDetector"),
        checked={
            "Stat": "cloudwatch_anomaly: the simple statistics and pNN modelled, the rest refused",
            "Configuration": "cloudwatch_anomaly: ExcludedTimeRanges and MetricTimezone honoured; AdaptationSpeed and "
            "OutlierFilteringStrength refused but at their defaults",
            "MetricCharacteristics": "cloudwatch_anomaly: PeriodicSpikes true refused",
        },
    ),
    ("cloudwatch", "PutInsightRule"): Coverage(
        _members("RuleName RuleState RuleDefinition Tags"),
        checked={
            "ApplyOnTransformedLogs": "contributor_insights: false honoured, true refused (log transformers are not emulated)"
        },
    ),
    ("cloudwatch", "PutAlarmMuteRule"): Coverage(
        _members("Name Description Tags"),
        checked={
            "Rule": "cloudwatch_mute_rules: cron with *, - and , (names for days of the week), at, Duration, Timezone; "
            "what the pages leave open refused",
            "MuteTargets": "cloudwatch_mute_rules: alarms of the Region; a rule without targets refused",
            "StartDate": "cloudwatch_mute_rules: honoured; refused with a Timezone other than UTC",
            "ExpireDate": "cloudwatch_mute_rules: honoured; refused with a Timezone other than UTC",
        },
    ),
    ("cloudwatch", "GetAlarmMuteRule"): Coverage(_members("AlarmMuteRuleName")),
    ("cloudwatch", "ListAlarmMuteRules"): Coverage(_members("AlarmName Statuses MaxRecords NextToken")),
    ("cloudwatch", "DeleteAlarmMuteRule"): Coverage(_members("AlarmMuteRuleName")),
    ("cloudwatch", "DescribeInsightRules"): Coverage(_members("NextToken MaxResults")),
    ("cloudwatch", "DeleteInsightRules"): Coverage(_members("RuleNames")),
    ("cloudwatch", "EnableInsightRules"): Coverage(_members("RuleNames")),
    ("cloudwatch", "DisableInsightRules"): Coverage(_members("RuleNames")),
    ("cloudwatch", "GetInsightRuleReport"): Coverage(
        _members("RuleName StartTime EndTime Period MaxContributorCount Metrics OrderBy"),
    ),
    ("cloudwatch", "DescribeAnomalyDetectors"): Coverage(
        _members("AnomalyDetectorIds NextToken MaxResults Namespace MetricName Dimensions AnomalyDetectorTypes"),
    ),
    ("cloudwatch", "DeleteAnomalyDetector"): Coverage(
        _members(
            "AnomalyDetectorId Namespace MetricName Dimensions Stat SingleMetricAnomalyDetector MetricMathAnomalyDetector"
        ),
    ),
    ("cloudwatch", "PutLogAlarm"): Coverage(
        _members(
            "AlarmName AlarmDescription ActionsEnabled QueryResultsToEvaluate QueryResultsToAlarm Threshold "
            "ComparisonOperator TreatMissingData Tags ActionLogLineRoleArn"
        ),
        checked={
            "ScheduledQueryConfiguration": "cloudwatch_log_alarms: the query, this account's existing log groups, rate() "
            "schedules and single-value aggregations evaluated; by clauses (contributors), several aggregates and "
            "non-numeric values refused",
            "OKActions": "cloudwatch_log_alarms: SNS topics honoured, other actions refused",
            "AlarmActions": "cloudwatch_log_alarms: SNS topics honoured, other actions refused",
            "InsufficientDataActions": "cloudwatch_log_alarms: SNS topics honoured, other actions refused",
            "ActionLogLineCount": "cloudwatch_log_alarms: 0 honoured; log lines in notifications refused",
        },
        refused={
            "WarmUpConfiguration": Refusal(N_("alarm warm-up periods are not emulated")),
            "ActionConfiguration": _ACTION_CONFIGURATION,
            "ScheduledQueryConfiguration.QueryARN": Refusal(
                N_("the managed scheduled query is not a CloudWatch Logs resource offline (CloudWatch sets its ARN)")
            ),
            "ScheduledQueryConfiguration.Tags": Refusal(
                N_("the managed scheduled query is not a CloudWatch Logs resource offline, so it has no tags")
            ),
        },
    ),
    ("cloudwatch", "PutMetricAlarm"): Coverage(
        _members(
            "AlarmName AlarmDescription ActionsEnabled OKActions AlarmActions InsufficientDataActions MetricName "
            "Namespace Statistic Dimensions Period Unit EvaluationPeriods DatapointsToAlarm Threshold "
            "ComparisonOperator TreatMissingData EvaluateLowSampleCountPercentile Tags EvaluationWindow"
        ),
        checked={
            "ExtendedStatistic": "cloudwatch_alarms: pNN evaluated, other extended statistics refused",
            "Metrics": "cloudwatch_alarms: metric math and one-series Metrics Insights evaluated, the rest refused",
            "ThresholdMetricId": "cloudwatch_alarms: anomaly detection bands evaluated (labkit's model), other expressions refused",
        },
        refused={
            "WarmUpConfiguration": Refusal(N_("alarm warm-up periods are not emulated")),
            "EvaluationCriteria": Refusal(
                N_("alarms on EvaluationCriteria (PromQL and other criteria) are not emulated")
            ),
            "EvaluationInterval": Refusal(N_("EvaluationInterval (alarms on EvaluationCriteria) is not emulated")),
            "ActionConfiguration": _ACTION_CONFIGURATION,
        },
    ),
    ("cloudwatch", "PutMetricData"): Coverage(
        _members("Namespace MetricData"),
        refused={
            "EntityMetricData": Refusal(N_("metrics associated with entities are not emulated")),
            "StrictEntityValidation": Refusal(N_("entity validation (EntityMetricData) is not emulated")),
        },
    ),
    ("cloudwatch", "SetAlarmState"): Coverage(_members("AlarmName StateValue StateReason StateReasonData")),
    ("cloudwatch", "TagResource"): Coverage(_members("ResourceARN Tags")),
    ("cloudwatch", "UntagResource"): Coverage(_members("ResourceARN TagKeys")),
    # -- CloudWatch Logs --------------------------------------------------------------------------
    ("logs", "DeleteMetricFilter"): Coverage(_members("logGroupName filterName")),
    ("logs", "DeleteQueryDefinition"): Coverage(_members("queryDefinitionId")),
    ("logs", "DescribeQueries"): Coverage(
        _members("logGroupName status maxResults nextToken"),
        refused={"queryLanguage": _QUERY_LANGUAGE_FILTER},
    ),
    ("logs", "DescribeQueryDefinitions"): Coverage(
        _members("queryDefinitionNamePrefix maxResults nextToken"),
        refused={"queryLanguage": _QUERY_LANGUAGE_FILTER},
    ),
    ("logs", "FilterLogEvents"): Coverage(
        # interleaved: "this parameter is ignored and the value is assumed to be true" (AWS); unmask: the
        # lab has no data protection policies, so nothing is ever masked.
        _members(
            "logGroupName logGroupIdentifier logStreamNames logStreamNamePrefix startTime endTime "
            "filterPattern nextToken limit startFromHead interleaved unmask"
        ),
    ),
    ("logs", "GetLogRecord"): Coverage(
        _members("logRecordPointer"),
        checked={"unmask": "logs_insights: refused (data protection)"},
    ),
    ("logs", "GetQueryResults"): Coverage(
        _members("queryId"),
        refused={
            "nextToken": Refusal(N_("paging query results is not emulated (one answer holds every row)")),
            "maxItems": Refusal(N_("maxItems is not emulated (one answer holds every row)")),
        },
    ),
    ("logs", "PutLogEvents"): Coverage(
        # sequenceToken: "The sequenceToken parameter is now ignored in PutLogEvents actions" (AWS).
        _members("logGroupName logStreamName logEvents sequenceToken"),
        refused={"entity": Refusal(N_("log events associated with an entity are not emulated"))},
    ),
    ("logs", "PutMetricFilter"): Coverage(
        _members("logGroupName filterName filterPattern metricTransformations"),
        refused={
            "applyOnTransformedLogs": _TRANSFORMED,
            "fieldSelectionCriteria": _SYSTEM_FIELDS,
            "emitSystemFieldDimensions": _SYSTEM_FIELDS,
        },
    ),
    ("logs", "PutQueryDefinition"): Coverage(
        _members("name queryDefinitionId logGroupNames queryString"),
        checked={"queryLanguage": "logs_insights: CWLI honoured, SQL and PPL refused"},
        refused={
            "clientToken": Refusal(N_("idempotency tokens of query definitions are not emulated")),
            "parameters": Refusal(N_("query definition parameters ({{name}} placeholders) are not emulated")),
        },
    ),
    ("logs", "PutSubscriptionFilter"): Coverage(
        _members("logGroupName filterName destinationArn roleArn distribution"),
        checked={"filterPattern": "logs_filters: validated as AWS does, then refused unless empty"},
        refused={
            "applyOnTransformedLogs": _TRANSFORMED,
            "fieldSelectionCriteria": _SYSTEM_FIELDS,
            "emitSystemFields": _SYSTEM_FIELDS,
        },
    ),
    ("logs", "StartQuery"): Coverage(
        _members("logGroupName logGroupNames logGroupIdentifiers startTime endTime queryString limit"),
        checked={"queryLanguage": "logs_insights: CWLI honoured, SQL and PPL refused"},
    ),
    ("logs", "StopQuery"): Coverage(_members("queryId")),
    ("logs", "TestMetricFilter"): Coverage(_members("filterPattern logEventMessages")),
    # -- SNS --------------------------------------------------------------------------------------
    ("sns", "ConfirmSubscription"): Coverage(
        _members("TopicArn Token"),
        refused={"AuthenticateOnUnsubscribe": Refusal(N_("authenticated unsubscription is not emulated"), _true)},
    ),
    ("sns", "CreateTopic"): Coverage(
        _members("Name Attributes Tags"),
        refused={"DataProtectionPolicy": Refusal(N_("message data protection (masking) is not emulated"))},
    ),
    ("sns", "DeleteTopic"): Coverage(_members("TopicArn")),
    ("sns", "GetSubscriptionAttributes"): Coverage(_members("SubscriptionArn")),
    ("sns", "GetTopicAttributes"): Coverage(_members("TopicArn")),
    ("sns", "ListSubscriptions"): Coverage(_members("NextToken")),
    ("sns", "ListSubscriptionsByTopic"): Coverage(_members("TopicArn NextToken")),
    ("sns", "Publish"): Coverage(
        _members("TopicArn TargetArn Message Subject MessageDeduplicationId MessageGroupId"),
        refused={
            "PhoneNumber": Refusal(N_("SMS delivery is not emulated")),
            "MessageStructure": Refusal(N_("per-protocol messages (MessageStructure json) are not emulated")),
            "MessageAttributes": Refusal(N_("message attributes (and subscription filter policies) are not emulated")),
        },
    ),
    ("sns", "Subscribe"): Coverage(
        _members("TopicArn Protocol Endpoint Attributes ReturnSubscriptionArn"),
        refused={
            "Attributes.FilterPolicy": Refusal(N_("subscription filter policies are not emulated")),
            "Attributes.FilterPolicyScope": Refusal(N_("subscription filter policies are not emulated")),
            "Attributes.RawMessageDelivery": Refusal(N_("raw message delivery is not emulated"), _true),
            "Attributes.RedrivePolicy": Refusal(N_("dead-letter queues of subscriptions are not emulated")),
            "Attributes.DeliveryPolicy": Refusal(N_("delivery retry policies are not emulated")),
        },
    ),
    ("sns", "Unsubscribe"): Coverage(_members("SubscriptionArn")),
    # -- EventBridge ------------------------------------------------------------------------------
    ("events", "PutEvents"): Coverage(
        _members("Entries"),
        refused={"EndpointId": Refusal(N_("global endpoints are not emulated"))},
    ),
    ("events", "PutRule"): Coverage(
        _members("Name EventPattern State Description RoleArn Tags EventBusName"),
        refused={
            "ScheduleExpression": Refusal(N_("scheduled rules are not run offline (only event patterns are matched)"))
        },
    ),
    ("events", "TestEventPattern"): Coverage(_members("EventPattern Event")),
}


def _given(value: Any) -> bool:
    return value is not None and value is not False and value != "" and value != [] and value != {}


def _values(params: Any, path: str) -> Iterator[Any]:
    """The values at ``path`` (``A``, ``A.B``, ``A[].B``) in a request's parameters."""
    head, _dot, rest = path.partition(".")
    many = head.endswith("[]")
    name = head[:-2] if many else head
    if not isinstance(params, dict) or name not in params:
        return
    found = params[name]
    items = found if many and isinstance(found, list) else [found]
    for item in items:
        if rest:
            yield from _values(item, rest)
        else:
            yield item


def refused_in(service: str, operation: str, params: dict[str, Any]) -> tuple[str, Refusal] | None:
    """The first refused member ``params`` uses, with its refusal, or None."""
    coverage = COVERAGE.get((service, operation))
    for path, refusal in coverage.refused.items() if coverage else ():
        test = refusal.when or _given
        if any(test(value) for value in _values(params, path)):
            return path, refusal
    return None


class ParameterCoverage:
    """The plugin: refuses, before anything is stored, any call that uses a member :data:`COVERAGE` refuses."""

    def __init__(self, emulator: Emulator) -> None:
        self.backend = emulator.lab.backend.name

    def check(self, call: Call) -> None:
        found = refused_in(call.service, call.operation, call.params)
        if found is not None:
            path, refusal = found
            detail = _("the parameter {path}: {reason}").format(path=path, reason=_(refusal.reason))
            raise UnsupportedOperation(call.service, call.operation, self.backend, detail)


def install(emulator: Emulator) -> ParameterCoverage:
    """Register :meth:`ParameterCoverage.check` for every operation with refused members."""
    plugin = ParameterCoverage(emulator)
    for (service, operation), coverage in COVERAGE.items():
        if coverage.refused:
            emulator.validates(service, operation)(plugin.check)
    return plugin


def readme_section() -> str:
    """The README's list of refused parameters (between its ``coverage`` markers), from :data:`COVERAGE`."""
    lines = []
    for (service, operation), coverage in sorted(COVERAGE.items()):
        if coverage.refused:
            parts = "; ".join(f"`{path}`: {refusal.reason}" for path, refusal in coverage.refused.items())
            lines.append(f"- `{service}.{operation}` — {parts}")
    return "\n".join(lines) + "\n"
