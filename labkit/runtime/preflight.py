"""Pre-flight checks for a real sandbox account (``labkit doctor --backend aws`` and at connect), in the
lab's language (:mod:`labkit.i18n`).

Labs break on accounts that are not brand new, and surprise bills come from what a lab creates
without saying so. Before a real run this looks at what matters, and prints nothing that
identifies the account:

* GuardDuty allows one detector per account per Region, and AWS Config one configuration
  recorder per Region ("Create a GuardDuty detector",
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html; "Managing
  the Configuration Recorder", https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html):
  an existing one is reused by the labs and never deleted.
* Existing CloudTrail trails: the first copy of management events in each Region is free, a
  second trail is charged ("AWS CloudTrail pricing", https://aws.amazon.com/cloudtrail/pricing/).
* SNS email subscriptions still waiting for confirmation receive nothing.
* The lab instance type's free-tier eligibility (``DescribeInstanceTypes`` ``free-tier-eligible``
  filter) and the running On-Demand vCPU quota (Service Quotas code ``L-1216C47A``).

Taught in notebook 00-setup-and-monitoring-types (and the README's real-account section).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from labkit.i18n import _, ngettext

#: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, in vCPUs.
STANDARD_VCPU_QUOTA = ("ec2", "L-1216C47A")

ClientFor = Callable[[str], Any]


@dataclass
class Finding:
    """One line of a pre-flight or ``labkit doctor`` report."""

    ok: bool
    what: str
    detail: str = ""
    #: An optional item: reported as OPT whether or not it is there, never a failure.
    optional: bool = False

    def __str__(self) -> str:
        state = "OPT " if self.optional else "OK  " if self.ok else "FAIL"
        return f"{state}  {self.what}" + (f": {self.detail}" if self.detail else "")


def _safely(what: str, check: Callable[[], Finding]) -> Finding:
    try:
        return check()
    except (ClientError, BotoCoreError) as error:
        return Finding(
            False, what, _("could not check ({kind}: {error})").format(kind=error.__class__.__name__, error=error)
        )


def guardduty_detectors(client_for: ClientFor) -> Finding:
    """Whether a detector already exists (the labs reuse it; one per Region)."""
    detectors = client_for("guardduty").list_detectors()["DetectorIds"]
    if detectors:
        return Finding(
            True, "GuardDuty", _("a detector already exists in this Region: the labs reuse it and never delete it")
        )
    return Finding(True, "GuardDuty", _("no detector yet: notebook 06b creates one (30-day free trial, then charged)"))


def config_recorders(client_for: ClientFor) -> Finding:
    """Whether a configuration recorder already exists (the labs reuse it; one per Region)."""
    recorders = client_for("config").describe_configuration_recorders()["ConfigurationRecorders"]
    if recorders:
        return Finding(
            True,
            "AWS Config",
            _("recorder {name!r} exists: the labs reuse it and never delete it").format(name=recorders[0]["name"]),
        )
    return Finding(
        True,
        "AWS Config",
        _("no recorder yet: notebook 06b creates one (charged per configuration item and rule evaluation)"),
    )


def cloudtrail_trails(client_for: ClientFor) -> Finding:
    """Existing trails: a lab trail would be a second, charged copy of management events."""
    trails = client_for("cloudtrail").describe_trails()["trailList"]
    if trails:
        return Finding(
            True,
            "CloudTrail",
            ngettext(
                "{count} trail exists: notebook 06 reads events with lookup_events and creates no paid trail",
                "{count} trails exist: notebook 06 reads events with lookup_events and creates no paid trail",
                len(trails),
            ).format(count=len(trails)),
        )
    return Finding(True, "CloudTrail", _("no trail: the first copy of management events in a Region is free"))


def pending_email(client_for: ClientFor) -> Finding:
    """SNS email subscriptions nobody confirmed yet: they receive no alarm."""
    sns = client_for("sns")
    pending = 0
    for page in sns.get_paginator("list_subscriptions").paginate():
        pending += sum(1 for s in page["Subscriptions"] if s["SubscriptionArn"] == "PendingConfirmation")
    if pending:
        return Finding(
            False,
            _("SNS email"),
            ngettext(
                "{count} subscription still pending confirmation: click the link in the email",
                "{count} subscriptions still pending confirmation: click the link in the email",
                pending,
            ).format(count=pending),
        )
    return Finding(True, _("SNS email"), _("no subscription waiting for confirmation"))


def free_tier(client_for: ClientFor, instance_type: str) -> Finding:
    """Whether ``instance_type`` is free-tier eligible in this Region."""
    found = client_for("ec2").describe_instance_types(
        InstanceTypes=[instance_type], Filters=[{"Name": "free-tier-eligible", "Values": ["true"]}]
    )["InstanceTypes"]
    if found:
        return Finding(
            True,
            _("free tier"),
            _(
                "{instance_type} is free-tier eligible (750 hours a month in the first 12 "
                "months of a free-tier account)"
            ).format(instance_type=instance_type),
        )
    return Finding(
        True,
        _("free tier"),
        _("{instance_type} is not free-tier eligible here: it is charged per second while running").format(
            instance_type=instance_type
        ),
    )


def vcpu_quota(client_for: ClientFor, needed: int = 2) -> Finding:
    """Whether the On-Demand standard vCPU quota leaves room for the lab instance."""
    quota = client_for("service-quotas").get_service_quota(
        ServiceCode=STANDARD_VCPU_QUOTA[0], QuotaCode=STANDARD_VCPU_QUOTA[1]
    )["Quota"]["Value"]
    return Finding(
        quota >= needed,
        _("EC2 vCPU quota"),
        _("{quota:g} On-Demand standard vCPUs allowed, the lab needs {needed}").format(quota=quota, needed=needed),
    )


def preflight(client_for: ClientFor, instance_type: str = "t3.micro") -> list[Finding]:
    """Every pre-flight check, each reported as a :class:`~labkit.tools.doctor.Finding`."""
    checks: list[tuple[str, Callable[[], Finding]]] = [
        ("GuardDuty", lambda: guardduty_detectors(client_for)),
        ("AWS Config", lambda: config_recorders(client_for)),
        ("CloudTrail", lambda: cloudtrail_trails(client_for)),
        (_("SNS email"), lambda: pending_email(client_for)),
        (_("free tier"), lambda: free_tier(client_for, instance_type)),
        (_("EC2 vCPU quota"), lambda: vcpu_quota(client_for)),
    ]
    return [_safely(what, check) for what, check in checks]
