"""Real CPU load on the aws backend: an SSM-managed instance and Run Command, exercised on moto.

moto stands in for the account (the emulator is off, as on ``aws``); it has no
DescribeInstanceInformation, so each test answers that call the way Systems Manager does for a
managed node whose agent is online or not yet registered. Rules: "Configure instance permissions
required for Systems Manager" (AmazonSSMManagedInstanceCore,
https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html) and
"Running commands using Systems Manager Run Command"
(https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from labkit.exceptions import WaitTimeout
from labkit.lesson import ec2
from labkit.runtime.backends import Backend
from labkit.runtime.clock import LabClock
from labkit.runtime.lab import Lab


@pytest.fixture
def real_like(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A lab that behaves as on ``aws`` (no emulator, costs confirmed) over the test's moto."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AWS managed policies exist on AWS
    backend = Backend("aws", lab.backend.session, lab.account_id)
    opened = Lab(backend, lab.region, LabClock(lab.clock.now()), lab_id="lab-real-like")
    opened.confirm_costs = True
    yield opened
    assert opened.teardown().ok


def agent_online(lab: Lab, online: dict[str, bool]) -> None:
    """Answer DescribeInstanceInformation from ``online`` (instance id -> agent online)."""

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        wanted = json.loads(params["body"])["Filters"][0]["Values"]
        return AWSResponse("https://ssm.test.invalid/", 200, HTTPHeaders(), None), {
            "InstanceInformationList": [
                {"InstanceId": i, "PingStatus": "Online" if online.get(i) else "ConnectionLost"}
                for i in wanted
                if i in online
            ]
        }

    lab.internal_client("ssm").meta.events.register("before-call.ssm.DescribeInstanceInformation", answer)


def sent_commands(lab: Lab, instance_id: str) -> list[dict[str, Any]]:
    return lab.internal_client("ssm").list_commands(InstanceId=instance_id)["Commands"]


def test_remote_load_launches_a_managed_node_with_only_the_ssm_core_policy(real_like: Lab) -> None:
    instance = ec2.launch(real_like, remote_load=True)
    iam = real_like.internal_client("iam")
    [association] = real_like.internal_client("ec2").describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance.instance_id]}]
    )["IamInstanceProfileAssociations"]
    assert association["IamInstanceProfile"]["Arn"].endswith(f"instance-profile/{ec2.SSM_PROFILE}")
    attached = iam.list_attached_role_policies(RoleName=ec2.SSM_PROFILE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [ec2.SSM_MANAGED_POLICY]
    trust = iam.get_role(RoleName=ec2.SSM_PROFILE)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert instance.remote is not None


def test_a_second_instance_reuses_the_profile(real_like: Lab) -> None:
    ec2.launch(real_like, remote_load=True)
    ec2.launch(real_like, remote_load=True)
    profiles = real_like.internal_client("iam").list_instance_profiles()["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in profiles] == [ec2.SSM_PROFILE]


def test_without_remote_load_the_instance_keeps_no_profile_for_notebook_03(real_like: Lab) -> None:
    instance = ec2.launch(real_like)
    associations = real_like.internal_client("ec2").describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance.instance_id]}]
    )["IamInstanceProfileAssociations"]
    assert associations == [] and instance.remote is None


def test_offline_remote_load_changes_nothing(lab: Lab) -> None:
    instance = ec2.launch(lab, remote_load=True)
    assert instance.remote is None
    assert lab.internal_client("iam").list_instance_profiles()["InstanceProfiles"] == []


def test_spike_burns_every_vcpu_for_its_minutes_through_run_command(real_like: Lab) -> None:
    instance = ec2.launch(real_like, remote_load=True)
    agent_online(real_like, {instance.instance_id: True})
    instance.spike(real_like.clock.now(), minutes=30)
    [command] = sent_commands(real_like, instance.instance_id)
    assert command["DocumentName"] == "AWS-RunShellScript"
    [script] = command["Parameters"]["commands"]
    assert "$(nproc)" in script and "timeout 1800 " in script and ec2.LOAD_MARKER in script
    assert "setsid nohup" in script  # detached: the command does not hold Run Command for 30 minutes


def test_runaway_burns_until_calm_stops_only_the_burners(real_like: Lab) -> None:
    instance = ec2.launch(real_like, remote_load=True)
    agent_online(real_like, {instance.instance_id: True})
    instance.runaway(real_like.clock.now())
    instance.calm(real_like.clock.now())
    burn, stop = sent_commands(real_like, instance.instance_id)
    assert "timeout" not in burn["Parameters"]["commands"][0]
    assert stop["Parameters"]["commands"] == [f"pkill -f '{ec2.LOAD_MARKER}' || true"]


def test_load_waits_for_the_agent_and_names_the_profile_when_it_never_registers(real_like: Lab) -> None:
    instance = ec2.launch(real_like, remote_load=True)
    agent_online(real_like, {instance.instance_id: False})
    assert instance.remote is not None
    with pytest.raises(
        WaitTimeout, match=rf"{instance.instance_id} registering with Systems Manager .*{ec2.SSM_PROFILE}"
    ):
        instance.spike(real_like.clock.now(), minutes=5)
    assert sent_commands(real_like, instance.instance_id) == []


def test_launch_retries_while_ec2_does_not_see_the_new_profile(real_like: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    refusals = [2]
    naps: list[float] = []
    monkeypatch.setattr(real_like.clock, "sleep", naps.append)

    def not_yet(**_: Any) -> None:
        if refusals[0]:
            refusals[0] -= 1
            raise botocore.exceptions.ClientError(
                {
                    "Error": {
                        "Code": "InvalidParameterValue",
                        "Message": "Value (labkit-ssm-instance) for parameter "
                        "iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
                    }
                },
                "RunInstances",
            )

    real_like.client("ec2").meta.events.register("before-call.ec2.RunInstances", not_yet)
    instance = ec2.launch(real_like, remote_load=True)
    assert instance.instance_id.startswith("i-") and naps == [5, 5]


def test_teardown_removes_the_ssm_role_and_profile(real_like: Lab) -> None:
    ec2.launch(real_like, remote_load=True)
    assert real_like.teardown().ok
    iam = real_like.internal_client("iam")
    assert iam.list_instance_profiles()["InstanceProfiles"] == []
    assert all(r["RoleName"] != ec2.SSM_PROFILE for r in iam.list_roles()["Roles"])
