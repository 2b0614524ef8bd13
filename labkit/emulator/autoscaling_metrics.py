"""The members of each Auto Scaling group, their shared load and the group's metrics (moto publishes none).

* Every instance moto launches for a group gets the EC2 metrics of :mod:`labkit.emulator.ec2_metrics`,
  with a CPU that is its share of the group's load (:class:`labkit.emulator.ec2_workload.GroupLoad`):
  when the group grows, each instance's CPU falls. A terminated member's metrics stop.
* EC2 publishes the group's aggregate of its instances' metrics under the ``AutoScalingGroupName``
  dimension ("AutoScalingGroupName: This dimension filters the data you request for all instances
  in a specified capacity group", "CloudWatch metrics that are available for your instances",
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html): labkit
  publishes ``CPUUtilization`` there, at the members' monitoring period (1 minute when the launch
  template enables detailed monitoring, 5 otherwise), as the members' raw one-minute samples.
* Group metrics (``AWS/AutoScaling``) once a minute for the metrics ``EnableMetricsCollection``
  enabled ("Amazon CloudWatch metrics for Amazon EC2 Auto Scaling",
  https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html: "Auto Scaling
  group metrics ... with a one-minute granularity"). Instances are InService as soon as moto
  launches them, so the pending, standby, terminating and warm pool counts are 0.

These datapoints tick before the alarms (:class:`labkit.emulator.cloudwatch_alarms.CloudWatchAlarms`
lists this plugin in ``after``), so a target tracking alarm evaluated at a minute sees that minute.
Taught in notebook 09-scaling-and-quiet-alarms.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import TYPE_CHECKING, Any

from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.emulator.ec2_workload import GroupLoad, LabInstance, SharedWorkload, metric_period_start, sample_values

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

#: The group metrics this plugin publishes and how it computes each from the group.
GROUP_METRICS = (
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "GroupInServiceCapacity",
    "GroupPendingCapacity",
    "GroupStandbyCapacity",
    "GroupTerminatingCapacity",
    "GroupTotalCapacity",
)


class AutoScalingMetrics:
    """The plugin's state: each group's members (as watched :class:`LabInstance`) and load."""

    requires = (CloudWatchMetrics, Ec2Metrics)

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.ec2_metrics = emulator.plugin(Ec2Metrics)
        self.members: dict[str, dict[str, LabInstance]] = {}
        self.loads: dict[str, GroupLoad] = {}
        self._detailed: dict[str, bool] = {}
        #: The region's groups as last described, or None once a call may have changed them. In-process
        #: moto starts empty with the lab, so there is nothing to ask until a lab client calls Auto Scaling
        #: (each moto call draws on the seeded generator behind resource ids: asking would shift the notebooks' ids).
        self._kept: list[dict[str, Any]] | None = [] if self.lab.backend.in_process else None

    def load(self, group: str) -> GroupLoad:
        """The load of ``group`` (created idle, one instance's worth, on first use)."""
        return self.loads.setdefault(group, GroupLoad())

    def watch(self, client: Any) -> None:
        """Drop the kept groups after any call of ``client`` (an Auto Scaling client of the lab) that can change them."""
        client.meta.events.register(
            f"after-call.{client.meta.service_model.service_id.hyphenize()}", self._forget_groups
        )

    def _forget_groups(self, model: Any, **_: Any) -> None:
        if not model.name.startswith("Describe"):
            self._kept = None

    def groups(self) -> list[dict[str, Any]]:
        """The region's Auto Scaling groups as moto describes them, read again only after a lab
        client's call that can change them (emulator contract: kept copies), so a long
        ``lab.advance`` without Auto Scaling costs no call."""
        if self._kept is None:
            pages = self.lab.internal_client("autoscaling").get_paginator("describe_auto_scaling_groups").paginate()
            self._kept = [group for page in pages for group in page["AutoScalingGroups"]]
        return self._kept

    def sync(self, group: dict[str, Any] | None, name: str) -> tuple[list[str], list[str]]:
        """Bring the members of ``name`` in line with moto's group (None: deleted); returns the
        instance ids launched and terminated since the last sync."""
        now = self.lab.clock.now()
        known = self.members.setdefault(name, {})
        current = [i["InstanceId"] for i in group["Instances"]] if group else []
        launched = [i for i in current if i not in known]
        terminated = [i for i in known if i not in current]
        load = self.load(name)
        detailed = self._monitoring(group) if group else False
        for instance_id in terminated:
            self.ec2_metrics.forget(instance_id)
            del known[instance_id]
        for instance_id in launched:
            seed = zlib.crc32(instance_id.encode()) & 0xFFFF
            instance = LabInstance(
                instance_id, self._instance_type(group), detailed, SharedWorkload(seed=seed, group=load), now
            )
            known[instance_id] = instance
            self.ec2_metrics.watch(instance)
        load.count = len(known)
        if group is None:
            self.members.pop(name, None)
        return launched, terminated

    def _monitoring(self, group: dict[str, Any]) -> bool:
        """Whether the group's launch template enables detailed monitoring (1-minute metrics)."""
        template = group.get("LaunchTemplate") or {}
        key = f"{template.get('LaunchTemplateId') or template.get('LaunchTemplateName')}:{template.get('Version')}"
        if key not in self._detailed:
            self._detailed[key] = bool(self._template_data(template).get("Monitoring", {}).get("Enabled"))
        return self._detailed[key]

    def _template_data(self, template: dict[str, Any]) -> dict[str, Any]:
        if not template:
            return {}
        ident = (
            {"LaunchTemplateId": template["LaunchTemplateId"]}
            if template.get("LaunchTemplateId")
            else {"LaunchTemplateName": template["LaunchTemplateName"]}
        )
        version = str(template.get("Version") or "$Default")
        found = self.lab.internal_client("ec2").describe_launch_template_versions(**ident, Versions=[version])
        versions = found["LaunchTemplateVersions"]
        return dict(versions[0]["LaunchTemplateData"]) if versions else {}

    def _instance_type(self, group: dict[str, Any] | None) -> str:
        instances = (group or {}).get("Instances") or []
        return str(instances[0].get("InstanceType") or "t3.micro") if instances else "t3.micro"

    def tick(self, now: dt.datetime) -> None:
        """Follow membership changes, then publish the group aggregates and group metrics due at ``now``."""
        groups = self.groups()
        for group in groups:
            name = group["AutoScalingGroupName"]
            self.sync(group, name)
            self._publish_aggregate(name, now)
            self._publish_group_metrics(group, now)
        for name in [n for n in self.members if n not in {g["AutoScalingGroupName"] for g in groups}]:
            self.sync(None, name)

    def _publish_aggregate(self, name: str, now: dt.datetime) -> None:
        members = list(self.members.get(name, {}).values())
        if not members:
            return
        width = members[0].period_minutes
        if now.minute % width:
            return
        start = metric_period_start(now - dt.timedelta(minutes=width), width)
        minutes = [start + dt.timedelta(minutes=m) for m in range(width)]
        samples = [m.workload.cpu(minute) for m in members for minute in minutes if m.launched_at <= minute]
        if not samples:
            return
        timestamp = start.replace(tzinfo=None) if self.lab.backend.in_process else start
        self.metrics.publish(
            "AWS/EC2",
            [
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": name}],
                    "Timestamp": timestamp,
                    "Unit": "Percent",
                    **sample_values(samples),
                }
            ],
        )

    def _publish_group_metrics(self, group: dict[str, Any], now: dt.datetime) -> None:
        enabled = [m["Metric"] for m in group.get("EnabledMetrics") or [] if m.get("Metric") in GROUP_METRICS]
        if not enabled:
            return
        in_service = len(group["Instances"])
        values = {
            "GroupMinSize": group["MinSize"],
            "GroupMaxSize": group["MaxSize"],
            "GroupDesiredCapacity": group["DesiredCapacity"],
            "GroupInServiceInstances": in_service,
            "GroupTotalInstances": in_service,
            "GroupInServiceCapacity": in_service,
            "GroupTotalCapacity": in_service,
        }
        minute = now - dt.timedelta(minutes=1)
        timestamp = minute.replace(tzinfo=None) if self.lab.backend.in_process else minute
        dimensions = [{"Name": "AutoScalingGroupName", "Value": group["AutoScalingGroupName"]}]
        self.metrics.publish(
            "AWS/AutoScaling",
            [
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": timestamp,
                    "Unit": "None",
                    "Value": float(values.get(name, 0)),
                }
                for name in enabled
            ],
        )


def install(emulator: Emulator) -> AutoScalingMetrics:
    """Register the group member and metric publisher on ``emulator``."""
    plugin = AutoScalingMetrics(emulator)
    emulator.every_minute(plugin.tick)
    return plugin
