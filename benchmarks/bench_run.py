"""`make run` (``python -m labkit run``) at another commit and at this checkout, side by side (issue 20).

The other commit is exported with ``git archive`` into a temporary folder and run with that folder first on
``PYTHONPATH`` (its kernels inherit it, so they import its labkit), in the same environment; the two alternate,
so both see the same machine load. Prints each run's wall time and its table's total, then the medians and their
ratio. ``--before`` defaults to ``HEAD~1``; ``--after`` runs another commit in place of this checkout; ``--rounds`` pairs (default 3); notebook names as for ``labkit run``.

``--kernel-cpu`` measures instead what a shared machine's load changes least: each notebook executed alone in a
fresh kernel, as ``labkit run`` executes it, and the CPU seconds its kernel process used from its start to its last
cell (``time.process_time``, web server thread included), both trees alternating notebook by notebook.

    .venv/bin/python benchmarks/bench_run.py --before main --rounds 3
    .venv/bin/python benchmarks/bench_run.py --before main --rounds 1 --kernel-cpu
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]


def _export(revision: str, target: Path) -> None:
    """``revision``'s files into ``target / "tree"``, and bytecode caches for its labkit and this checkout's.

    Every make target writes the caches (the Makefile unexports ``PYTHONDONTWRITEBYTECODE``, which this machine
    sets): without them each process of a tree compiles labkit again, about half a CPU second a kernel, and an
    exported tree, which has none, looked that much slower than this checkout (found 2026-12-02)."""
    target.mkdir(parents=True, exist_ok=True)
    archive = target / "source.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "--output", str(archive), revision], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target / "tree", filter="data")
    for tree in (target / "tree", REPO):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "labkit")], check=True)


Measured = TypeVar("Measured")


def last_line_in_tree(tree: Path, code: str) -> str:
    """The last line ``code`` prints, run in a fresh interpreter of this environment with ``tree`` first on
    ``PYTHONPATH``, so that it imports that tree's labkit."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def side_by_side(
    before: str, rounds: int, measure: Callable[[Path], Measured], describe: Callable[[Measured], str]
) -> dict[str, list[Measured]]:
    """``measure`` of commit ``before`` (exported by :func:`_export`) and of this checkout, one after the other for
    ``rounds`` rounds, so both see the same machine; prints each result as ``describe`` words it, as it comes.
    Returns the results by side: ``before`` first, then ``"this checkout"``."""
    results: dict[str, list[Measured]] = {before: [], "this checkout": []}
    with tempfile.TemporaryDirectory() as folder:
        _export(before, Path(folder))
        trees = {before: Path(folder) / "tree", "this checkout": REPO}
        for round_number in range(1, rounds + 1):
            for name, tree in trees.items():
                results[name].append(measure(tree))
                print(f"round {round_number}, {name}: {describe(results[name][-1])}", flush=True)
    return results


def _run(tree: Path, notebooks: list[str]) -> tuple[float, str]:
    environment = {**os.environ, "PYTHONPATH": str(tree), "LABKIT_LANG": "en"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "labkit", "run", *notebooks], cwd=tree, env=environment, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"labkit run failed in {tree}:\n{done.stdout}\n{done.stderr[-2000:]}")
    return wall, done.stdout


#: Run in a tree's environment: execute one notebook as ``labkit run`` does, with a last cell that prints the
#: kernel's CPU seconds.
_KERNEL_CPU = """
import json, sys
import nbformat
from nbformat.v4 import new_code_cell
from labkit.tools import notebooks
path = notebooks.resolve(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
for cell in notebook.cells:
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
notebook.cells.append(new_code_cell("import time as _t; print(_t.process_time())"))
with notebooks.backend_environment("moto"):
    done = notebooks.execute(notebook, path.parent)
print(json.dumps([path.stem, float(done.cells[-1].outputs[0]["text"])]))
"""


def _kernel_cpu(tree: Path, notebook: str) -> tuple[str, float]:
    environment = {**os.environ, "PYTHONPATH": str(tree), "LABKIT_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-c", _KERNEL_CPU, notebook], cwd=tree, env=environment, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{notebook} failed in {tree}:\n{done.stderr[-2000:]}")
    stem, seconds = json.loads(done.stdout.splitlines()[-1])
    return stem, seconds


def _compare_kernel_cpu(trees: dict[str, Path], rounds: int, notebooks: list[str]) -> None:
    from labkit.tools.notebooks import notebook_paths

    names = notebooks or [path.stem for path in notebook_paths(REPO)]
    seconds: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    for round_number in range(1, rounds + 1):
        for notebook in names:
            for name, tree in trees.items():
                stem, used = _kernel_cpu(tree, notebook)
                seconds[name].setdefault(stem, []).append(used)
            print(f"round {round_number} {stem}: " + " | ".join(f"{n} {seconds[n][stem][-1]:.2f}" for n in trees))
    totals = {name: sum(statistics.median(v) for v in by_stem.values()) for name, by_stem in seconds.items()}
    for name, total in totals.items():
        print(f"{name}: {total:.1f} kernel CPU s over {len(names)} notebooks (medians of {rounds})")
    before, after = totals.values()
    print(f"ratio: {before / after:.2f}x (before / after); load average now {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--after", help="another commit in place of this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kernel-cpu", action="store_true", help="each notebook's kernel CPU seconds instead")
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _export(args.before, Path(folder) / "before")
        trees = {args.before: Path(folder) / "before" / "tree", "this checkout": REPO}
        if args.after:
            _export(args.after, Path(folder) / "after")
            trees = {args.before: trees[args.before], args.after: Path(folder) / "after" / "tree"}
        if args.kernel_cpu:
            _compare_kernel_cpu(trees, args.rounds, args.notebooks)
            return
        walls: dict[str, list[float]] = {name: [] for name in trees}
        for round_number in range(1, args.rounds + 1):
            for name, tree in trees.items():
                wall, table = _run(tree, args.notebooks)
                walls[name].append(wall)
                total = re.search(r"^total\s+([\d.]+)", table, re.MULTILINE)
                print(f"round {round_number}, {name}: {wall:.1f} s wall (table total {total and total.group(1)} s)")
                print(table, flush=True)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    for name, value in medians.items():
        print(
            f"{name}: median {value:.1f} s wall over {args.rounds} runs ({', '.join(f'{w:.1f}' for w in walls[name])})"
        )
    before, after = medians.values()
    print(f"ratio: {before / after:.2f}x (before / after); load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
