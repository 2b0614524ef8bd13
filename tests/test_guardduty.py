"""GuardDuty findings offline: format, criteria, sample findings, the SSH brute force (notebook 06b).

Format: Finding, https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html, and the
"GuardDuty Finding" event, https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html;
severity bands, https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html;
SSHBruteForce is Low when the instance is the target,
https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html; conditions,
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Condition.html; one detector per Region,
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from aws_shapes import shape_problems
from test_config_rules import allow_eventbridge

from labkit.aws import guardduty
from labkit.emulator.events import Events
from labkit.exceptions import ConfigurationError
from labkit.lesson import prereqs, simulate
from labkit.runtime.lab import Lab

WHEN = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.timezone.utc)


def _finding(kind: str = guardduty.SSH_BRUTE_FORCE, ident: str = "a" * 32) -> dict:
    return guardduty.build_finding(
        kind=guardduty.FINDING_TYPES[kind],
        account_id="123456789012",
        region="ap-northeast-1",
        detector_id="d" * 32,
        instance=guardduty.sample_instance(),
        attacker_ip="198.51.100.7",
        when=WHEN,
        sample=True,
        ident=ident,
    )


def test_finding_has_the_documented_top_level_fields_and_ssh_details() -> None:
    finding = _finding()
    assert {
        "schemaVersion",
        "accountId",
        "region",
        "partition",
        "id",
        "arn",
        "type",
        "resource",
        "service",
        "severity",
        "createdAt",
        "updatedAt",
        "title",
        "description",
    } <= set(finding)
    assert finding["arn"] == f"arn:aws:guardduty:ap-northeast-1:123456789012:detector/{'d' * 32}/finding/{'a' * 32}"
    action = finding["service"]["action"]
    assert action["actionType"] == "NETWORK_CONNECTION"
    assert action["networkConnectionAction"]["connectionDirection"] == "INBOUND"
    assert action["networkConnectionAction"]["localPortDetails"] == {"port": 22, "portName": "SSH"}
    assert finding["resource"]["resourceType"] == "Instance"
    assert finding["service"]["serviceName"] == "guardduty" and finding["service"]["count"] == 1
    assert guardduty.severity_label(finding["severity"]) == "Low"


@pytest.mark.parametrize(
    ("value", "label"),
    [(1.0, "Low"), (3.9, "Low"), (4.0, "Medium"), (6.9, "Medium"), (7.0, "High"), (8.9, "High"), (9.0, "Critical")],
)
def test_severity_bands(value: float, label: str) -> None:
    assert guardduty.severity_label(value) == label


def test_api_form_uses_only_model_members() -> None:
    api = guardduty.to_api(_finding())
    assert shape_problems("guardduty", "GetFindings", {"Findings": [api]}) == []
    assert api["Service"]["AdditionalInfo"] == {"Value": '{"sample": true}', "Type": "default"}
    assert api["Service"]["Action"]["NetworkConnectionAction"]["LocalPortDetails"]["Port"] == 22


@pytest.mark.parametrize(
    ("criterion", "matches"),
    [
        ({"severity": {"Gte": 2}}, True),
        ({"severity": {"Gte": 7}}, False),
        ({"severity": {"GreaterThanOrEqual": 2, "LessThan": 4}}, True),
        ({"severity": {"Eq": ["2"]}}, True),
        ({"type": {"Eq": [guardduty.SSH_BRUTE_FORCE]}}, True),
        ({"type": {"Neq": [guardduty.SSH_BRUTE_FORCE]}}, False),
        ({"type": {"Matches": ["UnauthorizedAccess:*"]}}, True),
        ({"resource.instanceDetails.instanceId": {"Equals": ["i-99999999"]}}, True),
        ({"service.archived": {"Eq": ["false"]}}, True),
        ({"updatedAt": {"Gte": int(WHEN.timestamp() * 1000) + 1}}, False),
        (
            {
                "resource.instanceDetails.networkInterfaces.securityGroups.groupId": {
                    "Eq": ["GeneratedFindingSecurityId"]
                }
            },
            True,
        ),
    ],
)
def test_finding_criteria(criterion: dict, matches: bool) -> None:
    assert guardduty.matches_criteria(_finding(), {"Criterion": criterion}) is matches


# -- the emulator --------------------------------------------------------------------------------
def test_sample_findings_list_and_get_in_documented_shapes(lab: Lab) -> None:
    client = lab.client("guardduty")
    detector = client.create_detector(Enable=True)["DetectorId"]
    client.create_sample_findings(
        DetectorId=detector, FindingTypes=["CryptoCurrency:EC2/BitcoinTool.B!DNS", guardduty.SSH_BRUTE_FORCE]
    )
    listed = client.list_findings(DetectorId=detector)
    assert shape_problems("guardduty", "ListFindings", listed) == []
    found = client.get_findings(DetectorId=detector, FindingIds=listed["FindingIds"])
    assert shape_problems("guardduty", "GetFindings", found) == []
    assert sorted(f["Type"] for f in found["Findings"]) == [
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        guardduty.SSH_BRUTE_FORCE,
    ]
    high = client.list_findings(DetectorId=detector, FindingCriteria={"Criterion": {"severity": {"Gte": 7}}})[
        "FindingIds"
    ]
    assert [f["Type"] for f in client.get_findings(DetectorId=detector, FindingIds=high)["Findings"]] == [
        "CryptoCurrency:EC2/BitcoinTool.B!DNS"
    ]
    ordered = client.list_findings(DetectorId=detector, SortCriteria={"AttributeName": "severity", "OrderBy": "DESC"})[
        "FindingIds"
    ]
    assert ordered[0] == high[0]


def test_second_detector_in_a_region_is_refused(lab: Lab) -> None:
    client = lab.client("guardduty")
    client.create_detector(Enable=True)
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_detector(Enable=True)


def test_unknown_detector_is_refused(lab: Lab) -> None:
    client = lab.client("guardduty")
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_findings(DetectorId="0" * 32)


def test_brute_force_on_the_lab_instance_is_an_event_and_aggregates(lab: Lab) -> None:
    instance = prereqs.lab_instance(lab)
    client = lab.client("guardduty")
    detector = client.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES")["DetectorId"]
    finding = simulate.simulate_ssh_brute_force(lab, instance.instance_id, attempts=10)
    assert finding["resource"]["instanceDetails"]["instanceId"] == instance.instance_id
    assert finding["service"]["additionalInfo"] == {} and finding["service"]["detectorId"] == detector
    sent = [e for e in lab.emulator.plugin(Events).events if e["detail-type"] == "GuardDuty Finding"]
    assert len(sent) == 1 and sent[0]["source"] == "aws.guardduty" and sent[0]["detail"]["id"] == finding["id"]
    lab.advance(minutes=5)
    simulate.simulate_ssh_brute_force(lab, instance.instance_id, attempts=5)  # within 15 minutes: no new event
    lab.advance(minutes=15)
    again = simulate.simulate_ssh_brute_force(lab, instance.instance_id, attempts=5)
    assert again["id"] == finding["id"] and again["service"]["count"] == 20
    assert len([e for e in lab.emulator.plugin(Events).events if e["detail-type"] == "GuardDuty Finding"]) == 2
    assert len(client.list_findings(DetectorId=detector)["FindingIds"]) == 1


def test_severity_rule_routes_the_brute_force_to_the_inbox(lab: Lab) -> None:
    topic = prereqs.alerts_topic(lab)
    allow_eventbridge(lab, topic)
    instance = prereqs.lab_instance(lab)
    events = lab.client("events")
    for name, numeric in (("high", [">=", 7]), ("low", [">=", 1, "<", 4])):
        events.put_rule(
            Name=name,
            EventPattern=json.dumps(
                {
                    "source": ["aws.guardduty"],
                    "detail-type": ["GuardDuty Finding"],
                    "detail": {"severity": [{"numeric": numeric}]},
                }
            ),
        )
        events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": topic, "InputPath": "$.detail.type"}])
    lab.client("guardduty").create_detector(Enable=True)
    simulate.simulate_ssh_brute_force(lab, instance.instance_id)
    assert [m.body.split("\n")[0] for m in lab.inbox.notifications()] == [f'"{guardduty.SSH_BRUTE_FORCE}"']


def test_brute_force_needs_a_detector(lab: Lab) -> None:
    instance = prereqs.lab_instance(lab)
    with pytest.raises(ConfigurationError, match="create_detector"):
        simulate.simulate_ssh_brute_force(lab, instance.instance_id)
