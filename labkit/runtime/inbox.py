"""The learner's inbox: the email an alert sends, shown in the notebook.

Offline, :mod:`labkit.emulator.sns_email` delivers SNS email into ``lab.inbox``. On a real
account the email goes to a real mailbox the notebook cannot read, so ``lab.inbox`` is a
:class:`QueueInbox`: an SQS queue subscribed to the lab's topics, from which the notebook reads
the very messages SNS sent. A same-account SQS subscription needs no confirmation, and the queue
policy must let the topic send ("Subscribing an Amazon SQS queue to an Amazon SNS topic",
https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html); the message
arrives in SNS's JSON envelope (Type, MessageId, TopicArn, Subject, Message, Timestamp, …:
"Amazon SNS message and JSON formats", https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html).

Taught in notebook 02-cpu-alarm.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from labkit.aws.email import Email
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

QUEUE_NAME = "labkit-inbox"


class QueueInbox:
    """``lab.inbox`` on a real account: what SNS delivered to the lab's SQS queue."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.emails: list[Email] = []
        self.topics: list[str] = []
        self._queue_url: str | None = None
        self._queue_arn = ""

    def _queue(self) -> str:
        if self._queue_url is None:
            sqs = self.lab.client("sqs")
            self._queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
            self._queue_arn = sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        return self._queue_url

    def watch(self, topic_arn: str) -> None:
        """Subscribe the inbox queue to ``topic_arn`` (once), allowing the topic to send to it."""
        if topic_arn in self.topics:
            return
        url = self._queue()
        self.topics.append(topic_arn)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowLabTopics",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": self._queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": self.topics}},
                }
            ],
        }
        self.lab.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        self.lab.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=self._queue_arn)

    def refresh(self) -> None:
        """Move what arrived in the queue into :attr:`emails`."""
        if self._queue_url is None:
            return
        sqs = self.lab.client("sqs")
        # A short poll samples only some SQS servers and may come back empty while messages wait;
        # a one-second long poll asks them all. Emulated backends hold the lab clock still, so moto's
        # long poll would never time out there: poll short (moto keeps every message on one "server").
        wait = 0 if self.lab.backend.emulated else 1
        while True:
            messages = sqs.receive_message(QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get(
                "Messages", []
            )
            if not messages:
                return
            for message in messages:
                self.emails.append(self._email(json.loads(message["Body"])))
                sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])

    @staticmethod
    def _email(envelope: dict[str, Any]) -> Email:
        sent = dt.datetime.fromisoformat(envelope.get("Timestamp", "1970-01-01T00:00:00Z").replace("Z", "+00:00"))
        return Email(
            to=f"sqs:{QUEUE_NAME}",
            sender="AWS Notifications <no-reply@sns.amazonaws.com>",
            subject=envelope.get("Subject") or "AWS Notification Message",
            body=envelope.get("Message", ""),
            sent_at=sent,
            topic_arn=envelope.get("TopicArn", ""),
            kind="notification",
        )

    def notifications(self, address: str | None = None) -> list[Email]:
        """Every message received so far (``address`` is accepted for the offline inbox's signature)."""
        self.refresh()
        return list(self.emails)

    def confirm(self, address: str | None = None) -> list[str]:
        """On AWS, confirming an email subscription is a click on the link in that email."""
        print(
            _("On AWS, confirm an email subscription with the link in the email SNS sent; the inbox queue needs none.")
        )
        return []

    def __len__(self) -> int:
        self.refresh()
        return len(self.emails)

    def __getitem__(self, index: int) -> Email:
        self.refresh()
        return self.emails[index]

    def __iter__(self) -> Any:
        self.refresh()
        return iter(self.emails)

    def _repr_html_(self) -> str:
        self.refresh()
        return "".join(e._repr_html_() for e in self.emails) or "<em>inbox: no message yet</em>"
