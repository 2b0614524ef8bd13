"""EventBridge delivery offline (labkit.emulator.events): rules route events to SNS email and SQS.

PutEvents https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html;
PutEventsResultEntry https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html;
alarm events https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.emulator.events import Events
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab


def _queue(lab: Lab, name: str = "events-q") -> tuple[str, str]:
    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _topic(lab: Lab) -> str:
    """The alerts topic, with the access-policy statement EventBridge needs to publish to it."""
    topic = prereqs.alerts_topic(lab)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowEventBridge",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
            }
        ],
    }
    lab.client("sns").set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    return topic


def _rule(lab: Lab, name: str, pattern: dict[str, Any], *targets: dict[str, Any]) -> None:
    events = lab.client("events")
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=list(targets))


def test_emit_reaches_matching_rules_sns_email_and_sqs(lab: Lab) -> None:
    topic = _topic(lab)
    url, queue_arn = _queue(lab)
    _rule(lab, "health", {"source": ["aws.health"]}, {"Id": "mail", "Arn": topic}, {"Id": "q", "Arn": queue_arn})
    _rule(lab, "other", {"source": ["aws.ec2"]}, {"Id": "mail", "Arn": topic})
    lab.advance(minutes=3)
    event = lab.emulator.plugin(Events).emit("aws.health", "AWS Health Event", {"service": "EC2"}, ["arn:x"])
    assert event["time"] == "2026-06-01T00:03:00Z"
    assert event["account"] == lab.account_id and event["region"] == lab.region
    mails = lab.inbox.notifications()
    assert len(mails) == 1  # only the matching rule delivered
    assert json.loads(mails[0].body.split("\n\n--\n")[0]) == event
    assert mails[0].subject == "AWS Notification Message"
    body = lab.client("sqs").receive_message(QueueUrl=url)["Messages"][0]["Body"]
    assert json.loads(body) == event


def test_disabled_rule_delivers_nothing(lab: Lab) -> None:
    topic = _topic(lab)
    _rule(lab, "r", {"source": ["my.app"]}, {"Id": "mail", "Arn": topic})
    lab.client("events").disable_rule(Name="r")
    lab.emulator.plugin(Events).emit("my.app", "x", {})
    assert lab.inbox.notifications() == []


def test_put_events_documented_response_and_delivery(lab: Lab) -> None:
    topic = _topic(lab)
    _rule(
        lab,
        "r",
        {"source": ["my.app"], "detail": {"level": [{"anything-but": "debug"}]}},
        {
            "Id": "mail",
            "Arn": topic,
            "InputTransformer": {"InputPathsMap": {"level": "$.detail.level"}, "InputTemplate": '"level is <level>"'},
        },
    )
    reply = lab.client("events").put_events(
        Entries=[
            {"Source": "my.app", "DetailType": "Log", "Detail": json.dumps({"level": "error"})},
            {"Source": "my.app", "DetailType": "Log", "Detail": json.dumps({"level": "debug"})},
            {"Source": "aws.ec2", "DetailType": "Fake", "Detail": "{}"},
            {"Source": "my.app", "DetailType": "Log", "Detail": "[1, 2]"},
            {"Source": "my.app", "DetailType": "Log", "Detail": "{oops"},
        ]
    )
    assert reply["FailedEntryCount"] == 3
    codes = [entry.get("ErrorCode") for entry in reply["Entries"]]
    assert codes == [None, None, "NotAuthorizedForSourceException", "MalformedDetail", "MalformedDetail"]
    assert all("EventId" in entry for entry in reply["Entries"][:2])
    bodies = [mail.body.split("\n\n--\n")[0] for mail in lab.inbox.notifications()]
    assert bodies == ['"level is error"']


def test_put_events_limits_and_missing_fields(lab: Lab) -> None:
    events = lab.client("events")
    with pytest.raises(ClientError) as caught:
        events.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "{}"}] * 11)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    reply = events.put_events(Entries=[{"Source": "a", "Detail": "{}"}])
    assert reply["Entries"][0]["ErrorCode"] == "InvalidArgument"
    with pytest.raises(ClientError) as caught:
        events.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "{}", "EventBusName": "nope"}])
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_put_rule_refuses_bad_pattern_and_test_event_pattern(lab: Lab) -> None:
    events = lab.client("events")
    with pytest.raises(events.exceptions.InvalidEventPatternException):
        events.put_rule(Name="bad", EventPattern='{"source": "aws.ec2"}')
    assert lab.internal_client("events").list_rules()["Rules"] == []
    pattern = json.dumps({"detail": {"n": [{"numeric": [">", 5]}]}})
    assert events.test_event_pattern(EventPattern=pattern, Event=json.dumps({"detail": {"n": 7}}))["Result"] is True
    assert events.test_event_pattern(EventPattern=pattern, Event=json.dumps({"detail": {"n": 5}}))["Result"] is False


def test_alarm_state_change_reaches_a_rule(lab: Lab) -> None:
    topic = _topic(lab)
    _rule(
        lab,
        "alarms",
        {
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "detail": {"state": {"value": ["ALARM"]}},
        },
        {"Id": "mail", "Arn": topic, "InputPath": "$.detail.alarmName"},
    )
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="cpu",
        Namespace="Lab",
        MetricName="m",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
        ActionsEnabled=False,
    )
    cloudwatch.set_alarm_state(AlarmName="cpu", StateValue="OK", StateReason="test")
    assert lab.inbox.notifications() == []  # OK does not match the pattern
    cloudwatch.set_alarm_state(AlarmName="cpu", StateValue="ALARM", StateReason="test")
    bodies = [mail.body.split("\n\n--\n")[0] for mail in lab.inbox.notifications()]
    assert bodies == ['"cpu"']  # the event goes to EventBridge even with actions disabled


def test_unsupported_target_is_recorded_not_delivered(lab: Lab) -> None:
    _rule(
        lab, "r", {"source": ["my.app"]}, {"Id": "fn", "Arn": "arn:aws:lambda:ap-northeast-1:123456789012:function:f"}
    )
    lab.emulator.plugin(Events).emit("my.app", "x", {})
    (delivery,) = lab.emulator.plugin(Events).deliveries
    assert not delivery.delivered and "lambda" in delivery.reason


def test_topic_policy_must_allow_eventbridge(lab: Lab) -> None:
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
    topic = prereqs.alerts_topic(lab)  # the default topic policy only
    _rule(lab, "r", {"source": ["my.app"]}, {"Id": "mail", "Arn": topic})
    lab.emulator.plugin(Events).emit("my.app", "x", {})
    assert lab.inbox.notifications() == []
    assert "events.amazonaws.com" in lab.emulator.plugin(Events).deliveries[-1].reason
    _topic(lab)
    lab.emulator.plugin(Events).emit("my.app", "x", {})
    assert len(lab.inbox.notifications()) == 1


def test_kept_rules_and_targets_follow_every_lab_clients_writes(lab: Lab) -> None:
    """Rules and targets are listed once and kept (an alarm's every state change publishes an event), then
    listed again after any EventBridge write of a lab client, the kit's own included (emulator contract)."""
    plugin = lab.emulator.plugin(Events)
    topic = _topic(lab)
    url, queue_arn = _queue(lab)
    _rule(lab, "app", {"source": ["my.app"]}, {"Id": "mail", "Arn": topic})
    listed: list[str] = []
    internal = lab.internal_client("events")
    internal.meta.events.register("before-call.eventbridge", lambda model, **_: listed.append(model.name))

    def delivered_to(detail: dict[str, Any]) -> set[str]:
        made = plugin.emit("my.app", "x", detail)
        return {d.target_id for d in plugin.deliveries if d.event_id == made["id"] and d.delivered}

    assert delivered_to({"n": 1}) == {"mail"}
    assert delivered_to({"n": 2}) == {"mail"}
    assert listed == ["ListRules", "ListTargetsByRule"]  # the second event asked moto nothing
    lab.client("events").put_targets(Rule="app", Targets=[{"Id": "q", "Arn": queue_arn}])  # the learner's write
    assert delivered_to({"n": 3}) == {"mail", "q"}
    internal.disable_rule(Name="app")  # the kit's own client
    assert delivered_to({"n": 4}) == set()
    internal.enable_rule(Name="app")
    internal.remove_targets(Rule="app", Ids=["mail"])
    assert delivered_to({"n": 5}) == {"q"}
    assert [
        json.loads(m["Body"])["detail"]
        for m in lab.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ] == [{"n": 3}, {"n": 5}]


def test_on_a_shared_server_a_rule_another_process_adds_is_matched_at_once(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a workshop's server another kernel (or `labkit catchup`) of the same account writes rules that this
    lab's clients never see: nothing is kept there, so the next event is matched against the rules as they are."""
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", "events-kept")
    import labkit

    with labkit.connect() as lab:
        plugin = lab.emulator.plugin(Events)
        _, queue_arn = _queue(lab)
        assert plugin.emit("my.app", "x", {"n": 1})  # no rule yet: delivered nowhere
        other_process = lab.backend.session.client(
            "events", region_name=lab.region, endpoint_url=lab.backend.endpoint_url, config=lab.backend.client_config
        )
        other_process.put_rule(Name="late", EventPattern=json.dumps({"source": ["my.app"]}))
        other_process.put_targets(Rule="late", Targets=[{"Id": "q", "Arn": queue_arn}])
        made = plugin.emit("my.app", "x", {"n": 2})
        assert {d.target_id for d in plugin.deliveries if d.event_id == made["id"] and d.delivered} == {"q"}
        other_process.remove_targets(Rule="late", Ids=["q"])
        other_process.delete_rule(Name="late")
