"""SNS email as AWS does it: subscriptions wait for confirmation, and confirmed ones get mail.

moto confirms email subscriptions at once and delivers email nowhere. On AWS an email
subscription stays ``PendingConfirmation`` until the recipient follows the link in the
"AWS Notification - Subscription Confirmation" email; until then ``Subscribe`` answers
``pending confirmation`` and nothing published to the topic reaches that address (SNS API
reference, Subscribe: https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html; "Email
notifications": https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html).

"Amazon SNS automatically deletes unconfirmed subscriptions after 48 hours" ("Deleting an Amazon SNS
subscription and topic", https://docs.aws.amazon.com/sns/latest/dg/sns-delete-subscription-topic.html),
and "Confirmation tokens are valid for two days" (Subscribe, API reference above): the lab deletes a
subscription still pending 48 lab hours after its first Subscribe, and its token is then refused like any
invalid one. The pages do not say whether a repeated Subscribe restarts that time; the lab does not.

This plugin keeps that state and an :class:`Inbox` the notebooks read (``lab.inbox``).
On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) the state of each
email subscription also lives on the server (:class:`labkit.emulator.server_state.ServerState`,
kind ``sns-email``, one item per subscription id), so the next process — the
notebook kernel after ``labkit catchup``, a restarted kernel — knows which are confirmed; and so
does the inbox (kind ``inbox``, one item per email, keyed so that keys sort as the emails arrived):
a lab connecting to the server starts with the emails earlier processes received. A mailbox keeps
its mail, but the labs read theirs as the SQS queue of the real-account inbox
(:mod:`labkit.runtime.inbox`) gives it, a queue each lab's teardown deletes: a lab's teardown drops
the emails that lab received from the server (:meth:`SnsEmail.forget_mail`), ``labkit teardown``
every email of the account.
Taught in notebook 02-cpu-alarm.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labkit.aws.email import Email
from labkit.emulator.server_state import ServerState, item_key
from labkit.exceptions import ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

EMAIL_PROTOCOLS = ("email", "email-json")
PENDING = "PendingConfirmation"
# What Subscribe answers for a subscription that still needs confirming (SNS API reference, Subscribe:
# "the response includes the ARN ... if the subscription requires confirmation ... 'pending confirmation'").
PENDING_ANSWER = "pending confirmation"
DEFAULT_SUBJECT = "AWS Notification Message"
UNCONFIRMED_LIFETIME = dt.timedelta(hours=48)  # sns-delete-subscription-topic.html
CONFIRMATION_SUBJECT = "AWS Notification - Subscription Confirmation"
FOOTER = (
    "--\n"
    "If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n"
    "{unsubscribe_url}\n\n"
    "Please do not reply directly to this email. If you have any questions or comments regarding this email, "
    "please contact us at https://aws.amazon.com/support"
)


@dataclass
class _Subscription:
    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    token: str
    confirmed: bool = False
    requested_at: str | None = None  # ISO lab time of the first Subscribe (None in state saved before)


@dataclass
class Inbox:
    """Every email the lab's SNS topics sent, oldest first (``lab.inbox``)."""

    _plugin: SnsEmail
    emails: list[Email] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.emails)

    def __getitem__(self, index: int) -> Email:
        return self.emails[index]

    def __iter__(self) -> Any:
        return iter(self.emails)

    def to(self, address: str) -> list[Email]:
        """The emails sent to ``address``."""
        return [email for email in self.emails if email.to == address]

    def notifications(self, address: str | None = None) -> list[Email]:
        """The notifications (not confirmation requests), to ``address`` if given."""
        return [e for e in self.emails if e.kind == "notification" and address in (None, e.to)]

    def pending(self) -> list[str]:
        """Addresses with a subscription still waiting for confirmation."""
        return sorted({s.endpoint for s in self._plugin.subscriptions.values() if not s.confirmed})

    def confirm(self, address: str | None = None) -> list[str]:
        """Follow the confirmation link in every pending email (to ``address`` if given).

        Returns the ARNs of the subscriptions confirmed.
        """
        chosen = [s for s in self._plugin.subscriptions.values() if not s.confirmed and address in (None, s.endpoint)]
        return [self._plugin.confirm(s.topic_arn, s.token) for s in chosen]

    def _repr_html_(self) -> str:
        if not self.emails:
            return "<em>inbox: no email yet</em>"
        return "".join(email._repr_html_() for email in self.emails)

    def __repr__(self) -> str:
        lines = [f"{e.sent_at:%Y-%m-%d %H:%M} UTC  to {e.to}  {e.subject}" for e in self.emails]
        return "\n".join(lines) if lines else "inbox: no email yet"


class SnsEmail:
    """The plugin's state: email subscriptions and the inbox."""

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self.random = emulator.random
        self.subscriptions: dict[str, _Subscription] = {}
        self.inbox = Inbox(self)
        self.state: ServerState | None = None
        #: The inbox's items on the server (kind ``inbox``), and how many emails this lab put there.
        self.mailbox: ServerState | None = None
        self._mailed = 0
        #: The emails adopted from the server at connect, and the lab that received each.
        self._adopted_mail: list[tuple[Email, str]] = []
        if ServerState.available(self.lab):
            self.state = ServerState(self.lab, "sns-email")
            self._adopt([_Subscription(**value) for value in self.state.load().values()])
            self.mailbox = ServerState(self.lab, "inbox")
            for _key, value in sorted(self.mailbox.load().items()):
                fields = {**value["email"], "sent_at": dt.datetime.fromisoformat(value["email"]["sent_at"])}
                self.inbox.emails.append(Email(**fields))
                self._adopted_mail.append((self.inbox.emails[-1], value["lab_id"]))

    def receive(self, email: Email) -> None:
        """Put ``email`` in the inbox, and on a workshop server keep it there for later processes."""
        self.inbox.emails.append(email)
        if self.mailbox is None:
            return
        # Keys sort as the emails arrived: by the real clock (each process has a lab clock of its own), then
        # the receiving lab and its own count.
        key = f"{time.time_ns():020d}.{item_key(self.lab.lab_id)}.{self._mailed:06d}"
        self._mailed += 1
        self.mailbox.save(
            key, {"lab_id": self.lab.lab_id, "email": {**email.__dict__, "sent_at": email.sent_at.isoformat()}}
        )

    def forget_mail(self, lab_ids: set[str] | None, *, shown: bool = True) -> int:
        """Drop from the server the emails the labs ``lab_ids`` received (every email when None), as
        their teardown deletes the real-account inbox's queue. ``lab.inbox`` keeps showing them unless
        ``shown`` is False (labs a dead kernel abandoned: the new lab starts as if they never ran).
        Returns how many were dropped."""
        if self.mailbox is None:
            return 0
        if not shown:
            gone = {id(email) for email, lab in self._adopted_mail if lab_ids is None or lab in lab_ids}
            self.inbox.emails[:] = [email for email in self.inbox.emails if id(email) not in gone]
        # The server's items, not this lab's memory: another process may have received mail meanwhile.
        dropped = [key for key, value in self.mailbox.load().items() if lab_ids is None or value["lab_id"] in lab_ids]
        for key in dropped:
            self.mailbox.drop(key)
        return len(dropped)

    def _adopt(self, stored: list[_Subscription]) -> None:
        """Take over the subscriptions an earlier process left on the server, if they still exist."""
        from botocore.exceptions import ClientError

        for subscription in stored:
            region = subscription.arn.split(":")[3]
            try:
                self.lab.internal_client("sns", region).get_subscription_attributes(SubscriptionArn=subscription.arn)
            except ClientError:  # gone (unsubscribed, topic deleted, server restarted)
                assert self.state is not None
                self.state.drop(_key(subscription.arn))
                continue
            self.subscriptions[subscription.arn] = subscription

    def _saved(self, subscription: _Subscription) -> None:
        if self.state is not None:
            self.state.save(_key(subscription.arn), subscription.__dict__)

    def _sns(self) -> Any:
        return self.lab.internal_client("sns")

    def _token(self) -> str:
        """A confirmation token: 64 hex digits, as in the links SNS mails."""
        return f"{self.random.getrandbits(256):064x}"

    def _sender(self, topic_arn: str) -> str:
        display = (
            self._sns().get_topic_attributes(TopicArn=topic_arn)["Attributes"].get("DisplayName") or "AWS Notifications"
        )
        return f"{display} <no-reply@sns.amazonaws.com>"

    def _unsubscribe_url(self, subscription: _Subscription) -> str:
        region = subscription.arn.split(":")[3]
        return (
            f"https://sns.{region}.amazonaws.com/unsubscribe.html?SubscriptionArn={subscription.arn}"
            f"&Endpoint={subscription.endpoint}"
        )

    # -- calls ----------------------------------------------------------------------------------
    def subscribe(self, call: Call) -> dict[str, Any] | None:
        if call.params.get("Protocol") not in EMAIL_PROTOCOLS:
            return None
        params = {**call.params, "ReturnSubscriptionArn": True}
        arn = call.internal().subscribe(**params)["SubscriptionArn"]
        known = self.subscriptions.get(arn)
        if known is None:
            known = _Subscription(
                arn,
                params["TopicArn"],
                params["Protocol"],
                params["Endpoint"],
                self._token(),
                requested_at=self.lab.clock.now().isoformat(),
            )
            self.subscriptions[arn] = known
            self._saved(known)
        if not known.confirmed:
            self._send_confirmation(known)
        returned = arn if known.confirmed or call.params.get("ReturnSubscriptionArn") else PENDING_ANSWER
        return {"SubscriptionArn": returned}

    def _send_confirmation(self, subscription: _Subscription) -> None:
        region = subscription.arn.split(":")[3]
        link = (
            f"https://sns.{region}.amazonaws.com/confirmation.html?TopicArn={subscription.topic_arn}"
            f"&Token={subscription.token}&Endpoint={subscription.endpoint}"
        )
        body = (
            f"You have chosen to subscribe to the topic:\n{subscription.topic_arn}\n\n"
            "To confirm this subscription, click or visit the link below "
            f"(If this was in error no action is necessary):\nConfirm subscription: {link}\n\n"
            "Please do not reply directly to this email. If you wish to remove yourself from receiving all future SNS "
            "subscription confirmation requests please send an email to sns-opt-out"
        )
        self.receive(
            Email(
                subscription.endpoint,
                self._sender(subscription.topic_arn),
                CONFIRMATION_SUBJECT,
                body,
                self.lab.clock.now(),
                subscription.topic_arn,
                "confirmation",
            )
        )

    def confirm(self, topic_arn: str, token: str) -> str:
        """Confirm the subscription that ``token`` was issued for; returns its ARN."""
        for subscription in self.subscriptions.values():
            if subscription.token == token and subscription.topic_arn == topic_arn:
                subscription.confirmed = True
                self._saved(subscription)
                return subscription.arn
        raise ServiceError("InvalidParameter", "Invalid parameter: Token")

    def tick(self, now: dt.datetime) -> None:
        """Delete the subscriptions still unconfirmed 48 hours after they were requested."""
        for subscription in list(self.subscriptions.values()):
            if subscription.confirmed or subscription.requested_at is None:
                continue
            requested = dt.datetime.fromisoformat(subscription.requested_at)
            if now < requested + UNCONFIRMED_LIFETIME:
                continue
            region = subscription.arn.split(":")[3]
            self.lab.internal_client("sns", region).unsubscribe(SubscriptionArn=subscription.arn)
            del self.subscriptions[subscription.arn]
            if self.state is not None:
                self.state.drop(_key(subscription.arn))

    def confirm_subscription(self, call: Call) -> dict[str, Any] | None:
        return {"SubscriptionArn": self.confirm(call.params["TopicArn"], call.params["Token"])}

    def _pending(self, arn: str) -> bool:
        subscription = self.subscriptions.get(arn)
        return subscription is not None and not subscription.confirmed

    def list_subscriptions(self, call: Call) -> dict[str, Any]:
        method = "list_subscriptions_by_topic" if call.operation == "ListSubscriptionsByTopic" else "list_subscriptions"
        reply = getattr(call.internal(), method)(**call.params)
        reply.pop("ResponseMetadata", None)
        for item in reply.get("Subscriptions", []):
            if self._pending(item["SubscriptionArn"]):
                item["SubscriptionArn"] = PENDING
        return reply

    def get_subscription_attributes(self, call: Call) -> dict[str, Any]:
        reply = call.internal().get_subscription_attributes(**call.params)
        reply.pop("ResponseMetadata", None)
        if call.params["SubscriptionArn"] in self.subscriptions:
            reply["Attributes"]["PendingConfirmation"] = str(self._pending(call.params["SubscriptionArn"])).lower()
            reply["Attributes"]["ConfirmationWasAuthenticated"] = (
                "false" if self._pending(call.params["SubscriptionArn"]) else "true"
            )
        return reply

    def get_topic_attributes(self, call: Call) -> dict[str, Any]:
        reply = call.internal().get_topic_attributes(**call.params)
        reply.pop("ResponseMetadata", None)
        topic = call.params["TopicArn"]
        pending = sum(1 for s in self.subscriptions.values() if s.topic_arn == topic and not s.confirmed)
        attributes = reply["Attributes"]
        total = len(call.internal().list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"])
        attributes["SubscriptionsPending"] = str(pending)
        attributes["SubscriptionsConfirmed"] = str(total - pending)
        return reply

    def forget(self, call: Call, reply: dict[str, Any]) -> None:
        if self.subscriptions.pop(call.params.get("SubscriptionArn", ""), None) is not None and self.state is not None:
            self.state.drop(_key(call.params["SubscriptionArn"]))

    def create_topic(self, call: Call) -> None:
        """Refuse to create again, with other tags, a topic that exists; otherwise let moto answer.

        CreateTopic "is idempotent, so if the requester already owns a topic with the specified name, that
        topic's ARN is returned without creating a new topic"
        (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html). The page is silent on tags that
        differ; AWS then answers ``InvalidParameter`` "Invalid parameter: Tags Reason: Topic already exists
        with different tags" (reported against AWS in localstack/localstack#2405) where moto keeps the old
        tags silently. A tag a call repeats, or no tags at all, is accepted.
        """
        requested = {t.get("Key"): t.get("Value") for t in call.params.get("Tags") or []}
        if not requested:
            return None
        sns = call.internal()
        name = call.params.get("Name", "")
        arn = next((t["TopicArn"] for t in _topics(sns) if t["TopicArn"].rsplit(":", 1)[-1] == name), None)
        if arn is None:
            return None
        existing = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
        if any(existing.get(key) != value for key, value in requested.items()):
            raise ServiceError(
                "InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags"
            )
        return None

    def forget_topic(self, call: Call, reply: dict[str, Any]) -> None:
        topic = call.params.get("TopicArn")
        for arn in [arn for arn, s in self.subscriptions.items() if s.topic_arn == topic]:
            del self.subscriptions[arn]
            if self.state is not None:
                self.state.drop(_key(arn))

    # -- delivery -------------------------------------------------------------------------------
    def deliver(
        self,
        topic_arn: str,
        message: str,
        subject: str | None = None,
        email_text: Callable[[str], str] | None = None,
    ) -> None:
        """Send ``message`` to the topic's confirmed email subscriptions (and nobody else).

        ``email_text(unsubscribe_url)``, when given, renders the whole plain-text email (a
        CloudWatch alarm's readable email); otherwise the email is the message and SNS's footer.
        """
        for subscription in list(self.subscriptions.values()):
            if subscription.topic_arn != topic_arn or not subscription.confirmed:
                continue
            footer = FOOTER.format(unsubscribe_url=self._unsubscribe_url(subscription))
            if subscription.protocol == "email-json":
                body = json.dumps(
                    {
                        "Type": "Notification",
                        "TopicArn": topic_arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": self.lab.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "UnsubscribeURL": self._unsubscribe_url(subscription),
                    },
                    indent=2,
                )
            elif email_text is not None:
                body = email_text(self._unsubscribe_url(subscription))
            else:
                body = f"{message}\n\n{footer}"
            self.receive(
                Email(
                    subscription.endpoint,
                    self._sender(topic_arn),
                    subject or DEFAULT_SUBJECT,
                    body,
                    self.lab.clock.now(),
                    topic_arn,
                    "notification",
                )
            )

    def publish(
        self,
        topic_arn: str,
        message: str,
        subject: str | None = None,
        email_text: Callable[[str], str] | None = None,
    ) -> None:
        """Publish on AWS's behalf: moto serves the other subscribers, this plugin the email."""
        params = {"TopicArn": topic_arn, "Message": message}
        if subject:
            params["Subject"] = subject
        self._sns().publish(**params)
        self.deliver(topic_arn, message, subject, email_text)

    def mail(self, email: Email) -> None:
        """Put an email that another AWS service sends itself, not through SNS, in the inbox
        (AWS Budgets mails a budget's ``EMAIL`` subscribers directly)."""
        self.receive(email)

    def published(self, call: Call, reply: dict[str, Any]) -> None:
        topic = call.params.get("TopicArn") or call.params.get("TargetArn")
        if topic:
            self.deliver(topic, call.params["Message"], call.params.get("Subject"))


def _key(subscription_arn: str) -> str:
    """A subscription's item on the server: its id, the ARN's last part."""
    return subscription_arn.rsplit(":", 1)[-1]


def _topics(sns: Any) -> list[dict[str, str]]:
    return [topic for page in sns.get_paginator("list_topics").paginate() for topic in page["Topics"]]


def install(emulator: Emulator) -> SnsEmail:
    """Register the SNS email behaviour on ``emulator``."""
    plugin = SnsEmail(emulator)
    emulator.answers("sns", "CreateTopic")(plugin.create_topic)
    emulator.answers("sns", "Subscribe")(plugin.subscribe)
    emulator.answers("sns", "ConfirmSubscription")(plugin.confirm_subscription)
    emulator.answers("sns", "ListSubscriptions")(plugin.list_subscriptions)
    emulator.answers("sns", "ListSubscriptionsByTopic")(plugin.list_subscriptions)
    emulator.answers("sns", "GetSubscriptionAttributes")(plugin.get_subscription_attributes)
    emulator.answers("sns", "GetTopicAttributes")(plugin.get_topic_attributes)
    emulator.observes("sns", "Publish")(plugin.published)
    emulator.observes("sns", "Unsubscribe")(plugin.forget)
    emulator.observes("sns", "DeleteTopic")(plugin.forget_topic)
    emulator.every_minute(plugin.tick)
    return plugin
