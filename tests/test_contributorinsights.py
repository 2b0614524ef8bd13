"""The Contributor Insights rule engine (labkit.aws.contributorinsights), one test per documented rule.

Rule syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html;
report: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetInsightRuleReport.html
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from labkit.aws.contributorinsights import InvalidInsightRule, parse_rule, report

SCHEMA = {"Name": "CloudWatchLogRule", "Version": 1}
#: The page's JSON example, verbatim.
JSON_EXAMPLE = {
    "Schema": SCHEMA,
    "LogGroupNames": ["API-Gateway-Access-Logs*", "Log-group-name2"],
    "LogFormat": "JSON",
    "Contribution": {
        "Keys": ["$.ip"],
        "ValueOf": "$.requestBytes",
        "Filters": [{"Match": "$.httpMethod", "In": ["PUT"]}],
    },
    "AggregateOn": "Sum",
}
#: The page's CLF example, verbatim.
CLF_EXAMPLE = {
    "Schema": SCHEMA,
    "LogGroupNames": ["API-Gateway-Access-Logs*"],
    "LogFormat": "CLF",
    "Fields": {"4": "IpAddress", "7": "StatusCode"},
    "Contribution": {"Keys": ["IpAddress"], "Filters": [{"Match": "StatusCode", "EqualTo": 200}]},
    "AggregateOn": "Count",
}


def rule(**changes: Any) -> str:
    body = {**JSON_EXAMPLE, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not None})


def count_rule(contribution: dict[str, Any]) -> str:
    return rule(Contribution=contribution, AggregateOn="Count")


def test_the_pages_examples_are_valid() -> None:
    assert parse_rule(json.dumps(JSON_EXAMPLE)).keys == ("$.ip",)
    assert parse_rule(json.dumps(CLF_EXAMPLE)).log_format == "CLF"


@pytest.mark.parametrize(
    "bad, words",
    [
        (rule(Schema={"Name": "CloudWatchLogRule", "Version": 2}), "Schema"),
        (rule(LogGroupARNs=["arn:aws:logs:us-east-1:123456789012:log-group:g"]), "not both"),
        (rule(LogGroupNames=None), "not both"),
        (rule(LogGroupNames=["a*b"]), "only at the end"),
        (rule(LogFormat="XML"), "JSON or CLF"),
        (rule(Fields={"1": "ip"}), "only for CLF"),
        (rule(AggregateOn="Average"), "Count or Sum"),
        (count_rule({"Keys": ["$.ip"], "ValueOf": "$.bytes"}), "only when AggregateOn is Sum"),
        (rule(Contribution={"Keys": ["$.ip"]}), "needs ValueOf"),
        (count_rule({"Keys": ["$.a", "$.b", "$.c", "$.d", "$.e"]}), "at most 4"),
        (count_rule({"Keys": []}), "non-empty"),
        (count_rule({"Keys": ["ip"]}), "JSON property format"),
        (count_rule({"Keys": ["$.a[*]"]}), "wildcards"),
        (count_rule({"Keys": ["$.ip"], "Filters": [{"Match": "$.a", "In": ["x"]}] * 5}), "at most 4"),
        (
            count_rule({"Keys": ["$.ip"], "Filters": [{"Match": "$.a", "In": [str(i) for i in range(11)]}]}),
            "at most 10",
        ),
        (count_rule({"Keys": ["$.ip"], "Filters": [{"Match": "$.a", "EqualTo": "200"}]}), "single number"),
        (count_rule({"Keys": ["$.ip"], "Filters": [{"Match": "$.a", "IsPresent": "yes"}]}), "true or false"),
        (count_rule({"Keys": ["$.ip"], "Filters": [{"Match": "$.a", "In": ["x"], "NotIn": ["y"]}]}), "one of"),
        (count_rule({"Keys": ["$.ip"], "Filters": [{"Match": "$.a", "Like": ["x"]}]}), "one of"),
        (count_rule({"Keys": ["$.ip"], "Filters": [{"In": ["x"]}]}), "Match"),
        (json.dumps({**CLF_EXAMPLE, "Contribution": {"Keys": ["Host"]}}), "CLF field position"),
        (rule(Extra=1), "unknown field Extra"),
        ("not json", "JSON object"),
    ],
)
def test_rules_the_page_forbids_are_refused(bad: str, words: str) -> None:
    with pytest.raises(InvalidInsightRule, match=words):
        parse_rule(bad)


def test_json_keys_filters_and_values() -> None:
    compiled = parse_rule(json.dumps(JSON_EXAMPLE))
    assert compiled.observe('{"ip": "192.0.2.1", "httpMethod": "PUT", "requestBytes": 120}') == (("192.0.2.1",), 120.0)
    assert compiled.observe('{"ip": "192.0.2.1", "httpMethod": "GET", "requestBytes": 120}') is None
    assert compiled.observe('{"ip": "192.0.2.1", "httpMethod": "PUT"}') is None  # no ValueOf: nothing to sum
    assert compiled.observe("PUT 192.0.2.1 120") is None  # not JSON
    # "All matching of rules to log event field names and values is case sensitive."
    assert compiled.observe('{"ip": "a", "httpMethod": "put", "requestBytes": 1}') is None
    assert compiled.observe('{"IP": "a", "httpMethod": "PUT", "requestBytes": 1}') is None


def test_json_property_format_reaches_nested_and_indexed_fields() -> None:
    """The page's examples: $.userAgent, $.endpoints[0], $.users[1].name, $.requestParameters.instanceId."""
    compiled = parse_rule(count_rule({"Keys": ["$.endpoints[0]", "$.users[1].name", "$.requestParameters.instanceId"]}))
    event = {
        "endpoints": ["e0", "e1"],
        "users": [{"name": "u0"}, {"name": "u1"}],
        "requestParameters": {"instanceId": "i-1"},
    }
    assert compiled.observe(json.dumps(event)) == (("e0", "u1", "i-1"), 1.0)


VALUES: list[Any] = ["PUT", "POST", "ec2.amazonaws.com", "s3.amazonaws.com", 200, 404, 10001, 9]


@pytest.mark.parametrize(
    "condition, hits",
    [
        ({"In": ["PUT", "POST"]}, ["PUT", "POST"]),
        ({"NotIn": ["PUT"]}, ["POST", "ec2.amazonaws.com", "s3.amazonaws.com", 200, 404, 10001, 9]),
        ({"StartsWith": ["ec2", "ecs"]}, ["ec2.amazonaws.com"]),
        ({"EqualTo": 200}, [200]),
        ({"NotEqualTo": 200}, [404, 10001, 9]),  # text values are not numbers: they match no numeric operator
        ({"GreaterThan": 10000}, [10001]),
        ({"LessThan": 10}, [9]),
        ({"IsPresent": True}, VALUES),
    ],
)
def test_filter_operators(condition: dict[str, Any], hits: list[Any]) -> None:
    compiled = parse_rule(count_rule({"Keys": ["$.k"], "Filters": [{"Match": "$.f", **condition}]}))
    assert [v for v in VALUES if compiled.observe(json.dumps({"k": "c", "f": v})) is not None] == hits
    # A missing field matches no operator but IsPresent: false.
    assert compiled.observe('{"k": "c"}') is None


def test_is_present_false_and_leaf_values_only() -> None:
    """ "isPresent works only with values in the leaf node of JSON properties"."""
    absent = parse_rule(count_rule({"Keys": ["$.k"], "Filters": [{"Match": "$.details", "IsPresent": False}]}))
    assert absent.observe('{"k": "c"}') == (("c",), 1.0)
    assert absent.observe('{"k": "c", "details": {"c-count": {"c1": 1}}}') == (("c",), 1.0)  # not a leaf
    assert absent.observe('{"k": "c", "details": 3}') is None


def test_filters_are_anded() -> None:
    compiled = parse_rule(
        count_rule({"Keys": ["$.k"], "Filters": [{"Match": "$.m", "In": ["PUT"]}, {"Match": "$.s", "EqualTo": 200}]})
    )
    assert compiled.observe('{"k": 1, "m": "PUT", "s": 200}') == (("1",), 1.0)
    assert compiled.observe('{"k": 1, "m": "PUT", "s": 500}') is None


def test_several_keys_make_one_contributor_per_combination() -> None:
    compiled = parse_rule(count_rule({"Keys": ["$.ip", "$.user"]}))
    assert compiled.observe('{"ip": "a", "user": "root"}') == (("a", "root"), 1.0)
    assert compiled.observe('{"ip": "a"}') is None


def test_clf_fields_are_positions_from_one_with_aliases() -> None:
    """ "a CLF log event can be treated as array with an index starting from 1"; Fields names positions."""
    compiled = parse_rule(json.dumps({**CLF_EXAMPLE, "Fields": {"1": "IpAddress", "6": "StatusCode"}}))
    line = '192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
    assert compiled.observe(line) == (("192.0.2.1",), 1.0)
    assert compiled.observe(line.replace(" 200 ", " 404 ")) is None
    without_fields = {k: v for k, v in CLF_EXAMPLE.items() if k != "Fields"}
    by_position = parse_rule(json.dumps({**without_fields, "Contribution": {"Keys": ["1", "5"]}}))
    assert by_position.observe(line) == (("192.0.2.1", "GET /apache_pb.gif HTTP/1.0"), 1.0)


def test_log_group_names_and_prefixes() -> None:
    compiled = parse_rule(json.dumps(JSON_EXAMPLE))
    assert compiled.reads("API-Gateway-Access-Logs-prod", "us-east-1", "123456789012")
    assert compiled.reads("Log-group-name2", "us-east-1", "123456789012")
    assert not compiled.reads("Log-group-name22", "us-east-1", "123456789012")
    by_arn = parse_rule(rule(LogGroupNames=None, LogGroupARNs=["arn:aws:logs:us-west-1:*:log-group:MyLogGroupName2"]))
    assert by_arn.reads("MyLogGroupName2", "us-west-1", "123456789012")
    assert not by_arn.reads("MyLogGroupName2", "us-east-1", "123456789012")


START = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def ms(minute: float) -> int:
    return int((START + dt.timedelta(minutes=minute)).timestamp() * 1000)


def test_report_statistics_per_period() -> None:
    """Per data point: UniqueContributors, MaxContributorValue, SampleCount, Sum, Minimum, Maximum, Average."""
    compiled = parse_rule(json.dumps(JSON_EXAMPLE))
    observations = [
        (ms(0), ("a",), 10.0),
        (ms(1), ("a",), 30.0),
        (ms(2), ("b",), 5.0),
        (ms(6), ("b",), 7.0),
        (ms(61), ("c",), 99.0),
    ]  # outside [start, end)
    reply = report(
        observations,
        rule=compiled,
        start=START,
        end=START + dt.timedelta(hours=1),
        period=300,
        metrics=["UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average"],
    )
    assert reply["MetricDatapoints"][0] == {
        "Timestamp": START,
        "UniqueContributors": 2.0,
        "MaxContributorValue": 40.0,
        "SampleCount": 3.0,
        "Sum": 45.0,
        "Minimum": 5.0,
        "Maximum": 30.0,
        "Average": 15.0,
    }
    assert reply["MetricDatapoints"][1]["Timestamp"] == START + dt.timedelta(minutes=5)
    assert reply["AggregateValue"] == 52.0 and reply["ApproximateUniqueCount"] == 2
    assert reply["KeyLabels"] == ["$.ip"] and reply["AggregationStatistic"] == "Sum"
    only_sum = report(
        observations, rule=compiled, start=START, end=START + dt.timedelta(hours=1), period=300, metrics=["Sum"]
    )
    assert only_sum["MetricDatapoints"][0] == {"Timestamp": START, "Sum": 45.0}


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"max_contributors": 0}, "MaxContributorCount"),
        ({"max_contributors": 101}, "MaxContributorCount"),
        ({"order_by": "Average"}, "OrderBy"),
        ({"metrics": ["p99"]}, "Metrics"),
        ({"period": 0}, "Period"),
        ({"end": START}, "EndTime"),
    ],
)
def test_report_parameters_are_checked(changes: dict[str, Any], words: str) -> None:
    kwargs: dict[str, Any] = {"start": START, "end": START + dt.timedelta(hours=1), "period": 60, **changes}
    with pytest.raises(InvalidInsightRule, match=words):
        report([], rule=parse_rule(json.dumps(JSON_EXAMPLE)), **kwargs)
