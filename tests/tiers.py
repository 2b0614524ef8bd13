"""The test tiers (docs/contributing.md, "Checks before you hand in"): which tests are ``integration`` tests,
left out of `make unit` and run by `make test`. tests/conftest.py marks them at collection."""

from __future__ import annotations

import ast
import functools
import inspect
import re
from types import ModuleType

import pytest

#: What makes a test an ``integration`` test (``make test``, not ``make unit``): it talks to a moto
#: server over HTTP, runs labkit in another process, or loads AWS's managed IAM policies into moto.
INTEGRATION_FIXTURES = frozenset({"server", "real_like", "on_server"})
INTEGRATION_CODE = re.compile(
    r"moto-server|ThreadedMotoServer|subprocess|Popen|labkit_command\(|run_then_kill|MOTO_IAM_LOAD_MANAGED_POLICIES"
)


@functools.cache
def _integration_helpers(module: ModuleType) -> frozenset[str]:
    """The module's own functions whose code does what :data:`INTEGRATION_CODE` names."""
    source = inspect.getsource(module)
    return frozenset(
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and INTEGRATION_CODE.search(ast.get_source_segment(source, node) or "")
    )


def is_integration(item: pytest.Item) -> bool:
    """Whether ``item`` does, itself or through a helper of its module or a fixture named in
    :data:`INTEGRATION_FIXTURES`, what makes a test an integration test."""
    function = getattr(item, "function", None)
    if function is None:
        return False
    if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    source = inspect.getsource(function)
    if INTEGRATION_CODE.search(source):
        return True
    module = inspect.getmodule(function)
    helpers = _integration_helpers(module) if module is not None else frozenset()
    return any(re.search(rf"\b{name}\(", source) for name in helpers)
