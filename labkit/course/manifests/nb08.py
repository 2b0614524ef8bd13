"""Notebook 08-investigate: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from labkit.course.exam import question
from labkit.course.manifest import Manifest
from labkit.i18n import N_

MANIFEST = Manifest(
    number="08",
    slug="investigate",
    title="Investigate with Logs Insights",
    title_ja="調査: Logs Insights",
    teaches=(
        "who attacked SSH, with which user names, and who got in; who opened port 22 (CloudTrail); saved queries "
        "and their cost; the SSH alarm as a log alarm"
    ),
    minutes=50,
    differences=(
        (
            N_(
                "Logs Insights queries are run by labkit's engine (written from AWS's query syntax pages) over the "
                "events stored at StartQuery, and are Complete at the first get_query_results; AWS runs them for "
                "seconds, and a few commands (unnest, lookup, pattern, diff, …) are refused by name. bytesScanned is the "
                "UTF-8 size of the scanned events' messages, the lab's reading of a figure AWS does not define."
            )
        ),
        (
            N_(
                "The hour of /var/log/secure is written at once by `prereqs.ssh_attack` (seeded sshd lines, "
                "documentation addresses); on AWS the agent ships the real file as it grows."
            )
        ),
        (
            N_(
                "Log alarms (put_log_alarm) are evaluated by labkit on the lab clock: each rate() run queries the log "
                "groups with labkit's Logs Insights engine, and M of the last N runs decide the state. AWS documents "
                "neither when the runs start nor the alarm's email: the first run comes one interval after the put, "
                "and the email is the lab's alarm email with the query. A by clause (one value per contributor) is "
                "refused by name, and the IAM role ScheduledQueryRoleARN is not checked. Alarm mute rules "
                "(put_alarm_mute_rule) are emulated: a muted alarm still changes state, and its actions run when the "
                "window ends if it is still in that state."
            )
        ),
        (
            N_(
                "Contributor Insights rules on log groups are evaluated by labkit's engine (written from AWS's "
                "rule syntax page) over the events received while the rule is enabled; a CLF line is split on spaces "
                'with [...] and "..." as one field, and Approximate… values are exact (AWS does not say how). '
                "INSIGHT_RULE_METRIC (alarms on a rule) is refused by name in metric math."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "An EC2 instance's /var/log/secure has been shipped to CloudWatch Logs for a week. The security team must "
                "find, in the lines already stored, the source addresses with the most failed SSH logins. What is the "
                "most operationally efficient way?"
            ),
            (
                N_("Create a metric filter with the source address as a dimension and read its metric"),
                N_("Run a CloudWatch Logs Insights query that parses the address and counts lines by it"),
                N_("Enable VPC Flow Logs on the instance's subnet and wait for new traffic"),
                N_("Create a subscription filter that streams the log group to a Lambda function"),
            ),
            "B",
            N_(
                "Logs Insights queries the events already in the log group: parse extracts the address and stats "
                "count(*) by it ranks them. Metric filters, subscription filters and flow logs only see data that arrives "
                "after they are created."
            ),
            "1.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AnalyzingLogData.html",
        ),
        question(
            N_(
                "A company must be able to tell who changed any security group, from which IP address, in every Region, "
                "and search those records with queries for a year. What should a solutions architect set up?"
            ),
            (
                N_("CloudTrail event history with lookup_events"),
                N_("AWS Config with the restricted-ssh managed rule"),
                N_(
                    "A multi-Region CloudTrail trail delivering to a CloudWatch Logs log group kept for a year, queried with "
                    "Logs Insights"
                ),
                N_("VPC Flow Logs delivered to Amazon S3"),
            ),
            "C",
            N_(
                "Event history keeps 90 days per Region and filters on one attribute. A multi-Region trail sends every "
                "management event to a log group, where retention is set per group and Logs Insights filters on any "
                "record field such as userIdentity.arn and sourceIPAddress."
            ),
            "1.2",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",
        ),
        question(
            N_(
                "CloudWatch Logs Insights queries over a busy application log group cost more than expected. Which change "
                "lowers the charge of each query?"
            ),
            (
                N_("Add a limit 10 command at the end of the query"),
                N_("Sort the results by @timestamp"),
                N_("Add more filter commands so that fewer events match"),
                N_(
                    "Query a shorter time range and only the log groups needed, because queries are billed by the data "
                    "they scan"
                ),
            ),
            "D",
            N_(
                "Logs Insights is priced per GB of data scanned: every event of the selected log groups in the time "
                "range is scanned whatever the filter keeps, so only the range and the groups reduce the charge."
            ),
            "4.1",
            "https://aws.amazon.com/cloudwatch/pricing/",
        ),
        question(
            N_(
                "A security team wants to know, from now on, which source addresses try to reach port 22 of an EC2 "
                "instance and are rejected by its security group, and how many attempts each makes per day. The "
                "connections never reach the instance's SSH server. What should a solutions architect set up?"
            ),
            (
                N_(
                    "A VPC flow log on the instance's network interface that delivers to CloudWatch Logs, then a Logs "
                    "Insights query that counts the REJECT records to port 22 by source address"
                ),
                N_("CloudTrail data events for Amazon EC2, queried with CloudTrail Lake"),
                N_("Detailed monitoring on the instance, with an alarm on the NetworkPacketsIn metric"),
                N_("A Route 53 health check on the instance's port 22"),
            ),
            "A",
            N_(
                "A flow log records the IP traffic of a network interface — source and destination addresses and ports, "
                "and whether the security group or network ACL accepted or rejected it — so traffic refused before the "
                "SSH server is still recorded. CloudTrail records API calls, not traffic; NetworkPacketsIn has no "
                "source address; a health check only tests reachability."
            ),
            "1.2",
            "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
        ),
    ),
    monitoring=(
        "Log",
        "AWS API audit",
    ),
)
