"""Environment variables set for a while and put back: the offline lab's fake credentials
(:mod:`labkit.runtime.backends`) and the notebook kernels' settings (:mod:`labkit.tools.notebooks`,
:mod:`labkit.tools.prewarmed`, whose zygote imports this module: it imports nothing of labkit's)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def put_environment(values: Mapping[str, str | None]) -> dict[str, str | None]:
    """Set each environment variable of ``values`` (None: unset it); returns what they were, which put back
    the same way restores them."""
    before = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return before


@contextmanager
def restored_environment(*keys: str) -> Iterator[None]:
    """The environment variables ``keys`` as they were (set or not) once the block ends, whatever it changed."""
    saved = {key: os.environ.get(key) for key in keys}
    try:
        yield
    finally:
        put_environment(saved)
