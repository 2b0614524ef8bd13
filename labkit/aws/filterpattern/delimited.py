"""Space-delimited filter patterns: ``[ip, user, ..., status_code = 4*, bytes > 1000]``.

Taught in notebook 05-ssh-failure-metric-filter.

Rules, from "Using filter patterns to match terms in space-delimited log events"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-term-space-delimited-log-events):

* The pattern is enclosed in ``[ ]`` and names fields separated by commas. In the event, fields
  are separated by spaces, and "characters between brackets ("[]") and double quotation marks
  ("") are considered single fields" — the value is reported without the brackets or quotes.
* ``...`` stands for any number of unnamed fields (at most one ellipsis).
* A field may carry conditions: ``=``/``!=`` with a string (``*`` wildcard at the start or end)
  or a ``%regex%``, and ``> < >= <= = !=`` with a number; ``&&`` and ``||`` combine conditions
  (``status_code = 404 || status_code = 410``, ``w1!=ERROR && w1!=WARNING``). At most 2 regexes.
* "When you create space-delimited filter patterns that use pattern matching, you must include a
  blank indicator after you specify the order of your terms" (``[w1=ERROR, w2]``): without an
  ellipsis, the last field takes the rest of the line, so ``[w1=ERROR, w2]`` matches
  ``ERROR 09/25/2014 12:00:02 Failed to process request`` (w2 = everything after ERROR). An event
  with fewer fields than the pattern names does not match. Hence an unquoted ``[preauth]`` is a
  one-field pattern whose only field is the whole line: it matches every non-empty event.
* Extracted values: named fields as ``$name``; unnamed fields (an empty entry, or those the
  ellipsis covers) by their 1-based position, ``$1`` ... ``$n`` (the ``$7``, ``$4`` ... example of
  the older revision,
  https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from labkit.aws.filterpattern._base import FilterPattern
from labkit.aws.filterpattern._common import (
    MAX_REGEX_PER_PATTERN,
    Lexer,
    as_number,
    check_bare_value,
    is_number_literal,
    read_quoted,
    read_regex,
    string_matcher,
)

_FIELD = r'(?:"[^"]*"|\[[^\]]*\])(?=\s|\Z)|\S+'
_FIELDS = re.compile(_FIELD)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"(?:0|[1-9]\d*)\Z")

Check = Callable[[Sequence[str]], bool]
Factory = Callable[[dict[str, int]], Check]  # a check, once field slots are known


def clean(value: str) -> str:
    """A field's value without its enclosing ``[]`` or ``""``."""
    if len(value) >= 2:
        first, last = value[0], value[-1]
        if (first == '"' and last == '"' and '"' not in value[1:-1]) or (
            first == "[" and last == "]" and "]" not in value[1:-1]
        ):
            return value[1:-1]
    return value


def split_fields(message: str) -> list[str]:
    """Every field of an event, delimiters removed."""
    return [clean(v) for v in _FIELDS.findall(message)]


@dataclass
class _Entry:
    name: str | None  # None: an unnamed field
    position: int
    checks: list[Factory] = field(default_factory=list)


class _Parser(Lexer):
    def __init__(self, pattern: str) -> None:
        super().__init__(pattern, 1)  # past "["
        self.before: list[_Entry] = []
        self.after: list[_Entry] = []
        self.ellipsis = False
        self.regexes = 0
        self.references: list[tuple[str, int]] = []
        self.literals: list[str] = []  # substrings every matching event must contain
        self.slots: dict[str, int] = {}  # name -> index into the named values, once all are read

    def parse(self) -> None:
        self.ws()
        if self.peek("]"):
            self.i += 1
            self.ellipsis = True  # "[]" names no field: any event, fields reported by position
        else:
            while True:
                self.ws()
                target = self.after if self.ellipsis else self.before
                if self.peek("..."):
                    if self.ellipsis:
                        raise self.error("only one '...' is allowed in a space-delimited pattern")
                    self.ellipsis = True
                    self.i += 3
                elif self.peek(",") or self.peek("]"):
                    target.append(_Entry(None, self.i))
                else:
                    target.append(self.entry())
                self.ws()
                if self.peek("]"):
                    self.i += 1
                    break
                if not self.peek(","):
                    raise self.error("expected ',' between fields or ']' to close the pattern")
                self.i += 1
        if self.p[self.i :].strip():
            self.ws()
            raise self.error("nothing may follow the closing ']' of a space-delimited pattern")
        names = [e.name for e in self.before + self.after]
        self.slots = {name: k for k, name in enumerate(names) if name is not None}
        for name, pos in self.references:
            if name not in self.slots:
                raise self.error(f"condition on {name!r}, which is not one of the pattern's fields", pos)
        if self.regexes > MAX_REGEX_PER_PATTERN:
            raise self.error(f"at most {MAX_REGEX_PER_PATTERN} regexes per space-delimited pattern", 0)

    def entry(self) -> _Entry:
        start = self.i
        m = _NAME.match(self.p, self.i)
        if m is None:
            ch = self.p[self.i : self.i + 1]
            raise self.error(
                "a field needs a name made of letters, digits and '_' (not starting with a digit)", term=ch or None
            )
        name = m.group(0)
        if any(e.name == name for e in self.before + self.after):
            raise self.error(f"field {name!r} is named twice", start)
        entry = _Entry(name, start)
        self.i = m.end()
        self.ws()
        if self.i >= len(self.p):
            raise self.error("the '[' that opens this space-delimited pattern is never closed by ']'", 0)
        if self.peek(",") or self.peek("]"):
            return entry
        entry.checks.append(self.or_expr(first=name))
        return entry

    def or_expr(self, first: str | None = None) -> Factory:
        literals_before = len(self.literals)
        parts = [self.and_expr(first)]
        while True:
            self.ws()
            if not self.peek("||"):
                break
            self.i += 2
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        # A substring one side of an OR needs is not needed by the whole.
        del self.literals[literals_before:]
        return lambda slots: _any(tuple(p(slots) for p in parts))

    def and_expr(self, first: str | None = None) -> Factory:
        parts = [self.comparison(first)]
        while True:
            self.ws()
            if not self.peek("&&"):
                break
            self.i += 2
            parts.append(self.comparison())
        if len(parts) == 1:
            return parts[0]
        return lambda slots: _all(tuple(p(slots) for p in parts))

    def comparison(self, first: str | None = None) -> Factory:
        self.ws()
        pos = self.i
        if first is not None:
            name = first  # the entry's own name, already read
        else:
            m = _NAME.match(self.p, self.i)
            if m is None:
                raise self.error("expected a field name before the operator")
            name = m.group(0)
            self.i = m.end()
            self.ws()
        self.references.append((name, pos))
        for op in ("!=", "<=", ">=", "=", "<", ">"):
            if self.peek(op):
                self.i += len(op)
                break
        else:
            raise self.error(f"expected an operator (= != < > <= >=) after {name!r}")
        self.ws()
        return self.value_check(name, op)

    def value_check(self, name: str, op: str) -> Factory:
        if self.peek("%"):
            if op not in ("=", "!="):
                raise self.error(f"a regex can only be compared with = or !=, not {op}")
            regex, self.i = read_regex(self.p, self.i)
            self.regexes += 1
            search = regex.search
            return _text_check(name, op, lambda t: search(t) is not None)
        start = self.i
        if self.peek('"'):
            text, self.i = read_quoted(self.p, self.i)
            quoted = True
        else:
            text = self.read_bare(",]")
            quoted = False
        if op in ("<", ">", "<=", ">="):
            if quoted or not is_number_literal(text):
                shown = f'"{text}"' if quoted else text
                raise self.error(f"{op} needs a number, not {shown}", start, term=shown)
            return _number_check(name, op, float(text))
        if not quoted:
            check_bare_value(self.p, text, start)
        if op == "=":
            core = text.strip("*")
            # 404 is in every event whose field equals 404 (or 404.0); 1534.0 is not in "1534".
            if core and (quoted or not is_number_literal(text) or _INTEGER.match(text)):
                self.literals.append(core)
        if not quoted and is_number_literal(text):
            return _number_equality(name, op, text)
        return _text_check(name, op, string_matcher(text))


def _any(parts: tuple[Check, ...]) -> Check:
    return lambda g: any(p(g) for p in parts)


def _all(parts: tuple[Check, ...]) -> Check:
    return lambda g: all(p(g) for p in parts)


def _text_check(name: str, op: str, match: Callable[[str], bool]) -> Factory:
    def make(slots: dict[str, int]) -> Check:
        i = slots[name]
        if op == "=":
            return lambda g: match(clean(g[i]))
        return lambda g: not match(clean(g[i]))

    return make


def _number_equality(name: str, op: str, text: str) -> Factory:
    value = float(text)
    equal = op == "="

    def make(slots: dict[str, int]) -> Check:
        i = slots[name]

        def check(g: Sequence[str]) -> bool:
            v = clean(g[i])
            number = as_number(v)
            if number is None:
                return (v == text) is equal
            return (number == value) is equal

        return check

    return make


def _number_check(name: str, op: str, value: float) -> Factory:
    compare = {"<": value.__gt__, ">": value.__lt__, "<=": value.__ge__, ">=": value.__le__}[op]

    def make(slots: dict[str, int]) -> Check:
        i = slots[name]

        def check(g: Sequence[str]) -> bool:
            number = as_number(clean(g[i]))
            return number is not None and compare(number)

        return check

    return make


def compile_delimited(pattern: str) -> FilterPattern:
    """Compile ``[...]`` to one regex that splits the event plus per-field checks."""
    parser = _Parser(pattern)
    parser.parse()
    before, after, ellipsis = parser.before, parser.after, parser.ellipsis
    checks = tuple(make(parser.slots) for e in before + after for make in e.checks)
    literals = tuple(dict.fromkeys(parser.literals))
    n_before, n_after = len(before), len(after)
    entries = before + after

    if not ellipsis:
        # Fields 1..n-1 one by one; the last takes the rest of the line.
        body = r"\s+".join([f"({_FIELD})"] * (n_before - 1) + [r"(\S.*?)"])
        whole = re.compile(r"\s*" + body + r"\s*\Z", re.DOTALL).match

        def values(message: str) -> Sequence[str] | None:
            m = whole(message)
            return m.groups() if m else None

        all_fields = values
        named = values
    else:
        prefix = (
            re.compile(r"\s*" + r"\s+".join([f"({_FIELD})"] * n_before) + r"(?=\s|\Z)", re.DOTALL).match
            if n_before
            else None
        )

        def all_fields(message: str) -> Sequence[str] | None:
            found = _FIELDS.findall(message)
            return found if len(found) >= n_before + n_after else None

        def named(message: str) -> Sequence[str] | None:
            if not n_after:
                if prefix is None:
                    return ()
                m = prefix(message)
                return m.groups() if m else None
            found = _FIELDS.findall(message)
            if len(found) < n_before + n_after:
                return None
            return found[:n_before] + found[len(found) - n_after :]

    def test(g: Sequence[str]) -> bool:
        for check in checks:  # noqa: SIM110 — per log event: a plain loop is faster than all()
            if not check(g):
                return False
        return True

    if literals:

        def matches(message: str) -> bool:
            for lit in literals:
                if lit not in message:
                    return False
            g = named(message)
            return g is not None and test(g)
    else:

        def matches(message: str) -> bool:
            g = named(message)
            return g is not None and test(g)

    def extract(message: str) -> dict[str, str] | None:
        if not matches(message):
            return None
        raw = all_fields(message)
        assert raw is not None  # matches() guarantees the split succeeds
        fields = [clean(v) for v in raw]
        out: dict[str, str] = {}
        total = len(fields)
        for pos, value in enumerate(fields):
            if pos < n_before:
                entry = before[pos]
            elif pos >= total - n_after:
                entry = after[pos - (total - n_after)]
            else:
                entry = None
            key = f"${entry.name}" if entry is not None and entry.name else f"${pos + 1}"
            out[key] = value
        return out

    names = tuple(f"${e.name}" for e in entries if e.name)
    return FilterPattern(pattern, "space-delimited", matches, extract, fields=names, regex_count=parser.regexes)
