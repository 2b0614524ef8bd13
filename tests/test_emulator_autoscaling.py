"""Alarm-driven EC2 Auto Scaling offline, through plain boto3 lab clients (notebook 09).

Rules: "Target tracking scaling policies for Amazon EC2 Auto Scaling"
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html), "Step and
simple scaling policies" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html),
"Alarm actions" (Auto Scaling actions repeat while the alarm stays in its state,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html) and the
DescribeScalingActivities / DeleteAutoScalingGroup API references.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.exceptions import ConfigurationError, UnsupportedOperation
from labkit.lesson.simulate import simulate_group_demand
from labkit.runtime.lab import Lab

AMI = "ami-0a1b2c3d4e5f67890"
GROUP = "web-asg"


def _group(lab: Lab, *, min_size: int = 1, max_size: int = 5, desired: int = 1, detailed: bool = True) -> str:
    ec2 = lab.client("ec2")
    template = ec2.create_launch_template(
        LaunchTemplateName="web-template",
        LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro", "Monitoring": {"Enabled": detailed}},
    )["LaunchTemplate"]["LaunchTemplateId"]
    lab.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=GROUP,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
        MinSize=min_size,
        MaxSize=max_size,
        DesiredCapacity=desired,
        AvailabilityZones=[f"{lab.region}a"],
    )
    return template


def _which(alarm_name: str) -> str:
    """AlarmHigh or AlarmLow, from a target tracking alarm's name TargetTracking-<group>-AlarmHigh-<uuid>."""
    return "AlarmHigh" if f"TargetTracking-{GROUP}-AlarmHigh-" in alarm_name else "AlarmLow"


def _capacity(lab: Lab) -> int:
    group = lab.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][
        0
    ]
    return len(group["Instances"])


def _surge(lab: Lab, minutes: int, extra: float) -> None:
    """Load the group with ``extra`` percent-of-one-instance of demand from now (the lab's offline model)."""
    simulate_group_demand(lab, GROUP, extra=extra, minutes=minutes)


def _group_cpu(lab: Lab, start: dt.datetime, end: dt.datetime) -> list[float]:
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        StartTime=start,
        EndTime=end,
        Period=60,
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": GROUP}],
        Statistics=["Average"],
    )["Datapoints"]
    return [p["Average"] for p in sorted(points, key=lambda p: p["Timestamp"])]


def _target_tracking(lab: Lab, **config: Any) -> dict[str, Any]:
    """PutScalingPolicy's reply for the target tracking policy cpu50 (the group's average CPU at 50 %; ``config``:
    more of its TargetTrackingConfiguration)."""
    return lab.client("autoscaling").put_scaling_policy(
        AutoScalingGroupName=GROUP,
        PolicyName="cpu50",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0,
            **config,
        },
    )


def test_target_tracking_creates_its_alarms_and_scales_out_then_in(lab: Lab) -> None:
    _group(lab)
    autoscaling = lab.client("autoscaling")
    reply = _target_tracking(lab)
    names = sorted(a["AlarmName"] for a in reply["Alarms"])
    assert [_which(n) for n in names] == ["AlarmHigh", "AlarmLow"]
    assert all(n.startswith(f"TargetTracking-{GROUP}-") for n in names)
    alarms = {
        _which(a["AlarmName"]): a for a in lab.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    }
    high, low = alarms["AlarmHigh"], alarms["AlarmLow"]
    assert (high["Threshold"], high["EvaluationPeriods"], high["DatapointsToAlarm"], high["Period"]) == (50.0, 3, 3, 60)
    assert (low["Threshold"], low["EvaluationPeriods"], low["ComparisonOperator"]) == (45.0, 15, "LessThanThreshold")
    assert high["AlarmActions"] == [reply["PolicyARN"]] and high["StateValue"] == "INSUFFICIENT_DATA"
    assert high["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": GROUP}]
    described = autoscaling.describe_policies(AutoScalingGroupName=GROUP)["ScalingPolicies"][0]
    assert sorted(a["AlarmName"] for a in described["Alarms"]) == names

    start = lab.clock.now()
    _surge(lab, 40, 240)  # 2.4 instances' worth of CPU: one instance is pinned
    lab.advance(minutes=4)
    # 3 minutes above 50 %: AlarmHigh fires and asks for ceil(1 * ~100 / 50) = 2 or 3 instances.
    assert _capacity(lab) >= 2
    lab.advance(minutes=15)
    cpu = _group_cpu(lab, start, lab.clock.now())
    assert cpu[0] > 95 and cpu[-1] < 60, cpu  # the load spread over more instances: CPU fell
    grown = _capacity(lab)
    assert 3 <= grown <= 5
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName=GROUP)["Activities"]
    launched = [a for a in activities if a["Description"].startswith("Launching a new EC2 instance: i-")]
    assert len(launched) == grown  # the first at creation, the others by the alarm
    assert any(
        "a monitor alarm TargetTracking-" in a["Cause"] and "in state ALARM triggered policy cpu50" in a["Cause"]
        for a in launched
    )
    assert all(a["StatusCode"] == "Successful" for a in activities)

    # The surge ends: after 15 minutes below 45 % the low alarm scales in, conservatively.
    lab.advance(minutes=40)
    assert _capacity(lab) < grown
    assert any(
        a["Description"].startswith("Terminating EC2 instance: i-")
        for a in autoscaling.describe_scaling_activities(AutoScalingGroupName=GROUP)["Activities"]
    )


def test_disable_scale_in_creates_no_low_alarm(lab: Lab) -> None:
    _group(lab)
    reply = _target_tracking(lab, DisableScaleIn=True)
    assert [_which(a["AlarmName"]) for a in reply["Alarms"]] == ["AlarmHigh"]


def _step_policy(lab: Lab, *, warmup: int = 300, aggregation: str | None = "Average", **extra: Any) -> str:
    """The step policy cpu-steps: +1 up to 20 above the alarm's threshold, +2 beyond (``aggregation``: its
    MetricAggregationType, None to leave it out)."""
    if aggregation is not None:
        extra["MetricAggregationType"] = aggregation
    arn = lab.client("autoscaling").put_scaling_policy(
        AutoScalingGroupName=GROUP,
        PolicyName="cpu-steps",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        EstimatedInstanceWarmup=warmup,
        StepAdjustments=[
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
        ],
        **extra,
    )["PolicyARN"]
    assert ":scalingPolicy:" in arn and arn.endswith(f":autoScalingGroupName/{GROUP}:policyName/cpu-steps")
    return str(arn)


def _cpu_alarm(lab: Lab, arn: str, evaluation_periods: int = 2) -> None:
    """The alarm web-cpu-high (the group's one-minute average CPU at or above 60 %), invoking the policy ``arn``."""
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="web-cpu-high",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": GROUP}],
        Period=60,
        EvaluationPeriods=evaluation_periods,
        Threshold=60.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[arn],
    )


def test_step_policy_driven_by_a_cpu_alarm_takes_the_step_that_holds_the_value(lab: Lab) -> None:
    _group(lab, desired=1)
    _cpu_alarm(lab, _step_policy(lab))
    _surge(lab, 60, 400)  # one instance at 100 %: 40 above the threshold, the second step (+2)
    lab.advance(minutes=3)
    assert _capacity(lab) == 3
    # Still in ALARM during the warmup: the instances added are counted once, nothing more launches
    # while the breach stays in the same step.
    lab.advance(minutes=2)
    assert (
        lab.client("cloudwatch").describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]["StateValue"]
        == "ALARM"
    )
    assert _capacity(lab) == 3


def test_a_mute_rule_mutes_scaling_actions_until_its_window_ends(lab: Lab) -> None:
    """Mute rules mute "configured actions (such as Amazon SNS notifications or Auto Scaling actions)" while the
    alarm still changes state (API_PutAlarmMuteRule); the alarm still in ALARM after the window scales then."""
    _group(lab, desired=1)
    _cpu_alarm(lab, _step_policy(lab))
    lab.client("cloudwatch").put_alarm_mute_rule(
        Name="load-test",
        Rule={"Schedule": {"Expression": "at(2026-06-01T00:00)", "Duration": "PT10M"}},
        MuteTargets={"AlarmNames": ["web-cpu-high"]},
    )
    _surge(lab, 60, 400)
    lab.advance(minutes=5)
    assert (
        lab.client("cloudwatch").describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]["StateValue"]
        == "ALARM"
    )
    assert _capacity(lab) == 1  # muted
    lab.advance(minutes=6)  # the window ends at 00:10
    assert _capacity(lab) == 3


def test_execute_policy_step_scaling_picks_steps_and_clamps_to_max(lab: Lab) -> None:
    _group(lab, desired=1, max_size=2)
    _step_policy(lab)
    autoscaling = lab.client("autoscaling")
    autoscaling.execute_policy(
        AutoScalingGroupName=GROUP, PolicyName="cpu-steps", MetricValue=90.0, BreachThreshold=60.0
    )
    assert _capacity(lab) == 2  # +2 asked, MaxSize 2
    with pytest.raises(ClientError, match="MetricValue and BreachThreshold"):
        autoscaling.execute_policy(AutoScalingGroupName=GROUP, PolicyName="cpu-steps")


def test_simple_scaling_waits_for_its_cooldown(lab: Lab) -> None:
    _group(lab, desired=1)
    autoscaling = lab.client("autoscaling")
    autoscaling.put_scaling_policy(
        AutoScalingGroupName=GROUP,
        PolicyName="add-one",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
        Cooldown=300,
    )
    autoscaling.execute_policy(AutoScalingGroupName=GROUP, PolicyName="add-one", HonorCooldown=True)
    autoscaling.execute_policy(AutoScalingGroupName=GROUP, PolicyName="add-one", HonorCooldown=True)
    assert _capacity(lab) == 2  # the second waited for the cooldown
    lab.advance(minutes=5)
    autoscaling.execute_policy(AutoScalingGroupName=GROUP, PolicyName="add-one", HonorCooldown=True)
    assert _capacity(lab) == 3


def test_step_adjustments_with_a_gap_are_refused_with_awss_words(lab: Lab) -> None:
    _group(lab)
    with pytest.raises(ClientError, match="overlap or have a gap"):
        lab.client("autoscaling").put_scaling_policy(
            AutoScalingGroupName=GROUP,
            PolicyName="bad",
            PolicyType="StepScaling",
            AdjustmentType="ChangeInCapacity",
            StepAdjustments=[
                {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
                {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
            ],
        )


def test_what_is_not_emulated_is_refused_by_name(lab: Lab) -> None:
    _group(lab)
    autoscaling = lab.client("autoscaling")
    with pytest.raises(UnsupportedOperation, match="scheduled actions"):
        autoscaling.put_scheduled_update_group_action(
            AutoScalingGroupName=GROUP, ScheduledActionName="night", Recurrence="0 18 * * *", DesiredCapacity=1
        )
    with pytest.raises(UnsupportedOperation, match="ALBRequestCountPerTarget"):
        autoscaling.put_scaling_policy(
            AutoScalingGroupName=GROUP,
            PolicyName="alb",
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration={
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": "app/x/y/targetgroup/z/w",
                },
                "TargetValue": 100.0,
            },
        )
    with pytest.raises(UnsupportedOperation, match="predictive"):
        autoscaling.put_scaling_policy(
            AutoScalingGroupName=GROUP,
            PolicyName="p",
            PolicyType="PredictiveScaling",
            PredictiveScalingConfiguration={"MetricSpecifications": []},
        )
    with pytest.raises(UnsupportedOperation, match="lifecycle hooks"):
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName=GROUP, LifecycleHookName="h", LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING"
        )


def test_deleting_a_group_with_instances_needs_force_delete(lab: Lab) -> None:
    _group(lab)
    autoscaling = lab.client("autoscaling")
    with pytest.raises(ClientError, match="ResourceInUse"):
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName=GROUP)
    reply = _target_tracking(lab)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=GROUP, ForceDelete=True)
    names = [a["AlarmName"] for a in reply["Alarms"]]
    assert lab.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"] == []


def test_teardown_removes_group_template_policies_alarms_and_instances(lab: Lab) -> None:
    template = _group(lab, desired=2)
    reply = _target_tracking(lab)
    instances = [
        i["InstanceId"]
        for i in lab.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"][0]["Instances"]
    ]
    report = lab.teardown()
    assert report.failed == [] and report.remaining == []
    ec2 = lab.internal_client("ec2")
    states = {
        i["State"]["Name"]
        for r in ec2.describe_instances(InstanceIds=instances)["Reservations"]
        for i in r["Instances"]
    }
    assert states == {"terminated"}
    assert ec2.describe_launch_templates()["LaunchTemplates"] == []
    assert template not in str(lab.internal_client("ec2").describe_launch_templates())
    assert lab.internal_client("autoscaling").describe_policies()["ScalingPolicies"] == []
    names = [a["AlarmName"] for a in reply["Alarms"]]
    assert lab.internal_client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"] == []


def test_group_metrics_when_collection_is_enabled(lab: Lab) -> None:
    _group(lab, desired=2)
    lab.client("autoscaling").enable_metrics_collection(
        AutoScalingGroupName=GROUP, Granularity="1Minute", Metrics=["GroupDesiredCapacity", "GroupInServiceInstances"]
    )
    start = lab.clock.now()
    lab.advance(minutes=3)
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/AutoScaling",
        MetricName="GroupInServiceInstances",
        StartTime=start,
        EndTime=lab.clock.now(),
        Period=60,
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": GROUP}],
        Statistics=["Maximum"],
    )["Datapoints"]
    assert [p["Maximum"] for p in points] == [2.0, 2.0, 2.0]


def test_group_demand_refuses_a_negative_surge_in_labkits_words(lab: Lab) -> None:
    _group(lab)
    with pytest.raises(ConfigurationError, match="non-negative"):
        simulate_group_demand(lab, GROUP, extra=-10, minutes=5)


def test_on_a_moto_server_policies_scale_and_teardown_leaves_nothing(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", "asg-server")
    with labkit.connect() as lab:
        _group(lab, desired=1)
        reply = _target_tracking(lab)
        simulate_group_demand(lab, GROUP, extra=240, minutes=30)
        lab.advance(minutes=5)
        assert _capacity(lab) >= 2
        report = lab.teardown()
        assert report.failed == [] and report.remaining == []
        names = [a["AlarmName"] for a in reply["Alarms"]]
        assert lab.internal_client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"] == []


def test_a_second_group_of_the_same_name_is_refused_as_aws_does(lab: Lab) -> None:
    # "AlreadyExistsFault: You already have an Auto Scaling group or launch configuration with this name"
    # (CreateAutoScalingGroup API reference, Errors). moto alone replaced the group and its instances.
    _group(lab, desired=2)
    autoscaling = lab.client("autoscaling")
    before = [
        i["InstanceId"]
        for i in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0][
            "Instances"
        ]
    ]
    with pytest.raises(
        autoscaling.exceptions.AlreadyExistsFault, match=f"A group with the name {GROUP} already exists"
    ):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=GROUP,
            MinSize=1,
            MaxSize=2,
            DesiredCapacity=1,
            LaunchTemplate={"LaunchTemplateName": "web-template"},
            AvailabilityZones=[f"{lab.region}a"],
        )
    after = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    assert [i["InstanceId"] for i in after["Instances"]] == before and after["DesiredCapacity"] == 2


def test_an_alarm_that_stays_in_alarm_passes_its_newest_value(lab: Lab) -> None:
    # Auto Scaling actions repeat while the alarm stays in ALARM ("Alarm actions"); each time the step policy
    # picks the step of the value the alarm evaluated last, not of the value that made it change state.
    _group(lab, desired=1, max_size=10)
    _cpu_alarm(lab, _step_policy(lab, warmup=120, aggregation=None), evaluation_periods=1)
    _surge(lab, 30, 210)  # one instance pinned at 100 % (+2); three share it at about 71 % (+1)
    lab.advance(minutes=1)
    assert _capacity(lab) == 3
    lab.advance(minutes=2)  # still in ALARM at about 71 %: after the 120-second warmup, one more step of +1
    alarm = lab.client("cloudwatch").describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"
    assert _capacity(lab) == 4  # not 5: the transition's 100 % would have taken the +2 step again


def test_cooldown_on_a_step_policy_is_refused_by_name(lab: Lab) -> None:
    # "Cooldown ... Valid only if the policy type is SimpleScaling" (PutScalingPolicy API reference).
    _group(lab)
    with pytest.raises(UnsupportedOperation, match="Cooldown is valid only for a SimpleScaling policy"):
        _step_policy(lab, Cooldown=300)


def test_a_policy_added_to_an_alarm_that_keeps_its_state_acts_each_minute_until_removed(lab: Lab) -> None:
    """Auto Scaling actions repeat while the alarm stays in the state ("Alarm actions"): an update that names a
    policy in OKActions (PutMetricAlarm keeps the state) starts them, one that drops it stops them."""
    _group(lab, desired=1, max_size=10)
    arn = lab.client("autoscaling").put_scaling_policy(
        AutoScalingGroupName=GROUP,
        PolicyName="add-one",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
        Cooldown=60,
    )["PolicyARN"]
    _cpu_alarm(lab, arn)
    cloudwatch = lab.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]
    update = {key: alarm[key] for key in ("AlarmName", "Namespace", "MetricName", "Statistic", "Dimensions")}
    update |= {key: alarm[key] for key in ("Period", "EvaluationPeriods", "Threshold", "ComparisonOperator")}
    cloudwatch.put_metric_alarm(**update)  # no actions
    lab.advance(minutes=4)
    assert cloudwatch.describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]["StateValue"] == "OK"
    assert _capacity(lab) == 1
    cloudwatch.put_metric_alarm(**update, OKActions=[arn])
    lab.advance(minutes=3)
    assert _capacity(lab) == 4  # once a minute (the 60-second cooldown)
    cloudwatch.put_metric_alarm(**update)
    lab.advance(minutes=3)
    assert cloudwatch.describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]["StateValue"] == "OK"
    assert _capacity(lab) == 4
