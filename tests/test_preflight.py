"""Pre-flight checks for real accounts, run here against moto and stubbed answers."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from labkit.runtime import preflight
from labkit.runtime.lab import Lab


def test_fresh_account_findings(lab: Lab) -> None:
    client_for = lab.internal_client
    assert "no detector yet" in preflight.guardduty_detectors(client_for).detail
    assert "no recorder yet" in preflight.config_recorders(client_for).detail
    assert "no trail" in preflight.cloudtrail_trails(client_for).detail
    assert preflight.pending_email(client_for).ok


def test_existing_detector_recorder_and_trail_are_reused(lab: Lab) -> None:
    lab.internal_client("guardduty").create_detector(Enable=True)
    lab.internal_client("config").put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::123456789012:role/config"}
    )
    lab.internal_client("s3").create_bucket(
        Bucket="trail-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
    )
    lab.internal_client("cloudtrail").create_trail(Name="org-trail", S3BucketName="trail-bucket")
    assert "reuse it and never delete it" in preflight.guardduty_detectors(lab.internal_client).detail
    assert "'default' exists" in preflight.config_recorders(lab.internal_client).detail
    assert "1 trail exists" in preflight.cloudtrail_trails(lab.internal_client).detail


def test_pending_email_is_a_failure_to_fix(lab: Lab) -> None:
    sns = lab.client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    finding = preflight.pending_email(lab.client)  # the learner's view shows PendingConfirmation
    assert not finding.ok and "1 subscription still pending" in finding.detail


def _stubbed(lab: Lab, service: str, method: str, reply: dict[str, Any]) -> Any:
    client = lab.backend.session.client(service, region_name="ap-northeast-1")
    stubber = Stubber(client)
    stubber.add_response(method, reply)
    stubber.activate()
    return client


def test_vcpu_quota_too_small_fails(lab: Lab) -> None:
    client = _stubbed(lab, "service-quotas", "get_service_quota", {"Quota": {"Value": 1.0}})
    finding = preflight.vcpu_quota(lambda service: client)
    assert not finding.ok and "1 On-Demand standard vCPUs allowed, the lab needs 2" in finding.detail


@pytest.mark.parametrize(
    ("types", "expected"),
    [([{"InstanceType": "t3.micro"}], "is free-tier eligible"), ([], "is not free-tier eligible")],
)
def test_free_tier(lab: Lab, types: list[dict[str, str]], expected: str) -> None:
    client = _stubbed(lab, "ec2", "describe_instance_types", {"InstanceTypes": types})
    assert expected in preflight.free_tier(lambda service: client, "t3.micro").detail


def test_a_check_that_cannot_run_is_reported_not_raised(lab: Lab) -> None:
    client = lab.backend.session.client("service-quotas", region_name="ap-northeast-1")
    stubber = Stubber(client)
    stubber.add_client_error("get_service_quota", "AccessDeniedException", "not allowed")
    stubber.activate()
    findings = preflight.preflight(
        lambda service: client if service == "service-quotas" else lab.internal_client(service)
    )
    quota = next(f for f in findings if f.what == "EC2 vCPU quota")
    assert not quota.ok and "could not check (AccessDeniedException" in quota.detail
