"""Notebook 04-log-agent-config: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from labkit.course.exam import question
from labkit.course.manifest import Manifest
from labkit.i18n import N_

#: Shared with notebook 05.
SIMULATED_AGENT = N_(
    "The log lines come from a seeded sshd generator and are shipped by `SimulatedAgent`, which follows the "
    "agent reference's rules (timestamps, batches, skips) with PutLogEvents from this notebook; on AWS the "
    "agent on the instance reads the real /var/log/secure."
)

MANIFEST = Manifest(
    number="04",
    slug="log-agent-config",
    title="Configure the log agent",
    title_ja="ログエージェントの設定",
    teaches="the logs agent's configuration, every option explained and validated; the unified CloudWatch agent",
    minutes=25,
    differences=(
        (
            N_(
                "Nothing is installed: the install scripts are printed, not run, and configurations are checked against "
                "the agent reference and the unified agent's published JSON schema. The real agent can still fail at "
                "start for reasons no file check sees (a missing IAM role, a file it cannot read)."
            )
        ),
        SIMULATED_AGENT,
    ),
    questions=(
        question(
            N_(
                "A new CloudWatch Logs log group was created without a retention setting. How long are its events kept?"
            ),
            (N_("1 day"), N_("30 days"), N_("1 year"), N_("Indefinitely, until you change the retention")),
            "D",
            N_(
                "By default, log data in CloudWatch Logs is stored indefinitely (the log group never expires); you "
                "set a retention period per log group to control storage cost."
            ),
            "4.1",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
        ),
        question(
            N_("In CloudWatch Logs, what is a log stream?"),
            (
                N_("A group of log groups that share retention"),
                N_("A sequence of log events from one source, such as one file on one instance"),
                N_("A subscription that copies events to Kinesis"),
                N_("The index CloudWatch Logs Insights uses"),
            ),
            "B",
            N_(
                "A log stream is a sequence of log events that share the same source; a log group is a group of log "
                "streams that share retention, monitoring and access control settings."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogsConcepts.html",
        ),
        question(
            N_(
                "A company still runs the older CloudWatch Logs agent (awslogs). What does AWS recommend for new set-ups?"
            ),
            (
                N_("Keep awslogs; it is the only agent that can ship files"),
                N_("Use the unified CloudWatch agent, which collects both logs and metrics"),
                N_("Use the SSM Agent to ship log files"),
                N_("Send logs with the AWS CLI from cron"),
            ),
            "B",
            N_(
                "The older CloudWatch Logs agent is deprecated; AWS recommends the unified CloudWatch agent, which "
                "collects logs and system-level metrics such as memory."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html",
        ),
        question(
            N_(
                "The CloudWatch agent must run on 200 instances with the same configuration. Where can the agent read "
                "a central configuration from?"
            ),
            (
                N_("AWS Systems Manager Parameter Store"),
                N_("Amazon S3 Glacier"),
                N_("The instance's user data only"),
                N_("AWS Config"),
            ),
            "A",
            N_(
                "The CloudWatch agent can load its configuration from a Systems Manager Parameter Store parameter, "
                "so one configuration is managed centrally for many instances."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/installing-cloudwatch-agent-ssm.html",
        ),
    ),
    monitoring=("Log",),
)
