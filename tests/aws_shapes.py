"""Check an emulated API answer against the operation's output shape in botocore's service model.

The service model is AWS's own description of each API (the same data the API reference pages
are generated from), so an answer that passes has only documented members, every required
member, and values of the documented types. Used by the notebook 06b emulator tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import botocore.session

_SESSION = botocore.session.get_session()
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "double": (float, int),
    "float": (float, int),
    "boolean": (bool,),
    "timestamp": (dt.datetime,),
    "blob": (bytes,),
}


def shape_problems(service: str, operation: str, reply: dict[str, Any]) -> list[str]:
    """Every way ``reply`` (a parsed boto3 answer) departs from ``operation``'s output shape."""
    shape = _SESSION.get_service_model(service).operation_model(operation).output_shape
    body = {k: v for k, v in reply.items() if k != "ResponseMetadata"}
    return _check(shape, body, operation)


def _check(shape: Any, value: Any, where: str) -> list[str]:
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        problems = [f"{where}.{key}: not a member of {shape.name}" for key in value if key not in shape.members]
        problems += [f"{where}.{name}: required but missing" for name in shape.required_members if name not in value]
        for key, item in value.items():
            if key in shape.members and item is not None:
                problems += _check(shape.members[key], item, f"{where}.{key}")
        return problems
    if shape.type_name == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [p for n, item in enumerate(value) for p in _check(shape.member, item, f"{where}[{n}]")]
    if shape.type_name == "map":
        if not isinstance(value, dict):
            return [f"{where}: expected a map"]
        return [p for key, item in value.items() for p in _check(shape.value, item, f"{where}[{key}]")]
    expected = _TYPES.get(shape.type_name, (object,))
    if not isinstance(value, expected) or (shape.type_name in ("integer", "long") and isinstance(value, bool)):
        return [f"{where}: expected {shape.type_name}, got {type(value).__name__}"]
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        return [f"{where}: {value!r} is not one of {enum}"]
    return []
