"""Space-delimited filter patterns.

Cases from https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-term-space-delimited-log-events
(DOC) and its older revision
https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md (OLD_DOC).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.aws.filterpattern import compile
from labkit.aws.filterpattern.samples import SSHD_EXAMPLES
from labkit.exceptions import InvalidFilterPattern

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
APACHE_FIELDS = {
    "$ip": "127.0.0.1",
    "$user": "Prod",
    "$username": "frank",
    "$timestamp": "10/Oct/2000:13:25:15 -0700",
    "$request": "GET /index.html HTTP/1.0",
    "$status_code": "404",
    "$bytes": "1534",
}
# DOC "Space-delimited log event" for pattern matching
INFO_GET = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
INFO_POST = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
WARNING = "WARNING 09/25/2014 12:00:02 Invalid user request"
ERROR = "ERROR 09/25/2014 12:00:02 Failed to process request"
LEVELS = [INFO_GET, INFO_POST, WARNING, ERROR]
CLOSED = "Nov 26 10:15:01 ip-10-0-0-229 sshd[2817]: Connection closed by 198.51.100.23 port 51122 [preauth]"


def matching(pattern: str, events: list[str]) -> list[str]:
    fp = compile(pattern)
    return [e for e in events if fp.matches(e)]


# -- DOC ------------------------------------------------------------------------------------------


def test_seven_fields_with_conditions_extract_named_fields() -> None:
    fp = compile("[ip=%127\\.0\\.0\\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]")
    assert fp.kind == "space-delimited"
    assert fp.extract(APACHE) == APACHE_FIELDS
    assert not fp.matches(APACHE.replace("127.0.0.1", "10.0.0.1"))
    assert not fp.matches(APACHE.replace(" 404 ", " 200 "))


def test_ellipsis_stands_for_the_leading_fields() -> None:
    fp = compile("[..., request =*.html*, status_code = 4*, bytes]")
    assert fp.extract(APACHE) == {
        "$1": "127.0.0.1",
        "$2": "Prod",
        "$3": "frank",
        "$4": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404",
        "$bytes": "1534",
    }


def test_or_inside_a_field() -> None:
    fp = compile("[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]")
    assert fp.matches(APACHE)
    assert fp.matches(APACHE.replace(" 404 ", " 410 "))
    assert not fp.matches(APACHE.replace(" 404 ", " 403 "))


def test_first_word_with_blank_indicator() -> None:
    assert matching("[w1=ERROR, w2]", LEVELS) == [ERROR]
    assert compile("[w1=ERROR, w2]").extract(ERROR) == {
        "$w1": "ERROR",
        "$w2": "09/25/2014 12:00:02 Failed to process request",
    }


def test_first_word_or_and_exclusion() -> None:
    assert matching("[w1=ERROR || w1=WARNING, w2]", LEVELS) == [WARNING, ERROR]
    assert matching("[w1!=ERROR && w1!=WARNING, w2]", LEVELS) == [INFO_GET, INFO_POST]


def test_resource_uri_regexes() -> None:
    top = "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]"
    child = "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]"
    assert matching(top, LEVELS) == [INFO_GET]
    assert matching(child, LEVELS) == [INFO_POST]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ip, user, username, timestamp, request, status_code, bytes > 1000]", True),
        ("[ip, user, username, timestamp, request, status_code, bytes > 2000]", False),
        ("[ip, user, username, timestamp, request, status_code = 200, bytes]", False),
        ("[ip, user, username, timestamp, request, status_code = 404.0, bytes]", True),
        ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", True),
        ("[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", True),
        ("[ip, user, username, timestamp, request, status_code = 4* && status_code != 404, bytes]", False),
        ("[ip, user, ..., status_code, bytes]", True),
        ("[ip, user, ...]", True),
        ("[..., status_code, bytes <= 1534]", True),
    ],
)
def test_old_doc_conditions(pattern: str, expected: bool) -> None:
    # OLD_DOC "Using Metric Filters to Extract Values from Space-Delimited Log Events"
    assert compile(pattern).matches(APACHE) is expected


def test_old_doc_extraction_with_trailing_blank_field() -> None:
    fp = compile("[..., request=*.html*, status_code=4*,]")
    extracted = fp.extract('127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534')
    assert extracted == {
        "$1": "127.0.0.1",
        "$2": "-",
        "$3": "frank",
        "$4": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404",
        "$7": "1534",
    }


# -- field counting and the [preauth] pitfall -----------------------------------------------------


def test_fewer_fields_than_names_do_not_match() -> None:
    fp = compile("[a, b, c]")
    assert not fp.matches("one two")
    assert fp.matches("one two three four")
    assert fp.extract("one two three four") == {"$a": "one", "$b": "two", "$c": "three four"}


def test_unquoted_preauth_is_one_field_that_takes_the_whole_line() -> None:
    fp = compile("[preauth]")
    assert fp.kind == "space-delimited"
    assert all(fp.matches(line) for line in SSHD_EXAMPLES)  # not only the [preauth] ones
    assert fp.extract(CLOSED) == {"$preauth": CLOSED}
    assert not fp.matches("   ")


def test_one_field_condition_sees_the_whole_line() -> None:
    assert compile("[w1=ERROR]").matches("ERROR")
    assert not compile("[w1=ERROR]").matches(ERROR)


def test_empty_brackets_and_lone_ellipsis_match_every_event() -> None:
    for pattern in ("[]", "[...]"):
        fp = compile(pattern)
        assert fp.matches(CLOSED) and fp.matches("")
        assert fp.extract("a [b c] d") == {"$1": "a", "$2": "b c", "$3": "d"}


def test_sshd_failed_password_fields() -> None:
    line = SSHD_EXAMPLES[1]
    fp = compile(
        "[mon, day, time, host, proc, status = Failed, method = password, ..., port_kw = port, port > 1024, proto]"
    )
    assert fp.extract(line) == {
        "$mon": "Nov",
        "$day": "26",
        "$time": "10:15:03",
        "$host": "ip-10-0-0-229",
        "$proc": "sshd[2817]:",
        "$status": "Failed",
        "$method": "password",
        "$8": "for",
        "$9": "invalid",
        "$10": "user",
        "$11": "oracle",
        "$12": "from",
        "$13": "192.0.2.44",
        "$port_kw": "port",
        "$port": "51822",
        "$proto": "ssh2",
    }
    assert matching("[mon, day, time, host, proc, status = Failed, method = password, ...]", list(SSHD_EXAMPLES)) == [
        SSHD_EXAMPLES[1],
        SSHD_EXAMPLES[2],
    ]


def test_quoted_value_and_regex_value() -> None:
    assert compile('[..., tag = "preauth"]').matches(CLOSED)
    assert compile("[..., ip = %^198\\.51\\.%, port_kw, port, tag]").matches(CLOSED)


@given(fields=st.lists(st.text(alphabet="abcXYZ019.-", min_size=1, max_size=6), min_size=2, max_size=8))
def test_fields_round_trip(fields: list[str]) -> None:
    line = " ".join(fields)
    names = [f"f{i}" for i in range(len(fields))]
    assert compile("[" + ", ".join(names) + "]").extract(line) == {f"${n}": v for n, v in zip(names, fields)}
    assert compile("[...]").extract(line) == {f"${i + 1}": v for i, v in enumerate(fields)}


@given(value=st.integers(0, 10**6), limit=st.integers(0, 10**6))
def test_numeric_condition_agrees_with_python(value: int, limit: int) -> None:
    assert compile(f"[a, n > {limit}, rest]").matches(f"x {value} y") == (value > limit)
    assert compile(f"[a, n = {limit}, rest]").matches(f"x {value} y") == (value == limit)


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "head", "position"),
    [
        ("[a, a]", "Invalid metric filter pattern", 4),
        ("[..., a, ...]", "Invalid metric filter pattern", 9),
        ("[a = 1, b", "Invalid metric filter pattern", 0),
        ("[a, b = 1 && c = 2]", "Invalid metric filter pattern", 13),
        ("[a > x]", "Invalid character(s) in term 'x'", 5),
        ('[a > "5"]', "Invalid character(s) in term '\"5\"'", 5),
        ("[a = x:y]", "Invalid character(s) in term ':'", 6),
        ("[1a]", "Invalid character(s) in term '1'", 1),
        ("[a = %x%, b = %y%, c = %z%]", "Invalid metric filter pattern", 0),
        ("[a b]", "Invalid metric filter pattern", 3),
        ("[a] x", "Invalid metric filter pattern", 4),
    ],
)
def test_invalid_delimited_patterns(pattern: str, head: str, position: int) -> None:
    with pytest.raises(InvalidFilterPattern) as caught:
        compile(pattern)
    assert str(caught.value).startswith(head)
    assert caught.value.position == position
