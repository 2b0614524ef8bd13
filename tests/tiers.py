"""The test tiers (docs/contributing.md, "Checks before you hand in"): which tests are ``integration`` tests,
left out of `make unit` and run by `make test`. tests/conftest.py marks them at collection."""

from __future__ import annotations

import ast
import functools
import inspect
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

#: ``make unit`` loads this Hypothesis profile (``--hypothesis-profile=unit``): a fifth of Hypothesis's default
#: 100 examples per property test, and :func:`examples` scales the tests that ask for more alike. ``make test``
#: runs every example (the default profile); failing examples Hypothesis saved in ``.hypothesis/`` run first in both.
settings.register_profile("unit", max_examples=20)


def examples(full: int) -> int:
    """A property test's ``max_examples``: ``full`` under ``make test``, and scaled as the loaded profile scales
    Hypothesis's default of 100 under ``make unit`` (a fifth). Read when the test module is imported, after the
    Hypothesis plugin has loaded the profile."""
    return max(1, full * settings.default.max_examples // 100)


#: What makes a test an ``integration`` test (``make test``, not ``make unit``): it talks to a moto
#: server over HTTP, runs labkit in another process, or loads AWS's managed IAM policies into moto.
INTEGRATION_FIXTURES = frozenset({"server", "labkit_server", "real_like", "on_server"})
INTEGRATION_CODE = re.compile(
    r"moto-server|ThreadedMotoServer|subprocess|Popen|labkit_command\(|run_then_kill|MOTO_IAM_LOAD_MANAGED_POLICIES"
)


@functools.cache
def _function_sources(module: ModuleType) -> dict[int, tuple[str, str, bool]]:
    """The module's functions (methods included) by first line, decorators counted as
    ``co_firstlineno`` counts them: (name, source, whether top-level). The module is read and
    parsed once (``ast.get_source_segment`` splits the whole source again for every node)."""
    lines = inspect.getsource(module).splitlines(keepends=True)
    tree = ast.parse("".join(lines))
    found: dict[int, tuple[str, str, bool]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            found[first] = (node.name, "".join(lines[first - 1 : node.end_lineno]), node in tree.body)
    return found


@functools.cache
def _integration_helpers(module: ModuleType) -> frozenset[str]:
    """The module's own top-level functions whose code does what :data:`INTEGRATION_CODE` names."""
    return frozenset(
        name
        for name, source, top_level in _function_sources(module).values()
        if top_level and INTEGRATION_CODE.search(source)
    )


def _source(function: Callable[..., Any], module: ModuleType | None) -> str:
    if module is not None:
        known = _function_sources(module).get(function.__code__.co_firstlineno)
        if known is not None and known[0] == function.__name__:
            return known[1]
    return inspect.getsource(function)


def is_integration(item: pytest.Item) -> bool:
    """Whether ``item`` does, itself or through a helper of its module or a fixture named in
    :data:`INTEGRATION_FIXTURES`, what makes a test an integration test."""
    function = getattr(item, "function", None)
    if function is None:
        return False
    if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    return _code_is_integration(function)


@functools.cache
def _code_is_integration(function: Callable[..., Any]) -> bool:
    """:func:`_searched`, once per test function (a parametrized test's items share it), and without
    parsing a module whose text names nothing of :data:`INTEGRATION_CODE` (most do not): the function's
    source and its module's helpers are all in that text, unless the function's code (or the code it
    wraps, which ``inspect.getsource`` reads) is in another file."""
    module = inspect.getmodule(function)
    if (
        module is not None
        and not hasattr(function, "__wrapped__")
        and function.__code__.co_filename == getattr(module, "__file__", None)
        and not _module_mentions_integration_code(module)
    ):
        return False
    return _searched(function, module)


@functools.cache
def _module_mentions_integration_code(module: ModuleType) -> bool:
    return INTEGRATION_CODE.search(inspect.getsource(module)) is not None


def _searched(function: Callable[..., Any], module: ModuleType | None) -> bool:
    """Whether the function's source, or a helper of its module it calls, does what :data:`INTEGRATION_CODE` names."""
    source = _source(function, module)
    if INTEGRATION_CODE.search(source):
        return True
    helpers = _integration_helpers(module) if module is not None else frozenset()
    return any(re.search(rf"\b{name}\(", source) for name in helpers)
