"""Notebook 01-metric-exploration: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.course.exam import question
from labkit.course.manifest import Catchup, Manifest, RunningInstance
from labkit.i18n import N_
from labkit.lesson import ec2, prereqs

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

#: Shared with notebook 02.
EC2_WORKLOAD_MODEL = N_(
    "The instance runs nothing: its AWS/EC2 metrics come from a seeded workload model (one sample a minute, "
    "published at the end of each period), and a week of history is backfilled at launch. On AWS a new "
    "instance has no history and metrics arrive a few minutes late."
)


def _instance(lab: Lab, made: dict[str, Any], confirm_cost: bool) -> Any:
    running = ec2.lab_instance_id(lab)
    if running is not None:
        return RunningInstance(running)
    return prereqs.lab_instance(lab, confirm_cost=confirm_cost)


MANIFEST = Manifest(
    number="01",
    slug="metric-exploration",
    title="Metric exploration",
    title_ja="メトリクスの探索",
    teaches="the metrics EC2 sends CloudWatch by itself, read into pandas and plotted; basic vs detailed monitoring",
    minutes=25,
    differences=(
        EC2_WORKLOAD_MODEL,
        (
            N_(
                "GetMetricStatistics and GetMetricData (with percentiles) are answered by labkit from moto's stored "
                "datapoints, on periods aligned to the epoch; moto alone drops ExtendedStatistics and fails on a "
                "percentile Stat. GetMetricData returns one page and labels a query by its metric name."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "An EC2 instance uses basic monitoring. At what interval does it send its default metrics such as "
                "CPUUtilization to CloudWatch?"
            ),
            (N_("Every 1 second"), N_("Every 1 minute"), N_("Every 5 minutes"), N_("Every 15 minutes")),
            "C",
            N_(
                "With basic monitoring, EC2 sends metric data to CloudWatch in 5-minute periods at no charge. Detailed "
                "monitoring (paid) sends it in 1-minute periods."
            ),
            "3.2",
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html",
        ),
        question(
            N_("A team needs per-minute CPU metrics for an EC2 instance to react faster to load. What should they do?"),
            (
                N_("Publish CPU with a StorageResolution of 1"),
                N_("Enable detailed monitoring on the instance"),
                N_("Create a metric filter on the system log"),
                N_("Attach an Elastic IP address"),
            ),
            "B",
            N_(
                "Detailed monitoring makes EC2 publish its metrics in 1-minute periods. High-resolution (1-second) "
                "storage applies to custom metrics you publish yourself, not to the default EC2 metrics."
            ),
            "3.2",
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html",
        ),
        question(
            N_("Which EC2 metric is published by default for every instance?"),
            (N_("MemoryUtilization"), N_("DiskSpaceUtilization"), N_("NetworkIn"), N_("SwapUtilization")),
            "C",
            N_(
                "The default EC2 metrics include CPUUtilization, NetworkIn/Out, NetworkPackets, DiskRead/Write "
                "Bytes/Ops and the status checks. Memory, disk space and swap are OS-level and need the CloudWatch agent."
            ),
            "3.2",
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html",
        ),
        question(
            N_("Metrics were collected every minute. How long does CloudWatch keep the 1-minute data points?"),
            (N_("3 hours"), N_("15 days"), N_("63 days"), N_("455 days")),
            "B",
            N_(
                "CloudWatch keeps 1-minute data points for 15 days, 5-minute data for 63 days and 1-hour data for "
                "455 days (15 months); data under 60 seconds (high resolution) is kept for 3 hours. Older data is "
                "aggregated into the longer periods."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html",
        ),
    ),
    monitoring=("Resource",),
    catchup=Catchup(N_("the lab web server instance (lab-web)"), "instance", _instance),
)
