"""The lab's web server: a small HTTP server on 127.0.0.1 that can be made to fail or slow down.

It stands in for the page the article's service/URL monitoring (サービス/URL監視) watches: the
server can be up — its port accepts connections — while the page answers ``503 Service
Unavailable``. ``LabWebServer.fail(503)``, ``.slow(seconds)`` and ``.heal()`` switch its
behaviour. It listens on loopback only, on a port the system picks (port 0), in a thread that
stops when the lab is torn down or closed. Teardown lists it as ``labkit:web-server``.
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from labkit.emulator.canaries import require_loopback
from labkit.exceptions import ConfigurationError
from labkit.i18n import _
from labkit.runtime import resources

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

HOST = "127.0.0.1"
#: How often the serving thread looks whether it should stop (seconds).
POLL = 0.1
#: The longest a lab may slow the server down: probes must stay bounded.
MAX_DELAY = 10.0
PAGE = b"<!doctype html><title>lab-web</title><h1>Hello from the lab web server</h1>\n"

#: The running servers, by registry key (lab id and server name).
_RUNNING: dict[str, LabWebServer] = {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.requests += 1
        if owner.delay:
            time.sleep(owner.delay)
        status = owner.status
        body = PAGE if status == 200 else f"{status} {self.responses.get(status, ('',))[0]}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LabWebServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a probe's timeout) is not the server's error: stay quiet about it.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LabWebServer:
    """A running lab web server. Start one with :func:`serve`."""

    kind_name: ClassVar[str] = "labkit:web-server"

    def __init__(self, lab: Lab, name: str) -> None:
        self.lab = lab
        self.name = name
        self.status = 200
        self.delay = 0.0
        self.requests = 0
        self._httpd = _Server((HOST, 0), _Handler)
        self._httpd.owner = self
        self._httpd.timeout = POLL
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"labkit-web-{name}", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _serve(self) -> None:
        # handle_request() returns after POLL seconds without a request, so a closed lab is noticed.
        try:
            while not self._stop.is_set() and not self.lab.closed:
                self._httpd.handle_request()
        finally:
            self._httpd.server_close()

    def fail(self, status: int = 503) -> None:
        """Answer every request with ``status`` (the server stays up: only the page is broken)."""
        if not 400 <= status <= 599:
            raise ConfigurationError(_("a failing page answers 4xx or 5xx, not {status}").format(status=status))
        self.status = status

    def slow(self, seconds: float) -> None:
        """Wait ``seconds`` (at most 10) before answering each request."""
        if not 0 <= seconds <= MAX_DELAY:
            raise ConfigurationError(_("delay must be between 0 and {most:g} seconds").format(most=MAX_DELAY))
        self.delay = float(seconds)

    def heal(self) -> None:
        """Answer 200 at once again."""
        self.status, self.delay = 200, 0.0

    def stop(self) -> None:
        """Stop serving and free the port (idempotent)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=MAX_DELAY + 5 * POLL)
        _RUNNING.pop(_key(self.lab.lab_id, self.name), None)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<LabWebServer {self.name} {state} status={self.status} delay={self.delay:g}s>"


def _key(lab_id: str, name: str) -> str:
    return f"{lab_id}/{name}"


def serve(lab: Lab, name: str = "lab-web") -> LabWebServer:
    """Start the lab web server ``name`` on 127.0.0.1 (a fresh one each time; Run All twice works).

    A server left by a closed lab, or an earlier one of the same name, is stopped first. The
    server is recorded in the lab's registry, so ``lab.teardown()`` stops it and
    ``lab.inventory()`` lists it while it runs.
    """
    for key, server in list(_RUNNING.items()):
        if server.lab.closed or key == _key(lab.lab_id, name):
            server.stop()
    server = LabWebServer(lab, name)
    _RUNNING[_key(lab.lab_id, name)] = server
    ident = {"Name": name, "Lab": lab.lab_id}
    lab.registry.add(resources.KINDS_BY_NAME[LabWebServer.kind_name], lab.region, ident, lab.clock.now(), lab.lab_id)
    return server


def running(ident: dict[str, str]) -> LabWebServer | None:
    """The running server a registry record names (``{"Name", "Lab"}``), if any: what teardown asks."""
    server = _RUNNING.get(_key(ident["Lab"], ident["Name"]))
    return server if server is not None and server.running else None


def stop(ident: dict[str, str]) -> None:
    """Stop the server a registry record names (teardown's delete)."""
    server = running(ident)
    if server is not None:
        server.stop()


resources.register_process_kind(LabWebServer.kind_name, lambda ident: running(ident) is not None, stop)


def tcp_check(url: str, timeout: float = 2.0) -> bool:
    """Whether a TCP connection to the URL's host and port succeeds (a liveness check, not a page check)."""
    require_loopback(url)
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or HOST, parts.port or 80), timeout=timeout):
            return True
    except OSError:
        return False
