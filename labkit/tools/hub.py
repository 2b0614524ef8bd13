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

What the command says to a user speaks ``LABKIT_LANG``, from labkit's catalogue read with the standard library
(:func:`_`): :mod:`labkit.i18n` needs Babel, which the hub's environment may not have.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

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


#: labkit's catalogues (labkit/locale/<lang>/LC_MESSAGES/labkit.po, as :func:`labkit.i18n.catalogue_path` has them).
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def read_po(path: Path) -> dict[str, str]:
    """The translations of a ``.po`` catalogue as Babel writes it (``make messages``): ``{msgid: msgstr}`` for each
    entry with a translation, leaving out fuzzy ones (as :mod:`labkit.i18n` does), plural forms and obsolete entries.
    A PO string is quoted with C's escapes, which Python's string literals share, so :func:`ast.literal_eval` reads it.
    """
    translations = {}
    for entry in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        field = ""
        for line in entry.splitlines():
            if line.startswith('"') and field:
                fields[field] += ast.literal_eval(line)
            elif line.startswith(("msgid ", "msgstr ")):
                field, _space, literal = line.partition(" ")
                fields[field] = ast.literal_eval(literal)
            else:  # a comment or flags, msgid_plural, msgstr[n]: what follows is not a singular entry's
                field = ""
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in entry.splitlines())
        if fields.get("msgid") and fields.get("msgstr") and not fuzzy:
            translations[fields["msgid"]] = fields["msgstr"]
    return translations


@cache
def _catalogue(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "labkit.po"
    return read_po(path) if lang != "en" and path.is_file() else {}


def _(message: str) -> str:
    """``message`` in the language of ``LABKIT_LANG`` (English when it is unset or has no translation)."""
    return _catalogue(os.environ.get("LABKIT_LANG", "en")).get(message, message)


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


def _stop(message: str) -> NoReturn:
    raise SystemExit(f"labkit.tools.hub: {message}")


def main(argv: list[str] | None = None) -> None:
    """Copy the labs into the user's home, then become ``jupyterhub-singleuser`` with ``argv``."""
    args = sys.argv[1:] if argv is None else argv
    source = os.environ.get("LABKIT_LABS_SOURCE")
    if not source:
        _stop(_("LABKIT_LABS_SOURCE (the repository to copy the labs from) is not set"))
    if not Path(source).is_dir():
        _stop(
            _("there is no folder {source} (LABKIT_LABS_SOURCE, the repository to copy the labs from)").format(
                source=source
            )
        )
    if not (Path(source) / "notebooks").is_dir():  # another folder: nothing would be copied
        _stop(
            _("{source} (LABKIT_LABS_SOURCE) has no notebooks folder: it is not the repository of the labs").format(
                source=source
            )
        )
    copy_labs(Path(source), Path.home())
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    os.execv(singleuser, [str(singleuser), *args])


if __name__ == "__main__":
    main()
