"""The notebooks' own helper functions, for the exercise tests: run the answer cells with what the
notebook defines before them, taken from ``notebooks/src`` instead of retyped in the tests."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from labkit.course.notebook_sources import read_source

SOURCES = Path(__file__).resolve().parents[1] / "notebooks" / "src"


def notebook_functions(notebook: str, names: set[str], namespace: dict[str, Any]) -> dict[str, Any]:
    """Define in ``namespace`` the functions ``names`` as notebook ``notebook``'s cells write them; returns it."""
    [source] = SOURCES.glob(f"{notebook}-*.py")
    found = set()
    for cell in read_source(source).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        wanted = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names]
        if wanted:
            exec(compile(ast.Module(body=wanted, type_ignores=[]), str(source), "exec"), namespace)
            found.update(node.name for node in wanted)
    assert found == names, f"notebook {notebook} defines no {sorted(names - found)}"
    return namespace
