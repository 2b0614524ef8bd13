"""The notebooks' jupytext sources (``notebooks/src/NN-name.py``), each parsed once per process while unchanged.

Parsing one takes about a tenth of a second, and the Japanese edition's build and tests, the exercises'
solutions and the exercise tests read the same sources again and again (issue 15). A source is parsed
again when its modification time or size changes; every caller gets a copy of its own, free to change it.
jupytext gives each cell a random id at every reading; a copy keeps those of its parse (the callers set their own).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

#: Each path read so far -> (its modification time in ns and size when parsed, the parsed notebook).
_PARSED: dict[Path, tuple[tuple[int, int], Any]] = {}


def read_source(path: Path) -> Any:
    """``jupytext.read(path)``: a deep copy of the notebook parsed while the file had this modification time and size."""
    import jupytext

    status = path.stat()
    stamp = (status.st_mtime_ns, status.st_size)
    parsed = _PARSED.get(path)
    if parsed is None or parsed[0] != stamp:
        parsed = (stamp, jupytext.read(path))
        _PARSED[path] = parsed
    return copy.deepcopy(parsed[1])
