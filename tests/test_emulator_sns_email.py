"""SNS email as on AWS: pending until confirmed, delivered only to confirmed addresses.

Rules: SNS API reference, Subscribe (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html)
and ConfirmSubscription (https://docs.aws.amazon.com/sns/latest/api/API_ConfirmSubscription.html).
"""

from __future__ import annotations

import json
import re

import pytest

from labkit.runtime.lab import Lab


@pytest.fixture
def topic(lab: Lab) -> str:
    return lab.client("sns").create_topic(Name="alerts")["TopicArn"]


def test_email_subscription_is_pending_until_confirmed(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    reply = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    assert reply["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    assert sns.list_subscriptions()["Subscriptions"][0]["SubscriptionArn"] == "PendingConfirmation"
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("1", "0")
    confirmation = lab.inbox.to("ops@example.com")
    assert [e.subject for e in confirmation] == ["AWS Notification - Subscription Confirmation"]
    assert topic in confirmation[0].body


def test_nothing_reaches_an_unconfirmed_address(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    sns.publish(TopicArn=topic, Message="disk full", Subject="Disk")
    assert lab.inbox.notifications() == []


def test_confirming_with_the_token_from_the_email(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    token = re.search(r"Token=([0-9a-f]+)", lab.inbox[0].body).group(1)
    arn = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "false"
    sns.publish(TopicArn=topic, Message="disk full", Subject="Disk")
    [email] = lab.inbox.notifications("ops@example.com")
    assert email.subject == "Disk" and email.body.startswith("disk full\n\n--\n")
    assert "unsubscribe.html?SubscriptionArn=" + arn in email.body


def test_a_wrong_token_is_rejected(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.confirm_subscription(TopicArn=topic, Token="0" * 64)


def test_unconfirmed_subscription_is_deleted_after_48_hours(lab: Lab, topic: str) -> None:
    """ "Amazon SNS automatically deletes unconfirmed subscriptions after 48 hours"
    (https://docs.aws.amazon.com/sns/latest/dg/sns-delete-subscription-topic.html); "Confirmation tokens
    are valid for two days" (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html)."""
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="late@example.com")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    lab.inbox.confirm("ops@example.com")
    token = re.search(r"Token=([0-9a-f]+)", lab.inbox.to("late@example.com")[0].body).group(1)
    lab.advance(hours=47, minutes=59)
    assert [
        s["Endpoint"]
        for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        if s["SubscriptionArn"] == "PendingConfirmation"
    ] == ["late@example.com"]
    lab.advance(minutes=1)
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["Endpoint"] for s in listed] == ["ops@example.com"]
    assert [s["Endpoint"] for s in sns.list_subscriptions()["Subscriptions"]] == ["ops@example.com"]
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("0", "1")
    assert lab.inbox.pending() == []
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.confirm_subscription(TopicArn=topic, Token=token)


def test_confirmed_subscription_does_not_expire(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    lab.advance(hours=47)
    lab.inbox.confirm()
    lab.advance(hours=2)
    sns.publish(TopicArn=topic, Message="disk full")
    assert len(lab.inbox.notifications("ops@example.com")) == 1


def test_inbox_confirm_delivers_to_confirmed_only(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="late@example.com")
    assert lab.inbox.pending() == ["late@example.com", "ops@example.com"]
    lab.inbox.confirm("ops@example.com")
    sns.publish(TopicArn=topic, Message="hello")
    assert [e.to for e in lab.inbox.notifications()] == ["ops@example.com"]
    assert lab.inbox.notifications()[0].subject == "AWS Notification Message"


def test_email_json_gets_the_notification_document(lab: Lab, topic: str) -> None:
    sns = lab.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="bot@example.com")
    lab.inbox.confirm()
    sns.publish(TopicArn=topic, Message="m", Subject="s")
    document = json.loads(lab.inbox.notifications()[0].body)
    assert document["Type"] == "Notification" and document["Message"] == "m" and document["TopicArn"] == topic


def test_other_protocols_are_left_to_moto(lab: Lab, topic: str) -> None:
    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    reply = lab.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    assert reply["SubscriptionArn"].startswith(topic)
    lab.client("sns").publish(TopicArn=topic, Message="m")
    assert json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])["Message"] == "m"


def test_a_later_process_on_a_server_expires_the_subscription_at_48_hours(server: str) -> None:
    """The Subscribe time travels with the subscription's state on the moto server, so the next process
    (a restarted kernel) deletes it 48 hours after Subscribe
    (https://docs.aws.amazon.com/sns/latest/dg/sns-delete-subscription-topic.html)."""
    from labkit.runtime import backends
    from labkit.runtime.clock import LabClock

    first = Lab(backends.start_moto_server("ap-northeast-1", LabClock(), server), "ap-northeast-1", LabClock())
    sns = first.client("sns")
    topic = sns.create_topic(Name="server-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="late@example.com")
    second = Lab(backends.start_moto_server("ap-northeast-1", LabClock(), server), "ap-northeast-1", LabClock())
    try:
        assert second.inbox.pending() == ["late@example.com"]
        second.advance(hours=48)
        assert second.inbox.pending() == []
        assert second.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    finally:
        second.teardown(all_labs=True)
