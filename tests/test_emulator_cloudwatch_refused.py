"""CloudWatch operations labkit does not emulate are refused by name, never answered emptily.

Managed Contributor Insights rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html;
log alarms: https://docs.aws.amazon.com/cli/v1/reference/cloudwatch/put-log-alarm.html
(alarm mute rules are emulated: tests/test_emulator_mute_rules.py)
"""

from __future__ import annotations

import pytest

from labkit.emulator.cloudwatch_refused import REFUSED
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

LOG_ALARM_QUERY = {
    "QueryString": "filter @message like /Failed password/ | stats count(*) as failures",
    "LogGroupIdentifiers": ["ssh_logs"],
    "AggregationExpression": "failures",
    "ScheduledQueryRoleARN": "arn:aws:iam::123456789012:role/scheduled-query",
    "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 300},
}


def test_managed_insight_rules_are_refused_not_stored(lab: Lab) -> None:
    """Managed rules analyse AWS services' own data; rules on log groups are emulated (test_emulator_contributor_insights)."""
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(UnsupportedOperation, match=r"PutManagedInsightRules.*managed Contributor Insights"):
        cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": "t", "ResourceARN": "arn:aws:dynamodb:x"}])
    with pytest.raises(UnsupportedOperation, match="ListManagedInsightRules"):
        cloudwatch.list_managed_insight_rules(ResourceARN="arn:aws:dynamodb:x")
    assert lab.internal_client("cloudwatch").describe_insight_rules()["InsightRules"] == []


def test_log_alarm_is_refused(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(UnsupportedOperation, match=r"PutLogAlarm.*metric filter"):
        cloudwatch.put_log_alarm(
            AlarmName="ssh",
            ScheduledQueryConfiguration=LOG_ALARM_QUERY,
            QueryResultsToEvaluate=1,
            QueryResultsToAlarm=1,
            Threshold=10,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )


def test_every_refused_operation_is_in_botocore() -> None:
    import botocore.session

    operations = set(botocore.session.get_session().get_service_model("cloudwatch").operation_names)
    assert set(REFUSED) <= operations


def test_saved_queries_are_recorded_and_torn_down(lab: Lab) -> None:
    """A query definition outlives the lab on AWS unless deleted: teardown deletes it (API_DeleteQueryDefinition)."""
    logs = lab.client("logs")
    first = logs.put_query_definition(name="top-ips", queryString="stats count(*) by @logStream")["queryDefinitionId"]
    again = logs.put_query_definition(name="top-ips", queryDefinitionId=first, queryString="stats count(*)")
    assert again["queryDefinitionId"] == first
    assert any(label.startswith("logs:query-definition") for label in lab.inventory()), lab.inventory()
    lab.teardown()
    assert lab.internal_client("logs").describe_query_definitions()["queryDefinitions"] == []
    assert lab.inventory() == []


def test_describe_alarms_of_type_log_alarm_lists_none(lab: Lab) -> None:
    """AlarmTypes=["LogAlarm"] returns "only a list of log alarms" (API_DescribeAlarms): none exist offline."""
    cloudwatch = lab.client("cloudwatch")
    assert cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []
    assert "LogAlarms" not in cloudwatch.describe_alarms()
