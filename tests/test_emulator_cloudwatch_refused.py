"""CloudWatch operations labkit does not emulate are refused by name, never answered emptily.

Managed Contributor Insights rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html;
CloudWatch Logs scheduled queries: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateScheduledQuery.html
(alarm mute rules are emulated: tests/test_emulator_mute_rules.py; log alarms: tests/test_emulator_log_alarms.py)
"""

from __future__ import annotations

import pytest

from labkit.emulator.cloudwatch_refused import LOGS_REFUSED, REFUSED
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab


def test_managed_insight_rules_are_refused_not_stored(lab: Lab) -> None:
    """Managed rules analyse AWS services' own data; rules on log groups are emulated (test_emulator_contributor_insights)."""
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(UnsupportedOperation, match=r"PutManagedInsightRules.*managed Contributor Insights"):
        cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": "t", "ResourceARN": "arn:aws:dynamodb:x"}])
    with pytest.raises(UnsupportedOperation, match="ListManagedInsightRules"):
        cloudwatch.list_managed_insight_rules(ResourceARN="arn:aws:dynamodb:x")
    assert lab.internal_client("cloudwatch").describe_insight_rules()["InsightRules"] == []


def test_scheduled_queries_are_refused_by_name(lab: Lab) -> None:
    """moto has no scheduled queries; a log alarm's managed one runs inside the emulated alarm (alarm-log.html)."""
    logs = lab.client("logs")
    with pytest.raises(UnsupportedOperation, match=r"logs\.ListScheduledQueries.*scheduled queries"):
        logs.list_scheduled_queries()
    with pytest.raises(UnsupportedOperation, match=r"logs\.CreateScheduledQuery"):
        logs.create_scheduled_query(
            name="q",
            queryLanguage="CWLI",
            queryString="stats count(*)",
            scheduleExpression="cron(0 * * * ? *)",
            executionRoleArn=f"arn:aws:iam::{lab.account_id}:role/r",
        )


def test_every_refused_operation_is_in_botocore() -> None:
    import botocore.session

    session = botocore.session.get_session()
    assert set(REFUSED) <= set(session.get_service_model("cloudwatch").operation_names)
    assert set(LOGS_REFUSED) <= set(session.get_service_model("logs").operation_names)


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
