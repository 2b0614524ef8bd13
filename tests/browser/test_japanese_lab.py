"""`make lab-ja` in a real browser (issue 18): JupyterLab's menus in Japanese, the Japanese start page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labkit.tools.notebooks import notebook_paths

from test_first_ten_minutes import CHROMIUM, CHROMIUM_ARGS, REPO, STARTUP_SECONDS, LabServer, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab_ja(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package or set CHROMIUM")
    server = LabServer(tmp_path_factory.mktemp("lab-ja"), target="lab-ja")
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def test_make_lab_ja_shows_japanese_menus_and_the_japanese_start_page(
    lab_ja: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import sync_playwright

    url = lab_ja.printed_url()
    assert "/lab/tree/ja/START-HERE.md?" in url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        browser.set_default_timeout(60_000)
        try:
            page: Any = browser.new_page()
            page.goto(url)
            page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=STARTUP_SECONDS * 1000)
            page.get_by_role("heading", name="はじめに: AWS 監視ラボ (日本語版)").wait_for()
            menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
            assert "編集" in menus and "カーネル" in menus, menus
            links = page.locator(".jp-RenderedMarkdown table a")
            assert links.count() == len(notebook_paths(REPO, edition="ja"))
            screenshot(page, "03-japanese-start-page", capsys)
        finally:
            browser.close()
