"""Alarm-driven EC2 Auto Scaling in lab time: scaling policies act, activities are recorded (moto's never do).

moto stores launch templates, groups and policies and launches a group's instances; this plugin
adds what AWS does around them (notebook 09-scaling-and-quiet-alarms):

* A target tracking policy on ``ASGAverageCPUUtilization`` gets the two CloudWatch alarms AWS
  creates and manages for it ("Amazon EC2 Auto Scaling creates and manages the CloudWatch alarms
  that invoke scaling events when the metric deviates from the target", "Target tracking scaling
  policies for Amazon EC2 Auto Scaling", https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html),
  named ``TargetTracking-<group>-AlarmHigh-<uuid>`` and ``...-AlarmLow-<uuid>``; ``PutScalingPolicy``
  and ``DescribePolicies`` return them (``Alarms``), the alarm plugin evaluates them, and deleting
  the policy or the group deletes them. Their shape (3 of 3 one-minute periods above the target;
  15 of 15 below 90 % of it) is what AWS accounts show; the guide does not publish it.
* A metric alarm whose actions name a scaling policy's ARN invokes it, and "Except for Auto Scaling
  actions, the actions happen only on state transitions" ("Alarm actions",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html): labkit invokes
  the policy at the transition and again each lab minute the alarm stays in that state.
* Simple scaling waits for its cooldown; step scaling picks the step that holds the breaching value
  and, during the instance warmup, counts a step only once; target tracking scales out in proportion
  to the metric and scales in only on its low alarm, never during a scale-out's warmup
  (:mod:`labkit.aws.autoscaling` holds the rules and their sources).
* Each launched or terminated instance is a ``Successful`` scaling activity in
  ``DescribeScalingActivities`` (moto answers an empty list), worded as the API reference's example
  ("DescribeScalingActivities", https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeScalingActivities.html).
* A scale-in (an alarm's policy, ``ExecutePolicy``, ``SetDesiredCapacity``, ``UpdateAutoScalingGroup``)
  terminates the instances the group's termination policies choose (:func:`labkit.aws.autoscaling.termination_victims`,
  "Configure termination policies for Amazon EC2 Auto Scaling",
  https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html), before moto
  sets the capacity: moto ignores the policies and took instances in an order that changed from run to run.
  ``UpdateAutoScalingGroup``'s ``TerminationPolicies`` are kept (moto drops them) and shown by
  ``DescribeAutoScalingGroups``.
* ``CreateAutoScalingGroup`` refuses a name already in use (``AlreadyExists``), as AWS does; moto replaced the group.
* ``DeleteAutoScalingGroup`` without ``ForceDelete`` refuses a group that still has instances
  ("ResourceInUse ... You cannot delete an AutoScalingGroup while there are instances or pending
  Spot instance request(s) still in the group", DeleteAutoScalingGroup API reference).

Not emulated, refused by name with :class:`~labkit.exceptions.UnsupportedOperation`: predictive
scaling, target tracking on other metrics than ``ASGAverageCPUUtilization``, scheduled actions,
lifecycle hooks, warm pools, the ``AllocationStrategy`` and ``OldestLaunchConfiguration`` termination policies and
custom (Lambda) ones, and replacing the launch configuration of a group that has instances. Instances are InService
as soon as moto launches them (AWS takes a
minute or two), which the notebook's differences box says.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from labkit.aws import jsontext
from labkit.aws import autoscaling as rules
from labkit.emulator.autoscaling_metrics import AutoScalingMetrics
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.core import Call
from labkit.exceptions import ServiceError, UnsupportedOperation
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

_POLICY_ARN = re.compile(
    r"^arn:[^:]+:autoscaling:[^:]*:[^:]*:scalingPolicy:[^:]*:autoScalingGroupName/(?P<group>.+?):policyName/(?P<policy>.+)$"
)
_TIME = "%Y-%m-%dT%H:%M:%SZ"
#: Operations valid on AWS whose behaviour the lab does not emulate.
NOT_EMULATED = {
    "PutScheduledUpdateGroupAction": N_("scheduled actions"),
    "BatchPutScheduledUpdateGroupAction": N_("scheduled actions"),
    "PutLifecycleHook": N_("lifecycle hooks"),
    "PutWarmPool": N_("warm pools"),
    "StartInstanceRefresh": N_("instance refreshes"),
    "GetPredictiveScalingForecast": N_("predictive scaling"),
}


def policy_of(arn: str) -> tuple[str, str] | None:
    """(group, policy name) named by a scaling policy ARN, or None when ``arn`` is not one."""
    match = _POLICY_ARN.match(arn)
    return (match["group"], match["policy"]) if match else None


def _names_a_policy(alarm: dict[str, Any]) -> bool:
    """Whether any of ``alarm``'s actions, in any state, is a scaling policy (what :meth:`AutoScaling._invoke` runs)."""
    return any(
        policy_of(arn) is not None
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions")
        for arn in alarm.get(key, [])
    )


def description_for(arn: str) -> str:
    """The description AWS gives the alarms of a target tracking policy."""
    return f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {arn}."


class AutoScaling:
    """The plugin's state: scaling activities, the last scaling time and warmups of each group."""

    requires = (AutoScalingMetrics, CloudWatchAlarms)

    def __init__(self, emulator: Emulator) -> None:
        self.lab = emulator.lab
        self.members = emulator.plugin(AutoScalingMetrics)
        self.alarms = emulator.plugin(CloudWatchAlarms)
        #: Every activity, oldest first, as DescribeScalingActivities returns them.
        self.activities: list[dict[str, Any]] = []
        #: Lab time of each group's last scaling activity (simple scaling's cooldown).
        self.last_scaled: dict[str, dt.datetime] = {}
        #: Each group's scale-out warmup: (until, capacity before the scale-out).
        self.warming: dict[str, tuple[dt.datetime, int]] = {}
        #: (alarm, policy ARN, lab minute) already invoked: once a minute.
        self._invoked: set[tuple[str, str, dt.datetime]] = set()
        #: Each group's TerminationPolicies as UpdateAutoScalingGroup last set them (moto keeps CreateAutoScalingGroup's).
        self.termination_policies: dict[str, list[str]] = {}
        #: Where a scale-in draws among instances equally close to their next billing hour (seeded per lab).
        self.random = emulator.random
        #: The kept alarms the last tick read, with those that name a scaling policy in any state's actions
        #: (the others invoke nothing: a month of ten CPU alarms checked each one every minute).
        self._scaling: tuple[list[dict[str, Any]] | None, list[dict[str, Any]]] = (None, [])

    # -- clients ---------------------------------------------------------------------------------
    def _autoscaling(self) -> Any:
        return self.lab.internal_client("autoscaling")

    def _group(self, name: str) -> dict[str, Any] | None:
        found = self._autoscaling().describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        return found[0] if found else None

    def _policy(self, group: str, name: str) -> dict[str, Any] | None:
        found = self._autoscaling().describe_policies(AutoScalingGroupName=group, PolicyNames=[name])["ScalingPolicies"]
        return found[0] if found else None

    # -- calls -----------------------------------------------------------------------------------
    def refuse(self, call: Call) -> None:
        raise UnsupportedOperation(
            "autoscaling",
            call.operation,
            self.lab.backend.name,
            _("{what} are valid on AWS but not emulated offline").format(what=_(NOT_EMULATED[call.operation])),
        )

    def validate_create_group(self, call: Call) -> None:
        """A second group of the same name is refused, as AWS's ``AlreadyExistsFault`` ("You already have an
        Auto Scaling group or launch configuration with this name", CreateAutoScalingGroup API reference,
        https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html); moto
        would replace the first group, instances and all."""
        name = call.params["AutoScalingGroupName"]
        if self._group(name) is not None:
            raise ServiceError(
                "AlreadyExists",
                f"AutoScalingGroup by this name already exists - A group with the name {name} already exists",
            )

    def validate_termination_policies(self, call: Call) -> None:
        """Refuse by name the termination policies labkit does not apply; other names as AWS's ValidationError."""
        for policy in call.params.get("TerminationPolicies") or []:
            if policy.startswith("arn:"):
                detail = _("custom termination policies (a Lambda function) are valid on AWS but not emulated offline")
            elif policy in rules.VALID_TERMINATION_POLICIES and policy not in rules.TERMINATION_POLICIES:
                detail = _("the {policy} termination policy is valid on AWS but not emulated offline").format(
                    policy=policy
                )
            elif policy not in rules.TERMINATION_POLICIES:
                raise ServiceError("ValidationError", f"Unsupported termination policy: {policy}")
            else:
                continue
            raise UnsupportedOperation("autoscaling", call.operation, self.lab.backend.name, detail)

    def validate_update_group(self, call: Call) -> None:
        """A group's instances keep the launch configuration they were launched with: labkit cannot tell which
        launch configuration is the oldest (the Default termination policy's first rule) once it is replaced."""
        wanted = call.params.get("LaunchConfigurationName")
        group = self._group(call.params["AutoScalingGroupName"])
        if wanted and group and group["Instances"] and group.get("LaunchConfigurationName") != wanted:
            raise UnsupportedOperation(
                "autoscaling",
                call.operation,
                self.lab.backend.name,
                _(
                    "replacing the launch configuration of a group that has instances is valid on AWS, but the "
                    "Default termination policy's choice among launch configurations is not emulated offline"
                ),
            )

    def describe_groups(self, call: Call) -> dict[str, Any]:
        """moto's answer with the TerminationPolicies UpdateAutoScalingGroup set (moto keeps only the first ones)."""
        reply = self._autoscaling().describe_auto_scaling_groups(**call.params)
        reply.pop("ResponseMetadata", None)
        for group in reply["AutoScalingGroups"]:
            policies = self.termination_policies.get(group["AutoScalingGroupName"])
            if policies is not None:
                group["TerminationPolicies"] = list(policies)
        return reply

    def set_desired_capacity(self, call: Call) -> None:
        """Terminate the instances the termination policies choose; moto then sets the capacity."""
        self._terminate_excess(call.params["AutoScalingGroupName"], int(call.params["DesiredCapacity"]))

    def update_group(self, call: Call) -> None:
        """Keep the TerminationPolicies and scale in as they choose; moto then updates the group."""
        params = call.params
        name = params["AutoScalingGroupName"]
        group = self._group(name)
        if group is None:
            return
        policies = params.get("TerminationPolicies")
        if policies:
            self.termination_policies[name] = list(policies)
        target = params.get("DesiredCapacity")
        in_service = len(_in_service(group))
        if target is None and params.get("MaxSize") is not None and int(params["MaxSize"]) < in_service:
            target = params["MaxSize"]  # moto lowers the capacity to the new maximum, as AWS does
        if target is not None:
            self._terminate_excess(name, int(target), params)

    def _terminate_excess(self, name: str, target: int, changes: dict[str, Any] | None = None) -> None:
        """Terminate the instances of ``name`` beyond ``target`` that its termination policies choose, leaving
        moto's capacity at ``target`` with nothing for moto to choose (``changes``: the UpdateAutoScalingGroup
        parameters that may replace its launch template)."""
        group = self._group(name)
        if group is None:
            return
        members = _in_service(group)
        excess = len(members) - target
        if excess <= 0:
            return
        autoscaling = self._autoscaling()
        if int(group["DesiredCapacity"]) != len(members):
            # Each termination below lowers the capacity by one, which moto then enforces.
            autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=len(members))
        policies = self.termination_policies.get(name, group.get("TerminationPolicies") or ["Default"])
        current = self._resolve_template(_template_after(group, changes or {}))
        victims = rules.termination_victims(
            self._members(members), excess, policies, current, self.lab.clock.now(), self.random
        )
        for instance_id in victims:
            autoscaling.terminate_instance_in_auto_scaling_group(
                InstanceId=instance_id, ShouldDecrementDesiredCapacity=True
            )

    def _members(self, instances: list[dict[str, Any]]) -> list[rules.Member]:
        """The group's instances with their launch time and the launch template EC2 tagged them with."""
        ids = [i["InstanceId"] for i in instances]
        reservations = self.lab.internal_client("ec2").describe_instances(InstanceIds=ids)["Reservations"]
        described = {i["InstanceId"]: i for r in reservations for i in r["Instances"]}
        members = []
        for instance in instances:
            ec2 = described[instance["InstanceId"]]
            tags = {t["Key"]: t["Value"] for t in ec2.get("Tags", [])}
            template_id = tags.get("aws:ec2launchtemplate:id")
            version = tags.get("aws:ec2launchtemplate:version")
            launched = ec2["LaunchTime"]
            members.append(
                rules.Member(
                    instance["InstanceId"],
                    instance["AvailabilityZone"],
                    launched if launched.tzinfo else launched.replace(tzinfo=dt.timezone.utc),
                    (template_id, int(version)) if template_id and version else None,
                    bool(instance.get("ProtectedFromScaleIn")),
                )
            )
        return members

    def _resolve_template(self, spec: dict[str, Any] | None) -> tuple[str, int] | None:
        """(id, version number) of a LaunchTemplateSpecification, ``$Latest`` and ``$Default`` resolved."""
        if not spec:
            return None
        ident = (
            {"LaunchTemplateIds": [spec["LaunchTemplateId"]]}
            if spec.get("LaunchTemplateId")
            else {"LaunchTemplateNames": [spec["LaunchTemplateName"]]}
        )
        template = self.lab.internal_client("ec2").describe_launch_templates(**ident)["LaunchTemplates"][0]
        version = str(spec.get("Version") or "$Default")
        number = {"$Latest": template["LatestVersionNumber"], "$Default": template["DefaultVersionNumber"]}.get(
            version, version
        )
        return template["LaunchTemplateId"], int(number)

    def validate_policy(self, call: Call) -> None:
        params = call.params
        kind = params.get("PolicyType") or "SimpleScaling"

        def unsupported(detail: str) -> UnsupportedOperation:
            return UnsupportedOperation("autoscaling", "PutScalingPolicy", self.lab.backend.name, detail)

        if self._group(params["AutoScalingGroupName"]) is None:
            raise ServiceError("ValidationError", f"Group {params['AutoScalingGroupName']} not found")
        if kind == "PredictiveScaling":
            raise unsupported(_("predictive scaling policies are valid on AWS but not emulated offline"))
        if kind == "TargetTrackingScaling":
            config = params.get("TargetTrackingConfiguration") or {}
            metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
            if metric != "ASGAverageCPUUtilization":
                raise unsupported(
                    _(
                        "target tracking on {metric} is valid on AWS but only ASGAverageCPUUtilization is emulated offline"
                    ).format(metric=metric or _("a customized metric")),
                )
            return
        if kind == "StepScaling" and params.get("Cooldown") is not None:
            # "Cooldown ... Valid only if the policy type is SimpleScaling" (PutScalingPolicy API reference,
            # https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScalingPolicy.html).
            raise unsupported(
                _(
                    "Cooldown is valid only for a SimpleScaling policy (PutScalingPolicy API reference); "
                    "AWS's answer to it on a StepScaling policy is not emulated: a step policy waits for "
                    "EstimatedInstanceWarmup instead"
                )
            )
        adjustment_type = params.get("AdjustmentType")
        if adjustment_type not in rules.ADJUSTMENT_TYPES:
            raise ServiceError("ValidationError", f"AdjustmentType must be one of {', '.join(rules.ADJUSTMENT_TYPES)}")
        if kind == "StepScaling":
            problem = rules.validate_steps([rules.Step.from_api(s) for s in params.get("StepAdjustments") or []])
            if problem:
                raise ServiceError("ValidationError", problem)
        elif kind == "SimpleScaling" and params.get("ScalingAdjustment") is None:
            raise ServiceError("ValidationError", "ScalingAdjustment is required for a SimpleScaling policy")

    def put_policy(self, call: Call) -> dict[str, Any]:
        params = call.params
        self._autoscaling().put_scaling_policy(**params)
        # moto answers "PolicyArn", a key boto3 does not read: the ARN comes from the stored policy.
        stored = self._policy(params["AutoScalingGroupName"], params["PolicyName"])
        assert stored is not None
        arn = stored["PolicyARN"]
        self._delete_managed_alarms([arn])
        if params.get("PolicyType") != "TargetTrackingScaling":
            return {"PolicyARN": arn}
        alarms = self._create_managed_alarms(params, arn)
        return {"PolicyARN": arn, "Alarms": alarms}

    def _create_managed_alarms(self, params: dict[str, Any], arn: str) -> list[dict[str, str]]:
        group = params["AutoScalingGroupName"]
        config = params["TargetTrackingConfiguration"]
        high, low = rules.alarm_thresholds(float(config["TargetValue"]))
        cloudwatch = self.lab.internal_client("cloudwatch")
        common = {
            "Namespace": "AWS/EC2",
            "MetricName": "CPUUtilization",
            "Statistic": "Average",
            "Period": 60,
            "Dimensions": [{"Name": "AutoScalingGroupName", "Value": group}],
            "AlarmActions": [arn],
            "AlarmDescription": description_for(arn),
        }
        shapes = [("AlarmHigh", high, 3, "GreaterThanThreshold")]
        if not config.get("DisableScaleIn"):
            shapes.append(("AlarmLow", low, 15, "LessThanThreshold"))
        created = []
        for which, threshold, periods, operator in shapes:
            seed = f"labkit-autoscaling/{self.lab.account_id}/{arn}/{which}/{len(self.activities)}/{len(self.alarms.alarms)}"
            name = f"TargetTracking-{group}-{which}-{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"
            cloudwatch.put_metric_alarm(
                AlarmName=name,
                Threshold=threshold,
                EvaluationPeriods=periods,
                DatapointsToAlarm=periods,
                ComparisonOperator=operator,
                **common,
            )
            cloudwatch.set_alarm_state(
                AlarmName=name, StateValue="INSUFFICIENT_DATA", StateReason="Unchecked: Initial alarm creation"
            )
            found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
            created.append({"AlarmName": name, "AlarmARN": found["AlarmArn"]})
        return created

    def _managed_alarms(self, arns: list[str]) -> list[str]:
        descriptions = {description_for(arn) for arn in arns}
        return [a["AlarmName"] for a in self.alarms.alarms if a.get("AlarmDescription") in descriptions]

    def _delete_managed_alarms(self, arns: list[str]) -> None:
        names = self._managed_alarms(arns)
        if names:
            self.lab.internal_client("cloudwatch").delete_alarms(AlarmNames=names)

    def describe_policies(self, call: Call) -> dict[str, Any]:
        """moto's answer plus each policy's ``Alarms``: the alarms whose actions invoke it."""
        reply = self._autoscaling().describe_policies(**call.params)
        reply.pop("ResponseMetadata", None)
        for policy in reply["ScalingPolicies"]:
            arn = policy["PolicyARN"]
            policy["Alarms"] = [
                {"AlarmName": a["AlarmName"], "AlarmARN": a["AlarmArn"]}
                for a in self.alarms.alarms
                if arn in (*a.get("AlarmActions", []), *a.get("OKActions", []), *a.get("InsufficientDataActions", []))
            ]
        return reply

    def delete_policy(self, call: Call) -> None:
        """Deleting a target tracking policy deletes its alarms; moto then deletes the policy."""
        policy = self._policy(call.params["AutoScalingGroupName"], call.params["PolicyName"])
        if policy is not None:
            self._delete_managed_alarms([policy["PolicyARN"]])

    def validate_delete_group(self, call: Call) -> None:
        group = self._group(call.params["AutoScalingGroupName"])
        if group is None:
            raise ServiceError(
                "ValidationError",
                f"AutoScalingGroup name not found - AutoScalingGroup '{call.params['AutoScalingGroupName']}' not found",
            )
        if group["Instances"] and not call.params.get("ForceDelete"):
            raise ServiceError(
                "ResourceInUse",
                "You cannot delete an AutoScalingGroup while there are instances "
                "or pending Spot instance request(s) still in the group.",
            )

    def delete_group(self, call: Call) -> None:
        """The group's policies and their managed alarms go with it (moto keeps the policies)."""
        name = call.params["AutoScalingGroupName"]
        policies = self._autoscaling().describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]
        self._delete_managed_alarms([p["PolicyARN"] for p in policies])
        for policy in policies:
            self._autoscaling().delete_policy(AutoScalingGroupName=name, PolicyName=policy["PolicyName"])

    def group_deleted(self, call: Call, reply: dict[str, Any]) -> None:
        name = call.params["AutoScalingGroupName"]
        _launched, terminated = self.members.sync(None, name)
        self._record(name, [], terminated, f"a user request deleted the AutoScalingGroup {name}", None, None)
        self.last_scaled.pop(name, None)
        self.warming.pop(name, None)
        self.termination_policies.pop(name, None)

    def capacity_changed(self, call: Call, reply: dict[str, Any]) -> None:
        """A learner's call changed a group's capacity: record its activities."""
        name = call.params["AutoScalingGroupName"]
        group = self._group(name)
        if group is None:
            return
        before = len(self.members.members.get(name, {}))
        launched, terminated = self.members.sync(group, name)
        what = {
            "CreateAutoScalingGroup": "a user request created an AutoScalingGroup",
            "UpdateAutoScalingGroup": (
                f"a user request update of AutoScalingGroup constraints to min: {group['MinSize']}, "
                f"max: {group['MaxSize']}, desired: {group['DesiredCapacity']}"
            ),
            "SetDesiredCapacity": "a user request explicitly set group desired capacity",
            "TerminateInstanceInAutoScalingGroup": "a user request explicitly terminated an instance",
        }[call.operation]
        self._record(name, launched, terminated, what, before, group["DesiredCapacity"])

    def execute_policy(self, call: Call) -> dict[str, Any]:
        params = call.params
        group = params.get("AutoScalingGroupName")
        name = params["PolicyName"]
        parsed = policy_of(name)
        if parsed:
            group, name = parsed
        policy = self._policy(group, name) if group else None
        if policy is None:
            raise ServiceError("ValidationError", f"No scaling policy found for {params['PolicyName']}")
        kind = policy.get("PolicyType", "SimpleScaling")
        if kind == "TargetTrackingScaling":
            raise ServiceError("ValidationError", "ExecutePolicy is not supported for a TargetTrackingScaling policy.")
        if kind == "StepScaling" and ("MetricValue" not in params or "BreachThreshold" not in params):
            raise ServiceError(
                "ValidationError", "MetricValue and BreachThreshold are required for a StepScaling policy."
            )
        self._scale(
            policy,
            f"a user request executed policy {policy['PolicyName']}",
            metric=params.get("MetricValue"),
            threshold=params.get("BreachThreshold"),
            honor_cooldown=bool(params.get("HonorCooldown")),
        )
        return {}

    def describe_activities(self, call: Call) -> dict[str, Any]:
        params = call.params
        found = [
            a
            for a in reversed(self.activities)
            if params.get("AutoScalingGroupName") in (None, a["AutoScalingGroupName"])
            and (not params.get("ActivityIds") or a["ActivityId"] in params["ActivityIds"])
        ]
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxRecords") or 100)
        reply: dict[str, Any] = {"Activities": found[start : start + size]}
        if start + size < len(found):
            reply["NextToken"] = str(start + size)
        return reply

    # -- scaling ---------------------------------------------------------------------------------
    def on_transition(self, region: str, name: str, now: dt.datetime) -> None:
        if region != self.lab.region:
            return
        alarm = next((a for a in self.alarms.alarms if a["AlarmName"] == name), None)
        if alarm is not None:
            self._invoke(alarm, now)

    def tick(self, now: dt.datetime) -> None:
        """Invoke the scaling policies of every alarm that stays in a state with scaling actions."""
        self._invoked = {key for key in self._invoked if key[2] == now}
        kept = self.alarms.alarms
        if self._scaling[0] is not kept:  # read again, or a transition replaced an alarm
            self._scaling = (kept, [alarm for alarm in kept if _names_a_policy(alarm)])
        for alarm in self._scaling[1]:
            self._invoke(alarm, now)

    def _invoke(self, alarm: dict[str, Any], now: dt.datetime) -> None:
        if not alarm.get("ActionsEnabled", True):
            return
        state = alarm["StateValue"]
        key = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[state]
        policies = [(arn, parsed) for arn in alarm.get(key, []) if (parsed := policy_of(arn)) is not None]
        # An alarm mute rule mutes "Auto Scaling actions" too (PutAlarmMuteRule API reference); invoked again
        # each minute, the policy acts as soon as the window ends if the alarm is still in the state.
        if not policies or self.alarms.muted(self.lab.region, alarm["AlarmName"], now):
            return
        for arn, parsed in policies:
            if (alarm["AlarmName"], arn, now) in self._invoked:
                continue
            self._invoked.add((alarm["AlarmName"], arn, now))
            policy = self._policy(*parsed)
            if policy is None:
                continue  # the policy was deleted: AWS's alarm action fails, nothing scales
            cause = f"a monitor alarm {alarm['AlarmName']} in state {alarm['StateValue']} triggered policy {policy['PolicyName']}"
            metric = self.alarms.newest.get((self.lab.region, alarm["AlarmName"]), _breaching_value(alarm))
            self._scale(
                policy, cause, metric=metric, threshold=alarm.get("Threshold"), honor_cooldown=True, alarm=alarm
            )

    def _scale(
        self,
        policy: dict[str, Any],
        cause: str,
        *,
        metric: float | None,
        threshold: float | None,
        honor_cooldown: bool,
        alarm: dict[str, Any] | None = None,
    ) -> None:
        name = policy["AutoScalingGroupName"]
        group = self._group(name)
        if group is None:
            return
        now = self.lab.clock.now()
        current = int(group["DesiredCapacity"])
        kind = policy.get("PolicyType", "SimpleScaling")
        warm_until, before_warmup = self.warming.get(name, (now, current))
        warming = now < warm_until
        if kind == "SimpleScaling":
            cooldown = int(policy.get("Cooldown") or group.get("DefaultCooldown") or rules.DEFAULT_COOLDOWN)
            last = self.last_scaled.get(name)
            if honor_cooldown and rules.in_cooldown(last.timestamp() if last else None, now.timestamp(), cooldown):
                return
            wanted = rules.adjusted_capacity(
                current,
                policy["AdjustmentType"],
                policy["ScalingAdjustment"],
                min_adjustment_magnitude=policy.get("MinAdjustmentMagnitude"),
            )
        elif kind == "StepScaling":
            if metric is None or threshold is None:
                return  # no breaching value to choose a step with (SetAlarmState without StateReasonData)
            step = rules.select_step(
                [rules.Step.from_api(s) for s in policy.get("StepAdjustments", [])], metric, threshold
            )
            if step is None:
                return
            # "While scaling out, we do not consider instances that are warming up as part of the current
            # capacity of the group. Therefore, multiple alarm breaches that fall in the range of the same
            # step adjustment result in a single scaling activity" ("Instance warmup", as-scaling-simple-step.html):
            # the same step again adds nothing, a larger one adds the difference (the guide's 10 -> 11 -> 13).
            base = before_warmup if warming and step.adjustment > 0 else current
            wanted = rules.adjusted_capacity(
                base,
                policy["AdjustmentType"],
                step.adjustment,
                min_adjustment_magnitude=policy.get("MinAdjustmentMagnitude"),
            )
            if warming and step.adjustment > 0:
                wanted = max(wanted, current)
        else:  # TargetTrackingScaling, invoked by one of its own alarms
            if metric is None or alarm is None:
                return
            config = policy.get("TargetTrackingConfiguration") or {}
            in_service = len(group["Instances"]) or current
            wanted = rules.target_tracking_capacity(in_service, metric, float(config["TargetValue"]))
            scale_in = alarm.get("ComparisonOperator", "").startswith("LessThan")
            if scale_in and (warming or config.get("DisableScaleIn") or wanted >= current):
                return
            if not scale_in and wanted <= current:
                return
        wanted = rules.clamp(wanted, int(group["MinSize"]), int(group["MaxSize"]))
        if wanted == current:
            return
        self._terminate_excess(name, wanted)
        self._autoscaling().set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=wanted)
        launched, terminated = self.members.sync(self._group(name), name)
        self._record(name, launched, terminated, cause, current, wanted)
        self.last_scaled[name] = now
        if wanted > current:
            warmup = int(
                policy.get("EstimatedInstanceWarmup")
                or group.get("DefaultInstanceWarmup")
                or group.get("DefaultCooldown")
                or rules.DEFAULT_COOLDOWN
            )
            self.warming[name] = (now + dt.timedelta(seconds=warmup), before_warmup if warming else current)

    def _record(
        self,
        group: str,
        launched: list[str],
        terminated: list[str],
        what: str,
        before: int | None,
        after: int | None,
    ) -> None:
        """One ``Successful`` activity per instance, worded as in the DescribeScalingActivities example."""
        now = self.lab.clock.now()
        stamp = now.strftime(_TIME)
        change = (
            f" changing the desired capacity from {before} to {after}"
            if before is not None and after is not None
            else ""
        )
        arn = f"arn:aws:autoscaling:{self.lab.region}:{self.lab.account_id}:autoScalingGroup::autoScalingGroupName/{group}"
        for verb, ids in (("launch", launched), ("terminate", terminated)):
            for instance_id in ids:
                if verb == "launch":
                    description = f"Launching a new EC2 instance: {instance_id}"
                    effect = (
                        "an instance was started in response to a difference between desired and actual capacity, "
                        f"increasing the capacity from {before} to {after}."
                    )
                else:
                    description = f"Terminating EC2 instance: {instance_id}"
                    effect = (
                        "an instance was taken out of service in response to a difference between desired and "
                        f"actual capacity, shrinking the capacity from {before} to {after}.  At {stamp} instance "
                        f"{instance_id} was selected for termination."
                    )
                    if before is None:
                        effect = f"instance {instance_id} was terminated with its group."
                activity_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"labkit-activity/{group}/{len(self.activities)}"))
                self.activities.append(
                    {
                        "ActivityId": activity_id,
                        "AutoScalingGroupName": group,
                        "AutoScalingGroupARN": arn,
                        "Description": description,
                        "Cause": f"At {stamp} {what}{change}.  At {stamp} {effect}",
                        "StartTime": now,
                        "EndTime": now,
                        "StatusCode": "Successful",
                        "Progress": 100,
                        "Details": json.dumps({"Availability Zone": f"{self.lab.region}a"}),
                    }
                )


def _breaching_value(alarm: dict[str, Any]) -> float | None:
    """The newest datapoint of the alarm's ``StateReasonData``: the value a policy acts on when the alarm's
    state was set by SetAlarmState ("If an alarm triggers EC2 Auto Scaling policies ..., you must include
    information in the StateReasonData parameter to enable the policy to take the correct action",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html). An alarm the
    lab evaluated passes its latest evaluation's newest datapoint instead (``CloudWatchAlarms.newest``), also
    each minute it stays in its state, so a step policy acts on the value now, not on the transition's."""
    try:
        data = jsontext.loads(alarm.get("StateReasonData") or "{}")
    except ValueError:
        return None
    recent = data.get("recentDatapoints") or []
    return float(recent[-1]) if recent else None


def _in_service(group: dict[str, Any]) -> list[dict[str, Any]]:
    """The instances a scale-in counts and chooses from (moto's ``active_instances``)."""
    return [i for i in group["Instances"] if i.get("LifecycleState", "InService") == "InService"]


def _template_of(group: dict[str, Any]) -> dict[str, Any] | None:
    """The group's LaunchTemplateSpecification, also inside a MixedInstancesPolicy; None for a launch configuration."""
    mixed = ((group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")
    return group.get("LaunchTemplate") or mixed


def _template_after(group: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any] | None:
    """The group's launch template once UpdateAutoScalingGroup's ``changes`` apply."""
    if changes.get("LaunchTemplate") or changes.get("MixedInstancesPolicy"):
        return _template_of(changes)
    return None if changes.get("LaunchConfigurationName") else _template_of(group)


def install(emulator: Emulator) -> AutoScaling:
    """Register alarm-driven scaling, activities and the refused operations on ``emulator``."""
    plugin = AutoScaling(emulator)
    for operation in NOT_EMULATED:
        emulator.answers("autoscaling", operation)(plugin.refuse)
    emulator.validates("autoscaling", "CreateAutoScalingGroup")(plugin.validate_create_group)
    for operation in ("CreateAutoScalingGroup", "UpdateAutoScalingGroup"):
        emulator.validates("autoscaling", operation)(plugin.validate_termination_policies)
    emulator.validates("autoscaling", "UpdateAutoScalingGroup")(plugin.validate_update_group)
    emulator.answers("autoscaling", "UpdateAutoScalingGroup")(plugin.update_group)
    emulator.answers("autoscaling", "SetDesiredCapacity")(plugin.set_desired_capacity)
    emulator.answers("autoscaling", "DescribeAutoScalingGroups")(plugin.describe_groups)
    emulator.validates("autoscaling", "PutScalingPolicy")(plugin.validate_policy)
    emulator.answers("autoscaling", "PutScalingPolicy")(plugin.put_policy)
    emulator.answers("autoscaling", "DescribePolicies")(plugin.describe_policies)
    emulator.answers("autoscaling", "ExecutePolicy")(plugin.execute_policy)
    emulator.answers("autoscaling", "DescribeScalingActivities")(plugin.describe_activities)
    emulator.validates("autoscaling", "DeleteAutoScalingGroup")(plugin.validate_delete_group)
    for register in (emulator.answers, emulator.answers_internal):
        register("autoscaling", "DeletePolicy")(plugin.delete_policy)
        register("autoscaling", "DeleteAutoScalingGroup")(plugin.delete_group)
    emulator.observes("autoscaling", "DeleteAutoScalingGroup")(plugin.group_deleted)
    for operation in (
        "CreateAutoScalingGroup",
        "UpdateAutoScalingGroup",
        "SetDesiredCapacity",
        "TerminateInstanceInAutoScalingGroup",
    ):
        emulator.observes("autoscaling", operation)(plugin.capacity_changed)
    plugin.alarms.on_transition.append(plugin.on_transition)
    emulator.every_minute(plugin.tick)
    return plugin
