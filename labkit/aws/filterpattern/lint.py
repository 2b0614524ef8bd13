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


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks a warning's template for labkit's catalogue (``make messages``)."""
    return message


class LintWarning(str):
    """One warning: its English text, with the ``template`` and ``fields`` it was made from, so that the
    lesson layer can show it in the lab's language (:func:`labkit.lesson.logs.lint`)."""

    template: str
    fields: dict[str, str]

    def __new__(cls, template: str, **fields: str) -> LintWarning:
        warning = super().__new__(cls, template.format(**fields))
        warning.template = template
        warning.fields = fields
        return warning


_JSON_KEYWORD_VALUE = re.compile(r"(!=|=)\s*(true|false|null|TRUE|FALSE|NULL)(?=[\s)}&|]|$)")
_INNER_STAR = re.compile(r"(?:=|!=)\s*\"?([^\s\",\]*]+\*[^\s\",\]*]+)")


def lint(pattern: str) -> list[LintWarning]:
    """Return human-readable warnings for ``pattern`` (an empty list when nothing looks wrong).

    An invalid pattern yields one entry starting with ``invalid:`` instead of raising.
    """
    warnings: list[LintWarning] = []
    stripped = pattern.lstrip()
    if stripped != pattern and stripped[:1] in ("{", "["):
        template = (
            N_(
                "the pattern starts with whitespace, so {bracket} does not make it a JSON pattern: AWS reads it "
                "as terms (and rejects it); remove the leading space"
            )
            if stripped[:1] == "{"
            else N_(
                "the pattern starts with whitespace, so {bracket} does not make it a space-delimited pattern: "
                "AWS reads it as terms (and rejects it); remove the leading space"
            )
        )
        warnings.append(LintWarning(template, bracket=repr(stripped[:1])))
    try:
        compiled = compile(pattern)
    except InvalidFilterPattern as error:
        warnings.append(LintWarning(N_("invalid: {error}"), error=str(error)))
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
                LintWarning(
                    N_(
                        "'*' is a wildcard only at the start or end of a value: {value} matches the literal text "
                        "with a '*' in it"
                    ),
                    value=repr(value),
                )
            )
    return warnings


def _lint_terms(pattern: str, ignored: tuple[str, ...]) -> list[LintWarning]:
    out: list[LintWarning] = []
    terms = parse_terms(pattern)
    if not any(t.text.strip() for t in terms):
        out.append(LintWarning(N_('this pattern matches every event (the empty pattern and " " match everything)')))
    if ignored:
        template = (
            N_(
                "{terms} is ignored: AWS drops every '?' term when the pattern also has plain or '-' terms "
                "(\"If you combine '?' with other filter patterns, all question mark terms will be ignored\"); "
                "use only ?terms for an OR"
            )
            if len(ignored) == 1
            else N_(
                "{terms} are ignored: AWS drops every '?' term when the pattern also has plain or '-' terms "
                "(\"If you combine '?' with other filter patterns, all question mark terms will be ignored\"); "
                "use only ?terms for an OR"
            )
        )
        out.append(LintWarning(template, terms=" ".join(ignored)))
    or_group = bool(terms) and all(t.sign == "?" for t in terms)
    # In an OR group, a line another ?term catches is not missed.
    caught = [t.text for t in terms] if or_group else []
    for term in terms:
        out += _case_warnings(term.text, caught)
    return out


def _case_warnings(term: str, caught: list[str]) -> list[LintWarning]:
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
    template = (
        N_(
            '"{term}" is case sensitive: it matches some sshd lines but misses those with "{variant}", such as '
            '"{line}"; to count both write ?"{term}" ?"{variant}"'
        )
        if hits
        else N_(
            '"{term}" is case sensitive: it matches no sshd line and misses those with "{variant}", such as '
            '"{line}"; to count both write ?"{term}" ?"{variant}"'
        )
    )
    return [LintWarning(template, term=term, variant=variant, line=line.split(": ", 1)[-1])]


def _lint_delimited(pattern: str) -> list[LintWarning]:
    parser = _Parser(pattern)
    parser.parse()
    entries = parser.before + parser.after
    has_checks = any(e.checks for e in entries)
    out: list[LintWarning] = []
    if not parser.ellipsis and not has_checks:
        names = [e.name for e in entries]
        if len(entries) == 1:
            out.append(
                LintWarning(
                    N_(
                        "{pattern} is a space-delimited pattern with one field named {name}, not a search for the "
                        "text {pattern}: its only field takes the whole line, so it matches every non-empty event; "
                        'to search for the text, quote it: "{pattern}"'
                    ),
                    pattern=pattern.strip(),
                    name=repr(names[0]),
                )
            )
        else:
            out.append(
                LintWarning(
                    N_(
                        "this space-delimited pattern has no conditions: it matches every event with at least "
                        "{count} fields (the last field takes the rest of the line)"
                    ),
                    count=str(len(entries)),
                )
            )
    elif not parser.ellipsis and len(entries) == 1:
        out.append(
            LintWarning(
                N_(
                    "a one-field space-delimited pattern compares its condition with the whole line; "
                    "add a blank field after it (as in [w1=ERROR, w2]) to test only the first word"
                )
            )
        )
    return out


def _lint_json(pattern: str) -> list[LintWarning]:
    out: list[LintWarning] = []
    for op, word in _JSON_KEYWORD_VALUE.findall(pattern):
        template = (
            N_(
                "{op} {word} compares with the text {quoted}, which never equals a JSON {lower}; use IS {upper} "
                "(there is no IS NOT: use the other IS)"
            )
            if op == "!="
            else N_("{op} {word} compares with the text {quoted}, which never equals a JSON {lower}; use IS {upper}")
        )
        out.append(LintWarning(template, op=op, word=word, quoted=repr(word), lower=word.lower(), upper=word.upper()))
    return out
