"""labkit's layers, enforced: dependencies point one way and nothing imports its way around it.

The layers (issue 15), lowest first; a module may import from its own layer and from lower ones:

* ``labkit.exceptions`` — the one error hierarchy, and ``labkit.i18n`` — labkit's words in the lab's
  language: the foundation, imported by every layer above the pure rules;
* ``labkit.aws`` — AWS's documented rules as pure functions; imports nothing else from labkit;
* ``labkit.emulator`` — one module per emulated AWS service, completing moto;
* ``labkit.runtime`` — ``connect()``, backends, the lab clock, the resource registry;
* ``labkit.lesson`` — what the notebooks use (metrics, plots, prerequisites, checks, simulations);
* ``labkit.course`` — curriculum, glossary, quizzes, the exercises' checkers;
* ``labkit.tools`` — the ``labkit`` command, doctor, workshop, notebook build, student editions;
* ``labkit`` itself (``__init__``, ``__main__``) — the public API, which may use every layer.

Imports under ``if TYPE_CHECKING:`` are annotations only (nothing runs them) and are exempt from
the direction rule, not from the cycle rule's sibling: they must still name real modules.
Imports inside functions are refused: a lower layer that needs an upper one gets a hook it calls
(``labkit.runtime.hooks``), and a heavy optional library is not a labkit module.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

import pytest
from python_sources import parsed

PACKAGE = Path(__file__).resolve().parents[1] / "labkit"

LAYERS = ("exceptions", "aws", "emulator", "runtime", "lesson", "course", "tools", "")
RANK = {name: rank for rank, name in enumerate(LAYERS)} | {"i18n": 0}

#: Modules allowed function-local imports of labkit modules, each with its reason (none dodges a cycle).
LOCAL_IMPORTS_ALLOWED: dict[str, str] = {
    "labkit.tools.cli": "each subcommand loads its own stack when it runs: `labkit --help` stays instant",
    "labkit.aws.alarms": "`backtest` (numpy) loads on first use: importing the alarm rules stays light",
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported labkit module
    line: int
    local: bool  # inside a function
    type_only: bool  # under `if TYPE_CHECKING:`


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str:
    """The labkit module an imported dotted name lives in (``labkit.aws.alarms.evaluate`` -> ``labkit.aws.alarms``)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative import
            package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        names = [f"{base}.{alias.name}" for alias in node.names]
    return [_resolve(name) for name in names if name == "labkit" or name.startswith("labkit.")]


# Parsed when a test asks, not as the module is collected: every xdist worker collects every module.
@functools.cache
def _imports() -> list[Import]:
    found: list[Import] = []

    def visit(module: str, node: ast.AST, local: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, child):
                    if target != module:
                        found.append(Import(module, target, child.lineno, local, type_only))
            visit(
                module,
                child,
                local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)),
                type_only or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)),
            )

    for module, path in MODULES.items():
        visit(module, parsed(path), False, False)
    return found


def layer(module: str) -> str:
    """The layer a labkit module belongs to ('' for the package's own ``__init__``/``__main__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else ""


def runtime_graph() -> dict[str, set[str]]:
    """Module -> the labkit modules it imports when it is imported (type-only imports left out).

    Importing ``labkit.a.b`` also runs the packages ``labkit`` and ``labkit.a`` first; those edges
    are the package ``__init__``'s own imports and appear under their names.
    """
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for item in _imports():
        if not item.type_only:
            graph[item.source].add(item.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def longest_chain(graph: dict[str, set[str]]) -> list[str]:
    """The longest chain of imports in an acyclic graph (each module imports the next)."""
    memo: dict[str, list[str]] = {}

    def chain(node: str) -> list[str]:
        if node not in memo:
            memo[node] = [node, *max((chain(successor) for successor in sorted(graph[node])), key=len, default=[])]
        return memo[node]

    return max((chain(node) for node in sorted(graph)), key=len)


def test_the_layers_are_folders_and_every_module_is_in_one() -> None:
    """Every labkit module lives in a layer's folder: no module is left flat beside them."""
    flat = sorted(m for m in MODULES if layer(m) == "" and m not in ("labkit", "labkit.__main__"))
    assert flat == [], f"modules outside the layers' folders: {flat}"
    for name in LAYERS[1:-1]:
        assert (PACKAGE / name / "__init__.py").is_file(), f"labkit/{name}/ is not a package"


def test_dependencies_point_down_the_layers() -> None:
    wrong = [
        f"{item.source}:{item.line} imports {item.target} ({layer(item.source) or 'labkit'} -> {layer(item.target)})"
        for item in _imports()
        if not item.type_only and layer(item.source) != "" and RANK[layer(item.target)] > RANK[layer(item.source)]
    ]
    assert wrong == [], "imports against the layers' direction:\n" + "\n".join(wrong)


def test_the_pure_rules_import_only_themselves_and_the_exceptions() -> None:
    """``labkit.aws`` holds AWS's rules as pure functions: no lab, no emulator, no boto3 state."""
    wrong = [
        f"{item.source}:{item.line} imports {item.target}"
        for item in _imports()
        if layer(item.source) == "aws" and layer(item.target) not in ("aws", "exceptions")
    ]
    assert wrong == [], "\n".join(wrong)


def test_no_import_cycles() -> None:
    assert cycles(runtime_graph()) == []


def test_no_function_local_imports_of_labkit_modules() -> None:
    """A function-local import hides a dependency (often one that would close a cycle)."""
    local = [
        f"{item.source}:{item.line} imports {item.target} inside a function"
        for item in _imports()
        if item.local and item.source not in LOCAL_IMPORTS_ALLOWED
    ]
    assert local == [], "\n".join(local)
    uses = {item.source for item in _imports() if item.local}
    assert set(LOCAL_IMPORTS_ALLOWED) <= uses, "an allowance no module needs any more: remove it"


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    """The checker itself, on graphs with and without a cycle (so a pass above means something)."""
    assert cycles(graph) == expected


def test_the_checks_see_a_wrong_import() -> None:
    """A module that reached up would be found: the parser sees real imports, local and type-only."""
    source = "from labkit.runtime.lab import Lab\nif TYPE_CHECKING:\n    import labkit.tools.cli\ndef f():\n    from labkit.lesson import metrics\n"
    module = "labkit.aws.alarms"
    seen = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            seen += _targets(module, node)
    assert seen == ["labkit.runtime.lab", "labkit.tools.cli", "labkit.lesson.metrics"]
    assert layer("labkit.runtime.lab") == "runtime" and RANK["runtime"] > RANK["aws"]
