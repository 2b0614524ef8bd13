"""Warnings about filter patterns that are valid but rarely mean what their author wanted.

Taught in notebook 05-ssh-failure-metric-filter. Each warning names the documented rule behind it
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
"""

from __future__ import annotations

import re

from labkit.aws.filterpattern.compiler import compile
from labkit.aws.filterpattern.delimited import _Parser
from labkit.aws.filterpattern.samples import SSHD_EXAMPLES
from labkit.aws.filterpattern.unstructured import parse_terms
from labkit.exceptions import InvalidFilterPattern

_JSON_KEYWORD_VALUE = re.compile(r"(!=|=)\s*(true|false|null|TRUE|FALSE|NULL)(?=[\s)}&|]|$)")
_INNER_STAR = re.compile(r"(?:=|!=)\s*\"?([^\s\",\]*]+\*[^\s\",\]*]+)")


def lint(pattern: str) -> list[str]:
    """Return human-readable warnings for ``pattern`` (an empty list when nothing looks wrong).

    An invalid pattern yields one entry starting with ``invalid:`` instead of raising.
    """
    warnings: list[str] = []
    stripped = pattern.lstrip()
    if stripped != pattern and stripped[:1] in ("{", "["):
        warnings.append(
            f"the pattern starts with whitespace, so {stripped[:1]!r} does not make it a "
            f"{'JSON' if stripped[:1] == '{' else 'space-delimited'} pattern: AWS reads it as terms "
            "(and rejects it); remove the leading space"
        )
    try:
        compiled = compile(pattern)
    except InvalidFilterPattern as error:
        warnings.append(f"invalid: {error}")
        return warnings
    if compiled.kind == "unstructured":
        warnings += _lint_terms(pattern, compiled.ignored_terms)
    elif compiled.kind == "space-delimited":
        warnings += _lint_delimited(pattern)
    elif compiled.kind == "json":
        warnings += _lint_json(pattern)
    if compiled.kind in ("json", "space-delimited"):
        for value in _INNER_STAR.findall(pattern):
            warnings.append(
                f"'*' is a wildcard only at the start or end of a value: {value!r} matches the "
                "literal text with a '*' in it"
            )
    return warnings


def _lint_terms(pattern: str, ignored: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    terms = parse_terms(pattern)
    if not any(t.text.strip() for t in terms):
        out.append('this pattern matches every event (the empty pattern and " " match everything)')
    if ignored:
        out.append(
            f"{' '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} ignored: AWS drops every '?' term "
            "when the pattern also has plain or '-' terms (\"If you combine '?' with other filter "
            'patterns, all question mark terms will be ignored"); use only ?terms for an OR'
        )
    or_group = bool(terms) and all(t.sign == "?" for t in terms)
    # In an OR group, a line another ?term catches is not missed.
    caught = [t.text for t in terms] if or_group else []
    for term in terms:
        out += _case_warnings(term.text, caught)
    return out


def _case_warnings(term: str, caught: list[str]) -> list[str]:
    """Warn when ``term`` misses sshd lines that hold it in another letter case."""
    if len(term.strip()) < 4 or not any(c.isalpha() for c in term):
        return []  # short terms differ in case by accident, not by intent
    lower = term.lower()
    missed: dict[str, str] = {}
    hits = 0
    for line in SSHD_EXAMPLES:
        if term in line or any(other in line for other in caught):
            hits += 1
            continue
        at = line.lower().find(lower)
        if at >= 0:
            missed.setdefault(line[at : at + len(term)], line)
    if not missed:
        return []
    variant, line = next(iter(missed.items()))
    found = "matches some sshd lines but" if hits else "matches no sshd line and"
    return [
        f'"{term}" is case sensitive: it {found} misses those with "{variant}", such as '
        f'"{line.split(": ", 1)[-1]}"; to count both write ?"{term}" ?"{variant}"'
    ]


def _lint_delimited(pattern: str) -> list[str]:
    parser = _Parser(pattern)
    parser.parse()
    entries = parser.before + parser.after
    has_checks = any(e.checks for e in entries)
    out: list[str] = []
    if not parser.ellipsis and not has_checks:
        names = [e.name for e in entries]
        if len(entries) == 1:
            out.append(
                f"{pattern.strip()} is a space-delimited pattern with one field named {names[0]!r}, not a "
                f"search for the text {pattern.strip()}: its only field takes the whole line, so it "
                f'matches every non-empty event; to search for the text, quote it: "{pattern.strip()}"'
            )
        else:
            out.append(
                f"this space-delimited pattern has no conditions: it matches every event with at least "
                f"{len(entries)} fields (the last field takes the rest of the line)"
            )
    elif not parser.ellipsis and len(entries) == 1:
        out.append(
            "a one-field space-delimited pattern compares its condition with the whole line; "
            "add a blank field after it (as in [w1=ERROR, w2]) to test only the first word"
        )
    return out


def _lint_json(pattern: str) -> list[str]:
    out: list[str] = []
    for op, word in _JSON_KEYWORD_VALUE.findall(pattern):
        out.append(
            f"{op} {word} compares with the text {word!r}, which never equals a JSON {word.lower()}; "
            f"use IS {word.upper()}" + (" (there is no IS NOT: use the other IS)" if op == "!=" else "")
        )
    return out
