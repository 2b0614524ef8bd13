"""The learner-facing API: ``labkit``'s export list, what it holds, and the one error hierarchy.

Notebooks import these names from ``labkit`` itself; everything else lives in the layers
(tests/test_architecture.py). Adding a name here is a decision: it becomes something every
notebook may use and the kit must keep.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import subprocess
import sys
from pathlib import Path

import labkit
from labkit import exceptions
from python_sources import parsed

PACKAGE = Path(labkit.__file__).resolve().parent

EXPORTS = [
    "__version__",
    "connect",
    "Lab",
    "LabClock",
    "Checks",
    "differences_box",
    "mask_account",
    "LabkitError",
    "ConfigurationError",
    "GuardrailError",
    "UnsupportedOperation",
    "WaitTimeout",
    "TeardownError",
    "ServiceError",
    "ChecksFailed",
    "InvalidFilterPattern",
    "InvalidAlarmParameter",
    "InvalidAgentConfig",
    "InstanceRoleError",
]


def test_the_export_list_is_exactly_the_public_api() -> None:
    assert labkit.__all__ == EXPORTS
    assert dir(labkit) == sorted(EXPORTS)


def test_every_export_resolves_and_says_what_it_is() -> None:
    for name in EXPORTS[1:]:
        value = getattr(labkit, name)
        assert inspect.getdoc(value), f"labkit.{name} has no docstring"
        assert value.__module__.startswith("labkit."), f"labkit.{name} comes from {value.__module__}"


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        labkit.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("labkit.no_such_name resolved")


def test_every_exported_error_derives_from_the_one_base() -> None:
    errors = [
        getattr(labkit, name)
        for name in EXPORTS
        if name.endswith(("Error", "Operation", "Timeout", "Failed", "Pattern", "Parameter", "Config"))
    ]
    assert len(errors) == 12
    assert all(issubclass(error, labkit.LabkitError) for error in errors)


def test_every_error_class_of_the_kit_lives_in_labkit_exceptions() -> None:
    """One module holds the hierarchy: an exception class defined anywhere else is refused."""
    elsewhere = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "exceptions.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base) for base in node.bases}
                if any(base.endswith(("Error", "Exception")) or base in ("ValueError", "KeyError") for base in bases):
                    elsewhere.append(f"{path.relative_to(PACKAGE)}: class {node.name}")
    assert elsewhere == []
    for name, value in vars(exceptions).items():
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == exceptions.__name__:
            assert issubclass(value, exceptions.LabkitError), name


#: Built-in exceptions labkit may still raise, and why.
BUILTIN_RAISES_ALLOWED = {
    "AttributeError": "a module's __getattr__ must raise it (PEP 562)",
    "AssertionError": "an unreachable line, for the type checker",
    "SystemExit": "a command-line entry point's exit status",
}


def test_labkit_raises_only_its_own_errors() -> None:
    """``raise ValueError(...)`` and the like are refused: each error the kit raises is a LabkitError."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                name = node.exc.func.id
                if isinstance(getattr(builtins, name, None), type) and name not in BUILTIN_RAISES_ALLOWED:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} raises {name}")
    assert found == []


def test_import_labkit_loads_neither_boto3_nor_the_layers() -> None:
    code = "import sys, labkit; print(sorted(m for m in sys.modules if m.startswith(('labkit.', 'boto3'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
