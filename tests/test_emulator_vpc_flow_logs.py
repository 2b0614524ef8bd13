"""VPC Flow Logs into CloudWatch Logs offline, through plain boto3 lab clients (notebook 08).

Rules: "Flow log records" (default format, version 2 fields, aggregation interval,
https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html), "Security group rules"
(stateful, allow rules only, https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html),
CreateFlowLogs API reference (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html).
"""

from __future__ import annotations

from typing import Any

import pytest

from labkit.aws import flowlogs
from labkit.exceptions import UnsupportedOperation
from labkit.lesson.simulate import simulate_ssh_traffic
from labkit.runtime.lab import Lab

AMI = "ami-0a1b2c3d4e5f67890"
GROUP = "vpc-flow-logs"
ADMIN = "198.51.100.10"
ATTACKER = "192.0.2.77"


def _instance(lab: Lab) -> tuple[str, str, str]:
    ec2 = lab.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="ssh from the admin only", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": f"{ADMIN}/32"}]}],
    )
    instance = ec2.run_instances(
        ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1, SecurityGroupIds=[group]
    )["Instances"][0]
    return vpc, group, instance["InstanceId"]


def _flow_log(lab: Lab, vpc: str, **extra: Any) -> str:
    lab.client("logs").create_log_group(logGroupName=GROUP)
    reply = lab.client("ec2").create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{lab.account_id}:role/flow-logs",
        MaxAggregationInterval=60,
        **extra,
    )
    return str(reply["FlowLogIds"][0])


def _query(lab: Lab, text: str) -> list[dict[str, str]]:
    logs = lab.client("logs")
    end = int(lab.clock.now().timestamp())
    query_id = logs.start_query(logGroupName=GROUP, startTime=end - 3600, endTime=end, queryString=text)["queryId"]
    rows = logs.get_query_results(queryId=query_id)["results"]
    return [{cell["field"]: cell["value"] for cell in row} for row in rows]


PARSE = (
    'parse @message "* * * * * * * * * * * * * *" as version, accountId, interfaceId, srcAddr, dstAddr, '
    "srcPort, dstPort, protocol, packets, bytes, start, end, action, logStatus"
)


def test_ssh_attempts_the_security_group_refuses_are_reject_records(lab: Lab) -> None:
    vpc, _, instance_id = _instance(lab)
    _flow_log(lab, vpc)
    assert simulate_ssh_traffic(lab, instance_id, source_ip=ATTACKER, minutes=5, per_minute=20) == 100
    lab.advance(minutes=6)
    eni = lab.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "NetworkInterfaces"
    ][0]["NetworkInterfaceId"]
    streams = [s["logStreamName"] for s in lab.client("logs").describe_log_streams(logGroupName=GROUP)["logStreams"]]
    assert streams == [f"{eni}-all"]
    events = lab.client("logs").get_log_events(logGroupName=GROUP, logStreamName=f"{eni}-all", startFromHead=True)[
        "events"
    ]
    fields = events[0]["message"].split(" ")
    assert len(fields) == len(flowlogs.DEFAULT_FIELDS) and fields[0] == "2" and fields[2] == eni and fields[-1] == "OK"

    rows = _query(lab, f'{PARSE} | filter action = "REJECT" | stats count(*) as attempts by srcAddr, dstPort')
    assert rows == [{"srcAddr": ATTACKER, "dstPort": "22", "attempts": "100"}]
    accepted = _query(lab, f'{PARSE} | filter action = "ACCEPT" | stats count(*) as flows by dstPort')
    assert {row["dstPort"] for row in accepted} >= {"443"}  # the instance's own HTTPS, allowed out


def test_the_same_attempts_are_accepted_when_the_group_allows_ssh_from_anywhere(lab: Lab) -> None:
    vpc, group, instance_id = _instance(lab)
    lab.client("ec2").authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    _flow_log(lab, vpc)
    simulate_ssh_traffic(lab, instance_id, source_ip=ATTACKER, minutes=2, per_minute=10)
    lab.advance(minutes=3)
    assert _query(lab, f'{PARSE} | filter action = "REJECT" | stats count(*) as n') in ([], [{"n": "0"}])
    rows = _query(lab, f'{PARSE} | filter srcAddr = "{ATTACKER}" and action = "ACCEPT" | stats count(*) as n')
    assert rows == [{"n": "20"}]


def test_records_start_when_the_flow_log_is_created(lab: Lab) -> None:
    vpc, _, instance_id = _instance(lab)
    simulate_ssh_traffic(lab, instance_id, source_ip=ATTACKER, minutes=2, per_minute=10)
    lab.advance(minutes=3)
    _flow_log(lab, vpc)
    lab.advance(minutes=2)
    assert _query(lab, f'{PARSE} | filter action = "REJECT" | stats count(*) as n') in ([], [{"n": "0"}])


def test_what_is_not_emulated_is_refused_by_name(lab: Lab) -> None:
    vpc, _, _ = _instance(lab)
    with pytest.raises(UnsupportedOperation, match="custom LogFormat"):
        _flow_log(lab, vpc, LogFormat="${srcaddr} ${dstaddr}")


def test_inbound_rules_match_protocol_port_and_cidr() -> None:
    rules = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    ]
    assert flowlogs.inbound_allowed(rules, "tcp", 22, "198.51.100.10")
    assert not flowlogs.inbound_allowed(rules, "tcp", 23, "198.51.100.10")
    assert not flowlogs.inbound_allowed(rules, "tcp", 22, "192.0.2.77")
    assert flowlogs.inbound_allowed(rules, "udp", 53, "10.1.2.3")  # -1: every protocol and port
    assert flowlogs.log_stream_name("eni-0abc", "ALL") == "eni-0abc-all"
    record = flowlogs.FlowRecord(
        "123456789012", "eni-0abc", "192.0.2.77", "10.0.0.5", 40000, 22, 6, 1, 60, 10, 11, "REJECT"
    )
    assert record.line() == "2 123456789012 eni-0abc 192.0.2.77 10.0.0.5 40000 22 6 1 60 10 11 REJECT OK"


def test_a_ten_minute_reject_only_flow_log_on_the_interface(lab: Lab) -> None:
    vpc, _, instance_id = _instance(lab)
    _flow_log(lab, vpc)  # a 1-minute flow log on the VPC alongside: it must not take the other's records
    eni = lab.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "NetworkInterfaces"
    ][0]["NetworkInterfaceId"]
    lab.client("ec2").create_flow_logs(
        ResourceIds=[eni],
        ResourceType="NetworkInterface",
        TrafficType="REJECT",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn=f"arn:aws:iam::{lab.account_id}:role/flow-logs",
    )  # MaxAggregationInterval defaults to 600 seconds
    lab.advance(minutes=10 - lab.clock.now().minute % 10)  # to an interval boundary
    simulate_ssh_traffic(lab, instance_id, source_ip=ATTACKER, minutes=3, per_minute=10)
    lab.advance(minutes=5)
    streams = {s["logStreamName"] for s in lab.client("logs").describe_log_streams(logGroupName=GROUP)["logStreams"]}
    assert f"{eni}-reject" not in streams  # not yet: its interval has not ended
    lab.advance(minutes=5)
    events = lab.client("logs").get_log_events(logGroupName=GROUP, logStreamName=f"{eni}-reject", startFromHead=True)[
        "events"
    ]
    assert len(events) == 30 and all(e["message"].endswith(" REJECT OK") for e in events)
