"""What one log event contributes to a metric filter's metric: its value and its dimensions.

Taught in notebook 05-ssh-failure-metric-filter.

Rules (CloudWatch Logs User Guide, "Filter pattern syntax for metric filters",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntaxForMetricFilters.html,
and its sections "Configuring metric values for a metric filter", "Publishing dimensions with
metrics from values in JSON or space-delimited log events" and "Using values in log events to
increment a metric's value"; the API's ``MetricTransformation`` shape):

* ``metricValue`` is a number (``"1"``), a space-delimited field (``"$size"``, or ``"$3"`` by
  position) or a JSON selector (``"$.latency"``). A matching event adds that value.
* ``defaultValue`` is reported for an event the pattern does not match ("If your metric filter
  doesn't find a match, CloudWatch reports the metric's default value"); without one, a
  non-matching event reports nothing.
* ``dimensions`` map a dimension name to a field (``{"server": "$server"}``,
  ``{"eventType": "$.eventType"}``); "Dimensions ... only available for JSON and space-delimited
  filter patterns", at most three, and "If you assign dimensions to metrics that metric filters
  generate, you can't specify default values for those metrics".

Not documented by AWS, chosen here and stated so the lab can say it: an event whose value field
is not a number (``"$user"`` = ``root``), or lacks a dimension field, contributes nothing;
numbers in scientific notation inside strings do not count as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labkit.aws.filterpattern._common import as_number, is_number_literal
from labkit.aws.filterpattern.compiler import compile
from labkit.aws.filterpattern.delimited import split_fields
from labkit.aws.filterpattern.jsonpattern import load_event, node_number, parse_selector, scalar_text
from labkit.exceptions import InvalidFilterPattern

if TYPE_CHECKING:
    from labkit.aws.filterpattern._base import FilterPattern

MAX_DIMENSIONS = 3

#: AWS's words when dimensions are given with a term or regex pattern (PutMetricFilter).
NO_DIMENSIONS = "The specified filter pattern does not support dimensions"


def _compiled(pattern: str | FilterPattern) -> FilterPattern:
    if isinstance(pattern, str):
        return compile(pattern)
    return pattern


def transformation_error(pattern: str | FilterPattern, transformation: Mapping[str, Any]) -> str | None:
    """Why PutMetricFilter would refuse ``transformation`` with this pattern, or None if it is fine.

    Only the dimension message is AWS's verbatim wording (seen in PutMetricFilter errors); the
    others describe the documented rule in labkit's words.
    """
    compiled = _compiled(pattern)
    value = str(transformation.get("metricValue", ""))
    dimensions = transformation.get("dimensions") or {}
    if not value:
        return "metricValue is required"
    if not is_number_literal(value):
        problem = _reference_problem(compiled, value, "metricValue")
        if problem:
            return problem
    if dimensions:
        if not compiled.supports_dimensions:
            return NO_DIMENSIONS
        if len(dimensions) > MAX_DIMENSIONS:
            return f"A metric filter can have at most {MAX_DIMENSIONS} dimensions, not {len(dimensions)}"
        if transformation.get("defaultValue") is not None:
            return "defaultValue cannot be specified together with dimensions"
        for name, ref in dimensions.items():
            problem = _reference_problem(compiled, str(ref), f"dimension {name!r}")
            if problem:
                return problem
    return None


def _reference_problem(compiled: FilterPattern, ref: str, what: str) -> str | None:
    if compiled.kind == "json" and ref.startswith("$."):
        try:
            parse_selector(ref)
        except InvalidFilterPattern as error:
            return f"{what} {ref!r} is not a valid JSON selector: {error}"
        return None
    if compiled.kind == "space-delimited" and ref.startswith("$"):
        key = ref[1:]
        if key.isdigit() and int(key) >= 1:
            return None
        if ref in compiled.fields:
            return None
        return f"{what} {ref!r} is not one of the pattern's fields ({', '.join(compiled.fields) or 'none'})"
    if compiled.kind in ("unstructured", "regex"):
        return f"{what} {ref!r} refers to a field, but a {compiled.kind} pattern has no fields"
    return f"{what} {ref!r} must be a number, a $field or a $.selector"


_ABSENT = object()


def _lookup(compiled: FilterPattern, ref: str, message: str) -> Any:
    """What ``ref`` names in a matching ``message``: a JSON node, a field's text, or ``_ABSENT``."""
    if compiled.kind == "json":
        doc = load_event(message)
        return _ABSENT if doc is None else parse_selector(ref).resolve_one(doc)
    values = compiled.extract(message)
    if values is None:
        return _ABSENT
    if ref in values:
        return values[ref]
    key = ref[1:]
    if key.isdigit():  # a positional reference to a field a name covers
        fields = split_fields(message)
        index = int(key) - 1
        return fields[index] if 0 <= index < len(fields) else _ABSENT
    return _ABSENT


def metric_value(pattern: str | FilterPattern, transformation: Mapping[str, Any], message: str) -> float | None:
    """The value ``message`` reports under ``transformation`` (a ``metricTransformations`` entry).

    A matching event reports ``metricValue`` (a number, or the number in the field it names); a
    non-matching event reports ``defaultValue``; None means the event reports nothing.
    """
    compiled = _compiled(pattern)
    if not compiled.matches(message):
        default = transformation.get("defaultValue")
        return None if default is None else float(default)
    value = str(transformation["metricValue"])
    if is_number_literal(value):
        return float(value)
    found = _lookup(compiled, value, message)
    if compiled.kind == "json":
        return node_number(found)
    return as_number(found) if isinstance(found, str) else None


def metric_dimensions(
    pattern: str | FilterPattern, transformation: Mapping[str, Any], message: str
) -> dict[str, str] | None:
    """The dimensions a matching ``message`` is published under; ``{}`` when none are configured.

    None when the event does not match or lacks a field a dimension names.
    """
    compiled = _compiled(pattern)
    if not compiled.matches(message):
        return None
    out: dict[str, str] = {}
    for name, ref in (transformation.get("dimensions") or {}).items():
        found = _lookup(compiled, str(ref), message)
        text = scalar_text(found) if compiled.kind == "json" else found
        if not isinstance(text, str):
            return None
        out[name] = text
    return out
