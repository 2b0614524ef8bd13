"""The real-account inbox: an SQS queue subscribed to the lab's topics, exercised on moto.

Rules: "Subscribing an Amazon SQS queue to an Amazon SNS topic"
(https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html) and the SNS
JSON envelope ("Amazon SNS message and JSON formats",
https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html).
"""

from __future__ import annotations

import json

from labkit.runtime.inbox import QUEUE_NAME, QueueInbox
from labkit.runtime.lab import Lab


def test_queue_inbox_shows_what_the_topic_published(lab: Lab) -> None:
    sns = lab.client("sns")
    topic = sns.create_topic(Name="lab-alerts")["TopicArn"]
    inbox = QueueInbox(lab)
    inbox.watch(topic)
    inbox.watch(topic)  # once only
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["Protocol"] for s in subscriptions] == ["sqs"]
    sns.publish(
        TopicArn=topic,
        Subject='ALARM: "cpu-high" in Asia Pacific (Tokyo)',
        Message=json.dumps({"NewStateValue": "ALARM"}),
    )
    [email] = inbox.notifications()
    assert email.subject == 'ALARM: "cpu-high" in Asia Pacific (Tokyo)'
    assert json.loads(email.body)["NewStateValue"] == "ALARM" and email.topic_arn == topic
    assert len(inbox) == 1  # read messages are deleted from the queue, kept in the inbox


def test_queue_policy_lets_only_the_watched_topics_send(lab: Lab) -> None:
    sns = lab.client("sns")
    topics = [sns.create_topic(Name=name)["TopicArn"] for name in ("a", "b")]
    inbox = QueueInbox(lab)
    for topic in topics:
        inbox.watch(topic)
    sqs = lab.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == topics


def test_the_inbox_queue_is_torn_down_with_the_lab(lab: Lab) -> None:
    topic = lab.client("sns").create_topic(Name="lab-alerts")["TopicArn"]
    QueueInbox(lab).watch(topic)
    assert lab.teardown().ok
    assert lab.internal_client("sqs").list_queues().get("QueueUrls", []) == []
