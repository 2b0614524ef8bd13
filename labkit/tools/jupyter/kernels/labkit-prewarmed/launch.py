"""The ``labkit-prewarmed`` kernel's launcher (``labkit.tools.prewarmed``): the process Jupyter starts and manages.

It asks the zygote named by ``LABKIT_KERNEL_ZYGOTE`` for a forked ipykernel kernel with this process's standard
streams, environment, working directory and arguments, passes on the signals Jupyter sends (an interrupt, a
request to end) and ends when the kernel does. With no zygote, or one that cannot serve this environment, it
becomes an ordinary ``python -m ipykernel_launcher``. Standard library only: it runs with ``python -I``.

``launch.py -m MODULE ARGS…`` does the same for ``python -m MODULE ARGS…`` (the tests' ``labkit`` commands in a new
process: ``labkit.tools.prewarmed.module_command``), and exits with the forked process's status.
"""

import json
import os
import select
import signal
import socket
import sys

#: The signals Jupyter sends a kernel process (interrupt, shut down), passed on to the forked kernel.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def forked_process(path: str, module: "str | None", arguments: "list[str]") -> "tuple[int, socket.socket] | None":
    """The pid of a kernel (or of ``python -m module``) with ``arguments`` the zygote at ``path`` forked for this
    launcher, and the connection that lives as long as it does; None if the zygote is gone or refuses (another
    environment)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        connection.connect(path)
        request = {"argv0": sys.argv[0], "argv": arguments, "cwd": os.getcwd(), "env": dict(os.environ)}
        if module:
            request["module"] = module
        socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
        pid = int(connection.recv(64) or b"0")
    except OSError:
        pid = 0
    if not pid:
        connection.close()
        return None
    return pid, connection


def stand_for(pid: int, connection: socket.socket) -> int:
    """Pass Jupyter's signals on to the kernel ``pid`` until it ends (its end of ``connection`` closes); end it
    if this launcher's parent goes away, as ipykernel ends when its parent does. The status it ended with: what it
    sent (``exit N``) before it closed, else 1 (killed)."""
    for signum in FORWARDED:
        signal.signal(signum, lambda number, _frame: os.kill(pid, number))
    parent = os.getppid()
    status = 1
    while True:
        readable, _, _ = select.select([connection], [], [], 1.0)
        if readable:
            message = connection.recv(64)
            if not message:
                return status
            if message.startswith(b"exit "):
                status = int(message[5:])
        if os.getppid() != parent:
            os.kill(pid, signal.SIGKILL)
            return status


def main() -> None:
    path = os.environ.get("LABKIT_KERNEL_ZYGOTE")
    module = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-m" else None
    arguments = sys.argv[3:] if module else sys.argv[1:]
    forked = forked_process(path, module, arguments) if path and hasattr(socket, "send_fds") else None
    if forked is None:
        fresh = [sys.executable, "-m", module or "ipykernel_launcher", *arguments]
        if os.name == "nt":  # Windows' execv starts another process and ends this one, which Jupyter manages
            import subprocess

            sys.exit(subprocess.call(fresh))
        os.execv(sys.executable, fresh)
    status = stand_for(*forked)
    if module:
        sys.exit(status)


if __name__ == "__main__":
    main()
