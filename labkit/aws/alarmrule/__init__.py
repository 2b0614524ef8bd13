"""Composite alarm rules (``PutCompositeAlarm``'s ``AlarmRule``): parse, check and evaluate offline.

Grammar, from the PutCompositeAlarm API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html):
``ALARM("alarm-name or alarm-ARN")`` "is TRUE if the named alarm is in ALARM state", likewise
``OK(...)`` and ``INSUFFICIENT_DATA(...)``; ``TRUE`` "always evaluates to TRUE", ``FALSE`` to FALSE;
``AND``, ``OR`` and ``NOT`` combine them and parentheses group them; "You can use either alarm names
or ARNs"; "Alarm names specified in AlarmRule can be surrounded with double-quotes ("), but do not
have to be". Limits: "The AlarmRule can specify as many as 100 'children' alarms. The AlarmRule
expression can have as many as 500 elements. Elements are child alarms, TRUE or FALSE statements,
and parentheses", and ``AlarmRule`` is 1 to 10,240 characters long.

Precedence is not documented: labkit reads ``NOT`` before ``AND`` before ``OR``, as in SQL and
as the documented examples read (``ALARM(A) AND NOT ALARM(B)``). Error messages are *labkit wording*.
Taught with composite alarms (the notebooks on alarms name this module when they teach it).

>>> rule = compile('ALARM(CPUUtilizationTooHigh) AND NOT ALARM("DeploymentInProgress")')
>>> sorted(rule.alarms)
['CPUUtilizationTooHigh', 'DeploymentInProgress']
>>> rule.evaluate({"CPUUtilizationTooHigh": "ALARM", "DeploymentInProgress": "OK"})
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from labkit.exceptions import AlarmRuleError

MAX_LENGTH = 10_240
MAX_CHILDREN = 100
MAX_ELEMENTS = 500
STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")

_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<quoted>"[^"]*")|(?P<word>[^\s()"]+))')


@dataclass
class AlarmRule:
    """A parsed rule: ``alarms`` are the children as written (names or ARNs)."""

    text: str
    tree: tuple
    alarms: set[str] = field(default_factory=set)

    def evaluate(self, states: Mapping[str, str] | Callable[[str], str]) -> bool:
        """True when the rule holds, given each child's state (a mapping or a function of the reference)."""
        state_of = states if callable(states) else states.__getitem__
        return _evaluate(self.tree, state_of)


def _evaluate(node: tuple, state_of: Callable[[str], str]) -> bool:
    kind = node[0]
    if kind == "const":
        return node[1]
    if kind == "state":
        return state_of(node[2]) == node[1]
    if kind == "not":
        return not _evaluate(node[1], state_of)
    if kind == "and":
        return _evaluate(node[1], state_of) and _evaluate(node[2], state_of)
    return _evaluate(node[1], state_of) or _evaluate(node[2], state_of)


def compile(text: str) -> AlarmRule:
    """Parse ``text``; raise :class:`AlarmRuleError` for what PutCompositeAlarm refuses."""
    if not text or not text.strip():
        raise AlarmRuleError("The AlarmRule must not be empty.")
    if len(text) > MAX_LENGTH:
        raise AlarmRuleError(
            f"1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_LENGTH}"
        )
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if match is None:  # an unterminated quote
            raise AlarmRuleError(f"Invalid AlarmRule: unterminated quote at position {pos + 1}.")
        kind = match.lastgroup or "word"
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    parser = _Parser(tokens)
    tree = parser.expression()
    if parser.i != len(tokens):
        raise AlarmRuleError(f"Invalid AlarmRule: unexpected '{tokens[parser.i][1]}'.")
    if parser.elements > MAX_ELEMENTS:
        raise AlarmRuleError(f"The AlarmRule has {parser.elements} elements; at most {MAX_ELEMENTS} are allowed.")
    if len(parser.alarms) > MAX_CHILDREN:
        raise AlarmRuleError(f"The AlarmRule names {len(parser.alarms)} alarms; at most {MAX_CHILDREN} are allowed.")
    return AlarmRule(text, tree, parser.alarms)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.alarms: set[str] = set()
        self.elements = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise AlarmRuleError("Invalid AlarmRule: it ends too early.")
        self.i += 1
        return self.tokens[self.i - 1]

    def expression(self) -> tuple:
        node = self.conjunction()
        while self.peek() == "OR":
            self.i += 1
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> tuple:
        node = self.negation()
        while self.peek() == "AND":
            self.i += 1
            node = ("and", node, self.negation())
        return node

    def negation(self) -> tuple:
        if self.peek() == "NOT":
            self.i += 1
            return ("not", self.negation())
        return self.primary()

    def primary(self) -> tuple:
        _, text = self.take()
        if text == "(":
            self.elements += 1
            node = self.expression()
            if self.take()[1] != ")":
                raise AlarmRuleError("Invalid AlarmRule: a parenthesis is not closed.")
            return node
        if text in ("TRUE", "FALSE"):
            self.elements += 1
            return ("const", text == "TRUE")
        if text in STATES:
            if self.take()[1] != "(":
                raise AlarmRuleError(f"Invalid AlarmRule: {text} must be followed by (alarm-name or alarm-ARN).")
            ref_kind, ref = self.take()
            if ref_kind == "paren":
                raise AlarmRuleError(f"Invalid AlarmRule: {text}() needs an alarm name or ARN.")
            if ref_kind == "quoted":
                ref = ref[1:-1]
            if self.take()[1] != ")":
                raise AlarmRuleError(f"Invalid AlarmRule: {text}({ref} is not closed.")
            self.elements += 1
            self.alarms.add(ref)
            return ("state", text, ref)
        raise AlarmRuleError(f"Invalid AlarmRule: unexpected '{text}'.")
