"""`make run` (``python -m labkit run``) at another commit and at this checkout, side by side (issue 20).

The other commit is exported with ``git archive`` into a temporary folder and run with that folder first on
``PYTHONPATH`` (its kernels inherit it, so they import its labkit), in the same environment; the two alternate,
so both see the same machine load. Prints each run's wall time and its table's total, then the medians and their
ratio. ``--before`` defaults to ``HEAD~1``; ``--rounds`` pairs (default 3); notebook names as for ``labkit run``.

    .venv/bin/python benchmarks/bench_run.py --before main --rounds 3
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _export(revision: str, target: Path) -> None:
    archive = target / "source.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "--output", str(archive), revision], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target / "tree", filter="data")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _export(args.before, Path(folder))
        trees = {args.before: Path(folder) / "tree", "this checkout": REPO}
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
