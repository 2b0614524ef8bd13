"""Shared fixtures: every test gets its own lab on a fresh in-process moto, closed afterwards."""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import labkit
from labkit.runtime.lab import Lab
from labkit.tools import prewarmed
from labkit.tools.doctor import shared_dir
from tiers import is_integration

REPO = Path(__file__).resolve().parents[1]
#: The project's shared cross-check material: ../shared beside the clone (as in CI), or where
#: LABKIT_SHARED_DIR says (a git worktree elsewhere); read once, before tests clear LABKIT_ variables.
SHARED = shared_dir()


def find_shared_file(relative: str) -> Path:
    """A cross-check file of ../shared (never needed by the kit itself): its path when present;
    when absent, a failure under CI=true and otherwise a skip whose reason `-rs` prints.
    Every test that reads ../shared goes through here (the ``shared_file`` fixture)."""
    path = SHARED / relative
    if path.is_file():
        return path
    where = f"{relative} of the shared folder (looked for {path})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the cross-check file {where} is missing")
    pytest.skip(f"cross-check file {where} is not here; CI=true requires it, LABKIT_SHARED_DIR may point to it")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the integration tests (:func:`is_integration`): the unit tier leaves them out."""
    for item in items:
        if is_integration(item):
            item.add_marker(pytest.mark.integration)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Load what every worker keeps for the whole run (botocore's service models, moto's modules), before the root
    conftest.py's ``pytest_collection_finish`` (``trylast``) freezes what the process has loaded."""
    if not session.items or session.config.option.collectonly:
        return
    from moto.backends import get_backend

    opened = labkit.connect("moto")
    for service in prewarmed.LAB_SERVICES:  # their botocore models and moto modules, before the freeze
        opened.client(service)
        get_backend(service)  # type: ignore[call-overload]
    opened.close()


@pytest.fixture
def shared_file() -> Callable[[str], Path]:
    """:func:`find_shared_file`, for tests: ``shared_file("seed/article-ja.txt")``."""
    return find_shared_file


_homes = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_environment(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Tests never see the developer's labkit settings or persisted registry, nor a lab another
    test left open (its moto, and moto's clock pointed at its lab clock, would outlive it).
    LABKIT_HOME is ``tmp_path / "labkit-home"`` for a test that asks for ``tmp_path``; for the others a
    path of their own that nothing has made (the kit makes it when it writes there): a ``tmp_path``
    directory for each of the tier's ~2,600 tests cost more than most of them."""
    for key in list(os.environ):
        if key.startswith("LABKIT_") and key != prewarmed.SOCKET_VARIABLE:  # the test process's own zygote
            monkeypatch.delenv(key)
    if "tmp_path" in request.fixturenames:
        home = request.getfixturevalue("tmp_path") / "labkit-home"
    else:
        home = tmp_path_factory.getbasetemp() / "labkit-homes" / str(next(_homes))
    monkeypatch.setenv("LABKIT_HOME", str(home))
    yield
    from labkit.runtime import lab as lab_module

    if lab_module._open_lab is not None:
        lab_module._open_lab.close()


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A lab on in-process moto at the default fixed start time."""
    opened = labkit.connect("moto")
    yield opened
    opened.close()


def _serving(running: Any) -> Iterator[str]:
    """Start a moto server on loopback, give its URL, stop it afterwards (its request log silenced)."""
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    running.start()
    host, port = running.get_host_and_port()
    yield f"http://{host}:{port}"
    running.stop()


# A plain moto server on loopback, one per test module that asks for it (no labkit endpoint: the kit's fallbacks).
@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    yield from _serving(ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False))


# labkit's server on loopback (a workshop's `labkit serve`: moto's with labkit's endpoints), one per test module.
@pytest.fixture(scope="module")
def labkit_server() -> Iterator[str]:
    from labkit.emulator.server import labkit_server as make_server

    yield from _serving(make_server("127.0.0.1", 0))
