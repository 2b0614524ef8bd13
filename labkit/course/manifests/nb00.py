"""Notebook 00-setup-and-monitoring-types: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from labkit.course.exam import question
from labkit.course.manifest import Manifest

MANIFEST = Manifest(
    number="00",
    slug="setup-and-monitoring-types",
    title="Setup and the kinds of monitoring",
    title_ja="セットアップと監視の種類",
    teaches=(
        "the seven kinds of monitoring and the AWS services behind them; your first boto3 calls, lab time, "
        "clean-up"
    ),
    minutes=20,
    differences=(
        (
            "Tags `labkit:lab` are added to what the lab creates so that teardown can find it; AWS does not add them "
            "itself."
        ),
    ),
    questions=(
        question("An application on EC2 must be watched for memory exhaustion. Which approach gives memory "
                 "utilization in CloudWatch?",
                 ("Enable detailed monitoring on the instance",
                  "Install the CloudWatch agent and publish memory as a custom metric",
                  "Read the MemoryUtilization metric in the AWS/EC2 namespace",
                  "Turn on AWS Config for the instance"),
                 "B",
                 "EC2 publishes metrics the hypervisor can see (CPU, network, disk I/O, status checks). Memory is inside "
                 "the guest OS, so the CloudWatch agent collects it and publishes it as a custom metric (namespace CWAgent). "
                 "Detailed monitoring only changes the period of the default metrics to 1 minute.",
                 "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/metrics-collected-by-CloudWatch-agent.html"),
        question("A security team must know which IAM user terminated an EC2 instance yesterday, and from which IP "
                 "address. Which service records this?",
                 ("Amazon GuardDuty", "AWS Config", "AWS CloudTrail", "Amazon CloudWatch Logs Insights"),
                 "C",
                 "CloudTrail records API calls: who (userIdentity), what (eventName, e.g. TerminateInstances), when, and "
                 "from where (sourceIPAddress). Config records how resource configurations change; GuardDuty analyses "
                 "logs for threats.",
                 "1.1", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-user-guide.html"),
        question("A company wants a managed service that continuously analyses its account activity and network "
                 "traffic with threat intelligence and machine learning, without deploying agents. Which service fits?",
                 ("Amazon Macie", "Amazon GuardDuty", "Amazon Inspector", "AWS Trusted Advisor"),
                 "B",
                 "GuardDuty is a threat-detection service that analyses foundational data sources such as CloudTrail "
                 "management events, VPC Flow Logs and DNS query logs once it is enabled. Macie discovers sensitive data "
                 "in S3; Inspector scans workloads for vulnerabilities.",
                 "1.2", "https://docs.aws.amazon.com/guardduty/latest/ug/what-is-guardduty.html"),
        question("Under the AWS shared responsibility model, who configures monitoring and alerting for the guest "
                 "operating system of an EC2 instance?",
                 ("AWS, because EC2 is a managed service", "The customer",
                  "AWS Support, on request", "Nobody: the hypervisor reports guest failures automatically"),
                 "B",
                 "For EC2 (infrastructure as a service) the customer is responsible for the guest operating system, "
                 "applications and their configuration, which includes what is monitored inside the instance. AWS is "
                 "responsible for the security of the cloud: hardware, hypervisor and facilities.",
                 "1.1", "https://aws.amazon.com/compliance/shared-responsibility-model/"),
    ),
)
