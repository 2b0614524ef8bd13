"""Who this process is on a workshop's moto server: a participant's own account, derived from a name.

Each participant sets ``LABKIT_ENDPOINT_URL`` (the room's server) and ``LABKIT_PARTICIPANT`` (a
name). :func:`identity` derives, from the name alone, a 12-digit account id and fake credentials,
and every request the participant's lab sends carries moto's account header
(:mod:`labkit.emulator.moto_accounts`). Two participants never see each other's resources; the
same name always finds the same account again (a restarted kernel, a second laptop).

The workshop itself (the server, the progress board, catch-up) is :mod:`labkit.tools.workshop`,
which hears of a participant joining through :data:`labkit.runtime.hooks.participant_joined`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass

import boto3

from labkit.emulator.moto_accounts import MOTO_ACCOUNT_ID, WORKSHOP_ACCOUNT_ID, offline_session, session_in
from labkit.exceptions import ConfigurationError
from labkit.i18n import _
from labkit.runtime import hooks

#: Participant names become part of SSM parameter names ([a-zA-Z0-9_.-], "Creating Parameter
#: Store parameters in Systems Manager", https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html).
_NAME = re.compile(r"^[a-z0-9_.-]{1,40}$")


@dataclass(frozen=True)
class Identity:
    """A participant's account and fake credentials on the workshop server."""

    participant: str
    account_id: str
    access_key_id: str
    secret_access_key: str


def normalize(participant: str) -> str:
    """The participant's name as the server knows it: trimmed and lower-case ("Aiko" is "aiko")."""
    name = participant.strip().lower()
    if not _NAME.match(name):
        raise ConfigurationError(
            _("LABKIT_PARTICIPANT {name!r} must be 1-40 letters, digits, '.', '_' or '-' (no spaces)").format(
                name=participant
            )
        )
    return name


def identity(participant: str) -> Identity:
    """The account id and credentials of ``participant``, derived from the name alone.

    Account id: the first 8 bytes of SHA-256("labkit-participant:<name>") modulo 10^12, as 12
    digits (moved by one in the unlikely case it is moto's default or the workshop account).
    Credentials: an ``LKIA…`` access key id and a secret from the same digest. moto does not check
    them; they only make each participant's requests recognisable in the server log.
    """
    name = normalize(participant)
    digest = hashlib.sha256(f"labkit-participant:{name}".encode()).digest()
    number = int.from_bytes(digest[:8], "big") % 10**12
    while f"{number:012d}" in (MOTO_ACCOUNT_ID, WORKSHOP_ACCOUNT_ID):
        number = (number + 1) % 10**12
    key = "LKIA" + base64.b32encode(digest[8:18]).decode()[:16]
    secret = base64.b64encode(hashlib.sha256(digest).digest()).decode()[:40]
    return Identity(name, f"{number:012d}", key, secret)


def participant_from_environment() -> str | None:
    """``LABKIT_PARTICIPANT``, normalized, or None when it is not set."""
    value = os.environ.get("LABKIT_PARTICIPANT", "").strip()
    return normalize(value) if value else None


def server_identity(region: str, endpoint_url: str) -> tuple[boto3.Session, str, str]:
    """The session, account id and registry key of this process on the moto server at ``endpoint_url``.

    Without ``LABKIT_PARTICIPANT`` it is moto's default account; with it, the participant's own
    account; every :data:`labkit.runtime.hooks.participant_joined` callback hears of it first (the
    workshop's board marks the participant as joined, and fails the connect when the server does not answer).
    """
    participant = participant_from_environment()
    if participant is None:
        return offline_session(region), MOTO_ACCOUNT_ID, f"moto-server:{endpoint_url}"
    who = identity(participant)
    for joined in hooks.participant_joined:
        joined(endpoint_url, region, who.participant)
    session = session_in(who.account_id, region, who.access_key_id, who.secret_access_key)
    return session, who.account_id, f"moto-server:{endpoint_url}#{who.participant}"
