"""Notebook 02-cpu-alarm: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exam import question
from labkit.course.manifest import Catchup, Manifest
from labkit.course.manifests.nb01 import EC2_WORKLOAD_MODEL
from labkit.i18n import N_
from labkit.lesson import prereqs

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _topic(lab: Lab, made: dict[str, Any], confirm_cost: bool) -> Any:
    return prereqs.alerts_topic(lab)


MANIFEST = Manifest(
    number="02",
    slug="cpu-alarm",
    title="The CPU alarm",
    title_ja="CPU アラーム",
    teaches="an alarm on CPU above 80 % that emails through SNS; alarm states, thresholds, missing data",
    minutes=30,
    differences=(
        EC2_WORKLOAD_MODEL,
        (
            N_(
                "Alarms are evaluated every lab minute over a sliding window (every 10 seconds for periods under a "
                "minute), as CloudWatch documents; on AWS datapoints arrive a minute or so late, so a transition can "
                "come a minute or two later. Offline the alarm email goes to `lab.inbox` (on AWS, "
                "`lab.inbox` reads an SQS queue subscribed to the topic), and the spike is simulated (on AWS the kit "
                "really loads the CPU through Systems Manager Run Command)."
            )
        ),
    ),
    questions=(
        question(
            N_("A CloudWatch alarm was just created on a metric that has no data yet. Which state is it in?"),
            (N_("OK"), N_("ALARM"), N_("INSUFFICIENT_DATA"), N_("PENDING")),
            "C",
            N_(
                "An alarm has three states: OK, ALARM and INSUFFICIENT_DATA. A new alarm, or one whose metric has not "
                "enough data to evaluate, is in INSUFFICIENT_DATA."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
        ),
        question(
            N_(
                "An alarm has Period 300 seconds, EvaluationPeriods 3 and DatapointsToAlarm 2. When does it go to ALARM?"
            ),
            (
                N_("When any single 5-minute data point breaches"),
                N_("When 2 of the last 3 five-minute data points breach"),
                N_("When 3 consecutive data points breach"),
                N_("When the 15-minute average breaches"),
            ),
            "B",
            N_(
                "EvaluationPeriods is the number of most recent periods evaluated (N); DatapointsToAlarm is how many of "
                "them must breach (M): an 'M out of N' alarm. Here 2 of the last 3 five-minute periods."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
        ),
        question(
            N_(
                "An alarm publishes to an SNS topic with an email subscription, but no email arrives. The subscription "
                "shows 'Pending confirmation'. What is needed?"
            ),
            (
                N_("Add an IAM role to the alarm"),
                N_("The recipient must open the confirmation link sent to the address"),
                N_("Move the topic to us-east-1"),
                N_("Make the topic a FIFO topic"),
            ),
            "B",
            N_(
                "SNS sends a confirmation message to a new email endpoint; it receives notifications only after the "
                "recipient confirms the subscription by following the link."
            ),
            "2.1",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html",
        ),
        question(
            N_(
                "Several systems must each receive every alarm notification independently: an email address, an SQS "
                "queue and a Lambda function. Which design is the most loosely coupled?"
            ),
            (
                N_("One SNS topic with three subscriptions"),
                N_("Three alarms, one per receiver"),
                N_("An SQS queue polled by the other two"),
                N_("A Lambda function that calls the others in turn"),
            ),
            "A",
            N_(
                "SNS fan-out: a message published to a topic is delivered to every subscribed endpoint (email, SQS, "
                "Lambda, HTTP…), so publishers and receivers are decoupled."
            ),
            "2.1",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-common-scenarios.html",
        ),
        question(
            N_("How should an alarm treat missing data points so that gaps in a metric never change its state?"),
            (N_("notBreaching"), N_("breaching"), N_("ignore"), N_("missing")),
            "C",
            N_(
                "With TreatMissingData=ignore the alarm keeps its current state when data points are missing. "
                "notBreaching treats them as good, breaching as bad, and missing (the default) lets the alarm go to "
                "INSUFFICIENT_DATA when all points in the evaluation range are missing."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
        ),
    ),
    monitoring=("Resource",),
    catchup=Catchup(N_("the SNS topic lab-alerts with you@example.com subscribed"), "topic", _topic),
)
