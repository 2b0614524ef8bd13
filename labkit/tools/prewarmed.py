"""Notebook kernels forked from a process that has already imported what the lab notebooks import.

``labkit run``, the notebook tests and nbval (``make run``, ``make test``) start a Jupyter kernel per notebook;
each spent about 2 CPU seconds importing ipykernel, pandas, matplotlib, boto3 and moto before its first cell.
Here a *zygote* process imports most of them once; the ``labkit-prewarmed`` kernel (``labkit/tools/jupyter/kernels/``)
asks it for a fork that becomes an ordinary ipykernel kernel with the launcher's file descriptors, environment,
working directory and arguments. What the zygote imported is what a fresh kernel would import, unchanged:

- it imports only third-party modules that keep no state a kernel's run could tell apart (:data:`NOT_PREIMPORTED`
  names those left to the kernel: labkit reads ``LABKIT_LANG`` and ``LABKIT_EMAIL`` at import, ipykernel's
  ``kernelapp`` reads ``JPY_PARENT_PID``, matplotlib's inline backend hooks into the running IPython when
  imported); if importing the others loaded one of them, the zygote does not serve;
- it sets ``MPLBACKEND`` before importing matplotlib as ipykernel does at start, before any cell runs;
- it forks for a kernel only when the kernel's environment equals the zygote's but for the variables no
  preimported module reads (:data:`MAY_DIFFER`); otherwise, and wherever forking is not available (Windows,
  macOS), the launcher starts a fresh ``ipykernel_launcher`` as the ``python3`` kernel does.

The kernel a learner runs in JupyterLab is the ordinary ``python3`` kernel; this one only saves the machines
that run every notebook (issue 20). Strict nbval checks the forked kernels' outputs against the committed ones.

The same zygote forks ``python -m labkit …`` commands for the tests that need labkit in a process of its own
(:func:`module_command`: teardown after a kernel died), about a second saved each.
"""

from __future__ import annotations

import functools
import gc
import importlib
import json
import os
import runpy
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from labkit.runtime.environment import restored_environment

#: The kernelspec's name (``labkit/tools/jupyter/kernels/labkit-prewarmed/kernel.json``).
KERNEL_NAME = "labkit-prewarmed"
#: Where the zygote listens: set for the kernels' launchers while :func:`prewarmed_kernels` runs.
SOCKET_VARIABLE = "LABKIT_KERNEL_ZYGOTE"
#: Jupyter's data folder holding the kernelspec (put on ``JUPYTER_PATH``).
JUPYTER_DATA = Path(__file__).with_name("jupyter")
#: The kernelspec's launcher, which also starts ``python -m`` commands (:func:`module_command`).
LAUNCHER = JUPYTER_DATA / "kernels" / KERNEL_NAME / "launch.py"
#: Environment variables a kernel may have different from the zygote's, by prefix: only modules of
#: :data:`NOT_PREIMPORTED` read them at import (labkit's own; Jupyter's, which ipykernel's ``kernelapp`` reads).
MAY_DIFFER = ("LABKIT_", "JPY_")
#: ... and by name: read only while a program runs, never on import by a preimported module (the terminal's size,
#: by ``shutil.get_terminal_size``; pytest's current test, by ipykernel's output streams as the kernel starts).
MAY_DIFFER_NAMES = frozenset({"COLUMNS", "LINES", "PYTEST_CURRENT_TEST"})
#: What the zygote imports: ipykernel's kernel and the third-party packages the notebooks' cells import (measured in
#: a kernel after notebook 02), but :data:`NOT_PREIMPORTED`.
PREIMPORTED = (
    "ipykernel.ipkernel",
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",
    "boto3",
    "botocore.session",
    "moto",
    "moto.backends",
    "moto.core.models",
    "moto.core.responses",
    "babel",
)
#: Modules each kernel imports itself, because they read its environment or its running IPython when imported
#: (labkit: the zygote's own modules are dropped in each kernel, which imports labkit afresh; pandas: its display
#: options depend on whether IPython runs).
NOT_PREIMPORTED = ("labkit.", "ipykernel.kernelapp", "matplotlib_inline", "matplotlib_fontja", "pandas")
#: The services the labs use (their moto modules and botocore models: the test workers load them once too).
#: labkit patches some of moto's modules as they load (``labkit.emulator.moto_ids``) and the same way when they were
#: loaded before: tests/test_prewarmed.py checks that a forked kernel draws the ids a fresh one draws.
LAB_SERVICES = (
    "cloudwatch",
    "sns",
    "logs",
    "ec2",
    "iam",
    "events",
    "autoscaling",
    "ssm",
    "guardduty",
    "budgets",
    "sqs",
    "cloudtrail",
    "s3",
    "config",
    "sts",
    "ce",
    "route53",
)
#: The modules ``python -m labkit.tools.prewarmed`` imports to run this module as ``__main__`` (none reads the
#: environment; each kernel imports them afresh).
ZYGOTE_MODULES = ("labkit", "labkit.tools", "labkit.runtime", "labkit.runtime.environment")
#: ipykernel's own default, applied before matplotlib is imported (ipykernel's ``kernelapp`` does it at start).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def supported() -> bool:
    """Whether kernels can be forked here: Linux (``os.fork`` of a process with no threads, and descriptors
    passed over a Unix socket). macOS's system libraries are not safe to use after a fork; Windows has none."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def compatible(kernel: dict[str, str], zygote: dict[str, str], *, is_kernel: bool = True) -> bool:
    """Whether a kernel with environment ``kernel`` may be forked from a zygote started with ``zygote``: equal but
    for :data:`MAY_DIFFER` and :data:`MAY_DIFFER_NAMES`, an unset ``MPLBACKEND`` counting as the inline backend
    ipykernel sets at start (in the zygote always; in the forked process if it is a kernel, ``is_kernel``: a
    ``python -m`` command, :func:`module_command`, must name it, as the zygote imported matplotlib with it)."""

    def relevant(environment: dict[str, str], inline_by_default: bool) -> dict[str, str]:
        kept = {
            key: value
            for key, value in environment.items()
            if not key.startswith(MAY_DIFFER) and key not in MAY_DIFFER_NAMES
        }
        if inline_by_default:
            kept["MPLBACKEND"] = kept.get("MPLBACKEND") or INLINE_BACKEND
        return kept

    return relevant(kernel, is_kernel) == relevant(zygote, True)


def module_command(module: str, *arguments: str) -> list[str]:
    """The command line of ``python -m module arguments…`` in a new process forked from the running zygote
    (:func:`prewarmed_kernels`), which has imported boto3 and moto already: the launcher exits with the forked
    process's status, its output on the launcher's standard streams. Fresh ``python -m`` where no zygote runs or it
    cannot serve the environment. The tests' ``labkit`` commands that must run in a process of their own
    (tests/test_crash_recovery.py: teardown after a kernel died) start this way."""
    if not os.environ.get(SOCKET_VARIABLE):
        return [sys.executable, "-m", module, *arguments]
    return [sys.executable, "-I", str(LAUNCHER), "-m", module, *arguments]


def kernel_name() -> str:
    """The kernel to execute notebooks with: ``labkit-prewarmed`` while a zygote runs
    (:func:`prewarmed_kernels`), else ipykernel's ``python3``."""
    return KERNEL_NAME if os.environ.get(SOCKET_VARIABLE) else "python3"


@contextmanager
def prewarmed_kernels(*, wait: bool = True) -> Iterator[Callable[[], None]]:
    """Run a zygote while the block runs, so that :func:`kernel_name` names the ``labkit-prewarmed`` kernel (one
    already running is used; none where :func:`supported` is not, and the kernelspec then starts fresh kernels).
    Start it with the environment the kernels will have (``labkit.tools.notebooks.backend_environment`` does):
    kernels whose environment differs start fresh.

    The block is given a function that waits until the zygote serves (it imports for a few seconds first). With
    ``wait=False`` the block starts at once and :func:`kernel_name` names ``python3`` until it calls that function:
    ``labkit run`` starts its longest notebook in a fresh kernel on the core the importing zygote leaves idle."""
    if os.environ.get(SOCKET_VARIABLE):
        yield lambda: None
        return
    with restored_environment(SOCKET_VARIABLE, "JUPYTER_PATH"):
        # Jupyter finds the kernelspec on JUPYTER_PATH (nbval names it); set before the zygote starts: its
        # environment is the one it serves.
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(JUPYTER_DATA), os.environ.get("JUPYTER_PATH")]))
        with tempfile.TemporaryDirectory(prefix="labkit-kernels-") as folder, _zygote(folder) as ready:

            def serving() -> None:
                path = ready()
                if path:
                    os.environ[SOCKET_VARIABLE] = path

            if wait:
                serving()
            yield serving


@contextmanager
def _zygote(folder: str) -> Iterator[Callable[[], str | None]]:
    """A zygote listening in ``folder`` while the block runs. The block gets a function that waits until it is
    ready and gives its socket's path, or None if it cannot run here."""
    if not supported():
        yield lambda: None
        return
    path = os.path.join(folder, "zygote.sock")
    zygote = subprocess.Popen(
        [sys.executable, "-m", "labkit.tools.prewarmed", path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert zygote.stdout is not None and zygote.stdin is not None
    output = zygote.stdout

    @functools.cache
    def ready() -> str | None:
        return path if output.readline() == b"ready\n" else None

    try:
        yield ready
    finally:
        zygote.stdin.close()  # the zygote's signal to exit
        try:
            zygote.wait(timeout=10)
        except subprocess.TimeoutExpired:
            zygote.kill()
            zygote.wait()


@contextmanager
def _one_botocore_loader() -> Iterator[None]:
    """Every botocore session made meanwhile gets one data loader (as a moto lab's do:
    ``labkit.emulator.moto_accounts.share_loaders``, which the zygote may not import). moto makes sessions as its
    modules load, three when ``moto.ec2`` is imported, and each new loader parsed the EC2 model and the endpoints
    again: 0.7 of the zygote's 1.7 CPU s loading the services. A loader only caches botocore's own files."""
    import botocore.loaders
    import botocore.session

    loader = botocore.loaders.create_loader()
    create_loader = botocore.session.create_loader

    def shared(search_path_string: str | None = None) -> botocore.loaders.Loader:
        return loader if search_path_string is None else create_loader(search_path_string)

    botocore.session.create_loader = shared
    try:
        yield
    finally:
        botocore.session.create_loader = create_loader


def _serve(path: str) -> None:
    """The zygote: import, then fork a kernel for each launcher that connects, until standard input closes."""
    environment = dict(os.environ)
    if sys.path[0] == os.getcwd():  # as ipykernel_launcher does: nothing is imported from the working folder
        del sys.path[0]
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    for name in PREIMPORTED:
        importlib.import_module(name)
    from moto.backends import get_backend

    with _one_botocore_loader():
        for service in LAB_SERVICES:
            get_backend(service)  # type: ignore[call-overload]
    os.environ.clear()
    os.environ.update(environment)
    if any(name.startswith(NOT_PREIMPORTED) for name in sys.modules if name not in ZYGOTE_MODULES):
        return
    if threading.active_count() != 1:  # forking a process with threads could leave a lock held in the child
        return
    gc.collect()
    gc.freeze()  # the imported objects stay shared with the kernels, untouched by their collections
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped by the system
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(8)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable:
            return
        connection, _ = listener.accept()
        message, descriptors, _, _ = socket.recv_fds(connection, 1 << 20, 3)
        request = json.loads(message)
        if len(descriptors) != 3 or not compatible(request["env"], environment, is_kernel="module" not in request):
            connection.send(b"0")
        elif os.fork() == 0:
            listener.close()
            _become(connection, descriptors, request)
        for descriptor in descriptors:
            os.close(descriptor)
        connection.close()


def _become(connection: socket.socket, descriptors: list[int], request: dict[str, Any]) -> None:
    """In the forked child: take the launcher's place and run ipykernel, or ``python -m`` the request's ``module``;
    tell the launcher the exit status, and never return."""
    code = 1
    try:
        module = request.get("module")
        if not module:
            os.setsid()  # as jupyter_client starts kernels: out of the terminal's process group
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, descriptor in enumerate(descriptors):
            os.dup2(descriptor, target)
            os.close(descriptor)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = [request["argv0"], *request["argv"]]
        for name in ZYGOTE_MODULES:
            sys.modules.pop(name, None)
        connection.send(str(os.getpid()).encode())
        threading.Thread(target=_exit_with_launcher, args=(connection,), daemon=True).start()
        if module:
            sys.path.insert(0, request["cwd"])  # as `python -m` does
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            from ipykernel import kernelapp

            kernelapp.launch_new_instance(argv=request["argv"])
        code = 0
    except SystemExit as leaving:  # sys.exit(): None is success, a message is failure
        code = 0 if leaving.code is None else leaving.code if isinstance(leaving.code, int) else 1
        if not isinstance(leaving.code, int | None):
            print(leaving.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception, before exiting 1
        sys.excepthook(*sys.exc_info())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            connection.send(f"exit {code}".encode())
        except OSError:  # the launcher is gone
            pass
        os._exit(code)


def _exit_with_launcher(connection: socket.socket) -> None:
    """The launcher is the process Jupyter manages: when it ends (killed, or its own parent gone), so does the
    kernel, as a kernel ends with its manager."""
    while connection.recv(64):
        pass
    os._exit(1)


if __name__ == "__main__":
    _serve(sys.argv[1])
