"""Notebook 05-ssh-failure-metric-filter: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exam import question
from labkit.course.manifest import Catchup, Manifest
from labkit.course.manifests.nb04 import SIMULATED_AGENT
from labkit.i18n import N_
from labkit.lesson import prereqs

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _ssh_attack(lab: Lab, made: dict[str, Any], confirm_cost: bool) -> Any:
    return prereqs.ssh_attack(lab, made["instance"].instance_id)


MANIFEST = Manifest(
    number="05",
    slug="ssh-failure-metric-filter",
    title="SSH failures",
    title_ja="SSH の失敗",
    teaches='a metric filter on `/var/log/secure` and the "SSH Failed" alarm that emails you',
    minutes=30,
    differences=(
        SIMULATED_AGENT,
        (
            N_(
                "Metric filters count an event as soon as PutLogEvents returns, and filter patterns are matched by "
                "labkit's engine (written from AWS's pattern syntax page); on AWS the metric appears a minute or so "
                "after ingestion."
            )
        ),
        (
            N_(
                "The alarm email is rendered into `lab.inbox` in AWS's format; on AWS it arrives in the mailbox you "
                "subscribed and confirmed."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "A metric filter counting failed SSH logins is created today on a log group that holds a month of "
                "events. What does the metric show for last week?"
            ),
            (
                N_("The failures of last week, computed on creation"),
                N_("Nothing: filters only publish data for events ingested after the filter was created"),
                N_("Only the last 24 hours"),
                N_("An error until the log group is re-created"),
            ),
            "B",
            N_(
                "Metric filters do not retroactively filter data: they publish metric data points only for events "
                "that arrive after the filter was created."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html",
        ),
        question(
            N_("Which filter pattern matches log events containing the term [preauth], brackets included?"),
            (N_("[preauth]"), N_('"[preauth]"'), N_("preauth*"), N_("{ $.preauth = true }")),
            "B",
            N_(
                "Terms containing non-alphanumeric characters must be enclosed in double quotes. An unquoted pattern "
                "starting with [ is read as a space-delimited pattern, and { } as a JSON pattern."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
        ),
        question(
            N_(
                "A metric filter publishes 1 for each failed login. An alarm on it should fire when there are more than "
                "5 failures in 5 minutes. Which statistic and period?"
            ),
            (
                N_("Average, 300 seconds"),
                N_("Sum, 300 seconds"),
                N_("Maximum, 60 seconds"),
                N_("SampleCount, 3600 seconds"),
            ),
            "B",
            N_(
                "Each matching event adds its metric value to the data points of the period, so Sum over a 300-second "
                "period counts the failures in 5 minutes. Average would stay at 1."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html",
        ),
        question(
            N_("How can a filter pattern be tried against sample log lines before the metric filter is created?"),
            (
                N_("TestMetricFilter"),
                N_("FilterLogEvents on an empty log group"),
                N_("PutMetricData with sample values"),
                N_("StartQuery in Logs Insights only"),
            ),
            "A",
            N_(
                "TestMetricFilter tests a filter pattern against a set of sample log event messages and returns the "
                "ones that match, without creating a filter."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TestMetricFilter.html",
        ),
    ),
    monitoring=("Log",),
    catchup=Catchup(N_("ssh_logs with an hour of /var/log/secure and the SSH attack"), "ssh_attack", _ssh_attack),
)
