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
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
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
