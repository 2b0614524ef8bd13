"""EC2 Auto Scaling's capacity rules (labkit.aws.autoscaling), each against the sentence of AWS's docs it implements.

"Scaling adjustment types" and "Step adjustments": https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html
StepAdjustment API reference: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StepAdjustment.html
"""

from __future__ import annotations

import pytest

from labkit.aws import autoscaling as rules
from labkit.aws.autoscaling import Step
from labkit.exceptions import InvalidParameter


@pytest.mark.parametrize(
    ("current", "percent", "change"),
    [
        (100, 12.7, 12),  # "Values greater than 1 are rounded down. For example, 12.7 is rounded to 12."
        (1, 67, 1),  # "Values between 0 and 1 are rounded to 1. For example, .67 is rounded to 1."
        (1, -58, -1),  # "Values between 0 and -1 are rounded to -1. For example, -.58 is rounded to -1."
        (100, -6.67, -6),  # "Values less than -1 are rounded up. For example, -6.67 is rounded to -6."
        (4, 0, 0),
    ],
)
def test_percent_change_rounds_as_documented(current: int, percent: float, change: int) -> None:
    assert rules.percent_change(current, percent) == change


def test_adjustment_types_and_min_adjustment_magnitude() -> None:
    assert rules.adjusted_capacity(3, "ChangeInCapacity", 2) == 5
    assert rules.adjusted_capacity(3, "ChangeInCapacity", -1) == 2
    assert rules.adjusted_capacity(3, "ExactCapacity", 7) == 7
    # PutScalingPolicy: 25 % of 4 is 1, but MinAdjustmentMagnitude 2 scales out by 2.
    assert rules.adjusted_capacity(4, "PercentChangeInCapacity", 25) == 5
    assert rules.adjusted_capacity(4, "PercentChangeInCapacity", 25, min_adjustment_magnitude=2) == 6
    with pytest.raises(InvalidParameter, match="AdjustmentType"):
        rules.adjusted_capacity(1, "Percent", 10)


def test_clamp_keeps_min_and_max() -> None:
    assert (rules.clamp(9, 1, 5), rules.clamp(0, 1, 5), rules.clamp(3, 1, 5)) == (5, 1, 3)


STEPS = [Step(1, 0, 20), Step(2, 20, None), Step(-1, None, 0)]


def test_step_bounds_inclusive_above_the_threshold_exclusive_below() -> None:
    # Threshold 50: [50, 70) is +1 ("greater than or equal to 50 and less than 60" style), [70, inf) is +2.
    assert rules.select_step(STEPS[:2], 50, 50) == STEPS[0]
    assert rules.select_step(STEPS[:2], 69.9, 50) == STEPS[0]
    assert rules.select_step(STEPS[:2], 70, 50) == STEPS[1]
    # Below the threshold the upper bound is inclusive: (-inf, 50] for a scale-in step with upper bound 0.
    assert rules.select_step([STEPS[2]], 49.9, 50) == STEPS[2]
    assert rules.select_step([Step(-1, -10, 0)], 40, 50) is None  # "greater than 40": 40 itself is out


def test_step_rules_refuse_gaps_overlaps_and_double_nulls() -> None:
    assert rules.validate_steps(STEPS[:2]) is None
    assert "gap" in (rules.validate_steps([Step(1, 0, 10), Step(2, 20, None)]) or "")
    assert "overlap" in (rules.validate_steps([Step(1, 0, 30), Step(2, 20, None)]) or "")
    assert "same step adjustment" in (rules.validate_steps([Step(1, None, None)]) or "")
    assert "null upper bound" in (rules.validate_steps([Step(1, 0, 10)]) or "")
    assert "null lower bound" in (rules.validate_steps([Step(-1, -10, 0)]) or "")
    assert rules.validate_steps([]) is not None


def test_target_tracking_capacity_is_proportional_and_rounds_up() -> None:
    assert rules.target_tracking_capacity(1, 100, 50) == 2
    assert rules.target_tracking_capacity(2, 80, 50) == 4
    assert rules.target_tracking_capacity(4, 20, 50) == 2  # scale in to where the load meets the target
    assert rules.target_tracking_capacity(3, 50, 50) == 3
    assert rules.alarm_thresholds(50) == (50, 45)


def test_simple_scaling_cooldown() -> None:
    assert rules.in_cooldown(0, 299, 300) and not rules.in_cooldown(0, 300, 300) and not rules.in_cooldown(None, 5, 300)
