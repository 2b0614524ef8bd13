"""The labs on JupyterHub, end to end on loopback: deploy/jupyterhub/ with K simulated participants.

`make test-workshop` (HUB_USERS=K, default 2) starts, on 127.0.0.1 only:

* the instructor's board: ``labkit serve`` (a labkit moto server that holds the progress board and nothing else);
* JupyterHub with deploy/jupyterhub/jupyterhub_config.py, then, for the test only, JupyterHub's
  ``SimpleLocalProcessSpawner`` (no system users; each home a folder here) and ``DummyAuthenticator``, and a
  service token to administer the hub through its REST API
  (https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html).

Each participant, concurrently: is created, receives an API token of their own (as a login gives one), starts
their server with it (``POST /hub/api/users/{name}/server``), and through the hub's proxy and their server's
REST API opens a session per notebook (``POST /user/{name}/api/sessions``: a kernel whose working folder is the
notebook's) and runs every code cell of notebooks 00, 01 and 02 over the kernel's WebSocket (Jupyter messaging
protocol, ``execute_request``: https://jupyter-client.readthedocs.io/en/stable/messaging.html). The notebooks
are their own copies in their home, as the hub's spawner put them there.

Checked: every cell ran without error, every participant's lab ran on the in-kernel ``moto`` backend, and the
board (``labkit status``) shows each participant's three notebooks with every check passing. Printed: the time and
peak memory (RSS of the user's server and kernel) of each participant, and the hub's, the proxy's and the board's
memory: the figures of README's capacity model.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from labkit.tools.hub import LABS_FOLDER, participant_name
from labkit.tools.workshop import format_status, status

pytestmark = pytest.mark.workshop

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("00-setup-and-monitoring-types", "01-metric-exploration", "02-cpu-alarm")
USERS = int(os.environ.get("HUB_USERS", "2"))
CELL_TIMEOUT = 900  # seconds: K kernels share the machine's cores
MIB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[Any]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _rss(pid: int) -> int:
    """Resident memory of process ``pid`` alone, in bytes."""
    import psutil

    return int(psutil.Process(pid).memory_info().rss)


def _children_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the processes under ``pid``: a server's kernels."""
    import psutil

    total = 0.0
    for child in psutil.Process(pid).children(recursive=True):
        try:
            times = child.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _tree_rss(pid: int) -> int:
    """Resident memory of process ``pid`` and every process under it, in bytes (0 once it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


@pytest.fixture(scope="module")
def board() -> Iterator[tuple[str, int]]:
    """The instructor's ``labkit serve``: its URL and pid."""
    process = subprocess.Popen(
        [sys.executable, "-m", "labkit", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        assert ready, "labkit serve printed nothing within 120 s"
        first = process.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("labkit workshop server on http://127.0.0.1:"), first
        yield first.split()[4], process.pid
    finally:
        _stop(process)


@dataclass
class Hub:
    url: str
    token: str
    pid: int
    homes: Path


@pytest.fixture(scope="module")
def hub(board: tuple[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """JupyterHub on 127.0.0.1 from deploy/jupyterhub/, with a local spawner and a test service's token."""
    pytest.importorskip("jupyterhub", reason="the `workshop` extra is not installed: run `make test-workshop`")
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy (npm) is not on PATH: run `make test-workshop`")
    folder = tmp_path_factory.mktemp("hub")
    homes = folder / "home"
    homes.mkdir()
    port, hub_port, proxy_api_port = _free_port(), _free_port(), _free_port()
    token = secrets.token_hex(32)
    allow_root = ["--allow-root"] if os.geteuid() == 0 else []  # jupyter-server refuses root without it
    (folder / "jupyterhub_config.py").write_text(f"""
load_subconfig({str(REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py")!r})
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = {str(folder / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{folder / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(folder / "cookie_secret")!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(homes / "{username}")!r}
c.Spawner.args = [*c.Spawner.args, *{allow_root!r}]
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600
c.JupyterHub.services = [{{"name": "labkit-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "labkit-test",
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "tokens", "access:servers"],
    "services": ["labkit-test"],
}}]
""")
    env = {**os.environ, "LABKIT_BOARD_URL": board[0]}
    env.pop("LABKIT_ENDPOINT_URL", None)
    log = (folder / "hub.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(folder / "jupyterhub_config.py")],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (folder / "hub.log").read_text()[-3000:]
            try:  # the proxy listens first; the hub's API answers through it once the hub has set its routes
                urllib.request.urlopen(f"{url}/hub/api/", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the hub's API did not answer within 180 s"
                time.sleep(1)
        yield Hub(url, token, process.pid, homes)
    finally:
        _stop(process)
        log.close()
        _stop_proxy(folder / "proxy.pid")


def _stop_proxy(pid_file: Path) -> None:
    """The proxy the hub started, if the hub left it running (it does when stopped before it was ready)."""
    import psutil

    if pid_file.is_file():
        try:
            proxy = psutil.Process(int(pid_file.read_text()))
            if "configurable-http-proxy" in " ".join(proxy.cmdline()):
                proxy.terminate()
                proxy.wait(timeout=10)
        except (psutil.NoSuchProcess, ValueError):
            pass


@dataclass
class Participant:
    name: str
    seconds: dict[str, float] = field(default_factory=dict)
    spawn_seconds: float = 0.0
    peak_rss: int = 0  # the user's server and its kernels
    peak_server_rss: int = 0  # the server alone
    kernel_cpu: float = 0.0  # CPU seconds (user + system) of the three notebooks' kernels
    server_cpu: float = 0.0  # CPU seconds of the single-user server itself, from its start
    backends: list[str] = field(default_factory=list)


class Client:
    """The hub's REST API and a user's server, through the hub's proxy, with one token."""

    def __init__(self, base: str, token: str) -> None:
        from tornado.httpclient import AsyncHTTPClient

        self.base, self.token = base, token
        self.http = AsyncHTTPClient()

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        from tornado.httpclient import HTTPClientError

        try:
            response = await self.http.fetch(
                f"{self.base}{path}",
                method=method,
                headers={"Authorization": f"token {self.token}"},
                body=None if body is None and method == "GET" else json.dumps(body or {}),
                request_timeout=CELL_TIMEOUT,
                allow_nonstandard_methods=True,
            )
        except HTTPClientError as error:
            detail = error.response.body.decode() if error.response is not None else ""
            raise AssertionError(f"{method} {path}: {error} {detail}") from error
        return json.loads(response.body) if response.body else None


def _message(session: str, code: str) -> dict[str, Any]:
    msg_id = uuid.uuid4().hex
    return {
        "header": {
            "msg_id": msg_id,
            "username": "labkit-test",
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": dt.datetime.now(dt.timezone.utc).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "buffers": [],
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    }


async def _run_notebook(user: Client, name: str, path: str, who: Participant, server_pid: int) -> None:
    """Every code cell of the user's copy of ``path``, in a kernel of their server, in order; fails on an error."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    cells = (await user.call("GET", f"/user/{name}/api/contents/{path}"))["content"]["cells"]
    session = await user.call(
        "POST",
        f"/user/{name}/api/sessions",
        {"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}},
    )
    kernel = session["kernel"]["id"]
    url = user.base.replace("http", "ws", 1) + f"/user/{name}/api/kernels/{kernel}/channels"
    socket_ = await websocket_connect(
        HTTPRequest(  # tornado's 20 s defaults are too short for K kernels starting
            url,
            headers={"Authorization": f"token {user.token}"},
            connect_timeout=CELL_TIMEOUT,
            request_timeout=CELL_TIMEOUT,
        )
    )
    session_id = uuid.uuid4().hex
    try:
        for number, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            request = _message(session_id, "".join(cell["source"]))
            socket_.write_message(json.dumps(request))
            output: list[str] = []
            while True:
                raw = await asyncio.wait_for(socket_.read_message(), CELL_TIMEOUT)
                assert raw is not None, f"{name} {path} cell {number}: the kernel's socket closed"
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                if reply["msg_type"] == "stream":
                    output.append(reply["content"]["text"])
                if reply["msg_type"] == "execute_reply":
                    content = reply["content"]
                    assert content["status"] == "ok", (
                        f"{name} {path} cell {number}: {content.get('ename')}: {content.get('evalue')}\n"
                        + "".join(output)[-2000:]
                    )
                    break
            who.peak_rss = max(who.peak_rss, _tree_rss(server_pid))
            who.peak_server_rss = max(who.peak_server_rss, _rss(server_pid))
        # The notebook's own lab, read back in the reply (a printed line's iopub message may come after it).
        probe = _message(session_id, "")
        probe["content"]["user_expressions"] = {"backend": "lab.backend.name"}
        socket_.write_message(json.dumps(probe))
        while True:
            reply = json.loads(await asyncio.wait_for(socket_.read_message(), 60))
            if reply.get("parent_header", {}).get("msg_id") == probe["header"]["msg_id"] and (
                reply["msg_type"] == "execute_reply"
            ):
                who.backends.append(reply["content"]["user_expressions"]["backend"]["data"]["text/plain"].strip("'"))
                break
        who.kernel_cpu += _children_cpu(server_pid)  # this notebook's kernel, the only one running
    finally:
        socket_.close()
        await user.call("DELETE", f"/user/{name}/api/sessions/{session['id']}")


async def _participant(hub: Hub, admin: Client, username: str) -> Participant:
    import psutil

    who = Participant(username)
    started = time.monotonic()
    await admin.call("POST", f"/hub/api/users/{username}")
    token = (await admin.call("POST", f"/hub/api/users/{username}/tokens", {"note": "simulated login"}))["token"]
    user = Client(hub.url, token)
    await user.call("POST", f"/hub/api/users/{username}/server")
    while True:
        model = await admin.call("GET", f"/hub/api/users/{username}")
        server = model["servers"].get("")
        if server and server["ready"]:
            break
        await asyncio.sleep(1)
    who.spawn_seconds = time.monotonic() - started
    pid = int(server["state"]["pid"])
    for notebook in NOTEBOOKS:
        begun = time.monotonic()
        await _run_notebook(user, username, f"{LABS_FOLDER}/notebooks/{notebook}.ipynb", who, pid)
        who.seconds[notebook] = time.monotonic() - begun
    times = psutil.Process(pid).cpu_times()
    who.server_cpu = times.user + times.system
    return who


def test_k_participants_run_notebooks_00_to_02_on_the_hub_and_the_board_shows_them(
    hub: Hub, board: tuple[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    import psutil

    names = [f"participant{n:02d}" for n in range(USERS)]
    admin = Client(hub.url, hub.token)

    async def everyone() -> list[Participant]:
        return list(await asyncio.gather(*(_participant(hub, admin, name) for name in names)))

    started = time.monotonic()
    participants = asyncio.run(everyone())
    wall = time.monotonic() - started

    proxy = [p for p in psutil.Process(hub.pid).children() if "configurable-http-proxy" in " ".join(p.cmdline())]
    with capsys.disabled():
        print(
            f"\n{USERS} participant(s), notebooks 00-02, all at once: {wall:.0f} s wall, "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(
            f"{'participant':<15}{'spawn s':>9}"
            + "".join(f"{nb[:2] + ' s':>8}" for nb in NOTEBOOKS)
            + f"{'peak RSS MiB (server)':>23}{'kernel CPU s':>14}{'server CPU s':>14}"
        )
        for who in participants:
            print(
                f"{who.name:<15}{who.spawn_seconds:>9.1f}"
                + "".join(f"{who.seconds[nb]:>8.1f}" for nb in NOTEBOOKS)
                + f"{who.peak_rss / MIB:>15.0f} ({who.peak_server_rss / MIB:>3.0f}){who.kernel_cpu:>14.1f}"
                + f"{who.server_cpu:>14.1f}"
            )
        print(
            f"hub {psutil.Process(hub.pid).memory_info().rss / MIB:.0f} MiB, proxy "
            f"{sum(p.memory_info().rss for p in proxy) / MIB:.0f} MiB, board (labkit serve) "
            f"{_tree_rss(board[1]) / MIB:.0f} MiB"
        )
        print(format_status(status(board[0])))

    for who in participants:
        assert who.backends == ["moto"] * len(NOTEBOOKS), who  # each lab in its own kernels: nothing shared
        assert (hub.homes / who.name / LABS_FOLDER / "data" / "cpu-week-batch.csv").is_file()
    rows = {row.participant: row.results for row in status(board[0])}
    for name in names:
        results = rows[participant_name(name)]
        assert set(results) == set(NOTEBOOKS), results
        assert all(passed == total > 0 for passed, total in results.values()), results
