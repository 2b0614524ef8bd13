"""Teardown of what notebook 06b creates: Config rule, recorder, delivery channel, detector, budget.

Config recorders and GuardDuty detectors are one per region: one that existed before the lab is
reused, never recorded, and survives teardown.
"""

from __future__ import annotations

from labkit.runtime.lab import Lab
from labkit.runtime.resources import KINDS_BY_NAME


def _config(lab: Lab) -> None:
    config = lab.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::123456789012:role/r"}
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "b"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )


def test_kinds_are_registered_for_their_create_calls() -> None:
    assert {"config:rule", "config:recorder", "config:delivery-channel", "guardduty:detector", "budgets:budget"} <= set(
        KINDS_BY_NAME
    )
    # The recorder is stopped and deleted before its delivery channel can go.
    assert KINDS_BY_NAME["config:recorder"].order < KINDS_BY_NAME["config:delivery-channel"].order


def test_teardown_leaves_nothing(lab: Lab) -> None:
    _config(lab)
    detector = lab.client("guardduty").create_detector(Enable=True)["DetectorId"]
    lab.client("budgets").create_budget(
        AccountId=lab.account_id,
        Budget={
            "BudgetName": "lab-monthly",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "2", "Unit": "USD"},
        },
    )
    assert len(lab.inventory()) == 5
    assert lab.internal_client("guardduty").get_detector(DetectorId=detector)["Tags"] == {"labkit:lab": lab.lab_id}
    report = lab.teardown()
    assert report.ok, str(report)
    assert lab.inventory() == []
    config = lab.internal_client("config")
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []
    assert config.describe_delivery_channels()["DeliveryChannels"] == []
    assert lab.internal_client("guardduty").list_detectors()["DetectorIds"] == []


def test_existing_recorder_and_detector_are_reused_not_deleted(lab: Lab) -> None:
    config = lab.internal_client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::123456789012:role/r"}
    )
    theirs = lab.internal_client("guardduty").create_detector(Enable=True)["DetectorId"]
    lab.client("config").put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::123456789012:role/r"}
    )
    lab.client("guardduty").update_detector(DetectorId=theirs, FindingPublishingFrequency="FIFTEEN_MINUTES")
    assert lab.inventory() == []
    lab.teardown()
    assert [r["name"] for r in config.describe_configuration_recorders()["ConfigurationRecorders"]] == ["default"]
    assert lab.internal_client("guardduty").list_detectors()["DetectorIds"] == [theirs]
