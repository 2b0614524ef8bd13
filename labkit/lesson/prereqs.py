"""What a notebook needs from earlier notebooks, made (or reused) by one call.

Every notebook runs alone in a fresh kernel — nbval does that, and so does a learner who starts
at notebook 05 — so nothing may come from hidden state left by another notebook. A notebook
that needs the alert topic of notebook 02 calls :func:`alerts_topic`; on a shared server or a
real account an existing one is reused instead of created twice.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from labkit.lesson import ec2
from labkit.lesson import iam

if TYPE_CHECKING:
    from labkit.emulator.ec2_workload import LabInstance
    from labkit.lesson.iam import LogsAgentRole
    from labkit.runtime.lab import Lab

ALERTS_TOPIC = "lab-alerts"
#: Where the course's alerts go: ``LABKIT_EMAIL`` (a mailbox you can read, on a real account), else
#: a placeholder that works offline, where every email lands in ``lab.inbox``.
LEARNER_EMAIL = os.environ.get("LABKIT_EMAIL") or "you@example.com"


def alerts_topic(lab: Lab, email: str = LEARNER_EMAIL, *, confirm: bool = True) -> str:
    """The SNS topic every alarm of the course notifies (notebook 02), with ``email`` subscribed.

    ``create_topic`` is idempotent for the same name, so an existing topic is reused. Offline,
    ``confirm`` follows the confirmation link in the lab inbox; on AWS you click it in your mail.
    """
    sns = lab.client("sns")
    arn = sns.create_topic(Name=ALERTS_TOPIC)["TopicArn"]
    subscribed = any(
        s["Endpoint"] == email and s["Protocol"] == "email"
        for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    )
    if not subscribed:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=email)
    if confirm and lab.emulator is not None:
        lab.inbox.confirm(email)
    if lab.emulator is None:
        lab.inbox.watch(arn)  # so the notebook can show the real messages too
    return arn


def lab_instance(lab: Lab, **options: object) -> LabInstance:
    """The course's web server instance (notebook 01), launched with ``labkit.lesson.ec2.launch`` options."""
    return ec2.launch(lab, **options)  # type: ignore[arg-type]


def logs_agent_role(lab: Lab, instance_id: str | None = None) -> LogsAgentRole:
    """The EC2 role with the article's CloudWatch Logs policy and its instance profile (notebook 03),
    created or reused; associated with ``instance_id`` if given. See ``labkit.lesson.iam.ensure_logs_agent_role``."""
    return iam.ensure_logs_agent_role(lab, instance_id)
