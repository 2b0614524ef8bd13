"""EC2 Auto Scaling's capacity rules (labkit.aws.autoscaling), each against the sentence of AWS's docs it implements.

"Scaling adjustment types" and "Step adjustments": https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html
StepAdjustment API reference: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StepAdjustment.html
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from labkit.aws import autoscaling as rules
from labkit.aws.autoscaling import Member, Step
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


# -- termination policies ("Configure termination policies for Amazon EC2 Auto Scaling",
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html). moto took the
# first unprotected instances of its list, so each case puts another instance first (``_moto_would_take``).
_T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
_TEMPLATE = "lt-0aaaaaaaaaaaaaaaa"


def _member(
    instance_id: str, *, zone: str = "a", minutes: int = 0, template: tuple[str, int] | None = (_TEMPLATE, 1), **kw: Any
) -> Member:
    return Member(instance_id, f"ap-northeast-1{zone}", _T0 + dt.timedelta(minutes=minutes), template, **kw)


def _moto_would_take(members: list[Member]) -> str:
    return next(m.instance_id for m in members if not m.protected)


def _victims(
    members: list[Member], policies: list[str], *, count: int = 1, minutes: int = 70, seed: int = 7
) -> list[str]:
    now = _T0 + dt.timedelta(minutes=minutes)
    return rules.termination_victims(members, count, policies, (_TEMPLATE, 1), now, random.Random(seed))


def test_availability_zone_balance_comes_before_every_policy() -> None:
    # "it first identifies which of the Availability Zones have the most instances and at least one instance
    # that is not protected from scale in"; balance "takes precedence over termination policies".
    members = [_member("i-a1"), _member("i-c1", zone="c", minutes=5), _member("i-c2", zone="c", minutes=6)]
    assert _moto_would_take(members) == "i-a1"
    assert _victims(members, ["OldestInstance"]) == ["i-c1"]
    # the zone with the most instances counts protected ones, but needs one that is not protected
    protected_c = [_member("i-a1"), *(_member(f"i-c{n}", zone="c", protected=True) for n in range(2))]
    assert _victims(protected_c, ["Default"]) == ["i-a1"]


def test_default_takes_an_instance_of_another_launch_template_then_the_oldest_version() -> None:
    # "whether an instance was launched using a launch configuration ... another launch template ...
    # the oldest version of the current launch template"
    other = [_member("i-1"), _member("i-2", minutes=1, template=("lt-0bbbbbbbbbbbbbbbb", 4))]
    assert _moto_would_take(other) == "i-1"
    assert _victims(other, ["Default"]) == ["i-2"]
    configuration = [
        _member("i-1"),
        _member("i-2", template=("lt-0bbbbbbbbbbbbbbbb", 4)),
        _member("i-3", template=None),
    ]
    assert _victims(configuration, ["Default"]) == ["i-3"]
    now = _T0 + dt.timedelta(minutes=70)
    versions = [_member("i-1", template=(_TEMPLATE, 3)), _member("i-2", template=(_TEMPLATE, 2))]
    assert rules.termination_victims(versions, 1, ["Default"], (_TEMPLATE, 3), now, random.Random(1)) == ["i-2"]


def test_default_then_takes_the_instance_closest_to_its_next_billing_hour() -> None:
    # Launched at 09:00 and 09:20, at 10:10 the second is 10 minutes from its next billing hour, the first 50.
    members = [_member("i-1"), _member("i-2", minutes=20)]
    assert _moto_would_take(members) == "i-1"
    assert _victims(members, ["Default"]) == ["i-2"]
    assert _victims(members, ["ClosestToNextInstanceHour"]) == ["i-2"]
    assert _victims(members, ["ClosestToNextInstanceHour"], minutes=95) == ["i-1"]  # 25 minutes against 45


def test_oldest_and_newest_instance_whatever_the_order_of_the_list() -> None:
    members = [_member("i-new", minutes=30), _member("i-old"), _member("i-mid", minutes=10)]
    assert _moto_would_take(members) == "i-new"
    assert _victims(members, ["OldestInstance"]) == ["i-old"]
    assert _victims(list(reversed(members)), ["NewestInstance"]) == ["i-new"]
    assert _victims(members, ["OldestInstance"], count=2) == ["i-old", "i-mid"]


def test_oldest_launch_template_takes_the_noncurrent_template_then_the_oldest_version() -> None:
    # "instances that use the noncurrent launch template are terminated first, followed by instances that use
    # the oldest version of the current launch template"
    members = [_member("i-1", template=(_TEMPLATE, 1)), _member("i-2", template=("lt-0bbbbbbbbbbbbbbbb", 9))]
    assert _moto_would_take(members) == "i-1"
    assert _victims(members, ["OldestLaunchTemplate"]) == ["i-2"]
    now = _T0 + dt.timedelta(minutes=70)
    versions = [_member("i-1", template=(_TEMPLATE, 2)), _member("i-2", minutes=9, template=(_TEMPLATE, 1))]
    assert rules.termination_victims(versions, 1, ["OldestLaunchTemplate"], (_TEMPLATE, 2), now, random.Random(1)) == [
        "i-2"
    ]


def test_policies_apply_in_the_order_listed_and_protected_instances_are_never_chosen() -> None:
    members = [_member("i-1", protected=True), _member("i-2", minutes=20), _member("i-3", minutes=40)]
    assert _victims(members, ["NewestInstance", "OldestInstance"]) == ["i-3"]
    assert _victims(members, ["OldestInstance", "NewestInstance"]) == ["i-2"]
    assert _victims(members, ["OldestInstance"], count=3) == ["i-2", "i-3"]  # i-1 stays


def test_equally_close_instances_are_drawn_from_the_generator_not_the_list_order() -> None:
    # "If there are multiple unprotected instances ... equally close to the next billing hour, terminate one at random"
    members = [_member(f"i-{n}") for n in range(6)]
    first = _victims(members, ["Default"], count=3, seed=3)
    assert _victims(list(reversed(members)), ["Default"], count=3, seed=3) == first
    draws = {tuple(_victims(members, ["Default"], count=3, seed=seed)) for seed in range(20)}
    assert len(draws) > 1  # a draw, not the list's order
