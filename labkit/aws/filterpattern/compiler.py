"""Compile a filter pattern: its first character decides its kind, as AWS does (see the package docstring)."""

from __future__ import annotations

from labkit.aws.filterpattern._base import FilterPattern
from labkit.aws.filterpattern._common import MAX_PATTERN_LENGTH
from labkit.aws.filterpattern.delimited import compile_delimited
from labkit.aws.filterpattern.jsonpattern import compile_json
from labkit.aws.filterpattern.unstructured import compile_regex_pattern, compile_unstructured
from labkit.exceptions import InvalidFilterPattern, InvalidParameter

_cache: dict[str, FilterPattern] = {}


def compile(pattern: str) -> FilterPattern:
    """Compile ``pattern``; raise :class:`InvalidFilterPattern` where AWS would refuse it.

    Compiled patterns are cached, since metric filters re-match the same pattern on every event.
    """
    cached = _cache.get(pattern)
    if cached is not None:
        return cached
    if not isinstance(pattern, str):
        raise InvalidParameter(f"a filter pattern is a str, not {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidFilterPattern(
            f"1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_PATTERN_LENGTH} "
            f"(this pattern has {len(pattern)} characters)",
            pattern,
            MAX_PATTERN_LENGTH,
        )
    first = pattern[:1]
    if first == "{":
        compiled = compile_json(pattern)
    elif first == "[":
        compiled = compile_delimited(pattern)
    elif first == "%":
        compiled = compile_regex_pattern(pattern)
    else:
        compiled = compile_unstructured(pattern)
    if len(_cache) > 512:
        _cache.clear()
    _cache[pattern] = compiled
    return compiled
