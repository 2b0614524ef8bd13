"""Checker of notebook 00's exercise: an SNS topic 'ops-alerts' tagged team=ops.

CreateTopic is idempotent (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html) and refuses
other tags for an existing topic, so the solution tags with TagResource
(https://docs.aws.amazon.com/sns/latest/api/API_TagResource.html), which works after any wrong attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from labkit.course.exercises.nb00 import ops_topic
from labkit.runtime.lab import Lab


def _solve(lab: Lab) -> None:
    exec(ops_topic.solution_code, {"sns": lab.client("sns"), "lab": lab})


def test_right_answer_with_tags_at_creation(lab: Lab) -> None:
    lab.client("sns").create_topic(Name="ops-alerts", Tags=[{"Key": "team", "Value": "ops"}])
    assert ops_topic.problems(lab) == []


WRONG: dict[str, Callable[[Any], Any]] = {
    # clause "an SNS topic 'ops-alerts'"
    "other name": lambda sns: sns.create_topic(Name="ops-alert", Tags=[{"Key": "team", "Value": "ops"}]),
    # clause "tagged team=..."
    "no tag": lambda sns: sns.create_topic(Name="ops-alerts"),
    "other key": lambda sns: sns.create_topic(Name="ops-alerts", Tags=[{"Key": "Team", "Value": "ops"}]),
    # clause "...=ops"
    "other value": lambda sns: sns.create_topic(Name="ops-alerts", Tags=[{"Key": "team", "Value": "dev"}]),
}


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
def test_each_wrong_answer_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    WRONG[wrong](lab.client("sns"))
    problems = ops_topic.problems(lab)
    assert len(problems) == 1
    if wrong != "other name":
        assert "tag_resource" in problems[0]
    _solve(lab)
    _solve(lab)  # the solution cell run twice
    assert ops_topic.problems(lab) == []
