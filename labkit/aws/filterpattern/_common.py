"""Pieces shared by the JSON and space-delimited parsers: errors, the ``%regex%`` subset, values.

Taught in notebook 05-ssh-failure-metric-filter.

Rules and their sources (AWS, "Filter pattern syntax for metric filters, subscription filters,
filter log events, and Live Tail",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):

* ``%regex%`` may only hold ASCII letters and digits, the symbols ``: _ # = @ / ; , -``, and the
  operators ``^ $ ? [ ] { } | \\ * + .``; ``(`` and ``)`` are rejected, and so are multi-byte
  characters. ``\\d \\D \\s \\S \\w \\W \\xhh`` are supported escapes; ``{m, n}`` may omit either
  bound. A regex matches anywhere in the text (``%AUTHORIZED%`` matches ``UNAUTHORIZED``).
* A JSON or space-delimited pattern may hold at most 2 regexes.
* String values: ``*`` is a wildcard only at the start and/or end of the value ("*Event matches
  PutEvent ... Ev*ent will only match the actual string Ev*ent", older revision of the same page,
  https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md).
  Unquoted values may only use letters, digits and ``_ . * + -``; anything else must be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from labkit.exceptions import InvalidFilterPattern

#: PutMetricFilter / TestMetricFilter / FilterLogEvents: ``filterPattern`` is at most 1024 chars.
MAX_PATTERN_LENGTH = 1024
#: "There is a limit of 2 regex for each filter pattern when creating a delimited or JSON filter pattern".
MAX_REGEX_PER_PATTERN = 2

#: AWS's reply to a pattern it cannot parse (PutMetricFilter, TestMetricFilter).
AWS_INVALID = "Invalid metric filter pattern"

_REGEX_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ":_#=@/;,-"  # documented symbol characters
    "^$?[]{}|\\*+."  # documented operators
    " "  # the doc's own example %^starting|^initializing|^shutting down% holds a space
)
_REGEX_ESCAPE_CLASSES = frozenset("dDsSwW")
_QUANTIFIER = re.compile(r"\{\s*(\d*)\s*,\s*(\d*)\s*\}|\{\s*(\d+)\s*\}")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_DECIMAL = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*\Z")
_BARE_VALUE = re.compile(r"[A-Za-z0-9_.*+\-]+\Z")

Matcher = Callable[[str], bool]


def invalid(pattern: str, position: int, detail: str, *, term: str | None = None) -> InvalidFilterPattern:
    """Build the error AWS would send, worded as AWS words it, plus where and why.

    AWS answers ``Invalid character(s) in term '<x>'`` for a character a term may not hold and
    ``Invalid metric filter pattern`` otherwise; the position and explanation are labkit's.
    """
    head = f"Invalid character(s) in term '{term}'" if term is not None else AWS_INVALID
    return InvalidFilterPattern(f"{head} (at position {position}: {detail})", pattern, position)


class Lexer:
    """Position-keeping helpers shared by the JSON and space-delimited pattern parsers."""

    def __init__(self, pattern: str, start: int) -> None:
        self.p = pattern
        self.i = start

    def ws(self) -> None:
        while self.i < len(self.p) and self.p[self.i].isspace():
            self.i += 1

    def peek(self, text: str) -> bool:
        return self.p.startswith(text, self.i)

    def error(self, detail: str, position: int | None = None, term: str | None = None) -> Exception:
        return invalid(self.p, self.i if position is None else position, detail, term=term)

    def read_bare(self, stops: str) -> str:
        """An unquoted value: up to white space, one of ``stops``, ``&&`` or ``||``."""
        j = self.i
        while (
            j < len(self.p)
            and not self.p[j].isspace()
            and self.p[j] not in stops
            and not (self.p.startswith("&&", j) or self.p.startswith("||", j))
        ):
            j += 1
        text = self.p[self.i : j]
        if not text:
            raise self.error("expected a value after the operator")
        self.i = j
        return text


def is_number_literal(text: str) -> bool:
    """An integer or decimal with optional sign and optional exponent (``1e-3``, ``+1000``)."""
    return bool(_NUMBER.match(text))


def as_number(text: str) -> float | None:
    """The value of a field or JSON string as a number, or None.

    Strings in scientific notation are not numbers here: "Strings containing scientific notation
    are not supported" (older revision of FilterAndPatternSyntax, see the module docstring).
    """
    if _DECIMAL.match(text):
        return float(text)
    return None


def compile_regex(pattern: str, body: str, offset: int) -> re.Pattern[str]:
    """Check ``body`` (the text between the ``%`` signs) against the supported subset; compile it.

    ``offset`` is where ``body`` starts in ``pattern``, for the error position.
    """
    if not body:
        raise invalid(pattern, offset, "a regex between % signs cannot be empty")
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(body):
        ch = body[i]
        pos = offset + i
        if ord(ch) > 127:
            raise invalid(pattern, pos, "multi-byte characters are not supported in a regex", term=ch)
        if ch not in _REGEX_ALLOWED:
            raise invalid(
                pattern,
                pos,
                f"{ch!r} is not a supported regex character (see 'Supported regular expressions')",
                term=ch,
            )
        if ch == "\\":
            if i + 1 >= len(body):
                raise invalid(pattern, pos, "a regex cannot end with a lone backslash")
            nxt = body[i + 1]
            if nxt in _REGEX_ESCAPE_CLASSES:
                out.append("\\" + nxt)
                i += 2
                continue
            if nxt == "x":
                hexdigits = body[i + 2 : i + 4]
                if len(hexdigits) != 2 or not all(c in "0123456789abcdefABCDEF" for c in hexdigits):
                    raise invalid(pattern, pos, "\\x must be followed by two hexadecimal digits")
                out.append("\\x" + hexdigits)
                i += 4
                continue
            if nxt.isalnum():
                raise invalid(pattern, pos, f"unsupported escape \\{nxt} (supported: \\d \\D \\s \\S \\w \\W \\xhh)")
            out.append(re.escape(nxt))
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            # A leading ] or ^] is literal inside a class, as in POSIX.
            if body[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            i += 1
            continue
        if ch == "{":
            m = _QUANTIFIER.match(body, i)
            if m is None:
                raise invalid(pattern, pos, "'{' must start a repetition such as {3,5}, {3,} or {,5}")
            if m.group(3) is not None:
                out.append("{" + m.group(3) + "}")
            else:
                low, high = m.group(1), m.group(2)
                if low and high and int(low) > int(high):
                    raise invalid(pattern, pos, f"repetition {{{low},{high}}} has its minimum above its maximum")
                out.append("{" + (low or "0") + "," + high + "}")
            i = m.end()
            continue
        if ch == "}":
            raise invalid(pattern, pos, "'}' without a matching '{'")
        out.append(ch)
        i += 1
    if in_class:
        raise invalid(pattern, offset + len(body), "a character class '[' is not closed")
    try:
        return re.compile("".join(out))
    except re.error as error:
        raise invalid(pattern, offset + (error.pos or 0), f"regex does not compile: {error.msg}") from None
    except OverflowError as error:  # a{99999999999}: a count the docs set no bound on, past what Python can hold
        raise invalid(pattern, offset, f"regex does not compile: {error}") from None


def string_matcher(value: str) -> Matcher:
    """A test of a text against a value with AWS's ``*`` wildcards (only at the start or end)."""
    if value == "*" or value == "**":
        return _always
    lead = value.startswith("*")
    trail = value.endswith("*")
    core = value[1 if lead else 0 : len(value) - 1 if trail else len(value)]
    if lead and trail:
        return lambda text: core in text
    if lead:
        return lambda text: text.endswith(core)
    if trail:
        return lambda text: text.startswith(core)
    return core.__eq__


def _always(_text: str) -> bool:
    return True


def check_bare_value(pattern: str, value: str, position: int) -> None:
    """Unquoted values may only hold letters, digits and ``_ . * + -`` (others need quotes)."""
    if not _BARE_VALUE.match(value):
        bad = next(c for c in value if not (c.isascii() and (c.isalnum() or c in "_.*+-")))
        raise invalid(pattern, position + value.index(bad), f"{bad!r} must be inside a double-quoted value", term=bad)


def read_quoted(pattern: str, start: int) -> tuple[str, int]:
    """Read a double-quoted string starting at ``pattern[start] == '"'``; ``\\"`` and ``\\\\`` escape.

    Returns the unescaped text and the index just past the closing quote.
    """
    out: list[str] = []
    i = start + 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in '"\\':
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise invalid(pattern, start, "this double quote is never closed")


def read_regex(pattern: str, start: int) -> tuple[re.Pattern[str], int]:
    """Read ``%...%`` starting at ``pattern[start] == '%'``; return the regex and the end index."""
    end = pattern.find("%", start + 1)
    if end < 0:
        raise invalid(pattern, start, "this % starts a regex that is never closed by another %")
    return compile_regex(pattern, pattern[start + 1 : end], start + 1), end + 1
