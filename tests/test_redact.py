"""Account ids are masked where they stand, and resource ids that hold 12 digits are left alone (issue 14, §7).

ARN format: "Amazon Resource Names (ARNs)", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html;
CloudTrail's account fields: "CloudTrail record contents",
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html.
"""

from __future__ import annotations

import json

import pytest

from labkit.runtime.lab import Lab
from labkit.runtime.redact import MASK, mask_account
from labkit.runtime.resources import Record

ACCOUNT = "123456789012"
#: Resource ids with a run of 12 digits (moto draws ids like these a few percent of the time).
IDS_WITH_TWELVE_DIGITS = [
    "i-0c123456789012fa7",  # an EC2 instance id: 17 hex digits, 12 of them in a row
    "i-a210987654321b",
    "sg-0f555555555555abc",
    "vol-123456789012abcde",
    "9c7bdfef-1370-4c5d-aa5e-210987654321",  # a Route 53 health check id: a UUID whose last group is digits
    "f30202d4369754a494ec928856777777",  # a GuardDuty detector id
]


@pytest.mark.parametrize("ident", IDS_WITH_TWELVE_DIGITS)
def test_resource_ids_holding_twelve_digits_are_never_masked(ident: str) -> None:
    assert mask_account(f"deleted  ec2:instance {ident}", ACCOUNT) == f"deleted  ec2:instance {ident}"
    assert mask_account(json.dumps({"InstanceId": ident, "accountId": ACCOUNT})) == json.dumps(
        {"InstanceId": ident, "accountId": MASK}
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/r port 52811", "arn:aws:iam::<account>:role/r port 52811"),
        (f"arn:aws:sns:ap-northeast-1:{ACCOUNT}:lab-alerts", "arn:aws:sns:ap-northeast-1:<account>:lab-alerts"),
        (f"arn:aws-cn:logs:cn-north-1:{ACCOUNT}:log-group:x:*", "arn:aws-cn:logs:cn-north-1:<account>:log-group:x:*"),
        (
            f"User: arn:aws:sts::{ACCOUNT}:assumed-role/r/i-0c123456789012fa7 is not authorized",
            "User: arn:aws:sts::<account>:assumed-role/r/i-0c123456789012fa7 is not authorized",
        ),
        ("arn:aws:s3:::lab-trail-bucket", "arn:aws:s3:::lab-trail-bucket"),  # S3 ARNs have no account
    ],
)
def test_the_account_field_of_an_arn_is_masked(text: str, masked: str) -> None:
    assert mask_account(text) == masked


def test_account_fields_are_masked_in_json_reprs_and_key_value_text() -> None:
    record = {
        "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT, "principalId": "AIDA123456789012XYZ"},
        "recipientAccountId": ACCOUNT,
        "eventID": "0c123456-7890-4123-8456-123456789012",
    }
    masked = json.loads(mask_account(json.dumps(record)))
    assert masked["userIdentity"]["accountId"] == MASK and masked["recipientAccountId"] == MASK
    assert masked["userIdentity"]["principalId"] == "AIDA123456789012XYZ"
    assert masked["eventID"] == record["eventID"]
    assert mask_account(str({"Account": ACCOUNT, "UserId": "AIDA"})) == "{'Account': '<account>', 'UserId': 'AIDA'}"
    assert mask_account(f"OwnerId={ACCOUNT} AccountId: {ACCOUNT}") == "OwnerId=<account> AccountId: <account>"
    assert mask_account(json.dumps({"account": ACCOUNT, "detail-type": "x"})) == json.dumps(
        {"account": MASK, "detail-type": "x"}
    )


def test_the_labs_own_account_is_masked_where_it_stands_alone() -> None:
    assert (
        mask_account(f"s3:bucket lab-config-lab-local-{ACCOUNT}", ACCOUNT) == "s3:bucket lab-config-lab-local-<account>"
    )
    assert mask_account(f"{ACCOUNT}_CloudTrail_ap-northeast-1", ACCOUNT) == "<account>_CloudTrail_ap-northeast-1"
    # Only that account, and only as a whole token; without it a bare number is left (not known to be one).
    assert mask_account("order 210987654321 shipped", ACCOUNT) == "order 210987654321 shipped"
    assert mask_account(f"i-a{ACCOUNT}b", ACCOUNT) == f"i-a{ACCOUNT}b"


def test_teardown_labels_mask_accounts_but_keep_resource_ids() -> None:
    def label(kind: str, ident: dict[str, str]) -> str:
        return Record(kind, "ap-northeast-1", ident, "2026-06-01T00:00:00+00:00", "lab-local").label(ACCOUNT)

    assert label("ec2:instance", {"InstanceId": "i-0c123456789012fa7"}) == "ec2:instance i-0c123456789012fa7"
    assert (
        label("budgets:budget", {"AccountId": ACCOUNT, "BudgetName": "lab-monthly"})
        == "budgets:budget <account> lab-monthly"
    )
    assert (
        label("s3:bucket", {"Bucket": f"lab-config-lab-local-{ACCOUNT}"}) == "s3:bucket lab-config-lab-local-<account>"
    )
    assert (
        label("sns:topic", {"TopicArn": f"arn:aws:sns:ap-northeast-1:{ACCOUNT}:t"})
        == "sns:topic arn:aws:sns:ap-northeast-1:<account>:t"
    )


def test_a_teardown_report_names_an_instance_by_its_id(lab: Lab) -> None:
    instance = lab.client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    report = lab.teardown()
    assert f"deleted  ec2:instance {instance}" in str(report)
    assert lab.account_id not in str(report)
