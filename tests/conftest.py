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
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Tests never see the developer's labkit settings or persisted registry, nor a lab another
    test left open (its moto, and moto's clock pointed at its lab clock, would outlive it)."""
    for key in list(os.environ):
        if key.startswith("LABKIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("LABKIT_HOME", str(tmp_path / "labkit-home"))
    yield
    from labkit import lab as lab_module

    if lab_module._open_lab is not None:
        lab_module._open_lab.close()


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A lab on in-process moto at the default fixed start time."""
    opened = labkit.connect("moto")
    yield opened
    opened.close()
