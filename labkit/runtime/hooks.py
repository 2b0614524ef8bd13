"""How the runtime tells the layers above it what happened, without importing them.

A layer above registers a callback here; the runtime (and the lesson helpers) call every
registered callback at the moment its list names. The workshop's progress board
(:func:`labkit.tools.workshop.install`, installed by ``labkit.connect``) is what listens today.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Callback = TypeVar("Callback", bound=Callable[..., object])

#: ``(endpoint_url, region, participant)``: a workshop participant's lab connected to the room's moto server.
participant_joined: list[Callable[[str, str, str], object]] = []
#: ``(notebook, passed, total)``: a notebook's "Check your work" ran (:meth:`labkit.lesson.checks.Checks.report`).
checks_reported: list[Callable[[str, int, int], object]] = []


def register(hooks: list[Callback], callback: Callback) -> None:
    """Add ``callback`` to ``hooks`` once (registering twice, as a second ``connect`` does, changes nothing)."""
    if callback not in hooks:
        hooks.append(callback)
