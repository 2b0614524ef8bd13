"""Term patterns over unstructured log events, and standalone ``%regex%`` patterns.

Taught in notebook 05-ssh-failure-metric-filter.

Rules, from "Using filter patterns to match terms in unstructured log events"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-unstructured-log-events):

* Matching is case sensitive, and a term matches anywhere, inside longer words too (``ERROR``
  matches ``Exiting with ERRORCODE: -1``, older revision of the page).
* Several terms must all appear (AND). A quoted phrase is one term, matched exactly.
* Terms holding characters other than letters, digits and ``_`` must be double-quoted; AWS
  rejects them otherwise with ``Invalid character(s) in term '<char>'``.
* ``-term`` excludes events containing the term.
* ``?term`` terms are optional: with only ``?`` terms, an event matches if it holds any of them.
  "You can't combine the question mark ("?") with other filter patterns, such as include and
  exclude terms. If you combine "?" with other filter patterns, all question mark terms will be
  ignored" — so ``?ERROR ?ARGUMENTS REQUEST`` is just ``REQUEST``.
* The empty pattern and ``" "`` match every event ("Match everything").
* ``%regex%`` alone is a regex pattern that matches anywhere in the event
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-regex).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from labkit.aws.filterpattern._base import FilterPattern
from labkit.aws.filterpattern._common import invalid, read_quoted, read_regex


@dataclass(frozen=True)
class Term:
    """One term of an unstructured pattern: its text, its sign and where it starts."""

    text: str
    sign: str  # "" (required), "-" (excluded) or "?" (optional)
    position: int
    quoted: bool


def parse_terms(pattern: str) -> list[Term]:
    """Split an unstructured pattern into terms, rejecting what AWS rejects."""
    terms: list[Term] = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        sign = ""
        if ch in "-?":
            sign = ch
            i += 1
            # The older page writes its example as "ERROR" - "Exiting": a sign may stand apart.
            while i < n and pattern[i].isspace():
                i += 1
            if i >= n:
                raise invalid(pattern, start, f"{sign!r} must be followed by a term")
        if pattern[i] == '"':
            text, i = read_quoted(pattern, i)
            if i < n and not pattern[i].isspace():
                raise invalid(pattern, i, "a quoted term must be followed by a space or the end of the pattern")
            terms.append(Term(text, sign, start, True))
            continue
        j = i
        while j < n and not pattern[j].isspace():
            c = pattern[j]
            if not (c.isalnum() or c == "_"):
                end = j
                while end < n and not pattern[end].isspace():
                    end += 1
                raise invalid(
                    pattern,
                    j,
                    "terms with characters other than letters, digits and '_' must be double-quoted: "
                    f'write "{pattern[i:end]}"',
                    term=c,
                )
            j += 1
        terms.append(Term(pattern[i:j], sign, start, False))
        i = j
    return terms


def compile_unstructured(pattern: str) -> FilterPattern:
    """Compile a term pattern to ``in`` checks (one regex alternation for ``?`` groups)."""
    terms = [t for t in parse_terms(pattern) if t.text.strip()]  # " " and "" match everything
    required = [t.text for t in terms if t.sign == ""]
    excluded = [t.text for t in terms if t.sign == "-"]
    optional = [t.text for t in terms if t.sign == "?"]
    ignored: tuple[str, ...] = ()
    if optional and (required or excluded):
        ignored = tuple("?" + t for t in optional)
        optional = []
    matches = _build(required, excluded, optional)
    return FilterPattern(pattern, "unstructured", matches, _extract_empty(matches), ignored_terms=ignored)


def _build(required: list[str], excluded: list[str], optional: list[str]) -> Callable[[str], bool]:
    if optional:
        if len(optional) == 1:
            only = optional[0]
            return lambda m: only in m
        if len(optional) == 2:
            a, b = optional
            return lambda m: a in m or b in m
        opt = tuple(optional)

        def any_term(m: str) -> bool:
            for t in opt:  # noqa: SIM110 — per log event: a plain loop is faster than any()
                if t in m:
                    return True
            return False

        return any_term
    if not excluded:
        if not required:
            return _everything
        if len(required) == 1:
            a = required[0]
            return lambda m: a in m
        if len(required) == 2:
            a, b = required
            return lambda m: a in m and b in m
        req = tuple(required)
        return lambda m: all(t in m for t in req)
    if not required and len(excluded) == 1:
        x = excluded[0]
        return lambda m: x not in m
    req = tuple(required)
    exc = tuple(excluded)
    return lambda m: all(t in m for t in req) and not any(t in m for t in exc)


def _everything(_message: str) -> bool:
    return True


def _extract_empty(matches: Callable[[str], bool]) -> Callable[[str], dict[str, str] | None]:
    return lambda m: {} if matches(m) else None


def compile_regex_pattern(pattern: str) -> FilterPattern:
    """Compile a standalone ``%regex%`` pattern (the whole pattern, trailing spaces allowed)."""
    regex, end = read_regex(pattern, 0)
    if pattern[end:].strip():
        raise invalid(pattern, end, "nothing may follow the closing % of a regex pattern")
    search = regex.search

    def matches(message: str) -> bool:
        return search(message) is not None

    return FilterPattern(pattern, "regex", matches, _extract_empty(matches), regex_count=1)
