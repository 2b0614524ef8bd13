"""On a failing browser test, a screenshot of what the browser showed (its path is printed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[FAILED] = report.failed


FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if request.node.stash.get(FAILED, False) and "page" in request.fixturenames:
        page: Any = request.getfixturevalue("page")
        folder = request.module.SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"failed-{request.node.name}.png"
        page.screenshot(path=str(path))
        print(f"\nscreenshot of the failure: {path}")
