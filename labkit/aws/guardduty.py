"""GuardDuty findings: their documented format, sample findings, and the SSH brute force on the lab instance.

The article: GuardDuty "AWSリソース全体の脅威検知を行う … 有効化するだけで使用可能" — it analyses the
account's logs and only needs to be enabled. Offline nothing is analysed, so findings are made here,
in the format of the GuardDuty API's ``Finding`` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html)
and of the finding JSON GuardDuty sends to EventBridge as the ``detail`` of a "GuardDuty Finding"
event ("Creating custom responses to GuardDuty findings with Amazon EventBridge",
https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html; event list:
https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html).

Severity: "Low" 1.0–3.9, "Medium" 4.0–6.9, "High" 7.0–8.9, "Critical" 9.0–10.0 ("Severity levels of
GuardDuty findings", https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html).
``UnauthorizedAccess:EC2/SSHBruteForce`` is Low when your instance is the target of the attack
and High when your instance is the one attacking ("GuardDuty EC2 finding types",
https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html); the number used
for each band (2, 5, 8) is the one GuardDuty's generated sample findings carry — a representative
value, not a rule.

Taught in notebook 06b-config-guardduty-budgets (the brute force is the attack notebook 05 counted
in ``/var/log/secure``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = "2.0"
SOURCE = "aws.guardduty"
DETAIL_TYPE = "GuardDuty Finding"
#: Documentation-range address (RFC 5737) used as the attacker unless told otherwise.
DEFAULT_ATTACKER = "198.51.100.23"
SSH_BRUTE_FORCE = "UnauthorizedAccess:EC2/SSHBruteForce"


@dataclass(frozen=True)
class FindingType:
    """One EC2 finding type the lab can produce: its severity band's value and what happened."""

    name: str
    severity: float
    action: str  # NETWORK_CONNECTION, PORT_PROBE or DNS_REQUEST
    port: int | None = None
    port_name: str = ""
    domain: str = ""
    title: str = ""
    description: str = ""


#: The finding types the lab generates (a few of GuardDuty's EC2 types). Titles and descriptions of
#: the two brute-force types follow GuardDuty's sample finding; the others are paraphrased.
FINDING_TYPES: dict[str, FindingType] = {
    t.name: t
    for t in (
        FindingType(
            SSH_BRUTE_FORCE,
            2.0,
            "NETWORK_CONNECTION",
            22,
            "SSH",
            title="{ip} is performing SSH brute force attacks against {instance}.",
            description="{ip} is performing SSH brute force attacks against {instance}. Brute force attacks are used "
            "to gain unauthorized access to your instance by guessing the SSH password.",
        ),
        FindingType(
            "UnauthorizedAccess:EC2/RDPBruteForce",
            2.0,
            "NETWORK_CONNECTION",
            3389,
            "RDP",
            title="{ip} is performing RDP brute force attacks against {instance}.",
            description="{ip} is performing RDP brute force attacks against {instance}. Brute force attacks are used "
            "to gain unauthorized access to your instance by guessing the RDP password.",
        ),
        FindingType(
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "PORT_PROBE",
            22,
            "SSH",
            title="Unprotected port on EC2 instance {instance} is being probed.",
            description="EC2 instance has an unprotected port which is being probed by a known malicious host.",
        ),
        FindingType(
            "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            8.0,
            "DNS_REQUEST",
            domain="GeneratedFindingDomainName",
            title="Bitcoin-related domain name queried by EC2 instance {instance}.",
            description="EC2 instance {instance} is querying a domain name that is associated with Bitcoin-related activity.",
        ),
        FindingType(
            "Backdoor:EC2/C&CActivity.B!DNS",
            8.0,
            "DNS_REQUEST",
            domain="GeneratedFindingDomainName",
            title="Command and Control server domain name queried by EC2 instance {instance}.",
            description="EC2 instance {instance} is querying a domain name associated with a known Command & Control server.",
        ),
    )
}


def severity_label(severity: float) -> str:
    """The console's label for a severity value (Low, Medium, High, Critical)."""
    if severity >= 9:
        return "Critical"
    if severity >= 7:
        return "High"
    if severity >= 4:
        return "Medium"
    return "Low"


def iso(when: dt.datetime) -> str:
    """GuardDuty's timestamp form, ``2018-05-11T14:56:39.976Z``."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def finding_id(*parts: object) -> str:
    """A finding id: 32 lowercase hex characters, as GuardDuty's are (deterministic here)."""
    return hashlib.md5(":".join(str(p) for p in parts).encode()).hexdigest()


def sample_instance() -> dict[str, Any]:
    """``resource.instanceDetails`` as GuardDuty's sample findings fill it (placeholders, not your instance)."""
    return {
        "instanceId": "i-99999999",
        "instanceType": "m3.xlarge",
        "launchTime": "2016-08-02T02:05:06.000Z",
        "platform": None,
        "productCodes": [
            {"productCodeId": "GeneratedFindingProductCodeId", "productCodeType": "GeneratedFindingProductCodeType"}
        ],
        "iamInstanceProfile": {
            "arn": "arn:aws:iam::123456789012:instance-profile/GeneratedFindingInstanceProfile",
            "id": "GeneratedFindingInstanceProfileId",
        },
        "networkInterfaces": [
            {
                "ipv6Addresses": [],
                "networkInterfaceId": "eni-bfcffe88",
                "privateDnsName": "GeneratedFindingPrivateDnsName",
                "privateIpAddress": "10.0.0.1",
                "privateIpAddresses": [
                    {"privateDnsName": "GeneratedFindingPrivateName", "privateIpAddress": "10.0.0.1"}
                ],
                "subnetId": "GeneratedFindingSubnetId",
                "vpcId": "GeneratedFindingVPCId",
                "securityGroups": [
                    {"groupName": "GeneratedFindingSecurityGroupName", "groupId": "GeneratedFindingSecurityId"}
                ],
                "publicDnsName": "GeneratedFindingPublicDNSName",
                "publicIp": "198.51.100.0",
            }
        ],
        "tags": [{"key": "GeneratedFindingInstaceTag1", "value": "GeneratedFindingInstaceValue1"}],
        "instanceState": "running",
        "availabilityZone": "GeneratedFindingInstaceAvailabilityZone",
        "imageId": "ami-99999999",
        "imageDescription": "GeneratedFindingInstaceImageDescription",
    }


def instance_details(instance: dict[str, Any]) -> dict[str, Any]:
    """``resource.instanceDetails`` for a real instance (as ``describe_instances`` returns it)."""
    launch = instance.get("LaunchTime")
    interfaces = []
    for eni in instance.get("NetworkInterfaces", []):
        interfaces.append(
            {
                "ipv6Addresses": [a["Ipv6Address"] for a in eni.get("Ipv6Addresses", [])],
                "networkInterfaceId": eni.get("NetworkInterfaceId"),
                "privateDnsName": eni.get("PrivateDnsName"),
                "privateIpAddress": eni.get("PrivateIpAddress"),
                "privateIpAddresses": [
                    {"privateDnsName": a.get("PrivateDnsName"), "privateIpAddress": a.get("PrivateIpAddress")}
                    for a in eni.get("PrivateIpAddresses", [])
                ],
                "subnetId": eni.get("SubnetId"),
                "vpcId": eni.get("VpcId"),
                "securityGroups": [
                    {"groupName": g["GroupName"], "groupId": g["GroupId"]} for g in eni.get("Groups", [])
                ],
                "publicDnsName": eni.get("Association", {}).get("PublicDnsName", ""),
                "publicIp": eni.get("Association", {}).get("PublicIp", instance.get("PublicIpAddress", "")),
            }
        )
    return {
        "instanceId": instance["InstanceId"],
        "instanceType": instance.get("InstanceType"),
        "launchTime": iso(launch) if isinstance(launch, dt.datetime) else launch,
        "platform": instance.get("Platform"),
        "productCodes": [],
        "networkInterfaces": interfaces,
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in instance.get("Tags", [])],
        "instanceState": instance.get("State", {}).get("Name"),
        "availabilityZone": instance.get("Placement", {}).get("AvailabilityZone"),
        "imageId": instance.get("ImageId"),
        "imageDescription": "",
    }


def _action(kind: FindingType, ip: str, remote_port: int) -> dict[str, Any]:
    remote = {
        "ipAddressV4": ip,
        "organization": {
            "asn": "-1",
            "asnOrg": "GeneratedFindingASNOrg",
            "isp": "GeneratedFindingISP",
            "org": "GeneratedFindingORG",
        },
        "country": {"countryName": "GeneratedFindingCountryName"},
        "city": {"cityName": "GeneratedFindingCityName"},
        "geoLocation": {"lat": 0, "lon": 0},
    }
    if kind.action == "NETWORK_CONNECTION":
        return {
            "actionType": "NETWORK_CONNECTION",
            "networkConnectionAction": {
                "connectionDirection": "INBOUND",
                "remoteIpDetails": remote,
                "remotePortDetails": {"port": remote_port, "portName": "Unknown"},
                "localPortDetails": {"port": kind.port, "portName": kind.port_name},
                "protocol": "TCP",
                "blocked": False,
            },
        }
    if kind.action == "PORT_PROBE":
        return {
            "actionType": "PORT_PROBE",
            "portProbeAction": {
                "blocked": False,
                "portProbeDetails": [
                    {"localPortDetails": {"port": kind.port, "portName": kind.port_name}, "remoteIpDetails": remote},
                ],
            },
        }
    return {
        "actionType": "DNS_REQUEST",
        "dnsRequestAction": {"domain": kind.domain, "protocol": "UDP", "blocked": False},
    }


def build_finding(
    *,
    kind: FindingType,
    account_id: str,
    region: str,
    detector_id: str,
    instance: dict[str, Any],
    attacker_ip: str,
    when: dt.datetime,
    sample: bool,
    ident: str,
) -> dict[str, Any]:
    """One finding, in the JSON form GuardDuty puts in an EventBridge event's ``detail`` (camelCase)."""
    stamp = iso(when)
    words = {"ip": attacker_ip, "instance": instance["instanceId"]}
    return {
        "schemaVersion": SCHEMA_VERSION,
        "accountId": account_id,
        "region": region,
        "partition": "aws",
        "id": ident,
        "arn": f"arn:aws:guardduty:{region}:{account_id}:detector/{detector_id}/finding/{ident}",
        "type": kind.name,
        "resource": {"resourceType": "Instance", "instanceDetails": instance},
        "service": {
            "serviceName": "guardduty",
            "detectorId": detector_id,
            "action": _action(kind, attacker_ip, 32794),
            "resourceRole": "TARGET",
            "additionalInfo": {"sample": True} if sample else {},
            "eventFirstSeen": stamp,
            "eventLastSeen": stamp,
            "archived": False,
            "count": 1,
        },
        "severity": kind.severity,
        "createdAt": stamp,
        "updatedAt": stamp,
        "title": kind.title.format(**words),
        "description": kind.description.format(**words),
    }


def to_api(finding: dict[str, Any]) -> dict[str, Any]:
    """The finding as boto3's ``get_findings`` returns it: the API model's member names.

    Walks botocore's ``Finding`` shape, so a field the API does not have cannot slip through.
    ``service.additionalInfo`` is a JSON object in events but ``{Value, Type}`` in the API.
    """
    import botocore.session

    model = botocore.session.get_session().get_service_model("guardduty")
    converted: dict[str, Any] = _convert(model.shape_for("Finding"), finding)
    return converted


def _convert(shape: Any, value: Any) -> Any:
    if value is None:
        return None
    if shape.type_name == "structure":
        if shape.name == "ServiceAdditionalInfo" and "value" not in value:
            return {"Value": json.dumps(value), "Type": "default"}
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if wire in value and value[wire] is not None:
                out[name] = _convert(member, value[wire])
        return out
    if shape.type_name == "list":
        return [_convert(shape.member, item) for item in value]
    if shape.type_name in ("double", "float"):
        return float(value)
    if shape.type_name in ("integer", "long"):
        return int(value)
    return value


# -- FindingCriteria ------------------------------------------------------------------------------
_TIME_FIELDS = (
    "createdAt",
    "updatedAt",
    "service.eventFirstSeen",
    "service.eventLastSeen",
    "resource.instanceDetails.launchTime",
)


def finding_values(finding: dict[str, Any], path: str) -> list[Any]:
    """Every value at a dotted JSON path of a finding (lists along the way are searched item by item)."""
    found: list[Any] = [finding]
    for key in path.split("."):
        step: list[Any] = []
        for item in found:
            if isinstance(item, list):
                step += [e.get(key) for e in item if isinstance(e, dict) and key in e]
            elif isinstance(item, dict) and key in item:
                step.append(item[key])
        found = [v for v in step if v is not None]
    flat: list[Any] = []
    for item in found:
        flat += item if isinstance(item, list) else [item]
    return flat


def _number(path: str, value: Any) -> float:
    if path in _TIME_FIELDS or path.endswith("At"):
        parsed = dt.datetime.strptime(str(value)[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
        return parsed.timestamp() * 1000
    return float(value)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _equal(path: str, value: Any, wanted: str) -> bool:
    if path == "severity":
        # The documented severity filter lists whole numbers per band (Low: "1","2","3"; ...),
        # so a value matches by its whole part (a guess at how GuardDuty compares).
        return int(float(value)) == int(float(wanted))
    return _text(value) == wanted


def matches_criteria(finding: dict[str, Any], criteria: dict[str, Any] | None) -> bool:
    """Whether ``finding`` meets ``FindingCriteria`` (every criterion must hold).

    Conditions as in the API's ``Condition`` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Condition.html):
    ``Equals``/``Eq`` (any of the values), ``NotEquals``/``Neq`` (none of them), ``GreaterThan``/``Gt``,
    ``GreaterThanOrEqual``/``Gte``, ``LessThan``/``Lt``, ``LessThanOrEqual``/``Lte`` (timestamps in
    epoch milliseconds), ``Matches``/``NotMatches`` (``*`` and ``?`` wildcards). Field names are
    the finding's JSON paths (``severity``, ``type``, ``resource.instanceDetails.instanceId``, ``service.archived``).
    """
    for path, condition in ((criteria or {}).get("Criterion") or {}).items():
        values = finding_values(finding, path)
        for op, operand in condition.items():
            if op in ("Eq", "Equals") and not any(_equal(path, v, w) for v in values for w in operand):
                return False
            if op in ("Neq", "NotEquals") and any(_equal(path, v, w) for v in values for w in operand):
                return False
            if op in ("Matches", "NotMatches"):
                hit = any(fnmatch.fnmatchcase(_text(v), w) for v in values for w in operand)
                if hit != (op == "Matches"):
                    return False
            compare = {
                "Gt": float.__gt__,
                "GreaterThan": float.__gt__,
                "Gte": float.__ge__,
                "GreaterThanOrEqual": float.__ge__,
                "Lt": float.__lt__,
                "LessThan": float.__lt__,
                "Lte": float.__le__,
                "LessThanOrEqual": float.__le__,
            }.get(op)
            if compare is not None and not any(compare(_number(path, v), float(operand)) for v in values):
                return False
    return True


# -- the notebook's helper ------------------------------------------------------------------------
