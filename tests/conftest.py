"""Shared fixtures: every test gets its own lab on a fresh in-process moto, closed afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import labkit
from labkit.lab import Lab

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's labkit settings or persisted registry."""
    for key in list(os.environ):
        if key.startswith("LABKIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("LABKIT_HOME", str(tmp_path / "labkit-home"))


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A lab on in-process moto at the default fixed start time."""
    opened = labkit.connect("moto")
    yield opened
    opened.close()
