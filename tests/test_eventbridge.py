"""EventBridge rules as pure functions (labkit.aws.eventbridge), checked against the documented examples.

Pages: event structure https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html;
content filtering https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html;
comparison operators https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html;
arrays https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html;
null values https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html;
input transformation https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from labkit.aws import eventbridge
from labkit.aws.eventbridge import InvalidEventPattern, matches, parse_pattern, target_input, transform

EC2_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}


def test_envelope_has_the_documented_fields() -> None:
    event = eventbridge.envelope(
        source="aws.health",
        detail_type="AWS Health Event",
        detail={"a": 1},
        account="123456789012",
        region="ap-northeast-1",
        time=dt.datetime(2026, 6, 1, 0, 5, 7, tzinfo=dt.timezone.utc),
    )
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert event["version"] == "0"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", event["id"])
    assert event["time"] == "2026-06-01T00:05:07Z"
    assert event["resources"] == []


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.ec2"]}, True),
        ({"source": ["aws.ec2", "aws.s3"]}, True),  # values are alternatives
        ({"source": ["AWS.EC2"]}, False),  # case-sensitive
        ({"source": ["aws.ec2"], "detail": {"state": ["STOPPED"]}}, False),  # fields AND
        ({"detail": {"state": [{"prefix": "RUN"}]}}, True),
        ({"detail": {"state": [{"prefix": {"equals-ignore-case": "run"}}]}}, True),
        ({"detail": {"state": [{"suffix": "NING"}]}}, True),
        ({"detail": {"state": [{"equals-ignore-case": "running"}]}}, True),
        ({"detail": {"state": [{"anything-but": "RUNNING"}]}}, False),
        ({"detail": {"state": [{"anything-but": ["STOPPED", "PENDING"]}]}}, True),
        ({"detail": {"state": [{"anything-but": {"prefix": "RUN"}}]}}, False),
        ({"detail": {"state": [{"wildcard": "R*NG"}]}}, True),
        ({"detail": {"state": [{"wildcard": "R*X"}]}}, False),
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"state": [{"exists": True}]}}, True),
        ({"detail": {"missing": [{"anything-but": "x"}]}}, False),  # operators need the field
        ({"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]}, True),  # array intersection
        ({"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["RUNNING"]}}]}, True),
        ({"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["STOPPED"]}}]}, False),
    ],
)
def test_patterns_on_the_documented_ec2_event(pattern: dict, expected: bool) -> None:
    assert matches(pattern, EC2_EVENT) is expected


def test_numeric_matching_only_on_json_numbers() -> None:
    pattern = {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}
    assert matches(pattern, {"detail": {"c-count": 5}})
    assert not matches(pattern, {"detail": {"c-count": 0}})
    assert not matches(pattern, {"detail": {"c-count": "3"}})  # a string is not a number
    assert matches({"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}}, {"detail": {"x-limit": 301.8}})


def test_exists_false_matches_an_intermediate_node() -> None:
    # Content filtering page: the pattern matches "because c-count isn't a leaf node".
    pattern = {"detail": {"c-count": [{"exists": False}]}}
    assert matches(pattern, {"detail": {"c-count": {"c1": 100}}})
    assert not matches(pattern, {"detail": {"c-count": 1}})


def test_null_and_empty_string_are_different() -> None:
    event = {"detail": {"eventVersion": "", "responseElements": None}}
    assert matches({"detail": {"eventVersion": [""]}}, event)
    assert matches({"detail": {"responseElements": [None]}}, event)
    assert not matches({"detail": {"responseElements": [""]}}, event)
    assert not matches({"detail": {"eventVersion": [None]}}, event)


def test_cidr_and_exact_values_are_typed() -> None:
    event = {"detail": {"sourceIPAddress": "10.0.0.7", "n": 5, "flag": True}}
    assert matches({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, event)
    assert not matches({"detail": {"sourceIPAddress": [{"cidr": "10.0.1.0/24"}]}}, event)
    assert not matches({"detail": {"n": ["5"]}}, event)
    assert not matches({"detail": {"flag": [1]}}, event)  # true is not the number 1


def test_array_of_objects_matches_within_one_element() -> None:
    event = {"detail": {"items": [{"name": "a", "size": 1}, {"name": "b", "size": 2}]}}
    assert matches({"detail": {"items": {"name": ["b"], "size": [2]}}}, event)
    assert not matches({"detail": {"items": {"name": ["a"], "size": [2]}}}, event)


@pytest.mark.parametrize(
    "bad",
    [
        '{"source": "aws.ec2"}',
        "[1]",
        "{not json",
        {"detail": {"n": [{"numeric": [">", "x"]}]}},
        {"source": [{"begins-with": "a"}]},
        {"a": [{"exists": "yes"}]},
    ],
)
def test_invalid_patterns_are_refused(bad: object) -> None:
    with pytest.raises(InvalidEventPattern):
        parse_pattern(bad)  # type: ignore[arg-type]


def test_input_transformer_documented_examples() -> None:
    paths = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}

    def run(template: str) -> str:
        return transform(
            template,
            paths,
            EC2_EVENT,
            rule_name="example",
            rule_arn="arn:aws:events:us-east-2:123456789012:rule/example",
        )

    assert run('"instance <instance> is in <state>"') == '"instance i-0123456789 is in RUNNING"'
    assert json.loads(run('{"instance" : <instance>, "state": <state>}')) == {
        "instance": "i-0123456789",
        "state": "RUNNING",
    }
    assert json.loads(run('{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}')) == {
        "instance": "i-0123456789",
        "state": [9, "RUNNING", True],
        "Transformed": "Yes",
    }
    assert run('"<aws.events.rule-name> triggered"') == '"example triggered"'
    original = json.loads(run('{"originalEvent": <aws.events.event>}'))["originalEvent"]
    assert "detail" not in original and original["id"] == EC2_EVENT["id"]
    assert run('{"a": 1,\n  "b": "<state>"}') == '{"a":1,"b":"RUNNING"}'  # minified
    assert run('"x<nothere>y"') == '"x<nothere>y"'  # not a variable: left alone


def test_missing_path_variable_is_left_out() -> None:
    out = transform('"state: <s>"', {"s": "$.detail.nope"}, EC2_EVENT, rule_name="r", rule_arn="arn")
    assert out == '"state: "'


def test_target_input_modes() -> None:
    kwargs = {"rule_name": "r", "rule_arn": "arn:aws:events:us-east-1:123456789012:rule/r"}
    assert json.loads(target_input({"Id": "1", "Arn": "a"}, EC2_EVENT, **kwargs)) == EC2_EVENT  # type: ignore[arg-type]
    assert target_input({"Id": "1", "Arn": "a", "Input": '{"fixed": 1}'}, EC2_EVENT, **kwargs) == '{"fixed": 1}'  # type: ignore[arg-type]
    assert (
        json.loads(target_input({"Id": "1", "Arn": "a", "InputPath": "$.detail"}, EC2_EVENT, **kwargs))
        == EC2_EVENT["detail"]
    )  # type: ignore[arg-type]
    assert target_input({"Id": "1", "Arn": "a", "InputPath": "$.resources[0]"}, EC2_EVENT, **kwargs) == json.dumps(
        EC2_EVENT["resources"][0]
    )  # type: ignore[arg-type]
    assert target_input({"Id": "1", "Arn": "a", "InputPath": "$.detail.nope"}, EC2_EVENT, **kwargs) is None  # type: ignore[arg-type]
