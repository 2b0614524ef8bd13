"""Exercises of notebook 09-alarms-that-scale-and-stay-quiet: a composite alarm rule, an anomaly-band alarm and a
step scaling policy driven by a CPU alarm.

Composite alarms: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html;
anomaly detection alarms: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html;
step scaling policies (steps relative to the alarm's threshold, instance warmup instead of a cooldown):
https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html and
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScalingPolicy.html.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

from labkit.aws import alarmrule
from labkit.aws import autoscaling as scaling_rules
from labkit.course.exercises import Exercise
from labkit.exceptions import AlarmRuleError
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

ERROR_RATE = "lab-alb-error-rate"
LATENCY = "lab-alb-p99-latency"
DEPLOYING = "lab-deploying"
PAGE_ALB = "lab-page-alb"
CPU_ANOMALY = "lab-cpu-anomaly"
GROUP = "lab-web-asg"
BIG_STEPS = "lab-asg-big-steps"
CPU_HIGH = "lab-asg-cpu-high"
#: Exercise 3's steps: the group's CPU (the alarm's threshold is 60 %) and the instances it should add.
_WANTED_STEPS = ((60.0, 1), (79.9, 1), (80.0, 3), (100.0, 3))
WARMUP = 120
#: Exercise 1's rule, as a truth table over its three children.
_CHILDREN = (ERROR_RATE, LATENCY, DEPLOYING)


def _wanted(states: dict[str, str]) -> bool:
    return (states[ERROR_RATE] == "ALARM" or states[LATENCY] == "ALARM") and states[DEPLOYING] != "ALARM"


def _notifies_alerts(alarm: dict[str, Any]) -> bool:
    return any(arn.split(":")[-1] == "lab-alerts" for arn in alarm.get("AlarmActions", []))


def _name_of(reference: str) -> str:
    """An alarm named in a rule by name or by ARN (arn:aws:cloudwatch:region:account:alarm:name)."""
    return reference.split(":alarm:", 1)[1] if ":alarm:" in reference else reference


def _page_alb_problems(lab: Lab) -> list[str]:
    found = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=[PAGE_ALB], AlarmTypes=["CompositeAlarm"])
    if not found["CompositeAlarms"]:
        return [_("there is no composite alarm named {name!r} (cloudwatch.put_composite_alarm)").format(name=PAGE_ALB)]
    alarm = found["CompositeAlarms"][0]
    problems = []
    try:
        rule = alarmrule.compile(alarm["AlarmRule"])
    except AlarmRuleError as error:  # AWS would not have stored it; kept for a rule written by another tool
        return [_("the rule {rule!r} does not parse: {error}").format(rule=alarm["AlarmRule"], error=error)]
    named = {_name_of(reference) for reference in rule.alarms}
    if named - set(_CHILDREN):
        problems.append(
            _("the rule names {named}; use only {children}").format(
                named=sorted(named - set(_CHILDREN)), children=", ".join(_CHILDREN)
            )
        )
    else:
        for combination in itertools.product(("ALARM", "OK"), repeat=len(_CHILDREN)):
            states = dict(zip(_CHILDREN, combination, strict=True))
            got = rule.evaluate({reference: states[_name_of(reference)] for reference in rule.alarms})
            if got != _wanted(states):
                described = ", ".join(f"{name} {state}" for name, state in states.items())
                wrong = (
                    _("with {states} your rule is TRUE, but it should stay quiet")
                    if got
                    else _("with {states} your rule is FALSE, but it should page")
                )
                problems.append(wrong.format(states=described))
                break
    if not _notifies_alerts(alarm):
        problems.append(_("the composite alarm does not notify the lab-alerts topic (AlarmActions=[topic_arn])"))
    return problems


page_on_alb_trouble = Exercise(
    title=N_(
        "a composite alarm 'lab-page-alb': errors or slow answers on the load balancer, but not during a deployment"
    ),
    checker=_page_alb_problems,
    hints=[
        N_('A composite rule combines ALARM("name") terms with AND, OR and NOT; parentheses group them.'),
        N_(
            'Either child alarm may page: (ALARM("lab-alb-error-rate") OR ALARM("lab-alb-p99-latency")); then AND '
            'NOT ALARM("lab-deploying") keeps it quiet while a deployment runs. Pass AlarmActions=[topic_arn].'
        ),
    ],
    notebook="09",
    number=1,
)


def _band_of(alarm: dict[str, Any]) -> tuple[dict[str, Any] | None, float | None]:
    """The metric under the alarm's ANOMALY_DETECTION_BAND, and the band's width in standard deviations."""
    queries = {q["Id"]: q for q in alarm.get("Metrics", [])}
    band = queries.get(alarm.get("ThresholdMetricId", ""))
    if band is None:
        return None, None
    match = re.fullmatch(r"\s*ANOMALY_DETECTION_BAND\(\s*(\w+)\s*(?:,\s*([\d.]+)\s*)?\)\s*", band.get("Expression", ""))
    if match is None or match.group(1) not in queries:
        return None, None
    return queries[match.group(1)], float(match.group(2) or 2)


def _cpu_anomaly_problems(lab: Lab) -> list[str]:
    cloudwatch = lab.internal_client("cloudwatch")
    found = cloudwatch.describe_alarms(AlarmNames=[CPU_ANOMALY])["MetricAlarms"]
    if not found:
        return [_("there is no alarm named {name!r}").format(name=CPU_ANOMALY)]
    alarm = found[0]
    if not alarm.get("ThresholdMetricId"):
        return [
            _(
                "the alarm has a fixed Threshold: an anomaly alarm passes Metrics=[the metric, the band] and "
                "ThresholdMetricId='the band's Id' instead"
            )
        ]
    metric, stddevs = _band_of(alarm)
    if metric is None or "MetricStat" not in metric:
        return [
            _(
                "ThresholdMetricId must name a query whose Expression is ANOMALY_DETECTION_BAND(m1, 2), where m1 "
                "is the Id of the CPU metric's query"
            )
        ]
    problems = []
    stat = metric["MetricStat"]
    watched = stat["Metric"]
    if (watched.get("Namespace"), watched.get("MetricName")) != ("AWS/EC2", "CPUUtilization"):
        problems.append(
            _("the band is on {namespace}/{metric}, not AWS/EC2/CPUUtilization").format(
                namespace=watched.get("Namespace"), metric=watched.get("MetricName")
            )
        )
    elif not any(d["Name"] == "InstanceId" for d in watched.get("Dimensions", [])):
        problems.append(_("the metric needs the dimension InstanceId of the batch server (instance.dimensions)"))
    if stat.get("Stat") != "Average" or stat.get("Period") != 300:
        problems.append(
            _("the metric is {stat} over {period} s; use Average over 300 s").format(
                stat=stat.get("Stat"), period=stat.get("Period")
            )
        )
    if stddevs != 2:
        problems.append(_("the band is {stddevs:g} standard deviations wide; use 2").format(stddevs=stddevs))
    if alarm.get("ComparisonOperator") != "GreaterThanUpperThreshold":
        problems.append(
            _(
                "ComparisonOperator is {operator!r}: only a CPU above the band should page (GreaterThanUpperThreshold)"
            ).format(operator=alarm.get("ComparisonOperator"))
        )
    if (alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods")), alarm.get("EvaluationPeriods")) != (3, 5):
        problems.append(
            _("the alarm is {datapoints} of {periods}; Step 5's table chose 3 of 5").format(
                datapoints=alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods")),
                periods=alarm.get("EvaluationPeriods"),
            )
        )
    if not _notifies_alerts(alarm):
        problems.append(_("the alarm does not notify the lab-alerts topic (AlarmActions=[topic_arn])"))
    return problems


cpu_anomaly_alarm = Exercise(
    title=N_("an anomaly detection alarm 'lab-cpu-anomaly': the batch server's CPU above its band, 3 of 5"),
    checker=_cpu_anomaly_problems,
    hints=[
        N_(
            "An anomaly alarm has no Threshold: Metrics holds the metric (Id m1, ReturnData=True) and the band "
            "(Id ad1, Expression 'ANOMALY_DETECTION_BAND(m1, 2)'), and ThresholdMetricId='ad1'."
        ),
        N_(
            "ComparisonOperator='GreaterThanUpperThreshold', EvaluationPeriods=5, DatapointsToAlarm=3, the metric's "
            "MetricStat with Period=300 and Stat='Average', AlarmActions=[topic_arn]."
        ),
    ],
    notebook="09",
    number=2,
)


def _big_steps_problems(lab: Lab) -> list[str]:
    autoscaling = lab.internal_client("autoscaling")
    found = autoscaling.describe_policies(AutoScalingGroupName=GROUP, PolicyNames=[BIG_STEPS])["ScalingPolicies"]
    if not found:
        return [
            _("there is no scaling policy {policy!r} on the group {group!r} (autoscaling.put_scaling_policy)").format(
                policy=BIG_STEPS, group=GROUP
            )
        ]
    policy = found[0]
    if policy.get("PolicyType") != "StepScaling":
        return [
            _("the policy is {kind}; the exercise asks for PolicyType='StepScaling'").format(
                kind=policy.get("PolicyType") or "SimpleScaling"
            )
        ]
    problems = []
    if policy.get("AdjustmentType") != "ChangeInCapacity":
        problems.append(
            _("AdjustmentType is {kind!r}: the steps add a number of instances (ChangeInCapacity)").format(
                kind=policy.get("AdjustmentType")
            )
        )
    alarms = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=[CPU_HIGH])["MetricAlarms"]
    threshold = float(alarms[0]["Threshold"]) if alarms and "Threshold" in alarms[0] else 60.0
    steps = [scaling_rules.Step.from_api(step) for step in policy.get("StepAdjustments", [])]
    for cpu, wanted in _WANTED_STEPS:
        step = scaling_rules.select_step(steps, cpu, threshold)
        got = 0 if step is None else step.adjustment
        if got != wanted:
            problems.append(
                _(
                    "at {cpu:g} % CPU (the alarm's threshold is {threshold:g} %) your steps add {got} "
                    "instance(s), but they should add {wanted}: the bounds are relative to the threshold"
                ).format(cpu=cpu, threshold=threshold, got=got, wanted=wanted)
            )
            break
    warmup = policy.get("EstimatedInstanceWarmup")
    if warmup != WARMUP:
        problems.append(
            _(
                "EstimatedInstanceWarmup is {warmup}; a new instance should count in the group's CPU after "
                "{wanted} seconds"
            ).format(warmup=warmup if warmup is not None else _("not set"), wanted=WARMUP)
        )
    if not alarms:
        problems.append(_("there is no alarm {alarm!r}: Step 5 creates it").format(alarm=CPU_HIGH))
    elif policy["PolicyARN"] not in alarms[0].get("AlarmActions", []):
        problems.append(
            _("the alarm {alarm!r} does not invoke the policy: put its PolicyARN in the alarm's AlarmActions").format(
                alarm=CPU_HIGH
            )
        )
    return problems


big_steps_policy = Exercise(
    title=N_(
        "a step scaling policy 'lab-asg-big-steps': +1 instance from 60 % CPU, +3 from 80 %, a 120-second warmup, "
        "invoked by 'lab-asg-cpu-high'"
    ),
    checker=_big_steps_problems,
    hints=[
        N_(
            "A step's bounds are relative to the alarm's threshold (60 %): CPU from 60 to 80 % is the interval "
            "MetricIntervalLowerBound=0, MetricIntervalUpperBound=20; from 80 % up, MetricIntervalLowerBound=20 "
            "and no upper bound."
        ),
        N_(
            "put_scaling_policy(PolicyType='StepScaling', AdjustmentType='ChangeInCapacity', StepAdjustments=[...], "
            "EstimatedInstanceWarmup=120): a step policy has no Cooldown. Then put_metric_alarm again for "
            "'lab-asg-cpu-high' with AlarmActions=[the new PolicyARN]."
        ),
    ],
    notebook="09",
    number=3,
)
