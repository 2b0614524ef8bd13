"""Term patterns, regex patterns, kinds, limits and errors of labkit.aws.filterpattern.

Each group cites the AWS page its cases come from.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.aws.filterpattern import MAX_PATTERN_LENGTH, compile
from labkit.aws.filterpattern.samples import SSHD_EXAMPLES
from labkit.exceptions import InvalidFilterPattern

DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html"
OLD_DOC = (
    "https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md"
)

# Example events of DOC#matching-terms-unstructured-log-events
E400 = "[ERROR 400] BAD REQUEST"
E401 = "[ERROR 401] UNAUTHORIZED REQUEST"
E419 = "[ERROR 419] MISSING ARGUMENTS"
E420 = "[ERROR 420] INVALID ARGUMENTS"
E500 = "[ERROR 500] INTERNAL SERVER ERROR"
DOC_EVENTS = [E400, E401, E419, E420]

INVALID_USER = "Nov 26 10:15:01 ip-10-0-0-229 sshd[2817]: Invalid user admin from 203.0.113.9 port 40022"
FAILED_INVALID = (
    "Nov 26 10:15:03 ip-10-0-0-229 sshd[2817]: Failed password for invalid user oracle from 192.0.2.44 port 51822 ssh2"
)
CLOSED_PREAUTH = "Nov 26 10:15:01 ip-10-0-0-229 sshd[2817]: Connection closed by 198.51.100.23 port 51122 [preauth]"


def matching(pattern: str, events: list[str]) -> list[str]:
    fp = compile(pattern)
    return [e for e in events if fp.matches(e)]


# -- DOC#matching-terms-unstructured-log-events -------------------------------------------------


def test_single_term() -> None:
    assert matching("ERROR", DOC_EVENTS + ["INFO ok"]) == DOC_EVENTS


def test_multiple_terms_all_must_appear() -> None:
    assert matching("ERROR ARGUMENTS", DOC_EVENTS) == [E419, E420]


def test_optional_terms_match_any() -> None:
    assert matching("?ERROR ?ARGUMENTS", DOC_EVENTS + ["INFO ok"]) == DOC_EVENTS


def test_question_mark_terms_are_ignored_beside_plain_terms() -> None:
    # "?ERROR ?ARGUMENTS REQUEST" matches all events containing REQUEST; the ? terms have no effect.
    events = [
        "[INFO] REQUEST FAILED",
        "[WARN] UNAUTHORIZED REQUEST",
        "[ERROR] 400 BAD REQUEST",
        "[ERROR] 419 MISSING ARGUMENTS",
    ]
    fp = compile("?ERROR ?ARGUMENTS REQUEST")
    assert [e for e in events if fp.matches(e)] == events[:3]
    assert fp.ignored_terms == ("?ERROR", "?ARGUMENTS")


def test_question_mark_terms_are_ignored_beside_excluded_terms() -> None:
    fp = compile("?ERROR -ARGUMENTS")
    assert fp.matches("INFO all good")  # only -ARGUMENTS counts
    assert not fp.matches("[ERROR 419] MISSING ARGUMENTS")


def test_exact_phrase() -> None:
    assert matching('"INTERNAL SERVER ERROR"', DOC_EVENTS + [E500]) == [E500]


def test_include_and_exclude() -> None:
    assert matching("ERROR -ARGUMENTS", DOC_EVENTS) == [E400, E401]


@pytest.mark.parametrize("pattern", ['" "', "", "   ", '""'])
def test_match_everything(pattern: str) -> None:
    assert matching(pattern, DOC_EVENTS + ["x"]) == DOC_EVENTS + ["x"]


# -- OLD_DOC "Matching Terms in Log Events" and "OR Pattern Matching" ----------------------------


def test_term_matches_inside_longer_words_and_is_case_sensitive() -> None:
    events = ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1", "error: lower case"]
    assert matching("ERROR", events) == events[:2]


def test_old_doc_exclusion_written_with_a_detached_minus() -> None:
    assert matching(
        '"ERROR" - "Exiting"', ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"]
    ) == ["[ERROR] A fatal exception has occurred"]


def test_old_doc_or_examples() -> None:
    events = ["ERROR WARN message", "ERROR message", "WARN message"]
    assert matching("ERROR", events) == events[:2]
    assert matching("?ERROR ?WARN", events) == events
    assert matching("ERROR WARN", events) == events[:1]
    assert matching("ERROR -WARN", events) == events[1:2]


# -- sshd lines (notebook 05) ----------------------------------------------------------------


def test_quoted_preauth_is_a_text_search() -> None:
    assert matching('"[preauth]"', [CLOSED_PREAUTH, INVALID_USER]) == [CLOSED_PREAUTH]


def test_invalid_user_case_matters() -> None:
    assert matching('"Invalid user"', [INVALID_USER, FAILED_INVALID]) == [INVALID_USER]
    assert matching('?"Invalid user" ?"invalid user"', [INVALID_USER, FAILED_INVALID, CLOSED_PREAUTH]) == [
        INVALID_USER,
        FAILED_INVALID,
    ]


def test_failed_password_not_root() -> None:
    root = "Nov 26 10:15:04 ip-10-0-0-229 sshd[2820]: Failed password for root from 198.51.100.7 port 50122 ssh2"
    assert matching('"Failed password" -root', [FAILED_INVALID, root, INVALID_USER]) == [FAILED_INVALID]


def test_quoted_term_with_escaped_quote() -> None:
    assert compile(r'"say \"hi\""').matches('they say "hi" here')
    assert not compile(r'"say \"hi\""').matches("they say hi here")


# -- properties ------------------------------------------------------------------------------

printable = st.text(alphabet=string.printable.replace('"', "").replace("\\", ""), min_size=1, max_size=12)
words = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=8)


@given(term=printable.filter(lambda t: t.strip()), message=st.text(max_size=40))
def test_quoted_term_matches_iff_substring(term: str, message: str) -> None:
    assert compile(f'"{term}"').matches(message) == (term in message)


@given(term=words, message=st.text(alphabet=string.ascii_letters + " ", max_size=40))
def test_minus_term_is_the_complement(term: str, message: str) -> None:
    assert compile(f"-{term}").matches(message) == (not compile(term).matches(message))


@given(terms=st.lists(words, min_size=1, max_size=4), message=st.text(alphabet="abcAB_01 ", max_size=30))
def test_or_group_is_any_and_plain_terms_are_all(terms: list[str], message: str) -> None:
    assert compile(" ".join("?" + t for t in terms)).matches(message) == any(t in message for t in terms)
    assert compile(" ".join(terms)).matches(message) == all(t in message for t in terms)


@given(line=st.sampled_from(SSHD_EXAMPLES))
def test_extract_is_empty_dict_or_none_for_terms(line: str) -> None:
    fp = compile('"Failed password"')
    assert fp.extract(line) == ({} if "Failed password" in line else None)


# -- DOC#regex-expressions and DOC#matching-terms-regex ----------------------------------------


def test_regex_matches_anywhere() -> None:
    assert matching("%AUTHORIZED%", ["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST", "x"]) == [
        "[ERROR 401] UNAUTHORIZED REQUEST",
        "[SUCCESS 200] AUTHORIZED REQUEST",
    ]


@pytest.mark.parametrize(
    ("pattern", "yes", "no"),
    [
        ("%^[hc]at%", ["hat trick", "cat"], ["that"]),
        ("%[hc]at$%", ["a hat", "cat"], ["cats"]),
        ("%colou?r%", ["color", "colour"], ["colr"]),
        ("%a{3,5}%", ["aaa", "xaaaaay"], ["aa"]),
        ("%a{3, 5}%", ["aaa"], ["aa"]),
        ("%^ba{,2}r$%", ["br", "bar", "baar"], ["baaar"]),
        ("%gra|ey%", ["gray", "grey"], ["gry"]),
        ("%^starting|^initializing|^shutting down%", ["starting x", "shutting down now"], ["skipping initializing"]),
        (r"%\[.\]%", ["[a]", "[7]"], ["[]"]),
        (r"%10\.10\.0\.1%", ["10.10.0.1"], ["10010,051"]),
        ("%10.10.0.1%", ["10010,051"], ["10-10"]),
        ("%ab*c%", ["ac", "abc", "abbbc"], ["abd"]),
        ("%ab+c%", ["abc", "abbc"], ["ac"]),
        (r"%\d%", ["a1"], ["ab"]),
        (r"%\x3A%", ["a:b"], ["ab"]),
        (r"%\w\s\W%", ["a !"], ["a b"]),
    ],
)
def test_documented_regex_operators(pattern: str, yes: list[str], no: list[str]) -> None:
    fp = compile(pattern)
    assert fp.kind == "regex"
    assert all(fp.matches(e) for e in yes)
    assert not any(fp.matches(e) for e in no)


# -- errors: each checks AWS's wording and the position ---------------------------------------


@pytest.mark.parametrize(
    ("pattern", "head", "position"),
    [
        ("Invalid user:", "Invalid character(s) in term ':'", 12),
        ("[preauth", "Invalid metric filter pattern", 0),
        ("ERROR(", "Invalid character(s) in term '('", 5),
        ('"unclosed', "Invalid metric filter pattern", 0),
        ('"a"b', "Invalid metric filter pattern", 3),
        ("%something!%", "Invalid character(s) in term '!'", 10),
        ("%a(b)%", "Invalid character(s) in term '('", 2),
        ("%é%", "Invalid character(s) in term 'é'", 1),
        ("%%", "Invalid metric filter pattern", 1),
        ("%abc", "Invalid metric filter pattern", 0),
        ("%abc% more", "Invalid metric filter pattern", 5),
        (r"%a\qb%", "Invalid metric filter pattern", 2),
        ("-", "Invalid metric filter pattern", 0),
        (" {$.ThisFlag IS TRUE} ", "Invalid character(s) in term '{'", 1),
    ],
)
def test_invalid_patterns(pattern: str, head: str, position: int) -> None:
    with pytest.raises(InvalidFilterPattern) as caught:
        compile(pattern)
    assert str(caught.value).startswith(head)
    assert caught.value.position == position
    assert caught.value.pattern == pattern
    assert f"at position {position}" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_pattern_length_limit() -> None:
    assert compile("a" * MAX_PATTERN_LENGTH).matches("a" * MAX_PATTERN_LENGTH)
    with pytest.raises(InvalidFilterPattern, match="less than or equal to 1024") as caught:
        compile("a" * (MAX_PATTERN_LENGTH + 1))
    assert caught.value.position == MAX_PATTERN_LENGTH


def test_kind_is_decided_by_the_first_character() -> None:
    assert compile("{ $.a = 1 }").kind == "json"
    assert compile("[a, b]").kind == "space-delimited"
    assert compile("%a%").kind == "regex"
    assert compile("a").kind == "unstructured"
    assert compile("a").pattern == "a"
