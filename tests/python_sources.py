"""Python sources parsed once per test process: several tests read every module of labkit, and the notebooks'
sources, each parsing them again (about a second of CPU for each test, issue 15). The trees are shared, so a
test only reads them; a file is parsed again when its modification time or size changes."""

from __future__ import annotations

import ast
import functools
from pathlib import Path


def parsed(path: Path) -> ast.Module:
    """``ast.parse`` of the file's text, shared while the file is unchanged: read it, never change it."""
    status = path.stat()
    return _parsed(path, status.st_mtime_ns, status.st_size)


@functools.cache
def _parsed(path: Path, _mtime_ns: int, _size: int) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))
