"""json's error text shown to learners, in the lab's language (issue 18).

A dashboard body (:func:`labkit.lesson.dashboard.validate`, notebook 07) or the SSM parameter of notebook 04's
exercise that is not JSON is reported with what :func:`json.loads` said; :func:`json_message` reads that message
back into one of CPython's templates, so that a Japanese lab says it in Japanese and an English lab says exactly
Python's words, with the same line. The accelerator's messages (``Modules/_json.c``, which the running Python
does not ship as source) are each reached by a bad text below; the pure-Python decoder's are read from the
running Python's ``json/decoder.py``.
"""

from __future__ import annotations

import ast
import inspect
import json
import json.decoder
import re
from collections.abc import Iterator

import pytest

from labkit import i18n
from labkit.aws.agent.python_errors import JSON_MESSAGES, json_message, python_says
from labkit.course.exercises.nb04 import PARAMETER, two_sources
from labkit.lesson import dashboard
from labkit.runtime.lab import Lab

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

#: Bad JSON texts and the ``JSONDecodeError.msg`` json.loads gives (3.10 to 3.12, C accelerator).
BAD_JSON = {
    "": "Expecting value",
    '{"widgets":\n  [1,]}': "Expecting value",
    "{'widgets': []}": "Expecting property name enclosed in double quotes",
    '{"widgets" []}': "Expecting ':' delimiter",
    '{"widgets": [] "start": "-PT3H"}': "Expecting ',' delimiter",
    '{"widgets": []} {}': "Extra data",
    '{"widgets": [], "title": "unclosed}': "Unterminated string starting at",
    '{"title": "tab\there"}': "Invalid control character at",
    '{"title": "C:\\data"}': "Invalid \\escape",
    '{"title": "\\u12"}': "Invalid \\uXXXX escape",
}


def _error(text: str) -> json.JSONDecodeError:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    return caught.value


@pytest.fixture
def japanese() -> Iterator[None]:
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("text", list(BAD_JSON), ids=repr)
def test_in_english_the_dashboard_check_quotes_python_exactly(text: str) -> None:
    error = _error(text)
    assert error.msg == BAD_JSON[text]
    assert dashboard.validate(text) == [f"the body is not valid JSON: {error.msg} (line {error.lineno})"]


@pytest.mark.parametrize("text", list(BAD_JSON), ids=repr)
def test_in_japanese_the_dashboard_check_translates_pythons_message(japanese: None, text: str) -> None:
    error = _error(text)
    [said] = dashboard.validate(text)
    assert json_message(error.msg).template != python_says("json", "").template
    assert said.startswith("本文が有効な JSON ではありません: ") and said.endswith(f" ({error.lineno} 行目)")
    message = said.removeprefix("本文が有効な JSON ではありません: ").removesuffix(f" ({error.lineno} 行目)")
    assert JAPANESE.search(message) and error.msg not in message, said


def test_the_line_is_where_json_stopped(japanese: None) -> None:
    assert dashboard.validate('{"widgets":\n  [1,]}') == ["本文が有効な JSON ではありません: 値が必要です (2 行目)"]


def _store(lab: Lab, value: str) -> None:
    lab.client("ssm").put_parameter(Name=PARAMETER, Type="String", Value=value, Overwrite=True)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_notebook_04_checker_says_it_in_the_labs_language(lab: Lab, language: str) -> None:
    """The exercise's SSM parameter holding a Python dict's repr (single quotes), and a missing comma on line 3."""
    said = {}
    i18n.set_language(language)
    try:
        for text in ("{'agent': {'run_as_user': 'root'}}", '{\n  "agent": {}\n  "logs": {}\n}'):
            _store(lab, text)
            [said[text]] = two_sources.problems(lab)
    finally:
        i18n.set_language("en")
    repr_value, no_comma = said.values()
    if language == "en":
        assert repr_value == (
            "the parameter's value is not JSON (Expecting property name enclosed in double quotes at line 1); "
            "store json.dumps(config)"
        )
        assert no_comma.startswith("the parameter's value is not JSON (Expecting ',' delimiter at line 3)")
    else:
        assert repr_value == (
            "パラメータの値が JSON ではありません (1 行目で ダブルクォートで囲んだプロパティ名が必要です)。"
            "json.dumps(config) を保存してください"
        )
        assert no_comma.startswith("パラメータの値が JSON ではありません (3 行目で 区切り文字 ',' が必要です)")


def test_a_message_no_template_knows_stays_pythons_and_is_said_to_be(japanese: None) -> None:
    problem = json_message("Illegal trailing comma before end of object")  # Python 3.13's
    assert problem.render(i18n.gettext) == (
        "Python の json モジュールのメッセージ (原文のまま): Illegal trailing comma before end of object"
    )
    assert str(problem) == "Python's json module says: Illegal trailing comma before end of object"


def _pure_python_messages() -> set[str]:
    """The messages the running Python's ``json/decoder.py`` raises, its quoted value sampled with x."""
    messages: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(json.decoder))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "JSONDecodeError" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                messages.add(first.value)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "msg" for t in node.targets):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                messages.add(value.value)
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "format":
                messages.add(value.func.value.value.format("x"))  # type: ignore[attr-defined]
    return messages


def test_every_message_of_the_pure_python_decoder_has_a_template() -> None:
    messages = _pure_python_messages()
    assert {"Invalid control character 'x' at", "Invalid \\escape: 'x'", "Extra data"} <= messages  # source read
    for message in messages:
        problem = json_message(message)
        assert problem.template != python_says("json", "").template, f"no template for {message!r}"
        assert str(problem) == message


def test_every_template_is_reached_by_a_text_or_the_decoders_source() -> None:
    reached = {json_message(message).template for message in BAD_JSON.values()}
    in_source = {json_message(message).template for message in _pure_python_messages()}
    assert {template for _shape, template in JSON_MESSAGES} - reached - in_source == set()
