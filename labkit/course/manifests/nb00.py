"""Notebook 00-setup-and-monitoring-types: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from labkit.course.exam import question
from labkit.course.manifest import Manifest
from labkit.i18n import N_

MANIFEST = Manifest(
    number="00",
    slug="setup-and-monitoring-types",
    title="Setup and the kinds of monitoring",
    title_ja="セットアップと監視の種類",
    teaches=(
        "the seven kinds of monitoring and the AWS services behind them; your first boto3 calls, lab time, clean-up"
    ),
    minutes=20,
    differences=(
        (
            N_(
                "Tags `labkit:lab` are added to what the lab creates so that teardown can find it; AWS does not add them "
                "itself."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "An application on EC2 must be watched for memory exhaustion. Which approach gives memory "
                "utilization in CloudWatch?"
            ),
            (
                N_("Enable detailed monitoring on the instance"),
                N_("Install the CloudWatch agent and publish memory as a custom metric"),
                N_("Read the MemoryUtilization metric in the AWS/EC2 namespace"),
                N_("Turn on AWS Config for the instance"),
            ),
            "B",
            N_(
                "EC2 publishes metrics the hypervisor can see (CPU, network, disk I/O, status checks). Memory is inside "
                "the guest OS, so the CloudWatch agent collects it and publishes it as a custom metric (namespace CWAgent). "
                "Detailed monitoring only changes the period of the default metrics to 1 minute."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/metrics-collected-by-CloudWatch-agent.html",
        ),
        question(
            N_(
                "A security team must know which IAM user terminated an EC2 instance yesterday, and from which IP "
                "address. Which service records this?"
            ),
            (N_("Amazon GuardDuty"), N_("AWS Config"), N_("AWS CloudTrail"), N_("Amazon CloudWatch Logs Insights")),
            "C",
            N_(
                "CloudTrail records API calls: who (userIdentity), what (eventName, e.g. TerminateInstances), when, and "
                "from where (sourceIPAddress). Config records how resource configurations change; GuardDuty analyses "
                "logs for threats."
            ),
            "1.1",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-user-guide.html",
        ),
        question(
            N_(
                "A company wants a managed service that continuously analyses its account activity and network "
                "traffic with threat intelligence and machine learning, without deploying agents. Which service fits?"
            ),
            (N_("Amazon Macie"), N_("Amazon GuardDuty"), N_("Amazon Inspector"), N_("AWS Trusted Advisor")),
            "B",
            N_(
                "GuardDuty is a threat-detection service that analyses foundational data sources such as CloudTrail "
                "management events, VPC Flow Logs and DNS query logs once it is enabled. Macie discovers sensitive data "
                "in S3; Inspector scans workloads for vulnerabilities."
            ),
            "1.2",
            "https://docs.aws.amazon.com/guardduty/latest/ug/what-is-guardduty.html",
        ),
        question(
            N_(
                "Under the AWS shared responsibility model, who configures monitoring and alerting for the guest "
                "operating system of an EC2 instance?"
            ),
            (
                N_("AWS, because EC2 is a managed service"),
                N_("The customer"),
                N_("AWS Support, on request"),
                N_("Nobody: the hypervisor reports guest failures automatically"),
            ),
            "B",
            N_(
                "For EC2 (infrastructure as a service) the customer is responsible for the guest operating system, "
                "applications and their configuration, which includes what is monitored inside the instance. AWS is "
                "responsible for the security of the cloud: hardware, hypervisor and facilities."
            ),
            "1.1",
            "https://aws.amazon.com/compliance/shared-responsibility-model/",
        ),
    ),
)
