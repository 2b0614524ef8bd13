"""Emulated state that outlives the process that made it, kept on the moto server.

On a workshop's moto server (``LABKIT_ENDPOINT_URL``) a participant's account is used by more
than one process: ``labkit catchup`` builds what earlier notebooks leave, then the notebook's
kernel connects; a second kernel or laptop joins the same account. moto keeps the resources, but
what only the emulator knows (an email subscription's confirmation, an alarm's history) would die
with the process that made it. Plugins keep such state here: one SSM parameter per item,
``/labkit/state/<account>/<kind>/<key>``, in the workshop's own account
(:data:`labkit.tools.workshop.WORKSHOP_ACCOUNT_ID`), so the learner's account shows none of it. A plugin
reads its kind once when the lab connects and writes an item whenever it changes.

Used by :mod:`labkit.emulator.sns_email` (notebook 02-cpu-alarm's email subscription),
:mod:`labkit.emulator.cloudwatch_alarms` (alarm history), :mod:`labkit.emulator.budgets`,
:mod:`labkit.emulator.cloudwatch_metrics`, :mod:`labkit.emulator.cloudwatch_mute_rules`,
:mod:`labkit.emulator.contributor_insights`, :mod:`labkit.emulator.cloudwatch_anomaly`,
:mod:`labkit.emulator.cloudwatch_composite` and :mod:`labkit.emulator.cloudwatch_log_alarms`.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from labkit.emulator.moto_accounts import WORKSHOP_ACCOUNT_ID, session_in

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def jsonable(value: Any) -> Any:
    """``value`` (dicts, lists, scalars and datetimes, as the plugins keep their items) as JSON: a datetime
    becomes ``{"@": "<ISO 8601>"}``; :func:`revived` undoes it."""
    if isinstance(value, dt.datetime):
        return {"@": value.isoformat()}
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def revived(value: Any) -> Any:
    """The inverse of :func:`jsonable`."""
    if isinstance(value, dict):
        if set(value) == {"@"}:
            return dt.datetime.fromisoformat(value["@"])
        return {key: revived(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revived(item) for item in value]
    return value


def item_key(name: str) -> str:
    """``name`` (an alarm name may hold spaces, quotes, …) as characters an SSM parameter name allows
    ([a-zA-Z0-9_.-], "Creating Parameter Store parameters in Systems Manager",
    https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html)."""
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=") or "_"


class ServerState:
    """Items of one ``kind`` of emulated state of one account, as JSON, on the moto server."""

    def __init__(self, lab: Lab, kind: str) -> None:
        backend = lab.backend
        session = session_in(WORKSHOP_ACCOUNT_ID, lab.region)
        self._ssm = session.client("ssm", endpoint_url=backend.endpoint_url, config=backend.client_config)
        self._path = f"/labkit/state/{backend.account_id}/{kind}"

    @staticmethod
    def available(lab: Lab) -> bool:
        """True on a moto server in another process, where the next process may need the state."""
        return not lab.backend.in_process and bool(lab.backend.endpoint_url) and lab.backend.emulated

    def load(self) -> dict[str, Any]:
        """Every item of this kind, by key."""
        found: dict[str, Any] = {}
        for page in self._ssm.get_paginator("get_parameters_by_path").paginate(Path=self._path):
            for parameter in page["Parameters"]:
                found[parameter["Name"].rsplit("/", 1)[-1]] = json.loads(parameter["Value"])
        return found

    def save(self, key: str, value: Any) -> None:
        self._ssm.put_parameter(Name=f"{self._path}/{key}", Value=json.dumps(value), Type="String", Overwrite=True)

    def get(self, key: str) -> Any | None:
        """The item ``key`` as the server holds it now, or None."""
        try:
            return json.loads(self._ssm.get_parameter(Name=f"{self._path}/{key}")["Parameter"]["Value"])
        except self._ssm.exceptions.ParameterNotFound:
            return None

    def claim(self, key: str, value: Any) -> bool:
        """Save ``value`` as ``key`` unless the item exists: True when this call made it. PutParameter without
        ``Overwrite`` fails with ``ParameterAlreadyExists`` when the parameter exists (PutParameter API reference,
        https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html), and moto checks and
        stores in one step of its request handler: of the processes that claim one key, one wins."""
        try:
            self._ssm.put_parameter(Name=f"{self._path}/{key}", Value=json.dumps(value), Type="String")
        except self._ssm.exceptions.ParameterAlreadyExists:
            return False
        return True

    def drop(self, key: str) -> None:
        try:
            self._ssm.delete_parameter(Name=f"{self._path}/{key}")
        except self._ssm.exceptions.ParameterNotFound:
            pass
