"""VPC Flow Logs delivered to CloudWatch Logs in lab time (moto stores the flow log and writes nothing).

For each flow log (``CreateFlowLogs`` on a VPC, a subnet or a network interface, destination
``cloud-watch-logs``), at the end of each aggregation interval (``MaxAggregationInterval``, 600 s by
default, or 60 s) the lab instances' network interfaces it covers get their records in the default
format (:mod:`labkit.aws.flowlogs`, "Flow log records",
https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html), one log stream per interface
(``eni-...-all``) in the flow log's log group, created if missing ("The name of a new or existing
CloudWatch Logs log group", CreateFlowLogs API reference,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html). A flow log records
traffic from its creation on; AWS delivers a few minutes after each interval, labkit at its end.

What traffic there is, is labkit's model: each interval the instance's HTTPS exchange with an AWS
endpoint (the agent shipping logs; a documentation address offline), and the connections a
``simulate_*`` helper scheduled (:func:`labkit.lesson.simulate.simulate_ssh_traffic`, the SSH attack
of notebooks 05 and 08). Whether an inbound connection is ``ACCEPT`` or ``REJECT`` is decided by the
instance's security groups at that minute (:func:`labkit.aws.flowlogs.inbound_allowed`); an accepted
connection's replies leave as ``ACCEPT`` too (security groups are stateful).

Not emulated, refused by name: custom ``LogFormat``, delivery to S3 or Firehose, flow logs of transit gateways.
Taught in notebook 08-investigate.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.aws import flowlogs
from labkit.emulator.core import Call
from labkit.emulator.logs_metrics import LogsMetrics
from labkit.exceptions import UnsupportedOperation
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

#: The AWS endpoint the instance talks HTTPS to every interval (a documentation address offline).
ENDPOINT_IP = "192.0.2.200"


@dataclass(frozen=True)
class Connection:
    """One inbound TCP connection attempt to a lab instance."""

    instance_id: str
    source_ip: str
    source_port: int
    port: int
    at: dt.datetime


class VpcFlowLogs:
    """The plugin's state: the scheduled connections and when each flow log started recording."""

    requires = (LogsMetrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self.logs_metrics = emulator.plugin(LogsMetrics)
        self.connections: list[Connection] = []
        #: Lab time each flow log this lab created started recording.
        self.started: dict[str, dt.datetime] = {}
        #: The region's flow logs as last described, or None once a call may have changed them. In-process
        #: moto starts empty with the lab, so there is nothing to ask until a lab client creates one (each
        #: moto call draws on the seeded generator behind resource ids: asking would shift the notebooks' ids).
        self._kept: list[dict[str, Any]] | None = [] if self.lab.backend.in_process else None

    def watch(self, client: Any) -> None:
        """Drop the kept flow logs after any EC2 client's call that creates or deletes them."""
        for operation in ("CreateFlowLogs", "DeleteFlowLogs"):
            client.meta.events.register(f"after-call.ec2.{operation}", self._forget)

    def _forget(self, **_event: Any) -> None:
        self._kept = None

    def flow_logs(self) -> list[dict[str, Any]]:
        if self._kept is None:
            pages = self.lab.internal_client("ec2").get_paginator("describe_flow_logs").paginate()
            self._kept = [f for page in pages for f in page["FlowLogs"]]
        return self._kept

    # -- calls -----------------------------------------------------------------------------------
    def validate(self, call: Call) -> None:
        params = call.params

        def unsupported(detail: str) -> UnsupportedOperation:
            return UnsupportedOperation("ec2", "CreateFlowLogs", self.lab.backend.name, detail)

        if params.get("LogFormat") not in (None, flowlogs.DEFAULT_FORMAT):
            raise unsupported(_("a custom LogFormat is valid on AWS but only the default format is emulated offline"))
        if params.get("LogDestinationType", "cloud-watch-logs") != "cloud-watch-logs":
            raise unsupported(
                _("delivery to {destination} is valid on AWS but only CloudWatch Logs is emulated").format(
                    destination=params["LogDestinationType"]
                )
            )
        if params.get("ResourceType") not in ("VPC", "Subnet", "NetworkInterface"):
            raise unsupported(
                _("flow logs of {kind} resources are not emulated offline").format(kind=params.get("ResourceType"))
            )

    def created(self, call: Call, reply: dict[str, Any]) -> None:
        for flow_log_id in reply.get("FlowLogIds", []):
            self.started[flow_log_id] = self.lab.clock.now()

    # -- traffic ---------------------------------------------------------------------------------
    def ssh_attempts(self, instance_id: str, source_ip: str, start: dt.datetime, minutes: int, per_minute: int) -> int:
        """Schedule ``per_minute`` SSH connection attempts a minute from ``source_ip`` for ``minutes``."""
        rng = random.Random(f"flow/{instance_id}/{source_ip}/{start.isoformat()}/{minutes}/{per_minute}")
        slot = 60 / per_minute
        for index in range(minutes * per_minute):
            at = start + dt.timedelta(seconds=int((index + rng.random()) * slot))
            self.connections.append(Connection(instance_id, source_ip, rng.randint(32768, 60999), 22, at))
        return minutes * per_minute

    def tick(self, now: dt.datetime) -> None:
        """At the end of each flow log's aggregation interval, deliver that interval's records."""
        due = [
            f
            for f in self.flow_logs()
            if f.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs"
            and int(now.timestamp()) % int(f.get("MaxAggregationInterval") or 600) == 0
        ]
        if not due:
            return
        instances = self._instances()
        for flow_log in due:
            interval = dt.timedelta(seconds=int(flow_log.get("MaxAggregationInterval") or 600))
            start = max(now - interval, self.started.get(flow_log["FlowLogId"], now - interval))
            for instance in instances:
                if flow_log["ResourceId"] not in (instance["VpcId"], instance["SubnetId"], instance["eni"]):
                    continue
                records = self._records(instance, start, now)
                wanted = flow_log.get("TrafficType", "ALL")
                records = [r for r in records if wanted == "ALL" or r.action == wanted]
                self._deliver(flow_log, flowlogs.log_stream_name(instance["eni"], wanted), records)
        # Kept for the longest interval: a 10-minute flow log still reports what a 1-minute one did.
        oldest = now - dt.timedelta(seconds=max(flowlogs.AGGREGATION_INTERVALS))
        self.connections = [c for c in self.connections if c.at >= oldest]

    def _instances(self) -> list[dict[str, Any]]:
        pages = (
            self.lab.internal_client("ec2")
            .get_paginator("describe_instances")
            .paginate(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
        )
        found = []
        for page in pages:
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    interfaces = instance.get("NetworkInterfaces") or []
                    if not interfaces:
                        continue
                    found.append({**instance, "eni": interfaces[0]["NetworkInterfaceId"]})
        return found

    def _records(self, instance: dict[str, Any], start: dt.datetime, end: dt.datetime) -> list[flowlogs.FlowRecord]:
        account, eni, private_ip = self.lab.account_id, instance["eni"], instance["PrivateIpAddress"]
        first, last = int(start.timestamp()), int(end.timestamp())
        rng = random.Random(f"flow/{eni}/{first}")
        port = rng.randint(32768, 60999)
        sent, received = rng.randint(8, 30), rng.randint(8, 30)
        records = [  # the instance's HTTPS exchange with an AWS endpoint: out, and the replies in
            flowlogs.FlowRecord(
                account, eni, private_ip, ENDPOINT_IP, port, 443, 6, sent, sent * 420, first, last - 1, "ACCEPT"
            ),
            flowlogs.FlowRecord(
                account, eni, ENDPOINT_IP, private_ip, 443, port, 6, received, received * 610, first, last - 1, "ACCEPT"
            ),
        ]
        permissions = self._inbound_rules(instance)
        for connection in self.connections:
            if connection.instance_id != instance["InstanceId"] or not start <= connection.at < end:
                continue
            when = int(connection.at.timestamp())
            if flowlogs.inbound_allowed(permissions, "tcp", connection.port, connection.source_ip):
                packets = rng.randint(10, 20)
                records.append(
                    flowlogs.FlowRecord(
                        account,
                        eni,
                        connection.source_ip,
                        private_ip,
                        connection.source_port,
                        connection.port,
                        6,
                        packets,
                        packets * 180,
                        when,
                        when + 2,
                        "ACCEPT",
                    )
                )
                records.append(
                    flowlogs.FlowRecord(
                        account,
                        eni,
                        private_ip,
                        connection.source_ip,
                        connection.port,
                        connection.source_port,
                        6,
                        packets - 2,
                        (packets - 2) * 240,
                        when,
                        when + 2,
                        "ACCEPT",
                    )
                )
            else:  # the SYN and its retries, dropped by the security group
                packets = rng.randint(1, 3)
                records.append(
                    flowlogs.FlowRecord(
                        account,
                        eni,
                        connection.source_ip,
                        private_ip,
                        connection.source_port,
                        connection.port,
                        6,
                        packets,
                        packets * 60,
                        when,
                        when + 1,
                        "REJECT",
                    )
                )
        return records

    def _inbound_rules(self, instance: dict[str, Any]) -> list[dict[str, Any]]:
        groups = [g["GroupId"] for g in instance.get("SecurityGroups") or []]
        if not groups:
            return []
        described = self.lab.internal_client("ec2").describe_security_groups(GroupIds=groups)["SecurityGroups"]
        return [rule for group in described for rule in group.get("IpPermissions", [])]

    def _deliver(self, flow_log: dict[str, Any], stream: str, records: list[flowlogs.FlowRecord]) -> None:
        if not records:
            return
        logs = self.lab.internal_client("logs")
        group = flow_log["LogGroupName"]
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        try:
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        events = [{"timestamp": r.start * 1000, "message": r.line()} for r in sorted(records, key=lambda r: r.start)]
        params = {"logGroupName": group, "logStreamName": stream, "logEvents": events}
        reply = logs.put_log_events(**params)
        # Internal calls skip observers: hand the batch to the metric filters as PutLogEvents would.
        self.logs_metrics.ingest(Call("logs", "PutLogEvents", params, self.lab, self.lab.region), reply)


def install(emulator: Emulator) -> VpcFlowLogs:
    """Register flow log delivery on ``emulator``."""
    plugin = VpcFlowLogs(emulator)
    emulator.validates("ec2", "CreateFlowLogs")(plugin.validate)
    emulator.observes("ec2", "CreateFlowLogs")(plugin.created)
    emulator.every_minute(plugin.tick)
    return plugin
