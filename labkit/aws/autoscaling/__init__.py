"""Amazon EC2 Auto Scaling's capacity rules as pure functions (notebook 09-scaling-and-quiet-alarms).

The emulator (:mod:`labkit.emulator.autoscaling`) applies them when an alarm invokes a scaling policy.
Sources, each cited where its rule is implemented:

* Step and simple scaling policies, "Scaling adjustment types" and "Step adjustments"
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html) and the
  ``StepAdjustment`` API reference (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StepAdjustment.html).
* Target tracking, "Target tracking scaling policies for Amazon EC2 Auto Scaling"
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html).
* Capacity limits, "Set scaling limits for your Auto Scaling group"
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-capacity-limits.html).
* Which instances a scale-in terminates, "Configure termination policies for Amazon EC2 Auto Scaling"
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.exceptions import InvalidParameter

ADJUSTMENT_TYPES = ("ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity")
#: The default cooldown of a group and of a simple scaling policy without its own ("DefaultCooldown
#: ... Default: 300 seconds", CreateAutoScalingGroup API reference,
#: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html).
DEFAULT_COOLDOWN = 300
#: Target tracking's scale-in alarm watches for the metric to fall this far below the target: "the
#: policy ... removes capacity ... only when utilization is below a threshold that is far enough
#: below the target value (usually more than 10% lower)" (Application Auto Scaling's "How target
#: tracking scaling works", https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html).
SCALE_IN_FRACTION = 0.9


def clamp(capacity: int, minimum: int, maximum: int) -> int:
    """The desired capacity kept within the group's ``MinSize`` and ``MaxSize``: "a scaling policy
    ... can't set the desired capacity ... above the maximum or below the minimum" (asg-capacity-limits)."""
    return max(minimum, min(maximum, capacity))


def percent_change(current: int, percent: float) -> int:
    """The instances ``PercentChangeInCapacity`` adds (or removes, negative) at ``current`` capacity.

    "Values greater than 1 are rounded down. For example, 12.7 is rounded to 12. Values between 0
    and 1 are rounded to 1. For example, .67 is rounded to 1. Values between 0 and -1 are rounded
    to -1. For example, -.58 is rounded to -1. Values less than -1 are rounded up. For example,
    -6.67 is rounded to -6." ("Scaling adjustment types", as-scaling-simple-step.html)
    """
    change = current * percent / 100
    if change >= 1 or change <= -1:
        return math.trunc(change)
    if change > 0:
        return 1
    if change < 0:
        return -1
    return 0


def adjusted_capacity(
    current: int,
    adjustment_type: str,
    adjustment: float,
    *,
    min_adjustment_magnitude: int | None = None,
) -> int:
    """The new desired capacity before the group's limits (:func:`clamp`).

    ``ChangeInCapacity`` adds ``adjustment``; ``ExactCapacity`` sets it; ``PercentChangeInCapacity``
    adds :func:`percent_change`, at least ``MinAdjustmentMagnitude`` in size ("The minimum value to
    scale by when the adjustment type is PercentChangeInCapacity", PutScalingPolicy API reference,
    https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScalingPolicy.html).
    """
    if adjustment_type == "ChangeInCapacity":
        return current + int(adjustment)
    if adjustment_type == "ExactCapacity":
        return int(adjustment)
    if adjustment_type == "PercentChangeInCapacity":
        change = percent_change(current, adjustment)
        if min_adjustment_magnitude and 0 < abs(change) < min_adjustment_magnitude:
            change = int(math.copysign(min_adjustment_magnitude, change))
        return current + change
    raise InvalidParameter(f"AdjustmentType must be one of {', '.join(ADJUSTMENT_TYPES)}, not {adjustment_type!r}")


@dataclass(frozen=True)
class Step:
    """One ``StepAdjustment``: bounds relative to the alarm's threshold (None = unbounded)."""

    adjustment: int
    lower: float | None
    upper: float | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> Step:
        lower, upper = item.get("MetricIntervalLowerBound"), item.get("MetricIntervalUpperBound")
        return cls(
            int(item["ScalingAdjustment"]),
            None if lower is None else float(lower),
            None if upper is None else float(upper),
        )


def select_step(steps: Sequence[Step], metric: float, threshold: float) -> Step | None:
    """The step whose interval holds ``metric`` (the aggregated value that breached ``threshold``).

    "If the metric value is above the breach threshold, the lower bound is inclusive (the metric
    must be greater than or equal to the threshold plus the lower bound). Otherwise, it is exclusive
    (the metric must be greater than the threshold plus the lower bound)" — and the upper bound the
    other way round ("MetricIntervalUpperBound", StepAdjustment API reference). None when no step holds it.
    """
    above = metric >= threshold
    for step in steps:
        low = -math.inf if step.lower is None else threshold + step.lower
        high = math.inf if step.upper is None else threshold + step.upper
        if above and low <= metric < high:
            return step
        if not above and low < metric <= high:
            return step
    return None


def validate_steps(steps: Sequence[Step]) -> str | None:
    """AWS's rules for a step policy's intervals, or None when they hold: "The ranges of your step
    adjustments can't overlap or have a gap. At most, one step adjustment can have a null lower
    bound ... At most, one step adjustment can have a null upper bound ... The upper and lower bound
    can't be null in the same step adjustment." (StepAdjustment API reference)."""
    if not steps:
        return "StepAdjustments must hold at least one step adjustment"
    if any(s.lower is None and s.upper is None for s in steps):
        return "The upper and lower bound can't be null in the same step adjustment."
    if sum(s.lower is None for s in steps) > 1 or sum(s.upper is None for s in steps) > 1:
        return "At most one step adjustment can have a null lower bound and one a null upper bound."
    ordered = sorted(steps, key=lambda s: -math.inf if s.lower is None else s.lower)
    for before, after in itertools.pairwise(ordered):
        if before.upper is None or after.lower is None or before.upper != after.lower:
            return "The ranges of your step adjustments can't overlap or have a gap."
    if ordered[0].lower is not None and ordered[0].lower < 0:
        return "A step adjustment with a negative lower bound needs a step adjustment with a null lower bound."
    if ordered[-1].upper is not None and ordered[-1].upper > 0:
        return "A step adjustment with a positive upper bound needs a step adjustment with a null upper bound."
    return None


def target_tracking_capacity(current: int, metric: float, target: float) -> int:
    """The capacity a target tracking policy asks for when its metric is ``metric`` at ``current`` instances.

    AWS documents the behaviour, not a formula: it "adds or removes capacity as required to keep the
    metric at, or close to, the specified target value" and scales out "proportional to the metric"
    (as-scaling-target-tracking.html; Application Auto Scaling's overview). labkit's reading, for a
    utilization metric that load spreads over the instances: the capacity at which the same load
    meets the target, rounded up (so a scale-in keeps the metric at or below the target).
    """
    if current <= 0 or target <= 0:
        return current
    return max(1, math.ceil(current * metric / target - 1e-9))


def alarm_thresholds(target: float) -> tuple[float, float]:
    """The thresholds of the high (scale-out) and low (scale-in) alarms target tracking creates.

    The high alarm fires above the target; the low one "far enough below the target value (usually
    more than 10% lower)" (:data:`SCALE_IN_FRACTION`). The exact low threshold and the alarms'
    datapoints (3 of 3 one-minute periods high, 15 of 15 low) are what AWS accounts show: the user
    guide does not publish them.
    """
    return target, round(target * SCALE_IN_FRACTION, 10)


def in_cooldown(last_activity_seconds: float | None, now_seconds: float, cooldown: int) -> bool:
    """Simple scaling: "After a scaling activity is started, the policy must wait for the scaling
    activity or health check replacement to complete and the cooldown period to expire before
    responding to additional alarms" (as-scaling-simple-step.html, "Simple scaling policies")."""
    return last_activity_seconds is not None and now_seconds - last_activity_seconds < cooldown


#: The termination policies labkit applies (:func:`termination_victims`); AWS's others are refused by name.
TERMINATION_POLICIES = (
    "Default",
    "OldestInstance",
    "NewestInstance",
    "ClosestToNextInstanceHour",
    "OldestLaunchTemplate",
)
#: "Valid values: Default | AllocationStrategy | ClosestToNextInstanceHour | NewestInstance | OldestInstance |
#: OldestLaunchConfiguration | OldestLaunchTemplate | arn:aws:lambda:..." (CreateAutoScalingGroup API reference).
VALID_TERMINATION_POLICIES = (*TERMINATION_POLICIES, "AllocationStrategy", "OldestLaunchConfiguration")
_BILLING_HOUR = 3600


@dataclass(frozen=True)
class Member:
    """An InService instance of a group, as the termination policies see it."""

    instance_id: str
    zone: str
    launched: dt.datetime
    #: (launch template id, version) it was launched from; None when it was launched from a launch configuration.
    template: tuple[str, int] | None
    protected: bool = False


def _keep(members: list[Member], key: Callable[[Member], float], *, largest: bool = False) -> list[Member]:
    best = (max if largest else min)(key(m) for m in members)
    return [m for m in members if key(m) == best]


def _to_next_billing_hour(now: dt.datetime) -> Callable[[Member], float]:
    return lambda m: _BILLING_HOUR - (now - m.launched).total_seconds() % _BILLING_HOUR


def _noncurrent_template_first(members: list[Member], current: tuple[str, int] | None) -> list[Member]:
    """Instances of another launch template than the group's, else those of its current template's oldest version."""
    if current is None:
        return members
    other = [m for m in members if m.template is None or m.template[0] != current[0]]
    if other:
        return other
    return _keep(members, lambda m: m.template[1] if m.template else 0)


def _outdated_first(members: list[Member], current: tuple[str, int] | None) -> list[Member]:
    """The Default policy's "instances that use outdated configurations": for a group with a launch template,
    those launched from a launch configuration, then from another launch template, then from the oldest version
    of the current one. For a group with a launch configuration, "the oldest launch configuration": labkit
    refuses replacing a group's launch configuration while it has instances, so its instances share one."""
    if current is None:
        return members
    launched_from_configuration = [m for m in members if m.template is None]
    return launched_from_configuration or _noncurrent_template_first(members, current)


def _apply(
    policy: str, members: list[Member], current: tuple[str, int] | None, now: dt.datetime, rng: random.Random
) -> list[Member]:
    if policy == "OldestInstance":
        return _keep(members, lambda m: m.launched.timestamp())
    if policy == "NewestInstance":
        return _keep(members, lambda m: m.launched.timestamp(), largest=True)
    if policy == "ClosestToNextInstanceHour":
        return _keep(members, _to_next_billing_hour(now))
    if policy == "OldestLaunchTemplate":
        return _noncurrent_template_first(members, current)
    if policy == "Default":
        closest = _keep(_outdated_first(members, current), _to_next_billing_hour(now))
        # "If there are multiple instances ... equally close to the next billing hour, terminate one at random."
        return [closest[0] if len(closest) == 1 else rng.choice(sorted(closest, key=lambda m: m.instance_id))]
    raise InvalidParameter(f"termination policy {policy!r} is not one labkit applies")


def termination_victims(
    members: Sequence[Member],
    count: int,
    policies: Sequence[str],
    current_template: tuple[str, int] | None,
    now: dt.datetime,
    rng: random.Random,
) -> list[str]:
    """The ids of the ``count`` instances a scale-in terminates, in order ("Configure termination policies for
    Amazon EC2 Auto Scaling", ec2-auto-scaling-termination-policies.html).

    For each instance: "Maintaining balance across zones takes precedence over termination policies": the
    candidates are the unprotected instances of the Availability Zone(s) that have the most instances and at least
    one instance not protected from scale in. Then the group's policies narrow them in the order listed, and the
    Default policy (always last) ends with the instance(s) closest to the next billing hour, one drawn at random
    among equals from ``rng`` (the lab's seeded generator: the same instance on every run). Protected instances
    are never chosen, so fewer than ``count`` ids come back when too few are unprotected. ``current_template`` is
    the group's launch template and version (None for a launch configuration).
    """
    remaining = list(members)
    chosen: list[str] = []
    for _ in range(count):
        unprotected = [m for m in remaining if not m.protected]
        if not unprotected:
            break
        per_zone = Counter(m.zone for m in remaining)
        most = max(per_zone[m.zone] for m in unprotected)
        candidates = [m for m in unprotected if per_zone[m.zone] == most]
        for policy in (*policies, "Default"):
            if len(candidates) == 1:
                break
            candidates = _apply(policy, candidates, current_template, now, rng)
        victim = candidates[0]
        chosen.append(victim.instance_id)
        remaining.remove(victim)
    return chosen
