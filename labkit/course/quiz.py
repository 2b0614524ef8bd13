"""Exam-style questions per notebook, mapped to the SAA-C03 exam guide.

Every notebook can end with a short quiz in the style of the AWS Certified Solutions Architect -
Associate exam (SAA-C03): one scenario, four options, one best answer, an explanation, the exam
guide task statement it trains, and the AWS documentation page the answer rests on::

    quiz = labkit.course.quiz.for_notebook("02")
    quiz.show()            # every question with its task statement, without the answers
    quiz.ask(1)            # one question, without the answer
    quiz.answer(1, "B")    # right or wrong, with the explanation
    quiz.reveal(1)         # the answer, the explanation and the source

The task statements are those of the SAA-C03 exam guide, "Content Domain 1–4" pages
(https://docs.aws.amazon.com/aws-certification/latest/solutions-architect-associate-03/solutions-architect-associate-03-domain1.html,
…-domain2.html, …-domain3.html, …-domain4.html), worded as the exam guide words them ("Task Statement 2.2:
Design highly available and/or fault-tolerant architectures"). Taught in notebook 00-setup-and-monitoring-types;
every notebook ends its Exercises section with its own quiz ("Exam practice (SAA-C03)").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from labkit.exceptions import QuizError

GUIDE = "https://docs.aws.amazon.com/aws-certification/latest/solutions-architect-associate-03/solutions-architect-associate-03-domain{}.html"

#: SAA-C03 content domains (exam guide).
DOMAINS = {
    "1": "Design Secure Architectures",
    "2": "Design Resilient Architectures",
    "3": "Design High-Performing Architectures",
    "4": "Design Cost-Optimized Architectures",
}

#: SAA-C03 task statements (exam guide, content domains 1–4).
TASKS = {
    "1.1": "Design secure access to AWS resources",
    "1.2": "Design secure workloads and applications",
    "1.3": "Determine appropriate data security controls",
    "2.1": "Design scalable and loosely coupled architectures",
    "2.2": "Design highly available and/or fault-tolerant architectures",
    "3.1": "Determine high-performing and/or scalable storage solutions",
    "3.2": "Design high-performing and elastic compute solutions",
    "3.3": "Determine high-performing database solutions",
    "3.4": "Determine high-performing and/or scalable network architectures",
    "3.5": "Determine high-performing data ingestion and transformation solutions",
    "4.1": "Design cost-optimized storage solutions",
    "4.2": "Design cost-optimized compute solutions",
    "4.3": "Design cost-optimized database solutions",
    "4.4": "Design cost-optimized network architectures",
}

LETTERS = "ABCD"


@dataclass(frozen=True)
class Question:
    """One exam-style question with four options and one best answer."""

    text: str
    choices: tuple[str, str, str, str]
    answer: str
    explanation: str
    task: str
    source: str

    @property
    def guide_url(self) -> str:
        """The exam guide page of the question's task statement."""
        return GUIDE.format(self.task.split(".")[0])

    @property
    def task_label(self) -> str:
        """``Task Statement 2.2: Design highly available …``, as the exam guide words it."""
        return f"Task Statement {self.task}: {TASKS[self.task]}"

    @property
    def domain_label(self) -> str:
        """``Domain 2: Design Resilient Architectures`` for the question's task statement."""
        domain = self.task.split(".")[0]
        return f"Domain {domain}: {DOMAINS[domain]}"


def _q(text: str, choices: tuple[str, str, str, str], answer: str, explanation: str, task: str, source: str) -> Question:
    """A question whose options are rotated by a fixed amount drawn from its text, so that the right
    letter is spread over A–D for the learner while the data below stays easy to review."""
    shift = zlib.crc32(text.encode()) % len(choices)
    rotated = choices[shift:] + choices[:shift]
    letter = LETTERS[(LETTERS.index(answer) - shift) % len(choices)]
    return Question(text, rotated, letter, explanation, task, source)  # type: ignore[arg-type]


QUESTIONS: dict[str, tuple[Question, ...]] = {
    "00": (
        _q("An application on EC2 must be watched for memory exhaustion. Which approach gives memory "
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
        _q("A security team must know which IAM user terminated an EC2 instance yesterday, and from which IP "
           "address. Which service records this?",
           ("Amazon GuardDuty", "AWS Config", "AWS CloudTrail", "Amazon CloudWatch Logs Insights"),
           "C",
           "CloudTrail records API calls: who (userIdentity), what (eventName, e.g. TerminateInstances), when, and "
           "from where (sourceIPAddress). Config records how resource configurations change; GuardDuty analyses "
           "logs for threats.",
           "1.1", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-user-guide.html"),
        _q("A company wants a managed service that continuously analyses its account activity and network "
           "traffic with threat intelligence and machine learning, without deploying agents. Which service fits?",
           ("Amazon Macie", "Amazon GuardDuty", "Amazon Inspector", "AWS Trusted Advisor"),
           "B",
           "GuardDuty is a threat-detection service that analyses foundational data sources such as CloudTrail "
           "management events, VPC Flow Logs and DNS query logs once it is enabled. Macie discovers sensitive data "
           "in S3; Inspector scans workloads for vulnerabilities.",
           "1.2", "https://docs.aws.amazon.com/guardduty/latest/ug/what-is-guardduty.html"),
        _q("Under the AWS shared responsibility model, who configures monitoring and alerting for the guest "
           "operating system of an EC2 instance?",
           ("AWS, because EC2 is a managed service", "The customer",
            "AWS Support, on request", "Nobody: the hypervisor reports guest failures automatically"),
           "B",
           "For EC2 (infrastructure as a service) the customer is responsible for the guest operating system, "
           "applications and their configuration, which includes what is monitored inside the instance. AWS is "
           "responsible for the security of the cloud: hardware, hypervisor and facilities.",
           "1.1", "https://aws.amazon.com/compliance/shared-responsibility-model/"),
    ),
    "01": (
        _q("An EC2 instance uses basic monitoring. At what interval does it send its default metrics such as "
           "CPUUtilization to CloudWatch?",
           ("Every 1 second", "Every 1 minute", "Every 5 minutes", "Every 15 minutes"),
           "C",
           "With basic monitoring, EC2 sends metric data to CloudWatch in 5-minute periods at no charge. Detailed "
           "monitoring (paid) sends it in 1-minute periods.",
           "3.2", "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html"),
        _q("A team needs per-minute CPU metrics for an EC2 instance to react faster to load. What should they do?",
           ("Publish CPU with a StorageResolution of 1", "Enable detailed monitoring on the instance",
            "Create a metric filter on the system log", "Attach an Elastic IP address"),
           "B",
           "Detailed monitoring makes EC2 publish its metrics in 1-minute periods. High-resolution (1-second) "
           "storage applies to custom metrics you publish yourself, not to the default EC2 metrics.",
           "3.2", "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html"),
        _q("Which EC2 metric is published by default for every instance?",
           ("MemoryUtilization", "DiskSpaceUtilization", "NetworkIn", "SwapUtilization"),
           "C",
           "The default EC2 metrics include CPUUtilization, NetworkIn/Out, NetworkPackets, DiskRead/Write "
           "Bytes/Ops and the status checks. Memory, disk space and swap are OS-level and need the CloudWatch agent.",
           "3.2", "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html"),
        _q("Metrics were collected every minute. How long does CloudWatch keep the 1-minute data points?",
           ("3 hours", "15 days", "63 days", "455 days"),
           "B",
           "CloudWatch keeps 1-minute data points for 15 days, 5-minute data for 63 days and 1-hour data for "
           "455 days (15 months); data under 60 seconds (high resolution) is kept for 3 hours. Older data is "
           "aggregated into the longer periods.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html"),
    ),
    "02": (
        _q("A CloudWatch alarm was just created on a metric that has no data yet. Which state is it in?",
           ("OK", "ALARM", "INSUFFICIENT_DATA", "PENDING"),
           "C",
           "An alarm has three states: OK, ALARM and INSUFFICIENT_DATA. A new alarm, or one whose metric has not "
           "enough data to evaluate, is in INSUFFICIENT_DATA.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"),
        _q("An alarm has Period 300 seconds, EvaluationPeriods 3 and DatapointsToAlarm 2. When does it go to ALARM?",
           ("When any single 5-minute data point breaches",
            "When 2 of the last 3 five-minute data points breach",
            "When 3 consecutive data points breach",
            "When the 15-minute average breaches"),
           "B",
           "EvaluationPeriods is the number of most recent periods evaluated (N); DatapointsToAlarm is how many of "
           "them must breach (M): an 'M out of N' alarm. Here 2 of the last 3 five-minute periods.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"),
        _q("An alarm publishes to an SNS topic with an email subscription, but no email arrives. The subscription "
           "shows 'Pending confirmation'. What is needed?",
           ("Add an IAM role to the alarm", "The recipient must open the confirmation link sent to the address",
            "Move the topic to us-east-1", "Make the topic a FIFO topic"),
           "B",
           "SNS sends a confirmation message to a new email endpoint; it receives notifications only after the "
           "recipient confirms the subscription by following the link.",
           "2.1", "https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html"),
        _q("Several systems must each receive every alarm notification independently: an email address, an SQS "
           "queue and a Lambda function. Which design is the most loosely coupled?",
           ("One SNS topic with three subscriptions", "Three alarms, one per receiver",
            "An SQS queue polled by the other two", "A Lambda function that calls the others in turn"),
           "A",
           "SNS fan-out: a message published to a topic is delivered to every subscribed endpoint (email, SQS, "
           "Lambda, HTTP…), so publishers and receivers are decoupled.",
           "2.1", "https://docs.aws.amazon.com/sns/latest/dg/sns-common-scenarios.html"),
        _q("How should an alarm treat missing data points so that gaps in a metric never change its state?",
           ("notBreaching", "breaching", "ignore", "missing"),
           "C",
           "With TreatMissingData=ignore the alarm keeps its current state when data points are missing. "
           "notBreaching treats them as good, breaching as bad, and missing (the default) lets the alarm go to "
           "INSUFFICIENT_DATA when all points in the evaluation range are missing.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"),
    ),
    "03": (
        _q("An application on EC2 must write to CloudWatch Logs. What is the most secure way to give it credentials?",
           ("Store an IAM user's access keys in the application's configuration file",
            "Attach an IAM role to the instance through an instance profile",
            "Use the root user's access keys", "Put the access keys in the instance user data"),
           "B",
           "An IAM role delivered through an instance profile gives the instance temporary credentials that are "
           "rotated automatically and read from the instance metadata; no long-term keys are stored on the instance.",
           "1.1", "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html"),
        _q("How many IAM roles can an instance profile contain?",
           ("One", "Two", "Up to ten", "Any number"),
           "A",
           "An instance profile can contain only one role, and this quota cannot be increased.",
           "1.1", "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html"),
        _q("A role for the CloudWatch agent on EC2 is being created. Which principal must its trust policy allow "
           "to call sts:AssumeRole?",
           ("logs.amazonaws.com", "ec2.amazonaws.com", "cloudwatch.amazonaws.com", "The account root user"),
           "B",
           "The trust policy names who may assume the role. For a role used by EC2 instances it trusts the EC2 "
           "service principal ec2.amazonaws.com; the permissions policy (e.g. CloudWatchAgentServerPolicy) "
           "says what the role may do.",
           "1.1", "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html"),
        _q("Which AWS managed policy grants what the CloudWatch agent needs to publish metrics and logs from a server?",
           ("CloudWatchAgentServerPolicy", "AdministratorAccess", "CloudWatchReadOnlyAccess", "AmazonSSMReadOnlyAccess"),
           "A",
           "AWS documents CloudWatchAgentServerPolicy for the role or user the agent runs as. It follows least "
           "privilege better than AdministratorAccess; a read-only policy cannot write metrics or logs.",
           "1.1", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent.html"),
    ),
    "04": (
        _q("A new CloudWatch Logs log group was created without a retention setting. How long are its events kept?",
           ("1 day", "30 days", "1 year", "Indefinitely, until you change the retention"),
           "D",
           "By default, log data in CloudWatch Logs is stored indefinitely (the log group never expires); you "
           "set a retention period per log group to control storage cost.",
           "4.1", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html"),
        _q("In CloudWatch Logs, what is a log stream?",
           ("A group of log groups that share retention",
            "A sequence of log events from one source, such as one file on one instance",
            "A subscription that copies events to Kinesis", "The index CloudWatch Logs Insights uses"),
           "B",
           "A log stream is a sequence of log events that share the same source; a log group is a group of log "
           "streams that share retention, monitoring and access control settings.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogsConcepts.html"),
        _q("A company still runs the older CloudWatch Logs agent (awslogs). What does AWS recommend for new set-ups?",
           ("Keep awslogs; it is the only agent that can ship files",
            "Use the unified CloudWatch agent, which collects both logs and metrics",
            "Use the SSM Agent to ship log files", "Send logs with the AWS CLI from cron"),
           "B",
           "The older CloudWatch Logs agent is deprecated; AWS recommends the unified CloudWatch agent, which "
           "collects logs and system-level metrics such as memory.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html"),
        _q("The CloudWatch agent must run on 200 instances with the same configuration. Where can the agent read "
           "a central configuration from?",
           ("AWS Systems Manager Parameter Store", "Amazon S3 Glacier", "The instance's user data only", "AWS Config"),
           "A",
           "The CloudWatch agent can load its configuration from a Systems Manager Parameter Store parameter, "
           "so one configuration is managed centrally for many instances.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/installing-cloudwatch-agent-ssm.html"),
    ),
    "05": (
        _q("A metric filter counting failed SSH logins is created today on a log group that holds a month of "
           "events. What does the metric show for last week?",
           ("The failures of last week, computed on creation", "Nothing: filters only publish data for events "
            "ingested after the filter was created", "Only the last 24 hours", "An error until the log group is re-created"),
           "B",
           "Metric filters do not retroactively filter data: they publish metric data points only for events "
           "that arrive after the filter was created.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html"),
        _q("Which filter pattern matches log events containing the term [preauth], brackets included?",
           ("[preauth]", "\"[preauth]\"", "preauth*", "{ $.preauth = true }"),
           "B",
           "Terms containing non-alphanumeric characters must be enclosed in double quotes. An unquoted pattern "
           "starting with [ is read as a space-delimited pattern, and { } as a JSON pattern.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html"),
        _q("A metric filter publishes 1 for each failed login. An alarm on it should fire when there are more than "
           "5 failures in 5 minutes. Which statistic and period?",
           ("Average, 300 seconds", "Sum, 300 seconds", "Maximum, 60 seconds", "SampleCount, 3600 seconds"),
           "B",
           "Each matching event adds its metric value to the data points of the period, so Sum over a 300-second "
           "period counts the failures in 5 minutes. Average would stay at 1.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html"),
        _q("How can a filter pattern be tried against sample log lines before the metric filter is created?",
           ("TestMetricFilter", "FilterLogEvents on an empty log group", "PutMetricData with sample values",
            "StartQuery in Logs Insights only"),
           "A",
           "TestMetricFilter tests a filter pattern against a set of sample log event messages and returns the "
           "ones that match, without creating a filter.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TestMetricFilter.html"),
    ),
    "06": (
        _q("Without creating any trail, how far back can you look up management events in CloudTrail Event history?",
           ("7 days", "30 days", "90 days", "1 year"),
           "C",
           "Event history is an immutable record of the past 90 days of management events in a Region, viewable "
           "without a trail. Keeping events longer needs a trail delivering to an S3 bucket.",
           "1.1", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html"),
        _q("Auditors need every S3 object-level read (GetObject) on one bucket recorded. What must be configured?",
           ("Nothing: CloudTrail logs it by default", "Data events for the bucket on a trail or event data store",
            "AWS Config recording for S3", "Enable GuardDuty S3 Protection"),
           "B",
           "Data events (such as S3 object-level activity) are high-volume and are not logged by default; you "
           "enable them on a trail or event data store, at an additional charge.",
           "1.3", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html"),
        _q("The operations team wants to be notified automatically when AWS has an issue affecting resources in "
           "their account. What should they use?",
           ("An EventBridge rule on AWS Health events (source aws.health) targeting an SNS topic",
            "A CloudWatch alarm on the CPUUtilization metric", "A Route 53 health check on the AWS status page",
            "AWS Config rule"),
           "A",
           "AWS Health publishes events about issues affecting your account to Amazon EventBridge; a rule matching "
           "source aws.health can send them to targets such as SNS.",
           "2.2", "https://docs.aws.amazon.com/health/latest/ug/cloudwatch-events-health.html"),
        _q("Which CloudTrail event records a sign-in to the AWS Management Console?",
           ("GetSessionToken", "ConsoleLogin", "AssumeRole", "SwitchRole"),
           "B",
           "CloudTrail logs AWS Management Console sign-in attempts as ConsoleLogin events (successful and failed).",
           "1.1", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html"),
    ),
    "06b": (
        _q("A company must detect, and record over time, any security group that allows SSH (port 22) from "
           "0.0.0.0/0. Which service evaluates this continuously?",
           ("AWS Config with the managed rule restricted-ssh", "Amazon CloudWatch Logs", "Amazon Macie",
            "AWS Budgets"),
           "A",
           "AWS Config records resource configurations and evaluates them against rules; the managed rule "
           "restricted-ssh checks whether security groups allow unrestricted incoming SSH traffic.",
           "1.2", "https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html"),
        _q("GuardDuty is enabled. Which data sources does it analyse without you enabling them separately?",
           ("Only S3 server access logs you configure",
            "CloudTrail management events, VPC Flow Logs and DNS query logs",
            "The guest OS logs of every instance", "Only AWS Config snapshots"),
           "B",
           "GuardDuty's foundational data sources are CloudTrail management events, VPC Flow Logs and DNS logs; "
           "it consumes them directly, without you turning them on.",
           "1.2", "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_data-sources.html"),
        _q("Finance wants an email when this month's AWS costs are forecast to exceed $100. Which service fits?",
           ("AWS Budgets with a cost budget and a forecasted alert", "AWS Cost and Usage Report", "AWS Config",
            "Amazon CloudWatch Logs"),
           "A",
           "AWS Budgets tracks cost or usage against an amount and alerts (email or SNS) on actual or forecasted "
           "values crossing a threshold.",
           "4.2", "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html"),
        _q("A company must find personally identifiable information stored in Amazon S3 buckets. Which service "
           "is designed for this?",
           ("Amazon GuardDuty", "Amazon Macie", "AWS Config", "AWS CloudTrail"),
           "B",
           "Macie uses machine learning and pattern matching to discover sensitive data such as PII in Amazon S3. "
           "GuardDuty detects threats; it does not classify data.",
           "1.3", "https://docs.aws.amazon.com/macie/latest/user/what-is-macie.html"),
    ),
    "07": (
        _q("An EC2 instance fails its system status check because of a problem with the underlying host. Which "
           "alarm action can restore it automatically, keeping its instance ID and IP addresses?",
           ("Reboot action on StatusCheckFailed_Instance", "Recover action on StatusCheckFailed_System",
            "Terminate action on CPUUtilization", "Stop action on NetworkIn"),
           "B",
           "A system status check failure means a problem with the AWS infrastructure the instance runs on. The "
           "recover alarm action on StatusCheckFailed_System moves the instance to new hardware; it keeps its "
           "instance ID, private IP addresses, Elastic IP addresses and metadata.",
           "2.2", "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-recover.html"),
        _q("When does Route 53 consider an endpoint health check healthy?",
           ("When every health checker reports it healthy", "When more than 18% of health checkers report it healthy",
            "When at least half of the health checkers report it healthy", "When the last check succeeded"),
           "B",
           "Route 53 aggregates its health checkers' results: more than 18% reporting healthy means healthy, 18% or "
           "fewer means unhealthy, so a network problem isolating some checker locations does not fail the endpoint.",
           "2.2", "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"),
        _q("Users report HTTP 5XX errors from a web site behind an Application Load Balancer. Which pair of "
           "metrics tells errors generated by the load balancer itself apart from errors returned by the targets?",
           ("HTTPCode_ELB_5XX_Count and HTTPCode_Target_5XX_Count", "CPUUtilization and NetworkIn",
            "RequestCount and ActiveConnectionCount", "HealthyHostCount and TargetResponseTime"),
           "A",
           "HTTPCode_ELB_5XX_Count counts 5XX codes that originate from the load balancer (for example 503 when a "
           "target group has no registered targets); HTTPCode_Target_5XX_Count counts those the targets returned.",
           "2.2", "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html"),
        _q("An RDS for MySQL database must alert before it runs out of disk. Which metric should the alarm watch?",
           ("FreeStorageSpace", "FreeableMemory", "ReadIOPS", "DatabaseConnections"),
           "A",
           "FreeStorageSpace is the amount of available storage space of the DB instance; an alarm when it drops "
           "below a threshold warns before the database runs out of storage.",
           "3.3", "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html"),
    ),
    "08": (
        _q("An EC2 instance's /var/log/secure has been shipped to CloudWatch Logs for a week. The security team must "
           "find, in the lines already stored, the source addresses with the most failed SSH logins. What is the "
           "most operationally efficient way?",
           ("Create a metric filter with the source address as a dimension and read its metric",
            "Run a CloudWatch Logs Insights query that parses the address and counts lines by it",
            "Enable VPC Flow Logs on the instance's subnet and wait for new traffic",
            "Create a subscription filter that streams the log group to a Lambda function"),
           "B",
           "Logs Insights queries the events already in the log group: parse extracts the address and stats "
           "count(*) by it ranks them. Metric filters, subscription filters and flow logs only see data that arrives "
           "after they are created.",
           "1.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AnalyzingLogData.html"),
        _q("A company must be able to tell who changed any security group, from which IP address, in every Region, "
           "and search those records with queries for a year. What should a solutions architect set up?",
           ("CloudTrail event history with lookup_events",
            "AWS Config with the restricted-ssh managed rule",
            "A multi-Region CloudTrail trail delivering to a CloudWatch Logs log group kept for a year, queried with "
            "Logs Insights",
            "VPC Flow Logs delivered to Amazon S3"),
           "C",
           "Event history keeps 90 days per Region and filters on one attribute. A multi-Region trail sends every "
           "management event to a log group, where retention is set per group and Logs Insights filters on any "
           "record field such as userIdentity.arn and sourceIPAddress.",
           "1.2", "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html"),
        _q("CloudWatch Logs Insights queries over a busy application log group cost more than expected. Which change "
           "lowers the charge of each query?",
           ("Add a limit 10 command at the end of the query",
            "Sort the results by @timestamp",
            "Add more filter commands so that fewer events match",
            "Query a shorter time range and only the log groups needed, because queries are billed by the data "
            "they scan"),
           "D",
           "Logs Insights is priced per GB of data scanned: every event of the selected log groups in the time "
           "range is scanned whatever the filter keeps, so only the range and the groups reduce the charge.",
           "4.1", "https://aws.amazon.com/cloudwatch/pricing/"),
    ),
    "09": (
        _q("An Application Load Balancer serves between 100 and 100,000 requests a minute. The operations team must be "
           "alerted when more than 5 % of requests fail with a 5XX error from the targets, at any traffic level. "
           "What should a solutions architect configure?",
           ("An alarm on the Sum of HTTPCode_Target_5XX_Count above 500 per minute",
            "An alarm on a metric math expression dividing HTTPCode_Target_5XX_Count by RequestCount",
            "An alarm on the Average of TargetResponseTime above 1 second",
            "An alarm on UnHealthyHostCount above 0"),
           "B",
           "A fixed count means different things at different traffic levels; a metric math expression turns the two "
           "metrics into an error rate, and an alarm can watch the expression.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html"),
        _q("On-call engineers are paged several times for one incident: the CPU alarm, the URL check alarm and the "
           "error-rate alarm all notify separately, and a busy CPU alone is usually harmless. How can the pages be "
           "reduced to one that matters, with the least effort?",
           ("Raise every alarm's threshold",
            "Remove the actions of the individual alarms and create a composite alarm whose rule combines their "
            "states with AND, and which notifies",
            "Send each alarm to a different SNS topic",
            "Replace the alarms with an EventBridge rule on every alarm state change"),
           "B",
           "A composite alarm evaluates a rule over other alarms' states, so only the combination that matters "
           "notifies; the child alarms keep changing state without actions of their own.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html"),
        _q("Every deployment restarts the application, so a composite alarm pages during each release. The page must "
           "stay quiet while a deployment runs and for a few minutes after, yet still fire for problems that last. "
           "What should be configured?",
           ("Disable the alarm actions before each deployment and enable them manually after it",
            "Delete and re-create the composite alarm after each deployment",
            "Set the composite alarm's ActionsSuppressor to an alarm that is in ALARM during deployments, with an "
            "extension period",
            "Change TreatMissingData to ignore on the child alarms"),
           "C",
           "A suppressor alarm stops a composite alarm's actions while it is in ALARM; the extension period keeps "
           "them suppressed after it returns to OK, and actions still run if the composite alarm is in ALARM after.",
           "2.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-suppression.html"),
        _q("A server's CPU follows a daily pattern: 10 % at night, 60 % in the afternoon. A static threshold of 80 % "
           "misses problems that raise the night-time CPU to 50 %. Which alarm adapts to the pattern with the least "
           "operational overhead?",
           ("A CloudWatch anomaly detection alarm on CPUUtilization",
            "Two alarms with different thresholds, switched by a scheduled Lambda function",
            "An alarm on the Maximum statistic instead of the Average",
            "A larger instance type, so that the CPU stays low"),
           "A",
           "Anomaly detection trains a model on up to two weeks of the metric, including daily and weekly patterns, "
           "and the alarm fires when the metric leaves the expected band.",
           "3.2", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html"),
    ),
}


@dataclass
class Quiz:
    """The questions of one notebook; numbered from 1 as the learner sees them."""

    notebook: str
    questions: tuple[Question, ...]

    def question(self, number: int) -> Question:
        """Question ``number`` (1-based); raises :class:`QuizError` for a number the quiz lacks."""
        if not 1 <= number <= len(self.questions):
            raise QuizError(f"notebook {self.notebook}'s quiz has questions 1–{len(self.questions)}, not {number}")
        return self.questions[number - 1]

    def ask(self, number: int) -> None:
        """Print question ``number`` with its options, without the answer."""
        q = self.question(number)
        print(f"Question {number} — SAA-C03 {q.task_label}")
        print(q.text)
        for letter, choice in zip(LETTERS, q.choices):
            print(f"  {letter}. {choice}")
        print(f'Answer with quiz.answer({number}, "A"…"D").')

    def show(self) -> None:
        """Print every question of the quiz, each with the task statement it practises, without answers."""
        print(f"Exam practice (SAA-C03), notebook {self.notebook}: {len(self.questions)} questions")
        for number in range(1, len(self.questions) + 1):
            print()
            self.ask(number)

    def check(self, number: int, letter: str) -> bool:
        """Whether ``letter`` is the answer to question ``number`` (case-insensitive)."""
        choice = letter.strip().upper()
        if choice not in LETTERS:
            raise QuizError(f"answer with one of A, B, C, D (not {letter!r})")
        return choice == self.question(number).answer

    def answer(self, number: int, letter: str) -> None:
        """Say whether ``letter`` is right, with the explanation (:meth:`check` gives it as a bool)."""
        right = self.check(number, letter)
        q = self.question(number)
        print(("✔ Right. " if right else f"✘ Not quite ({letter.strip().upper()}). ") + q.explanation)
        print(f"AWS documentation: {q.source}")
        if not right:
            print(f"Try again, or quiz.reveal({number}).")

    def reveal(self, number: int) -> None:
        """Print the answer of question ``number``, the explanation and the sources."""
        q = self.question(number)
        print(f"Answer: {q.answer}. {q.choices[LETTERS.index(q.answer)]}")
        print(q.explanation)
        print(f"AWS documentation: {q.source}")
        print(f"SAA-C03 {q.task_label} — {q.guide_url}")

    def __len__(self) -> int:
        return len(self.questions)


def for_notebook(notebook: str) -> Quiz:
    """The quiz of ``notebook`` (its number as in the file name: ``"02"``, ``"06b"``)."""
    if notebook not in QUESTIONS:
        raise QuizError(f"no quiz for notebook {notebook!r}; quizzes exist for {', '.join(QUESTIONS)}")
    return Quiz(notebook, QUESTIONS[notebook])


def mapping() -> Any:
    """Every question as a pandas DataFrame: notebook, number, SAA-C03 task, and the AWS page it rests on."""
    import pandas as pd

    return pd.DataFrame(
        [
            {"notebook": nb, "question": n, "SAA-C03 task": q.task_label, "AWS documentation": q.source}
            for nb, questions in QUESTIONS.items()
            for n, q in enumerate(questions, start=1)
        ]
    )
