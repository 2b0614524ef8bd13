"""JSON filter patterns.

Cases from https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events
(DOC), its older revision
https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md (OLD_DOC),
and behaviour recorded by a public suite of TestMetricFilter calls against AWS (RECORDED).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.aws.filterpattern import compile
from labkit.exceptions import InvalidFilterPattern

# DOC "JSON log event"
EVENT = json.dumps(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "cluster.name": "c",
        "ThisFlag": True,
    }
)
# DOC "JSON object" for compound expressions
COMPOUND = json.dumps(
    {
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    }
)
# RECORDED fixture
NUMBERS = (
    '{"eventType": "UpdateTrail", "someString": "111.111.111.111", "someInt": 123, "someFloat": 12.34, '
    '"someFloat2": 12.0, "someObject": {}, "someArray": []}'
)


# -- DOC examples on EVENT ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "UpdateTrail" }',
        "{ $.sourceIPAddress != 123.123.* }",
        '{ $.arrayKey[0] = "value" }',
        "{ $.eventType = %Trail% }",
        "{ $.arrayKey[*] = %val.{2}% }",
        r"{ $.* = %111\.111\.111\.1[0-9]{1,2}% }",
        "{ $.['cluster.name'] = \"c\" }",
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
        '{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }',
    ],
)
def test_documented_patterns_match_the_documented_event(pattern: str) -> None:
    assert compile(pattern).matches(EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "NoTrail" }',
        "{ $.sourceIPAddress != 111.111.* }",
        '{ $.arrayKey[1] = "value" }',
        "{ $.ThisFlag IS FALSE }",
        "{ $.eventType IS NULL }",
        "{ $.eventType NOT EXISTS }",
        '{ $.ThisFlag[0] = "value" }',  # RECORDED: not an array
        "{ $.objectList[1].number = 2 }",  # RECORDED: no such property
        "{ $.objectList[5].id = 2 }",
    ],
)
def test_non_matching_patterns(pattern: str) -> None:
    assert not compile(pattern).matches(EVENT)


# -- DOC compound expressions on COMPOUND ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
        (
            '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }',
            True,
        ),
        (
            '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }',
            False,
        ),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
        ("{ $.coordinates[1][2] = 6 }", True),
    ],
)
def test_compound_expressions_follow_precedence(pattern: str, expected: bool) -> None:
    assert compile(pattern).matches(COMPOUND) is expected


def test_or_in_json_filters() -> None:
    # OLD_DOC "OR Pattern Matching"
    events = ['{"foo": "bar"}', '{"foo": "baz"}']
    assert [e for e in events if compile("{$.foo = bar}").matches(e)] == events[:1]
    assert [e for e in events if compile("{$.foo = baz }").matches(e)] == events[1:]
    assert [e for e in events if compile("{$.foo = bar || $.foo = baz }").matches(e)] == events


def test_selector_on_array_or_object_matches_neither_equal_nor_not_equal() -> None:
    # OLD_DOC "JSON Special Considerations"
    event = '{"users": [1, 2, 3]}'
    assert not compile("{$.users = 1}").matches(event)
    assert not compile("{$.users != 1}").matches(event)


# -- DOC numeric comparisons ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ("{ $.bandwidth > 75 }", '{"bandwidth": 80}', True),
        ("{ $.latency < 50 }", '{"latency": 50}', False),
        ("{ $.refreshRate >= 60 }", '{"refreshRate": 60}', True),
        ("{ $.responseTime <= 5 }", '{"responseTime": 5.5}', False),
        ("{ $.errorCode = 400}", '{"errorCode": 400}', True),
        ("{ $.errorCode != 500 }", '{"errorCode": 400}', True),
        ("{ $.number[0] = 1e+3 }", '{"number": [1000]}', True),
        ("{ $.number[0] != 1e-3 }", '{"number": [0.001]}', False),
        ("{ $.numbers[0] < 10e3 }", '{"numbers": [9999]}', True),
        ("{ $.latency > +1000 }", '{"latency": 1001}', True),
        ("{ $.processes[4].averageRuntime <= 55.5 }", '{"processes": [0,0,0,0,{"averageRuntime": 55.5}]}', True),
        ("{ $.latency > 10 }", '{"latency": "not a number"}', False),
    ],
)
def test_numeric_comparisons(pattern: str, event: str, expected: bool) -> None:
    assert compile(pattern).matches(event) is expected


# -- RECORDED: how AWS compares quoted, unquoted and wildcard values with numbers ---------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.someInt = "123" }',
        '{ $.someInt != "123.0" }',
        '{ $.someFloat2 != "12" }',
        "{ $.someInt = 123.0 }",
        "{ $.someFloat2 = 12 }",
        "{ $.someInt = * }",
        '{ $.someInt = "*" }',
        "{ $.someInt = 1* }",
        "{ $.someInt = *23 }",
        "{ $.someInt != 3* }",
        "{ $.someFloat = 12.* }",
        "{ $.someFloat = *.34 }",
        "{ $.someString != 111*111 }",
        "{ $.someString = *.111.111.111 }",
        "{ $.someString = 111* }",
        "{ $.someInt > 1 }",
        "{ $.someFloat <       100.0 }",
    ],
)
def test_recorded_matches(pattern: str) -> None:
    assert compile(pattern).matches(NUMBERS)


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.eventType >= 123 }",
        '{ $.someInt = "123.00" }',
        "{ $.someInt != 123 }",
        '{ $.someInt != "123" }',
        '{ $.someArray != "someString" }',
        '{ $.someObject = "someString" }',
        '{ $.notExisted != "UpdateTrail" }',
        "{ $.sourceIPAddress = 11*1 }",
    ],
)
def test_recorded_non_matches(pattern: str) -> None:
    assert not compile(pattern).matches(NUMBERS)


def test_middle_star_is_literal() -> None:
    # OLD_DOC: "Ev*ent will only match the actual string Ev*ent"
    assert compile("{ $.e = Ev*ent }").matches('{"e": "Ev*ent"}')
    assert not compile("{ $.e = Ev*ent }").matches('{"e": "EvXent"}')
    assert compile("{ $.e = *Event }").matches('{"e": "PutEvent"}')
    assert compile("{ $.e = Event* }").matches('{"e": "EventName"}')


def test_non_json_and_non_object_events_do_not_match() -> None:
    fp = compile("{ $.a NOT EXISTS }")
    assert fp.matches('{"b": 1}')
    assert not fp.matches("Nov 26 sshd[1]: Invalid user admin")
    assert not fp.matches("[1, 2]")
    assert not fp.matches('{"a": ')


def test_wildcard_selector_matches_any_element() -> None:
    fp = compile('{ $.users[*].email = "Jane.Doe@example.com" }')
    assert fp.matches(COMPOUND)
    assert not compile('{ $.users[*].email = "nobody" }').matches(COMPOUND)


def test_extract_reports_the_selectors_used() -> None:
    fp = compile('{ $.eventType = "UpdateTrail" && $.objectList[1].id = 2 && $.ThisFlag IS TRUE }')
    assert fp.extract(EVENT) == {"$.eventType": "UpdateTrail", "$.objectList[1].id": "2", "$.ThisFlag": "true"}
    assert fp.extract('{"eventType": "x"}') is None


@given(value=st.integers(-(10**6), 10**6), limit=st.integers(-(10**6), 10**6))
def test_numeric_operators_agree_with_python(value: int, limit: int) -> None:
    event = json.dumps({"n": value})
    assert compile(f"{{ $.n > {limit} }}").matches(event) == (value > limit)
    assert compile(f"{{ $.n <= {limit} }}").matches(event) == (value <= limit)
    assert compile(f"{{ $.n != {limit} }}").matches(event) == (value != limit)


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "head", "position"),
    [
        ('{ $.eventType > "UpdateTrail" }', "Invalid character(s) in term '\"UpdateTrail\"'", 16),
        ("{ $.eventType <= UpdateTrail }", "Invalid character(s) in term 'UpdateTrail'", 17),
        ("{ $.x IS NOT NULL }", "Invalid metric filter pattern", 9),
        ("{ $.x EXISTS }", "Invalid metric filter pattern", 6),
        ('{ $."sc-status" = 5* }', "Invalid character(s) in term '$.\"'", 4),
        ("{ $.a = x@y }", "Invalid character(s) in term '@'", 9),
        ("{ }", "Invalid metric filter pattern", 2),
        ("{ $.a = 1", "Invalid metric filter pattern", 9),
        ("{ ($.a = 1 }", "Invalid metric filter pattern", 11),
        ("{ a = 1 }", "Invalid metric filter pattern", 2),
        ("{ $.a = 1 } x", "Invalid metric filter pattern", 12),
        ("{ $.*.b[*] = 1 }", "Invalid metric filter pattern", 2),
        ("{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }", "Invalid metric filter pattern", 0),
        ("{ $.a = %x% || $.b = %y% || $.c = %z% }", "Invalid metric filter pattern", 0),
        ("{ $.a > %x% }", "Invalid metric filter pattern", 8),
    ],
)
def test_invalid_json_patterns(pattern: str, head: str, position: int) -> None:
    with pytest.raises(InvalidFilterPattern) as caught:
        compile(pattern)
    assert str(caught.value).startswith(head)
    assert caught.value.position == position
