"""AWS Health offline (labkit.aws.health, labkit.emulator.health).

Schema https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html;
API and support plans https://docs.aws.amazon.com/health/latest/APIReference/Welcome.html.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from labkit.aws import health
from labkit.lesson import simulate
from labkit.runtime.lab import Lab

DETAIL_KEYS = {
    "eventArn",
    "service",
    "eventTypeCode",
    "eventTypeCategory",
    "eventScopeCode",
    "communicationId",
    "startTime",
    "lastUpdatedTime",
    "statusCode",
    "eventRegion",
    "eventDescription",
    "affectedEntities",
    "affectedAccount",
}


def test_simulated_issue_has_the_documented_shape_and_reaches_a_rule(lab: Lab) -> None:
    queue = lab.client("sqs").create_queue(QueueName="health")["QueueUrl"]
    queue_arn = lab.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = lab.client("events")
    events.put_rule(Name="h", EventPattern=json.dumps({"source": ["aws.health"], "detail": {"service": ["EC2"]}}))
    events.put_targets(Rule="h", Targets=[{"Id": "q", "Arn": queue_arn}])
    lab.advance(minutes=7)
    event = simulate.simulate_issue(lab, "EC2", entities=["i-0123456789abcdef0"])
    assert event["source"] == "aws.health" and event["detail-type"] == "AWS Health Event"
    assert event["time"] == "2026-06-01T00:07:00Z" and event["region"] == lab.region
    detail = event["detail"]
    assert set(detail) == DETAIL_KEYS
    assert detail["eventTypeCode"] == "AWS_EC2_OPERATIONAL_ISSUE" and detail["eventTypeCategory"] == "issue"
    assert detail["eventArn"].startswith(f"arn:aws:health:{lab.region}::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/")
    assert detail["startTime"] == "Mon, 01 Jun 2026 00:07:00 GMT"
    assert detail["eventDescription"][0]["language"] == "en_US"
    assert detail["affectedEntities"] == [{"entityValue": "i-0123456789abcdef0"}]
    body = lab.client("sqs").receive_message(QueueUrl=queue)["Messages"][0]["Body"]
    assert json.loads(body) == event
    simulate.simulate_issue(lab, "RDS")
    assert "Messages" not in lab.client("sqs").receive_message(QueueUrl=queue)  # the rule wants EC2 only


def test_category_must_be_documented() -> None:
    import datetime as dt

    with pytest.raises(ValueError):
        health.health_detail(
            service="EC2",
            event_type_code="X",
            category="outage",
            region="r",
            account="1",
            start=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
            description="d",
            entities=[],
        )


@pytest.mark.parametrize("call", ["describe_events", "describe_event_types", "describe_event_aggregates"])
def test_health_api_needs_a_support_plan(lab: Lab, call: str) -> None:
    client = lab.client("health", region="us-east-1")
    kwargs = {"aggregateField": "eventTypeCategory"} if call == "describe_event_aggregates" else {}
    with pytest.raises(ClientError) as caught:
        getattr(client, call)(**kwargs)
    assert caught.value.response["Error"]["Code"] == "SubscriptionRequiredException"
