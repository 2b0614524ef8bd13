"""Running the labs as a workshop: one moto server for the room, an account per participant,
a progress board for the instructor, and catch-up for late joiners.

* ``labkit serve`` starts a moto server (moto's ``ThreadedMotoServer``) for the room.
* Each participant sets ``LABKIT_ENDPOINT_URL`` (the server) and ``LABKIT_PARTICIPANT`` (a name).
  :func:`labkit.runtime.participant.identity` derives, from the name alone, a 12-digit account id and fake credentials, and
  every request the participant's lab sends carries the header ``x-moto-account-id``: moto's
  documented way of choosing the account in server mode ("Multi-Account support",
  https://docs.getmoto.org/en/latest/docs/multi_account.html — the header is honoured when the
  server's environment does not set ``MOTO_ACCOUNT_ID``, which ``labkit serve`` therefore clears).
  Two participants never see each other's topics, alarms or instances; the same name always finds
  the same account again (a restarted kernel, a second laptop).
* Every notebook's ``checks.report()`` records its result (passed/total) on the server, as an SSM
  parameter ``/labkit/workshop/<participant>/<notebook>`` in the workshop's own account
  (:data:`labkit.emulator.moto_accounts.WORKSHOP_ACCOUNT_ID`); ``labkit status`` reads them back as a
  table. With ``LABKIT_BOARD_URL`` the board is on a server of its own and the labs stay in their kernels
  (a JupyterHub: :mod:`labkit.tools.hub`). The board listens through :mod:`labkit.runtime.hooks` (:func:`install`, which
  ``labkit.connect`` and the ``labkit`` command call): the runtime never imports the workshop.
* ``labkit catchup NN`` builds, from :mod:`labkit.lesson.prereqs`, what a participant would have at the
  start of notebook NN (:data:`CATCHUP`).

Used by instructors (README, "Workshops and hosting"); participants meet it in notebook
00-setup-and-monitoring-types, whose checks are the first to appear on the board.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.course.curriculum import NOTEBOOKS
from labkit.course.manifest import RunningInstance
from labkit.course.manifests import MANIFESTS
from labkit.emulator.moto_accounts import WORKSHOP_ACCOUNT_ID, session_in
from labkit.emulator.server import labkit_server
from labkit.exceptions import ConfigurationError
from labkit.i18n import N_, _, ngettext, pad, width
from labkit.runtime import hooks
from labkit.runtime.backends import _offline_environment, resolve_backend_name
from labkit.runtime.participant import participant_from_environment

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

STATUS_PATH = "/labkit/workshop"


# -- the progress board ----------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _board(endpoint_url: str, region: str) -> Any:
    from botocore.config import Config

    # A workshop server that is not there must not hang a notebook: fail fast, once. One that is there
    # may take long over its first Parameter Store call (moto loads its public parameters then: 26 s
    # on a loaded 2-core machine), so reading waits longer.
    config = Config(connect_timeout=3, read_timeout=90, retries={"mode": "standard", "max_attempts": 1})
    return session_in(WORKSHOP_ACCOUNT_ID, region).client("ssm", endpoint_url=endpoint_url, config=config)


def _put_status(endpoint_url: str, region: str, name: str, value: dict[str, Any]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        _board(endpoint_url, region).put_parameter(
            Name=f"{STATUS_PATH}/{name}", Value=json.dumps(value), Type="String", Overwrite=True
        )
    except (BotoCoreError, ClientError) as error:
        raise ConfigurationError(
            _("the workshop server at {url} did not answer ({error})").format(url=endpoint_url, error=error)
        ) from error


def board_url(endpoint_url: str | None = None) -> str | None:
    """Where the progress board is: ``LABKIT_BOARD_URL`` when set, else the workshop server itself.

    ``LABKIT_BOARD_URL`` names a ``labkit serve`` server that holds only the board: on a JupyterHub
    (``deploy/jupyterhub/``) each participant's lab runs on the default in-kernel ``moto`` backend, and
    only the check results travel to the instructor's server. Without it the board is on the room's
    workshop server (``endpoint_url``, the participant's ``LABKIT_ENDPOINT_URL``), and only labs on the
    ``moto-server`` backend report there.
    """
    board = os.environ.get("LABKIT_BOARD_URL", "").strip()
    if board:
        return board
    if endpoint_url and resolve_backend_name(None) == "moto-server":
        return endpoint_url
    return None


def record_checks(notebook: str, passed: int, total: int, region: str = "ap-northeast-1") -> bool:
    """Put a notebook's check result on the workshop board (called by ``Checks.report()``).

    Does nothing (returns False) outside a workshop: ``LABKIT_PARTICIPANT`` must be set, and either
    ``LABKIT_BOARD_URL`` (whatever the backend) or ``LABKIT_ENDPOINT_URL`` with the ``moto-server``
    backend (:func:`board_url`). A server that does not answer is reported in one line and never fails
    the notebook.
    """
    endpoint = board_url(os.environ.get("LABKIT_ENDPOINT_URL"))
    participant = participant_from_environment()
    if not endpoint or participant is None:
        return False
    try:
        _put_status(endpoint, region, f"{participant}/{notebook}", {"passed": passed, "total": total, "at": _now()})
    except ConfigurationError as error:
        print(_("(not recorded on the workshop board: {error})").format(error=error))
        return False
    return True


def _joined(endpoint_url: str, region: str, participant: str) -> None:
    """Put ``participant`` on the board as joined (a server that does not answer fails the connect)."""
    _put_status(board_url(endpoint_url) or endpoint_url, region, f"{participant}/joined", {"at": _now()})


def install() -> None:
    """Let the progress board hear of participants joining and of notebooks' checks (idempotent)."""
    hooks.register(hooks.participant_joined, _joined)
    hooks.register(hooks.checks_reported, record_checks)


@dataclass
class Progress:
    """One participant's row on the board."""

    participant: str
    results: dict[str, tuple[int, int]]
    last_seen: str


def status(endpoint_url: str, region: str = "ap-northeast-1") -> list[Progress]:
    """Every participant on the workshop server and their notebooks' check results, by name."""
    ssm = _board(endpoint_url, region)
    rows: dict[str, Progress] = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=STATUS_PATH, Recursive=True):
        for parameter in page["Parameters"]:
            participant, _slash, item = parameter["Name"][len(STATUS_PATH) + 1 :].partition("/")
            value = json.loads(parameter["Value"])
            row = rows.setdefault(participant, Progress(participant, {}, value["at"]))
            row.last_seen = max(row.last_seen, value["at"])
            if item != "joined":
                row.results[item] = (value["passed"], value["total"])
    return [rows[name] for name in sorted(rows)]


def _number(notebook: str) -> str:
    return notebook.split("-", 1)[0]


def format_status(progress: list[Progress]) -> str:
    """The board as text: one row per participant, one column per notebook reported by anyone.

    ``✔ 4/4`` every check passed, ``✘ 2/4`` some failed (the notebook stopped there), ``·`` not reported.
    """
    order = list(NOTEBOOKS)
    seen = {_number(nb) for row in progress for nb in row.results}
    columns = sorted(seen, key=lambda n: (order.index(n) if n in order else len(order), n))
    participant = _("participant")
    first = max([width(participant), *(width(row.participant) for row in progress)])
    lines = ["  ".join([pad(participant, first), *(f"{c:>7}" for c in columns), _("last report (UTC)")])]
    for row in progress:
        by_number = {_number(nb): result for nb, result in row.results.items()}
        cells = []
        for column in columns:
            if column not in by_number:
                cells.append(f"{'·':>7}")
                continue
            passed, total = by_number[column]
            mark = "✔" if passed == total and total else "✘"
            cells.append(f"{mark} {passed}/{total}".rjust(7))
        lines.append("  ".join([pad(row.participant, first), *cells, row.last_seen.replace("T", " ").rstrip("Z")]))
    lines.append(ngettext("{count} participant", "{count} participants", len(progress)).format(count=len(progress)))
    return "\n".join(lines)


# -- the server ------------------------------------------------------------------------------------
def _refuse_busy_port(host: str, port: int) -> None:
    """Raise :class:`ConfigurationError` unless ``host``:``port`` can be listened on (moto's server
    thread would otherwise die and leave ``serve`` waiting forever)."""
    import socket

    if not 0 <= port <= 65535:
        raise ConfigurationError(
            _("port {port}: the port must be between 1 and 65535 (0 picks a free port)").format(port=port)
        )
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
            probe.bind((host, port))
    except OSError as error:
        raise ConfigurationError(
            _(
                "port {port} on {host} is already in use or cannot be listened on ({why}); choose another with --port"
            ).format(port=port, host=host, why=error.strerror)
        ) from error


def start_server(host: str = "127.0.0.1", port: int = 5000) -> tuple[Any, str]:
    """Start the workshop's moto server in this process; returns the server and its URL.

    ``MOTO_ACCOUNT_ID`` is removed from this process's environment first: moto prefers it to the
    per-request header, which would put every participant in the same account.
    """
    import logging

    _refuse_busy_port(host, port)
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    _offline_environment()  # moto makes boto3 sessions itself: fake keys, never ~/.aws
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = labkit_server(host, port)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


def serve(host: str = "127.0.0.1", port: int = 5000) -> None:
    """Run the workshop server until Ctrl-C or SIGTERM, after printing what participants set."""
    import signal
    import threading

    server, url = start_server(host, port)
    shown = url if host not in ("0.0.0.0", "::") else url.replace(host, _("<this machine's address>"))
    print(_("labkit workshop server on {url} (Ctrl-C to stop)").format(url=url), flush=True)
    print(_("Each participant sets, before starting Jupyter:"))
    print("  export LABKIT_BACKEND=moto-server")
    print(f"  export LABKIT_ENDPOINT_URL={shown}")
    print("  export LABKIT_PARTICIPANT=" + _("<their name>      # letters, digits, '.', '_', '-'"))
    print(_("Progress board: labkit status --endpoint {url}").format(url=shown), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_signal: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print(_("workshop server stopped"), flush=True)


# -- catch-up --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CatchupStep:
    """A manifest's :class:`~labkit.course.manifest.Catchup` with its notebook: one thing an earlier notebook
    leaves behind, made by a :mod:`labkit.lesson.prereqs` call.

    ``make(lab, made, confirm_cost)`` returns the thing; ``made`` holds what earlier steps
    returned, by ``key``.
    """

    notebook: str
    what: str
    key: str
    make: Callable[[Lab, dict[str, Any], bool], Any]


#: notebook → the prerequisite calls that build what it leaves behind, in course order: the
#: ``catchup`` of each notebook's manifest (labkit/course/manifests/).
CATCHUP: tuple[CatchupStep, ...] = tuple(
    CatchupStep(m.number, m.catchup.what, m.catchup.key, m.catchup.make) for m in MANIFESTS if m.catchup is not None
)


def _order(notebook: str) -> int:
    if notebook not in NOTEBOOKS:
        raise ConfigurationError(
            _("unknown notebook {notebook!r}; choose one of {notebooks}").format(
                notebook=notebook, notebooks=", ".join(NOTEBOOKS)
            )
        )
    return list(NOTEBOOKS).index(notebook)


def plan(notebook: str) -> list[CatchupStep]:
    """The steps that build the state at the start of ``notebook`` (everything earlier notebooks leave)."""
    start = _order(notebook)
    return [step for step in CATCHUP if _order(step.notebook) < start]


IN_PROCESS_NOTE = N_(
    "nothing to catch up on the in-process moto backend: its account lives and dies with one kernel, "
    "and every notebook builds its own prerequisites (labkit.lesson.prereqs) when it starts. Catch-up is for a "
    "workshop server (LABKIT_ENDPOINT_URL) or a sandbox account."
)


def catchup(lab: Lab, notebook: str, *, confirm_cost: bool = False) -> list[str]:
    """Build, in ``lab``'s account, what a participant has at the start of ``notebook``; returns
    one line per step. On the in-process moto backend there is nothing to build (see
    :data:`IN_PROCESS_NOTE`)."""
    steps = plan(notebook)
    if lab.backend.in_process:
        return [_(IN_PROCESS_NOTE)]
    made: dict[str, Any] = {}
    done = []
    for step in steps:
        made[step.key] = step.make(lab, made, confirm_cost)
        if isinstance(made[step.key], RunningInstance):
            done.append(
                _("✔ notebook {notebook}: {what} (already running: reused)").format(
                    notebook=step.notebook, what=_(step.what)
                )
            )
        else:
            done.append(_("✔ notebook {notebook}: {what}").format(notebook=step.notebook, what=_(step.what)))
    if not steps:
        done.append(_("notebook {notebook} needs nothing from earlier notebooks").format(notebook=notebook))
    return done
