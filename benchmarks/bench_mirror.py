"""The metric mirror to a moto server (issue 20): ``labkit.connect()`` + ``ec2.launch(lab, history_days=7)``
against a server in another process, at another commit and at this checkout, side by side.

Each run starts a fresh server (``--server labkit``: :func:`labkit.emulator.server.labkit_server`, as
``labkit serve``; ``--server moto``: a plain ``ThreadedMotoServer``) and a fresh kernel process, both with
the tree on ``PYTHONPATH``; prints the kernel's CPU (``time.process_time``), the server's CPU over the run
(``/proc/<pid>/stat``) and the wall time, then the medians. The other commit is exported with
``git archive`` (``--after``: another in place of this checkout); the two alternate, so both see the same machine load.

``--advance H`` then moves lab time H hours (each minute's datapoints go to the server in batches, as in
the notebooks, on top of the week the server holds). ``--notebook NN`` runs that notebook instead (``labkit
run NN`` on the ``moto-server`` backend, as a workshop's participant does, checks included): the client's CPU
is then that of ``labkit run`` and its kernel.

    .venv/bin/python benchmarks/bench_mirror.py --before main --rounds 3 --server labkit
    .venv/bin/python benchmarks/bench_mirror.py --before main --rounds 3 --advance 48
    .venv/bin/python benchmarks/bench_mirror.py --before main --rounds 2 --notebook 09
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_run import REPO, _export

SERVERS = {
    "labkit": "from labkit.emulator.server import labkit_server as make; s = make('127.0.0.1', {port})",
    "moto": "from moto.moto_server.threaded_moto_server import ThreadedMotoServer as S; "
    "s = S(ip_address='127.0.0.1', port={port}, verbose=False)",
}

KERNEL = """
import time
started, cpu = time.perf_counter(), time.process_time()
import labkit
from labkit.lesson import ec2
lab = labkit.connect()
ec2.launch(lab, history_days=7)
lab.advance(hours=ADVANCE)  # lab time moving: the minutes' datapoints go to the server in batches
lab.emulator.settle()  # what is still batched goes to the server
print(time.process_time() - cpu, time.perf_counter() - started)
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(tree: Path, server: str, notebook: str | None, advance: float) -> tuple[float, float, float]:
    """(kernel CPU, server CPU, wall) of one connect + 7-day launch (then ``advance`` hours of lab time), or of
    ``labkit run notebook``."""
    port = _free_port()
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    code = SERVERS[server].format(port=port) + "; s.start(); print('ready', flush=True); import time; time.sleep(3600)"
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        before = _cpu_seconds(process.pid)
        kernel = {
            **environment,
            "LABKIT_BACKEND": "moto-server",
            "LABKIT_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "LABKIT_PARTICIPANT": "bench-mirror",
            "LABKIT_HOME": tempfile.mkdtemp(prefix="bench-mirror-"),
        }
        command = (
            ["-m", "labkit", "run", "--backend", "moto-server", notebook]
            if notebook
            else ["-c", f"ADVANCE = {advance}\n" + KERNEL]
        )
        children, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        done = subprocess.run([sys.executable, *command], cwd=tree, env=kernel, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the kernel failed in {tree}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        server_cpu = _cpu_seconds(process.pid) - before
        if not notebook:
            kernel_cpu, wall = map(float, done.stdout.split()[-2:])
            return kernel_cpu, server_cpu, wall
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # labkit run and the kernel it waited for
        return after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, server_cpu, wall
    finally:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--after", help="another commit in place of this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", choices=sorted(SERVERS), default="labkit")
    parser.add_argument("--advance", type=float, default=0, help="hours of lab time after the launch")
    parser.add_argument("--notebook", help="run this notebook (e.g. 09) instead of connect + a 7-day launch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        trees = {args.before: Path(folder) / "before" / "tree", args.after or "this checkout": REPO}
        trees[args.before].parent.mkdir()
        _export(args.before, trees[args.before].parent)
        if args.after:
            trees[args.after] = Path(folder) / "after" / "tree"
            trees[args.after].parent.mkdir()
            _export(args.after, trees[args.after].parent)
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
        for round_number in range(1, args.rounds + 1):
            for name, tree in trees.items():
                figure = _run(tree, args.server, args.notebook, args.advance)
                figures[name].append(figure)
                print(
                    f"round {round_number} {name:>14}: kernel {figure[0]:.2f} CPU s, server {figure[1]:.2f} CPU s, "
                    f"wall {figure[2]:.2f} s",
                    flush=True,
                )
    for name, runs in figures.items():
        kernel, server, wall = (statistics.median(column) for column in zip(*runs))
        print(f"median {name:>14}: kernel {kernel:.2f} CPU s, server {server:.2f} CPU s, wall {wall:.2f} s")
    print(
        f"{args.notebook or f'launch, {args.advance:g} h'} on a {args.server} server; load average now {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
