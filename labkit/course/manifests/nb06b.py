"""Notebook 06b-config-guardduty-budgets: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from labkit.course.exam import question
from labkit.course.manifest import Manifest
from labkit.i18n import N_

MANIFEST = Manifest(
    number="06b",
    slug="config-guardduty-budgets",
    title="Config, GuardDuty and Budgets",
    title_ja="Config、GuardDuty、Budgets",
    teaches="a port opened by mistake caught by a Config rule; GuardDuty findings; budget alerts",
    minutes=40,
    differences=(
        (
            N_(
                "Config evaluates only the managed rule `restricted-ssh` offline, at the lab minute after a "
                'security-group change and every 24 hours; AWS takes a few minutes. Which port ranges count as "incoming '
                "SSH\" (22 inside a TCP range, or all traffic) is the lab's reading; AWS's page names only the CIDRs. "
                "Remediation configurations (`put_remediation_configurations`) are not emulated."
            )
        ),
        (
            N_(
                "GuardDuty analyses nothing offline: findings come from `create_sample_findings` (a few EC2 finding "
                "types, not all) and `labkit.lesson.simulate.simulate_ssh_brute_force`; severities are the bands' sample "
                "values (2, 8)."
            )
        ),
        (
            N_(
                "Cost is accrued by labkit from a small dated price table (Tokyo list prices, no free tier): the "
                "instance, alarms, custom metrics, log ingestion, SNS email, Config items and evaluations. AWS bills "
                "everything, with up to a day's delay."
            )
        ),
        (
            N_(
                "The budget forecast is a linear extrapolation of the month so far, available after one day; AWS uses "
                "its own model and needs about five weeks of history. The budget email's wording is illustrative (AWS "
                "does not document it)."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "A company must detect, and record over time, any security group that allows SSH (port 22) from "
                "0.0.0.0/0. Which service evaluates this continuously?"
            ),
            (
                N_("AWS Config with the managed rule restricted-ssh"),
                N_("Amazon CloudWatch Logs"),
                N_("Amazon Macie"),
                N_("AWS Budgets"),
            ),
            "A",
            N_(
                "AWS Config records resource configurations and evaluates them against rules; the managed rule "
                "restricted-ssh checks whether security groups allow unrestricted incoming SSH traffic."
            ),
            "1.2",
            "https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html",
        ),
        question(
            N_("GuardDuty is enabled. Which data sources does it analyse without you enabling them separately?"),
            (
                N_("Only S3 server access logs you configure"),
                N_("CloudTrail management events, VPC Flow Logs and DNS query logs"),
                N_("The guest OS logs of every instance"),
                N_("Only AWS Config snapshots"),
            ),
            "B",
            N_(
                "GuardDuty's foundational data sources are CloudTrail management events, VPC Flow Logs and DNS logs; "
                "it consumes them directly, without you turning them on."
            ),
            "1.2",
            "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_data-sources.html",
        ),
        question(
            N_("Finance wants an email when this month's AWS costs are forecast to exceed $100. Which service fits?"),
            (
                N_("AWS Budgets with a cost budget and a forecasted alert"),
                N_("AWS Cost and Usage Report"),
                N_("AWS Config"),
                N_("Amazon CloudWatch Logs"),
            ),
            "A",
            N_(
                "AWS Budgets tracks cost or usage against an amount and alerts (email or SNS) on actual or forecasted "
                "values crossing a threshold."
            ),
            "4.2",
            "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html",
        ),
        question(
            N_(
                "A company must find personally identifiable information stored in Amazon S3 buckets. Which service "
                "is designed for this?"
            ),
            (N_("Amazon GuardDuty"), N_("Amazon Macie"), N_("AWS Config"), N_("AWS CloudTrail")),
            "B",
            N_(
                "Macie uses machine learning and pattern matching to discover sensitive data such as PII in Amazon S3. "
                "GuardDuty detects threats; it does not classify data."
            ),
            "1.3",
            "https://docs.aws.amazon.com/macie/latest/user/what-is-macie.html",
        ),
    ),
    monitoring=(
        "Cost",
        "AWS API audit",
    ),
)
