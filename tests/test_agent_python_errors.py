"""Python's own error text inside notebook 04's agent checks, in the lab's language (issue 18).

A ``multi_line_start_pattern`` that is not a regular expression is reported with what ``re.compile`` said;
:mod:`labkit.aws.agent.python_errors` reads that message back into one of CPython's templates so that a
Japanese lab says it in Japanese, with the same quoted values and position, and an English lab says exactly
Python's text. The bad patterns below go through the public helpers (:func:`labkit.lesson.agent.validate_source`
and ``validate_awslogs_conf``); the templates no text pattern can reach are found in the running Python's
``re`` source. configparser's errors: every error class ``read_string`` can raise has labkit's own words.
"""

from __future__ import annotations

import ast
import datetime as dt
import configparser
import importlib
import inspect
import itertools
import re
import sys

import pytest
from agent_samples import ARTICLE_AWSLOGS_CONF_UNCOMMENTED

from labkit import i18n
from labkit.aws.agent import awslogs
from labkit.aws.agent.problems import Problem
from labkit.aws.agent.python_errors import (
    REGEX_MESSAGES,
    TOO_DEEP,
    python_says,
    regex_error,
    regex_failure,
    regex_message,
)
from labkit.exceptions import InvalidAgentConfig
from labkit.lesson import agent
from labkit.lesson.logs import SimulatedAgent

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
WHERE = "[/var/log/secure] multi_line_start_pattern: "

#: Bad patterns and the ``re.error.msg`` each gives on Python 3.11 and 3.12 (3.10 marked where it differs).
BAD_PATTERNS = [
    "(?P<a>x)(?P<a>y)",  # redefinition of group name 'a' as group 2; was group 1
    r"(a\1)",  # cannot refer to an open group
    r"(?<=(a)\1)",  # cannot refer to group defined in the same lookbehind subpattern
    "\\",  # bad escape (end of pattern)
    r"\q",  # bad escape \q
    r"[\q]",  # bad escape \q, in a class
    r"\x4",  # incomplete escape \x4
    r"\u12",  # incomplete escape \u12
    r"\777",  # octal escape value \777 outside of range 0-0o377
    r"\N",  # missing {
    r"\N{",  # missing character name
    "(?P<",  # missing group name
    r"\N{ab",  # missing }, unterminated name
    "(?P<a",  # missing >, unterminated name
    r"\N{no such name}",  # undefined character name 'no such name'
    r"\8",  # invalid group reference 8
    "(?(2)x)",  # invalid group reference 2
    "(?(0)a)",  # bad group number
    "(?P=a)",  # unknown group name 'a'
    "(?P<1a>x)",  # bad character in group name '1a'
    "[a",  # unterminated character set
    "[z-a]",  # bad character range z-a
    "a{3,2}",  # min repeat greater than max repeat
    "*",  # nothing to repeat
    "a**",  # multiple repeat
    "(?",  # unexpected end of pattern
    "(?z)",  # unknown extension ?z
    "(?Px)",  # unknown extension ?Px
    "(?<x)",  # unknown extension ?<x
    "(?#x",  # missing ), unterminated comment
    "(a",  # missing ), unterminated subpattern
    "a\n(b",  # the same, at line 2, column 1
    ")",  # unbalanced parenthesis
    "(a)(?(1)x|y|z)",  # conditional backref with more than two branches
    "x(?i)",  # global flags not at the start of the expression (3.10: a DeprecationWarning, no error)
    "(?iz)",  # unknown flag
    "(?i",  # missing -, : or )
    "(?-)",  # missing flag
    "(?i-s)",  # missing :
    "(?t:a)",  # bad inline flags: cannot turn on global flag
    "(?-t:a)",  # bad inline flags: cannot turn off global flag
    "(?i-i:a)",  # bad inline flags: flag turned on and off
    "(?-a:x)",  # bad inline flags: cannot turn off flags 'a', 'u' and 'L'
    "(?L)x",  # bad inline flags: cannot use 'L' flag with a str pattern
    "(?au)x",  # bad inline flags: flags 'a', 'u' and 'L' are incompatible
    "(?<=a+)b",  # look-behind requires fixed-width pattern (no position)
    "(?<=a{4294967294}aa)b",  # looks too much behind (3.11+; 3.10: an OverflowError)
]


def _compile_error(pattern: str) -> re.error | None:
    try:
        re.compile(pattern)
    except re.error as error:
        return error
    except OverflowError:  # Python 3.10's answer to the last pattern, not an re.error
        return None
    return None


ERRORS = {pattern: error for pattern in BAD_PATTERNS if (error := _compile_error(pattern)) is not None}


def _said(pattern: str) -> str:
    with pytest.raises(InvalidAgentConfig) as caught:
        agent.validate_source(agent.LogSource("/var/log/secure", "ssh_logs", multi_line_start_pattern=pattern))
    return str(caught.value)


def _leaves(problem: Problem) -> list[str]:
    """The values a message shows as they are (quoted names, escapes, positions)."""
    return [
        leaf
        for value in problem.fields.values()
        for leaf in (_leaves(value) if isinstance(value, Problem) else [value])
    ]


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("pattern", list(ERRORS), ids=repr)
def test_in_english_the_checker_quotes_python_exactly(pattern: str) -> None:
    error = ERRORS[pattern]
    assert _said(pattern) == f"{WHERE}{pattern!r} is not a regular expression ({error})"
    assert str(regex_error(error)) == str(error)


@pytest.mark.parametrize("pattern", list(ERRORS), ids=repr)
def test_in_japanese_pythons_message_is_translated_keeping_its_values(japanese, pattern: str) -> None:
    error = ERRORS[pattern]
    said = _said(pattern)
    problem = regex_error(error)
    assert problem.template != python_says("re", "").template, f"no template for {error.msg!r}"
    assert said.startswith(f"{WHERE}{pattern!r} は正規表現として正しくありません: "), said
    assert error.msg not in said and JAPANESE.search(said.removeprefix(WHERE)[len(repr(pattern)) :])
    assert all(value in said for value in _leaves(problem)), (said, _leaves(problem))
    if error.pos is not None:
        assert f"(位置 {error.pos}" in said


def test_a_position_on_a_later_line_gives_line_and_column(japanese) -> None:
    assert _said("a\n(b").endswith("サブパターンが閉じられていません (位置 2、2 行目 1 列目)")
    i18n.set_language("en")
    assert _said("a\n(b").endswith("(missing ), unterminated subpattern at position 2 (line 2, column 1))")


def test_a_message_no_template_knows_stays_pythons_and_is_said_to_be(japanese) -> None:
    error = re.error("a message from a newer Python", "(x", 1)
    assert regex_error(error).render(i18n.gettext) == (
        "Python の re モジュールのメッセージ (原文のまま): a message from a newer Python at position 1"
    )
    assert regex_error(error).render(str) == "Python's re module says: a message from a newer Python at position 1"
    assert regex_message("a message from a newer Python") is None


def test_the_awslogs_conf_checker_says_it_too(japanese) -> None:
    """The file checker (validate_awslogs_conf) reports the same, under its section, among its other problems."""
    text = ARTICLE_AWSLOGS_CONF_UNCOMMENTED + "multi_line_start_pattern = (?P<a>x)(?P<a>y\n"
    with pytest.raises(InvalidAgentConfig) as caught:
        agent.validate_awslogs_conf(text)
    assert str(caught.value).endswith(
        "[/var/log/secure] multi_line_start_pattern: '(?P<a>x)(?P<a>y' は正規表現として正しくありません: "
        "グループ名 'a' をグループ 2 として再定義しています (定義済みのグループ: 1) (位置 12)"
    )


def _python_regex_sources() -> list[str]:
    """The running Python's regular-expression parser and compiler (``re._parser`` from 3.11, ``sre_parse``)."""
    names = ("re._parser", "re._compiler") if sys.version_info >= (3, 11) else ("sre_parse", "sre_compile")
    return [inspect.getsource(importlib.import_module(name)) for name in names]


def _samples(node: ast.expr, until_names: list[str]) -> list[str]:
    """The texts a message expression of the re source can take, with sample values for what it formats."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _samples(node.body, until_names) + _samples(node.orelse, until_names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _samples(node.left, until_names), _samples(node.right, until_names)
        return [a + b for a, b in itertools.product(left, right)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        values = {"s": "x", "r": "'x'", "a": "'x'", "d": 1}
        specs = re.findall(r"%([srad])", node.left.value if isinstance(node.left, ast.Constant) else "")
        return [t % tuple(values[s] for s in specs) for t in _samples(node.left, until_names)]
    if isinstance(node, ast.Name) and node.id == "name":  # getuntil's "missing " + name
        return until_names
    if isinstance(node, ast.Name) and node.id == "char":
        return ["z"]
    return []  # a variable holding a message made elsewhere in the source (msg, err.msg): sampled there


def _python_regex_messages() -> set[str]:
    """Every message the running Python's re parser and compiler raise (or assign to ``msg`` to raise)."""
    trees = [ast.parse(source) for source in _python_regex_sources()]
    calls = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Call)]
    until_names = [
        call.args[1].value
        for call in calls
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "getuntil"
        and isinstance(call.args[1], ast.Constant)
    ]
    messages: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in ("error", "OverflowError"):
                    messages.update(_samples(node.args[0], until_names))
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "msg" for t in node.targets):
                messages.update(_samples(node.value, until_names))
    return messages


#: What ``re.compile`` of a text pattern cannot raise, so the helpers never show it.
NOT_FROM_A_TEXT_PATTERN = {
    "bad inline flags: cannot use 'u' flag with a bytes pattern",  # bytes patterns only
    "missing <",  # re.sub's replacement templates
}


def test_every_message_of_pythons_re_has_a_template() -> None:
    """A Python that adds or rewords a message fails here rather than showing it untranslated."""
    messages = _python_regex_messages()
    assert len(messages) > 40  # the source was read
    for message in messages - NOT_FROM_A_TEXT_PATTERN:
        if message.startswith("internal: "):  # the compiler's own bugs
            continue
        problem = regex_message(message)
        assert problem is not None, f"no template for {message!r}"
        assert str(problem) == message


def test_every_template_is_reached_by_a_pattern_or_pythons_source() -> None:
    reached = {regex_message(error.msg).template for error in ERRORS.values()}  # type: ignore[union-attr]
    reached.add(_python_error(HUGE_REPEAT).template)
    in_source = {problem.template for m in _python_regex_messages() if (problem := regex_message(m)) is not None}
    assert {template for _shape, template in REGEX_MESSAGES} - reached - in_source == set()
    if sys.version_info >= (3, 11):  # 3.10 raises neither of the two messages 3.11 added
        assert {template for _shape, template in REGEX_MESSAGES} - reached == {"too many groups"}  # 2**30 groups


HUGE_REPEAT = "a{99999999999}"  # re.compile raises OverflowError, not re.error
DEEP_GROUPS = "(" * 5000 + ")" * 5000  # re.compile recurses once a group: RecursionError


def _python_error(pattern: str) -> Problem:
    try:
        re.compile(pattern)
    except (OverflowError, RecursionError) as error:
        return regex_failure(error)
    raise AssertionError(f"{pattern!r} compiled")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_pattern_python_cannot_hold_is_a_problem_not_a_traceback(language: str) -> None:
    """re.compile's OverflowError and RecursionError are reported as its re.error is, in the lab's language."""
    i18n.set_language(language)
    try:
        huge, deep = _said(HUGE_REPEAT), _said(DEEP_GROUPS)
        with pytest.raises(InvalidAgentConfig) as in_the_file:
            agent.validate_awslogs_conf(
                ARTICLE_AWSLOGS_CONF_UNCOMMENTED + f"multi_line_start_pattern = {HUGE_REPEAT}\n"
            )
    finally:
        i18n.set_language("en")
    if language == "en":
        assert huge == f"{WHERE}'a{{99999999999}}' is not a regular expression (the repetition number is too large)"
        assert (
            deep
            == f"{WHERE}{DEEP_GROUPS!r} is not a regular expression (groups nested too deeply for Python's re module)"
        )
    else:
        assert huge == f"{WHERE}'a{{99999999999}}' は正規表現として正しくありません: 繰り返しの回数が大きすぎます"
        assert deep.endswith(
            "は正規表現として正しくありません: グループの入れ子が深すぎて Python の re モジュールでは読めません"
        )
    assert str(in_the_file.value).endswith(huge.removeprefix(WHERE))
    assert _python_error(DEEP_GROUPS).template == TOO_DEEP


def test_an_overflow_no_template_knows_stays_pythons() -> None:
    assert str(regex_failure(OverflowError("a newer limit"))) == "Python's re module says: a newer limit"


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("pattern", ["(a", HUGE_REPEAT, DEEP_GROUPS], ids=["re.error", "overflow", "recursion"])
def test_the_simulated_agent_reports_a_collect_list_pattern_as_the_checker_does(language: str, pattern: str) -> None:
    """A collect_list entry whose multi_line_start_pattern Python cannot compile: the validator's problem, in the
    lab's language, before any client call (the client is never used)."""
    i18n.set_language(language)
    try:
        with pytest.raises(InvalidAgentConfig) as caught:
            SimulatedAgent(None, {"file_path": "/var/log/secure", "multi_line_start_pattern": pattern})
        said = _said(pattern)
    finally:
        i18n.set_language("en")
    entry = "collect_list entry" if language == "en" else "collect_list のエントリ"
    assert str(caught.value) == f"{entry}: {said.removeprefix('[/var/log/secure] ')}"
    assert [problem.where for problem in caught.value.problems] == ["multi_line_start_pattern"]


def test_the_simulated_agent_still_takes_the_timestamp_format_variable() -> None:
    entry = {
        "file_path": "/var/log/app",
        "timestamp_format": "%Y-%m-%d %H:%M:%S",
        "multi_line_start_pattern": "{timestamp_format}",
    }
    simulated = SimulatedAgent(None, entry, now=lambda: dt.datetime(2024, 1, 2, 4, tzinfo=dt.timezone.utc))
    events, _skipped = simulated.events(["2024-01-02 03:04:05 start", "  continued", "2024-01-02 03:04:06 next"])
    assert [event.message for event in events] == ["2024-01-02 03:04:05 start\n  continued", "2024-01-02 03:04:06 next"]


#: One text per error class configparser's ``read_string`` raises for labkit's parser (strict, "=" only).
CONFIGPARSER_INPUTS = {
    "DuplicateSectionError": "[a]\nx = 1\n[a]\n",
    "DuplicateOptionError": "[a]\nx = 1\nx = 2\n",
    "MissingSectionHeaderError": "x = 1\n",
    "ParsingError": "[a]\njust words\n",
}


def _configparser_errors_raised_when_reading() -> set[str]:
    """The configparser error classes the running Python's RawConfigParser raises while reading a text."""
    source = ast.parse(inspect.getsource(configparser.RawConfigParser))
    raised: set[str] = set()
    for function in ast.walk(source):
        if isinstance(function, ast.FunctionDef) and (
            function.name.startswith("_read") or function.name == "_handle_error"
        ):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Error"):
                    raised.add(node.func.id)
    return raised


def test_every_configparser_error_of_the_reader_has_labkits_words_in_both_languages() -> None:
    assert _configparser_errors_raised_when_reading() - set(CONFIGPARSER_INPUTS) == set()
    fallback = awslogs._unreadable(configparser.Error("x")).template
    for name, text in CONFIGPARSER_INPUTS.items():
        with pytest.raises(configparser.Error) as raised:
            configparser.RawConfigParser(strict=True, delimiters=("=",)).read_string(text)
        assert type(raised.value).__name__ == name
        assert awslogs._unreadable(raised.value).template != fallback
        with pytest.raises(InvalidAgentConfig) as english:
            agent.validate_awslogs_conf(text)
        i18n.set_language("ja")
        try:
            with pytest.raises(InvalidAgentConfig) as japanese:
                agent.validate_awslogs_conf(text)
        finally:
            i18n.set_language("en")
        assert str(english.value).startswith("awslogs.conf cannot be read: ")
        assert str(japanese.value).startswith("awslogs.conf を読み取れません: ")


def test_another_configparser_error_is_pythons_words_said_to_be(japanese) -> None:
    problem = awslogs._unreadable(configparser.Error("Source contains something new"))
    assert problem.render(i18n.gettext) == (
        "awslogs.conf を読み取れません: Python の configparser モジュールのメッセージ (原文のまま): "
        "Source contains something new"
    )
    assert (
        str(problem) == "awslogs.conf cannot be read: Python's configparser module says: Source contains something new"
    )
