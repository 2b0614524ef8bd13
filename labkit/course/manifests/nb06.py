"""Notebook 06-cloudtrail-eventbridge-health: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exam import question
from labkit.course.manifest import Catchup, Manifest
from labkit.i18n import N_
from labkit.lesson import prereqs

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _trail(lab: Lab, made: dict[str, Any], confirm_cost: bool) -> Any:
    return prereqs.trail_to_logs(lab)


MANIFEST = Manifest(
    number="06",
    slug="cloudtrail-eventbridge-health",
    title="CloudTrail, EventBridge and AWS Health",
    title_ja="CloudTrail、EventBridge、AWS Health",
    teaches="who did what from which IP; security alarms as metric filters; EventBridge rules",
    minutes=40,
    differences=(
        (
            N_(
                "CloudTrail records come from labkit: you are moto's user `moto` calling from the documentation address "
                "198.51.100.24, and records appear 5 lab minutes after the call (AWS: typically within minutes, not "
                "guaranteed). requestParameters use boto3's parameter names (AWS uses each service's own, e.g. EC2's "
                "`instancesSet`), and readOnly is judged from the operation's verb."
            )
        ),
        (
            N_(
                "The trail writes to CloudWatch Logs but no log files to S3, and the CloudWatch Logs role's permissions "
                "are not checked (only that it trusts cloudtrail.amazonaws.com)."
            )
        ),
        (
            N_(
                "Only management events are recorded, as event history and a trail's default selectors record them. "
                "Data events (S3 object calls, SNS Publish, log events sent and read) are not, and event selectors "
                "that ask for them raise UnsupportedOperation."
            )
        ),
        (
            N_(
                "Console sign-ins and AWS Health events cannot be caused through an API: offline, "
                "`simulate_console_login` and `simulate_issue` make them; on AWS you sign in yourself, and Health events "
                "come only when AWS has something to say."
            )
        ),
        (
            N_(
                "EventBridge delivers offline to SNS and SQS targets only (other targets are recorded as not delivered), "
                "at once and exactly once; AWS retries failed deliveries for up to 24 hours."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "Without creating any trail, how far back can you look up management events in CloudTrail Event history?"
            ),
            (N_("7 days"), N_("30 days"), N_("90 days"), N_("1 year")),
            "C",
            N_(
                "Event history is an immutable record of the past 90 days of management events in a Region, viewable "
                "without a trail. Keeping events longer needs a trail delivering to an S3 bucket."
            ),
            "1.1",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html",
        ),
        question(
            N_("Auditors need every S3 object-level read (GetObject) on one bucket recorded. What must be configured?"),
            (
                N_("Nothing: CloudTrail logs it by default"),
                N_("Data events for the bucket on a trail or event data store"),
                N_("AWS Config recording for S3"),
                N_("Enable GuardDuty S3 Protection"),
            ),
            "B",
            N_(
                "Data events (such as S3 object-level activity) are high-volume and are not logged by default; you "
                "enable them on a trail or event data store, at an additional charge."
            ),
            "1.3",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",
        ),
        question(
            N_(
                "The operations team wants to be notified automatically when AWS has an issue affecting resources in "
                "their account. What should they use?"
            ),
            (
                N_("An EventBridge rule on AWS Health events (source aws.health) targeting an SNS topic"),
                N_("A CloudWatch alarm on the CPUUtilization metric"),
                N_("A Route 53 health check on the AWS status page"),
                N_("AWS Config rule"),
            ),
            "A",
            N_(
                "AWS Health publishes events about issues affecting your account to Amazon EventBridge; a rule matching "
                "source aws.health can send them to targets such as SNS."
            ),
            "2.2",
            "https://docs.aws.amazon.com/health/latest/ug/cloudwatch-events-health.html",
        ),
        question(
            N_("Which CloudTrail event records a sign-in to the AWS Management Console?"),
            (N_("GetSessionToken"), N_("ConsoleLogin"), N_("AssumeRole"), N_("SwitchRole")),
            "B",
            N_(
                "CloudTrail logs AWS Management Console sign-in attempts as ConsoleLogin events (successful and failed)."
            ),
            "1.1",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html",
        ),
    ),
    monitoring=(
        "AWS API audit",
        "AWS-side outages",
    ),
    catchup=Catchup(N_("the trail lab-trail delivering to the log group CloudTrail/lab-trail"), "trail", _trail),
)
