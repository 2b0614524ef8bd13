"""The tests' shared parse of Python sources (tests/python_sources.py) is ``ast.parse``'s, and follows a changed file."""

from __future__ import annotations

import ast
from pathlib import Path

import labkit
from python_sources import parsed

PACKAGE = Path(labkit.__file__).resolve().parent


def test_a_shared_tree_is_what_ast_parse_makes_of_the_file() -> None:
    for path in (PACKAGE / "__init__.py", PACKAGE / "runtime" / "lab.py"):
        assert parsed(path) is parsed(path)
        assert ast.dump(parsed(path), include_attributes=True) == ast.dump(
            ast.parse(path.read_text(encoding="utf-8")), include_attributes=True
        )


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("x = 1\n", encoding="utf-8")
    assert ast.unparse(parsed(source)) == "x = 1"
    source.write_text("x = 1\ny = 2\n", encoding="utf-8")
    assert ast.unparse(parsed(source)) == "x = 1\ny = 2"
