"""An email as its recipient sees it: what SNS (and AWS Budgets) send to an email address.

SNS's email to a subscribed address carries the message as its body and the topic's display
name (or "AWS Notifications") as sender ("Amazon SNS message and JSON formats",
https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html). Offline,
:mod:`labkit.emulator.sns_email` and :mod:`labkit.emulator.budgets` deliver these into
``lab.inbox``; on a real account :class:`labkit.runtime.inbox.QueueInbox` reads them back.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass


@dataclass
class Email:
    """One email as the recipient would see it."""

    to: str
    sender: str
    subject: str
    body: str
    sent_at: dt.datetime
    topic_arn: str
    kind: str  # "confirmation" or "notification"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{name}</th><td>{html.escape(value)}</td></tr>"
            for name, value in (
                ("From", self.sender),
                ("To", self.to),
                ("Subject", self.subject),
                ("Date", self.sent_at.strftime("%a, %d %b %Y %H:%M:%S +0000")),
            )
        )
        return (
            "<div style='border:1px solid #ccc;border-radius:6px;padding:8px;max-width:60em'>"
            f"<table>{rows}</table><hr><pre style='white-space:pre-wrap'>{html.escape(self.body)}</pre></div>"
        )

    def __str__(self) -> str:
        return (
            f"From: {self.sender}\nTo: {self.to}\nSubject: {self.subject}\n"
            f"Date: {self.sent_at:%a, %d %b %Y %H:%M:%S +0000}\n\n{self.body}"
        )
