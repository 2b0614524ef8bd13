"""`make test` (or ``--target unit``: `make unit`) at two commits, one after the other in the same environment
(issues 15 and 20).

Each commit is exported with ``git archive`` into a temporary folder and run there with this checkout's virtual
environment (``make test VENV=…``) and that folder first on ``PYTHONPATH``, so its test processes, kernels and
zygote import its labkit; ``LABKIT_SHARED_DIR`` (or ``../shared`` beside this checkout) is passed to both, so both
run the same tests. The two alternate for ``--rounds`` pairs, so both see the same machine load; exported trees
stay as they were while you go on editing. Prints each run's wall time and the pytest summary lines, then the
medians and their ratio.

    .venv/bin/python benchmarks/bench_make_test.py --before main~3 --after main --rounds 1
    .venv/bin/python benchmarks/bench_make_test.py --before main~3 --after main --rounds 2 --target unit
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_run import REPO, _export

SUMMARY = re.compile(r"^=*\s*\d+ (passed|failed).*$", re.MULTILINE)


def _exported(revision: str, target: Path) -> Path:
    """``revision``'s tree (``bench_run``'s export), its pyproject.toml older than the virtual environment's stamp:
    the tree's `make` must not reinstall labkit (an editable install of a temporary folder would leave the
    environment without labkit once the folder is removed)."""
    target.mkdir()
    _export(revision, target)
    tree = target / "tree"
    os.utime(tree / "pyproject.toml", (0, 0))
    return tree


def _make(target: str, tree: Path, environment: dict[str, str]) -> tuple[float, int, list[str]]:
    """``make target`` in ``tree``: its wall seconds, exit status and pytest summary lines."""
    start = time.perf_counter()
    finished = subprocess.run(
        ["make", "--no-print-directory", target, f"VENV={REPO / '.venv'}"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    return wall, finished.returncode, [m.group(0).strip("= ") for m in SUMMARY.finditer(finished.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="HEAD~1", help="the commit to compare with (default HEAD~1)")
    parser.add_argument("--after", default="HEAD", help="the commit measured against it (default HEAD)")
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs (default 1)")
    parser.add_argument("--target", default="test", choices=("test", "unit"), help="the make target (default test)")
    options = parser.parse_args()
    shared = os.environ.get("LABKIT_SHARED_DIR") or str(REPO.parent / "shared")
    walls: dict[str, list[float]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="bench-make-test-") as folder:
        trees = {
            name: _exported(revision, Path(folder) / name)
            for name, revision in (("before", options.before), ("after", options.after))
        }
        for round_number in range(1, options.rounds + 1):
            for name, tree in trees.items():
                environment = {**os.environ, "LABKIT_SHARED_DIR": shared}
                environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")]))
                wall, status, summaries = _make(options.target, tree, environment)
                walls[name].append(wall)
                print(f"round {round_number} {name:6} {wall:7.1f} s  rc={status}  {' | '.join(summaries)}", flush=True)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    print(
        f"median wall: before {medians['before']:.1f} s, after {medians['after']:.1f} s, "
        f"{medians['before'] / medians['after']:.2f}x"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
