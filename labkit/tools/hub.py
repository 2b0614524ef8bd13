"""The labs on a JupyterHub: each user's server gets the labs, an AWS emulation of its own, and the board.

``deploy/jupyterhub/jupyterhub_config.py`` uses this module (it imports nothing but the standard library,
so a hub whose own environment has no moto, as The Littlest JupyterHub's, can import it):

* :func:`spawner_environment` is the single-user servers' environment: the default in-kernel ``moto``
  backend (every user's AWS emulation lives in their own kernels: no server is shared, none grows with the
  room), ``LABKIT_PARTICIPANT`` derived from the hub user name by :func:`participant_name`, and
  ``LABKIT_BOARD_URL``, the instructor's ``labkit serve`` that holds the progress board
  (:func:`labkit.tools.workshop.board_url`) and nothing else.
* ``python -m labkit.tools.hub [ARGS…]`` is the single-user server's command: it copies the labs into the
  user's home (:func:`copy_labs`, as the user, so the files are theirs) and then runs
  ``jupyterhub-singleuser ARGS…`` in its place.

Spawner options used: ``Spawner.environment`` (values may be callables given the spawner) and ``Spawner.cmd``
(https://jupyterhub.readthedocs.io/en/stable/reference/api/spawner.html).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: The folder in each user's home that holds their copy of the labs.
LABS_FOLDER = "aws-monitoring-labs"
#: What a user's copy holds, from the repository: the notebooks (with the Japanese edition and the start page)
#: and the datasets they open by relative path; the notebooks' sources and catalogues are for contributors.
COPIED = ("notebooks", "data")
SKIPPED = ("src", "locale", "sanitize.cfg")

#: labkit's own rule for participant names (:func:`labkit.runtime.participant.normalize`; they become part of
#: SSM parameter names on the board). tests/test_hub.py checks every name made here passes that function.
_ALLOWED = re.compile(r"[^a-z0-9_.-]")
_LENGTH = 40


def participant_name(username: str) -> str:
    """The board name of hub user ``username``: the user name lower-cased when labkit accepts it as it is,
    else its allowed characters (others as ``-``) and 8 hex digits of its SHA-256, so two users never share
    a name (``a@b.org`` and ``a-b.org`` stay apart)."""
    lowered = username.strip().lower()
    if lowered and len(lowered) <= _LENGTH and not _ALLOWED.search(lowered):
        return lowered
    digest = hashlib.sha256(username.encode()).hexdigest()[:8]
    return f"{_ALLOWED.sub('-', lowered)[: _LENGTH - 9]}-{digest}"


def spawner_environment(board_url: str | None, labs_source: Path) -> dict[str, str | Callable[[Any], str]]:
    """``Spawner.environment`` for the labs: the in-kernel backend, the participant's name, the board and where
    the labs are copied from. No ``LABKIT_ENDPOINT_URL``: no AWS emulation is shared."""
    environment: dict[str, str | Callable[[Any], str]] = {
        "LABKIT_BACKEND": "moto",
        "LABKIT_PARTICIPANT": lambda spawner: participant_name(spawner.user.name),
        "LABKIT_LABS_SOURCE": str(labs_source),
    }
    if board_url:
        environment["LABKIT_BOARD_URL"] = board_url
    return environment


def _files(source: Path) -> Iterator[Path]:
    for top in COPIED:
        for path in sorted((source / top).rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and not any(part in SKIPPED for part in relative.parts[1:2]):
                yield relative


def copy_labs(source: Path, home: Path) -> list[Path]:
    """Copy the labs from the repository at ``source`` into ``home``/aws-monitoring-labs; the files copied.

    Only files the user does not have yet are copied: a user's edited notebook is never overwritten, and a
    notebook added to the course later reaches them at their next start.
    """
    target = home / LABS_FOLDER
    copied = []
    for relative in _files(source):
        destination = target / relative
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination)
        copied.append(destination)
    return copied


def main(argv: list[str] | None = None) -> None:
    """Copy the labs into the user's home, then become ``jupyterhub-singleuser`` with ``argv``."""
    args = sys.argv[1:] if argv is None else argv
    source = os.environ.get("LABKIT_LABS_SOURCE")
    if not source:
        raise SystemExit("labkit.tools.hub: LABKIT_LABS_SOURCE (the repository to copy the labs from) is not set")
    copy_labs(Path(source), Path.home())
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    os.execv(singleuser, [str(singleuser), *args])


if __name__ == "__main__":
    main()
