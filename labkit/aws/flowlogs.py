"""VPC Flow Logs records and the security-group decision behind their ``action`` (notebook 08-investigate).

Record format: "Flow log records", https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
("By default, the log line format for a flow log record is a space-separated string that has the
following set of fields in the following order": version 2 fields below). Security groups:
"Security group rules", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
("Security groups are stateful ... responses to allowed inbound traffic are allowed to leave").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

#: The default format's fields, in order (all version 2).
DEFAULT_FIELDS = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
)
DEFAULT_FORMAT = " ".join(f"${{{name}}}" for name in DEFAULT_FIELDS)
#: "The aggregation interval ... 60 seconds (1 minute) or 600 seconds (10 minutes). The default is 600 seconds."
AGGREGATION_INTERVALS = (60, 600)
#: IANA protocol numbers of the protocols the lab's traffic uses.
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1}


@dataclass(frozen=True)
class FlowRecord:
    """One flow log record: the traffic of one 5-tuple on one network interface in one interval."""

    account_id: str
    interface_id: str
    srcaddr: str
    dstaddr: str
    srcport: int
    dstport: int
    protocol: int
    packets: int
    bytes: int
    start: int
    end: int
    action: str

    def line(self) -> str:
        """The record in the default format: "${version} ${account-id} ... ${action} ${log-status}"."""
        return " ".join(
            str(v)
            for v in (
                2,
                self.account_id,
                self.interface_id,
                self.srcaddr,
                self.dstaddr,
                self.srcport,
                self.dstport,
                self.protocol,
                self.packets,
                self.bytes,
                self.start,
                self.end,
                self.action,
                "OK",
            )
        )


def inbound_allowed(permissions: list[dict[str, Any]], protocol: str, port: int, source: str) -> bool:
    """Whether a security group's inbound rules (``IpPermissions``) allow ``protocol``/``port`` from ``source``.

    A rule matches on its protocol (``-1`` is all), its port range and a CIDR of ``IpRanges`` that
    holds the source; security groups have allow rules only, so no match means the traffic is
    rejected (security-group-rules.html). Rules naming other security groups or prefix lists never
    match internet traffic.
    """
    address = ipaddress.ip_address(source)
    for rule in permissions:
        rule_protocol = str(rule.get("IpProtocol", "")).lower()
        if rule_protocol not in ("-1", protocol, str(PROTOCOLS.get(protocol, ""))):
            continue
        if rule_protocol != "-1" and not (int(rule.get("FromPort", 0)) <= port <= int(rule.get("ToPort", 65535))):
            continue
        ranges = [r["CidrIp"] for r in rule.get("IpRanges", [])] + [r["CidrIpv6"] for r in rule.get("Ipv6Ranges", [])]
        if any(
            address.version == ipaddress.ip_network(cidr).version and address in ipaddress.ip_network(cidr)
            for cidr in ranges
        ):
            return True
    return False


def log_stream_name(interface_id: str, traffic_type: str) -> str:
    """The CloudWatch Logs stream of one network interface: ``eni-...-all`` (``-accept``, ``-reject``
    for flow logs of that traffic type only), as AWS names the streams it creates in the log group."""
    return f"{interface_id}-{traffic_type.lower()}"
