"""Python's own error text inside labkit's findings, as message templates (issue 18).

A ``multi_line_start_pattern`` that is not a regular expression is reported with what :mod:`re` said about it
(``missing ), unterminated subpattern at position 0``). :func:`regex_error` reads that message back into one
of the templates CPython 3.10 to 3.12 raise from ``re.compile`` (``re/_parser.py`` and ``re/_compiler.py``,
``sre_parse.py`` and ``sre_compile.py`` on 3.10), with its quoted values and position as fields, so that
:mod:`labkit.lesson.agent` can say it in the lab's language; in English it is exactly Python's text. A message
no template matches (a newer Python's) is kept as Python wrote it, labelled as Python's (:func:`python_says`).
:func:`json_message` does the same for :class:`json.JSONDecodeError`'s message (a dashboard body, an SSM
parameter's value that is not JSON).

Templates that ``re.compile`` of a ``str`` cannot raise are left out: the bytes-only ones ("cannot use 'u' flag
with a bytes pattern"), those of replacement templates (``re.sub``'s "missing <") and the "internal:" ones.
tests/test_agent_python_errors.py checks these lists against the running Python's ``re`` and ``json`` sources.
"""

from __future__ import annotations

import re

from labkit.aws.agent.problems import N_, Problem

#: ``re.error.msg`` shapes (full matches) and the templates they are said with; a named group is a field.
REGEX_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"too many groups", N_("too many groups")),
    (
        r"redefinition of group name (?P<name>.+) as group (?P<group>\d+); was group (?P<previous>\d+)",
        N_("redefinition of group name {name} as group {group}; was group {previous}"),
    ),
    (r"cannot refer to an open group", N_("cannot refer to an open group")),
    (
        r"cannot refer to group defined in the same lookbehind subpattern",
        N_("cannot refer to group defined in the same lookbehind subpattern"),
    ),
    (r"bad escape \(end of pattern\)", N_("bad escape (end of pattern)")),
    (r"bad escape (?P<escape>.+)", N_("bad escape {escape}")),
    (r"incomplete escape (?P<escape>.+)", N_("incomplete escape {escape}")),
    (
        r"octal escape value (?P<escape>.+) outside of range 0-0o377",
        N_("octal escape value {escape} outside of range 0-0o377"),
    ),
    (r"missing \{", N_("missing {{")),
    (r"missing character name", N_("missing character name")),
    (r"missing group name", N_("missing group name")),
    (r"missing (?P<terminator>.), unterminated name", N_("missing {terminator}, unterminated name")),
    (r"undefined character name (?P<name>.+)", N_("undefined character name {name}")),
    (r"invalid group reference (?P<group>\d+)", N_("invalid group reference {group}")),
    (r"bad group number", N_("bad group number")),
    (r"unknown group name (?P<name>.+)", N_("unknown group name {name}")),
    (r"bad character in group name (?P<name>.+)", N_("bad character in group name {name}")),
    (r"unterminated character set", N_("unterminated character set")),
    (r"bad character range (?P<range>.+)", N_("bad character range {range}")),
    (r"min repeat greater than max repeat", N_("min repeat greater than max repeat")),
    (r"nothing to repeat", N_("nothing to repeat")),
    (r"multiple repeat", N_("multiple repeat")),
    (r"unexpected end of pattern", N_("unexpected end of pattern")),
    (r"unknown extension (?P<extension>\?.*)", N_("unknown extension {extension}")),
    (r"missing \), unterminated comment", N_("missing ), unterminated comment")),
    (r"missing \), unterminated subpattern", N_("missing ), unterminated subpattern")),
    (r"unbalanced parenthesis", N_("unbalanced parenthesis")),
    (
        r"conditional backref with more than two branches",
        N_("conditional backref with more than two branches"),
    ),
    (r"global flags not at the start of the expression", N_("global flags not at the start of the expression")),
    (r"unknown flag", N_("unknown flag")),
    (r"missing flag", N_("missing flag")),
    (r"missing :", N_("missing :")),
    (r"missing -, : or \)", N_("missing -, : or )")),
    (r"bad inline flags: cannot turn on global flag", N_("bad inline flags: cannot turn on global flag")),
    (r"bad inline flags: cannot turn off global flag", N_("bad inline flags: cannot turn off global flag")),
    (r"bad inline flags: flag turned on and off", N_("bad inline flags: flag turned on and off")),
    (
        r"bad inline flags: cannot turn off flags 'a', 'u' and 'L'",
        N_("bad inline flags: cannot turn off flags 'a', 'u' and 'L'"),
    ),
    (
        r"bad inline flags: cannot use 'L' flag with a str pattern",
        N_("bad inline flags: cannot use 'L' flag with a str pattern"),
    ),
    (
        r"bad inline flags: flags 'a', 'u' and 'L' are incompatible",
        N_("bad inline flags: flags 'a', 'u' and 'L' are incompatible"),
    ),
    (r"look-behind requires fixed-width pattern", N_("look-behind requires fixed-width pattern")),
    (r"looks too much behind", N_("looks too much behind")),
    # An OverflowError's, not an re.error's: a repetition count above what the compiled pattern can hold.
    (r"the repetition number is too large", N_("the repetition number is too large")),
)
_COMPILED = tuple((re.compile(shape), template) for shape, template in REGEX_MESSAGES)
#: ``json.JSONDecodeError.msg`` shapes (full matches) and their templates: those of CPython 3.10 to 3.12's
#: ``_json`` accelerator (``Modules/_json.c``), then the two its pure-Python fallback (``json/decoder.py``) words
#: differently, quoting the character at fault.
JSON_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Expecting value", N_("Expecting value")),
    (r"Expecting property name enclosed in double quotes", N_("Expecting property name enclosed in double quotes")),
    (r"Expecting ':' delimiter", N_("Expecting ':' delimiter")),
    (r"Expecting ',' delimiter", N_("Expecting ',' delimiter")),
    (r"Extra data", N_("Extra data")),
    (r"Unterminated string starting at", N_("Unterminated string starting at")),
    (r"Invalid control character at", N_("Invalid control character at")),
    (r"Invalid \\escape", N_("Invalid \\escape")),
    (r"Invalid \\uXXXX escape", N_("Invalid \\uXXXX escape")),
    (r"Invalid control character (?P<character>.+) at", N_("Invalid control character {character} at")),
    (r"Invalid \\escape: (?P<escape>.+)", N_("Invalid \\escape: {escape}")),
)
_JSON_COMPILED = tuple((re.compile(shape), template) for shape, template in JSON_MESSAGES)
#: What ``re.error`` appends to the message when it knows where the pattern went wrong.
_POSITION = re.compile(r"(?: at position (?P<position>\d+)(?: \(line (?P<line>\d+), column (?P<column>\d+)\))?)?")


def python_says(module: str, message: str) -> Problem:
    """Python's ``message`` as Python wrote it, said to be the words of its ``module``."""
    return Problem("", N_("Python's {module} module says: {message}"), module=module, message=message)


def _read(message: str, shapes: tuple[tuple[re.Pattern[str], str], ...]) -> Problem | None:
    for shape, template in shapes:
        match = shape.fullmatch(message)
        if match:
            return Problem("", template, **match.groupdict())
    return None


def regex_message(message: str) -> Problem | None:
    """``re.error.msg`` as one of :data:`REGEX_MESSAGES`, its values as fields; ``None`` for another text."""
    return _read(message, _COMPILED)


def json_message(message: str) -> Problem:
    """``json.JSONDecodeError.msg`` as one of :data:`JSON_MESSAGES` (its line and column are the caller's to
    say), or as Python wrote it, said to be Python's."""
    return _read(message, _JSON_COMPILED) or python_says("json", message)


#: What ``re.compile`` raises for a text it cannot compile: :class:`re.error`, an :class:`OverflowError` for a
#: repetition count too large (``a{99999999999}``), a :class:`RecursionError` for groups nested past Python's
#: recursion limit (its parser recurses once a group).
REGEX_FAILURES = (re.error, OverflowError, RecursionError)
#: labkit's words for a :class:`RecursionError`, whose own text speaks of Python's stack, not of the pattern.
TOO_DEEP = N_("groups nested too deeply for Python's re module")


def regex_failure(error: re.error | OverflowError | RecursionError) -> Problem:
    """What ``re.compile`` said, for any of :data:`REGEX_FAILURES`."""
    if isinstance(error, re.error):
        return regex_error(error)
    if isinstance(error, RecursionError):
        return Problem("", TOO_DEEP)
    return regex_message(str(error)) or python_says("re", str(error))


def regex_error(error: re.error) -> Problem:
    """What ``re.compile`` said, as ``str(error)`` reads: the message, then the position (and the line and column
    when the pattern has several lines) that :class:`re.error` adds to it."""
    message = regex_message(error.msg)
    text = str(error)
    where = _POSITION.fullmatch(text[len(error.msg) :]) if text.startswith(error.msg) else None
    if message is None or where is None:
        return python_says("re", text)
    if not where.group(0):
        return message
    if where.group("line") is None:
        return Problem("", N_("{message} at position {position}"), message=message, position=where.group("position"))
    return Problem(
        "",
        N_("{message} at position {position} (line {line}, column {column})"),
        message=message,
        **where.groupdict(),
    )
