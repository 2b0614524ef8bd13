"""The test tiers: `make unit` leaves out what tests/conftest.py marks `integration` by what a test's code does
(docs/contributing.md, "Checks before you hand in")."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from hypothesis import settings
from tiers import examples, is_integration

REPO = Path(__file__).resolve().parents[1]

# Written in pieces so that this file's own tests do not read as integration tests.
SERVER = "moto" + "-server"
PROCESS = "sub" + "process"

SAMPLE = f'''
import {PROCESS}
import labkit


def start_the_cli():
    return {PROCESS}.run(["labkit", "--help"])


def test_on_a_server():
    with labkit.connect("{SERVER}") as lab:
        lab.client("sns").list_topics()


def test_through_a_helper():
    start_the_cli()


def test_with_the_server_fixture(server):
    pass


def test_in_process(lab):
    lab.client("sns").list_topics()


def test_pure():
    assert 1 + 1 == 2
'''


def _sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = tmp_path / "sample_tests.py"
    path.write_text(SAMPLE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("sample_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "sample_tests", module)  # as pytest imports a test module
    spec.loader.exec_module(module)
    return module


def _item(module: ModuleType, name: str, *fixtures: str) -> SimpleNamespace:
    return SimpleNamespace(function=getattr(module, name), fixturenames=["request", *fixtures])


def test_servers_other_processes_and_their_helpers_are_integration_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _sample(tmp_path, monkeypatch)
    assert is_integration(_item(module, "test_on_a_server"))  # type: ignore[arg-type]
    assert is_integration(_item(module, "test_through_a_helper"))  # type: ignore[arg-type]
    assert is_integration(_item(module, "test_with_the_server_fixture", "server"))  # type: ignore[arg-type]


def test_in_process_moto_and_pure_rules_stay_in_the_unit_tier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _sample(tmp_path, monkeypatch)
    assert not is_integration(_item(module, "test_in_process", "lab"))  # type: ignore[arg-type]
    assert not is_integration(_item(module, "test_pure"))  # type: ignore[arg-type]


#: A module whose text names nothing of tiers.INTEGRATION_CODE, but whose last two functions' code is
#: sample_tests' helper that does: one moved here, one wrapped.
PLAIN = """
import functools

import sample_tests


def test_pure():
    assert 1 + 1 == 2


moved = sample_tests.start_the_cli
moved.__module__ = __name__


@functools.wraps(sample_tests.start_the_cli)
def wrapped():
    pass


wrapped.__module__ = __name__
"""


def test_a_module_that_names_no_integration_code_is_not_parsed_and_answers_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiers

    sample = _sample(tmp_path, monkeypatch)
    path = tmp_path / "plain_tests.py"
    path.write_text(PLAIN, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("plain_tests", path)
    assert spec is not None and spec.loader is not None
    plain = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "plain_tests", plain)
    spec.loader.exec_module(plain)
    parsed: list[ModuleType] = []
    parse = tiers._function_sources
    monkeypatch.setattr(tiers, "_function_sources", lambda module: parsed.append(module) or parse(module))
    assert not tiers._code_is_integration(plain.test_pure) and parsed == []
    names = [
        "test_on_a_server",
        "test_through_a_helper",
        "test_with_the_server_fixture",
        "test_in_process",
        "test_pure",
    ]
    functions = [*(getattr(sample, name) for name in names), plain.test_pure, plain.moved, plain.wrapped]
    answers = [tiers._code_is_integration(function) for function in functions]
    assert answers == [tiers._searched(function, sys.modules[function.__module__]) for function in functions]
    assert answers == [True, True, False, False, False, False, True, True]


def test_make_unit_runs_a_fifth_of_each_property_tests_examples_and_make_test_all() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipes = dict(re.findall(r"^(unit|test): .*\n\t(.*)$", makefile, re.MULTILINE))
    assert "--hypothesis-profile=unit" in recipes["unit"]
    assert "--hypothesis-profile" not in recipes["test"]
    loaded = settings.get_current_profile_name()
    try:
        settings.load_profile("unit")
        assert (settings.default.max_examples, examples(300), examples(400)) == (20, 60, 80)
        settings.load_profile("default")
        assert (settings.default.max_examples, examples(300), examples(400)) == (100, 300, 400)
    finally:
        settings.load_profile(loaded)
