"""JSON text that a learner sends, read to a depth labkit can walk (:func:`loads`).

Python's :mod:`json` recurses once a level of nesting, as do labkit's own walks of what it read (an event
pattern's validation and matching, a Logs Insights event's flattening, the event a target is sent), so JSON
nested close to Python's recursion limit (1000 frames, the caller's included) would raise :class:`RecursionError`
from somewhere inside labkit. :func:`loads` reads at most :data:`MAX_DEPTH` levels and raises
:class:`~labkit.exceptions.JsonTooDeep` beyond, which the emulator answers as
:class:`~labkit.exceptions.UnsupportedOperation` of the call (:mod:`labkit.emulator.core`).

AWS documents a nesting limit only for PutEvents ("PutEvents will only process nested JSON up to 1100 levels
deep", https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html), without saying what it
answers beyond; for every other JSON input the lab reads, its behaviour at such depth is undocumented. So what
labkit cannot read is refused as not emulated, never answered with an error AWS might not send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from labkit.exceptions import JsonTooDeep

#: The deepest nesting labkit reads: far beyond any policy, pattern or event the course writes, and shallow
#: enough that a walk of a few frames a level stays inside Python's recursion limit under Jupyter and botocore.
MAX_DEPTH = 200


def depth(value: Any) -> int:
    """How many arrays and objects ``value`` nests (0 for a scalar), counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(text: str, decode: Callable[[str], Any] = json.loads) -> Any:
    """``decode(text)`` (:func:`json.loads` unless told), raising :class:`~labkit.exceptions.JsonTooDeep` for JSON
    nested more than :data:`MAX_DEPTH` levels; anything else ``decode`` raises (``ValueError``) goes through."""
    try:
        value = decode(text)
    except RecursionError:
        raise JsonTooDeep(MAX_DEPTH) from None
    # Brackets, quoted ones included, bound the depth: most texts need no walk.
    if text.count("[") + text.count("{") > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise JsonTooDeep(MAX_DEPTH)
    return value
