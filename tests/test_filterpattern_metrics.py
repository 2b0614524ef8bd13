"""TestMetricFilter's answer, metric values, dimensions and lint.

Metric rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntaxForMetricFilters.html
(sections "Configuring metric values", "Publishing dimensions", "Using values in log events");
response shape: botocore's logs model (TestMetricFilterResponse / MetricFilterMatchRecord).
"""

from __future__ import annotations

import pytest

from labkit.aws.filterpattern import lint, metric_dimensions, metric_value, test_metric_filter, transformation_error
from labkit.aws.filterpattern.samples import SSHD_EXAMPLES, sshd_json_events, sshd_lines
from labkit.exceptions import InvalidFilterPattern

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
SPACE = "[ip, server, username, timestamp, request, status_code, bytes > 1000]"


def test_response_shape_is_one_based_and_lists_only_matches() -> None:
    reply = test_metric_filter('"[preauth]"', list(SSHD_EXAMPLES[:5]))
    assert reply == {
        "matches": [
            {"eventNumber": 4, "eventMessage": SSHD_EXAMPLES[3], "extractedValues": {}},
            {"eventNumber": 5, "eventMessage": SSHD_EXAMPLES[4], "extractedValues": {}},
        ]
    }


def test_space_delimited_matches_carry_extracted_values() -> None:
    reply = test_metric_filter(SPACE, [APACHE, "too short"])
    assert reply["matches"] == [
        {
            "eventNumber": 1,
            "eventMessage": APACHE,
            "extractedValues": {
                "$bytes": "1534",
                "$status_code": "404",
                "$request": "GET /index.html HTTP/1.0",
                "$timestamp": "10/Oct/2000:13:25:15 -0700",
                "$username": "frank",
                "$server": "Prod",
                "$ip": "127.0.0.1",
            },
        }
    ]


def test_json_matches_have_empty_extracted_values() -> None:
    # "If you are not using a space-delimited filter, this will be empty" (older revision of the syntax page)
    assert test_metric_filter("{ $.latency = * }", ['{"latency": 50}'])["matches"][0]["extractedValues"] == {}


@pytest.mark.parametrize("messages", [[], ["x"] * 51, ["ok", ""]])
def test_message_list_limits(messages: list[str]) -> None:
    with pytest.raises(ValueError, match="1 validation error detected"):
        test_metric_filter("x", messages)


def test_invalid_pattern_raises() -> None:
    with pytest.raises(InvalidFilterPattern, match=r"^Invalid character\(s\) in term ':'"):
        test_metric_filter("Invalid user:", ["x"])


# -- metric values -------------------------------------------------------------------------------


def test_value_one_and_default() -> None:
    t = {"metricValue": "1", "defaultValue": 0}
    assert metric_value('"Failed password"', t, SSHD_EXAMPLES[1]) == 1.0
    assert metric_value('"Failed password"', t, SSHD_EXAMPLES[0]) == 0.0
    assert metric_value('"Failed password"', {"metricValue": "1"}, SSHD_EXAMPLES[0]) is None


def test_value_from_json_selector() -> None:
    # the page's own example: { $.latency = * } with metricValue $.latency publishes 50
    t = {"metricValue": "$.latency"}
    assert metric_value("{ $.latency = * }", t, '{"latency": 50, "requestType": "GET"}') == 50.0
    assert metric_value("{ $.latency = * }", t, '{"latency": "slow"}') is None


def test_value_from_space_delimited_field_and_position() -> None:
    assert metric_value(SPACE, {"metricValue": "$bytes"}, APACHE) == 1534.0
    assert metric_value("[..., code, size]", {"metricValue": "$2"}, "a 7 c 404 9") == 7.0
    assert metric_value(SPACE, {"metricValue": "$username"}, APACHE) is None  # "frank" is not a number


def test_dimensions_from_json_and_space_delimited() -> None:
    # the page's examples: "eventType" : $.eventType and "server" : $server
    event = '{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111"}'
    pattern = '{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }'
    assert metric_dimensions(pattern, {"metricValue": "1", "dimensions": {"eventType": "$.eventType"}}, event) == {
        "eventType": "UpdateTrail"
    }
    assert metric_dimensions(SPACE, {"metricValue": "1", "dimensions": {"server": "$server"}}, APACHE) == {
        "server": "Prod"
    }
    assert metric_dimensions(SPACE, {"metricValue": "1", "dimensions": {"server": "$server"}}, "short") is None


@pytest.mark.parametrize(
    ("pattern", "transformation", "problem"),
    [
        (
            '"Invalid user"',
            {"metricValue": "1", "dimensions": {"a": "$a"}},
            "The specified filter pattern does not support dimensions",
        ),
        (
            SPACE,
            {"metricValue": "1", "dimensions": {"a": "$ip", "b": "$server", "c": "$bytes", "d": "$request"}},
            "at most 3",
        ),
        (SPACE, {"metricValue": "1", "defaultValue": 0, "dimensions": {"s": "$server"}}, "defaultValue cannot"),
        (SPACE, {"metricValue": "$size"}, "not one of the pattern's fields"),
        ('"x"', {"metricValue": "$.latency"}, "has no fields"),
        (SPACE, {"metricValue": "$bytes", "dimensions": {"server": "$server"}}, None),
        ("{ $.a = 1 }", {"metricValue": "$.latency", "dimensions": {"t": "$.type"}}, None),
    ],
)
def test_transformation_rules(pattern: str, transformation: dict, problem: str | None) -> None:
    found = transformation_error(pattern, transformation)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


# -- lint ----------------------------------------------------------------------------------------


def test_lint_unquoted_preauth() -> None:
    (warning,) = lint("[preauth]")
    assert "one field named 'preauth'" in warning and 'quote it: "[preauth]"' in warning


def test_lint_case_against_sshd() -> None:
    (warning,) = lint('"Invalid user"')
    assert "case sensitive" in warning and '"invalid user"' in warning
    assert lint('"Failed password"') == []


def test_lint_dropped_question_terms() -> None:
    assert any("?Invalid is ignored" in w for w in lint("?Invalid Failed"))


def test_lint_json_keywords_and_inner_star_and_leading_space() -> None:
    assert any("use IS TRUE" in w for w in lint("{ $.ok = true }"))
    assert any("matches the literal text" in w for w in lint("{ $.e = Ev*ent }"))
    warnings = lint(" {$.ThisFlag IS TRUE}")
    assert warnings[0].startswith("the pattern starts with whitespace") and warnings[1].startswith("invalid:")


def test_lint_is_quiet_on_good_patterns() -> None:
    assert lint('?"Invalid user" ?"invalid user"') == []
    assert lint("[w1=ERROR, w2]") == []


def test_samples_are_seeded() -> None:
    assert list(sshd_lines(5, seed=1)) == list(sshd_lines(5, seed=1))
    assert list(sshd_json_events(3)) == list(sshd_json_events(3))
