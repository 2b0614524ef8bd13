"""A notebook kernel's start, fresh (ipykernel's ``python3``) and forked from the zygote (``labkit-prewarmed``,
labkit.tools.prewarmed), side by side (issue 20).

Each round executes the same first cell in both kinds of kernel, alternating: what the lab notebooks' setup cells
do (import labkit, pandas and pyplot, connect, one EC2 call). Prints, per kind, the median of the kernel's own CPU
seconds when that cell ends (``time.process_time`` in the kernel: from its start, or from its fork) and of the wall
seconds from asking for a kernel to that cell's end, then their ratios; and what the zygote cost once (its CPU
seconds until it was ready, from ``/proc``), which a run of N kernels shares.

    .venv/bin/python benchmarks/bench_kernels.py --rounds 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import nbformat

from labkit.tools import prewarmed
from labkit.tools.notebooks import backend_environment, notebook_client

REPO = Path(__file__).resolve().parents[1]
SETUP = """
import time
import matplotlib.pyplot as plt
import pandas as pd
import labkit
lab = labkit.connect()
lab.client("ec2").describe_instances()
print(time.process_time())
"""


def _run(kernel: str) -> tuple[float, float]:
    """(kernel CPU seconds, wall seconds) of one kernel that runs :data:`SETUP`."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)]
    started = time.perf_counter()
    executed = notebook_client(notebook, REPO / "notebooks", timeout=120, kernel_name=kernel).execute()
    wall = time.perf_counter() - started
    printed = "".join(o.get("text", "") for o in executed.cells[0].outputs if o.get("name") == "stdout")
    return float(printed.split()[-1]), wall


def _zygote_cpu() -> float | None:
    """The CPU seconds of the running zygote (the process listening on the socket this process set), from /proc."""
    path = os.environ.get(prewarmed.SOCKET_VARIABLE)
    if not path:
        return None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                if path.encode() in command and b"labkit.tools.prewarmed" in command:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                continue
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with backend_environment("moto"):
        if prewarmed.kernel_name() != prewarmed.KERNEL_NAME:
            raise SystemExit("no zygote here (labkit.tools.prewarmed.supported() is False): nothing to compare")
        zygote = _zygote_cpu()
        results: dict[str, list[tuple[float, float]]] = {"python3": [], prewarmed.KERNEL_NAME: []}
        for _ in range(args.rounds):
            for kernel in results:
                results[kernel].append(_run(kernel))
    medians = {
        kernel: (statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs))
        for kernel, runs in results.items()
    }
    for kernel, (cpu, wall) in medians.items():
        print(
            f"{kernel:>18}: kernel {cpu:.2f} CPU s, {wall:.2f} s wall to the first cell's end (median of {args.rounds})"
        )
    fresh, forked = medians["python3"], medians[prewarmed.KERNEL_NAME]
    print(f"ratio (fresh / forked): {fresh[0] / forked[0]:.2f}x kernel CPU, {fresh[1] / forked[1]:.2f}x wall")
    if zygote is not None:
        print(f"the zygote's start, once per run: {zygote:.2f} CPU s; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
