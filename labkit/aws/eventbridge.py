"""EventBridge's rules as pure functions: the event envelope, event-pattern matching, target input.

The emulator plugin :mod:`labkit.emulator.events` uses these to deliver events offline; the
learner can call them directly to try a pattern on an event (notebook
06-cloudtrail-eventbridge-health teaches them).

* The envelope — "AWS service event metadata" / event structure reference,
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html: ``version``
  "0", ``id`` a version 4 UUID, ``detail-type``, ``source``, ``account``, ``time``, ``region``,
  ``resources`` (ARNs), ``detail`` (a JSON object).
* Event patterns — "Event patterns"
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html), "Content
  filtering" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html),
  "Comparison operators" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html),
  arrays (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html) and null
  values (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html).
* Target input — ``Input``, ``InputPath`` and ``InputTransformer`` of a target (PutTargets / Target,
  https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html; "Input transformation",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).

Where the documentation is silent we had to choose (each choice is marked "guess" below).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import uuid
from typing import Any

from labkit.aws import jsontext
from labkit.exceptions import InvalidEventPattern

EVENT_TIME = "%Y-%m-%dT%H:%M:%SZ"

_OPERATORS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"}
)


def envelope(
    *,
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    account: str,
    region: str,
    time: dt.datetime,
    resources: list[str] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An event as EventBridge delivers it (event structure reference, see the module docstring)."""
    when = time.astimezone(dt.timezone.utc) if time.tzinfo else time.replace(tzinfo=dt.timezone.utc)
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": when.strftime(EVENT_TIME),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


# -- event patterns ---------------------------------------------------------------------------
_MISSING = object()


def parse_pattern(pattern: str | dict[str, Any]) -> dict[str, Any]:
    """Parse and validate an event pattern; raise :class:`InvalidEventPattern` if EventBridge would refuse it.

    Rules: the pattern is a JSON object; every leaf is an array of values or operator objects
    ("Event patterns": "match values are always in arrays"); operators are the documented ones.
    """
    if isinstance(pattern, str):
        try:
            pattern = jsontext.loads(pattern)
        except ValueError as error:
            raise InvalidEventPattern(f"Event pattern is not valid JSON: {error}") from None
    if not isinstance(pattern, dict):
        raise InvalidEventPattern("Event pattern must be a JSON object")
    _validate(pattern, "")
    return pattern


def _validate(node: dict[str, Any], path: str) -> None:
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
                raise InvalidEventPattern(f"$or at {where} must be an array of objects")
            for option in value:
                _validate(option, path)
        elif isinstance(value, dict):
            _validate(value, where)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _validate_operator(item, where)
        else:
            raise InvalidEventPattern(f"Match value at {where} must be an array or an object")


def _validate_operator(item: dict[str, Any], where: str) -> None:
    if len(item) != 1 or next(iter(item)) not in _OPERATORS:
        raise InvalidEventPattern(f"Unrecognized match type {', '.join(item) or '{}'} at {where}")
    name, value = next(iter(item.items()))
    if name == "numeric":
        if (
            not isinstance(value, list)
            or not value
            or len(value) % 2
            or not all(op in ("<", "<=", "=", ">=", ">") and _is_number(n) for op, n in zip(value[::2], value[1::2]))
        ):
            raise InvalidEventPattern(f"Invalid numeric match at {where}")
    elif name == "exists" and not isinstance(value, bool):
        raise InvalidEventPattern(f"exists match at {where} must be true or false")
    elif name == "cidr":
        try:
            ipaddress.ip_network(value, strict=False)
        except (ValueError, TypeError):
            raise InvalidEventPattern(f"Invalid cidr at {where}: {value!r}") from None


def matches(pattern: str | dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether ``event`` matches ``pattern``, by EventBridge's documented rules.

    * Every field of the pattern must match (AND); the values listed for a field are
      alternatives (OR); ``$or`` lists alternative sub-patterns.
    * A field whose event value is an array matches if any element matches ("the intersection of
      the event pattern array and the event array is non-empty").
    * ``null`` and ``""`` are different values; exact matching is case-sensitive and typed (the
      string ``"5"`` does not match the number ``5``).
    * ``exists`` only looks at leaf nodes: ``{"exists": false}`` matches a field that is absent or
      is an object ("c-count isn't a leaf node").
    * ``anything-but``, ``prefix``, ``numeric`` … need the field to be present (guess where the
      pages are silent: a missing field matches nothing but ``{"exists": false}``).
    * ``numeric`` only matches JSON numbers; ``prefix``/``suffix``/``wildcard``/``equals-ignore-case``
      only strings; ``cidr`` only IP address strings.
    """
    return _match_object(parse_pattern(pattern), event)


def _match_object(pattern: dict[str, Any], node: Any) -> bool:
    for key, rule in pattern.items():
        if key == "$or":
            if not any(_match_object(option, node) for option in rule):
                return False
            continue
        value = node.get(key, _MISSING) if isinstance(node, dict) else _MISSING
        if isinstance(rule, dict):
            if isinstance(value, list):
                # An array of objects: the sub-pattern must hold within one element.
                if not any(isinstance(v, dict) and _match_object(rule, v) for v in value):
                    return False
            elif not _match_object(rule, value if isinstance(value, dict) else {}):
                return False
        elif not _match_leaf(rule, value):
            return False
    return True


def _match_leaf(alternatives: list[Any], value: Any) -> bool:
    if value is _MISSING or isinstance(value, dict):
        leaves: list[Any] = []
    elif isinstance(value, list):
        leaves = [v for v in value if not isinstance(v, (dict, list))]
    else:
        leaves = [value]
    for alternative in alternatives:
        if isinstance(alternative, dict) and "exists" in alternative:
            if alternative["exists"] == bool(leaves):
                return True
            continue
        if any(_match_value(alternative, leaf) for leaf in leaves):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(expected: Any, value: Any) -> bool:
    if _is_number(expected) and _is_number(value):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _match_value(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _same(rule, value)
    name, argument = next(iter(rule.items()))
    if name == "anything-but":
        return _anything_but(argument, value)
    if name == "numeric":
        return _is_number(value) and all(_compare(value, op, bound) for op, bound in zip(argument[::2], argument[1::2]))
    if name == "cidr":
        try:
            return isinstance(value, str) and ipaddress.ip_address(value) in ipaddress.ip_network(
                argument, strict=False
            )
        except ValueError:
            return False
    if not isinstance(value, str):
        return False
    return _string_operator(name, argument, value)


def _string_operator(name: str, argument: Any, value: str) -> bool:
    if isinstance(argument, dict) and "equals-ignore-case" in argument and name in ("prefix", "suffix"):
        target = str(argument["equals-ignore-case"]).lower()
        return value.lower().startswith(target) if name == "prefix" else value.lower().endswith(target)
    options = argument if isinstance(argument, list) else [argument]
    if name == "prefix":
        return any(isinstance(o, str) and value.startswith(o) for o in options)
    if name == "suffix":
        return any(isinstance(o, str) and value.endswith(o) for o in options)
    if name == "equals-ignore-case":
        return any(isinstance(o, str) and value.lower() == o.lower() for o in options)
    if name == "wildcard":
        return any(isinstance(o, str) and _wildcard(o).fullmatch(value) is not None for o in options)
    return False


def _anything_but(argument: Any, value: Any) -> bool:
    if isinstance(argument, dict):
        name, inner = next(iter(argument.items()))
        return isinstance(value, str) and not _string_operator(name, inner, value)
    options = argument if isinstance(argument, list) else [argument]
    return not any(_same(option, value) for option in options)


def _compare(value: float, operator: str, bound: float) -> bool:
    return {
        "<": value < bound,
        "<=": value <= bound,
        "=": value == bound,
        ">=": value >= bound,
        ">": value > bound,
    }[operator]


def _wildcard(pattern: str) -> re.Pattern[str]:
    # "*" matches any run of characters; "\*" is a literal star (Comparison operators, wildcard).
    parts = re.split(r"(\\\*|\*)", pattern)
    return re.compile("".join(".*" if p == "*" else re.escape("*" if p == "\\*" else p) for p in parts), re.DOTALL)


# -- target input -----------------------------------------------------------------------------
_STEP = re.compile(r"\.([A-Za-z0-9_\-/]+)|\[(\d+)\]")


def json_path(event: Any, path: str) -> Any:
    """The value at ``path`` (``$``, ``$.detail.state``, ``$.resources[0]``), or a missing marker.

    EventBridge supports "dot notation, dashes, underscores, alphanumeric characters, array
    indices, wildcards (*)" ("Input transformation"); wildcards are not implemented here.
    """
    if not path.startswith("$"):
        return _MISSING
    node, position = event, 1
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            return _MISSING
        key, index = step.groups()
        if key is not None:
            node = node.get(key, _MISSING) if isinstance(node, dict) else _MISSING
        else:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else _MISSING
        if node is _MISSING:
            return _MISSING
        position = step.end()
    return node


def transform(
    template: str,
    paths: dict[str, str],
    event: dict[str, Any],
    *,
    rule_name: str,
    rule_arn: str,
    ingestion_time: dt.datetime | None = None,
) -> str:
    """Fill an ``InputTemplate`` as EventBridge does ("Input transformation" page).

    * ``<name>`` is replaced by the value of the JSON path ``paths[name]``, or a predefined
      variable (``aws.events.rule-name``, ``aws.events.rule-arn``, ``aws.events.event`` — the event
      without ``detail``, ``aws.events.event.json`` — the whole event, ``aws.events.event.ingestion-time``).
    * Outside a JSON string a value is written as JSON (``<instance>`` gives ``"i-0123456789"``);
      inside quotes a string is written as is, unescaped ("EventBridge doesn't escape values
      extracted by Input Path").
    * "If you specify a variable to match a JSON path that doesn't exist in the event, that
      variable isn't created and won't appear in the output": it is replaced by nothing.
    * "The JSON that is passed to the target is minified": a result that parses as JSON is minified.
    """
    values: dict[str, Any] = {}
    for name, path in paths.items():
        found = json_path(event, path)
        if found is not _MISSING:
            values[name] = found
    when = ingestion_time or dt.datetime.strptime(event["time"], EVENT_TIME).replace(tzinfo=dt.timezone.utc)
    values.setdefault("aws.events.rule-name", rule_name)
    values.setdefault("aws.events.rule-arn", rule_arn)
    values.setdefault("aws.events.event.ingestion-time", when.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    values.setdefault("aws.events.event", {k: v for k, v in event.items() if k != "detail"})
    values.setdefault("aws.events.event.json", event)
    known = set(paths) | {
        "aws.events.rule-name",
        "aws.events.rule-arn",
        "aws.events.event",
        "aws.events.event.json",
        "aws.events.event.ingestion-time",
    }
    out: list[str] = []
    in_string = False
    position = 0
    while position < len(template):
        char = template[position]
        if char == "\\" and position + 1 < len(template):
            out.append(template[position : position + 2])
            position += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "<":
            end = template.find(">", position)
            name = template[position + 1 : end] if end > 0 else ""
            if name in known:
                if name in values:
                    value = values[name]
                    out.append(
                        value if in_string and isinstance(value, str) else json.dumps(value, separators=(",", ":"))
                    )
                position = end + 1
                continue
        out.append(char)
        position += 1
    result = "".join(out)
    try:
        return json.dumps(json.loads(result), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return result


def target_input(target: dict[str, Any], event: dict[str, Any], *, rule_name: str, rule_arn: str) -> str | None:
    """The text EventBridge sends to ``target`` for ``event`` (None when InputPath finds nothing).

    Target API reference: with ``Input`` "nothing from the event itself is passed to the target";
    ``InputPath`` passes the part of the matched event at that JSONPath; ``InputTransformer``
    fills the template; otherwise the whole event is passed as JSON.
    """
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        found = json_path(event, target["InputPath"])
        return None if found is _MISSING else json.dumps(found, separators=(",", ":"), ensure_ascii=False)
    transformer = target.get("InputTransformer")
    if transformer:
        return transform(
            transformer["InputTemplate"],
            transformer.get("InputPathsMap", {}),
            event,
            rule_name=rule_name,
            rule_arn=rule_arn,
        )
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)
