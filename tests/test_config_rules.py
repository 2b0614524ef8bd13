"""restricted-ssh, its events and its remediation: logic and emulator (notebook 06b).

Rules: restricted-ssh, https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html
("COMPLIANT if the IP addresses of the incoming SSH traffic in the security groups are restricted
(CIDR other than 0.0.0.0/0 or ::/0)"); the compliance change notification,
https://docs.aws.amazon.com/config/latest/developerguide/example-config-rule-compliance-notification.html;
AWS-DisablePublicAccessForSecurityGroup,
https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disablepublicaccessforsecuritygroup.html.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from aws_shapes import shape_problems

from labkit.aws import config_rules
from labkit.aws.config_rules import COMPLIANT, NON_COMPLIANT, evaluate_restricted_ssh, lets_ssh_in, runbook_revocations
from labkit.emulator.config import ConfigRules
from labkit.emulator.events import Events
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab

OPEN_SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _group(*permissions: dict[str, Any]) -> dict[str, Any]:
    return {"GroupId": "sg-1", "IpPermissions": list(permissions)}


@pytest.mark.parametrize(
    ("permission", "expected"),
    [
        (OPEN_SSH, NON_COMPLIANT),
        ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, NON_COMPLIANT),
        ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}, COMPLIANT),
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, COMPLIANT),
        ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, NON_COMPLIANT),
        ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, NON_COMPLIANT),
        ({"IpProtocol": "udp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, COMPLIANT),
        ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": "sg-2"}]}, COMPLIANT),
    ],
)
def test_restricted_ssh_compliance(permission: dict[str, Any], expected: str) -> None:
    assert evaluate_restricted_ssh(_group(permission)).compliance == expected


def test_a_group_without_rules_complies_and_names_nothing() -> None:
    result = evaluate_restricted_ssh(_group())
    assert (result.compliance, result.annotation) == (COMPLIANT, None)
    assert not lets_ssh_in({"IpProtocol": "tcp"})


def test_runbook_revokes_only_exact_ssh_and_rdp_rules_open_to_the_world() -> None:
    group = _group(
        OPEN_SSH,
        {
            "IpProtocol": "tcp",
            "FromPort": 3389,
            "ToPort": 3389,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}],
        },
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    )
    revoked = runbook_revocations(group)
    assert [(p["FromPort"], p["IpRanges"]) for p in revoked] == [
        (22, [{"CidrIp": "0.0.0.0/0"}]),
        (3389, [{"CidrIp": "0.0.0.0/0"}]),
    ]


def test_compliance_change_detail_has_the_documented_fields() -> None:
    when = dt.datetime(2026, 6, 1, 0, 3, tzinfo=dt.timezone.utc)
    new = config_rules.evaluation_result("restricted-ssh", evaluate_restricted_ssh(_group(OPEN_SSH)), when, when)
    detail = config_rules.compliance_change_detail(
        account_id="123456789012",
        region="ap-northeast-1",
        rule_name="restricted-ssh",
        rule_arn="arn:aws:config:ap-northeast-1:123456789012:config-rule/config-rule-abc",
        new=new,
        old=None,
        when=when,
    )
    assert set(detail) == {
        "resourceId",
        "awsRegion",
        "awsAccountId",
        "configRuleName",
        "recordVersion",
        "configRuleARN",
        "messageType",
        "newEvaluationResult",
        "notificationCreationTime",
        "resourceType",
    }
    assert detail["messageType"] == "ComplianceChangeNotification"
    assert detail["newEvaluationResult"]["complianceType"] == NON_COMPLIANT
    assert detail["newEvaluationResult"]["evaluationResultIdentifier"]["evaluationResultQualifier"] == {
        "configRuleName": "restricted-ssh",
        "resourceType": "AWS::EC2::SecurityGroup",
        "resourceId": "sg-1",
    }
    assert detail["notificationCreationTime"] == "2026-06-01T00:03:00.000Z"
    again = config_rules.compliance_change_detail(
        account_id="1",
        region="r",
        rule_name="n",
        rule_arn="a",
        new=new,
        old=new,
        when=when,
    )
    assert again["oldEvaluationResult"] is new


# -- the emulator --------------------------------------------------------------------------------
def _recorder(lab: Lab, start: bool = True) -> Any:
    config = lab.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "bucket"})
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName="default")
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )
    return config


def _open_group(lab: Lab) -> str:
    ec2 = lab.client("ec2")
    group = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[OPEN_SSH])
    return group


def test_open_ssh_becomes_non_compliant_and_the_answers_have_the_documented_shapes(lab: Lab) -> None:
    config = _recorder(lab)
    group = _open_group(lab)
    lab.advance(minutes=1)
    by_rule = config.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])
    assert shape_problems("config", "DescribeComplianceByConfigRule", by_rule) == []
    assert by_rule["ComplianceByConfigRules"][0]["Compliance"] == {
        "ComplianceType": NON_COMPLIANT,
        "ComplianceContributorCount": {"CappedCount": 1, "CapExceeded": False},
    }
    details = config.get_compliance_details_by_config_rule(
        ConfigRuleName="restricted-ssh", ComplianceTypes=[NON_COMPLIANT]
    )
    assert shape_problems("config", "GetComplianceDetailsByConfigRule", details) == []
    assert [
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in details["EvaluationResults"]
    ] == [group]
    status = config.describe_config_rule_evaluation_status(ConfigRuleNames=["restricted-ssh"])
    assert shape_problems("config", "DescribeConfigRuleEvaluationStatus", status) == []
    assert status["ConfigRulesEvaluationStatus"][0]["LastSuccessfulEvaluationTime"] == lab.clock.now()


def test_revoking_makes_it_compliant_and_each_change_is_an_event(lab: Lab) -> None:
    config = _recorder(lab)
    group = _open_group(lab)
    lab.advance(minutes=1)
    lab.client("ec2").revoke_security_group_ingress(GroupId=group, IpPermissions=[OPEN_SSH])
    lab.advance(minutes=1)
    assert config.describe_compliance_by_config_rule()["ComplianceByConfigRules"][0]["Compliance"] == {
        "ComplianceType": COMPLIANT
    }
    mine = [e for e in lab.emulator.plugin(ConfigRules).events if e["resourceId"] == group]
    assert [e["newEvaluationResult"]["complianceType"] for e in mine] == [NON_COMPLIANT, COMPLIANT]
    assert "oldEvaluationResult" not in mine[0] and mine[1]["oldEvaluationResult"]["complianceType"] == NON_COMPLIANT
    delivered = [e for e in lab.emulator.plugin(Events).events if e["detail-type"] == "Config Rules Compliance Change"]
    assert len(delivered) >= 2 and delivered[0]["source"] == "aws.config"


def test_nothing_is_evaluated_while_the_recorder_is_stopped(lab: Lab) -> None:
    config = _recorder(lab, start=False)
    _open_group(lab)
    lab.advance(minutes=30)
    assert (
        config.describe_compliance_by_config_rule()["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"]
        == "INSUFFICIENT_DATA"
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    lab.advance(minutes=1)
    assert (
        config.describe_compliance_by_config_rule()["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"]
        == NON_COMPLIANT
    )


def allow_eventbridge(lab: Lab, topic: str) -> None:
    """The topic policy EventBridge needs to publish (as notebook 06 teaches)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowEventBridgePublish",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
            }
        ],
    }
    lab.client("sns").set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))


def test_compliance_change_reaches_the_inbox_through_eventbridge(lab: Lab) -> None:
    topic = prereqs.alerts_topic(lab)
    allow_eventbridge(lab, topic)
    events = lab.client("events")
    events.put_rule(
        Name="c",
        EventPattern=json.dumps(
            {
                "source": ["aws.config"],
                "detail-type": ["Config Rules Compliance Change"],
                "detail": {"newEvaluationResult": {"complianceType": [NON_COMPLIANT]}},
            }
        ),
    )
    events.put_targets(Rule="c", Targets=[{"Id": "t", "Arn": topic}])
    _recorder(lab)
    group = _open_group(lab)
    lab.advance(minutes=1)
    mail = lab.inbox.notifications()
    assert len(mail) == 1
    event = json.loads(mail[0].body.split("\n\n--")[0])
    assert event["detail"]["resourceId"] == group and event["detail-type"] == "Config Rules Compliance Change"


def test_unknown_rule_is_refused_like_aws(lab: Lab) -> None:
    config = _recorder(lab)
    with pytest.raises(config.exceptions.NoSuchConfigRuleException):
        config.describe_compliance_by_config_rule(ConfigRuleNames=["nope"])


def test_periodic_evaluation_runs_every_24_hours(lab: Lab) -> None:
    _recorder(lab)
    lab.advance(minutes=1)
    first = lab.emulator.plugin(ConfigRules).evaluations_total
    lab.advance(hours=24)
    assert lab.emulator.plugin(ConfigRules).evaluations_total > first
