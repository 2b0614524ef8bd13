"""JSON filter patterns: ``{ $.selector OP value }`` with ``&&``, ``||`` and parentheses.

Taught in notebook 05-ssh-failure-metric-filter.

Rules, from "Using filter patterns to match terms in JSON log events"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events):

* The pattern is enclosed in ``{ }``. A selector starts with ``$.``; property names hold letters,
  digits, ``-`` and ``_``; ``[N]`` indexes arrays (zero-based); ``['a.b']`` selects a property
  whose name holds a period; ``*`` (``$.*``, ``$.list[*]``) selects any field or element — at
  most one per selector and three per pattern.
* ``=`` and ``!=`` compare strings (``*`` wildcard at the start/end, or a ``%regex%``); numbers
  are compared with ``= != < > <= >=``; ``IS NULL``, ``IS TRUE``, ``IS FALSE`` and
  ``NOT EXISTS`` test a property; ``IS NOT`` and ``EXISTS`` are not supported.
* Precedence: ``()`` > ``&&`` > ``||``.
* The selector must reach a value node (string or number). If it reaches an array or object,
  both ``=`` and ``!=`` fail ("both {$.users = 1} and {$.users != 1} will fail to match", older
  revision: https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md).

Behaviour AWS shows but does not document, taken from tests run against TestMetricFilter (a
public test suite of ``test_metric_filter`` calls): a quoted value compares as text, so
``{ $.someInt != "123.0" }`` matches 123; an unquoted number compares as a number, so
``{ $.someInt = 123.0 }`` matches 123; wildcards compare against a number's text
(``{ $.someFloat = 12.* }`` matches 12.34); ``<``/``>`` against a quoted or non-numeric value is
rejected; a selector whose property is missing fails ``!=`` as well as ``=``; a pattern with a
space before the ``{`` is not a JSON pattern (AWS then rejects it as terms).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labkit.aws.filterpattern._base import FilterPattern
from labkit.aws.filterpattern._common import (
    MAX_REGEX_PER_PATTERN,
    Lexer,
    as_number,
    check_bare_value,
    invalid,
    is_number_literal,
    read_quoted,
    read_regex,
    string_matcher,
)

MAX_WILDCARDS_PER_PATTERN = 3

_MISSING = object()
_WILD = object()
_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_INDEX = re.compile(r"\[\s*(\d+|\*)\s*\]")
_KEY = re.compile(r"\[\s*'([^']*)'\s*\]")


class _Float(str):
    """A JSON float kept as its source text (``12.0`` stays ``"12.0"`` for wildcard matching)."""


_decode = json.JSONDecoder(parse_float=_Float).decode

Node = Any
Test = Callable[[Node], bool]
Evaluator = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Selector:
    """A compiled ``$.a.b[0]`` path."""

    text: str
    steps: tuple[Any, ...]

    @property
    def has_wildcard(self) -> bool:
        return any(s is _WILD for s in self.steps)

    def resolve(self, root: Any) -> list[Any]:
        """Every node the selector reaches (one, or several through a wildcard); [] if none."""
        nodes = [root]
        for step in self.steps:
            nxt: list[Any] = []
            for node in nodes:
                if step is _WILD:
                    if isinstance(node, dict):
                        nxt.extend(node.values())
                    elif isinstance(node, list):
                        nxt.extend(node)
                elif isinstance(step, int):
                    if isinstance(node, list) and step < len(node):
                        nxt.append(node[step])
                elif isinstance(node, dict) and step in node:
                    nxt.append(node[step])
            nodes = nxt
            if not nodes:
                break
        return nodes

    def resolve_one(self, root: Any) -> Any:
        """The node a wildcard-free selector reaches, or ``_MISSING``."""
        node = root
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(node, list) or step >= len(node):
                    return _MISSING
                node = node[step]
            else:
                if not isinstance(node, dict):
                    return _MISSING
                node = node.get(step, _MISSING)
                if node is _MISSING:
                    return _MISSING
        return node


def node_text(node: Any) -> str | None:
    """A value node's text (strings and numbers only), or None for anything else."""
    if isinstance(node, str):
        return node
    if isinstance(node, int) and not isinstance(node, bool):
        return str(node)
    return None


def node_number(node: Any) -> float | None:
    """A value node as a number: JSON numbers, and strings holding a plain decimal number."""
    if isinstance(node, _Float):
        return float(node)
    if isinstance(node, bool):
        return None
    if isinstance(node, int):
        return float(node)
    if isinstance(node, str):
        return as_number(node)
    return None


class _Parser(Lexer):
    def __init__(self, pattern: str) -> None:
        super().__init__(pattern, 0)
        self.selectors: list[Selector] = []
        self.regexes = 0

    # -- grammar ----------------------------------------------------------------------------
    def parse(self) -> Evaluator:
        self.i = 1  # past "{"
        self.ws()
        if self.peek("}"):
            raise self.error("a JSON pattern needs at least one condition between { and }")
        expr = self.or_expr()
        self.ws()
        if not self.peek("}"):
            raise self.error("expected '&&', '||' or the closing '}' of the JSON pattern")
        self.i += 1
        if self.p[self.i :].strip():
            self.ws()
            raise self.error("nothing may follow the closing '}' of a JSON pattern")
        wild = sum(1 for s in self.selectors if s.has_wildcard)
        if wild > MAX_WILDCARDS_PER_PATTERN:
            raise self.error(f"at most {MAX_WILDCARDS_PER_PATTERN} wildcard selectors per pattern", 0)
        if self.regexes > MAX_REGEX_PER_PATTERN:
            raise self.error(f"at most {MAX_REGEX_PER_PATTERN} regexes per JSON pattern", 0)
        return expr

    def or_expr(self) -> Evaluator:
        parts = [self.and_expr()]
        while True:
            self.ws()
            if not self.peek("||"):
                break
            self.i += 2
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        alts = tuple(parts)
        return lambda doc: any(p(doc) for p in alts)

    def and_expr(self) -> Evaluator:
        parts = [self.unary()]
        while True:
            self.ws()
            if not self.peek("&&"):
                break
            self.i += 2
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda doc: a(doc) and b(doc)
        alls = tuple(parts)
        return lambda doc: all(p(doc) for p in alls)

    def unary(self) -> Evaluator:
        self.ws()
        if self.peek("("):
            self.i += 1
            inner = self.or_expr()
            self.ws()
            if not self.peek(")"):
                raise self.error("this '(' is not closed by ')'")
            self.i += 1
            return inner
        return self.condition()

    def selector(self) -> Selector:
        start = self.i
        if not self.peek("$."):
            raise self.error("a JSON condition starts with a selector such as $.eventName")
        self.i += 1
        steps: list[Any] = []
        while self.i < len(self.p):
            if self.peek(".["):
                self.i += 1
                continue
            if self.peek("."):
                self.i += 1
                if self.peek("*"):
                    steps.append(_WILD)
                    self.i += 1
                    continue
                m = _NAME.match(self.p, self.i)
                if m is None:
                    nxt = self.p[self.i : self.i + 1]
                    raise self.error(
                        "property names hold letters, digits, '-' and '_' (use ['a.b'] for others)",
                        term=self.p[start : self.i + 1] if nxt else None,
                    )
                steps.append(m.group(0))
                self.i = m.end()
                continue
            if self.peek("["):
                m = _INDEX.match(self.p, self.i)
                if m is not None:
                    steps.append(_WILD if m.group(1) == "*" else int(m.group(1)))
                    self.i = m.end()
                    continue
                m = _KEY.match(self.p, self.i)
                if m is not None:
                    steps.append(m.group(1))
                    self.i = m.end()
                    continue
                raise self.error("'[' must hold an index such as [0], [*] or a quoted key such as ['a.b']")
            break
        if not steps:
            raise self.error("a selector needs a property after '$.'", start)
        text = self.p[start : self.i]
        sel = Selector(text, tuple(steps))
        if sum(1 for s in steps if s is _WILD) > 1:
            raise self.error("a selector may hold at most one wildcard", start)
        self.selectors.append(sel)
        return sel

    def condition(self) -> Evaluator:
        sel = self.selector()
        self.ws()
        op_pos = self.i
        for op in ("!=", "<=", ">=", "=", "<", ">"):
            if self.peek(op):
                self.i += len(op)
                break
        else:
            if self.peek("IS"):
                return self.is_test(sel)
            if self.peek("NOT"):
                self.i += 3
                self.ws()
                if not self.peek("EXISTS"):
                    raise self.error("NOT must be followed by EXISTS")
                self.i += 6
                return self.exists_test(sel)
            if self.peek("EXISTS"):
                raise self.error("EXISTS is not supported; only NOT EXISTS is")
            raise self.error("expected an operator (= != < > <= >=), IS or NOT EXISTS after the selector")
        self.ws()
        return self.comparison(sel, op, op_pos)

    def is_test(self, sel: Selector) -> Evaluator:
        self.i += 2
        self.ws()
        if self.peek("NOT"):
            raise self.error("IS NOT is not supported")
        for word, wanted in (("NULL", None), ("TRUE", True), ("FALSE", False)):
            if self.peek(word):
                self.i += len(word)
                return _node_test(sel, _is(wanted))
        raise self.error("IS must be followed by NULL, TRUE or FALSE")

    def exists_test(self, sel: Selector) -> Evaluator:
        if sel.has_wildcard:
            return lambda doc: not sel.resolve(doc)
        return lambda doc: sel.resolve_one(doc) is _MISSING

    def value_token(self) -> tuple[str, bool, int]:
        """Read a value: (text, quoted, start). Regex values are handled by the caller."""
        start = self.i
        if self.peek('"'):
            text, self.i = read_quoted(self.p, self.i)
            return text, True, start
        return self.read_bare("()}"), False, start

    def comparison(self, sel: Selector, op: str, op_pos: int) -> Evaluator:
        if self.peek("%"):
            if op not in ("=", "!="):
                raise self.error(f"a regex can only be compared with = or !=, not {op}")
            regex, self.i = read_regex(self.p, self.i)
            self.regexes += 1
            search = regex.search
            return self.text_test(sel, op, lambda t: search(t) is not None)
        text, quoted, start = self.value_token()
        if op in ("<", ">", "<=", ">="):
            if quoted or not is_number_literal(text):
                shown = f'"{text}"' if quoted else text
                raise self.error(f"{op} needs a number, not {shown}", start, term=shown)
            return _node_test(sel, _numeric(op, float(text)))
        if not quoted:
            check_bare_value(self.p, text, start)
            if is_number_literal(text):
                return self.number_equality(sel, op, text)
        return self.text_test(sel, op, string_matcher(text))

    def text_test(self, sel: Selector, op: str, match: Callable[[str], bool]) -> Evaluator:
        if op == "=":

            def test(node: Any) -> bool:
                text = node_text(node)
                return text is not None and match(text)
        else:

            def test(node: Any) -> bool:
                text = node_text(node)
                return text is not None and not match(text)

        return _node_test(sel, test)

    def number_equality(self, sel: Selector, op: str, literal: str) -> Evaluator:
        value = float(literal)
        equal = op == "="

        def test(node: Any) -> bool:
            if isinstance(node, (int, _Float)) and not isinstance(node, bool):
                return (float(node) == value) is equal
            if isinstance(node, str):  # a JSON string compares as text
                return (node == literal) is equal
            return False

        return _node_test(sel, test)


def _numeric(op: str, value: float) -> Test:
    def test(node: Any) -> bool:
        number = node_number(node)
        if number is None:
            return False
        if op == "<":
            return number < value
        if op == ">":
            return number > value
        if op == "<=":
            return number <= value
        return number >= value

    return test


def _is(wanted: bool | None) -> Test:
    """``IS NULL``/``IS TRUE``/``IS FALSE``: the node is that very JSON value."""
    return lambda node: node is wanted


def _node_test(sel: Selector, test: Test) -> Evaluator:
    if sel.has_wildcard:
        return lambda doc: any(test(node) for node in sel.resolve(doc))
    steps = sel.steps
    if len(steps) == 1 and isinstance(steps[0], str):
        key = steps[0]

        def top(doc: dict[str, Any]) -> bool:
            node = doc.get(key, _MISSING)
            return node is not _MISSING and test(node)

        return top
    resolve = sel.resolve_one
    return lambda doc: (node := resolve(doc)) is not _MISSING and test(node)


def compile_json(pattern: str) -> FilterPattern:
    """Compile ``{ ... }``: json.loads with precompiled selector paths and comparison closures."""
    parser = _Parser(pattern)
    evaluate = parser.parse()
    selectors = tuple(dict.fromkeys(s for s in parser.selectors if not s.has_wildcard))

    def parse(message: str) -> dict[str, Any] | None:
        if not message.lstrip().startswith("{"):
            return None
        return load_event(message)

    def matches(message: str) -> bool:
        doc = parse(message)
        return doc is not None and evaluate(doc)

    def extract(message: str) -> dict[str, str] | None:
        doc = parse(message)
        if doc is None or not evaluate(doc):
            return None
        found: dict[str, str] = {}
        for sel in selectors:
            text = scalar_text(sel.resolve_one(doc))
            if text is not None:
                found[sel.text] = text
        return found

    return FilterPattern(
        pattern,
        "json",
        matches,
        extract,
        fields=tuple(s.text for s in selectors),
        regex_count=parser.regexes,
    )


def scalar_text(node: Any) -> str | None:
    """The text of a scalar node for extraction: strings, numbers, ``true``/``false``."""
    if isinstance(node, bool):
        return "true" if node else "false"
    return node_text(node)


def parse_selector(text: str) -> Selector:
    """Compile a selector given on its own (a metric value or dimension such as ``$.latency``)."""
    parser = _Parser(text)
    sel = parser.selector()
    if parser.i != len(text):
        raise invalid(text, parser.i, "unexpected text after the selector")
    return sel


def load_event(message: str) -> dict[str, Any] | None:
    """Parse a JSON log event the way the matcher does (None if it is not a JSON object).

    An event nested deeper than Python's json module reads (about 1000 levels, less the caller's stack) is
    taken as one that is not JSON, which a JSON pattern does not match (the filter pattern syntax page has
    JSON patterns match JSON log events): CloudWatch Logs documents no nesting limit for log events, and a
    metric filter must not make PutLogEvents fail. The selectors and the matcher walk without recursion.
    """
    try:
        doc = _decode(message)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None
