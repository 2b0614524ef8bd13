"""Which instances a scale-in terminates offline, through plain boto3 lab clients (notebook 09).

"Configure termination policies for Amazon EC2 Auto Scaling"
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html). moto ignored a
group's TerminationPolicies and kept its instances in a set, so the instance a scale-in took changed from run to run.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

AMI = "ami-0a1b2c3d4e5f67890"
GROUP = "web-asg"


def _group(lab: Lab, desired: int = 1, **extra: Any) -> str:
    template = lab.client("ec2").create_launch_template(
        LaunchTemplateName="web-template", LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    lab.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=GROUP,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Default"},
        MinSize=0,
        MaxSize=10,
        DesiredCapacity=desired,
        AvailabilityZones=[f"{lab.region}a"],
        **extra,
    )
    return template


def _instances(lab: Lab) -> list[str]:
    group = lab.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"]
    return [i["InstanceId"] for i in group[0]["Instances"]]


def _grow(lab: Lab, capacity: int, minutes: int = 10) -> list[str]:
    """Wait ``minutes`` of lab time, then scale out to ``capacity``: the instances it launched."""
    before = set(_instances(lab))
    lab.advance(minutes=minutes)
    lab.client("autoscaling").set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=capacity)
    return [i for i in _instances(lab) if i not in before]


def _terminated(lab: Lab) -> list[str]:
    activities = lab.client("autoscaling").describe_scaling_activities(AutoScalingGroupName=GROUP)["Activities"]
    return [a["Description"].split(": ")[1] for a in reversed(activities) if a["Description"].startswith("Terminating")]


def test_newest_instance_is_terminated_where_moto_took_the_first(lab: Lab) -> None:
    _group(lab, TerminationPolicies=["NewestInstance"])
    first = _instances(lab)
    newest = _grow(lab, 2)
    lab.client("autoscaling").set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
    assert _instances(lab) == first and _terminated(lab) == newest


def test_update_keeps_termination_policies_and_scales_in_by_them(lab: Lab) -> None:
    _group(lab)
    oldest = _instances(lab)
    middle = _grow(lab, 2)
    newest = _grow(lab, 3)
    autoscaling = lab.client("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, TerminationPolicies=["OldestInstance"])
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    assert found["TerminationPolicies"] == ["OldestInstance"]
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, MaxSize=2)  # moto lowers the capacity to 2
    assert _terminated(lab) == oldest
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=GROUP, DesiredCapacity=1, TerminationPolicies=["NewestInstance"]
    )
    assert _terminated(lab) == [*oldest, *newest] and _instances(lab) == middle


def test_default_terminates_the_instance_closest_to_its_next_billing_hour(lab: Lab) -> None:
    _group(lab)
    first = _instances(lab)
    second = _grow(lab, 2, minutes=20)
    lab.advance(minutes=50)  # 70 minutes in: the second instance is 10 minutes from its next billing hour
    lab.client("autoscaling").set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
    assert _terminated(lab) == second and _instances(lab) == first


def test_default_terminates_an_instance_of_another_launch_template_first(lab: Lab) -> None:
    # A rollback: the group moved to a second template, then back to the first one.
    _group(lab)
    first = _instances(lab)
    second = lab.client("ec2").create_launch_template(
        LaunchTemplateName="web-template-2", LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.small"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    autoscaling = lab.client("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, LaunchTemplate={"LaunchTemplateId": second})
    from_second = _grow(lab, 2, minutes=20)  # also closer to its next billing hour: the template decides first
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=GROUP, LaunchTemplate={"LaunchTemplateName": "web-template"}, DesiredCapacity=3
    )
    third = [i for i in _instances(lab) if i not in first + from_second]
    lab.advance(minutes=50)
    autoscaling.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=2)
    assert _terminated(lab) == from_second and _instances(lab) == first + third


def test_protected_instances_stay(lab: Lab) -> None:
    _group(lab, TerminationPolicies=["OldestInstance"])
    oldest = _instances(lab)
    autoscaling = lab.client("autoscaling")
    autoscaling.set_instance_protection(AutoScalingGroupName=GROUP, InstanceIds=oldest, ProtectedFromScaleIn=True)
    _grow(lab, 3)
    autoscaling.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
    assert _instances(lab) == oldest


def test_termination_policies_labkit_does_not_apply_are_refused_by_name(lab: Lab) -> None:
    _group(lab)
    autoscaling = lab.client("autoscaling")
    for policy in ("AllocationStrategy", "OldestLaunchConfiguration"):
        with pytest.raises(UnsupportedOperation, match=policy):
            autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, TerminationPolicies=[policy])
    with pytest.raises(UnsupportedOperation, match="Lambda"):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="other",
            LaunchTemplate={"LaunchTemplateName": "web-template"},
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=[f"{lab.region}a"],
            TerminationPolicies=[f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:choose"],
        )
    with pytest.raises(ClientError, match="ValidationError"):
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, TerminationPolicies=["Youngest"])
    autoscaling.create_launch_configuration(LaunchConfigurationName="web-config", ImageId=AMI, InstanceType="t3.micro")
    with pytest.raises(UnsupportedOperation, match="launch configuration"):
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, LaunchConfigurationName="web-config")
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    assert found["TerminationPolicies"] == ["Default"] and "LaunchConfigurationName" not in found


def _scale_in_scenario() -> list[str]:
    """Six instances launched together (equally close to their billing hour), scaled in by a policy and by hand."""
    with labkit.connect("moto") as lab:
        _group(lab, desired=6)
        autoscaling = lab.client("autoscaling")
        autoscaling.put_scaling_policy(
            AutoScalingGroupName=GROUP, PolicyName="less", AdjustmentType="ChangeInCapacity", ScalingAdjustment=-2
        )
        lab.advance(minutes=15)
        autoscaling.execute_policy(AutoScalingGroupName=GROUP, PolicyName="less")
        autoscaling.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
        return _terminated(lab)


def test_the_same_scale_in_terminates_the_same_instances_in_two_labs() -> None:
    first, second = _scale_in_scenario(), _scale_in_scenario()
    assert len(first) == 5 and first == second
